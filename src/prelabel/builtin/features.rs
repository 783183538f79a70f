//! Text to a sparse feature vector by feature hashing (the "hashing trick"), so the model needs
//! no vocabulary and a text never seen before still maps somewhere.
//!
//! The text is normalised to NFC and lower-cased, then: word unigrams and bigrams (a word is a
//! run of alphanumeric characters), and character 3-, 4- and 5-grams of each word padded with a
//! space on both sides (so "cat" gives " ca", "cat", "at ", " cat", "cat ", " cat "). Each
//! feature is hashed (FNV-1a 64 over a namespace byte and the feature's UTF-8, then a
//! SplitMix64 finaliser) into one of [`N_BUCKETS`] buckets with a sign from another bit of the
//! same hash, so colliding features cancel out on average instead of piling up. Counts are
//! damped to `1 + ln(count)` (sublinear tf: the tenth "great" says less than the first) and
//! the vector is scaled to unit L2 length (long and short texts weigh the same). Owns nothing
//! else: which text a task shows is decided in `mod.rs`.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// log2 of the number of buckets.
pub const BUCKET_BITS: u32 = 18;
/// 2^18 = 262,144 buckets: few collisions for a project's vocabulary, 1 MiB of f32 weights per
/// label.
pub const N_BUCKETS: usize = 1 << BUCKET_BITS;
/// Only the first this-many characters of a text are read: a hostile or enormous task costs
/// bounded time and memory, and the opening of a text carries its topic anyway.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// A sparse, L2-normalised feature vector: (bucket, value), buckets ascending and distinct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseFeatures {
    pub entries: Vec<(u32, f32)>,
}

const NAMESPACE_WORD: u8 = b'w';
const NAMESPACE_BIGRAM: u8 = b'b';
const NAMESPACE_CHARS: u8 = b'c';

/// The features of one text.
pub fn text_features(text: &str) -> SparseFeatures {
    let normalised: String = text
        .chars()
        .take(MAX_TEXT_CHARS)
        .nfc()
        .flat_map(char::to_lowercase)
        .collect();
    let words: Vec<&str> = normalised
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let mut counts: HashMap<(u8, u64), u32> = HashMap::new();
    let mut add = |namespace: u8, feature: &str| {
        *counts
            .entry((namespace, feature_hash(namespace, feature)))
            .or_insert(0) += 1;
    };
    let mut padded = String::new();
    for (word_idx, word) in words.iter().enumerate() {
        add(NAMESPACE_WORD, word);
        if let Some(next_word) = words.get(word_idx + 1) {
            let bigram = format!("{word} {next_word}");
            add(NAMESPACE_BIGRAM, &bigram);
        }
        padded.clear();
        padded.push(' ');
        padded.push_str(word);
        padded.push(' ');
        let boundaries: Vec<usize> = padded
            .char_indices()
            .map(|(byte_idx, _)| byte_idx)
            .chain(std::iter::once(padded.len()))
            .collect();
        let n_chars = boundaries.len() - 1;
        for n in 3..=5 {
            if n > n_chars {
                break;
            }
            for start in 0..=(n_chars - n) {
                add(
                    NAMESPACE_CHARS,
                    &padded[boundaries[start]..boundaries[start + n]],
                );
            }
        }
    }
    let mut by_bucket: HashMap<u32, f32> = HashMap::new();
    for ((_, hash), count) in counts {
        let bucket = (hash & (N_BUCKETS as u64 - 1)) as u32;
        let sign = if hash >> 63 == 0 { 1.0 } else { -1.0 };
        *by_bucket.entry(bucket).or_insert(0.0) += sign * (1.0 + (count as f32).ln());
    }
    let mut entries: Vec<(u32, f32)> = by_bucket
        .into_iter()
        .filter(|(_, value)| *value != 0.0)
        .collect();
    // Sorted so that the order of summation, hence every float, is the same on every run
    // (HashMap iteration order is random).
    entries.sort_unstable_by_key(|(bucket, _)| *bucket);
    let norm = entries
        .iter()
        .map(|(_, value)| f64::from(*value) * f64::from(*value))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for (_, value) in &mut entries {
            *value = (f64::from(*value) / norm) as f32;
        }
    }
    SparseFeatures { entries }
}

/// FNV-1a 64 over the namespace and the feature, then SplitMix64's finaliser: FNV alone mixes
/// its last bytes poorly into the low bits that pick the bucket. Fixed forever: a stored
/// model's weights are only meaningful with the hash it was trained with.
pub fn feature_hash(namespace: u8, feature: &str) -> u64 {
    let mut hash = fnv1a64(0xcbf2_9ce4_8422_2325, &[namespace]);
    hash = fnv1a64(hash, feature.as_bytes());
    splitmix64_finalise(hash)
}

pub(crate) fn fnv1a64(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

pub(crate) fn splitmix64_finalise(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_unit_length_sorted_and_case_and_normalisation_blind() {
        let features = text_features("Café CAFÉ great");
        let norm: f32 = features
            .entries
            .iter()
            .map(|(_, value)| value * value)
            .sum();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        assert!(
            features
                .entries
                .windows(2)
                .all(|pair| pair[0].0 < pair[1].0)
        );
        // "e" + combining acute (NFD) is the same text as "é" (NFC).
        assert_eq!(text_features("cafe\u{301}"), text_features("CAFÉ"));
        assert_ne!(text_features("cafe"), text_features("café"));
    }

    #[test]
    fn an_empty_or_punctuation_only_text_has_no_features() {
        assert!(text_features("").entries.is_empty());
        assert!(text_features("  !?… ").entries.is_empty());
    }

    #[test]
    fn the_hash_is_fixed() {
        // A stored model depends on these values never changing (checked against an
        // independent FNV-1a + SplitMix64 computation).
        assert_eq!(fnv1a64(0xcbf2_9ce4_8422_2325, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(feature_hash(NAMESPACE_WORD, "great"), 0x893f_0f81_cf41_8548);
    }
}
