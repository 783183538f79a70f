//! JSON Lines: one JSON object per line. Blank lines are ignored; a UTF-8 byte order mark at
//! the start and `\r\n` line ends are accepted. A line longer than `MAX_RECORD_BYTES` is
//! reported and skipped without being held in memory.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ImportError, MAX_RECORD_BYTES, RawRecord, RecordReader};

pub struct JsonlReader<R: Read> {
    input: BufReader<R>,
    path: PathBuf,
    line_number: u64,
    line: Vec<u8>,
}

impl<R: Read> JsonlReader<R> {
    pub fn new(input: R, path: &Path) -> JsonlReader<R> {
        JsonlReader {
            input: BufReader::with_capacity(256 * 1024, input),
            path: path.to_owned(),
            line_number: 0,
            line: Vec::new(),
        }
    }

    /// Reads the next line into `self.line` (without its end), keeping at most
    /// `MAX_RECORD_BYTES`. Returns `None` at end of file, else whether the line was too long.
    fn read_line(&mut self) -> Result<Option<bool>, ImportError> {
        self.line.clear();
        let mut too_long = false;
        let mut read_anything = false;
        loop {
            let buffer = self.input.fill_buf().map_err(|source| ImportError::Io {
                path: self.path.clone(),
                source,
            })?;
            if buffer.is_empty() {
                break;
            }
            read_anything = true;
            let (chunk, found_end) = match memchr_newline(buffer) {
                Some(newline_idx) => (&buffer[..newline_idx], true),
                None => (buffer, false),
            };
            if !too_long {
                if self.line.len() + chunk.len() > MAX_RECORD_BYTES {
                    too_long = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            let consumed = chunk.len() + usize::from(found_end);
            self.input.consume(consumed);
            if found_end {
                break;
            }
        }
        if !read_anything {
            return Ok(None);
        }
        self.line_number += 1;
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        if self.line_number == 1 && self.line.starts_with(b"\xEF\xBB\xBF") {
            self.line.drain(..3);
        }
        Ok(Some(too_long))
    }
}

fn memchr_newline(buffer: &[u8]) -> Option<usize> {
    buffer.iter().position(|byte| *byte == b'\n')
}

impl<R: Read> RecordReader for JsonlReader<R> {
    fn next_record(&mut self) -> Result<Option<RawRecord>, ImportError> {
        loop {
            let Some(too_long) = self.read_line()? else {
                return Ok(None);
            };
            let line = self.line_number;
            if too_long {
                return Ok(Some(RawRecord::Bad {
                    line,
                    message: format!(
                        "the line is longer than {} MiB; split the record or shorten it",
                        MAX_RECORD_BYTES / (1024 * 1024)
                    ),
                }));
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let record = match serde_json::from_slice::<Value>(&self.line) {
                Ok(Value::Object(object)) => RawRecord::Good { line, object },
                Ok(other) => RawRecord::Bad {
                    line,
                    message: format!("expected a JSON object, found {}", json_kind(&other)),
                },
                Err(error) => RawRecord::Bad {
                    line,
                    message: describe_json_error(&error),
                },
            };
            return Ok(Some(record));
        }
    }
}

/// "an array", "a string", ... for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message with the column, without its own "at line 1" suffix.
pub fn describe_json_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(suffix_idx) => message[..suffix_idx].to_owned(),
        None => message,
    };
    format!("invalid JSON at column {}: {message}", error.column())
}
