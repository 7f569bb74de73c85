//! DiscordChatExporter's JSON export (Tyrrrz/DiscordChatExporter 2.x, `-f Json`,
//! also what DiscordChatExporter-frontend reads): one channel per file,
//! `{"guild", "channel", "dateRange", "messages": [...], "messageCount"}`.
//!
//! Read as a stream like [`crate::telegram`]: each element of `messages` is
//! cut out of the text and deserialized on its own, borrowing its strings; `guild` and `channel` must come before it
//! (the exporter writes them first).
//!
//! Mapping:
//! - group: `channel.id`; group name: `"guild / channel"` for server channels,
//!   the channel name alone for direct messages (guild id `0`).
//! - `type` `Default`, `Reply` and the slash-command replies (`20`/`23`,
//!   `ChatInputCommand`, `ContextMenuCommand`) → [`Event::Message`]: `id` →
//!   id; `author.id` → member; `author.nickname` (else `author.name`) →
//!   member name; `author.isBot` → bot; `content` → text;
//!   `reference.messageId` → reply_to when the reference is in the same
//!   channel (cross-channel references are crossposts, not replies);
//!   `mentions[]` → mentions by id, with their shown name;
//!   `timestampEdited` → edited_at.
//! - content type: the first attachment's extension (image, video,
//!   `voice-message.ogg` → voice, else file); else a sticker → sticker; else a
//!   message that is only a URL → link; else an empty message with embeds →
//!   other; else text.
//! - `GuildMemberJoin` → [`Event::Join`] of the author (keyed by the message
//!   id). `RecipientAdd` → a join of each mentioned user, `by` the author;
//!   `RecipientRemove` → a leave of each mentioned user, `by` the author (no
//!   `by` when they removed themselves, i.e. left).
//!
//! Deleted users: the exporter writes them as `"Deleted User"` with their own
//! (still unique) id; they are kept as such, so two deleted users stay two
//! members. Duplicated message ids (an exporter quirk the fixtures show: one
//! message written twice) are passed through as they are; the store keys
//! messages by id within the channel and keeps the first, counting the second
//! as a duplicate. Dedupping here would need a set of every id, which rule 2
//! of `docs/specs/source.md` forbids.
//!
//! Times carry the exporter's offset (`2019-01-04T17:52:39.762+00:00`); a time
//! without one is read in `--tz` (default UTC).
//!
//! Dropped: calls, pins, channel name/icon changes, thread creations, boosts
//! and other system messages; reactions (counts only, no reactor); embeds'
//! content; roles, colours, avatars.

use crate::common::content::{attachment_type, text_type};
use crate::common::json::{self, Fail, JsonStream, Scalar, Str};
use crate::{Input, Position, ReadOptions, Source, SourceError};
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;
use serde::de::IgnoredAny;
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Membership, Message, PersonRef, Platform, Timestamp};

/// DiscordChatExporter's JSON export.
pub struct DiscordJson;

impl Source for DiscordJson {
    fn name(&self) -> &'static str {
        "discord-json"
    }

    fn description(&self) -> &'static str {
        "DiscordChatExporter JSON export of one channel (guild, channel, messages)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let keys = json::top_level_entries(head);
        keys.first().is_some_and(|(k, _)| *k == "guild") && keys.iter().any(|(k, _)| *k == "channel")
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let mut reader = Reader { sink, tz: opts.tz_or(0) };
        let (mut guild, mut channel) = (None::<Named>, None::<Named>);
        let mut found = false;
        let mut js = JsonStream::new(input);
        js.object(|js, key| match key.as_str() {
            "guild" => {
                guild = js.value()?;
                Ok(())
            }
            "channel" => {
                channel = js.value()?;
                Ok(())
            }
            "messages" => {
                let Some(Named { id: Some(id), name }) = channel.take() else {
                    return Err(js.error(Msg::new("source.channel_after_messages")));
                };
                let name = name.filter(|n| !n.is_empty());
                let guild_name = guild
                    .as_ref()
                    .filter(|g| g.id.as_deref().is_some_and(|id| id != "0"))
                    .and_then(|g| g.name.as_deref())
                    .filter(|n| !n.is_empty());
                let name = match (guild_name, name) {
                    (Some(g), Some(c)) => Some(format!("{g} / {c}")),
                    (_, c) => c,
                };
                let chat = Channel { id, name };
                found = true;
                js.array(|js| {
                    js.with_raw(|raw| {
                        let m: RawMessage<'_> = raw.parse()?;
                        reader.message(&chat, m).map_err(|fail| fail.at(raw))
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
                Msg::new("source.not_this_format")
                    .text("field", "`messages`")
                    .text("format", "DiscordChatExporter JSON"),
            ));
        }
        Ok(())
    }
}

struct Reader<'s> {
    sink: &'s mut dyn EventSink,
    tz: crate::Zone,
}

/// `guild` and `channel`: what names the group.
#[derive(Deserialize)]
struct Named {
    id: Option<String>,
    name: Option<String>,
}

struct Channel {
    id: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Scalar<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(rename = "timestampEdited", borrow)]
    edited: Option<Str<'a>>,
    #[serde(borrow)]
    content: Option<Str<'a>>,
    #[serde(borrow)]
    author: Option<User<'a>>,
    #[serde(borrow)]
    attachments: Option<Vec<Attachment<'a>>>,
    stickers: Option<Vec<IgnoredAny>>,
    embeds: Option<Vec<IgnoredAny>>,
    #[serde(borrow)]
    mentions: Option<Vec<User<'a>>>,
    #[serde(borrow)]
    reference: Option<Reference<'a>>,
}

#[derive(Deserialize)]
struct User<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    nickname: Option<Str<'a>>,
    #[serde(rename = "isBot")]
    is_bot: Option<bool>,
}

impl User<'_> {
    /// (id, shown name): the nickname wins over the account name.
    fn person(self) -> (Option<String>, Option<String>) {
        let id = self.id.map(Scalar::into_string).filter(|s| !s.is_empty());
        let nick = self.nickname.map(Str::into_string).filter(|s| !s.is_empty());
        (id, nick.or_else(|| self.name.map(Str::into_string).filter(|s| !s.is_empty())))
    }
}

#[derive(Deserialize)]
struct Attachment<'a> {
    #[serde(rename = "fileName", borrow)]
    file_name: Option<Str<'a>>,
    #[serde(borrow)]
    url: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(rename = "messageId", borrow)]
    message_id: Option<Scalar<'a>>,
    #[serde(rename = "channelId", borrow)]
    channel_id: Option<Scalar<'a>>,
}

impl Reader<'_> {
    fn message(&mut self, channel: &Channel, m: RawMessage<'_>) -> Result<(), Fail> {
        let kind = match &m.kind {
            Some(Scalar::Str(s)) => &**s,
            Some(Scalar::Int(0)) | None => "Default",
            Some(Scalar::Int(19)) => "Reply",
            Some(Scalar::Int(7)) => "GuildMemberJoin",
            Some(Scalar::Int(_)) => "",
        };
        let event = match kind {
            "Default" | "Reply" | "20" | "23" | "ChatInputCommand" | "ContextMenuCommand" => Kind::Message,
            "GuildMemberJoin" | "7" => Kind::Joined,
            "RecipientAdd" | "1" => Kind::Added,
            "RecipientRemove" | "2" => Kind::Removed,
            _ => return Ok(()),
        };
        let at = match &m.timestamp {
            Some(t) => parse_time(&t.0, self.tz).ok_or_else(|| {
                Fail::Data(
                    Msg::new("source.not_iso_time").text("field", "`timestamp`").text("value", format!("{:?}", t.0)),
                )
            })?,
            None => return Err(Fail::Data(Msg::new("source.record_without").text("fields", "`timestamp`"))),
        };
        let id = m.id.map(Scalar::into_string).filter(|s| !s.is_empty());
        let (member, member_name, bot) = match m.author {
            Some(a) => {
                let bot = a.is_bot.unwrap_or(false);
                let (id, name) = a.person();
                (id, name, bot)
            }
            None => (None, None, false),
        };
        if member.is_none() && member_name.is_none() {
            return Err(Fail::Data(Msg::new("source.record_without").text("fields", "`author`")));
        }
        let header = Header {
            platform: Platform::Discord,
            group: channel.id.clone(),
            group_name: channel.name.clone(),
            member,
            member_name,
            at,
            id,
        };
        match event {
            Kind::Message => {
                let edited_at = match &m.edited {
                    Some(t) => Some(parse_time(&t.0, self.tz).ok_or_else(|| {
                        Fail::Data(
                            Msg::new("source.not_iso_time")
                                .text("field", "`timestampEdited`")
                                .text("value", format!("{:?}", t.0)),
                        )
                    })?),
                    None => None,
                };
                let reply_to = m.reference.and_then(|r| {
                    let here = match &r.channel_id {
                        None => true,
                        Some(Scalar::Str(c)) => *c == channel.id,
                        Some(Scalar::Int(c)) => c.to_string() == channel.id,
                    };
                    r.message_id.filter(|_| here).map(Scalar::into_string).filter(|s| !s.is_empty())
                });
                let mut mentions: Vec<PersonRef> = Vec::new();
                for u in m.mentions.unwrap_or_default() {
                    let (id, name) = u.person();
                    let p = PersonRef { id, name };
                    if (p.id.is_some() || p.name.is_some()) && !mentions.contains(&p) {
                        mentions.push(p);
                    }
                }
                let text = m.content.map(Str::into_string).unwrap_or_default();
                let first = m.attachments.as_ref().and_then(|a| a.first());
                let content_type = match first {
                    Some(a) => {
                        let name = a.file_name.as_ref().or(a.url.as_ref()).map_or("", |s| &*s.0);
                        attachment_type(name)
                    }
                    None if m.stickers.is_some_and(|s| !s.is_empty()) => ContentType::Sticker,
                    None if m.embeds.is_some_and(|e| !e.is_empty()) && text.trim().is_empty() => ContentType::Other,
                    None => text_type(&text),
                };
                let message = Message { header, reply_to, mentions, content_type, text, bot, edited_at };
                self.push(Event::Message(message))
            }
            Kind::Joined => self.push(Event::Join(Membership { header, by: None })),
            Kind::Added | Kind::Removed => {
                let actor = PersonRef { id: header.member.clone(), name: header.member_name.clone() };
                let targets = m.mentions.unwrap_or_default();
                let only_self = targets.is_empty();
                if only_self && matches!(event, Kind::Removed) {
                    return self.push(Event::Leave(Membership { header, by: None }));
                }
                for u in targets {
                    let (id, name) = u.person();
                    let themself = if id.is_some() { id == actor.id } else { name == actor.name };
                    let by = (!themself).then(|| actor.clone());
                    let mut h = header.clone();
                    // One system message can add several people: key each by the message id and the person.
                    h.id = header.id.as_ref().map(|mid| format!("{mid}:{}", id.as_deref().unwrap_or_default()));
                    (h.member, h.member_name) = (id, name);
                    if h.member.is_none() && h.member_name.is_none() {
                        continue;
                    }
                    let ms = Membership { header: h, by };
                    self.push(if matches!(event, Kind::Added) { Event::Join(ms) } else { Event::Leave(ms) })?;
                }
                Ok(())
            }
        }
    }

    fn push(&mut self, event: Event) -> Result<(), Fail> {
        self.sink.push(event).map_err(Fail::Sink)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Message,
    Joined,
    Added,
    Removed,
}

/// An exporter time: RFC 3339 with an offset, or zoneless in `tz`.
fn parse_time(s: &str, tz: crate::Zone) -> Option<Timestamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    tz.from_local(naive)
}
