//! WeChat chats exported by WeFlow (github.com/hicccc77/WeFlow, "详细 JSON"
//! export; EchoTrace writes the same layout): one object with a `weflow`
//! header, the `session` (the chat: `wxid`, `nickname`, `remark`,
//! `displayName`, `type`) and `messages`, each with `createTime` (unix
//! seconds), a Chinese `type` name, `localType`, `content`, `isSend`,
//! `senderUsername` (wxid) and `senderDisplayName`.
//!
//! What maps to what:
//!
//! - **Group**: `session.wxid` (the chatroom id), else the session's name;
//!   `group_name` is `displayName`, else `remark`, else `nickname`.
//! - **People**: `senderUsername` is `member`, `senderDisplayName` is
//!   `member_name`.
//! - **Time**: `createTime` at `opts.tz`, default +08:00 (`formattedTime`,
//!   local wall time, when `createTime` is missing).
//! - **Messages** by `type`: 文本消息 / 引用消息 text, 图片消息 image, 语音消息
//!   voice, 视频消息 video, 动画表情 sticker, 文件消息 file, 链接消息 / 小程序消息
//!   / 音乐消息 link, 转账消息 / 红包消息 money, everything else (名片, 位置, 通话,
//!   聊天记录, 拍一拍, 群公告, 其他消息) other; an unknown name falls back to
//!   WeChat's numeric `localType` (1, 3, 34, 43, 47, 49). `content` is the text
//!   (WeFlow's own placeholders such as `[图片]`, or the exported media path);
//!   `@name` in it becomes a mention by name. Check-ins stay plain messages.
//! - **Ids and quotes**: newer WeFlow versions write `platformMessageId` (the
//!   server id) and `replyToMessageId`, used as `id` and `reply_to`. Without
//!   them (the `localId` WeFlow writes is the message's position in the file,
//!   not a stable id) messages carry no `id` and the store hashes their
//!   content; a quote's `quotedContent` ("昵称: 原文", or `quotedSender` plus
//!   the text) is looked up among the file's recent messages and `reply_to`
//!   set to the quoted message's natural key. A quote whose original is not in
//!   the file (or whose preview WeFlow shortened) gets no `reply_to`.
//! - **System lines** (`系统消息`): the WeChat phrasing shared with the CSV
//!   source: joins with inviter, QR-code joins, removals (leave with `by`),
//!   departures, and recalls (`"X" 撤回了一条消息` → `Event::Recall`). Lines
//!   about "你" use the account of the file's own sent messages (`isSend` = 1).
//!
//! Dropped: other system lines, avatars (`senderAvatarKey`), `source`
//! (`<msgsource>` XML), emoji and location details, and the media files.

use crate::common::cn::{self, Linker, SysContext};
use crate::common::json::{self, Id};
use crate::common::non_empty;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use serde::Deserialize;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Timestamp};

/// The WeFlow / EchoTrace detailed JSON export.
pub struct Weflow;

impl Source for Weflow {
    fn name(&self) -> &'static str {
        "weflow"
    }

    fn description(&self) -> &'static str {
        "WeChat chat exported as JSON by WeFlow or EchoTrace"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let keys = json::top_level_keys(head.trim_start_matches('\u{feff}'));
        let has = |k: &str| keys.iter().any(|x| x == k);
        has("session") && (has("messages") || has("weflow")) && !has("chatlab")
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let file = input.name().to_string();
        let mut session = None::<Session>;
        json::read_header(input, &["session"], |js, _| {
            session = Some(js.value()?);
            Ok(())
        })?;
        let Some(session) = session else {
            return Err(SourceError::parse(
                &file,
                Position::Whole,
                Msg::new("source.not_this_format").text("field", "`session`").text("format", "WeFlow"),
            ));
        };
        let (group, group_name) = group_of(&session, input.base_name());
        let mut reader =
            Reader { file: &file, tz: opts.tz_or(8), group, group_name, linker: Linker::default(), me: None, sink };
        json::read_arrays(input, &["messages"], |_, raw| {
            let line = match raw.start() {
                Position::LineColumn(l, _) => l,
                _ => 1,
            };
            reader.message(raw.parse()?, Position::Line(line))
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    wxid: Option<Id>,
    nickname: Option<String>,
    remark: Option<String>,
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WeflowMessage {
    create_time: Option<i64>,
    formatted_time: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    local_type: Option<i64>,
    content: Option<String>,
    is_send: Option<serde_json::Value>,
    sender_username: Option<String>,
    sender_display_name: Option<String>,
    quoted_content: Option<String>,
    quoted_sender: Option<String>,
    platform_message_id: Option<Id>,
    reply_to_message_id: Option<Id>,
}

fn group_of(s: &Session, base: &str) -> (String, String) {
    let name = non_empty(s.display_name.clone())
        .or_else(|| non_empty(s.remark.clone()))
        .or_else(|| non_empty(s.nickname.clone()));
    let stem = || base.split('.').next().filter(|s| !s.is_empty()).unwrap_or(base).to_string();
    let group = non_empty(s.wxid.clone().map(|w| w.0)).or_else(|| name.clone()).unwrap_or_else(stem);
    let name = name.unwrap_or_else(|| group.clone());
    (group, name)
}

/// What a message is, from WeFlow's type name or WeChat's numeric type.
enum Kind {
    Message(ContentType),
    System,
}

fn kind_of(name: Option<&str>, local_type: Option<i64>) -> Kind {
    let by_name = match name.map(str::trim) {
        Some("文本消息" | "引用消息") => Some(ContentType::Text),
        Some("图片消息") => Some(ContentType::Image),
        Some("语音消息") => Some(ContentType::Voice),
        Some("视频消息") => Some(ContentType::Video),
        Some("动画表情" | "表情消息") => Some(ContentType::Sticker),
        Some("文件消息") => Some(ContentType::File),
        Some("链接消息" | "小程序消息" | "音乐消息") => Some(ContentType::Link),
        Some("转账消息" | "红包消息") => Some(ContentType::Money),
        Some("名片消息" | "位置消息" | "通话消息" | "聊天记录" | "拍一拍" | "群公告" | "其他消息") => {
            Some(ContentType::Other)
        }
        Some("系统消息") => return Kind::System,
        _ => None,
    };
    Kind::Message(by_name.unwrap_or(match local_type {
        Some(1) => ContentType::Text,
        Some(3) => ContentType::Image,
        Some(34) => ContentType::Voice,
        Some(43) => ContentType::Video,
        Some(47) => ContentType::Sticker,
        Some(49) => ContentType::Link,
        Some(10000 | 10002) => return Kind::System,
        _ => ContentType::Other,
    }))
}

struct Reader<'a> {
    file: &'a str,
    tz: crate::Zone,
    group: String,
    group_name: String,
    linker: Linker,
    me: Option<PersonRef>,
    sink: &'a mut dyn EventSink,
}

impl Reader<'_> {
    fn header(&self, at: Timestamp, who: PersonRef, id: Option<String>) -> Header {
        Header {
            platform: Platform::Wechat,
            group: self.group.clone(),
            group_name: Some(self.group_name.clone()),
            member: who.id,
            member_name: who.name,
            at,
            id,
        }
    }

    fn time(&self, m: &WeflowMessage, position: Position) -> Result<Timestamp, SourceError> {
        let at = match (m.create_time, m.formatted_time.as_deref()) {
            (Some(s), _) => cn::unix_time(s, self.tz),
            (None, Some(local)) => cn::local_time(local, self.tz),
            (None, None) => None,
        };
        at.ok_or_else(|| {
            SourceError::parse(
                self.file,
                position,
                Msg::new("source.record_without").text("fields", "`createTime`/`formattedTime`"),
            )
        })
    }

    fn push(&mut self, event: Event, position: Position, filed_as: Option<String>) -> Result<(), SourceError> {
        let key = self.linker.key_of(&event);
        emit(self.sink, event, self.file, position)?;
        if let (Some(key), Some(filed_as)) = (key, filed_as) {
            self.linker.remember(&[&filed_as], key);
        }
        Ok(())
    }

    fn message(&mut self, m: WeflowMessage, position: Position) -> Result<(), SourceError> {
        let at = self.time(&m, position)?;
        let who =
            PersonRef { id: non_empty(m.sender_username.clone()), name: non_empty(m.sender_display_name.clone()) };
        let sent = m.is_send.as_ref().is_some_and(|v| v.as_i64() == Some(1) || v.as_bool() == Some(true));
        if sent && (who.id.is_some() || who.name.is_some()) {
            self.me = Some(who.clone());
        }
        let content = m.content.clone().unwrap_or_default();
        let content_type = match kind_of(m.kind.as_deref(), m.local_type) {
            Kind::System => {
                let ctx = SysContext { me: self.me.as_ref() };
                for ev in cn::system_events(&content, &ctx) {
                    let event = ev.into_event(self.header(at, PersonRef::default(), None));
                    self.push(event, position, None)?;
                }
                return Ok(());
            }
            Kind::Message(ct) => ct,
        };
        if who.id.is_none() && who.name.is_none() {
            return Err(SourceError::parse(
                self.file,
                position,
                Msg::new("source.record_without").text("fields", "`senderUsername`/`senderDisplayName`"),
            ));
        }
        let text = if content.trim().is_empty() { cn::placeholder(content_type).to_string() } else { content };
        let reply_to = non_empty(m.reply_to_message_id.map(|i| i.0)).or_else(|| {
            let quoted = non_empty(m.quoted_content)?;
            let lookup = match non_empty(m.quoted_sender) {
                Some(sender) => format!("{sender}: {quoted}"),
                None => quoted,
            };
            self.linker.find(&[&lookup]).map(str::to_string)
        });
        let filed_as = who.name.as_ref().map(|n| format!("{n}: {text}"));
        let event = Event::Message(Message {
            header: self.header(at, who, non_empty(m.platform_message_id.map(|i| i.0))),
            reply_to,
            mentions: cn::mentions(&text),
            content_type,
            text,
            bot: false,
            edited_at: None,
        });
        self.push(event, position, filed_as)
    }
}
