//! Previews of big images: a copy at most [`PREVIEW_MAX_SIDE`] pixels on its longest side of
//! every local image a task shows that is longer than [`PREVIEW_FROM_SIDE`] on a side, made in
//! Rust and cached in the project (migration 0013), so the desktop shows a 10,000 × 10,000 scan
//! at once instead of waiting for the web view to decode 100 megapixels.
//!
//! What it owns: making a preview (decoded with the `image` crate under the same decompression
//! bomb limits as import, EXIF orientation applied so it matches the size import recorded,
//! scaled down, encoded as JPEG, or PNG when the image has an alpha channel), the cache's rules
//! (a row is valid only for the file version it was made from: size, modification time and the
//! end fingerprint of `audio::FileStamp`, and the same [`PREVIEW_VERSION`]), and the registry of
//! previews being made ([`PreviewsInFlight`]) so a background worker and an open never decode the
//! same image twice. What it does not own: SQL (`store/`), when previews are made (the desktop's
//! import worker and its `image_preview` command), and how the UI swaps the preview for the
//! full image when zooming in (`ui/src/modalities/image/`).
//!
//! The file is read only through [`crate::Project::media_file`], which checks it is, today, a
//! file inside the project's allowed folders. Treat the file as hostile: a header that claims
//! too many pixels is refused before anything is decoded, the decoder's allocations are capped,
//! and every failure is a [`PreviewError`] naming the file.

use std::path::{Path, PathBuf};

use crate::GlossError;
use crate::audio::{FileStamp, PeaksClaim, PeaksInFlight};
use crate::io::import::media::{MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE};
use crate::store::ImagePreviewRow;

/// Images longer than this on a side get a preview; smaller ones decode fast enough in the web
/// view (a 4,096 px JPEG takes ~0.1–0.2 s in WebKitGTK) and are shown as they are.
pub const PREVIEW_FROM_SIDE: u32 = 4096;
/// A preview's longest side: sharp in a full-screen window at the fit, small enough to decode
/// in the web view in a few tens of milliseconds.
pub const PREVIEW_MAX_SIDE: u32 = 2048;
/// The version of the preview computation; a cached preview of another version is remade.
pub const PREVIEW_VERSION: u32 = 1;
/// JPEG quality of a preview: a view of the whole image, not the pixels anyone labels against
/// (zooming in swaps to the original).
const PREVIEW_JPEG_QUALITY: u8 = 85;
/// The most bytes the decoder may allocate: 100 megapixels of RGBA (the import's pixel limit)
/// plus slack for the decoder's own buffers.
const PREVIEW_MAX_DECODE_BYTES: u64 = MAX_IMAGE_PIXELS * 4 + 64 * 1024 * 1024;

/// Why a preview could not be made; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("{path}: cannot read the image: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not an image Gloss reads (PNG, JPEG, GIF, WebP, BMP, TIFF)")]
    UnknownFormat { path: PathBuf },
    #[error(
        "{path}: the image claims {width} × {height} pixels, over the limit of \
         {MAX_IMAGE_PIXELS} pixels and {MAX_IMAGE_SIDE} per side (refused as a possible \
         decompression bomb)"
    )]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
    },
    #[error("{path}: cannot decode the image: {reason}")]
    Decode { path: PathBuf, reason: String },
    #[error("{path}: cannot encode its preview: {reason}")]
    Encode { path: PathBuf, reason: String },
}

impl From<PreviewError> for GlossError {
    fn from(error: PreviewError) -> GlossError {
        GlossError::BadInput(error.to_string())
    }
}

/// The encoding of a preview's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewFormat {
    Jpeg,
    /// For images with an alpha channel, which JPEG cannot keep.
    Png,
}

impl PreviewFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            PreviewFormat::Jpeg => "image/jpeg",
            PreviewFormat::Png => "image/png",
        }
    }

    fn from_media_type(media_type: &str) -> Option<PreviewFormat> {
        match media_type {
            "image/jpeg" => Some(PreviewFormat::Jpeg),
            "image/png" => Some(PreviewFormat::Png),
            _ => None,
        }
    }
}

/// A scaled-down copy of one image, as people see it (EXIF orientation applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePreview {
    /// The image's own size, oriented: what region percentages refer to.
    pub original_width: u32,
    pub original_height: u32,
    /// The preview's size: the original scaled to fit [`PREVIEW_MAX_SIDE`], aspect kept.
    pub width: u32,
    pub height: u32,
    pub format: PreviewFormat,
    /// The encoded image; the desktop sends exactly these bytes to the web view.
    pub bytes: Vec<u8>,
}

/// Whether an image of this size (oriented) gets a preview.
pub fn needs_preview(width: u32, height: u32) -> bool {
    width.max(height) > PREVIEW_FROM_SIDE
}

/// The preview size of an image: the longest side [`PREVIEW_MAX_SIDE`], the other rounded, at
/// least 1.
pub fn preview_size(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height).max(1);
    if longest <= PREVIEW_MAX_SIDE {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| -> u32 {
        let scaled = (u64::from(side) * u64::from(PREVIEW_MAX_SIDE) + u64::from(longest) / 2)
            / u64::from(longest);
        u32::try_from(scaled).unwrap_or(PREVIEW_MAX_SIDE).max(1)
    };
    (scale(width), scale(height))
}

/// Decodes the image at `path` and makes its preview. Slow for big images (the whole image is
/// decoded: about a second for 100 megapixels of JPEG in a release build): call it without
/// holding anything the rest of the app waits for.
pub fn make_preview(path: &Path) -> Result<ImagePreview, PreviewError> {
    use image::ImageDecoder;
    let io_error = |source: std::io::Error| PreviewError::Io {
        path: path.to_owned(),
        source,
    };
    let decode_error = |error: image::ImageError| PreviewError::Decode {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    // The import's checks first, on the file as it is now (it may have changed since): a
    // header claiming too many pixels, and a JPEG cut short, which the decoder would otherwise
    // fill with grey without complaint.
    crate::io::import::media::read_image_size(path).map_err(|reason| PreviewError::Decode {
        path: path.to_owned(),
        reason,
    })?;
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut reader = image::ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(io_error)?;
    if reader.format().is_none() {
        return Err(PreviewError::UnknownFormat {
            path: path.to_owned(),
        });
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(PREVIEW_MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (stored_width, stored_height) = decoder.dimensions();
    if stored_width == 0
        || stored_height == 0
        || stored_width > MAX_IMAGE_SIDE
        || stored_height > MAX_IMAGE_SIDE
        || u64::from(stored_width) * u64::from(stored_height) > MAX_IMAGE_PIXELS
    {
        return Err(PreviewError::TooLarge {
            path: path.to_owned(),
            width: stored_width,
            height: stored_height,
        });
    }
    let orientation = decoder.orientation().map_err(decode_error)?;
    let decoded = image::DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    // Scale first, orient the small copy: rotating 100 megapixels costs as much as scaling them.
    let (stored_preview_width, stored_preview_height) = preview_size(stored_width, stored_height);
    let mut preview =
        if (stored_preview_width, stored_preview_height) == (stored_width, stored_height) {
            decoded
        } else {
            // `thumbnail` averages every source pixel into its target (a box filter on integers):
            // no aliasing, and several times faster than a separable filter at this ratio.
            decoded.thumbnail_exact(stored_preview_width, stored_preview_height)
        };
    preview.apply_orientation(orientation);
    let (width, height) = (preview.width(), preview.height());
    use image::metadata::Orientation;
    let swaps_sides = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let (original_width, original_height) = if swaps_sides {
        (stored_height, stored_width)
    } else {
        (stored_width, stored_height)
    };
    let encode_error = |error: image::ImageError| PreviewError::Encode {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let mut bytes = Vec::new();
    let format = if preview.color().has_alpha() {
        preview
            .to_rgba8()
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .map_err(encode_error)?;
        PreviewFormat::Png
    } else {
        let rgb = preview.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, PREVIEW_JPEG_QUALITY)
            .encode_image(&rgb)
            .map_err(encode_error)?;
        PreviewFormat::Jpeg
    };
    Ok(ImagePreview {
        original_width,
        original_height,
        width,
        height,
        format,
        bytes,
    })
}

/// What `Project::image_preview_lookup` found.
#[derive(Debug)]
pub enum ImagePreviewLookup {
    /// The image is at most [`PREVIEW_FROM_SIDE`] on each side: show it as it is.
    NotNeeded,
    /// A valid cached preview.
    Cached(ImagePreview),
    /// No valid preview: make it with [`ImagePreviewJob::compute`] (no project needed), then
    /// keep it with `Project::store_image_preview`.
    Missing(ImagePreviewJob),
}

/// One image whose preview is to be made, with the version of the file it will be of.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePreviewJob {
    /// The file's real path, checked to be inside the project's allowed folders.
    pub path: PathBuf,
    /// Taken before decoding: if the file changes meanwhile, the stored stamp is the old one
    /// and the next open makes the preview again.
    pub stamp: FileStamp,
}

impl ImagePreviewJob {
    pub fn new(path: &Path) -> Result<ImagePreviewJob, PreviewError> {
        let stamp = FileStamp::of(path).map_err(|error| PreviewError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(error.to_string()),
        })?;
        Ok(ImagePreviewJob {
            path: path.to_owned(),
            stamp,
        })
    }

    pub fn compute(&self) -> Result<ImagePreview, PreviewError> {
        make_preview(&self.path)
    }

    /// The row that keeps `preview` for this file version.
    pub fn row(&self, preview: &ImagePreview) -> ImagePreviewRow {
        ImagePreviewRow {
            path: self.path.display().to_string(),
            file_size: self.stamp.size,
            file_modified_ns: self.stamp.modified_ns,
            file_fingerprint: self.stamp.fingerprint,
            preview_version: PREVIEW_VERSION,
            original_width: preview.original_width,
            original_height: preview.original_height,
            preview_width: preview.width,
            preview_height: preview.height,
            media_type: preview.format.media_type().to_owned(),
            preview: preview.bytes.clone(),
        }
    }
}

/// The preview a cached row holds, if the row is of this file version and this computation's
/// version; `None` means make it again.
pub fn preview_from_row(row: ImagePreviewRow, stamp: &FileStamp) -> Option<ImagePreview> {
    let same_file = row.file_size == stamp.size
        && row.file_modified_ns == stamp.modified_ns
        && row.file_fingerprint == stamp.fingerprint;
    if !same_file || row.preview_version != PREVIEW_VERSION || row.preview.is_empty() {
        return None;
    }
    Some(ImagePreview {
        original_width: row.original_width,
        original_height: row.original_height,
        width: row.preview_width,
        height: row.preview_height,
        format: PreviewFormat::from_media_type(&row.media_type)?,
        bytes: row.preview,
    })
}

/// The images whose previews are being made right now in one process (the desktop's command
/// and its background worker): the same claim registry as audio peaks, kept apart so an image
/// and an audio file never wait for each other and each can be managed as its own app state.
#[derive(Debug, Default)]
pub struct PreviewsInFlight(PeaksInFlight);

impl PreviewsInFlight {
    pub fn new() -> PreviewsInFlight {
        PreviewsInFlight::default()
    }

    /// Claims `path`, first waiting until nobody else holds it; after a wait, look the cache up
    /// again. Returns the claim (released when dropped) and whether it had to wait.
    pub fn claim(&self, path: &Path) -> (PeaksClaim<'_>, bool) {
        self.0.claim(path)
    }

    pub fn is_claimed(&self, path: &Path) -> bool {
        self.0.is_claimed(path)
    }
}

impl crate::Project {
    /// The preview of the image `field` of task `task_id` shows, made and stored now if no
    /// valid one is cached; `None` when the image is small enough to show as it is. The file is
    /// read only if it is, today, a file inside the project's allowed folders.
    pub fn image_preview(
        &mut self,
        task_id: i64,
        field: &str,
    ) -> Result<Option<ImagePreview>, GlossError> {
        match self.image_preview_lookup(task_id, field)? {
            ImagePreviewLookup::NotNeeded => Ok(None),
            ImagePreviewLookup::Cached(preview) => Ok(Some(preview)),
            ImagePreviewLookup::Missing(job) => {
                let preview = job.compute()?;
                self.store_image_preview(&job, &preview)?;
                Ok(Some(preview))
            }
        }
    }

    /// The first half of [`crate::Project::image_preview`]: whether a preview is needed, the
    /// cached one, or the job that makes it. Front doors that must not hold the project while
    /// decoding (the desktop) run the job themselves and then call
    /// [`crate::Project::store_image_preview`].
    pub fn image_preview_lookup(
        &self,
        task_id: i64,
        field: &str,
    ) -> Result<ImagePreviewLookup, GlossError> {
        // Checks the task, the field and the file's place now (the same rules as the task view).
        let path = self.media_file(task_id, field)?;
        let size = self
            .store()
            .reader()
            .task_media(task_id)?
            .into_iter()
            .find(|row| row.field == field)
            .map(|row| (row.width, row.height));
        let Some((width, height)) = size else {
            return Err(GlossError::BadInput(format!(
                "task {task_id}, field \"{field}\": not an image (no size was read at import)"
            )));
        };
        if !needs_preview(width, height) {
            return Ok(ImagePreviewLookup::NotNeeded);
        }
        self.image_preview_lookup_for_path(&path)
    }

    /// The cached preview of an image already checked to be allowed and big, or the job for it.
    pub fn image_preview_lookup_for_path(
        &self,
        path: &Path,
    ) -> Result<ImagePreviewLookup, GlossError> {
        let job = ImagePreviewJob::new(path)?;
        let cached = self
            .store()
            .reader()
            .image_preview(&path.display().to_string())?;
        Ok(
            match cached.and_then(|row| preview_from_row(row, &job.stamp)) {
                Some(preview) => ImagePreviewLookup::Cached(preview),
                None => ImagePreviewLookup::Missing(job),
            },
        )
    }

    /// Keeps a made preview for the file version the job stamped (replacing any older one).
    pub fn store_image_preview(
        &mut self,
        job: &ImagePreviewJob,
        preview: &ImagePreview,
    ) -> Result<(), GlossError> {
        let mut writer = self.store_mut().writer()?;
        writer.upsert_image_preview(&job.row(preview))?;
        writer.commit()?;
        Ok(())
    }

    /// Jobs for big images that tasks show and that have no valid cached preview (at most
    /// `limit`, passing over those `skip` names, e.g. files that failed before), so a background
    /// worker can make them after an import and the first open is a cache hit. Files outside
    /// the allowed folders or unreadable now are passed over (their task says why when opened).
    pub fn image_preview_jobs(
        &self,
        limit: u32,
        skip: impl Fn(&ImagePreviewJob) -> bool,
    ) -> Result<Vec<ImagePreviewJob>, GlossError> {
        const PAGE: u32 = 64;
        let media_roots = crate::io::import::media::MediaRoots::new(
            self.path(),
            None,
            &self.recorded_media_roots()?,
        );
        let mut jobs = Vec::new();
        let mut after = String::new();
        while jobs.len() < limit as usize {
            let paths = self.store().reader().image_paths_without_preview(
                &after,
                PREVIEW_FROM_SIDE,
                PAGE,
            )?;
            let Some(last_path) = paths.last() else {
                break;
            };
            after = last_path.clone();
            for path in &paths {
                let Some(real_path) = media_roots.allows(Path::new(path)) else {
                    continue;
                };
                if let Ok(ImagePreviewLookup::Missing(job)) =
                    self.image_preview_lookup_for_path(&real_path)
                    && !skip(&job)
                    && !jobs.contains(&job)
                {
                    jobs.push(job);
                }
            }
        }
        jobs.truncate(limit as usize);
        Ok(jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_size_keeps_the_aspect_and_caps_the_longest_side() {
        assert_eq!(preview_size(10_000, 10_000), (2048, 2048));
        assert_eq!(preview_size(10_000, 5_000), (2048, 1024));
        assert_eq!(preview_size(3_000, 9_000), (683, 2048));
        assert_eq!(preview_size(50_000, 3), (2048, 1));
        assert_eq!(preview_size(1_000, 800), (1_000, 800));
    }

    #[test]
    fn only_images_over_4096_px_on_a_side_need_a_preview() {
        assert!(!needs_preview(4096, 4096));
        assert!(needs_preview(4097, 10));
        assert!(needs_preview(10, 4097));
    }
}
