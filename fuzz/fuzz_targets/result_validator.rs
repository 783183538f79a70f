//! Fuzzes the result validator: the input is split at its first NUL byte into the task's data
//! (a JSON object) and a result (a JSON array); whatever parses is validated as a draft and as a
//! submission, with the task-dependent checks (span offsets against the text, in code points).
//! Any answer is fine but a panic; a result accepted on submit must also be accepted as a draft.
#![no_main]

use gloss::annotation::{parse_result, validate_result, validate_result_for_task};
use gloss::views::AnnotationStatus;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let (data_text, result_text) = text.split_once('\0').unwrap_or(("{\"body\":\"hello world\"}", text));
    let Ok(serde_json::Value::Object(data)) = serde_json::from_str::<serde_json::Value>(data_text)
    else {
        return;
    };
    let Ok(result) = parse_result(result_text) else {
        return;
    };
    let interface = gloss_fuzz::fuzz_interface();
    let submitted = validate_result(interface, &result, AnnotationStatus::Submitted);
    let draft = validate_result(interface, &result, AnnotationStatus::Draft);
    if submitted.is_ok() {
        assert!(draft.is_ok(), "accepted on submit, refused as a draft: {draft:?}");
    }
    if draft.is_ok() {
        let _ = validate_result_for_task(interface, &data, &result);
    }
});
