//! Media files named in task data: where they may be read from, and an image's pixel size.
//!
//! A task's `Image` or `Audio` field names a file or a URL. URLs (web, data, cloud storage, and
//! Label Studio's `/data/upload/` server paths: `REMOTE_PREFIXES`) are kept as they are and never
//! fetched, so they get no size. A file is read only inside the project's allowed folders: the
//! folder of the project file, the folders recorded in the project (`media_roots`: folders
//! imported from earlier) and, during an import, the folder of the imported file. A relative
//! path is looked up in the imported file's folder first, then the project's; the found file's
//! real path (symlinks followed) must lie inside one of the allowed folders, so
//! `../../etc/passwd`, an absolute path elsewhere or a symlink pointing out are refused. The
//! same containment check runs again whenever the app is about to show a file
//! ([`MediaRoots::allows`]), because a symlink can be changed after import.
//!
//! The size is read from the image's header only (no pixel decoding), with EXIF orientation
//! applied: an image stored 4000 × 3000 with "rotate 90°" is 3000 × 4000 as people see it, and
//! that is the size region percentages refer to. Decompression bombs are refused before anything
//! is decoded: more than [`MAX_IMAGE_PIXELS`] pixels or a side longer than [`MAX_IMAGE_SIDE`].
//! A header-only read cannot see that a JPEG was cut short, so a JPEG must also reach its
//! end-of-image marker (`FF D9`). The quick check looks for it in the last [`JPEG_END_WINDOW`]
//! bytes; when it is not there (a cut file, or a camera that appends more data after the image),
//! the file's segments are walked from the start ([`jpeg_reaches_end_of_image`]), skipping each
//! segment by its length so an EXIF thumbnail's own end marker is not mistaken for the image's.
//! This module does not store anything; `record.rs` carries the sizes to the writer.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::geometry::ImageSize;

/// The most pixels an image may have (100 megapixels).
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;
/// The longest side an image may have, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 50_000;
/// How far from its end a JPEG's end marker is looked for before walking the whole file.
pub const JPEG_END_WINDOW: u64 = 4096;

/// Values that name media somewhere else, kept as they are and never read: web and data URLs,
/// cloud storage URIs, and Label Studio's server paths (`/data/upload/...`,
/// `/data/local-files/?d=...`), which a Label Studio export holds and which are URLs on the
/// Label Studio server, not files on this machine. Their regions carry `original_width` and
/// `original_height`, which is where the exports then take the size from.
const REMOTE_PREFIXES: &[&str] = &[
    "http://",
    "https://",
    "data:",
    "s3://",
    "gs://",
    "azure-blob://",
    "/data/upload/",
    "/data/local-files/",
];

/// The folders media may be read from, and where relative paths are looked up.
#[derive(Debug, Clone)]
pub struct MediaRoots {
    /// In lookup order: the imported file's folder, then the project's.
    search_dirs: Vec<PathBuf>,
    /// The search folders and the recorded roots with symlinks resolved, for the containment
    /// check.
    allowed_dirs: Vec<PathBuf>,
}

/// An image field's value, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaReference {
    /// A URL: kept, not fetched, no size.
    Url,
    /// A local file inside the allowed folders, by its real path.
    File(PathBuf),
}

impl MediaRoots {
    /// Roots from the project file's path, the imported file's path (when importing) and the
    /// folders the project recorded earlier (`recorded_roots`, real paths).
    pub fn new(
        project_path: &Path,
        import_path: Option<&Path>,
        recorded_roots: &[PathBuf],
    ) -> MediaRoots {
        let mut search_dirs = Vec::new();
        for file_path in import_path.into_iter().chain(Some(project_path)) {
            let folder = match file_path.parent() {
                Some(parent) if parent.as_os_str().is_empty() => PathBuf::from("."),
                Some(parent) => parent.to_owned(),
                None => continue,
            };
            if folder.is_dir() && !search_dirs.contains(&folder) {
                search_dirs.push(folder);
            }
        }
        let mut allowed_dirs: Vec<PathBuf> = search_dirs
            .iter()
            .filter_map(|folder| folder.canonicalize().ok())
            .collect();
        for root in recorded_roots {
            if !allowed_dirs.contains(root) {
                allowed_dirs.push(root.clone());
            }
        }
        MediaRoots {
            search_dirs,
            allowed_dirs,
        }
    }

    /// The allowed folders (real paths): the search folders first, then the recorded roots.
    pub fn allowed_dirs(&self) -> &[PathBuf] {
        &self.allowed_dirs
    }

    /// Whether a file may be shown now: its real path (symlinks resolved today, not at import)
    /// lies inside an allowed folder and it is a regular file. Returns the real path.
    pub fn allows(&self, path: &Path) -> Option<PathBuf> {
        let real_path = path.canonicalize().ok()?;
        let inside = self
            .allowed_dirs
            .iter()
            .any(|allowed| real_path.starts_with(allowed));
        (inside && real_path.is_file()).then_some(real_path)
    }

    /// Where an image `reference` points, or why it may not be read.
    pub fn resolve(&self, reference: &str) -> Result<MediaReference, String> {
        self.resolve_media(reference, "image file")
    }

    /// Where `reference` points, or why it may not be read; `what` names the kind of file in
    /// messages ("image file", "audio file").
    pub fn resolve_media(&self, reference: &str, what: &str) -> Result<MediaReference, String> {
        let lowercase = reference.trim_start().to_ascii_lowercase();
        if REMOTE_PREFIXES
            .iter()
            .any(|prefix| lowercase.starts_with(prefix))
        {
            return Ok(MediaReference::Url);
        }
        if reference.trim().is_empty() {
            return Err(format!("the {what} path is empty"));
        }
        let relative_or_absolute = Path::new(reference);
        let candidates: Vec<PathBuf> = if relative_or_absolute.is_absolute() {
            vec![relative_or_absolute.to_owned()]
        } else {
            self.search_dirs
                .iter()
                .map(|folder| folder.join(relative_or_absolute))
                .collect()
        };
        let Some(found) = candidates.iter().find(|candidate| candidate.exists()) else {
            return Err(format!("{what} {reference}: not found"));
        };
        let real_path = found
            .canonicalize()
            .map_err(|error| format!("{what} {reference}: {error}"))?;
        if !self
            .allowed_dirs
            .iter()
            .any(|allowed| real_path.starts_with(allowed))
        {
            return Err(format!(
                "{what} {reference}: outside the project's folders (it resolves to {}); \
                 media is read only from the project's folder, the imported file's folder and \
                 folders imported earlier",
                real_path.display()
            ));
        }
        if !real_path.is_file() {
            return Err(format!("{what} {reference}: not a file"));
        }
        Ok(MediaReference::File(real_path))
    }
}

/// An image's size as people see it (EXIF orientation applied), from its header; the error
/// names the reason (the caller adds the file name).
pub fn read_image_size(path: &Path) -> Result<ImageSize, String> {
    use image::ImageDecoder;
    let mut file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    let file_len = file.metadata().map_err(|error| error.to_string())?.len();
    if file_len == 0 {
        return Err("the file is empty (0 bytes)".to_owned());
    }
    let reader = image::ImageReader::new(std::io::BufReader::new(&mut file))
        .with_guessed_format()
        .map_err(|error| error.to_string())?;
    let Some(format) = reader.format() else {
        return Err("not an image Gloss reads (PNG, JPEG, GIF, WebP, BMP, TIFF)".to_owned());
    };
    let mut decoder = reader
        .into_decoder()
        .map_err(|error| format!("cannot read the {format:?} header: {error}"))?;
    let (stored_width, stored_height) = decoder.dimensions();
    if stored_width == 0 || stored_height == 0 {
        return Err(format!(
            "the image claims {stored_width} × {stored_height} pixels"
        ));
    }
    if stored_width > MAX_IMAGE_SIDE
        || stored_height > MAX_IMAGE_SIDE
        || u64::from(stored_width) * u64::from(stored_height) > MAX_IMAGE_PIXELS
    {
        return Err(format!(
            "the image claims {stored_width} × {stored_height} pixels, over the limit of \
             {MAX_IMAGE_PIXELS} pixels and {MAX_IMAGE_SIDE} per side (refused as a possible \
             decompression bomb)"
        ));
    }
    let orientation = decoder
        .orientation()
        .map_err(|error| format!("cannot read the orientation: {error}"))?;
    drop(decoder);
    if format == image::ImageFormat::Jpeg
        && !jpeg_has_end_marker_near_end(&mut file, file_len)?
        && !jpeg_reaches_end_of_image(&mut file)?
    {
        return Err("the JPEG is truncated (no end-of-image marker at its end)".to_owned());
    }
    use image::metadata::Orientation;
    let swaps_sides = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    Ok(if swaps_sides {
        ImageSize {
            width: stored_height,
            height: stored_width,
        }
    } else {
        ImageSize {
            width: stored_width,
            height: stored_height,
        }
    })
}

fn jpeg_has_end_marker_near_end(file: &mut std::fs::File, file_len: u64) -> Result<bool, String> {
    let window = file_len.min(JPEG_END_WINDOW);
    file.seek(SeekFrom::Start(file_len - window))
        .map_err(|error| error.to_string())?;
    let mut tail = Vec::with_capacity(window as usize);
    file.take(window)
        .read_to_end(&mut tail)
        .map_err(|error| error.to_string())?;
    Ok(tail.windows(2).any(|pair| pair == [0xFF, 0xD9]))
}

/// Walks a JPEG's segments from its start and says whether the image's end-of-image marker is
/// reached before the file ends. Segments with a length (APPn with an EXIF thumbnail, tables,
/// frame and scan headers) are skipped whole; after a scan header the entropy-coded data is read
/// until the next marker, where `FF 00` is a stuffed byte and `FF D0`–`FF D7` restart markers.
/// Progressive images have several scans; each is walked the same way. Reads the file once.
fn jpeg_reaches_end_of_image(file: &mut std::fs::File) -> Result<bool, String> {
    use std::io::BufRead;
    file.seek(SeekFrom::Start(0))
        .map_err(|error| error.to_string())?;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let read_byte = |reader: &mut std::io::BufReader<&mut std::fs::File>| -> Option<u8> {
        let byte = *reader.fill_buf().ok()?.first()?;
        reader.consume(1);
        Some(byte)
    };
    if (read_byte(&mut reader), read_byte(&mut reader)) != (Some(0xFF), Some(0xD8)) {
        return Ok(false);
    }
    let mut in_scan_data = false;
    loop {
        let Some(byte) = read_byte(&mut reader) else {
            return Ok(false);
        };
        if byte != 0xFF {
            if in_scan_data {
                continue;
            }
            return Ok(false); // garbage where a marker should be
        }
        // Fill bytes: any number of FF may precede a marker.
        let mut marker = 0xFF;
        while marker == 0xFF {
            let Some(next) = read_byte(&mut reader) else {
                return Ok(false);
            };
            marker = next;
        }
        match marker {
            0x00 | 0xD0..=0xD7 if in_scan_data => continue,
            0xD9 => return Ok(true),
            0x01 | 0xD0..=0xD7 => continue, // markers without a length
            _ => {
                let (Some(high), Some(low)) = (read_byte(&mut reader), read_byte(&mut reader))
                else {
                    return Ok(false);
                };
                let length = u16::from_be_bytes([high, low]);
                if length < 2 {
                    return Ok(false);
                }
                let to_skip = i64::from(length - 2);
                reader
                    .seek_relative(to_skip)
                    .map_err(|error| error.to_string())?;
                // A scan header (SOS) is followed by entropy-coded data.
                in_scan_data = marker == 0xDA;
            }
        }
    }
}
