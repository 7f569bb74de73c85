//! Turning an export's bytes into text.
//!
//! Chinese exports come in more than UTF-8: Excel on Chinese Windows saves CSV
//! as GBK, older QQ versions write GB18030 or UTF-16 with a BOM. We accept
//! UTF-8, UTF-16 (with a BOM, or without one when every other byte is zero),
//! GB18030 (a superset of GBK and GB2312) and Big5. Anything else is an error
//! naming the first byte that fits none, never a silent mojibake.

use crate::SourceError;
use encoding_rs::{BIG5, DecoderResult, Encoding, GB18030, UTF_16BE, UTF_16LE};

/// The text of a file, and the encoding it was in.
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding's name, e.g. "UTF-8" or "gb18030".
    pub encoding: &'static str,
}

/// Decodes `bytes` (from `file`, named in errors).
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<Decoded, SourceError> {
    if let Some((enc, bom)) = Encoding::for_bom(&bytes) {
        let body = &bytes[bom..];
        return if enc == encoding_rs::UTF_8 { utf8(file, body.to_vec(), bom) } else { strict(file, enc, body, bom) };
    }
    if let Some(enc) = utf16_without_bom(&bytes) {
        return strict(file, enc, &bytes, 0);
    }
    // Validate once: the common case (UTF-8) then costs no copy.
    let (bytes, utf8_error) = match utf8_string(bytes) {
        Ok(text) => {
            check_binary(file, &text, 0)?;
            return Ok(Decoded { text, encoding: "UTF-8" });
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (e.into_bytes(), at)
        }
    };
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(&bytes, true);
    let guess = detector.guess(None, true);
    let enc = if guess == encoding_rs::GBK || guess == GB18030 {
        GB18030
    } else if guess == BIG5 {
        BIG5
    } else {
        return Err(SourceError::Encoding { file: file.to_string(), offset: utf8_error });
    };
    strict(file, enc, &bytes, 0).map_err(|_| SourceError::Encoding { file: file.to_string(), offset: utf8_error })
}

/// `String::from_utf8`, validated with SIMD: exports are tens of megabytes,
/// and the import's writer waits for this before its first event (std's
/// check took ~40 ms of the 65 MB Telegram benchmark, this one ~5 ms).
fn utf8_string(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: `bytes` was just validated as UTF-8, and is moved unchanged.
        return Ok(unsafe { String::from_utf8_unchecked(bytes) });
    }
    // Invalid: std's check says where.
    String::from_utf8(bytes)
}

fn utf8(file: &str, bytes: Vec<u8>, base: usize) -> Result<Decoded, SourceError> {
    let text = utf8_string(bytes)
        .map_err(|e| SourceError::Encoding { file: file.to_string(), offset: base + e.utf8_error().valid_up_to() })?;
    check_binary(file, &text, base)?;
    Ok(Decoded { text, encoding: "UTF-8" })
}

/// Decodes with no replacement characters: a malformed sequence is an error at
/// its byte offset.
fn strict(file: &str, enc: &'static Encoding, bytes: &[u8], base: usize) -> Result<Decoded, SourceError> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() * 3 / 2 + 16);
    let mut read = 0;
    loop {
        let cap = decoder.max_utf8_buffer_length_without_replacement(bytes.len() - read).unwrap_or(bytes.len() * 3);
        text.reserve(cap);
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += n;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => continue,
            DecoderResult::Malformed(bad, after) => {
                let offset = base + read - after as usize - bad as usize;
                return Err(SourceError::Encoding { file: file.to_string(), offset });
            }
        }
    }
    check_binary(file, &text, base)?;
    Ok(Decoded { text, encoding: enc.name() })
}

/// A NUL character near the start means binary data, not a chat export (the
/// rule git uses). Real logs do carry the odd stray NUL further in (one
/// Gitter room has a few), so only the first 8 000 bytes decide.
fn check_binary(file: &str, text: &str, base: usize) -> Result<(), SourceError> {
    let mut end = text.len().min(8000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].find('\0') {
        Some(at) => Err(SourceError::Encoding { file: file.to_string(), offset: base + at }),
        None => Ok(()),
    }
}

/// UTF-16 without a BOM shows as zero bytes in every other position (for the
/// ASCII that dominates timestamps and markup).
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_zero = sample.chunks_exact(2).filter(|p| p[0] == 0).count();
    let odd_zero = sample.chunks_exact(2).filter(|p| p[1] == 0).count();
    if odd_zero * 10 >= pairs * 4 && even_zero * 10 < pairs {
        Some(UTF_16LE)
    } else if even_zero * 10 >= pairs * 4 && odd_zero * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "2024-03-01 20:55:01 小李(10001)\n各位晚上好，今晚讨论《小群效应》第一章\n";

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode("a.txt", SAMPLE.as_bytes().to_vec()).unwrap();
        assert_eq!(d.text, SAMPLE);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(SAMPLE.as_bytes());
        assert_eq!(decode("a.txt", bom).unwrap().text, SAMPLE);
    }

    #[test]
    fn gbk_is_detected() {
        let (bytes, _, _) = GB18030.encode(SAMPLE);
        let d = decode("a.txt", bytes.into_owned()).unwrap();
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.encoding, "gb18030");
    }

    #[test]
    fn utf16_with_bom_and_without() {
        let le: Vec<u8> = SAMPLE.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend_from_slice(&le);
        assert_eq!(decode("a.txt", with_bom).unwrap().text, SAMPLE);
        assert_eq!(decode("a.txt", le).unwrap().text, SAMPLE);
        let be: Vec<u8> = SAMPLE.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(decode("a.txt", be).unwrap().text, SAMPLE);
    }

    #[test]
    fn garbage_is_an_error_with_an_offset() {
        let mut bytes = b"2024-03-01 hello ".to_vec();
        bytes.extend_from_slice(&[0xFF, 0xFE, 0xFD, 0x80, 0x81, 0xFF, 0x00, 0x9F]);
        match decode("x.txt", bytes) {
            Err(SourceError::Encoding { file, offset }) => {
                assert_eq!(file, "x.txt");
                assert_eq!(offset, 17);
            }
            other => panic!("expected an encoding error, got {:?}", other.map(|d| d.text)),
        }
    }

    #[test]
    fn nul_bytes_are_binary() {
        assert!(matches!(decode("x.bin", b"abc\0def".to_vec()), Err(SourceError::Encoding { offset: 3, .. })));
    }
}
