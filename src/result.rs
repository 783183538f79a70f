//! Annotation and prediction results, typed: one enum variant per Label Studio result type.
//!
//! A result is a list of [`ResultItem`]s that serialises to exactly Label Studio's `result`
//! JSON (`id`, `from_name`, `to_name`, `type`, `value`, plus `original_width`/`original_height`
//! for images), so Label Studio exports import and export losslessly. Fields this module does
//! not model are kept in `extra` and written back unchanged. Checking a result against a config
//! lives in `annotation::validate`; this module only owns the shapes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// One element of a Label Studio `result` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum ResultItem {
    /// A relation between two regions: `{"from_id", "to_id", "type": "relation", ...}`.
    Relation(RelationResult),
    /// Every other result: a control's value for an object (or a region of it).
    Control(ControlResult),
}

/// `{"id", "from_name", "to_name", "type", "value", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ControlResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
    pub from_name: String,
    pub to_name: String,
    #[serde(flatten)]
    pub value: ResultValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_height: Option<u32>,
    /// Fields Label Studio writes that Gloss does not interpret (`origin`, `image_rotation`,
    /// `parentID`, ...), kept so export gives back what import took in.
    #[serde(flatten)]
    #[ts(skip)]
    pub extra: Map<String, Value>,
}

/// `type` and `value` of a control result, as Label Studio names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum ResultValue {
    Choices(ChoicesValue),
    Labels(SpanValue),
    RectangleLabels(RectangleValue),
    PolygonLabels(PolygonValue),
    KeyPointLabels(KeyPointValue),
    TextArea(TextAreaValue),
    Rating(RatingValue),
    Number(NumberValue),
    DateTime(DateTimeValue),
    Taxonomy(TaxonomyValue),
    Pairwise(PairwiseValue),
    Ranker(RankerValue),
    /// A message the annotator added to a `<Chat>`: `from_name` and `to_name` are both the
    /// chat's name, and the item's `id` is the message's region id. Boxed: it is the largest
    /// value and the rarest.
    ChatMessage(Box<ChatMessageValue>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChoicesValue {
    pub choices: Vec<String>,
}

/// A span of text (offsets in Unicode code points) or of audio (seconds), with its labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SpanValue {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_offset"
    )]
    pub start: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_offset"
    )]
    pub end: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The audio channel a segment was drawn on (Label Studio writes `0`); kept so audio results
    /// round-trip. Absent for text spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub channel: Option<u32>,
    pub labels: Vec<String>,
}

/// A box in percent of the image size; `rotation` in degrees, clockwise, about the top-left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RectangleValue {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    #[serde(default)]
    pub rotation: f64,
    pub rectanglelabels: Vec<String>,
}

/// A polygon: points `[x, y]` in percent of the image size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PolygonValue {
    pub points: Vec<[f64; 2]>,
    #[serde(default)]
    pub closed: Option<bool>,
    pub polygonlabels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KeyPointValue {
    pub x: f64,
    pub y: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    pub keypointlabels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TextAreaValue {
    pub text: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RatingValue {
    pub rating: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NumberValue {
    pub number: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DateTimeValue {
    pub datetime: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TaxonomyValue {
    pub taxonomy: Vec<Vec<String>>,
}

/// `selected` is `"left"` or `"right"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PairwiseValue {
    pub selected: String,
}

/// Bucket name (or the `toName` list for plain ranking) to the ordered item ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RankerValue {
    pub ranker: std::collections::BTreeMap<String, Vec<String>>,
}

/// `{"chatmessage": {"role", "content", "timestamp"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChatMessageValue {
    pub chatmessage: ChatMessage,
}

/// One added chat message. `timestamp` is kept exactly as written (Label Studio writes the
/// time the message was added); other fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number | string")]
    pub timestamp: Option<Value>,
    #[serde(flatten)]
    #[ts(skip)]
    pub extra: Map<String, Value>,
}

/// `{"from_id", "to_id", "type": "relation", "direction", "labels"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RelationResult {
    pub from_id: String,
    pub to_id: String,
    #[serde(rename = "type")]
    pub relation_type: RelationTag,
    #[serde(default = "default_direction")]
    pub direction: String,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// The literal `"relation"`, so that untagged deserialisation only takes relation items here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RelationTag {
    Relation,
}

/// Whole-number offsets (text spans, in code points) are written as JSON integers, as Label
/// Studio writes them and as Python slicing needs them (`text[7.0:19.0]` is a TypeError);
/// fractional ones (audio seconds) stay floats.
fn serialize_offset<S: serde::Serializer>(
    offset: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match offset {
        Some(number) if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 => {
            serializer.serialize_i64(*number as i64)
        }
        Some(number) => serializer.serialize_f64(*number),
        None => serializer.serialize_none(),
    }
}

fn default_direction() -> String {
    "right".to_owned()
}

impl ResultItem {
    /// The control that produced this item (`None` for relations).
    pub fn from_name(&self) -> Option<&str> {
        match self {
            ResultItem::Control(control_result) => Some(&control_result.from_name),
            ResultItem::Relation(_) => None,
        }
    }
}
