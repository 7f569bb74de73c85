//! Turning an export's bytes into text.
//!
//! Chinese exports come in more than UTF-8: Excel on Chinese Windows saves CSV
//! as GBK, older QQ versions write GB18030 or UTF-16 with a BOM. We accept
//! UTF-8, UTF-16 (with a BOM, or without one when every other byte is zero),
//! GB18030 (a superset of GBK and GB2312) and Big5. Anything else is an error
//! naming the first byte that fits none, never a silent mojibake.
//!
//! The decoding itself is the input layer's ([`crate::Input`]), which does it
//! as a stream; this is the same done to bytes already in memory.

use crate::{Input, SourceError};

/// The text of a file, and the encoding it was in.
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding's name, e.g. "UTF-8" or "gb18030".
    pub encoding: &'static str,
}

/// Decodes `bytes` (from `file`, named in errors).
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<Decoded, SourceError> {
    let mut input = Input::open(file, Box::new(std::io::Cursor::new(bytes)), None)?;
    let text = input.read_to_string()?;
    Ok(Decoded { text, encoding: input.encoding() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::GB18030;

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
