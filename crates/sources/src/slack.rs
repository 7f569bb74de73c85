//! A Slack workspace export: the folder (or .zip) that Slack's "Export data"
//! (Workspace settings → Import/Export, standard export, 2016–2024 layout)
//! writes, and that tools archiving the RTM/Events API (e.g. clojurians-log)
//! lay out the same way.
//!
//! # Layout
//!
//! ```text
//! users.json                  [{id, name, real_name, profile: {display_name, real_name}, is_bot}]
//! channels.json               [{id, name, ...}]   public channels, folder = name
//! groups.json, mpims.json     the same for private channels and group DMs (folder = name)
//! dms.json                    [{id, members}]     direct messages (folder = id)
//! <folder>/<YYYY-MM-DD>.json  [message, ...]      one UTC day of one conversation
//! ```
//!
//! The export may sit one folder down (`export/users.json`), as zips often
//! have it; several exports side by side one folder down are read in turn.
//! Files that are not `<folder>/<YYYY-MM-DD>.json` or the lists above (e.g.
//! `integration_logs.json`, canvases) are ignored.
//!
//! # Mapping
//!
//! - Group: the conversation id from the lists (`C…`, `G…`, `D…`), its name
//!   as `group_name` (for a DM, its members' names). A folder missing from
//!   every list is still read, with the folder name as both group and name
//!   (stable across re-exports, just not joinable with an id-keyed import).
//!   A missing `users.json` or `channels.json` is not an error: names then come
//!   only from the messages' `user_profile`, groups from folder names.
//! - Time and id: `ts` (`"1517660675.000044"`, seconds since the epoch) is
//!   the instant and the event id (unique within a channel, which is the
//!   group). The offset is `--tz`, default UTC (`opts.tz_or(0)`).
//! - People: `member` is `user` (or, for bot posts without one, `bot_id`);
//!   `member_name` is the message's `user_profile` (the name at the time)
//!   or else `users.json`: `display_name`, else `real_name`, else `name`; for
//!   bots `username`. `bot` is set for `subtype: bot_message`, any `bot_id`,
//!   `USLACKBOT` and users marked `is_bot`.
//! - Messages: no subtype, `bot_message`, `me_message`, `file_share`,
//!   `file_comment` (author and text from `comment`), `thread_broadcast`.
//!   `thread_ts` ≠ `ts` → `reply_to` = the thread root's `ts`. `<@U123>` and
//!   `<@U123|name>` → mentions by id (each id once). `file`/`files` → content
//!   type from the first file's MIME type (image/video/voice, else file;
//!   a `file_comment` stays text). The
//!   text is kept in Slack markup (`<@U123>`, `<https://…|label>`).
//! - Edits: an `edited: {ts}` on the message → `edited_at`. RTM-style exports
//!   (like the clojurians fixture) instead carry hidden `message_changed`
//!   events; these are applied to the message they change — its text becomes
//!   the latest version, and `edited_at` the latest `edited.ts` (changes
//!   without one are link unfurls, not edits). To do this without holding
//!   messages back, each conversation's day files are read twice: a first
//!   pass collects the changes (per conversation), the second streams events.
//!   A change to a message outside the export is dropped.
//! - `message_deleted` → a `recall` by the deleted message's author
//!   (`previous_message.user`), `target` = `deleted_ts`; the deleted message
//!   itself stays a message (it was posted). A deletion naming no author is
//!   dropped.
//! - `channel_join`/`group_join` → join (`by` = `inviter`),
//!   `channel_leave`/`group_leave` → leave; their `ts` is the id.
//!
//! # Dropped
//!
//! `message_replied` (a hidden copy of the thread root), `tombstone` (the
//! placeholder of a deleted thread root), topic/purpose/name changes, pins,
//! archive notices, `bot_add`/`bot_remove`, reminders and every other
//! subtype; elements whose `type` is not `message`; messages naming no author
//! at all. Reactions, attachments' contents and file contents are not read.
//!
//! # Errors
//!
//! Every JSON file is parsed as it is read; a malformed or truncated file is a
//! parse error naming the file inside the bundle and the line and column. A
//! message without `ts`, or with one that is not a time, is an error too.

use crate::common::json::JsonStream;
use crate::{Bundle, BundleSource, Input, Position, ReadOptions, SourceError, emit};
use chrono::DateTime;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use tonghao_model::msg::Msg;
use tonghao_model::{
    ContentType, Event, EventSink, Header, Membership, Message, PersonRef, Platform, Recall, Timestamp,
};

/// The Slack workspace export (folder or .zip).
pub struct Slack;

/// The conversation lists, and whether folders are named by `name` or `id`.
const LISTS: [(&str, bool); 4] =
    [("channels.json", true), ("groups.json", true), ("mpims.json", true), ("dms.json", false)];

impl BundleSource for Slack {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn description(&self) -> &'static str {
        "Slack workspace export, a folder or .zip (users.json, channels.json, <channel>/<YYYY-MM-DD>.json)"
    }

    fn sniff(&self, bundle: &dyn Bundle) -> bool {
        !roots(bundle.names(), true).is_empty()
    }

    fn read(&self, bundle: &dyn Bundle, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let tz = opts.tz_or(0);
        let mut found = roots(bundle.names(), false);
        if found.is_empty() {
            // Forced with `--format slack`: read the folders at the top.
            found.push(String::new());
        }
        for root in found {
            read_export(bundle, &root, tz, sink)?;
        }
        Ok(())
    }
}

/// The prefixes ("" or "dir/") under which an export lies: where `users.json`
/// and a conversation list are (`strict`), or any conversation list or
/// `users.json` (when reading a bundle forced to this format).
fn roots(names: &[String], strict: bool) -> Vec<String> {
    let has = |p: &str, f: &str| names.binary_search(&format!("{p}{f}")).is_ok();
    let is_root = |p: &str| {
        let users = has(p, "users.json");
        let lists = LISTS.iter().any(|(f, _)| has(p, f));
        if strict { users && lists } else { users || lists }
    };
    if is_root("") {
        return vec![String::new()];
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if let Some((dir, "users.json" | "channels.json" | "groups.json" | "mpims.json" | "dms.json")) =
            n.split_once('/')
        {
            let prefix = format!("{dir}/");
            if !out.contains(&prefix) && is_root(&prefix) {
                out.push(prefix);
            }
        }
    }
    out
}

/// One conversation as the lists describe it.
struct Conversation {
    id: String,
    name: String,
}

/// What `users.json` says about a user.
struct User {
    name: String,
    bot: bool,
}

fn read_export(bundle: &dyn Bundle, root: &str, tz: crate::Zone, sink: &mut dyn EventSink) -> Result<(), SourceError> {
    let names = bundle.names();
    let has = |f: &str| names.binary_search(&format!("{root}{f}")).is_ok();

    let mut users: HashMap<String, User> = HashMap::new();
    if has("users.json") {
        let mut file = bundle.open_text(&format!("{root}users.json"))?;
        for_each_element::<RawUser>(&mut file, |u, _, _| {
            if let Some(name) = u.best_name() {
                users.insert(u.id, User { name, bot: u.is_bot });
            }
            Ok(())
        })?;
    }

    let mut folders: HashMap<String, Conversation> = HashMap::new();
    for (list, by_name) in LISTS {
        if !has(list) {
            continue;
        }
        let mut file = bundle.open_text(&format!("{root}{list}"))?;
        for_each_element::<RawConversation>(&mut file, |c, _, _| {
            let name = match (&c.name, by_name) {
                (Some(n), _) if !n.is_empty() => n.clone(),
                _ => {
                    let people: Vec<&str> =
                        c.members.iter().map(|m| users.get(m).map_or(m.as_str(), |u| u.name.as_str())).collect();
                    if people.is_empty() { c.id.clone() } else { people.join(", ") }
                }
            };
            let folder = if by_name { c.name.clone().unwrap_or_default() } else { c.id.clone() };
            if !folder.is_empty() && !c.id.is_empty() {
                folders.insert(folder, Conversation { id: c.id, name });
            }
            Ok(())
        })?;
    }

    // `<root><folder>/<YYYY-MM-DD>.json`, grouped by folder; `names` is sorted,
    // so each folder's days are contiguous and in date order.
    let mut days: Vec<(&str, Vec<&str>)> = Vec::new();
    for n in names {
        let Some(rel) = n.strip_prefix(root) else { continue };
        let Some((folder, file)) = rel.split_once('/') else { continue };
        if !is_day_file(file) {
            continue;
        }
        match days.last_mut() {
            Some((f, list)) if *f == folder => list.push(n),
            _ => days.push((folder, vec![n])),
        }
    }

    for (folder, files) in days {
        let conv = match folders.get(folder) {
            Some(c) => Conversation { id: c.id.clone(), name: c.name.clone() },
            None => Conversation { id: folder.to_string(), name: folder.to_string() },
        };
        // Pass 1: the latest version of every changed message.
        let mut edits: HashMap<String, Edit> = HashMap::new();
        for name in &files {
            let mut file = bundle.open_text(name)?;
            for_each_element::<RawChange>(&mut file, |c, name, line| c.collect(name, line, tz, &mut edits))?;
        }
        // Pass 2: the events.
        let mut ctx = Channel { conv: &conv, users: &users, edits: &edits, tz, sink: &mut *sink };
        for name in &files {
            let mut file = bundle.open_text(name)?;
            for_each_element::<RawMessage>(&mut file, |m, name, line| ctx.message(m, name, line))?;
        }
    }
    Ok(())
}

/// `2018-02-01.json`.
fn is_day_file(file: &str) -> bool {
    let Some(date) = file.strip_suffix(".json") else { return false };
    date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

// ---------------------------------------------------------------------------
// JSON arrays, one element at a time

/// Calls `f` with each element of the JSON array that is `file`, the file's
/// name and the line the element starts on, reading the file as a stream.
/// Errors carry the file and the line and column.
fn for_each_element<T: DeserializeOwned>(
    file: &mut Input<'_>,
    mut f: impl FnMut(T, &str, usize) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let name = file.name().to_string();
    let mut js = JsonStream::new(file);
    js.array(|js| {
        let (value, line) = js.with_raw(|raw| {
            let line = match raw.start() {
                Position::LineColumn(l, _) => l,
                _ => 1,
            };
            Ok((raw.parse::<T>()?, line))
        })?;
        f(value, &name, line)
    })?;
    js.end()
}

// ---------------------------------------------------------------------------
// The JSON shapes (only the fields read; the rest are skipped)

#[derive(Deserialize)]
struct RawUser {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    profile: Option<RawProfile>,
    #[serde(default)]
    is_bot: bool,
}

impl RawUser {
    fn best_name(&self) -> Option<String> {
        if self.id.is_empty() {
            return None;
        }
        let p = self.profile.as_ref();
        [p.and_then(|p| p.display_name.as_deref()), self.real_name.as_deref(), p.and_then(|p| p.real_name.as_deref())]
            .into_iter()
            .chain([self.name.as_deref()])
            .flatten()
            .map(str::trim)
            .find(|n| !n.is_empty())
            .map(str::to_string)
    }
}

#[derive(Deserialize)]
struct RawProfile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl RawProfile {
    fn best_name(&self) -> Option<&str> {
        [self.display_name.as_deref(), self.real_name.as_deref(), self.name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|n| !n.is_empty())
    }
}

#[derive(Deserialize)]
struct RawConversation {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
struct RawEdited {
    #[serde(default)]
    ts: Option<String>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    mimetype: Option<String>,
}

#[derive(Deserialize)]
struct RawComment {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize)]
struct RawPrevious {
    #[serde(default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct RawBotProfile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
    #[serde(default)]
    bot_profile: Option<RawBotProfile>,
    #[serde(default)]
    user_profile: Option<RawProfile>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default)]
    edited: Option<RawEdited>,
    #[serde(default)]
    file: Option<RawFile>,
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    comment: Option<RawComment>,
    #[serde(default)]
    inviter: Option<String>,
    #[serde(default)]
    deleted_ts: Option<String>,
    #[serde(default)]
    previous_message: Option<RawPrevious>,
}

/// A `message_changed` event, as far as pass 1 reads it.
#[derive(Deserialize)]
struct RawChange {
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    message: Option<RawChanged>,
}

#[derive(Deserialize)]
struct RawChanged {
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    edited: Option<RawEdited>,
}

/// The latest known version of a changed message.
#[derive(Default)]
struct Edit {
    text: Option<String>,
    edited_at: Option<Timestamp>,
}

impl RawChange {
    fn collect(
        self,
        file: &str,
        line: usize,
        tz: crate::Zone,
        edits: &mut HashMap<String, Edit>,
    ) -> Result<(), SourceError> {
        if self.subtype.as_deref() != Some("message_changed") {
            return Ok(());
        }
        let Some(m) = self.message else { return Ok(()) };
        let Some(ts) = m.ts.filter(|t| !t.is_empty()) else { return Ok(()) };
        let edited_at = match m.edited.and_then(|e| e.ts) {
            Some(t) => Some(parse_ts(&t, tz).ok_or_else(|| bad_ts(file, line, &t))?),
            None => None,
        };
        let e = edits.entry(ts).or_default();
        if m.text.is_some() {
            e.text = m.text;
        }
        if edited_at.is_some() {
            e.edited_at = edited_at;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Messages to events

/// `"1517660675.000044"` → that instant, shown at `tz`.
fn parse_ts(ts: &str, tz: crate::Zone) -> Option<Timestamp> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let mut nanos: u32 = 0;
    for (i, b) in frac.bytes().take(9).enumerate() {
        nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
    }
    Some(tz.from_utc(DateTime::from_timestamp(secs, nanos)?))
}

fn bad_ts(file: &str, line: usize, ts: &str) -> SourceError {
    let shown: String = ts.chars().take(40).collect();
    SourceError::parse(file, Position::Line(line), Msg::new("source.slack_ts").text("value", format!("{shown:?}")))
}

/// `<@U123>` and `<@U123|name>` in `text`, each id once.
fn mentions(text: &str) -> Vec<PersonRef> {
    let mut out: Vec<PersonRef> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("<@") {
        rest = &rest[i + 2..];
        let end = rest.find(['>', '|']).unwrap_or(rest.len());
        let id = &rest[..end];
        if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let r = PersonRef::id(id);
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

fn content_type(mime: Option<&str>) -> ContentType {
    match mime {
        None => ContentType::Text,
        Some(m) if m.starts_with("image/") => ContentType::Image,
        Some(m) if m.starts_with("video/") => ContentType::Video,
        Some(m) if m.starts_with("audio/") => ContentType::Voice,
        Some(_) => ContentType::File,
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Reading one conversation.
struct Channel<'a> {
    conv: &'a Conversation,
    users: &'a HashMap<String, User>,
    edits: &'a HashMap<String, Edit>,
    tz: crate::Zone,
    sink: &'a mut dyn EventSink,
}

impl Channel<'_> {
    fn header(&self, member: Option<String>, name: Option<String>, at: Timestamp, id: &str) -> Header {
        Header {
            platform: Platform::Slack,
            group: self.conv.id.clone(),
            group_name: Some(self.conv.name.clone()),
            member,
            member_name: name,
            at,
            id: Some(id.to_string()),
        }
    }

    /// The name of user `id`: the message's profile, else `users.json`.
    fn user_name(&self, id: &str, profile: Option<&RawProfile>) -> Option<String> {
        profile
            .and_then(RawProfile::best_name)
            .map(str::to_string)
            .or_else(|| self.users.get(id).map(|u| u.name.clone()))
    }

    fn message(&mut self, m: RawMessage, file: &str, line: usize) -> Result<(), SourceError> {
        if m.kind.as_deref().is_some_and(|k| k != "message") {
            return Ok(());
        }
        let Some(ts) = nonempty(m.ts.clone()) else {
            return Err(SourceError::parse(
                file,
                Position::Line(line),
                Msg::new("source.record_without").text("fields", "`ts`"),
            ));
        };
        let at = parse_ts(&ts, self.tz).ok_or_else(|| bad_ts(file, line, &ts))?;
        let position = Position::Line(line);
        let user = nonempty(m.user.clone());
        match m.subtype.as_deref() {
            None | Some("bot_message" | "me_message" | "file_share" | "file_comment" | "thread_broadcast") => {}
            Some(kind @ ("channel_join" | "group_join" | "channel_leave" | "group_leave")) => {
                let Some(user) = user else { return Ok(()) };
                let name = self.user_name(&user, m.user_profile.as_ref());
                let by = nonempty(m.inviter).map(PersonRef::id);
                let ms = Membership { header: self.header(Some(user), name, at, &ts), by };
                let event = if kind.ends_with("_join") { Event::Join(ms) } else { Event::Leave(ms) };
                return emit(self.sink, event, file, position);
            }
            Some("message_deleted") => {
                let Some(author) = nonempty(m.previous_message.and_then(|p| p.user)) else { return Ok(()) };
                let name = self.user_name(&author, None);
                let recall = Recall { header: self.header(Some(author), name, at, &ts), target: m.deleted_ts };
                return emit(self.sink, Event::Recall(recall), file, position);
            }
            Some(_) => return Ok(()),
        }

        // Author: the user, the file comment's author, or the bot.
        let comment_user = m.comment.as_ref().and_then(|c| nonempty(c.user.clone()));
        let (member, name) = match (user.or(comment_user), nonempty(m.bot_id.clone())) {
            (Some(u), _) => {
                let name = self.user_name(&u, m.user_profile.as_ref()).or_else(|| nonempty(m.username.clone()));
                (u, name)
            }
            (None, Some(bot)) => {
                let name = nonempty(m.username.clone()).or_else(|| nonempty(m.bot_profile.and_then(|b| b.name)));
                (bot, name)
            }
            (None, None) => return Ok(()),
        };
        let bot = m.subtype.as_deref() == Some("bot_message")
            || m.bot_id.is_some()
            || member == "USLACKBOT"
            || self.users.get(&member).is_some_and(|u| u.bot);

        let edit = self.edits.get(&ts);
        let mut text = m.text.unwrap_or_default();
        if m.subtype.as_deref() == Some("file_comment") && text.is_empty() {
            text = m.comment.and_then(|c| c.comment).unwrap_or_default();
        }
        if let Some(t) = edit.and_then(|e| e.text.as_ref()) {
            text.clone_from(t);
        }
        let edited_at = match m.edited.and_then(|e| e.ts) {
            Some(t) => Some(parse_ts(&t, self.tz).ok_or_else(|| bad_ts(file, line, &t))?),
            None => None,
        };
        let edited_at = edit.and_then(|e| e.edited_at).into_iter().chain(edited_at).max();
        // A comment on a file is text; a shared file is its medium.
        let mime = match m.subtype.as_deref() {
            Some("file_comment") => None,
            _ => m.file.as_ref().or(m.files.first()).map(|f| f.mimetype.as_deref().unwrap_or("")),
        };
        let reply_to = nonempty(m.thread_ts).filter(|t| *t != ts);
        let message = Message {
            header: self.header(Some(member), name, at, &ts),
            reply_to,
            mentions: mentions(&text),
            content_type: content_type(mime),
            text,
            bot,
            edited_at,
        };
        emit(self.sink, Event::Message(message), file, position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let utc = crate::Zone::hours(0);
        let t = parse_ts("1517660675.000044", utc).unwrap();
        assert_eq!(t.timestamp(), 1517660675);
        assert_eq!(t.timestamp_subsec_micros(), 44);
        assert!(parse_ts("", utc).is_none());
        assert!(parse_ts("-1.0", utc).is_none());
        assert!(parse_ts("99999999999999999999.0", utc).is_none());
        assert!(parse_ts("1.2.3", utc).is_none());
    }

    #[test]
    fn mention_forms() {
        let m = mentions("hi <@U1> and <@U2|bob>, again <@U1>; not <!here> or <@>");
        assert_eq!(m, vec![PersonRef::id("U1"), PersonRef::id("U2")]);
    }

    #[test]
    fn day_files() {
        assert!(is_day_file("2018-02-01.json"));
        assert!(!is_day_file("2018-02-1.json"));
        assert!(!is_day_file("canvas.json"));
    }

    #[test]
    fn roots_at_top_or_one_down() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(roots(&n(&["a/x.json", "channels.json", "users.json"]), true), vec![""]);
        assert_eq!(roots(&n(&["e/channels.json", "e/g/2018-01-01.json", "e/users.json"]), true), vec!["e/"]);
        assert!(roots(&n(&["channels.json"]), true).is_empty());
        assert!(roots(&n(&["a/b/channels.json", "a/b/users.json"]), true).is_empty());
    }
}
