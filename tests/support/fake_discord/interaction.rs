//! Builders for INTERACTION_CREATE `d` payloads serenity 0.12.5 deserializes.

use serde_json::{json, Value};

use super::DEFAULT_APP_PERMISSIONS;

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
fn resolved(guild_id: u64, permissions: u64, options: &Value) -> Value {
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
                channels.insert(
                    id.clone(),
                    json!({ "id": id, "name": format!("channel-{n}"), "type": 0, "permissions": permissions.to_string(), "guild_id": guild_id.to_string() }),
                );
            }
            6 | 9 => {
                users.insert(id.clone(), user(n));
                let mut m = member(n, permissions);
                if let Some(o) = m.as_object_mut() {
                    o.remove("user");
                }
                members.insert(id, m);
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
    // Discord sends the member's computed permissions: every bit for an administrator.
    let permissions = if permissions & 8 != 0 {
        serenity::model::permissions::Permissions::all().bits()
    } else {
        permissions
    };
    let name = path.first().copied().unwrap_or("command");
    let nested = nest(path, options.clone());
    json!({
        "id": id.to_string(),
        "application_id": "2",
        "type": kind,
        "data": {
            "id": command_id(name).to_string(),
            "name": name,
            "type": 1,
            "options": nested,
            "resolved": resolved(guild_id, permissions, &options),
        },
        "guild_id": guild_id.to_string(),
        "channel_id": channel_id.to_string(),
        "channel": {
            "id": channel_id.to_string(),
            "type": 0,
            "name": format!("channel-{channel_id}"),
            "guild_id": guild_id.to_string(),
            "permissions": permissions.to_string(),
        },
        "member": member(user_id, permissions),
        "token": token,
        "version": 1,
        "app_permissions": DEFAULT_APP_PERMISSIONS.to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": guild_id.to_string() },
        "context": 0,
        "attachment_size_limit": 26_214_400,
    })
}

/// A slash command (type 2) in a guild. `path` = `["papers"]`, `["papers", "today"]` or
/// `["papers", "keywords", "add"]`; `options` = JSON array of `{"name","type","value"}` for
/// the leaf. `permissions` is the invoking member's permission bitfield (with ADMINISTRATOR (8)
/// set, every bit is sent, as Discord does).
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
