//! Tests of the fake Discord itself: every payload it sends must deserialize into serenity's
//! model types (serenity silently turns unreadable events into `Event::Unknown`), and the
//! limits/errors it enforces must surface through an unmodified serenity `Http`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::fake_discord::{interaction, Failure, FakeConfig, FakeDiscord, FAKE_TOKEN};
use crate::support::machine;
use serde_json::{json, Value};
use serenity::all::{
    Channel, ChannelId, ChannelType, Command, CommandOptionType, CreateActionRow,
    CreateAllowedMentions, CreateButton, CreateCommand, CreateCommandOption, CreateEmbed,
    CreateEmbedAuthor, CreateEmbedFooter, CreateForumPost, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    EditInteractionResponse, GatewayIntents, GetMessages, GuildId, Interaction, InteractionId,
    MessageFlags, Nonce, Permissions, ResolvedValue, UserId,
};
use serenity::http::HttpError;
use serenity::model::event::{Event, GatewayEvent};

/// The headers of the bot's own requests: `Authorization: Bot <token>`, as serenity sends it.
fn bot_headers() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bot {FAKE_TOKEN}").parse().unwrap(),
    );
    h
}

/// A plain HTTP client that authenticates as the fake's bot.
fn bot_client() -> reqwest::Client {
    reqwest::Client::builder()
        .default_headers(bot_headers())
        .build()
        .unwrap()
}

const GUILD: u64 = 3;
const TEXT: u64 = 4;
const NEWS: u64 = 5;
const FORUM: u64 = 6;

async fn fake_with_guild() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    fake.add_guild(GUILD, Some(TEXT));
    fake.add_channel(GUILD, NEWS, 5);
    fake.add_channel(GUILD, FORUM, 15);
    fake
}

fn dispatch_frame(t: &str, d: Value) -> GatewayEvent {
    let frame = json!({ "op": 0, "t": t, "s": 1, "d": d });
    serde_json::from_value(frame).unwrap_or_else(|e| panic!("{t} does not deserialize: {e}"))
}

fn event(t: &str, d: Value) -> Event {
    match dispatch_frame(t, d) {
        GatewayEvent::Dispatch(_, Event::Unknown(u)) => {
            panic!("{t} became Event::Unknown: {:?}", u.value)
        }
        GatewayEvent::Dispatch(_, ev) => ev,
        other => panic!("{t}: not a dispatch: {other:?}"),
    }
}

/// (status, Discord code, error paths) of a failed serenity call.
fn discord_error<T: std::fmt::Debug>(r: serenity::Result<T>) -> (u16, isize, Vec<String>) {
    match r {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => (
            e.status_code.as_u16(),
            e.error.code,
            e.error.errors.iter().map(|x| x.path.clone()).collect(),
        ),
        other => panic!("expected an unsuccessful request, got {other:?}"),
    }
}

fn full_embed(n: usize) -> CreateEmbed {
    CreateEmbed::new()
        .title(format!("Paper {n}: 논문 제목"))
        .url("https://huggingface.co/papers/2401.00001")
        .description("요약 ".repeat(50))
        .colour(0xFFD21E)
        .field("Authors", "A. Author, B. Author", true)
        .field("Upvotes", "42", true)
        .footer(
            CreateEmbedFooter::new("Hugging Face Daily Papers")
                .icon_url("https://huggingface.co/favicon.ico"),
        )
        .author(
            CreateEmbedAuthor::new("paperboy")
                .url("https://huggingface.co")
                .icon_url("https://huggingface.co/a.png"),
        )
        .thumbnail("https://cdn-thumbnails.huggingface.co/x.png")
        .image("https://cdn-thumbnails.huggingface.co/y.png")
        .timestamp(serenity::model::Timestamp::now())
}

// ---------------------------------------------------------------------------------------------
// Payloads → serenity models
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn gateway_payloads_deserialize_into_serenity_models() {
    let fake = fake_with_guild().await;
    fake.add_guild(7, None);

    let ready = match event("READY", fake.ready_payload("sess", Some([0, 1]))) {
        Event::Ready(r) => r.ready,
        other => panic!("{other:?}"),
    };
    assert_eq!(ready.application.id.get(), 2);
    assert_eq!(ready.user.id.get(), 1);
    assert!(ready.user.bot);
    assert_eq!(ready.session_id, "sess");
    assert_eq!(ready.guilds.len(), 2);
    assert!(ready.guilds.iter().all(|g| g.unavailable));

    let guild = match event("GUILD_CREATE", fake.guild_create_payload(GUILD).unwrap()) {
        Event::GuildCreate(g) => g.guild,
        other => panic!("{other:?}"),
    };
    assert_eq!(guild.id.get(), GUILD);
    assert_eq!(guild.system_channel_id, Some(ChannelId::new(TEXT)));
    assert_eq!(guild.channels.len(), 3);
    assert_eq!(
        guild.channels[&ChannelId::new(NEWS)].kind,
        ChannelType::News
    );
    assert_eq!(
        guild.channels[&ChannelId::new(FORUM)].kind,
        ChannelType::Forum
    );
    assert_eq!(guild.channels[&ChannelId::new(TEXT)].guild_id.get(), GUILD);
    assert_eq!(guild.members.len(), 1);
    let empty = match event("GUILD_CREATE", fake.guild_create_payload(7).unwrap()) {
        Event::GuildCreate(g) => g.guild,
        other => panic!("{other:?}"),
    };
    assert!(empty.channels.is_empty() && empty.system_channel_id.is_none());

    for (id, kind) in [
        (TEXT, ChannelType::Text),
        (NEWS, ChannelType::News),
        (FORUM, ChannelType::Forum),
    ] {
        let payload = fake.channel_payload(id).unwrap();
        match event("CHANNEL_CREATE", payload.clone()) {
            Event::ChannelCreate(c) => assert_eq!(c.channel.kind, kind),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            event("CHANNEL_DELETE", payload.clone()),
            Event::ChannelDelete(_)
        ));
        let channel: serenity::model::channel::Channel = serde_json::from_value(payload).unwrap();
        assert_eq!(channel.guild().unwrap().kind, kind);
    }

    assert!(matches!(event("RESUMED", json!({})), Event::Resumed(_)));
    let invalid: GatewayEvent = serde_json::from_value(json!({ "op": 9, "d": false })).unwrap();
    assert!(matches!(invalid, GatewayEvent::InvalidateSession(false)));
    let hello: GatewayEvent =
        serde_json::from_value(json!({ "op": 10, "d": { "heartbeat_interval": 41250 } })).unwrap();
    assert!(matches!(hello, GatewayEvent::Hello(41250)));
    let ack: GatewayEvent = serde_json::from_value(json!({ "op": 11 })).unwrap();
    assert!(matches!(ack, GatewayEvent::HeartbeatAck));
    let reconnect: GatewayEvent = serde_json::from_value(json!({ "op": 7, "d": null })).unwrap();
    assert!(matches!(reconnect, GatewayEvent::Reconnect));
}

fn command_of(d: Value) -> serenity::all::CommandInteraction {
    match event("INTERACTION_CREATE", d) {
        Event::InteractionCreate(ev) => match ev.interaction {
            Interaction::Command(c) => c,
            other => panic!("not a command: {other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn interaction_builders_deserialize_into_commands() {
    let fake = fake_with_guild().await;

    // Top-level command with options of several kinds.
    let d = interaction::slash(
        100,
        "tok-1",
        GUILD,
        TEXT,
        55,
        8,
        &["digest"],
        json!([
            interaction::string_opt("query", "diffusion"),
            interaction::int_opt("count", 5),
            interaction::bool_opt("public", true),
            interaction::channel_opt("channel", FORUM),
            { "name": "who", "type": 6, "value": "77" },
            { "name": "role", "type": 8, "value": "88" },
        ]),
    );
    let cmd = command_of(fake.enriched_interaction(d.clone()));
    assert_eq!(cmd.id.get(), 100);
    assert_eq!(cmd.token, "tok-1");
    assert_eq!(cmd.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(cmd.channel_id.get(), TEXT);
    assert_eq!(cmd.data.name, "digest");
    let member = cmd.member.as_ref().unwrap();
    assert_eq!(member.user.id.get(), 55);
    assert_eq!(member.permissions, Some(Permissions::all()));
    assert!(cmd
        .app_permissions
        .unwrap()
        .contains(Permissions::SEND_MESSAGES | Permissions::EMBED_LINKS));
    assert_eq!(cmd.channel.as_ref().unwrap().kind, ChannelType::Text);
    let opts = cmd.data.options();
    assert_eq!(opts.len(), 6);
    assert!(matches!(opts[0].value, ResolvedValue::String("diffusion")));
    assert!(matches!(opts[1].value, ResolvedValue::Integer(5)));
    assert!(matches!(opts[2].value, ResolvedValue::Boolean(true)));
    match &opts[3].value {
        // The fake fills in the real channel type of channels it knows.
        ResolvedValue::Channel(c) => assert_eq!((c.id.get(), c.kind), (FORUM, ChannelType::Forum)),
        other => panic!("{other:?}"),
    }
    match &opts[4].value {
        ResolvedValue::User(u, Some(_)) => assert_eq!(u.id.get(), 77),
        other => panic!("{other:?}"),
    }
    assert!(matches!(&opts[5].value, ResolvedValue::Role(r) if r.id.get() == 88));
    // The raw builder output (without the fake's enrichment) is readable too.
    assert_eq!(command_of(d).data.options().len(), 6);

    // Subcommand without options: must carry "options": [].
    let cmd = command_of(interaction::slash(
        101,
        "tok-2",
        GUILD,
        TEXT,
        55,
        0,
        &["papers", "today"],
        json!([]),
    ));
    let opts = cmd.data.options();
    assert_eq!(opts[0].name, "today");
    assert!(matches!(&opts[0].value, ResolvedValue::SubCommand(v) if v.is_empty()));

    // Subcommand group.
    let cmd = command_of(interaction::slash(
        102,
        "tok-3",
        GUILD,
        TEXT,
        55,
        1 << 5,
        &["papers", "keywords", "add"],
        json!([interaction::string_opt("word", "llm")]),
    ));
    let opts = cmd.data.options();
    let ResolvedValue::SubCommandGroup(group) = &opts[0].value else {
        panic!("{opts:?}")
    };
    assert_eq!((opts[0].name, group[0].name), ("keywords", "add"));
    let ResolvedValue::SubCommand(leaf) = &group[0].value else {
        panic!("{group:?}")
    };
    assert_eq!(leaf[0].name, "word");
    assert!(matches!(leaf[0].value, ResolvedValue::String("llm")));
    assert_eq!(
        cmd.member.unwrap().permissions,
        Some(Permissions::MANAGE_GUILD)
    );

    // Autocomplete.
    let d = interaction::autocomplete(
        103,
        "tok-4",
        GUILD,
        TEXT,
        55,
        &["papers", "keywords", "remove"],
        json!([interaction::focused("word", "ll")]),
    );
    match event("INTERACTION_CREATE", fake.enriched_interaction(d)) {
        Event::InteractionCreate(ev) => match ev.interaction {
            Interaction::Autocomplete(a) => {
                let focused = a.data.autocomplete().unwrap();
                assert_eq!((focused.name, focused.value), ("word", "ll"));
                assert_eq!(focused.kind, CommandOptionType::String);
            }
            other => panic!("not autocomplete: {other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// In a thread the interaction's channel is the thread as Discord sends it (type 11, its
/// parent, `thread_metadata`), for a forum post the bot created and for a thread a member
/// started from a message (which has the message's id); in a DM an autocomplete is a DM's.
#[tokio::test]
async fn interactions_in_threads_carry_the_thread_and_its_parent() {
    let fake = fake_with_guild().await;
    let http = fake.http();
    let post = ChannelId::new(FORUM)
        .create_forum_post(
            &http,
            serenity::all::CreateForumPost::new("A paper", CreateMessage::new().content("card")),
        )
        .await
        .unwrap();
    let card = ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new().content("a card"))
        .await
        .unwrap();
    fake.start_thread_from_message(TEXT, card.id.get(), "about the card", 55);
    assert!(fake.threads(TEXT).iter().any(|t| {
        let id = |k: &str| t[k].as_str().and_then(|s| s.parse::<u64>().ok());
        id("id") == Some(card.id.get()) && id("parent_id") == Some(TEXT)
    }));
    for (thread, parent, owner) in [(post.id.get(), FORUM, 1), (card.id.get(), TEXT, 55)] {
        let d = interaction::slash(
            110,
            "tok-t",
            GUILD,
            thread,
            55,
            0,
            &["papers", "ask"],
            json!([]),
        );
        let cmd = command_of(fake.enriched_interaction(d));
        let ch = cmd.channel.as_ref().unwrap();
        assert_eq!((ch.id.get(), ch.kind), (thread, ChannelType::PublicThread));
        assert_eq!(ch.parent_id.map(|p| p.get()), Some(parent));
        assert!(ch.thread_metadata.is_some_and(|m| !m.archived));
        assert!(ch.permissions.is_some());
        let raw = fake.enriched_interaction(interaction::slash(
            111,
            "tok-u",
            GUILD,
            thread,
            55,
            0,
            &["papers", "ask"],
            json!([]),
        ));
        assert_eq!(raw["channel"]["owner_id"], owner.to_string());
        assert_eq!(raw["channel"]["guild_id"], GUILD.to_string());
    }
    let d = interaction::autocomplete_in_dm(
        112,
        "tok-v",
        56,
        &["papers", "ask"],
        json!([interaction::focused("paper", "24")]),
    );
    match event("INTERACTION_CREATE", fake.enriched_interaction(d)) {
        Event::InteractionCreate(ev) => match ev.interaction {
            Interaction::Autocomplete(a) => {
                assert_eq!(a.guild_id, None);
                assert_eq!(a.user.id.get(), 56);
                assert_eq!(a.channel.as_ref().unwrap().kind, ChannelType::Private);
                assert_eq!(Some(a.channel_id.get()), fake.dm_channel_of(56));
                assert_eq!(a.data.autocomplete().unwrap().value, "24");
            }
            other => panic!("not autocomplete: {other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// REST through serenity's Http
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn serenity_sends_messages_with_embeds() {
    let fake = fake_with_guild().await;
    let http = fake.http();
    let builder = CreateMessage::new()
        .content("Today's papers")
        .embeds(vec![full_embed(1), full_embed(2)])
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new_link("https://huggingface.co/papers").label("All papers"),
        ])])
        .allowed_mentions(CreateAllowedMentions::new());
    let msg = ChannelId::new(TEXT)
        .send_message(&http, builder)
        .await
        .unwrap();
    assert_eq!(msg.channel_id.get(), TEXT);
    assert_eq!(msg.guild_id, Some(GuildId::new(GUILD)));
    assert_eq!(msg.author.id.get(), 1);
    assert_eq!(msg.content, "Today's papers");
    assert_eq!(msg.embeds.len(), 2);
    assert_eq!(msg.embeds[0].fields.len(), 2);
    assert_eq!(
        msg.embeds[0].footer.as_ref().unwrap().text,
        "Hugging Face Daily Papers"
    );
    assert_eq!(msg.components.len(), 1);

    let stored = fake.messages(TEXT);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], json!(msg.id.to_string()));
    assert_eq!(stored[0]["allowed_mentions"]["parse"], json!([]));
    assert_eq!(stored[0]["embeds"][1]["title"], json!("Paper 2: 논문 제목"));

    // A never-added channel id is accepted as a text channel.
    let m = http
        .send_message(ChannelId::new(999), vec![], &json!({ "content": "hi" }))
        .await
        .unwrap();
    assert_eq!(m.channel_id.get(), 999);
    assert!(m.guild_id.is_none());
    // Reading it back.
    let again = http.get_message(ChannelId::new(999), m.id).await.unwrap();
    assert_eq!(again.content, "hi");

    let stats = fake.stats();
    assert_eq!((stats.message_posts, stats.messages_created), (2, 2));
    let reqs = fake.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, format!("/channels/{TEXT}/messages"));
    assert_eq!(reqs[0].status, 200);
}

#[tokio::test]
async fn message_limits_are_enforced() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let c = ChannelId::new(10);

    // 11 embeds.
    let eleven = CreateMessage::new().embeds(
        (0..11)
            .map(|i| CreateEmbed::new().title(format!("t{i}")))
            .collect(),
    );
    let (status, code, paths) = discord_error(http.send_message(c, vec![], &eleven).await);
    assert_eq!((status, code), (400, 50035));
    assert_eq!(paths, vec!["embeds"]);

    // 6001 characters across embeds, each embed within its own limits (Korean: 3 bytes a char).
    let desc = "가".repeat(3000);
    let over = CreateMessage::new().embeds(vec![
        CreateEmbed::new().description(desc.clone()),
        CreateEmbed::new().description(desc.clone()).title("x"),
    ]);
    let (status, code, paths) = discord_error(http.send_message(c, vec![], &over).await);
    assert_eq!(
        (status, code, paths),
        (400, 50035, vec!["embeds".to_string()])
    );
    // Exactly 6000 is fine.
    let exact = CreateMessage::new().embeds(vec![
        CreateEmbed::new().description(desc.clone()),
        CreateEmbed::new().description(desc),
    ]);
    http.send_message(c, vec![], &exact).await.unwrap();

    // Content: 2000 characters pass, 2001 fail — characters, not bytes.
    http.send_message(c, vec![], &json!({ "content": "한".repeat(2000) }))
        .await
        .unwrap();
    let (_, code, paths) = discord_error(
        http.send_message(c, vec![], &json!({ "content": "한".repeat(2001) }))
            .await,
    );
    assert_eq!((code, paths), (50035, vec!["content".to_string()]));

    // Per-field limits, reported with their paths.
    let bad = json!({ "embeds": [
        { "title": "t".repeat(257), "description": "d".repeat(4097) },
        { "fields": [{ "name": "n", "value": "v".repeat(1025) }, { "name": "", "value": "v" }],
          "footer": { "text": "f".repeat(2049) }, "author": { "name": "a".repeat(257) },
          "thumbnail": { "url": "ftp://example.com/x.png" }, "image": { "url": "attachment://ok.png" } },
    ]});
    let (_, code, mut paths) = discord_error(http.send_message(c, vec![], &bad).await);
    paths.sort();
    assert_eq!(code, 50035);
    assert_eq!(
        paths,
        vec![
            "embeds", // 7400 characters in all
            "embeds.0.description",
            "embeds.0.title",
            "embeds.1.author.name",
            "embeds.1.fields.0.value",
            "embeds.1.fields.1.name",
            "embeds.1.footer.text",
            "embeds.1.thumbnail.url",
        ]
    );
    let many_fields = CreateEmbed::new().fields((0..26).map(|i| (format!("f{i}"), "v", false)));
    let (_, _, paths) = discord_error(
        http.send_message(c, vec![], &CreateMessage::new().embed(many_fields))
            .await,
    );
    assert_eq!(paths, vec!["embeds.0.fields"]);

    // Nonce longer than 25 characters.
    let long_nonce = CreateMessage::new()
        .content("x")
        .nonce(Nonce::String("n".repeat(26)));
    let (_, _, paths) = discord_error(http.send_message(c, vec![], &long_nonce).await);
    assert_eq!(paths, vec!["nonce"]);

    // Empty message.
    let (status, code, _) = discord_error(
        http.send_message(c, vec![], &json!({ "content": "" }))
            .await,
    );
    assert_eq!((status, code), (400, 50006));

    // Nothing invalid was stored: 2 valid messages only.
    assert_eq!(fake.messages(10).len(), 2);
    assert_eq!(fake.stats().by_status[&400], 7);
}

#[tokio::test]
async fn nonce_with_enforce_nonce_deduplicates() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let c = ChannelId::new(10);
    let msg = || {
        CreateMessage::new()
            .content("digest 2024-06-01")
            .nonce(Nonce::String("d-20240601-10".into()))
            .enforce_nonce(true)
    };
    let first = c.send_message(&http, msg()).await.unwrap();
    let second = c.send_message(&http, msg()).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(fake.messages(10).len(), 1);
    assert_eq!(fake.stats().deduplicated, 1);
    assert!(fake.requests()[1].deduplicated);
    assert_eq!(fake.requests()[1].body["nonce"], json!("d-20240601-10"));

    // The same nonce in another channel is another message.
    let other = ChannelId::new(11).send_message(&http, msg()).await.unwrap();
    assert_ne!(other.id, first.id);
    // Without enforce_nonce Discord does not deduplicate.
    let plain = CreateMessage::new()
        .content("again")
        .nonce(Nonce::String("d-20240601-10".into()));
    let third = c.send_message(&http, plain).await.unwrap();
    assert_ne!(third.id, first.id);
    // Integer nonces work too.
    let int = || {
        CreateMessage::new()
            .content("n")
            .nonce(Nonce::Number(42))
            .enforce_nonce(true)
    };
    let a = c.send_message(&http, int()).await.unwrap();
    let b = c.send_message(&http, int()).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(fake.messages(10).len(), 3);
}

#[tokio::test]
async fn channel_errors_surface_with_discord_codes() {
    let fake = fake_with_guild().await;
    fake.add_channel(GUILD, 20, 0);
    fake.add_channel(GUILD, 21, 0);
    let http = fake.http();
    let hello = json!({ "content": "hello" });

    fake.delete_channel(20);
    assert_eq!(
        discord_error(http.send_message(ChannelId::new(20), vec![], &hello).await).0,
        404
    );
    assert_eq!(
        discord_error(http.send_message(ChannelId::new(20), vec![], &hello).await).1,
        10003
    );
    assert_eq!(
        discord_error(http.get_channel(ChannelId::new(20)).await).1,
        10003
    );

    fake.forbid_channel(21);
    let (status, code, _) =
        discord_error(http.send_message(ChannelId::new(21), vec![], &hello).await);
    assert_eq!((status, code), (403, 50013));
    fake.allow_channel(21);
    http.send_message(ChannelId::new(21), vec![], &hello)
        .await
        .unwrap();

    let (status, code, _) = discord_error(
        http.send_message(ChannelId::new(FORUM), vec![], &hello)
            .await,
    );
    assert_eq!((status, code), (400, 50008));

    // GET /channels/{id}, /guilds/{id}, /guilds/{id}/channels.
    let news = http
        .get_channel(ChannelId::new(NEWS))
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!((news.kind, news.guild_id.get()), (ChannelType::News, GUILD));
    let forum = http
        .get_channel(ChannelId::new(FORUM))
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!(forum.kind, ChannelType::Forum);
    let guild = http.get_guild(GuildId::new(GUILD)).await.unwrap();
    assert_eq!(guild.system_channel_id, Some(ChannelId::new(TEXT)));
    let with_counts = http
        .get_guild_with_counts(GuildId::new(GUILD))
        .await
        .unwrap();
    assert_eq!(with_counts.approximate_member_count, Some(2));
    let channels = http.get_channels(GuildId::new(GUILD)).await.unwrap();
    assert_eq!(channels.len(), 4); // text 4, news 5, forum 6, text 21 (20 is deleted)
    assert_eq!(
        discord_error(http.get_guild(GuildId::new(12345)).await).1,
        10004
    );
    assert_eq!(
        discord_error(http.get_channel(ChannelId::new(777)).await).1,
        10003
    );

    // Unknown routes: 404 with a Discord error body, recorded.
    let (status, code, _) = discord_error(http.get_guild_roles(GuildId::new(GUILD)).await);
    assert_eq!((status, code), (404, 0));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == format!("/guilds/{GUILD}/roles") && r.status == 404));
}

#[tokio::test]
async fn forum_tags_are_shown_and_enforced_as_discord_does() {
    let fake = fake_with_guild().await;
    let http = fake.http();
    // No tags set: a forum has none, requires none.
    let plain = http
        .get_channel(ChannelId::new(FORUM))
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert!(plain.available_tags.is_empty());
    assert!(!plain
        .flags
        .contains(serenity::all::ChannelFlags::REQUIRE_TAG));

    let tags: Vec<(u64, &str, bool)> = (1..=7)
        .map(|i| {
            (
                900 + i,
                ["LLM", "Vision", "RL", "Audio", "Robotics", "3D", "Mods"][i as usize - 1],
                i == 7,
            )
        })
        .collect();
    fake.set_forum_tags(FORUM, &tags, true);
    // serenity reads the forum's tags and flags (a payload it could not read would fail here).
    let forum = http
        .get_channel(ChannelId::new(FORUM))
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert!(forum
        .flags
        .contains(serenity::all::ChannelFlags::REQUIRE_TAG));
    let names: Vec<&str> = forum
        .available_tags
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        vec!["LLM", "Vision", "RL", "Audio", "Robotics", "3D", "Mods"]
    );
    assert_eq!(forum.available_tags[0].id.get(), 901);
    assert!(forum.available_tags[6].moderated && !forum.available_tags[0].moderated);

    let post = |applied: Value| json!({ "name": "A paper", "message": { "content": "hi" }, "applied_tags": applied });
    // Existing tags, as strings or numbers: applied, and shown on the thread.
    let thread = http
        .create_forum_post(ChannelId::new(FORUM), &post(json!(["901", 903])), None)
        .await
        .unwrap();
    assert_eq!(fake.applied_tags(thread.id.get()), vec![901, 903]);
    let ids: Vec<u64> = thread.applied_tags.iter().map(|t| t.get()).collect();
    assert_eq!(ids, vec![901, 903]);
    let active = http
        .get_guild_active_threads(GuildId::new(GUILD))
        .await
        .unwrap();
    let listed = active.threads.iter().find(|t| t.id == thread.id).unwrap();
    assert_eq!(listed.applied_tags.len(), 2);
    // A tag the forum does not have, or more than five: 400 Invalid Form Body, nothing created.
    let before = fake.threads(FORUM).len();
    let (status, code, paths) = discord_error(
        http.create_forum_post(ChannelId::new(FORUM), &post(json!(["901", "12345"])), None)
            .await,
    );
    assert_eq!(
        (status, code, paths),
        (400, 50035, vec!["applied_tags.1".to_string()])
    );
    let (_, code, paths) = discord_error(
        http.create_forum_post(
            ChannelId::new(FORUM),
            &post(json!(["901", "902", "903", "904", "905", "906"])),
            None,
        )
        .await,
    );
    assert_eq!((code, paths), (50035, vec!["applied_tags".to_string()]));
    // The forum requires a tag: a post without one is refused.
    for none in [json!([]), Value::Null] {
        let (status, code, _) = discord_error(
            http.create_forum_post(ChannelId::new(FORUM), &post(none), None)
                .await,
        );
        assert_eq!((status, code), (400, 40067));
    }
    assert_eq!(fake.threads(FORUM).len(), before);
}

#[tokio::test]
async fn forum_posts_and_crossposts() {
    let fake = fake_with_guild().await;
    let http = fake.http();

    let post = CreateForumPost::new(
        "Daily Papers 2024-06-01",
        CreateMessage::new().embed(full_embed(1)),
    );
    let thread = ChannelId::new(FORUM)
        .create_forum_post(&http, post)
        .await
        .unwrap();
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id, Some(ChannelId::new(FORUM)));
    assert_eq!(thread.guild_id.get(), GUILD);
    assert_eq!(thread.name, "Daily Papers 2024-06-01");
    assert!(thread.thread_metadata.is_some());
    let threads = fake.threads(FORUM);
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0]["id"], json!(thread.id.to_string()));
    let starter = fake.messages(thread.id.get());
    assert_eq!(starter.len(), 1);
    assert_eq!(starter[0]["id"], json!(thread.id.to_string()));
    assert_eq!(
        starter[0]["embeds"][0]["title"],
        json!("Paper 1: 논문 제목")
    );
    // Messages can then be posted in the thread.
    thread
        .id
        .send_message(&http, CreateMessage::new().content("more"))
        .await
        .unwrap();
    assert_eq!(fake.messages(thread.id.get()).len(), 2);

    // Forum post limits: name required, message validated.
    let (_, code, paths) = discord_error(
        http.create_forum_post(ChannelId::new(FORUM), &json!({ "name": "x" }), None)
            .await,
    );
    assert_eq!((code, paths), (50035, vec!["message".to_string()]));
    let bad = json!({ "name": "x", "message": { "embeds": [{ "title": "t".repeat(300) }] } });
    let (_, _, paths) = discord_error(
        http.create_forum_post(ChannelId::new(FORUM), &bad, None)
            .await,
    );
    assert_eq!(paths, vec!["message.embeds.0.title"]);

    // Crosspost in an announcement channel.
    let m = ChannelId::new(NEWS)
        .send_message(&http, CreateMessage::new().content("news"))
        .await
        .unwrap();
    let published = http
        .crosspost_message(ChannelId::new(NEWS), m.id)
        .await
        .unwrap();
    assert!(published.flags.unwrap().contains(MessageFlags::CROSSPOSTED));
    assert_eq!(fake.crossposts(), vec![(NEWS, m.id.get())]);
    assert_eq!(
        discord_error(http.crosspost_message(ChannelId::new(NEWS), m.id).await).1,
        40033
    );
    // Not in a text channel.
    let t = ChannelId::new(TEXT)
        .send_message(&http, CreateMessage::new().content("x"))
        .await
        .unwrap();
    assert_eq!(
        discord_error(http.crosspost_message(ChannelId::new(TEXT), t.id).await).0,
        400
    );
}

/// `POST /channels/{id}/messages/{id}/threads` as Discord answers it: the thread has the
/// message's id (so a message starts one thread: a second start is 400 160004), a public thread
/// in a text channel and an announcement thread in an announcement channel, listed among the
/// guild's active threads; its name, archive duration and parent are checked, and a channel
/// whose overwrites take the bot's thread permissions away refuses the start and the thread's
/// messages with 403 50013.
#[tokio::test]
async fn a_thread_started_from_a_message_as_discord_does() {
    const CHAT: u64 = 7;
    let fake = fake_with_guild().await;
    fake.add_channel(GUILD, CHAT, 0);
    let http = fake.http();
    let send = |channel: u64, text: &str| {
        let http = http.clone();
        let text = text.to_string();
        async move {
            ChannelId::new(channel)
                .send_message(&http, CreateMessage::new().content(text))
                .await
                .unwrap()
        }
    };
    let start = |channel: u64, message: u64, body: Value| {
        let http = http.clone();
        async move {
            http.create_thread_from_message(
                ChannelId::new(channel),
                serenity::all::MessageId::new(message),
                &body,
                None,
            )
            .await
        }
    };
    let index = send(CHAT, "the index").await;
    let day = json!({ "name": "Daily Papers — 2025-02-19", "auto_archive_duration": 4320 });
    let thread = start(CHAT, index.id.get(), day.clone()).await.unwrap();
    assert_eq!(
        thread.id.get(),
        index.id.get(),
        "a thread has its message's id"
    );
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id, Some(ChannelId::new(CHAT)));
    assert_eq!(thread.name, "Daily Papers — 2025-02-19");
    assert_eq!(fake.threads(CHAT).len(), 1);
    let active = http
        .get_guild_active_threads(GuildId::new(GUILD))
        .await
        .unwrap();
    assert!(active.threads.iter().any(|t| t.id == thread.id));
    // The message says it has a thread.
    let stored = fake.message_object(index.id.get()).unwrap();
    assert_eq!(
        stored["flags"].as_u64().unwrap() & (1 << 5),
        1 << 5,
        "{stored:#}"
    );
    // Messages go into the thread.
    send(thread.id.get(), "a card").await;
    assert_eq!(fake.messages(thread.id.get()).len(), 1);
    // One thread per message.
    let (status, code, _) = discord_error(start(CHAT, index.id.get(), day.clone()).await);
    assert_eq!((status, code), (400, 160004));
    assert_eq!(fake.threads(CHAT).len(), 1);

    // What Discord checks.
    let other = send(CHAT, "another").await;
    let too_long = json!({ "name": "x".repeat(101) });
    assert_eq!(
        discord_error(start(CHAT, other.id.get(), too_long).await),
        (400, 50035, vec!["name".to_string()])
    );
    let odd = json!({ "name": "x", "auto_archive_duration": 123 });
    assert_eq!(
        discord_error(start(CHAT, other.id.get(), odd).await),
        (400, 50035, vec!["auto_archive_duration".to_string()])
    );
    let news = send(NEWS, "news").await;
    assert_eq!(
        discord_error(start(CHAT, news.id.get(), day.clone()).await).1,
        10008,
        "a message of another channel is unknown here"
    );
    assert_eq!(
        discord_error(start(FORUM, other.id.get(), day.clone()).await).1,
        50024,
        "a forum takes posts, not threads from messages"
    );
    // In an announcement channel: an announcement thread, whose messages are not crossposted.
    let announcement = start(NEWS, news.id.get(), day.clone()).await.unwrap();
    assert_eq!(announcement.kind, ChannelType::NewsThread);
    let inside = send(announcement.id.get(), "a card").await;
    assert_eq!(
        discord_error(http.crosspost_message(announcement.id, inside.id).await).1,
        50024
    );

    // The bot's thread permissions taken away: no start, no message into its threads, while
    // plain messages still go out.
    fake.forbid_threads(CHAT);
    let last = send(CHAT, "still allowed").await;
    assert_eq!(
        discord_error(start(CHAT, last.id.get(), day.clone()).await),
        (403, 50013, vec![])
    );
    let (status, code, _) = discord_error(
        thread
            .id
            .send_message(&http, CreateMessage::new().content("no"))
            .await,
    );
    assert_eq!((status, code), (403, 50013));
}

#[tokio::test]
async fn other_endpoints_deserialize() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let me = http.get_current_user().await.unwrap();
    assert_eq!((me.id.get(), me.bot), (1, true));
    let app = http.get_current_application_info().await.unwrap();
    assert_eq!(app.id.get(), 2);
    assert_eq!(app.owner.unwrap().id.get(), 99);
    let gw = http.get_gateway().await.unwrap();
    assert_eq!(gw.url, fake.gateway_url());
    assert!(gw.url.starts_with("ws://127.0.0.1:"));
    let bot = http.get_bot_gateway().await.unwrap();
    assert_eq!((bot.url, bot.shards), (fake.gateway_url(), 1));
    http.broadcast_typing(ChannelId::new(10)).await.unwrap();
}

#[tokio::test]
async fn command_registration_returns_commands() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let commands = vec![
        CreateCommand::new("papers")
            .description("Daily papers")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .add_option(CreateCommandOption::new(
                CommandOptionType::SubCommand,
                "today",
                "Today's digest",
            ))
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::SubCommandGroup,
                    "keywords",
                    "Keyword filters",
                )
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::SubCommand, "add", "Add a keyword")
                        .add_sub_option(
                            CreateCommandOption::new(CommandOptionType::String, "word", "Keyword")
                                .required(true)
                                .set_autocomplete(true),
                        ),
                ),
            )
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::SubCommand,
                    "subscribe",
                    "Subscribe a channel",
                )
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::Channel, "channel", "Where")
                        .channel_types(vec![
                            ChannelType::Text,
                            ChannelType::News,
                            ChannelType::Forum,
                        ]),
                )
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::Integer, "hour", "Hour")
                        .min_int_value(0)
                        .max_int_value(23),
                ),
            ),
        CreateCommand::new("ping").description("Ping"),
    ];
    let got: Vec<Command> = Command::set_global_commands(&http, commands.clone())
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].name, "papers");
    assert_eq!(got[0].application_id.get(), 2);
    assert_eq!(
        got[0].default_member_permissions,
        Some(Permissions::MANAGE_GUILD)
    );
    assert_eq!(got[0].options.len(), 3);
    assert_eq!(got[0].options[1].options[0].options[0].name, "word");
    let reg = fake.registered_commands().unwrap();
    assert_eq!(reg["scope"], json!("global"));
    assert_eq!(reg["commands"][0]["id"], json!(got[0].id.to_string()));
    // Ids are stable across re-registration, and the fake uses them in dispatched interactions.
    let again = Command::set_global_commands(&http, commands.clone())
        .await
        .unwrap();
    assert_eq!(again[0].id, got[0].id);
    let d = fake.enriched_interaction(interaction::slash(
        1,
        "t",
        GUILD,
        TEXT,
        5,
        0,
        &["papers", "today"],
        json!([]),
    ));
    assert_eq!(d["data"]["id"], json!(got[0].id.to_string()));

    let guild_cmds = GuildId::new(GUILD)
        .set_commands(&http, commands)
        .await
        .unwrap();
    assert_eq!(guild_cmds[0].guild_id, Some(GuildId::new(GUILD)));
    let reg = fake.registered_commands().unwrap();
    assert_eq!(
        (reg["scope"].clone(), reg["guild_id"].clone()),
        (json!("guild"), json!(GUILD.to_string()))
    );

    // Discord's command shape limits.
    let bad = json!([{ "name": "Papers", "description": "x", "type": 1 }]);
    let (status, code, paths) = discord_error(http.create_global_commands(&bad).await);
    assert_eq!(
        (status, code, paths),
        (400, 50035, vec!["0.name".to_string()])
    );
    let bad = json!([{ "name": "p", "description": "d".repeat(101) }]);
    assert_eq!(
        discord_error(http.create_global_commands(&bad).await).2,
        vec!["0.description"]
    );
}

/// Localised names and descriptions (`name_localizations` / `description_localizations`, also on
/// options and choices) pass when Discord would take them and are refused as Discord refuses
/// them: a bad Korean name is a 400 at registration, as in production.
#[tokio::test]
async fn localised_command_names_are_validated_as_discord_does() {
    let fake = fake_with_guild().await;
    let http = fake.http();
    let good = vec![CreateCommand::new("papers")
        .description("Daily Papers")
        .name_localized("ko", "논문")
        .description_localized("ko", "데일리 페이퍼")
        .add_option(
            CreateCommandOption::new(CommandOptionType::SubCommand, "today", "Today's papers")
                .name_localized("ko", "오늘")
                .description_localized("ko", "오늘의 논문")
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, "mode", "How")
                        .name_localized("ko", "방식")
                        .description_localized("ko", "어떻게")
                        .add_string_choice_localized("Day", "day", [("ko", "하루")]),
                ),
        )];
    let got = Command::set_global_commands(&http, good).await.unwrap();
    assert_eq!(got[0].name_localizations.as_ref().unwrap()["ko"], "논문");
    let reg = fake.registered_commands().unwrap();
    assert_eq!(
        reg["commands"][0]["options"][0]["name_localizations"]["ko"],
        json!("오늘")
    );

    let cmd = |name_ko: &str, option_ko: &str| {
        json!([{
            "name": "papers", "description": "d", "type": 1,
            "name_localizations": { "ko": name_ko },
            "options": [{
                "name": "today", "description": "d", "type": 1,
                "name_localizations": { "ko": option_ko },
            }],
        }])
    };
    // A space, or an upper-case letter, is not a command name in any language. A top-level
    // command's error is on the map, an option's on the locale (what Discord answers).
    for bad in ["오늘의 논문", "Papers", "", &"가".repeat(33)] {
        let (status, code, paths) =
            discord_error(http.create_global_commands(&cmd(bad, "오늘")).await);
        assert_eq!(
            (status, code, paths),
            (400, 50035, vec!["0.name_localizations".to_string()]),
            "{bad:?}"
        );
        let (_, _, paths) = discord_error(http.create_global_commands(&cmd("논문", bad)).await);
        assert_eq!(paths, vec!["0.options.0.name_localizations.ko"], "{bad:?}");
    }
    // Hindi and Thai names with their combining marks, hyphens and digits are names.
    http.create_global_commands(&cmd("हिन्दी-१", "ทดสอบ_2"))
        .await
        .unwrap();
    // Only Discord's locales are keys ("ko-KR" is not one), and a description keeps to 100.
    let bad_locale = json!([{ "name": "papers", "description": "d", "type": 1,
        "name_localizations": { "ko-KR": "논문" } }]);
    assert_eq!(
        discord_error(http.create_global_commands(&bad_locale).await).2,
        vec!["0.name_localizations.ko-KR"]
    );
    let long = json!([{ "name": "papers", "description": "d", "type": 1,
        "description_localizations": { "ko": "가".repeat(101) },
        "options": [{ "name": "today", "description": "d", "type": 1,
            "description_localizations": { "ko": "" } }] }]);
    assert_eq!(
        discord_error(http.create_global_commands(&long).await).2,
        vec![
            "0.description_localizations.ko",
            "0.options.0.description_localizations.ko"
        ]
    );
}

/// Interactions carry the person's language (`locale`) and the server's (`guild_locale`, the
/// guild's `preferred_locale`), and serenity reads both.
#[tokio::test]
async fn interactions_carry_the_locale_and_the_guilds_locale() {
    let fake = fake_with_guild().await;
    let d = || interaction::slash(1, "t", GUILD, TEXT, 5, 0, &["papers", "today"], json!([]));
    let cmd = command_of(fake.enriched_interaction(d()));
    assert_eq!(
        (cmd.locale.as_str(), cmd.guild_locale.as_deref()),
        ("en-US", Some("en-US"))
    );
    fake.set_guild_locale(GUILD, "ko");
    let cmd = command_of(fake.enriched_interaction(interaction::in_locale(d(), "ko")));
    assert_eq!(
        (cmd.locale.as_str(), cmd.guild_locale.as_deref()),
        ("ko", Some("ko"))
    );
    let guild = match event("GUILD_CREATE", fake.guild_create_payload(GUILD).unwrap()) {
        Event::GuildCreate(g) => g.guild,
        other => panic!("{other:?}"),
    };
    assert_eq!(guild.preferred_locale, "ko");
    // Outside a server there is no server language.
    let dm = interaction::in_locale(
        interaction::slash_in_dm(2, "t2", 5, &["alerts", "list"], json!([])),
        "ko",
    );
    let cmd = command_of(fake.enriched_interaction(dm));
    assert_eq!(
        (cmd.locale.as_str(), cmd.guild_locale.as_deref()),
        ("ko", None)
    );
}

#[tokio::test]
async fn interaction_rest_flow_through_serenity() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let iid = InteractionId::new(500);

    // A follow-up before any callback is refused like on Discord.
    let early = CreateInteractionResponseFollowup::new().content("too early");
    assert_eq!(
        discord_error(http.create_followup_message("tok", &early, vec![]).await).1,
        10015
    );

    let defer =
        CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
    http.create_interaction_response(iid, "tok", &defer, vec![])
        .await
        .unwrap();
    // Only one callback per interaction.
    let again = discord_error(
        http.create_interaction_response(iid, "tok", &defer, vec![])
            .await,
    );
    assert_eq!((again.0, again.1), (400, 40060));

    let original = http.get_original_interaction_response("tok").await.unwrap();
    assert!(original
        .flags
        .unwrap()
        .contains(MessageFlags::EPHEMERAL | MessageFlags::LOADING));

    let edited = http
        .edit_original_interaction_response(
            "tok",
            &EditInteractionResponse::new()
                .content("Done")
                .embed(full_embed(1)),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(edited.content, "Done");
    assert_eq!(edited.id, original.id);
    assert!(!edited.flags.unwrap().contains(MessageFlags::LOADING));

    let follow = http
        .create_followup_message(
            "tok",
            &CreateInteractionResponseFollowup::new()
                .content("more")
                .ephemeral(true),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(follow.content, "more");
    let follow2 = http
        .edit_followup_message(
            "tok",
            follow.id,
            &CreateInteractionResponseFollowup::new().content("even more"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(follow2.content, "even more");

    // Limits apply to interaction replies too.
    let big = EditInteractionResponse::new().content("x".repeat(2001));
    assert_eq!(
        discord_error(
            http.edit_original_interaction_response("tok", &big, vec![])
                .await
        )
        .2,
        vec!["content"]
    );
    let eleven = CreateInteractionResponseFollowup::new()
        .embeds((0..11).map(|_| CreateEmbed::new().title("t")).collect());
    assert_eq!(
        discord_error(http.create_followup_message("tok", &eleven, vec![]).await).1,
        50035
    );

    let log = fake.interaction_responses("tok");
    let kinds: Vec<&str> = log.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec!["callback", "edit_original", "followup", "edit_followup"]
    );
    assert_eq!(log[0]["body"]["type"], json!(5));
    assert_eq!(log[1]["body"]["content"], json!("Done"));
    http.delete_original_interaction_response("tok")
        .await
        .unwrap();
    assert_eq!(
        discord_error(http.get_original_interaction_response("tok").await).1,
        10008
    );

    // A direct reply (type 4) and an autocomplete result (type 8).
    let reply =
        CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("pong"));
    http.create_interaction_response(InteractionId::new(501), "tok2", &reply, vec![])
        .await
        .unwrap();
    assert_eq!(
        http.get_original_interaction_response("tok2")
            .await
            .unwrap()
            .content,
        "pong"
    );
    let choices = serenity::all::CreateAutocompleteResponse::new().add_string_choice("llm", "llm");
    let ac = CreateInteractionResponse::Autocomplete(choices);
    http.create_interaction_response(InteractionId::new(502), "tok3", &ac, vec![])
        .await
        .unwrap();
    assert_eq!(
        fake.interaction_responses("tok3")[0]["body"]["type"],
        json!(8)
    );
    // Empty type-4 reply.
    let empty = CreateInteractionResponse::Message(CreateInteractionResponseMessage::new());
    let (_, code, _) = discord_error(
        http.create_interaction_response(InteractionId::new(503), "tok4", &empty, vec![])
            .await,
    );
    assert_eq!(code, 50006);
}

// ---------------------------------------------------------------------------------------------
// Failures and rate limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fail_next_injects_failures() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let c = ChannelId::new(10);
    let hi = json!({ "content": "hi" });

    fake.fail_next(
        1,
        Failure::RateLimited {
            retry_after: 1.5,
            global: false,
        },
    );
    fake.fail_next(1, Failure::ServerError(503));
    fake.fail_next(1, Failure::Forbidden);
    fake.fail_next(1, Failure::UnknownChannel);
    assert_eq!(
        discord_error(http.send_message(c, vec![], &hi).await).0,
        429
    );
    assert_eq!(
        discord_error(http.send_message(c, vec![], &hi).await).0,
        503
    );
    assert_eq!(
        discord_error(http.send_message(c, vec![], &hi).await).1,
        50013
    );
    assert_eq!(
        discord_error(http.send_message(c, vec![], &hi).await).1,
        10003
    );
    http.send_message(c, vec![], &hi).await.unwrap();

    // A lost answer: the client sees a 504, yet the message exists.
    let before = fake.messages(10).len();
    fake.fail_next(1, Failure::AnswerLost(504));
    assert_eq!(
        discord_error(http.send_message(c, vec![], &hi).await).0,
        504
    );
    assert_eq!(fake.messages(10).len(), before + 1);

    fake.fail_next(1, Failure::Slow(Duration::from_millis(200)));
    let t = Instant::now();
    http.send_message(c, vec![], &hi).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(200));

    // Interaction callbacks are not affected by fail_next.
    fake.fail_next(1, Failure::ServerError(500));
    let reply =
        CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("ok"));
    http.create_interaction_response(InteractionId::new(9), "t9", &reply, vec![])
        .await
        .unwrap();
    assert_eq!(
        discord_error(http.send_message(c, vec![], &hi).await).0,
        500
    );

    let stats = fake.stats();
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(
        stats.messages_created, 3,
        "two answered, one whose answer was lost"
    );
    assert_eq!(fake.messages(10).len(), 3);

    // The 429 body and headers as Discord sends them.
    fake.fail_next(
        1,
        Failure::RateLimited {
            retry_after: 0.25,
            global: true,
        },
    );
    let resp = bot_client()
        .post(format!("{}/api/v10/channels/10/messages", fake.base_url()))
        .json(&hi)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["x-ratelimit-global"], "true");
    assert_eq!(resp.headers()["x-ratelimit-scope"], "global");
    // Discord's Retry-After header is whole seconds, rounded up; the body has the float.
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.headers().get("x-ratelimit-bucket").is_none());
    let body: RateLimitBody = resp.json().await.unwrap();
    assert_eq!(
        (
            body.message.as_str(),
            body.retry_after,
            body.global,
            body.code
        ),
        ("You are being rate limited.", 0.25, true, 0)
    );
}

#[derive(serde::Deserialize)]
struct RateLimitBody {
    message: String,
    retry_after: f64,
    global: bool,
    code: i64,
}

#[tokio::test]
async fn random_failures_are_seeded() {
    let run = || async {
        let fake = FakeDiscord::start().await;
        fake.set_random_failures(
            0.3,
            7,
            vec![
                Failure::ServerError(502),
                Failure::Slow(Duration::from_millis(1)),
            ],
        );
        let http = fake.http();
        let mut outcome = Vec::new();
        for i in 0..40 {
            let r = http
                .send_message(
                    ChannelId::new(10),
                    vec![],
                    &json!({ "content": format!("m{i}") }),
                )
                .await;
            outcome.push(r.is_ok());
        }
        outcome
    };
    let a = run().await;
    let b = run().await;
    assert_eq!(a, b);
    let failed = a.iter().filter(|ok| !**ok).count();
    assert!((2..=20).contains(&failed), "{failed} failures");
}

#[tokio::test]
async fn global_limit_produces_429s() {
    // 10 requests per 3-second window: the 15 sequential requests below land inside one window
    // even on a slow, loaded machine.
    let fake = FakeDiscord::start_with(FakeConfig {
        global_limit_per_sec: Some(10),
        global_window: Duration::from_secs(3),
        ..FakeConfig::default()
    })
    .await;
    let http = fake.http();
    let mut statuses = Vec::new();
    for i in 0..15 {
        let r = http
            .send_message(
                ChannelId::new(10 + i % 3),
                vec![],
                &json!({ "content": "x" }),
            )
            .await;
        statuses.push(match r {
            Ok(_) => 200,
            Err(e) => discord_error::<()>(Err(e)).0,
        });
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5);
    assert_eq!(fake.stats().rate_limited, 5);
    // Interaction callbacks are exempt.
    let reply =
        CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("ok"));
    http.create_interaction_response(InteractionId::new(1), "t", &reply, vec![])
        .await
        .unwrap();
    // The window slides: within about its length requests pass again.
    let t = Instant::now();
    while http
        .send_message(ChannelId::new(10), vec![], &json!({ "content": "x" }))
        .await
        .is_err()
    {
        assert!(t.elapsed() < Duration::from_secs(15), "window never slid");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn channel_bucket_announces_headers_and_limits() {
    // 2 per 3 seconds: the sequential requests below all fall in the first window even on a
    // slow, loaded machine.
    let fake = FakeDiscord::start_with(FakeConfig {
        channel_bucket: Some((2, Duration::from_secs(3))),
        ..FakeConfig::default()
    })
    .await;
    let client = bot_client();
    let post = |c: u64| {
        client
            .post(format!("{}/api/v10/channels/{c}/messages", fake.base_url()))
            .json(&json!({ "content": "x" }))
            .send()
    };
    let r1 = post(10).await.unwrap();
    assert_eq!(r1.status().as_u16(), 200);
    assert_eq!(r1.headers()["x-ratelimit-limit"], "2");
    assert_eq!(r1.headers()["x-ratelimit-remaining"], "1");
    assert!(r1.headers().contains_key("x-ratelimit-bucket"));
    assert!(r1.headers().contains_key("x-ratelimit-reset"));
    let reset_after: f64 = r1.headers()["x-ratelimit-reset-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset_after > 0.0 && reset_after <= 3.0, "{reset_after}");
    assert_eq!(
        post(10).await.unwrap().headers()["x-ratelimit-remaining"],
        "0"
    );
    let r3 = post(10).await.unwrap();
    assert_eq!(r3.status().as_u16(), 429);
    assert!(r3.headers().get("x-ratelimit-global").is_none());
    let body: Value = r3.json().await.unwrap();
    assert_eq!(body["global"], json!(false));
    assert!(body["retry_after"].as_f64().unwrap() > 0.0);
    // Another channel has its own bucket.
    assert_eq!(post(11).await.unwrap().status().as_u16(), 200);
    // Through serenity, the 429 surfaces as an error (rate limiter off in proxy mode).
    assert_eq!(
        discord_error(
            fake.http()
                .send_message(ChannelId::new(10), vec![], &json!({"content": "x"}))
                .await
        )
        .0,
        429
    );
    assert_eq!(fake.stats().rate_limited, 2);
    // The bucket resets after its window.
    let t = Instant::now();
    while post(10).await.unwrap().status().as_u16() == 429 {
        assert!(t.elapsed() < Duration::from_secs(15), "bucket never reset");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fake.messages(10).len(), 3);
}

// ---------------------------------------------------------------------------------------------
// A real serenity Client through the fake gateway
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Recorder {
    interactions: Arc<Mutex<Vec<Interaction>>>,
    readies: Arc<Mutex<u32>>,
    resumes: Arc<Mutex<u32>>,
}

#[serenity::async_trait]
impl serenity::client::EventHandler for Recorder {
    async fn ready(
        &self,
        _ctx: serenity::client::Context,
        _ready: serenity::model::gateway::Ready,
    ) {
        *self.readies.lock().unwrap() += 1;
    }

    async fn resume(
        &self,
        _ctx: serenity::client::Context,
        _: serenity::model::event::ResumedEvent,
    ) {
        *self.resumes.lock().unwrap() += 1;
    }

    async fn interaction_create(&self, ctx: serenity::client::Context, interaction: Interaction) {
        self.interactions.lock().unwrap().push(interaction.clone());
        if let Interaction::Command(cmd) = &interaction {
            let reply = CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new().content("pong"),
            );
            cmd.create_response(&ctx.http, reply)
                .await
                .expect("callback accepted");
        }
    }
}

async fn poll<F: Fn() -> bool>(what: &str, f: F) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_client_connects_and_receives_interactions() {
    let fake = FakeDiscord::start_with(FakeConfig {
        heartbeat_interval_ms: 200,
        ..FakeConfig::default()
    })
    .await;
    fake.add_guild(GUILD, Some(TEXT));
    fake.add_channel(GUILD, FORUM, 15);
    let recorder = Recorder::default();
    let mut client = fake
        .client_builder(GatewayIntents::GUILDS)
        .event_handler(recorder.clone())
        .await
        .expect("client builds");
    let shards = client.shard_manager.clone();
    let runner = tokio::spawn(async move { client.start().await });

    assert!(
        fake.wait_until_ready(Duration::from_secs(10)).await,
        "no READY"
    );
    poll("ready handler", || *recorder.readies.lock().unwrap() == 1).await;
    let identify = &fake.identifies()[0];
    assert_eq!(identify["intents"], json!(1));
    assert!(fake.requests().iter().any(|r| r.path == "/gateway"));

    let d = interaction::slash(
        900,
        "tok-live",
        GUILD,
        TEXT,
        55,
        8,
        &["papers", "today"],
        json!([]),
    );
    fake.dispatch_interaction(d).await;
    let responses = fake
        .wait_for_responses("tok-live", 1, Duration::from_secs(5))
        .await;
    assert_eq!(responses.len(), 1, "{responses:?}");
    assert_eq!(responses[0]["kind"], json!("callback"));
    assert_eq!(responses[0]["body"]["data"]["content"], json!("pong"));
    {
        let got = recorder.interactions.lock().unwrap();
        let Interaction::Command(cmd) = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!((cmd.data.name.as_str(), cmd.id.get()), ("papers", 900));
    }

    // An autocomplete interaction arrives as such.
    let ac = interaction::autocomplete(
        901,
        "tok-ac",
        GUILD,
        TEXT,
        55,
        &["papers", "keywords", "remove"],
        json!([interaction::focused("word", "l")]),
    );
    fake.dispatch_interaction(ac).await;
    poll("autocomplete", || {
        recorder.interactions.lock().unwrap().len() == 2
    })
    .await;
    assert!(matches!(
        recorder.interactions.lock().unwrap()[1],
        Interaction::Autocomplete(_)
    ));

    // Heartbeats are acknowledged (interval 200 ms).
    poll("heartbeat ack", || {
        fake.gateway_frames().iter().any(|f| f["op"] == json!(11))
    })
    .await;

    // op 7 RECONNECT: serenity reconnects and resumes the session.
    fake.gateway_reconnect();
    poll("resume", || *recorder.resumes.lock().unwrap() == 1).await;
    fake.dispatch_interaction(interaction::slash(
        902,
        "tok-after",
        GUILD,
        TEXT,
        55,
        8,
        &["ping"],
        json!([]),
    ))
    .await;
    assert_eq!(
        fake.wait_for_responses("tok-after", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );

    // A guild added while connected arrives as GUILD_CREATE.
    fake.add_guild(8, None);
    poll("guild create", || {
        fake.gateway_frames()
            .iter()
            .any(|f| f["t"] == json!("GUILD_CREATE") && f["d"]["id"] == json!("8"))
    })
    .await;

    // Every frame the fake sent is readable by serenity; sequence numbers increase per session.
    let frames = fake.gateway_frames();
    assert!(frames.len() >= 8);
    for f in &frames {
        let ev: GatewayEvent =
            serde_json::from_value(f.clone()).unwrap_or_else(|e| panic!("{f}: {e}"));
        if let GatewayEvent::Dispatch(_, Event::Unknown(u)) = ev {
            panic!("frame became Event::Unknown: {}", u.kind);
        }
    }
    let seqs: Vec<u64> = frames.iter().filter_map(|f| f["s"].as_u64()).collect();
    assert!(seqs.windows(2).all(|w| w[1] > w[0]), "{seqs:?}");

    shards.shutdown_all().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
    fake.shutdown().await;
}

#[tokio::test]
async fn interaction_deadline_and_token_checks() {
    let fake = FakeDiscord::start().await;
    // A session must be READY to dispatch; use a serenity client for that.
    let client = fake
        .client_builder(GatewayIntents::GUILDS)
        .event_handler(Recorder::default())
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let mut client = client;
    let runner = tokio::spawn(async move { client.start().await });
    assert!(fake.wait_until_ready(Duration::from_secs(10)).await);
    // The recorder answers at once; dispatch an autocomplete, which it does not answer, and answer
    // it ourselves with the wrong interaction id, then too late.
    let ac = interaction::autocomplete(
        950,
        "tok-late",
        GUILD,
        TEXT,
        5,
        &["papers"],
        json!([interaction::focused("q", "a")]),
    );
    fake.set_interaction_deadline(Duration::from_millis(200));
    fake.dispatch_interaction(ac).await;
    let http = fake.http();
    let choices =
        CreateInteractionResponse::Autocomplete(serenity::all::CreateAutocompleteResponse::new());
    let wrong = discord_error(
        http.create_interaction_response(InteractionId::new(951), "tok-late", &choices, vec![])
            .await,
    );
    assert_eq!((wrong.0, wrong.1), (404, 10062));
    tokio::time::sleep(Duration::from_millis(250)).await;
    let late = discord_error(
        http.create_interaction_response(InteractionId::new(950), "tok-late", &choices, vec![])
            .await,
    );
    assert_eq!((late.0, late.1), (404, 10062));
    assert!(fake.interaction_responses("tok-late").is_empty());
    shards.shutdown_all().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
}

// ---------------------------------------------------------------------------------------------
// A poise bot against the fake (the way other tests should start one)
// ---------------------------------------------------------------------------------------------

type PoiseError = Box<dyn std::error::Error + Send + Sync>;
type PoiseCtx<'a> = poise::Context<'a, (), PoiseError>;

#[poise::command(slash_command, subcommands("today", "keywords"))]
async fn papers(_ctx: PoiseCtx<'_>) -> Result<(), PoiseError> {
    Ok(())
}

/// Today's digest.
#[poise::command(slash_command)]
async fn today(ctx: PoiseCtx<'_>) -> Result<(), PoiseError> {
    ctx.defer().await?;
    ctx.send(
        poise::CreateReply::default()
            .content("digest")
            .embed(full_embed(1)),
    )
    .await?;
    Ok(())
}

#[poise::command(slash_command, subcommands("add"))]
async fn keywords(_ctx: PoiseCtx<'_>) -> Result<(), PoiseError> {
    Ok(())
}

async fn suggest(_ctx: PoiseCtx<'_>, partial: &str) -> serenity::all::CreateAutocompleteResponse {
    let mut r = serenity::all::CreateAutocompleteResponse::new();
    for w in ["llm", "diffusion"]
        .iter()
        .filter(|w| w.starts_with(partial))
    {
        r = r.add_string_choice(*w, *w);
    }
    r
}

/// Add a keyword.
#[poise::command(slash_command, required_permissions = "MANAGE_GUILD")]
async fn add(
    ctx: PoiseCtx<'_>,
    #[description = "Keyword"]
    #[autocomplete = "suggest"]
    word: String,
    #[description = "Channel"] channel: Option<serenity::all::GuildChannel>,
) -> Result<(), PoiseError> {
    let kind = channel.map(|c| format!("{:?}", c.kind)).unwrap_or_default();
    ctx.send(
        poise::CreateReply::default()
            .content(format!("added {word} {kind}"))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poise_bot_registers_and_answers() {
    let fake = fake_with_guild().await;
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![papers()],
            ..Default::default()
        })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                Ok(())
            })
        })
        .build();
    let mut client = fake
        .client_builder(GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let runner = tokio::spawn(async move { client.start().await });
    assert!(fake.wait_until_ready(Duration::from_secs(10)).await);
    poll("command registration", || {
        fake.registered_commands().is_some()
    })
    .await;
    let reg = fake.registered_commands().unwrap();
    assert_eq!(reg["commands"][0]["name"], json!("papers"));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == "/oauth2/applications/@me"));

    // Deferred reply, then a follow-up.
    fake.dispatch_interaction(interaction::slash(
        1,
        "t-today",
        GUILD,
        TEXT,
        5,
        0,
        &["papers", "today"],
        json!([]),
    ))
    .await;
    let r = fake
        .wait_for_responses("t-today", 2, Duration::from_secs(5))
        .await;
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(
        (r[0]["kind"].clone(), r[0]["body"]["type"].clone()),
        (json!("callback"), json!(5))
    );
    assert_eq!(r[1]["kind"], json!("followup"));
    assert_eq!(r[1]["body"]["content"], json!("digest"));

    // Subcommand group with a channel option (resolved from the cache filled by GUILD_CREATE).
    let opts = json!([
        interaction::string_opt("word", "llm"),
        interaction::channel_opt("channel", FORUM)
    ]);
    fake.dispatch_interaction(interaction::slash(
        2,
        "t-add",
        GUILD,
        TEXT,
        5,
        1 << 5,
        &["papers", "keywords", "add"],
        opts,
    ))
    .await;
    let r = fake
        .wait_for_responses("t-add", 1, Duration::from_secs(5))
        .await;
    assert_eq!(r[0]["body"]["type"], json!(4), "{r:?}");
    assert_eq!(r[0]["body"]["data"]["content"], json!("added llm Forum"));
    assert_eq!(r[0]["body"]["data"]["flags"], json!(64));

    // poise checks the member's permissions from the interaction.
    let opts = json!([interaction::string_opt("word", "llm")]);
    fake.dispatch_interaction(interaction::slash(
        3,
        "t-denied",
        GUILD,
        TEXT,
        5,
        0,
        &["papers", "keywords", "add"],
        opts,
    ))
    .await;
    let r = fake
        .wait_for_responses("t-denied", 1, Duration::from_secs(5))
        .await;
    assert!(
        r[0]["body"]["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Manage Guild"),
        "{r:?}"
    );

    // Autocomplete answered with type 8.
    let ac = interaction::autocomplete(
        4,
        "t-ac",
        GUILD,
        TEXT,
        5,
        &["papers", "keywords", "add"],
        json!([interaction::focused("word", "d")]),
    );
    fake.dispatch_interaction(ac).await;
    let r = fake
        .wait_for_responses("t-ac", 1, Duration::from_secs(5))
        .await;
    assert_eq!(r[0]["body"]["type"], json!(8), "{r:?}");
    assert_eq!(
        r[0]["body"]["data"]["choices"][0]["name"],
        json!("diffusion")
    );

    shards.shutdown_all().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_thousands_of_requests_quickly() {
    let _machine = machine::measuring().await;
    let fake = FakeDiscord::start_with(FakeConfig {
        channel_bucket: Some((5, Duration::from_secs(5))),
        global_limit_per_sec: Some(100_000),
        ..FakeConfig::default()
    })
    .await;
    let http = fake.http();
    let started = Instant::now();
    let tasks: Vec<_> = (0..16u64)
        .map(|t| {
            let http = Arc::clone(&http);
            tokio::spawn(async move {
                let mut ok = 0;
                for i in 0..250u64 {
                    let msg = CreateMessage::new().embed(full_embed(i as usize));
                    if http
                        .send_message(ChannelId::new(1000 + (t * 250 + i) % 800), vec![], &msg)
                        .await
                        .is_ok()
                    {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let stats = fake.stats();
    assert_eq!(stats.total_requests, 4000);
    assert_eq!(ok, 4000, "800 channels x 5 = 4000 fit in the buckets");
    assert_eq!(stats.messages_created, 4000);
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    eprintln!("4000 requests in {elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// A raw gateway client (tokio-tungstenite), plain or through the proxy's TLS
// ---------------------------------------------------------------------------------------------

type RawWs<S> = tokio_tungstenite::WebSocketStream<S>;

/// The next raw message (5 s at most).
async fn next_raw<S>(ws: &mut RawWs<S>) -> tokio_tungstenite::tungstenite::Message
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures::StreamExt;
    tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("a gateway message within 5 s")
        .expect("connection open")
        .expect("valid frame")
}

/// The next JSON frame.
async fn next_frame<S>(ws: &mut RawWs<S>) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    match next_raw(ws).await {
        tokio_tungstenite::tungstenite::Message::Text(t) => serde_json::from_str(&t).unwrap(),
        other => panic!("not a text frame: {other:?}"),
    }
}

fn identify(shard: Option<[u64; 2]>) -> tokio_tungstenite::tungstenite::Message {
    let mut d = json!({ "token": "fake-token", "intents": 1, "properties": {} });
    if let Some(s) = shard {
        d["shard"] = json!(s);
    }
    tokio_tungstenite::tungstenite::Message::Text(json!({ "op": 2, "d": d }).to_string())
}

// ---------------------------------------------------------------------------------------------
// Production mode: serenity as shipped (rate limiter on, https://discord.com) through the
// fake's CONNECT proxy and test CA
// ---------------------------------------------------------------------------------------------

/// `127.0.0.1:PORT` of the fake's proxy.
fn proxy_addr(fake: &FakeDiscord) -> String {
    fake.proxy_url()
        .strip_prefix("http://")
        .expect("proxy URL is http://")
        .to_string()
}

/// Sends `head` to the proxy and reads its answer's head.
async fn proxy_request(fake: &FakeDiscord, head: &str) -> (tokio::net::TcpStream, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(proxy_addr(fake))
        .await
        .unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        assert_eq!(tcp.read(&mut byte).await.unwrap(), 1, "proxy closed early");
        answer.push(byte[0]);
    }
    (tcp, String::from_utf8(answer).unwrap())
}

#[tokio::test]
async fn production_http_reaches_the_fake_through_the_connect_proxy() {
    let fake = fake_with_guild().await;
    assert!(fake.proxy_url().starts_with("http://127.0.0.1:"));
    assert_eq!(
        std::fs::read_to_string(fake.ca_file()).unwrap(),
        fake.ca_pem()
    );
    assert!(fake.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));

    let http = fake.production_http();
    let msg = CreateMessage::new()
        .content("digest")
        .embeds(vec![full_embed(1), full_embed(2)])
        .allowed_mentions(CreateAllowedMentions::new());
    let sent = ChannelId::new(TEXT).send_message(&http, msg).await.unwrap();
    assert_eq!(sent.embeds.len(), 2);
    assert_eq!(sent.embeds[0].title.as_deref(), Some("Paper 1: 논문 제목"));
    assert_eq!(fake.messages(TEXT).len(), 1);
    let me = http.get_current_user().await.unwrap();
    assert_eq!(me.id.get(), 1);
    // One tunnel (reqwest keeps it), to Discord's real host, ended in the fake.
    assert_eq!(fake.connects(), vec!["discord.com:443".to_string()]);
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/channels/4/messages", "/users/@me"]);

    // The proxy only tunnels.
    let (_, answer) = proxy_request(
        &fake,
        "GET http://discord.com/api/v10/users/@me HTTP/1.1\r\nHost: discord.com\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 405 "), "{answer}");
    assert!(answer.contains("Allow: CONNECT"), "{answer}");
    assert_eq!(fake.connects().len(), 1);
}

#[tokio::test]
async fn gateway_urls_and_tls_websocket_through_the_proxy() {
    use futures::{SinkExt, StreamExt};
    let fake = fake_with_guild().await;
    let http = fake.production_http();
    assert_eq!(
        http.get_gateway().await.unwrap().url,
        fake.plain_gateway_url()
    );
    fake.set_gateway_url("wss://gateway.discord.gg");
    fake.set_recommended_shards(3);
    assert_eq!(fake.gateway_url(), "wss://gateway.discord.gg");
    assert_eq!(
        http.get_gateway().await.unwrap().url,
        "wss://gateway.discord.gg"
    );
    let bot = http.get_bot_gateway().await.unwrap();
    assert_eq!(
        (bot.url.as_str(), bot.shards),
        ("wss://gateway.discord.gg", 3)
    );

    // A WebSocket client as the bot's own tunnel would run it: CONNECT, TLS trusting the CA.
    let (tcp, answer) = proxy_request(
        &fake,
        "CONNECT gateway.discord.gg:443 HTTP/1.1\r\nHost: gateway.discord.gg:443\r\n\r\n",
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 200 Connection Established"),
        "{answer}"
    );
    let tls = tokio_rustls::TlsConnector::from(fake.tls_client_config())
        .connect(
            tokio_rustls::rustls::pki_types::ServerName::try_from("gateway.discord.gg").unwrap(),
            tcp,
        )
        .await
        .expect("TLS with the test CA's certificate for gateway.discord.gg");
    let (mut ws, _) =
        tokio_tungstenite::client_async("wss://gateway.discord.gg/?v=10&encoding=json", tls)
            .await
            .expect("WebSocket over TLS");
    let hello = next_frame(&mut ws).await;
    assert!(
        matches!(
            serde_json::from_value::<GatewayEvent>(hello).unwrap(),
            GatewayEvent::Hello(41250)
        ),
        "not HELLO"
    );
    ws.send(identify(None)).await.unwrap();
    let ready = next_frame(&mut ws).await;
    assert_eq!(ready["t"], json!("READY"));
    assert_eq!(
        ready["d"]["resume_gateway_url"],
        json!("wss://gateway.discord.gg")
    );
    let _: GatewayEvent = serde_json::from_value(ready).unwrap();
    assert_eq!(
        fake.connects(),
        vec!["discord.com:443", "gateway.discord.gg:443"]
    );
    let _ = ws.close(None).await;
    let _ = ws.next().await;
}

// ---------------------------------------------------------------------------------------------
// Discord's rate-limit headers, serenity's limiter, the crosspost quota
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn production_client_waits_on_retry_after() {
    let fake = FakeDiscord::start().await;
    let http = fake.production_http();
    let c = ChannelId::new(10);
    let hi = json!({ "content": "hi" });
    // A route 429: Retry-After is 1 (whole seconds, rounded up); serenity sleeps it and retries.
    fake.fail_next(
        1,
        Failure::RateLimited {
            retry_after: 0.2,
            global: false,
        },
    );
    http.send_message(c, vec![], &hi).await.unwrap();
    // A global 429: serenity holds every request for Retry-After, then retries.
    fake.fail_next(
        1,
        Failure::RateLimited {
            retry_after: 0.3,
            global: true,
        },
    );
    http.send_message(c, vec![], &hi).await.unwrap();
    let r = fake.requests();
    let statuses: Vec<u16> = r.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200, 429, 200]);
    for pair in [(0, 1), (2, 3)] {
        let gap = r[pair.1].received - r[pair.0].received;
        assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
    }
    assert_eq!(fake.messages(10).len(), 2);

    // An announced empty bucket (Remaining 0) makes serenity wait for Reset-After before it
    // sends, without a 429.
    let fake = FakeDiscord::start_with(FakeConfig {
        channel_bucket: Some((1, Duration::from_secs(1))),
        ..FakeConfig::default()
    })
    .await;
    let http = fake.production_http();
    http.send_message(c, vec![], &hi).await.unwrap();
    http.send_message(c, vec![], &hi).await.unwrap();
    let r = fake.requests();
    assert_eq!(fake.stats().rate_limited, 0);
    let gap = r[1].received - r[0].received;
    assert!(gap >= Duration::from_millis(800), "sent after {gap:?}");
}

#[tokio::test]
async fn rate_limit_answers_carry_discords_headers() {
    let fake = FakeDiscord::start_with(FakeConfig {
        global_limit_per_sec: Some(1),
        global_window: Duration::from_secs(3),
        channel_bucket: Some((5, Duration::from_secs(5))),
        ..FakeConfig::default()
    })
    .await;
    let client = bot_client();
    let post = |c: u64| {
        client
            .post(format!("{}/api/v10/channels/{c}/messages", fake.base_url()))
            .json(&json!({ "content": "x" }))
            .send()
    };
    let ok = post(10).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-reset-after",
        "x-ratelimit-bucket",
    ] {
        assert!(ok.headers().contains_key(h), "{h} missing");
    }
    assert!(ok.headers().get("x-ratelimit-scope").is_none());
    let reset: f64 = ok.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(reset > now && reset <= now + 5.5, "{reset} vs {now}");

    // The enforced global limit.
    let global = post(11).await.unwrap();
    assert_eq!(global.status().as_u16(), 429);
    assert_eq!(global.headers()["x-ratelimit-global"], "true");
    assert_eq!(global.headers()["x-ratelimit-scope"], "global");
    let retry: u64 = global.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("whole seconds");
    assert!((1..=3).contains(&retry), "{retry}");
    let body: RateLimitBody = global.json().await.unwrap();
    assert!(body.global && body.code == 0 && body.retry_after <= 3.0);

    // An injected route 429 looks like an enforced one: the route's bucket announced empty.
    let fake = FakeDiscord::start().await;
    fake.fail_next(
        1,
        Failure::RateLimited {
            retry_after: 2.5,
            global: false,
        },
    );
    let r = bot_client()
        .get(format!("{}/api/v10/channels/10", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(r.headers()["x-ratelimit-scope"], "user");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(r.headers()["x-ratelimit-reset-after"], "2.500");
    assert_eq!(r.headers()["x-ratelimit-bucket"].len(), 32);
    assert!(r.headers().get("x-ratelimit-global").is_none());
    let body: RateLimitBody = r.json().await.unwrap();
    assert_eq!(
        (
            body.message.as_str(),
            body.retry_after,
            body.global,
            body.code
        ),
        ("You are being rate limited.", 2.5, false, 0)
    );
}

#[tokio::test]
async fn crossposts_have_a_per_channel_quota() {
    assert_eq!(
        FakeConfig::default().crosspost_quota,
        Some((10, Duration::from_secs(3600)))
    );
    let fake = FakeDiscord::start().await;
    fake.add_channel(GUILD, NEWS, 5);
    fake.add_channel(GUILD, 15, 5);
    let http = fake.http();
    let mut ids = Vec::new();
    for i in 0..11 {
        let m = ChannelId::new(NEWS)
            .send_message(&http, CreateMessage::new().content(format!("m{i}")))
            .await
            .unwrap();
        ids.push(m.id);
    }
    for id in &ids[..10] {
        http.crosspost_message(ChannelId::new(NEWS), *id)
            .await
            .unwrap();
    }
    let url = |c: u64, m: serenity::all::MessageId| {
        format!(
            "{}/api/v10/channels/{c}/messages/{m}/crosspost",
            fake.base_url()
        )
    };
    let r = bot_client().post(url(NEWS, ids[10])).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["x-ratelimit-scope"], "shared");
    assert_eq!(r.headers()["x-ratelimit-limit"], "10");
    assert!(r.headers().get("x-ratelimit-global").is_none());
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: RateLimitBody = r.json().await.unwrap();
    assert!(
        body.retry_after > 3500.0 && body.retry_after <= 3600.0,
        "{}",
        body.retry_after
    );
    assert_eq!(retry, body.retry_after.ceil() as u64);
    assert_eq!(body.message, "The resource is being rate limited.");
    assert_eq!(fake.crossposts().len(), 10);
    // Another channel has its own quota; successful crossposts announce it.
    let m = ChannelId::new(15)
        .send_message(&http, CreateMessage::new().content("x"))
        .await
        .unwrap();
    let r = bot_client().post(url(15, m.id)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["x-ratelimit-limit"], "10");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "9");

    // A short configured window resets.
    let fake = FakeDiscord::start_with(FakeConfig {
        crosspost_quota: Some((1, Duration::from_secs(1))),
        ..FakeConfig::default()
    })
    .await;
    fake.add_channel(GUILD, NEWS, 5);
    let http = fake.http();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let m = ChannelId::new(NEWS)
            .send_message(&http, CreateMessage::new().content("x"))
            .await
            .unwrap();
        ids.push(m.id);
    }
    http.crosspost_message(ChannelId::new(NEWS), ids[0])
        .await
        .unwrap();
    assert_eq!(
        discord_error(http.crosspost_message(ChannelId::new(NEWS), ids[1]).await).0,
        429
    );
    tokio::time::sleep(Duration::from_millis(1050)).await;
    http.crosspost_message(ChannelId::new(NEWS), ids[1])
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Crash tests' tools: the nonce window, lost and slow answers, history
// ---------------------------------------------------------------------------------------------

fn nonced(content: &str, nonce: &str) -> CreateMessage {
    CreateMessage::new()
        .content(content)
        .nonce(Nonce::String(nonce.into()))
        .enforce_nonce(true)
}

#[tokio::test]
async fn nonce_window_bounds_deduplication() {
    assert_eq!(
        FakeConfig::default().nonce_window,
        Some(Duration::from_secs(300))
    );
    let fake = FakeDiscord::start_with(FakeConfig {
        nonce_window: Some(Duration::from_secs(1)),
        ..FakeConfig::default()
    })
    .await;
    let http = fake.http();
    let c = ChannelId::new(10);
    let a = c.send_message(&http, nonced("a", "n1")).await.unwrap();
    let b = c.send_message(&http, nonced("a", "n1")).await.unwrap();
    assert_eq!(a.id, b.id);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    // Past the window the nonce makes a new message, which then de-duplicates in its own window.
    let later = c.send_message(&http, nonced("a", "n1")).await.unwrap();
    assert_ne!(later.id, a.id);
    let again = c.send_message(&http, nonced("a", "n1")).await.unwrap();
    assert_eq!(again.id, later.id);
    assert_eq!(fake.messages(10).len(), 2);

    // No window: every POST creates a message.
    fake.set_nonce_window(None);
    let x = c.send_message(&http, nonced("b", "n2")).await.unwrap();
    let y = c.send_message(&http, nonced("b", "n2")).await.unwrap();
    assert_ne!(x.id, y.id);
    assert_eq!(fake.messages(10).len(), 4);
    assert_eq!(fake.stats().deduplicated, 2);
}

#[tokio::test]
async fn lost_and_slow_answers_still_store_the_message() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let c = ChannelId::new(10);
    // A lost answer drawn at random takes effect too.
    fake.set_random_failures(1.0, 1, vec![Failure::AnswerLost(502)]);
    assert_eq!(
        discord_error(c.send_message(&http, nonced("lost", "L")).await).0,
        502
    );
    assert_eq!(fake.messages(10).len(), 1);
    fake.set_random_failures(0.0, 1, vec![]);
    // ...and the resend with its nonce gets that message back.
    let resent = c.send_message(&http, nonced("lost", "L")).await.unwrap();
    assert_eq!(
        resent.id.to_string(),
        fake.messages(10)[0]["id"].as_str().unwrap()
    );

    // A slow answer the client gives up on: the message is stored at once, the answer (to
    // nobody) is logged later.
    let impatient = reqwest::Client::builder()
        .default_headers(bot_headers())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let post = || {
        impatient
            .post(format!("{}/api/v10/channels/11/messages", fake.base_url()))
            .json(&json!({ "content": "slow", "nonce": "S", "enforce_nonce": true }))
            .send()
    };
    fake.fail_next(1, Failure::Slow(Duration::from_millis(1500)));
    let before = fake.request_count();
    assert!(post().await.unwrap_err().is_timeout());
    assert_eq!(fake.messages(11).len(), 1, "stored before the answer");
    assert_eq!(fake.request_count(), before, "not answered yet");
    poll("the slow answer", || fake.request_count() == before + 1).await;
    assert_eq!(fake.requests().last().unwrap().status, 200);

    // An answer delay: every message creation is answered late; a client killed in between
    // sent a message it never saw.
    fake.set_answer_delay(Duration::from_secs(1));
    assert!(post().await.unwrap_err().is_timeout());
    assert_eq!(
        fake.messages(11).len(),
        1,
        "de-duplicated by its nonce, answered late"
    );
    let t = Instant::now();
    let m = ChannelId::new(12)
        .send_message(&http, CreateMessage::new().content("late"))
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.messages(12)[0]["id"], json!(m.id.to_string()));
    fake.set_answer_delay(Duration::ZERO);
    let t = Instant::now();
    ChannelId::new(12)
        .send_message(&http, CreateMessage::new().content("quick"))
        .await
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn message_history_pages_like_discord() {
    use serenity::http::MessagePagination;
    let fake = fake_with_guild().await;
    let http = fake.http();
    let c = ChannelId::new(TEXT);
    let mut ids = Vec::new();
    for i in 0..5 {
        let m = c
            .send_message(&http, nonced(&format!("m{i}"), &format!("n{i}")))
            .await
            .unwrap();
        ids.push(m.id);
    }
    let deleted = c
        .send_message(&http, CreateMessage::new().content("gone"))
        .await
        .unwrap();
    http.delete_message(c, deleted.id, None).await.unwrap();

    let all = http.get_messages(c, None, None).await.unwrap();
    let got: Vec<_> = all.iter().map(|m| m.id).collect();
    assert_eq!(got, ids.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(all[0].author.id.get(), 1);
    assert!(all[0].author.bot);
    assert_eq!(all[0].content, "m4");
    assert!(
        matches!(&all[0].nonce, Some(Nonce::String(n)) if n == "n4"),
        "{:?}",
        all[0].nonce
    );
    let ids_of = |v: Vec<serenity::all::Message>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
    let after = http
        .get_messages(c, Some(MessagePagination::After(ids[1])), Some(2))
        .await
        .unwrap();
    assert_eq!(ids_of(after), [ids[3], ids[2]]);
    let before = http
        .get_messages(c, Some(MessagePagination::Before(ids[3])), Some(2))
        .await
        .unwrap();
    assert_eq!(ids_of(before), [ids[2], ids[1]]);
    let around = http
        .get_messages(c, Some(MessagePagination::Around(ids[2])), Some(3))
        .await
        .unwrap();
    assert_eq!(ids_of(around), [ids[3], ids[2], ids[1]]);
    let latest = http.get_messages(c, None, Some(1)).await.unwrap();
    assert_eq!(ids_of(latest), [ids[4]]);

    // A forum post's thread is a channel with its starter message.
    let post = CreateForumPost::new("Daily Papers", CreateMessage::new().content("starter"));
    let thread = ChannelId::new(FORUM)
        .create_forum_post(&http, post)
        .await
        .unwrap();
    let starter = http.get_messages(thread.id, None, None).await.unwrap();
    assert_eq!(starter.len(), 1);
    assert_eq!(starter[0].content, "starter");

    // Discord's limits on `limit`.
    for bad in ["0", "101", "x"] {
        let r = bot_client()
            .get(format!(
                "{}/api/v10/channels/{TEXT}/messages?limit={bad}",
                fake.base_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], json!(50035));
        assert!(body["errors"]["limit"].is_object(), "{body}");
    }
    fake.delete_channel(TEXT);
    assert_eq!(
        discord_error(http.get_messages(c, None, None).await).1,
        10003
    );
}

// ---------------------------------------------------------------------------------------------
// Gateway behaviours: shards, closes, resume; route failures; a bad token
// ---------------------------------------------------------------------------------------------

async fn raw_gateway(fake: &FakeDiscord) -> RawWs<tokio::net::TcpStream> {
    let addr = fake
        .plain_gateway_url()
        .strip_prefix("ws://")
        .unwrap()
        .to_string();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/?v=10&encoding=json"), tcp)
        .await
        .unwrap();
    ws
}

/// The close code the connection is closed with next.
async fn close_code<S>(ws: &mut RawWs<S>) -> u16
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match next_raw(ws).await {
            tokio_tungstenite::tungstenite::Message::Close(f) => {
                return f.map_or(0, |f| u16::from(f.code))
            }
            tokio_tungstenite::tungstenite::Message::Text(_) => {}
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn interactions_go_to_the_shard_that_owns_the_guild() {
    use futures::SinkExt;
    let fake = FakeDiscord::start().await;
    let g0: u64 = 3; // (3 >> 22) % 2 == 0
    let g1: u64 = (1 << 22) | 3; // shard 1 of 2
    fake.add_guild(g0, Some(TEXT));
    fake.add_guild(g1, Some(40));
    let mut shards = Vec::new();
    for id in 0..2u64 {
        let mut ws = raw_gateway(&fake).await;
        assert_eq!(next_frame(&mut ws).await["op"], json!(10));
        ws.send(identify(Some([id, 2]))).await.unwrap();
        let ready = next_frame(&mut ws).await;
        let owned = if id == 0 { g0 } else { g1 };
        assert_eq!(ready["d"]["shard"], json!([id, 2]));
        assert_eq!(
            ready["d"]["guilds"],
            json!([{ "id": owned.to_string(), "unavailable": true }])
        );
        let create = next_frame(&mut ws).await;
        assert_eq!(
            (create["t"].clone(), create["d"]["id"].clone()),
            (json!("GUILD_CREATE"), json!(owned.to_string()))
        );
        shards.push(ws);
    }
    let ids: Vec<Value> = fake
        .identifies()
        .iter()
        .map(|d| d["shard"].clone())
        .collect();
    assert_eq!(ids, [json!([0, 2]), json!([1, 2])]);

    for (guild, channel, owner) in [(g1, 40, 1usize), (g0, TEXT, 0)] {
        let token = format!("tok-{guild}");
        fake.dispatch_interaction(interaction::slash(
            guild + 1,
            &token,
            guild,
            channel,
            5,
            8,
            &["papers"],
            json!([]),
        ))
        .await;
        let got = next_frame(&mut shards[owner]).await;
        assert_eq!(got["t"], json!("INTERACTION_CREATE"));
        assert_eq!(got["d"]["guild_id"], json!(guild.to_string()));
        let _ = command_of(got["d"].clone());
    }
    let dispatched = fake
        .gateway_frames()
        .iter()
        .filter(|f| f["t"] == json!("INTERACTION_CREATE"))
        .count();
    assert_eq!(dispatched, 2, "each interaction went to one shard only");

    // A shard id out of range is refused like Discord does.
    let mut bad = raw_gateway(&fake).await;
    next_frame(&mut bad).await;
    bad.send(identify(Some([2, 2]))).await.unwrap();
    assert_eq!(close_code(&mut bad).await, 4010);
}

#[tokio::test]
async fn connections_can_be_closed_before_hello_and_sessions_resumed() {
    use futures::SinkExt;
    let fake = FakeDiscord::start().await;
    fake.close_next_connections(2, 1011);
    for _ in 0..2 {
        let mut ws = raw_gateway(&fake).await;
        assert_eq!(close_code(&mut ws).await, 1011);
    }
    let mut ws = raw_gateway(&fake).await;
    assert_eq!(next_frame(&mut ws).await["op"], json!(10));
    ws.send(identify(None)).await.unwrap();
    let ready = next_frame(&mut ws).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_string();
    let resume = |seq: u64| {
        tokio_tungstenite::tungstenite::Message::Text(
            json!({ "op": 6, "d": { "token": "fake-token", "session_id": session, "seq": seq } })
                .to_string(),
        )
    };

    // Closed by the fake with 1001: the session resumes on a new connection.
    fake.close_sessions(1001);
    assert_eq!(close_code(&mut ws).await, 1001);
    let mut ws = raw_gateway(&fake).await;
    next_frame(&mut ws).await;
    ws.send(resume(1)).await.unwrap();
    let resumed = next_frame(&mut ws).await;
    assert_eq!(resumed["t"], json!("RESUMED"));
    assert_eq!(resumed["s"], json!(2), "the sequence goes on");
    assert!(matches!(
        event("RESUMED", resumed["d"].clone()),
        Event::Resumed(_)
    ));
    assert_eq!(fake.resumes().len(), 1);

    // Closed by the client with 1000: the session is over, a RESUME gets op 9.
    ws.send(tokio_tungstenite::tungstenite::Message::Close(Some(
        tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: 1000.into(),
            reason: "".into(),
        },
    )))
    .await
    .unwrap();
    let mut ws = raw_gateway(&fake).await;
    next_frame(&mut ws).await;
    ws.send(resume(2)).await.unwrap();
    assert_eq!(next_frame(&mut ws).await, json!({ "op": 9, "d": false }));
    assert_eq!(fake.resumes().len(), 2);
    assert_eq!(fake.identifies().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_resumes_after_server_closes() {
    let fake = FakeDiscord::start_with(FakeConfig {
        heartbeat_interval_ms: 200,
        ..FakeConfig::default()
    })
    .await;
    fake.add_guild(GUILD, Some(TEXT));
    let recorder = Recorder::default();
    let mut client = fake
        .client_builder(GatewayIntents::GUILDS)
        .event_handler(recorder.clone())
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let runner = tokio::spawn(async move { client.start().await });
    assert!(fake.wait_until_ready(Duration::from_secs(10)).await);
    for (i, code) in [4000u16, 1001].into_iter().enumerate() {
        fake.close_sessions(code);
        poll("resume", || {
            *recorder.resumes.lock().unwrap() == i as u32 + 1
        })
        .await;
    }
    assert_eq!(fake.resumes().len(), 2);
    assert_eq!(fake.identifies().len(), 1);
    // 4009 (session timed out) ends the session: serenity identifies anew.
    fake.close_sessions(4009);
    poll("new identify", || fake.identifies().len() == 2).await;
    poll("ready", || *recorder.readies.lock().unwrap() == 2).await;
    fake.dispatch_interaction(interaction::slash(
        7,
        "tok-7",
        GUILD,
        TEXT,
        5,
        8,
        &["ping"],
        json!([]),
    ))
    .await;
    assert_eq!(
        fake.wait_for_responses("tok-7", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
    shards.shutdown_all().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
}

#[tokio::test]
async fn fail_route_next_fails_only_that_route() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    fake.fail_route_next("PUT", "/applications/", 2, Failure::ServerError(500));
    fake.fail_next(1, Failure::ServerError(503));
    let commands = vec![CreateCommand::new("papers").description("Daily papers")];
    assert_eq!(
        discord_error(http.create_global_commands(&commands).await).0,
        500
    );
    // Other requests do not take the route's failures (this one takes the fail_next entry).
    assert_eq!(
        discord_error(
            http.send_message(ChannelId::new(10), vec![], &json!({"content": "x"}))
                .await
        )
        .0,
        503
    );
    http.send_message(ChannelId::new(10), vec![], &json!({"content": "x"}))
        .await
        .unwrap();
    assert_eq!(
        discord_error(http.create_global_commands(&commands).await).0,
        500
    );
    let registered = http.create_global_commands(&commands).await.unwrap();
    assert_eq!(registered[0].name, "papers");
    let statuses: Vec<(String, u16)> = fake
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.status))
        .collect();
    let expected: Vec<(String, u16)> = [
        ("PUT", 500),
        ("POST", 503),
        ("POST", 200),
        ("PUT", 500),
        ("PUT", 200),
    ]
    .iter()
    .map(|(m, s)| (m.to_string(), *s))
    .collect();
    assert_eq!(statuses, expected);
}

#[tokio::test]
async fn a_rejected_token_gets_401_and_gateway_close_4004() {
    use futures::SinkExt;
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    fake.reject_token(true);
    for r in [
        http.get_current_user().await.map(|_| ()),
        http.send_message(ChannelId::new(10), vec![], &json!({"content": "x"}))
            .await
            .map(|_| ()),
    ] {
        match r {
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
                assert_eq!(e.status_code.as_u16(), 401);
                assert_eq!(e.error.code, 0);
                assert_eq!(e.error.message, "401: Unauthorized");
            }
            other => panic!("{other:?}"),
        }
    }
    // The production client gets the same (serenity does not retry a 401).
    assert_eq!(
        discord_error(fake.production_http().get_current_user().await).0,
        401
    );
    // GET /gateway needs no token (and must never fail: serenity would try the real one).
    assert_eq!(http.get_gateway().await.unwrap().url, fake.gateway_url());
    let mut ws = raw_gateway(&fake).await;
    next_frame(&mut ws).await;
    ws.send(identify(None)).await.unwrap();
    assert_eq!(close_code(&mut ws).await, 4004);
    assert_eq!(fake.stats().by_status[&401], 3);

    fake.reject_token(false);
    http.get_current_user().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Direct messages, users and user-installed apps
// ---------------------------------------------------------------------------------------------

const ALICE: u64 = 55;
const BOB: u64 = 56;

/// The Discord error message of a failed serenity call.
fn discord_message<T: std::fmt::Debug>(r: serenity::Result<T>) -> String {
    match r {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => e.error.message,
        other => panic!("expected an unsuccessful request, got {other:?}"),
    }
}

#[tokio::test]
async fn dm_channels_open_once_and_take_messages_like_any_channel() {
    let fake = fake_with_guild().await;
    fake.add_user(ALICE, "alice");
    let http = fake.http();

    let dm = UserId::new(ALICE).create_dm_channel(&http).await.unwrap();
    assert_eq!(dm.kind, ChannelType::Private);
    assert_eq!(
        (dm.recipient.id.get(), dm.recipient.name.as_str()),
        (ALICE, "alice")
    );
    assert!(!dm.recipient.bot);
    assert_eq!(fake.dm_channel_of(ALICE), Some(dm.id.get()));
    // The same channel again, through the raw route too.
    let again = http
        .create_private_channel(&json!({ "recipient_id": ALICE.to_string() }))
        .await
        .unwrap();
    assert_eq!(again.id, dm.id);
    let req = fake.requests();
    let first = &req[req.len() - 2];
    assert_eq!(
        (first.method.as_str(), first.path.as_str(), first.status),
        ("POST", "/users/@me/channels", 200)
    );
    // serenity sends the id as a string.
    assert_eq!(first.body, json!({ "recipient_id": ALICE.to_string() }));

    // Messages: validation, the nonce window and history, as in any channel.
    let m = dm
        .id
        .send_message(&http, nonced("your alert", "alert-1"))
        .await
        .unwrap();
    assert_eq!((m.channel_id, m.guild_id), (dm.id, None));
    let dup = dm
        .id
        .send_message(&http, nonced("your alert", "alert-1"))
        .await
        .unwrap();
    assert_eq!(dup.id, m.id);
    dm.id
        .send_message(&http, CreateMessage::new().embed(full_embed(1)))
        .await
        .unwrap();
    let too_long = json!({ "content": "x".repeat(2001) });
    assert_eq!(
        discord_error(http.send_message(dm.id, vec![], &too_long).await),
        (400, 50035, vec!["content".to_string()])
    );
    let dms = fake.dms(ALICE);
    assert_eq!(dms.len(), 2, "{dms:?}");
    assert_eq!(dms[0]["content"], json!("your alert"));
    assert_eq!(dms, fake.messages(dm.id.get()));
    let history = dm.id.messages(&http, GetMessages::new()).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].id, m.id);
    assert!(history.iter().all(|m| m.guild_id.is_none()));

    // GET /channels/{id} answers the DM channel object, which serenity reads as private.
    match http.get_channel(dm.id).await.unwrap() {
        Channel::Private(c) => {
            assert_eq!(c.recipient.id.get(), ALICE);
            assert_eq!(c.last_message_id, Some(history[0].id));
        }
        other => panic!("{other:?}"),
    }
    let payload = fake.channel_payload(dm.id.get()).unwrap();
    assert!(matches!(
        serde_json::from_value::<Channel>(payload).unwrap(),
        Channel::Private(_)
    ));

    // A DM channel takes no threads; unknown users and bad bodies are refused like Discord.
    let (status, code, _) = discord_error(
        dm.id
            .create_thread(
                &http,
                serenity::all::CreateThread::new("t").kind(ChannelType::PublicThread),
            )
            .await,
    );
    assert_eq!((status, code), (400, 50003));
    let (status, code, _) = discord_error(UserId::new(777).create_dm_channel(&http).await);
    assert_eq!((status, code), (400, 50033));
    assert_eq!(fake.dm_channel_of(777), None);
    assert!(fake.dms(777).is_empty());
    assert_eq!(
        discord_error(http.create_private_channel(&json!({})).await),
        (400, 50035, vec!["recipient_id".to_string()])
    );
    assert_eq!(
        discord_error(
            http.create_private_channel(&json!({ "recipient_id": "alice" }))
                .await
        ),
        (400, 50035, vec!["recipient_id".to_string()])
    );
}

#[tokio::test]
async fn dm_channels_have_their_own_message_bucket() {
    let fake = FakeDiscord::start_with(FakeConfig {
        channel_bucket: Some((2, Duration::from_secs(3))),
        ..FakeConfig::default()
    })
    .await;
    fake.add_guild(GUILD, Some(TEXT));
    fake.add_user(ALICE, "alice");
    fake.add_user(BOB, "bob");
    let http = fake.http();
    let alice = UserId::new(ALICE).create_dm_channel(&http).await.unwrap();
    let bob = UserId::new(BOB).create_dm_channel(&http).await.unwrap();
    assert_ne!(alice.id, bob.id);
    let hello = json!({ "content": "hello" });
    for _ in 0..2 {
        http.send_message(alice.id, vec![], &hello).await.unwrap();
    }
    assert_eq!(
        discord_error(http.send_message(alice.id, vec![], &hello).await).0,
        429
    );
    http.send_message(bob.id, vec![], &hello).await.unwrap();
    http.send_message(ChannelId::new(TEXT), vec![], &hello)
        .await
        .unwrap();
    assert_eq!((fake.dms(ALICE).len(), fake.dms(BOB).len()), (2, 1));
}

#[tokio::test]
async fn closed_dms_refuse_messages_with_50007() {
    let fake = FakeDiscord::start().await;
    fake.add_user(BOB, "bob");
    fake.close_dms(BOB);
    let http = fake.http();
    // Opening the channel still works, as on Discord; only messages are refused.
    let dm = UserId::new(BOB).create_dm_channel(&http).await.unwrap();
    let r = dm.id.say(&http, "your alert").await;
    assert!(matches!(
        &r,
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e)))
            if e.status_code == serenity::http::StatusCode::FORBIDDEN && e.error.code == 50007
    ));
    assert_eq!(discord_message(r), "Cannot send messages to this user");
    assert!(fake.dms(BOB).is_empty());
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == format!("/channels/{}/messages", dm.id) && r.status == 403));
    fake.open_dms(BOB);
    dm.id.say(&http, "your alert").await.unwrap();
    assert_eq!(fake.dms(BOB).len(), 1);
}

#[tokio::test]
async fn users_are_known_from_tests_and_interactions() {
    let fake = fake_with_guild().await;
    let http = fake.http();
    fake.add_user(ALICE, "alice");
    let alice = http.get_user(UserId::new(ALICE)).await.unwrap();
    assert_eq!(
        (alice.id.get(), alice.name.as_str(), alice.bot),
        (ALICE, "alice", false)
    );
    let bot = http.get_user(UserId::new(1)).await.unwrap();
    assert!(bot.bot);
    assert_eq!(
        discord_error(http.get_user(UserId::new(77)).await),
        (404, 10013, vec![])
    );
    assert_eq!(
        discord_error(UserId::new(77).create_dm_channel(&http).await).1,
        50033
    );

    // The invoker (in a guild, in a DM) and resolved users of a dispatched interaction.
    fake.enriched_interaction(interaction::slash(
        1,
        "t",
        GUILD,
        TEXT,
        77,
        0,
        &["digest"],
        json!([{ "name": "who", "type": 6, "value": "78" }]),
    ));
    fake.enriched_interaction(interaction::slash_in_dm(
        2,
        "t2",
        79,
        &["alerts"],
        json!([]),
    ));
    for id in [77, 78, 79] {
        let u = http.get_user(UserId::new(id)).await.unwrap();
        assert_eq!(u.name, format!("user{id}"));
    }
    // A known user keeps its record.
    fake.enriched_interaction(interaction::slash(
        3,
        "t3",
        GUILD,
        TEXT,
        ALICE,
        0,
        &["digest"],
        json!([]),
    ));
    assert_eq!(
        http.get_user(UserId::new(ALICE)).await.unwrap().name,
        "alice"
    );
    let dm = UserId::new(77).create_dm_channel(&http).await.unwrap();
    assert_eq!(dm.recipient.name, "user77");
}

#[tokio::test]
async fn dm_and_user_install_builders_deserialize_into_commands() {
    use serenity::all::{AuthorizingIntegrationOwner as Owner, InteractionContext};
    let fake = fake_with_guild().await;
    let guild_member_perms = Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES;

    // In the bot's DM (context 1): no guild, no member, the top-level user.
    let d = interaction::slash_in_dm(
        200,
        "tok-dm",
        ALICE,
        &["alerts", "add"],
        json!([interaction::string_opt("word", "llm")]),
    );
    let raw = command_of(d.clone());
    assert_eq!((raw.guild_id, raw.member.is_none()), (None, true));
    assert_eq!(raw.user.id.get(), ALICE);
    assert_eq!(raw.context, Some(InteractionContext::BotDm));
    assert!(matches!(
        raw.authorizing_integration_owners.0.as_slice(),
        [Owner::UserInstall(u)] if u.get() == ALICE
    ));
    assert_eq!(raw.channel.as_ref().unwrap().kind, ChannelType::Private);
    assert_eq!(raw.guild_locale, None);
    let perms = raw.app_permissions.unwrap();
    assert!(perms.contains(Permissions::EMBED_LINKS | Permissions::ATTACH_FILES));
    assert!(!perms.intersects(guild_member_perms));
    let ResolvedValue::SubCommand(leaf) = &raw.data.options()[0].value else {
        panic!("{:?}", raw.data.options())
    };
    assert!(matches!(leaf[0].value, ResolvedValue::String("llm")));
    // Dispatched, it happens in the bot's DM channel with the user, opened for it.
    assert_eq!(fake.dm_channel_of(ALICE), None);
    let cmd = command_of(fake.enriched_interaction(d.clone()));
    let dm = fake.dm_channel_of(ALICE).unwrap();
    assert_eq!(cmd.channel_id.get(), dm);
    assert_eq!(cmd.channel.as_ref().unwrap().id.get(), dm);
    assert_eq!(
        command_of(fake.enriched_interaction(d.clone()))
            .channel_id
            .get(),
        dm
    );
    // A guild-installed app used in the bot's DM has the guild key with "0".
    let both = command_of(interaction::authorized_by(d, Some(0), Some(ALICE)));
    let owners = &both.authorizing_integration_owners.0;
    assert_eq!(owners.len(), 2);
    assert!(owners
        .iter()
        .any(|o| matches!(o, Owner::GuildInstall(None))));
    assert!(owners
        .iter()
        .any(|o| matches!(o, Owner::UserInstall(u) if u.get() == ALICE)));

    // A user install used in a server the bot is not in (context 0): member, no bot permissions.
    let cmd = command_of(fake.enriched_interaction(interaction::slash_user_install(
        201,
        "tok-ui",
        Some(900),
        901,
        BOB,
        &["alerts"],
        json!([]),
    )));
    assert_eq!(cmd.guild_id, Some(GuildId::new(900)));
    assert_eq!(cmd.context, Some(InteractionContext::Guild));
    assert_eq!(cmd.member.as_ref().unwrap().user.id.get(), BOB);
    assert_eq!(cmd.user.id.get(), BOB);
    assert!(cmd
        .member
        .as_ref()
        .unwrap()
        .permissions
        .unwrap()
        .contains(guild_member_perms));
    assert!(matches!(
        cmd.authorizing_integration_owners.0.as_slice(),
        [Owner::UserInstall(u)] if u.get() == BOB
    ));
    let perms = cmd.app_permissions.unwrap();
    assert!(perms.contains(Permissions::EMBED_LINKS));
    assert!(!perms.intersects(guild_member_perms | Permissions::READ_MESSAGE_HISTORY));
    assert_eq!(cmd.channel.as_ref().unwrap().kind, ChannelType::Text);
    // The bot is not in that server: its own requests there are refused.
    let http = fake.http();
    let hello = json!({ "content": "hello" });
    assert_eq!(
        discord_error(http.send_message(ChannelId::new(901), vec![], &hello).await),
        (403, 50001, vec![])
    );
    assert_eq!(
        discord_error(http.get_channel(ChannelId::new(901)).await).1,
        50001
    );
    fake.add_guild(900, None);
    http.send_message(ChannelId::new(901), vec![], &hello)
        .await
        .unwrap();

    // ... and in a DM between users (context 2).
    let cmd = command_of(fake.enriched_interaction(interaction::slash_user_install(
        202,
        "tok-pc",
        None,
        902,
        BOB,
        &["alerts"],
        json!([]),
    )));
    assert_eq!((cmd.guild_id, cmd.member.is_none()), (None, true));
    assert_eq!(cmd.user.id.get(), BOB);
    assert_eq!(cmd.context, Some(InteractionContext::PrivateChannel));
    assert_eq!(cmd.channel_id.get(), 902);
    assert_eq!(cmd.channel.as_ref().unwrap().kind, ChannelType::Private);
    assert!(!cmd
        .app_permissions
        .unwrap()
        .intersects(guild_member_perms | Permissions::USE_EXTERNAL_EMOJIS));
    assert_eq!(fake.dm_channel_of(BOB), None);

    // The guild builder: guild install, context 0.
    let cmd = command_of(interaction::slash(
        203,
        "tok-g",
        GUILD,
        TEXT,
        BOB,
        0,
        &["alerts"],
        json!([]),
    ));
    assert_eq!(cmd.context, Some(InteractionContext::Guild));
    assert!(matches!(
        cmd.authorizing_integration_owners.0.as_slice(),
        [Owner::GuildInstall(Some(g))] if g.get() == GUILD
    ));
}

/// Personal alerts, from anywhere a user can reach the app.
#[poise::command(
    slash_command,
    install_context = "Guild|User",
    interaction_context = "Guild|BotDm|PrivateChannel"
)]
async fn alerts(ctx: PoiseCtx<'_>) -> Result<(), PoiseError> {
    let dm = ctx.author().id.create_dm_channel(ctx).await?;
    let sent = match dm.id.say(ctx, "your alert").await {
        Ok(_) => "sent".to_string(),
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
            format!("refused {}", e.error.code)
        }
        Err(e) => return Err(e.into()),
    };
    let guild = ctx.guild_id().map(|g| g.get());
    ctx.send(
        poise::CreateReply::default()
            .content(format!(
                "author={} guild={guild:?} dm={sent}",
                ctx.author().id
            ))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Posts in the channel: needs the bot's own permissions there.
#[poise::command(
    slash_command,
    required_bot_permissions = "SEND_MESSAGES",
    install_context = "Guild|User",
    interaction_context = "Guild|BotDm|PrivateChannel"
)]
async fn post_here(ctx: PoiseCtx<'_>) -> Result<(), PoiseError> {
    ctx.say("posted").await?;
    Ok(())
}

#[tokio::test]
async fn command_registration_stores_install_contexts() {
    use serenity::all::{InstallationContext, InteractionContext};
    let fake = FakeDiscord::start().await;
    let http = fake.http();

    // poise's `install_context` / `interaction_context` as serenity sends them.
    let cmds = poise::builtins::create_application_commands(&[alerts(), papers()]);
    let got = Command::set_global_commands(&http, cmds).await.unwrap();
    let sent = fake.requests().last().unwrap().body.clone();
    assert_eq!(sent[0]["integration_types"], json!([0, 1]));
    assert_eq!(sent[0]["contexts"], json!([0, 1, 2]));
    assert_eq!(
        got[0].integration_types,
        vec![InstallationContext::Guild, InstallationContext::User]
    );
    assert_eq!(
        got[0].contexts,
        Some(vec![
            InteractionContext::Guild,
            InteractionContext::BotDm,
            InteractionContext::PrivateChannel
        ])
    );
    // Without them: Discord's defaults (the guild install, every context).
    assert_eq!(got[1].integration_types, vec![InstallationContext::Guild]);
    assert_eq!(got[1].contexts, None);
    let reg = fake.registered_commands().unwrap();
    assert_eq!(reg["commands"][0]["integration_types"], json!([0, 1]));
    assert_eq!(reg["commands"][0]["contexts"], json!([0, 1, 2]));
    assert_eq!(reg["commands"][1]["contexts"], Value::Null);

    // Only Discord's values, only on top-level commands.
    let bad = json!([{ "name": "alerts", "description": "d", "integration_types": [0, 2] }]);
    assert_eq!(
        discord_error(http.create_global_commands(&bad).await),
        (400, 50035, vec!["0.integration_types.1".to_string()])
    );
    let bad = json!([{ "name": "alerts", "description": "d", "contexts": [3] }]);
    assert_eq!(
        discord_error(http.create_global_commands(&bad).await).2,
        vec!["0.contexts.0"]
    );
    let bad = json!([{ "name": "alerts", "description": "d", "contexts": "0" }]);
    assert_eq!(
        discord_error(http.create_global_commands(&bad).await).2,
        vec!["0.contexts"]
    );
    let bad = json!([{
        "name": "alerts", "description": "d",
        "options": [{ "name": "add", "description": "d", "type": 1, "contexts": [1] }],
    }]);
    assert_eq!(
        discord_error(http.create_global_commands(&bad).await).2,
        vec!["0.options.0.contexts"]
    );
    // Refused bodies change nothing.
    assert_eq!(fake.registered_commands().unwrap(), reg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poise_answers_in_dms_and_where_a_user_installed_it() {
    let fake = fake_with_guild().await;
    fake.close_dms(BOB);
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![alerts(), post_here()],
            ..Default::default()
        })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                Ok(())
            })
        })
        .build();
    let mut client = fake
        .client_builder(GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let runner = tokio::spawn(async move { client.start().await });
    assert!(fake.wait_until_ready(Duration::from_secs(10)).await);
    poll("command registration", || {
        fake.registered_commands().is_some()
    })
    .await;
    let reg = fake.registered_commands().unwrap();
    assert_eq!(reg["commands"][0]["integration_types"], json!([0, 1]));

    let reply = |token: &'static str| {
        let fake = &fake;
        async move {
            let r = fake
                .wait_for_responses(token, 1, Duration::from_secs(5))
                .await;
            assert_eq!(r.len(), 1, "{token}: {r:?}");
            r[0]["body"]["data"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };

    // In the bot's DM: poise sees no guild and the author from `user`; the alert lands in the
    // same DM channel the interaction came from.
    fake.dispatch_interaction(interaction::slash_in_dm(
        1,
        "t-dm",
        ALICE,
        &["alerts"],
        json!([]),
    ))
    .await;
    assert_eq!(
        reply("t-dm").await,
        format!("author={ALICE} guild=None dm=sent")
    );
    let dms = fake.dms(ALICE);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0]["content"], json!("your alert"));
    assert_eq!(
        dms[0]["channel_id"],
        json!(fake.dm_channel_of(ALICE).unwrap().to_string())
    );

    // A user install in a server the bot is not in: the guild is there, the author a member.
    fake.dispatch_interaction(interaction::slash_user_install(
        2,
        "t-ui",
        Some(900),
        901,
        ALICE,
        &["alerts"],
        json!([]),
    ))
    .await;
    assert_eq!(
        reply("t-ui").await,
        format!("author={ALICE} guild=Some(900) dm=sent")
    );
    assert_eq!(fake.dms(ALICE).len(), 2);

    // In a DM between users, from someone whose DMs are closed to the bot.
    fake.dispatch_interaction(interaction::slash_user_install(
        3,
        "t-pc",
        None,
        902,
        BOB,
        &["alerts"],
        json!([]),
    ))
    .await;
    assert_eq!(
        reply("t-pc").await,
        format!("author={BOB} guild=None dm=refused 50007")
    );
    assert!(fake.dms(BOB).is_empty());

    // poise checks the bot's permissions from `app_permissions` in a guild (none of a member's
    // where the bot is not), and skips the checks outside guilds.
    fake.dispatch_interaction(interaction::slash_user_install(
        4,
        "t-perm",
        Some(900),
        901,
        ALICE,
        &["post_here"],
        json!([]),
    ))
    .await;
    let text = reply("t-perm").await;
    assert!(
        text.contains("lacking permissions: Send Messages"),
        "{text}"
    );
    fake.dispatch_interaction(interaction::slash_in_dm(
        5,
        "t-perm-dm",
        ALICE,
        &["post_here"],
        json!([]),
    ))
    .await;
    assert_eq!(reply("t-perm-dm").await, "posted");
    fake.dispatch_interaction(interaction::slash(
        6,
        "t-perm-g",
        GUILD,
        TEXT,
        ALICE,
        0,
        &["post_here"],
        json!([]),
    ))
    .await;
    assert_eq!(reply("t-perm-g").await, "posted");

    shards.shutdown_all().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
}

/// Every route checks `Authorization` as Discord does: exactly `Bot <token>` of the bot, else
/// 401 `{"message": "401: Unauthorized", "code": 0}` without any effect; `GET /gateway` needs
/// none, interaction callbacks and webhooks are authorised by their path's token.
#[tokio::test]
async fn every_route_checks_the_authorization_header() {
    let fake = fake_with_guild().await;
    let url = format!("{}/api/v10/channels/{TEXT}/messages", fake.base_url());
    let body = json!({ "content": "hi" });
    let send = |auth: Option<String>| {
        let mut req = reqwest::Client::new().post(&url).json(&body);
        if let Some(a) = auth {
            req = req.header(reqwest::header::AUTHORIZATION, a);
        }
        req.send()
    };
    for bad in [
        None,
        Some(FAKE_TOKEN.to_string()),
        Some(format!("Bot Bot {FAKE_TOKEN}")),
        Some(format!("Bearer {FAKE_TOKEN}")),
        Some("Bot someone-else".to_string()),
    ] {
        let r = send(bad.clone()).await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{bad:?}");
        let json: Value = r.json().await.unwrap();
        assert_eq!(json, json!({ "message": "401: Unauthorized", "code": 0 }));
    }
    assert!(
        fake.messages(TEXT).is_empty(),
        "a refused request has no effect"
    );
    let ok = send(Some(format!("Bot {FAKE_TOKEN}"))).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(fake.messages(TEXT).len(), 1);
    // Reads too, and whatever the method.
    let r = reqwest::Client::new()
        .get(format!("{}/api/v10/users/@me", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // The gateway's address needs no token.
    let r = reqwest::Client::new()
        .get(format!("{}/api/v10/gateway", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // serenity's production path (through the TLS proxy) and proxy mode both send the header
    // Discord wants; an `Http` with another token is refused on both.
    assert!(fake.http().get_current_user().await.is_ok());
    assert!(fake.production_http().get_current_user().await.is_ok());
    let stranger = serenity::http::HttpBuilder::new("not-the-bot")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    let err = stranger.get_current_user().await.unwrap_err();
    assert!(
        matches!(&err, serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 401),
        "{err:?}"
    );
}

/// A select menu of `n` options with the given custom id, label and value lengths.
fn select_row(custom_id: &str, n: usize, label: usize, value: usize) -> Value {
    json!({ "type": 1, "components": [{
        "type": 3,
        "custom_id": custom_id,
        "min_values": 1,
        "max_values": 1,
        "options": (0..n).map(|i| json!({
            "label": format!("{i:0>width$}", width = label),
            "value": format!("{i:0>width$}", width = value),
        })).collect::<Vec<_>>(),
    }]})
}

#[tokio::test]
async fn message_components_are_checked_as_discord_does() {
    let fake = FakeDiscord::start().await;
    let http = fake.http();
    let c = ChannelId::new(10);
    let post = |components: Value| json!({ "content": "x", "components": components });

    // Within every limit: 5 rows, 25 options, 100-character ids, labels and values.
    let rows: Vec<Value> = (0..5)
        .map(|r| select_row(&format!("{r}{}", "i".repeat(99)), 25, 100, 100))
        .collect();
    http.send_message(c, vec![], &post(json!(rows)))
        .await
        .unwrap();

    // One limit broken at a time, each reported at its path.
    let cases = [
        (
            json!((0..6)
                .map(|r| select_row(&r.to_string(), 1, 1, 1))
                .collect::<Vec<_>>()),
            "components",
        ),
        (
            json!([select_row("s", 26, 1, 2)]),
            "components.0.components.0.options",
        ),
        (
            json!([select_row("s", 0, 1, 1)]),
            "components.0.components.0.options",
        ),
        (
            json!([select_row(&"i".repeat(101), 1, 1, 1)]),
            "components.0.components.0.custom_id",
        ),
        (
            json!([select_row("s", 1, 101, 1)]),
            "components.0.components.0.options.0.label",
        ),
        (
            json!([select_row("s", 1, 1, 101)]),
            "components.0.components.0.options.0.value",
        ),
        (
            json!([select_row("s", 1, 1, 1), select_row("s", 1, 1, 1)]),
            "components.1.components.0.custom_id",
        ),
        (
            json!([{ "type": 3, "custom_id": "s", "options": [] }]),
            "components.0.type",
        ),
    ];
    for (components, path) in cases {
        let (status, code, paths) = discord_error(
            http.send_message(c, vec![], &post(components.clone()))
                .await,
        );
        assert_eq!((status, code), (400, 50035), "{components}");
        assert!(
            paths.iter().any(|p| p == path),
            "{path} not in {paths:?} for {components}"
        );
    }
    let mut long_description = select_row("s", 1, 1, 1);
    long_description["components"][0]["options"][0]["description"] = json!("d".repeat(101));
    let (_, _, paths) = discord_error(
        http.send_message(c, vec![], &post(json!([long_description])))
            .await,
    );
    assert_eq!(paths, ["components.0.components.0.options.0.description"]);

    // serenity's own builders pass.
    let menu = serenity::all::CreateSelectMenu::new(
        "pb:save:v1",
        serenity::all::CreateSelectMenuKind::String {
            options: vec![
                serenity::all::CreateSelectMenuOption::new("Aurora-M", "2404.00399")
                    .description("2404.00399 · Tri Dao"),
            ],
        },
    );
    let sent = http
        .send_message(
            c,
            vec![],
            &CreateMessage::new()
                .content("x")
                .components(vec![CreateActionRow::SelectMenu(menu)]),
        )
        .await
        .unwrap();
    // What Discord answers with reads back as serenity's component model.
    assert_eq!(sent.components.len(), 1);
}

#[tokio::test]
async fn select_choices_deserialize_into_component_interactions() {
    let fake = fake_with_guild().await;
    let http = fake.http();
    let menu = serenity::all::CreateSelectMenu::new(
        "pb:save:v1",
        serenity::all::CreateSelectMenuKind::String {
            options: vec![serenity::all::CreateSelectMenuOption::new(
                "Aurora-M",
                "2404.00399",
            )],
        },
    );
    let sent = http
        .send_message(
            ChannelId::new(TEXT),
            vec![],
            &CreateMessage::new()
                .content("x")
                .components(vec![CreateActionRow::SelectMenu(menu)]),
        )
        .await
        .unwrap();
    let message = fake.message_object(sent.id.get()).unwrap();
    let d = interaction::select_choice(
        300,
        "tok-c",
        GUILD,
        TEXT,
        55,
        1 << 10,
        message,
        "pb:save:v1",
        &["2404.00399"],
    );
    let Event::InteractionCreate(ev) = event("INTERACTION_CREATE", fake.enriched_interaction(d))
    else {
        panic!("not an interaction")
    };
    let Interaction::Component(c) = ev.interaction else {
        panic!("not a component interaction: {:?}", ev.interaction)
    };
    assert_eq!(c.data.custom_id, "pb:save:v1");
    match &c.data.kind {
        serenity::all::ComponentInteractionDataKind::StringSelect { values } => {
            assert_eq!(values, &["2404.00399"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.message.id, sent.id);
    assert_eq!(c.user.id.get(), 55);
    assert_eq!(c.guild_id, Some(GuildId::new(GUILD)));
    // The message comes back with its menu, as the bot sent it.
    let json = serde_json::to_value(&c.message.components).unwrap();
    assert_eq!(json[0]["components"][0]["options"][0]["label"], "Aurora-M");
}
