//! ChatLab's open chat exchange format (github.com/ChatLab/ChatLab,
//! `docs/cn/standard/chatlab-format.md`), version 0.0.2 and the 0.0.1 subset
//! of it, in both of its layouts:
//!
//! - **JSON**: one object with `chatlab` (version, `exportedAt`), `meta`
//!   (`name`, `platform`, `type`, `groupId`, `ownerId`), `members` and
//!   `messages`;
//! - **JSONL**: a `{"_type":"header",...}` line first, then `member` and
//!   `message` lines; lines starting with `#` are comments.
//!
//! What maps to what:
//!
//! - **Group**: `meta.groupId`, or `meta.name` when there is none; `group_name`
//!   is `meta.name`. **Platform** from `meta.platform` (unknown names are
//!   `other`).
//! - **Times**: `timestamp` is unix seconds without an offset: shown at
//!   `opts.tz`, default +08:00 for `wechat`/`qq` and UTC otherwise.
//! - **People**: `sender` (the platform id) is `member`; `groupNickname`, else
//!   `accountName`, is `member_name`.
//! - **Roles**: a member whose `roles` include `owner` or `admin` gets an
//!   `Event::Role` (owner / admin) dated at `chatlab.exportedAt`, the moment
//!   the export saw it (or, lacking that, at the last message). Custom role
//!   ids are dropped. (`meta.ownerId` is the *exporting* account, not the
//!   group owner: it only names "你" in system lines.)
//! - **Messages**: `platformMessageId` is the `id`, `replyToMessageId` the
//!   `reply_to`. Types: 0 text, 1 image, 2 voice, 3 video, 4 file, 5 sticker,
//!   7 link, 24 share → link, 25 reply → text, 20 red packet / 21 transfer →
//!   money, 8 location, 22 poke, 23 call, 26 forward, 27 contact card, 99 and
//!   unknown → other. `content` is the text (`null` gets a placeholder such as
//!   `[图片]`); `@name` in it becomes a mention by name.
//! - **System lines** (type 80) go through the WeChat/QQ phrasing shared with
//!   the other Chinese sources (`"A"邀请"B"加入了群聊` → join with `by`,
//!   `"A"将"B"移出了群聊` → leave with `by`, …); **recalls** (type 81) become
//!   `Event::Recall` by the person the line names, else by `sender`.
//!
//! Dropped: avatars, `aliases`, custom roles, system lines of other kinds,
//! and lines whose `_type` is none of the three. Unlike ChatLab's own
//! importer, a malformed line is an error, not skipped: an import is all or
//! nothing.
//!
//! # qq-chat-exporter JSON
//!
//! The same source also reads the JSON export of QQ Chat Exporter V4/V5
//! (github.com/shuakami/qq-chat-exporter, the layout of its `JsonExporter`
//! and its own snapshot tests): `metadata` (`name` "QQChatExporter …"),
//! `chatInfo` (`name`, `type`, `selfUin`, `selfName`), `statistics` and
//! `messages`, each with `id` (msgId), `timestamp` in milliseconds, `sender`
//! (`uin` = QQ number, `uid`, `name`), `content` (`text`, typed `elements`,
//! `mentions`), `recalled` and `system`.
//!
//! - **Group**: `chatInfo.name` (the export has no group number), platform QQ,
//!   times at `opts.tz`, default +08:00.
//! - **People**: `sender.uin` is `member` (as in QQ's text export; the NT
//!   `uid` only when there is no QQ number), `sender.name` is `member_name`.
//! - **Messages**: `id` is the msgId; a `reply` element gives `reply_to` (its
//!   `referencedMessageId`) and the `[回复 …]` line the exporter prefixes to the
//!   text is removed; `mentions` (else `at` elements) are mentions by name (their
//!   ids are NT uids, another namespace than `member`). The first media element
//!   decides the type: image, market_face → sticker, file, video, audio →
//!   voice, json card → link, forward / location → other.
//! - A `recalled` message is kept and followed by an `Event::Recall` of it
//!   (`target` = its id, dated at the message: the export has no recall time).
//! - `system` messages go through the shared system-line phrasing; QQ's own
//!   gray tips (often only `[4]`-style codes in this export) are dropped.
//! - Not read: the chunked JSONL layout (a folder with a manifest and
//!   `chunks/*.jsonl`, a folder format), `statistics`, resources and HTML.

use crate::common::cn::{self, SysContext};
use crate::common::json::{self, Id};
use crate::common::non_empty;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use serde::Deserialize;
use tonghao_model::msg::Msg;
use tonghao_model::{
    ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Recall, Role, RoleChange, Timestamp,
};

/// The ChatLab exchange format (JSON and JSONL).
pub struct Chatlab;

impl Source for Chatlab {
    fn name(&self) -> &'static str {
        "chatlab"
    }

    fn description(&self) -> &'static str {
        "ChatLab open chat exchange format v0.0.2 (JSON or JSONL); also qq-chat-exporter JSON"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let head = head.trim_start_matches('\u{feff}');
        let keys = json::top_level_keys(head);
        if keys.iter().any(|k| k == "chatlab") && keys.iter().any(|k| k == "meta" || k == "messages") {
            return true;
        }
        if qce::sniff(&keys, head) {
            return true;
        }
        // JSONL: the first line that is not a comment is the header.
        let Some(first) = head.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')) else {
            return false;
        };
        let keys = json::top_level_keys(first);
        keys.iter().any(|k| k == "_type") && keys.iter().any(|k| k == "chatlab")
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let head = input.head().trim_start_matches('\u{feff}');
        if qce::sniff(&json::top_level_keys(head), head) {
            return qce::read(input, opts, sink);
        }
        let first = head.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
        let keys = json::top_level_keys(first);
        if keys.iter().any(|k| k == "_type") && !keys.iter().any(|k| k == "messages") {
            read_jsonl(input, opts, sink)
        } else {
            read_json(input, opts, sink)
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileHeader {
    exported_at: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    #[serde(default)]
    name: String,
    platform: Option<String>,
    group_id: Option<Id>,
    owner_id: Option<Id>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Member {
    platform_id: Id,
    account_name: Option<String>,
    group_nickname: Option<String>,
    #[serde(default)]
    roles: Vec<MemberRole>,
}

#[derive(Deserialize)]
struct MemberRole {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChatlabMessage {
    sender: Option<Id>,
    account_name: Option<String>,
    group_nickname: Option<String>,
    timestamp: i64,
    #[serde(rename = "type")]
    kind: i64,
    content: Option<String>,
    platform_message_id: Option<Id>,
    reply_to_message_id: Option<Id>,
}

/// The JSON layout: the header (`chatlab`, `meta`) first, then `members`
/// and `messages` streamed one element at a time.
fn read_json(input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
    let name = input.name().to_string();
    let (mut header, mut meta) = (None::<FileHeader>, None::<Meta>);
    json::read_header(input, &["chatlab", "meta"], |js, key| {
        if key == "chatlab" {
            header = js.value()?;
        } else {
            meta = Some(js.value()?);
        }
        Ok(())
    })?;
    let Some(meta) = meta else {
        return Err(SourceError::parse(
            &name,
            Position::Whole,
            Msg::new("source.not_this_format").text("field", "`meta`").text("format", "ChatLab"),
        ));
    };
    let mut reader = Reader::new(&name, meta, header.and_then(|h| h.exported_at), opts, sink)?;
    json::read_arrays(input, &["members", "messages"], |array, raw| {
        let position = line_of(raw.start());
        if array == 0 { reader.member(raw.parse()?, position) } else { reader.message(raw.parse()?, position) }
    })?;
    reader.finish()
}

/// The line of a position, as the ChatLab errors give it.
fn line_of(p: Position) -> Position {
    match p {
        Position::LineColumn(l, _) => Position::Line(l),
        other => other,
    }
}

#[derive(Deserialize)]
struct LineType {
    #[serde(rename = "_type")]
    kind: String,
}

#[derive(Deserialize)]
struct HeaderLine {
    chatlab: Option<FileHeader>,
    meta: Meta,
}

fn read_jsonl(input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
    let name = input.name().to_string();
    let mut reader: Option<Reader<'_>> = None;
    let mut sink = Some(sink);
    let mut lines = input.lines();
    while let Some((n, raw)) = lines.next_line()? {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let position = Position::Line(n);
        let column = raw[..raw.len() - raw.trim_start().len()].chars().count() + 1;
        let parse_err = |e: serde_json::Error| json::serde_error(&name, line, Position::LineColumn(n, column), &e);
        let kind: LineType = serde_json::from_str(line).map_err(parse_err)?;
        match (kind.kind.as_str(), reader.as_mut()) {
            ("header", None) => {
                let h: HeaderLine = serde_json::from_str(line).map_err(parse_err)?;
                let Some(sink) = sink.take() else { break };
                reader = Some(Reader::new(&name, h.meta, h.chatlab.and_then(|c| c.exported_at), opts, sink)?);
            }
            ("header", Some(_)) => {
                return Err(SourceError::parse(&name, position, Msg::new("source.second_header")));
            }
            (_, None) => {
                return Err(SourceError::parse(
                    &name,
                    position,
                    Msg::new("source.line_before_header").text("kind", kind.kind.to_string()),
                ));
            }
            ("member", Some(r)) => r.member(serde_json::from_str(line).map_err(parse_err)?, position)?,
            ("message", Some(r)) => r.message(serde_json::from_str(line).map_err(parse_err)?, position)?,
            (_, Some(_)) => {}
        }
    }
    match reader {
        Some(r) => r.finish(),
        None => Err(SourceError::parse(&name, Position::Whole, Msg::new("source.no_header_line"))),
    }
}

/// Turns members and messages into events for one chat.
struct Reader<'a> {
    file: &'a str,
    platform: Platform,
    group: String,
    group_name: Option<String>,
    tz: crate::Zone,
    exported_at: Option<Timestamp>,
    me: Option<PersonRef>,
    /// Roles waiting for a date when the header has no `exportedAt`.
    pending_roles: Vec<(PersonRef, Role, Position)>,
    last_at: Option<Timestamp>,
    sink: &'a mut dyn EventSink,
}

impl<'a> Reader<'a> {
    fn new(
        file: &'a str,
        meta: Meta,
        exported_at: Option<i64>,
        opts: &ReadOptions,
        sink: &'a mut dyn EventSink,
    ) -> Result<Self, SourceError> {
        let platform =
            meta.platform.as_deref().and_then(|p| p.trim().to_lowercase().parse().ok()).unwrap_or(Platform::Other);
        let tz = opts.tz_or(if matches!(platform, Platform::Wechat | Platform::Qq) { 8 } else { 0 });
        let name = meta.name.trim().to_string();
        let group = match meta.group_id.map(|g| g.0).filter(|g| !g.trim().is_empty()) {
            Some(id) => id,
            None if !name.is_empty() => name.clone(),
            None => {
                return Err(SourceError::parse(file, Position::Whole, Msg::new("source.chat_unnamed")));
            }
        };
        Ok(Reader {
            file,
            platform,
            group,
            group_name: (!name.is_empty()).then_some(name),
            tz,
            exported_at: exported_at.and_then(|s| cn::unix_time(s, tz)),
            me: meta.owner_id.map(|id| PersonRef::id(id.0)),
            pending_roles: Vec::new(),
            last_at: None,
            sink,
        })
    }

    fn header(&self, at: Timestamp, who: PersonRef, id: Option<String>) -> Header {
        Header {
            platform: self.platform,
            group: self.group.clone(),
            group_name: self.group_name.clone(),
            member: who.id,
            member_name: who.name,
            at,
            id,
        }
    }

    fn member(&mut self, m: Member, position: Position) -> Result<(), SourceError> {
        let who = PersonRef {
            id: non_empty(Some(m.platform_id.0)),
            name: non_empty(m.group_nickname).or(non_empty(m.account_name)),
        };
        if who.id.is_none() {
            return Err(SourceError::parse(
                self.file,
                position,
                Msg::new("source.empty_field").text("field", "`platformId`"),
            ));
        }
        if self.me.as_ref().is_some_and(|me| me.id == who.id) {
            self.me = Some(who.clone());
        }
        for role in &m.roles {
            let role = match role.id.as_str() {
                "owner" => Role::Owner,
                "admin" => Role::Admin,
                _ => continue,
            };
            match self.exported_at {
                Some(at) => self.emit_role(who.clone(), role, at, position)?,
                None => self.pending_roles.push((who.clone(), role, position)),
            }
        }
        Ok(())
    }

    fn emit_role(&mut self, who: PersonRef, role: Role, at: Timestamp, position: Position) -> Result<(), SourceError> {
        let event = Event::Role(RoleChange { header: self.header(at, who, None), role, by: None });
        emit(self.sink, event, self.file, position)
    }

    fn message(&mut self, m: ChatlabMessage, position: Position) -> Result<(), SourceError> {
        let at = cn::unix_time(m.timestamp, self.tz).ok_or_else(|| {
            SourceError::parse(
                self.file,
                position,
                Msg::new("source.not_unix_seconds").text("field", "`timestamp`").text("value", m.timestamp.to_string()),
            )
        })?;
        self.last_at = Some(at);
        let who = PersonRef {
            id: non_empty(m.sender.map(|s| s.0)),
            name: non_empty(m.group_nickname).or(non_empty(m.account_name)),
        };
        let content = m.content.unwrap_or_default();
        if m.kind == 80 || m.kind == 81 {
            let ctx = SysContext { me: self.me.as_ref() };
            let events = cn::system_events(&content, &ctx);
            if m.kind == 81 && events.is_empty() && who.id.is_some() {
                let header = self.header(at, who, None);
                return emit(self.sink, Event::Recall(Recall { header, target: None }), self.file, position);
            }
            for ev in events {
                let event = ev.into_event(self.header(at, PersonRef::default(), None));
                emit(self.sink, event, self.file, position)?;
            }
            return Ok(());
        }
        if who.id.is_none() && who.name.is_none() {
            return Err(SourceError::parse(
                self.file,
                position,
                Msg::new("source.record_without").text("fields", "`sender`/`accountName`"),
            ));
        }
        let content_type = content_type(m.kind);
        let text = if content.trim().is_empty() { cn::placeholder(content_type).to_string() } else { content };
        let event = Event::Message(Message {
            header: self.header(at, who, non_empty(m.platform_message_id.map(|i| i.0))),
            reply_to: non_empty(m.reply_to_message_id.map(|i| i.0)),
            mentions: cn::mentions(&text),
            content_type,
            text,
            bot: false,
            edited_at: None,
        });
        emit(self.sink, event, self.file, position)
    }

    fn finish(mut self) -> Result<(), SourceError> {
        if let Some(at) = self.last_at {
            for (who, role, position) in std::mem::take(&mut self.pending_roles) {
                self.emit_role(who, role, at, position)?;
            }
        }
        Ok(())
    }
}

fn content_type(kind: i64) -> ContentType {
    match kind {
        0 | 25 => ContentType::Text,
        1 => ContentType::Image,
        2 => ContentType::Voice,
        3 => ContentType::Video,
        4 => ContentType::File,
        5 => ContentType::Sticker,
        7 | 24 => ContentType::Link,
        20 | 21 => ContentType::Money,
        _ => ContentType::Other,
    }
}

mod qce;
