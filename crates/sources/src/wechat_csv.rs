//! WeChat group chats exported as CSV by MemoTrace (留痕, formerly WeChatMsg,
//! github.com/LC044/WeChatMsg, the 2.x/3.x "导出CSV" action).
//!
//! The exporter writes one CSV per chat, into a folder named `群名(chatroom id)`
//! (`读书会1群(12345678901@chatroom)/读书会1群.csv`), with the raw columns of
//! WeChat's `MSG` table:
//!
//! ```text
//! localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender
//! ```
//!
//! What maps to what:
//!
//! - **Group**: the chatroom id from the parent folder `群名(id)` when the file
//!   sits in one (`group` = id, `group_name` = 群名); otherwise the file stem for
//!   both. (`Remark` is not used: depending on the exporter version it holds
//!   the chat's or the sender's remark, so it is not a stable group key.)
//! - **People**: `Sender` (wxid) is `member`, `NickName` is `member_name`.
//! - **Time**: `CreateTime` (unix seconds) shown at `opts.tz`, default +08:00;
//!   `StrTime` (local wall time) is the fallback when `CreateTime` is empty.
//! - **Messages** by `Type`: 1 text, 3 image, 34 voice, 43/62 video, 47 sticker,
//!   42 contact card / 48 location / 50 call as `other`, 49 app messages by their
//!   sub type (`SubType`, or the XML's `<type>`): 57 quote (引用) → text with
//!   `reply_to`, 3/4/5/33/36 link, 6 file, 2000/2001 money (转账/红包), the rest
//!   `other`. App messages take their `<title>` as text; media without a caption
//!   get a placeholder such as `[图片]`. `@name` in the text becomes a mention by
//!   name. Check-ins (`#打卡 第N天`) stay plain messages.
//! - **Quotes**: `<refermsg>` names the quoted message by its server id
//!   (`<svrid>`), which this CSV does not carry for its own rows. The source
//!   therefore looks the quoted message up by (`<chatusr>`, `<content>`) among
//!   the file's last 200,000 messages and sets `reply_to` to
//!   that message's natural key (the content hash the store derives,
//!   `docs/events.md`), so the link resolves after import. A quote of a message
//!   outside the file keeps the `svrid` as `reply_to`.
//! - **System lines** (`Type` 10000, plain text or `<sysmsg type="sysmsgtemplate">`
//!   XML): `"A"邀请"B"、"C"加入了群聊` → a join per invitee with `by` A;
//!   `"B"加入了群聊`; `"B"通过扫描"A"分享的二维码加入群聊` and
//!   `"B"通过"A"的邀请二维码加入群聊` → join by A; `"A"将"B"移出了群聊` → leave
//!   with `by` A; `"B"退出了群聊` → leave. People named only by display name get
//!   `member_name` alone; template XML also gives their wxid.
//! - **Recalls** (`Type` 10002, text or `<revokemsg>` XML):
//!   `"X" 撤回了一条消息` → `Event::Recall` by X, without a target (the XML's
//!   `newmsgid` is a server id this CSV cannot resolve).
//! - "你" in a system line (the exporting account) is the account of the
//!   file's own sent rows (`IsSender` = 1). Before any such row, a line whose
//!   subject is "你" is dropped, and "你" as inviter or remover leaves `by`
//!   empty.
//!
//! Dropped: other system lines (renames, pats 拍一拍, red-packet notices, "以上
//! 是打招呼的内容"), `localId` (a row number of the local database, not the
//! platform's id: messages get no `id` and the store hashes their content),
//! `TalkerId`, `Status`, and the media files themselves.
//!
//! This module also holds `cn`, the helpers the other Chinese-platform
//! sources (WeFlow, ChatLab, QQ text) share: system-line phrasing, `@name`
//! mentions, small XML extraction and quote linking.

use crate::chatlab::json::Lines;
use crate::{Position, ReadOptions, Source, SourceError, TextFile, emit};
use cn::{Linker, SysContext};
use csv::{ReaderBuilder, StringRecord};
use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Timestamp};

/// The MemoTrace / WeChatMsg CSV export.
pub struct WechatCsv;

/// The columns the reader needs, by their index in the header row.
struct Columns {
    ty: usize,
    sub_type: usize,
    is_sender: usize,
    create_time: usize,
    content: usize,
    str_time: Option<usize>,
    nick_name: usize,
    sender: usize,
}

const REQUIRED: [&str; 7] = ["Type", "SubType", "IsSender", "CreateTime", "StrContent", "NickName", "Sender"];

impl Columns {
    fn find(headers: &StringRecord) -> Result<Self, &'static str> {
        let at = |name: &'static str| headers.iter().position(|h| h.trim() == name).ok_or(name);
        Ok(Columns {
            ty: at("Type")?,
            sub_type: at("SubType")?,
            is_sender: at("IsSender")?,
            create_time: at("CreateTime")?,
            content: at("StrContent")?,
            str_time: at("StrTime").ok(),
            nick_name: at("NickName")?,
            sender: at("Sender")?,
        })
    }
}

impl Source for WechatCsv {
    fn name(&self) -> &'static str {
        "wechat-csv"
    }

    fn description(&self) -> &'static str {
        "WeChat chat exported as CSV by MemoTrace/WeChatMsg (留痕)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let head = head.trim_start_matches('\u{feff}');
        let Some(first) = head.lines().next() else { return false };
        let columns: Vec<&str> = first.split(',').map(|c| c.trim().trim_matches('"')).collect();
        columns.contains(&"localId") && REQUIRED.iter().all(|r| columns.contains(r))
    }

    fn read(&self, file: &TextFile, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let tz = opts.tz_or(8);
        let (group, group_name) = group_of(&file.name);
        let body = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
        check_not_truncated(file, body)?;

        let mut reader = ReaderBuilder::new().has_headers(true).from_reader(body.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(file, body, &e))?.clone();
        let cols = Columns::find(&headers).map_err(|missing| {
            SourceError::parse(&file.name, Position::Line(1), format!("the header row has no `{missing}` column"))
        })?;

        let mut state =
            State { file, tz, cols, base: Base { group, group_name }, linker: Linker::default(), me: None, sink };
        let mut record = StringRecord::new();
        let mut lines = Lines::new(body);
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(file, body, &e)),
            }
            let line = record_line(body, &record, &mut lines);
            state.row(&record, Position::Line(line))?;
        }
        Ok(())
    }
}

/// The group id and display name shared by every event of the file.
struct Base {
    group: String,
    group_name: String,
}

impl Base {
    fn header(&self, at: Timestamp, who: &PersonRef) -> Header {
        Header {
            platform: Platform::Wechat,
            group: self.group.clone(),
            group_name: Some(self.group_name.clone()),
            member: who.id.clone(),
            member_name: who.name.clone(),
            at,
            id: None,
        }
    }
}

struct State<'a> {
    file: &'a TextFile,
    tz: chrono::FixedOffset,
    cols: Columns,
    base: Base,
    linker: Linker,
    /// The exporting account, learned from its own rows (`IsSender` = 1).
    me: Option<PersonRef>,
    sink: &'a mut dyn EventSink,
}

impl State<'_> {
    fn row(&mut self, record: &StringRecord, position: Position) -> Result<(), SourceError> {
        let field = |i: usize| record.get(i).unwrap_or("");
        let name = &self.file.name;
        let ty: i64 = field(self.cols.ty).trim().parse().map_err(|_| {
            SourceError::parse(name, position, format!("`Type` is {:?}, expected a number", field(self.cols.ty)))
        })?;
        let sub_type: i64 = match field(self.cols.sub_type).trim() {
            "" => 0,
            s => s
                .parse()
                .map_err(|_| SourceError::parse(name, position, format!("`SubType` is {s:?}, expected a number")))?,
        };
        let at = self.time(record, position)?;
        let content = field(self.cols.content);
        let sender = PersonRef { id: non_empty(field(self.cols.sender)), name: non_empty(field(self.cols.nick_name)) };
        let is_sender = field(self.cols.is_sender).trim() == "1";
        if is_sender && (sender.id.is_some() || sender.name.is_some()) {
            self.me = Some(sender.clone());
        }

        if ty == 10000 || ty == 10002 {
            let ctx = SysContext { me: self.me.as_ref() };
            for ev in cn::system_events(content, &ctx) {
                let event = ev.into_event(self.base.header(at, &PersonRef::default()));
                self.push(event, position, None)?;
            }
            return Ok(());
        }

        if sender.id.is_none() && sender.name.is_none() {
            return Err(SourceError::parse(name, position, "a message row with neither `Sender` nor `NickName`"));
        }
        let (content_type, text, quote) = classify(ty, sub_type, content);
        let reply_to = quote.and_then(|q| {
            let found = self.linker.find(&[q.chatusr.as_deref().unwrap_or(""), &q.content]).map(str::to_string);
            found.or(q.svrid)
        });
        let mentions = cn::mentions(&text);
        let lookup = [sender.id.clone().or(sender.name.clone()).unwrap_or_default(), text.clone()];
        let event = Event::Message(Message {
            header: self.base.header(at, &sender),
            reply_to,
            mentions,
            content_type,
            text,
            bot: false,
            edited_at: None,
        });
        self.push(event, position, Some(lookup))
    }

    /// Emits `event`, keeping the linker's view of natural keys in step with
    /// the store's; `lookup` files a message for later quotes.
    fn push(&mut self, event: Event, position: Position, lookup: Option<[String; 2]>) -> Result<(), SourceError> {
        let key = self.linker.key_of(&event);
        emit(self.sink, event, &self.file.name, position)?;
        if let (Some(key), Some([who, text])) = (key, lookup) {
            self.linker.remember(&[&who, &text], key);
        }
        Ok(())
    }

    fn time(&self, record: &StringRecord, position: Position) -> Result<Timestamp, SourceError> {
        let raw = record.get(self.cols.create_time).unwrap_or("").trim();
        if raw.is_empty() {
            let local = self.cols.str_time.and_then(|i| record.get(i)).unwrap_or("").trim();
            return cn::local_time(local, self.tz).ok_or_else(|| {
                SourceError::parse(
                    &self.file.name,
                    position,
                    format!("`CreateTime` is empty and `StrTime` {local:?} is not `YYYY-MM-DD HH:MM:SS`"),
                )
            });
        }
        raw.parse::<i64>().ok().and_then(|s| cn::unix_time(s, self.tz)).ok_or_else(|| {
            SourceError::parse(&self.file.name, position, format!("`CreateTime` is {raw:?}, expected unix seconds"))
        })
    }
}

/// A quote's reference to the message it quotes.
struct Quote {
    svrid: Option<String>,
    chatusr: Option<String>,
    content: String,
}

/// The content type, text and quote of a non-system row.
fn classify(ty: i64, sub_type: i64, content: &str) -> (ContentType, String, Option<Quote>) {
    let media = |ct: ContentType| (ct, cn::caption_or_placeholder(content, ct), None);
    match ty {
        1 => (ContentType::Text, content.to_string(), None),
        3 => media(ContentType::Image),
        34 => media(ContentType::Voice),
        43 | 62 => media(ContentType::Video),
        47 => media(ContentType::Sticker),
        49 => app_message(sub_type, content),
        _ => media(ContentType::Other),
    }
}

/// Type 49: an `<appmsg>` whose `<type>` says what it is.
fn app_message(sub_type: i64, xml: &str) -> (ContentType, String, Option<Quote>) {
    let (outer, refer) = match cn::xml_block(xml, "refermsg") {
        Some((start, end)) => (format!("{}{}", &xml[..start], &xml[end..]), Some(&xml[start..end])),
        None => (xml.to_string(), None),
    };
    let kind = match sub_type {
        0 => cn::xml_text(&outer, "type").and_then(|t| t.trim().parse().ok()).unwrap_or(0),
        k => k,
    };
    let title = cn::xml_text(&outer, "title").filter(|t| !t.trim().is_empty());
    let with = |ct: ContentType| {
        let text = title.clone().unwrap_or_else(|| cn::caption_or_placeholder(xml, ct));
        (ct, text, None)
    };
    match kind {
        57 => {
            let quote = refer.map(|r| Quote {
                svrid: cn::xml_text(r, "svrid").and_then(|s| non_empty(&s)),
                chatusr: cn::xml_text(r, "chatusr").and_then(|s| non_empty(&s)),
                content: cn::xml_text(r, "content").unwrap_or_default(),
            });
            (ContentType::Text, title.unwrap_or_default(), quote)
        }
        3 | 4 | 5 | 33 | 36 => with(ContentType::Link),
        6 | 74 => with(ContentType::File),
        2000 | 2001 => with(ContentType::Money),
        _ => with(ContentType::Other),
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The group from the export folder `群名(chatroom id)`, else the file stem.
fn group_of(path: &str) -> (String, String) {
    let mut parts = path.rsplit(['/', '\\', '!']);
    let base = parts.next().unwrap_or(path);
    if let Some((name, id)) = parts.next().and_then(split_folder) {
        return (id.to_string(), name.to_string());
    }
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let stem = if stem.is_empty() { base } else { stem };
    (stem.to_string(), stem.to_string())
}

/// `读书会1群(12345678901@chatroom)` → ("读书会1群", "12345678901@chatroom"), if
/// the parenthesised part looks like a WeChat id.
fn split_folder(folder: &str) -> Option<(&str, &str)> {
    let inner = folder.strip_suffix(')').or_else(|| folder.strip_suffix('）'))?;
    let open = inner.rfind(['(', '（'])?;
    let name = inner[..open].trim();
    let id = inner[open..].trim_start_matches(['(', '（']).trim();
    let wechat_id = id.ends_with("@chatroom")
        || (id.len() >= 5
            && id.starts_with(|c: char| c.is_ascii_alphabetic())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    (wechat_id && !name.is_empty()).then_some((name, id))
}

/// The 1-based line a record starts on. (The csv crate's own line count is
/// one short after CRLF line ends: it places a record's start on the `\n`
/// of the previous line.)
fn record_line(body: &str, record: &StringRecord, lines: &mut Lines<'_>) -> usize {
    let byte = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
    lines.line_at(skip_line_end(body, byte))
}

fn skip_line_end(body: &str, mut byte: usize) -> usize {
    while matches!(body.as_bytes().get(byte), Some(b'\r' | b'\n')) {
        byte += 1;
    }
    byte
}

fn csv_error(file: &TextFile, body: &str, e: &csv::Error) -> SourceError {
    let position = match e.position() {
        Some(p) => {
            let byte = skip_line_end(body, usize::try_from(p.byte()).unwrap_or(usize::MAX));
            Position::Line(Lines::new(body).line_at(byte))
        }
        None => Position::Whole,
    };
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("a row with {len} fields where the header has {expected_len} (a broken or truncated row)")
        }
        _ => format!("not readable as CSV: {e}"),
    };
    SourceError::parse(&file.name, position, message)
}

/// The csv crate ends a quoted field silently at the end of the input, so a
/// file cut inside one would read as a shorter import. An odd number of quote
/// characters in the last record means exactly that.
fn check_not_truncated(file: &TextFile, body: &str) -> Result<(), SourceError> {
    if body.bytes().filter(|&b| b == b'"').count() % 2 == 0 {
        return Ok(());
    }
    let mut reader = ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body.as_bytes());
    let mut record = StringRecord::new();
    let mut start = 0;
    while let Ok(true) = reader.read_record(&mut record) {
        if let Some(p) = record.position() {
            start = skip_line_end(body, usize::try_from(p.byte()).unwrap_or(usize::MAX));
        }
    }
    let tail = body.get(start..).unwrap_or("");
    if tail.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
        return Err(SourceError::parse(
            &file.name,
            Position::Line(Lines::new(body).line_at(start)),
            "the file ends inside a quoted field: it looks truncated",
        ));
    }
    Ok(())
}

/// Helpers shared by the Chinese-platform sources: WeChat's and QQ's system
/// phrasing, `@name` mentions, small XML extraction, times, and the quote
/// linker that turns a quoted message into its natural key.
pub(crate) mod cn {
    use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
    use std::collections::{HashMap, VecDeque};
    use std::hash::{DefaultHasher, Hash, Hasher};
    use tonghao_model::{ContentType, Event, Header, KeyCounter, Membership, PersonRef, Recall, Timestamp};

    /// How many recent messages a quote is looked up among. Quotes almost
    /// always answer something recent; the bound keeps memory flat on big
    /// exports.
    pub(crate) const QUOTE_WINDOW: usize = 200_000;

    /// Unix seconds shown at `tz`; `None` before 1970 or from 10^11 on (year
    /// 5138), which is what a timestamp in milliseconds looks like.
    pub(crate) fn unix_time(seconds: i64, tz: FixedOffset) -> Option<Timestamp> {
        if !(0..100_000_000_000).contains(&seconds) {
            return None;
        }
        DateTime::from_timestamp(seconds, 0).map(|t| t.with_timezone(&tz))
    }

    /// Unix milliseconds shown at `tz`, under the same bounds as
    /// [`unix_time`].
    pub(crate) fn unix_millis(millis: i64, tz: FixedOffset) -> Option<Timestamp> {
        unix_time(millis.div_euclid(1000), tz)?;
        DateTime::from_timestamp_millis(millis).map(|t| t.with_timezone(&tz))
    }

    /// Local wall time `YYYY-MM-DD HH:MM:SS` (one-digit month, day and hour
    /// allowed) at `tz`.
    pub(crate) fn local_time(s: &str, tz: FixedOffset) -> Option<Timestamp> {
        let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
        tz.from_local_datetime(&naive).single()
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
}
