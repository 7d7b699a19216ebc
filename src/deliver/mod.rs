//! The daily delivery engine: on time, exactly once, at the rate-limit floor.
//!
//! # How a pass works ([`Deliverer::tick`]), stage by stage
//! 1. **Membership** (`membership`): this process beats its heartbeat and takes its share of the
//!    token's request budget; a process joining others waits for them once.
//! 2. **Snapshot** (`snapshot`): one read of the store: enabled channels and people with alerts
//!    (both [`crate::deliver::target::Target`]s), unfinished deliveries, leases other processes hold.
//! 3. **Decide** ([`decide`], pure): deliveries to resume; targets whose post is open (its
//!    latest fire, while the wait after it lasts; on the first pass after start-up, any fire
//!    within the catch-up window) and the dates they may carry ([`crate::deliver::carry`]).
//! 4. **Resolve days** (`recheck`): each needed date looked up once for all targets, archive
//!    first; a due and late digest is asked again with backoff ([`recheck::next_look`]), the
//!    fallback's version is used once the primary has had its chance, and a day still growing
//!    at its source is never posted. Then [`decide::carried`] says what each post carries.
//! 5. **Plan** (`job`): in chunks, filtered, rendered, packed, a deterministic nonce per
//!    message, written to the ledger *before* anything is sent.
//! 6. **Fan out** (`fanout`, `job`, `send`): targets served concurrently under one global
//!    limiter and a per-channel window, channels before people; each message goes out with
//!    `nonce` + `enforce_nonce` and its id is recorded right after.
//!
//! 5. **Summaries** (`summaries`, with `[summaries]` only): each new day gets the stored summaries
//!    in its reader's language; a post whose papers are still being written waits, at most
//!    `summaries.wait_minutes`, then goes out with the digest's text for the rest.
//!
//! 7. **Edits** (`summaries`, after the pass): a channel post's message whose papers got their
//!    summaries after it went out is edited in place once, through the ledger.
//!
//! 5b. **For you** (`for_you`): people with `/alerts for_you` on get their matches ordered by
//!    their reading list, a few recommendations and the news of their saved papers, computed
//!    once for everybody before planning.
//!
//! 8. **Weekly** (`weekly`): between 4 and 5, the week's best of the channels that asked for
//!    it (and the reading list of people who asked for it by DM), planned into the ledger when
//!    due (under a key of its own) and sent as a resume.
//!
//! A new stage is one call between two of these in [`Deliverer::tick`]'s pass.
//!
//! # Layout
//! - `membership`: this process among those sharing the database (heartbeat, budget share).
//! - `snapshot`: the one read of the store a pass decides on.
//! - [`decide`]: what a pass does, as plain functions over the snapshot.
//! - [`recheck`]: when a digest source is asked again, and resolving the needed days.
//! - `job`: planning a chunk into the ledger, and serving one target's deliveries in order.
//! - `for_you`: each person's day ranked by their reading list, with recommendations and news
//!   of saved papers, between matching alerts and planning; `personal_day`: what it decides
//!   for one person and the ledger bodies planning renders from it; `embedder`: the operator's
//!   embedding model as the engine holds it.
//! - `fanout`: running the jobs concurrently while the next chunk is planned; progress.
//! - `send`: one delivery's requests, retries, reconciliation and error handling.
//! - `posts`: a forum's day in paper mode, a thread per post (tags chosen, found after a crash).
//! - `failure`: what Discord's refusals mean (classified once, in words).
//! - [`transport`]: how those requests reach Discord (serenity's rate-limited client, or direct
//!   requests in proxy mode so that a 429's `retry_after` is honoured).
//! - [`plan`]: what a target's messages are (render, nonces, forum titles) and backoff.
//! - [`ratelimit`]: the global GCRA limiter and the per-channel window.
//! - `scheduler`: the loop that runs passes and sleeps until the next due time.
//! - `weekly`: the weekly stage (refresh the week's votes, rank, plan).

pub mod carry;
mod days;
pub mod decide;
mod embedder;
mod engine;
mod failure;
mod fanout;
mod for_you;
pub mod forum;
mod job;
mod membership;
pub mod outlook;
mod pass;
mod personal_day;
pub mod plan;
mod posts;
pub mod ratelimit;
pub mod recheck;
pub mod schedule;
mod scheduler;
mod send;
pub mod settings;
mod snapshot;
mod summaries;
pub mod target;
pub mod transport;
pub mod weekly;

pub use engine::{Deliverer, PassSummary, Tuning};
pub use failure::{classify_status, is_unauthorized, reason_words, Failure, NO_THREADS};
pub use scheduler::{run_scheduler, RunSummary};
pub use send::{fingerprint, pause_notice, MAX_DELIVERY_ATTEMPTS, UNKNOWN_MESSAGE_ID};
