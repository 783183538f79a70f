//! The typed labelling interface: what a parsed labelling config *is*.
//!
//! The parser (`config::parse`) builds these types once, in Rust; the desktop UI receives them
//! over IPC (TypeScript bindings are generated from this file) and renders them without ever
//! looking at XML. The store and the annotation validator read the same types to check results.
//! This module owns only data and small lookups; it never parses and never touches SQL.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A whole labelling config, parsed and validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Interface {
    /// The layout tree, rooted at the outermost `View`. The UI renders this tree in order.
    pub root: LayoutNode,
    /// Every object tag (what displays task data), in document order.
    pub objects: Vec<ObjectTag>,
    /// Every control tag (what produces results), in document order.
    pub controls: Vec<ControlTag>,
}

/// One node of the layout tree. Object and control nodes refer to entries of
/// `Interface::objects` / `Interface::controls` by their unique `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum LayoutNode {
    /// `<View>`: a container. `style` is the inline CSS as written; the UI applies it inside the
    /// task panel only.
    View {
        style: Option<String>,
        class_name: Option<String>,
        children: Vec<LayoutNode>,
        /// `visibleWhen="region-selected" | "no-region-selected"` (with `whenRole`): shown only
        /// while the selection matches. Other `visibleWhen` conditions are not applied yet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        visible_when: Option<VisibleWhen>,
    },
    /// `<Header value="...">`: a heading. `value` may contain `$field` references.
    Header { value: String, size: Option<u8> },
    /// `<Style>`: CSS text that applies inside the task panel only.
    Style { css: String },
    /// `<Collapse>`: sections that can be folded away.
    Collapse { sections: Vec<CollapsePanel> },
    /// An object tag, by name.
    Object { name: String },
    /// A control tag, by name.
    Control { name: String },
}

/// When a `<View visibleWhen=...>` is shown. Generic over modalities: "a region" is any region
/// of any object (a span, a box, a chat message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "condition", rename_all = "snake_case")]
pub enum VisibleWhen {
    /// Some region is selected; with `when_role` (`whenRole`), it must be a chat message with
    /// that role.
    RegionSelected { when_role: Option<String> },
    /// No region is selected.
    NoRegionSelected,
}

/// One `<Panel value="...">` inside a `<Collapse>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CollapsePanel {
    pub title: String,
    pub children: Vec<LayoutNode>,
}

/// Where in the config file a tag starts (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SourcePosition {
    pub line: u32,
    pub column: u32,
}

/// A tag that displays task data: `Text`, `HyperText`, `Image`, `Audio`, `Paragraphs`, `Chat`,
/// `List`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ObjectTag {
    pub name: String,
    pub kind: ObjectKind,
    /// The `value` attribute as written, e.g. `"$text"` or a literal string.
    pub value: String,
    /// The task data field that `value` references (`"text"` for `"$text"`), if it references one.
    pub data_field: Option<String>,
    pub position: SourcePosition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjectKind {
    /// `granularity` is `"symbol"` (default) or `"word"`.
    Text {
        granularity: TextGranularity,
    },
    /// Rendered only after sanitising. `inline` is kept as written for a lossless config, but
    /// Gloss renders every HyperText inline: Label Studio's non-inline mode is an iframe, which
    /// here would add a second document to secure for nothing, since the sanitiser already
    /// removes scripts, handlers and remote loads and the task panel's shadow root keeps the
    /// content's styles in.
    HyperText {
        inline: bool,
    },
    Image {
        zoom: bool,
    },
    Audio,
    /// `layout="dialogue"` shows speaker names; `name_key`/`text_key` pick the fields of each
    /// paragraph (Label Studio's `nameKey`/`textKey`, default `author`/`text`).
    Paragraphs {
        dialogue_layout: bool,
        name_key: String,
        text_key: String,
    },
    /// Label Studio's chat display. Annotators may add messages (stored as `chatmessage`
    /// results named after the chat); each message, the task's own and the added ones, is a
    /// region that `perRegion` controls labelling the chat attach to (region ids: see
    /// `crate::annotation`).
    Chat {
        /// `messageRoles`: the roles an added message may have (default `user`, `assistant`).
        message_roles: Vec<String>,
        /// `editable`: the roles whose *added* messages the annotator may edit afterwards
        /// (`"true"`: every role of `message_roles`; `"false"` or absent: none). Messages that
        /// came with the task are never editable. A rule of the editor; the core stores results.
        editable_roles: Vec<String>,
        /// `minMessages`: a submission needs at least this many messages (the task's plus
        /// the added ones). Drafts may have fewer.
        min_messages: Option<MessageCount>,
        /// `maxMessages`: at most this many messages in all; no message may be added past it.
        max_messages: Option<MessageCount>,
    },
    /// A list of items (`title`, `body`, `id`) for `Ranker`.
    List {
        title: Option<String>,
    },
}

/// A message bound of `<Chat>`: a number written in the config, or a `$field` of the task data
/// (`maxMessages="$max"`) read per task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageCount {
    Count(u32),
    Field(String),
}

impl MessageCount {
    /// The bound for one task: the number, or the task field read as a whole number (a number
    /// or a string of digits). `Err` says why a field does not give one.
    pub fn resolve(
        &self,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<u32, String> {
        match self {
            MessageCount::Count(count) => Ok(*count),
            MessageCount::Field(field) => {
                let value = data
                    .get(field)
                    .ok_or_else(|| format!("the task has no \"{field}\" field"))?;
                let count = match value {
                    // `3.0` counts as 3 (JSON writers differ); `3.5` and negatives do not.
                    serde_json::Value::Number(number) => number.as_u64().or_else(|| {
                        number
                            .as_f64()
                            .filter(|float| float.fract() == 0.0 && *float >= 0.0)
                            .filter(|float| *float <= f64::from(u32::MAX))
                            .map(|float| float as u64)
                    }),
                    serde_json::Value::String(text) => text.trim().parse::<u64>().ok(),
                    _ => None,
                };
                count
                    .and_then(|count| u32::try_from(count).ok())
                    .ok_or_else(|| {
                        format!("the task's \"{field}\" field is {value}, not a whole number")
                    })
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TextGranularity {
    Symbol,
    Word,
}

/// A tag that produces results. `to_name` lists the object (or, for `Relations`, nothing) it
/// labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ControlTag {
    pub name: String,
    pub to_name: Vec<String>,
    /// `required="true"`: a submitted annotation must contain a result for this control.
    pub required: bool,
    /// `perRegion="true"`: the result belongs to a selected region, not to the whole task.
    pub per_region: bool,
    pub kind: ControlKind,
    pub position: SourcePosition,
}

/// The control tags and what each one needs to render and to validate a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ControlKind {
    Choices {
        multiple: bool,
        show_inline: bool,
        options: Vec<ChoiceOption>,
        /// `value="$field"` on `<Choices>` (Label Studio's dynamic choices): the options come
        /// from this task data field instead of (or in addition to) `<Choice>` children.
        dynamic_options_field: Option<String>,
    },
    /// Span labels on `Text`/`HyperText`, segment labels on `Audio`.
    Labels {
        multiple: bool,
        labels: Vec<LabelOption>,
    },
    RectangleLabels {
        labels: Vec<LabelOption>,
    },
    PolygonLabels {
        labels: Vec<LabelOption>,
    },
    KeyPointLabels {
        labels: Vec<LabelOption>,
    },
    TextArea {
        placeholder: Option<String>,
        rows: Option<u32>,
        max_submissions: Option<u32>,
        editable: bool,
        /// `<TextArea>` shortcut buttons: `<Shortcut value=".." hotkey=".."/>` children.
        shortcuts: Vec<ChoiceOption>,
    },
    Rating {
        max_rating: u32,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        step: Option<f64>,
    },
    DateTime {
        only: Option<String>,
    },
    /// A tree of choices; each selected path is a list of values from root to leaf.
    Taxonomy {
        options: Vec<TaxonomyOption>,
    },
    /// Choose between exactly two objects (`toName="a,b"`).
    Pairwise,
    /// Order the items of a `List`, optionally into buckets.
    Ranker {
        buckets: Vec<RankerBucket>,
    },
    /// Labels for relations between regions (`<Relations><Relation value=".."/></Relations>`).
    Relations {
        labels: Vec<String>,
    },
}

/// One `<Choice>` (or `<Shortcut>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChoiceOption {
    pub value: String,
    /// Label Studio's `alias`: the value stored in results instead of `value`, when given.
    pub alias: Option<String>,
    /// The key that selects it: the config's `hotkey`, or `None` (the UI assigns 1-9).
    pub hotkey: Option<String>,
    pub background: Option<String>,
    /// The `html` attribute, rendered only after sanitising.
    pub html: Option<String>,
}

/// One `<Label>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LabelOption {
    pub value: String,
    pub alias: Option<String>,
    pub hotkey: Option<String>,
    pub background: Option<String>,
    /// `maxUsages`: how often this label may be used in one annotation.
    pub max_usages: Option<u32>,
}

/// One node of a `<Taxonomy>` tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TaxonomyOption {
    pub value: String,
    pub children: Vec<TaxonomyOption>,
}

/// One `<Bucket>` of a `<Ranker>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RankerBucket {
    pub name: String,
    pub title: Option<String>,
}

impl Interface {
    pub fn control(&self, name: &str) -> Option<&ControlTag> {
        self.controls.iter().find(|control| control.name == name)
    }

    pub fn object(&self, name: &str) -> Option<&ObjectTag> {
        self.objects.iter().find(|object| object.name == name)
    }

    /// The task data fields the config references through `$field` on object tags, in document
    /// order, without duplicates. Every imported task must carry these.
    pub fn data_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        for object in &self.objects {
            if let Some(field) = &object.data_field
                && !fields.contains(field)
            {
                fields.push(field.clone());
            }
        }
        fields
    }
}

impl ChoiceOption {
    /// What a result stores when this choice is selected (`alias` if set, else `value`).
    pub fn result_value(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.value)
    }
}

impl LabelOption {
    pub fn result_value(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.value)
    }
}
