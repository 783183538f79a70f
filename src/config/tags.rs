//! The catalogue of Label Studio tag names: which ones Gloss supports, which ones it knows but
//! refuses (with the reason shown to the user), and, per supported tag, the documented
//! attributes that Gloss accepts without applying them yet.
//!
//! Tag names are case-sensitive, as in Label Studio. Attribute names are matched
//! case-insensitively, because Label Studio lowercases attribute names when it reads a config
//! (that is why both `showInline` and `showInLine` work there).

/// A tag Gloss parses into the typed interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    View,
    Header,
    Style,
    Collapse,
    Panel,
    Text,
    HyperText,
    Image,
    Audio,
    Paragraphs,
    Chat,
    List,
    Choices,
    Choice,
    Labels,
    Label,
    RectangleLabels,
    PolygonLabels,
    KeyPointLabels,
    TextArea,
    Shortcut,
    Rating,
    Number,
    DateTime,
    Taxonomy,
    Pairwise,
    Ranker,
    Bucket,
    Relations,
    Relation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagClass {
    Supported(Tag),
    /// A Label Studio tag Gloss does not support yet; the text completes
    /// "(... is not supported yet)".
    Unsupported(&'static str),
    Unknown,
}

pub(crate) fn classify(name: &str) -> TagClass {
    let tag = match name {
        "View" => Tag::View,
        "Header" => Tag::Header,
        "Style" => Tag::Style,
        "Collapse" => Tag::Collapse,
        "Panel" => Tag::Panel,
        "Text" => Tag::Text,
        "HyperText" => Tag::HyperText,
        "Image" => Tag::Image,
        // Label Studio keeps `AudioPlus` as an alias of `Audio`.
        "Audio" | "AudioPlus" => Tag::Audio,
        "Paragraphs" => Tag::Paragraphs,
        "Chat" => Tag::Chat,
        "List" => Tag::List,
        "Choices" => Tag::Choices,
        "Choice" => Tag::Choice,
        "Labels" => Tag::Labels,
        "Label" => Tag::Label,
        "RectangleLabels" => Tag::RectangleLabels,
        "PolygonLabels" => Tag::PolygonLabels,
        "KeyPointLabels" => Tag::KeyPointLabels,
        "TextArea" => Tag::TextArea,
        "Shortcut" => Tag::Shortcut,
        "Rating" => Tag::Rating,
        "Number" => Tag::Number,
        "DateTime" => Tag::DateTime,
        "Taxonomy" => Tag::Taxonomy,
        "Pairwise" => Tag::Pairwise,
        "Ranker" => Tag::Ranker,
        "Bucket" => Tag::Bucket,
        "Relations" => Tag::Relations,
        "Relation" => Tag::Relation,
        _ => return unsupported_reason(name).map_or(TagClass::Unknown, TagClass::Unsupported),
    };
    TagClass::Supported(tag)
}

fn unsupported_reason(name: &str) -> Option<&'static str> {
    let reason = match name {
        _ if name.starts_with("Video") => "video",
        "TimelineLabels" => "video",
        "TimeSeries" | "TimeSeriesLabels" | "Channel" | "MultiChannel" => "time series",
        "Brush" | "BrushLabels" | "MagicWand" | "Bitmask" | "BitmaskLabels" => {
            "brush and mask segmentation"
        }
        "Rectangle" | "Polygon" | "KeyPoint" | "Ellipse" => "drawing regions without labels",
        "EllipseLabels" => "ellipse labelling",
        "Vector" | "VectorLabels" => "vector labelling",
        "Pdf" | "PDF" => "PDF display",
        "OcrLabels" => "OCR labelling",
        "ParagraphLabels" => "labelling spans inside Paragraphs",
        "HyperTextLabels" => "labelling spans inside HyperText",
        "Table" => "table display",
        "Repeater" => "Repeater",
        "Filter" => "Filter",
        "ReactCode" | "Custom" => "custom interface code",
        "Markdown" => "Markdown display",
        _ => return None,
    };
    Some(reason)
}

/// The correctly cased tag name that `name` matches case-insensitively, if `name` itself is not
/// one (for a "did you mean" hint).
pub(crate) fn case_hint(name: &str) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "View",
        "Header",
        "Style",
        "Collapse",
        "Panel",
        "Text",
        "HyperText",
        "Image",
        "Audio",
        "AudioPlus",
        "Paragraphs",
        "Chat",
        "List",
        "Choices",
        "Choice",
        "Labels",
        "Label",
        "RectangleLabels",
        "PolygonLabels",
        "KeyPointLabels",
        "TextArea",
        "Shortcut",
        "Rating",
        "Number",
        "DateTime",
        "Taxonomy",
        "Pairwise",
        "Ranker",
        "Bucket",
        "Relations",
        "Relation",
    ];
    NAMES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name) && **known != name)
        .copied()
}

/// Conditional-visibility attributes. Gloss accepts them on every tag; it applies
/// `visibleWhen="region-selected"` (with `whenRole`) and `"no-region-selected"` on `<View>`
/// (`parse.rs` reads those), and every other use gets an "accepted but not applied yet" warning.
const VISIBILITY: &[&str] = &[
    "visiblewhen",
    "whentagname",
    "whenlabelvalue",
    "whenchoicevalue",
    "whenrole",
];

/// Attributes shared by Label Studio's control tags that Gloss does not apply yet.
const CONTROL_COMMON: &[&str] = &["requiredmessage", "peritem", "smart", "smartonly"];

/// Documented attributes (lowercase) Gloss accepts on `tag` but does not apply yet. Every
/// attribute the parser neither reads nor lists here is reported as unknown.
pub(crate) fn accepted_not_applied(tag: Tag) -> (&'static [&'static str], &'static [&'static str]) {
    let specific: &'static [&'static str] = match tag {
        Tag::View => &["idattr", "display"],
        Tag::Header => &["style", "classname", "underline"],
        Tag::Style => &[],
        Tag::Collapse => &["accordion", "bordered"],
        Tag::Panel => &[],
        Tag::Text => &[
            "valuetype",
            "savetextresult",
            "encoding",
            "highlightcolor",
            "showlabels",
            "selectionenabled",
        ],
        Tag::HyperText => &[
            "valuetype",
            "savetextresult",
            "encoding",
            "selectionenabled",
            "clickablelinks",
            "highlightcolor",
            "showlabels",
            "granularity",
        ],
        Tag::Image => &[
            "valuelist",
            "width",
            "height",
            "maxwidth",
            "maxheight",
            "grid",
            "gridsize",
            "gridcolor",
            "negativezoom",
            "zoomby",
            "zoomcontrol",
            "brightnesscontrol",
            "contrastcontrol",
            "rotatecontrol",
            "crosshair",
            "horizontalalignment",
            "verticalalignment",
            "defaultzoom",
            "crossorigin",
            "smoothing",
            "classname",
            "inline",
        ],
        Tag::Audio => &[
            "hotkey",
            "speed",
            "sync",
            "volume",
            "zoom",
            "height",
            "waveheight",
            "cursorwidth",
            "cursorcolor",
            "defaultspeed",
            "defaultscale",
            "defaultzoom",
            "defaultvolume",
            "splitchannels",
            "decoder",
            "player",
            "spectrogram",
        ],
        Tag::Paragraphs => &[
            "valuetype",
            "audiourl",
            "sync",
            "showplayer",
            "savetextresult",
            "contextscroll",
        ],
        // `llm` asks Label Studio to call a model for the next message; Gloss never calls a
        // model from the labelling screen (pre-labelling is a separate, explicit step).
        Tag::Chat => &["llm"],
        Tag::List => &[],
        Tag::Choices => &["layout", "allownested", "selection"],
        Tag::Choice => &["selected", "hint", "style", "color"],
        Tag::Labels => &[
            "maxusages",
            "showinline",
            "opacity",
            "fillcolor",
            "strokecolor",
            "fillopacity",
            "allowempty",
            "value",
            "groupdepth",
            "zoom",
        ],
        Tag::Label => &[
            "selected",
            "hint",
            "showalias",
            "aliasstyle",
            "size",
            "selectedcolor",
            "granularity",
            "groupcancontain",
            "showinline",
            "smart",
        ],
        Tag::RectangleLabels | Tag::PolygonLabels | Tag::KeyPointLabels => &[
            "choice",
            "maxusages",
            "showinline",
            "opacity",
            "fillcolor",
            "strokecolor",
            "strokewidth",
            "fillopacity",
            "canrotate",
            "pointsize",
            "pointstyle",
            "snap",
            "value",
        ],
        Tag::TextArea => &[
            "value",
            "label",
            "transcription",
            "displaymode",
            "showsubmitbutton",
            "skipduplicates",
            "style",
        ],
        Tag::Shortcut => &[],
        Tag::Rating => &["icon", "size", "defaultvalue", "hotkey"],
        Tag::Number => &["defaultvalue", "hotkey", "slider"],
        Tag::DateTime => &["format", "min", "max"],
        Tag::Taxonomy => &[
            "apiurl",
            "leafsonly",
            "showfullpath",
            "pathseparator",
            "maxusages",
            "maxwidth",
            "minwidth",
            "placeholder",
            "legacy",
            "iseditable",
        ],
        Tag::Pairwise => &["selectionstyle", "leftclassname", "rightclassname"],
        Tag::Ranker => &["mode"],
        Tag::Bucket => &["value"],
        Tag::Relations => &["choice"],
        Tag::Relation => &["background"],
    };
    let shared: &'static [&'static str] = match tag {
        Tag::Choices
        | Tag::Labels
        | Tag::RectangleLabels
        | Tag::PolygonLabels
        | Tag::KeyPointLabels
        | Tag::TextArea
        | Tag::Rating
        | Tag::Number
        | Tag::DateTime
        | Tag::Taxonomy
        | Tag::Pairwise
        | Tag::Ranker
        | Tag::Relations => CONTROL_COMMON,
        _ => &[],
    };
    (specific, shared)
}

pub(crate) fn is_visibility_attribute(lowercase_name: &str) -> bool {
    VISIBILITY.contains(&lowercase_name)
}
