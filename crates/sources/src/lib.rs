//! Readers for chat exports. Each format is one [`Source`] (a file) or one
//! [`BundleSource`] (a folder or .zip laid out by the exporter, like Slack's);
//! all of them are listed in [`SOURCES`] and [`BUNDLE_SOURCES`], in the order
//! detection tries them.
//!
//! A source sniffs whether a file is its format, then streams canonical events
//! into an [`EventSink`]. It never touches the store, never panics on bad
//! input, and reports errors with the file and the line or byte where they
//! are. The contract every source keeps is written in `docs/specs/source.md`
//! and checked for all of them by `tests/compliance.rs`.
//!
//! Sources never see a whole file: they read an [`Input`], a stream of
//! decoded text that the one input layer (`stream.rs`) builds for a file,
//! a zip entry or a test's string. That layer decides the encoding, bounds
//! lines, messages and zip expansion ([`Limits`]), and is why an import's
//! memory does not grow with the file (a 1M-message Telegram export: 367 MB
//! peak when files were read whole, 80 MB streamed). Helpers that more than
//! one format uses (the JSON stream, CSV records, Chinese system lines,
//! content types) live in `common/`; no format file imports another.
#![deny(missing_docs)]

pub mod chatlab;
mod common;
mod decode;
pub mod discord_csv;
pub mod discord_json;
mod error;
pub mod fuzz;
pub mod gitter;
mod input;
pub mod irc;
pub mod jsonl;
pub mod matrix_json;
pub mod qq_txt;
pub mod slack;
mod stream;
pub mod telegram;
mod util;
pub mod wechat_csv;
pub mod weflow;
pub mod whatsapp;
pub mod zone;

pub use decode::{Decoded, decode};
pub use error::{Position, SourceError};
pub use input::{
    Bundle, DirBundle, Job, MAX_FILE_BYTES, Outcome, SKIP_BROKEN, SKIP_LINKED_FOLDER, SKIP_NOT_A_FILE, SKIP_NOT_TEXT,
    ZipBundle, open_path, plan, read_path,
};
pub use stream::{Input, Limits, MAX_LINE_BYTES, MAX_MESSAGE_BYTES, MAX_ZIP_RATIO, Reopen, ZIP_RATIO_FLOOR};
pub use util::*;
pub use zone::Zone;

use tonghao_model::EventSink;
use tonghao_model::msg::Msg;

/// A whole export file, decoded to text: what tests build and
/// [`read_path`] returns. Sources never see one: they read an [`Input`]
/// ([`TextFile::input`] streams this one).
pub struct TextFile {
    /// The name shown in messages: a path, or `archive.zip!inner/path`.
    pub name: String,
    /// The decoded text.
    pub text: String,
    /// The encoding the bytes were in.
    pub encoding: &'static str,
}

impl TextFile {
    /// The first `n` bytes of the text, cut at a character boundary: what
    /// [`Source::sniff`] looks at.
    pub fn head(&self, n: usize) -> &str {
        let mut end = n.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        &self.text[..end]
    }

    /// The last path component of [`TextFile::name`].
    pub fn base_name(&self) -> &str {
        self.name.rsplit(['/', '\\', '!']).next().unwrap_or(&self.name)
    }

    /// The text as an [`Input`], the way a source reads it.
    pub fn input(&self) -> Input<'_> {
        Input::from_text(&self.name, &self.text)
    }
}

/// What the user told the import beyond the files themselves.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The zone of exports whose times carry none (an offset or an IANA
    /// zone). Each source has its own default (+08:00 for WeChat and QQ,
    /// UTC for the rest).
    pub tz: Option<Zone>,
}

impl ReadOptions {
    /// The zone to assume, falling back to `default_hours` east of UTC.
    pub fn tz_or(&self, default_hours: i32) -> Zone {
        self.tz.unwrap_or_else(|| Zone::hours(default_hours))
    }
}

/// How many bytes of a file [`Source::sniff`] sees.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// A format that lives in one file.
pub trait Source: Sync {
    /// The name used by `--format` and in import summaries, e.g. `wechat-csv`.
    fn name(&self) -> &'static str;
    /// One line for `tonghao formats`.
    fn description(&self) -> &'static str;
    /// Whether the file is in this format, judged from its base name and the
    /// first [`SNIFF_BYTES`] of its text. Must reject every other format.
    fn sniff(&self, base_name: &str, head: &str) -> bool;
    /// Streams the file's events into `sink`, in file order, reading the
    /// text as a stream (never whole: see [`Input`]).
    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError>;
}

/// A format that is a folder of files (or the same folder zipped).
pub trait BundleSource: Sync {
    /// The name used by `--format` and in import summaries.
    fn name(&self) -> &'static str;
    /// One line for `tonghao formats`.
    fn description(&self) -> &'static str;
    /// Whether the folder is in this format, judged from its file names.
    fn sniff(&self, bundle: &dyn Bundle) -> bool;
    /// Streams the whole export's events into `sink`.
    fn read(&self, bundle: &dyn Bundle, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError>;
}

/// Every single-file format, most specific first (detection takes the first
/// whose `sniff` says yes).
pub const SOURCES: &[&dyn Source] = &[
    &jsonl::Jsonl,
    &wechat_csv::WechatCsv,
    &weflow::Weflow,
    &chatlab::Chatlab,
    &qq_txt::QqTxt,
    &telegram::Telegram,
    &discord_json::DiscordJson,
    &matrix_json::MatrixJson,
    &discord_csv::DiscordCsv,
    &whatsapp::Whatsapp,
    &gitter::Gitter,
    &irc::Irc,
];

/// Every folder format.
pub const BUNDLE_SOURCES: &[&dyn BundleSource] = &[&slack::Slack];

/// Why a file no source recognises is skipped (in a folder) or refused.
pub const NOT_AN_EXPORT: &str = "not a chat export tonghao recognises; `tonghao formats` lists the formats";

/// The single-file source for `file`: the one named by `format`, or the first
/// that recognises it.
pub fn detect(file: &Input<'_>, format: Option<&str>) -> Result<&'static dyn Source, SourceError> {
    let head = file.head();
    let base = file.base_name();
    match format {
        Some(f) => {
            let source = SOURCES.iter().find(|s| s.name() == f).ok_or_else(|| SourceError::Unrecognised {
                file: file.name().to_string(),
                why: Msg::new("source.unknown_format").text("format", f),
            })?;
            if source.sniff(base, head) {
                Ok(*source)
            } else {
                let why = match SOURCES.iter().find(|s| s.sniff(base, head)) {
                    Some(like) => Msg::new("source.not_like_format_but").text("format", f).text("like", like.name()),
                    None => Msg::new("source.not_like_format").text("format", f),
                };
                Err(SourceError::Unrecognised { file: file.name().to_string(), why })
            }
        }
        None => SOURCES.iter().find(|s| s.sniff(base, head)).copied().ok_or_else(|| SourceError::Unrecognised {
            file: file.name().to_string(),
            why: Msg::new("source.not_an_export"),
        }),
    }
}

/// Every format name, for `--format` and `tonghao formats`.
pub fn formats() -> Vec<(&'static str, &'static str)> {
    SOURCES
        .iter()
        .map(|s| (s.name(), s.description()))
        .chain(BUNDLE_SOURCES.iter().map(|s| (s.name(), s.description())))
        .collect()
}
