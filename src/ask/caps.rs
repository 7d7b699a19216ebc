//! Whether one more question fits today's caps (UTC days): a person's questions wherever they
//! ask (servers and DMs alike), a server's questions from everyone in it, and the tokens every
//! question of the day has used. Pure; the store asks it inside the transaction that reserves
//! the question, so two questions at once cannot both take the last place.

use chrono::{DateTime, Duration, Utc};

/// The day's caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Questions a person may ask a day.
    pub per_person: u32,
    /// Questions everyone in one server may ask a day (DMs count for nobody's server).
    pub per_server: u32,
    /// Tokens (in + out) all questions may use a day.
    pub tokens: u64,
}

/// What today has used so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Used {
    /// The asker's questions today.
    pub person: u32,
    /// The server's questions today; `None` outside a server.
    pub server: Option<u32>,
    /// Tokens every question used today.
    pub tokens: u64,
}

/// The cap a question ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    Person,
    Server,
    Tokens,
}

impl Cap {
    /// For logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Cap::Person => "person",
            Cap::Server => "server",
            Cap::Tokens => "tokens",
        }
    }
}

/// `Ok` when one more question fits; else the cap it meets, the person's own first (it is the
/// one they can do something about: wait for tomorrow).
pub fn decide(used: &Used, limits: &Limits) -> Result<(), Cap> {
    if used.person >= limits.per_person {
        return Err(Cap::Person);
    }
    if used.server.is_some_and(|n| n >= limits.per_server) {
        return Err(Cap::Server);
    }
    if used.tokens >= limits.tokens {
        return Err(Cap::Tokens);
    }
    Ok(())
}

/// When the caps start again: the next midnight in UTC.
pub fn resets_at(now: DateTime<Utc>) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        per_person: 2,
        per_server: 3,
        tokens: 1_000,
    };

    #[test]
    fn each_cap_stops_at_its_limit_the_persons_first() {
        let used = |person, server, tokens| Used {
            person,
            server,
            tokens,
        };
        assert_eq!(decide(&used(0, Some(0), 0), &LIMITS), Ok(()));
        assert_eq!(decide(&used(1, Some(2), 999), &LIMITS), Ok(()));
        assert_eq!(decide(&used(2, Some(0), 0), &LIMITS), Err(Cap::Person));
        assert_eq!(decide(&used(1, Some(3), 0), &LIMITS), Err(Cap::Server));
        assert_eq!(decide(&used(2, Some(3), 5_000), &LIMITS), Err(Cap::Person));
        assert_eq!(decide(&used(1, Some(1), 1_000), &LIMITS), Err(Cap::Tokens));
        // A DM counts for no server.
        assert_eq!(decide(&used(1, None, 0), &LIMITS), Ok(()));
        assert_eq!(Cap::Server.as_str(), "server");
    }

    #[test]
    fn caps_reset_at_the_next_utc_midnight() {
        let now = DateTime::parse_from_rfc3339("2024-04-02T23:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(resets_at(now).to_rfc3339(), "2024-04-03T00:00:00+00:00");
    }
}
