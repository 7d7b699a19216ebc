//! Builders for INTERACTION_CREATE `d` payloads serenity 0.12.5 deserializes: in a guild with
//! the app installed there ([`slash`], [`autocomplete`]; in a thread when `channel_id` is one
//! the fake knows: the fake fills in its type 10/11/12, `parent_id` and `thread_metadata` on
//! dispatch), in the bot's DM ([`slash_in_dm`], [`autocomplete_in_dm`]),
//! for an app a user installed, where the bot is not ([`slash_user_install`]), and a choice in a
//! message's string select menu ([`select_choice`], type 3 MESSAGE_COMPONENT with the message;
//! [`select_choice_in_dm`] for one in the bot's DM).
//!
//! What serenity 0.12.5 needs (and poise 0.7.1 on top):
//! - `channel_id` always (a non-zero id, also in DMs); a subcommand option with `"options": []`.
//! - In a guild a `member` with `permissions` (serenity copies `member.user` to `user`); outside
//!   one a top-level `user`: without it serenity silently fills a default user (id 1, no name)
//!   and poise's `ctx.author()` is that.
//! - `app_permissions` always: serenity reads a missing one as `None`, and poise's permission
//!   checks in a guild `expect` it (and `member.permissions`) to be there.
//! - `context` 0/1/2 and `authorizing_integration_owners` keyed by "0"/"1" (a guild value of
//!   "0" reads as a guild install without a guild).
//! - The interaction's `channel` is a `PartialChannel` (any type, `recipients` ignored); as a
//!   full `Channel` a DM (type 1) needs exactly its recipient in `recipients`, and a group DM
//!   (type 3) is not readable at all ("Unknown channel type"), so the private channel here is a
//!   type 1 DM.
//! - poise: outside a guild (`ctx.guild_id()` None) it skips permission checks; in a guild it
//!   takes the author's from `member.permissions` and the bot's from `app_permissions`.

use serde_json::{json, Value};

use super::DEFAULT_APP_PERMISSIONS;

/// EMBED_LINKS | ATTACH_FILES | MENTION_EVERYONE | SEND_POLLS: the bot's `app_permissions` in
/// a DM or group DM between users (context 2), as Discord sends them.
pub const PRIVATE_CHANNEL_APP_PERMISSIONS: u64 = (1 << 14) | (1 << 15) | (1 << 17) | (1 << 49);
/// [`PRIVATE_CHANNEL_APP_PERMISSIONS`] | USE_EXTERNAL_EMOJIS: in the bot's own DM (context 1).
pub const BOT_DM_APP_PERMISSIONS: u64 = PRIVATE_CHANNEL_APP_PERMISSIONS | (1 << 18);
/// The same set in a server the bot is not a member of, for a user-installed app (context 0):
/// none of a guild member's permissions (no VIEW_CHANNEL, SEND_MESSAGES, ...).
pub const USER_INSTALL_GUILD_APP_PERMISSIONS: u64 = BOT_DM_APP_PERMISSIONS;
/// An ordinary member's permissions in [`slash_user_install`]'s guild channel: VIEW_CHANNEL |
/// SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
/// | USE_EXTERNAL_APPS.
pub const MEMBER_PERMISSIONS: u64 =
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31) | (1 << 50);

/// A stable non-zero command id for a name (the fake replaces it with the registered id).
fn command_id(name: &str) -> u64 {
    name.bytes().fold(1_000_003u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }) % (1 << 40)
        + 1
}

fn user(user_id: u64) -> Value {
    json!({
        "id": user_id.to_string(),
        "username": format!("user{user_id}"),
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": false,
        "public_flags": 0,
    })
}

fn member(user_id: u64, permissions: u64) -> Value {
    json!({
        "user": user(user_id),
        "nick": null,
        "avatar": null,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": permissions.to_string(),
        "communication_disabled_until": null,
    })
}

/// Nests the leaf options under the subcommand (group) names of `path`.
fn nest(path: &[&str], options: Value) -> Value {
    let options = if options.is_null() {
        json!([])
    } else {
        options
    };
    match path.len() {
        0 | 1 => options,
        2 => json!([{ "name": path[1], "type": 1, "options": options }]),
        _ => {
            json!([{ "name": path[1], "type": 2, "options": [{ "name": path[2], "type": 1, "options": options }] }])
        }
    }
}

/// `resolved` entries for channel (7), user (6), role (8) and mentionable (9) leaf options.
/// Outside a guild there are no members and channels carry no `guild_id`.
fn resolved(guild_id: Option<u64>, permissions: u64, options: &Value) -> Value {
    let mut channels = serde_json::Map::new();
    let mut users = serde_json::Map::new();
    let mut members = serde_json::Map::new();
    let mut roles = serde_json::Map::new();
    for o in options.as_array().into_iter().flatten() {
        let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
        let Some(v) = o.get("value") else { continue };
        let id = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        let Ok(n) = id.parse::<u64>() else { continue };
        match kind {
            7 => {
                let mut c = json!({ "id": id, "name": format!("channel-{n}"), "type": 0, "permissions": permissions.to_string() });
                if let Some(g) = guild_id {
                    c["guild_id"] = json!(g.to_string());
                }
                channels.insert(id.clone(), c);
            }
            6 | 9 => {
                users.insert(id.clone(), user(n));
                if guild_id.is_some() {
                    let mut m = member(n, permissions);
                    if let Some(o) = m.as_object_mut() {
                        o.remove("user");
                    }
                    members.insert(id, m);
                }
            }
            8 => {
                roles.insert(
                    id.clone(),
                    json!({
                        "id": id, "name": format!("role-{n}"), "color": 0,
                        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
                        "hoist": false, "icon": null, "unicode_emoji": null, "position": 1,
                        "permissions": "0", "managed": false, "mentionable": true, "flags": 0,
                    }),
                );
            }
            _ => {}
        }
    }
    json!({ "channels": channels, "users": users, "members": members, "roles": roles })
}

/// Where an interaction happens and who authorized the app there.
struct Place {
    /// `Some`: in a guild (`guild_id`, `member`, `guild_locale`); `None`: a DM or group DM
    /// (top-level `user`).
    guild_id: Option<u64>,
    channel_id: u64,
    /// The partial channel object of `channel`.
    channel: Value,
    /// The invoking member's permissions (in a guild).
    member_permissions: u64,
    /// The bot's permissions there (`app_permissions`).
    app_permissions: u64,
    /// 0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL.
    context: u8,
    /// `authorizing_integration_owners`.
    owners: Value,
}

fn guild_text_channel(guild_id: u64, channel_id: u64, permissions: u64) -> Value {
    json!({
        "id": channel_id.to_string(),
        "type": 0,
        "name": format!("channel-{channel_id}"),
        "guild_id": guild_id.to_string(),
        "permissions": permissions.to_string(),
    })
}

/// A DM channel (type 1) as a partial channel of an interaction.
fn dm_channel(channel_id: u64, recipients: Vec<Value>) -> Value {
    json!({
        "id": channel_id.to_string(),
        "type": 1,
        "flags": 0,
        "last_message_id": null,
        "recipient_flags": 0,
        "recipients": recipients,
    })
}

fn build(
    kind: u8,
    id: u64,
    token: &str,
    user_id: u64,
    place: Place,
    path: &[&str],
    options: Value,
) -> Value {
    // Discord sends the member's computed permissions: every bit for an administrator.
    let permissions = if place.member_permissions & 8 != 0 {
        serenity::model::permissions::Permissions::all().bits()
    } else {
        place.member_permissions
    };
    let name = path.first().copied().unwrap_or("command");
    let nested = nest(path, options.clone());
    let mut d = json!({
        "id": id.to_string(),
        "application_id": "2",
        "type": kind,
        "data": {
            "id": command_id(name).to_string(),
            "name": name,
            "type": 1,
            "options": nested,
            "resolved": resolved(place.guild_id, permissions, &options),
        },
        "channel_id": place.channel_id.to_string(),
        "channel": place.channel,
        "token": token,
        "version": 1,
        "app_permissions": place.app_permissions.to_string(),
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": place.owners,
        "context": place.context,
        "attachment_size_limit": 26_214_400,
    });
    match place.guild_id {
        Some(g) => {
            d["guild_id"] = json!(g.to_string());
            d["guild_locale"] = json!("en-US");
            d["guild"] = json!({ "id": g.to_string(), "locale": "en-US", "features": [] });
            d["member"] = member(user_id, permissions);
            if let Some(ch) = d.get_mut("channel") {
                ch["permissions"] = json!(permissions.to_string());
            }
        }
        None => d["user"] = user(user_id),
    }
    d
}

#[allow(clippy::too_many_arguments)]
fn base(
    kind: u8,
    id: u64,
    token: &str,
    guild_id: u64,
    channel_id: u64,
    user_id: u64,
    permissions: u64,
    path: &[&str],
    options: Value,
) -> Value {
    let place = Place {
        guild_id: Some(guild_id),
        channel_id,
        channel: guild_text_channel(guild_id, channel_id, permissions),
        member_permissions: permissions,
        app_permissions: DEFAULT_APP_PERMISSIONS,
        context: 0,
        owners: json!({ "0": guild_id.to_string() }),
    };
    build(kind, id, token, user_id, place, path, options)
}

/// A slash command (type 2) in a guild the bot is in, the app installed to it (context 0 GUILD,
/// `authorizing_integration_owners` `{"0": guild}`). `path` = `["papers"]`,
/// `["papers", "today"]` or `["papers", "keywords", "add"]`; `options` = JSON array of
/// `{"name","type","value"}` for the leaf. `permissions` is the invoking member's permission
/// bitfield (with ADMINISTRATOR (8) set, every bit is sent, as Discord does).
#[allow(clippy::too_many_arguments)]
pub fn slash(
    id: u64,
    token: &str,
    guild_id: u64,
    channel_id: u64,
    user_id: u64,
    permissions: u64,
    path: &[&str],
    options: Value,
) -> Value {
    base(
        2,
        id,
        token,
        guild_id,
        channel_id,
        user_id,
        permissions,
        path,
        options,
    )
}

/// A slash command in the user's DM with the bot (context 1 BOT_DM), from a user who installed
/// the app (`authorizing_integration_owners` `{"1": user}`; see [`authorized_by`] for a guild
/// install). No `guild_id`, `member` or `guild_locale`: the invoker is the top-level `user`
/// (serenity 0.12.5 reads it from there outside guilds; poise's `ctx.author()` is it, and
/// `ctx.guild_id()` is `None`). `channel` is a DM (type 1) listing the user in `recipients`;
/// `channel_id` here is a placeholder (the user's id): the fake puts the interaction in the
/// bot's DM channel with that user on dispatch, opening it if need be.
/// `app_permissions`: [`BOT_DM_APP_PERMISSIONS`].
pub fn slash_in_dm(id: u64, token: &str, user_id: u64, path: &[&str], options: Value) -> Value {
    let place = Place {
        guild_id: None,
        channel_id: user_id,
        channel: dm_channel(user_id, vec![user(user_id)]),
        member_permissions: 0,
        app_permissions: BOT_DM_APP_PERMISSIONS,
        context: 1,
        owners: json!({ "1": user_id.to_string() }),
    };
    build(2, id, token, user_id, place, path, options)
}

/// A slash command of the app a user installed for themselves, used where the bot is not:
/// - `guild_id` `Some`: in a server the bot is not a member of (context 0 GUILD): `guild_id`,
///   `member` (an ordinary member, [`MEMBER_PERMISSIONS`]), a text `channel`, and
///   `app_permissions` [`USER_INSTALL_GUILD_APP_PERMISSIONS`]: no guild member permissions (no
///   VIEW_CHANNEL, SEND_MESSAGES...), so the bot cannot post there itself; it can only answer
///   the interaction.
/// - `None`: in a DM or group DM between users (context 2 PRIVATE_CHANNEL): top-level `user`, a
///   DM `channel` (type 1; the other party is not known to the builder, so `recipients` is
///   empty), `app_permissions` [`PRIVATE_CHANNEL_APP_PERMISSIONS`].
///
/// `authorizing_integration_owners` is `{"1": user}` only.
pub fn slash_user_install(
    id: u64,
    token: &str,
    guild_id: Option<u64>,
    channel_id: u64,
    user_id: u64,
    path: &[&str],
    options: Value,
) -> Value {
    let owners = json!({ "1": user_id.to_string() });
    let place = match guild_id {
        Some(g) => Place {
            guild_id: Some(g),
            channel_id,
            channel: guild_text_channel(g, channel_id, MEMBER_PERMISSIONS),
            member_permissions: MEMBER_PERMISSIONS,
            app_permissions: USER_INSTALL_GUILD_APP_PERMISSIONS,
            context: 0,
            owners,
        },
        None => Place {
            guild_id: None,
            channel_id,
            channel: dm_channel(channel_id, Vec::new()),
            member_permissions: 0,
            app_permissions: PRIVATE_CHANNEL_APP_PERMISSIONS,
            context: 2,
            owners,
        },
    };
    build(2, id, token, user_id, place, path, options)
}

/// Sets who authorized the app for interaction `d` (`authorizing_integration_owners`): `guild`
/// for a guild install (`Some(0)` for a guild-installed app used in the bot's DM, as Discord
/// sends it), `user` for a user install; both when both apply.
pub fn authorized_by(mut d: Value, guild: Option<u64>, user: Option<u64>) -> Value {
    let mut owners = serde_json::Map::new();
    if let Some(g) = guild {
        owners.insert("0".into(), json!(g.to_string()));
    }
    if let Some(u) = user {
        owners.insert("1".into(), json!(u.to_string()));
    }
    d["authorizing_integration_owners"] = Value::Object(owners);
    d
}

/// The invoking person's client language for interaction `d` (`locale`, e.g. `ko`, `en-US`),
/// which Discord sends on every interaction; the server's (`guild_locale`) is the fake guild's
/// (see `FakeDiscord::set_guild_locale`), filled in on dispatch.
pub fn in_locale(mut d: Value, locale: &str) -> Value {
    d["locale"] = json!(locale);
    d
}

/// An autocomplete interaction (type 4); the option being typed carries `"focused": true`.
/// The member is an administrator (all permission bits): someone typing a command can see it, so
/// permission-gated commands (poise checks `required_permissions` before autocompleting)
/// still answer.
pub fn autocomplete(
    id: u64,
    token: &str,
    guild_id: u64,
    channel_id: u64,
    user_id: u64,
    path: &[&str],
    options_with_focused: Value,
) -> Value {
    base(
        4,
        id,
        token,
        guild_id,
        channel_id,
        user_id,
        8,
        path,
        options_with_focused,
    )
}

/// An autocomplete interaction (type 4) in the user's DM with the bot, as [`slash_in_dm`] builds
/// a command there (context 1, top-level `user`, the fake puts it in the bot's DM channel).
pub fn autocomplete_in_dm(
    id: u64,
    token: &str,
    user_id: u64,
    path: &[&str],
    options_with_focused: Value,
) -> Value {
    let mut d = slash_in_dm(id, token, user_id, path, options_with_focused);
    d["type"] = json!(4);
    d
}

/// A string option `{"name","type":3,"value"}`.
pub fn string_opt(name: &str, value: &str) -> Value {
    json!({ "name": name, "type": 3, "value": value })
}

/// An integer option (type 4).
pub fn int_opt(name: &str, value: i64) -> Value {
    json!({ "name": name, "type": 4, "value": value })
}

/// A boolean option (type 5).
pub fn bool_opt(name: &str, value: bool) -> Value {
    json!({ "name": name, "type": 5, "value": value })
}

/// A channel option (type 7); `resolved` gets an entry (type fixed by the fake on dispatch).
pub fn channel_opt(name: &str, channel_id: u64) -> Value {
    json!({ "name": name, "type": 7, "value": channel_id.to_string() })
}

/// A focused (being typed) string option for autocomplete.
pub fn focused(name: &str, partial: &str) -> Value {
    json!({ "name": name, "type": 3, "value": partial, "focused": true })
}

/// A choice in a string select menu of a message (MESSAGE_COMPONENT, type 3) by `user_id` in a
/// guild channel, as Discord sends it: `data` is `{custom_id, component_type: 3, values}` and
/// `message` the whole message the menu is on (its components included), as Discord has it.
/// Build it with [`super::FakeDiscord::choose`], which takes `message` from the fake's own copy
/// and refuses choices Discord's client cannot make.
#[allow(clippy::too_many_arguments)]
pub fn select_choice(
    id: u64,
    token: &str,
    guild_id: u64,
    channel_id: u64,
    user_id: u64,
    permissions: u64,
    message: Value,
    custom_id: &str,
    values: &[&str],
) -> Value {
    let mut d = base(
        3,
        id,
        token,
        guild_id,
        channel_id,
        user_id,
        permissions,
        &[],
        Value::Null,
    );
    d["data"] = json!({
        "custom_id": custom_id,
        "component_type": 3,
        "values": values,
    });
    d["message"] = message;
    d
}

/// A choice in a string select menu of a message in the user's DM with the bot (context 1
/// BOT_DM), as Discord sends it: no `guild_id` or `member`, the top-level `user`, and the
/// message the menu is on. Build it with [`super::FakeDiscord::choose_in_dm`].
pub fn select_choice_in_dm(
    id: u64,
    token: &str,
    user_id: u64,
    message: Value,
    custom_id: &str,
    values: &[&str],
) -> Value {
    let place = Place {
        guild_id: None,
        channel_id: user_id,
        channel: dm_channel(user_id, vec![user(user_id)]),
        member_permissions: 0,
        app_permissions: BOT_DM_APP_PERMISSIONS,
        context: 1,
        owners: json!({ "1": user_id.to_string() }),
    };
    let mut d = build(3, id, token, user_id, place, &[], Value::Null);
    d["data"] = json!({
        "custom_id": custom_id,
        "component_type": 3,
        "values": values,
    });
    d["message"] = message;
    d
}
