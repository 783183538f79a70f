//! The image preview benchmark (issue 4, "a 10,000 × 10,000 image opens smoothly"): what the
//! core spends making and serving the preview of a big image, printed, never asserted.
//!
//! `cargo bench --bench image_preview` (add `-- --side N` for another size). The JPEG (a
//! gradient with noise, quality 85, like a scanned slide) is written by this program into
//! `$TMPDIR/gloss-image-preview-bench` and kept between runs. Each row is one fresh project:
//! - header: `read_image_size`, what import reads per file (size, EXIF orientation, bomb and
//!   truncation checks);
//! - first preview: `Project::image_preview` with an empty cache (decode the whole image, scale
//!   to 2,048 px, orient, encode, store): what the desktop's background worker spends after an
//!   import, or an open that comes before it;
//! - cached preview: the project reopened, `Project::image_preview_lookup` answering from the
//!   cache (file stamp, one row): what every later open costs in the core before the bytes go
//!   to the web view.
//!
//! Next to each wall-clock time the process's CPU time is printed (Linux `/proc/self/stat`), since
//! the machine this runs on is often shared.

use std::path::{Path, PathBuf};
use std::time::Instant;

use gloss::Project;
use gloss::media_preview::ImagePreviewLookup;

const CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <PolygonLabels name="outline" toName="image"><Label value="Cell"/></PolygonLabels>
</View>"#;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let side: u32 = arguments
        .iter()
        .position(|argument| argument == "--side")
        .map(|idx| arguments[idx + 1].parse().expect("--side N"))
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join("gloss-image-preview-bench");
    std::fs::create_dir_all(&dir).expect("the bench folder");
    let jpeg = write_jpeg(&dir, side);
    let file_mib = std::fs::metadata(&jpeg).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0;
    println!(
        "image preview bench: {side} x {side} JPEG, {file_mib:.1} MiB ({})",
        jpeg.display()
    );
    println!(
        "| run | header (import) | first preview (wall; CPU) | cached preview | preview size |"
    );
    println!("|---|---:|---:|---:|---:|");
    for run_idx in 1..=3 {
        let project_dir = tempfile::tempdir_in(&dir).expect("a project folder");
        let image_path = project_dir.path().join("slide.jpg");
        std::fs::copy(&jpeg, &image_path).expect("copy the JPEG");
        let project_path = project_dir.path().join("bench.gloss");
        let mut project =
            Project::create(&project_path, CONFIG, "bench", None, None, "bench").expect("create");
        std::fs::write(
            project_dir.path().join("tasks.jsonl"),
            "{\"image\": \"slide.jpg\"}\n",
        )
        .expect("tasks");
        let header_started = Instant::now();
        gloss::io::import::media::read_image_size(&image_path).expect("the header reads");
        let header_ms = header_started.elapsed().as_secs_f64() * 1000.0;
        let report = gloss::io::import::import_file(
            &mut project,
            &project_dir.path().join("tasks.jsonl"),
            gloss::io::ImportOptions::default(),
            "bench",
        )
        .expect("import");
        assert_eq!(report.imported, 1);

        let cpu_before = cpu_seconds();
        let first_started = Instant::now();
        let preview = project
            .image_preview(1, "image")
            .expect("the preview is made")
            .expect("a big image gets one");
        let first_s = first_started.elapsed().as_secs_f64();
        let first_cpu = cpu_seconds() - cpu_before;
        drop(project);

        let project = Project::open(&project_path).expect("reopen");
        let cached_started = Instant::now();
        let lookup = project.image_preview_lookup(1, "image").expect("lookup");
        let cached_ms = cached_started.elapsed().as_secs_f64() * 1000.0;
        assert!(matches!(lookup, ImagePreviewLookup::Cached(_)));
        println!(
            "| {run_idx} | {header_ms:.1} ms | {first_s:.2} s; {first_cpu:.2} s | {cached_ms:.1} ms | {} x {}, {} KiB |",
            preview.width,
            preview.height,
            preview.bytes.len() / 1024
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average while running: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// A `side` × `side` JPEG: a diagonal gradient with pixel noise, so it compresses like a scan.
fn write_jpeg(dir: &Path, side: u32) -> PathBuf {
    let path = dir.join(format!("slide-{side}.jpg"));
    if path.exists() {
        return path;
    }
    let mut state: u32 = 12_345;
    let image = image::RgbImage::from_fn(side, side, |x, y| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let noise = (state >> 24) as u8 / 8;
        let base = ((u64::from(x) + u64::from(y)) * 200 / (2 * u64::from(side))) as u8;
        image::Rgb([
            base + noise,
            base / 2 + noise,
            120u8.saturating_sub(base / 3) + noise,
        ])
    });
    let file = std::fs::File::create(&path).expect("create the JPEG");
    let mut writer = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, 85)
        .encode_image(&image)
        .expect("encode the JPEG");
    path
}

/// User + system CPU seconds of this process so far (all threads).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |idx: usize| {
        fields
            .get(idx)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: indexes 11 and 12 after the name
    // (USER_HZ is 100 on Linux).
    (ticks(11) + ticks(12)) / 100.0
}
