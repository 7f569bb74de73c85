//! Shared helpers for the JSON exports: ids and strings that borrow from the
//! file, the top-level keys of a cut-off head (what `sniff` sees), and
//! turning serde_json's positions into the file's line and column.

use crate::{Position, SourceError, TextFile};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use tonghao_model::SinkError;

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

/// Line numbers of increasing byte offsets, counted incrementally.
pub(crate) struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines { text, offset: 0, line: 1 }
    }

    /// The 1-based line of byte `offset`.
    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text.as_bytes()[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
        self.offset = offset;
        self.line
    }
}

/// A serde_json error in the JSON that starts at byte `base` of `text`,
/// as a parse error at its line and column in the whole file.
pub(crate) fn error_at(file: &TextFile, text: &str, base: usize, e: &serde_json::Error) -> SourceError {
    // serde_json counts lines from 1 and columns in bytes from 1.
    let sub = text.get(base..).unwrap_or("");
    let mut at = 0;
    for _ in 1..e.line() {
        match sub[at..].find('\n') {
            Some(nl) => at += nl + 1,
            None => break,
        }
    }
    let mut byte = (base + at + e.column().saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    let line_start = text[..byte].rfind('\n').map_or(0, |nl| nl + 1);
    let line = text.as_bytes()[..byte].iter().filter(|&&b| b == b'\n').count() + 1;
    let column = text[line_start..byte].chars().count() + 1;
    let what = if e.is_eof() { "the JSON ends early (truncated?)" } else { "malformed JSON" };
    SourceError::parse(&file.name, Position::LineColumn(line, column), format!("{what}: {e}"))
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

/// Calls `f(start, end)` with the byte span of each element of the array
/// under top-level `key`, in order. `text` must already be known to be
/// valid JSON (the caller parsed it once with serde).
pub(crate) fn for_each_element(
    text: &str,
    key: &str,
    mut f: impl FnMut(usize, usize) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut span = None;
    walk_top(text, |k, start, end| {
        if k == key {
            span = Some((start, end));
        }
        true
    });
    let Some((start, end)) = span else { return Ok(()) };
    let b = &text.as_bytes()[..end];
    if b.get(start) != Some(&b'[') {
        return Ok(());
    }
    let mut i = start + 1;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            None | Some(b']') => return Ok(()),
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        let Some(e) = skip_value(b, i) else { return Ok(()) };
        f(i, e)?;
        i = e;
    }
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

/// Turns a serde_json error into the source error: a sink refusal stashed
/// during the walk, or a parse error, both at serde_json's line and column.
pub(crate) fn serde_error(file: &TextFile, e: &serde_json::Error, refused: Option<SinkError>) -> SourceError {
    let position = if e.line() == 0 {
        Position::Whole
    } else {
        Position::LineColumn(e.line(), char_column(&file.text, e.line(), e.column()))
    };
    match refused {
        Some(source) => SourceError::Sink { file: file.name.clone(), position, source },
        None => {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            SourceError::Parse { file: file.name.clone(), position, message }
        }
    }
}

/// serde_json counts columns in bytes; [`Position`] wants characters.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let start = match line {
        0 | 1 => 0,
        n => text.match_indices('\n').nth(n - 2).map_or(text.len(), |(i, _)| i + 1),
    };
    let rest = &text[start..];
    let mut end = byte_column.min(rest.len());
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    rest[..end].chars().count().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_cut_off_head() {
        assert_eq!(top_level_keys(r#"{"a": {"x": [1, "]"]}, "b\"c": 2, "d": [1, 2"#), vec!["a", "b\"c", "d"]);
        assert!(top_level_keys("[1, 2]").is_empty());
        assert!(top_level_keys("# README").is_empty());
    }

    #[test]
    fn elements_with_spans() {
        let text = r#"{"m": [ {"a": "}"}, 2 ,"x" ], "n": 1}"#;
        let mut seen = Vec::new();
        for_each_element(text, "m", |s, e| {
            seen.push(text[s..e].to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![r#"{"a": "}"}"#, "2", r#""x""#]);
    }
}
