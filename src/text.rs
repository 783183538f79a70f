//! Text in Unicode code points: offsets, slices, tokenizers and IOB2 tagging.
//!
//! Every text offset Gloss stores or exports counts Unicode code points (Rust `char`s), which is
//! exactly what Python's `text[start:end]` and Label Studio's span offsets count. This module
//! converts between those offsets and Rust's byte offsets, splits text into tokens with their
//! code-point offsets, and tags tokens with IOB2 tags from labelled spans. It owns no I/O and
//! knows nothing about configs or exports; the exporters in `io::export` use it.
//!
//! Tokens are built from extended grapheme clusters (UAX #29), never from single code points,
//! so an emoji ZWJ sequence (👩‍👩‍👧), an emoji with a skin tone (👍🏽), a flag, a letter with
//! combining marks (e + U+0301) or CRLF is never cut in two.

use unicode_segmentation::UnicodeSegmentation;

/// How text is split into tokens (`--tokenizer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tokenizer {
    /// Maximal runs of non-whitespace (Unicode `White_Space`): `"Hi, you!"` →
    /// `Hi,` `you!`.
    Whitespace,
    /// Runs of word characters (Unicode letters, digits, marks, `_`) or single other symbols:
    /// `"Hi, you!"` → `Hi` `,` `you` `!`. The default.
    #[default]
    Wordpunct,
}

impl Tokenizer {
    pub fn name(self) -> &'static str {
        match self {
            Tokenizer::Whitespace => "whitespace",
            Tokenizer::Wordpunct => "wordpunct",
        }
    }

    /// One sentence for dataset cards and help texts.
    pub fn description(self) -> &'static str {
        match self {
            Tokenizer::Whitespace => {
                "`whitespace`: a token is a maximal run of non-whitespace characters \
                 (Unicode White_Space; invisible bidi and zero-width \
                 format characters also separate tokens)"
            }
            Tokenizer::Wordpunct => {
                "`wordpunct`: a token is a maximal run of word characters (Unicode letters and \
                 digits with their combining marks, and `_`), or one other non-space symbol (one \
                 grapheme cluster: `!`, `,` or a whole emoji sequence such as 👍🏽). Like NLTK's \
                 `wordpunct_tokenize`, except that a run of punctuation gives one token per \
                 symbol (`?!` is `?`, `!`) and an emoji is never split"
            }
        }
    }
}

/// A token: its text and its code-point offsets `[start, end)` in the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// The number of code points in `text` (Python's `len(text)`).
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// The byte offset of code point `char_idx`, or `None` past the end (`char_len` maps to
/// `text.len()`).
pub fn byte_offset(text: &str, char_idx: usize) -> Option<usize> {
    if char_idx == 0 {
        return Some(0);
    }
    let mut n_chars = 0;
    for (byte_idx, _) in text.char_indices() {
        if n_chars == char_idx {
            return Some(byte_idx);
        }
        n_chars += 1;
    }
    (n_chars == char_idx).then_some(text.len())
}

/// `text[start:end]` in code points, as Python slices a `str`; `None` if the range is reversed
/// or goes past the end.
pub fn char_slice(text: &str, start: usize, end: usize) -> Option<&str> {
    if start > end {
        return None;
    }
    let start_byte = byte_offset(text, start)?;
    let end_byte = start_byte + byte_offset(&text[start_byte..], end - start)?;
    Some(&text[start_byte..end_byte])
}

/// Splits `text` into tokens with code-point offsets.
pub fn tokenize(text: &str, tokenizer: Tokenizer) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    // The open token: its start in bytes and code points.
    let mut open: Option<(usize, usize)> = None;
    let mut char_idx = 0;
    for (byte_idx, cluster) in text.grapheme_indices(true) {
        let n_cluster_chars = char_len(cluster);
        let kind = cluster_kind(cluster);
        let continues_token = match tokenizer {
            Tokenizer::Whitespace => kind != ClusterKind::Space,
            Tokenizer::Wordpunct => kind == ClusterKind::Word,
        };
        if !continues_token {
            if let Some((start_byte, start_char)) = open.take() {
                tokens.push(Token {
                    text: &text[start_byte..byte_idx],
                    start: start_char,
                    end: char_idx,
                });
            }
            if kind == ClusterKind::Symbol {
                tokens.push(Token {
                    text: cluster,
                    start: char_idx,
                    end: char_idx + n_cluster_chars,
                });
            }
        } else if open.is_none() {
            open = Some((byte_idx, char_idx));
        }
        char_idx += n_cluster_chars;
    }
    if let Some((start_byte, start_char)) = open {
        tokens.push(Token {
            text: &text[start_byte..],
            start: start_char,
            end: char_idx,
        });
    }
    tokens
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClusterKind {
    Space,
    Word,
    Symbol,
}

/// A grapheme cluster is a word character if its base (first code point) is a letter, digit or
/// `_`; the marks that follow the base belong to the same cluster, so they never split a word.
fn cluster_kind(cluster: &str) -> ClusterKind {
    let base = cluster.chars().next().unwrap_or(' ');
    if base.is_whitespace() || is_invisible_format(base) {
        ClusterKind::Space
    } else if base.is_alphanumeric() || base == '_' {
        ClusterKind::Word
    } else {
        ClusterKind::Symbol
    }
}

/// Bidi marks and embeddings, zero-width spaces and joiners, word joiner, BOM: invisible, so
/// they separate tokens like whitespace instead of becoming tokens of their own. (Inside a
/// cluster, after a base character, they stay part of the token.)
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// A labelled span `[start, end)` in code points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledSpan<'a> {
    pub start: usize,
    pub end: usize,
    pub label: &'a str,
}

/// IOB2 tags for `tokens` from `spans`: a token is inside a span if it overlaps it (shares at
/// least one code point). When spans overlap, the span that starts first wins, and of those
/// starting together the longest (then the first given); the losing span only tags the tokens
/// the winner does not cover. A token starts a new entity (`B-`) whenever its winning span
/// differs from the previous token's, so two adjacent spans with the same label give `B-X B-X`.
pub fn iob2_tags(tokens: &[Token<'_>], spans: &[LabelledSpan<'_>]) -> Vec<String> {
    let mut span_order: Vec<usize> = (0..spans.len()).collect();
    span_order.sort_by_key(|&span_idx| {
        let span = &spans[span_idx];
        (span.start, std::cmp::Reverse(span.end), span_idx)
    });
    let mut tags = Vec::with_capacity(tokens.len());
    let mut previous_span: Option<usize> = None;
    for token in tokens {
        let winner = span_order.iter().copied().find(|&span_idx| {
            let span = &spans[span_idx];
            token.start < span.end && span.start < token.end
        });
        tags.push(match winner {
            None => "O".to_owned(),
            Some(span_idx) if previous_span == Some(span_idx) => {
                format!("I-{}", spans[span_idx].label)
            }
            Some(span_idx) => format!("B-{}", spans[span_idx].label),
        });
        previous_span = winner;
    }
    tags
}

/// The IOB2 tag names for these labels, in order: `O, B-X, I-X, B-Y, I-Y, ...`.
pub fn iob2_names<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names = vec!["O".to_owned()];
    for label in labels {
        names.push(format!("B-{label}"));
        names.push(format!("I-{label}"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(tokens: &[Token<'a>]) -> Vec<&'a str> {
        tokens.iter().map(|token| token.text).collect()
    }

    /// Every token's offsets slice back to its text, the way Python would.
    fn assert_offsets_round_trip(text: &str, tokenizer: Tokenizer) {
        for token in tokenize(text, tokenizer) {
            assert_eq!(
                char_slice(text, token.start, token.end),
                Some(token.text),
                "{token:?} in {text:?}"
            );
        }
    }

    #[test]
    fn code_point_offsets_count_chars_not_bytes_or_graphemes() {
        // 👩‍👩‍👧 is 5 code points (3 emoji, 2 ZWJ); 👍🏽 is 2; é here is e + U+0301 (2).
        let text = "a👩\u{200d}👩\u{200d}👧b👍🏽e\u{301}";
        assert_eq!(char_len(text), 1 + 5 + 1 + 2 + 2);
        assert_eq!(char_slice(text, 1, 6), Some("👩\u{200d}👩\u{200d}👧"));
        assert_eq!(char_slice(text, 7, 9), Some("👍🏽"));
        assert_eq!(char_slice(text, 9, 11), Some("e\u{301}"));
        assert_eq!(char_slice(text, 11, 11), Some(""));
        assert_eq!(char_slice(text, 11, 12), None);
        assert_eq!(char_slice(text, 3, 2), None);
        assert_eq!(byte_offset(text, char_len(text)), Some(text.len()));
        assert_eq!(byte_offset("", 0), Some(0));
        assert_eq!(byte_offset("", 1), None);
    }

    #[test]
    fn wordpunct_keeps_emoji_sequences_and_skin_tones_whole() {
        let text = "Family: 👩\u{200d}👩\u{200d}👧!! 👍🏽ok 🇫🇷";
        let tokens = tokenize(text, Tokenizer::Wordpunct);
        assert_eq!(
            texts(&tokens),
            [
                "Family",
                ":",
                "👩\u{200d}👩\u{200d}👧",
                "!",
                "!",
                "👍🏽",
                "ok",
                "🇫🇷"
            ]
        );
        assert_eq!((tokens[2].start, tokens[2].end), (8, 13));
        assert_offsets_round_trip(text, Tokenizer::Wordpunct);
        assert_offsets_round_trip(text, Tokenizer::Whitespace);
    }

    #[test]
    fn combining_marks_stay_inside_their_word() {
        // "café" with a decomposed é, and Devanagari with a virama and vowel signs.
        let text = "cafe\u{301} नमस्ते, x";
        let tokens = tokenize(text, Tokenizer::Wordpunct);
        assert_eq!(texts(&tokens), ["cafe\u{301}", "नमस्ते", ",", "x"]);
        assert_eq!((tokens[0].start, tokens[0].end), (0, 5));
        assert_offsets_round_trip(text, Tokenizer::Wordpunct);
    }

    #[test]
    fn cjk_runs_are_one_word_token_and_punctuation_splits_them() {
        let text = "東京は、晴れ。";
        let tokens = tokenize(text, Tokenizer::Wordpunct);
        assert_eq!(texts(&tokens), ["東京は", "、", "晴れ", "。"]);
        assert_eq!((tokens[2].start, tokens[2].end), (4, 6));
        assert_eq!(texts(&tokenize(text, Tokenizer::Whitespace)), [text]);
    }

    #[test]
    fn right_to_left_text_is_tokenized_in_logical_order() {
        // Hebrew and Arabic (with a harakat mark); the right-to-left mark is invisible and
        // separates tokens without becoming one.
        let text = "שלום עולם! \u{200f}مَرحبا\u{200f}.";
        let tokens = tokenize(text, Tokenizer::Wordpunct);
        assert_eq!(texts(&tokens), ["שלום", "עולם", "!", "مَرحبا", "."]);
        assert_eq!((tokens[3].start, tokens[3].end), (12, 18));
        assert_eq!((tokens[0].start, tokens[0].end), (0, 4));
        assert_offsets_round_trip(text, Tokenizer::Wordpunct);
    }

    #[test]
    fn crlf_is_whitespace_and_counts_two_code_points() {
        let text = "one\r\ntwo\r\n\r\nthree";
        let tokens = tokenize(text, Tokenizer::Whitespace);
        assert_eq!(texts(&tokens), ["one", "two", "three"]);
        assert_eq!((tokens[1].start, tokens[1].end), (5, 8));
        assert_eq!((tokens[2].start, tokens[2].end), (12, 17));
        assert_eq!(
            texts(&tokenize(text, Tokenizer::Wordpunct)),
            ["one", "two", "three"]
        );
    }

    #[test]
    fn whitespace_tokenizer_keeps_punctuation_attached() {
        let text = "  Hi, you!\tsnake_case ";
        assert_eq!(
            texts(&tokenize(text, Tokenizer::Whitespace)),
            ["Hi,", "you!", "snake_case"]
        );
        assert_eq!(
            texts(&tokenize(text, Tokenizer::Wordpunct)),
            ["Hi", ",", "you", "!", "snake_case"]
        );
        assert!(tokenize("", Tokenizer::Wordpunct).is_empty());
        assert!(tokenize(" \n ", Tokenizer::Whitespace).is_empty());
    }

    fn span(start: usize, end: usize, label: &str) -> LabelledSpan<'_> {
        LabelledSpan { start, end, label }
    }

    #[test]
    fn iob2_tags_overlapping_tokens_and_separates_adjacent_spans() {
        let text = "Ada Lovelace met Charles Babbage in London";
        let tokens = tokenize(text, Tokenizer::Wordpunct);
        // Two adjacent PER spans ("Ada Lovelace", "met" is O), then two adjacent spans with the
        // same label and no gap: "Charles" and "Babbage" tagged separately.
        let spans = [
            span(0, 12, "PER"),
            span(17, 24, "PER"),
            span(25, 32, "PER"),
            // Starts inside "London": the whole token is tagged.
            span(38, 42, "LOC"),
        ];
        assert_eq!(
            iob2_tags(&tokens, &spans),
            ["B-PER", "I-PER", "O", "B-PER", "B-PER", "O", "B-LOC"]
        );
    }

    #[test]
    fn iob2_overlaps_go_to_the_first_starting_then_longest_span() {
        let text = "New York City Hall";
        let tokens = tokenize(text, Tokenizer::Whitespace);
        // "New York City" (LOC) and "York City Hall" (ORG) overlap; LOC starts first and wins
        // its tokens, ORG keeps only "Hall". "New York" (GPE) starts with LOC but is shorter.
        let spans = [span(4, 18, "ORG"), span(0, 8, "GPE"), span(0, 13, "LOC")];
        assert_eq!(
            iob2_tags(&tokens, &spans),
            ["B-LOC", "I-LOC", "I-LOC", "B-ORG"]
        );
        assert_eq!(iob2_tags(&tokens, &[]), ["O", "O", "O", "O"]);
        // An empty span covers no code point and tags nothing.
        assert_eq!(iob2_tags(&tokens, &[span(4, 4, "X")]), ["O", "O", "O", "O"]);
    }

    #[test]
    fn iob2_names_follow_label_order() {
        assert_eq!(
            iob2_names(["PER", "LOC"]),
            ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
        );
    }
}
