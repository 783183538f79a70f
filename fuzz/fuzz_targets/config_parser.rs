//! Fuzzes the labelling-config parser: any text gives a parsed interface or a `ConfigError`
//! whose line and column lie inside the text, never a panic or a runaway allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(xml) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Err(error) = gloss::config::parse_config(xml) {
        let n_lines = xml.split('\n').count() as u32;
        assert!(
            error.line >= 1 && error.line <= n_lines.max(1),
            "line {} of {n_lines}: {error}",
            error.line
        );
        assert!(error.column >= 1, "{error}");
    }
});
