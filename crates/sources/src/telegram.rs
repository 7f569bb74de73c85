//! Telegram Desktop's JSON export (`result.json`, "Export chat history" or
//! "Export Telegram data" with the JSON format), as written by Telegram Desktop
//! 2.x–5.x. Older exports (before ~2020) had integer `from_id`s and no
//! `date_unixtime`/`text_entities`; both generations are read.
//!
//! Two layouts:
//! - a single chat: `{"name", "type", "id", "messages": [...]}`;
//! - the whole account: `{"about", "personal_information", ..., "chats":
//!   {"list": [chat, ...]}, "left_chats": {"list": [chat, ...]}}`, each chat
//!   laid out like the single-chat file. Every chat becomes its own group.
//!
//! The file is read as a stream (`common::json::JsonStream`): the top-level
//! object is walked key by key and each `messages` element is cut out whole
//! and deserialized on its own, borrowing its strings, so memory does not
//! grow with the number of messages or the size of the file and no JSON tree
//! is built. A chat's `id` must come before its `messages` (Telegram Desktop
//! always writes it so); otherwise the file is refused with a position.
//!
//! Mapping:
//! - group: the chat `id` as a decimal string; group name: the chat `name`.
//! - `type: "message"` → [`Event::Message`]: `id` → id; `from_id` → member
//!   (`"user123"` or `"channel123"` kept as written; an old integer `123`
//!   becomes `"user123"`); `from` → member name (`"Deleted Account"` when both
//!   are missing); `reply_to_message_id` → reply_to, unless
//!   `reply_to_peer_id` names another chat; `text` (a string, or an array of
//!   strings and `{type, text}` entity objects) → flattened plain text;
//!   mentions from `text_entities` (or, in exports without it, from the
//!   entity objects in `text`): `mention` `@username` → a name reference
//!   (`username`), `mention_name` → `user<user_id>` with the shown name;
//!   `edited`/`edited_unixtime` → edited_at; `via_bot`, and every message of
//!   the bot in a `bot_chat`, → bot.
//! - content type: `photo` → image; `media_type` `sticker` → sticker,
//!   `voice_message` → voice, `video_file`/`video_message` → video,
//!   `animation` (GIF) → image, other media (`audio_file`, ...) and `file` →
//!   file; `poll` → poll; location, contact, game, invoice, dice → other.
//! - `type: "service"` by `action`: `invite_members` and `create_group` → one
//!   [`Event::Join`] per name in `members`, `by` the actor (no `by` when the
//!   actor added themself, as for a public group); `join_group_by_link` and
//!   `join_group_by_request` → a join of the actor; `remove_members` → one
//!   [`Event::Leave`] per name, `by` the actor, or no `by` when the actor
//!   removed themself (that is how Telegram records "X left"). The export
//!   names invited and removed people only by display name, so those events
//!   carry `member_name` only (the store resolves names within the group);
//!   membership events have no `id` (their key is a content hash). A `null`
//!   name (a deleted account) becomes `"Deleted Account"`.
//!
//! Times: `date_unixtime` (UTC seconds) when present. The offset is then the
//! difference between the zoneless local `date` and `date_unixtime`, i.e. the
//! exporting computer's offset, which the export thereby states; without a
//! usable `date` it is `--tz`, else UTC. Exports without `date_unixtime` give
//! only the zoneless local `date`, read in `--tz` (default UTC); a `date` with
//! its own offset (`...Z`) keeps it.
//!
//! Dropped: every other service action (`pin_message`, `migrate_*`,
//! `phone_call`, `edit_group_title`, `joined_telegram`, ...), forwarding
//! information, reactions (the export has counts only), inline keyboards,
//! file paths and sizes, and the account sections of the full export
//! (contacts, sessions, profile pictures).

use crate::common::json::{self, Fail, Id, JsonStream, Scalar, Str};
use crate::{Input, Position, ReadOptions, Source, SourceError};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Membership, Message, PersonRef, Platform, Timestamp};

/// Telegram Desktop's JSON export.
pub struct Telegram;

/// The chat `type`s Telegram Desktop writes.
const CHAT_TYPES: &[&str] = &[
    "personal_chat",
    "bot_chat",
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
    "saved_messages",
    "replies",
    "verification_codes",
];

/// Top-level sections of the full-account export, one of which follows `about`.
const ACCOUNT_SECTIONS: &[&str] = &[
    "personal_information",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
    "sessions",
    "web_sessions",
    "other_data",
    "chats",
    "left_chats",
];

/// Shown for people the export names neither by id nor by name.
const DELETED: &str = "Deleted Account";

impl Source for Telegram {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn description(&self) -> &'static str {
        "Telegram Desktop JSON export (result.json): one chat, or the whole account's chats"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let keys = json::top_level_entries(head);
        let Some(first) = keys.first() else { return false };
        if first.0 == "about" {
            return keys.iter().skip(1).any(|(k, _)| ACCOUNT_SECTIONS.contains(k));
        }
        let typed = keys.iter().any(|(k, v)| *k == "type" && v.is_some_and(|v| CHAT_TYPES.contains(&v)));
        typed && keys.iter().any(|(k, _)| *k == "id") && keys.iter().any(|(k, _)| *k == "messages")
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let mut reader = Reader { sink, tz: opts.tz };
        let mut js = JsonStream::new(input);
        let found = reader.chat(&mut js, true)?;
        js.end()?;
        if !found {
            return Err(SourceError::parse(
                input.name(),
                Position::Whole,
                Msg::new("source.not_this_format")
                    .text("field", "`messages`/`chats`")
                    .text("format", "Telegram Desktop"),
            ));
        }
        Ok(())
    }
}

/// What every chat shares: where events go and how times are read.
struct Reader<'s> {
    sink: &'s mut dyn EventSink,
    /// `--tz`, for zoneless dates.
    tz: Option<crate::Zone>,
}

/// One chat's identity, known before its messages.
struct Chat {
    group: String,
    name: Option<String>,
    /// In a `bot_chat`, the bot's member id (the chat id is the bot's user id).
    bot: Option<String>,
}

impl Reader<'_> {
    /// A chat object (or, with `top`, the whole file, which may instead hold
    /// the account export's `chats` and `left_chats`, each `{"list": [chat,
    /// ...]}`). Whether it had any `messages` or `chats`.
    fn chat(&mut self, js: &mut JsonStream<'_, '_>, top: bool) -> Result<bool, SourceError> {
        let (mut id, mut name, mut kind) = (None::<String>, None::<String>, None::<String>);
        let mut found = false;
        js.object(|js, key| match key.as_str() {
            "id" => {
                id = js.value::<Option<Id>>()?.map(|i| i.0);
                Ok(())
            }
            "name" => {
                name = js.value()?;
                Ok(())
            }
            "type" => {
                kind = js.value()?;
                Ok(())
            }
            "messages" => {
                let Some(group) = id.clone() else {
                    return Err(js.error(Msg::new("source.chat_id_after_messages")));
                };
                let bot = (kind.as_deref() == Some("bot_chat")).then(|| format!("user{group}"));
                let chat = Chat { group, name: name.clone().filter(|n| !n.is_empty()), bot };
                found = true;
                js.array(|js| {
                    js.with_raw(|raw| {
                        let m: RawMessage<'_> = raw.parse()?;
                        self.message(&chat, m).map_err(|fail| fail.at(raw))
                    })
                })
            }
            "chats" | "left_chats" if top => {
                found = true;
                js.object(
                    |js, key| {
                        if key == "list" { js.array(|js| self.chat(js, false).map(|_| ())) } else { js.skip() }
                    },
                )
            }
            _ => js.skip(),
        })?;
        Ok(found)
    }
}

/// One element of `messages`, borrowing its strings from the file. Fields not
/// listed are skipped unparsed.
#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    date: Option<Str<'a>>,
    #[serde(borrow)]
    date_unixtime: Option<Scalar<'a>>,
    #[serde(borrow)]
    edited: Option<Str<'a>>,
    #[serde(borrow)]
    edited_unixtime: Option<Scalar<'a>>,
    #[serde(borrow)]
    from: Option<Str<'a>>,
    #[serde(borrow)]
    from_id: Option<Scalar<'a>>,
    #[serde(borrow)]
    actor: Option<Str<'a>>,
    #[serde(borrow)]
    actor_id: Option<Scalar<'a>>,
    #[serde(borrow)]
    action: Option<Str<'a>>,
    #[serde(borrow)]
    members: Option<Vec<Option<Str<'a>>>>,
    #[serde(borrow)]
    reply_to_message_id: Option<Scalar<'a>>,
    #[serde(borrow)]
    reply_to_peer_id: Option<Scalar<'a>>,
    text: Option<Text>,
    text_entities: Option<Entities>,
    photo: Option<IgnoredAny>,
    #[serde(borrow)]
    media_type: Option<Str<'a>>,
    file: Option<IgnoredAny>,
    via_bot: Option<IgnoredAny>,
    poll: Option<IgnoredAny>,
    location_information: Option<IgnoredAny>,
    contact_information: Option<IgnoredAny>,
    game_title: Option<IgnoredAny>,
    invoice_information: Option<IgnoredAny>,
    dice: Option<IgnoredAny>,
}

impl Reader<'_> {
    /// Turns one message into zero or more events and pushes them.
    fn message(&mut self, chat: &Chat, m: RawMessage<'_>) -> Result<(), Fail> {
        match m.kind.as_ref().map(|k| &*k.0) {
            Some("message") => self.post(chat, m),
            Some("service") => self.service(chat, m),
            _ => Ok(()),
        }
    }

    fn push(&mut self, event: Event) -> Result<(), Fail> {
        self.sink.push(event).map_err(Fail::Sink)
    }

    fn header(&self, chat: &Chat, member: Option<String>, member_name: Option<String>, at: Timestamp) -> Header {
        let member_name = if member.is_none() && member_name.is_none() { Some(DELETED.into()) } else { member_name };
        Header {
            platform: Platform::Telegram,
            group: chat.group.clone(),
            group_name: chat.name.clone(),
            member,
            member_name,
            at,
            id: None,
        }
    }

    /// An ordinary message.
    fn post(&mut self, chat: &Chat, m: RawMessage<'_>) -> Result<(), Fail> {
        let at = when("date", m.date.as_ref(), m.date_unixtime.as_ref(), self.tz)?;
        let edited_at = match (&m.edited, &m.edited_unixtime) {
            (None, None) => None,
            (e, u) => Some(when("edited", e.as_ref(), u.as_ref(), self.tz)?),
        };
        let member = m.from_id.map(peer).filter(|p| !p.is_empty());
        let bot = m.via_bot.is_some() || (chat.bot.is_some() && member == chat.bot);
        let mut header = self.header(chat, member, nonempty(m.from), at);
        header.id = m.id.map(Scalar::into_string).filter(|s| !s.is_empty());
        let reply_to = match (m.reply_to_message_id, &m.reply_to_peer_id) {
            (Some(r), None) => Some(r.into_string()),
            (Some(r), Some(p)) if same_chat(p, &chat.group) => Some(r.into_string()),
            _ => None,
        }
        .filter(|r| !r.is_empty());
        let content_type = if m.photo.is_some() {
            ContentType::Image
        } else if let Some(media) = &m.media_type {
            match &*media.0 {
                "sticker" => ContentType::Sticker,
                "voice_message" => ContentType::Voice,
                "video_file" | "video_message" => ContentType::Video,
                "animation" => ContentType::Image,
                _ => ContentType::File,
            }
        } else if m.file.is_some() {
            ContentType::File
        } else if m.poll.is_some() {
            ContentType::Poll
        } else if m.location_information.is_some()
            || m.contact_information.is_some()
            || m.game_title.is_some()
            || m.invoice_information.is_some()
            || m.dice.is_some()
        {
            ContentType::Other
        } else {
            ContentType::Text
        };
        let text = m.text.unwrap_or_default();
        let mentions = match m.text_entities {
            Some(e) => e.0,
            None => text.mentions,
        };
        self.push(Event::Message(Message { header, reply_to, mentions, content_type, text: text.flat, bot, edited_at }))
    }

    /// A service message: joins and leaves; everything else is dropped.
    fn service(&mut self, chat: &Chat, m: RawMessage<'_>) -> Result<(), Fail> {
        let action = m.action.as_ref().map(|a| &*a.0).unwrap_or("");
        let leave = match action {
            "invite_members" | "create_group" | "join_group_by_link" | "join_group_by_request" => false,
            "remove_members" => true,
            _ => return Ok(()),
        };
        let at = when("date", m.date.as_ref(), m.date_unixtime.as_ref(), self.tz)?;
        let actor_id = m.actor_id.map(peer).filter(|p| !p.is_empty());
        let actor_name = nonempty(m.actor);
        let wrap = |ms: Membership| if leave { Event::Leave(ms) } else { Event::Join(ms) };
        if matches!(action, "join_group_by_link" | "join_group_by_request") {
            let header = self.header(chat, actor_id, actor_name, at);
            return self.push(wrap(Membership { header, by: None }));
        }
        let by = (actor_id.is_some() || actor_name.is_some())
            .then(|| PersonRef { id: actor_id.clone(), name: actor_name.clone() });
        for name in m.members.unwrap_or_default() {
            let name = name.map(Str::into_string).filter(|n| !n.is_empty()).unwrap_or_else(|| DELETED.into());
            let ms = if actor_name.as_deref() == Some(name.as_str()) {
                Membership { header: self.header(chat, actor_id.clone(), Some(name), at), by: None }
            } else {
                Membership { header: self.header(chat, None, Some(name), at), by: by.clone() }
            };
            self.push(wrap(ms))?;
        }
        Ok(())
    }
}

/// A `from_id`/`actor_id`: `"user123"` as written; an old integer id is a user.
fn peer(id: Scalar<'_>) -> String {
    match id {
        Scalar::Int(n) => format!("user{n}"),
        Scalar::Str(s) => s.into_owned(),
    }
}

/// Whether `reply_to_peer_id` (`"channel123"`, `"chat123"`, `"user123"` or
/// `123`) is the chat itself.
fn same_chat(peer: &Scalar<'_>, group: &str) -> bool {
    match peer {
        Scalar::Int(n) => n.to_string() == group,
        Scalar::Str(s) => s.trim_start_matches(|c: char| c.is_ascii_alphabetic()) == group,
    }
}

fn nonempty(s: Option<Str<'_>>) -> Option<String> {
    s.map(Str::into_string).filter(|s| !s.is_empty())
}

/// The time of a message from its `date` (zoneless local time, or with an
/// offset) and `date_unixtime` (seconds, as a string or a number).
fn when(
    what: &str,
    date: Option<&Str<'_>>,
    unix: Option<&Scalar<'_>>,
    tz: Option<crate::Zone>,
) -> Result<Timestamp, Fail> {
    let default = tz.unwrap_or(crate::Zone::hours(0));
    let local = match date {
        Some(d) => Some(parse_date(&d.0).ok_or_else(|| {
            Fail::Data(
                Msg::new("source.telegram_date").text("field", format!("`{what}`")).text("value", format!("{:?}", d.0)),
            )
        })?),
        None => None,
    };
    let Some(unix) = unix else {
        return match local {
            Some(Local::Zoned(t)) => Ok(t),
            Some(Local::Naive(n)) => {
                default.from_local(n).ok_or_else(|| Fail::Data(Msg::new("source.time_out_of_range")))
            }
            None => Err(Fail::Data(Msg::new("source.record_without").text("fields", format!("`{what}`")))),
        };
    };
    let secs = match unix {
        Scalar::Int(n) => Some(*n),
        Scalar::Str(s) => s.trim().parse::<i64>().ok(),
    };
    let instant = secs.and_then(|s| DateTime::from_timestamp(s, 0)).ok_or_else(|| {
        Fail::Data(Msg::new("source.not_unix_seconds").text("field", format!("`{what}_unixtime`")).text(
            "value",
            match unix {
                Scalar::Int(n) => n.to_string(),
                Scalar::Str(s) => format!("{s:?}"),
            },
        ))
    })?;
    let offset = match local {
        Some(Local::Zoned(t)) => *t.offset(),
        Some(Local::Naive(n)) => {
            let diff = n.and_utc().timestamp().checked_sub(instant.timestamp());
            diff.filter(|d| d.abs() <= 14 * 3600 && d % 60 == 0)
                .and_then(|d| FixedOffset::east_opt(d as i32))
                .unwrap_or(*default.from_utc(instant).offset())
        }
        None => *default.from_utc(instant).offset(),
    };
    Ok(instant.with_timezone(&offset))
}

/// A `date` as written: usually zoneless.
enum Local {
    Naive(NaiveDateTime),
    Zoned(DateTime<FixedOffset>),
}

/// Parses `2019-07-05T16:55:32` quickly, and anything else RFC 3339-like
/// (`2017-01-01T06:20:09.248Z`, with fractions or an offset) slowly.
fn parse_date(s: &str) -> Option<Local> {
    let b = s.as_bytes();
    if b.len() == 19 && b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ') && b[13] == b':' {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
        };
        let d = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
        return d.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?).map(Local::Naive);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Local::Zoned(t));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(Local::Naive)
}

/// A message's `text`: a string, or an array of strings and entity objects.
#[derive(Default)]
struct Text {
    flat: String,
    mentions: Vec<PersonRef>,
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of strings and text entities")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text { flat: v.to_string(), mentions: Vec::new() })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text { flat: v, mentions: Vec::new() })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        let mut text = Text::default();
        while let Some(part) = seq.next_element::<Part<'de>>()? {
            text.flat.push_str(part.text.as_ref().map_or("", |t| &*t.0));
            part.mention_into(&mut text.mentions);
        }
        Ok(text)
    }
}

/// `text_entities`: only the mentions are kept (the text is in `text`).
struct Entities(Vec<PersonRef>);

impl<'de> Deserialize<'de> for Entities {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(EntitiesVisitor)
    }
}

struct EntitiesVisitor;

impl<'de> Visitor<'de> for EntitiesVisitor {
    type Value = Entities;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of text entities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entities, A::Error> {
        let mut mentions = Vec::new();
        while let Some(part) = seq.next_element::<Part<'de>>()? {
            part.mention_into(&mut mentions);
        }
        Ok(Entities(mentions))
    }
}

/// One piece of a text: a plain string or `{"type", "text", "user_id"}`.
#[derive(Default)]
struct Part<'a> {
    kind: Option<Str<'a>>,
    text: Option<Str<'a>>,
    user_id: Option<Scalar<'a>>,
}

impl Part<'_> {
    /// Adds the person this entity mentions, if it is a mention, once.
    fn mention_into(self, out: &mut Vec<PersonRef>) {
        let text = self.text.map(Str::into_string).unwrap_or_default();
        let person = match self.kind.as_ref().map(|k| &*k.0) {
            Some("mention") => {
                let name = text.trim().trim_start_matches('@');
                if name.is_empty() {
                    return;
                }
                PersonRef::name(name)
            }
            Some("mention_name") => match self.user_id {
                Some(id) => PersonRef { id: Some(peer(id)), name: Some(text).filter(|t| !t.is_empty()) },
                None if !text.is_empty() => PersonRef::name(text),
                None => return,
            },
            _ => return,
        };
        if !out.contains(&person) {
            out.push(person);
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Part<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PartVisitor(std::marker::PhantomData))
    }
}

struct PartVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for PartVisitor<'a> {
    type Value = Part<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a text entity object")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Part<'a>, E> {
        Ok(Part { text: Some(Str(v.into())), ..Part::default() })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Part<'a>, E> {
        Ok(Part { text: Some(Str(v.to_string().into())), ..Part::default() })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Part<'a>, E> {
        Ok(Part { text: Some(Str(v.into())), ..Part::default() })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part<'a>, A::Error> {
        let mut part = Part::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match &*key.0 {
                "type" => part.kind = map.next_value()?,
                "text" => part.text = map.next_value()?,
                "user_id" => part.user_id = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(part)
    }
}
