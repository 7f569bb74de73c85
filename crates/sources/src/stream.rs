//! The input layer: every byte a source reads comes through here, as a
//! stream of decoded text, so that memory stays bounded whatever the size of
//! the file, and every limit on hostile input sits in one place.
//!
//! An [`Input`] is opened over any byte stream (a file, a zip entry, a test's
//! string). Opening reads a first chunk to decide the encoding (a BOM, UTF-16
//! by its zero bytes, else UTF-8, else GB18030 or Big5 as chardetng guesses)
//! and decodes the [`SNIFF_BYTES`](crate::SNIFF_BYTES) head that sniffing
//! looks at. The text is then handed out chunk by chunk: UTF-8 passes through,
//! validated as it arrives (SIMD, as the whole-file check was); other
//! encodings go through encoding_rs's streaming decoder. Line formats read
//! it with [`Lines`], JSON formats with `common::json::JsonStream`, CSV
//! formats through `common::records`. A format that needs two passes
//! ([`Input::rewind`]) re-opens its bytes; nothing is buffered whole.
//!
//! The limits ([`Limits`]) are checked here and where the readers above
//! cut the stream into lines, values and records, each with an error naming
//! the file and the line. Issue 14's corpus of hostile files (zip bombs, a
//! 500 MB line, JSON nested 100,000 deep, a million CSV columns) is meant to
//! be replayed against [`Input`] and `plan`/`Job::run` with these limits: its
//! test hooks in at [`Input::with_limits`].

use crate::{Position, SNIFF_BYTES, SourceError};
use encoding_rs::{BIG5, DecoderResult, Encoding, GB18030, UTF_16BE, UTF_16LE};
use std::cell::Cell;
use std::io::{self, Read};
use tonghao_model::msg::Msg;

/// Bounds on what tonghao will read, so that a hostile or broken file is
/// refused with a clear error instead of exhausting memory or time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line a line-based format may have (bytes of decoded text).
    pub max_line_bytes: usize,
    /// The largest single message: one JSON element, one CSV record, or the
    /// lines of one multi-line message (bytes of decoded text).
    pub max_message_bytes: usize,
    /// The largest file, or zip entry once expanded (bytes).
    pub max_file_bytes: u64,
    /// How many times its compressed size a zip entry may expand to, once it
    /// is past [`Limits::zip_ratio_floor`].
    pub max_zip_ratio: u64,
    /// Up to this many bytes an entry may expand to whatever its ratio (a
    /// short file of repeated lines compresses very well).
    pub zip_ratio_floor: u64,
}

/// Real chat messages are at most tens of kilobytes (Telegram caps a text at
/// 4,096 characters, Discord at 4,000; WeChat's app-message XML runs to a few
/// KB); 16 MiB leaves room for any export while keeping a hostile line from
/// costing more than a few times that in memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;
/// See [`MAX_LINE_BYTES`].
pub const MAX_MESSAGE_BYTES: usize = 16 << 20;
/// The largest file (or zip entry, uncompressed) tonghao reads: a guard
/// against mistaking a disk image for a chat.
pub const MAX_FILE_BYTES: u64 = 4 << 30;
/// Chat exports deflate 4–20×; deflate itself cannot do better than ~1,032×,
/// which is what zip bombs use. 100× refuses them after at most 100 times the
/// entry's compressed size, long before they fill memory or disk.
pub const MAX_ZIP_RATIO: u64 = 100;
/// See [`Limits::zip_ratio_floor`].
pub const ZIP_RATIO_FLOOR: u64 = 8 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: MAX_LINE_BYTES,
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_file_bytes: MAX_FILE_BYTES,
            max_zip_ratio: MAX_ZIP_RATIO,
            zip_ratio_floor: ZIP_RATIO_FLOOR,
        }
    }
}

/// The error for a multi-line message (starting on `line`) that grew past
/// [`Limits::max_message_bytes`] (`max`).
pub(crate) fn too_long(file: &str, line: usize, max: usize) -> SourceError {
    SourceError::parse(file, Position::Line(line), Msg::new("source.message_too_long").text("limit", mib(max as u64)))
}

/// Mebibytes, for messages about limits.
pub(crate) fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 { format!("{} MiB", bytes >> 20) } else { format!("{bytes} bytes") }
}

/// How much is read from the source at a time.
const CHUNK: usize = 512 * 1024;
/// How much of the start decides the encoding (a UTF-8 file whose first
/// 256 KiB are ASCII is still taken as GB18030 or Big5 if such bytes come
/// later: see [`TextReader::switch_from_ascii`]).
const PROBE: usize = 256 * 1024;

/// Re-opens the bytes of an input from the start, for [`Input::rewind`].
pub type Reopen<'a> = Box<dyn FnMut() -> Result<Box<dyn Read + 'a>, SourceError> + 'a>;

/// One export file as a stream of decoded text: what [`crate::Source::read`]
/// gets.
pub struct Input<'a> {
    name: String,
    head: String,
    pub(crate) text: TextReader<'a>,
    reopen: Option<Reopen<'a>>,
    limits: Limits,
    /// Made from a `str`: re-opened without guessing the encoding.
    from_text: bool,
}

impl<'a> Input<'a> {
    /// Opens `bytes` (named `name` in errors) with the default limits.
    /// `reopen`, when given, lets a two-pass format read the bytes again.
    pub fn open(name: &str, bytes: Box<dyn Read + 'a>, reopen: Option<Reopen<'a>>) -> Result<Self, SourceError> {
        Self::with_limits(name, bytes, reopen, Limits::default())
    }

    /// Opens `bytes` under `limits`.
    pub fn with_limits(
        name: &str,
        bytes: Box<dyn Read + 'a>,
        reopen: Option<Reopen<'a>>,
        limits: Limits,
    ) -> Result<Self, SourceError> {
        let mut text = TextReader::open(name, bytes, false)?;
        let head = text.head(true)?;
        Ok(Input { name: name.to_string(), head, text, reopen, limits, from_text: false })
    }

    /// Text already decoded (tests, and files read whole with
    /// [`crate::read_path`]).
    pub fn from_text(name: &str, text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let reopen: Reopen<'a> = Box::new(move || Ok(Box::new(bytes) as Box<dyn Read + 'a>));
        // Reading a `&[u8]` cannot fail, and with `text` set nothing about
        // the content is checked, so there is no error to return.
        let mut reader = match TextReader::open(name, Box::new(bytes), true) {
            Ok(r) => r,
            Err(_) => unreachable!("reading a str as text cannot fail"),
        };
        let head = reader.head(false).unwrap_or_default();
        Input {
            name: name.to_string(),
            head,
            text: reader,
            reopen: Some(reopen),
            limits: Limits::default(),
            from_text: true,
        }
    }

    /// The name shown in messages: a path, or `archive.zip!inner/path`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last path component of [`Input::name`].
    pub fn base_name(&self) -> &str {
        self.name.rsplit(['/', '\\', '!']).next().unwrap_or(&self.name)
    }

    /// The first [`SNIFF_BYTES`](crate::SNIFF_BYTES) of the decoded text, cut
    /// at a character boundary: what [`crate::Source::sniff`] looks at.
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The encoding the bytes are in, e.g. "UTF-8" or "gb18030".
    pub fn encoding(&self) -> &'static str {
        self.text.encoding()
    }

    /// The limits this input is read under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Starts again from the first character, for formats that need a first
    /// pass over the file (WhatsApp's date order, DiscordChatExporter CSV's
    /// author names). The bytes are re-opened, never kept.
    pub fn rewind(&mut self) -> Result<(), SourceError> {
        let Some(reopen) = self.reopen.as_mut() else {
            return Err(SourceError::parse(&self.name, Position::Whole, Msg::new("source.cannot_reread")));
        };
        let bytes = reopen()?;
        self.text = TextReader::open(&self.name, bytes, self.from_text)?;
        self.text.head(!self.from_text)?;
        Ok(())
    }

    /// The text line by line.
    pub(crate) fn lines(&mut self) -> Lines<'_, 'a> {
        Lines {
            max: self.limits.max_line_bytes,
            text: &mut self.text,
            name: &self.name,
            pending: 0,
            number: 0,
            newline: true,
        }
    }

    /// Reads the whole text into memory (tests and small files; never a
    /// source).
    pub fn into_text(mut self) -> Result<crate::TextFile, SourceError> {
        let text = self.read_to_string()?;
        Ok(crate::TextFile { name: self.name, text, encoding: self.text.encoding() })
    }

    /// Reads the rest of the text into a string (tests; never a source).
    pub fn read_to_string(&mut self) -> Result<String, SourceError> {
        let mut out = String::new();
        loop {
            let chunk = self.text.chunk();
            if chunk.is_empty() && !self.text.fill()? {
                return Ok(out);
            }
            let chunk = self.text.chunk();
            out.push_str(chunk);
            let n = chunk.len();
            self.text.consume(n);
        }
    }
}

/// Decoded text handed out chunk by chunk: `chunk()` is always whole
/// characters of valid UTF-8; `fill()` appends more; `consume(n)` drops the
/// first `n` bytes and advances the line and column.
pub(crate) struct TextReader<'a> {
    name: String,
    src: Box<dyn Read + 'a>,
    /// `None`: UTF-8, passed through.
    decoder: Option<encoding_rs::Decoder>,
    /// UTF-8 only: every byte so far was ASCII (so a later GB18030 or Big5
    /// byte can still switch the decoder without changing the text so far).
    ascii: bool,
    /// Raw bytes waiting for the decoder: `raw[raw_pos..]`.
    raw: Vec<u8>,
    raw_pos: usize,
    /// Raw bytes of the file before `raw[raw_pos]` (decoder) or before
    /// `buf[end]` (UTF-8): error offsets.
    raw_offset: u64,
    /// Decoded text in `buf[start..end]`; with UTF-8, `buf[end..end + held]`
    /// is the start of a character cut by a read.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    held: usize,
    src_done: bool,
    /// The decoder has been told the input ended.
    flushed: bool,
    /// Line and column are worked out only when a position is asked for
    /// (an error, or a format that records each message's line), counting
    /// from the last place asked about: reading pays nothing for them. The
    /// 1-based line of `buf[0]` and the characters of that line before it.
    base_line: usize,
    base_column: usize,
    /// The last position worked out: an index into `buf`, its line, and
    /// where that line starts in `buf` (`None`: before `buf[0]`).
    known: Cell<(usize, usize, Option<usize>)>,
}

fn io_error(name: &str, source: io::Error) -> SourceError {
    // A limit or encoding error raised below a `Read` adapter comes back up
    // inside an io::Error: unwrap it rather than wrap it twice.
    match source.downcast::<SourceError>() {
        Ok(e) => e,
        Err(source) => SourceError::Io { file: name.to_string(), source },
    }
}

/// Reads into `out` until it is full or the source ends; the count read.
fn read_full(src: &mut dyn Read, out: &mut [u8], name: &str) -> Result<usize, SourceError> {
    let mut n = 0;
    while n < out.len() {
        match src.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(name, e)),
        }
    }
    Ok(n)
}

impl<'a> TextReader<'a> {
    /// Reads the probe, decides the encoding, strips a BOM.
    /// `text`: the bytes are known to be UTF-8 text already (an `Input` made
    /// from a `str`): no encoding is guessed and no binary check made, so
    /// that nothing about the content can fail.
    fn open(name: &str, mut src: Box<dyn Read + 'a>, text: bool) -> Result<Self, SourceError> {
        // Grown as read, not zeroed in full first: a small file (most of a
        // folder of exports, every fuzz input) costs what it holds.
        let mut probe = Vec::new();
        (&mut *src).take(PROBE as u64).read_to_end(&mut probe).map_err(|e| io_error(name, e))?;
        let n = probe.len();
        let src_done = n < PROBE;
        let mut r = TextReader {
            name: name.to_string(),
            src,
            decoder: None,
            ascii: true,
            raw: Vec::new(),
            raw_pos: 0,
            raw_offset: 0,
            buf: Vec::new(),
            start: 0,
            end: 0,
            held: 0,
            src_done,
            flushed: false,
            base_line: 1,
            base_column: 0,
            known: Cell::new((0, 1, Some(0))),
        };
        let (encoding, bom) = match Encoding::for_bom(&probe) {
            _ if text => (None, if probe.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 }),
            Some((enc, bom)) => (Some(enc), bom),
            None => (utf16_without_bom(&probe), 0),
        };
        r.raw_offset = bom as u64;
        let encoding = match encoding {
            Some(e) if e == encoding_rs::UTF_8 => None,
            Some(e) => Some(e),
            None => match simdutf8::compat::from_utf8(&probe) {
                Ok(_) => None,
                // A character cut by the end of the probe is not an error.
                Err(e) if e.error_len().is_none() && !src_done => None,
                Err(e) => Some(
                    guess_legacy(&probe, src_done)
                        .ok_or_else(|| SourceError::Encoding { file: name.to_string(), offset: e.valid_up_to() })?,
                ),
            },
        };
        match encoding {
            None => {
                probe.drain(..bom);
                r.buf = probe;
                if !src_done {
                    r.buf.resize(r.buf.len().max(CHUNK), 0);
                }
                r.held = n - bom;
                r.validate(0)?;
            }
            Some(enc) => {
                r.decoder = Some(enc.new_decoder_without_bom_handling());
                r.raw = probe;
                r.raw_pos = bom;
                r.buf = vec![0; CHUNK];
            }
        }
        Ok(r)
    }

    fn encoding(&self) -> &'static str {
        self.decoder.as_ref().map_or("UTF-8", |d| d.encoding().name())
    }

    /// Decodes the head for sniffing, checks it is text, and drops a leading
    /// U+FEFF left by an encoding's BOM handling.
    fn head(&mut self, check: bool) -> Result<String, SourceError> {
        while self.end - self.start < SNIFF_BYTES + 4 && self.fill()? {}
        let text = self.chunk();
        if text.starts_with('\u{feff}') {
            // Dropped from the buffer, so that it counts in no column.
            let bom = '\u{feff}'.len_utf8();
            self.buf.copy_within(self.start + bom..self.end + self.held, self.start);
            self.end -= bom;
        }
        let text = self.chunk();
        if check {
            check_binary(&self.name, text, self.raw_offset_of_start())?;
        }
        let mut end = text.len().min(SNIFF_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Ok(text[..end].to_string())
    }

    /// The raw offset of the first unconsumed character, as far as it is
    /// known (exact for UTF-8, where it is only used).
    fn raw_offset_of_start(&self) -> usize {
        if self.decoder.is_none() { (self.raw_offset as usize).saturating_sub(self.end - self.start) } else { 0 }
    }

    /// The decoded text not yet consumed.
    pub(crate) fn chunk(&self) -> &str {
        // SAFETY: `buf[start..end]` only ever holds bytes validated as UTF-8
        // (by simdutf8) or written by encoding_rs's decoder, and `start` and
        // `end` only move by whole characters (`consume` is given lengths of
        // prefixes of `chunk()` cut at char boundaries by its callers, and
        // checked in debug builds). The fuzzer, built without a memory
        // sanitizer, checks the claim itself on every call.
        #[cfg(fuzzing)]
        assert!(std::str::from_utf8(&self.buf[self.start..self.end]).is_ok(), "the text buffer is not UTF-8");
        unsafe { std::str::from_utf8_unchecked(&self.buf[self.start..self.end]) }
    }

    /// The unconsumed text as bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// 1-based line and 1-based column (characters) of the first unconsumed
    /// character.
    pub(crate) fn position(&self) -> (usize, usize) {
        self.position_at(self.start)
    }

    /// Line and column of `buf[at]`, counted on from the last position
    /// worked out (or from `buf[0]`).
    fn position_at(&self, at: usize) -> (usize, usize) {
        let (mut from, mut line, mut line_start) = self.known.get();
        if from > at {
            (from, line, line_start) = (0, self.base_line, if self.base_column == 0 { Some(0) } else { None });
        }
        let between = &self.buf[from..at];
        // memchr's search is vectorised; a plain filter-count was not.
        line += memchr::memchr_iter(b'\n', between).count();
        if let Some(last) = memchr::memrchr(b'\n', between) {
            line_start = Some(from + last + 1);
        }
        self.known.set((at, line, line_start));
        // Whole characters: a line starts after a `\n`, `at` is a boundary.
        let chars = |b: &[u8]| std::str::from_utf8(b).map_or(0, |s| s.chars().count());
        let column = match line_start {
            Some(ls) => chars(&self.buf[ls..at]),
            None => self.base_column + chars(&self.buf[..at]),
        };
        (line, column + 1)
    }

    /// The name shown in errors.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Drops the first `n` bytes of [`TextReader::chunk`].
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(self.chunk().is_char_boundary(n));
        self.start += n;
    }

    /// Appends more text to [`TextReader::chunk`]; false when the text has
    /// ended (nothing was added).
    pub(crate) fn fill(&mut self) -> Result<bool, SourceError> {
        // Keep the unconsumed text at the front, and room behind it.
        if self.start > 0 {
            // What is dropped from the front still counts in line numbers.
            let (line, column) = self.position_at(self.start);
            (self.base_line, self.base_column) = (line, column - 1);
            self.known.set((0, line, if column == 1 { Some(0) } else { None }));
            self.buf.copy_within(self.start..self.end + self.held, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let more_to_read = !self.src_done || self.decoder.is_some();
        if more_to_read && self.buf.len() - (self.end + self.held) < CHUNK / 2 {
            self.buf.resize(self.end + self.held + CHUNK, 0);
        }
        loop {
            let before = self.end;
            if self.decoder.is_some() {
                if !self.decode_more()? {
                    return Ok(false);
                }
            } else {
                if self.src_done {
                    if self.held > 0 {
                        return Err(SourceError::Encoding {
                            file: self.name.clone(),
                            offset: self.raw_offset as usize,
                        });
                    }
                    return Ok(false);
                }
                let from = self.end + self.held;
                let n = read_full(&mut *self.src, &mut self.buf[from..], &self.name)?;
                if n == 0 {
                    self.src_done = true;
                    continue;
                }
                self.held += n;
                self.validate(before)?;
            }
            if self.end > before {
                return Ok(true);
            }
        }
    }

    /// UTF-8: moves the valid part of `buf[end..end + held]` into the text.
    fn validate(&mut self, _before: usize) -> Result<(), SourceError> {
        let new = &self.buf[self.end..self.end + self.held];
        match simdutf8::compat::from_utf8(new) {
            Ok(_) => {
                if self.ascii {
                    self.ascii = new.is_ascii();
                }
                self.raw_offset += self.held as u64;
                self.end += self.held;
                self.held = 0;
            }
            Err(e) => {
                let mut valid = e.valid_up_to();
                if self.ascii && e.error_len().is_some() {
                    // GBK and Big5 pairs can pass for UTF-8 for a character
                    // or two: the legacy text starts at the first non-ASCII
                    // byte, not where UTF-8 gave up.
                    valid = new[..valid].iter().position(|b| !b.is_ascii()).unwrap_or(valid);
                } else if self.ascii {
                    self.ascii = new[..valid].is_ascii();
                }
                self.raw_offset += valid as u64;
                self.end += valid;
                self.held -= valid;
                if e.error_len().is_some() {
                    if self.ascii {
                        return self.switch_from_ascii();
                    }
                    return Err(SourceError::Encoding { file: self.name.clone(), offset: self.raw_offset as usize });
                }
                // Else a character cut by the read: kept for the next one.
            }
        }
        Ok(())
    }

    /// A file that was ASCII so far and now has a byte UTF-8 refuses: decide
    /// between GB18030 and Big5 from what follows (ASCII reads the same in
    /// both, so the text handed out so far stays right).
    fn switch_from_ascii(&mut self) -> Result<(), SourceError> {
        let mut raw = self.buf[self.end..self.end + self.held].to_vec();
        self.held = 0;
        if !self.src_done && raw.len() < PROBE {
            let have = raw.len();
            raw.resize(PROBE, 0);
            let n = read_full(&mut *self.src, &mut raw[have..], &self.name)?;
            raw.truncate(have + n);
            self.src_done = have + n < PROBE;
        }
        let enc = guess_legacy(&raw, self.src_done)
            .ok_or_else(|| SourceError::Encoding { file: self.name.clone(), offset: self.raw_offset as usize })?;
        self.decoder = Some(enc.new_decoder_without_bom_handling());
        self.raw = raw;
        self.raw_pos = 0;
        self.decode_more().map(|_| ())
    }

    /// Decoder: decodes what raw bytes there are (reading more when none are
    /// left) into `buf[end..]`; false when all is decoded.
    fn decode_more(&mut self) -> Result<bool, SourceError> {
        loop {
            if self.raw_pos == self.raw.len() && !self.src_done {
                self.raw.resize(CHUNK, 0);
                let n = read_full(&mut *self.src, &mut self.raw, &self.name)?;
                self.raw.truncate(n);
                self.raw_pos = 0;
                self.src_done = n < CHUNK;
            }
            if self.flushed {
                return Ok(false);
            }
            let last = self.src_done;
            let Some(decoder) = self.decoder.as_mut() else { return Ok(false) };
            let (result, read, written) =
                decoder.decode_to_utf8_without_replacement(&self.raw[self.raw_pos..], &mut self.buf[self.end..], last);
            self.raw_pos += read;
            self.raw_offset += read as u64;
            self.end += written;
            match result {
                DecoderResult::Malformed(bad, after) => {
                    let offset = self.raw_offset - u64::from(after) - u64::from(bad);
                    return Err(SourceError::Encoding { file: self.name.clone(), offset: offset as usize });
                }
                DecoderResult::OutputFull => {
                    if written > 0 {
                        return Ok(true);
                    }
                    let len = self.buf.len();
                    self.buf.resize(len + CHUNK, 0);
                }
                DecoderResult::InputEmpty => {
                    if last {
                        self.flushed = true;
                        return Ok(written > 0);
                    }
                    if written > 0 {
                        return Ok(true);
                    }
                }
            }
        }
    }
}

/// GB18030 (a superset of GBK and GB2312) or Big5, as chardetng guesses from
/// `bytes`; `None` for anything else.
fn guess_legacy(bytes: &[u8], last: bool) -> Option<&'static Encoding> {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, last);
    let guess = detector.guess(None, true);
    if guess == encoding_rs::GBK || guess == GB18030 {
        Some(GB18030)
    } else if guess == BIG5 {
        Some(BIG5)
    } else {
        None
    }
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

/// The text of an [`Input`] line by line, like `str::lines`: split at `\n`,
/// a `\r` before it dropped, no empty line after a final line break.
pub(crate) struct Lines<'r, 'a> {
    text: &'r mut TextReader<'a>,
    name: &'r str,
    max: usize,
    /// Bytes of the line handed out last, consumed on the next call.
    pending: usize,
    number: usize,
    /// The line handed out last ended with a line break.
    newline: bool,
}

impl Lines<'_, '_> {
    /// Whether the last line read ended with a line break (a file that does
    /// not may have been cut).
    pub(crate) fn ended_with_newline(&self) -> bool {
        self.newline
    }

    /// The next line and its 1-based number; `None` at the end.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, &str)>, SourceError> {
        self.text.consume(self.pending);
        self.pending = 0;
        let mut scanned = 0;
        let (len, next) = loop {
            let bytes = self.text.bytes();
            if let Some(i) = memchr::memchr(b'\n', &bytes[scanned..]) {
                let end = scanned + i;
                break (end, end + 1);
            }
            scanned = bytes.len();
            if scanned > self.max {
                return Err(SourceError::parse(
                    self.name,
                    Position::Line(self.number + 1),
                    Msg::new("source.line_too_long").text("limit", mib(self.max as u64)),
                ));
            }
            if !self.text.fill()? {
                if scanned == 0 {
                    return Ok(None);
                }
                break (scanned, scanned);
            }
        };
        if len > self.max {
            return Err(SourceError::parse(
                self.name,
                Position::Line(self.number + 1),
                Msg::new("source.line_too_long").text("limit", mib(self.max as u64)),
            ));
        }
        self.pending = next;
        self.number += 1;
        self.newline = next > len;
        let text = &self.text.chunk()[..len];
        let text = if next > len { text.strip_suffix('\r').unwrap_or(text) } else { text };
        Ok(Some((self.number, text)))
    }
}

/// An [`Input`]'s text as `io::Read`, for the csv crate. Errors of the
/// input (encoding, limits) travel inside the io::Error and come back out in
/// [`io_error`].
pub(crate) struct TextRead<'r, 'a> {
    pub(crate) text: &'r mut TextReader<'a>,
}

impl Read for TextRead<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.text.bytes().is_empty() && !self.text.fill().map_err(io::Error::other)? {
            return Ok(0);
        }
        let chunk = self.text.chunk();
        let mut n = chunk.len().min(out.len());
        while !chunk.is_char_boundary(n) {
            n -= 1;
        }
        if n == 0 {
            // `out` cannot hold one character; the csv crate's buffer always can.
            return Err(io::Error::other("read buffer smaller than one character"));
        }
        out[..n].copy_from_slice(&chunk.as_bytes()[..n]);
        self.text.consume(n);
        Ok(n)
    }
}

/// Turns an io::Error from below a [`TextRead`] back into the source error.
pub(crate) fn from_io(name: &str, e: io::Error) -> SourceError {
    io_error(name, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: Vec<u8>) -> Result<String, SourceError> {
        let mut i = Input::open("t.txt", Box::new(io::Cursor::new(bytes)), None)?;
        i.read_to_string()
    }

    #[test]
    fn ascii_then_gbk_switches_decoder() {
        let mut text = "a,b\n".repeat(100_000);
        text.push_str("2024-03-01 小李 各位晚上好\n");
        let (bytes, _, _) = GB18030.encode(&text);
        assert_eq!(input(bytes.into_owned()).unwrap(), text);
    }

    #[test]
    fn invalid_utf8_after_non_ascii_is_an_error_at_its_offset() {
        let mut bytes = "小李\n".repeat(100_000).into_bytes();
        let at = bytes.len();
        bytes.extend_from_slice(&[0xFF, 0xFE, b'x']);
        match input(bytes) {
            Err(SourceError::Encoding { offset, .. }) => assert_eq!(offset, at),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_cut_final_character_is_an_error() {
        let mut bytes = "小李".repeat(10).into_bytes();
        bytes.pop();
        assert!(matches!(input(bytes), Err(SourceError::Encoding { .. })));
    }

    #[test]
    fn text_in_memory_is_never_refused() {
        // NULs and UTF-16-looking zeros: from a `str`, still just UTF-8 text.
        let text = "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0\u{feff}x";
        let mut input = Input::from_text("t.txt", text);
        assert_eq!(input.encoding(), "UTF-8");
        assert_eq!(input.read_to_string().unwrap(), text);
        input.rewind().unwrap();
        assert_eq!(input.read_to_string().unwrap(), text);
    }
}
