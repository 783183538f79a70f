//! Media files named in task data: where they may be read from, and an image's pixel size.
//!
//! A task's `Image` field names a file or a URL. URLs (web, data, cloud storage, and Label
//! Studio's `/data/upload/` server paths: `REMOTE_PREFIXES`) are kept as they are and never
//! fetched, so they get no size. A file is read only inside the project's
//! allowed folders: the folder of the project file and the folder of the imported file. A
//! relative path is looked up in the imported file's folder first, then the project's; the
//! found file's real path (symlinks followed) must lie inside one of those folders, so
//! `../../etc/passwd`, an absolute path elsewhere or a symlink pointing out are refused.
//!
//! The size is read from the image's header only (no pixel decoding), with EXIF orientation
//! applied: an image stored 4000 × 3000 with "rotate 90°" is 3000 × 4000 as people see it, and
//! that is the size region percentages refer to. Decompression bombs are refused before anything
//! is decoded: more than [`MAX_IMAGE_PIXELS`] pixels or a side longer than [`MAX_IMAGE_SIDE`].
//! A header-only read cannot see that a JPEG was cut short, so a JPEG must also carry its end
//! marker (`FF D9`) in its last [`JPEG_END_WINDOW`] bytes. Limit of that check: a JPEG with
//! more trailing data than that after its end marker is refused as truncated.
//! This module does not store anything; `record.rs` carries the sizes to the writer.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::geometry::ImageSize;

/// The most pixels an image may have (100 megapixels).
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;
/// The longest side an image may have, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 50_000;
/// How far from its end a JPEG's end marker may be.
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
    /// The same folders with symlinks resolved, for the containment check.
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
    /// Roots from the project file's path and the imported file's path (either may be absent).
    pub fn new(project_path: &Path, import_path: Option<&Path>) -> MediaRoots {
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
        let allowed_dirs = search_dirs
            .iter()
            .filter_map(|folder| folder.canonicalize().ok())
            .collect();
        MediaRoots {
            search_dirs,
            allowed_dirs,
        }
    }

    /// Where `reference` points, or why it may not be read.
    pub fn resolve(&self, reference: &str) -> Result<MediaReference, String> {
        let lowercase = reference.trim_start().to_ascii_lowercase();
        if REMOTE_PREFIXES
            .iter()
            .any(|prefix| lowercase.starts_with(prefix))
        {
            return Ok(MediaReference::Url);
        }
        if reference.trim().is_empty() {
            return Err("the image path is empty".to_owned());
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
            return Err(format!("image file {reference}: not found"));
        };
        let real_path = found
            .canonicalize()
            .map_err(|error| format!("image file {reference}: {error}"))?;
        if !self
            .allowed_dirs
            .iter()
            .any(|allowed| real_path.starts_with(allowed))
        {
            return Err(format!(
                "image file {reference}: outside the project's folders (it resolves to {}); \
                 media is read only from the project's folder and the imported file's folder",
                real_path.display()
            ));
        }
        if !real_path.is_file() {
            return Err(format!("image file {reference}: not a file"));
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
    if format == image::ImageFormat::Jpeg && !jpeg_has_end_marker(&mut file, file_len)? {
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

fn jpeg_has_end_marker(file: &mut std::fs::File, file_len: u64) -> Result<bool, String> {
    let window = file_len.min(JPEG_END_WINDOW);
    file.seek(SeekFrom::Start(file_len - window))
        .map_err(|error| error.to_string())?;
    let mut tail = Vec::with_capacity(window as usize);
    file.take(window)
        .read_to_end(&mut tail)
        .map_err(|error| error.to_string())?;
    Ok(tail.windows(2).any(|pair| pair == [0xFF, 0xD9]))
}
