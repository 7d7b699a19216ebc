//! The two cores, shared fairly between tests that time things and tests that load them.
//!
//! All suites are one binary, so libtest runs two tests at a time whatever their suite. A test
//! that asserts a rate or a duration must not share the machine with one that runs several bot
//! processes (a crash series, the cluster): it takes the machine alone ([`measuring`]), while
//! heavy tests share it with each other ([`heavy`]). Light tests take neither.

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static MACHINE: RwLock<()> = RwLock::const_new(());

/// For a test that asserts rates or timings: waits until no heavy or other measuring test
/// runs, and keeps them out until the guard is dropped.
pub async fn measuring() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().await
}

/// For a test that loads the machine (several bot processes, kills, hundreds of channels):
/// runs alongside other heavy tests, never alongside a measuring one.
pub async fn heavy() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().await
}
