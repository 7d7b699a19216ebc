//! Which stored summary each paper of a post carries, which papers still need one, and whether
//! a post waits for them; pure.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::labels::{label, machine_note};
use super::validate::implausible;
use super::{BulletKind, Summary};
use crate::render::{MachineBullets, MachineLine, Overlay, Role};
use crate::source::digest::{Digest, Paper};

/// The language a reader's summaries are in: their own choice (`/papers subscribe language:`,
/// a person's alerts language), else the configured default.
pub fn language_of(own: Option<&crate::language::Language>, default: &str) -> String {
    own.map_or_else(|| default.to_string(), |l| l.code().to_string())
}

/// Whether `paper` already has bullets in `language` at no cost: a Korean digest's bullets are
/// the Korean summary (at least two, Hangul, as the volunteer's digest wrote them).
pub fn free_in(paper: &Paper, language: &str) -> bool {
    language.split('-').next() == Some("ko")
        && paper.bullets.len() >= 2
        && implausible(&paper.bullets.join(" "), "ko").is_none()
}

/// The papers of `digest` that need a machine summary in `language`: (arXiv id, title), in the
/// digest's order. A paper without an arXiv id cannot be fetched and keeps its text.
pub fn wanted(digest: &Digest, language: &str) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    digest
        .papers
        .iter()
        .filter(|p| !free_in(p, language))
        .filter_map(|p| Some((p.arxiv_id.clone()?, p.title.clone())))
        .filter(|(id, _)| seen.insert(id.clone()))
        .collect()
}

/// The overlay a post in `language` shows: each stored summary as labelled bullets with the
/// footer naming its model.
pub fn overlay(summaries: &HashMap<String, Summary>, language: &str) -> Overlay {
    summaries
        .iter()
        .map(|(id, s)| {
            let lines = s
                .bullets
                .iter()
                .map(|b| MachineLine {
                    role: role_of(b.kind),
                    label: label(b.kind, language),
                    text: b.text.clone(),
                })
                .collect();
            (
                id.clone(),
                Arc::new(MachineBullets {
                    lines,
                    note: machine_note(&s.model, language),
                }),
            )
        })
        .collect()
}

/// Where a bullet of this kind goes on a card.
pub fn role_of(kind: BulletKind) -> Role {
    match kind {
        BulletKind::New => Role::New,
        BulletKind::Method => Role::Method,
        BulletKind::Results => Role::Results,
        BulletKind::Note => Role::Note,
    }
}

/// The overlay of what is stored for `papers` in `language` (nothing is generated): what a
/// ranking across several days shows (the week's best, `/papers top`).
pub async fn stored_overlay_of(
    store: &crate::store::Store,
    papers: &[&Paper],
    language: &str,
) -> Result<Overlay, crate::store::StoreError> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<String> = papers
        .iter()
        .filter(|p| !free_in(p, language))
        .filter_map(|p| p.arxiv_id.clone())
        .filter(|id| seen.insert(id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(Overlay::new());
    }
    Ok(overlay(
        &store.summaries_for(&ids, language).await?,
        language,
    ))
}

/// The overlay of what is stored for `digest` in `language` (nothing is generated): what a
/// command's reply shows.
pub async fn stored_overlay(
    store: &crate::store::Store,
    digest: &Digest,
    language: &str,
) -> Result<Overlay, crate::store::StoreError> {
    let ids: Vec<String> = wanted(digest, language)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Ok(overlay(
        &store.summaries_for(&ids, language).await?,
        language,
    ))
}

/// Whether a post that fell due at `fire` still waits for `missing` summaries at `now`: only
/// while some are missing and the wait has not run out.
pub fn waits(
    missing: usize,
    fire: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    wait: std::time::Duration,
) -> bool {
    let Some(fire) = fire else {
        return false;
    };
    let wait = chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::zero());
    missing > 0 && now < fire + wait
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summaries::{Bullet, BulletKind};
    use chrono::TimeZone;

    fn paper(id: &str, bullets: &[&str]) -> Paper {
        Paper {
            title: format!("Paper {id}"),
            arxiv_id: Some(id.into()),
            bullets: bullets.iter().map(|b| b.to_string()).collect(),
            ..Paper::default()
        }
    }

    #[test]
    fn korean_digest_bullets_are_the_korean_summary_for_free() {
        let day = Digest {
            date: chrono::NaiveDate::from_ymd_opt(2024, 6, 12).unwrap(),
            papers: vec![
                paper(
                    "2406.00001",
                    &["새로운 확산 모델을 제안합니다.", "성능이 10% 향상됩니다."],
                ),
                paper("2406.00002", &["An English one-liner from Hugging Face."]),
                paper("2406.00002", &["duplicate"]),
                Paper {
                    title: "no id".into(),
                    ..Paper::default()
                },
            ],
        };
        assert_eq!(
            wanted(&day, "ko"),
            vec![("2406.00002".to_string(), "Paper 2406.00002".to_string())]
        );
        assert_eq!(wanted(&day, "en").len(), 2);
    }

    #[test]
    fn an_overlay_labels_bullets_in_the_language_and_names_the_model() {
        let s = Summary {
            arxiv_id: "2406.00002".into(),
            language: "ko".into(),
            bullets: vec![Bullet {
                kind: BulletKind::New,
                text: "새 방법".into(),
            }],
            model: "gpt-4o-mini".into(),
            prompt_version: 1,
            tokens_in: 1,
            tokens_out: 1,
        };
        let o = overlay(&HashMap::from([("2406.00002".to_string(), s)]), "ko");
        let m = &o["2406.00002"];
        assert_eq!(
            m.lines,
            vec![MachineLine {
                role: Role::New,
                label: "새로운 점".to_string(),
                text: "새 방법".to_string()
            }]
        );
        assert!(m.note.contains("gpt-4o-mini"));
    }

    #[test]
    fn a_post_waits_only_while_something_is_missing_and_the_wait_lasts() {
        let fire = Utc.with_ymd_and_hms(2025, 2, 20, 1, 0, 0).unwrap();
        let wait = std::time::Duration::from_secs(30 * 60);
        assert!(waits(
            3,
            Some(fire),
            fire + chrono::Duration::minutes(29),
            wait
        ));
        assert!(!waits(
            3,
            Some(fire),
            fire + chrono::Duration::minutes(30),
            wait
        ));
        assert!(!waits(0, Some(fire), fire, wait));
        assert!(!waits(3, None, fire, wait));
    }
}
