//! `csv`: one row per task: the data fields the config shows, then one column per control
//! holding the exported answer (see `select::control_value`; lists and objects as JSON text),
//! then `split` when a split was asked for. Cells that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed with `'`.

use std::path::Path;

use serde_json::Value;

use super::select::control_value;
use super::{AtomicFile, ExportError, ExportSummary, ExportTask, Exporter, io_error};
use crate::config::{ControlKind, ControlTag, Interface};

pub struct CsvExporter {
    output: AtomicFile,
    writer: Option<csv::Writer<Vec<u8>>>,
    data_fields: Vec<String>,
    controls: Vec<ControlTag>,
    wrote_header: bool,
}

impl CsvExporter {
    pub fn new(interface: &Interface, out: &Path) -> Result<CsvExporter, ExportError> {
        Ok(CsvExporter {
            output: AtomicFile::create(out)?,
            writer: Some(csv::Writer::from_writer(Vec::with_capacity(1 << 16))),
            data_fields: interface.data_fields(),
            controls: interface
                .controls
                .iter()
                .filter(|control| !matches!(control.kind, ControlKind::Relations { .. }))
                .cloned()
                .collect(),
            wrote_header: false,
        })
    }

    fn flush_rows(&mut self) -> Result<(), ExportError> {
        use std::io::Write;
        let path = Path::new("csv export");
        let writer = self.writer.take().expect("the csv writer is present");
        let bytes = writer
            .into_inner()
            .map_err(|error| io_error(path, error.into_error()))?;
        self.output
            .writer()
            .write_all(&bytes)
            .map_err(|error| io_error(path, error))?;
        self.writer = Some(csv::Writer::from_writer(Vec::with_capacity(1 << 16)));
        Ok(())
    }
}

/// A cell's text, neutralised against spreadsheet formula injection.
fn cell_text(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::String(text) => text.clone(),
        Value::Number(number) => return number.to_string(),
        Value::Bool(flag) => return flag.to_string(),
        other => other.to_string(),
    };
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

impl Exporter for CsvExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let path = Path::new("csv export");
        let writer = self.writer.as_mut().expect("the csv writer is present");
        if !self.wrote_header {
            let mut header: Vec<&str> = self.data_fields.iter().map(String::as_str).collect();
            header.extend(self.controls.iter().map(|control| control.name.as_str()));
            if task.split.is_some() {
                header.push("split");
            }
            writer
                .write_record(&header)
                .map_err(|error| io_error(path, error.into()))?;
            self.wrote_header = true;
        }
        let mut row: Vec<String> = self
            .data_fields
            .iter()
            .map(|field| cell_text(task.data.get(field).unwrap_or(&Value::Null)))
            .collect();
        for control in &self.controls {
            let value = match &task.chosen_result {
                Some(result) => control_value(control, result),
                None => Value::Null,
            };
            row.push(cell_text(&value));
        }
        if let Some(split) = &task.split {
            row.push(split.clone());
        }
        writer
            .write_record(&row)
            .map_err(|error| io_error(path, error.into()))?;
        if writer.get_ref().len() > (1 << 20) {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        if !self.wrote_header {
            let mut header: Vec<&str> = self.data_fields.iter().map(String::as_str).collect();
            header.extend(self.controls.iter().map(|control| control.name.as_str()));
            let writer = self.writer.as_mut().expect("the csv writer is present");
            writer
                .write_record(&header)
                .map_err(|error| io_error(Path::new("csv export"), error.into()))?;
        }
        self.flush_rows()?;
        self.output.commit()
    }

    fn writes_unanswered_tasks(&self) -> bool {
        true
    }
}
