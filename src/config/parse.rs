//! Label Studio XML config text into the typed [`Interface`], with errors and warnings that
//! carry line and column.
//!
//! Parsing runs in three passes: `xml` reads the text into a generic element tree (and owns
//! well-formedness and the hostile-input guards); this module walks that tree in document order
//! and builds the typed layout, objects and controls (so the first unknown or unsupported tag in
//! the file is the one reported); a last pass checks cross references (`toName`, `Pairwise`,
//! `Ranker`). This module never renders anything and never looks at task data.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::interface::{
    ChoiceOption, CollapsePanel, ControlKind, ControlTag, Interface, LabelOption, LayoutNode,
    MessageCount, ObjectKind, ObjectTag, RankerBucket, SourcePosition, TaxonomyOption,
    TextGranularity, VisibleWhen,
};
use super::tags::{self, Tag, TagClass};
use super::xml::{self, Element, Node, Positions, RawAttribute, quote_excerpt};

/// A config that parsed, with the warnings found on the way (unknown attributes, attributes not
/// applied yet, hotkey conflicts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedConfig {
    pub interface: Interface,
    pub warnings: Vec<ConfigWarning>,
}

/// Why a config was refused. `line` and `column` are 1-based; the column counts characters.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ConfigError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Something in an accepted config the user should know about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigWarning {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}:{}: warning: {}",
            self.line, self.column, self.message
        )
    }
}

/// Parses a Label Studio labelling config.
///
/// Refuses anything that is not well-formed XML, any DOCTYPE, entity references other than the
/// predefined ones and character references, input over 1 MiB, nesting over 100 deep and more
/// than 10,000 elements, before looking at a single tag.
pub fn parse_config(xml: &str) -> Result<ParsedConfig, ConfigError> {
    let positions = Positions::new(xml);
    let root_element = xml::read_tree(xml, &positions)?;
    let mut builder = Builder::new(&positions);
    let root = builder.root(&root_element)?;
    builder.check_references()?;
    Ok(ParsedConfig {
        interface: Interface {
            root,
            objects: builder.objects,
            controls: builder.controls,
        },
        warnings: builder.warnings,
    })
}

/// Where a control tag came from, for messages in the cross-reference pass.
#[derive(Debug)]
struct ControlSource {
    tag_name: String,
    offset: usize,
}

/// One use of a hotkey, to report conflicts.
#[derive(Debug)]
struct HotkeyUse {
    key: String,
    description: String,
    offset: usize,
}

#[derive(Debug)]
struct Builder<'p> {
    positions: &'p Positions<'p>,
    warnings: Vec<ConfigWarning>,
    objects: Vec<ObjectTag>,
    /// The tag name of each object as written (`AudioPlus` stays `AudioPlus`), by index.
    object_tag_names: Vec<String>,
    controls: Vec<ControlTag>,
    control_sources: Vec<ControlSource>,
    /// Every `name` used by an object or control, with the offset of its first use.
    names: HashMap<String, usize>,
    hotkeys: Vec<HotkeyUse>,
}

impl<'p> Builder<'p> {
    fn new(positions: &'p Positions<'p>) -> Self {
        Builder {
            positions,
            warnings: Vec::new(),
            objects: Vec::new(),
            object_tag_names: Vec::new(),
            controls: Vec::new(),
            control_sources: Vec::new(),
            names: HashMap::new(),
            hotkeys: Vec::new(),
        }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        self.positions.error(offset, message)
    }

    fn warn(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = self.positions.line_column(offset);
        self.warnings.push(ConfigWarning {
            line,
            column,
            message: message.into(),
        });
    }

    fn position(&self, offset: usize) -> SourcePosition {
        let (line, column) = self.positions.line_column(offset);
        SourcePosition { line, column }
    }

    fn root(&mut self, element: &Element) -> Result<LayoutNode, ConfigError> {
        if element.name != "View" {
            return Err(self.error(
                element.offset,
                format!("the root element must be <View>, not <{}>", element.name),
            ));
        }
        self.layout_node(element)
    }

    fn classify(&self, element: &Element) -> Result<Tag, ConfigError> {
        match tags::classify(&element.name) {
            TagClass::Supported(tag) => Ok(tag),
            TagClass::Unsupported(reason) => Err(self.error(
                element.offset,
                format!(
                    "unsupported tag <{}> ({reason} is not supported yet)",
                    element.name
                ),
            )),
            TagClass::Unknown => {
                let hint = tags::case_hint(&element.name)
                    .map(|known| {
                        format!(" (tag names are case-sensitive: did you mean <{known}>?)")
                    })
                    .unwrap_or_default();
                Err(self.error(
                    element.offset,
                    format!("unknown tag <{}>{hint}", element.name),
                ))
            }
        }
    }

    fn attributes<'e>(&self, element: &'e Element, tag: Tag) -> Attributes<'e, 'p> {
        Attributes {
            element,
            tag,
            positions: self.positions,
            used: vec![false; element.attributes.len()],
        }
    }

    fn finish(&mut self, attributes: Attributes) {
        let warnings = attributes.leftover_warnings();
        for (offset, message) in warnings {
            self.warn(offset, message);
        }
    }

    /// Text that means nothing where it stands is an error, so a stray word is never lost.
    fn reject_text(&self, text: &str, offset: usize, parent: &Element) -> Result<(), ConfigError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        Err(self.error(
            offset,
            format!(
                "text {} inside <{}> means nothing here (use a <Header> or a Text value to show text)",
                quote_excerpt(text),
                parent.name
            ),
        ))
    }

    /// For tags that take no children: reports the first child (unknown and unsupported tags
    /// first, as everywhere).
    fn reject_children(&self, element: &Element) -> Result<(), ConfigError> {
        for child in &element.children {
            match child {
                Node::Text { text, offset } => self.reject_text(text, *offset, element)?,
                Node::Element(child) => {
                    self.classify(child)?;
                    return Err(self.error(
                        child.offset,
                        format!("<{}> cannot contain <{}>", element.name, child.name),
                    ));
                }
            }
        }
        Ok(())
    }

    fn register_name(&mut self, name: &str, element: &Element) -> Result<(), ConfigError> {
        if let Some(&first_offset) = self.names.get(name) {
            let (line, column) = self.positions.line_column(first_offset);
            return Err(self.error(
                element.offset,
                format!(
                    "duplicate name \"{name}\" on <{}> (already used at {line}:{column}); names must be unique",
                    element.name
                ),
            ));
        }
        self.names.insert(name.to_string(), element.offset);
        Ok(())
    }

    fn register_hotkey(&mut self, hotkey: &Option<String>, description: String, offset: usize) {
        let Some(hotkey) = hotkey else { return };
        let key = hotkey.trim().to_lowercase();
        if key.is_empty() {
            return;
        }
        if let Some(previous) = self.hotkeys.iter().find(|previous| previous.key == key) {
            let (line, column) = self.positions.line_column(previous.offset);
            let message = format!(
                "hotkey \"{hotkey}\" of {description} is also the hotkey of {} (at {line}:{column})",
                previous.description
            );
            self.warn(offset, message);
        }
        self.hotkeys.push(HotkeyUse {
            key,
            description,
            offset,
        });
    }

    fn layout_children(&mut self, element: &Element) -> Result<Vec<LayoutNode>, ConfigError> {
        let mut nodes = Vec::new();
        for child in &element.children {
            match child {
                Node::Text { text, offset } => self.reject_text(text, *offset, element)?,
                Node::Element(child) => nodes.push(self.layout_node(child)?),
            }
        }
        Ok(nodes)
    }

    fn layout_node(&mut self, element: &Element) -> Result<LayoutNode, ConfigError> {
        let tag = self.classify(element)?;
        match tag {
            Tag::View => {
                let mut attributes = self.attributes(element, tag);
                let style = attributes.string("style");
                let class_name = attributes.string("className");
                let visible_when = attributes.visible_when()?;
                self.finish(attributes);
                let children = self.layout_children(element)?;
                Ok(LayoutNode::View {
                    style,
                    class_name,
                    children,
                    visible_when,
                })
            }
            Tag::Header => self.header(element),
            Tag::Style => self.style(element),
            Tag::Collapse => self.collapse(element),
            Tag::Text
            | Tag::HyperText
            | Tag::Image
            | Tag::Audio
            | Tag::Paragraphs
            | Tag::Chat
            | Tag::List => self.object(element, tag),
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
            | Tag::Relations => self.control(element, tag),
            Tag::Choice => Err(self.misplaced(element, "<Choices> or <Taxonomy>")),
            Tag::Label => Err(self.misplaced(
                element,
                "<Labels>, <RectangleLabels>, <PolygonLabels> or <KeyPointLabels>",
            )),
            Tag::Shortcut => Err(self.misplaced(element, "<TextArea>")),
            Tag::Bucket => Err(self.misplaced(element, "<Ranker>")),
            Tag::Relation => Err(self.misplaced(element, "<Relations>")),
            Tag::Panel => Err(self.misplaced(element, "<Collapse>")),
        }
    }

    fn misplaced(&self, element: &Element, parents: &str) -> ConfigError {
        self.error(
            element.offset,
            format!("<{}> must be directly inside {parents}", element.name),
        )
    }

    fn header(&mut self, element: &Element) -> Result<LayoutNode, ConfigError> {
        let mut attributes = self.attributes(element, Tag::Header);
        let value = attributes.string("value");
        let size = attributes.number::<u8>("size", "a whole number from 1 to 255")?;
        self.finish(attributes);
        // Label Studio also takes the heading from the text content: `<Header>Title</Header>`.
        let mut content = String::new();
        for child in &element.children {
            match child {
                Node::Text { text, offset } => {
                    if value.is_some() {
                        self.reject_text(text, *offset, element)?;
                    }
                    content.push_str(text);
                }
                Node::Element(_) => self.reject_children(element)?,
            }
        }
        let value = value.unwrap_or_else(|| content.trim().to_string());
        Ok(LayoutNode::Header { value, size })
    }

    fn style(&mut self, element: &Element) -> Result<LayoutNode, ConfigError> {
        let attributes = self.attributes(element, Tag::Style);
        self.finish(attributes);
        let mut css = String::new();
        for child in &element.children {
            match child {
                Node::Text { text, .. } => css.push_str(text),
                Node::Element(child) => {
                    self.classify(child)?;
                    return Err(self.error(
                        child.offset,
                        format!("<Style> holds CSS text only, not <{}>", child.name),
                    ));
                }
            }
        }
        Ok(LayoutNode::Style { css })
    }

    fn collapse(&mut self, element: &Element) -> Result<LayoutNode, ConfigError> {
        let attributes = self.attributes(element, Tag::Collapse);
        self.finish(attributes);
        let mut sections = Vec::new();
        for child in &element.children {
            match child {
                Node::Text { text, offset } => self.reject_text(text, *offset, element)?,
                Node::Element(child) => {
                    if self.classify(child)? != Tag::Panel {
                        return Err(self.error(
                            child.offset,
                            format!("<Collapse> may contain only <Panel>, not <{}>", child.name),
                        ));
                    }
                    let mut attributes = self.attributes(child, Tag::Panel);
                    let title = attributes.required("value")?;
                    self.finish(attributes);
                    let children = self.layout_children(child)?;
                    sections.push(CollapsePanel { title, children });
                }
            }
        }
        Ok(LayoutNode::Collapse { sections })
    }

    fn object(&mut self, element: &Element, tag: Tag) -> Result<LayoutNode, ConfigError> {
        let mut attributes = self.attributes(element, tag);
        let name = attributes.required("name")?;
        let value = attributes.required("value")?;
        let kind = match tag {
            Tag::Text => {
                let granularity = match attributes.string("granularity").as_deref() {
                    None | Some("symbol") => TextGranularity::Symbol,
                    Some("word") => TextGranularity::Word,
                    Some(other) => {
                        return Err(attributes.error(format!(
                            "granularity=\"{other}\" on <{}> is not supported (use \"symbol\" or \"word\")",
                            element.name
                        )));
                    }
                };
                ObjectKind::Text { granularity }
            }
            Tag::HyperText => ObjectKind::HyperText {
                inline: attributes.boolean("inline", false)?,
            },
            Tag::Image => ObjectKind::Image {
                zoom: attributes.boolean("zoom", false)?,
            },
            Tag::Audio => ObjectKind::Audio,
            Tag::Paragraphs => {
                let dialogue_layout = match attributes.string("layout").as_deref() {
                    None | Some("none") => false,
                    Some("dialogue") => true,
                    Some(other) => {
                        return Err(attributes.error(format!(
                            "layout=\"{other}\" on <Paragraphs> must be \"none\" or \"dialogue\""
                        )));
                    }
                };
                ObjectKind::Paragraphs {
                    dialogue_layout,
                    name_key: attributes
                        .string("nameKey")
                        .unwrap_or_else(|| "author".to_string()),
                    text_key: attributes
                        .string("textKey")
                        .unwrap_or_else(|| "text".to_string()),
                }
            }
            Tag::Chat => {
                let (kind, chat_warnings) = attributes.chat()?;
                for message in chat_warnings {
                    self.warn(element.offset, message);
                }
                kind
            }
            Tag::List => ObjectKind::List {
                title: attributes.string("title"),
            },
            _ => unreachable!("object() is only called for object tags"),
        };
        self.finish(attributes);
        self.reject_children(element)?;
        self.register_name(&name, element)?;
        let data_field = data_field(&value);
        self.objects.push(ObjectTag {
            name: name.clone(),
            kind,
            value,
            data_field,
            position: self.position(element.offset),
        });
        self.object_tag_names.push(element.name.clone());
        Ok(LayoutNode::Object { name })
    }

    fn control(&mut self, element: &Element, tag: Tag) -> Result<LayoutNode, ConfigError> {
        let mut attributes = self.attributes(element, tag);
        let name = if tag == Tag::Relations {
            // Label Studio's `<Relations>` usually has no name; one config has one set of
            // relation labels, so a fixed name is enough to refer to it.
            attributes
                .string("name")
                .unwrap_or_else(|| "relations".to_string())
        } else {
            attributes.required("name")?
        };
        let to_name: Vec<String> = match attributes.string("toName") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|object_name| !object_name.is_empty())
                .map(str::to_string)
                .collect(),
            None => Vec::new(),
        };
        if to_name.is_empty() && tag != Tag::Relations {
            return Err(attributes.error(format!(
                "<{} name=\"{name}\"> needs a toName naming the object tag it labels",
                element.name
            )));
        }
        let required = attributes.boolean("required", false)?;
        let per_region = attributes.boolean("perRegion", false)?;
        self.register_name(&name, element)?;

        let control_label = format!("<{} name=\"{name}\">", element.name);
        let kind = match tag {
            Tag::Choices => {
                let multiple = attributes.choice_mode()?;
                let show_inline = attributes.boolean("showInline", false)?;
                let dynamic_options_field = attributes
                    .string("value")
                    .map(|value| data_field(&value).unwrap_or(value));
                self.finish(attributes);
                let options = self.choice_options(element, &control_label)?;
                if options.is_empty() && dynamic_options_field.is_none() {
                    return Err(self.no_options(element, &control_label, "<Choice>"));
                }
                ControlKind::Choices {
                    multiple,
                    show_inline,
                    options,
                    dynamic_options_field,
                }
            }
            Tag::Labels | Tag::RectangleLabels | Tag::PolygonLabels | Tag::KeyPointLabels => {
                let multiple = if tag == Tag::Labels {
                    attributes.choice_mode()?
                } else {
                    false
                };
                self.finish(attributes);
                let labels = self.label_options(element, &control_label)?;
                if labels.is_empty() {
                    return Err(self.no_options(element, &control_label, "<Label>"));
                }
                match tag {
                    Tag::Labels => ControlKind::Labels { multiple, labels },
                    Tag::RectangleLabels => ControlKind::RectangleLabels { labels },
                    Tag::PolygonLabels => ControlKind::PolygonLabels { labels },
                    _ => ControlKind::KeyPointLabels { labels },
                }
            }
            Tag::TextArea => {
                let placeholder = attributes.string("placeholder");
                let rows = attributes.number::<u32>("rows", "a whole number")?;
                let max_submissions =
                    attributes.number::<u32>("maxSubmissions", "a whole number")?;
                let editable = attributes.boolean("editable", false)?;
                self.finish(attributes);
                let shortcuts = self.shortcuts(element, &control_label)?;
                ControlKind::TextArea {
                    placeholder,
                    rows,
                    max_submissions,
                    editable,
                    shortcuts,
                }
            }
            Tag::Rating => {
                let max_rating = attributes
                    .number::<u32>("maxRating", "a whole number from 1")?
                    .unwrap_or(5);
                if max_rating == 0 {
                    return Err(attributes.error(format!(
                        "attribute \"maxRating\" on {control_label} must be at least 1"
                    )));
                }
                self.finish(attributes);
                self.reject_children(element)?;
                ControlKind::Rating { max_rating }
            }
            Tag::Number => {
                let min = attributes.float("min")?;
                let max = attributes.float("max")?;
                let step = attributes.float("step")?;
                if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    return Err(attributes.error(format!(
                        "min ({min}) is greater than max ({max}) on {control_label}"
                    )));
                }
                if let Some(step) = step
                    && step <= 0.0
                {
                    return Err(attributes.error(format!(
                        "step on {control_label} must be greater than 0, not {step}"
                    )));
                }
                self.finish(attributes);
                self.reject_children(element)?;
                ControlKind::Number { min, max, step }
            }
            Tag::DateTime => {
                let only = attributes.string("only");
                self.finish(attributes);
                self.reject_children(element)?;
                ControlKind::DateTime { only }
            }
            Tag::Taxonomy => {
                self.finish(attributes);
                let options = self.taxonomy_options(element, &control_label)?;
                if options.is_empty() {
                    return Err(self.no_options(element, &control_label, "<Choice>"));
                }
                ControlKind::Taxonomy { options }
            }
            Tag::Pairwise => {
                self.finish(attributes);
                self.reject_children(element)?;
                ControlKind::Pairwise
            }
            Tag::Ranker => {
                self.finish(attributes);
                let buckets = self.buckets(element)?;
                ControlKind::Ranker { buckets }
            }
            Tag::Relations => {
                self.finish(attributes);
                let labels = self.relation_labels(element)?;
                ControlKind::Relations { labels }
            }
            _ => unreachable!("control() is only called for control tags"),
        };
        self.controls.push(ControlTag {
            name: name.clone(),
            to_name,
            required,
            per_region,
            kind,
            position: self.position(element.offset),
        });
        self.control_sources.push(ControlSource {
            tag_name: element.name.clone(),
            offset: element.offset,
        });
        Ok(LayoutNode::Control { name })
    }

    fn no_options(&self, element: &Element, control_label: &str, option_tag: &str) -> ConfigError {
        self.error(
            element.offset,
            format!("{control_label} has no options: add at least one {option_tag}"),
        )
    }

    /// The option children of a control: only `expected` tags, no text. Calls `each` for every
    /// option element in order.
    fn option_children<'e>(
        &self,
        element: &'e Element,
        expected: Tag,
    ) -> Result<Vec<&'e Element>, ConfigError> {
        let mut options = Vec::new();
        for child in &element.children {
            match child {
                Node::Text { text, offset } => self.reject_text(text, *offset, element)?,
                Node::Element(child) => {
                    if self.classify(child)? != expected {
                        return Err(self.error(
                            child.offset,
                            format!(
                                "<{}> may contain only <{:?}>, not <{}>",
                                element.name, expected, child.name
                            ),
                        ));
                    }
                    options.push(child);
                }
            }
        }
        Ok(options)
    }

    fn choice_options(
        &mut self,
        element: &Element,
        control_label: &str,
    ) -> Result<Vec<ChoiceOption>, ConfigError> {
        let mut options = Vec::new();
        for child in self.option_children(element, Tag::Choice)? {
            options.push(self.choice_option(child, Tag::Choice, control_label)?);
        }
        Ok(options)
    }

    /// One `<Choice>` or `<Shortcut>` (they share `ChoiceOption`).
    fn choice_option(
        &mut self,
        element: &Element,
        tag: Tag,
        control_label: &str,
    ) -> Result<ChoiceOption, ConfigError> {
        let mut attributes = self.attributes(element, tag);
        let value = attributes.required("value")?;
        let option = ChoiceOption {
            alias: attributes.string("alias"),
            hotkey: attributes.string("hotkey"),
            background: attributes.string("background"),
            html: if tag == Tag::Choice {
                attributes.string("html")
            } else {
                None
            },
            value,
        };
        self.finish(attributes);
        self.reject_children(element)?;
        self.register_hotkey(
            &option.hotkey,
            format!(
                "<{} value=\"{}\"> in {control_label}",
                element.name, option.value
            ),
            element.offset,
        );
        Ok(option)
    }

    fn label_options(
        &mut self,
        element: &Element,
        control_label: &str,
    ) -> Result<Vec<LabelOption>, ConfigError> {
        let mut labels = Vec::new();
        for child in self.option_children(element, Tag::Label)? {
            let mut attributes = self.attributes(child, Tag::Label);
            let value = attributes.required("value")?;
            let label = LabelOption {
                alias: attributes.string("alias"),
                hotkey: attributes.string("hotkey"),
                background: attributes.string("background"),
                max_usages: attributes.number::<u32>("maxUsages", "a whole number")?,
                value,
            };
            self.finish(attributes);
            self.reject_children(child)?;
            self.register_hotkey(
                &label.hotkey,
                format!("<Label value=\"{}\"> in {control_label}", label.value),
                child.offset,
            );
            labels.push(label);
        }
        Ok(labels)
    }

    fn shortcuts(
        &mut self,
        element: &Element,
        control_label: &str,
    ) -> Result<Vec<ChoiceOption>, ConfigError> {
        let mut shortcuts = Vec::new();
        for child in self.option_children(element, Tag::Shortcut)? {
            shortcuts.push(self.choice_option(child, Tag::Shortcut, control_label)?);
        }
        Ok(shortcuts)
    }

    fn taxonomy_options(
        &mut self,
        element: &Element,
        control_label: &str,
    ) -> Result<Vec<TaxonomyOption>, ConfigError> {
        let mut options = Vec::new();
        for child in self.option_children(element, Tag::Choice)? {
            let mut attributes = self.attributes(child, Tag::Choice);
            let value = attributes.required("value")?;
            let hotkey = attributes.string("hotkey");
            // `alias`, `background` and `html` have no place in `TaxonomyOption` yet: say so
            // rather than drop them silently.
            for not_applied in ["alias", "background", "html"] {
                if let Some(attribute) = attributes.get(not_applied) {
                    let message = format!(
                        "attribute \"{}\" on <Choice> in {control_label} is accepted but not applied yet",
                        attribute.name
                    );
                    self.warn(child.offset, message);
                }
            }
            self.finish(attributes);
            self.register_hotkey(
                &hotkey,
                format!("<Choice value=\"{value}\"> in {control_label}"),
                child.offset,
            );
            let children = self.taxonomy_options(child, control_label)?;
            options.push(TaxonomyOption { value, children });
        }
        Ok(options)
    }

    fn buckets(&mut self, element: &Element) -> Result<Vec<RankerBucket>, ConfigError> {
        let mut buckets = Vec::new();
        for child in self.option_children(element, Tag::Bucket)? {
            let mut attributes = self.attributes(child, Tag::Bucket);
            let name = attributes.required("name")?;
            let title = attributes.string("title");
            self.finish(attributes);
            self.reject_children(child)?;
            if buckets
                .iter()
                .any(|bucket: &RankerBucket| bucket.name == name)
            {
                return Err(self.error(
                    child.offset,
                    format!("duplicate bucket name \"{name}\" in <{}>", element.name),
                ));
            }
            buckets.push(RankerBucket { name, title });
        }
        Ok(buckets)
    }

    fn relation_labels(&mut self, element: &Element) -> Result<Vec<String>, ConfigError> {
        let mut labels = Vec::new();
        for child in self.option_children(element, Tag::Relation)? {
            let mut attributes = self.attributes(child, Tag::Relation);
            let value = attributes.required("value")?;
            self.finish(attributes);
            self.reject_children(child)?;
            labels.push(value);
        }
        Ok(labels)
    }

    /// The last pass: every `toName` names an object tag, `Pairwise` compares exactly two
    /// objects, `Ranker` orders a `List`.
    fn check_references(&self) -> Result<(), ConfigError> {
        for (control, source) in self.controls.iter().zip(&self.control_sources) {
            let control_label = format!("<{} name=\"{}\">", source.tag_name, control.name);
            for object_name in &control.to_name {
                let Some(object_idx) = self
                    .objects
                    .iter()
                    .position(|object| &object.name == object_name)
                else {
                    let what = if self.controls.iter().any(|other| &other.name == object_name) {
                        "names a control tag, not an object tag"
                    } else {
                        "names no object tag"
                    };
                    return Err(self.error(
                        source.offset,
                        format!("toName \"{object_name}\" on {control_label} {what}"),
                    ));
                };
                if matches!(control.kind, ControlKind::Ranker { .. })
                    && !matches!(self.objects[object_idx].kind, ObjectKind::List { .. })
                {
                    return Err(self.error(
                        source.offset,
                        format!(
                            "{control_label} must point at a <List> object, but \"{object_name}\" is a <{}>",
                            self.object_tag_names[object_idx]
                        ),
                    ));
                }
            }
            if matches!(control.kind, ControlKind::Pairwise) && control.to_name.len() != 2 {
                return Err(self.error(
                    source.offset,
                    format!(
                        "{control_label} compares exactly two objects: toName must list two names separated by a comma, not {}",
                        control.to_name.len()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `"a, b,c"` as `["a", "b", "c"]` (empty entries dropped, duplicates kept once).
fn comma_list(list: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in list
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        if !items.iter().any(|known| known == item) {
            items.push(item.to_owned());
        }
    }
    items
}

/// `"$text"` references the task data field `text`; anything else is a literal.
fn data_field(value: &str) -> Option<String> {
    let field = value.strip_prefix('$')?;
    let is_field = !field.is_empty() && !field.chars().any(char::is_whitespace);
    is_field.then(|| field.to_string())
}

/// The attributes of one element, read by name (case-insensitively, as Label Studio does).
/// Every attribute left unread at the end becomes a warning, so none is dropped silently.
struct Attributes<'e, 'p> {
    element: &'e Element,
    tag: Tag,
    positions: &'p Positions<'p>,
    used: Vec<bool>,
}

impl<'e> Attributes<'e, '_> {
    fn error(&self, message: impl Into<String>) -> ConfigError {
        self.positions.error(self.element.offset, message)
    }

    /// The first attribute called `name`, marking every spelling of it as read.
    fn get(&mut self, name: &str) -> Option<&'e RawAttribute> {
        let mut found = None;
        for (attribute_idx, attribute) in self.element.attributes.iter().enumerate() {
            if attribute.name.eq_ignore_ascii_case(name) && found.is_none() {
                self.used[attribute_idx] = true;
                found = Some(attribute);
            }
        }
        found
    }

    fn string(&mut self, name: &str) -> Option<String> {
        self.get(name).map(|attribute| attribute.value.clone())
    }

    fn required(&mut self, name: &str) -> Result<String, ConfigError> {
        match self.get(name) {
            Some(attribute) if !attribute.value.trim().is_empty() => Ok(attribute.value.clone()),
            Some(_) => Err(self.error(format!(
                "attribute \"{name}\" on <{}> must not be empty",
                self.element.name
            ))),
            None => Err(self.error(format!(
                "<{}> needs a \"{name}\" attribute",
                self.element.name
            ))),
        }
    }

    fn boolean(&mut self, name: &str, default: bool) -> Result<bool, ConfigError> {
        let Some(attribute) = self.get(name) else {
            return Ok(default);
        };
        match attribute.value.trim() {
            value if value.eq_ignore_ascii_case("true") => Ok(true),
            value if value.eq_ignore_ascii_case("false") => Ok(false),
            value => Err(self.error(format!(
                "attribute \"{}\" on <{}> must be \"true\" or \"false\", not \"{value}\"",
                attribute.name, self.element.name
            ))),
        }
    }

    fn number<T: std::str::FromStr>(
        &mut self,
        name: &str,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some(attribute) = self.get(name) else {
            return Ok(None);
        };
        attribute.value.trim().parse::<T>().map(Some).map_err(|_| {
            self.error(format!(
                "attribute \"{}\" on <{}> must be {expected}, not \"{}\"",
                attribute.name, self.element.name, attribute.value
            ))
        })
    }

    fn float(&mut self, name: &str) -> Result<Option<f64>, ConfigError> {
        let value = self.number::<f64>(name, "a number")?;
        match value {
            Some(number) if !number.is_finite() => Err(self.error(format!(
                "attribute \"{name}\" on <{}> must be a finite number",
                self.element.name
            ))),
            _ => Ok(value),
        }
    }

    /// `choice="single" | "single-radio" | "multiple"`; returns whether several may be chosen.
    fn choice_mode(&mut self) -> Result<bool, ConfigError> {
        match self.get("choice").map(|attribute| attribute.value.trim()) {
            None | Some("single") | Some("single-radio") => Ok(false),
            Some("multiple") => Ok(true),
            Some(other) => Err(self.error(format!(
                "attribute \"choice\" on <{}> must be \"single\", \"single-radio\" or \"multiple\", not \"{other}\"",
                self.element.name
            ))),
        }
    }

    /// `visibleWhen` on a `<View>`: the region conditions are applied (and `whenRole` with
    /// `region-selected`); any other condition is left unread, so it is reported as accepted
    /// but not applied yet.
    fn visible_when(&mut self) -> Result<Option<VisibleWhen>, ConfigError> {
        let condition = self
            .element
            .attributes
            .iter()
            .find(|attribute| attribute.name.eq_ignore_ascii_case("visibleWhen"))
            .map(|attribute| attribute.value.trim().to_owned());
        match condition.as_deref() {
            Some("region-selected") => {
                self.get("visibleWhen");
                let when_role = self
                    .string("whenRole")
                    .map(|role| role.trim().to_owned())
                    .filter(|role| !role.is_empty());
                Ok(Some(VisibleWhen::RegionSelected { when_role }))
            }
            Some("no-region-selected") => {
                self.get("visibleWhen");
                Ok(Some(VisibleWhen::NoRegionSelected))
            }
            _ => Ok(None),
        }
    }

    /// `<Chat>`'s attributes: `messageRoles` (comma-separated, default `user,assistant`),
    /// `editable` (`true`, `false` or a comma-separated list of roles), `minMessages` and
    /// `maxMessages` (a whole number or a `$field`). `llm` stays unread: Gloss never calls a
    /// model from the labelling screen (and so keeps `user,assistant` as the default roles,
    /// where Label Studio offers only `user` when a model writes the replies). Also returns warnings: an `editable` role that
    /// `messageRoles` does not offer can never apply, so it is dropped and reported.
    fn chat(&mut self) -> Result<(ObjectKind, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        let message_roles: Vec<String> = match self.string("messageRoles") {
            Some(list) => comma_list(&list),
            None => vec!["user".to_owned(), "assistant".to_owned()],
        };
        if message_roles.is_empty() {
            return Err(self.error("attribute \"messageRoles\" on <Chat> names no role"));
        }
        let editable_roles = match self.string("editable") {
            None => Vec::new(),
            Some(value) if value.trim().eq_ignore_ascii_case("false") => Vec::new(),
            Some(value) if value.trim().eq_ignore_ascii_case("true") => message_roles.clone(),
            Some(value) => {
                let (offered, not_offered): (Vec<String>, Vec<String>) = comma_list(&value)
                    .into_iter()
                    .partition(|role| message_roles.contains(role));
                for role in not_offered {
                    warnings.push(format!(
                        "attribute \"editable\" on <Chat> names the role \"{role}\", which \"messageRoles\" does not offer ({}); it is ignored",
                        message_roles.join(", ")
                    ));
                }
                offered
            }
        };
        let min_messages = self.message_count("minMessages")?;
        let max_messages = self.message_count("maxMessages")?;
        if let (Some(MessageCount::Count(min)), Some(MessageCount::Count(max))) =
            (&min_messages, &max_messages)
            && min > max
        {
            return Err(self.error(format!(
                "minMessages ({min}) is greater than maxMessages ({max}) on <Chat>"
            )));
        }
        let kind = ObjectKind::Chat {
            message_roles,
            editable_roles,
            min_messages,
            max_messages,
        };
        Ok((kind, warnings))
    }

    fn message_count(&mut self, name: &str) -> Result<Option<MessageCount>, ConfigError> {
        let Some(attribute) = self.get(name) else {
            return Ok(None);
        };
        let text = attribute.value.trim();
        if let Some(field) = data_field(text) {
            return Ok(Some(MessageCount::Field(field)));
        }
        text.parse::<u32>()
            .map(|count| Some(MessageCount::Count(count)))
            .map_err(|_| {
                self.error(format!(
                    "attribute \"{}\" on <{}> must be a whole number or a $field reference, not \"{}\"",
                    attribute.name, self.element.name, attribute.value
                ))
            })
    }

    /// Warnings for every attribute nobody read: accepted-but-not-applied ones, second
    /// spellings of one attribute, and unknown ones.
    fn leftover_warnings(&self) -> Vec<(usize, String)> {
        let (specific, shared) = tags::accepted_not_applied(self.tag);
        let tag_name = &self.element.name;
        let mut warnings = Vec::new();
        for (attribute_idx, attribute) in self.element.attributes.iter().enumerate() {
            if self.used[attribute_idx] {
                continue;
            }
            let lowercase = attribute.name.to_ascii_lowercase();
            let name = &attribute.name;
            let message = if let Some(first) = self.element.attributes[..attribute_idx]
                .iter()
                .find(|earlier| earlier.name.eq_ignore_ascii_case(name))
            {
                format!(
                    "attribute \"{name}\" on <{tag_name}> repeats \"{}\" (names are case-insensitive); it is ignored",
                    first.name
                )
            } else if tags::is_visibility_attribute(&lowercase) {
                format!(
                    "attribute \"{name}\" on <{tag_name}> is accepted but not applied yet (conditional visibility)"
                )
            } else if specific.contains(&lowercase.as_str()) || shared.contains(&lowercase.as_str())
            {
                format!("attribute \"{name}\" on <{tag_name}> is accepted but not applied yet")
            } else {
                format!("unknown attribute \"{name}\" on <{tag_name}>; it is ignored")
            };
            warnings.push((self.element.offset, message));
        }
        warnings
    }
}
