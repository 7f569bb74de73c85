//! The canonical event: what every source emits and the store accepts.

use crate::msg::Msg;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A timestamp with the UTC offset the export stated or the source assumed.
pub type Timestamp = DateTime<FixedOffset>;

/// The chat platform a group lives on. Identities are unique per platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Platform {
    Wechat,
    Qq,
    Telegram,
    Discord,
    Slack,
    Whatsapp,
    Irc,
    Gitter,
    /// Matrix (Element and other clients; Gitter's rooms since 2023).
    Matrix,
    /// 知识星球
    Zsxq,
    /// Anything else, e.g. an in-house forum fed through the canonical format.
    Other,
}

impl Platform {
    /// All platforms, in display order.
    pub const ALL: [Platform; 11] = [
        Platform::Wechat,
        Platform::Qq,
        Platform::Telegram,
        Platform::Discord,
        Platform::Slack,
        Platform::Whatsapp,
        Platform::Irc,
        Platform::Gitter,
        Platform::Matrix,
        Platform::Zsxq,
        Platform::Other,
    ];

    /// The lowercase name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Wechat => "wechat",
            Platform::Qq => "qq",
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Slack => "slack",
            Platform::Whatsapp => "whatsapp",
            Platform::Irc => "irc",
            Platform::Gitter => "gitter",
            Platform::Matrix => "matrix",
            Platform::Zsxq => "zsxq",
            Platform::Other => "other",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown platform name.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown platform {0:?} (expected one of wechat, qq, telegram, discord, slack, whatsapp, irc, gitter, matrix, zsxq, other)"
)]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownPlatform(s.to_string()))
    }
}

/// What a message carries. Metrics count `Text` as speech and treat the rest
/// as lower-effort output (stickers, images) or noise (system).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ContentType {
    #[default]
    Text,
    Image,
    Sticker,
    Voice,
    Video,
    File,
    /// A shared link or article card.
    Link,
    /// A red packet or transfer (红包 / 转账).
    Money,
    /// A poll or vote.
    Poll,
    /// A location, contact card, call or anything else non-textual.
    Other,
}

impl ContentType {
    /// All content types.
    pub const ALL: [ContentType; 10] = [
        ContentType::Text,
        ContentType::Image,
        ContentType::Sticker,
        ContentType::Voice,
        ContentType::Video,
        ContentType::File,
        ContentType::Link,
        ContentType::Money,
        ContentType::Poll,
        ContentType::Other,
    ];

    /// The lowercase name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Text => "text",
            ContentType::Image => "image",
            ContentType::Sticker => "sticker",
            ContentType::Voice => "voice",
            ContentType::Video => "video",
            ContentType::File => "file",
            ContentType::Link => "link",
            ContentType::Money => "money",
            ContentType::Poll => "poll",
            ContentType::Other => "other",
        }
    }

    /// Parses [`ContentType::as_str`] back; unknown names are `Other`.
    pub fn parse(s: &str) -> ContentType {
        ContentType::ALL.into_iter().find(|c| c.as_str() == s).unwrap_or(ContentType::Other)
    }
}

/// A group's lifecycle stage (DESIGN.md §5): 萌芽 → 成长 → 活跃互动 → 衰亡 → 沉寂.
/// The insight engine assigns it by rules; the simulator plants it as truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// 萌芽: newly created.
    Emerging,
    /// 成长: rising.
    Growing,
    /// 活跃互动: a steady conversation.
    Active,
    /// 衰亡: falling.
    Declining,
    /// 沉寂: no conversation left.
    Silent,
}

impl Stage {
    /// The code name, as in JSON (`growing`); people read it through the
    /// application layer's catalogue (`stage.growing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Emerging => "emerging",
            Stage::Growing => "growing",
            Stage::Active => "active",
            Stage::Declining => "declining",
            Stage::Silent => "silent",
        }
    }
}

/// A role a member holds in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 群主
    Owner,
    /// 副群主
    Deputy,
    /// 管理员
    Admin,
    /// An opinion leader the operator designated.
    Kol,
    /// An ordinary member (used to revoke a role).
    Member,
}

impl Role {
    /// The lowercase name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Deputy => "deputy",
            Role::Admin => "admin",
            Role::Kol => "kol",
            Role::Member => "member",
        }
    }
}

/// Where an event happened and who did it: the part every event shares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The platform of the group.
    pub platform: Platform,
    /// The group's id on its platform (chatroom id, channel id, or the group
    /// name where the export has nothing better).
    pub group: String,
    /// The group's display name at the time of the event, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// The actor's platform id; `None` when the export names them only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The actor's display name at the time of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_name: Option<String>,
    /// When it happened.
    pub at: Timestamp,
    /// The source's own id for this event, when it has one. It is the natural
    /// key; sources without ids put a [`crate::fallback_key`] here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A person named in an event other than its actor (an inviter, a mention).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    /// Platform id, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl PersonRef {
    /// A reference by platform id.
    pub fn id(id: impl Into<String>) -> Self {
        PersonRef { id: Some(id.into()), name: None }
    }
    /// A reference by display name only.
    pub fn name(name: impl Into<String>) -> Self {
        PersonRef { id: None, name: Some(name.into()) }
    }
}

/// A message posted in a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Where, who, when.
    #[serde(flatten)]
    pub header: Header,
    /// The id of the message this one replies to or quotes, if explicit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Members @mentioned, by id or by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<PersonRef>,
    /// What the message carries.
    #[serde(default)]
    pub content_type: ContentType,
    /// The text (for non-text content, a caption or the export's placeholder).
    #[serde(default)]
    pub text: String,
    /// Sent by a bot or integration, per the export.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot: bool,
    /// When the message was last edited, if the export says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
}

/// A member entering or leaving a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// The member who joined or left, and when.
    #[serde(flatten)]
    pub header: Header,
    /// Who invited (for a join) or removed (for a leave) them, if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonRef>,
}

/// A member's role in a group changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleChange {
    /// The member whose role changed, and when.
    #[serde(flatten)]
    pub header: Header,
    /// The new role.
    pub role: Role,
    /// Who changed it, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonRef>,
}

/// A message withdrawn by its sender (撤回) or deleted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recall {
    /// Who withdrew it, and when.
    #[serde(flatten)]
    pub header: Header,
    /// The id of the withdrawn message, if the export says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A check-in (打卡) toward a habit or challenge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkin {
    /// Who checked in, and when.
    #[serde(flatten)]
    pub header: Header,
    /// The challenge's name, e.g. "早起读书".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// The day number the member stated ("第12天"), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    /// What they reported.
    #[serde(default)]
    pub text: String,
}

/// A purchase by a member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Who bought, and when; `id` is the order number.
    #[serde(flatten)]
    pub header: Header,
    /// The amount in the currency's minor unit (分 for CNY).
    pub amount_minor: i64,
    /// ISO 4217 code; CNY when absent.
    #[serde(default = "cny")]
    pub currency: String,
    /// What was bought.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
}

/// A reaction (emoji, like) to a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// Who reacted, and when.
    #[serde(flatten)]
    pub header: Header,
    /// The id of the message reacted to.
    pub target: String,
    /// The emoji or reaction name.
    pub emoji: String,
}

fn cny() -> String {
    "CNY".to_string()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The canonical event: one JSON object per line, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Event {
    Message(Message),
    Join(Membership),
    Leave(Membership),
    Role(RoleChange),
    Recall(Recall),
    Checkin(Checkin),
    Order(Order),
    Reaction(Reaction),
}

impl Event {
    /// The part every event shares.
    pub fn header(&self) -> &Header {
        match self {
            Event::Message(e) => &e.header,
            Event::Join(e) | Event::Leave(e) => &e.header,
            Event::Role(e) => &e.header,
            Event::Recall(e) => &e.header,
            Event::Checkin(e) => &e.header,
            Event::Order(e) => &e.header,
            Event::Reaction(e) => &e.header,
        }
    }

    /// The part every event shares, to change (a reader fills in `id`).
    pub fn header_mut(&mut self) -> &mut Header {
        match self {
            Event::Message(e) => &mut e.header,
            Event::Join(e) | Event::Leave(e) => &mut e.header,
            Event::Role(e) => &mut e.header,
            Event::Recall(e) => &mut e.header,
            Event::Checkin(e) => &mut e.header,
            Event::Order(e) => &mut e.header,
            Event::Reaction(e) => &mut e.header,
        }
    }

    /// The `kind` tag as written in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Message(_) => "message",
            Event::Join(_) => "join",
            Event::Leave(_) => "leave",
            Event::Role(_) => "role",
            Event::Recall(_) => "recall",
            Event::Checkin(_) => "checkin",
            Event::Order(_) => "order",
            Event::Reaction(_) => "reaction",
        }
    }

    /// Checks what serde cannot: an actor must be named by id or by name, and
    /// ids and names must not be empty strings.
    pub fn validate(&self) -> Result<(), InvalidEvent> {
        let h = self.header();
        if h.group.trim().is_empty() {
            return Err(InvalidEvent(Msg::new("source.event_no_group")));
        }
        let named = h.member.as_deref().is_some_and(|m| !m.is_empty())
            || h.member_name.as_deref().is_some_and(|m| !m.is_empty());
        if !named {
            return Err(InvalidEvent(Msg::new("source.event_no_member")));
        }
        if h.id.as_deref() == Some("") {
            return Err(InvalidEvent(Msg::new("source.event_empty_id")));
        }
        Ok(())
    }
}

/// Why an event is not acceptable, in catalogue words.
#[derive(Debug, thiserror::Error)]
#[error("invalid event: {0}")]
pub struct InvalidEvent(pub crate::msg::Msg);

/// Where events go: a store transaction, a JSONL writer, a test's `Vec`.
///
/// Sources push; the sink may refuse (the store rejects an invalid event), and
/// the source then stops and passes the error up.
pub trait EventSink {
    /// Accepts one event.
    fn push(&mut self, event: Event) -> Result<(), SinkError>;
    /// Says, before the first event, that the export writes wall-clock times
    /// without a zone (the offsets come from `--tz`): the store then keys
    /// events on the clock as written, so reading the file again with
    /// another `--tz` adds nothing.
    fn local_times(&mut self) {}
    /// Names the IANA zone local times are read in (`--tz Europe/Berlin`):
    /// a group the file creates keeps it, so its local hours and days follow
    /// daylight saving time.
    fn zone(&mut self, _iana_name: &str) {}
}

/// A sink's refusal, carried through a source unchanged.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

impl EventSink for Vec<Event> {
    fn push(&mut self, event: Event) -> Result<(), SinkError> {
        self.push(event);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_md_example_parses() {
        let line = r#"{"kind":"message","platform":"wechat","group":"g-ext-id","group_name":"读书会1群","member":"wxid_abc","member_name":"小李","at":"2024-03-01T21:05:00+08:00","id":"source-message-id","reply_to":"other-id","mentions":[{"id":"wxid_x"}],"content_type":"text","text":"..."}"#;
        let ev: Event = serde_json::from_str(line).unwrap();
        let Event::Message(m) = &ev else { panic!("not a message: {ev:?}") };
        assert_eq!(m.header.platform, Platform::Wechat);
        assert_eq!(m.header.at.offset().local_minus_utc(), 8 * 3600);
        assert_eq!(m.reply_to.as_deref(), Some("other-id"));
        assert_eq!(m.mentions, vec![PersonRef::id("wxid_x")]);
        // Round trip keeps every field.
        let again: Event = serde_json::from_str(&serde_json::to_string(&ev).unwrap()).unwrap();
        assert_eq!(ev, again);
    }

    #[test]
    fn join_with_inviter_by_name() {
        let line = r#"{"kind":"join","platform":"wechat","group":"g","member_name":"小徐","by":{"name":"小李"},"at":"2024-03-01T20:56:10+08:00"}"#;
        let ev: Event = serde_json::from_str(line).unwrap();
        ev.validate().unwrap();
        let Event::Join(j) = ev else { panic!() };
        assert_eq!(j.by, Some(PersonRef::name("小李")));
    }

    #[test]
    fn anonymous_events_are_invalid() {
        let line = r#"{"kind":"leave","platform":"qq","group":"g","at":"2024-03-01T20:56:10+08:00"}"#;
        let ev: Event = serde_json::from_str(line).unwrap();
        assert!(ev.validate().is_err());
    }

    #[test]
    fn platform_names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>().unwrap(), p);
        }
        assert!("myspace".parse::<Platform>().is_err());
    }
}
