//! One running bot per SQLite file. Two processes on one file would both resume the same
//! pending deliveries and post them twice (SQLite has no row leases), so `paperboy run` holds
//! an exclusive advisory lock on `<database>.lock` for as long as it runs. The lock belongs to
//! the open file, so the kernel releases it when the process dies, however it dies: a `kill -9`
//! never leaves a stale lock behind. Read-only tools (`paperboy status`) do not take it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Held while the bot runs; dropping it releases the lock.
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another paperboy process{pid} is already running on the database {db}; stop it first \
         (a SQLite database serves one bot process: two would post the same deliveries twice)"
    )]
    Held { db: String, pid: String },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ProcessLock {
    /// Takes the lock for the database at `db`, or says who holds it.
    pub fn acquire(db: &Path) -> Result<ProcessLock, LockError> {
        let mut name = db.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let pid = holder
                    .trim()
                    .parse::<u32>()
                    .map(|p| format!(" (pid {p})"))
                    .unwrap_or_default();
                return Err(LockError::Held {
                    db: db.display().to_string(),
                    pid,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the message above; the lock, not this text, is what counts.
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(ProcessLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("paperboy.db");
        let first = ProcessLock::acquire(&db).unwrap();
        assert_eq!(first.path(), dir.path().join("paperboy.db.lock"));
        let err = ProcessLock::acquire(&db).unwrap_err().to_string();
        assert!(err.contains("another paperboy process"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("paperboy.db"), "{err}");
        drop(first);
        ProcessLock::acquire(&db).expect("free again once released");
    }
}
