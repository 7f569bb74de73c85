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
//!
//! This module also holds `json`, the JSON helpers WeFlow shares: streaming
//! an array's elements with their positions out of an already-validated
//! document, and reading the top-level keys of a possibly cut-off head.

use crate::wechat_csv::cn::{self, SysContext};
use crate::{Position, ReadOptions, Source, SourceError, TextFile, emit};
use json::{Id, Lines};
use serde::Deserialize;
use serde::de::IgnoredAny;
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

    fn read(&self, file: &TextFile, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
        let head = file.head(crate::SNIFF_BYTES).trim_start_matches('\u{feff}');
        if qce::sniff(&json::top_level_keys(head), head) {
            return qce::read(file, text, opts, sink);
        }
        let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
        let keys = json::top_level_keys(first);
        if keys.iter().any(|k| k == "_type") && !keys.iter().any(|k| k == "messages") {
            read_jsonl(file, text, opts, sink)
        } else {
            read_json(file, text, opts, sink)
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

/// The whole JSON document, read once to validate it and to get the header;
/// members and messages are then streamed one by one.
#[derive(Deserialize)]
struct Document {
    chatlab: Option<FileHeader>,
    meta: Meta,
    #[serde(default)]
    #[allow(dead_code)]
    members: Vec<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    messages: Vec<IgnoredAny>,
}

fn read_json(file: &TextFile, text: &str, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
    let doc: Document = serde_json::from_str(text).map_err(|e| json::error(file, text, 0, &e))?;
    let mut reader = Reader::new(file, doc.meta, doc.chatlab.and_then(|h| h.exported_at), opts, sink)?;
    let mut lines = Lines::new(text);
    json::for_each_element(text, "members", |start, end| {
        let member: Member = serde_json::from_str(&text[start..end]).map_err(|e| json::error(file, text, start, &e))?;
        reader.member(member, Position::Line(lines.line_at(start)))
    })?;
    json::for_each_element(text, "messages", |start, end| {
        let message: ChatlabMessage =
            serde_json::from_str(&text[start..end]).map_err(|e| json::error(file, text, start, &e))?;
        reader.message(message, Position::Line(lines.line_at(start)))
    })?;
    reader.finish()
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

fn read_jsonl(file: &TextFile, text: &str, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
    let mut reader: Option<Reader<'_>> = None;
    let mut sink = Some(sink);
    let mut offset = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let start = offset;
        offset += raw.len() + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let position = Position::Line(i + 1);
        let base = start + (raw.len() - raw.trim_start().len());
        let parse_err = |e: serde_json::Error| json::error(file, text, base, &e);
        let kind: LineType = serde_json::from_str(line).map_err(parse_err)?;
        match (kind.kind.as_str(), reader.as_mut()) {
            ("header", None) => {
                let h: HeaderLine = serde_json::from_str(line).map_err(parse_err)?;
                let Some(sink) = sink.take() else { break };
                reader = Some(Reader::new(file, h.meta, h.chatlab.and_then(|c| c.exported_at), opts, sink)?);
            }
            ("header", Some(_)) => {
                return Err(SourceError::parse(&file.name, position, "a second `header` line"));
            }
            (_, None) => {
                return Err(SourceError::parse(
                    &file.name,
                    position,
                    format!("a `{}` line before the `header` line, which must come first", kind.kind),
                ));
            }
            ("member", Some(r)) => r.member(serde_json::from_str(line).map_err(parse_err)?, position)?,
            ("message", Some(r)) => r.message(serde_json::from_str(line).map_err(parse_err)?, position)?,
            (_, Some(_)) => {}
        }
    }
    match reader {
        Some(r) => r.finish(),
        None => Err(SourceError::parse(&file.name, Position::Whole, "no `header` line")),
    }
}

/// Turns members and messages into events for one chat.
struct Reader<'a> {
    file: &'a TextFile,
    platform: Platform,
    group: String,
    group_name: Option<String>,
    tz: chrono::FixedOffset,
    exported_at: Option<Timestamp>,
    me: Option<PersonRef>,
    /// Roles waiting for a date when the header has no `exportedAt`.
    pending_roles: Vec<(PersonRef, Role, Position)>,
    last_at: Option<Timestamp>,
    sink: &'a mut dyn EventSink,
}

impl<'a> Reader<'a> {
    fn new(
        file: &'a TextFile,
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
                return Err(SourceError::parse(&file.name, Position::Whole, "`meta` has neither `groupId` nor `name`"));
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
            return Err(SourceError::parse(&self.file.name, position, "a member with an empty `platformId`"));
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
        emit(self.sink, event, &self.file.name, position)
    }

    fn message(&mut self, m: ChatlabMessage, position: Position) -> Result<(), SourceError> {
        let at = cn::unix_time(m.timestamp, self.tz).ok_or_else(|| {
            SourceError::parse(
                &self.file.name,
                position,
                format!("`timestamp` {} is not unix seconds since 1970 (milliseconds?)", m.timestamp),
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
                return emit(self.sink, Event::Recall(Recall { header, target: None }), &self.file.name, position);
            }
            for ev in events {
                let event = ev.into_event(self.header(at, PersonRef::default(), None));
                emit(self.sink, event, &self.file.name, position)?;
            }
            return Ok(());
        }
        if who.id.is_none() && who.name.is_none() {
            return Err(SourceError::parse(&self.file.name, position, "a message without `sender` or `accountName`"));
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
        emit(self.sink, event, &self.file.name, position)
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

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// qq-chat-exporter's JSON export (see the module docs).
mod qce {
    use super::json::{self, Id, Lines};
    use crate::wechat_csv::cn::{self, SysContext};
    use crate::{Position, ReadOptions, SourceError, TextFile, emit};
    use serde::Deserialize;
    use serde::de::IgnoredAny;
    use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Recall};

    /// The head is a qq-chat-exporter JSON file.
    pub(super) fn sniff(keys: &[String], head: &str) -> bool {
        let has = |k: &str| keys.iter().any(|x| x == k);
        has("metadata") && has("chatInfo") && head.contains("QQChatExporter")
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Document {
        chat_info: ChatInfo,
        #[serde(default)]
        #[allow(dead_code)]
        messages: Vec<IgnoredAny>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ChatInfo {
        #[serde(default)]
        name: String,
        self_uin: Option<Id>,
        self_name: Option<String>,
    }

    #[derive(Deserialize)]
    struct QceMessage {
        id: Option<Id>,
        timestamp: i64,
        sender: Sender,
        #[serde(default)]
        content: Content,
        #[serde(default)]
        recalled: bool,
        #[serde(default)]
        system: bool,
    }

    #[derive(Deserialize)]
    struct Sender {
        uid: Option<Id>,
        uin: Option<Id>,
        name: Option<String>,
    }

    #[derive(Deserialize, Default)]
    struct Content {
        #[serde(default)]
        text: String,
        #[serde(default)]
        elements: Vec<Element>,
        #[serde(default)]
        mentions: Vec<Mention>,
    }

    #[derive(Deserialize)]
    struct Element {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        data: serde_json::Value,
    }

    #[derive(Deserialize)]
    struct Mention {
        name: Option<String>,
    }

    /// An id worth keeping: not empty and not QQ's "0" for "none".
    fn real_id(s: Option<String>) -> Option<String> {
        s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "0")
    }

    pub(super) fn read(
        file: &TextFile,
        text: &str,
        opts: &ReadOptions,
        sink: &mut dyn EventSink,
    ) -> Result<(), SourceError> {
        let doc: Document = serde_json::from_str(text).map_err(|e| json::error(file, text, 0, &e))?;
        let group = match doc.chat_info.name.trim() {
            "" => {
                let base = file.base_name();
                base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
            }
            name => name.to_string(),
        };
        let me = PersonRef {
            id: real_id(doc.chat_info.self_uin.map(|i| i.0)),
            name: super::non_empty(doc.chat_info.self_name),
        };
        let me = (me.id.is_some() || me.name.is_some()).then_some(me);
        let tz = opts.tz_or(8);
        let mut lines = Lines::new(text);
        json::for_each_element(text, "messages", |start, end| {
            let m: QceMessage =
                serde_json::from_str(&text[start..end]).map_err(|e| json::error(file, text, start, &e))?;
            let position = Position::Line(lines.line_at(start));
            let at = cn::unix_millis(m.timestamp, tz).ok_or_else(|| {
                SourceError::parse(
                    &file.name,
                    position,
                    format!("`timestamp` {} is not unix milliseconds since 1970", m.timestamp),
                )
            })?;
            let header = |who: PersonRef, id: Option<String>| Header {
                platform: Platform::Qq,
                group: group.clone(),
                group_name: Some(group.clone()),
                member: who.id,
                member_name: who.name,
                at,
                id,
            };
            if m.system {
                for ev in cn::system_events(&m.content.text, &SysContext { me: me.as_ref() }) {
                    emit(sink, ev.into_event(header(PersonRef::default(), None)), &file.name, position)?;
                }
                return Ok(());
            }
            let who = PersonRef {
                id: real_id(m.sender.uin.map(|i| i.0)).or_else(|| real_id(m.sender.uid.map(|i| i.0))),
                name: super::non_empty(m.sender.name),
            };
            if who.id.is_none() && who.name.is_none() {
                return Err(SourceError::parse(
                    &file.name,
                    position,
                    "a message without `sender.uin`, `uid` or `name`",
                ));
            }
            let id = real_id(m.id.map(|i| i.0));
            let (event, recall) = message(m.content, who, id, &header);
            emit(sink, event, &file.name, position)?;
            if m.recalled {
                emit(sink, recall, &file.name, position)?;
            }
            Ok(())
        })
    }

    /// The message event and the recall event it would take back.
    fn message(
        content: Content,
        who: PersonRef,
        id: Option<String>,
        header: &dyn Fn(PersonRef, Option<String>) -> Header,
    ) -> (Event, Event) {
        let field = |e: &Element, k: &str| e.data.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let reply = content.elements.iter().find(|e| e.kind == "reply");
        let reply_to =
            reply.and_then(|e| real_id(field(e, "referencedMessageId")).or_else(|| real_id(field(e, "messageId"))));
        let content_type = content
            .elements
            .iter()
            .find_map(|e| match e.kind.as_str() {
                "image" => Some(ContentType::Image),
                "market_face" => Some(ContentType::Sticker),
                "file" => Some(ContentType::File),
                "video" => Some(ContentType::Video),
                "audio" => Some(ContentType::Voice),
                "json" => Some(ContentType::Link),
                "forward" | "location" => Some(ContentType::Other),
                _ => None,
            })
            .unwrap_or(if content.text.trim().is_empty() { ContentType::Other } else { ContentType::Text });
        let mut text = content.text;
        if reply.is_some()
            && text.starts_with("[回复")
            && let Some(end) = text.find("]\n")
        {
            text = text[end + 2..].to_string();
        }
        if text.trim().is_empty() {
            text = cn::placeholder(content_type).to_string();
        }
        let mut mentions: Vec<PersonRef> =
            content.mentions.into_iter().filter_map(|m| super::non_empty(m.name)).map(PersonRef::name).collect();
        if mentions.is_empty() {
            mentions = content
                .elements
                .iter()
                .filter(|e| e.kind == "at")
                .filter_map(|e| super::non_empty(field(e, "name")))
                .map(PersonRef::name)
                .collect();
        }
        if mentions.is_empty() {
            mentions = cn::mentions(&text);
        }
        let recall = Event::Recall(Recall { header: header(who.clone(), None), target: id.clone() });
        let event = Event::Message(Message {
            header: header(who, id),
            reply_to,
            mentions,
            content_type,
            text,
            bot: false,
            edited_at: None,
        });
        (event, recall)
    }
}

/// JSON helpers for exports that are one big object: validate it once with
/// serde, then stream an array's elements with their byte positions, so that
/// memory does not grow with the number of messages and every error names a
/// line.
pub(crate) mod json {
    use crate::{Position, SourceError, TextFile};
    use serde::de::{self, Deserializer, Visitor};
    use std::fmt;

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
    pub(crate) fn error(file: &TextFile, text: &str, base: usize, e: &serde_json::Error) -> SourceError {
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
}
