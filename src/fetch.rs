//! Archive-first access to a day's digest: every command and every delivery asks here, so a
//! digest is downloaded once, archived (and so searchable), and served from SQLite afterwards.

use chrono::NaiveDate;
use tokio::sync::Mutex;

use crate::config::SourceConfig;
use crate::digest::source::{DigestSource, SourceLoader};
use crate::digest::{Digest, DigestError, Parsed};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Digest(#[from] DigestError),
    #[error("database error: {0}")]
    Store(#[from] StoreError),
}

impl FetchError {
    /// The digest simply is not out yet: worth waiting for, not worth alarming anyone.
    pub fn is_not_published(&self) -> bool {
        matches!(self, FetchError::Digest(DigestError::NotPublished(_)))
    }
}

/// The configured sources, asked in order: the primary, then (when allowed) the fallback for a
/// day the primary has not published. Shared by the archive-backed [`Fetcher`] and the
/// archive-free `paperboy preview`.
pub struct Sources {
    primary: SourceLoader,
    fallback: Option<SourceLoader>,
}

impl Sources {
    pub fn new(source: &SourceConfig) -> Sources {
        let loader = |s: &DigestSource| {
            SourceLoader::new(s.clone())
                .with_timeout(source.timeout)
                .with_max_bytes(source.max_bytes)
        };
        Sources {
            primary: loader(&source.primary),
            fallback: source.fallback.as_ref().map(loader),
        }
    }

    /// Loads `date`, returning the parsed digest and the source it came from.
    pub async fn load(
        &self,
        date: NaiveDate,
        allow_fallback: bool,
    ) -> Result<(Parsed, &SourceLoader), DigestError> {
        match self.primary.load(date).await {
            Ok(p) => Ok((p, &self.primary)),
            Err(DigestError::NotPublished(_)) if allow_fallback && self.fallback.is_some() => {
                let fb = self.fallback.as_ref().expect("checked above");
                Ok((fb.load(date).await?, fb))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether an archived digest's source (as recorded) is the fallback rather than the primary.
    fn is_fallback(&self, recorded: &str) -> bool {
        let primary = self.primary.describe();
        self.fallback
            .as_ref()
            .is_some_and(|fb| recorded == fb.describe() && recorded != primary)
    }
}

pub struct Fetcher {
    store: Store,
    sources: Sources,
    /// Serialises downloads so that a burst of `/papers today` right after publication costs one
    /// download, not one per user.
    download: Mutex<()>,
}

impl Fetcher {
    pub fn new(store: Store, source: &SourceConfig) -> Fetcher {
        Fetcher {
            store,
            sources: Sources::new(source),
            download: Mutex::new(()),
        }
    }

    /// The archived digest, unless it came from the fallback source and that is not allowed.
    async fn usable_archived(
        &self,
        date: NaiveDate,
        allow_fallback: bool,
    ) -> Result<Option<Digest>, FetchError> {
        if !allow_fallback {
            if let Some(source) = self.store.digest_source(date).await? {
                if self.sources.is_fallback(&source) {
                    return Ok(None);
                }
            }
        }
        Ok(self.store.digest(date).await?)
    }

    /// The archived digest for `date`, without touching the network.
    pub async fn archived(&self, date: NaiveDate) -> Result<Option<Digest>, FetchError> {
        Ok(self.store.digest(date).await?)
    }

    /// The digest for `date`: from the archive when it is there, otherwise downloaded from the
    /// primary source (then the fallback when the primary has nothing) and archived.
    pub async fn digest(&self, date: NaiveDate) -> Result<Digest, FetchError> {
        self.digest_with(date, true).await
    }

    /// Like [`Fetcher::digest`], but with `allow_fallback = false` the fallback source is neither
    /// asked nor accepted from the archive: the daily post waits a while for the primary source
    /// (a late digest is common) before settling for the fallback's version of the day.
    pub async fn digest_with(
        &self,
        date: NaiveDate,
        allow_fallback: bool,
    ) -> Result<Digest, FetchError> {
        if let Some(d) = self.usable_archived(date, allow_fallback).await? {
            return Ok(d);
        }
        let _guard = self.download.lock().await;
        if let Some(d) = self.usable_archived(date, allow_fallback).await? {
            return Ok(d);
        }
        let (parsed, from) = self.sources.load(date, allow_fallback).await?;
        for w in &parsed.warnings {
            tracing::warn!(%date, source = %from.describe(), warning = %w, "digest entry skipped or repaired");
        }
        let mut digest = parsed.digest;
        // A file whose heading names another day is still the file for the day we asked for.
        digest.date = date;
        self.store.save_digest(&digest, &from.describe()).await?;
        tracing::info!(%date, papers = digest.papers.len(), source = %from.describe(), "digest archived");
        Ok(digest)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const DAY: &str =
        "## Daily Papers (2024-04-02)\n\n### [Paper A](https://arxiv.org/abs/2404.00001)\n\n- a\n";

    #[tokio::test]
    async fn fallback_is_used_only_when_allowed_and_primary_wins_later() {
        let dir = tempfile::tempdir().unwrap();
        let (primary, fallback) = (dir.path().join("primary"), dir.path().join("fallback"));
        std::fs::create_dir_all(&primary).unwrap();
        std::fs::create_dir_all(&fallback).unwrap();
        std::fs::write(fallback.join("2024-04-02.md"), DAY).unwrap();
        let store = Store::open_memory().await.unwrap();
        let fetcher = Fetcher::new(
            store.clone(),
            &SourceConfig {
                primary: DigestSource::Folder(primary.clone()),
                fallback: Some(DigestSource::Folder(fallback.clone())),
                fallback_after: Duration::from_secs(3600),
                timeout: Duration::from_secs(5),
                max_bytes: 1 << 20,
            },
        );
        let date: NaiveDate = "2024-04-02".parse().unwrap();

        let err = fetcher.digest_with(date, false).await.unwrap_err();
        assert!(err.is_not_published(), "{err}");
        let d = fetcher.digest_with(date, true).await.unwrap();
        assert_eq!(d.papers[0].title, "Paper A");
        // Archived from the fallback: still not good enough for a caller that must wait.
        assert!(fetcher
            .digest_with(date, false)
            .await
            .unwrap_err()
            .is_not_published());

        std::fs::write(
            primary.join("2024-04-02.md"),
            DAY.replace("Paper A", "Paper B"),
        )
        .unwrap();
        let d = fetcher.digest_with(date, false).await.unwrap();
        assert_eq!(d.papers[0].title, "Paper B");
        assert_eq!(
            store.digest_source(date).await.unwrap(),
            Some(DigestSource::Folder(primary).describe())
        );
        // Once the primary's version is archived, everyone gets it.
        assert_eq!(
            fetcher.digest(date).await.unwrap().papers[0].title,
            "Paper B"
        );
    }
}
