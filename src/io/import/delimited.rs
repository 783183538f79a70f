//! CSV and TSV: the header row names the data fields; every later row is one task whose fields
//! are strings. A row with the wrong number of cells, or with bytes that are not UTF-8, is
//! reported with its line and skipped.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{ImportError, MAX_RECORD_BYTES, RawRecord, RecordReader};

pub struct DelimitedReader<R: Read> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
    record: csv::ByteRecord,
}

impl<R: Read> DelimitedReader<R> {
    pub fn new(input: R, path: &Path, delimiter: u8) -> Result<DelimitedReader<R>, ImportError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(input);
        let malformed = |line: u64, message: String| ImportError::Malformed {
            path: PathBuf::from(path),
            line,
            message,
        };
        let header_record = reader
            .byte_headers()
            .map_err(|error| malformed(1, describe_csv_error(&error)))?
            .clone();
        let mut headers = Vec::with_capacity(header_record.len());
        for (column_idx, cell) in header_record.iter().enumerate() {
            let mut name = std::str::from_utf8(cell)
                .map_err(|_| {
                    malformed(
                        1,
                        format!("header cell {} is not valid UTF-8", column_idx + 1),
                    )
                })?
                .trim()
                .to_owned();
            if column_idx == 0 {
                name = name.trim_start_matches('\u{feff}').to_owned();
            }
            if name.is_empty() {
                return Err(malformed(
                    1,
                    format!(
                        "header cell {} is empty: every column needs a name",
                        column_idx + 1
                    ),
                ));
            }
            if headers.contains(&name) {
                return Err(malformed(1, format!("the header names \"{name}\" twice")));
            }
            headers.push(name);
        }
        if headers.is_empty() {
            return Err(ImportError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(DelimitedReader {
            reader,
            headers,
            record: csv::ByteRecord::new(),
        })
    }
}

fn describe_csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} cells but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

impl<R: Read> RecordReader for DelimitedReader<R> {
    fn next_record(&mut self) -> Result<Option<RawRecord>, ImportError> {
        loop {
            let line_before = self.reader.position().line();
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {
                    let line = self.record.position().map_or(line_before, |p| p.line());
                    if self.record.len() == 1 && self.record.get(0) == Some(b"") {
                        continue; // an empty line
                    }
                    if self.record.as_slice().len() > MAX_RECORD_BYTES {
                        return Ok(Some(RawRecord::Bad {
                            line,
                            message: format!(
                                "the row is longer than {} MiB",
                                MAX_RECORD_BYTES / (1024 * 1024)
                            ),
                        }));
                    }
                    let mut object = Map::with_capacity(self.headers.len());
                    for (column_idx, cell) in self.record.iter().enumerate() {
                        let Ok(text) = std::str::from_utf8(cell) else {
                            return Ok(Some(RawRecord::Bad {
                                line,
                                message: format!(
                                    "column \"{}\" is not valid UTF-8",
                                    self.headers[column_idx]
                                ),
                            }));
                        };
                        object.insert(
                            self.headers[column_idx].clone(),
                            Value::String(text.to_owned()),
                        );
                    }
                    return Ok(Some(RawRecord::Good { line, object }));
                }
                Err(error) => {
                    let line = error
                        .position()
                        .map_or(line_before, |position| position.line());
                    if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                        return Err(ImportError::Malformed {
                            path: PathBuf::new(),
                            line,
                            message: error.to_string(),
                        });
                    }
                    return Ok(Some(RawRecord::Bad {
                        line,
                        message: describe_csv_error(&error),
                    }));
                }
            }
        }
    }
}
