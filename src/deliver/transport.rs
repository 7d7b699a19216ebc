//! How the delivery engine's requests reach Discord.
//!
//! - **Production** (no `discord.api_base`): serenity's `Http` with its rate limiter on. It
//!   waits out route 429s itself and reports what it meets (global 429s, long route waits)
//!   through [`super::ratelimit::RateLimitSignals`].
//! - **Proxy mode** (`discord.api_base`, e.g. a shared rate-limit proxy): serenity must run with
//!   its limiter off there, and then drops what a 429 says (`retry_after`, `global`). The few
//!   requests a delivery makes are therefore sent directly with the bot's own client, so that a
//!   route 429 pauses that route for its `retry_after` and a global one pauses everyone.
//!
//! Either way a failure comes back as a [`RequestError`]: how to treat it ([`Failure`]), what
//! the 429 said, and whether the request may have taken effect anyway ("uncertain": a timeout,
//! a 5xx, an answer that could not be read), in which case a message is looked for before it is
//! sent again.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use serenity::all::{ChannelId, GuildId, MessageId};
use serenity::http::{Http, HttpError, LightMethod, MessagePagination, Request, Route};
use serenity::model::channel::{GuildChannel, Message};

use super::failure::{classify, classify_status, Failure};
use crate::deliver::forum::ForumTags;

/// What creating a forum post answers that paperboy records: the thread, and its starter
/// message (Discord's answer is the thread's channel object with the message in `message`).
#[derive(serde::Deserialize)]
struct CreatedPost {
    id: ChannelId,
    message: Option<CreatedMessage>,
}

#[derive(serde::Deserialize)]
struct CreatedMessage {
    id: MessageId,
}

impl CreatedPost {
    /// (thread, starter message); a missing message is the thread's id, as Discord gives a
    /// forum post's starter message.
    fn ids(&self) -> (u64, u64) {
        let thread = self.id.get();
        (thread, self.message.as_ref().map_or(thread, |m| m.id.get()))
    }
}

/// An unsuccessful request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    pub failure: Failure,
    /// What a 429 asked to wait (proxy mode only; serenity waits itself in production).
    pub retry_after: Option<Duration>,
    /// A 429 of the bot-wide limit rather than of one route.
    pub global: bool,
    /// The request may have taken effect although no usable answer came back.
    pub uncertain: bool,
    /// Discord answered success, but the answer could not be read: it did take effect.
    pub answered: bool,
}

impl RequestError {
    fn of(failure: Failure) -> RequestError {
        let uncertain = matches!(failure, Failure::Transient(_));
        RequestError {
            failure,
            retry_after: None,
            global: false,
            uncertain,
            answered: false,
        }
    }
}

impl From<serenity::Error> for RequestError {
    fn from(e: serenity::Error) -> Self {
        let mut r = RequestError::of(classify(&e));
        // A success whose body did not parse: it worked, we just cannot read the answer.
        if matches!(e, serenity::Error::Json(_)) {
            r.uncertain = true;
            r.answered = true;
        }
        if let serenity::Error::Http(HttpError::UnsuccessfulRequest(resp)) = &e {
            crate::ops::metrics::refusal(resp.status_code.as_u16(), resp.error.code);
            r.uncertain = resp.status_code.is_server_error();
            if r.uncertain {
                crate::ops::metrics::server_error();
            }
        }
        r
    }
}

pub type Result<T> = std::result::Result<T, RequestError>;

/// The requests one delivery needs.
pub enum Transport {
    Serenity(Arc<Http>),
    Direct {
        client: reqwest::Client,
        /// `{api_base}/api/v10`
        base: String,
        /// The `Authorization` header's value: serenity's token, which already carries the
        /// `Bot ` prefix.
        authorization: String,
        /// For what is not on the hot path (looking up a guild), serenity as usual.
        http: Arc<Http>,
    },
}

impl Transport {
    /// Proxy mode when `api_base` is set, production otherwise.
    pub fn new(http: Arc<Http>, api_base: Option<&str>, client: reqwest::Client) -> Transport {
        match api_base {
            None => Transport::Serenity(http),
            Some(base) => Transport::Direct {
                client,
                base: format!("{}/api/v10", base.trim_end_matches('/')),
                authorization: http.token().to_string(),
                http,
            },
        }
    }

    pub fn http(&self) -> &Arc<Http> {
        match self {
            Transport::Serenity(http) | Transport::Direct { http, .. } => http,
        }
    }

    pub async fn send_message(&self, channel: u64, body: &Value) -> Result<Message> {
        match self {
            Transport::Serenity(http) => Ok(http
                .send_message(ChannelId::new(channel), Vec::new(), body)
                .await?),
            Transport::Direct { .. } => {
                self.direct("POST", &format!("/channels/{channel}/messages"), Some(body))
                    .await
            }
        }
    }

    /// Edits a message the bot sent (`PATCH /channels/{channel}/messages/{message}`).
    pub async fn edit_message(&self, channel: u64, message: u64, body: &Value) -> Result<()> {
        match self {
            Transport::Serenity(http) => http
                .edit_message(
                    ChannelId::new(channel),
                    MessageId::new(message),
                    body,
                    Vec::new(),
                )
                .await
                .map(|_| ())
                .map_err(Into::into),
            Transport::Direct { .. } => self
                .direct::<Value>(
                    "PATCH",
                    &format!("/channels/{channel}/messages/{message}"),
                    Some(body),
                )
                .await
                .map(|_| ()),
        }
    }

    pub async fn crosspost(&self, channel: u64, message: u64) -> Result<()> {
        match self {
            Transport::Serenity(http) => http
                .crosspost_message(ChannelId::new(channel), MessageId::new(message))
                .await
                .map(|_| ())
                .map_err(Into::into),
            Transport::Direct { .. } => self
                .direct::<Value>(
                    "POST",
                    &format!("/channels/{channel}/messages/{message}/crosspost"),
                    None,
                )
                .await
                .map(|_| ()),
        }
    }

    /// Starts a thread from a message (`POST /channels/{channel}/messages/{message}/threads`);
    /// returns the thread's id (Discord gives it the message's).
    pub async fn start_thread(&self, channel: u64, message: u64, body: &Value) -> Result<u64> {
        match self {
            Transport::Serenity(http) => Ok(http
                .create_thread_from_message(
                    ChannelId::new(channel),
                    MessageId::new(message),
                    body,
                    None,
                )
                .await?
                .id
                .get()),
            Transport::Direct { .. } => self
                .direct::<GuildChannel>(
                    "POST",
                    &format!("/channels/{channel}/messages/{message}/threads"),
                    Some(body),
                )
                .await
                .map(|c| c.id.get()),
        }
    }

    /// Creates a forum post; returns the thread's id (its starter message has the same id).
    pub async fn create_forum_post(&self, forum: u64, body: &Value) -> Result<u64> {
        match self {
            Transport::Serenity(http) => Ok(http
                .create_forum_post(ChannelId::new(forum), body, None)
                .await?
                .id
                .get()),
            Transport::Direct { .. } => self
                .direct::<GuildChannel>("POST", &format!("/channels/{forum}/threads"), Some(body))
                .await
                .map(|c| c.id.get()),
        }
    }

    /// Creates a post of a forum in paper mode; returns its thread's id and its starter
    /// message's, both read from Discord's answer so the ledger records what Discord says.
    pub async fn create_post(&self, forum: u64, body: &Value) -> Result<(u64, u64)> {
        let created: CreatedPost = match self {
            Transport::Serenity(http) => {
                let bytes = serde_json::to_vec(body).map_err(|e| {
                    RequestError::of(Failure::Invalid(format!("unserialisable post: {e}")))
                })?;
                http.fire(
                    Request::new(
                        Route::ChannelForumPosts {
                            channel_id: ChannelId::new(forum),
                        },
                        LightMethod::Post,
                    )
                    .body(Some(bytes)),
                )
                .await?
            }
            Transport::Direct { .. } => {
                self.direct("POST", &format!("/channels/{forum}/threads"), Some(body))
                    .await?
            }
        };
        Ok(created.ids())
    }

    /// A forum's tags and whether it requires one (`GET /channels/{id}`).
    pub async fn forum_tags(&self, forum: u64) -> Result<ForumTags> {
        let channel = match self {
            Transport::Serenity(http) => http.get_channel(ChannelId::new(forum)).await?,
            Transport::Direct { .. } => {
                self.direct("GET", &format!("/channels/{forum}"), None)
                    .await?
            }
        };
        match channel {
            serenity::model::channel::Channel::Guild(c) => Ok(ForumTags::from_channel(&c)),
            _ => Err(RequestError::of(Failure::Gone(
                "the channel is no longer a forum".into(),
            ))),
        }
    }

    /// Up to 100 messages of a channel (or thread) posted after the message id `after`,
    /// whatever their order.
    pub async fn messages_after(&self, channel: u64, after: u64) -> Result<Vec<Message>> {
        match self {
            Transport::Serenity(http) => Ok(http
                .get_messages(
                    ChannelId::new(channel),
                    Some(MessagePagination::After(MessageId::new(after.max(1)))),
                    Some(100),
                )
                .await?),
            Transport::Direct { .. } => {
                self.direct(
                    "GET",
                    &format!(
                        "/channels/{channel}/messages?after={}&limit=100",
                        after.max(1)
                    ),
                    None,
                )
                .await
            }
        }
    }

    /// The DM channel with a person (Discord opens it, or returns the one that exists).
    pub async fn open_dm(&self, user: u64) -> Result<u64> {
        let body = serde_json::json!({ "recipient_id": user.to_string() });
        match self {
            Transport::Serenity(http) => Ok(http.create_private_channel(&body).await?.id.get()),
            Transport::Direct { .. } => self
                .direct::<serenity::model::channel::PrivateChannel>(
                    "POST",
                    "/users/@me/channels",
                    Some(&body),
                )
                .await
                .map(|c| c.id.get()),
        }
    }

    pub async fn current_user_id(&self) -> Result<u64> {
        Ok(self.http().get_current_user().await?.id.get())
    }

    pub async fn active_threads(&self, guild: u64) -> Result<Vec<GuildChannel>> {
        Ok(self
            .http()
            .get_guild_active_threads(GuildId::new(guild))
            .await?
            .threads)
    }

    pub async fn system_channel(&self, guild: u64) -> Result<Option<u64>> {
        Ok(self
            .http()
            .get_guild(GuildId::new(guild))
            .await?
            .system_channel_id
            .map(|c| c.get()))
    }

    async fn direct<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        let Transport::Direct {
            client,
            base,
            authorization,
            ..
        } = self
        else {
            unreachable!("direct requests are for proxy mode")
        };
        let url = format!("{base}{path}");
        let mut req = match method {
            "GET" => client.get(&url),
            "PATCH" => client.patch(&url),
            _ => client.post(&url),
        }
        .header(reqwest::header::AUTHORIZATION, authorization);
        if let Some(body) = body {
            req = req.json(body);
        } else if method == "POST" {
            req = req.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let response = req.send().await.map_err(|e| {
            // Whether it reached Discord is unknown unless it never connected.
            let mut r = RequestError::of(Failure::Transient(format!("request: {e}")));
            r.uncertain = !e.is_connect();
            r
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| {
            RequestError::of(Failure::Transient(format!("reading the answer: {e}")))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| RequestError {
                uncertain: true,
                answered: true,
                ..RequestError::of(Failure::Transient(format!("unexpected response: {e}")))
            });
        }
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = json["code"].as_i64().unwrap_or(-1) as isize;
        let message = json["message"].as_str().unwrap_or_default();
        crate::ops::metrics::refusal(status.as_u16(), code);
        let mut r = RequestError::of(classify_status(status.as_u16(), code, message));
        r.uncertain = status.is_server_error();
        if r.uncertain {
            crate::ops::metrics::server_error();
        }
        if status.as_u16() == 429 {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let seconds = json["retry_after"]
                .as_f64()
                .or_else(|| header("retry-after").and_then(|v| v.parse().ok()));
            r.retry_after = seconds
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
            r.global = json["global"].as_bool().unwrap_or(false)
                || header("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || header("x-ratelimit-scope") == Some("global");
        }
        Err(r)
    }
}
