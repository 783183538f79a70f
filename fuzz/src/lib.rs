//! Shared set-up for the fuzz targets: the labelling config they run against (text with a
//! span control, choices, a rating, a number, a text area, and an image with rectangles and
//! keypoints, so the result validator and the importers' checks of Label Studio annotations
//! meet every common value shape), and a project file that lives for the whole fuzzing process
//! (creating one per input would spend the time on SQLite set-up instead of the code under test).

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use gloss::Project;
use gloss::config::Interface;

pub const FUZZ_CONFIG: &str = r#"<View>
  <Text name="body" value="$body"/>
  <Labels name="entities" toName="body">
    <Label value="PER"/>
    <Label value="ORG"/>
  </Labels>
  <Choices name="urgency" toName="body" choice="single">
    <Choice value="low"/>
    <Choice value="high"/>
  </Choices>
  <Choices name="topics" toName="body" choice="multiple">
    <Choice value="bug"/>
    <Choice value="billing"/>
  </Choices>
  <Rating name="stars" toName="body" maxRating="5"/>
  <Number name="count" toName="body" min="0" max="10"/>
  <TextArea name="note" toName="body"/>
  <Image name="photo" value="$photo"/>
  <RectangleLabels name="boxes" toName="photo">
    <Label value="cat"/>
    <Label value="dog"/>
  </RectangleLabels>
  <KeyPointLabels name="points" toName="photo">
    <Label value="nose"/>
  </KeyPointLabels>
</View>
"#;

/// The parsed [`FUZZ_CONFIG`], once per process.
pub fn fuzz_interface() -> &'static Interface {
    static INTERFACE: OnceLock<Interface> = OnceLock::new();
    INTERFACE.get_or_init(|| {
        gloss::config::parse_config(FUZZ_CONFIG)
            .expect("the fuzz config parses")
            .interface
    })
}

/// A temp directory that lives as long as the process (libFuzzer exits without running
/// destructors, so it is removed by the OS's temp clean-up, not here; each holds one small
/// project file).
pub fn process_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("gloss-fuzz-")
            .tempdir()
            .expect("a temp directory")
            .keep()
    })
}

/// One project with [`FUZZ_CONFIG`] for the whole process; imports append to it.
pub fn shared_project() -> &'static Mutex<Project> {
    static PROJECT: OnceLock<Mutex<Project>> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let path = process_dir().join("fuzz.gloss");
        let project = Project::create(&path, FUZZ_CONFIG, "fuzz config", None, None, "fuzzer")
            .expect("creating the fuzz project");
        Mutex::new(project)
    })
}

/// Runs one importer over `bytes` in both modes (per-record and strict) and checks the
/// report's arithmetic: what a report counts is what it says it did.
pub fn import_bytes(bytes: &[u8], format: gloss::io::ImportFormat, file_name: &str) {
    let mut project = shared_project().lock().unwrap_or_else(|poison| poison.into_inner());
    let path = process_dir().join(file_name);
    for strict in [false, true] {
        let before = project.stats().expect("stats").tasks;
        let input = Box::new(std::io::Cursor::new(bytes.to_vec()));
        let outcome =
            gloss::io::import::import_reader(&mut project, input, &path, format, strict, "fuzzer");
        let after = project.stats().expect("stats").tasks;
        match outcome {
            Ok(report) => {
                assert_eq!(
                    after - before,
                    report.imported as i64,
                    "the report's count is what was added: {report:?}"
                );
                if strict {
                    assert_eq!(report.skipped, 0, "strict never skips: {report:?}");
                }
            }
            Err(error) => {
                assert_eq!(before, after, "a refused import adds nothing: {error}");
                assert!(!error.to_string().is_empty());
            }
        }
    }
}
