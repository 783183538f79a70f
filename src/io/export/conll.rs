//! `conll`: CoNLL-2003 NER, one token per line, from a `Labels` control on a `Text` object.
//!
//! The file opens with the `-DOCSTART- -X- -X- O` line and a blank line. Each answered task is
//! one block of lines `TOKEN -X- _ TAG` — the four CoNLL-2003 columns with placeholders for the
//! part-of-speech (`-X-`) and chunk (`_`) columns Gloss does not annotate — followed by a blank
//! line. A task is one block (Gloss does not guess sentence boundaries); a task whose text has
//! no tokens writes no block. Tags are IOB2 with the same tokenizer and overlap rule as the `hf`
//! token shape (`shape.rs`, `crate::text`). Tokens never contain whitespace, so the columns
//! always split on spaces.
//!
//! With `--split`, `--out` is a folder holding one such file per split, `<split>.conll`
//! (`train.conll`, `validation.conll`, `test.conll`: every declared split gets its file, even an
//! empty one), with the same deterministic split as the other formats (`split.rs`). The folder
//! is written under a temporary name and renamed into place when complete.

use std::io::Write;
use std::path::Path;

use super::shape::{TokensPlan, tokens_plan};
use super::vision::OutputDir;
use super::{AtomicFile, ExportError, ExportOptions, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;
use crate::text::Tokenizer;

pub struct ConllExporter {
    output: ConllOutput,
    plan: TokensPlan,
}

enum ConllOutput {
    /// No `--split`: one file.
    File(AtomicFile),
    /// `--split`: a folder with one file per split, opened as splits are first seen.
    SplitFolder {
        folder: OutputDir,
        files: Vec<(String, std::io::BufWriter<std::fs::File>)>,
    },
}

const DOCSTART: &[u8] = b"-DOCSTART- -X- -X- O\n\n";

impl ConllOutput {
    /// The writer for a task's split (the one file without `--split`).
    fn writer(
        &mut self,
        split: Option<&str>,
    ) -> Result<&mut std::io::BufWriter<std::fs::File>, ExportError> {
        match self {
            ConllOutput::File(file) => Ok(file.writer()),
            ConllOutput::SplitFolder { folder, files } => {
                let split = split.unwrap_or("train");
                let position = match files.iter().position(|(name, _)| name == split) {
                    Some(position) => position,
                    None => {
                        let path = folder.temporary_dir.join(format!("{split}.conll"));
                        let file = std::fs::File::create(&path).map_err(ExportError::io(&path))?;
                        let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
                        writer.write_all(DOCSTART).map_err(ExportError::io(&path))?;
                        files.push((split.to_owned(), writer));
                        files.len() - 1
                    }
                };
                Ok(&mut files[position].1)
            }
        }
    }
}

impl ConllExporter {
    pub fn new(
        interface: &Interface,
        options: &ExportOptions,
        tokenizer: Tokenizer,
    ) -> Result<ConllExporter, ExportError> {
        let plan = tokens_plan(interface, tokenizer).ok_or_else(|| {
            ExportError::BadOption(
                "--format conll needs a Labels control on a Text object in the config".to_owned(),
            )
        })?;
        let output = if options.split.is_some() {
            ConllOutput::SplitFolder {
                folder: OutputDir::create(&options.out)?,
                files: Vec::new(),
            }
        } else {
            let mut file = AtomicFile::create(&options.out)?;
            file.writer()
                .write_all(DOCSTART)
                .map_err(ExportError::io(&options.out))?;
            ConllOutput::File(file)
        };
        Ok(ConllExporter { output, plan })
    }
}

impl Exporter for ConllExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(result) = &task.chosen_result else {
            return Ok(());
        };
        let Some(row) = self.plan.row(task, result) else {
            return Ok(());
        };
        if row.tokens.is_empty() {
            return Ok(());
        }
        let path = Path::new("conll export");
        let writer = self.output.writer(task.split.as_deref())?;
        for (token, tag) in row.tokens.iter().zip(&row.tags) {
            writeln!(writer, "{token} -X- _ {tag}").map_err(ExportError::io(path))?;
        }
        writer.write_all(b"\n").map_err(ExportError::io(path))?;
        Ok(())
    }

    fn finish(mut self: Box<Self>, summary: &ExportSummary) -> Result<(), ExportError> {
        // Every declared split gets its file, even when no task fell into it.
        for (split, _) in &summary.splits {
            self.output.writer(Some(split))?;
        }
        match self.output {
            ConllOutput::File(file) => file.commit(),
            ConllOutput::SplitFolder { mut folder, files } => {
                for (split, writer) in files {
                    let path = folder.temporary_dir.join(format!("{split}.conll"));
                    let file = writer
                        .into_inner()
                        .map_err(|error| ExportError::io(&path)(error.into_error()))?;
                    file.sync_all().map_err(ExportError::io(&path))?;
                }
                folder.commit()
            }
        }
    }

    fn writes_unanswered_tasks(&self) -> bool {
        false
    }
}
