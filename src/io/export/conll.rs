//! `conll`: CoNLL-2003 NER, one token per line, from a `Labels` control on a `Text` object.
//!
//! The file opens with the `-DOCSTART- -X- -X- O` line and a blank line. Each answered task is
//! one block of lines `TOKEN -X- _ TAG` — the four CoNLL-2003 columns with placeholders for the
//! part-of-speech (`-X-`) and chunk (`_`) columns Gloss does not annotate — followed by a blank
//! line. A task is one block (Gloss does not guess sentence boundaries); a task whose text has
//! no tokens writes no block. Tags are IOB2 with the same tokenizer and overlap rule as the `hf`
//! token shape (`shape.rs`, `crate::text`). Tokens never contain whitespace, so the columns
//! always split on spaces.

use std::io::Write;
use std::path::Path;

use super::shape::{TokensPlan, tokens_plan};
use super::{AtomicFile, ExportError, ExportOptions, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;
use crate::text::Tokenizer;

pub struct ConllExporter {
    output: AtomicFile,
    plan: TokensPlan,
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
        if options.split.is_some() {
            return Err(ExportError::BadOption(
                "--format conll writes one file and does not take --split; use --format hf \
                 (its tokens shape has the same tags) for split datasets"
                    .to_owned(),
            ));
        }
        let mut output = AtomicFile::create(&options.out)?;
        output
            .writer()
            .write_all(b"-DOCSTART- -X- -X- O\n\n")
            .map_err(ExportError::io(&options.out))?;
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
        let writer = self.output.writer();
        for (token, tag) in row.tokens.iter().zip(&row.tags) {
            writeln!(writer, "{token} -X- _ {tag}").map_err(ExportError::io(path))?;
        }
        writer.write_all(b"\n").map_err(ExportError::io(path))?;
        Ok(())
    }

    fn finish(self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        self.output.commit()
    }

    fn writes_unanswered_tasks(&self) -> bool {
        false
    }
}
