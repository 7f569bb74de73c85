//! DiscordChatExporter's CSV export (Tyrrrz/DiscordChatExporter, `-f Csv`):
//! one row per message under the header `AuthorID,Author,Date,Content,
//! Attachments,Reactions`, every field quoted. Exporter versions up to 2.15 or
//! so separated fields with `;` and ended every line (header included) with
//! one; later ones use `,` without a trailing one. The separator is taken from
//! the header line.
//!
//! Mapping (one [`Event::Message`] per row):
//! - `AuthorID` → member; `Author` (`name#1234`, or just `name` for accounts
//!   without a discriminator) → member name without the `#1234`.
//! - `Date` → at. The exporter writes local time without an offset, so it is
//!   read in `--tz` (default UTC). Accepted: `05-Dec-19 07:48 AM` (the
//!   `dd-MMM-yy hh:mm tt` default of older versions), `12/5/2019 7:48 AM`
//!   (.NET's `g` pattern in en-US, the default of versions that format dates
//!   by locale), and ISO 8601 with or without an offset (`--dateformat o`,
//!   `u`, `s`); an offset in the value wins over `--tz`. Other locales' `g`
//!   patterns are refused with the line number rather than guessed (day and
//!   month order is ambiguous).
//! - `Content` → text (multi-line content is one quoted field). `@name`
//!   mentions in it → name references: at an `@` that starts a word, the
//!   longest author name of the file (or `Deleted User`) that follows, else
//!   the word up to the next space without trailing punctuation; `@everyone`
//!   and `@here` are not people. Names the exporter rendered with spaces and
//!   that never posted in the file are cut at the first space.
//! - `Attachments` (URLs separated by `,`) → content type from the first
//!   URL's extension (image, video, voice, else file); a row that is only a
//!   URL → link; an empty row without attachments (an embed, e.g. a bot's
//!   card) → other.
//!
//! Group: the CSV has no channel id. When the file has the exporter's default
//! name, `Guild - Category - channel [123456789].csv` (possibly with
//! ` [part 2]`), the bracketed number is the channel id and becomes the group,
//! so a CSV and a JSON export of one channel land in one group. Otherwise, for
//! pages named `1.csv`, `2.csv`, ... (the layout of archives such as
//! komodo's, `category/channel/N.csv`), the group is the last two folder
//! names, `category/channel`, so that the pages of one channel land in one
//! group and same-named channels of two categories stay apart; for a channel
//! folder at the top of an archive the second name is the archive folder's
//! own (keep it, and import from the same root each time, for stable ids).
//! Any other file name: its stem. The group name is the same with ` / `.
//!
//! Dropped: reactions (`👆 (9)`: counts without reactors or times, so there is
//! no one to attribute a reaction event to); bot flags (the CSV has none);
//! replies (the CSV does not record what a message answers). Rows have no
//! message id, so the store keys them by content hash in file order.

use crate::common::content::{attachment_type, text_type};
use crate::common::records::Records;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use chrono::{DateTime, NaiveDateTime};
use std::collections::HashSet;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Timestamp};

/// DiscordChatExporter's CSV export.
pub struct DiscordCsv;

const COLUMNS: [&str; 6] = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"];

impl Source for DiscordCsv {
    fn name(&self) -> &'static str {
        "discord-csv"
    }

    fn description(&self) -> &'static str {
        "DiscordChatExporter CSV export (AuthorID,Author,Date,Content,Attachments,Reactions; `,` or `;`)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        head.lines().next().is_some_and(|l| delimiter(l).is_some())
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        // Times without a zone: the store keys them on the clock as written.
        sink.local_times();
        let name = input.name().to_string();
        let delim = input
            .head()
            .lines()
            .next()
            .and_then(delimiter)
            .ok_or_else(|| SourceError::parse(&name, Position::Line(1), Msg::new("source.discord_header")))?;
        let (group, group_name) = place(&name);
        // A first pass for the author names that `@` mentions may use (an
        // earlier row can mention a later author); it also refuses a file cut
        // short before any event is emitted.
        let known = known_names(input, &name, delim)?;
        input.rewind()?;
        let tz = opts.tz_or(0);
        let mut rows = Records::new(input, csv::ReaderBuilder::new().delimiter(delim));
        let mut record = csv::StringRecord::new();
        loop {
            match rows.read(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&name, &rows, e)),
            }
            let line = record.position().map_or(0, |p| p.line()) as usize;
            let position = Position::Line(line);
            let field = |i: usize| record.get(i).unwrap_or("");
            let date = field(2);
            let at = parse_date(date, tz).ok_or_else(|| {
                SourceError::parse(&name, position, Msg::new("source.discord_date").text("value", format!("{date:?}")))
            })?;
            let member = Some(field(0).trim()).filter(|s| !s.is_empty()).map(str::to_string);
            let member_name = Some(strip_discriminator(field(1))).filter(|s| !s.is_empty()).map(str::to_string);
            if member.is_none() && member_name.is_none() {
                return Err(SourceError::parse(
                    &name,
                    position,
                    Msg::new("source.record_without").text("fields", "`AuthorID`/`Author`"),
                ));
            }
            let content = field(3);
            let attachments = field(4).trim();
            let content_type = match attachments.split(',').next().filter(|a| !a.trim().is_empty()) {
                Some(first) => attachment_type(first.trim()),
                None if content.trim().is_empty() => ContentType::Other,
                None => text_type(content),
            };
            let header = Header {
                platform: Platform::Discord,
                group: group.clone(),
                group_name: Some(group_name.clone()),
                member,
                member_name,
                at,
                id: None,
            };
            let message = Message {
                header,
                reply_to: None,
                mentions: mentions(content, &known),
                content_type,
                text: content.to_string(),
                bot: false,
                edited_at: None,
            };
            emit(sink, Event::Message(message), &name, position)?;
        }
        Ok(())
    }
}

/// The separator, if `line` is the exporter's header.
fn delimiter(line: &str) -> Option<u8> {
    let line = line.trim_start_matches('\u{feff}').trim_end();
    [b';', b','].into_iter().find(|&d| {
        let mut fields: Vec<&str> = line.split(char::from(d)).collect();
        if fields.len() == COLUMNS.len() + 1 && fields.last() == Some(&"") {
            fields.pop();
        }
        fields.len() == COLUMNS.len() && fields.iter().zip(COLUMNS).all(|(f, c)| f.trim().trim_matches('"') == c)
    })
}

/// Refuses a file cut short: the exporter quotes every field, so a whole file
/// has an even number of quotes and ends with a quote (`,` files) or the
/// separator (`;` files). A cut that falls exactly between two rows cannot be
/// told from a shorter export. Called at the end of a pass.
fn check_complete(file: &str, rows: &mut Records<'_, '_>, any_rows: bool, delim: u8) -> Result<(), SourceError> {
    let (last, line) = rows.last_char();
    if rows.quotes_odd() {
        return Err(SourceError::parse(file, Position::Line(line), Msg::new("source.truncated_quoted")));
    }
    if any_rows && !(last == Some(b'"') || last == Some(delim)) {
        return Err(SourceError::parse(file, Position::Line(line), Msg::new("source.truncated_row")));
    }
    Ok(())
}

fn csv_error(file: &str, rows: &Records<'_, '_>, e: csv::Error) -> SourceError {
    let e = match rows.input_error(e) {
        Ok(ours) => return ours,
        Err(e) => e,
    };
    let position = e.position().map_or(Position::Whole, |p| Position::Line(p.line() as usize));
    let why = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            Msg::new("source.csv_fields").int("found", *len).int("expected", *expected_len)
        }
        _ => Msg::new("source.csv_other").text("detail", e.to_string()),
    };
    SourceError::parse(file, position, why)
}

/// `name#1234` → `name`; a name without a four-digit discriminator as is.
fn strip_discriminator(author: &str) -> &str {
    let author = author.trim();
    match author.rsplit_once('#') {
        Some((name, d)) if !name.is_empty() && d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => author,
    }
}

/// Every author name in the file (and `Deleted User`), longest first: what an
/// `@` may be followed by. Rows that do not parse are skipped here; the main
/// pass reports them. Also checks that the file is complete.
fn known_names(input: &mut Input<'_>, file: &str, delim: u8) -> Result<Vec<String>, SourceError> {
    let mut rows = Records::new(input, csv::ReaderBuilder::new().delimiter(delim).flexible(true));
    let mut names: HashSet<String> = HashSet::from(["Deleted User".to_string()]);
    let mut record = csv::StringRecord::new();
    let mut count = 0usize;
    loop {
        match rows.read(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => match rows.input_error(e) {
                Ok(ours) => return Err(ours),
                Err(_) => continue,
            },
        }
        count += 1;
        if let Some(author) = record.get(1) {
            let name = strip_discriminator(author);
            if !name.is_empty() && !names.contains(name) {
                names.insert(name.to_string());
            }
        }
    }
    check_complete(file, &mut rows, count > 0, delim)?;
    let mut names: Vec<String> = names.into_iter().collect();
    names.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    Ok(names)
}

/// The `@name` mentions in `text` (see the module docs), each once.
fn mentions(text: &str, known: &[String]) -> Vec<PersonRef> {
    let mut out: Vec<PersonRef> = Vec::new();
    for (i, _) in text.match_indices('@') {
        let starts_word = text[..i].chars().next_back().is_none_or(|c| c.is_whitespace() || "([{\"'".contains(c));
        if !starts_word {
            continue;
        }
        let rest = &text[i + 1..];
        let known_name = known.iter().find(|n| {
            rest.strip_prefix(n.as_str())
                .is_some_and(|after| after.chars().next().is_none_or(|c| !c.is_alphanumeric() && c != '_'))
        });
        let name = match known_name {
            Some(n) => n.as_str(),
            None => {
                let word = rest.split(char::is_whitespace).next().unwrap_or("");
                word.trim_end_matches(|c: char| ".,:;!?)]}'\"".contains(c))
            }
        };
        if name.is_empty() || name == "everyone" || name == "here" || name.starts_with('@') {
            continue;
        }
        let person = PersonRef::name(name);
        if !out.contains(&person) {
            out.push(person);
        }
    }
    out
}

/// A `Date` cell: see the module docs for the accepted forms.
fn parse_date(s: &str, tz: crate::Zone) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(t);
    }
    const NAIVE: [&str; 7] = [
        "%d-%b-%y %I:%M %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %I:%M:%S %p",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%SZ",
        "%Y-%m-%d %H:%M",
    ];
    let naive = NAIVE.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    let tz = if s.ends_with('Z') { crate::Zone::hours(0) } else { tz };
    tz.from_local(naive)
}

/// (group, group name) from the file's path: see the module docs.
fn place(file_name: &str) -> (String, String) {
    let inner = file_name.rsplit('!').next().unwrap_or(file_name);
    let parts: Vec<&str> = inner.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "." && *p != "..").collect();
    let base = parts.last().copied().unwrap_or(inner);
    let stem = match base.len().checked_sub(4) {
        Some(cut) if base.is_char_boundary(cut) && base[cut..].eq_ignore_ascii_case(".csv") => &base[..cut],
        _ => base,
    };
    if let Some((id, name)) = channel_id(stem) {
        return (id.to_string(), name.to_string());
    }
    let folders = &parts[..parts.len().saturating_sub(1)];
    if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) && !folders.is_empty() {
        let tail = &folders[folders.len().saturating_sub(2)..];
        return (tail.join("/"), tail.join(" / "));
    }
    (stem.to_string(), stem.to_string())
}

/// `Guild - Category - channel [123456789] [part 2]` → (`123456789`, the name
/// before it).
fn channel_id(stem: &str) -> Option<(&str, &str)> {
    let mut rest = stem;
    while let Some(open) = rest.rfind('[') {
        let inside = &rest[open + 1..];
        if let Some(close) = inside.find(']') {
            let id = &inside[..close];
            if id.len() >= 6 && id.bytes().all(|b| b.is_ascii_digit()) {
                let name = stem[..open].trim_end();
                return Some((id, if name.is_empty() { id } else { name }));
            }
        }
        rest = &rest[..open];
    }
    None
}
