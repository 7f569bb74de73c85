//! Helpers shared by the Chinese-platform sources: WeChat's and QQ's system
//! phrasing, `@name` mentions, small XML extraction, times, and the quote
//! linker that turns a quoted message into its natural key.

use chrono::{DateTime, NaiveDateTime};
use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use tonghao_model::{ContentType, Event, Header, KeyCounter, Membership, PersonRef, Recall, Timestamp};

/// How many recent messages a quote is looked up among. Quotes almost
/// always answer something recent; the bound keeps memory flat on big
/// exports.
pub(crate) const QUOTE_WINDOW: usize = 200_000;

/// Unix seconds shown at `tz`; `None` before 1970 or from 10^11 on (year
/// 5138), which is what a timestamp in milliseconds looks like.
pub(crate) fn unix_time(seconds: i64, tz: crate::Zone) -> Option<Timestamp> {
    if !(0..100_000_000_000).contains(&seconds) {
        return None;
    }
    DateTime::from_timestamp(seconds, 0).map(|t| tz.from_utc(t))
}

/// Unix milliseconds shown at `tz`, under the same bounds as
/// [`unix_time`].
pub(crate) fn unix_millis(millis: i64, tz: crate::Zone) -> Option<Timestamp> {
    unix_time(millis.div_euclid(1000), tz)?;
    DateTime::from_timestamp_millis(millis).map(|t| tz.from_utc(t))
}

/// Local wall time `YYYY-MM-DD HH:MM:SS` (one-digit month, day and hour
/// allowed) at `tz`.
pub(crate) fn local_time(s: &str, tz: crate::Zone) -> Option<Timestamp> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    tz.from_local(naive)
}

/// What a message without a caption shows in place of its text.
pub(crate) fn placeholder(ct: ContentType) -> &'static str {
    match ct {
        ContentType::Text => "",
        ContentType::Image => "[图片]",
        ContentType::Sticker => "[动画表情]",
        ContentType::Voice => "[语音]",
        ContentType::Video => "[视频]",
        ContentType::File => "[文件]",
        ContentType::Link => "[链接]",
        ContentType::Money => "[红包]",
        ContentType::Poll => "[投票]",
        ContentType::Other => "[其他]",
    }
}

/// The content itself when it is a human caption, else the placeholder
/// (exports put XML or nothing in media rows).
pub(crate) fn caption_or_placeholder(content: &str, ct: ContentType) -> String {
    let c = content.trim();
    if c.is_empty() || c.starts_with('<') { placeholder(ct).to_string() } else { c.to_string() }
}

/// Names @mentioned in `text`: `@name` up to the next whitespace (WeChat
/// and QQ put a space, often U+2005, after the name). `@所有人` / `@全体成员`
/// and e-mail addresses are not people.
pub(crate) fn mentions(text: &str) -> Vec<PersonRef> {
    let mut out: Vec<PersonRef> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if (c == '@' || c == '＠') && !prev.is_some_and(|p| p.is_ascii_alphanumeric() || "._-/:".contains(p)) {
            let rest = &text[i + c.len_utf8()..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches(|c: char| "，。！？：；、,.!?:;".contains(c));
            let is_person = !name.is_empty()
                && name.chars().count() <= 40
                && !matches!(name, "所有人" | "全体成员" | "all" | "everyone");
            if is_person && !out.iter().any(|p| p.name.as_deref() == Some(name)) {
                out.push(PersonRef::name(name));
            }
        }
        prev = Some(c);
    }
    out
}

// ---------------------------------------------------------------- XML

/// The byte span of the first `<tag ...>...</tag>` element in `xml`.
pub(crate) fn xml_block(xml: &str, tag: &str) -> Option<(usize, usize)> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut from = 0;
    while let Some(rel) = xml.get(from..)?.find(&open) {
        let start = from + rel;
        let after = xml.get(start + open.len()..)?;
        if after.starts_with(['>', ' ', '\t', '\r', '\n', '/']) {
            if after.starts_with("/>") {
                return Some((start, start + open.len() + 2));
            }
            let end = after.find(&close)? + start + open.len() + close.len();
            return Some((start, end));
        }
        from = start + open.len();
    }
    None
}

/// The text of the first `<tag>` element, CDATA unwrapped and entities
/// decoded; `None` when there is no such element.
pub(crate) fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let (start, end) = xml_block(xml, tag)?;
    let element = &xml[start..end];
    let inner_start = element.find('>')? + 1;
    let inner_end = element.rfind("</").filter(|&e| e >= inner_start).unwrap_or(inner_start);
    let inner = element.get(inner_start..inner_end)?.trim();
    if let Some(cdata) = inner.strip_prefix("<![CDATA[").and_then(|s| s.strip_suffix("]]>")) {
        return Some(cdata.to_string());
    }
    Some(unescape(inner))
}

/// Decodes the five XML entities and numeric character references.
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let decoded = tail.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let entity = &tail[1..semi];
            let c = match entity {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------- system lines

/// What a system line says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SysKind {
    /// Someone joined.
    Join,
    /// Someone left or was removed.
    Leave,
    /// Someone withdrew a message.
    Recall,
}

/// One membership change or recall read from a system line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SysEvent {
    pub(crate) kind: SysKind,
    /// Who joined, left or recalled.
    pub(crate) who: PersonRef,
    /// The inviter or remover.
    pub(crate) by: Option<PersonRef>,
}

impl SysEvent {
    /// The canonical event, with `header`'s group and time and this
    /// event's person as the actor.
    pub(crate) fn into_event(self, mut header: Header) -> Event {
        header.member = self.who.id;
        header.member_name = self.who.name;
        header.id = None;
        match self.kind {
            SysKind::Join => Event::Join(Membership { header, by: self.by }),
            SysKind::Leave => Event::Leave(Membership { header, by: self.by }),
            SysKind::Recall => Event::Recall(Recall { header, target: None }),
        }
    }
}

/// What a source knows when reading a system line.
pub(crate) struct SysContext<'a> {
    /// The exporting account, for lines that say "你".
    pub(crate) me: Option<&'a PersonRef>,
}

/// The events a WeChat/QQ system line describes (several for
/// `"A"邀请"B"、"C"加入了群聊`); empty for lines that are none of these.
pub(crate) fn system_events(content: &str, ctx: &SysContext<'_>) -> Vec<SysEvent> {
    let content = content.trim();
    let parsed = if content.starts_with('<') {
        if content.contains("sysmsgtemplate") {
            template_skeleton(content)
        } else {
            let text = xml_text(content, "replacemsg").or_else(|| xml_text(content, "content"));
            text.and_then(|t| text_skeleton(&t))
        }
    } else {
        text_skeleton(content)
    };
    let Some((skeleton, groups)) = parsed else { return Vec::new() };
    let shape: String = skeleton.chars().map(|c| if c == PEOPLE { 'P' } else { c }).collect();
    use Who::{Me, Slot};
    let (kind, who, by) = match shape.as_str() {
        "P邀请P加入了群聊" => (SysKind::Join, Slot(1), Some(Slot(0))),
        "你邀请P加入了群聊" => (SysKind::Join, Slot(0), Some(Me)),
        "P邀请你加入了群聊" => (SysKind::Join, Me, Some(Slot(0))),
        "P加入了群聊" | "P加入群聊" => (SysKind::Join, Slot(0), None),
        "P通过扫描P分享的二维码加入群聊" | "P通过P的邀请二维码加入群聊" => {
            (SysKind::Join, Slot(0), Some(Slot(1)))
        }
        "你通过扫描P分享的二维码加入群聊" | "你通过P的邀请二维码加入群聊" => {
            (SysKind::Join, Me, Some(Slot(0)))
        }
        "P将P移出了群聊" | "P将P移除了群聊" => (SysKind::Leave, Slot(1), Some(Slot(0))),
        "你将P移出了群聊" | "你将P移除了群聊" => (SysKind::Leave, Slot(0), Some(Me)),
        "你被P移出群聊" | "你被P移出了群聊" => (SysKind::Leave, Me, Some(Slot(0))),
        "P退出了群聊" | "P已退出群聊" => (SysKind::Leave, Slot(0), None),
        "P撤回了一条消息" => (SysKind::Recall, Slot(0), None),
        "你撤回了一条消息" => (SysKind::Recall, Me, None),
        _ => return Vec::new(),
    };
    let resolve = |w: Who| -> Vec<PersonRef> {
        match w {
            Me => ctx.me.cloned().into_iter().collect(),
            Slot(i) => groups.get(i).cloned().unwrap_or_default(),
        }
    };
    let by = by.and_then(|w| resolve(w).into_iter().next());
    resolve(who).into_iter().map(|who| SysEvent { kind, who, by: by.clone() }).collect()
}

/// A person's place in a system line: the exporting account ("你"), or
/// the n-th group of quoted names.
#[derive(Clone, Copy)]
enum Who {
    Me,
    Slot(usize),
}

/// Stands for one group of named people in a skeleton.
const PEOPLE: char = '\u{1}';

/// `"A"邀请"B"、"C"加入了群聊` → (`\u{1}邀请\u{1}加入了群聊`, [[A], [B, C]]):
/// quoted names become slots, names joined by 、 or 和 share one, and
/// spaces and closing punctuation are dropped.
fn text_skeleton(text: &str) -> Option<(String, Vec<Vec<PersonRef>>)> {
    let mut skeleton = String::new();
    let mut groups: Vec<Vec<PersonRef>> = Vec::new();
    let mut rest = text.trim();
    while let Some(open) = rest.find(['"', '“']) {
        let between = &rest[..open];
        let after = &rest[open + rest[open..].chars().next().map_or(1, char::len_utf8)..];
        let close = after.find(['"', '”'])?;
        let name = after[..close].trim();
        let joins_previous = skeleton.ends_with(PEOPLE) && matches!(between.trim(), "、" | "和" | "，" | ",");
        if name.is_empty() {
            return None;
        }
        if joins_previous {
            groups.last_mut()?.push(PersonRef::name(name));
        } else {
            push_text(&mut skeleton, between);
            skeleton.push(PEOPLE);
            groups.push(vec![PersonRef::name(name)]);
        }
        rest = &after[close + after[close..].chars().next().map_or(1, char::len_utf8)..];
    }
    push_text(&mut skeleton, rest);
    Some((skeleton, groups))
}

/// Appends the literal part of a line: without spaces and closing
/// punctuation, and with `P` (the slot marker of the shapes) masked.
fn push_text(skeleton: &mut String, text: &str) {
    let kept = text.chars().filter(|c| !c.is_whitespace() && !"。.!！".contains(*c));
    skeleton.extend(kept.map(|c| if c == 'P' { '?' } else { c }));
}

/// A `<sysmsg type="sysmsgtemplate">`: its `<template>` names slots
/// `$username$`, `$names$`, `$adder$`, `$from$`, filled from the `<link>`
/// elements' members (with their wxids).
fn template_skeleton(xml: &str) -> Option<(String, Vec<Vec<PersonRef>>)> {
    let template = xml_text(xml, "template").or_else(|| xml_text(xml, "plain"))?;
    let mut links: Vec<(String, Vec<PersonRef>)> = Vec::new();
    let mut rest = xml;
    while let Some((start, end)) = xml_block(rest, "link") {
        let link = &rest[start..end];
        let name = link.find("name=\"").and_then(|i| {
            let v = &link[i + 6..];
            v.find('"').map(|e| v[..e].to_string())
        });
        let mut members = Vec::new();
        let mut m_rest = link;
        while let Some((ms, me)) = xml_block(m_rest, "member") {
            let member = &m_rest[ms..me];
            let id = xml_text(member, "username").filter(|s| !s.trim().is_empty());
            let nick = xml_text(member, "nickname").filter(|s| !s.trim().is_empty());
            if id.is_some() || nick.is_some() {
                members.push(PersonRef { id, name: nick });
            }
            m_rest = &m_rest[me..];
        }
        if let Some(name) = name {
            links.push((name, members));
        }
        rest = &rest[end..];
    }
    let mut skeleton = String::new();
    let mut groups = Vec::new();
    let mut t = template.as_str();
    while let Some(open) = t.find('$') {
        push_text(&mut skeleton, &t[..open].replace(['"', '“', '”'], ""));
        let after = &t[open + 1..];
        let Some(close) = after.find('$') else {
            t = after;
            continue;
        };
        let var = &after[..close];
        if let Some((_, members)) = links.iter().find(|(n, m)| n == var && !m.is_empty()) {
            skeleton.push(PEOPLE);
            groups.push(members.clone());
        }
        t = &after[close + 1..];
    }
    push_text(&mut skeleton, &t.replace(['"', '“', '”'], ""));
    Some((skeleton, groups))
}

// -------------------------------------------------------- quote links

/// Follows the natural keys the store derives for id-less events
/// (`docs/events.md`: a hash of kind, group, member, time and text plus an
/// ordinal within the second) and remembers recent messages by what a
/// quote names them by, so that a quote's `reply_to` can be the quoted
/// message's key.
#[derive(Default)]
pub(crate) struct Linker {
    keys: KeyCounter,
    recent: VecDeque<(u64, u64)>,
    index: HashMap<u64, (u64, String)>,
    seq: u64,
}

impl Linker {
    /// Call for every event, in emission order, just before emitting it.
    /// Returns a message's key in the store: its `id`, or for id-less
    /// messages the natural key the store derives.
    pub(crate) fn key_of(&mut self, event: &Event) -> Option<String> {
        // Every event advances the counter exactly as in the store.
        let key = self.keys.natural_key(event);
        matches!(event, Event::Message(_)).then_some(key)
    }

    /// Files `key` under `parts` (e.g. sender and text).
    pub(crate) fn remember(&mut self, parts: &[&str], key: String) {
        let h = hash(parts);
        self.seq += 1;
        self.index.insert(h, (self.seq, key));
        self.recent.push_back((h, self.seq));
        if self.recent.len() > QUOTE_WINDOW
            && let Some((old, seq)) = self.recent.pop_front()
            && self.index.get(&old).is_some_and(|(s, _)| *s == seq)
        {
            self.index.remove(&old);
        }
    }

    /// The key of the latest message filed under `parts`.
    pub(crate) fn find(&self, parts: &[&str]) -> Option<&str> {
        self.index.get(&hash(parts)).map(|(_, k)| k.as_str())
    }
}

fn hash(parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(evs: &[SysEvent]) -> Vec<(SysKind, Option<String>, Option<String>)> {
        evs.iter().map(|e| (e.kind, e.who.name.clone(), e.by.as_ref().and_then(|b| b.name.clone()))).collect()
    }

    #[test]
    fn system_phrasings() {
        let ctx = SysContext { me: None };
        let s = |t: &str| names(&system_events(t, &ctx));
        let n = |s: &str| Some(s.to_string());
        assert_eq!(
            s(r#""A"邀请"B"、"C"加入了群聊"#),
            vec![(SysKind::Join, n("B"), n("A")), (SysKind::Join, n("C"), n("A"))]
        );
        assert_eq!(s(r#""B"通过扫描"A"分享的二维码加入群聊"#), vec![(SysKind::Join, n("B"), n("A"))]);
        assert_eq!(s(r#""B"通过"A"的邀请二维码加入群聊"#), vec![(SysKind::Join, n("B"), n("A"))]);
        assert_eq!(s(r#""A"将"B"移出了群聊"#), vec![(SysKind::Leave, n("B"), n("A"))]);
        assert_eq!(s(r#""B"退出了群聊"#), vec![(SysKind::Leave, n("B"), None)]);
        assert_eq!(s(r#""X" 撤回了一条消息"#), vec![(SysKind::Recall, n("X"), None)]);
        assert!(s(r#""A"修改群名为"读书会""#).is_empty());
        assert!(s("你撤回了一条消息").is_empty(), "nobody to name without the account");
        let me = PersonRef { id: Some("wxid_me".into()), name: Some("我".into()) };
        let ctx = SysContext { me: Some(&me) };
        let evs = system_events(r#"你邀请"B"加入了群聊"#, &ctx);
        assert_eq!(evs[0].by.as_ref(), Some(&me));
    }

    #[test]
    fn template_xml_gives_ids() {
        let xml = r#"<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile"><plain><![CDATA[]]></plain><template><![CDATA["$username$"邀请"$names$"加入了群聊]]></template><link_list><link name="username" type="link_profile"><memberlist><member><username><![CDATA[wxid_a]]></username><nickname><![CDATA[甲]]></nickname></member></memberlist></link><link name="names" type="link_profile"><memberlist><member><username><![CDATA[wxid_b]]></username><nickname><![CDATA[乙]]></nickname></member><member><username><![CDATA[wxid_c]]></username><nickname><![CDATA[丙]]></nickname></member></memberlist><separator><![CDATA[、]]></separator></link></link_list></content_template></sysmsgtemplate></sysmsg>"#;
        let evs = system_events(xml, &SysContext { me: None });
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].who, PersonRef { id: Some("wxid_b".into()), name: Some("乙".into()) });
        assert_eq!(evs[1].who.id.as_deref(), Some("wxid_c"));
        assert_eq!(evs[0].by.as_ref().and_then(|b| b.id.as_deref()), Some("wxid_a"));
    }

    #[test]
    fn mention_names() {
        let m = mentions("今天@阿花 @陈老师\u{2005}发言积极，a@b.com @所有人 @阿花");
        assert_eq!(m, vec![PersonRef::name("阿花"), PersonRef::name("陈老师")]);
    }

    #[test]
    fn xml_helpers() {
        let x = "<msg><title>a &lt;b&gt; &#x4F60;</title><t2><![CDATA[<x>]]></t2></msg>";
        assert_eq!(xml_text(x, "title").as_deref(), Some("a <b> 你"));
        assert_eq!(xml_text(x, "t2").as_deref(), Some("<x>"));
        assert_eq!(xml_text(x, "t"), None);
        assert_eq!(unescape("&bogus; &"), "&bogus; &");
    }
}
