//! Running the process, for its operator.
//!
//! **In:** what the other stages report. **Out:** logs, `/healthz`, `/metrics`, and the views of
//! `paperboy status` and `paperboy preview`.
//! - [`process`]: this process's identity among those sharing the database.
//! - [`logging`]: logs for operators (no colour off a terminal, repeats summarised).
//! - [`health`]: what `/healthz` reports (gateway, database, scheduler, delivery).
//! - [`metrics`]: every figure `/metrics` exports, named and labelled in one place.
//! - [`endpoint`]: the small HTTP app serving `/healthz` and `/metrics`.
//! - [`report`]: the operator's views without Discord (`paperboy status`, `preview`).

pub mod endpoint;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod process;
pub mod report;
