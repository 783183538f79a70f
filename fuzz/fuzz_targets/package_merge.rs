//! Fuzzes package merge with tampered packages: a real package (three tasks, each labelled by
//! the offline annotator) is made once; each input is a list of 5-byte patches (a little-endian
//! offset into the package file and a byte XORed there) and, when the input's length leaves one
//! byte over, a cut of the file at that fraction. The patched package is merged into a fresh
//! copy of the project. A merge may succeed or be refused; it must not panic, and the project
//! must pass SQLite's integrity check afterwards.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use gloss::Project;
use gloss::bundle::{PackOptions, PackTaskSelection};
use gloss::views::{AnnotationStatus, SaveAnnotation};
use libfuzzer_sys::fuzz_target;

struct Pristine {
    project_bytes: Vec<u8>,
    package_bytes: Vec<u8>,
}

fn pristine() -> &'static Pristine {
    static PRISTINE: OnceLock<Pristine> = OnceLock::new();
    PRISTINE.get_or_init(|| {
        let dir = gloss_fuzz::process_dir();
        let project_path = dir.join("merge-source.gloss");
        let package_path = dir.join("merge-source.package.gloss");
        {
            let mut project = Project::create(
                &project_path,
                gloss_fuzz::FUZZ_CONFIG,
                "fuzz config",
                None,
                None,
                "lead",
            )
            .expect("creating the project");
            let tasks = b"{\"body\":\"Ada works at IBM\"}\n{\"body\":\"hello\"}\n{\"body\":\"bye\"}\n";
            gloss::io::import::import_reader(
                &mut project,
                Box::new(std::io::Cursor::new(tasks.to_vec())),
                &dir.join("tasks.jsonl"),
                gloss::io::ImportFormat::Jsonl,
                true,
                "lead",
            )
            .expect("importing the tasks");
            project
                .pack(
                    &PackOptions {
                        annotator: "offline".to_owned(),
                        out: package_path.clone(),
                        tasks: PackTaskSelection::AllOpen,
                        limit: None,
                        with_media: false,
                    },
                    "lead",
                )
                .expect("packing");
        }
        {
            let mut package = Project::open(&package_path).expect("opening the package");
            while let Some(task) = package.next_task("offline", &[]).expect("next task") {
                let result = gloss::annotation::parse_result(
                    r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["high"]}},
                        {"id":"s1","from_name":"entities","to_name":"body","type":"labels","value":{"start":0,"end":1,"labels":["PER"]}}]"#,
                )
                .expect("a result");
                package
                    .save_annotation(
                        "offline",
                        &SaveAnnotation {
                            task_id: task.task_id,
                            status: AnnotationStatus::Submitted,
                            result,
                            lead_time_ms: 1_000,
                            from_prediction: None,
                        },
                    )
                    .expect("labelling in the package");
            }
        }
        Pristine {
            project_bytes: std::fs::read(&project_path).expect("reading the project"),
            package_bytes: std::fs::read(&package_path).expect("reading the package"),
        }
    })
}

fuzz_target!(|bytes: &[u8]| {
    let pristine = pristine();
    let mut package = pristine.package_bytes.clone();
    for patch in bytes.chunks_exact(5) {
        let offset = u32::from_le_bytes([patch[0], patch[1], patch[2], patch[3]]) as usize;
        let offset = offset % package.len();
        package[offset] ^= patch[4];
    }
    if bytes.len() % 5 == 1 {
        let keep = package.len() * usize::from(bytes[bytes.len() - 1]) / 256;
        package.truncate(keep);
    }
    let dir = gloss_fuzz::process_dir();
    let project_path: PathBuf = dir.join("merge-target.gloss");
    let package_path: PathBuf = dir.join("merge-input.gloss");
    for stale in ["merge-target.gloss-wal", "merge-target.gloss-shm", "merge-input.gloss-wal", "merge-input.gloss-shm"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    std::fs::write(&project_path, &pristine.project_bytes).expect("writing the project copy");
    std::fs::write(&package_path, &package).expect("writing the package");
    {
        let mut project = Project::open(&project_path).expect("the untouched project opens");
        let _ = project.merge_package(&package_path, "lead");
    }
    let store = gloss::store::ProjectStore::open_read_only(&project_path)
        .expect("the project still opens after a merge");
    let verdict = store
        .bundle_reads()
        .integrity_check()
        .expect("integrity_check runs");
    assert_eq!(verdict, "ok", "the project is damaged after a merge");
});
