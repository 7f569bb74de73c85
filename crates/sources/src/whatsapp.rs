//! WhatsApp's "Export chat" text file (`WhatsApp Chat with X.txt` on Android,
//! `_chat.txt` inside `WhatsApp Chat - X.zip` on iOS), as written by the
//! Android and iOS apps from 2.x to 2.24.
//!
//! # Layout
//!
//! One message per header line, continued by any lines that are not headers:
//!
//! ```text
//! 12/9/20, 23:55 - Alice: hello              Android, 24-hour clock
//! 12/9/20, 11:55 PM - Alice: hello           Android, 12-hour clock (also `p.m.`)
//! [12/9/20, 23:55:01] Alice: hello           iOS (seconds; `11:55:01 PM` too)
//! 12/9/20, 23:55 - Alice added Bob           a system line: no `Name: `
//! ```
//!
//! The date's fields are separated by `/`, `.` or `-`; the year has 2 digits
//! (20xx) or 4. A leading U+200E mark (iOS puts one before system lines and
//! attachments) and a byte-order mark are ignored.
//!
//! **Day or month first** is decided once per file, from the data: a 4-digit
//! first field means year-month-day; otherwise if any header's first field is
//! above 12 the file is day-first, else if any second field is above 12 it is
//! month-first; if neither ever exceeds 12, the field that changes more often
//! between consecutive headers is the day; a tie (e.g. a one-day chat) means
//! day-first, the order of most locales. A header whose date is impossible in
//! the chosen order (`13/13/20`) is an error.
//!
//! # Mapping
//!
//! - Group: WhatsApp exports carry no chat id, so `group` is the file's stem
//!   without the exporter's `WhatsApp Chat with ` / `WhatsApp Chat - ` prefix
//!   (`WhatsApp Chat with Family.txt` → `Family`). For the generic `_chat.txt`
//!   the enclosing archive's (or folder's) stem is used, so `X.zip!_chat.txt`
//!   is group `X`, like `X.txt`. `group_name` starts as the same text and
//!   follows `created group "…"` / `changed the subject … to "…"` lines.
//! - People: no ids, so `member` is `None` and `member_name` is the name (or
//!   phone number) as shown, with bidi marks stripped. Event `id` is `None`:
//!   the store derives a content key in file order.
//! - Times: the export states no offset; they are read in `--tz`, default UTC
//!   (`opts.tz_or(0)`).
//! - Messages: continuation lines are joined with `\n`. `<Media omitted>` →
//!   `other` (Android does not say which medium); iOS `image/video/audio/
//!   sticker/GIF/document omitted`, `<attached: f.jpg>` and Android's
//!   `f.jpg (file attached)` → image/video/voice/sticker/file by kind or
//!   extension; `POLL:` → poll; `location: https://…` → other. A trailing
//!   `<This message was edited>` is cut and `edited_at` is set to the send time
//!   (the export does not say when the edit happened).
//! - `This message was deleted` / `You deleted this message` → a `recall` by
//!   the sender, with no target (the export keeps no ids).
//! - `X created group "G"` / `X created this group` → a join of X. `X added Y,
//!   Z and W` → one join per person, `by` X. `X joined using this group's
//!   invite link` / `X joined from the community` → a join. `X left` → a
//!   leave. `X removed Y` → a leave of Y, `by` X.
//!
//! # Dropped
//!
//! The encryption notice, subject/icon/description/settings changes (other
//! than updating `group_name`), security-code and number changes, and any
//! other system line. iOS system lines are told from messages by the U+200E
//! mark iOS puts before their text (`Group: ‎Alice added Bob`). Events about
//! "you" (the exporting user, e.g. `Alice added you`) are dropped because the
//! export does not say who "you" is; "you" as the actor of an add or removal
//! leaves `by` empty. System lines are only recognised in English.
//!
//! # Errors
//!
//! A text file cut short is still well-formed text, so a truncated export
//! cannot be detected. What is broken: a first line that is not a dated header
//! (something that is not a WhatsApp export, or garbage where a header must
//! be), a header with an impossible date or time, and a non-empty line after a
//! system line (system lines never continue), each naming its line; and a
//! file with no header at all.

use crate::stream::too_long;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use tonghao_model::msg::Msg;
use tonghao_model::{
    ContentType, Event, EventSink, Header, Membership, Message, PersonRef, Platform, Recall, Timestamp,
};

/// The WhatsApp chat `.txt` export.
pub struct Whatsapp;

impl Source for Whatsapp {
    fn name(&self) -> &'static str {
        "whatsapp"
    }

    fn description(&self) -> &'static str {
        "WhatsApp \"Export chat\" .txt (Android `d/m/yy, hh:mm - Name: text`, iOS `[d/m/yy, hh:mm:ss] Name: text`)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        // The first non-empty line must be a dated header with a valid time, and
        // its date must be valid in some field order.
        let Some(first) = head.lines().map(clean_line_start).find(|l| !l.trim().is_empty()) else { return false };
        match parse_header(first) {
            Some(h) => h.time().is_some() && [Order::Dmy, Order::Mdy, Order::Ymd].iter().any(|o| h.date(*o).is_some()),
            None => false,
        }
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        // Times without a zone: the store keys them on the clock as written.
        sink.local_times();
        // The date order is decided from the whole file (see the module
        // docs): a first pass, stopping at the first header that settles it,
        // then the file is read again from the start.
        let order = date_order(input)?;
        input.rewind()?;
        let name = input.name().to_string();
        let group = group_id(&name);
        let mut r = Reader {
            file: &name,
            max: input.limits().max_message_bytes,
            tz: opts.tz_or(0),
            group_name: group.clone(),
            group,
            pending: None,
            seen_header: false,
            sink,
        };
        let mut lines = input.lines();
        while let Some((line_no, raw)) = lines.next_line()? {
            let line = clean_line_start(raw);
            match parse_header(line) {
                Some(h) => {
                    let at = r.timestamp(&h, order, line_no)?;
                    r.header(line_no, at, &line[h.rest..])?;
                }
                None => r.continuation(line_no, raw)?,
            }
        }
        if !r.seen_header {
            return Err(SourceError::parse(&name, Position::Whole, Msg::new("source.whatsapp_empty")));
        }
        r.flush()
    }
}

/// The order of the three date fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Dmy,
    Mdy,
    Ymd,
}

/// A header line's parts, before interpretation.
#[derive(Debug)]
struct RawHeader {
    date: [u32; 3],
    /// Whether the first date field had 4 digits.
    year_first: bool,
    hour: u32,
    minute: u32,
    second: u32,
    /// `Some(true)` for PM, `Some(false)` for AM, `None` for a 24-hour clock.
    pm: Option<bool>,
    /// Byte offset of the text after the header.
    rest: usize,
}

impl RawHeader {
    fn date(&self, order: Order) -> Option<NaiveDate> {
        let [a, b, c] = self.date;
        let (y, m, d) = if self.year_first {
            (a, b, c)
        } else {
            match order {
                Order::Dmy | Order::Ymd => (c, b, a),
                Order::Mdy => (c, a, b),
            }
        };
        let y = if y < 100 { 2000 + y } else { y };
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
    }

    fn time(&self) -> Option<NaiveTime> {
        let hour = match self.pm {
            None => self.hour,
            Some(_) if self.hour == 0 || self.hour > 12 => return None,
            Some(false) => self.hour % 12,
            Some(true) => self.hour % 12 + 12,
        };
        NaiveTime::from_hms_opt(hour, self.minute, self.second)
    }
}

/// Drops the invisible marks WhatsApp puts before some lines.
fn clean_line_start(line: &str) -> &str {
    line.trim_start_matches(['\u{feff}', '\u{200e}', '\u{200f}'])
}

/// A byte cursor over one line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// 1 to `max` ASCII digits, and how many there were.
    fn number(&mut self, max: usize) -> Option<(u32, usize)> {
        let rest = self.s.get(self.pos..)?;
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > max {
            return None;
        }
        let v = rest.get(..n)?.parse().ok()?;
        self.pos += n;
        Some((v, n))
    }

    /// Spaces of any width (regular, no-break, narrow no-break).
    fn spaces(&mut self) -> usize {
        let mut n = 0;
        while self.eat(' ') || self.eat('\u{a0}') || self.eat('\u{202f}') {
            n += 1;
        }
        n
    }
}

/// Parses `d/m/yy, hh:mm[:ss][ am] - ` or `[d/m/yy, hh:mm[:ss][ am]] ` at the
/// start of `line`.
fn parse_header(line: &str) -> Option<RawHeader> {
    let mut c = Cursor { s: line, pos: 0 };
    let ios = c.eat('[');
    let (a, a_len) = c.number(4)?;
    let sep = c.peek().filter(|s| matches!(s, '/' | '.' | '-'))?;
    c.eat(sep);
    let (b, _) = c.number(2)?;
    if !c.eat(sep) {
        return None;
    }
    let (y, y_len) = c.number(4)?;
    if a_len == 4 && y_len > 2 || a_len == 3 || y_len == 3 {
        return None;
    }
    // Some locales end the date with a dot (`09.12.20.`).
    c.eat('.');
    let comma = c.eat(',');
    if ios && !comma {
        // `[2020-12-09 10:00:00] <nick>` is Gitter, not WhatsApp.
        return None;
    }
    if c.spaces() == 0 {
        return None;
    }
    let (hour, _) = c.number(2)?;
    if !c.eat(':') {
        return None;
    }
    let (minute, m_len) = c.number(2)?;
    if m_len != 2 {
        return None;
    }
    let second = if c.eat(':') {
        match c.number(2)? {
            (s, 2) => s,
            _ => return None,
        }
    } else {
        0
    };
    let before_marker = c.pos;
    c.spaces();
    let pm = am_pm(&mut c);
    if pm.is_none() {
        c.pos = before_marker;
    }
    if ios {
        if !c.eat(']') || !c.eat(' ') {
            return None;
        }
    } else {
        if c.spaces() == 0 || !(c.eat('-') || c.eat('–')) || c.spaces() == 0 {
            return None;
        }
    }
    Some(RawHeader { date: [a, b, y], year_first: a_len == 4, hour, minute, second, pm, rest: c.pos })
}

/// `AM`/`PM` in the spellings WhatsApp uses (`am`, `a.m.`, `a. m.`).
fn am_pm(c: &mut Cursor<'_>) -> Option<bool> {
    const MARKERS: [(&str, bool); 8] = [
        ("a. m.", false),
        ("p. m.", true),
        ("a.m.", false),
        ("p.m.", true),
        ("am", false),
        ("pm", true),
        ("a", false),
        ("p", true),
    ];
    let rest = c.s.get(c.pos..)?;
    for (m, pm) in MARKERS {
        let Some(head) = rest.get(..m.len()) else { continue };
        if head.eq_ignore_ascii_case(m) {
            // `a`/`p` alone only as a whole word (`11:55 p - ` exists on some phones).
            let next = rest.get(m.len()..).and_then(|r| r.chars().next());
            if next.is_some_and(|n| n.is_alphanumeric()) {
                continue;
            }
            c.pos += m.len();
            return Some(pm);
        }
    }
    None
}

/// Decides the date field order for the whole file (see the module docs).
fn date_order(input: &mut Input<'_>) -> Result<Order, SourceError> {
    let mut prev: Option<[u32; 3]> = None;
    let (mut first_changes, mut second_changes) = (0usize, 0usize);
    let mut lines = input.lines();
    while let Some((_, line)) = lines.next_line()? {
        let Some(h) = parse_header(clean_line_start(line)) else { continue };
        if h.year_first {
            return Ok(Order::Ymd);
        }
        let [a, b, _] = h.date;
        if a > 12 {
            return Ok(Order::Dmy);
        }
        if b > 12 {
            return Ok(Order::Mdy);
        }
        if let Some([pa, pb, _]) = prev {
            first_changes += (pa != a) as usize;
            second_changes += (pb != b) as usize;
        }
        prev = Some(h.date);
    }
    Ok(if second_changes > first_changes { Order::Mdy } else { Order::Dmy })
}

/// The group id from the file name (see the module docs).
fn group_id(name: &str) -> String {
    let mut parts = name.rsplit(['/', '\\', '!']);
    let base = parts.next().unwrap_or(name);
    let mut stem = strip_ext(base);
    if (stem.eq_ignore_ascii_case("_chat") || stem.is_empty())
        && let Some(outer) = parts.find(|p| !p.is_empty())
    {
        stem = strip_ext(outer);
    }
    const PREFIXES: [&str; 3] = ["WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp Chat – "];
    let group = PREFIXES.iter().find_map(|p| stem.strip_prefix(p)).unwrap_or(stem).trim();
    let group = if group.is_empty() { stem.trim() } else { group };
    if group.is_empty() { "whatsapp".to_string() } else { group.to_string() }
}

fn strip_ext(base: &str) -> &str {
    match base.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty() && (ext.eq_ignore_ascii_case("txt") || ext.eq_ignore_ascii_case("zip")) =>
        {
            stem
        }
        _ => base,
    }
}

/// A message whose continuation lines may still follow.
struct Pending {
    line: usize,
    at: Timestamp,
    name: String,
    text: String,
}

struct Reader<'a> {
    file: &'a str,
    /// The longest message ([`crate::Limits::max_message_bytes`]).
    max: usize,
    tz: crate::Zone,
    group: String,
    group_name: String,
    pending: Option<Pending>,
    seen_header: bool,
    sink: &'a mut dyn EventSink,
}

impl Reader<'_> {
    fn timestamp(&self, h: &RawHeader, order: Order, line: usize) -> Result<Timestamp, SourceError> {
        let date = h.date(order).ok_or_else(|| {
            let [a, b, c] = h.date;
            let key = match (h.year_first, order) {
                (true, _) | (_, Order::Ymd) => "source.no_such_date_ymd",
                (_, Order::Dmy) => "source.no_such_date_dmy",
                (_, Order::Mdy) => "source.no_such_date_mdy",
            };
            SourceError::parse(
                self.file,
                Position::LineColumn(line, 1),
                Msg::new(key).text("date", format!("{a}/{b}/{c}")),
            )
        })?;
        let time = h.time().ok_or_else(|| {
            SourceError::parse(
                self.file,
                Position::LineColumn(line, 1),
                Msg::new("source.no_such_time").text(
                    "time",
                    format!(
                        "{}:{:02}:{:02}{}",
                        h.hour,
                        h.minute,
                        h.second,
                        match h.pm {
                            Some(true) => " PM",
                            Some(false) => " AM",
                            None => "",
                        }
                    ),
                ),
            )
        })?;
        self.tz
            .from_local(NaiveDateTime::new(date, time))
            .ok_or_else(|| SourceError::parse(self.file, Position::Line(line), Msg::new("source.time_out_of_range")))
    }

    fn header_of(&self, at: Timestamp, name: &str) -> Header {
        Header {
            platform: Platform::Whatsapp,
            group: self.group.clone(),
            group_name: Some(self.group_name.clone()),
            member: None,
            member_name: Some(name.to_string()),
            at,
            id: None,
        }
    }

    fn emit(&mut self, event: Event, line: usize) -> Result<(), SourceError> {
        emit(self.sink, event, self.file, Position::Line(line))
    }

    fn header(&mut self, line: usize, at: Timestamp, rest: &str) -> Result<(), SourceError> {
        self.flush()?;
        self.seen_header = true;
        match split_author(rest) {
            Some((name, text)) if !is_system_text(text) => {
                self.pending = Some(Pending { line, at, name: name.to_string(), text: text.to_string() });
                Ok(())
            }
            // iOS writes system lines as `Group: ‎Alice added Bob`.
            Some((_, text)) => self.system(line, at, clean_line_start(text)),
            None => self.system(line, at, rest),
        }
    }

    fn continuation(&mut self, line: usize, raw: &str) -> Result<(), SourceError> {
        if let Some(p) = &mut self.pending {
            if p.text.len() + raw.len() >= self.max {
                return Err(too_long(self.file, p.line, self.max));
            }
            p.text.push('\n');
            p.text.push_str(raw);
            return Ok(());
        }
        if raw.trim().is_empty() {
            return Ok(());
        }
        let key = if !self.seen_header { "source.whatsapp_first_header" } else { "source.whatsapp_header" };
        let shown: String = raw.chars().take(40).collect();
        Err(SourceError::parse(
            self.file,
            Position::LineColumn(line, 1),
            Msg::new(key).text("found", format!("{shown:?}")),
        ))
    }

    /// Emits the pending message, if any.
    fn flush(&mut self) -> Result<(), SourceError> {
        let Some(p) = self.pending.take() else { return Ok(()) };
        let body = clean_line_start(p.text.trim_end_matches(['\n', '\r', ' ']));
        let header = self.header_of(p.at, &p.name);
        if is_deleted(body) {
            return self.emit(Event::Recall(Recall { header, target: None }), p.line);
        }
        let (text, edited) = match body.strip_suffix("<This message was edited>") {
            Some(t) => (t.trim_end(), true),
            None => (body, false),
        };
        let content_type = content_type(text);
        let message = Message {
            header,
            reply_to: None,
            mentions: Vec::new(),
            content_type,
            text: text.to_string(),
            bot: false,
            edited_at: edited.then_some(p.at),
        };
        self.emit(Event::Message(message), p.line)
    }

    fn system(&mut self, line: usize, at: Timestamp, text: &str) -> Result<(), SourceError> {
        let text = text.trim_end();
        if text.contains("end-to-end encrypted") || text.contains("secured with end-to-end encryption") {
            return Ok(());
        }
        if let Some((actor, subject)) = text.split_once(" created group ") {
            if let Some(name) = unquote(subject) {
                self.group_name = name.to_string();
            }
            return self.membership(line, at, actor, None, true);
        }
        if let Some(actor) = text.strip_suffix(" created this group") {
            return self.membership(line, at, actor, None, true);
        }
        for marker in [" changed the subject from ", " changed the subject to ", " changed the group name to "] {
            if let Some((_, change)) = text.split_once(marker) {
                let to = change.rsplit_once(" to ").map_or(change, |(_, t)| t);
                if let Some(name) = unquote(to).or_else(|| unquote(change)) {
                    self.group_name = name.to_string();
                }
                return Ok(());
            }
        }
        for suffix in [
            " joined using this group's invite link",
            " joined using this group’s invite link",
            " joined from the community",
            " joined",
        ] {
            if let Some(who) = text.strip_suffix(suffix) {
                return self.membership(line, at, who, None, true);
            }
        }
        if let Some(who) = text.strip_suffix(" left") {
            return self.membership(line, at, who, None, false);
        }
        for (marker, join) in [(" added ", true), (" removed ", false)] {
            if let Some((actor, people)) = text.split_once(marker) {
                for person in split_people(people) {
                    self.membership(line, at, person, Some(actor), join)?;
                }
                return Ok(());
            }
        }
        Ok(())
    }

    fn membership(
        &mut self,
        line: usize,
        at: Timestamp,
        who: &str,
        by: Option<&str>,
        join: bool,
    ) -> Result<(), SourceError> {
        let who = clean_name(who);
        if who.is_empty() || is_you(who) {
            return Ok(());
        }
        let by = by.map(clean_name).filter(|b| !b.is_empty() && !is_you(b)).map(PersonRef::name);
        let m = Membership { header: self.header_of(at, who), by };
        self.emit(if join { Event::Join(m) } else { Event::Leave(m) }, line)
    }
}

/// `Name: text` → (name, text); `None` for a system line.
fn split_author(rest: &str) -> Option<(&str, &str)> {
    let (name, text) = match rest.split_once(": ") {
        Some(pair) => pair,
        None => (rest.strip_suffix(':')?, ""),
    };
    let name = clean_name(name);
    // A colon inside a quoted subject is not an author.
    if name.is_empty() || name.contains(['"', '“', '”']) || name.chars().count() > 100 {
        return None;
    }
    Some((name, text))
}

/// iOS system lines come as `Group: ‎Alice added Bob`, marked by U+200E.
fn is_system_text(text: &str) -> bool {
    let Some(t) = text.strip_prefix('\u{200e}') else { return false };
    let t = t.trim_end();
    t.contains("end-to-end encrypted")
        || t.contains(" created group ")
        || t.ends_with(" created this group")
        || t.contains(" changed the subject ")
        || t.contains(" changed the group ")
        || t.contains(" changed this group")
        || t.contains(" added ")
        || t.contains(" removed ")
        || t.contains(" joined")
        || t.ends_with(" left")
}

fn clean_name(name: &str) -> &str {
    name.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn is_you(name: &str) -> bool {
    name.eq_ignore_ascii_case("you")
}

/// `Y, Z and W` → `[Y, Z, W]`.
fn split_people(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in list.split(", ") {
        match part.rsplit_once(" and ") {
            Some((a, b)) => {
                out.push(a);
                out.push(b);
            }
            None => out.push(part),
        }
    }
    out
}

fn unquote(s: &str) -> Option<&str> {
    let s = s.trim();
    let inner = s.strip_prefix(['"', '“'])?;
    inner.strip_suffix(['"', '”'])
}

fn is_deleted(text: &str) -> bool {
    let t = text.trim().trim_end_matches('.');
    t.eq_ignore_ascii_case("This message was deleted") || t.eq_ignore_ascii_case("You deleted this message")
}

/// What a message carries, from the export's placeholders (see module docs).
fn content_type(text: &str) -> ContentType {
    let first = text.lines().next().unwrap_or("").trim();
    let lower = first.to_ascii_lowercase();
    if lower == "<media omitted>" {
        return ContentType::Other;
    }
    match lower.as_str() {
        "image omitted" | "photo omitted" | "gif omitted" => return ContentType::Image,
        "video omitted" => return ContentType::Video,
        "audio omitted" => return ContentType::Voice,
        "sticker omitted" => return ContentType::Sticker,
        "document omitted" => return ContentType::File,
        "contact card omitted" => return ContentType::Other,
        _ => {}
    }
    if let Some(f) = lower.strip_prefix("<attached: ").and_then(|r| r.strip_suffix('>')) {
        return by_extension(f);
    }
    if let Some(f) = lower.strip_suffix(" (file attached)") {
        return by_extension(f);
    }
    if first == "POLL:" {
        return ContentType::Poll;
    }
    if lower.starts_with("location: https://") {
        return ContentType::Other;
    }
    ContentType::Text
}

fn by_extension(file: &str) -> ContentType {
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    if file.starts_with("stk-") || file.contains("-sticker-") {
        return ContentType::Sticker;
    }
    match ext {
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "heic" => ContentType::Image,
        "mp4" | "mov" | "3gp" | "mkv" | "webm" => ContentType::Video,
        "opus" | "ogg" | "m4a" | "mp3" | "aac" | "amr" | "wav" => ContentType::Voice,
        "vcf" => ContentType::Other,
        _ => ContentType::File,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_both_layouts_and_clocks() {
        let h = parse_header("12/9/20, 23:55 - Bob: hi").unwrap();
        assert_eq!((h.date, h.hour, h.minute, h.pm), ([12, 9, 20], 23, 55, None));
        let h = parse_header("[1/2/2021, 11:05:07\u{202f}PM] Bob: hi").unwrap();
        assert_eq!(h.time(), NaiveTime::from_hms_opt(23, 5, 7));
        let h = parse_header("1/2/21, 12:05 a.m. - Bob: hi").unwrap();
        assert_eq!(h.time(), NaiveTime::from_hms_opt(0, 5, 0));
        let h = parse_header("2021-02-01, 9:05 - Bob: hi").unwrap();
        assert_eq!(h.date(Order::Mdy), NaiveDate::from_ymd_opt(2021, 2, 1));
        assert!(parse_header("[2020-12-09 10:00:00] <nick> hi").is_none());
        assert!(parse_header("2013-08-23T17:54:11 <nick> hi").is_none());
        assert!(parse_header("12/9/20, 23:55 Bob: hi").is_none());
        assert!(parse_header("13:45 hello").is_none());
    }

    #[test]
    fn group_from_the_name() {
        assert_eq!(group_id("/x/WhatsApp Chat with Family.txt"), "Family");
        assert_eq!(group_id("/x/WhatsApp Chat - Family.zip!_chat.txt"), "Family");
        assert_eq!(group_id("a/4A_11M.zip!_chat.txt"), "4A_11M");
        assert_eq!(group_id("4A_11M.txt"), "4A_11M");
        assert_eq!(group_id(".txt"), ".txt");
    }

    #[test]
    fn people_lists() {
        assert_eq!(split_people("Bob, Eve and Trent"), vec!["Bob", "Eve", "Trent"]);
        assert_eq!(split_people("Bob"), vec!["Bob"]);
    }
}
