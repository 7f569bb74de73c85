//! IRC channel logs, one file per channel (and usually per day), in the
//! logger dialects tonghao has real samples of.
//!
//! # Dialects
//!
//! Every line is a timestamp, then a body. Timestamps may be
//!
//! - `2013-08-23T17:54:11` or `2013-08-23 17:54:11` (bare or in brackets): botbot.me
//!   dumps, Limnoria's ChannelLogger (`2018-09-21T20:22:24  <nick> text`);
//! - `[HH:MM]`, `[HH:MM:SS]`, or bare `HH:MM` / `HH:MM:SS` (irssi and its kin,
//!   the Ubuntu logs of the irc-disentanglement corpus). The date comes from the
//!   file name (`#chan.2014-03-02.log`, `#chan_20140302.log`,
//!   `2011-05-29_19.raw.txt`) and is replaced by irssi's `--- Log opened
//!   Sun Mar 02 12:00:00 2014` and `--- Day changed Mon Mar 03 2014` lines. When
//!   the clock jumps back by more than six hours the day has turned: by 24 hours
//!   once the file has shown an hour of 13 or more, else by 12 hours (the
//!   2004–2006 Ubuntu logs use a 12-hour clock without am/pm, running
//!   11:59 → 00:00 twice a day). A backward step of six hours or less is taken as
//!   lines logged out of order and left alone.
//!
//! Bodies:
//!
//! | body | event |
//! |---|---|
//! | `<nick> text` (a leading `@`/`+`/`%`/`~`/`&` mode sign is dropped) | message |
//! | `-nick- text`, `-nick:#chan- text` (a notice to the channel), `(nick/#chan) text` | message |
//! | `* nick text` (`/me`) | message with the text `text` |
//! | `nick joined the channel`, `nick <mask> has joined #chan`, `nick [mask] has joined #chan` | join |
//! | `nick has quit`, `nick <mask> has quit IRC (reason)`, `nick [mask] has quit [reason]` | leave |
//! | `nick has left the channel`, `nick <mask> has left #chan (reason)` | leave |
//! | `nick was kicked by op (reason)`, `nick was kicked off/from #chan by op (reason)` | leave, `by` the op |
//! | `old is now known as new` | no event (see below) |
//!
//! The membership forms appear after `*** ` (Limnoria), `-!- ` (irssi),
//! `=== ` (old Ubuntu logs) or `* ` (botbot). Any other `***`/`-!-` line (modes,
//! topics, server notices) is dropped. A `* ` or `=== ` line that is no
//! membership form is a `/me` action when its first word is a valid IRC nick,
//! and is dropped otherwise (`* -- BotBot disconnected --`, `* NOTICE: …`,
//! `=== mode/#ubuntu [+o x] by ChanServ`, `=== netjoined: …`); the logger's
//! own `Topic for #chan: …`, `Topic (#chan): set by …`, `Starting logfile …`,
//! `Ending logfile …` and `Log opened …` are dropped too. The old Ubuntu logs
//! write `=== ` lines without a timestamp: they take the time of the line
//! before (or midnight of the file's date). `--- ` lines other than the two
//! date lines are dropped, blank lines are skipped, and any other line is a
//! [`SourceError::Parse`] naming its line.
//!
//! A quit is mapped to a leave: IRC logs cannot tell a member who closed their
//! client from one who left the channel for good, and chat analysers treat both
//! as leaving. Expect many join/leave pairs per member.
//!
//! ## botbot.me dumps
//!
//! The fluid-tech botbot files are Python `repr()`s of byte strings with each
//! `\n` escape turned back into a line break: a block opens with `b'` (or `b"`)
//! before the first line and closes with a line holding only the quote, then a
//! blank line; a file may hold several blocks (pages, newest first, so events
//! are not in time order; they are emitted in file order). Inside a block,
//! nicks and texts are unescaped (`\'`, `\\`, `\t`, `\xe2\x80\x99` → UTF-8, with
//! U+FFFD for bytes that are not UTF-8), and a line without a timestamp
//! continues the message before it (it was a literal `\n` in the message, and is
//! restored as such). A block left open at the end of the file means the file
//! is truncated, which is an error.
//!
//! # Mapping
//!
//! - Group: the channel from the file name, the name with its date and
//!   extension cut off and a `#` added when missing (`fluid-tech-2017-11-05.log`
//!   and `#fluid-tech.2018-09-21.log` are both `#fluid-tech`). The
//!   irc-disentanglement corpus names its files by date alone
//!   (`2011-05-29_19.raw.txt`, `2007-01-19.train-a.raw.txt`); they are `#ubuntu`
//!   logs. Any other name without a channel is an error. `group_name` is the
//!   same string.
//! - Member: IRC has no ids, so the nick is both `member` and `member_name`, and
//!   the event `id` is `None` (the store hashes the content). A nick change is
//!   not followed: after `alice is now known as alice_afk`, messages come from
//!   the member `alice_afk`. This keeps a nick the same member in every file
//!   (whichever nick a day's log starts with), at the cost of splitting a person
//!   across their nicks; the rename itself emits nothing.
//! - Mentions: a message that starts with `nick:` or `nick,` addresses `nick`
//!   when that nick (compared case-insensitively, as IRC does) has appeared
//!   earlier in the same file: spoken, acted, joined, left or been renamed to. It
//!   becomes `PersonRef::id` with the spelling last seen. Addressing oneself is
//!   not a mention.
//! - Bots: the logs do not say. A message is flagged `bot` when its nick,
//!   without trailing digits and `_`, `` ` ``, `^`, `|`, `-`, ends in `bot`
//!   (`fluid-bot`, `FloodBot1`, `ubot3`) or is `ubottu`, `ubotu`, `ChanServ` or
//!   `[o__o]` (botbot's logger). This is a heuristic: a person called
//!   `Shazbot` is flagged too.
//! - Times: the logs carry no offset; `--tz` applies, UTC by default.
//!
//! Dropped: topics, modes, server notices, logger notices, nick changes as
//! events, quit and part reasons.
//!
//! # Telling IRC from Gitter
//!
//! `[2016-11-21 08:47:30] <user> text` is both a Gitter dump line and a
//! plausible IRC logger line. IRC claims only `*.log` and `*.raw.txt` files whose
//! first line (after a botbot `b'`) is a timestamped IRC line, a `=== ` line or
//! an irssi `--- Log opened`/`Day changed` line; Gitter (tried first) claims
//! only `owner_repo.txt` files. Two fluid-tech loggers ran side by side from
//! 2018-09-21 to 2018-11-05; as both map to `#fluid-tech` with the same nicks,
//! times and texts, the store keeps their common lines once.

use crate::stream::too_long;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use std::borrow::Cow;
use std::collections::HashMap;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Membership, Message, PersonRef, Platform};

/// IRC channel logs (botbot.me, Limnoria, irssi-style `[HH:MM]`, Ubuntu
/// `*.raw.txt`).
pub struct Irc;

impl Source for Irc {
    fn name(&self) -> &'static str {
        "irc"
    }

    fn description(&self) -> &'static str {
        "IRC channel logs (*.log from botbot.me, Limnoria, irssi-style [HH:MM] loggers; Ubuntu *.raw.txt)"
    }

    fn sniff(&self, base_name: &str, head: &str) -> bool {
        if !irc_file_name(base_name) {
            return false;
        }
        let Some(first) = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).find(|l| !l.trim().is_empty())
        else {
            return false;
        };
        let first = block_open(first).map_or(first, |(_, rest)| rest);
        match split_stamp(first) {
            Some((_, body)) => parse_body(body).is_some(),
            None => {
                first.starts_with("--- Log opened ")
                    || first.starts_with("--- Day changed ")
                    || first.starts_with("=== ")
            }
        }
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        // Times without a zone: the store keys them on the clock as written.
        sink.local_times();
        let (channel, date) = channel_and_date(input.base_name());
        // ZNC and other loggers write a folder per channel with a file per
        // day (`#channel/2024-03-02.log`): the folder names the channel.
        let channel = channel.or_else(|| folder_channel(input.name()));
        let Some(group) = channel else {
            return Err(SourceError::parse(input.name(), Position::Whole, Msg::new("source.irc_channel")));
        };
        let name = input.name().to_string();
        let mut reader = Reader {
            file: &name,
            max: input.limits().max_message_bytes,
            tz: opts.tz_or(0),
            group,
            clock: Clock { date, shift: 0, prev: None, saw_pm: false },
            last_at: None,
            seen: HashMap::new(),
            key: String::new(),
            pending: None,
        };
        reader.run(input, sink)
    }
}

/// `*.log` or `*.raw.txt`, case-insensitively.
fn irc_file_name(base: &str) -> bool {
    ends_with_ignore_case(base, ".log") || ends_with_ignore_case(base, ".raw.txt")
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// A botbot block opening: `b'` or `b"` before the first line. Returns the
/// quote and the rest of the line.
fn block_open(line: &str) -> Option<(u8, &str)> {
    let rest = line.strip_prefix('b')?;
    let quote = *rest.as_bytes().first()?;
    (quote == b'\'' || quote == b'"').then(|| (quote, &rest[1..]))
}

/// The channel (with its `#`) and the date a file name carries.
fn channel_and_date(base: &str) -> (Option<String>, Option<NaiveDate>) {
    let raw = ends_with_ignore_case(base, ".raw.txt");
    let stem = if raw {
        &base[..base.len() - ".raw.txt".len()]
    } else if ends_with_ignore_case(base, ".log") || ends_with_ignore_case(base, ".txt") {
        &base[..base.len() - 4]
    } else {
        base
    };
    let found = find_date(stem);
    let prefix = match found {
        Some((start, _)) => stem[..start].trim_end_matches(['-', '.', '_', ' ']),
        None => stem,
    };
    let date = found.map(|(_, d)| d);
    let channel = if prefix.is_empty() {
        // The irc-disentanglement corpus: `2011-05-29_19.raw.txt`.
        (raw && found.is_some_and(|(start, _)| start == 0)).then(|| "#ubuntu".to_string())
    } else if prefix.starts_with(['#', '&']) {
        Some(prefix.to_string())
    } else {
        Some(format!("#{prefix}"))
    };
    (channel, date)
}

/// The channel a day file's folder names (`logs/#rust/2024-03-02.log` →
/// `#rust`; `znc/rust/…` → `#rust`), if the file sits in one.
fn folder_channel(name: &str) -> Option<String> {
    let mut parts = name.rsplit(['/', '\\', '!']);
    parts.next()?;
    let folder = parts.next()?.trim();
    if folder.is_empty() || folder == "." || folder == ".." {
        return None;
    }
    Some(if folder.starts_with(['#', '&']) { folder.to_string() } else { format!("#{folder}") })
}

/// The first `YYYY-MM-DD` or `YYYYMMDD` in `s` not glued to other digits: its
/// byte offset and the date.
fn find_date(s: &str) -> Option<(usize, NaiveDate)> {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    for i in 0..b.len() {
        if !digit(i) || (i > 0 && digit(i - 1)) {
            continue;
        }
        let (y, m, d) = if b.get(i + 4) == Some(&b'-') && b.get(i + 7) == Some(&b'-') && !digit(i + 10) {
            (num(b, i, 4), num(b, i + 5, 2), num(b, i + 8, 2))
        } else if !digit(i + 8) {
            (num(b, i, 4), num(b, i + 4, 2), num(b, i + 6, 2))
        } else {
            continue;
        };
        if let (Some(y), Some(m), Some(d)) = (y, m, d)
            && (1970..2200).contains(&y)
            && let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d)
        {
            return Some((i, date));
        }
    }
    None
}

/// The decimal number in `b[at..at + n]`, if those are all digits.
fn num(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let digits = b.get(at..at.checked_add(n)?)?;
    digits.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// A line's timestamp: a full date and time, or a time of day whose date comes
/// from the context.
#[derive(Clone, Copy)]
enum Stamp {
    Full(NaiveDateTime),
    /// Seconds since midnight.
    Clock(u32),
}

/// Splits a leading timestamp (bare or in brackets) and the spaces after it
/// from `line`.
fn split_stamp(line: &str) -> Option<(Stamp, &str)> {
    let b = line.as_bytes();
    let (stamp, end) = if b.first() == Some(&b'[') {
        let close = b.iter().take(21).position(|&c| c == b']')?;
        (parse_stamp(&b[1..close])?, close + 1)
    } else {
        [19, 8, 5].into_iter().find_map(|n| Some((parse_stamp(b.get(..n)?)?, n)))?
    };
    // The stamp is ASCII, so `end` is a character boundary.
    let rest = &line[end..];
    rest.starts_with(' ').then(|| (stamp, rest.trim_start_matches(' ')))
}

/// `HH:MM`, `HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS`.
fn parse_stamp(b: &[u8]) -> Option<Stamp> {
    let clock = |b: &[u8]| -> Option<u32> {
        let (h, m) = (num(b, 0, 2)?, num(b, 3, 2)?);
        let s = if b.len() == 8 { (b[5] == b':').then(|| num(b, 6, 2))?? } else { 0 };
        (b[2] == b':' && h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
    };
    match b.len() {
        5 | 8 => clock(b).map(Stamp::Clock),
        19 if b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ') => {
            let date = NaiveDate::from_ymd_opt(num(b, 0, 4)? as i32, num(b, 5, 2)?, num(b, 8, 2)?)?;
            let secs = clock(&b[11..])?;
            Some(Stamp::Full(date.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60)?))
        }
        _ => None,
    }
}

/// What follows a timestamp.
enum Body<'a> {
    /// Someone said something: `<nick> text`, a notice, `(nick/#chan) text`.
    Said { nick: &'a str, text: &'a str },
    /// `* …` or `=== …`: a membership form, else an action, else dropped.
    Star(&'a str),
    /// `*** …` or `-!- …`: a membership form, else dropped.
    System(&'a str),
    /// `--- …`: irssi's log markers.
    Marker(&'a str),
}

fn parse_body(rest: &str) -> Option<Body<'_>> {
    match *rest.as_bytes().first()? {
        b'<' => {
            let close = rest.find('>')?;
            let nick = rest[1..close].trim();
            let nick = match nick.strip_prefix(['@', '+', '%', '~', '&']) {
                Some(bare) if !bare.is_empty() => bare,
                _ => nick,
            };
            let text = &rest[close + 1..];
            (!nick.is_empty()).then(|| Body::Said { nick, text: text.strip_prefix(' ').unwrap_or(text) })
        }
        b'*' => {
            if let Some(r) = rest.strip_prefix("*** ") {
                Some(Body::System(r))
            } else {
                rest.strip_prefix("* ").map(|r| Body::Star(r.trim_start_matches(' ')))
            }
        }
        b'=' => rest.strip_prefix("=== ").map(Body::Star),
        b'-' => {
            if let Some(r) = rest.strip_prefix("-!- ") {
                return Some(Body::System(r));
            }
            if let Some(r) = rest.strip_prefix("--- ") {
                return Some(Body::Marker(r));
            }
            // -nick- text, -nick:#chan- text
            let end = rest.find("- ").or_else(|| rest.ends_with('-').then(|| rest.len() - 1))?;
            let inner = rest.get(1..end)?;
            let nick = inner.split(':').next().unwrap_or(inner);
            valid_nick(nick).then(|| Body::Said { nick, text: rest.get(end + 2..).unwrap_or("") })
        }
        b'(' => {
            // (nick/#chan) text
            let end = rest.find(") ")?;
            let (nick, chan) = rest[1..end].split_once('/')?;
            (valid_nick(nick) && chan.starts_with(['#', '&'])).then(|| Body::Said { nick, text: &rest[end + 2..] })
        }
        _ => None,
    }
}

/// An RFC 2812 nick, loosened to any alphanumeric character and to a leading
/// digit (freenode hands out nicks like `16WAABHHG`): a letter, digit or one of
/// ``[]\`_^{|}`` first, then those and `-`.
fn valid_nick(s: &str) -> bool {
    let special = |c: char| "[]\\`_^{|}".contains(c);
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if (c.is_alphanumeric() || special(c)) => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || special(c) || c == '-')
}

/// A membership line, recognised.
enum Change<'a> {
    Join(&'a str),
    Leave { nick: &'a str, by: Option<&'a str> },
    Rename { old: &'a str, new: &'a str },
}

#[derive(Clone, Copy)]
enum Phrase {
    JoinedTheChannel,
    HasJoined,
    HasQuit,
    HasLeft,
    WasKicked,
    NowKnownAs,
}

const PHRASES: [(&str, Phrase); 6] = [
    (" joined the channel", Phrase::JoinedTheChannel),
    (" has joined", Phrase::HasJoined),
    (" has quit", Phrase::HasQuit),
    (" has left", Phrase::HasLeft),
    (" was kicked", Phrase::WasKicked),
    (" is now known as ", Phrase::NowKnownAs),
];

/// Recognises `nick [mask] has joined #chan` and the other membership forms
/// (the earliest phrase in the line decides, so a quit reason cannot pass for
/// a join).
fn membership(s: &str) -> Option<Change<'_>> {
    let (at, phrase, kind) =
        PHRASES.iter().filter_map(|&(p, k)| s.find(p).map(|i| (i, p, k))).min_by_key(|&(i, _, _)| i)?;
    let after = &s[at + phrase.len()..];
    if let Phrase::NowKnownAs = kind {
        // Unambiguous enough to take any old nick, even the Ubuntu corpus's
        // `[JAPS] ph1L`.
        let (old, new) = (s[..at].trim(), after.trim());
        return (!old.is_empty() && !new.is_empty() && !new.contains(' ')).then_some(Change::Rename { old, new });
    }
    let who = nick_of(&s[..at])?;
    let open_end = after.is_empty() || after.starts_with(' ');
    match kind {
        Phrase::JoinedTheChannel => after.is_empty().then_some(Change::Join(who)),
        Phrase::HasJoined => open_end.then_some(Change::Join(who)),
        Phrase::HasQuit | Phrase::HasLeft => open_end.then_some(Change::Leave { nick: who, by: None }),
        Phrase::WasKicked => {
            let by = after.find(" by ").and_then(|i| after[i + 4..].split(' ').next()).filter(|n| !n.is_empty());
            open_end.then_some(Change::Leave { nick: who, by })
        }
        Phrase::NowKnownAs => None,
    }
}

/// The nick in `nick`, `nick <user@host>` or `nick [user@host]`: the mask is
/// the text from the last ` <` or ` [` to the end (masks may hold unbalanced
/// brackets themselves: `AlexRMUK [n=Alex[RM-@host]`). Without a mask the nick
/// must be a valid nick; with one, anything but empty (the Ubuntu corpus has
/// nicks with spaces).
fn nick_of(who: &str) -> Option<&str> {
    let who = who.trim_end();
    let masked = match who.as_bytes().last() {
        Some(b'>') => who.rfind(" <"),
        Some(b']') => who.rfind(" ["),
        _ => None,
    };
    match masked {
        Some(i) => Some(who[..i].trim()).filter(|n| !n.is_empty()),
        None => valid_nick(who).then_some(who),
    }
}

/// Logger lines that would otherwise pass for actions (irssi's, in the Ubuntu
/// corpus).
const LOGGER_LINES: [&str; 5] = ["Topic for ", "Topic (", "Starting logfile ", "Ending logfile ", "Log opened "];

/// What a `* …` / `=== …` line is.
enum Star<'a> {
    Member(Change<'a>),
    Action { nick: &'a str, text: &'a str },
    Dropped,
}

fn star(s: &str) -> Star<'_> {
    if let Some(m) = membership(s) {
        return Star::Member(m);
    }
    if LOGGER_LINES.iter().any(|p| s.starts_with(p)) {
        return Star::Dropped;
    }
    let (first, rest) = s.split_once(' ').unwrap_or((s, ""));
    if valid_nick(first) { Star::Action { nick: first, text: rest } } else { Star::Dropped }
}

/// Python bytes-`repr` unescaping (botbot blocks).
fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && let Some(&c) = b.get(i + 1)
        {
            let simple = match c {
                b'\\' | b'\'' | b'"' => Some(c),
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                _ => None,
            };
            if let Some(byte) = simple {
                out.push(byte);
                i += 2;
                continue;
            }
            if c == b'x'
                && let Some(byte) = hex_byte(b, i + 2)
            {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

fn hex_byte(b: &[u8], at: usize) -> Option<u8> {
    let hi = (*b.get(at)? as char).to_digit(16)?;
    let lo = (*b.get(at + 1)? as char).to_digit(16)?;
    Some((hi * 16 + lo) as u8)
}

/// Whether a nick looks like a bot's (see the module docs).
fn is_bot(nick: &str) -> bool {
    let core = nick.trim_end_matches(|c: char| c.is_ascii_digit() || "_`^|-".contains(c));
    let b = core.as_bytes();
    (b.len() >= 3 && b[b.len() - 3..].eq_ignore_ascii_case(b"bot"))
        || ["ubottu", "ubotu", "chanserv", "[o__o]"].iter().any(|k| core.eq_ignore_ascii_case(k))
}

/// The nick a message addresses with `nick:` or `nick,` at its start.
fn addressee(text: &str) -> Option<&str> {
    let end = text.find([':', ',', ' '])?;
    (end > 0 && text.as_bytes()[end] != b' ').then(|| &text[..end])
}

/// The date context of time-only stamps.
struct Clock {
    date: Option<NaiveDate>,
    /// Seconds added for clock wraps since `date` was set.
    shift: i64,
    prev: Option<u32>,
    /// An hour of 13 or more was seen: a 24-hour clock.
    saw_pm: bool,
}

impl Clock {
    fn set_date(&mut self, date: NaiveDate) {
        self.date = Some(date);
        self.shift = 0;
        self.prev = None;
    }

    fn midnight(&self) -> Result<NaiveDateTime, Msg> {
        self.date.and_then(|d| d.and_hms_opt(0, 0, 0)).ok_or_else(|| Msg::new("source.irc_no_date"))
    }

    fn at(&mut self, secs: u32) -> Result<NaiveDateTime, Msg> {
        let midnight = self.midnight()?;
        if secs >= 13 * 3600 {
            self.saw_pm = true;
        }
        if let Some(prev) = self.prev
            && prev > secs + 6 * 3600
        {
            let turn = if self.saw_pm { 24 * 3600 } else { 12 * 3600 };
            self.shift = self.shift.checked_add(turn).ok_or_else(out_of_range)?;
        }
        self.prev = Some(secs);
        let offset = self.shift.checked_add(i64::from(secs)).ok_or_else(out_of_range)?;
        midnight.checked_add_signed(Duration::seconds(offset)).ok_or_else(out_of_range)
    }
}

/// A date the offsets carried past what a calendar holds.
fn out_of_range() -> Msg {
    Msg::new("source.date_out_of_range")
}

/// A message held back until the next line shows whether it continues.
struct Pending {
    nick: String,
    text: String,
    at: NaiveDateTime,
    line: usize,
    action: bool,
    /// From a botbot block: still `repr`-escaped.
    escaped: bool,
}

struct Reader<'f> {
    file: &'f str,
    /// The longest message ([`crate::Limits::max_message_bytes`]).
    max: usize,
    tz: crate::Zone,
    group: String,
    clock: Clock,
    last_at: Option<NaiveDateTime>,
    /// Nicks seen so far, lowercased → last spelling.
    seen: HashMap<String, String>,
    /// Scratch buffer for lowercasing.
    key: String,
    pending: Option<Pending>,
}

impl Reader<'_> {
    fn run(&mut self, input: &mut Input<'_>, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        // The open botbot block: its quote and the line that opened it.
        let mut block: Option<(u8, usize)> = None;
        let mut lines = input.lines();
        while let Some((n, line)) = lines.next_line()? {
            let mut line = line.strip_suffix('\r').unwrap_or(line);
            match block {
                None => {
                    if let Some((quote, rest)) = block_open(line) {
                        block = Some((quote, n));
                        line = rest;
                    }
                }
                Some((quote, _)) => {
                    if line.len() == 1 && line.as_bytes()[0] == quote {
                        self.flush(sink)?;
                        block = None;
                        continue;
                    }
                }
            }
            let escaped = block.is_some();
            // Inside a botbot block only a full botbot stamp starts a new line;
            // anything else continues the message before.
            let stamped = split_stamp(line).filter(|(s, _)| !escaped || matches!(s, Stamp::Full(_)));
            if let Some((stamp, body)) = stamped {
                self.flush(sink)?;
                let at = match stamp {
                    Stamp::Full(at) => at,
                    Stamp::Clock(secs) => self.clock.at(secs).map_err(|why| self.error(n, why))?,
                };
                self.last_at = Some(at);
                let Some(body) = parse_body(body) else {
                    return Err(self.error(n, Msg::new("source.irc_body")));
                };
                self.body(body, at, n, escaped, sink)?;
            } else if escaped && self.pending.is_some() {
                // A `\n` inside a message, turned into a line break by the dump.
                if let Some(p) = &mut self.pending {
                    if p.text.len() + line.len() >= self.max {
                        return Err(too_long(self.file, p.line, self.max));
                    }
                    p.text.push_str("\\n");
                    p.text.push_str(line);
                }
            } else if line.trim().is_empty() {
                continue;
            } else if let Some(rest) = line.strip_prefix("=== ") {
                self.flush(sink)?;
                let at = match self.last_at {
                    Some(at) => at,
                    None => self.clock.midnight().map_err(|why| self.error(n, why))?,
                };
                self.body(Body::Star(rest), at, n, escaped, sink)?;
            } else if let Some(rest) = line.strip_prefix("--- ") {
                self.flush(sink)?;
                self.marker(rest, n)?;
            } else {
                return Err(self.error(n, Msg::new("source.irc_line")));
            }
        }
        self.flush(sink)?;
        if let Some((_, opened)) = block {
            return Err(self.error(opened, Msg::new("source.irc_botbot_open")));
        }
        Ok(())
    }

    fn error(&self, line: usize, why: Msg) -> SourceError {
        SourceError::parse(self.file, Position::Line(line), why)
    }

    fn body(
        &mut self,
        body: Body<'_>,
        at: NaiveDateTime,
        n: usize,
        escaped: bool,
        sink: &mut dyn EventSink,
    ) -> Result<(), SourceError> {
        let member = match body {
            Body::Said { nick, text } => {
                self.hold(nick, text, at, n, false, escaped);
                return Ok(());
            }
            Body::Marker(rest) => return self.marker(rest, n),
            Body::System(s) => match membership(s) {
                Some(m) => m,
                None => return Ok(()),
            },
            Body::Star(s) => match star(s) {
                Star::Member(m) => m,
                Star::Action { nick, text } => {
                    self.hold(nick, text, at, n, true, escaped);
                    return Ok(());
                }
                Star::Dropped => return Ok(()),
            },
        };
        let esc = |s: &str| if escaped { unescape(s).into_owned() } else { s.to_string() };
        match member {
            Change::Join(nick) => {
                let nick = esc(nick);
                self.see(&nick);
                let header = self.header(nick, at, n)?;
                emit(sink, Event::Join(Membership { header, by: None }), self.file, Position::Line(n))
            }
            Change::Leave { nick, by } => {
                let nick = esc(nick);
                self.see(&nick);
                let header = self.header(nick, at, n)?;
                let by = by.map(|b| PersonRef::id(esc(b)));
                emit(sink, Event::Leave(Membership { header, by }), self.file, Position::Line(n))
            }
            Change::Rename { old, new } => {
                self.see(&esc(old));
                self.see(&esc(new));
                Ok(())
            }
        }
    }

    /// irssi's `--- Log opened Sun Mar 02 12:00:00 2014` and `--- Day changed
    /// Mon Mar 03 2014` set the date; other `---` lines are dropped.
    fn marker(&mut self, rest: &str, n: usize) -> Result<(), SourceError> {
        let words = if let Some(r) = rest.strip_prefix("Log opened ") {
            r
        } else if let Some(r) = rest.strip_prefix("Day changed ") {
            r
        } else {
            return Ok(());
        };
        // weekday month day [time] year
        let w: Vec<&str> = words.split_whitespace().collect();
        let date = match w.as_slice() {
            [_, month, day, .., year] => {
                month_number(month).and_then(|m| NaiveDate::from_ymd_opt(year.parse().ok()?, m, day.parse().ok()?))
            }
            _ => None,
        };
        match date {
            Some(d) => {
                self.clock.set_date(d);
                Ok(())
            }
            None => Err(self.error(n, Msg::new("source.irc_date"))),
        }
    }

    fn hold(&mut self, nick: &str, text: &str, at: NaiveDateTime, line: usize, action: bool, escaped: bool) {
        self.pending = Some(Pending { nick: nick.to_string(), text: text.to_string(), at, line, action, escaped });
    }

    fn flush(&mut self, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let Some(p) = self.pending.take() else { return Ok(()) };
        let (nick, text) =
            if p.escaped { (unescape(&p.nick).into_owned(), unescape(&p.text).into_owned()) } else { (p.nick, p.text) };
        let mut mentions = Vec::new();
        if !p.action
            && let Some(to) = addressee(&text)
            && let Some(spelling) = self.lookup(to)
            && !spelling.eq_ignore_ascii_case(&nick)
        {
            mentions.push(PersonRef::id(spelling.clone()));
        }
        self.see(&nick);
        let bot = is_bot(&nick);
        let header = self.header(nick, p.at, p.line)?;
        let message =
            Message { header, reply_to: None, mentions, content_type: ContentType::Text, text, bot, edited_at: None };
        emit(sink, Event::Message(message), self.file, Position::Line(p.line))
    }

    fn lookup(&mut self, nick: &str) -> Option<&String> {
        self.key.clear();
        self.key.extend(nick.chars().map(|c| c.to_ascii_lowercase()));
        self.seen.get(&self.key)
    }

    /// Records `nick` as seen, with this spelling.
    fn see(&mut self, nick: &str) {
        self.key.clear();
        self.key.extend(nick.chars().map(|c| c.to_ascii_lowercase()));
        match self.seen.get_mut(&self.key) {
            Some(spelling) if spelling == nick => {}
            Some(spelling) => *spelling = nick.to_string(),
            None => {
                self.seen.insert(self.key.clone(), nick.to_string());
            }
        }
    }

    fn header(&self, nick: String, at: NaiveDateTime, n: usize) -> Result<Header, SourceError> {
        let at = self.tz.from_local(at).ok_or_else(|| self.error(n, out_of_range()))?;
        Ok(Header {
            platform: Platform::Irc,
            group: self.group.clone(),
            group_name: Some(self.group.clone()),
            member: Some(nick.clone()),
            member_name: Some(nick),
            at,
            id: None,
        })
    }
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let prefix = name.get(..3)?;
    MONTHS.iter().position(|m| prefix.eq_ignore_ascii_case(m)).map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_channel_and_date() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(channel_and_date("fluid-tech-2017-11-05.log"), (Some("#fluid-tech".into()), d(2017, 11, 5)));
        assert_eq!(channel_and_date("#fluid-tech.2018-09-21.log"), (Some("#fluid-tech".into()), d(2018, 9, 21)));
        assert_eq!(channel_and_date("2011-05-29_19.raw.txt"), (Some("#ubuntu".into()), d(2011, 5, 29)));
        assert_eq!(channel_and_date("2007-01-19.train-a.raw.txt"), (Some("#ubuntu".into()), d(2007, 1, 19)));
        assert_eq!(channel_and_date("#rust_20140302.log"), (Some("#rust".into()), d(2014, 3, 2)));
        assert_eq!(channel_and_date("#rust.log"), (Some("#rust".into()), None));
        assert_eq!(channel_and_date("2014-03-02.log"), (None, d(2014, 3, 2)));
    }

    #[test]
    fn stamps() {
        assert!(matches!(split_stamp("[12:34] <a> b"), Some((Stamp::Clock(45240), "<a> b"))));
        assert!(matches!(split_stamp("[12:34:56]  * a b"), Some((Stamp::Clock(45296), "* a b"))));
        assert!(matches!(split_stamp("12:34 -!- x"), Some((Stamp::Clock(45240), "-!- x"))));
        assert!(matches!(split_stamp("2013-08-23T17:54:11 <a> b"), Some((Stamp::Full(_), "<a> b"))));
        assert!(matches!(split_stamp("[2013-08-23 17:54:11] <a> b"), Some((Stamp::Full(_), "<a> b"))));
        assert!(split_stamp("[25:00] <a> b").is_none());
        assert!(split_stamp("2013-08-23T17:54:11<a>").is_none());
        assert!(split_stamp("ode_modules").is_none());
    }

    #[test]
    fn membership_forms() {
        let join = |s| matches!(membership(s), Some(Change::Join(_)));
        let leave = |s| matches!(membership(s), Some(Change::Leave { .. }));
        assert!(join("Justin_o joined the channel"));
        assert!(join("fluid-bot <fluid-bot!~limnoria@205.211.169.46> has joined #fluid-tech"));
        assert!(join("zcat[1]  [n=zcat@60-234-226-80.example]  has joined #ubuntu"));
        assert!(matches!(
            membership("augmentor [[H] -853478@58.10.69.123]  has joined #ubuntu"),
            Some(Change::Join("augmentor"))
        ));
        assert!(matches!(
            membership("Virtuall[BZA]  is now known as Virtuall"),
            Some(Change::Rename { old: "Virtuall[BZA]", new: "Virtuall" })
        ));
        assert!(matches!(membership("Virtuall[BZA] joined the channel"), Some(Change::Join("Virtuall[BZA]"))));
        assert!(matches!(
            membership("AlexRMUK [n=Alex[RM-@host86-128-221-149.example.com]  has left #ubuntu [\"Leaving\"]"),
            Some(Change::Leave { nick: "AlexRMUK", by: None })
        ));
        assert!(leave("cindyli <cindyli!~Adium@67.216.44.39> has quit IRC (Quit: has joined #x)"));
        assert!(leave("sgithens has quit"));
        assert!(leave("hlcno [n=ubuntu@cpe.example]  has left #ubuntu [\"Leaving\"]"));
        assert!(matches!(
            membership("djpirate was kicked off #ubuntu by apokryphos (annoying)"),
            Some(Change::Leave { nick: "djpirate", by: Some("apokryphos") })
        ));
        assert!(matches!(
            membership("clown is now known as clown_mtg"),
            Some(Change::Rename { old: "clown", new: "clown_mtg" })
        ));
        assert!(membership("avtar quits vidyo").is_none());
        assert!(membership("bob says he has joined the club").is_none());
        assert!(matches!(star("-- BotBot disconnected, possible missing messages --"), Star::Dropped));
        assert!(matches!(star("NOTICE: #fluid-tech is being logged"), Star::Dropped));
        assert!(matches!(star("mode/#ubuntu [+o Seveas]  by ChanServ"), Star::Dropped));
        assert!(matches!(star("Topic (#ubuntu): set by Madpilot"), Star::Dropped));
        assert!(matches!(star("spikeb shrugs"), Star::Action { nick: "spikeb", text: "shrugs" }));
    }

    #[test]
    fn repr_unescaping() {
        assert_eq!(unescape("it\\'s \\xe2\\x80\\x99 \\\\ ok"), "it's \u{2019} \\ ok");
        assert_eq!(unescape("E:\\\\src\\\\n\\\\x"), "E:\\src\\n\\x");
        assert_eq!(unescape("bad \\xff\\x"), "bad \u{FFFD}\\x");
        assert!(matches!(unescape("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn bots_and_addressing() {
        for b in ["fluid-bot", "fluid-bot`", "FloodBot1", "ubot3", "ubottu", "[o__o]", "ChanServ"] {
            assert!(is_bot(b), "{b}");
        }
        for p in ["Bosmon", "botanist", "abbott"] {
            assert!(!is_bot(p), "{p}");
        }
        assert_eq!(addressee("avtar: hi"), Some("avtar"));
        assert_eq!(addressee("avtar, hi"), Some("avtar"));
        assert_eq!(addressee("hi avtar: x"), None);
        assert_eq!(addressee(": x"), None);
    }

    #[test]
    fn twelve_hour_clock_wraps_by_half_a_day() {
        let date = NaiveDate::from_ymd_opt(2005, 1, 1);
        let mut c = Clock { date, shift: 0, prev: None, saw_pm: false };
        let h = |c: &mut Clock, s| c.at(s).unwrap().format("%d %H:%M").to_string();
        assert_eq!(h(&mut c, 11 * 3600 + 59 * 60), "01 11:59");
        assert_eq!(h(&mut c, 60), "01 12:01");
        assert_eq!(h(&mut c, 30), "01 12:00"); // a small step back is left alone
        let mut c = Clock { date, shift: 0, prev: None, saw_pm: false };
        assert_eq!(h(&mut c, 23 * 3600), "01 23:00");
        assert_eq!(h(&mut c, 60), "02 00:01");
    }
}
