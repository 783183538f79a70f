//! Fuzzes the jsonl importer: any bytes give a report or a typed error, never a panic, and
//! the project gains exactly the tasks the report counts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    gloss_fuzz::import_bytes(bytes, gloss::io::ImportFormat::Jsonl, "input.jsonl");
});
