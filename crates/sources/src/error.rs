//! The one error type of every source.

use std::fmt;
use tonghao_model::SinkError;
use tonghao_model::msg::Msg;

/// Where in a file a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// 1-based line number.
    Line(usize),
    /// 1-based line and column (in characters).
    LineColumn(usize, usize),
    /// 0-based byte offset.
    Byte(usize),
    /// The file as a whole (e.g. a required member of a folder export is missing).
    Whole,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(l) => write!(f, "line {l}"),
            Position::LineColumn(l, c) => write!(f, "line {l}, column {c}"),
            Position::Byte(b) => write!(f, "byte {b}"),
            Position::Whole => f.write_str("whole file"),
        }
    }
}

/// Why a file could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is in the format but broken at `position`.
    #[error("{file}: {position}: {why}")]
    Parse {
        /// The file.
        file: String,
        /// Where.
        position: Position,
        /// What was found and what was expected, in catalogue words (keys
        /// under `source.`; `Display` shows the key and its values).
        why: Msg,
    },
    /// The bytes are in no encoding tonghao knows.
    #[error(
        "{file}: byte {offset}: the text is not valid UTF-8, UTF-16, GB18030/GBK or Big5 \
         (re-save the export as UTF-8)"
    )]
    Encoding {
        /// The file.
        file: String,
        /// The first byte that fits no known encoding.
        offset: usize,
    },
    /// No source recognises the file (or not the one asked for with `--format`).
    #[error("{file}: {why}")]
    Unrecognised {
        /// The file.
        file: String,
        /// What was tried, in catalogue words.
        why: Msg,
    },
    /// The sink refused an event (e.g. the store found it invalid).
    #[error("{file}: {position}: {source}")]
    Sink {
        /// The file.
        file: String,
        /// The event's place in the file, as far as the source knows it.
        position: Position,
        /// The sink's error.
        source: SinkError,
    },
}

impl SourceError {
    /// Shorthand for a parse error.
    pub fn parse(file: &str, position: Position, why: Msg) -> Self {
        SourceError::Parse { file: file.to_string(), position, why }
    }

    /// Why a file is broken or refused, in catalogue words (a parse error, a
    /// file no source recognises).
    pub fn why(&self) -> Option<&Msg> {
        match self {
            SourceError::Parse { why, .. } | SourceError::Unrecognised { why, .. } => Some(why),
            _ => None,
        }
    }
}
