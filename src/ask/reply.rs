//! The answer as Discord shows it: the question above (the message's text), the answer below
//! in an embed titled and linked with the paper (the answer's own words can change neither),
//! a footer saying which model answered from what, and, when the answer was cut, a link to the
//! rest in the PDF. Every word around the answer is the reader's language. Pure.

use super::answer::{unlinked, Shaped};
use crate::language::Language;
use crate::render::{
    outside_text, plain_line, EmbedSpec, MessageSpec, EMBED_COLOR, MAX_TITLE_CHARS,
};
use crate::summaries::prompt::TextKind;
use crate::t;

/// The most characters of an answer shown: an embed's description holds 4,096, and the link to
/// the PDF needs room after a cut.
pub const MAX_ANSWER_CHARS: usize = 3_800;
/// Characters of the question shown above the answer (its option takes at most 500).
pub const MAX_QUESTION_CHARS: usize = 500;

/// What was answered.
#[derive(Debug, Clone)]
pub struct Answered<'a> {
    pub arxiv_id: &'a str,
    pub title: &'a str,
    pub question: &'a str,
    pub answer: &'a Shaped,
    /// What the answer was written from.
    pub kind: TextKind,
    /// The model's configured name.
    pub model: &'a str,
}

/// The reply message.
pub fn answer_message(a: &Answered<'_>, lang: &Language) -> MessageSpec {
    let mut description = a.answer.text.clone();
    if a.answer.cut {
        description.push_str("\n\n");
        description.push_str(&t!(
            lang,
            "ask-cut",
            url = format!("https://arxiv.org/pdf/{}", a.arxiv_id)
        ));
    }
    let footer_key = match a.kind {
        TextKind::Abstract => "ask-footer-abstract",
        TextKind::Html | TextKind::Pdf => "ask-footer-full",
    };
    let mut title = plain_line(a.title, MAX_TITLE_CHARS);
    if title.is_empty() {
        title = a.arxiv_id.to_string();
    }
    MessageSpec {
        content: Some(t!(
            lang,
            "ask-question",
            question = outside_text(&unlinked(a.question, a.arxiv_id), MAX_QUESTION_CHARS)
        )),
        embeds: vec![EmbedSpec {
            title,
            url: Some(format!("https://arxiv.org/abs/{}", a.arxiv_id)),
            description,
            thumbnail: None,
            fields: Vec::new(),
            footer: t!(lang, footer_key, model = plain_line(a.model, 100)),
            color: Some(EMBED_COLOR),
            author: None,
            timestamp: None,
        }],
        menu: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_sits_above_the_answer_in_the_readers_words() {
        let answer = Shaped {
            text: "Section 3: 435B tokens.".into(),
            cut: true,
        };
        let a = Answered {
            arxiv_id: "2404.00399",
            title: "Aurora-M:\nThe First Open Source Multilingual Language Model",
            question: "How many tokens? @everyone [x](https://e.test)",
            answer: &answer,
            kind: TextKind::Html,
            model: "gpt-4o-mini",
        };
        let m = answer_message(&a, &Language::english());
        let content = m.content.as_deref().unwrap();
        // Defused, and no link but the paper's own.
        assert_eq!(content, "❓ How many tokens? @\u{200B}everyone x");
        let e = &m.embeds[0];
        assert_eq!(
            e.title,
            "Aurora-M: The First Open Source Multilingual Language Model"
        );
        assert_eq!(e.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert!(e.description.starts_with("Section 3: 435B tokens.\n\n"));
        assert!(
            e.description
                .ends_with("(https://arxiv.org/pdf/2404.00399)"),
            "{}",
            e.description
        );
        assert!(
            e.footer.contains("gpt-4o-mini") && e.footer.contains("full text"),
            "{}",
            e.footer
        );

        let ko: Language = "ko".parse().unwrap();
        let plain = Shaped {
            text: "답".into(),
            cut: false,
        };
        let m = answer_message(
            &Answered {
                answer: &plain,
                kind: TextKind::Abstract,
                ..a
            },
            &ko,
        );
        let e = &m.embeds[0];
        assert_eq!(e.description, "답");
        assert!(e.footer.contains("초록"), "{}", e.footer);
        assert!(m.content.unwrap().starts_with("❓ "));
    }
}
