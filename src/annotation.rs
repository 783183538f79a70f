//! Checking a result against the labelling config before it is stored.
//!
//! A result (Label Studio `result` JSON, typed in `crate::result`) is accepted only if every
//! item names a control of the config, targets one of that control's objects, has the value
//! type the control produces, uses only values the control offers, and, for a submission, holds
//! every `required` control. Text offsets against the task text and image coordinates against the
//! image are checked by their modalities. This module decides; it never stores.
//!
//! Chat messages are regions. A message that came with the task has the region id
//! `<chat name>:<index>` (its 0-based position in the task's message list, which never changes:
//! imported messages cannot be edited or removed); a message the annotator added is a
//! `chatmessage` result whose `from_name` and `to_name` are the chat's name, and its region id
//! is that result's `id`. A `perRegion` control that labels a chat stores one item per message
//! with the message's region id as the item's `id`, and must name a message that exists. The
//! count of messages (the task's plus the added ones) may not exceed `maxMessages` in any save
//! and must reach `minMessages` in a submission ([`validate_submission_for_task`]); drafts may
//! have fewer. Which added messages may be edited (`editable`) is a rule of the editor: the core
//! stores whatever the annotator's result holds.

use std::collections::HashSet;

use crate::config::{ControlKind, ControlTag, Interface, ObjectKind, TaxonomyOption};
use crate::result::{ControlResult, ResultItem, ResultValue};
use crate::views::AnnotationStatus;

/// Why a result was refused. Every variant names the control and the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResultError {
    #[error("the result is not valid Label Studio result JSON: {message}")]
    Malformed { message: String },
    #[error("result item {item_idx}: no control named \"{from_name}\" in the config")]
    UnknownControl { item_idx: usize, from_name: String },
    #[error(
        "result item {item_idx}: control \"{from_name}\" does not label \"{to_name}\" (it labels {expected})"
    )]
    WrongObject {
        item_idx: usize,
        from_name: String,
        to_name: String,
        expected: String,
    },
    #[error(
        "result item {item_idx}: control \"{from_name}\" is a {expected} control, but the item has type \"{found}\""
    )]
    WrongType {
        item_idx: usize,
        from_name: String,
        expected: String,
        found: String,
    },
    #[error(
        "result item {item_idx}: \"{value}\" is not a value of control \"{from_name}\" (it offers: {offered})"
    )]
    UnknownValue {
        item_idx: usize,
        from_name: String,
        value: String,
        offered: String,
    },
    #[error("result item {item_idx}: control \"{from_name}\": {message}")]
    InvalidValue {
        item_idx: usize,
        from_name: String,
        message: String,
    },
    #[error("control \"{from_name}\" appears {n_items} times, but it takes one answer per task")]
    Repeated { from_name: String, n_items: usize },
    #[error("the required control \"{control}\" has no answer")]
    MissingRequired { control: String },
    #[error("result item {item_idx}: relation: {message}")]
    BadRelation { item_idx: usize, message: String },
    #[error("result item {item_idx}: chat \"{chat}\": {message}")]
    BadChatMessage {
        item_idx: usize,
        chat: String,
        message: String,
    },
    #[error("chat \"{chat}\": {message}")]
    ChatMessageCount { chat: String, message: String },
}

/// The most code points one added chat message may hold (about 25 pages of text): enough for
/// any answer an annotator writes, small enough that a pasted file cannot bloat the project.
pub const MAX_CHAT_MESSAGE_CHARS: usize = 100_000;

/// The region id of the task's own message at `message_idx` in the chat called `chat_name`.
pub fn chat_message_region_id(chat_name: &str, message_idx: usize) -> String {
    format!("{chat_name}:{message_idx}")
}

/// Parses result JSON (an array of Label Studio result items) into typed items.
pub fn parse_result(json: &str) -> Result<Vec<ResultItem>, ResultError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|error| ResultError::Malformed {
            message: error.to_string(),
        })?;
    parse_result_value(value)
}

/// Like [`parse_result`], from an already parsed JSON value.
pub fn parse_result_value(value: serde_json::Value) -> Result<Vec<ResultItem>, ResultError> {
    let serde_json::Value::Array(items) = value else {
        return Err(ResultError::Malformed {
            message: "expected a JSON array of result items".to_owned(),
        });
    };
    items
        .into_iter()
        .enumerate()
        .map(|(item_idx, item)| {
            serde_json::from_value(item).map_err(|error| ResultError::Malformed {
                message: format!("item {item_idx}: {error}"),
            })
        })
        .collect()
}

/// Checks a result against the config. Drafts may be incomplete (required controls are only
/// enforced on submit) but never contain values the config does not offer.
pub fn validate_result(
    interface: &Interface,
    result: &[ResultItem],
    status: AnnotationStatus,
) -> Result<(), ResultError> {
    let region_ids: HashSet<&str> = result
        .iter()
        .filter_map(|item| match item {
            ResultItem::Control(control_result) => control_result.id.as_deref(),
            ResultItem::Relation(_) => None,
        })
        .collect();
    let mut answered_controls: Vec<&str> = Vec::new();
    for (item_idx, item) in result.iter().enumerate() {
        match item {
            ResultItem::Control(control_result)
                if matches!(control_result.value, ResultValue::ChatMessage(_)) =>
            {
                validate_chat_message(item_idx, interface, control_result)?;
            }
            ResultItem::Control(control_result) => {
                let control = interface
                    .control(&control_result.from_name)
                    .ok_or_else(|| ResultError::UnknownControl {
                        item_idx,
                        from_name: control_result.from_name.clone(),
                    })?;
                validate_control_result(item_idx, control, control_result)?;
                answered_controls.push(&control.name);
            }
            ResultItem::Relation(relation) => {
                for id in [&relation.from_id, &relation.to_id] {
                    if !region_ids.contains(id.as_str()) {
                        return Err(ResultError::BadRelation {
                            item_idx,
                            message: format!("no region with id \"{id}\" in this result"),
                        });
                    }
                }
                if !["right", "left", "bi"].contains(&relation.direction.as_str()) {
                    return Err(ResultError::BadRelation {
                        item_idx,
                        message: format!(
                            "direction \"{}\" is not right, left or bi",
                            relation.direction
                        ),
                    });
                }
                let relation_labels: Vec<&String> = interface
                    .controls
                    .iter()
                    .filter_map(|control| match &control.kind {
                        ControlKind::Relations { labels } => Some(labels),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                for label in &relation.labels {
                    if !relation_labels.contains(&label) {
                        return Err(ResultError::BadRelation {
                            item_idx,
                            message: format!("\"{label}\" is not a relation label of the config"),
                        });
                    }
                }
            }
        }
    }
    for control in &interface.controls {
        let n_items = answered_controls
            .iter()
            .filter(|name| **name == control.name)
            .count();
        if n_items > 1 && takes_one_answer(control) {
            return Err(ResultError::Repeated {
                from_name: control.name.clone(),
                n_items,
            });
        }
        if status == AnnotationStatus::Submitted
            && control.required
            && !control.per_region
            && n_items == 0
        {
            return Err(ResultError::MissingRequired {
                control: control.name.clone(),
            });
        }
    }
    Ok(())
}

/// An added chat message: it names a `<Chat>` (as `from_name` and `to_name`), has a region id,
/// a role the chat offers, and content of a sane size.
fn validate_chat_message(
    item_idx: usize,
    interface: &Interface,
    control_result: &ControlResult,
) -> Result<(), ResultError> {
    let ResultValue::ChatMessage(value) = &control_result.value else {
        return Ok(());
    };
    let chat = control_result.from_name.clone();
    let bad = |message: String| ResultError::BadChatMessage {
        item_idx,
        chat: chat.clone(),
        message,
    };
    let Some(ObjectKind::Chat { message_roles, .. }) = interface
        .object(&control_result.from_name)
        .map(|object| &object.kind)
    else {
        return Err(bad(
            "a chatmessage result must name a <Chat> object as from_name".to_owned(),
        ));
    };
    if control_result.to_name != control_result.from_name {
        return Err(bad(format!(
            "to_name \"{}\" must be the chat's own name",
            control_result.to_name
        )));
    }
    if control_result.id.as_deref().is_none_or(str::is_empty) {
        return Err(bad(
            "an added message needs an id (it is the message's region id)".to_owned(),
        ));
    }
    let role = &value.chatmessage.role;
    if !message_roles.contains(role) {
        return Err(bad(format!(
            "the role \"{role}\" is not one the chat offers ({})",
            message_roles.join(", ")
        )));
    }
    let n_chars = value.chatmessage.content.chars().count();
    if n_chars > MAX_CHAT_MESSAGE_CHARS {
        return Err(bad(format!(
            "the message holds {n_chars} characters; at most {MAX_CHAT_MESSAGE_CHARS} are allowed"
        )));
    }
    Ok(())
}

/// Whole-task controls take one answer per task; region controls take one item per region.
fn takes_one_answer(control: &ControlTag) -> bool {
    if control.per_region {
        return false;
    }
    matches!(
        control.kind,
        ControlKind::Choices { .. }
            | ControlKind::TextArea { .. }
            | ControlKind::Rating { .. }
            | ControlKind::Number { .. }
            | ControlKind::DateTime { .. }
            | ControlKind::Taxonomy { .. }
            | ControlKind::Pairwise
            | ControlKind::Ranker { .. }
    ) && control.to_name.len() <= 1
}

fn kind_name(kind: &ControlKind) -> &'static str {
    match kind {
        ControlKind::Choices { .. } => "choices",
        ControlKind::Labels { .. } => "labels",
        ControlKind::RectangleLabels { .. } => "rectanglelabels",
        ControlKind::PolygonLabels { .. } => "polygonlabels",
        ControlKind::KeyPointLabels { .. } => "keypointlabels",
        ControlKind::TextArea { .. } => "textarea",
        ControlKind::Rating { .. } => "rating",
        ControlKind::Number { .. } => "number",
        ControlKind::DateTime { .. } => "datetime",
        ControlKind::Taxonomy { .. } => "taxonomy",
        ControlKind::Pairwise => "pairwise",
        ControlKind::Ranker { .. } => "ranker",
        ControlKind::Relations { .. } => "relations",
    }
}

fn value_type_name(value: &ResultValue) -> &'static str {
    match value {
        ResultValue::Choices(_) => "choices",
        ResultValue::Labels(_) => "labels",
        ResultValue::RectangleLabels(_) => "rectanglelabels",
        ResultValue::PolygonLabels(_) => "polygonlabels",
        ResultValue::KeyPointLabels(_) => "keypointlabels",
        ResultValue::TextArea(_) => "textarea",
        ResultValue::Rating(_) => "rating",
        ResultValue::Number(_) => "number",
        ResultValue::DateTime(_) => "datetime",
        ResultValue::Taxonomy(_) => "taxonomy",
        ResultValue::Pairwise(_) => "pairwise",
        ResultValue::Ranker(_) => "ranker",
        ResultValue::ChatMessage(_) => "chatmessage",
    }
}

fn validate_control_result(
    item_idx: usize,
    control: &ControlTag,
    control_result: &ControlResult,
) -> Result<(), ResultError> {
    let from_name = &control.name;
    // A Pairwise result names both of its objects at once ("left,right").
    let targets_its_object = control.to_name.contains(&control_result.to_name)
        || (matches!(control.kind, ControlKind::Pairwise)
            && control_result.to_name == control.to_name.join(","));
    if !targets_its_object {
        return Err(ResultError::WrongObject {
            item_idx,
            from_name: from_name.clone(),
            to_name: control_result.to_name.clone(),
            expected: control.to_name.join(", "),
        });
    }
    let wrong_type = || ResultError::WrongType {
        item_idx,
        from_name: from_name.clone(),
        expected: kind_name(&control.kind).to_owned(),
        found: value_type_name(&control_result.value).to_owned(),
    };
    let invalid = |message: String| ResultError::InvalidValue {
        item_idx,
        from_name: from_name.clone(),
        message,
    };
    let check_values = |values: &[String], offered: &[&str]| -> Result<(), ResultError> {
        for value in values {
            if !offered.contains(&value.as_str()) {
                return Err(ResultError::UnknownValue {
                    item_idx,
                    from_name: from_name.clone(),
                    value: value.clone(),
                    offered: offered.join(", "),
                });
            }
        }
        Ok(())
    };
    match (&control.kind, &control_result.value) {
        (
            ControlKind::Choices {
                multiple, options, ..
            },
            ResultValue::Choices(value),
        ) => {
            let offered: Vec<&str> = options.iter().map(|option| option.result_value()).collect();
            check_values(&value.choices, &offered)?;
            if !multiple && value.choices.len() > 1 {
                return Err(invalid(format!(
                    "takes a single choice, got {}",
                    value.choices.len()
                )));
            }
            if value.choices.is_empty() {
                return Err(invalid("no choice selected".to_owned()));
            }
        }
        (ControlKind::Labels { labels, .. }, ResultValue::Labels(value)) => {
            let offered: Vec<&str> = labels.iter().map(|label| label.result_value()).collect();
            check_values(&value.labels, &offered)?;
            if let (Some(start), Some(end)) = (value.start, value.end)
                && !(start >= 0.0 && end >= start)
            {
                return Err(invalid(format!(
                    "span start {start} and end {end} are out of order"
                )));
            }
        }
        (ControlKind::RectangleLabels { labels }, ResultValue::RectangleLabels(value)) => {
            let offered: Vec<&str> = labels.iter().map(|label| label.result_value()).collect();
            check_values(&value.rectanglelabels, &offered)?;
            let in_range = |number: f64| (0.0..=100.0).contains(&number);
            if !(in_range(value.x)
                && in_range(value.y)
                && value.width >= 0.0
                && value.height >= 0.0
                && value.width <= 100.0
                && value.height <= 100.0)
            {
                return Err(invalid(
                    "box coordinates must be percentages between 0 and 100".to_owned(),
                ));
            }
        }
        (ControlKind::PolygonLabels { labels }, ResultValue::PolygonLabels(value)) => {
            let offered: Vec<&str> = labels.iter().map(|label| label.result_value()).collect();
            check_values(&value.polygonlabels, &offered)?;
            if value.points.len() < 3 {
                return Err(invalid("a polygon needs at least 3 points".to_owned()));
            }
            if value
                .points
                .iter()
                .flatten()
                .any(|coordinate| !(0.0..=100.0).contains(coordinate))
            {
                return Err(invalid(
                    "polygon points must be percentages between 0 and 100".to_owned(),
                ));
            }
        }
        (ControlKind::KeyPointLabels { labels }, ResultValue::KeyPointLabels(value)) => {
            let offered: Vec<&str> = labels.iter().map(|label| label.result_value()).collect();
            check_values(&value.keypointlabels, &offered)?;
            if !(0.0..=100.0).contains(&value.x) || !(0.0..=100.0).contains(&value.y) {
                return Err(invalid(
                    "keypoint coordinates must be percentages between 0 and 100".to_owned(),
                ));
            }
        }
        (ControlKind::TextArea { .. }, ResultValue::TextArea(_)) => {}
        (ControlKind::Rating { max_rating }, ResultValue::Rating(value)) => {
            if value.rating < 1 || value.rating > *max_rating {
                return Err(invalid(format!(
                    "rating {} is outside 1..={max_rating}",
                    value.rating
                )));
            }
        }
        (ControlKind::Number { min, max, .. }, ResultValue::Number(value)) => {
            if !value.number.is_finite()
                || min.is_some_and(|min| value.number < min)
                || max.is_some_and(|max| value.number > max)
            {
                return Err(invalid(format!(
                    "{} is outside the allowed range",
                    value.number
                )));
            }
        }
        (ControlKind::DateTime { .. }, ResultValue::DateTime(_)) => {}
        (ControlKind::Taxonomy { options }, ResultValue::Taxonomy(value)) => {
            for path in &value.taxonomy {
                if !taxonomy_path_exists(options, path) {
                    return Err(invalid(format!(
                        "\"{}\" is not a path of the taxonomy",
                        path.join(" / ")
                    )));
                }
            }
        }
        (ControlKind::Pairwise, ResultValue::Pairwise(value)) => {
            if value.selected != "left" && value.selected != "right" {
                return Err(invalid(format!(
                    "selected must be \"left\" or \"right\", got \"{}\"",
                    value.selected
                )));
            }
        }
        (ControlKind::Ranker { buckets }, ResultValue::Ranker(value)) => {
            for bucket_name in value.ranker.keys() {
                let known = buckets.iter().any(|bucket| &bucket.name == bucket_name)
                    || control.to_name.contains(bucket_name);
                if !known {
                    return Err(invalid(format!("no bucket named \"{bucket_name}\"")));
                }
            }
        }
        _ => return Err(wrong_type()),
    }
    Ok(())
}

fn taxonomy_path_exists(options: &[TaxonomyOption], path: &[String]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    match options.iter().find(|option| &option.value == first) {
        Some(_) if rest.is_empty() => true,
        Some(option) => taxonomy_path_exists(&option.children, rest),
        None => false,
    }
}

/// Checks the parts of a result that depend on the task itself: text spans must lie inside the
/// text they label, counted in Unicode code points (what Python's `str` indexes), with whole
/// numbers, and their `text` (when given) must be exactly those characters; ranker results may
/// only name items the task's list holds. Call after [`validate_result`].
pub fn validate_result_for_task(
    interface: &Interface,
    data: &serde_json::Map<String, serde_json::Value>,
    result: &[ResultItem],
) -> Result<(), ResultError> {
    // Byte offset of every code point (and of the end) per text object, built once per text:
    // a long document with thousands of spans is then checked in one pass over its text.
    let mut char_boundaries: std::collections::HashMap<&str, Vec<usize>> =
        std::collections::HashMap::new();
    for (item_idx, item) in result.iter().enumerate() {
        let ResultItem::Control(control_result) = item else {
            continue;
        };
        let invalid = |message: String| ResultError::InvalidValue {
            item_idx,
            from_name: control_result.from_name.clone(),
            message,
        };
        let Some(object) = interface.object(&control_result.to_name) else {
            continue;
        };
        let field_value = object.data_field.as_ref().and_then(|field| data.get(field));
        match (&control_result.value, &object.kind) {
            (ResultValue::Labels(span), ObjectKind::Text { .. }) => {
                let Some(serde_json::Value::String(text)) = field_value else {
                    return Err(invalid(format!(
                        "object \"{}\" has no text in this task to hold a span",
                        object.name
                    )));
                };
                let (Some(start), Some(end)) = (span.start, span.end) else {
                    return Err(invalid("a text span needs start and end".to_owned()));
                };
                let boundaries = char_boundaries
                    .entry(object.name.as_str())
                    .or_insert_with(|| {
                        text.char_indices()
                            .map(|(byte_idx, _)| byte_idx)
                            .chain(std::iter::once(text.len()))
                            .collect()
                    });
                let n_chars = boundaries.len() - 1;
                let is_whole = |number: f64| number.fract() == 0.0 && number >= 0.0;
                if !is_whole(start) || !is_whole(end) || start >= end || end > n_chars as f64 {
                    return Err(invalid(format!(
                        "span {start}..{end} is not inside the text (0..{n_chars} code points)"
                    )));
                }
                if let Some(span_text) = &span.text {
                    let selected = &text[boundaries[start as usize]..boundaries[end as usize]];
                    if selected != span_text {
                        return Err(invalid(format!(
                            "span {start}..{end} holds {selected:?} in the text, but the result says {span_text:?} (offsets are Unicode code points)"
                        )));
                    }
                }
            }
            (ResultValue::Labels(segment), ObjectKind::Audio) => {
                let (Some(start), Some(end)) = (segment.start, segment.end) else {
                    return Err(invalid(
                        "an audio segment needs start and end (in seconds)".to_owned(),
                    ));
                };
                if !start.is_finite() || !end.is_finite() || start < 0.0 || end <= start {
                    return Err(invalid(format!(
                        "audio segment {start}..{end} s: start must be 0 or more and end after start"
                    )));
                }
            }
            (ResultValue::Ranker(ranker), ObjectKind::List { .. }) => {
                let item_ids: HashSet<String> = match field_value {
                    Some(serde_json::Value::Array(items)) => items
                        .iter()
                        .filter_map(|list_item| match list_item.get("id") {
                            Some(serde_json::Value::String(id)) => Some(id.clone()),
                            Some(serde_json::Value::Number(id)) => Some(id.to_string()),
                            _ => None,
                        })
                        .collect(),
                    _ => HashSet::new(),
                };
                for ranked_id in ranker.ranker.values().flatten() {
                    if !item_ids.contains(ranked_id) {
                        return Err(invalid(format!(
                            "the ranking names item \"{ranked_id}\", which this task's list does not hold"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    validate_chats_for_task(interface, data, result)
}

/// Messages of each `<Chat>` in this task and result: the task's own (from its data field) and
/// the added ones (the `chatmessage` items naming it), with their region ids.
struct ChatMessages<'a> {
    chat: &'a crate::config::ObjectTag,
    n_task_messages: usize,
    added_ids: Vec<&'a str>,
}

fn chats_in_result<'a>(
    interface: &'a Interface,
    data: &serde_json::Map<String, serde_json::Value>,
    result: &'a [ResultItem],
) -> Vec<ChatMessages<'a>> {
    interface
        .objects
        .iter()
        .filter(|object| matches!(object.kind, ObjectKind::Chat { .. }))
        .map(|chat| {
            let n_task_messages = match chat.data_field.as_ref().and_then(|field| data.get(field)) {
                Some(serde_json::Value::Array(messages)) => messages.len(),
                _ => 0,
            };
            let added_ids = result
                .iter()
                .filter_map(|item| match item {
                    ResultItem::Control(control_result)
                        if control_result.from_name == chat.name
                            && matches!(control_result.value, ResultValue::ChatMessage(_)) =>
                    {
                        Some(control_result.id.as_deref().unwrap_or_default())
                    }
                    _ => None,
                })
                .collect();
            ChatMessages {
                chat,
                n_task_messages,
                added_ids,
            }
        })
        .collect()
}

/// `maxMessages` is never exceeded by added messages, added messages have distinct ids, and
/// every per-region result on a chat names one of its messages.
fn validate_chats_for_task(
    interface: &Interface,
    data: &serde_json::Map<String, serde_json::Value>,
    result: &[ResultItem],
) -> Result<(), ResultError> {
    let chats = chats_in_result(interface, data, result);
    for chat_messages in &chats {
        let chat = &chat_messages.chat.name;
        let n_added = chat_messages.added_ids.len();
        let distinct: HashSet<&str> = chat_messages.added_ids.iter().copied().collect();
        if distinct.len() != n_added {
            return Err(ResultError::ChatMessageCount {
                chat: chat.clone(),
                message: "two added messages share one id".to_owned(),
            });
        }
        if let Some(task_message) = chat_messages.added_ids.iter().find(|id| {
            (0..chat_messages.n_task_messages)
                .any(|message_idx| chat_message_region_id(chat, message_idx) == **id)
        }) {
            return Err(ResultError::ChatMessageCount {
                chat: chat.clone(),
                message: format!(
                    "an added message has the id \"{task_message}\" of one of the task's own messages"
                ),
            });
        }
        let ObjectKind::Chat { max_messages, .. } = &chat_messages.chat.kind else {
            continue;
        };
        if let Some(max_messages) = max_messages
            && n_added > 0
        {
            let max =
                max_messages
                    .resolve(data)
                    .map_err(|reason| ResultError::ChatMessageCount {
                        chat: chat.clone(),
                        message: format!("maxMessages cannot be read: {reason}"),
                    })?;
            let n_messages = chat_messages.n_task_messages + n_added;
            if n_messages > max as usize {
                return Err(ResultError::ChatMessageCount {
                    chat: chat.clone(),
                    message: format!(
                        "{n_messages} messages ({} from the task, {n_added} added), but maxMessages is {max}",
                        chat_messages.n_task_messages
                    ),
                });
            }
        }
    }
    for (item_idx, item) in result.iter().enumerate() {
        let ResultItem::Control(control_result) = item else {
            continue;
        };
        let Some(control) = interface.control(&control_result.from_name) else {
            continue;
        };
        let Some(chat_messages) = chats
            .iter()
            .find(|chat_messages| chat_messages.chat.name == control_result.to_name)
        else {
            continue;
        };
        if !control.per_region {
            continue;
        }
        let chat = &chat_messages.chat.name;
        let region_id = control_result.id.as_deref().unwrap_or_default();
        let names_a_message = chat_messages.added_ids.contains(&region_id)
            || (0..chat_messages.n_task_messages)
                .any(|message_idx| chat_message_region_id(chat, message_idx) == region_id);
        if !names_a_message {
            return Err(ResultError::InvalidValue {
                item_idx,
                from_name: control.name.clone(),
                message: format!(
                    "\"{region_id}\" is not a message of chat \"{chat}\" (its messages are \"{chat}:0\"..\"{chat}:{}\" and the added messages' ids)",
                    chat_messages.n_task_messages.saturating_sub(1)
                ),
            });
        }
    }
    Ok(())
}

/// Checks what only a submission must satisfy against the task: every `<Chat>` holds at least
/// `minMessages` messages (the task's plus the added ones). Drafts and autosaves may hold fewer,
/// and imported annotations are not held to it (as with `required`). Call after
/// [`validate_result_for_task`].
pub fn validate_submission_for_task(
    interface: &Interface,
    data: &serde_json::Map<String, serde_json::Value>,
    result: &[ResultItem],
) -> Result<(), ResultError> {
    for chat_messages in chats_in_result(interface, data, result) {
        let ObjectKind::Chat {
            min_messages: Some(min_messages),
            ..
        } = &chat_messages.chat.kind
        else {
            continue;
        };
        let chat = &chat_messages.chat.name;
        let min = min_messages
            .resolve(data)
            .map_err(|reason| ResultError::ChatMessageCount {
                chat: chat.clone(),
                message: format!("minMessages cannot be read: {reason}"),
            })?;
        let n_messages = chat_messages.n_task_messages + chat_messages.added_ids.len();
        if n_messages < min as usize {
            return Err(ResultError::ChatMessageCount {
                chat: chat.clone(),
                message: format!(
                    "a submission needs at least {min} messages (minMessages), this one has {n_messages}: add {} more",
                    min as usize - n_messages
                ),
            });
        }
    }
    Ok(())
}

/// How far past the decoded length an audio segment may end, in seconds. The player in the
/// desktop measures the length itself and can differ from the decoder by a frame or two (MP3
/// encoder padding, rounding), and a segment dragged to the very end must still save.
pub const AUDIO_END_TOLERANCE_SECONDS: f64 = 0.1;

/// Checks that audio segments end within the audio they label, for the `Audio` objects whose
/// length is known (`duration_of(object_name)`, in seconds; Gloss knows it once the file's
/// waveform has been computed). Call after [`validate_result_for_task`].
pub fn validate_audio_segments_within(
    interface: &Interface,
    duration_of: impl Fn(&str) -> Option<f64>,
    result: &[ResultItem],
) -> Result<(), ResultError> {
    use crate::config::ObjectKind;
    for (item_idx, item) in result.iter().enumerate() {
        let ResultItem::Control(control_result) = item else {
            continue;
        };
        let ResultValue::Labels(segment) = &control_result.value else {
            continue;
        };
        let is_audio = interface
            .object(&control_result.to_name)
            .is_some_and(|object| matches!(object.kind, ObjectKind::Audio));
        if !is_audio {
            continue;
        }
        let (Some(end), Some(duration)) = (segment.end, duration_of(&control_result.to_name))
        else {
            continue;
        };
        if end > duration + AUDIO_END_TOLERANCE_SECONDS {
            return Err(ResultError::InvalidValue {
                item_idx,
                from_name: control_result.from_name.clone(),
                message: format!(
                    "audio segment ends at {end} s, after the end of the audio ({duration:.3} s)"
                ),
            });
        }
    }
    Ok(())
}
