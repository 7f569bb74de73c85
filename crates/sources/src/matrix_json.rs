//! Element's (Matrix) "Export chat" JSON: Room info → Export chat → Format
//! JSON, as written by Element Web/Desktop 1.9 and later
//! (`src/utils/exportUtils/JSONExport.ts`): one room per file,
//! `{"room_name", "room_creator", "topic", "export_date", "exported_by",
//! "messages": [...]}`, each element of `messages` a Matrix event as the
//! client-server API gives it (`type`, `room_id`, `sender`, `content`,
//! `origin_server_ts` in ms, `event_id`, `unsigned`, and `state_key` for
//! state events). Gitter's rooms, which live on Matrix since 2023, export the
//! same way (`@user:gitter.im`).
//!
//! The file is read twice as a stream (`common::json::JsonStream`, then
//! [`Input::rewind`]): the first pass only notes edits and redactions (a map
//! from the edited or redacted event's id to what replaces it, which grows
//! with the number of edits, not of messages) and the room id; the second
//! pushes the events. That way an edit or a redaction written after its
//! message still applies to it, and nothing is stored twice.
//!
//! Mapping:
//! - group: the events' `room_id` (`!abc:server`), stable across re-exports;
//!   `room_name` when no event carries one. Group name: `room_name`.
//! - `m.room.message` (and `m.sticker`) → [`Event::Message`]: `event_id` →
//!   id; `sender` → member; member name: the `displayname` of the sender's
//!   latest `m.room.member` event seen so far in the file (none when the
//!   export has none); `content.body` → text, without the `> <@user> ...`
//!   reply fallback that older clients put before a reply's own text;
//!   `content["m.mentions"].user_ids` → mentions by id.
//! - replies: `content["m.relates_to"]["m.in_reply_to"].event_id`; in a
//!   thread (`rel_type: m.thread`) a message answers the thread root
//!   (`m.relates_to.event_id`) unless it carries a real in-thread reply
//!   (`m.in_reply_to` without `is_falling_back: true`).
//! - content type by `msgtype`: `m.text`, `m.emote`, `m.notice` → text (or
//!   link for a bare URL); `m.image` → image; `m.video` → video; `m.audio` →
//!   voice; `m.file` → file; `m.location` → other; `m.sticker` events →
//!   sticker; poll starts (`m.poll.start`, `org.matrix.msc3381.poll.start`)
//!   → poll. `m.notice` is what the spec reserves for bots: such messages
//!   are flagged `bot`.
//! - edits: an event whose `m.relates_to.rel_type` is `m.replace` with
//!   `m.new_content` is not a message: the latest one (by time) gives its
//!   target's text, content type and `edited_at`. An edit whose target is
//!   not in the file is dropped. A server-side aggregation on the original
//!   (`unsigned["m.relations"]["m.replace"]`) gives `edited_at`, and the
//!   text when it carries the replacing event's content.
//! - redactions: a message that was redacted (`unsigned.redacted_because`,
//!   or the target of an `m.room.redaction` event in the file) is gone: its
//!   text is not stored; it becomes an [`Event::Recall`] by the redacting
//!   user at the redaction's time, keyed by the redaction's `event_id`, with
//!   the message's id as target. An `m.room.redaction` whose target is not in
//!   the file becomes the same recall on its own.
//! - `m.reaction` (`rel_type: m.annotation`) → [`Event::Reaction`] with the
//!   emoji `key`.
//! - `m.room.member` (`state_key` is the member): `join` → [`Event::Join`]
//!   (not when `unsigned.prev_content` says they were joined already: that
//!   is a change of display name, which only updates the name); `leave` →
//!   [`Event::Leave`], `by` the sender when someone else removed them (a
//!   kick), nothing for a rejected or withdrawn invite; `ban` → a leave `by`
//!   the sender (unless they had left already). Keyed by `event_id`.
//!
//! Times: `origin_server_ts` (ms since 1970, UTC), shown at `--tz` (default
//! UTC).
//!
//! Dropped: invites and knocks, every other state event (name, topic,
//! power levels, ...), events that could not be decrypted
//! (`m.room.encrypted`), formatted bodies, media URLs and sizes, read
//! receipts (not exported).

use crate::common::content::text_type;
use crate::common::json::{self, Fail, JsonStream, Scalar, Str};
use crate::{Input, Position, ReadOptions, Source, SourceError};
use chrono::DateTime;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use tonghao_model::msg::Msg;
use tonghao_model::{
    ContentType, Event, EventSink, Header, Membership, Message, PersonRef, Platform, Reaction, Recall, Timestamp,
};

/// Element's "Export chat" JSON.
pub struct MatrixJson;

impl Source for MatrixJson {
    fn name(&self) -> &'static str {
        "matrix-json"
    }

    fn description(&self) -> &'static str {
        "Element (Matrix) Export chat JSON of one room (room_name, messages of Matrix events)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let keys = json::top_level_entries(head);
        let has = |name: &str| keys.iter().any(|(k, _)| *k == name);
        keys.first().is_some_and(|(k, _)| *k == "room_name")
            && (has("messages") || has("exported_by") || has("export_date"))
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        // Pass 1: the room, edits and redactions.
        let mut notes = Notes::default();
        let mut found = false;
        let mut js = JsonStream::new(input);
        js.object(|js, key| match key.as_str() {
            "room_name" => {
                notes.room_name = js.value::<Option<String>>()?.filter(|n| !n.is_empty());
                Ok(())
            }
            "messages" => {
                found = true;
                js.array(|js| {
                    js.with_raw(|raw| {
                        let e: RawEvent<'_> = raw.parse()?;
                        notes.note(e).map_err(|m| raw.error(m))
                    })
                })
            }
            _ => js.skip(),
        })?;
        js.end()?;
        if !found {
            return Err(SourceError::parse(
                input.name(),
                Position::Whole,
                Msg::new("source.not_this_format").text("field", "`messages`").text("format", "Element (Matrix)"),
            ));
        }
        let Some(group) = notes.room_id.clone().or_else(|| notes.room_name.clone()) else {
            return Err(SourceError::parse(input.name(), Position::Whole, Msg::new("source.matrix_room")));
        };
        // Pass 2: the events.
        input.rewind()?;
        let mut reader =
            Reader { sink, tz: opts.tz_or(0), group, notes, names: HashMap::new(), recalled: HashSet::new() };
        let mut js = JsonStream::new(input);
        js.object(|js, key| match key.as_str() {
            "messages" => js.array(|js| {
                js.with_raw(|raw| {
                    let e: RawEvent<'_> = raw.parse()?;
                    reader.event(e).map_err(|fail| fail.at(raw))
                })
            }),
            _ => js.skip(),
        })?;
        js.end()
    }
}

/// What the first pass learns.
#[derive(Default)]
struct Notes {
    room_name: Option<String>,
    room_id: Option<String>,
    /// The latest edit of each edited event.
    edits: HashMap<String, Edit>,
    /// The redaction of each redacted event, from `m.room.redaction` events.
    redactions: HashMap<String, Redactor>,
}

struct Edit {
    at_ms: i64,
    body: String,
    msgtype: Option<String>,
}

#[derive(Clone)]
struct Redactor {
    id: Option<String>,
    sender: Option<String>,
    at_ms: i64,
}

impl Notes {
    fn note(&mut self, e: RawEvent<'_>) -> Result<(), Msg> {
        if self.room_id.is_none() {
            self.room_id = e.room_id.map(Str::into_string).filter(|r| !r.is_empty());
        }
        let kind = e.kind.as_ref().map_or("", |k| &*k.0);
        if kind == "m.room.redaction" {
            let target = e.redacts.or_else(|| e.content.and_then(|c| c.redacts));
            if let Some(target) = target.map(Str::into_string) {
                let at_ms = millis(e.origin_server_ts.as_ref())?;
                let r = Redactor { id: nonempty(e.event_id), sender: nonempty(e.sender), at_ms };
                self.redactions.insert(target, r);
            }
            return Ok(());
        }
        let Some(content) = e.content else { return Ok(()) };
        let Some(rel) = content.relates_to.as_ref() else { return Ok(()) };
        if rel.rel_type.as_ref().map(|t| &*t.0) != Some("m.replace") {
            return Ok(());
        }
        let (Some(target), Some(new)) = (rel.event_id.as_ref(), content.new_content) else { return Ok(()) };
        let at_ms = millis(e.origin_server_ts.as_ref())?;
        let edit = Edit {
            at_ms,
            body: new.body.map(Str::into_string).unwrap_or_default(),
            msgtype: new.msgtype.map(Str::into_string),
        };
        match self.edits.get(&*target.0) {
            Some(old) if old.at_ms > at_ms => {}
            _ => {
                self.edits.insert(target.0.to_string(), edit);
            }
        }
        Ok(())
    }
}

struct Reader<'s> {
    sink: &'s mut dyn EventSink,
    tz: crate::Zone,
    group: String,
    notes: Notes,
    /// Each member's latest display name seen so far.
    names: HashMap<String, String>,
    /// The redacted events whose recall was pushed.
    recalled: HashSet<String>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    room_id: Option<Str<'a>>,
    #[serde(borrow)]
    sender: Option<Str<'a>>,
    #[serde(borrow)]
    event_id: Option<Str<'a>>,
    #[serde(borrow)]
    state_key: Option<Str<'a>>,
    #[serde(borrow)]
    origin_server_ts: Option<Scalar<'a>>,
    #[serde(borrow)]
    redacts: Option<Str<'a>>,
    #[serde(borrow)]
    content: Option<Content<'a>>,
    #[serde(borrow)]
    unsigned: Option<Unsigned<'a>>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow)]
    msgtype: Option<Str<'a>>,
    #[serde(borrow)]
    body: Option<Str<'a>>,
    #[serde(borrow)]
    membership: Option<Str<'a>>,
    #[serde(borrow)]
    displayname: Option<Str<'a>>,
    #[serde(borrow)]
    redacts: Option<Str<'a>>,
    #[serde(rename = "m.relates_to", borrow)]
    relates_to: Option<RelatesTo<'a>>,
    #[serde(rename = "m.new_content", borrow)]
    new_content: Option<NewContent<'a>>,
    #[serde(rename = "m.mentions", borrow)]
    mentions: Option<Mentions<'a>>,
}

#[derive(Deserialize)]
struct RelatesTo<'a> {
    #[serde(borrow)]
    rel_type: Option<Str<'a>>,
    #[serde(borrow)]
    event_id: Option<Str<'a>>,
    #[serde(borrow)]
    key: Option<Str<'a>>,
    #[serde(rename = "m.in_reply_to", borrow)]
    in_reply_to: Option<InReplyTo<'a>>,
    is_falling_back: Option<bool>,
}

#[derive(Deserialize)]
struct InReplyTo<'a> {
    #[serde(borrow)]
    event_id: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct NewContent<'a> {
    #[serde(borrow)]
    msgtype: Option<Str<'a>>,
    #[serde(borrow)]
    body: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Mentions<'a> {
    #[serde(borrow)]
    user_ids: Option<Vec<Str<'a>>>,
}

#[derive(Deserialize)]
struct Unsigned<'a> {
    #[serde(borrow)]
    redacted_because: Option<RedactedBecause<'a>>,
    #[serde(borrow)]
    prev_content: Option<PrevContent<'a>>,
    #[serde(rename = "m.relations", borrow)]
    relations: Option<Relations<'a>>,
}

#[derive(Deserialize)]
struct RedactedBecause<'a> {
    #[serde(borrow)]
    sender: Option<Str<'a>>,
    #[serde(borrow)]
    event_id: Option<Str<'a>>,
    #[serde(borrow)]
    origin_server_ts: Option<Scalar<'a>>,
}

#[derive(Deserialize)]
struct PrevContent<'a> {
    #[serde(borrow)]
    membership: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Relations<'a> {
    #[serde(rename = "m.replace", borrow)]
    replace: Option<Replacement<'a>>,
}

/// A server's aggregation of the latest edit: its id and time, and (older
/// servers) its whole content.
#[derive(Deserialize)]
struct Replacement<'a> {
    #[serde(borrow)]
    origin_server_ts: Option<Scalar<'a>>,
    #[serde(borrow)]
    content: Option<ReplacementContent<'a>>,
}

#[derive(Deserialize)]
struct ReplacementContent<'a> {
    #[serde(rename = "m.new_content", borrow)]
    new_content: Option<NewContent<'a>>,
}

impl Reader<'_> {
    fn push(&mut self, event: Event) -> Result<(), Fail> {
        self.sink.push(event).map_err(Fail::Sink)
    }

    fn header(&self, member: Option<String>, at: Timestamp, id: Option<String>) -> Header {
        let member_name = member.as_ref().and_then(|m| self.names.get(m)).cloned();
        Header {
            platform: Platform::Matrix,
            group: self.group.clone(),
            group_name: self.notes.room_name.clone(),
            member,
            member_name,
            at,
            id,
        }
    }

    fn at(&self, ms: i64) -> Result<Timestamp, Fail> {
        DateTime::from_timestamp_millis(ms).map(|t| self.tz.from_utc(t)).ok_or_else(|| {
            Fail::Data(
                Msg::new("source.not_unix_millis").text("field", "`origin_server_ts`").text("value", ms.to_string()),
            )
        })
    }

    fn event(&mut self, e: RawEvent<'_>) -> Result<(), Fail> {
        let kind = e.kind.as_ref().map_or("", |k| &*k.0);
        match kind {
            "m.room.message" | "m.sticker" | "m.poll.start" | "org.matrix.msc3381.poll.start" => self.message(e),
            "m.room.member" => self.member(e),
            "m.room.redaction" => self.redaction(e),
            "m.reaction" => self.reaction(e),
            _ => Ok(()),
        }
    }

    fn message(&mut self, e: RawEvent<'_>) -> Result<(), Fail> {
        let kind = e.kind.as_ref().map_or("", |k| &*k.0).to_string();
        let id = nonempty(e.event_id);
        let Some(sender) = nonempty(e.sender) else {
            return Err(Fail::Data(Msg::new("source.record_without").text("fields", "`sender`")));
        };
        let at_ms = millis(e.origin_server_ts.as_ref()).map_err(Fail::Data)?;
        // Redacted: a recall instead of the message.
        let redactor = e
            .unsigned
            .as_ref()
            .and_then(|u| u.redacted_because.as_ref())
            .map(|r| {
                Ok::<_, Msg>(Redactor {
                    id: r.event_id.as_ref().map(|s| s.0.to_string()),
                    sender: r.sender.as_ref().map(|s| s.0.to_string()),
                    at_ms: match &r.origin_server_ts {
                        Some(t) => millis(Some(t))?,
                        None => at_ms,
                    },
                })
            })
            .transpose()
            .map_err(Fail::Data)?
            .or_else(|| id.as_ref().and_then(|i| self.notes.redactions.get(i)).cloned());
        if let Some(r) = redactor {
            if let Some(i) = &id
                && !self.recalled.insert(i.clone())
            {
                return Ok(());
            }
            let at = self.at(r.at_ms)?;
            let header = self.header(r.sender.or(Some(sender)), at, r.id);
            return self.push(Event::Recall(Recall { header, target: id }));
        }
        let content = e.content;
        let rel = content.as_ref().and_then(|c| c.relates_to.as_ref());
        if rel.and_then(|r| r.rel_type.as_ref()).is_some_and(|t| t.0 == "m.replace") {
            // An edit: applied to its target (pass 1), not a message.
            return Ok(());
        }
        let reply_to = rel.and_then(|r| {
            let in_reply = r.in_reply_to.as_ref().and_then(|i| i.event_id.as_ref());
            let thread = r.rel_type.as_ref().is_some_and(|t| t.0 == "m.thread");
            match (thread, in_reply) {
                (true, Some(to)) if r.is_falling_back != Some(true) => Some(to.0.to_string()),
                (true, _) => r.event_id.as_ref().map(|t| t.0.to_string()),
                (false, to) => to.map(|t| t.0.to_string()),
            }
        });
        let reply_to = reply_to.filter(|r| !r.is_empty());
        let mut msgtype = content.as_ref().and_then(|c| c.msgtype.as_ref()).map(|m| m.0.to_string());
        let mut body = content.as_ref().and_then(|c| c.body.as_ref()).map_or("", |b| &*b.0).to_string();
        let mut edited_at = None;
        let aggregated = e.unsigned.as_ref().and_then(|u| u.relations.as_ref()).and_then(|r| r.replace.as_ref());
        if let Some(agg) = aggregated {
            if let Some(t) = &agg.origin_server_ts {
                edited_at = Some(self.at(millis(Some(t)).map_err(Fail::Data)?)?);
            }
            if let Some(new) = agg.content.as_ref().and_then(|c| c.new_content.as_ref()) {
                body = new.body.as_ref().map_or("", |b| &*b.0).to_string();
                msgtype = new.msgtype.as_ref().map(|m| m.0.to_string()).or(msgtype);
            }
        }
        if let Some(edit) = id.as_ref().and_then(|i| self.notes.edits.get(i)) {
            body = edit.body.clone();
            msgtype = edit.msgtype.clone().or(msgtype);
            edited_at = Some(self.at(edit.at_ms)?);
        }
        if reply_to.is_some() {
            body = strip_reply_fallback(&body).to_string();
        }
        let content_type = match kind.as_str() {
            "m.sticker" => ContentType::Sticker,
            "m.room.message" => match msgtype.as_deref() {
                Some("m.image") => ContentType::Image,
                Some("m.video") => ContentType::Video,
                Some("m.audio") => ContentType::Voice,
                Some("m.file") => ContentType::File,
                Some("m.location") => ContentType::Other,
                _ => text_type(&body),
            },
            _ => ContentType::Poll,
        };
        let bot = msgtype.as_deref() == Some("m.notice");
        let mut mentions: Vec<PersonRef> = Vec::new();
        let ids = content.as_ref().and_then(|c| c.mentions.as_ref()).and_then(|m| m.user_ids.as_ref());
        for u in ids.into_iter().flatten() {
            let p = PersonRef { id: Some(u.0.to_string()), name: None };
            if !u.0.is_empty() && !mentions.contains(&p) {
                mentions.push(p);
            }
        }
        let at = self.at(at_ms)?;
        let header = self.header(Some(sender), at, id);
        self.push(Event::Message(Message { header, reply_to, mentions, content_type, text: body, bot, edited_at }))
    }

    fn member(&mut self, e: RawEvent<'_>) -> Result<(), Fail> {
        let Some(target) = nonempty(e.state_key) else { return Ok(()) };
        let sender = nonempty(e.sender);
        let content = e.content;
        let membership = content.as_ref().and_then(|c| c.membership.as_ref()).map_or("", |m| &*m.0);
        let prev = e.unsigned.as_ref().and_then(|u| u.prev_content.as_ref()).and_then(|p| p.membership.as_ref());
        let prev = prev.map_or("", |p| &*p.0);
        let name = content.as_ref().and_then(|c| c.displayname.as_ref()).map(|d| d.0.to_string());
        if membership == "join"
            && let Some(name) = name.filter(|n| !n.is_empty())
        {
            self.names.insert(target.clone(), name);
        }
        let leave = match (membership, prev) {
            ("join", "join") => return Ok(()),
            ("join", _) => false,
            ("leave", "invite" | "knock" | "ban" | "leave") => return Ok(()),
            ("ban", "leave" | "ban") => return Ok(()),
            ("leave" | "ban", _) => true,
            _ => return Ok(()),
        };
        let at = self.at(millis(e.origin_server_ts.as_ref()).map_err(Fail::Data)?)?;
        let by = sender.filter(|s| *s != target).map(PersonRef::id);
        let header = self.header(Some(target), at, nonempty(e.event_id));
        let ms = Membership { header, by };
        self.push(if leave { Event::Leave(ms) } else { Event::Join(ms) })
    }

    /// A redaction whose target was not pushed as a recall already (a
    /// target outside the file, or written after its redaction).
    fn redaction(&mut self, e: RawEvent<'_>) -> Result<(), Fail> {
        let target = e.redacts.or_else(|| e.content.and_then(|c| c.redacts)).map(Str::into_string);
        if target.as_ref().is_some_and(|t| self.recalled.contains(t)) {
            return Ok(());
        }
        let at = self.at(millis(e.origin_server_ts.as_ref()).map_err(Fail::Data)?)?;
        if let Some(t) = &target {
            self.recalled.insert(t.clone());
        }
        let header = self.header(nonempty(e.sender), at, nonempty(e.event_id));
        if header.member.is_none() {
            return Err(Fail::Data(Msg::new("source.record_without").text("fields", "`sender`")));
        }
        self.push(Event::Recall(Recall { header, target }))
    }

    fn reaction(&mut self, e: RawEvent<'_>) -> Result<(), Fail> {
        let Some(rel) = e.content.as_ref().and_then(|c| c.relates_to.as_ref()) else { return Ok(()) };
        if rel.rel_type.as_ref().map(|t| &*t.0) != Some("m.annotation") {
            return Ok(());
        }
        let (Some(target), Some(key)) = (rel.event_id.as_ref(), rel.key.as_ref()) else { return Ok(()) };
        let (target, emoji) = (target.0.to_string(), key.0.to_string());
        let Some(sender) = nonempty(e.sender) else {
            return Err(Fail::Data(Msg::new("source.record_without").text("fields", "`sender`")));
        };
        let at = self.at(millis(e.origin_server_ts.as_ref()).map_err(Fail::Data)?)?;
        let header = self.header(Some(sender), at, nonempty(e.event_id));
        self.push(Event::Reaction(Reaction { header, target, emoji }))
    }
}

/// A reply's body without the fallback older clients put first: lines
/// quoting the answered message (`> <@alice:example.org> ...`) and the
/// empty line after them.
fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> <") {
        return body;
    }
    let mut rest = body;
    while rest.starts_with('>') {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    rest.strip_prefix('\n').unwrap_or(rest)
}

fn nonempty(s: Option<Str<'_>>) -> Option<String> {
    s.map(Str::into_string).filter(|s| !s.is_empty())
}

/// `origin_server_ts`: ms since 1970, a number (or a string of one).
fn millis(ts: Option<&Scalar<'_>>) -> Result<i64, Msg> {
    match ts {
        Some(Scalar::Int(n)) => Ok(*n),
        Some(Scalar::Str(s)) => s.trim().parse().map_err(|_| {
            Msg::new("source.not_number").text("field", "`origin_server_ts`").text("value", format!("{s:?}"))
        }),
        None => Err(Msg::new("source.record_without").text("fields", "`origin_server_ts`")),
    }
}
