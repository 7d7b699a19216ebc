//! Which paper a question is about. Pure: the delivery ledger's message bodies in, papers out.
//!
//! A thread says which paper it is about when paperboy made it, or made what it hangs off:
//! - a forum post of its own (`forum_mode:paper`): the ledger records the thread with its
//!   starter message, whose one embed is the paper;
//! - a thread someone started from a post's message: on Discord such a thread has the id of the
//!   message it was started from, so a thread whose id is a recorded message's is about that
//!   message's papers (one for a card; a packed message, or a day's index, has several, and an
//!   index without links stands for its whole delivery);
//! - a day's thread (a forum's day post, a day posted into a thread): its delivery's papers,
//!   even though a forum's day post starts with a message that has the thread's id.
//!
//! A paper is read from a body by its embed's link (arXiv or Hugging Face), then from the
//! masked links of its text, then from a save menu's options (their values are arXiv ids).

use serde_json::Value;

use crate::render::normalise_arxiv_id;
use crate::source::digest::arxiv_id_from_url;

/// A paper as a message shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperRef {
    pub arxiv_id: String,
    /// As the message shows it (may be empty).
    pub title: String,
}

/// What the ledger knows about one thread (see the module docs); every body as recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadLedger {
    /// The forum post whose thread this is: its planned body (`{name, message, …}`).
    pub post: Option<Value>,
    /// The recorded message the thread was started from, and every message of its delivery.
    pub started_from: Option<(Value, Vec<Value>)>,
    /// The messages of the day whose thread this is.
    pub day: Vec<Value>,
}

/// The papers a thread is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadPapers {
    /// Not a thread paperboy knows: the question must name its paper.
    None,
    One(PaperRef),
    /// A day's thread, or one off a message of several papers.
    Several(Vec<PaperRef>),
}

impl ThreadPapers {
    /// Every paper present, for suggestions.
    pub fn papers(&self) -> Vec<PaperRef> {
        match self {
            ThreadPapers::None => Vec::new(),
            ThreadPapers::One(p) => vec![p.clone()],
            ThreadPapers::Several(ps) => ps.clone(),
        }
    }
}

/// The message of a body: a planned forum post keeps it under `message`.
fn message_of(body: &Value) -> &Value {
    body.get("message")
        .filter(|m| m.is_object() && body.get("name").is_some())
        .unwrap_or(body)
}

fn push(out: &mut Vec<PaperRef>, id: String, title: &str) {
    if !out.iter().any(|p| p.arxiv_id == id) {
        out.push(PaperRef {
            arxiv_id: id,
            title: title.trim().to_string(),
        });
    }
}

/// The arXiv id of a link to a paper (`arxiv.org/abs|pdf/…`, `huggingface.co/papers/…`).
fn id_of_link(url: &str) -> Option<String> {
    arxiv_id_from_url(url).and_then(|id| normalise_arxiv_id(&id))
}

/// `[text](url)` links of a text, in order.
fn masked_links(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find("](") else { break };
        let label = &after[..close];
        let target = &after[close + 2..];
        let Some(end) = target.find(')') else { break };
        if !label.contains('[') {
            out.push((label.to_string(), target[..end].to_string()));
        }
        rest = &after[close..];
    }
    out
}

/// Labels of a card's link line: a link so labelled names its paper's link, not its title.
fn is_link_label(label: &str) -> bool {
    let l = label.trim().to_lowercase();
    l.is_empty()
        || l.len() <= 16
            && [
                "arxiv",
                "pdf",
                "hugging face",
                "huggingface",
                "hf",
                "paper",
                "abs",
            ]
            .iter()
            .any(|w| l.contains(w))
}

/// The papers a recorded message shows, in order, each once.
pub fn papers_in_body(body: &Value) -> Vec<PaperRef> {
    let message = message_of(body);
    let mut out = Vec::new();
    let embeds = message["embeds"].as_array().cloned().unwrap_or_default();
    for e in &embeds {
        if let Some(id) = e["url"].as_str().and_then(id_of_link) {
            push(&mut out, id, e["title"].as_str().unwrap_or_default());
        }
    }
    let texts = std::iter::once(message["content"].as_str().unwrap_or_default()).chain(
        embeds
            .iter()
            .map(|e| e["description"].as_str().unwrap_or_default()),
    );
    for text in texts {
        for (label, url) in masked_links(text) {
            if let Some(id) = id_of_link(&url) {
                let title = if is_link_label(&label) { "" } else { &label };
                push(&mut out, id, title);
            }
        }
    }
    for row in message["components"].as_array().into_iter().flatten() {
        for c in row["components"].as_array().into_iter().flatten() {
            for o in c["options"].as_array().into_iter().flatten() {
                if let Some(id) = o["value"].as_str().and_then(normalise_arxiv_id) {
                    push(&mut out, id, o["label"].as_str().unwrap_or_default());
                }
            }
        }
    }
    out
}

fn union(bodies: &[Value]) -> Vec<PaperRef> {
    let mut out: Vec<PaperRef> = Vec::new();
    for b in bodies {
        for p in papers_in_body(b) {
            match out.iter_mut().find(|q| q.arxiv_id == p.arxiv_id) {
                Some(q) if q.title.is_empty() => q.title = p.title,
                Some(_) => {}
                None => out.push(p),
            }
        }
    }
    out
}

fn of(list: Vec<PaperRef>) -> Option<ThreadPapers> {
    match list.len() {
        0 => None,
        1 => list.into_iter().next().map(ThreadPapers::One),
        _ => Some(ThreadPapers::Several(list)),
    }
}

/// The papers a thread is about (see the module docs).
pub fn thread_papers(ledger: &ThreadLedger) -> ThreadPapers {
    if let Some(p) = ledger
        .post
        .as_ref()
        .and_then(|b| papers_in_body(b).into_iter().next())
    {
        return ThreadPapers::One(p);
    }
    // A day's thread before the message it may hang off: a forum's day post starts with the
    // day's first message, whose id is the thread's.
    if let Some(t) = of(union(&ledger.day)) {
        return t;
    }
    if let Some((from, delivery)) = &ledger.started_from {
        if let Some(t) = of(union(std::slice::from_ref(from))).or_else(|| of(union(delivery))) {
            return t;
        }
    }
    ThreadPapers::None
}

/// Which paper to answer about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Paper(String),
    /// Asked in a thread of several papers without saying which.
    Which(Vec<PaperRef>),
    /// Asked outside a paper's thread without saying which.
    NoPaper,
}

/// The paper named by `paper:` wins; else the thread's own; in a thread of several, or
/// elsewhere, the paper the asker asked about last in this channel (a follow-up need not name
/// it again), as long as it is one of the thread's.
pub fn choose(given: Option<String>, thread: &ThreadPapers, last_asked: Option<&str>) -> Choice {
    if let Some(id) = given {
        return Choice::Paper(id);
    }
    match thread {
        ThreadPapers::One(p) => Choice::Paper(p.arxiv_id.clone()),
        ThreadPapers::Several(ps) => match last_asked {
            Some(last) if ps.iter().any(|p| p.arxiv_id == last) => Choice::Paper(last.to_string()),
            _ => Choice::Which(ps.clone()),
        },
        ThreadPapers::None => match last_asked {
            Some(last) => Choice::Paper(last.to_string()),
            None => Choice::NoPaper,
        },
    }
}

/// What `paper:` suggests as it is typed: the thread's papers first (those matching what was
/// typed, by id or title), then `found` (recent days, the archive's matches), each once, at
/// most `max`.
pub fn suggestions(
    partial: &str,
    here: &[PaperRef],
    found: &[PaperRef],
    max: usize,
) -> Vec<PaperRef> {
    let needle = partial.trim().to_lowercase();
    let matches = |p: &PaperRef| {
        needle.is_empty()
            || p.arxiv_id.contains(&needle)
            || p.title.to_lowercase().contains(&needle)
            || needle
                .split_whitespace()
                .all(|w| p.title.to_lowercase().contains(w))
    };
    let mut out: Vec<PaperRef> = Vec::new();
    for p in here.iter().filter(|p| matches(p)).chain(found) {
        if out.len() == max {
            break;
        }
        if !out.iter().any(|q| q.arxiv_id == p.arxiv_id) {
            out.push(p.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn card(id: &str, title: &str) -> Value {
        json!({"embeds": [{
            "title": title,
            "url": format!("https://arxiv.org/abs/{id}"),
            "description": format!("[arXiv](https://arxiv.org/abs/{id}) · [PDF](https://arxiv.org/pdf/{id}) · [Hugging Face](https://huggingface.co/papers/{id})\n• bullet"),
        }]})
    }

    fn p(id: &str, title: &str) -> PaperRef {
        PaperRef {
            arxiv_id: id.into(),
            title: title.into(),
        }
    }

    #[test]
    fn a_body_shows_its_papers_by_embed_link_text_link_and_menu() {
        assert_eq!(
            papers_in_body(&card("2404.00399", "Aurora-M")),
            vec![p("2404.00399", "Aurora-M")]
        );
        // A planned forum post keeps its message under `message`.
        let post = json!({"name": "Aurora-M", "message": card("2404.00399v2", "Aurora-M"), "tag_keywords": []});
        assert_eq!(papers_in_body(&post), vec![p("2404.00399", "Aurora-M")]);
        // A packed message: every embed, in order.
        let mut packed = card("2404.00399", "A");
        packed["embeds"]
            .as_array_mut()
            .unwrap()
            .push(card("2404.01197", "B")["embeds"][0].clone());
        packed["content"] = json!("**Daily Papers**");
        assert_eq!(
            papers_in_body(&packed),
            vec![p("2404.00399", "A"), p("2404.01197", "B")]
        );
        // An index of links: the link's text is the title.
        let index = json!({"content": "1. [Streaming Dense Video Captioning](https://huggingface.co/papers/2404.01297)\n2. [x](https://evil.example/2404.99999)"});
        assert_eq!(
            papers_in_body(&index),
            vec![p("2404.01297", "Streaming Dense Video Captioning")]
        );
        // A save menu alone.
        let menu = json!({"components": [{"type": 1, "components": [{"type": 3, "custom_id": "x", "options": [
            {"label": "Title one", "value": "2404.00987"}, {"label": "junk", "value": "not-an-id"}]}]}]});
        assert_eq!(papers_in_body(&menu), vec![p("2404.00987", "Title one")]);
        assert!(papers_in_body(&json!({"content": "nothing"})).is_empty());
    }

    #[test]
    fn which_papers_a_thread_is_about() {
        assert_eq!(thread_papers(&ThreadLedger::default()), ThreadPapers::None);
        let post = ThreadLedger {
            post: Some(json!({"name": "A", "message": card("2404.00399", "A")})),
            ..Default::default()
        };
        assert_eq!(
            thread_papers(&post),
            ThreadPapers::One(p("2404.00399", "A"))
        );
        // A thread off a card: that card's paper.
        let day = vec![card("2404.00399", "A"), card("2404.01197", "B")];
        let off_card = ThreadLedger {
            started_from: Some((day[1].clone(), day.clone())),
            ..Default::default()
        };
        assert_eq!(
            thread_papers(&off_card),
            ThreadPapers::One(p("2404.01197", "B"))
        );
        // Off an index without links: the whole delivery.
        let off_index = ThreadLedger {
            started_from: Some((
                json!({"content": "**Daily Papers** · 2 papers"}),
                day.clone(),
            )),
            ..Default::default()
        };
        assert_eq!(
            thread_papers(&off_index),
            ThreadPapers::Several(vec![p("2404.00399", "A"), p("2404.01197", "B")])
        );
        // A day's thread, even where its first message has the thread's id.
        let day_thread = ThreadLedger {
            started_from: Some((day[0].clone(), day.clone())),
            day: day.clone(),
            ..Default::default()
        };
        assert_eq!(thread_papers(&day_thread).papers().len(), 2);
    }

    #[test]
    fn the_paper_given_wins_then_the_threads_then_the_askers_last() {
        let several = ThreadPapers::Several(vec![p("2404.00399", "A"), p("2404.01197", "B")]);
        let one = ThreadPapers::One(p("2404.00399", "A"));
        assert_eq!(
            choose(Some("2404.00987".into()), &one, None),
            Choice::Paper("2404.00987".into())
        );
        assert_eq!(
            choose(None, &one, Some("2404.01197")),
            Choice::Paper("2404.00399".into())
        );
        assert_eq!(
            choose(None, &several, Some("2404.01197")),
            Choice::Paper("2404.01197".into())
        );
        // The last paper asked about elsewhere is not one of this day's: which?
        assert!(
            matches!(choose(None, &several, Some("2404.00987")), Choice::Which(ps) if ps.len() == 2)
        );
        assert_eq!(
            choose(None, &ThreadPapers::None, Some("2404.00987")),
            Choice::Paper("2404.00987".into())
        );
        assert_eq!(choose(None, &ThreadPapers::None, None), Choice::NoPaper);
    }

    #[test]
    fn suggestions_put_the_threads_papers_first() {
        let here = [
            p("2404.00399", "Aurora-M multilingual"),
            p("2404.01197", "Spatial consistency"),
        ];
        let found = [
            p("2404.01197", "Spatial consistency"),
            p("2404.00987", "FlexiDreamer"),
        ];
        let ids = |v: Vec<PaperRef>| v.into_iter().map(|p| p.arxiv_id).collect::<Vec<_>>();
        assert_eq!(
            ids(suggestions("", &here, &found, 25)),
            ["2404.00399", "2404.01197", "2404.00987"]
        );
        assert_eq!(ids(suggestions("spatial", &here, &[], 25)), ["2404.01197"]);
        assert_eq!(
            ids(suggestions("2404.003", &here, &found, 25))[0],
            "2404.00399"
        );
        assert_eq!(suggestions("", &here, &found, 1).len(), 1);
    }
}
