//! The earlier questions and answers a follow-up carries: asking again about the same paper in
//! the same thread (or DM) continues the conversation. Pure.
//!
//! Only what the asker could see is carried: everyone's public questions, and the asker's own
//! private ones; another person's private question never reaches a public answer. A question
//! still unanswered (in flight, or left by a crash) carries nothing.

use crate::render::truncate_chars;

/// A question as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTurn {
    pub user_id: u64,
    pub private: bool,
    pub question: String,
    /// `None` while it is being answered.
    pub answer: Option<String>,
}

/// One earlier question and its answer, as the prompt carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub question: String,
    pub answer: String,
}

/// Characters of an earlier question carried.
pub const MAX_EARLIER_QUESTION_CHARS: usize = 300;
/// Characters of an earlier answer carried.
pub const MAX_EARLIER_ANSWER_CHARS: usize = 1_200;

/// From `newest_first` (this thread's questions about this paper, newest first), the last `n`
/// the asker may carry, oldest first, each cut to its size.
pub fn follow_up_context(newest_first: &[StoredTurn], asker: u64, n: usize) -> Vec<Turn> {
    let mut out: Vec<Turn> = newest_first
        .iter()
        .filter(|t| !t.private || t.user_id == asker)
        .filter_map(|t| {
            let answer = t.answer.as_deref()?.trim();
            (!answer.is_empty()).then(|| Turn {
                question: truncate_chars(t.question.trim(), MAX_EARLIER_QUESTION_CHARS),
                answer: truncate_chars(answer, MAX_EARLIER_ANSWER_CHARS),
            })
        })
        .take(n)
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(user_id: u64, private: bool, q: &str, a: Option<&str>) -> StoredTurn {
        StoredTurn {
            user_id,
            private,
            question: q.into(),
            answer: a.map(str::to_string),
        }
    }

    #[test]
    fn a_follow_up_carries_what_the_asker_could_see_oldest_first() {
        let newest_first = [
            turn(2, false, "q5", None),
            turn(3, true, "q4 (3's private)", Some("a4")),
            turn(1, true, "q3 (mine, private)", Some("a3")),
            turn(2, false, "q2", Some("a2")),
            turn(2, false, "q1", Some("a1")),
        ];
        let got = follow_up_context(&newest_first, 1, 2);
        assert_eq!(
            got,
            vec![
                Turn {
                    question: "q2".into(),
                    answer: "a2".into()
                },
                Turn {
                    question: "q3 (mine, private)".into(),
                    answer: "a3".into()
                },
            ]
        );
        let theirs = follow_up_context(&newest_first, 3, 10);
        assert_eq!(theirs.len(), 3);
        assert!(!theirs.iter().any(|t| t.question.contains("mine")));
        assert!(follow_up_context(&newest_first, 1, 0).is_empty());
        let long = [turn(1, false, &"q".repeat(1000), Some(&"a".repeat(5000)))];
        let cut = &follow_up_context(&long, 1, 1)[0];
        assert_eq!(cut.question.chars().count(), MAX_EARLIER_QUESTION_CHARS);
        assert_eq!(cut.answer.chars().count(), MAX_EARLIER_ANSWER_CHARS);
    }
}
