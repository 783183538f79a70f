//! Image size at import (issue 4): sizes read from headers with EXIF orientation, media read
//! only inside the project's folders, URLs kept unfetched, and bad files (empty, truncated,
//! decompression bomb) refused per row with the file and the reason while the rest imports.

mod common;

use std::io::Cursor;
use std::path::Path;

use common::TestProject;

pub const IMAGE_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="cat"/>
    <Label value="dog"/>
  </RectangleLabels>
</View>
"#;

/// A PNG of the given size, encoded by the `image` crate.
fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// A JPEG of the given size with noisy content (so it is several kilobytes long).
fn jpeg_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 251;
        image::Rgb([noise as u8, (x * 3) as u8, (y * 5) as u8])
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
        &b"MM\x00\x2a\x00\x00\x00\x08"[..], // big-endian TIFF header
        &[0x00, 0x01],                      // one IFD entry
        &[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0], // Orientation = 6
        &[0, 0, 0, 0],                      // no next IFD
    ]
    .concat();
    let mut segment = b"Exif\x00\x00".to_vec();
    segment.extend_from_slice(&tiff);
    let length = (segment.len() + 2) as u16;
    let mut bytes = jpeg[..2].to_vec(); // SOI
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&length.to_be_bytes());
    bytes.extend_from_slice(&segment);
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    chunk
}

/// A valid-looking PNG whose header claims `width` × `height` (a decompression bomb's shape).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(png_chunk(b"IHDR", &ihdr));
    bytes.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    bytes.extend(png_chunk(b"IEND", &[]));
    bytes
}

fn media_size(test_project: &TestProject, task_id: i64) -> Option<(u32, u32)> {
    test_project
        .sqlite()
        .query_row(
            "SELECT width, height FROM task_media WHERE task_id = ?1 AND field = 'image'",
            [task_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .ok()
}

fn task_line(image: &str) -> String {
    serde_json::json!({ "image": image }).to_string()
}

#[test]
fn sizes_are_read_at_import_with_exif_orientation() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    test_project.write("wide.png", png_bytes(64, 32));
    std::fs::create_dir(test_project.file("photos")).unwrap();
    test_project.write("photos/plain.jpg", jpeg_bytes(40, 20));
    test_project.write(
        "photos/rotated.jpg",
        with_exif_orientation_6(&jpeg_bytes(40, 20)),
    );
    let absolute_inside = test_project.write("abs.png", png_bytes(5, 6));
    let lines = [
        task_line("wide.png"),
        task_line("photos/plain.jpg"),
        task_line("photos/rotated.jpg"),
        task_line("https://example.com/remote.png"),
        task_line(absolute_inside.to_str().unwrap()),
        // A Label Studio export's server path: a URL on that server, not a local file.
        task_line("/data/upload/3/1a2b-cat.jpg"),
    ];
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, 6, "{report:?}");
    assert_eq!(media_size(&test_project, 6), None);
    assert_eq!(media_size(&test_project, 1), Some((64, 32)));
    assert_eq!(media_size(&test_project, 2), Some((40, 20)));
    // EXIF orientation 6 (rotate 90°): stored 40 × 20, seen 20 × 40.
    assert_eq!(media_size(&test_project, 3), Some((20, 40)));
    // A URL is kept in the data and not fetched: no size.
    assert_eq!(media_size(&test_project, 4), None);
    assert_eq!(media_size(&test_project, 5), Some((5, 6)));
    let data: String = test_project
        .sqlite()
        .query_row("SELECT data FROM tasks WHERE id = 4", [], |row| row.get(0))
        .unwrap();
    assert!(data.contains("https://example.com/remote.png"), "{data}");
}

#[test]
fn bad_images_are_row_errors_naming_file_and_reason_and_the_rest_imports() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    test_project.write("good.png", png_bytes(10, 10));
    test_project.write("empty.png", b"");
    let jpeg = jpeg_bytes(64, 64);
    assert!(jpeg.len() > 2000, "the test JPEG is long enough to cut");
    test_project.write("truncated.jpg", &jpeg[..jpeg.len() / 2]);
    test_project.write("bomb.png", png_claiming(100_000, 100_000));
    test_project.write("notes.png", b"this is not an image at all");
    let outside_dir = tempfile::tempdir().unwrap();
    let outside = common::write_file(outside_dir.path(), "outside.png", png_bytes(3, 3));
    let outside_name = outside_dir.path().file_name().unwrap().to_str().unwrap();
    let escape = format!("../{outside_name}/outside.png");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, test_project.file("link.png")).unwrap();
    let lines = [
        task_line("good.png"),                         // 1
        task_line("empty.png"),                        // 2
        task_line("truncated.jpg"),                    // 3
        task_line("bomb.png"),                         // 4
        task_line(&escape),                            // 5
        task_line(outside.to_str().unwrap()),          // 6
        task_line("missing.png"),                      // 7
        task_line("notes.png"),                        // 8
        serde_json::json!({ "image": 7 }).to_string(), // 9
        task_line("link.png"),                         // 10
    ];
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(report.skipped, 9, "{report:#?}");
    let message = |line: u64| -> String {
        report
            .errors
            .iter()
            .find(|error| error.line == line)
            .unwrap_or_else(|| panic!("no error for line {line}: {report:#?}"))
            .message
            .clone()
    };
    let expect = |line: u64, parts: &[&str]| {
        let text = message(line);
        for part in parts {
            assert!(text.contains(part), "line {line}: {text:?} lacks {part:?}");
        }
    };
    expect(2, &["empty.png", "empty (0 bytes)"]);
    expect(3, &["truncated.jpg", "truncated"]);
    expect(4, &["bomb.png", "100000 × 100000", "decompression bomb"]);
    expect(5, &[&escape, "outside the project's folders"]);
    expect(6, &["outside.png", "outside the project's folders"]);
    expect(7, &["missing.png", "not found"]);
    expect(8, &["notes.png", "not an image"]);
    expect(9, &["\"image\"", "string"]);
    expect(10, &["link.png", "outside the project's folders"]);
    assert_eq!(media_size(&test_project, 1), Some((10, 10)));
    test_project.assert_intact();
}

#[test]
fn images_next_to_the_imported_file_are_allowed() {
    // The imported file lives in its own folder, away from the project file.
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let import_dir = tempfile::tempdir().unwrap();
    common::write_file(import_dir.path(), "pic.png", png_bytes(12, 34));
    let tasks = common::write_file(import_dir.path(), "tasks.jsonl", task_line("pic.png"));
    let report = test_project.try_import(&tasks, Default::default()).unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
    assert_eq!(media_size(&test_project, 1), Some((12, 34)));
    assert!(Path::new(&tasks).exists());
}

/// A JPEG whose APP1 segment holds an end-of-image marker, as an EXIF thumbnail does.
fn with_thumbnail_like_segment(jpeg: &[u8]) -> Vec<u8> {
    let mut segment = b"Exif\x00\x00".to_vec();
    segment.extend_from_slice(&[0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9]); // a "thumbnail" SOI..EOI
    let length = (segment.len() + 2) as u16;
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&length.to_be_bytes());
    bytes.extend_from_slice(&segment);
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

#[test]
fn a_jpeg_with_trailing_data_imports_and_a_cut_one_with_a_thumbnail_marker_does_not() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    // Cameras and editors append data after the image (MPF previews, "motion photo" video):
    // 20 KiB after the end marker is still a whole JPEG.
    let mut with_trailer = jpeg_bytes(48, 32);
    with_trailer.extend(std::iter::repeat_n(0xAB, 20 * 1024));
    test_project.write("trailer.jpg", &with_trailer);
    // Cut in the middle of the image data, yet an end marker sits in the (thumbnail) APP1
    // segment near the start and, for files this small, inside the last 4 KiB.
    let with_thumbnail = with_thumbnail_like_segment(&jpeg_bytes(64, 64));
    let cut_len = with_thumbnail.len() * 2 / 3;
    let mut cut = with_thumbnail[..cut_len].to_vec();
    // Pad with zeros so the thumbnail's marker is no longer within the last 4 KiB.
    cut.extend(std::iter::repeat_n(0, 8 * 1024));
    test_project.write("cut.jpg", &cut);
    let report = test_project.import_text(
        "tasks.jsonl",
        &[task_line("trailer.jpg"), task_line("cut.jpg")].join("\n"),
    );
    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    assert_eq!(report.errors[0].line, 2);
    assert!(
        report.errors[0].message.contains("truncated"),
        "{report:#?}"
    );
    assert_eq!(media_size(&test_project, 1), Some((48, 32)));
}
