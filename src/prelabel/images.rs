//! Images for vision models: a task's `Image` field, resolved inside the project's allowed
//! folders (the same rules as import and display, `crate::io::import::media`), checked against
//! the decompression-bomb limits before decoding, turned upright (EXIF orientation), scaled so
//! the longer side is at most [`MAX_SENT_IMAGE_SIDE`] pixels, and sent as a JPEG in base64.
//! URLs are not sent: Gloss never fetches them, and handing them to a cloud provider would make
//! it fetch what the annotator's machine may not be allowed to share.

use std::io::Cursor;
use std::path::Path;

use base64::Engine;

use crate::io::import::media::{MediaReference, MediaRoots, read_image_size};

/// The longest side sent, in pixels: what OpenAI and Anthropic scale images to anyway, so
/// larger images only cost upload time and tokens.
pub const MAX_SENT_IMAGE_SIDE: u32 = 1568;

/// One image as a request carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageAttachment {
    pub media_type: &'static str,
    pub base64: String,
}

impl ImageAttachment {
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.media_type, self.base64)
    }
}

/// Reads, checks and encodes the image a task's field names. `Err` is the reason, naming the
/// reference (never the file's content).
pub fn image_attachment(roots: &MediaRoots, reference: &str) -> Result<ImageAttachment, String> {
    let path = match roots.resolve(reference)? {
        MediaReference::File(path) => path,
        MediaReference::Url => {
            return Err(format!(
                "image {reference}: a URL; only local image files are sent to vision models"
            ));
        }
    };
    encode_for_model(&path).map_err(|reason| format!("image {reference}: {reason}"))
}

fn encode_for_model(path: &Path) -> Result<ImageAttachment, String> {
    // Size limits from the header first: nothing is decoded for a decompression bomb.
    read_image_size(path)?;
    let reader = image::ImageReader::open(path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|error| error.to_string())?;
    let mut decoder = reader.into_decoder().map_err(|error| error.to_string())?;
    let orientation = image::ImageDecoder::orientation(&mut decoder).ok();
    let mut picture =
        image::DynamicImage::from_decoder(decoder).map_err(|error| error.to_string())?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    if picture.width().max(picture.height()) > MAX_SENT_IMAGE_SIDE {
        picture = picture.resize(
            MAX_SENT_IMAGE_SIDE,
            MAX_SENT_IMAGE_SIDE,
            image::imageops::FilterType::Triangle,
        );
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 85)
        .encode_image(&picture.to_rgb8())
        .map_err(|error| error.to_string())?;
    Ok(ImageAttachment {
        media_type: "image/jpeg",
        base64: base64::engine::general_purpose::STANDARD.encode(&jpeg),
    })
}
