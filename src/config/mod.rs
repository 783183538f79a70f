//! The labelling config: Label Studio XML parsed into a typed [`Interface`].
mod interface;
pub use interface::*;
