//! Personal alerts: the people who asked for their own terms by DM, and their terms. Everything
//! paperboy stores about a person is here and in their ledger rows, so [`Store::clear_alerts`]
//! can delete all of it.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::language::Language;
use crate::store::db::{id_from_db, id_to_db, Store, StoreError};

/// Terms one person may have, and their length: visible limits, stated in the replies.
pub const MAX_ALERT_TERMS: usize = 25;
pub const MAX_ALERT_TERM_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertTermKind {
    Include,
    Exclude,
    Author,
    ExcludeAuthor,
}

impl AlertTermKind {
    fn as_db(self) -> &'static str {
        match self {
            AlertTermKind::Include => "include",
            AlertTermKind::Exclude => "exclude",
            AlertTermKind::Author => "author",
            AlertTermKind::ExcludeAuthor => "exclude_author",
        }
    }

    fn from_db(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "include" => AlertTermKind::Include,
            "exclude" => AlertTermKind::Exclude,
            "author" => AlertTermKind::Author,
            "exclude_author" => AlertTermKind::ExcludeAuthor,
            other => return Err(StoreError::Corrupt(format!("alert term kind {other:?}"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertTerm {
    pub kind: AlertTermKind,
    pub term: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertUser {
    pub user_id: u64,
    pub delivery_time: Option<NaiveTime>,
    pub timezone: Option<Tz>,
    pub enabled: bool,
    pub paused_reason: Option<String>,
    pub dm_channel_id: Option<u64>,
    pub start_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The language of the person's DMs and summaries; `None`: the bot-wide default.
    pub language: Option<Language>,
    /// Whether the person asked for a weekly DM of their reading list.
    pub weekly_saved: bool,
}

/// What adding terms did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertChange {
    pub added: Vec<AlertTerm>,
    pub unchanged: Vec<AlertTerm>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    user_id: i64,
    delivery_time: Option<String>,
    timezone: Option<String>,
    enabled: bool,
    paused_reason: Option<String>,
    dm_channel_id: Option<i64>,
    start_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    language: Option<String>,
    weekly_saved: bool,
}

const COLUMNS: &str = "user_id, delivery_time, timezone, enabled, paused_reason, dm_channel_id, \
     start_date, created_at, updated_at, language, weekly_saved";

impl TryFrom<UserRow> for AlertUser {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        let delivery_time = r
            .delivery_time
            .map(|t| {
                NaiveTime::parse_from_str(&t, "%H:%M")
                    .map_err(|_| StoreError::Corrupt(format!("alert time {t:?}")))
            })
            .transpose()?;
        let timezone = r
            .timezone
            .map(|tz| {
                tz.parse::<Tz>()
                    .map_err(|_| StoreError::Corrupt(format!("alert time zone {tz:?}")))
            })
            .transpose()?;
        Ok(AlertUser {
            user_id: id_from_db(r.user_id),
            delivery_time,
            timezone,
            enabled: r.enabled,
            paused_reason: r.paused_reason,
            dm_channel_id: r.dm_channel_id.map(id_from_db),
            start_date: r.start_date,
            created_at: r.created_at,
            updated_at: r.updated_at,
            language: r
                .language
                .map(|l| {
                    Language::parse(&l)
                        .map_err(|_| StoreError::Corrupt(format!("alert language {l:?}")))
                })
                .transpose()?,
            weekly_saved: r.weekly_saved,
        })
    }
}

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn alert_user(&self, user_id: u64) -> Result<Option<AlertUser>, StoreError> {
        let row: Option<UserRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM alert_users WHERE user_id = $1"
        ))
        .bind(id_to_db(user_id))
        .fetch_optional(db)
        .await)?;
        row.map(AlertUser::try_from).transpose()
    }

    /// The person's terms, sorted.
    #[tracing::instrument(skip_all)]
    pub async fn alert_terms(&self, user_id: u64) -> Result<Vec<AlertTerm>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT kind, term FROM alert_terms WHERE user_id = $1 ORDER BY kind, term",
        )
        .bind(id_to_db(user_id))
        .fetch_all(db)
        .await)?;
        rows.into_iter()
            .map(|(kind, term)| {
                Ok(AlertTerm {
                    kind: AlertTermKind::from_db(&kind)?,
                    term,
                })
            })
            .collect()
    }

    /// Adds terms (creating the person's alerts on first use), within [`MAX_ALERT_TERMS`].
    #[tracing::instrument(skip_all, fields(terms = terms.len()))]
    pub async fn add_alert_terms(
        &self,
        user_id: u64,
        terms: &[AlertTerm],
    ) -> Result<AlertChange, StoreError> {
        for t in terms {
            let n = t.term.chars().count();
            if n == 0 {
                return Err(StoreError::KeywordEmpty);
            }
            if n > MAX_ALERT_TERM_CHARS {
                return Err(StoreError::KeywordTooLong {
                    keyword: t.term.clone(),
                    limit: MAX_ALERT_TERM_CHARS,
                });
            }
        }
        let now = self.now();
        with_write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO alert_users (user_id, created_at, updated_at) VALUES ($1, $2, $2) \
             ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(id_to_db(user_id))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let have: i64 =
                sqlx::query_scalar("SELECT count(*) FROM alert_terms WHERE user_id = $1")
                    .bind(id_to_db(user_id))
                    .fetch_one(&mut *tx)
                    .await?;
            let mut change = AlertChange::default();
            let mut count = have.max(0) as usize;
            for t in terms {
                let inserted = sqlx::query(
                "INSERT INTO alert_terms (user_id, term, kind, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id_to_db(user_id))
            .bind(&t.term)
            .bind(t.kind.as_db())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
                if inserted {
                    count += 1;
                    if count > MAX_ALERT_TERMS {
                        return Err(StoreError::TooManyAlertTerms {
                            limit: MAX_ALERT_TERMS,
                        });
                    }
                    change.added.push(t.clone());
                } else {
                    change.unchanged.push(t.clone());
                }
            }
            sqlx::query("UPDATE alert_users SET updated_at = $1 WHERE user_id = $2")
                .bind(now)
                .bind(id_to_db(user_id))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(change)
        })
    }

    /// Removes a term by its text (any kind); returns whether one was there.
    #[tracing::instrument(skip_all)]
    pub async fn remove_alert_term(&self, user_id: u64, term: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| sqlx::query(
            "DELETE FROM alert_terms WHERE user_id = $1 AND lower(term) = lower($2)"
        )
        .bind(id_to_db(user_id))
        .bind(term)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Deletes everything stored about a person: their alerts, terms, pause state, every ledger
    /// row of their DMs (with the message bodies) and their reading list. Returns whether there
    /// was anything.
    #[tracing::instrument(skip_all)]
    pub async fn clear_alerts(&self, user_id: u64) -> Result<bool, StoreError> {
        with_write_tx!(self, |tx| {
            let users = sqlx::query("DELETE FROM alert_users WHERE user_id = $1")
                .bind(id_to_db(user_id))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let rows =
                sqlx::query("DELETE FROM deliveries WHERE channel_id = $1 AND target = 'dm'")
                    .bind(id_to_db(user_id))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            // The weekly DMs of the reading list, under their own key.
            let weekly = sqlx::query("DELETE FROM deliveries WHERE channel_id = $1")
                .bind(id_to_db(crate::store::keys::ledger_key(user_id)))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let saved = sqlx::query("DELETE FROM saved_papers WHERE user_id = $1")
                .bind(id_to_db(user_id))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // The questions they asked about papers (`/papers ask`), and with them today's count.
            let asked = sqlx::query("DELETE FROM ask_turns WHERE user_id = $1")
                .bind(id_to_db(user_id))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // "For you": the setting, the papers turned down, the follow-ups told.
            let mut for_you = 0;
            for table in ["for_you", "not_for_me", "followups_told"] {
                for_you += sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(id_to_db(user_id))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            Ok(users + rows + weekly + saved + asked + for_you > 0)
        })
    }

    /// `Some(reason)` pauses the person's alerts, `None` resumes them; false when they have none.
    #[tracing::instrument(skip_all)]
    pub async fn set_alerts_paused(
        &self,
        user_id: u64,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| sqlx::query(
            "UPDATE alert_users SET enabled = $2, paused_reason = $3, updated_at = $4 \
             WHERE user_id = $1",
        )
        .bind(id_to_db(user_id))
        .bind(reason.is_none())
        .bind(reason)
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The person's hour and zone (`None`: the bot's schedule); false when they have no alerts.
    #[tracing::instrument(skip_all)]
    pub async fn set_alert_time(
        &self,
        user_id: u64,
        time: Option<NaiveTime>,
        tz: Option<Tz>,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| sqlx::query(
            "UPDATE alert_users SET delivery_time = $2, timezone = $3, updated_at = $4 \
             WHERE user_id = $1",
        )
        .bind(id_to_db(user_id))
        .bind(time.map(|t| t.format("%H:%M").to_string()))
        .bind(tz.map(|z| z.name().to_string()))
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The person's language (`None`: the bot-wide default); false when they have no alerts.
    #[tracing::instrument(skip_all)]
    pub async fn set_alert_language(
        &self,
        user_id: u64,
        language: Option<&Language>,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| sqlx::query(
            "UPDATE alert_users SET language = $2, updated_at = $3 WHERE user_id = $1",
        )
        .bind(id_to_db(user_id))
        .bind(language.map(|l| l.code().to_string()))
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Whether the person gets a weekly DM of their reading list; false when they have no
    /// alerts.
    #[tracing::instrument(skip_all)]
    pub async fn set_weekly_saved(&self, user_id: u64, on: bool) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| sqlx::query(
            "UPDATE alert_users SET weekly_saved = $2, updated_at = $3 WHERE user_id = $1",
        )
        .bind(id_to_db(user_id))
        .bind(on)
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Remembers the DM channel Discord gave for a person.
    #[tracing::instrument(skip_all)]
    pub async fn set_dm_channel(&self, user_id: u64, channel_id: u64) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "UPDATE alert_users SET dm_channel_id = $1 WHERE user_id = $2"
        )
        .bind(id_to_db(channel_id))
        .bind(id_to_db(user_id))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every person whose alerts are on and who has terms (or "for you" on), with their terms.
    #[tracing::instrument(skip_all)]
    pub async fn active_alerts(&self) -> Result<Vec<(AlertUser, Vec<AlertTerm>)>, StoreError> {
        let users: Vec<UserRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM alert_users WHERE enabled = TRUE ORDER BY user_id"
        ))
        .fetch_all(db)
        .await)?;
        let terms: Vec<(i64, String, String)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT t.user_id, t.kind, t.term FROM alert_terms AS t \
             JOIN alert_users AS u ON u.user_id = t.user_id WHERE u.enabled = TRUE",
        )
        .fetch_all(db)
        .await)?;
        let for_you: std::collections::HashSet<i64> = with_pool!(self, |db| sqlx::query_scalar(
            "SELECT user_id FROM for_you WHERE enabled = TRUE"
        )
        .fetch_all(db)
        .await)?
        .into_iter()
        .collect();
        let mut by_user: std::collections::HashMap<i64, Vec<AlertTerm>> = Default::default();
        for (u, kind, term) in terms {
            by_user.entry(u).or_default().push(AlertTerm {
                kind: AlertTermKind::from_db(&kind)?,
                term,
            });
        }
        let mut out = Vec::new();
        for row in users {
            // Someone with "for you" on and no term still gets what their reading list finds.
            let Some(mut terms) = by_user
                .remove(&row.user_id)
                .or_else(|| for_you.contains(&row.user_id).then(Vec::new))
            else {
                continue;
            };
            terms.sort();
            out.push((AlertUser::try_from(row)?, terms));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashSet;

    fn term(kind: AlertTermKind, t: &str) -> AlertTerm {
        AlertTerm {
            kind,
            term: t.into(),
        }
    }

    store_tests! {
        async fn language_and_weekly_saved_are_kept_per_person(store) {
            assert!(!store.set_alert_language(5, None).await.unwrap(), "no alerts yet");
            assert!(!store.set_weekly_saved(5, true).await.unwrap());
            store
                .add_alert_terms(5, &[term(AlertTermKind::Include, "rlhf")])
                .await
                .unwrap();
            let fresh = store.alert_user(5).await.unwrap().unwrap();
            assert_eq!(fresh.language, None);
            assert!(!fresh.weekly_saved);
            let ko = Language::parse("ko").unwrap();
            assert!(store.set_alert_language(5, Some(&ko)).await.unwrap());
            assert!(store.set_weekly_saved(5, true).await.unwrap());
            let user = store.alert_user(5).await.unwrap().unwrap();
            assert_eq!(user.language, Some(ko));
            assert!(user.weekly_saved);
            assert_eq!(store.active_alerts().await.unwrap()[0].0, user);
            store.set_alert_language(5, None).await.unwrap();
            assert_eq!(store.alert_user(5).await.unwrap().unwrap().language, None);
        }

        async fn terms_are_added_capped_listed_removed_and_cleared_without_a_trace(store) {
            assert_eq!(store.alert_user(5).await.unwrap(), None);
            let change = store
                .add_alert_terms(
                    5,
                    &[
                        term(AlertTermKind::Include, "speculative decoding"),
                        term(AlertTermKind::Author, "Tri Dao"),
                    ],
                )
                .await
                .unwrap();
            assert_eq!(change.added.len(), 2);
            let again = store
                .add_alert_terms(5, &[term(AlertTermKind::Author, "Tri Dao")])
                .await
                .unwrap();
            assert_eq!(again.unchanged.len(), 1);
            assert!(store.alert_user(5).await.unwrap().unwrap().enabled);
            assert_eq!(store.alert_terms(5).await.unwrap().len(), 2);
            // The cap.
            let many: Vec<AlertTerm> = (0..30)
                .map(|i| term(AlertTermKind::Include, &format!("w{i}")))
                .collect();
            assert!(matches!(
                store.add_alert_terms(5, &many).await,
                Err(StoreError::TooManyAlertTerms { .. })
            ));
            assert_eq!(
                store.alert_terms(5).await.unwrap().len(),
                2,
                "all or nothing"
            );
            assert!(store.remove_alert_term(5, "tri dao").await.unwrap());
            assert!(!store.remove_alert_term(5, "tri dao").await.unwrap());
            // Pause, time, DM channel, a DM in the ledger: all gone after clear.
            assert!(store.set_alerts_paused(5, Some("50007")).await.unwrap());
            assert!(store.active_alerts().await.unwrap().is_empty());
            store.set_alerts_paused(5, None).await.unwrap();
            assert_eq!(store.active_alerts().await.unwrap().len(), 1);
            store.set_dm_channel(5, 777).await.unwrap();
            let day = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
            store
                .plan_deliveries(
                    day,
                    None,
                    &[(5, vec![("n5".into(), json!({"content": "x"}))])],
                    &HashSet::new(),
                    &HashSet::from([5]),
                )
                .await
                .unwrap();
            assert_eq!(
                store.alert_user(5).await.unwrap().unwrap().start_date,
                Some(day)
            );
            assert!(store.clear_alerts(5).await.unwrap());
            for table in [
                "alert_users",
                "alert_terms",
                "deliveries",
                "delivery_messages",
            ] {
                let n: i64 = with_pool!(store, |db| sqlx::query_scalar(&format!(
                    "SELECT count(*) FROM {table}"
                ))
                .fetch_one(db)
                .await)
                .unwrap();
                assert_eq!(n, 0, "{table}");
            }
            assert!(!store.clear_alerts(5).await.unwrap());
        }
    }
}
