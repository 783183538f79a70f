//! The labelling config: Label Studio XML parsed into a typed [`Interface`].
//!
//! `parse_config` is the only way in; it returns the typed interface plus warnings, or one error
//! with line and column. This module owns the config language and its checks; it does not render
//! anything and does not store anything.
mod interface;
mod parse;
mod tags;
pub mod templates;
mod xml;

pub use interface::*;
pub use parse::{ConfigError, ConfigWarning, ParsedConfig, parse_config};
pub use templates::TEXT_CLASSIFICATION_TEMPLATE;
