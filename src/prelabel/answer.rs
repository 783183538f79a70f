//! Turns a model's answer into a prediction, trusting nothing: the JSON is found leniently
//! (the whole text, a fenced code block, or the first balanced object inside prose), each
//! control's value is kept only if it is one the config offers, spans are located in the task's
//! text by Gloss (the model's offsets are never used), and the result is then checked by the
//! same validators every annotation goes through (`crate::annotation`). So no answer, whatever
//! the task text made the model write, yields a label outside the config's label set.

use serde_json::{Map, Value};

use super::plan::{AnswerPlan, OfferedValue, TargetKind};
use crate::annotation::{validate_result, validate_result_for_task};
use crate::result::{
    ChoicesValue, ControlResult, PairwiseValue, RatingValue, ResultItem, ResultValue, SpanValue,
    TextAreaValue,
};
use crate::views::AnnotationStatus;

/// The longest free text kept from a model, in code points.
pub const MAX_FREE_TEXT_CHARS: usize = 10_000;
/// The most spans kept per control and task.
pub const MAX_SPANS_PER_CONTROL: usize = 500;

/// What came out of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAnswer {
    pub result: Vec<ResultItem>,
    /// The model's own confidence, clamped to 0..=1, if it gave a number.
    pub confidence: Option<f64>,
    /// What was thrown away and why ("label \"X\" is not offered", "span text not found").
    pub dropped: Vec<String>,
}

/// Why an answer gave no prediction at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerRefusal {
    #[error("the answer holds no JSON object")]
    NoJson,
    #[error("the answer holds nothing the config offers ({})", dropped.join("; "))]
    NothingUsable { dropped: Vec<String> },
}

/// Finds the answer's JSON object: the whole text, else a ```json fenced block, else the first
/// balanced `{...}` that parses.
pub fn extract_json_object(text: &str) -> Option<Map<String, Value>> {
    let as_object = |candidate: &str| match serde_json::from_str::<Value>(candidate.trim()) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    };
    if let Some(object) = as_object(text) {
        return Some(object);
    }
    let mut rest = text;
    while let Some(fence) = rest.find("```") {
        let after_fence = &rest[fence + 3..];
        let body_start = after_fence.find('\n').map_or(0, |newline| newline + 1);
        let body = &after_fence[body_start..];
        let Some(end) = body.find("```") else { break };
        if let Some(object) = as_object(&body[..end]) {
            return Some(object);
        }
        rest = &body[end + 3..];
    }
    for (start, _) in text.match_indices('{') {
        if let Some(end) = balanced_object_end(&text[start..])
            && let Some(object) = as_object(&text[start..start + end])
        {
            return Some(object);
        }
    }
    None
}

/// The byte length of the `{...}` that starts `text`, skipping braces inside strings.
fn balanced_object_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (idx, character) in text.char_indices() {
        if in_string {
            match character {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(idx + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The offered value a model's string names: exactly, else ignoring case and surrounding
/// space. Only ever returns one of `offered`.
fn match_offered<'o>(offered: &'o [OfferedValue], said: &str) -> Option<&'o OfferedValue> {
    offered
        .iter()
        .find(|value| value.shown == said || value.stored == said)
        .or_else(|| {
            let said = said.trim();
            offered.iter().find(|value| {
                value.shown.eq_ignore_ascii_case(said) || value.stored.eq_ignore_ascii_case(said)
            })
        })
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn as_strings(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Reads a model's answer for one task. `region_id` makes the ids of span regions.
pub fn parse_answer(
    plan: &AnswerPlan,
    interface: &crate::config::Interface,
    data: &Map<String, Value>,
    text: &str,
    mut region_id: impl FnMut() -> String,
) -> Result<ParsedAnswer, AnswerRefusal> {
    let object = extract_json_object(text).ok_or(AnswerRefusal::NoJson)?;
    let mut dropped = Vec::new();
    let mut result = Vec::new();
    for target in &plan.targets {
        let name = &target.control_name;
        let Some(answer) = object.get(name) else {
            continue;
        };
        let mut push = |value: ResultValue, id: Option<String>| {
            result.push(ResultItem::Control(ControlResult {
                id,
                from_name: name.clone(),
                to_name: target.to_name.clone(),
                value,
                original_width: None,
                original_height: None,
                extra: Map::new(),
            }));
        };
        match &target.kind {
            TargetKind::SingleChoice { options } | TargetKind::MultipleChoices { options } => {
                let mut chosen: Vec<String> = Vec::new();
                for said in as_strings(answer) {
                    match said.as_str().and_then(|said| match_offered(options, said)) {
                        Some(value) if !chosen.contains(&value.stored) => {
                            chosen.push(value.stored.clone());
                        }
                        Some(_) => {}
                        None => dropped.push(format!(
                            "\"{name}\": {} is not one of its values",
                            describe(said)
                        )),
                    }
                }
                if matches!(target.kind, TargetKind::SingleChoice { .. }) && chosen.len() > 1 {
                    dropped.push(format!(
                        "\"{name}\": takes one value, the answer gave several"
                    ));
                    chosen.clear();
                }
                if !chosen.is_empty() {
                    push(ResultValue::Choices(ChoicesValue { choices: chosen }), None);
                }
            }
            TargetKind::Spans { labels } => {
                let Some(object_text) = plan.object_text(&target.to_name, data) else {
                    dropped.push(format!("\"{name}\": the task has no text to find spans in"));
                    continue;
                };
                let mut located = SpanLocator::new(object_text);
                for (span_idx, span) in as_strings(answer).into_iter().enumerate() {
                    if span_idx >= MAX_SPANS_PER_CONTROL {
                        dropped.push(format!(
                            "\"{name}\": more than {MAX_SPANS_PER_CONTROL} spans"
                        ));
                        break;
                    }
                    let span_text = span.get("text").and_then(Value::as_str);
                    let label = span
                        .get("label")
                        .and_then(Value::as_str)
                        .and_then(|label| match_offered(labels, label));
                    let (Some(span_text), Some(label)) = (span_text, label) else {
                        dropped.push(format!(
                            "\"{name}\": {} is not a span with an offered label",
                            describe(span)
                        ));
                        continue;
                    };
                    match located.find(span_text, &label.stored) {
                        Some((start, end)) => push(
                            ResultValue::Labels(SpanValue {
                                start: Some(start as f64),
                                end: Some(end as f64),
                                text: Some(span_text.to_owned()),
                                channel: None,
                                labels: vec![label.stored.clone()],
                            }),
                            Some(region_id()),
                        ),
                        None => dropped.push(format!(
                            "\"{name}\": span text {} is not in the task's text",
                            describe(&Value::String(span_text.to_owned()))
                        )),
                    }
                }
            }
            TargetKind::FreeText => match answer.as_str().map(str::trim) {
                Some(text) if !text.is_empty() => {
                    let text: String = text.chars().take(MAX_FREE_TEXT_CHARS).collect();
                    push(
                        ResultValue::TextArea(TextAreaValue { text: vec![text] }),
                        None,
                    );
                }
                _ => dropped.push(format!("\"{name}\": {} is not a text", describe(answer))),
            },
            TargetKind::Rating { max_rating } => {
                let rating = answer
                    .as_f64()
                    .or_else(|| answer.as_str().and_then(|text| text.trim().parse().ok()))
                    .filter(|rating| rating.fract() == 0.0)
                    .filter(|rating| *rating >= 1.0 && *rating <= f64::from(*max_rating));
                match rating {
                    Some(rating) => push(
                        ResultValue::Rating(RatingValue {
                            rating: rating as u32,
                        }),
                        None,
                    ),
                    None => dropped.push(format!(
                        "\"{name}\": {} is not a rating from 1 to {max_rating}",
                        describe(answer)
                    )),
                }
            }
            TargetKind::Pairwise => {
                let mut objects = target.to_name.split(',');
                let left_object = objects.next().unwrap_or_default();
                let right_object = objects.next().unwrap_or_default();
                let selected = answer.as_str().map(str::trim).and_then(|said| {
                    if said.eq_ignore_ascii_case("left") || said == left_object {
                        Some("left")
                    } else if said.eq_ignore_ascii_case("right") || said == right_object {
                        Some("right")
                    } else {
                        None
                    }
                });
                match selected {
                    Some(selected) => push(
                        ResultValue::Pairwise(PairwiseValue {
                            selected: selected.to_owned(),
                        }),
                        None,
                    ),
                    None => dropped.push(format!(
                        "\"{name}\": {} is neither \"left\" nor \"right\"",
                        describe(answer)
                    )),
                }
            }
        }
    }
    // The validators every save goes through: an item they refuse is dropped (with the
    // reason), then the whole result must pass.
    let mut kept = Vec::with_capacity(result.len());
    for item in result {
        let alone = std::slice::from_ref(&item);
        match validate_result(interface, alone, AnnotationStatus::Draft)
            .and_then(|()| validate_result_for_task(interface, data, alone))
        {
            Ok(()) => kept.push(item),
            Err(error) => dropped.push(error.to_string()),
        }
    }
    if let Err(error) = validate_result(interface, &kept, AnnotationStatus::Draft)
        .and_then(|()| validate_result_for_task(interface, data, &kept))
    {
        dropped.push(error.to_string());
        kept.clear();
    }
    if kept.is_empty() {
        return Err(AnswerRefusal::NothingUsable { dropped });
    }
    let confidence = object
        .get("confidence")
        .and_then(|value| {
            value
                .as_f64()
                .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
        })
        .filter(|confidence| confidence.is_finite())
        .map(|confidence| confidence.clamp(0.0, 1.0));
    Ok(ParsedAnswer {
        result: kept,
        confidence,
        dropped,
    })
}

/// Finds span texts in a task's text, in code points. Repeated mentions of the same text with
/// the same label take successive occurrences ("Paris ... Paris" named twice labels both).
struct SpanLocator<'t> {
    text: &'t str,
    /// (span text, label) to the byte offset after which to search next.
    next_search_from: std::collections::HashMap<(String, String), usize>,
}

impl<'t> SpanLocator<'t> {
    fn new(text: &'t str) -> SpanLocator<'t> {
        SpanLocator {
            text,
            next_search_from: std::collections::HashMap::new(),
        }
    }

    /// (start, end) in code points of the next occurrence, or `None`.
    fn find(&mut self, span_text: &str, label: &str) -> Option<(usize, usize)> {
        if span_text.is_empty() {
            return None;
        }
        let key = (span_text.to_owned(), label.to_owned());
        let from = *self.next_search_from.get(&key).unwrap_or(&0);
        let byte_start = from + self.text.get(from..)?.find(span_text)?;
        let byte_end = byte_start + span_text.len();
        self.next_search_from.insert(key, byte_end);
        let start = self.text[..byte_start].chars().count();
        let end = start + span_text.chars().count();
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_in_prose_and_fences() {
        assert!(extract_json_object(r#"{"a": 1}"#).is_some());
        assert!(extract_json_object("Sure!\n```json\n{\"a\": 1}\n```\nDone.").is_some());
        assert!(extract_json_object(r#"The answer is {"a": "}{"} as asked."#).is_some());
        assert!(extract_json_object("{not json} but then {\"a\": [1]}").is_some());
        assert_eq!(extract_json_object("no json here"), None);
        assert_eq!(extract_json_object("[1, 2]"), None);
    }

    #[test]
    fn spans_are_found_in_code_points_and_repeat_in_order() {
        let mut locator = SpanLocator::new("🙂 Paris, then Paris again");
        assert_eq!(locator.find("Paris", "LOC"), Some((2, 7)));
        assert_eq!(locator.find("Paris", "LOC"), Some((14, 19)));
        assert_eq!(locator.find("Paris", "LOC"), None);
        assert_eq!(locator.find("Paris", "ORG"), Some((2, 7)));
        assert_eq!(locator.find("Berlin", "LOC"), None);
        assert_eq!(locator.find("", "LOC"), None);
    }
}
