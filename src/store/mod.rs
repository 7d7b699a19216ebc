//! SQLite persistence (filled in by the store work).
