//! Previews of big images (issue 4, "a 10,000 × 10,000 image opens smoothly"): made by the core
//! for images over 4,096 px on a side, at most 2,048 px, EXIF orientation applied, cached in the
//! project by file version and made again when the file changes; small images get none; a
//! damaged file is a clear error naming it, and nothing is stored.

mod common;

use std::io::Cursor;

use common::TestProject;
use gloss::media_preview::{ImagePreviewLookup, PREVIEW_MAX_SIDE, PreviewFormat};

const IMAGE_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="cat"/></RectangleLabels>
</View>
"#;

/// A JPEG whose left half is dark and right half bright, so a preview can be checked to show
/// the same picture (not only the same size).
fn jpeg_halves(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([20, 20, 20])
        } else {
            image::Rgb([230, 230, 230])
        }
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .unwrap();
    bytes
}

/// The JPEG with an EXIF APP1 segment saying "rotate 90° clockwise" (orientation 6).
fn with_exif_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    let tiff: Vec<u8> = [
        &b"MM\x00\x2a\x00\x00\x00\x08"[..],
        &[0x00, 0x01],
        &[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0],
        &[0, 0, 0, 0],
    ]
    .concat();
    let mut segment = b"Exif\x00\x00".to_vec();
    segment.extend_from_slice(&tiff);
    let length = (segment.len() + 2) as u16;
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&length.to_be_bytes());
    bytes.extend_from_slice(&segment);
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

/// A project with one task per (file name, bytes), imported from a JSONL file.
fn project_with_images(images: &[(&str, Vec<u8>)]) -> TestProject {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let mut lines = Vec::new();
    for (name, bytes) in images {
        test_project.write(name, bytes);
        lines.push(serde_json::json!({ "image": name }).to_string());
    }
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, images.len() as u64, "{report:?}");
    test_project
}

fn decoded(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("the preview decodes")
}

fn n_previews(test_project: &TestProject) -> i64 {
    test_project.count("SELECT COUNT(*) FROM image_previews")
}

#[test]
fn a_big_image_gets_a_jpeg_preview_of_at_most_2048_px_that_is_then_read_from_the_cache() {
    let mut test_project = project_with_images(&[("wide.jpg", jpeg_halves(4200, 1000))]);
    assert!(matches!(
        test_project
            .project
            .image_preview_lookup(1, "image")
            .unwrap(),
        ImagePreviewLookup::Missing(_)
    ));
    let preview = test_project
        .project
        .image_preview(1, "image")
        .unwrap()
        .expect("an image over 4,096 px gets a preview");
    assert_eq!((preview.width, preview.height), (PREVIEW_MAX_SIDE, 488));
    assert_eq!(
        (preview.original_width, preview.original_height),
        (4200, 1000)
    );
    assert_eq!(preview.format, PreviewFormat::Jpeg);
    let picture = decoded(&preview.bytes).to_luma8();
    assert_eq!(picture.dimensions(), (2048, 488));
    assert!(
        picture.get_pixel(100, 244).0[0] < 60,
        "the left half stays dark"
    );
    assert!(
        picture.get_pixel(1900, 244).0[0] > 190,
        "the right half stays bright"
    );
    assert_eq!(n_previews(&test_project), 1);

    let ImagePreviewLookup::Cached(cached) = test_project
        .project
        .image_preview_lookup(1, "image")
        .unwrap()
    else {
        panic!("the second look finds the stored preview");
    };
    assert_eq!(cached, preview);
}

#[test]
fn an_image_of_at_most_4096_px_needs_no_preview_and_nothing_is_stored() {
    let mut test_project = project_with_images(&[("small.jpg", jpeg_halves(4096, 300))]);
    assert!(matches!(
        test_project
            .project
            .image_preview_lookup(1, "image")
            .unwrap(),
        ImagePreviewLookup::NotNeeded
    ));
    assert_eq!(
        test_project.project.image_preview(1, "image").unwrap(),
        None
    );
    assert_eq!(n_previews(&test_project), 0);
    let jobs = test_project
        .project
        .image_preview_jobs(8, |_| false)
        .unwrap();
    assert!(jobs.is_empty(), "{jobs:?}");
}

#[test]
fn exif_orientation_is_applied_so_the_preview_matches_the_size_import_recorded() {
    let rotated = with_exif_orientation_6(&jpeg_halves(4200, 1000));
    let mut test_project = project_with_images(&[("rotated.jpg", rotated)]);
    let preview = test_project
        .project
        .image_preview(1, "image")
        .unwrap()
        .unwrap();
    assert_eq!(
        (preview.original_width, preview.original_height),
        (1000, 4200)
    );
    assert_eq!((preview.width, preview.height), (488, PREVIEW_MAX_SIDE));
    let picture = decoded(&preview.bytes).to_luma8();
    assert_eq!(picture.dimensions(), (488, 2048));
    // Rotated 90° clockwise: the stored image's dark left half is now the top.
    assert!(picture.get_pixel(244, 100).0[0] < 60);
    assert!(picture.get_pixel(244, 1900).0[0] > 190);
}

#[test]
fn a_changed_file_gets_a_new_preview_replacing_the_cached_one() {
    let mut test_project = project_with_images(&[("scan.jpg", jpeg_halves(4200, 1000))]);
    let first = test_project
        .project
        .image_preview(1, "image")
        .unwrap()
        .unwrap();
    // The same size and name, different pixels: the inverse picture.
    let inverse = {
        let mut image = decoded(&jpeg_halves(4200, 1000)).to_rgb8();
        image::imageops::invert(&mut image);
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
            .unwrap();
        bytes
    };
    test_project.write("scan.jpg", &inverse);
    assert!(matches!(
        test_project
            .project
            .image_preview_lookup(1, "image")
            .unwrap(),
        ImagePreviewLookup::Missing(_)
    ));
    let second = test_project
        .project
        .image_preview(1, "image")
        .unwrap()
        .unwrap();
    assert_ne!(first.bytes, second.bytes);
    let picture = decoded(&second.bytes).to_luma8();
    assert!(
        picture.get_pixel(100, 244).0[0] > 190,
        "now the left half is bright"
    );
    assert_eq!(
        n_previews(&test_project),
        1,
        "the row was replaced, not added"
    );
}

#[test]
fn an_image_with_alpha_gets_a_png_preview_keeping_transparency() {
    let image = image::RgbaImage::from_fn(5000, 100, |x, _| {
        image::Rgba([200, 10, 10, if x < 2500 { 0 } else { 255 }])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    let mut test_project = project_with_images(&[("overlay.png", bytes)]);
    let preview = test_project
        .project
        .image_preview(1, "image")
        .unwrap()
        .unwrap();
    assert_eq!(preview.format, PreviewFormat::Png);
    let picture = decoded(&preview.bytes).to_rgba8();
    assert_eq!(picture.dimensions(), (2048, 41));
    assert_eq!(picture.get_pixel(100, 20).0[3], 0);
    assert_eq!(picture.get_pixel(2000, 20).0[3], 255);
}

#[test]
fn the_background_jobs_list_big_images_without_a_valid_preview_only() {
    let mut test_project = project_with_images(&[
        ("a.jpg", jpeg_halves(4200, 1000)),
        ("b.jpg", jpeg_halves(800, 600)),
        ("c.jpg", jpeg_halves(1000, 4300)),
    ]);
    let jobs = test_project
        .project
        .image_preview_jobs(8, |_| false)
        .unwrap();
    let names: Vec<_> = jobs
        .iter()
        .map(|job| job.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.jpg", "c.jpg"]);
    let skipping_a = test_project
        .project
        .image_preview_jobs(8, |job| job.path.ends_with("a.jpg"))
        .unwrap();
    assert_eq!(skipping_a.len(), 1);
    for job in &jobs {
        let preview = job.compute().unwrap();
        test_project
            .project
            .store_image_preview(job, &preview)
            .unwrap();
    }
    assert!(
        test_project
            .project
            .image_preview_jobs(8, |_| false)
            .unwrap()
            .is_empty()
    );
    assert_eq!(n_previews(&test_project), 2);
}

#[test]
fn a_file_damaged_after_import_is_an_error_naming_it_and_nothing_is_stored() {
    let mut test_project = project_with_images(&[("scan.jpg", jpeg_halves(4200, 1000))]);
    let whole = std::fs::read(test_project.file("scan.jpg")).unwrap();
    test_project.write("scan.jpg", &whole[..whole.len() / 3]);
    let error = test_project.project.image_preview(1, "image").unwrap_err();
    assert_eq!(error.to_ipc().code, gloss::ErrorCode::BadInput);
    assert!(error.to_string().contains("scan.jpg"), "{error}");
    assert_eq!(n_previews(&test_project), 0);
    // The project is untouched otherwise: the task still opens.
    assert!(test_project.project.task_view(1, "tester").is_ok());
}

#[test]
fn a_task_without_a_local_image_is_refused_with_the_reason() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    test_project.import_text("tasks.jsonl", r#"{"image": "https://example.com/big.jpg"}"#);
    let error = test_project.project.image_preview(1, "image").unwrap_err();
    assert!(error.to_string().contains("URL"), "{error}");
    let missing_task = test_project.project.image_preview(99, "image").unwrap_err();
    assert_eq!(missing_task.to_ipc().code, gloss::ErrorCode::NotFound);
}
