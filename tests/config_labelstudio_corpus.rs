//! Every Label Studio template config in `../shared/testdata/labelstudio/` against an explicit
//! table of what should happen to it, built from that folder's `INDEX.md` (its per-file tag
//! lists): a file is accepted iff all its tags are supported; otherwise the error must name the
//! first unsupported tag in the file, on the line where that tag first occurs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gloss::config::parse_config;

#[derive(Debug, Clone, Copy)]
enum Expected {
    Accepted,
    /// Rejected because of this tag (the first unsupported tag in document order).
    RejectedBecauseOf(&'static str),
}

use Expected::{Accepted, RejectedBecauseOf};

const EXPECTATIONS: &[(&str, Expected)] = &[
    (
        "audio-speech-processing__automatic-speech-recognition-using-segments.xml",
        Accepted,
    ),
    (
        "audio-speech-processing__signal-quality-detection.xml",
        Accepted,
    ),
    (
        "audio-speech-processing__speaker-segmentation.xml",
        Accepted,
    ),
    (
        "biowork__sam2-interactive-segmentation.xml",
        RejectedBecauseOf("BrushLabels"),
    ),
    ("chat__chat_rlhf.xml", Accepted),
    ("chat__chatbot.xml", Accepted),
    (
        "community-contributions__breast-cancer-mammogram-classification.xml",
        Accepted,
    ),
    (
        "community-contributions__ocr-invoices-pre-ner-bio-format.xml",
        Accepted,
    ),
    ("computer-vision__keypoints.xml", Accepted),
    (
        "computer-vision__multipage-documents.xml",
        RejectedBecauseOf("Repeater"),
    ),
    (
        "computer-vision__object-detection-with-bounding-boxes.xml",
        Accepted,
    ),
    (
        "computer-vision__optical-character-recognition.xml",
        RejectedBecauseOf("Rectangle"),
    ),
    (
        "computer-vision__pdf_ocr.xml",
        RejectedBecauseOf("OcrLabels"),
    ),
    (
        "computer-vision__semantic-segmentation-with-masks.xml",
        RejectedBecauseOf("BrushLabels"),
    ),
    (
        "computer-vision__semantic-segmentation-with-polygons.xml",
        Accepted,
    ),
    (
        "conversational-ai__intent-classification-and-slot-filling.xml",
        RejectedBecauseOf("ParagraphLabels"),
    ),
    ("conversational-ai__response-selection.xml", Accepted),
    ("dynamic-labels__asr-hypotheses.xml", Accepted),
    ("generative-ai__human-feedback-collection.xml", Accepted),
    ("generative-ai__llm-ranker.xml", Accepted),
    ("generative-ai__supervised-llm.xml", Accepted),
    (
        "natural-language-processing__named-entity-recognition.xml",
        Accepted,
    ),
    (
        "natural-language-processing__question-answering.xml",
        Accepted,
    ),
    (
        "natural-language-processing__relation-extraction.xml",
        Accepted,
    ),
    ("natural-language-processing__taxonomy.xml", Accepted),
    ("ranking-and-scoring__document-retrieval.xml", Accepted),
    ("ranking-and-scoring__pairwise-classification.xml", Accepted),
    ("ranking-and-scoring__serp-ranking.xml", Accepted),
    (
        "structured-data-parsing__html-entity-recognition.xml",
        RejectedBecauseOf("HyperTextLabels"),
    ),
    ("structured-data-parsing__pdf-classification.xml", Accepted),
    (
        "structured-data-parsing__tabular-data.xml",
        RejectedBecauseOf("Table"),
    ),
    (
        "time-series-analysis__activity-recognition.xml",
        RejectedBecauseOf("TimeSeriesLabels"),
    ),
    (
        "time-series-analysis__outliers-anomaly-detection.xml",
        RejectedBecauseOf("TimeSeries"),
    ),
    (
        "videos__video-classification.xml",
        RejectedBecauseOf("Video"),
    ),
    (
        "videos__video-object-tracking.xml",
        RejectedBecauseOf("Video"),
    ),
    (
        "videos__video-timeline-segmentation.xml",
        RejectedBecauseOf("Video"),
    ),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/labelstudio")
}

/// The 1-based line of the first `<tag` start tag, found by plain text search: `<tag` followed
/// by whitespace, `/` or `>` (so `<Video` does not match `<VideoRectangle`).
fn first_line_of_tag(text: &str, tag: &str) -> Option<u32> {
    let opener = format!("<{tag}");
    let mut search_from = 0;
    while let Some(found) = text[search_from..].find(&opener) {
        let start = search_from + found;
        let after = text[start + opener.len()..].chars().next();
        if matches!(after, Some(c) if c.is_whitespace() || c == '/' || c == '>') {
            let n_newlines = text[..start].matches('\n').count();
            return Some(u32::try_from(n_newlines).unwrap() + 1);
        }
        search_from = start + opener.len();
    }
    None
}

#[test]
fn the_table_and_the_folder_list_the_same_files() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus_dir())
        .expect("the Label Studio corpus folder exists beside the repository")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|file_name| file_name.ends_with(".xml"))
        .collect();
    let in_table: BTreeSet<String> = EXPECTATIONS
        .iter()
        .map(|(file_name, _)| file_name.to_string())
        .collect();
    assert_eq!(
        in_table.len(),
        EXPECTATIONS.len(),
        "the table names a file twice"
    );
    let not_in_table: Vec<_> = on_disk.difference(&in_table).collect();
    let missing_on_disk: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(
        not_in_table.is_empty() && missing_on_disk.is_empty(),
        "files without an expectation: {not_in_table:?}; expectations without a file: {missing_on_disk:?}"
    );
}

#[test]
fn every_corpus_config_is_accepted_or_rejected_as_the_table_says() {
    let mut failures = Vec::new();
    for &(file_name, expected) in EXPECTATIONS {
        let path = corpus_dir().join(file_name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!("{file_name}: cannot read {}", path.display()));
            continue;
        };
        match (expected, parse_config(&text)) {
            (Accepted, Ok(parsed)) => {
                if parsed.interface.controls.is_empty() {
                    failures.push(format!("{file_name}: accepted but has no control tags"));
                }
            }
            (Accepted, Err(error)) => {
                failures.push(format!("{file_name}: expected accepted, got {error}"));
            }
            (RejectedBecauseOf(tag), Ok(_)) => {
                failures.push(format!(
                    "{file_name}: expected rejected because of <{tag}>, was accepted"
                ));
            }
            (RejectedBecauseOf(tag), Err(error)) => {
                let expected_message = format!("unsupported tag <{tag}> (");
                if !error.message.starts_with(&expected_message) {
                    failures.push(format!(
                        "{file_name}: expected an error naming <{tag}>, got {error}"
                    ));
                }
                let expected_line = first_line_of_tag(&text, tag).unwrap_or_else(|| {
                    panic!("{file_name}: the table names <{tag}>, which the file does not contain")
                });
                if error.line != expected_line {
                    failures.push(format!(
                        "{file_name}: expected the error on line {expected_line}, got {error}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_counts_match_the_index() {
    let n_accepted = EXPECTATIONS
        .iter()
        .filter(|(_, expected)| matches!(expected, Accepted))
        .count();
    assert_eq!((n_accepted, EXPECTATIONS.len() - n_accepted), (23, 13));
}
