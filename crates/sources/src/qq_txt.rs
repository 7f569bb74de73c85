//! QQ's built-in text export (PC QQ 9.x "消息管理 → 导出消息记录 → 文本文件",
//! the same layout since QQ 2012): a title line
//! `消息记录（此消息记录为文本格式，不支持重新导入）`, then per chat a block
//!
//! ```text
//! ================================================================
//! 消息分组:我的QQ群
//! ================================================================
//! 消息对象:读书会1群
//! ================================================================
//!
//! 2024-03-01 20:55:01 小李-上海-产品经理(10001)
//! 各位晚上好……
//!
//! ```
//!
//! and messages as a header line `YYYY-MM-DD H:MM:SS 昵称(QQ号)` (or
//! `昵称<e-mail>` for accounts known by address) followed by one or more body
//! lines and a blank line. Older QQ versions write GB18030 or UTF-16 with a
//! BOM; [`crate::decode`] handles both.
//!
//! What maps to what:
//!
//! - **Group**: the `消息对象` name, for `group` and `group_name` alike (the
//!   export carries no group number). A file holding several chats switches
//!   group at each `消息对象` line; a file without one uses its file stem.
//! - **People**: the QQ number (or e-mail) is `member`, the nickname
//!   `member_name`.
//! - **Time**: local wall time at `opts.tz`, default +08:00.
//! - **Messages**: the body lines joined by newlines. A body that is only
//!   `[图片]` is an image, `[表情]`/`[动画表情]` a sticker, `[语音]` voice,
//!   `[视频]` video, `[文件]` a file; anything else text. `@name` in the text is
//!   a mention by name: QQ writes quotes (回复) the same way, as `@name text`,
//!   so they become mentions, never `reply_to`. Messages have no `id`; the
//!   store hashes their content. Check-ins stay plain messages.
//! - **System lines** come from `系统消息(10000)` and use the WeChat-style
//!   phrasing shared with the other Chinese sources: `"A"邀请"B"加入了群聊` →
//!   join with `by`, `"A"将"B"移出了群聊` → leave with `by`, `"B"退出了群聊`,
//!   `"X" 撤回了一条消息` → recall. People there have names only.
//!
//! Dropped: `消息分组` (the exporter's own folder), system lines of other
//! kinds (QQ's own gray-tip wording varies by version and is not pinned
//! down), and images themselves (the text export has none). A file that does
//! not end with a line break was cut off mid-line and is an error.

use crate::common::cn::{self, SysContext};
use crate::stream::too_long;
use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use chrono::{NaiveDate, NaiveTime};
use tonghao_model::msg::Msg;
use tonghao_model::{ContentType, Event, EventSink, Header, Message, PersonRef, Platform, Timestamp};

/// QQ's text export.
pub struct QqTxt;

const TITLE: &str = "消息记录";
const OBJECT: [&str; 2] = ["消息对象:", "消息对象："];
const FOLDER: [&str; 2] = ["消息分组:", "消息分组："];

impl Source for QqTxt {
    fn name(&self) -> &'static str {
        "qq-txt"
    }

    fn description(&self) -> &'static str {
        "QQ's built-in text export (消息记录, .txt)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        let mut lines = head.trim_start_matches('\u{feff}').lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(first) = lines.next() else { return false };
        let early: Vec<&str> = lines.take(8).collect();
        let has_object = early.iter().any(|l| starts_with_any(l, &OBJECT));
        (first.starts_with(TITLE) && (first.contains("不支持重新导入") || has_object)) || (is_rule(first) && has_object)
    }

    fn read(&self, input: &mut Input<'_>, opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        // Times without a zone: the store keys them on the clock as written.
        sink.local_times();
        let name = input.name().to_string();
        let stem = {
            let base = input.base_name();
            base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
        };
        let max = input.limits().max_message_bytes;
        let mut reader = Reader { file: &name, tz: opts.tz_or(8), group: stem, pending: None, sink };
        let mut in_preamble = true;
        let mut lines = input.lines();
        // One line of lookahead: a rule line means something else when a
        // section header follows it.
        let mut next = lines.next_line()?.map(|(n, l)| (n, l.to_string()));
        while let Some((line_no, raw)) = next.take() {
            next = lines.next_line()?.map(|(n, l)| (n, l.to_string()));
            if next.is_none() && !lines.ended_with_newline() {
                return Err(SourceError::parse(&name, Position::Line(line_no), Msg::new("source.truncated_qq_line")));
            }
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim();
            if is_rule(trimmed) {
                let next = next.as_ref().map(|(_, l)| l.trim());
                let starts_section = next.is_some_and(|n| starts_with_any(n, &OBJECT) || starts_with_any(n, &FOLDER));
                if in_preamble || starts_section || reader.pending.is_none() {
                    reader.flush()?;
                    in_preamble = true;
                    continue;
                }
            }
            if in_preamble {
                if let Some(name) = strip_any(trimmed, &OBJECT) {
                    let name = name.trim();
                    if !name.is_empty() {
                        reader.group = name.to_string();
                    }
                    continue;
                }
                if trimmed.is_empty() || is_rule(trimmed) || starts_with_any(trimmed, &FOLDER) {
                    continue;
                }
                if trimmed.starts_with(TITLE) && reader.pending.is_none() {
                    continue;
                }
            }
            if let Some(h) = parse_header(line, reader.tz) {
                reader.flush()?;
                in_preamble = false;
                reader.pending = Some(Pending {
                    line: line_no,
                    at: h.at,
                    name: h.name.to_string(),
                    id: h.id.to_string(),
                    body: Vec::new(),
                    len: 0,
                });
                continue;
            }
            match reader.pending.as_mut() {
                Some(p) => {
                    p.len += line.len() + 1;
                    if p.len > max {
                        return Err(too_long(&name, p.line, max));
                    }
                    p.body.push(line.to_string())
                }
                None => {
                    return Err(SourceError::parse(
                        &name,
                        Position::Line(line_no),
                        Msg::new("source.qq_header").text("found", format!("{trimmed:?}")),
                    ));
                }
            }
        }
        reader.flush()
    }
}

fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| s.starts_with(p))
}

fn strip_any<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| s.strip_prefix(p))
}

/// A `====…` separator line.
fn is_rule(s: &str) -> bool {
    s.len() >= 10 && s.bytes().all(|b| b == b'=')
}

struct HeaderLine<'a> {
    at: Timestamp,
    name: &'a str,
    id: &'a str,
}

/// `2024-03-01 20:55:01 昵称(10001)` or `2024-3-1 9:05:01 昵称<a@b.com>`.
fn parse_header(line: &str, tz: crate::Zone) -> Option<HeaderLine<'_>> {
    let (date, rest) = line.split_once(' ')?;
    let (time, who) = rest.split_once(' ')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    if date.len() < 8 || !date.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let mut t = time.splitn(3, ':').map(|p| p.parse::<u32>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    if !time.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let naive = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, dd)?.and_time(NaiveTime::from_hms_opt(hh, mm, ss)?);
    let at = tz.from_local(naive)?;
    let who = who.trim_end();
    let (name, id) = if let Some(inner) = who.strip_suffix(')') {
        let open = inner.rfind('(')?;
        let id = &inner[open + 1..];
        (id.len() <= 12 && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some((&inner[..open], id))?
    } else if let Some(inner) = who.strip_suffix('>') {
        let open = inner.rfind('<')?;
        let id = &inner[open + 1..];
        (id.contains('@') && !id.contains(char::is_whitespace)).then_some((&inner[..open], id))?
    } else {
        return None;
    };
    Some(HeaderLine { at, name: name.trim(), id })
}

/// A message whose body is still being read.
struct Pending {
    line: usize,
    at: Timestamp,
    name: String,
    id: String,
    body: Vec<String>,
    /// Bytes of `body`, for the message limit.
    len: usize,
}

struct Reader<'a> {
    file: &'a str,
    tz: crate::Zone,
    group: String,
    pending: Option<Pending>,
    sink: &'a mut dyn EventSink,
}

impl Reader<'_> {
    fn header(&self, at: Timestamp, who: PersonRef) -> Header {
        Header {
            platform: Platform::Qq,
            group: self.group.clone(),
            group_name: Some(self.group.clone()),
            member: who.id,
            member_name: who.name,
            at,
            id: None,
        }
    }

    /// Emits the message being read, if any.
    fn flush(&mut self) -> Result<(), SourceError> {
        let Some(mut p) = self.pending.take() else { return Ok(()) };
        while p.body.last().is_some_and(|l| l.trim().is_empty()) {
            p.body.pop();
        }
        let text = p.body.join("\n");
        let position = Position::Line(p.line);
        if p.id == "10000" && p.name == "系统消息" {
            for ev in cn::system_events(&text, &SysContext { me: None }) {
                let event = ev.into_event(self.header(p.at, PersonRef::default()));
                emit(self.sink, event, self.file, position)?;
            }
            return Ok(());
        }
        let who = PersonRef { id: Some(p.id.to_string()), name: (!p.name.is_empty()).then(|| p.name.to_string()) };
        let content_type = match text.trim() {
            "[图片]" => ContentType::Image,
            "[表情]" | "[动画表情]" => ContentType::Sticker,
            "[语音]" => ContentType::Voice,
            "[视频]" => ContentType::Video,
            "[文件]" => ContentType::File,
            "" => ContentType::Other,
            _ => ContentType::Text,
        };
        let event = Event::Message(Message {
            header: self.header(p.at, who),
            reply_to: None,
            mentions: cn::mentions(&text),
            content_type,
            text,
            bot: false,
            edited_at: None,
        });
        emit(self.sink, event, self.file, position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let tz = crate::Zone::hours(8);
        let h = parse_header("2024-03-01 20:55:01 小李(上海)(10001)", tz).unwrap();
        assert_eq!((h.name, h.id), ("小李(上海)", "10001"));
        assert_eq!(h.at.to_rfc3339(), "2024-03-01T20:55:01+08:00");
        let h = parse_header("2012-5-1 9:05:01 阿花<hua@example.com>", tz).unwrap();
        assert_eq!((h.name, h.id), ("阿花", "hua@example.com"));
        assert!(parse_header("2024-03-01 20:55:01 我们开会吧", tz).is_none());
        assert!(parse_header("2024-13-01 20:55:01 x(1)", tz).is_none());
        assert!(parse_header("明天 20:55:01 x(1)", tz).is_none());
    }
}
