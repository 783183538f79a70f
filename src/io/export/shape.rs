//! The NLP dataset shapes an `hf` export can take besides classification, and how a task
//! becomes rows of each: token classification, preference pairs, unpaired (KTO) feedback and
//! chat SFT. `conll` reuses the token shape.
//!
//! This module decides which shape a config gives ([`ShapePlan::resolve`]), which columns that
//! shape has, and turns one task's answer into zero or more rows. It writes nothing: `hf.rs`
//! writes the rows and the card, `conll.rs` the CoNLL lines. Offsets and tokens come from
//! `crate::text` and are Unicode code points throughout.
//!
//! Rules, also stated in each dataset card:
//! - **Auto shape** (first that applies): a `Labels` control on a `Text` object → tokens; a
//!   `Pairwise` or `Ranker` control → preference; a `TextArea` with a `Paragraphs` or `Chat`
//!   object → sft; a `Rating`, or a two-option single `Choices` whose options read as a
//!   thumbs pair (up/down, yes/no, good/bad, ...), on a `Text` object while another `Text`
//!   object gives the prompt → unpaired; otherwise classification (the per-control columns).
//! - **Prompt** (preference, unpaired): the text of the first `Text` object, in config order,
//!   that the control does not label; `""` when there is none.
//! - **Ranker pairs**: the ranking is the buckets in config order, each in its saved order (the
//!   list's own key when the Ranker has no buckets); `best-vs-worst` gives one pair (first,
//!   last), `all` every ordered pair. An item's text is its `body`, else its `title`.
//! - **Unpaired label**: a rating is good (`true`) above the midpoint of 1..=maxRating (4 and 5
//!   of 5); a two-option choice is good when it is the positive word of a thumbs pair, else
//!   when it is the first option.
//! - **SFT roles**: `system` stays; `assistant`, `bot`, `ai`, `agent`, `model`, `gpt`,
//!   `chatbot`, `llm` become `assistant`; every other speaker is `user`. Messages the annotator
//!   added to a `Chat` (`chatmessage` results) follow the task's own, in the order saved, with
//!   the role they were given; then the `TextArea` answer, when there is one, as the last
//!   `assistant` message. `--hf-shape sft` also takes a `Chat` without a `TextArea` (rows are
//!   the tasks where the annotator added messages); auto needs the `TextArea`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ExportError;
use super::ExportTask;
use super::hf::Feature;
use crate::config::{ControlKind, ControlTag, Interface, ObjectKind, ObjectTag};
use crate::result::{ResultItem, ResultValue};
use crate::text::{self, LabelledSpan, Tokenizer};

/// `--hf-shape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HfShape {
    /// Chosen from the config (see the module documentation).
    #[default]
    Auto,
    /// One column per data field and per control (the shape before issue 3).
    Classification,
    /// `{text, tokens, ner_tags, spans[, relations]}`.
    Tokens,
    /// `{prompt, chosen, rejected}` (TRL's preference format).
    Preference,
    /// `{prompt, completion, label}` (TRL's unpaired preference / KTO format).
    Unpaired,
    /// `{messages: [{role, content}]}` (TRL's conversational format).
    Sft,
    /// Object detection in `imagefolder` layout (`{file_name, objects: {bbox, category}}`);
    /// written by `hf_objects.rs`, not by this module.
    Objects,
}

impl HfShape {
    pub fn name(self) -> &'static str {
        match self {
            HfShape::Auto => "auto",
            HfShape::Classification => "classification",
            HfShape::Tokens => "tokens",
            HfShape::Preference => "preference",
            HfShape::Unpaired => "unpaired",
            HfShape::Sft => "sft",
            HfShape::Objects => "objects",
        }
    }
}

/// `--pairs`: which preference pairs a ranking gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RankerPairs {
    /// One pair per task: the first-ranked item against the last.
    #[default]
    BestVsWorst,
    /// Every pair `(i, j)` with `i` ranked above `j`: n·(n−1)/2 per task.
    All,
}

impl RankerPairs {
    pub fn name(self) -> &'static str {
        match self {
            RankerPairs::BestVsWorst => "best-vs-worst",
            RankerPairs::All => "all",
        }
    }
}

/// The options that shape NLP exports: `--hf-shape`, `--tokenizer`, `--pairs`, `--provenance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShapeOptions {
    pub hf_shape: HfShape,
    pub tokenizer: Tokenizer,
    pub pairs: RankerPairs,
    /// `--provenance`: the `hf` JSONL rows also say who and what stands behind each answer
    /// (`annotator`, `annotators`, `agreement`, `config_version`, `guideline_version`,
    /// `annotated_at`; see `hf.rs`).
    pub provenance: bool,
    /// `--consensus-method` (with `--only consensus`, every format): how a single-choice
    /// `<Choices>` reaches its consensus answer (`select.rs`); the default is the strict majority.
    pub consensus_method: crate::qc::project_aggregation::AggregationMethod,
}

/// A shape resolved against a config: which objects and controls feed which column.
#[derive(Debug)]
pub(crate) enum ShapePlan {
    Tokens(TokensPlan),
    Preference(PreferencePlan),
    Unpaired(UnpairedPlan),
    Sft(SftPlan),
}

#[derive(Debug)]
pub(crate) struct TokensPlan {
    text_object: String,
    text_field: String,
    controls: Vec<String>,
    /// Span labels, in config order: `ner_tags` names are `O` then `B-`/`I-` of each.
    pub(crate) labels: Vec<String>,
    has_relations: bool,
    pub(crate) tokenizer: Tokenizer,
}

#[derive(Debug)]
pub(crate) struct PreferencePlan {
    control: String,
    prompt_field: Option<String>,
    source: PreferenceSource,
}

#[derive(Debug)]
enum PreferenceSource {
    Pairwise {
        left_field: Option<String>,
        right_field: Option<String>,
    },
    Ranker {
        list_object: String,
        list_field: Option<String>,
        buckets: Vec<String>,
        pairs: RankerPairs,
    },
}

#[derive(Debug)]
pub(crate) struct UnpairedPlan {
    control: String,
    prompt_field: Option<String>,
    completion_field: Option<String>,
    judge: Judge,
}

#[derive(Debug)]
enum Judge {
    /// Good when the rating is above the midpoint of 1..=max.
    Rating { max_rating: u32 },
    /// Good when this option is chosen.
    Choice { positive: String, negative: String },
}

#[derive(Debug)]
pub(crate) struct SftPlan {
    /// The whole-task `TextArea` whose text is the final answer; `None` for a `Chat` alone.
    control: Option<String>,
    conversation: Conversation,
}

#[derive(Debug)]
enum Conversation {
    Paragraphs {
        field: Option<String>,
        name_key: String,
        text_key: String,
    },
    Chat {
        field: Option<String>,
        /// The chat's name: added messages are the `chatmessage` results naming it.
        name: String,
    },
    /// A plain text object: one user message.
    Text {
        field: Option<String>,
    },
    None,
}

/// Words that make a two-option `Choices` a thumbs pair: (positive, negative).
const THUMBS_PAIRS: &[(&str, &str)] = &[
    ("up", "down"),
    ("thumbs up", "thumbs down"),
    ("👍", "👎"),
    ("yes", "no"),
    ("good", "bad"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("positive", "negative"),
    ("like", "dislike"),
    ("helpful", "unhelpful"),
    ("helpful", "not helpful"),
    ("correct", "incorrect"),
    ("true", "false"),
    ("pass", "fail"),
];

const ASSISTANT_NAMES: &[&str] = &[
    "assistant",
    "bot",
    "ai",
    "agent",
    "model",
    "gpt",
    "chatbot",
    "llm",
];

impl ShapePlan {
    /// The shape this config gives for `--hf-shape`; `None` is the classification shape.
    pub(crate) fn resolve(
        interface: &Interface,
        options: &ShapeOptions,
    ) -> Result<Option<ShapePlan>, ExportError> {
        let unavailable = |shape: HfShape, needs: &str| {
            ExportError::BadOption(format!(
                "--hf-shape {}: this config has no {needs}",
                shape.name()
            ))
        };
        match options.hf_shape {
            HfShape::Classification => Ok(None),
            HfShape::Tokens => tokens_plan(interface, options.tokenizer)
                .map(|plan| Some(ShapePlan::Tokens(plan)))
                .ok_or_else(|| unavailable(HfShape::Tokens, "Labels control on a Text object")),
            HfShape::Preference => preference_plan(interface, options.pairs)
                .map(|plan| Some(ShapePlan::Preference(plan)))
                .ok_or_else(|| unavailable(HfShape::Preference, "Pairwise or Ranker control")),
            HfShape::Unpaired => unpaired_plan(interface, false)
                .map(|plan| Some(ShapePlan::Unpaired(plan)))
                .ok_or_else(|| {
                    unavailable(
                        HfShape::Unpaired,
                        "Rating control or single Choices control with two options",
                    )
                }),
            HfShape::Sft => sft_plan(interface, false)
                .map(|plan| Some(ShapePlan::Sft(plan)))
                .ok_or_else(|| unavailable(HfShape::Sft, "TextArea control")),
            // `export_project_with` sends this shape to `hf_objects.rs` before getting here.
            HfShape::Objects => Err(ExportError::BadOption(
                "--hf-shape objects is written by the object-detection exporter".to_owned(),
            )),
            HfShape::Auto => Ok(tokens_plan(interface, options.tokenizer)
                .map(ShapePlan::Tokens)
                .or_else(|| preference_plan(interface, options.pairs).map(ShapePlan::Preference))
                .or_else(|| sft_plan(interface, true).map(ShapePlan::Sft))
                .or_else(|| unpaired_plan(interface, true).map(ShapePlan::Unpaired))),
        }
    }

    pub(crate) fn shape(&self) -> HfShape {
        match self {
            ShapePlan::Tokens(_) => HfShape::Tokens,
            ShapePlan::Preference(_) => HfShape::Preference,
            ShapePlan::Unpaired(_) => HfShape::Unpaired,
            ShapePlan::Sft(_) => HfShape::Sft,
        }
    }

    /// The dataset's columns: name, feature, and the sentence the card says about it.
    pub(crate) fn columns(&self) -> Vec<(String, Feature, String)> {
        let string = |name: &str, description: &str| {
            (name.to_owned(), Feature::String, description.to_owned())
        };
        match self {
            ShapePlan::Tokens(plan) => {
                let mut columns = vec![
                    string(
                        "text",
                        &format!(
                            "the labelled text (task field `{}`); span offsets index it",
                            plan.text_field
                        ),
                    ),
                    (
                        "tokens".to_owned(),
                        Feature::SequenceOfString,
                        format!(
                            "the text split by the {} tokenizer ({})",
                            plan.tokenizer.name(),
                            plan.tokenizer.description()
                        ),
                    ),
                    (
                        "ner_tags".to_owned(),
                        Feature::SequenceOfClassLabel(text::iob2_names(
                            plan.labels.iter().map(String::as_str),
                        )),
                        "one IOB2 tag per token. A token is inside a span when it shares at least \
                         one character with it. Where spans overlap, the span that starts first \
                         wins (of those starting together, the longest); the other span tags \
                         only the tokens the winner leaves, and `spans` keeps every span. \
                         Adjacent spans with the same label start a new entity (`B-X B-X`)"
                            .to_owned(),
                    ),
                    (
                        "spans".to_owned(),
                        Feature::ListOfStruct(vec![
                            ("start".to_owned(), Feature::Int32),
                            ("end".to_owned(), Feature::Int32),
                            ("label".to_owned(), Feature::String),
                        ]),
                        "every labelled span: `start`/`end` are Unicode code-point offsets, so \
                         `text[start:end]` in Python is the span's text; a span with several \
                         labels appears once per label; ordered by start, then longest first"
                            .to_owned(),
                    ),
                ];
                if plan.has_relations {
                    columns.push((
                        "relations".to_owned(),
                        Feature::ListOfStruct(vec![
                            ("from".to_owned(), Feature::Int32),
                            ("to".to_owned(), Feature::Int32),
                            ("label".to_owned(), Feature::String),
                            ("direction".to_owned(), Feature::String),
                        ]),
                        "relations between spans: `from`/`to` index `spans` (the first entry of \
                         a span with several labels), `direction` is right, left or bi, one \
                         entry per relation label (`label` null when it has none)"
                            .to_owned(),
                    ));
                }
                columns
            }
            ShapePlan::Preference(plan) => {
                let (chosen, rejected) = match &plan.source {
                    PreferenceSource::Pairwise { .. } => (
                        format!(
                            "the text of the object the `{}` choice selected",
                            plan.control
                        ),
                        "the text of the other object".to_owned(),
                    ),
                    PreferenceSource::Ranker { pairs, .. } => (
                        format!(
                            "the item ranked higher by `{}` (item `body`, else `title`); pairs: \
                             {}",
                            plan.control,
                            match pairs {
                                RankerPairs::BestVsWorst => "best against worst, one per task",
                                RankerPairs::All => "every ranked pair",
                            }
                        ),
                        "the item ranked lower".to_owned(),
                    ),
                };
                vec![
                    string("prompt", &prompt_description(&plan.prompt_field)),
                    string("chosen", &chosen),
                    string("rejected", &rejected),
                ]
            }
            ShapePlan::Unpaired(plan) => {
                let rule = match &plan.judge {
                    Judge::Rating { max_rating } => format!(
                        "`true` when the `{}` rating is above the midpoint of 1..{max_rating} \
                         (greater than {})",
                        plan.control,
                        f64::from(max_rating + 1) / 2.0
                    ),
                    Judge::Choice { positive, negative } => format!(
                        "`true` when `{}` is \"{positive}\", `false` when it is \"{negative}\"",
                        plan.control
                    ),
                };
                vec![
                    string("prompt", &prompt_description(&plan.prompt_field)),
                    string(
                        "completion",
                        &format!(
                            "the task's `{}` text",
                            plan.completion_field.as_deref().unwrap_or("")
                        ),
                    ),
                    ("label".to_owned(), Feature::Bool, rule),
                ]
            }
            ShapePlan::Sft(plan) => {
                let source = match &plan.conversation {
                    Conversation::Paragraphs { field, .. } => format!(
                        "the `{}` dialogue",
                        field.as_deref().unwrap_or("Paragraphs")
                    ),
                    Conversation::Chat { field, .. } => format!(
                        "the `{}` chat with the messages the annotator added",
                        field.as_deref().unwrap_or("Chat")
                    ),
                    Conversation::Text { field } => format!(
                        "the `{}` text as one user message",
                        field.as_deref().unwrap_or("Text")
                    ),
                    Conversation::None => "no conversation".to_owned(),
                };
                vec![(
                    "messages".to_owned(),
                    Feature::ListOfStruct(vec![
                        ("role".to_owned(), Feature::String),
                        ("content".to_owned(), Feature::String),
                    ]),
                    format!(
                        "{source}{}. Roles: `system` stays; {} become `assistant`; every other \
                         speaker is `user`",
                        plan.control
                            .as_ref()
                            .map_or(String::new(), |control| format!(
                                ", then the `{control}` answer as the last `assistant` message"
                            )),
                        ASSISTANT_NAMES.join(", ")
                    ),
                )]
            }
        }
    }

    /// The card's `task_categories`.
    pub(crate) fn task_category(&self) -> &'static str {
        match self {
            ShapePlan::Tokens(_) => "token-classification",
            _ => "text-generation",
        }
    }

    /// What one row is, for the card.
    pub(crate) fn row_description(&self) -> &'static str {
        match self {
            ShapePlan::Tokens(_) => "Each row is one task's text with its spans.",
            ShapePlan::Preference(plan) => match plan.source {
                PreferenceSource::Pairwise { .. } => "Each row is one task's pairwise choice.",
                PreferenceSource::Ranker { .. } => {
                    "Each row is one pair from one task's ranking; a task gives several rows \
                     with `--pairs all`."
                }
            },
            ShapePlan::Unpaired(_) => "Each row is one task's judged completion.",
            ShapePlan::Sft(_) => "Each row is one task's conversation with its written answer.",
        }
    }

    /// The rows one task gives (none when the task has no answer for the shape's control).
    pub(crate) fn rows(&self, task: &ExportTask, result: &[ResultItem]) -> Vec<Map<String, Value>> {
        match self {
            ShapePlan::Tokens(plan) => plan
                .row(task, result)
                .map(|row| row.into_json(plan.has_relations))
                .into_iter()
                .collect(),
            ShapePlan::Preference(plan) => plan.rows(task, result),
            ShapePlan::Unpaired(plan) => plan.row(task, result).into_iter().collect(),
            ShapePlan::Sft(plan) => plan.row(task, result).into_iter().collect(),
        }
    }
}

fn prompt_description(prompt_field: &Option<String>) -> String {
    match prompt_field {
        Some(field) => {
            format!("the task's `{field}` text (the first Text object the control does not label)")
        }
        None => "empty: the config has no other Text object to take a prompt from".to_owned(),
    }
}

/// The first `Labels` control on a `Text` object; every `Labels` control on that object
/// contributes its labels.
pub(crate) fn tokens_plan(interface: &Interface, tokenizer: Tokenizer) -> Option<TokensPlan> {
    let text_object = interface.controls.iter().find_map(|control| {
        if !matches!(control.kind, ControlKind::Labels { .. }) {
            return None;
        }
        let object = interface.object(control.to_name.first()?)?;
        matches!(object.kind, ObjectKind::Text { .. }).then_some(object)
    })?;
    let mut controls = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for control in &interface.controls {
        if let ControlKind::Labels {
            labels: options, ..
        } = &control.kind
            && control.to_name.contains(&text_object.name)
        {
            controls.push(control.name.clone());
            for option in options {
                let label = option.result_value().to_owned();
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
        }
    }
    Some(TokensPlan {
        text_object: text_object.name.clone(),
        text_field: text_object
            .data_field
            .clone()
            .unwrap_or_else(|| text_object.name.clone()),
        controls,
        labels,
        has_relations: interface
            .controls
            .iter()
            .any(|control| matches!(control.kind, ControlKind::Relations { .. })),
        tokenizer,
    })
}

/// One task as tokens, tags, spans and relations.
#[derive(Debug)]
pub(crate) struct TokensRow {
    pub(crate) text: String,
    pub(crate) tokens: Vec<String>,
    pub(crate) tags: Vec<String>,
    spans: Vec<(usize, usize, String)>,
    relations: Vec<(usize, usize, Option<String>, String)>,
}

impl TokensRow {
    fn into_json(self, has_relations: bool) -> Map<String, Value> {
        let mut row = Map::new();
        row.insert("text".to_owned(), Value::from(self.text));
        row.insert("tokens".to_owned(), Value::from(self.tokens));
        row.insert("ner_tags".to_owned(), Value::from(self.tags));
        row.insert(
            "spans".to_owned(),
            Value::from(
                self.spans
                    .into_iter()
                    .map(|(start, end, label)| json!({"start": start, "end": end, "label": label}))
                    .collect::<Vec<_>>(),
            ),
        );
        if has_relations {
            row.insert(
                "relations".to_owned(),
                Value::from(
                    self.relations
                        .into_iter()
                        .map(|(from, to, label, direction)| {
                            json!({"from": from, "to": to, "label": label, "direction": direction})
                        })
                        .collect::<Vec<_>>(),
                ),
            );
        }
        row
    }
}

impl TokensPlan {
    /// The task's text, tokens and tags; `None` when the task has no text to tag. Spans with
    /// offsets outside the text are clamped to it; spans without offsets are skipped.
    pub(crate) fn row(&self, task: &ExportTask, result: &[ResultItem]) -> Option<TokensRow> {
        let text = data_text(task, Some(&self.text_field))?;
        let n_chars = text::char_len(&text);
        // (region id, start, end, labels) in result order.
        let mut regions: Vec<(Option<&str>, usize, usize, &[String])> = Vec::new();
        for item in result {
            let ResultItem::Control(control_result) = item else {
                continue;
            };
            if !self.controls.contains(&control_result.from_name)
                || control_result.to_name != self.text_object
            {
                continue;
            }
            let ResultValue::Labels(span) = &control_result.value else {
                continue;
            };
            let (Some(start), Some(end)) = (span.start, span.end) else {
                continue;
            };
            let clamp = |offset: f64| (offset.max(0.0) as usize).min(n_chars);
            let (start, end) = (clamp(start), clamp(end));
            if start > end {
                continue;
            }
            regions.push((control_result.id.as_deref(), start, end, &span.labels));
        }
        regions.sort_by_key(|(_, start, end, _)| (*start, std::cmp::Reverse(*end)));
        let mut spans = Vec::new();
        let mut span_of_region: HashMap<&str, usize> = HashMap::new();
        for (id, start, end, labels) in &regions {
            if let Some(id) = id {
                span_of_region.entry(id).or_insert(spans.len());
            }
            for label in *labels {
                spans.push((*start, *end, label.clone()));
            }
        }
        let mut relations = Vec::new();
        for item in result {
            let ResultItem::Relation(relation) = item else {
                continue;
            };
            let (Some(&from), Some(&to)) = (
                span_of_region.get(relation.from_id.as_str()),
                span_of_region.get(relation.to_id.as_str()),
            ) else {
                continue;
            };
            if relation.labels.is_empty() {
                relations.push((from, to, None, relation.direction.clone()));
            }
            for label in &relation.labels {
                relations.push((from, to, Some(label.clone()), relation.direction.clone()));
            }
        }
        let tokens = text::tokenize(&text, self.tokenizer);
        let labelled: Vec<LabelledSpan<'_>> = spans
            .iter()
            .map(|(start, end, label)| LabelledSpan {
                start: *start,
                end: *end,
                label,
            })
            .collect();
        let tags = text::iob2_tags(&tokens, &labelled);
        let tokens = tokens.iter().map(|token| token.text.to_owned()).collect();
        Some(TokensRow {
            tokens,
            tags,
            spans,
            relations,
            text,
        })
    }
}

/// The first `Pairwise` or `Ranker` control.
fn preference_plan(interface: &Interface, pairs: RankerPairs) -> Option<PreferencePlan> {
    interface.controls.iter().find_map(|control| {
        let source = match &control.kind {
            ControlKind::Pairwise => PreferenceSource::Pairwise {
                left_field: object_field(interface, control.to_name.first()?),
                right_field: object_field(interface, control.to_name.get(1)?),
            },
            ControlKind::Ranker { buckets } => PreferenceSource::Ranker {
                list_object: control.to_name.first()?.clone(),
                list_field: object_field(interface, control.to_name.first()?),
                buckets: buckets.iter().map(|bucket| bucket.name.clone()).collect(),
                pairs,
            },
            _ => return None,
        };
        Some(PreferencePlan {
            control: control.name.clone(),
            prompt_field: prompt_field(interface, control),
            source,
        })
    })
}

impl PreferencePlan {
    fn rows(&self, task: &ExportTask, result: &[ResultItem]) -> Vec<Map<String, Value>> {
        let prompt = data_text(task, self.prompt_field.as_ref()).unwrap_or_default();
        let row = |chosen: String, rejected: String| {
            let mut row = Map::new();
            row.insert("prompt".to_owned(), Value::from(prompt.clone()));
            row.insert("chosen".to_owned(), Value::from(chosen));
            row.insert("rejected".to_owned(), Value::from(rejected));
            row
        };
        let Some(value) = control_result(result, &self.control) else {
            return Vec::new();
        };
        match (&self.source, value) {
            (
                PreferenceSource::Pairwise {
                    left_field,
                    right_field,
                },
                ResultValue::Pairwise(pairwise),
            ) => {
                let left = data_text(task, left_field.as_ref()).unwrap_or_default();
                let right = data_text(task, right_field.as_ref()).unwrap_or_default();
                match pairwise.selected.as_str() {
                    "left" => vec![row(left, right)],
                    "right" => vec![row(right, left)],
                    _ => Vec::new(),
                }
            }
            (
                PreferenceSource::Ranker {
                    list_object,
                    list_field,
                    buckets,
                    pairs,
                },
                ResultValue::Ranker(ranker),
            ) => {
                let item_texts = list_item_texts(task, list_field.as_ref());
                let ranked_ids: Vec<&String> = if buckets.is_empty() {
                    ranker
                        .ranker
                        .get(list_object)
                        .into_iter()
                        .flatten()
                        .collect()
                } else {
                    buckets
                        .iter()
                        .filter_map(|bucket| ranker.ranker.get(bucket))
                        .flatten()
                        .collect()
                };
                let ranked: Vec<&String> = ranked_ids
                    .into_iter()
                    .filter_map(|id| item_texts.get(id.as_str()))
                    .collect();
                if ranked.len() < 2 {
                    return Vec::new();
                }
                match pairs {
                    RankerPairs::BestVsWorst => {
                        vec![row(ranked[0].clone(), ranked[ranked.len() - 1].clone())]
                    }
                    RankerPairs::All => {
                        let mut rows = Vec::new();
                        for better_idx in 0..ranked.len() {
                            for worse_idx in better_idx + 1..ranked.len() {
                                rows.push(row(
                                    ranked[better_idx].clone(),
                                    ranked[worse_idx].clone(),
                                ));
                            }
                        }
                        rows
                    }
                }
            }
            _ => Vec::new(),
        }
    }
}

/// The text of each item of a `List` (`[{id, title, body}]`), by id: its `body`, else `title`.
fn list_item_texts(task: &ExportTask, list_field: Option<&String>) -> HashMap<String, String> {
    let mut texts = HashMap::new();
    let Some(Value::Array(items)) = list_field.and_then(|field| task.data.get(field)) else {
        return texts;
    };
    for item in items {
        let Some(id) = item.get("id") else {
            continue;
        };
        let id = match id {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        };
        let text = ["body", "title"]
            .iter()
            .find_map(|key| item.get(*key).filter(|value| !value.is_null()))
            .map(value_text)
            .unwrap_or_default();
        texts.insert(id, text);
    }
    texts
}

/// The first `Rating`, or two-option single `Choices`, on an object. With `auto`, only on a
/// `Text` object with another `Text` object for the prompt, and only thumbs-pair choices.
fn unpaired_plan(interface: &Interface, auto: bool) -> Option<UnpairedPlan> {
    interface.controls.iter().find_map(|control| {
        let judge = match &control.kind {
            ControlKind::Rating { max_rating } => Judge::Rating {
                max_rating: *max_rating,
            },
            ControlKind::Choices {
                multiple: false,
                options,
                dynamic_options_field: None,
                ..
            } if options.len() == 2 => {
                let first = options[0].result_value().to_owned();
                let second = options[1].result_value().to_owned();
                match thumbs_polarity(&first, &second) {
                    Some(true) => Judge::Choice {
                        positive: first,
                        negative: second,
                    },
                    Some(false) => Judge::Choice {
                        positive: second,
                        negative: first,
                    },
                    None if auto => return None,
                    None => Judge::Choice {
                        positive: first,
                        negative: second,
                    },
                }
            }
            _ => return None,
        };
        let completion_object = interface.object(control.to_name.first()?)?;
        let prompt_field = prompt_field(interface, control);
        if auto
            && (!matches!(completion_object.kind, ObjectKind::Text { .. })
                || prompt_field.is_none())
        {
            return None;
        }
        Some(UnpairedPlan {
            control: control.name.clone(),
            prompt_field,
            completion_field: completion_object.data_field.clone(),
            judge,
        })
    })
}

/// `Some(true)` when `first` is the positive word of a thumbs pair and `second` its negative,
/// `Some(false)` the other way round, `None` when the two are not a known pair.
fn thumbs_polarity(first: &str, second: &str) -> Option<bool> {
    let normalise = |word: &str| word.trim().to_lowercase().replace(['-', '_'], " ");
    let (first, second) = (normalise(first), normalise(second));
    THUMBS_PAIRS.iter().find_map(|(positive, negative)| {
        if first == *positive && second == *negative {
            Some(true)
        } else if first == *negative && second == *positive {
            Some(false)
        } else {
            None
        }
    })
}

impl UnpairedPlan {
    fn row(&self, task: &ExportTask, result: &[ResultItem]) -> Option<Map<String, Value>> {
        let label = match (&self.judge, control_result(result, &self.control)?) {
            (Judge::Rating { max_rating }, ResultValue::Rating(rating)) => {
                rating.rating * 2 > max_rating + 1
            }
            (Judge::Choice { positive, negative }, ResultValue::Choices(choices)) => {
                let choice = choices.choices.first()?;
                if choice == positive {
                    true
                } else if choice == negative {
                    false
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        let mut row = Map::new();
        row.insert(
            "prompt".to_owned(),
            Value::from(data_text(task, self.prompt_field.as_ref()).unwrap_or_default()),
        );
        row.insert(
            "completion".to_owned(),
            Value::from(data_text(task, self.completion_field.as_ref()).unwrap_or_default()),
        );
        row.insert("label".to_owned(), Value::from(label));
        Some(row)
    }
}

/// The first whole-task `TextArea`, with the first `Paragraphs` or `Chat` object (with
/// `auto`, required; otherwise falling back to the first `Text` object). Without `auto`, a
/// `Chat` alone will do: the conversation with the messages the annotator added.
fn sft_plan(interface: &Interface, auto: bool) -> Option<SftPlan> {
    let control = interface.controls.iter().find(|control| {
        matches!(control.kind, ControlKind::TextArea { .. }) && !control.per_region
    });
    let has_chat = interface
        .objects
        .iter()
        .any(|object| matches!(object.kind, ObjectKind::Chat { .. }));
    if control.is_none() && (auto || !has_chat) {
        return None;
    }
    let conversation = interface
        .objects
        .iter()
        .find_map(|object| match &object.kind {
            ObjectKind::Paragraphs {
                name_key, text_key, ..
            } => Some(Conversation::Paragraphs {
                field: object.data_field.clone(),
                name_key: name_key.clone(),
                text_key: text_key.clone(),
            }),
            ObjectKind::Chat { .. } => Some(Conversation::Chat {
                field: object.data_field.clone(),
                name: object.name.clone(),
            }),
            _ => None,
        });
    let conversation = match conversation {
        Some(conversation) => conversation,
        None if auto => return None,
        None => interface
            .objects
            .iter()
            .find(|object| matches!(object.kind, ObjectKind::Text { .. }))
            .map_or(Conversation::None, |object| Conversation::Text {
                field: object.data_field.clone(),
            }),
    };
    Some(SftPlan {
        control: control.map(|control| control.name.clone()),
        conversation,
    })
}

impl SftPlan {
    fn row(&self, task: &ExportTask, result: &[ResultItem]) -> Option<Map<String, Value>> {
        let answer = match self
            .control
            .as_ref()
            .and_then(|control| control_result(result, control))
        {
            Some(ResultValue::TextArea(answer)) => Some(answer),
            _ => None,
        };
        let added: Vec<(&str, &str)> = match &self.conversation {
            Conversation::Chat { name, .. } => result
                .iter()
                .filter_map(|item| match item {
                    ResultItem::Control(control_result) if &control_result.from_name == name => {
                        match &control_result.value {
                            ResultValue::ChatMessage(added) => Some((
                                added.chatmessage.role.as_str(),
                                added.chatmessage.content.as_str(),
                            )),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if answer.is_none() && added.is_empty() {
            return None;
        }
        let message = |role: &str, content: String| json!({"role": role, "content": content});
        let mut messages: Vec<Value> = Vec::new();
        let turns = |field: &Option<String>| match field.as_ref().and_then(|f| task.data.get(f)) {
            Some(Value::Array(turns)) => turns.clone(),
            _ => Vec::new(),
        };
        match &self.conversation {
            Conversation::Paragraphs {
                field,
                name_key,
                text_key,
            } => {
                for turn in turns(field) {
                    let speaker = first_text(&turn, &[name_key, "role", "author"]);
                    let content = first_text(&turn, &[text_key, "content", "text"]);
                    messages.push(message(chat_role(&speaker), content));
                }
            }
            Conversation::Chat { field, .. } => {
                for turn in turns(field) {
                    let role = first_text(&turn, &["role", "author"]);
                    let content = first_text(&turn, &["content", "text"]);
                    messages.push(message(chat_role(&role), content));
                }
                for (role, content) in &added {
                    messages.push(message(chat_role(role), (*content).to_owned()));
                }
            }
            Conversation::Text { field } => {
                if let Some(text) = data_text(task, field.as_ref()) {
                    messages.push(message("user", text));
                }
            }
            Conversation::None => {}
        }
        if let Some(answer) = answer {
            messages.push(message("assistant", answer.text.join("\n")));
        }
        let mut row = Map::new();
        row.insert("messages".to_owned(), Value::from(messages));
        Some(row)
    }
}

/// The first of these keys the turn has, as text (`""` when none).
fn first_text(turn: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|key| turn.get(*key).filter(|value| !value.is_null()))
        .map(value_text)
        .unwrap_or_default()
}

/// A speaker name as a chat role (see the module documentation).
fn chat_role(speaker: &str) -> &'static str {
    let speaker = speaker.trim().to_lowercase();
    if speaker == "system" {
        "system"
    } else if ASSISTANT_NAMES.contains(&speaker.as_str()) {
        "assistant"
    } else {
        "user"
    }
}

/// The data field of the first `Text` object, in config order, that `control` does not label.
fn prompt_field(interface: &Interface, control: &ControlTag) -> Option<String> {
    interface
        .objects
        .iter()
        .filter(|object| matches!(object.kind, ObjectKind::Text { .. }))
        .find(|object| !control.to_name.contains(&object.name))
        .and_then(|object: &ObjectTag| object.data_field.clone())
}

fn object_field(interface: &Interface, object_name: &str) -> Option<String> {
    Some(
        interface
            .object(object_name)?
            .data_field
            .clone()
            .unwrap_or_default(),
    )
}

/// The value of `control`'s (first) result item.
fn control_result<'a>(result: &'a [ResultItem], control: &str) -> Option<&'a ResultValue> {
    result.iter().find_map(|item| match item {
        ResultItem::Control(control_result) if control_result.from_name == control => {
            Some(&control_result.value)
        }
        _ => None,
    })
}

/// A data field as text: strings as they are, anything else as JSON text.
fn data_text(task: &ExportTask, field: Option<&String>) -> Option<String> {
    task.data.get(field?).map(value_text)
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
