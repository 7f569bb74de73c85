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

use crate::common::cn::{self, Linker, SysContext};
use crate::common::records::Records;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use csv::{ReaderBuilder, StringRecord};
use tonghao_model::msg::Msg;
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

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let tz = opts.tz_or(8);
        let name = input.name().to_string();
        let (group, group_name) = group_of(&name);
        let mut rows = Records::new(input, ReaderBuilder::new().has_headers(true));
        let headers = rows.headers().map_err(|e| csv_error(&name, &mut rows, e))?;
        let cols = Columns::find(&headers).map_err(|missing| {
            SourceError::parse(
                &name,
                Position::Line(1),
                Msg::new("source.header_column").text("column", missing.to_string()),
            )
        })?;

        let mut state = State {
            file: &name,
            tz,
            cols,
            base: Base { group, group_name },
            linker: Linker::default(),
            me: None,
            sink,
        };
        // One record of lookahead: the last record of a file cut inside a
        // quoted field must be refused, not read as a shorter message.
        let (mut record, mut next) = (StringRecord::new(), StringRecord::new());
        let mut have = rows.read(&mut record).map_err(|e| csv_error(&name, &mut rows, e))?;
        while have {
            let line = record_line(&record, &mut rows);
            let more = match rows.read(&mut next) {
                Ok(more) => more,
                Err(e) => {
                    let e = csv_error(&name, &mut rows, e);
                    // A broken row right before the end may just be the cut.
                    if at_end(&mut rows, &mut next) && rows.quotes_odd() {
                        let line = next.position().map_or(line, |p| rows.line_of(p.byte()));
                        return Err(truncated(&name, line));
                    }
                    state.row(&record, Position::Line(line))?;
                    return Err(e);
                }
            };
            if !more && rows.quotes_odd() {
                return Err(truncated(&name, line));
            }
            state.row(&record, Position::Line(line))?;
            std::mem::swap(&mut record, &mut next);
            have = more;
        }
        Ok(())
    }
}

/// Reads on after an error: whether the file ends without another error.
fn at_end(rows: &mut Records<'_, '_>, scratch: &mut StringRecord) -> bool {
    loop {
        match rows.read(scratch) {
            Ok(true) => {}
            Ok(false) => return true,
            Err(_) => return false,
        }
    }
}

fn truncated(file: &str, line: usize) -> SourceError {
    SourceError::parse(file, Position::Line(line), Msg::new("source.truncated_quoted"))
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
    file: &'a str,
    tz: crate::Zone,
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
        let name = self.file;
        let ty: i64 = field(self.cols.ty).trim().parse().map_err(|_| {
            SourceError::parse(
                name,
                position,
                Msg::new("source.not_number")
                    .text("field", "`Type`")
                    .text("value", format!("{:?}", field(self.cols.ty))),
            )
        })?;
        let sub_type: i64 = match field(self.cols.sub_type).trim() {
            "" => 0,
            s => s.parse().map_err(|_| {
                let why = Msg::new("source.not_number").text("field", "`SubType`").text("value", format!("{s:?}"));
                SourceError::parse(name, position, why)
            })?,
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
            return Err(SourceError::parse(
                name,
                position,
                Msg::new("source.record_without").text("fields", "`Sender`/`NickName`"),
            ));
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
        emit(self.sink, event, self.file, position)?;
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
                    self.file,
                    position,
                    Msg::new("source.wechat_strtime").text("value", format!("{local:?}")),
                )
            });
        }
        raw.parse::<i64>().ok().and_then(|s| cn::unix_time(s, self.tz)).ok_or_else(|| {
            SourceError::parse(
                self.file,
                position,
                Msg::new("source.not_unix_seconds").text("field", "`CreateTime`").text("value", format!("{raw:?}")),
            )
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

/// The 1-based line a record starts on.
fn record_line(record: &StringRecord, rows: &mut Records<'_, '_>) -> usize {
    rows.line_of(record.position().map_or(0, |p| p.byte()))
}

fn csv_error(file: &str, rows: &mut Records<'_, '_>, e: csv::Error) -> SourceError {
    let e = match rows.input_error(e) {
        Ok(ours) => return ours,
        Err(e) => e,
    };
    let position = match e.position() {
        Some(p) => Position::Line(rows.line_of(p.byte())),
        None => Position::Whole,
    };
    let why = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            Msg::new("source.csv_fields").int("found", *len).int("expected", *expected_len)
        }
        _ => Msg::new("source.csv_other").text("detail", e.to_string()),
    };
    SourceError::parse(file, position, why)
}
