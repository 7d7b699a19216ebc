//! Discord objects as JSON, built from the fake's state: the bot user, channels, guilds
//! (GUILD_CREATE), READY, messages, the application, and INTERACTION_CREATE as dispatched.

use serde_json::{json, Value};

use super::dm::DM;
use super::state::{
    now_iso, ChannelRec, GuildRec, Inner, InteractionMessage, Itx, Shared, REQUIRE_TAG,
};
use super::{APPLICATION_ID, DEFAULT_APP_PERMISSIONS};

/// CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS: what a channel's overwrites take from the
/// bot where it may not start threads.
const THREAD_PERMISSIONS: u64 = (1 << 35) | SEND_MESSAGES_IN_THREADS;
const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

pub(super) fn normalize_embeds(v: Option<&Value>) -> Value {
    let embeds = v.and_then(Value::as_array).cloned().unwrap_or_default();
    Value::Array(
        embeds
            .into_iter()
            .map(|mut e| {
                if let Some(o) = e.as_object_mut() {
                    o.entry("type").or_insert_with(|| json!("rich"));
                    if o.get("fields").is_some_and(Value::is_null) {
                        o.remove("fields");
                    }
                }
                e
            })
            .collect(),
    )
}

pub(super) fn merge_into(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// Whether the session of `[shard_id, num_shards]` gets a guild's events: Discord's
/// `shard_id = (guild_id >> 22) % num_shards`; events outside a guild (DMs) go to shard 0.
pub(super) fn shard_owns([shard_id, num_shards]: [u64; 2], guild_id: Option<u64>) -> bool {
    match guild_id {
        Some(g) => (g >> 22) % num_shards.max(1) == shard_id,
        None => shard_id == 0,
    }
}

pub(super) fn channel_type_name(kind: u8) -> &'static str {
    match kind {
        0 => "text",
        2 => "voice",
        4 => "category",
        5 => "announcements",
        10..=12 => "thread",
        15 => "forum",
        16 => "media",
        _ => "channel",
    }
}

impl Shared {
    pub(super) fn bot_user(&self) -> Value {
        json!({
            "id": self.cfg.bot_user_id.to_string(),
            "username": "paperboy",
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "system": false,
            "public_flags": 0,
            "flags": 0,
        })
    }

    pub(super) fn current_user(&self) -> Value {
        let mut u = self.bot_user();
        merge_into(
            &mut u,
            &json!({ "verified": true, "mfa_enabled": false, "email": null, "locale": "en-US", "banner": null, "accent_color": null, "premium_type": 0 }),
        );
        u
    }

    pub(super) fn channel_json(&self, id: u64, c: &ChannelRec) -> Value {
        let mut v = json!({
            "id": id.to_string(),
            "type": c.kind,
            "guild_id": c.guild_id.to_string(),
            "name": c.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": false,
            "topic": null,
            "last_message_id": null,
            "parent_id": c.parent_id.map(|p| p.to_string()),
            "rate_limit_per_user": 0,
            "flags": 0,
        });
        match c.kind {
            15 | 16 => merge_into(
                &mut v,
                &json!({
                    "available_tags": [],
                    "default_reaction_emoji": null,
                    "default_sort_order": null,
                    "default_forum_layout": 0,
                    "default_thread_rate_limit_per_user": 0,
                }),
            ),
            10..=12 => {
                merge_into(
                    &mut v,
                    &json!({
                        "owner_id": c.owner_id.unwrap_or(self.cfg.bot_user_id).to_string(),
                        "message_count": 0,
                        "member_count": 1,
                        "total_message_sent": 0,
                        "thread_metadata": {
                            "archived": false,
                            "auto_archive_duration": 4320,
                            "archive_timestamp": c.created,
                            "locked": false,
                            "create_timestamp": c.created,
                        },
                    }),
                );
                if let Some(o) = v.as_object_mut() {
                    o.remove("permission_overwrites");
                    o.remove("position");
                    o.remove("topic");
                }
            }
            _ => {}
        }
        v
    }

    /// The channel object of `GET /channels/{id}`: a DM channel's own shape for type 1; a
    /// forum with its tags and flags, a forum post with the tags applied to it.
    pub(super) fn channel_object(&self, inner: &Inner, id: u64, c: &ChannelRec) -> Value {
        if c.kind == DM {
            return self.dm_channel_json(inner, id, c);
        }
        let mut v = self.channel_json(id, c);
        if let Some(forum) = inner.forums.get(&id).filter(|_| matches!(c.kind, 15 | 16)) {
            v["available_tags"] = forum
                .tags
                .iter()
                .map(|(tag, name, moderated)| {
                    json!({
                        "id": tag.to_string(),
                        "name": name,
                        "moderated": moderated,
                        "emoji_id": null,
                        "emoji_name": null,
                    })
                })
                .collect();
            if forum.require_tag {
                v["flags"] = json!(REQUIRE_TAG);
            }
        }
        if (10..=12).contains(&c.kind) {
            let applied = inner.applied_tags.get(&id).cloned().unwrap_or_default();
            v["applied_tags"] = applied.iter().map(|t| t.to_string()).collect();
        }
        v
    }

    pub(super) fn guild_common(&self, guild_id: u64, g: &GuildRec) -> Value {
        json!({
            "id": guild_id.to_string(),
            "name": format!("Guild {guild_id}"),
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": "99",
            "afk_timeout": 300,
            "widget_enabled": false,
            "widget_channel_id": null,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [{
                "id": guild_id.to_string(),
                "name": "@everyone",
                "color": 0,
                "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
                "hoist": false,
                "icon": null,
                "unicode_emoji": null,
                "position": 0,
                "permissions": DEFAULT_APP_PERMISSIONS.to_string(),
                "managed": false,
                "mentionable": false,
                "flags": 0,
            }],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": g.system_channel_id.map(|c| c.to_string()),
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_presences": null,
            "max_members": 500000,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": g.locale,
            "public_updates_channel_id": null,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "incidents_data": null,
        })
    }

    pub(super) fn guild_channels(&self, inner: &Inner, guild_id: u64, threads: bool) -> Vec<Value> {
        let mut ids: Vec<u64> = inner
            .channels
            .iter()
            .filter(|(_, c)| {
                c.guild_id == guild_id && !c.deleted && (10..=12).contains(&c.kind) == threads
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids.iter()
            .map(|id| self.channel_object(inner, *id, &inner.channels[id]))
            .collect()
    }

    pub(super) fn guild_create(&self, inner: &Inner, guild_id: u64) -> Option<Value> {
        let g = inner.guilds.get(&guild_id)?;
        let mut v = self.guild_common(guild_id, g);
        let member = json!({
            "user": self.bot_user(),
            "nick": null,
            "avatar": null,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        });
        merge_into(
            &mut v,
            &json!({
                "joined_at": "2024-01-01T00:00:00.000000+00:00",
                "large": false,
                "unavailable": false,
                "member_count": 2,
                "voice_states": [],
                "members": [member],
                "channels": self.guild_channels(inner, guild_id, false),
                "threads": self.guild_channels(inner, guild_id, true),
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }),
        );
        Some(v)
    }

    /// READY for a session of `shard` (`[shard_id, num_shards]`, `None`: unsharded): it lists
    /// only the guilds that shard owns.
    pub(super) fn ready(&self, inner: &Inner, session_id: &str, shard: Option<[u64; 2]>) -> Value {
        let guilds: Vec<Value> = inner
            .guilds
            .keys()
            .filter(|g| shard_owns(shard.unwrap_or([0, 1]), Some(**g)))
            .map(|g| json!({ "id": g.to_string(), "unavailable": true }))
            .collect();
        let mut v = json!({
            "v": 10,
            "user": self.current_user(),
            "guilds": guilds,
            "session_id": session_id,
            "resume_gateway_url": inner.gateway_url,
            "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
            "private_channels": [],
            "relationships": [],
        });
        if let Some(shard) = shard {
            v["shard"] = json!(shard);
        }
        v
    }

    pub(super) fn build_message(
        &self,
        id: u64,
        channel_id: u64,
        guild_id: Option<u64>,
        body: &Value,
        meta: MsgView<'_>,
    ) -> Value {
        let flags = body.get("flags").and_then(Value::as_u64).unwrap_or(0) | meta.flags_extra;
        let mut m = json!({
            "id": id.to_string(),
            "channel_id": channel_id.to_string(),
            "author": self.bot_user(),
            "content": body.get("content").and_then(Value::as_str).unwrap_or(""),
            "timestamp": meta.timestamp,
            "edited_timestamp": meta.edited,
            "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": normalize_embeds(body.get("embeds")),
            "components": body.get("components").filter(|c| c.is_array()).cloned().unwrap_or(json!([])),
            "pinned": false,
            "type": meta.kind,
            "flags": flags,
        });
        if let Some(g) = guild_id {
            m["guild_id"] = json!(g.to_string());
        }
        if let Some(n) = body.get("nonce").filter(|n| !n.is_null()) {
            m["nonce"] = n.clone();
        }
        if meta.webhook {
            m["webhook_id"] = json!(APPLICATION_ID.to_string());
            m["application_id"] = json!(APPLICATION_ID.to_string());
        }
        m
    }

    pub(super) fn stored_message_response(&self, inner: &Inner, id: u64) -> Option<Value> {
        let meta = inner.msg_meta.get(&id)?;
        let body = inner.messages.get(&meta.channel_id)?.get(meta.index)?;
        Some(self.build_message(
            id,
            meta.channel_id,
            meta.guild_id,
            body,
            MsgView {
                timestamp: &meta.timestamp,
                edited: meta.edited.as_deref(),
                flags_extra: meta.flags_extra,
                kind: 0,
                webhook: false,
            },
        ))
    }

    pub(super) fn interaction_message_response(&self, itx: &Itx, m: &InteractionMessage) -> Value {
        self.build_message(
            m.id,
            itx.channel_id.unwrap_or(self.cfg.bot_user_id),
            itx.guild_id,
            &m.body,
            MsgView {
                timestamp: &m.timestamp,
                edited: m.edited.as_deref(),
                flags_extra: 0,
                kind: m.kind,
                webhook: true,
            },
        )
    }

    pub(super) fn application_info(&self) -> Value {
        json!({
            "id": APPLICATION_ID.to_string(),
            "name": "paperboy",
            "icon": null,
            "description": "Hugging Face Daily Papers digest",
            "rpc_origins": [],
            "bot_public": true,
            "bot_require_code_grant": false,
            "terms_of_service_url": null,
            "privacy_policy_url": null,
            "owner": { "id": "99", "username": "owner", "discriminator": "0", "global_name": null, "avatar": null, "public_flags": 0, "flags": 0 },
            "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
            "team": null,
            "flags": 0,
            "tags": [],
            "bot": self.bot_user(),
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
            // Installable to guilds and to users (user-installable commands).
            "integration_types_config": { "0": {}, "1": {} },
            "approximate_guild_count": 0,
        })
    }

    /// Fills in what the fake knows: application id, channel types, registered command ids and
    /// `resolved` channels. Learns the interaction's users, and puts a BOT_DM interaction (context
    /// 1) in the bot's DM channel with the invoker, opened if need be.
    pub(super) fn enrich_interaction(&self, inner: &mut Inner, d: &mut Value) {
        d["application_id"] = json!(APPLICATION_ID.to_string());
        self.learn_interaction_users(inner, d);
        let bot_dm_user = d
            .pointer("/user/id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|_| d.get("context") == Some(&json!(1)) && d.get("guild_id").is_none());
        if let Some(user_id) = bot_dm_user {
            let channel_id = self.open_dm_channel(inner, user_id);
            let rec = inner.channels[&channel_id].clone();
            d["channel_id"] = json!(channel_id.to_string());
            d["channel"] = self.dm_channel_json(inner, channel_id, &rec);
        }
        let channel_id = d
            .get("channel_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok());
        if let Some(rec) = channel_id.and_then(|c| inner.channels.get(&c)) {
            // Discord computes what the bot may do in the channel: no thread permissions where
            // its overwrites take them away.
            let taken = if rec.no_threads {
                THREAD_PERMISSIONS
            } else if channel_id.is_some_and(|c| inner.no_thread_messages.contains(&c)) {
                SEND_MESSAGES_IN_THREADS
            } else {
                0
            };
            if taken != 0 {
                let have: u64 = d["app_permissions"]
                    .as_str()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                d["app_permissions"] = json!((have & !taken).to_string());
            }
            if let Some(ch) = d.get_mut("channel").filter(|c| c.is_object()) {
                ch["type"] = json!(rec.kind);
                if rec.kind != DM {
                    ch["name"] = json!(rec.name);
                }
                if let Some(p) = rec.parent_id {
                    ch["parent_id"] = json!(p.to_string());
                }
                // A thread's partial channel carries what Discord's does: its guild, owner,
                // counts and `thread_metadata` (the invoker's permissions stay).
                if (10..=12).contains(&rec.kind) {
                    let mut thread = self.channel_json(channel_id.unwrap_or_default(), rec);
                    if let Some(t) = thread.as_object_mut() {
                        t.remove("nsfw");
                    }
                    let permissions = ch.get("permissions").cloned();
                    merge_into(ch, &thread);
                    if let Some(p) = permissions {
                        ch["permissions"] = p;
                    }
                }
            }
        }
        let guild_id = d
            .get("guild_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok());
        self.note_foreign_channel(inner, d, guild_id, channel_id);
        // A server's language is its own setting: every interaction there says it.
        if let Some(g) = guild_id.and_then(|g| inner.guilds.get(&g)) {
            d["guild_locale"] = json!(g.locale);
            if let Some(partial) = d.get_mut("guild").filter(|p| p.is_object()) {
                partial["locale"] = json!(g.locale);
            }
        }
        if let Some(name) = d
            .pointer("/data/name")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            let registered = guild_id
                .and_then(|g| inner.guild_commands.get(&g))
                .into_iter()
                .flatten()
                .chain(inner.global_commands.iter())
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .and_then(|c| c.get("id").cloned());
            if let Some(id) = registered {
                d["data"]["id"] = id;
            }
        }
        let mut channel_opts = Vec::new();
        if let Some(opts) = d.pointer("/data/options") {
            collect_option_values(opts, 7, &mut channel_opts);
        }
        for cid in channel_opts {
            let Ok(c) = cid.parse::<u64>() else { continue };
            let Some(rec) = inner.channels.get(&c) else {
                continue;
            };
            if let Some(entry) = d.pointer_mut(&format!("/data/resolved/channels/{cid}")) {
                entry["type"] = json!(rec.kind);
                entry["name"] = json!(rec.name);
                if let Some(p) = rec.parent_id {
                    entry["parent_id"] = json!(p.to_string());
                }
            }
        }
    }
}

impl Shared {
    /// A user-installed app used in a guild the bot is not in (`authorizing_integration_owners`
    /// without the guild key "0", and a guild the fake was not given): the fake notes the
    /// channel as that guild's, so the bot's own requests there get 403 50001 Missing Access.
    fn note_foreign_channel(
        &self,
        inner: &mut Inner,
        d: &Value,
        guild_id: Option<u64>,
        channel_id: Option<u64>,
    ) {
        let (Some(g), Some(c)) = (guild_id, channel_id) else {
            return;
        };
        let guild_installed = d.pointer("/authorizing_integration_owners/0").is_some();
        if guild_installed || inner.guilds.contains_key(&g) {
            return;
        }
        let kind = d
            .pointer("/channel/type")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u8;
        inner.channels.entry(c).or_insert_with(|| ChannelRec {
            guild_id: g,
            kind,
            name: format!("{}-{c}", channel_type_name(kind)),
            parent_id: None,
            deleted: false,
            forbidden: false,
            no_threads: false,
            created: now_iso(),
            owner_id: None,
            recipient: None,
        });
    }
}

pub(super) struct MsgView<'a> {
    pub(super) timestamp: &'a str,
    pub(super) edited: Option<&'a str>,
    pub(super) flags_extra: u64,
    pub(super) kind: u8,
    pub(super) webhook: bool,
}

fn collect_option_values(opts: &Value, kind: u64, out: &mut Vec<String>) {
    for o in opts.as_array().into_iter().flatten() {
        if o.get("type").and_then(Value::as_u64) == Some(kind) {
            if let Some(v) = o.get("value") {
                out.push(v.as_str().map_or_else(|| v.to_string(), str::to_string));
            }
        }
        if let Some(sub) = o.get("options") {
            collect_option_values(sub, kind, out);
        }
    }
}
