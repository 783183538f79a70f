//! The first pass of config parsing: XML text into a small generic element tree.
//!
//! This pass owns well-formedness and the hostile-input guards (size, depth, element count,
//! DOCTYPE, entity references). It knows nothing about Label Studio tags; `parse` turns the tree
//! into the typed `Interface`. Positions are kept as byte offsets and turned into line and
//! column only when a message is made.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::parse::ConfigError;

/// Configs larger than this are refused before any parsing.
pub(crate) const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// Deepest element nesting accepted (the root element is depth 1).
pub(crate) const MAX_DEPTH: usize = 100;
/// Most elements accepted in one config.
pub(crate) const MAX_ELEMENTS: usize = 10_000;

/// One element with its attributes (already unescaped) and children in document order.
#[derive(Debug)]
pub(crate) struct Element {
    pub name: String,
    pub attributes: Vec<RawAttribute>,
    pub children: Vec<Node>,
    /// Byte offset of the `<` that starts the tag.
    pub offset: usize,
}

#[derive(Debug)]
pub(crate) struct RawAttribute {
    /// The attribute name as written.
    pub name: String,
    pub value: String,
}

#[derive(Debug)]
pub(crate) enum Node {
    Element(Element),
    /// Character data (text, references and CDATA merged); `offset` is where it starts.
    Text {
        text: String,
        offset: usize,
    },
}

/// Turns byte offsets into 1-based line and column (column counted in characters).
#[derive(Debug)]
pub(crate) struct Positions<'a> {
    source: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Positions<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(idx, _)| idx + 1));
        Positions {
            source,
            line_starts,
        }
    }

    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.source.len());
        let line_idx = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_idx];
        // The offset always sits on a char boundary (it comes from the XML reader), but be
        // defensive: a position is only for messages and must never panic.
        let n_chars = self
            .source
            .get(line_start..offset)
            .map_or(offset - line_start, |prefix| prefix.chars().count());
        (to_u32(line_idx + 1), to_u32(n_chars + 1))
    }

    pub fn error(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.line_column(offset);
        ConfigError {
            line,
            column,
            message: message.into(),
        }
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Reads the whole document into its single root element.
pub(crate) fn read_tree(xml: &str, positions: &Positions) -> Result<Element, ConfigError> {
    if xml.len() > MAX_CONFIG_BYTES {
        return Err(positions.error(
            0,
            format!(
                "config is {} bytes; configs larger than 1 MiB ({MAX_CONFIG_BYTES} bytes) are refused",
                xml.len()
            ),
        ));
    }

    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.allow_dangling_amp = false;
    config.check_comments = true;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut n_elements = 0usize;

    loop {
        let event_offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                let error_offset = usize::try_from(reader.error_position()).unwrap_or(0);
                return Err(positions.error(error_offset, format!("not well-formed XML: {error}")));
            }
        };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let name = start.name().0.to_string();
                return Err(positions.error(
                    event_offset,
                    format!("more than one root element: <{name}> follows the root </View>"),
                ));
            }
            Event::Start(start) => {
                let element = open_element(
                    &start,
                    event_offset,
                    positions,
                    stack.len(),
                    &mut n_elements,
                )?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(
                    &start,
                    event_offset,
                    positions,
                    stack.len(),
                    &mut n_elements,
                )?;
                attach(element, &mut stack, &mut root);
            }
            Event::End(_) => {
                // quick-xml has already checked that the end tag matches the open one.
                if let Some(element) = stack.pop() {
                    attach(element, &mut stack, &mut root);
                }
            }
            Event::Text(text) => push_text(&mut stack, &text, event_offset, positions)?,
            Event::CData(cdata) => push_text(&mut stack, &cdata, event_offset, positions)?,
            Event::GeneralRef(reference) => {
                let resolved = resolve_reference(&reference)
                    .map_err(|message| positions.error(event_offset, message))?;
                push_text(&mut stack, &resolved.to_string(), event_offset, positions)?;
            }
            Event::DocType(_) => {
                return Err(positions.error(
                    event_offset,
                    "<!DOCTYPE> is not allowed in a labelling config (no DTD, no entity definitions, no external entities)",
                ));
            }
            Event::PI(_) => {
                return Err(positions.error(
                    event_offset,
                    "processing instructions (<?...?>) are not allowed in a labelling config",
                ));
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }

    if let Some(unclosed) = stack.last() {
        return Err(positions.error(
            unclosed.offset,
            format!("not well-formed XML: <{}> is never closed", unclosed.name),
        ));
    }
    root.ok_or_else(|| positions.error(0, "empty config: expected a <View> root element"))
}

fn open_element(
    start: &BytesStart,
    offset: usize,
    positions: &Positions,
    n_open: usize,
    n_elements: &mut usize,
) -> Result<Element, ConfigError> {
    let name = start.name().0.to_string();
    if n_open + 1 > MAX_DEPTH {
        return Err(positions.error(
            offset,
            format!(
                "<{name}> is nested more than {MAX_DEPTH} elements deep; the config is refused"
            ),
        ));
    }
    *n_elements += 1;
    if *n_elements > MAX_ELEMENTS {
        return Err(positions.error(
            offset,
            format!("the config has more than {MAX_ELEMENTS} elements; it is refused"),
        ));
    }
    let mut attributes = Vec::new();
    for attribute in start.attributes().with_checks(true) {
        let attribute = attribute.map_err(|error| {
            positions.error(
                offset,
                format!("not well-formed XML: bad attribute on <{name}>: {error}"),
            )
        })?;
        let attribute_name = attribute.key.0.to_string();
        let value = unescape_attribute(&attribute.value).map_err(|message| {
            positions.error(
                offset,
                format!("attribute \"{attribute_name}\" on <{name}>: {message}"),
            )
        })?;
        attributes.push(RawAttribute {
            name: attribute_name,
            value,
        });
    }
    Ok(Element {
        name,
        attributes,
        children: Vec::new(),
        offset,
    })
}

fn attach(element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

fn push_text(
    stack: &mut [Element],
    text: &str,
    offset: usize,
    positions: &Positions,
) -> Result<(), ConfigError> {
    let Some(parent) = stack.last_mut() else {
        // Outside the root only whitespace may appear (comments are separate events).
        if text.trim().is_empty() {
            return Ok(());
        }
        return Err(positions.error(
            offset,
            format!(
                "text {} outside the root <View> element",
                quote_excerpt(text)
            ),
        ));
    };
    // Text, references and CDATA that follow each other are one run of character data.
    if let Some(Node::Text { text: previous, .. }) = parent.children.last_mut() {
        previous.push_str(text);
    } else {
        parent.children.push(Node::Text {
            text: text.to_string(),
            offset,
        });
    }
    Ok(())
}

/// A short quoted excerpt of some text for a message.
pub(crate) fn quote_excerpt(text: &str) -> String {
    let trimmed = text.trim();
    let excerpt: String = trimmed.chars().take(40).collect();
    if excerpt.len() < trimmed.len() {
        format!("\"{excerpt}…\"")
    } else {
        format!("\"{excerpt}\"")
    }
}

const PREDEFINED_ENTITIES: [(&str, char); 5] = [
    ("lt", '<'),
    ("gt", '>'),
    ("amp", '&'),
    ("apos", '\''),
    ("quot", '"'),
];

fn resolve_reference(reference: &BytesRef) -> Result<char, String> {
    resolve_entity(reference)
}

/// Resolves the name between `&` and `;`: one of the five predefined entities or a numeric
/// character reference. Every other entity is refused: there is no DTD to define it, and
/// refusing it keeps entity expansion attacks out entirely.
fn resolve_entity(name: &str) -> Result<char, String> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        return code
            .filter(|&code| code != 0)
            .and_then(char::from_u32)
            .ok_or_else(|| format!("invalid character reference \"&{name};\""));
    }
    PREDEFINED_ENTITIES
        .iter()
        .find(|(entity, _)| *entity == name)
        .map(|&(_, character)| character)
        .ok_or_else(|| {
            format!(
                "entity reference \"&{name};\" is not allowed (only &lt; &gt; &amp; &apos; &quot; and numeric character references are)"
            )
        })
}

/// Unescapes a raw attribute value and applies XML attribute-value normalisation (a literal
/// tab, newline or carriage return becomes a space), which is what browsers, and so Label
/// Studio, see.
fn unescape_attribute(raw: &str) -> Result<String, String> {
    let mut value = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(idx) = rest.find(['&', '<', '\t', '\n', '\r']) {
        value.push_str(&rest[..idx]);
        let tail = &rest[idx..];
        if tail.starts_with('<') {
            return Err("\"<\" is not allowed in an attribute value; write &lt;".to_string());
        }
        if !tail.starts_with('&') {
            value.push(' ');
            rest = &tail[1..];
            continue;
        }
        let Some(end) = tail.find(';') else {
            return Err("\"&\" must start a reference such as &amp;".to_string());
        };
        value.push(resolve_entity(&tail[1..end])?);
        rest = &tail[end + 1..];
    }
    value.push_str(rest);
    Ok(value)
}
