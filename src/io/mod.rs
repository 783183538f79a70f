//! Getting tasks in and datasets out: one file per format, behind two small traits.
//!
//! `import/` turns files (JSONL, a JSON array, CSV, TSV, Label Studio exports) into validated
//! task records and writes them in one transaction; `export/` streams a project into the formats
//! ML pipelines load. Formats never touch SQL directly: they go through `store`.

pub mod export;
pub mod import;
pub mod remote_media;

pub use export::{ExportError, ExportFormat, ExportOptions, ExportSummary, OnlyFilter, SplitSpec};
pub use import::{ImportError, ImportFormat, ImportOptions};
