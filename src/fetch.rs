//! Archive-first access to a day's digest: every command and every delivery asks here, so a
//! digest is downloaded once, archived (and so searchable), and served from SQLite afterwards.

use chrono::NaiveDate;
use tokio::sync::Mutex;

use crate::config::SourceConfig;
use crate::digest::source::{DigestSource, SourceLoader};
use crate::digest::{Digest, DigestError};
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

pub struct Fetcher {
    store: Store,
    primary: SourceLoader,
    fallback: Option<SourceLoader>,
    /// Serialises downloads so that a burst of `/papers today` right after publication costs one
    /// download, not one per user.
    download: Mutex<()>,
}

impl Fetcher {
    pub fn new(store: Store, source: &SourceConfig) -> Fetcher {
        let loader = |s: &DigestSource| {
            SourceLoader::new(s.clone())
                .with_timeout(source.timeout)
                .with_max_bytes(source.max_bytes)
        };
        Fetcher {
            store,
            primary: loader(&source.primary),
            fallback: source.fallback.as_ref().map(loader),
            download: Mutex::new(()),
        }
    }

    /// The archived digest for `date`, without touching the network.
    pub async fn archived(&self, date: NaiveDate) -> Result<Option<Digest>, FetchError> {
        Ok(self.store.digest(date).await?)
    }

    /// The digest for `date`: from the archive when it is there, otherwise downloaded from the
    /// primary source (then the fallback when the primary has nothing) and archived.
    pub async fn digest(&self, date: NaiveDate) -> Result<Digest, FetchError> {
        if let Some(d) = self.store.digest(date).await? {
            return Ok(d);
        }
        let _guard = self.download.lock().await;
        if let Some(d) = self.store.digest(date).await? {
            return Ok(d);
        }
        let (parsed, from) = match self.primary.load(date).await {
            Ok(p) => (p, &self.primary),
            Err(DigestError::NotPublished(_)) if self.fallback.is_some() => {
                let fb = self.fallback.as_ref().expect("checked above");
                (fb.load(date).await?, fb)
            }
            Err(e) => return Err(e.into()),
        };
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
