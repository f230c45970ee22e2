//! Attachments: the images, audio, video and PDFs that live beside the notes.
//!
//! Which files are attachments (by extension, the kinds Obsidian embeds: anything else beside
//! the notes is left out of an import), the media type each is served as, how large one may
//! be, and the address a stored one is served at. The address carries a version taken from
//! the file's content, so a browser may keep it for good: when the file changes, the notes
//! showing it are rendered again with the new address.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The largest attachment accepted: a screenshot, a diagram, a short clip or a paper fits; a
/// film does not belong in a knowledge base that keeps every file in its database.
pub const MAX_ATTACHMENT_BYTES: usize = 32 * 1024 * 1024;

/// Extensions of the files imported as attachments, and the media type each is served as.
const MEDIA_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("bmp", "image/bmp"),
    ("svg", "image/svg+xml"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("mp3", "audio/mpeg"),
    ("wav", "audio/wav"),
    ("m4a", "audio/mp4"),
    ("ogg", "audio/ogg"),
    ("3gp", "audio/3gpp"),
    ("flac", "audio/flac"),
    ("webm", "video/webm"),
    ("mp4", "video/mp4"),
    ("ogv", "video/ogg"),
    ("mov", "video/quicktime"),
    ("mkv", "video/x-matroska"),
    ("pdf", "application/pdf"),
    ("canvas", "application/json"),
];

/// The media type of the attachment at `path`, or `None` if its name is not an attachment's
/// (`Node.js`, `v1.2`, `notes.md`).
pub fn media_type(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, extension) = name.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    MEDIA_TYPES
        .iter()
        .find(|(known, _)| extension.eq_ignore_ascii_case(known))
        .map(|(_, media_type)| *media_type)
}

/// How a page shows an attachment it embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// In an `<img>`.
    Image,
    /// In an `<audio>` player.
    Audio,
    /// In a `<video>` player.
    Video,
    /// As a link to it (a PDF, a canvas).
    Other,
}

/// How the attachment at `path` is shown when embedded.
pub fn media(path: &str) -> Media {
    match media_type(path).and_then(|t| t.split_once('/')) {
        Some(("image", _)) => Media::Image,
        Some(("audio", _)) => Media::Audio,
        Some(("video", _)) => Media::Video,
        _ => Media::Other,
    }
}

/// What a path segment keeps as it is in an address: letters, digits and `-._~`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The address the attachment at `path` with content `hash` is served at.
pub fn file_url(path: &str, hash: &str) -> String {
    let encoded: Vec<String> = path
        .split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect();
    format!(
        "{}{}?v={}",
        FILES_PREFIX,
        encoded.join("/"),
        &hash[..hash.len().min(VERSION_DIGITS)]
    )
}

/// Where attachments are served: `GET /api/files/{path}` (under `/api`, which `trunk serve` passes
/// on to the server too).
pub const FILES_PREFIX: &str = "/api/files/";

/// How many hex digits of its hash an attachment's address carries: 64 bits, more than enough
/// to tell one version of a file from the next.
pub const VERSION_DIGITS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_known_by_extension_in_any_case() {
        assert_eq!(media_type("images/diagram.PNG"), Some("image/png"));
        assert_eq!(media_type("paper.pdf"), Some("application/pdf"));
        assert_eq!(media_type("Node.js"), None);
        assert_eq!(media_type("notes/plan.md"), None);
        assert_eq!(media_type(".png"), None);
        assert_eq!(media("clips/demo.mp4"), Media::Video);
        assert_eq!(media("talk.mp3"), Media::Audio);
        assert_eq!(media("paper.pdf"), Media::Other);
    }

    #[test]
    fn an_address_keeps_the_folders_and_encodes_the_rest() {
        assert_eq!(
            file_url("images/my diagram #2.png", "0123456789abcdef0123"),
            "/api/files/images/my%20diagram%20%232.png?v=0123456789abcdef"
        );
    }
}
