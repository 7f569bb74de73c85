//! Shared helpers for the JSON exports: reading a document as a stream
//! ([`JsonStream`]), ids and strings that borrow from the file, and the
//! top-level keys of a cut-off head (what `sniff` sees).

use crate::stream::{Input, TextReader, mib};
use crate::{Position, SourceError};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use tonghao_model::SinkError;
use tonghao_model::msg::Msg;

/// An id that exports write as a string or as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Id(pub(crate) String);

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (string or integer)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The index after the string that starts at `b[i] == '"'`.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index after the value that starts at `i`; `None` when the input
/// ends before it does.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                j += 1;
            }
            (j > i && j < b.len()).then_some(j)
        }
    }
}

/// Walks the members of the top-level object of `text`, calling `f` with
/// each key and its value's span; stops quietly where the text ends.
fn walk_top(text: &str, mut f: impl FnMut(&str, usize, usize) -> bool) {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'"') {
            return;
        }
        let Some(key_end) = skip_string(b, i) else { return };
        let key: String = match serde_json::from_str(&text[i..key_end]) {
            Ok(k) => k,
            Err(_) => return,
        };
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return;
        }
        let start = skip_ws(b, i + 1);
        let end = skip_value(b, start);
        if !f(&key, start, end.unwrap_or(b.len())) {
            return;
        }
        let Some(end) = end else { return };
        i = skip_ws(b, end);
        if b.get(i) != Some(&b',') {
            return;
        }
        i += 1;
    }
}

/// The keys of the top-level object in `head`, which may be cut off
/// anywhere (what `sniff` sees); empty when it is not an object.
pub(crate) fn top_level_keys(head: &str) -> Vec<String> {
    let mut keys = Vec::new();
    walk_top(head, |k, _, _| {
        keys.push(k.to_string());
        true
    });
    keys
}

/// A string, borrowed from the file when it has no escapes.
pub(crate) struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor(PhantomData))
    }
}

struct StrVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
    type Value = Str<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
        Ok(Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
        Ok(Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
        Ok(Str(Cow::Owned(v)))
    }
}

/// An id or a number written either as a JSON number or as a string.
pub(crate) enum Scalar<'a> {
    Int(i64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    pub(crate) fn into_string(self) -> String {
        match self {
            Scalar::Int(n) => n.to_string(),
            Scalar::Str(s) => s.into_owned(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor(PhantomData))
    }
}

struct ScalarVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
    type Value = Scalar<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer or a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'a>, E> {
        Ok(i64::try_from(v).map_or_else(|_| Scalar::Str(Cow::Owned(v.to_string())), Scalar::Int))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
}

/// The top-level keys of a JSON object, in order, each with its value
/// when that is a string, as far as `head` (a file's first bytes) goes.
/// Empty when `head` does not start an object. Keys and values are raw
/// (escapes are not decoded), which is enough to compare with ASCII names.
pub(crate) fn top_level_entries(head: &str) -> Vec<(&str, Option<&str>)> {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let b = head.as_bytes();
    let mut keys = Vec::new();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return keys;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'"') {
            return keys;
        }
        let Some(end) = string_end(b, i) else { return keys };
        let key = &head[i + 1..end];
        i = skip_ws(b, end + 1);
        if b.get(i) != Some(&b':') {
            return keys;
        }
        i = skip_ws(b, i + 1);
        match b.get(i) {
            Some(b'"') => {
                let Some(end) = string_end(b, i) else {
                    keys.push((key, None));
                    return keys;
                };
                keys.push((key, Some(&head[i + 1..end])));
                i = end + 1;
            }
            Some(b'{' | b'[') => {
                keys.push((key, None));
                let Some(end) = container_end(b, i) else { return keys };
                i = end + 1;
            }
            Some(_) => {
                keys.push((key, None));
                while i < b.len() && !matches!(b[i], b',' | b'}') {
                    i += 1;
                }
            }
            None => {
                keys.push((key, None));
                return keys;
            }
        }
        i = skip_ws(b, i);
        if b.get(i) != Some(&b',') {
            return keys;
        }
        i += 1;
    }
}

/// The index of the quote closing the string that opens at `start`.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The index of the bracket closing the object or array at `start`.
fn container_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i)?,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A JSON document read as a stream, value by value: the structure around
/// the messages (objects, arrays, keys) is walked here, and each value the
/// caller wants (one message, one chat header) is cut out of the text whole
/// and handed to serde_json as a `&str`, so that strings without escapes are
/// borrowed rather than copied. Memory is the largest single value, which
/// [`crate::Limits::max_message_bytes`] bounds; skipped values are never held
/// whole, however large. Nesting costs no stack here (depth is a counter);
/// inside one value serde_json skips unread fields iteratively and refuses
/// more than 128 levels in the fields it reads.
pub(crate) struct JsonStream<'r, 'a> {
    text: &'r mut TextReader<'a>,
    max: usize,
}

/// The next value of the stream, for `with_raw`'s closure to parse.
pub(crate) struct Raw<'x> {
    /// The unread text, starting with the value (and going on past it).
    text: &'x str,
    reader: &'x TextReader<'x>,
    max: usize,
    /// Where the value ends, once parsed.
    end: Cell<Option<usize>>,
    /// The value runs past the text read so far.
    incomplete: Cell<bool>,
}

impl<'x> Raw<'x> {
    /// Deserializes the value, borrowing strings from the text where it can;
    /// errors are placed at their line and column in the file.
    pub(crate) fn parse<T: Deserialize<'x>>(&self) -> Result<T, SourceError> {
        let mut de = serde_json::Deserializer::from_str(self.text);
        match T::deserialize(&mut de) {
            Ok(value) => {
                // Where the reader stopped: the end of the value.
                let end = de.into_iter::<IgnoredAny>().byte_offset();
                if end > self.max {
                    return Err(self.too_long());
                }
                self.end.set(Some(end));
                Ok(value)
            }
            Err(e) if e.is_eof() => {
                self.incomplete.set(true);
                Err(self.error(Msg::new("source.json_incomplete")))
            }
            Err(e) => Err(serde_error(self.file(), self.text, self.start(), &e)),
        }
    }

    fn too_long(&self) -> SourceError {
        self.error(Msg::new("source.value_too_long").text("limit", mib(self.max as u64)))
    }

    /// Where the value starts in the file.
    pub(crate) fn start(&self) -> Position {
        let (line, column) = self.reader.position();
        Position::LineColumn(line, column)
    }

    /// A parse error at the start of the value.
    pub(crate) fn error(&self, why: Msg) -> SourceError {
        SourceError::parse(self.file(), self.start(), why)
    }

    /// The file's name.
    pub(crate) fn file(&self) -> &'x str {
        self.reader.name()
    }
}

/// Why one message could not be turned into events, before the reader
/// knows where it is: [`Fail::at`] places it at the message.
pub(crate) enum Fail {
    /// The data is wrong; the message says how.
    Data(Msg),
    /// The sink refused an event.
    Sink(SinkError),
}

impl Fail {
    /// The source error, at the start of the message `raw`.
    pub(crate) fn at(self, raw: &Raw<'_>) -> SourceError {
        match self {
            Fail::Data(m) => raw.error(m),
            Fail::Sink(source) => SourceError::Sink { file: raw.file().to_string(), position: raw.start(), source },
        }
    }
}

impl<'r, 'a> JsonStream<'r, 'a> {
    pub(crate) fn new(input: &'r mut Input<'a>) -> Self {
        let max = input.limits().max_message_bytes;
        JsonStream { text: &mut input.text, max }
    }

    /// The line and column of the next unread character.
    pub(crate) fn position(&self) -> Position {
        let (line, column) = self.text.position();
        Position::LineColumn(line, column)
    }

    /// A parse error at the next unread character.
    pub(crate) fn error(&self, why: Msg) -> SourceError {
        SourceError::parse(self.text.name(), self.position(), why)
    }

    /// The error for a file that ends inside the document, placed at its end.
    fn truncated(&mut self) -> SourceError {
        let n = self.text.bytes().len();
        self.text.consume(n);
        self.error(Msg::new("source.truncated_json"))
    }

    /// The next character that is not whitespace, left unread; `None` at
    /// the end of the text.
    pub(crate) fn peek(&mut self) -> Result<Option<u8>, SourceError> {
        loop {
            let b = self.text.bytes();
            let ws = b.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n')).count();
            let more = ws < b.len();
            self.text.consume(ws);
            if more {
                return Ok(self.text.bytes().first().copied());
            }
            if !self.text.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes `c`, or fails saying `why`.
    fn expect(&mut self, c: u8, why: fn() -> Msg) -> Result<(), SourceError> {
        match self.peek()? {
            Some(b) if b == c => {
                self.text.consume(1);
                Ok(())
            }
            Some(_) => Err(self.error(why())),
            None => Err(self.truncated()),
        }
    }

    /// After a member or an element: `,` (true) or the closing `close`
    /// (false, consumed).
    fn next_or_close(&mut self, close: u8) -> Result<bool, SourceError> {
        match self.peek()? {
            Some(b',') => {
                self.text.consume(1);
                Ok(true)
            }
            Some(b) if b == close => {
                self.text.consume(1);
                Ok(false)
            }
            Some(_) => {
                Err(self.error(Msg::new("source.json_expected_comma").text("close", (close as char).to_string())))
            }
            None => Err(self.truncated()),
        }
    }

    /// Walks an object: `f` gets each key and must read or skip its value.
    pub(crate) fn object(
        &mut self,
        mut f: impl FnMut(&mut Self, String) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        self.object_while(|js, key| f(js, key).map(|()| true))
    }

    /// [`JsonStream::object`] that stops, leaving the rest unread, as soon
    /// as `f` returns false.
    pub(crate) fn object_while(
        &mut self,
        mut f: impl FnMut(&mut Self, String) -> Result<bool, SourceError>,
    ) -> Result<(), SourceError> {
        self.expect(b'{', || Msg::new("source.json_expected_object"))?;
        if self.peek()? == Some(b'}') {
            self.text.consume(1);
            return Ok(());
        }
        loop {
            match self.peek()? {
                Some(b'"') => {}
                Some(_) => return Err(self.error(Msg::new("source.json_expected_key"))),
                None => return Err(self.truncated()),
            }
            let key: String = self.value()?;
            self.expect(b':', || Msg::new("source.json_expected_colon"))?;
            if !f(self, key)? {
                return Ok(());
            }
            if !self.next_or_close(b'}')? {
                return Ok(());
            }
        }
    }

    /// Walks an array: `f` must read or skip each element.
    pub(crate) fn array(&mut self, mut f: impl FnMut(&mut Self) -> Result<(), SourceError>) -> Result<(), SourceError> {
        self.expect(b'[', || Msg::new("source.json_expected_array"))?;
        if self.peek()? == Some(b']') {
            self.text.consume(1);
            return Ok(());
        }
        loop {
            f(self)?;
            if !self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// Hands the next value to `f`, which must parse it (once, first
    /// thing) with [`Raw::parse`]. An object, array or string is parsed
    /// straight from the text read so far, and serde_json says where it
    /// ends; when it runs past that text, more is read and `f` is called
    /// again, so `f` must do nothing before parsing that it cannot repeat.
    /// (Parsing where the value lies saves scanning each message twice.)
    pub(crate) fn with_raw<R>(
        &mut self,
        mut f: impl FnMut(&Raw<'_>) -> Result<R, SourceError>,
    ) -> Result<R, SourceError> {
        let first = match self.peek()? {
            Some(b) => b,
            None => return Err(self.truncated()),
        };
        if !matches!(first, b'{' | b'[' | b'"') {
            // A number or literal is not self-delimiting: cut at the end of
            // the text read so far it would parse as a shorter one.
            let len = self.value_len()?;
            let raw = self.raw(len);
            let result = f(&raw)?;
            self.text.consume(len);
            return Ok(result);
        }
        loop {
            let raw = self.raw(self.text.bytes().len());
            let result = f(&raw);
            let (end, incomplete) = (raw.end.get(), raw.incomplete.get());
            if incomplete {
                if self.text.bytes().len() > self.max {
                    return Err(self.raw(0).too_long());
                }
                if !self.text.fill()? {
                    return Err(self.truncated());
                }
                continue;
            }
            let r = result?;
            let end = match end {
                Some(end) => end,
                None => self.value_len()?,
            };
            self.text.consume(end);
            return Ok(r);
        }
    }

    fn raw(&self, len: usize) -> Raw<'_> {
        Raw {
            text: &self.text.chunk()[..len],
            reader: &*self.text,
            max: self.max,
            end: Cell::new(None),
            incomplete: Cell::new(false),
        }
    }

    /// Reads the next value into an owned `T`.
    pub(crate) fn value<T: serde::de::DeserializeOwned>(&mut self) -> Result<T, SourceError> {
        self.with_raw(|raw| raw.parse())
    }

    /// Skips the next value, reading it piece by piece.
    pub(crate) fn skip(&mut self) -> Result<(), SourceError> {
        if self.peek()?.is_none() {
            return Err(self.truncated());
        }
        let mut scan = Scan::default();
        loop {
            let mut i = 0;
            let b = self.text.bytes();
            if let Some(end) = scan.run(b, &mut i) {
                self.text.consume(end);
                return Ok(());
            }
            let n = b.len();
            self.text.consume(n);
            if !self.text.fill()? {
                return if scan.kind == Kind::Scalar { Ok(()) } else { Err(self.truncated()) };
            }
        }
    }

    /// The length of the next value, which starts the unread text; reads
    /// more until it is all there.
    fn value_len(&mut self) -> Result<usize, SourceError> {
        let mut scan = Scan::default();
        let mut i = 0;
        loop {
            let b = self.text.bytes();
            let found = scan.run(b, &mut i);
            let len = found.unwrap_or(b.len());
            if len > self.max {
                return Err(self.error(Msg::new("source.value_too_long").text("limit", mib(self.max as u64))));
            }
            if let Some(end) = found {
                return Ok(end);
            }
            if !self.text.fill()? {
                return if scan.kind == Kind::Scalar { Ok(len) } else { Err(self.truncated()) };
            }
        }
    }

    /// Checks that nothing but whitespace follows the document.
    pub(crate) fn end(&mut self) -> Result<(), SourceError> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.error(Msg::new("source.json_trailing"))),
        }
    }
}

/// For exports that are one object with a header and arrays (ChatLab,
/// WeFlow, qq-chat-exporter): reads the top-level `keys` the header is made
/// of, stopping as soon as all are seen (exporters write them first), and
/// rewinds. `f` must read or skip each value it gets.
pub(crate) fn read_header(
    input: &mut Input<'_>,
    keys: &[&str],
    mut f: impl FnMut(&mut JsonStream<'_, '_>, &str) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut seen = vec![false; keys.len()];
    let mut js = JsonStream::new(input);
    js.object_while(|js, key| {
        match keys.iter().position(|k| *k == key) {
            Some(i) => {
                seen[i] = true;
                f(js, &key)?;
            }
            None => js.skip()?,
        }
        Ok(!seen.iter().all(|s| *s))
    })?;
    input.rewind()
}

/// Streams the elements of the top-level arrays `keys` of an object, all of
/// one array before any of the next, whatever their order in the file:
/// one pass when they come in that order (as exporters write them), another
/// pass for each that came too early. `f` gets the array's index in `keys`
/// and each element whole.
pub(crate) fn read_arrays(
    input: &mut Input<'_>,
    keys: &[&str],
    mut f: impl FnMut(usize, &Raw<'_>) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut done = vec![false; keys.len()];
    let mut present = vec![false; keys.len()];
    for pass in 0.. {
        let mut js = JsonStream::new(input);
        js.object(|js, key| {
            let Some(i) = keys.iter().position(|k| *k == key) else { return js.skip() };
            present[i] = true;
            // Before the first pass ends, a key not yet seen may still come.
            let ready = (0..i).all(|j| done[j] || (pass > 0 && !present[j]));
            if done[i] || !ready {
                return js.skip();
            }
            done[i] = true;
            if js.peek()? == Some(b'n') {
                return js.skip();
            }
            js.array(|js| js.with_raw(|raw| f(i, raw)))
        })?;
        js.end()?;
        if (0..keys.len()).all(|i| done[i] || !present[i]) {
            break;
        }
        input.rewind()?;
    }
    Ok(())
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    Scalar,
    Str,
    Container,
}

/// Finds where one JSON value ends, across chunks: strings are jumped over
/// with memchr, brackets counted. It does not validate: serde_json does
/// that for the values read, and skipped values only need their extent.
#[derive(Default)]
struct Scan {
    started: bool,
    kind: Kind,
    depth: usize,
    in_str: bool,
    escaped: bool,
}

impl Scan {
    /// Scans `b` from `*i`; the end of the value (exclusive) once found.
    fn run(&mut self, b: &[u8], i: &mut usize) -> Option<usize> {
        if !self.started {
            let first = *b.get(*i)?;
            self.started = true;
            *i += 1;
            match first {
                b'"' => {
                    self.kind = Kind::Str;
                    self.in_str = true;
                }
                b'{' | b'[' => {
                    self.kind = Kind::Container;
                    self.depth = 1;
                }
                _ => self.kind = Kind::Scalar,
            }
        }
        while *i < b.len() {
            if self.in_str {
                if self.escaped {
                    self.escaped = false;
                    *i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &b[*i..]) {
                    None => {
                        *i = b.len();
                        return None;
                    }
                    Some(k) => {
                        *i += k;
                        if b[*i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_str = false;
                            if self.kind == Kind::Str {
                                return Some(*i + 1);
                            }
                        }
                        *i += 1;
                        continue;
                    }
                }
            }
            let c = b[*i];
            match self.kind {
                Kind::Scalar => {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        return Some(*i);
                    }
                }
                _ => match c {
                    b'"' => self.in_str = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return Some(*i + 1);
                        }
                    }
                    _ => {}
                },
            }
            *i += 1;
        }
        None
    }
}

/// A serde_json error in the value `raw` that starts at `start`, as a parse
/// error at its line and column in the file.
pub(crate) fn serde_error(file: &str, raw: &str, start: Position, e: &serde_json::Error) -> SourceError {
    let (line0, column0) = match start {
        Position::LineColumn(l, c) => (l, c),
        Position::Line(l) => (l, 1),
        _ => (1, 1),
    };
    let position = if e.line() == 0 {
        start
    } else {
        // serde_json counts lines from 1 and columns in bytes from 1.
        let mut at = 0;
        for _ in 1..e.line() {
            match raw[at..].find('\n') {
                Some(nl) => at += nl + 1,
                None => break,
            }
        }
        let mut byte = (at + e.column().saturating_sub(1)).min(raw.len());
        while !raw.is_char_boundary(byte) {
            byte -= 1;
        }
        let before = &raw[..byte];
        match before.rfind('\n') {
            None => Position::LineColumn(line0, column0 + before.chars().count()),
            Some(nl) => Position::LineColumn(
                line0 + before.bytes().filter(|&b| b == b'\n').count(),
                before[nl + 1..].chars().count() + 1,
            ),
        }
    };
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    // serde's own words (a field's name, what it expected) stay as it wrote them
    let why = Msg::new(if e.is_syntax() || e.is_eof() { "source.json_malformed" } else { "source.json_data" });
    SourceError::Parse { file: file.to_string(), position, why: why.text("detail", message) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(text: &str) -> Result<Vec<String>, SourceError> {
        let mut input = Input::from_text("t.json", text);
        let mut js = JsonStream::new(&mut input);
        let mut seen = Vec::new();
        js.object(|js, key| {
            if key == "m" {
                js.array(|js| {
                    js.with_raw(|raw| {
                        let v: serde_json::Value = raw.parse()?;
                        seen.push(v.to_string());
                        Ok(())
                    })
                })
            } else {
                js.skip()
            }
        })?;
        js.end()?;
        Ok(seen)
    }

    #[test]
    fn elements_of_an_array_whole() {
        let text = r#"{"a": {"x": [1, "]}"]}, "m": [ {"a": "}\"{"}, 2 ,"x", -1.5e3, null ], "n": true}"#;
        assert_eq!(walk(text).unwrap(), vec![r#"{"a":"}\"{"}"#, "2", r#""x""#, "-1500.0", "null"]);
        let err = walk(&text[..40]).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        assert!(walk(r#"{"m": [1] } x"#).is_err());
    }

    #[test]
    fn keys_of_a_cut_off_head() {
        assert_eq!(top_level_keys(r#"{"a": {"x": [1, "]"]}, "b\"c": 2, "d": [1, 2"#), vec!["a", "b\"c", "d"]);
        assert!(top_level_keys("[1, 2]").is_empty());
        assert!(top_level_keys("# README").is_empty());
    }
}
