//! What an unsuccessful request to Discord means for a delivery: Discord's HTTP status and JSON
//! error code, classified once, in words for the ledger and the people who read it. Shared by
//! [`super::transport`] (which meets the errors) and `send` (which acts on them).

use serenity::http::HttpError;
use serenity::Error as SerenityError;

use crate::language::Language;
use crate::t;

/// What an unsuccessful request means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 429: wait and retry.
    RateLimited,
    /// 5xx, timeouts, connection trouble, and any error paperboy does not recognise: retry with
    /// backoff, a bounded number of times.
    Transient(String),
    /// The channel is gone or closed to the bot (404 Unknown Channel, 403 Missing Access /
    /// Permissions): retrying only earns invalid-request strikes. Carries the reason shown to
    /// users.
    Gone(String),
    /// 400 Invalid Form Body: the payload broke a limit, a bug on our side.
    Invalid(String),
    /// 401: the token is not valid; nothing else will work either.
    Unauthorized,
    /// Discord says it is already done (a message already crossposted).
    AlreadyDone,
    /// A refusal that retrying cannot change (the message to publish was deleted).
    Rejected(String),
}

/// In words, as stored in the ledger and shown in `/papers settings`.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::RateLimited => f.write_str("Discord rate-limited the request (429)"),
            Failure::Transient(why)
            | Failure::Gone(why)
            | Failure::Invalid(why)
            | Failure::Rejected(why) => f.write_str(why),
            Failure::Unauthorized => f.write_str(UNAUTHORIZED),
            Failure::AlreadyDone => f.write_str("Discord says it is already done"),
        }
    }
}

/// What a 401 means, for the log, `/healthz` and the ledger.
pub const UNAUTHORIZED: &str = "Discord refuses the bot token (401 Unauthorized): check \
                                DISCORD_TOKEN; deliveries stop until it is accepted again";

/// The refusals a reader can do something about, as recorded (the ledger, a pause reason, the
/// log); [`reason_words`] tells them in the reader's language.
pub const UNKNOWN_USER: &str = "Discord does not know this user (404 Unknown User)";
pub const CHANNEL_GONE: &str = "the channel no longer exists (Discord: 404 Unknown Channel)";
pub const MISSING_ACCESS: &str =
    "paperboy can no longer see this channel (Discord: 403 Missing Access)";
pub const MISSING_PERMISSIONS: &str = "paperboy lacks permission to post here (Discord: 403 \
                                       Missing Permissions); it needs View Channel, Send \
                                       Messages, Embed Links and Read Message History";
pub const DMS_CLOSED: &str = "Discord does not let paperboy send this user direct messages \
                              (50007: their DMs are closed, or they share no server with the bot)";

/// Why a channel gets the `full` layout although `glance` was asked for: a day's thread
/// cannot be started there (recorded as the layout's note, shown by `/papers settings`).
pub const NO_THREADS: &str = "paperboy may not start threads in this channel (it needs Create \
                              Public Threads and Send Messages in Threads), so each day's cards \
                              are posted in the channel";

/// A recorded reason in `lang`: the refusals above in the reader's words, anything else (an
/// error from outside, for the curious) as recorded.
pub fn reason_words(reason: &str, lang: &Language) -> String {
    let key = match reason {
        UNKNOWN_USER => "reason-unknown-user",
        CHANNEL_GONE => "reason-channel-gone",
        MISSING_ACCESS => "reason-missing-access",
        MISSING_PERMISSIONS => "reason-missing-permissions",
        DMS_CLOSED => "reason-dms-closed",
        NO_THREADS => "reason-no-threads",
        other => return other.to_string(),
    };
    t!(lang, key)
}

/// Classifies an HTTP status and Discord's JSON error code (`-1` when the body had none).
/// Anything else not recognised is transient: retried a bounded number of times, then left for the
/// next pass, and given up only after [`MAX_DELIVERY_ATTEMPTS`].
pub fn classify_status(status: u16, code: isize, message: &str) -> Failure {
    match (status, code) {
        (429, _) => Failure::RateLimited,
        (401, _) => Failure::Unauthorized,
        (404, 10008) => Failure::Rejected(format!("404 Unknown Message: {message}")),
        (404, 10013) => Failure::Gone(UNKNOWN_USER.to_string()),
        (404, _) => Failure::Gone(CHANNEL_GONE.to_string()),
        (403, 50001) => Failure::Gone(MISSING_ACCESS.to_string()),
        (403, 50013) => Failure::Gone(MISSING_PERMISSIONS.to_string()),
        (403, 50007) => Failure::Gone(DMS_CLOSED.to_string()),
        (403, _) => Failure::Gone(format!("Discord refused access (403, code {code})")),
        (400, 50035) => Failure::Invalid(format!("400 Invalid Form Body: {message}")),
        (400, 50006) => Failure::Invalid(format!("400 Cannot send an empty message: {message}")),
        (400, 50008) => Failure::Gone(
            "the channel no longer takes messages (Discord: 50008, its type changed)".to_string(),
        ),
        (400, 40033) => Failure::AlreadyDone,
        // "A thread has already been created for this message": the thread exists.
        (400, 160004) => Failure::AlreadyDone,
        // A forum now requiring a tag paperboy could not choose: a setting its members fix.
        (400, 40067) => Failure::Gone(format!(
            "the forum requires a tag on every post (Discord: 400, code 40067: {message}); add a tag paperboy may apply, e.g. `papers`"
        )),
        (400, 50033) => Failure::Gone(
            "Discord does not know this user (400 Invalid Recipient, code 50033)".to_string(),
        ),
        // Any other 400 is Discord saying no to this request: sending it again cannot change
        // that (a 5xx-style retry only earns invalid-request strikes).
        (400, _) => Failure::Rejected(if code < 0 {
            format!("Discord refused the request (400): {message}")
        } else {
            format!("Discord refused the request (400, code {code}): {message}")
        }),
        _ => Failure::Transient(format!("HTTP {status}, code {code}: {message}")),
    }
}

pub fn classify(e: &SerenityError) -> Failure {
    match e {
        SerenityError::Http(HttpError::UnsuccessfulRequest(r)) => {
            classify_status(r.status_code.as_u16(), r.error.code, &r.error.message)
        }
        SerenityError::Http(HttpError::Request(r)) => Failure::Transient(format!("request: {r}")),
        SerenityError::Json(j) => Failure::Transient(format!("unexpected response: {j}")),
        SerenityError::Io(io) => Failure::Transient(format!("i/o: {io}")),
        other => Failure::Transient(other.to_string()),
    }
}

/// Whether Discord refused the token (401).
pub fn is_unauthorized(e: &SerenityError) -> bool {
    classify(e) == Failure::Unauthorized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_a_reader_can_fix_are_told_in_their_language() {
        let ko: Language = "ko".parse().unwrap();
        let en = Language::english();
        for reason in [
            UNKNOWN_USER,
            CHANNEL_GONE,
            MISSING_ACCESS,
            MISSING_PERMISSIONS,
            DMS_CLOSED,
            NO_THREADS,
        ] {
            assert_eq!(reason_words(reason, &en), reason);
            let words = reason_words(reason, &ko);
            assert!(words.chars().any(|c| ('가'..='힣').contains(&c)), "{words}");
        }
        assert_eq!(reason_words("HTTP 502", &ko), "HTTP 502");
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify_status(429, -1, ""), Failure::RateLimited);
        assert!(matches!(
            classify_status(502, -1, ""),
            Failure::Transient(_)
        ));
        assert!(matches!(classify_status(500, 0, ""), Failure::Transient(_)));
        assert!(
            matches!(classify_status(404, 10003, "Unknown Channel"), Failure::Gone(r) if r.contains("no longer exists"))
        );
        assert!(
            matches!(classify_status(403, 50001, ""), Failure::Gone(r) if r.contains("Missing Access"))
        );
        assert!(
            matches!(classify_status(403, 50013, ""), Failure::Gone(r) if r.contains("Missing Permissions"))
        );
        assert!(
            matches!(classify_status(403, 50007, ""), Failure::Gone(r) if r.contains("direct messages"))
        );
        assert!(
            matches!(classify_status(400, 50033, ""), Failure::Gone(r) if r.contains("Invalid Recipient"))
        );
        assert!(matches!(
            classify_status(400, 50035, "Invalid Form Body"),
            Failure::Invalid(_)
        ));
        assert!(matches!(
            classify_status(404, 10008, ""),
            Failure::Rejected(_)
        ));
        assert_eq!(classify_status(400, 40033, ""), Failure::AlreadyDone);
        assert_eq!(
            classify_status(
                400,
                160004,
                "A thread has already been created for this message"
            ),
            Failure::AlreadyDone
        );
        // A forum that requires a tag is a setting to fix, like a permission: pause and say so.
        assert!(
            matches!(classify_status(400, 40067, "A tag is required to create a forum post in this channel"), Failure::Gone(r) if r.contains("requires a tag"))
        );
        assert_eq!(classify_status(401, 0, ""), Failure::Unauthorized);
        // Any other 400 is a refusal of that request: recorded, not retried like a 5xx.
        assert!(
            matches!(classify_status(400, 50109, "The request body contains invalid JSON."), Failure::Rejected(r) if r.contains("50109") && r.contains("invalid JSON"))
        );
        assert!(
            matches!(classify_status(400, -1, "Bad Request"), Failure::Rejected(r) if r == "Discord refused the request (400): Bad Request")
        );
        // Whatever else paperboy does not know is worth another try, not a lost day.
        assert!(matches!(
            classify_status(418, -1, ""),
            Failure::Transient(_)
        ));
    }

    #[test]
    fn failures_read_as_words() {
        assert_eq!(
            classify_status(403, 50013, "Missing Permissions").to_string(),
            "paperboy lacks permission to post here (Discord: 403 Missing Permissions); it \
             needs View Channel, Send Messages, Embed Links and Read Message History"
        );
        assert!(Failure::Unauthorized.to_string().contains("401"));
        assert!(!Failure::RateLimited.to_string().contains("RateLimited"));
    }
}
