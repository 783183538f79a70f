//! Folder import speed (issue 4): a folder of small PNGs imported into a new project, then the
//! same folder imported again (every file already a task), and a folder of small JPEGs.
//!
//! `cargo bench --bench import_folder` (add `-- --files N`; default 10,000). The files are
//! written first, so they are in the page cache: the figures are the import's own cost (walk,
//! real paths, headers and end checks, SQLite), not the disk's. Printed, never asserted.

use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

use gloss::Project;
use gloss::io::import::folder::{FolderImportOptions, import_folder};

const CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="cat"/></RectangleLabels>
</View>"#;

fn encoded(format: image::ImageFormat, seed: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x + seed) as u8, (y * 3 + seed) as u8, (seed % 251) as u8])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// Writes `n_files` images in folders of 500, each a little different.
fn write_folder(folder: &Path, n_files: usize, format: image::ImageFormat, extension: &str) {
    for file_idx in 0..n_files {
        let subfolder = folder.join(format!("part-{:03}", file_idx / 500));
        if file_idx % 500 == 0 {
            std::fs::create_dir_all(&subfolder).unwrap();
        }
        let bytes = encoded(format, file_idx as u32);
        std::fs::write(
            subfolder.join(format!("image-{file_idx:06}.{extension}")),
            bytes,
        )
        .unwrap();
    }
}

fn timed_import(project: &mut Project, folder: &Path) -> (f64, gloss::views::FolderImportReport) {
    let started = Instant::now();
    let report = import_folder(project, folder, FolderImportOptions::default(), "bench").unwrap();
    (started.elapsed().as_secs_f64(), report)
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let n_files: usize = arguments
        .iter()
        .position(|argument| argument == "--files")
        .map(|idx| arguments[idx + 1].parse().expect("--files N"))
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let png_folder = dir.path().join("png");
    let jpeg_folder = dir.path().join("jpeg");
    write_folder(&png_folder, n_files, image::ImageFormat::Png, "png");
    write_folder(&jpeg_folder, n_files, image::ImageFormat::Jpeg, "jpg");
    let mut project = Project::create(
        &dir.path().join("bench.gloss"),
        CONFIG,
        "bench config",
        None,
        None,
        "bench",
    )
    .unwrap();

    println!("| step | files | time | files/s |");
    println!("|---|---:|---:|---:|");
    let row = |step: &str, seconds: f64, n: u64| {
        println!(
            "| {step} | {n} | {:.0} ms | {:.0} |",
            seconds * 1000.0,
            n as f64 / seconds
        );
    };
    let (seconds, report) = timed_import(&mut project, &png_folder);
    assert_eq!(report.imported, n_files as u64, "{report:?}");
    row("import a folder of 32×24 PNGs", seconds, report.imported);
    let (seconds, report) = timed_import(&mut project, &png_folder);
    assert_eq!(report.already_imported, n_files as u64, "{report:?}");
    row(
        "import the same folder again (all already tasks)",
        seconds,
        report.already_imported,
    );
    let (seconds, report) = timed_import(&mut project, &jpeg_folder);
    assert_eq!(report.imported, n_files as u64, "{report:?}");
    row("import a folder of 32×24 JPEGs", seconds, report.imported);
}
