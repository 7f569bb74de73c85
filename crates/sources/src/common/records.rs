//! CSV records read as a stream with the csv crate, plus what the CSV
//! sources need to know that the crate does not tell: the line a record
//! starts on (its own count is one short after CRLF line ends: it places a
//! record's start on the `\n` of the previous line), whether the file's
//! quotes balance (the crate ends a quoted field silently at the end of the
//! input, so a file cut inside one would read as a shorter import), and a
//! bound on one record ([`crate::Limits::max_message_bytes`]).

use crate::stream::{Input, TextReader, from_io, mib};
use crate::{Position, SourceError};
use csv::{ReaderBuilder, StringRecord};
use std::collections::VecDeque;
use std::io::{self, Read};
use tonghao_model::msg::Msg;

/// The csv crate's reader over an [`Input`].
pub(crate) struct Records<'r, 'a> {
    reader: csv::Reader<Counted<'r, 'a>>,
    name: String,
}

/// The bytes handed to the csv crate, counted on the way.
struct Counted<'r, 'a> {
    text: &'r mut TextReader<'a>,
    /// Bytes handed out so far.
    offset: u64,
    /// Where the record being read starts, and how long one may be.
    record_start: u64,
    max: u64,
    /// `"` characters so far.
    quotes: u64,
    /// Line ends handed out but not yet behind a record's start: their
    /// offset and whether it is `\n` (else `\r`).
    ends: VecDeque<(u64, bool)>,
    /// `\n`s before `ends`.
    lines_before: usize,
    /// `\n`s in all, and up to the last character that is not whitespace.
    newlines: usize,
    newlines_at_last: usize,
    last: Option<u8>,
}

impl Read for Counted<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.offset - self.record_start > self.max {
            let (line, _) = self.text.position();
            return Err(io::Error::other(SourceError::parse(
                self.text.name(),
                Position::Line(line),
                Msg::new("source.record_too_long").text("limit", mib(self.max)),
            )));
        }
        let n = crate::stream::TextRead { text: &mut *self.text }.read(out)?;
        let got = &out[..n];
        self.quotes += memchr::memchr_iter(b'"', got).count() as u64;
        for i in memchr::memchr2_iter(b'\n', b'\r', got) {
            let newline = got[i] == b'\n';
            self.ends.push_back((self.offset + i as u64, newline));
            self.newlines += usize::from(newline);
        }
        if let Some(i) = got.iter().rposition(|b| !b.is_ascii_whitespace()) {
            self.last = Some(got[i]);
            self.newlines_at_last = self.newlines - memchr::memchr_iter(b'\n', &got[i..]).count();
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<'r, 'a> Records<'r, 'a> {
    /// Reads `input` with `builder`'s settings.
    pub(crate) fn new(input: &'r mut Input<'a>, builder: &ReaderBuilder) -> Self {
        let name = input.name().to_string();
        let max = input.limits().max_message_bytes as u64;
        let counted = Counted {
            text: &mut input.text,
            offset: 0,
            record_start: 0,
            max,
            quotes: 0,
            ends: VecDeque::new(),
            lines_before: 0,
            newlines: 0,
            newlines_at_last: 0,
            last: None,
        };
        Records { reader: builder.from_reader(counted), name }
    }

    /// The header row.
    pub(crate) fn headers(&mut self) -> Result<StringRecord, csv::Error> {
        self.reader.headers().cloned()
    }

    /// The next record into `record`; false at the end.
    pub(crate) fn read(&mut self, record: &mut StringRecord) -> Result<bool, csv::Error> {
        let more = self.reader.read_record(record)?;
        if let Some(p) = record.position() {
            self.reader.get_mut().record_start = p.byte();
        }
        Ok(more)
    }

    /// The input's own error (a limit, an encoding error) when that is what
    /// stopped the csv crate; else the csv error back.
    pub(crate) fn input_error(&self, e: csv::Error) -> Result<SourceError, csv::Error> {
        let ours = matches!(e.kind(), csv::ErrorKind::Io(io) if io.get_ref().is_some_and(|i| i.is::<SourceError>()));
        if !ours {
            return Err(e);
        }
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Ok(from_io(&self.name, io)),
            _ => Ok(SourceError::parse(&self.name, Position::Whole, Msg::new("source.csv_unreadable"))),
        }
    }

    /// The 1-based line that a record starting at `byte` starts on (line
    /// ends at `byte` itself belong to the line before).
    pub(crate) fn line_of(&mut self, byte: u64) -> usize {
        let c = self.reader.get_mut();
        let mut at = byte;
        while let Some(&(offset, newline)) = c.ends.front() {
            if offset > at {
                break;
            }
            if offset == at {
                at += 1;
            }
            c.lines_before += usize::from(newline);
            c.ends.pop_front();
        }
        c.lines_before + 1
    }

    /// Whether the text read so far has an odd number of `"`.
    pub(crate) fn quotes_odd(&mut self) -> bool {
        self.reader.get_mut().quotes % 2 == 1
    }

    /// The last character that is not whitespace, and its 1-based line.
    pub(crate) fn last_char(&mut self) -> (Option<u8>, usize) {
        let c = self.reader.get_mut();
        (c.last, c.newlines_at_last + 1)
    }
}
