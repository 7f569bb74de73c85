//! Writers: one group's records, in time order, rendered as the canonical
//! JSONL or as a platform's own export layout, copied from the fixtures the
//! real readers are tested on (`shared/data/formats/`):
//!
//! - WeChat: a MemoTrace/WeChatMsg CSV (`localId,TalkerId,Type,…`, UTF-8 with
//!   BOM, CRLF) in a folder named `群名(chatroom id)`. Quotes are Type 49
//!   SubType 57 with a `<refermsg>`; joins, removals and recalls are Type
//!   10000/10002 system lines. WeChat shows no line when someone leaves on
//!   their own, so those leaves are not written.
//! - QQ: the built-in text export (header block, then `time name(qq)` / text /
//!   blank line). It has no quote structure: a quote becomes `@name text`.
//! - Telegram: Telegram Desktop's single-chat `result.json` (one-space
//!   indentation, `date` local and `date_unixtime`), with service messages for
//!   joins and leaves; Telegram keeps no trace of deleted messages, so recalls
//!   are not written.
//!
//! JSON and CSV are written by hand into a byte buffer: the simulator must
//! produce over a million messages a second, and a generic serialiser per
//! event would be most of that budget.

use crate::plan::{GroupPlan, Platform};
use crate::rng::hash64;
use crate::time::{Clock, put_i64, put_u64};
use std::fs::File;
use std::io::{self, Write};

/// How a person appears in one group.
pub(crate) struct Who {
    /// Platform id (wxid, QQ number, `user…`).
    pub id: String,
    /// Display name in this group.
    pub name: String,
    /// Numeric id where the platform has one.
    pub num: u64,
}

/// What the writers need to know about the group.
pub(crate) struct GroupCtx<'a> {
    pub plan: &'a GroupPlan,
    pub platform: Platform,
    pub ext_id: &'a str,
    pub num_id: u64,
    pub people: &'a [Who],
}

/// Content type of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ct {
    Text,
    Image,
    Sticker,
}

/// The message a reply quotes.
pub(crate) struct Quote<'a> {
    pub seq: u32,
    pub who: u32,
    pub text: &'a str,
    pub ct: Ct,
}

/// What happened.
pub(crate) enum Kind<'a> {
    Message {
        ct: Ct,
        text: &'a str,
        /// People @mentioned (written as `@name ` before the text).
        mentions: &'a [u32],
        quote: Option<Quote<'a>>,
        /// (challenge, day) when this is a check-in.
        checkin: Option<(&'a str, u32)>,
    },
    Join {
        by: Option<u32>,
    },
    Leave {
        by: Option<u32>,
    },
    Recall,
    Role {
        role: &'static str,
        by: Option<u32>,
    },
    Order {
        id: &'a str,
        amount_minor: i64,
        item: &'a str,
    },
}

/// One record of a group's history.
pub(crate) struct Rec<'a> {
    /// Sequence number in the group (the id in JSONL and Telegram, localId in
    /// WeChat); 0 for records that are no chat line (roles, orders).
    pub seq: u32,
    pub at: i64,
    pub who: u32,
    pub kind: Kind<'a>,
}

/// What a reader should find in the written file(s), per canonical kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// `message` events.
    pub messages: u64,
    /// `join` events.
    pub joins: u64,
    /// `leave` events (removals included).
    pub leaves: u64,
    /// `recall` events.
    pub recalls: u64,
    /// Check-ins: `checkin` events in JSONL; in the chat formats, the
    /// check-in messages (`#打卡 第N天 …`) a reader can recognise.
    pub checkins: u64,
    /// `order` events.
    pub orders: u64,
    /// `role` events.
    pub roles: u64,
}

impl Counts {
    /// Adds another group's counts.
    pub fn add(&mut self, o: &Counts) {
        self.messages += o.messages;
        self.joins += o.joins;
        self.leaves += o.leaves;
        self.recalls += o.recalls;
        self.checkins += o.checkins;
        self.orders += o.orders;
        self.roles += o.roles;
    }
}

/// Renders one group's history.
pub(crate) trait Render {
    fn begin(&mut self, g: &GroupCtx) -> io::Result<()>;
    fn record(&mut self, g: &GroupCtx, r: &Rec) -> io::Result<()>;
    fn end(&mut self, g: &GroupCtx) -> io::Result<()>;
    fn counts(&self) -> Counts;
    /// The bytes kept in memory (JSONL blobs), once `end` has run.
    fn take_blob(&mut self) -> Vec<u8>;
}

/// A byte buffer that either stays in memory (a JSONL blob the caller
/// writes in group order) or drains to a file.
pub(crate) struct Out {
    pub buf: Vec<u8>,
    file: Option<File>,
}

const FLUSH_AT: usize = 1 << 20;

impl Out {
    /// In memory, reusing `buf` (cleared) so that its pages are not faulted
    /// in again for every group.
    pub fn memory(mut buf: Vec<u8>) -> Out {
        buf.clear();
        Out { buf, file: None }
    }
    pub fn file(f: File) -> Out {
        Out { buf: Vec::with_capacity(FLUSH_AT + 4096), file: Some(f) }
    }
    #[inline]
    fn tick(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT && self.file.is_some() {
            self.flush()?;
        }
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        if let Some(f) = &mut self.file {
            f.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Appends `s` as the inside of a JSON string.
#[inline]
pub(crate) fn json_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if !b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\') {
        out.extend_from_slice(b);
        return;
    }
    for &c in b {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
            c => out.push(c),
        }
    }
}

/// `"s"` as a JSON string.
#[inline]
pub(crate) fn json_quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    json_str(out, s);
    out.push(b'"');
}

/// Appends a CSV field (quoted when it holds a comma, quote or line break).
fn csv_field(out: &mut Vec<u8>, s: &str) {
    if !s.as_bytes().iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for &c in s.as_bytes() {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
}

/// Appends XML-escaped text.
fn xml_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// The text as a chat shows it: `@name ` for each mention, then the text.
fn shown_text(out: &mut String, g: &GroupCtx, mentions: &[u32], quote_as_mention: Option<u32>, text: &str) {
    out.clear();
    if let Some(w) = quote_as_mention {
        out.push('@');
        out.push_str(&g.people[w as usize].name);
        out.push(' ');
    }
    for &m in mentions {
        out.push('@');
        out.push_str(&g.people[m as usize].name);
        out.push(' ');
    }
    out.push_str(text);
}

// ---------------------------------------------------------------- nothing

/// Writes nothing (volume calibration runs).
pub(crate) struct Null;

impl Render for Null {
    fn begin(&mut self, _g: &GroupCtx) -> io::Result<()> {
        Ok(())
    }
    fn record(&mut self, _g: &GroupCtx, _r: &Rec) -> io::Result<()> {
        Ok(())
    }
    fn end(&mut self, _g: &GroupCtx) -> io::Result<()> {
        Ok(())
    }
    fn counts(&self) -> Counts {
        Counts::default()
    }
    fn take_blob(&mut self) -> Vec<u8> {
        Vec::new()
    }
}

// ---------------------------------------------------------------- JSONL

/// The canonical JSONL (`docs/events.md`): every event the simulation knows,
/// including what no chat export shows (roles, orders, check-in events,
/// silent leaves).
pub(crate) struct Jsonl {
    out: Out,
    clock: Clock,
    prefix: Vec<u8>,
    members: Vec<Vec<u8>>,
    counts: Counts,
    text: String,
}

impl Jsonl {
    pub fn new(out: Out) -> Jsonl {
        Jsonl {
            out,
            clock: Clock::default(),
            prefix: Vec::new(),
            members: Vec::new(),
            counts: Counts::default(),
            text: String::new(),
        }
    }

    #[inline]
    fn head(&mut self, kind: &str, r: &Rec) {
        let b = &mut self.out.buf;
        b.extend_from_slice(b"{\"kind\":\"");
        b.extend_from_slice(kind.as_bytes());
        b.push(b'"');
        b.extend_from_slice(&self.prefix);
        b.extend_from_slice(&self.members[r.who as usize]);
        b.extend_from_slice(b",\"at\":\"");
        self.clock.rfc3339(b, r.at);
        b.push(b'"');
    }

    #[inline]
    fn id(&mut self, seq: u32) {
        let b = &mut self.out.buf;
        b.extend_from_slice(b",\"id\":\"");
        put_u64(b, seq as u64);
        b.push(b'"');
    }

    fn by(&mut self, g: &GroupCtx, by: Option<u32>) {
        if let Some(p) = by {
            let b = &mut self.out.buf;
            b.extend_from_slice(b",\"by\":{\"id\":");
            json_quoted(b, &g.people[p as usize].id);
            b.push(b'}');
        }
    }
}

impl Render for Jsonl {
    fn begin(&mut self, g: &GroupCtx) -> io::Result<()> {
        let p = &mut self.prefix;
        p.clear();
        p.extend_from_slice(b",\"platform\":\"");
        p.extend_from_slice(g.platform.as_str().as_bytes());
        p.extend_from_slice(b"\",\"group\":");
        json_quoted(p, g.ext_id);
        p.extend_from_slice(b",\"group_name\":");
        json_quoted(p, &g.plan.name);
        self.members = g
            .people
            .iter()
            .map(|w| {
                let mut m = Vec::with_capacity(64);
                m.extend_from_slice(b",\"member\":");
                json_quoted(&mut m, &w.id);
                m.extend_from_slice(b",\"member_name\":");
                json_quoted(&mut m, &w.name);
                m
            })
            .collect();
        Ok(())
    }

    fn record(&mut self, g: &GroupCtx, r: &Rec) -> io::Result<()> {
        if self.members.len() < g.people.len() {
            // Ad accounts join mid-way; extend the cache.
            let start = self.members.len();
            for w in &g.people[start..] {
                let mut m = Vec::with_capacity(64);
                m.extend_from_slice(b",\"member\":");
                json_quoted(&mut m, &w.id);
                m.extend_from_slice(b",\"member_name\":");
                json_quoted(&mut m, &w.name);
                self.members.push(m);
            }
        }
        match &r.kind {
            Kind::Message { ct, text, mentions, quote, checkin } => {
                self.counts.messages += 1;
                self.head("message", r);
                self.id(r.seq);
                let b = &mut self.out.buf;
                if let Some(q) = quote {
                    b.extend_from_slice(b",\"reply_to\":\"");
                    put_u64(b, q.seq as u64);
                    b.push(b'"');
                }
                if !mentions.is_empty() {
                    b.extend_from_slice(b",\"mentions\":[");
                    for (i, &m) in mentions.iter().enumerate() {
                        if i > 0 {
                            b.push(b',');
                        }
                        b.extend_from_slice(b"{\"id\":");
                        json_quoted(b, &g.people[m as usize].id);
                        b.push(b'}');
                    }
                    b.push(b']');
                }
                b.extend_from_slice(match ct {
                    Ct::Text => b",\"content_type\":\"text\",\"text\":\"",
                    Ct::Image => b",\"content_type\":\"image\",\"text\":\"",
                    Ct::Sticker => b",\"content_type\":\"sticker\",\"text\":\"",
                });
                if mentions.is_empty() {
                    json_str(b, text);
                } else {
                    let mut s = std::mem::take(&mut self.text);
                    shown_text(&mut s, g, mentions, None, text);
                    json_str(&mut self.out.buf, &s);
                    self.text = s;
                }
                self.out.buf.extend_from_slice(b"\"}\n");
                if let Some((challenge, day)) = checkin {
                    self.counts.checkins += 1;
                    self.head("checkin", r);
                    self.id(r.seq);
                    let b = &mut self.out.buf;
                    b.extend_from_slice(b",\"challenge\":");
                    json_quoted(b, challenge);
                    b.extend_from_slice(b",\"day\":");
                    put_u64(b, *day as u64);
                    b.extend_from_slice(b",\"text\":");
                    json_quoted(b, text);
                    b.extend_from_slice(b"}\n");
                }
            }
            Kind::Join { by } | Kind::Leave { by } => {
                let join = matches!(r.kind, Kind::Join { .. });
                if join {
                    self.counts.joins += 1;
                } else {
                    self.counts.leaves += 1;
                }
                self.head(if join { "join" } else { "leave" }, r);
                self.id(r.seq);
                self.by(g, *by);
                self.out.buf.extend_from_slice(b"}\n");
            }
            Kind::Recall => {
                self.counts.recalls += 1;
                self.head("recall", r);
                self.id(r.seq);
                self.out.buf.extend_from_slice(b"}\n");
            }
            Kind::Role { role, by } => {
                self.counts.roles += 1;
                self.head("role", r);
                let b = &mut self.out.buf;
                b.extend_from_slice(b",\"id\":\"role-");
                put_u64(b, r.who as u64);
                b.push(b'-');
                b.extend_from_slice(role.as_bytes());
                b.extend_from_slice(b"\",\"role\":\"");
                b.extend_from_slice(role.as_bytes());
                b.push(b'"');
                self.by(g, *by);
                self.out.buf.extend_from_slice(b"}\n");
            }
            Kind::Order { id, amount_minor, item } => {
                self.counts.orders += 1;
                self.head("order", r);
                let b = &mut self.out.buf;
                b.extend_from_slice(b",\"id\":");
                json_quoted(b, id);
                b.extend_from_slice(b",\"amount_minor\":");
                put_i64(b, *amount_minor);
                b.extend_from_slice(b",\"currency\":\"CNY\",\"item\":");
                json_quoted(b, item);
                b.extend_from_slice(b"}\n");
            }
        }
        self.out.tick()
    }

    fn end(&mut self, _g: &GroupCtx) -> io::Result<()> {
        self.out.flush()
    }

    fn counts(&self) -> Counts {
        self.counts
    }

    fn take_blob(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out.buf)
    }
}

// ---------------------------------------------------------------- WeChat CSV

/// MemoTrace CSV, as in `shared/data/formats/cn-reading-club/wechat/`.
pub(crate) struct WechatCsv {
    out: Out,
    clock: Clock,
    counts: Counts,
    text: String,
    xml: String,
}

impl WechatCsv {
    pub fn new(out: Out) -> WechatCsv {
        WechatCsv { out, clock: Clock::default(), counts: Counts::default(), text: String::new(), xml: String::new() }
    }

    /// The message's server id as a quote refers to it (the CSV has no
    /// column for it; the truth file states the mapping).
    pub fn svrid(g: &GroupCtx, seq: u32) -> u64 {
        7_000_000_000_000_000_000 + (g.plan.index as u64) * 10_000_000 + seq as u64
    }

    fn row(&mut self, g: &GroupCtx, r: &Rec, ty: u32, sub: u32, content: &str, sender: Option<&Who>) {
        let b = &mut self.out.buf;
        put_u64(b, r.seq as u64);
        b.push(b',');
        put_u64(b, g.plan.index as u64 + 2);
        b.push(b',');
        put_u64(b, ty as u64);
        b.push(b',');
        put_u64(b, sub as u64);
        b.extend_from_slice(b",0,");
        put_i64(b, r.at);
        b.extend_from_slice(b",2,");
        csv_field(b, content);
        b.push(b',');
        self.clock.write(b, r.at, b' ');
        b.push(b',');
        csv_field(b, &g.plan.name);
        b.push(b',');
        if let Some(w) = sender {
            csv_field(b, &w.name);
            b.push(b',');
            csv_field(b, &w.id);
        } else {
            b.push(b',');
        }
        b.extend_from_slice(b"\r\n");
    }
}

impl Render for WechatCsv {
    fn begin(&mut self, _g: &GroupCtx) -> io::Result<()> {
        self.out.buf.extend_from_slice(
            "\u{feff}localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\r\n"
                .as_bytes(),
        );
        Ok(())
    }

    fn record(&mut self, g: &GroupCtx, r: &Rec) -> io::Result<()> {
        let who = &g.people[r.who as usize];
        match &r.kind {
            Kind::Message { ct, text, mentions, quote, checkin } => {
                self.counts.messages += 1;
                self.counts.checkins += checkin.is_some() as u64;
                match ct {
                    Ct::Image => self.row(g, r, 3, 0, "", Some(who)),
                    Ct::Sticker => {
                        let h = hash64(r.seq as u64 ^ (g.plan.index as u64) << 32);
                        let content = format!(
                            "<msg><emoji fromusername=\"{}\" type=\"2\" md5=\"{:016x}{:016x}\" len=\"{}\" /></msg>",
                            who.id,
                            h,
                            hash64(h),
                            1024 + h % 60_000
                        );
                        self.row(g, r, 47, 0, &content, Some(who));
                    }
                    Ct::Text => {
                        let mut t = std::mem::take(&mut self.text);
                        shown_text(&mut t, g, mentions, None, text);
                        if let Some(q) = quote {
                            let target = &g.people[q.who as usize];
                            let mut x = std::mem::take(&mut self.xml);
                            x.clear();
                            x.push_str("<?xml version=\"1.0\"?><msg><appmsg appid=\"\" sdkver=\"0\"><title>");
                            xml_text(&mut x, &t);
                            x.push_str("</title><type>57</type><refermsg><type>");
                            x.push_str(match q.ct {
                                Ct::Text => "1",
                                Ct::Image => "3",
                                Ct::Sticker => "47",
                            });
                            x.push_str("</type><svrid>");
                            x.push_str(&WechatCsv::svrid(g, q.seq).to_string());
                            x.push_str("</svrid><fromusr>");
                            x.push_str(g.ext_id);
                            x.push_str("</fromusr><chatusr>");
                            xml_text(&mut x, &target.id);
                            x.push_str("</chatusr><displayname>");
                            xml_text(&mut x, &target.name);
                            x.push_str("</displayname><content>");
                            xml_text(&mut x, q.text);
                            x.push_str("</content></refermsg></appmsg></msg>");
                            self.row(g, r, 49, 57, &x, Some(who));
                            self.xml = x;
                        } else {
                            self.row(g, r, 1, 0, &t, Some(who));
                        }
                        self.text = t;
                    }
                }
            }
            Kind::Join { by: Some(b) } => {
                self.counts.joins += 1;
                let line = format!("\"{}\"邀请\"{}\"加入了群聊", g.people[*b as usize].name, who.name);
                self.row(g, r, 10000, 0, &line, None);
            }
            Kind::Leave { by: Some(b) } => {
                self.counts.leaves += 1;
                let line = format!("\"{}\"将\"{}\"移出了群聊", g.people[*b as usize].name, who.name);
                self.row(g, r, 10000, 0, &line, None);
            }
            Kind::Recall => {
                self.counts.recalls += 1;
                let line = format!("\"{}\" 撤回了一条消息", who.name);
                self.row(g, r, 10002, 0, &line, None);
            }
            // WeChat shows nothing when someone leaves on their own; roles
            // and orders are not in chat exports.
            // The creator's own "join" (no inviter) is no chat line.
            Kind::Join { by: None } | Kind::Leave { by: None } | Kind::Role { .. } | Kind::Order { .. } => {}
        }
        self.out.tick()
    }

    fn end(&mut self, _g: &GroupCtx) -> io::Result<()> {
        self.out.flush()
    }

    fn counts(&self) -> Counts {
        self.counts
    }

    fn take_blob(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out.buf)
    }
}

// ---------------------------------------------------------------- QQ txt

/// QQ's built-in text export, as in `shared/data/formats/cn-reading-club/qq/`.
pub(crate) struct QqTxt {
    out: Out,
    clock: Clock,
    counts: Counts,
    text: String,
}

impl QqTxt {
    pub fn new(out: Out) -> QqTxt {
        QqTxt { out, clock: Clock::default(), counts: Counts::default(), text: String::new() }
    }

    fn line(&mut self, at: i64, name: &str, num: u64, content: &str) {
        let b = &mut self.out.buf;
        self.clock.write(b, at, b' ');
        b.push(b' ');
        b.extend_from_slice(name.as_bytes());
        b.push(b'(');
        put_u64(b, num);
        b.extend_from_slice(b")\n");
        b.extend_from_slice(content.as_bytes());
        b.extend_from_slice(b"\n\n");
    }
}

const QQ_RULE: &str = "================================================================";

impl Render for QqTxt {
    fn begin(&mut self, g: &GroupCtx) -> io::Result<()> {
        let head = format!(
            "\u{feff}消息记录（此消息记录为文本格式，不支持重新导入）\n\n{QQ_RULE}\n消息分组:我的QQ群\n{QQ_RULE}\n消息对象:{}\n{QQ_RULE}\n\n",
            g.plan.name
        );
        self.out.buf.extend_from_slice(head.as_bytes());
        Ok(())
    }

    fn record(&mut self, g: &GroupCtx, r: &Rec) -> io::Result<()> {
        let who = &g.people[r.who as usize];
        match &r.kind {
            Kind::Message { ct, text, mentions, quote, checkin } => {
                self.counts.messages += 1;
                self.counts.checkins += checkin.is_some() as u64;
                let mut t = std::mem::take(&mut self.text);
                match ct {
                    Ct::Image => {
                        t.clear();
                        t.push_str("[图片]");
                    }
                    Ct::Sticker => {
                        t.clear();
                        t.push_str("[表情]");
                    }
                    Ct::Text => shown_text(&mut t, g, mentions, quote.as_ref().map(|q| q.who), text),
                }
                self.line(r.at, &who.name, who.num, &t);
                self.text = t;
            }
            Kind::Join { by: Some(b) } => {
                self.counts.joins += 1;
                let line = format!("\"{}\"邀请\"{}\"加入了群聊", g.people[*b as usize].name, who.name);
                self.line(r.at, "系统消息", 10000, &line);
            }
            Kind::Leave { by: Some(b) } => {
                self.counts.leaves += 1;
                let line = format!("\"{}\"将\"{}\"移出了群聊", g.people[*b as usize].name, who.name);
                self.line(r.at, "系统消息", 10000, &line);
            }
            Kind::Recall => {
                self.counts.recalls += 1;
                let line = format!("\"{}\" 撤回了一条消息", who.name);
                self.line(r.at, "系统消息", 10000, &line);
            }
            // The creator's own "join" (no inviter) is no chat line.
            Kind::Join { by: None } | Kind::Leave { by: None } | Kind::Role { .. } | Kind::Order { .. } => {}
        }
        self.out.tick()
    }

    fn end(&mut self, _g: &GroupCtx) -> io::Result<()> {
        self.out.flush()
    }

    fn counts(&self) -> Counts {
        self.counts
    }

    fn take_blob(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out.buf)
    }
}

// ---------------------------------------------------------------- Telegram

/// Telegram Desktop's single-chat JSON export (`result.json`).
pub(crate) struct Telegram {
    out: Out,
    clock: Clock,
    counts: Counts,
    first: bool,
}

const NOT_INCLUDED: &str = "(File not included. Change data exporting settings to download.)";

impl Telegram {
    pub fn new(out: Out) -> Telegram {
        Telegram { out, clock: Clock::default(), counts: Counts::default(), first: true }
    }

    fn open(&mut self, r: &Rec, ty: &str) {
        let b = &mut self.out.buf;
        if !self.first {
            b.push(b',');
        }
        self.first = false;
        b.extend_from_slice(b"\n  {\n   \"id\": ");
        put_u64(b, r.seq as u64);
        b.extend_from_slice(b",\n   \"type\": \"");
        b.extend_from_slice(ty.as_bytes());
        b.extend_from_slice(b"\",\n   \"date\": \"");
        // Telegram Desktop writes local time without an offset, plus the
        // Unix time.
        let start = b.len();
        self.clock.write(b, r.at, b'T');
        debug_assert!(b.len() - start == 19);
        b.extend_from_slice(b"\",\n   \"date_unixtime\": \"");
        put_i64(b, r.at);
        b.extend_from_slice(b"\",\n");
    }

    fn service(&mut self, r: &Rec, actor: &Who, action: &str, member: &Who) {
        self.open(r, "service");
        let b = &mut self.out.buf;
        b.extend_from_slice(b"   \"actor\": ");
        json_quoted(b, &actor.name);
        b.extend_from_slice(b",\n   \"actor_id\": ");
        json_quoted(b, &actor.id);
        b.extend_from_slice(b",\n   \"action\": \"");
        b.extend_from_slice(action.as_bytes());
        b.extend_from_slice(b"\",\n   \"members\": [\n    ");
        json_quoted(b, &member.name);
        b.extend_from_slice(b"\n   ],\n   \"text\": \"\",\n   \"text_entities\": []\n  }");
    }
}

impl Render for Telegram {
    fn begin(&mut self, g: &GroupCtx) -> io::Result<()> {
        let b = &mut self.out.buf;
        b.extend_from_slice(b"{\n \"name\": ");
        json_quoted(b, &g.plan.name);
        b.extend_from_slice(b",\n \"type\": \"private_supergroup\",\n \"id\": ");
        put_u64(b, g.num_id);
        b.extend_from_slice(b",\n \"messages\": [");
        Ok(())
    }

    fn record(&mut self, g: &GroupCtx, r: &Rec) -> io::Result<()> {
        let who = &g.people[r.who as usize];
        match &r.kind {
            Kind::Message { ct, text, mentions, quote, checkin } => {
                self.counts.messages += 1;
                self.counts.checkins += checkin.is_some() as u64;
                self.open(r, "message");
                let b = &mut self.out.buf;
                b.extend_from_slice(b"   \"from\": ");
                json_quoted(b, &who.name);
                b.extend_from_slice(b",\n   \"from_id\": ");
                json_quoted(b, &who.id);
                b.extend_from_slice(b",\n");
                if let Some(q) = quote {
                    b.extend_from_slice(b"   \"reply_to_message_id\": ");
                    put_u64(b, q.seq as u64);
                    b.extend_from_slice(b",\n");
                }
                match ct {
                    Ct::Image => {
                        b.extend_from_slice(b"   \"photo\": \"");
                        b.extend_from_slice(NOT_INCLUDED.as_bytes());
                        b.extend_from_slice(b"\",\n   \"width\": 1280,\n   \"height\": 960,\n");
                    }
                    Ct::Sticker => {
                        b.extend_from_slice(b"   \"file\": \"");
                        b.extend_from_slice(NOT_INCLUDED.as_bytes());
                        b.extend_from_slice(b"\",\n   \"media_type\": \"sticker\",\n   \"sticker_emoji\": ");
                        json_quoted(b, ["👍", "😂", "🌹", "💪", "🎉", "😊"][(hash64(r.seq as u64) % 6) as usize]);
                        b.extend_from_slice(b",\n   \"width\": 512,\n   \"height\": 512,\n");
                    }
                    Ct::Text => {}
                }
                let body = if *ct == Ct::Text { *text } else { "" };
                if mentions.is_empty() {
                    b.extend_from_slice(b"   \"text\": ");
                    json_quoted(b, body);
                    b.extend_from_slice(b",\n   \"text_entities\": [");
                    if !body.is_empty() {
                        b.extend_from_slice(b"\n    {\n     \"type\": \"plain\",\n     \"text\": ");
                        json_quoted(b, body);
                        b.extend_from_slice(b"\n    }\n   ");
                    }
                    b.extend_from_slice(b"]\n  }");
                } else {
                    // Mixed text: mention entities, then the rest.
                    let mut parts: Vec<(bool, &str, u64)> = Vec::with_capacity(mentions.len() * 2);
                    let rest = format!(" {body}");
                    for (i, &m) in mentions.iter().enumerate() {
                        let w = &g.people[m as usize];
                        parts.push((true, &w.name, w.num));
                        parts.push((false, if i + 1 == mentions.len() { &rest } else { " " }, 0));
                    }
                    for (field, entities) in [("text", false), ("text_entities", true)] {
                        b.extend_from_slice(b"   \"");
                        b.extend_from_slice(field.as_bytes());
                        b.extend_from_slice(b"\": [");
                        for (i, (mention, s, num)) in parts.iter().enumerate() {
                            if i > 0 {
                                b.push(b',');
                            }
                            if *mention {
                                b.extend_from_slice(b"\n    {\n     \"type\": \"mention_name\",\n     \"text\": ");
                                json_quoted(b, s);
                                b.extend_from_slice(b",\n     \"user_id\": ");
                                put_u64(b, *num);
                                b.extend_from_slice(b"\n    }");
                            } else if entities {
                                b.extend_from_slice(b"\n    {\n     \"type\": \"plain\",\n     \"text\": ");
                                json_quoted(b, s);
                                b.extend_from_slice(b"\n    }");
                            } else {
                                b.extend_from_slice(b"\n    ");
                                json_quoted(b, s);
                            }
                        }
                        b.extend_from_slice(b"\n   ]");
                        b.extend_from_slice(if entities { b"\n  }" } else { b",\n" });
                    }
                }
            }
            Kind::Join { by: Some(b) } => {
                self.counts.joins += 1;
                self.service(r, &g.people[*b as usize], "invite_members", who);
            }
            Kind::Leave { by } => {
                self.counts.leaves += 1;
                let actor = &g.people[by.unwrap_or(r.who) as usize];
                self.service(r, actor, "remove_members", who);
            }
            // Deleted messages leave no trace in Telegram exports; the
            // creator's own join is no service message here.
            Kind::Join { by: None } | Kind::Recall | Kind::Role { .. } | Kind::Order { .. } => {}
        }
        self.out.tick()
    }

    fn end(&mut self, _g: &GroupCtx) -> io::Result<()> {
        self.out.buf.extend_from_slice(b"\n ]\n}\n");
        self.out.flush()
    }

    fn counts(&self) -> Counts {
        self.counts
    }

    fn take_blob(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut b = Vec::new();
        json_str(&mut b, "a\"b\\c\nd\u{1}中");
        assert_eq!(std::str::from_utf8(&b).unwrap(), "a\\\"b\\\\c\\nd\\u0001中");
        let v: String = serde_json::from_slice(&[b"\"".as_slice(), &b, b"\""].concat()).unwrap();
        assert_eq!(v, "a\"b\\c\nd\u{1}中");
        let mut c = Vec::new();
        csv_field(&mut c, "x,\"y\"");
        assert_eq!(c, b"\"x,\"\"y\"\"\"");
        let mut x = String::new();
        xml_text(&mut x, "<a&b>");
        assert_eq!(x, "&lt;a&amp;b&gt;");
    }
}
