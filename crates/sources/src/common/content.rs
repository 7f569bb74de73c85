//! What kind of content a message is, from what exports write about it.

use tonghao_model::ContentType;

/// The content type of an attachment, from its file name or URL.
pub(crate) fn attachment_type(name: &str) -> ContentType {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    if file.starts_with("voice-message") {
        return ContentType::Voice;
    }
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" | "heic" | "avif" | "tif" | "tiff" => ContentType::Image,
        "mp4" | "mov" | "webm" | "mkv" | "avi" | "m4v" => ContentType::Video,
        _ => ContentType::File,
    }
}

/// `Link` for a message that is one bare URL, else `Text`.
pub(crate) fn text_type(text: &str) -> ContentType {
    let t = text.trim();
    let url = (t.starts_with("https://") || t.starts_with("http://")) && !t.contains(char::is_whitespace);
    if url { ContentType::Link } else { ContentType::Text }
}
