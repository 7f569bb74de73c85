//! A community's history as columns in memory: what the insight engine reads.
//!
//! The store loads it (`Store::snapshot`); the insight crate computes over it
//! without I/O. One vector per attribute instead of one struct per message:
//! ten million messages fit in a few hundred megabytes and a metric is a pass
//! over a few arrays.

use crate::{ContentType, Platform, Role};
use std::ops::Range;

/// "No such index" in the index columns.
pub const NONE: u32 = u32::MAX;

/// A community's groups, members, messages and membership events up to a
/// moment (`as_of_ms`): nothing after it is loaded, so every figure computed
/// from a snapshot can be reproduced for any past day.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The community's name.
    pub community: String,
    /// The moment the snapshot describes (UTC milliseconds).
    pub as_of_ms: i64,
    /// Groups; a message's `group` indexes this.
    pub groups: Vec<GroupMeta>,
    /// Members; a message's `member` indexes this.
    pub members: Vec<MemberMeta>,
    /// Messages, sorted by group then time.
    pub messages: Messages,
    /// Joins, leaves and role changes, sorted by group then time.
    pub memberships: Vec<MembershipRow>,
}

impl Snapshot {
    /// The last moment (UTC ms) group `g`'s known history reaches: the end
    /// of what its files cover, or its last message or membership event if
    /// later; `None` for a group with nothing.
    pub fn history_end(&self, g: usize) -> Option<i64> {
        let group = &self.groups[g];
        let last_message = group.messages.clone().last().map(|i| self.messages.at_ms[i]);
        let last_membership = self.memberships[group.memberships.clone()].iter().map(|r| r.at_ms).max();
        [last_message, last_membership, group.covered.map(|c| c.1)].into_iter().flatten().max()
    }
}

/// One group of the snapshot.
#[derive(Clone, Debug)]
pub struct GroupMeta {
    /// The store's row id (stable within a database).
    pub store_id: i64,
    /// Platform.
    pub platform: Platform,
    /// The platform's id for the group.
    pub external_id: String,
    /// Display name.
    pub name: Option<String>,
    /// The group's UTC offset (seconds east), for local hours.
    pub tz_offset_s: i32,
    /// Its IANA zone, when it was imported with one: then local hours
    /// follow daylight saving time ([`GroupMeta::offset_at`]).
    pub zone: Option<chrono_tz::Tz>,
    /// Its messages: a range of indices into [`Snapshot::messages`].
    pub messages: Range<usize>,
    /// Its membership events: a range of indices into [`Snapshot::memberships`].
    pub memberships: Range<usize>,
    /// The span (UTC ms, inclusive) its imported files cover: where its
    /// known history starts and ends, which is not where its first and last
    /// messages are. `None` when nothing was recorded.
    pub covered: Option<(i64, i64)>,
}

impl GroupMeta {
    /// The group's UTC offset (seconds east) at `ms`: its zone's, daylight
    /// saving included, else the fixed offset.
    pub fn offset_at(&self, ms: i64) -> i32 {
        use chrono::{Offset, TimeZone};
        match (self.zone, chrono::DateTime::from_timestamp_millis(ms)) {
            (Some(tz), Some(t)) => tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc(),
            _ => self.tz_offset_s,
        }
    }

    /// The group's local date at `ms` (UTC ms).
    pub fn local_date(&self, ms: i64) -> chrono::NaiveDate {
        let local = ms + i64::from(self.offset_at(ms)) * 1000;
        chrono::DateTime::from_timestamp_millis(local).unwrap_or_default().date_naive()
    }

    /// The name to show: the display name, else the platform id.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.external_id)
    }
}

/// One member of the snapshot.
#[derive(Clone, Debug)]
pub struct MemberMeta {
    /// The store's row id.
    pub store_id: i64,
    /// Latest display name.
    pub name: String,
    /// Flagged as a bot by an export.
    pub bot: bool,
}

/// How a reply link was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// The platform recorded it (reply, quote, thread).
    Explicit,
    /// The message @mentions the other member.
    Mention,
    /// Inferred from timing and wording.
    Inferred,
}

/// Message flags derived from the text at load time (the text itself is not
/// kept in memory).
pub mod flags {
    /// A check-in (打卡).
    pub const CHECKIN: u8 = 1;
    /// Asks something (ends with ? / ？ / 吗 / 呢, or starts with 请问).
    pub const QUESTION: u8 = 2;
    /// Contains a link.
    pub const LINK: u8 = 4;
    /// Looks like an advertisement (a link or contact bait with promo words).
    pub const AD: u8 = 8;
    /// Sent by a bot.
    pub const BOT: u8 = 16;
    /// Substantive: at least 15 characters of text that is not a check-in.
    pub const SUBSTANTIVE: u8 = 32;
}

/// Messages as parallel columns; index `i` is one message in every vector.
#[derive(Clone, Debug, Default)]
pub struct Messages {
    /// The store's row id, to trace any figure back to its messages.
    pub store_id: Vec<i64>,
    /// Index into [`Snapshot::groups`].
    pub group: Vec<u32>,
    /// Index into [`Snapshot::members`].
    pub member: Vec<u32>,
    /// UTC milliseconds.
    pub at_ms: Vec<i64>,
    /// Content type.
    pub content: Vec<ContentType>,
    /// Characters of text.
    pub chars: Vec<u32>,
    /// [`flags`] bits.
    pub flags: Vec<u8>,
    /// The message this one replies to (an index), or [`NONE`].
    pub reply_to: Vec<u32>,
    /// How `reply_to` was established (meaningless where it is [`NONE`]).
    pub reply_kind: Vec<LinkKind>,
    /// How sure the reply model is of an inferred `reply_to`, in percent
    /// (its softmax probability, docs/insight.md); 100 for every other link.
    pub reply_confidence: Vec<u8>,
    /// Mentioned members of message `i`: `mention_targets[mention_start[i]..mention_start[i+1]]`.
    pub mention_start: Vec<u32>,
    /// Member indices, see `mention_start`.
    pub mention_targets: Vec<u32>,
    /// Texts by message index, only for the messages the snapshot was asked
    /// to carry them for (reply inference reads them, then drops them).
    pub text: std::collections::HashMap<u32, Box<str>>,
}

impl Messages {
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.at_ms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.at_ms.is_empty()
    }

    /// Members mentioned by message `i`.
    pub fn mentions(&self, i: usize) -> &[u32] {
        let (a, b) = (self.mention_start[i] as usize, self.mention_start[i + 1] as usize);
        &self.mention_targets[a..b]
    }

    /// Whether message `i` has flag `f`.
    pub fn has(&self, i: usize, f: u8) -> bool {
        self.flags[i] & f != 0
    }
}

/// What a membership event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipKind {
    /// Joined.
    Join,
    /// Left or was removed.
    Leave,
    /// Was given a role.
    Role(Role),
}

/// One join, leave or role change.
#[derive(Clone, Copy, Debug)]
pub struct MembershipRow {
    /// Index into [`Snapshot::groups`].
    pub group: u32,
    /// Index into [`Snapshot::members`].
    pub member: u32,
    /// What happened.
    pub kind: MembershipKind,
    /// UTC milliseconds.
    pub at_ms: i64,
    /// Who invited or removed them, or [`NONE`].
    pub by: u32,
}

/// Flags for a message text: what [`Messages::flags`] holds. Runs on every
/// message a snapshot loads, so it allocates nothing.
pub fn text_flags(text: &str, bot: bool) -> u8 {
    let t = text.trim();
    let mut f = 0;
    let found = scan(t.as_bytes());
    // A check-in opens with its tag ("#打卡 第3天 …", "【打卡】…"); a message
    // that merely mentions 打卡 ("明天继续打卡") is not one.
    let checkin = ["#打卡", "＃打卡", "打卡", "【打卡】", "[打卡]"].iter().any(|tag| t.starts_with(tag))
        || ["#checkin", "#check-in", "#day"].iter().any(|tag| starts_with_ci(t, tag))
        || found.checkin_tag;
    if checkin {
        f |= flags::CHECKIN;
    }
    if t.ends_with('?') || t.ends_with('？') || t.ends_with('吗') || t.ends_with('呢') || t.starts_with("请问") {
        f |= flags::QUESTION;
    }
    if found.link {
        f |= flags::LINK;
    }
    const PROMO: [&str; 10] =
        ["领取", "红包", "免费", "加我微信", "加微信", "优惠券", "代理", "招募代理", "promo", "discount"];
    // The case-insensitive byte-window scan runs only for the rare texts that pass this gate.
    if (found.link || found.contact) && PROMO.iter().any(|p| contains_ci(t, p)) {
        f |= flags::AD;
    }
    if bot {
        f |= flags::BOT;
    }
    if !checkin && t.chars().nth(14).is_some() {
        f |= flags::SUBSTANTIVE;
    }
    f
}

/// What one pass over a text's bytes found.
#[derive(Default)]
struct Found {
    /// "://", "www." or "WWW.".
    link: bool,
    /// "#打卡" anywhere.
    checkin_tag: bool,
    /// "微信", "vx", "VX" or "Vx" (contact bait).
    contact: bool,
}

/// One pass instead of a substring search per needle: texts are short, and
/// setting up eight searches cost more than reading the bytes once.
fn scan(b: &[u8]) -> Found {
    // The bytes a needle starts with; all others are skipped at a table lookup each.
    const FIRST: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 7 {
            t[[b':', b'w', b'W', b'#', b'v', b'V', 0xE5][i] as usize] = true;
            i += 1;
        }
        t
    };
    let mut found = Found::default();
    for i in 0..b.len() {
        if !FIRST[b[i] as usize] {
            continue;
        }
        let rest = &b[i..];
        match b[i] {
            b':' => found.link |= rest.starts_with(b"://"),
            b'w' => found.link |= rest.starts_with(b"www."),
            b'W' => found.link |= rest.starts_with(b"WWW."),
            b'#' => found.checkin_tag |= rest.starts_with("#打卡".as_bytes()),
            b'v' => found.contact |= rest.starts_with(b"vx"),
            b'V' => found.contact |= rest.starts_with(b"VX") || rest.starts_with(b"Vx"),
            _ => found.contact |= rest.starts_with("微信".as_bytes()),
        }
    }
    found
}

/// `hay` starts with `needle`, ignoring ASCII case.
fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes().get(..needle.len()).is_some_and(|h| h.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `hay` contains `needle`, ignoring ASCII case (non-ASCII bytes compare exactly).
fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_from_text() {
        assert_eq!(text_flags("#打卡 第1天 读了10页", false) & flags::CHECKIN, flags::CHECKIN);
        assert_ne!(text_flags("请问这本书有电子版吗？", false) & flags::QUESTION, 0);
        let ad = text_flags("加我微信领取免费营销资料 http://example.com/coupon 前100名送红包", false);
        assert_eq!(ad & (flags::AD | flags::LINK), flags::AD | flags::LINK);
        assert_eq!(text_flags("好", false), 0);
        assert_eq!(text_flags("感谢陈老师！下周同一时间见，明天继续打卡", false) & flags::CHECKIN, 0);
        assert_ne!(text_flags("#CheckIn day 3: ran 5k", false) & flags::CHECKIN, 0);
        assert_ne!(text_flags("Big DISCOUNT at HTTPS://shop.example", false) & flags::AD, 0);
        // 15 characters is substantive, 14 is not.
        assert_ne!(text_flags("一二三四五六七八九十一二三四五", false) & flags::SUBSTANTIVE, 0);
        assert_eq!(text_flags("一二三四五六七八九十一二三四", false) & flags::SUBSTANTIVE, 0);
        assert_ne!(text_flags("我觉得大群里大家互相不认识，说话没有安全感", false) & flags::SUBSTANTIVE, 0);
    }

    /// The one-pass scan finds what a substring search per needle finds.
    #[test]
    fn scan_matches_substring_search() {
        let texts = [
            "see www.example.com",
            "WWW.EXAMPLE.COM",
            "http://x",
            "a:/b ww.w",
            "明天继续#打卡",
            "#打 卡",
            "加vx领取",
            "VX: abc 免费",
            "Vx 红包",
            "vX 红包",
            "加我微信领取红包",
            "微 信",
            "",
            "😀微信😀",
        ];
        for t in texts {
            let f = scan(t.as_bytes());
            assert_eq!(f.link, t.contains("://") || t.contains("www.") || t.contains("WWW."), "{t}");
            assert_eq!(f.checkin_tag, t.contains("#打卡"), "{t}");
            let contact = t.contains("微信") || t.contains("vx") || t.contains("VX") || t.contains("Vx");
            assert_eq!(f.contact, contact, "{t}");
        }
    }
}
