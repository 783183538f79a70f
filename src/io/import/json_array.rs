//! A JSON array of task objects (also Label Studio's JSON export). The file is read whole,
//! then each element is parsed on its own so that a bad element is reported with the line it
//! starts on and the others still import. A syntax error ends the array (nothing after it can be
//! located reliably), so it fails the whole file and nothing is imported.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::jsonl::{describe_json_error, json_kind};
use super::{ImportError, RawRecord, RecordReader};

pub struct JsonArrayReader {
    bytes: Vec<u8>,
    path: PathBuf,
    /// Byte offset of the next unread element (or of `]`).
    position: usize,
    /// Line number at `line_counted_to`.
    line: u64,
    line_counted_to: usize,
    finished: bool,
}

impl JsonArrayReader {
    pub fn new(mut input: impl Read, path: &Path) -> Result<JsonArrayReader, ImportError> {
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|source| ImportError::Io {
                path: path.to_owned(),
                source,
            })?;
        let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut reader = JsonArrayReader {
            bytes,
            path: path.to_owned(),
            position: start,
            line: 1,
            line_counted_to: 0,
            finished: false,
        };
        reader.skip_whitespace();
        match reader.bytes.get(reader.position) {
            Some(b'[') => reader.position += 1,
            Some(_) => {
                return Err(reader.malformed(
                    "expected a JSON array of tasks (the file must start with '['); for one object per line use --format jsonl",
                ));
            }
            None => {
                return Err(ImportError::Empty {
                    path: path.to_owned(),
                });
            }
        }
        Ok(reader)
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.bytes.get(self.position) {
            if byte.is_ascii_whitespace() {
                self.position += 1;
            } else {
                break;
            }
        }
    }

    fn line_at(&mut self, offset: usize) -> u64 {
        let newlines = self.bytes[self.line_counted_to..offset]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count();
        self.line += newlines as u64;
        self.line_counted_to = offset;
        self.line
    }

    fn malformed(&mut self, message: &str) -> ImportError {
        let line = self.line_at(self.position.min(self.bytes.len()));
        ImportError::Malformed {
            path: self.path.clone(),
            line,
            message: message.to_owned(),
        }
    }
}

impl RecordReader for JsonArrayReader {
    fn next_record(&mut self) -> Result<Option<RawRecord>, ImportError> {
        if self.finished {
            return Ok(None);
        }
        self.skip_whitespace();
        match self.bytes.get(self.position) {
            Some(b']') => {
                self.finished = true;
                self.position += 1;
                self.skip_whitespace();
                if self.position < self.bytes.len() {
                    return Err(self.malformed("unexpected content after the closing ']'"));
                }
                return Ok(None);
            }
            None => return Err(self.malformed("the array is not closed: missing ']'")),
            Some(_) => {}
        }
        let element_start = self.position;
        let line = self.line_at(element_start);
        let mut stream =
            serde_json::Deserializer::from_slice(&self.bytes[element_start..]).into_iter::<Value>();
        let value = match stream.next() {
            Some(Ok(value)) => value,
            Some(Err(error)) => {
                let error_line = line + error.line() as u64 - 1;
                return Err(ImportError::Malformed {
                    path: self.path.clone(),
                    line: error_line,
                    message: describe_json_error(&error),
                });
            }
            None => return Err(self.malformed("the array is not closed: missing ']'")),
        };
        self.position = element_start + stream.byte_offset();
        self.skip_whitespace();
        match self.bytes.get(self.position) {
            Some(b',') => self.position += 1,
            Some(b']') => {}
            _ => return Err(self.malformed("expected ',' or ']' after an array element")),
        }
        Ok(Some(match value {
            Value::Object(object) => RawRecord::Good { line, object },
            other => RawRecord::Bad {
                line,
                message: format!("expected a JSON object, found {}", json_kind(&other)),
            },
        }))
    }
}
