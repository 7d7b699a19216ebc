//! The deliveries ledger's keys. The ledger keys a delivery by (key, date): a channel's daily
//! post by the channel's id, a person's DM by the user's id.
//!
//! A weekly post (a channel's week's best, a person's reading-list DM) must not share the key of
//! the same channel's or person's daily post on the same date, so its key is the id with the
//! top bit set ([`ledger_key`]): snowflakes are below 2^63, so it is never a channel's or a
//! person's id, and everything the ledger does (planning once, nonces, resuming after a crash,
//! leases across processes) applies to it unchanged. Its date is the local date of its fire.

const WEEKLY_BIT: u64 = 1 << 63;

/// The ledger key of `id`'s weekly posts (a channel's or a person's).
pub fn ledger_key(id: u64) -> u64 {
    id | WEEKLY_BIT
}

/// The channel (or person) a ledger key belongs to, when it is a weekly post's.
pub fn channel_of(key: u64) -> Option<u64> {
    (key & WEEKLY_BIT != 0).then_some(key & !WEEKLY_BIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekly_keys_never_meet_a_snowflake() {
        let channel = 1_234_567_890_123_456_789u64;
        let key = ledger_key(channel);
        assert_ne!(key, channel);
        assert_eq!(channel_of(key), Some(channel));
        assert_eq!(channel_of(channel), None);
        // Its nonces stay within Discord's 25 characters.
        let nonce = crate::deliver::plan::nonce(key, d("2024-04-13"), 99).unwrap();
        assert!(nonce.len() <= 25, "{nonce}");
        assert_ne!(
            nonce,
            crate::deliver::plan::nonce(channel, d("2024-04-13"), 99).unwrap()
        );
    }
}
