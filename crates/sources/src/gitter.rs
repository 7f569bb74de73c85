//! Gitter room dumps as published with the LiveChat dataset (Gao et al., FSE
//! 2021, `LiveChat2021/LiveChat`): one file per room, named `owner_repo.txt`.
//!
//! # Layout
//!
//! ```text
//! [2016-11-21 08:47:30] <ReaLau> Hello@mgmanikandan87
//! [2016-11-21 08:50:41] <user> first line of a message
//! second line of the same message
//! ```
//!
//! A line that starts with `[YYYY-MM-DD HH:MM:SS] <user>` followed by a space
//! or the end of the line starts a message; every other line (including blank
//! ones, and ones such as `[HTTP] --> POST` from pasted logs) continues the
//! message before, joined with `\n`. A continuation before any message is a
//! [`SourceError::Parse`]. Line ends may be `\r\n`.
//!
//! # Mapping
//!
//! - Group: the room, from the file name: `appium_appium.txt` → `appium/appium`
//!   (GitHub owners cannot contain `_`, so the first `_` separates owner and
//!   repository). `group_name` is the same.
//! - Member: the Gitter username (a GitHub or Twitter handle, or
//!   `ghost~<id>`/`removed~<name>` for deleted accounts) is both `member` and
//!   `member_name`. The dump has no message ids, so `id` is `None` (the store
//!   hashes the content).
//! - Mentions: `@name` anywhere in the text, when `name` (compared
//!   case-insensitively, Gitter usernames being case-insensitive) has posted in
//!   the room earlier in the file, becomes `PersonRef::id` with the author's
//!   spelling; each person once per message, never the author themself. The
//!   dump also writes `name:` replies, as on IRC, but those are not mentions
//!   here.
//! - Texts are kept as the dump has them: links and code blocks were already
//!   replaced by `[<-LINK->]` and `[<-CODE->]` by the dataset's authors.
//! - Bots: not flagged; the dump does not say, and its busiest "bot",
//!   `matrixbot`, relays people from Matrix.
//! - Times: the dump carries no offset; `--tz` applies, UTC by default.
//!
//! # Telling Gitter from IRC
//!
//! The line pattern is also a plausible IRC logger format, so Gitter claims
//! only files named `owner_repo.txt` (a `.txt` name, not `.raw.txt`, with an
//! `_` between two non-empty parts) whose first line starts a message; IRC
//! claims `.log` and `.raw.txt` files.

use crate::stream::too_long;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform};

/// The LiveChat Gitter room dump.
pub struct Gitter;

impl Source for Gitter {
    fn name(&self) -> &'static str {
        "gitter"
    }

    fn description(&self) -> &'static str {
        "Gitter room dumps from the LiveChat dataset (owner_repo.txt, `[YYYY-MM-DD HH:MM:SS] <user> text`)"
    }

    fn sniff(&self, base_name: &str, head: &str) -> bool {
        room_of(base_name).is_some()
            && head.split('\n').find(|l| !l.trim().is_empty()).is_some_and(|l| parse_header(l).is_some())
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let Some(room) = room_of(input.base_name()) else {
            return Err(SourceError::parse(input.name(), Position::Whole, Msg::new("source.gitter_room")));
        };
        let name = input.name().to_string();
        let max = input.limits().max_message_bytes;
        let mut reader = Reader { file: &name, tz: opts.tz_or(0), room, seen: HashMap::new(), key: String::new() };
        reader.run(input, max, sink)
    }
}

/// `owner_repo.txt` → `owner/repo`.
fn room_of(base: &str) -> Option<String> {
    let stem = base.strip_suffix(".txt")?;
    if stem.ends_with(".raw") {
        return None;
    }
    let (owner, repo) = stem.split_once('_')?;
    (!owner.is_empty() && !repo.is_empty() && !owner.contains(char::is_whitespace)).then(|| format!("{owner}/{repo}"))
}

/// `[YYYY-MM-DD HH:MM:SS] <user> text` → (time, user, text).
fn parse_header(line: &str) -> Option<(NaiveDateTime, &str, &str)> {
    let b = line.as_bytes();
    if b.len() < 24 || b[0] != b'[' || b[20] != b']' || b[21] != b' ' || b[22] != b'<' {
        return None;
    }
    let s = &b[1..20];
    if s[4] != b'-' || s[7] != b'-' || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(s, 0, 4)? as i32, num(s, 5, 2)?, num(s, 8, 2)?)?;
    let at = date.and_hms_opt(num(s, 11, 2)?, num(s, 14, 2)?, num(s, 17, 2)?)?;
    // Bytes 0..23 are ASCII, so 23 is a character boundary.
    let rest = &line[23..];
    let close = rest.find('>')?;
    let user = &rest[..close];
    if user.is_empty() || user.contains(char::is_whitespace) {
        return None;
    }
    let text = &rest[close + 1..];
    let text = if text.is_empty() { text } else { text.strip_prefix(' ')? };
    Some((at, user, text))
}

/// The decimal number in `b[at..at + n]`, if those are all digits.
fn num(b: &[u8], at: usize, n: usize) -> Option<u32> {
    b.get(at..at + n)?.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// A message whose following lines may still continue it.
struct Pending {
    at: NaiveDateTime,
    user: String,
    text: String,
    line: usize,
}

struct Reader<'f> {
    file: &'f str,
    tz: crate::Zone,
    room: String,
    /// Authors so far, lowercased → spelling.
    seen: HashMap<String, String>,
    /// Scratch buffer for lowercasing.
    key: String,
}

impl Reader<'_> {
    fn run(&mut self, input: &mut Input<'_>, max: usize, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let mut pending: Option<Pending> = None;
        let mut lines = input.lines();
        while let Some((n, line)) = lines.next_line()? {
            if let Some((at, user, body)) = parse_header(line) {
                if let Some(p) = pending.take() {
                    self.flush(p, sink)?;
                }
                pending = Some(Pending { at, user: user.to_string(), text: body.to_string(), line: n });
            } else if let Some(p) = &mut pending {
                if p.text.len() + line.len() >= max {
                    return Err(too_long(self.file, p.line, max));
                }
                p.text.push('\n');
                p.text.push_str(line);
            } else if !line.trim().is_empty() {
                return Err(SourceError::parse(self.file, Position::Line(n), Msg::new("source.gitter_line")));
            }
        }
        if let Some(p) = pending {
            self.flush(p, sink)?;
        }
        Ok(())
    }

    fn flush(&mut self, p: Pending, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let mut mentions: Vec<PersonRef> = Vec::new();
        let b = p.text.as_bytes();
        let name_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        let mut from = 0;
        while let Some(off) = p.text[from..].find('@') {
            let start = from + off + 1;
            let end = start + b[start..].iter().take_while(|&&c| name_byte(c)).count();
            from = end;
            if end == start {
                continue;
            }
            // ASCII-only range, so both ends are character boundaries.
            let name = &p.text[start..end];
            self.key.clear();
            self.key.extend(name.chars().map(|c| c.to_ascii_lowercase()));
            if let Some(spelling) = self.seen.get(&self.key)
                && !spelling.eq_ignore_ascii_case(&p.user)
                && !mentions.iter().any(|m| m.id.as_deref() == Some(spelling.as_str()))
            {
                mentions.push(PersonRef::id(spelling.clone()));
            }
        }
        self.key.clear();
        self.key.extend(p.user.chars().map(|c| c.to_ascii_lowercase()));
        match self.seen.get_mut(&self.key) {
            Some(spelling) if *spelling == p.user => {}
            Some(spelling) => *spelling = p.user.clone(),
            None => {
                self.seen.insert(self.key.clone(), p.user.clone());
            }
        }
        let at = self.tz.from_local(p.at).ok_or_else(|| {
            SourceError::parse(self.file, Position::Line(p.line), Msg::new("source.time_out_of_range"))
        })?;
        let header = Header {
            platform: Platform::Gitter,
            group: self.room.clone(),
            group_name: Some(self.room.clone()),
            member: Some(p.user.clone()),
            member_name: Some(p.user),
            at,
            id: None,
        };
        let message = Message {
            header,
            reply_to: None,
            mentions,
            content_type: ContentType::Text,
            text: p.text,
            bot: false,
            edited_at: None,
        };
        emit(sink, Event::Message(message), self.file, Position::Line(p.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_from_names() {
        assert_eq!(room_of("appium_appium.txt").as_deref(), Some("appium/appium"));
        assert_eq!(room_of("gitterHQ_my_room.txt").as_deref(), Some("gitterHQ/my_room"));
        assert_eq!(room_of("2011-05-29_19.raw.txt"), None);
        assert_eq!(room_of("appium.txt"), None);
        assert_eq!(room_of("a_b.log"), None);
    }

    #[test]
    fn headers() {
        let (at, user, text) = parse_header("[2016-11-21 08:47:30] <ReaLau> Hello@x").unwrap();
        assert_eq!(at.to_string(), "2016-11-21 08:47:30");
        assert_eq!((user, text), ("ReaLau", "Hello@x"));
        assert_eq!(parse_header("[2016-11-21 08:47:30] <ReaLau>").map(|h| h.2), Some(""));
        assert!(parse_header("[2016-11-21 08:47:30] <Rea Lau> x").is_none());
        assert!(parse_header("[2016-11-21 08:47:30] <ReaLau>x").is_none());
        assert!(parse_header("[HTTP] <-- POST /wd/hub/session 500").is_none());
        assert!(parse_header("[2016-13-21 08:47:30] <ReaLau> x").is_none());
        assert!(parse_header("[2016-11-21 08:47:3é] <ReaLau> x").is_none());
    }
}
