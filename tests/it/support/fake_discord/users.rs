//! The users the fake knows: those a test adds ([`FakeDiscord::add_user`](super::FakeDiscord))
//! and those seen in the interactions it dispatches (the invoker and resolved users), as User
//! objects for `GET /users/{id}` and DM channels' `recipients`.

use serde_json::{json, Value};

use super::payloads::merge_into;
use super::reply::Reply;
use super::state::{Inner, Shared};

/// A User object as `GET /users/{id}` answers it for a user who is not a bot.
pub(super) fn user_object(user_id: u64, username: &str) -> Value {
    json!({
        "id": user_id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": false,
        "system": false,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
        "public_flags": 0,
        "flags": 0,
    })
}

fn id_in(user: &Value) -> Option<u64> {
    user.get("id")?.as_str()?.parse().ok().filter(|&n| n > 0)
}

impl Shared {
    /// The User object of a known user (the bot included).
    pub(super) fn user_json(&self, inner: &Inner, user_id: u64) -> Option<Value> {
        if user_id == self.cfg.bot_user_id {
            return Some(self.bot_user());
        }
        inner.users.get(&user_id).cloned()
    }

    /// Remembers a user from a User object of an interaction (filled up to a full User object).
    /// A user already known keeps its record.
    pub(super) fn learn_user(&self, inner: &mut Inner, user: &Value) {
        let Some(id) = id_in(user) else { return };
        if id == self.cfg.bot_user_id {
            return;
        }
        inner.users.entry(id).or_insert_with(|| {
            let name = user
                .get("username")
                .and_then(Value::as_str)
                .map_or_else(|| format!("user{id}"), str::to_string);
            let mut u = user_object(id, &name);
            merge_into(&mut u, user);
            u
        });
    }

    /// Remembers every user of an INTERACTION_CREATE `d`: the invoker (`user`, or `member.user`
    /// in a guild) and the users in `data.resolved.users`.
    pub(super) fn learn_interaction_users(&self, inner: &mut Inner, d: &Value) {
        for invoker in [d.get("user"), d.pointer("/member/user")]
            .into_iter()
            .flatten()
        {
            self.learn_user(inner, invoker);
        }
        if let Some(resolved) = d.pointer("/data/resolved/users").and_then(Value::as_object) {
            for u in resolved.values() {
                self.learn_user(inner, u);
            }
        }
    }

    /// `GET /users/{id}`: a known user, or 404 10013 Unknown User.
    pub(super) fn get_user(&self, inner: &Inner, user_id: u64) -> Reply {
        match self.user_json(inner, user_id) {
            Some(u) => Reply::json(200, u),
            None => Reply::error(404, 10013, "Unknown User"),
        }
    }
}
