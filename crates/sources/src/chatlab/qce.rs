//! qq-chat-exporter's JSON export (see the module docs).

use crate::common::cn::{self, SysContext};
use crate::common::json::{self, Id};
use crate::common::non_empty;
use crate::{Input, Position, ReadOptions, SourceError, emit};
use serde::Deserialize;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Recall};

/// The head is a qq-chat-exporter JSON file.
pub(super) fn sniff(keys: &[String], head: &str) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("metadata") && has("chatInfo") && head.contains("QQChatExporter")
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

pub(super) fn read(input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
    let file = input.name().to_string();
    let mut chat_info = None::<ChatInfo>;
    json::read_header(input, &["chatInfo"], |js, _| {
        chat_info = Some(js.value()?);
        Ok(())
    })?;
    let Some(chat_info) = chat_info else {
        return Err(SourceError::parse(
            &file,
            Position::Whole,
            Msg::new("source.not_this_format").text("field", "`chatInfo`").text("format", "qq-chat-exporter"),
        ));
    };
    let group = match chat_info.name.trim() {
        "" => {
            let base = input.base_name();
            base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
        }
        name => name.to_string(),
    };
    let me = PersonRef { id: real_id(chat_info.self_uin.map(|i| i.0)), name: non_empty(chat_info.self_name) };
    let me = (me.id.is_some() || me.name.is_some()).then_some(me);
    let tz = opts.tz_or(8);
    json::read_arrays(input, &["messages"], |_, raw| {
        let m: QceMessage = raw.parse()?;
        let position = match raw.start() {
            Position::LineColumn(l, _) => Position::Line(l),
            p => p,
        };
        let at = cn::unix_millis(m.timestamp, tz).ok_or_else(|| {
            SourceError::parse(
                &file,
                position,
                Msg::new("source.not_unix_millis").text("field", "`timestamp`").text("value", m.timestamp.to_string()),
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
                emit(sink, ev.into_event(header(PersonRef::default(), None)), &file, position)?;
            }
            return Ok(());
        }
        let who = PersonRef {
            id: real_id(m.sender.uin.map(|i| i.0)).or_else(|| real_id(m.sender.uid.map(|i| i.0))),
            name: non_empty(m.sender.name),
        };
        if who.id.is_none() && who.name.is_none() {
            return Err(SourceError::parse(
                &file,
                position,
                Msg::new("source.record_without").text("fields", "`sender.uin`/`uid`/`name`"),
            ));
        }
        let id = real_id(m.id.map(|i| i.0));
        let (event, recall) = message(m.content, who, id, &header);
        emit(sink, event, &file, position)?;
        if m.recalled {
            emit(sink, recall, &file, position)?;
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
        content.mentions.into_iter().filter_map(|m| non_empty(m.name)).map(PersonRef::name).collect();
    if mentions.is_empty() {
        mentions = content
            .elements
            .iter()
            .filter(|e| e.kind == "at")
            .filter_map(|e| non_empty(field(e, "name")))
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
