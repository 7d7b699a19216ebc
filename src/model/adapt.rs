//! The one change a refusal calls for, pure: a refused parameter is no longer sent (the budget
//! goes under its other name), a refused `response_format` steps down from a schema to JSON mode
//! to JSON asked for in the prompt, a refused schema keyword is taken out of the schema; and an
//! answer that reasoning cut off before it began gets a larger budget. Each change is made only
//! when the request refused really carried what the refusal names, so a refusal cannot loop.

use serde_json::Value;

use super::learned::{Learned, Lesson, DROPPABLE};
use super::refusal::Refused;
use super::task::{uses_keyword, MAX_BUDGET};

/// What to send instead after `refused`, given `learned` (the settings the refused request was
/// built with) and `body` (that request). No lessons: nothing to change, the refusal stands.
pub fn adapt(learned: &Learned, body: &Value, refused: &[Refused]) -> (Learned, Vec<Lesson>) {
    let mut next = learned.clone();
    let mut lessons = Vec::new();
    let format = body.get("response_format");
    let schema = format
        .filter(|f| f["type"] == "json_schema")
        .map(|f| &f["json_schema"]["schema"]);
    // A JSON task sent in the prompt-only mode has no `response_format`, but is still JSON:
    // nothing lower to step down to then.
    let mut stepped = false;
    let mut seen: Vec<&Refused> = Vec::new();
    for r in refused {
        // A thing named twice is one thing.
        if seen.contains(&r) {
            continue;
        }
        seen.push(r);
        match r {
            Refused::Param(p)
                if DROPPABLE.contains(&p.as_str())
                    && body.get(p).is_some()
                    && next.refused.insert(p.clone()) =>
            {
                lessons.push(Lesson::Dropped(p.clone()));
            }
            Refused::SchemaKeyword(k)
                if schema.is_some_and(|s| uses_keyword(s, k))
                    && next.dropped_keywords.insert(k.clone()) =>
            {
                lessons.push(Lesson::Keyword(k.clone()));
            }
            // A keyword the schema does not have, or the format itself: the next way down.
            Refused::SchemaKeyword(_) | Refused::ResponseFormat if format.is_some() && !stepped => {
                if let Some(mode) = learned.json.fallback() {
                    next.json = mode;
                    stepped = true;
                    lessons.push(Lesson::Mode(mode));
                }
            }
            _ => {}
        }
    }
    (next, lessons)
}

/// The budget to try after an answer came back empty, cut at `budget` tokens: four times as
/// much, at least 4096 more, at most [`MAX_BUDGET`]. `None` when it cannot grow.
pub fn larger_budget(budget: u32) -> Option<u32> {
    let next = budget
        .saturating_mul(4)
        .max(budget.saturating_add(4096))
        .min(MAX_BUDGET);
    (next > budget).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::learned::JsonMode;
    use crate::model::task::{body, ChatTask, Effort, Message, Output};
    use serde_json::json;

    fn task() -> ChatTask {
        ChatTask {
            messages: vec![Message::system("s"), Message::user("u")],
            output: Output::Json {
                name: "n".into(),
                description: "d".into(),
                schema: json!({"type": "object", "properties": {"l": {"type": "array", "minItems": 2, "maxItems": 4}}}),
            },
            max_output_tokens: 500,
            temperature: Some(0.2),
            effort: Some(Effort::Low),
        }
    }

    fn after(learned: &Learned, refused: &[Refused]) -> (Learned, Vec<Lesson>) {
        adapt(learned, &body("m", &task(), learned), refused)
    }

    fn p(name: &str) -> Refused {
        Refused::Param(name.into())
    }

    #[test]
    fn a_refused_parameter_is_dropped_once() {
        let fresh = Learned::default();
        let (l, lessons) = after(&fresh, &[p("temperature")]);
        assert_eq!(lessons, vec![Lesson::Dropped("temperature".into())]);
        assert!(!l.takes("temperature"));
        // The same refusal again, of a request that no longer carries it: nothing to change.
        let (_, again) = after(&l, &[p("temperature")]);
        assert!(again.is_empty());
        // Mistral refuses two at once, one of which the bot never sends.
        let (l, lessons) = after(
            &fresh,
            &[
                p("store"),
                p("max_completion_tokens"),
                p("reasoning_effort"),
            ],
        );
        assert_eq!(
            lessons,
            vec![
                Lesson::Dropped("max_completion_tokens".into()),
                Lesson::Dropped("reasoning_effort".into())
            ]
        );
        assert_eq!(l.token_param(), Some("max_tokens"));
        // Then `max_tokens` refused too: no budget is sent at all.
        let (l, _) = after(&l, &[p("max_tokens")]);
        assert_eq!(l.token_param(), None);
        let (_, none) = after(&l, &[p("max_tokens")]);
        assert!(none.is_empty());
    }

    #[test]
    fn structured_output_steps_down_one_way_at_a_time() {
        let (l, lessons) = after(&Learned::default(), &[Refused::ResponseFormat]);
        assert_eq!(
            (l.json, lessons),
            (
                JsonMode::JsonObject,
                vec![Lesson::Mode(JsonMode::JsonObject)]
            )
        );
        let (l, _) = after(&l, &[Refused::ResponseFormat]);
        assert_eq!(l.json, JsonMode::Prompt);
        let (_, none) = after(&l, &[Refused::ResponseFormat]);
        assert!(none.is_empty(), "nothing lower than the prompt");
        // A keyword named twice is taken out once, without stepping down.
        let (l2, lessons) = after(
            &Learned::default(),
            &[
                Refused::SchemaKeyword("minItems".into()),
                Refused::SchemaKeyword("minItems".into()),
            ],
        );
        assert_eq!((l2.json, lessons.len()), (JsonMode::Schema, 1));
        // Two readings of one refusal step down once.
        let (l, lessons) = after(
            &Learned::default(),
            &[
                Refused::ResponseFormat,
                Refused::SchemaKeyword("$schema".into()),
            ],
        );
        assert_eq!((l.json, lessons.len()), (JsonMode::JsonObject, 1));
    }

    #[test]
    fn a_refused_keyword_is_taken_out_if_the_schema_has_it() {
        let (l, lessons) = after(
            &Learned::default(),
            &[Refused::SchemaKeyword("minItems".into())],
        );
        assert_eq!(lessons, vec![Lesson::Keyword("minItems".into())]);
        assert_eq!(l.json, JsonMode::Schema);
        let (l, _) = after(&l, &[Refused::SchemaKeyword("maxItems".into())]);
        assert_eq!(l.dropped_keywords.len(), 2);
        // Not in the schema sent (taken out already, or never there): JSON mode instead.
        let (l, lessons) = after(&l, &[Refused::SchemaKeyword("minItems".into())]);
        assert_eq!(
            (l.json, lessons),
            (
                JsonMode::JsonObject,
                vec![Lesson::Mode(JsonMode::JsonObject)]
            )
        );
        // In JSON mode there is no schema to take keywords from.
        let (l2, lessons) = after(&l, &[Refused::SchemaKeyword("minItems".into())]);
        assert_eq!((l2.json, lessons.len()), (JsonMode::Prompt, 1));
    }

    #[test]
    fn unknown_refusals_change_nothing() {
        let (l, lessons) = after(
            &Learned::default(),
            &[Refused::Unknown, p("frequency_penalty")],
        );
        assert!(lessons.is_empty());
        assert!(l.is_default());
    }

    #[test]
    fn budgets_grow_to_a_ceiling() {
        assert_eq!(larger_budget(400), Some(4496));
        assert_eq!(larger_budget(1500), Some(6000));
        assert_eq!(larger_budget(20_000), Some(MAX_BUDGET));
        assert_eq!(larger_budget(MAX_BUDGET), None);
    }
}
