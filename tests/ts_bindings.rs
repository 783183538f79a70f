//! The TypeScript types in `ui/src/bindings/` are generated from the Rust types that cross IPC
//! (ts-rs). This test regenerates them into a temporary folder and fails if the committed files
//! differ, so the two sides cannot drift. To update the committed files after changing a Rust
//! type: `GLOSS_UPDATE_BINDINGS=1 cargo test -p gloss --test ts_bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;

fn generate_into(dir: &Path) {
    let config = ts_rs::Config::new().with_out_dir(dir);
    gloss::views::ProjectOverview::export_all(&config).unwrap();
    gloss::views::TaskView::export_all(&config).unwrap();
    gloss::views::SaveAnnotation::export_all(&config).unwrap();
    gloss::views::AutosaveDraft::export_all(&config).unwrap();
    gloss::views::SavedAnnotation::export_all(&config).unwrap();
    gloss::views::ImportReport::export_all(&config).unwrap();
    gloss::views::FolderImportReport::export_all(&config).unwrap();
    gloss::views::ProjectStats::export_all(&config).unwrap();
    gloss::IpcError::export_all(&config).unwrap();
    gloss::result::ResultItem::export_all(&config).unwrap();
    gloss::views::RemoteMediaStatus::export_all(&config).unwrap();
    gloss::views::RemoteMediaTaskFetch::export_all(&config).unwrap();
    gloss::views::QueueOrder::export_all(&config).unwrap();
    gloss::views::PrelabelReport::export_all(&config).unwrap();
    gloss::prelabel::settings::MachineSettings::export_all(&config).unwrap();
    gloss::prelabel::settings::ProviderKeyState::export_all(&config).unwrap();
    gloss::prelabel::settings::ConnectionTestResult::export_all(&config).unwrap();
    gloss::prelabel::settings::DesktopRunRequest::export_all(&config).unwrap();
    gloss::prelabel::settings::RunProgressEvent::export_all(&config).unwrap();
    gloss::prelabel::builtin::trainer::BuiltinModelView::export_all(&config).unwrap();
    gloss::views::ReviewQueue::export_all(&config).unwrap();
    gloss::views::ReviewRecorded::export_all(&config).unwrap();
    gloss::views::AdjudicationView::export_all(&config).unwrap();
    gloss::views::AdjudicationRecorded::export_all(&config).unwrap();
    gloss::bundle::PackReport::export_all(&config).unwrap();
    gloss::bundle::MergeReport::export_all(&config).unwrap();
}

fn read_ts_files(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "ts") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    files
}

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let generated_dir = tempfile::tempdir().unwrap();
    generate_into(generated_dir.path());
    let generated = read_ts_files(generated_dir.path());
    let committed_dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings");

    if std::env::var_os("GLOSS_UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed_dir).unwrap();
        for name in read_ts_files(&committed_dir).keys() {
            if !generated.contains_key(name) {
                std::fs::remove_file(committed_dir.join(name)).unwrap();
            }
        }
        for (name, text) in &generated {
            std::fs::write(committed_dir.join(name), text).unwrap();
        }
        return;
    }

    let committed = read_ts_files(&committed_dir);
    let missing: Vec<&String> = generated
        .keys()
        .filter(|name| !committed.contains_key(*name))
        .collect();
    let extra: Vec<&String> = committed
        .keys()
        .filter(|name| !generated.contains_key(*name))
        .collect();
    let changed: Vec<&String> = generated
        .iter()
        .filter(|(name, text)| {
            committed
                .get(*name)
                .is_some_and(|committed_text| committed_text != *text)
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && changed.is_empty(),
        "ui/src/bindings is out of date with the Rust types.\n missing: {missing:?}\n not generated: {extra:?}\n changed: {changed:?}\nRun: GLOSS_UPDATE_BINDINGS=1 cargo test -p gloss --test ts_bindings"
    );
}
