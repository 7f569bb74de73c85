//! Reading IRC logs and reply annotations from text (the caller does the I/O).
//!
//! The layout is the one of the Ubuntu IRC logs annotated by Kummerfeld et al.
//! (ACL 2019): `[HH:MM] <nick> text`, actions `[HH:MM] * nick text`, notices
//! `[HH:MM] -nick:#chan- text`, and system lines starting with `===` (joins,
//! parts, quits, kicks, mode changes, `=== a is now known as b`). Old logs also
//! write actions as `=== nick text`; those are read as chat lines.
//!
//! Every line of the file becomes exactly one [`IrcLine`], so line `k` of the
//! file (0-based) is message `k`, the numbering the annotations use.

use super::Message;
use std::collections::HashMap;

/// One line of an IRC log.
#[derive(Debug, Clone)]
pub struct IrcLine {
    /// Seconds since the start of the log's first day (the logs carry only
    /// `HH:MM`; a clock that goes backwards by more than 12 hours is taken as
    /// midnight passing). System lines carry the time of the line before.
    pub time: i64,
    /// The speaker, stable across nick changes (`=== a is now known as b`).
    pub author: u32,
    /// The speaker's nick at that line (for a nick change: the new nick).
    pub nick: String,
    /// What was said (empty for system lines).
    pub text: String,
    /// A join, part, quit, kick, mode or nick change: not part of any talk.
    pub system: bool,
}

/// A parsed IRC log: one [`IrcLine`] per line of the file.
#[derive(Debug, Clone, Default)]
pub struct IrcLog {
    /// The lines, in file order.
    pub lines: Vec<IrcLine>,
}

impl IrcLog {
    /// Parses a whole log. Never fails: a line that fits no known layout is
    /// read as a chat line by the author named in its first word.
    pub fn parse(text: &str) -> IrcLog {
        let mut ids: HashMap<String, u32> = HashMap::new();
        fn id_of(ids: &mut HashMap<String, u32>, nick: &str) -> u32 {
            let next = ids.len() as u32;
            *ids.entry(nick.to_lowercase()).or_insert(next)
        }
        let mut lines = Vec::new();
        let (mut day, mut last_minute, mut last_time) = (0i64, None::<i64>, 0i64);
        let body = text.strip_suffix('\n').unwrap_or(text);
        if text.is_empty() {
            return IrcLog { lines };
        }
        for raw in body.split('\n') {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if let Some(rest) = raw.strip_prefix("===") {
                let rest = rest.trim_start();
                let mut words = rest.split_whitespace();
                let first = words.next().unwrap_or("");
                // `=== a is now known as b`
                if let Some(new) = rest.split(" is now known as ").nth(1) {
                    let new = new.split_whitespace().next().unwrap_or("");
                    let id = id_of(&mut ids, first);
                    ids.insert(new.to_lowercase(), id);
                    lines.push(IrcLine {
                        time: last_time,
                        author: id,
                        nick: new.into(),
                        text: String::new(),
                        system: true,
                    });
                    continue;
                }
                let system = is_system(rest);
                let author = id_of(&mut ids, first);
                let text = if system { String::new() } else { rest[first.len()..].trim().to_string() };
                lines.push(IrcLine { time: last_time, author, nick: first.into(), text, system });
                continue;
            }
            // `[HH:MM] ...`
            let (minute, rest) = match parse_clock(raw) {
                Some((m, rest)) => (Some(m), rest),
                None => (None, raw),
            };
            if let Some(m) = minute {
                if let Some(last) = last_minute
                    && m + 12 * 60 < last
                {
                    day += 1;
                }
                last_minute = Some(m);
                last_time = (day * 24 * 60 + m) * 60;
            }
            let rest = rest.trim_start();
            let (nick, text) = if let Some(r) = rest.strip_prefix('<') {
                match r.find('>') {
                    Some(k) => (&r[..k], r[k + 1..].trim_start()),
                    None => split_word(r),
                }
            } else if let Some(r) = rest.strip_prefix("* ") {
                split_word(r.trim_start())
            } else if let Some(r) = rest.strip_prefix('-') {
                // notice: `-nick:#chan- text`
                match r.find("- ") {
                    Some(k) => (r[..k].split(':').next().unwrap_or(""), r[k + 2..].trim_start()),
                    None => split_word(r),
                }
            } else if let Some(r) = rest.strip_prefix('(') {
                // `(nick/#chan) text`
                match r.find(')') {
                    Some(k) => (r[..k].split('/').next().unwrap_or(""), r[k + 1..].trim_start()),
                    None => split_word(r),
                }
            } else {
                split_word(rest)
            };
            let author = id_of(&mut ids, nick);
            lines.push(IrcLine { time: last_time, author, nick: nick.into(), text: text.into(), system: false });
        }
        IrcLog { lines }
    }

    /// The lines as messages for [`super::infer`] (no explicit replies or
    /// mentions: IRC has neither).
    pub fn messages(&self) -> Vec<Message<'_>> {
        self.lines
            .iter()
            .map(|l| {
                if l.system {
                    Message::system(l.time, l.author, &l.nick)
                } else {
                    Message::chat(l.time, l.author, &l.nick, &l.text)
                }
            })
            .collect()
    }
}

/// `[HH:MM]` at the start of a line: minutes since midnight and the rest.
fn parse_clock(line: &str) -> Option<(i64, &str)> {
    let b = line.as_bytes();
    if b.len() < 7 || b[0] != b'[' || b[3] != b':' || b[6] != b']' {
        return None;
    }
    let num = |s: &[u8]| -> Option<i64> {
        (s[0].is_ascii_digit() && s[1].is_ascii_digit()).then(|| ((s[0] - b'0') * 10 + (s[1] - b'0')) as i64)
    };
    Some((num(&b[1..3])? * 60 + num(&b[4..6])?, &line[7..]))
}

fn split_word(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(k) => (&s[..k], s[k..].trim_start()),
        None => (s, ""),
    }
}

/// Whether a `===` line is a channel event rather than an old-style action.
fn is_system(rest: &str) -> bool {
    const EVENTS: [&str; 7] =
        [" has joined", " has left", " has quit", " was kicked", " sets mode", " changes topic", " -> "];
    // a mask right after the nick (`nick [user@host] ...`) is always an event
    let mut words = rest.split_whitespace();
    let _nick = words.next();
    if words.next().is_some_and(|w| w.starts_with('[')) {
        return true;
    }
    rest.starts_with("mode/") || rest.starts_with("Topic") || EVENTS.iter().any(|e| rest.contains(e))
}

/// Reads a reply annotation file: lines `a b -` naming two 0-based line
/// numbers, the later line replying to the earlier one (`a a -`: line `a`
/// starts a conversation). Returns `(child, parent)` pairs, child = the larger
/// number, in file order; lines that are not two numbers are skipped.
pub fn parse_annotation(text: &str) -> Vec<(usize, usize)> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let a: usize = it.next()?.parse().ok()?;
            let b: usize = it.next()?.parse().ok()?;
            Some((a.max(b), a.min(b)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_one_message() {
        let log = IrcLog::parse(
            "[23:58] <alice> hi all\n\
             === bob [~b@host]  has joined #ubuntu\n\
             [23:59]  * alice waves\n\
             === bob is now known as bobby\n\
             [00:01] <bobby> alice: hello\n\
             === carol mutters\n\
             [00:02] -dave:#ubuntu- notice text\n",
        );
        let l = &log.lines;
        assert_eq!(l.len(), 7);
        assert!(!l[0].system && l[0].nick == "alice" && l[0].text == "hi all");
        assert!(l[1].system && l[1].nick == "bob");
        assert!(!l[2].system && l[2].author == l[0].author && l[2].text == "waves");
        assert!(l[3].system && l[3].author == l[1].author && l[3].nick == "bobby");
        assert_eq!(l[4].author, l[1].author);
        assert_eq!(l[4].time - l[2].time, 2 * 60, "midnight passes");
        assert!(!l[5].system && l[5].nick == "carol" && l[5].text == "mutters");
        assert_eq!(l[6].nick, "dave");
        assert_eq!(l[6].text, "notice text");
    }

    #[test]
    fn annotation_pairs_put_the_later_line_first() {
        assert_eq!(
            parse_annotation("1000 1000 -\n1000 1003 -\n1004 1002 -\n"),
            vec![(1000, 1000), (1003, 1000), (1004, 1002)]
        );
    }
}
