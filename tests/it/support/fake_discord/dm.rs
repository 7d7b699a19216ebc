//! Direct messages: the bot's DM channel with a user (`POST /users/@me/channels`, a Channel of
//! type 1 with the user in `recipients`), and users whose DMs are closed to the bot. Messages to
//! a DM channel go through the same route as any channel's (validation, nonce window, the
//! channel's own bucket, history); to a user with closed DMs they get 403 50007.

use serde_json::{json, Value};

use super::reply::Reply;
use super::state::{now_iso, ChannelRec, Inner, Shared};
use super::validate::FormErrors;

/// Channel type of a DM.
pub(super) const DM: u8 = 1;

/// Discord's answer to a message for a user who disabled DMs from the server's members (or
/// shares no server with the bot).
pub(super) fn cannot_message_user() -> Reply {
    Reply::error(403, 50007, "Cannot send messages to this user")
}

impl Shared {
    /// The bot's DM channel with a known user, created on first use.
    pub(super) fn open_dm_channel(&self, inner: &mut Inner, user_id: u64) -> u64 {
        if let Some(c) = inner.dm_channels.get(&user_id) {
            return *c;
        }
        let channel_id = inner.next_id();
        inner.channels.insert(
            channel_id,
            ChannelRec {
                guild_id: 0,
                kind: DM,
                name: String::new(),
                parent_id: None,
                deleted: false,
                forbidden: false,
                no_threads: false,
                created: now_iso(),
                owner_id: None,
                recipient: Some(user_id),
            },
        );
        inner.dm_channels.insert(user_id, channel_id);
        channel_id
    }

    /// `POST /users/@me/channels` with `{"recipient_id": "<user>"}`: the DM channel with that
    /// user, new or existing (200 both ways, as on Discord). Creating it succeeds even when the
    /// user's DMs are closed; only messages are refused. An unknown user is 400 50033.
    pub(super) fn create_dm(&self, inner: &mut Inner, body: &Value) -> Result<Reply, Reply> {
        let path = ["recipient_id".to_string()];
        let raw = match body.get("recipient_id") {
            None | Some(Value::Null) => {
                let mut errs = FormErrors::default();
                errs.add(&path, "BASE_TYPE_REQUIRED", "This field is required".into());
                return Err(errs.into_reply());
            }
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let Some(recipient) = raw.parse::<u64>().ok().filter(|&n| n > 0) else {
            let mut errs = FormErrors::default();
            errs.add(
                &path,
                "NUMBER_TYPE_COERCE",
                format!("Value \"{raw}\" is not snowflake."),
            );
            return Err(errs.into_reply());
        };
        if recipient == self.cfg.bot_user_id || !inner.users.contains_key(&recipient) {
            return Err(Reply::error(400, 50033, "Invalid Recipient(s)"));
        }
        let channel_id = self.open_dm_channel(inner, recipient);
        let rec = inner.channels[&channel_id].clone();
        Ok(Reply::json(
            200,
            self.dm_channel_json(inner, channel_id, &rec),
        ))
    }

    /// A DM channel object as Discord sends it to the bot: `recipients` holds the other user.
    pub(super) fn dm_channel_json(
        &self,
        inner: &Inner,
        channel_id: u64,
        rec: &ChannelRec,
    ) -> Value {
        let recipient = rec
            .recipient
            .and_then(|u| self.user_json(inner, u))
            .into_iter()
            .collect::<Vec<_>>();
        let last_message_id = inner
            .messages
            .get(&channel_id)
            .and_then(|list| list.last())
            .and_then(|m| m.get("id").cloned());
        json!({
            "id": channel_id.to_string(),
            "type": DM,
            "last_message_id": last_message_id,
            "flags": 0,
            "recipient_flags": 0,
            "recipients": recipient,
        })
    }

    /// 403 50007 when `channel_id` is the DM channel of a user whose DMs are closed.
    pub(super) fn check_dm_open(&self, inner: &Inner, channel_id: u64) -> Result<(), Reply> {
        let closed = inner
            .channels
            .get(&channel_id)
            .filter(|c| c.kind == DM)
            .and_then(|c| c.recipient)
            .is_some_and(|u| inner.closed_dms.contains(&u));
        if closed {
            Err(cannot_message_user())
        } else {
            Ok(())
        }
    }
}
