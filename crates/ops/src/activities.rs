//! Planned activities (rituals) and their calendar: when each occurrence
//! happens, and the `.ics` file that puts them in an admin's own calendar.
//!
//! Design decisions:
//! - A recurrence is an RFC 5545 `RRULE` expanded by the `rrule` crate in
//!   the activity's IANA time zone, so a weekly 21:00 stays 21:00 local
//!   across daylight-saving changes (Asia/Shanghai has none; New York has).
//! - The `.ics` file lists every occurrence of a window as its own event in
//!   UTC (`DTSTART:20240306T130000Z`), not one event with an RRULE and a
//!   TZID: a TZID needs a VTIMEZONE block describing the zone's rules, and
//!   expanded UTC times are read the same way by every calendar. Each
//!   occurrence has a stable UID (activity id and start), so re-importing
//!   the file updates events instead of doubling them.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use tonghao_model::msg::Msg;
use tonghao_model::records::Activity;

/// At most this many occurrences of one activity in one window.
pub const MAX_OCCURRENCES: u16 = 1000;

/// Parses a duration like `30m`, `1h`, `1h30m` or `90m` into seconds.
pub fn parse_duration(s: &str) -> Result<i64, Msg> {
    let bad = || Msg::new("error.not_a_duration").text("value", s);
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.trim().chars() {
        match c {
            '0'..='9' => num.push(c),
            'h' | 'm' => {
                let n: i64 = num.parse().map_err(|_| bad())?;
                total += n * if c == 'h' { 3600 } else { 60 };
                num.clear();
            }
            _ => return Err(bad()),
        }
    }
    if !num.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// Parses an IANA zone name (`Asia/Shanghai`, `America/New_York`).
pub fn parse_zone(s: &str) -> Result<Tz, Msg> {
    s.parse::<Tz>().map_err(|_| Msg::new("error.not_a_zone").text("value", s))
}

/// Parses a start: RFC 3339 (an instant), or `YYYY-MM-DD HH:MM[:SS]` read
/// as wall time in `tz`.
pub fn parse_start(s: &str, tz: Tz) -> Result<DateTime<Utc>, Msg> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| Msg::new("error.not_a_time").text("value", s))?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(..) => {
            Err(Msg::new("error.time_twice").text("value", s).text("zone", tz.name()))
        }
        chrono::LocalResult::None => Err(Msg::new("error.time_missing").text("value", s).text("zone", tz.name())),
    }
}

/// The `rrule` crate's set for a recurring activity.
fn rule_set(start: DateTime<Utc>, tz: Tz, rule: &str) -> Result<rrule::RRuleSet, Msg> {
    let rule = rule.trim();
    let rule = rule.strip_prefix("RRULE:").unwrap_or(rule);
    let local = start.with_timezone(&tz).format("%Y%m%dT%H%M%S");
    format!("DTSTART;TZID={}:{local}\nRRULE:{rule}", tz.name())
        .parse::<rrule::RRuleSet>()
        .map_err(|e| Msg::new("error.not_a_rule").text("value", rule).text("detail", e.to_string()))
}

/// Checks a recurrence rule against its start and zone.
pub fn check_rule(start: DateTime<Utc>, tz: Tz, rule: &str) -> Result<(), Msg> {
    rule_set(start, tz, rule).map(|_| ())
}

/// One occurrence of an activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// The activity's id.
    pub activity: i64,
    /// Start (UTC milliseconds).
    pub start_ms: i64,
    /// End (UTC milliseconds).
    pub end_ms: i64,
    /// Start as RFC 3339 in the activity's zone, e.g. `2024-03-06T21:00:00+08:00`.
    pub local_start: String,
}

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The occurrences of `a` that overlap `[from_ms, until_ms)`, at most
/// [`MAX_OCCURRENCES`].
pub fn occurrences(a: &Activity, from_ms: i64, until_ms: i64) -> Result<Vec<Occurrence>, Msg> {
    let tz = parse_zone(&a.tz)?;
    let dur = a.duration_s * 1000;
    let make = |start_ms: i64| Occurrence {
        activity: a.id,
        start_ms,
        end_ms: start_ms + dur,
        local_start: utc(start_ms).with_timezone(&tz).to_rfc3339(),
    };
    let Some(rule) = &a.rrule else {
        let overlaps = a.start_ms < until_ms && a.start_ms + dur > from_ms;
        return Ok(if overlaps { vec![make(a.start_ms)] } else { Vec::new() });
    };
    let rtz = rrule::Tz::Tz(tz);
    let set = rule_set(utc(a.start_ms), tz, rule)?
        .after(utc(from_ms - dur + 1).with_timezone(&rtz))
        .before(utc(until_ms - 1).with_timezone(&rtz));
    Ok(set.all(MAX_OCCURRENCES).dates.iter().map(|d| make(d.timestamp_millis())).collect())
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets without splitting a
/// UTF-8 character (RFC 5545 §3.1), ended by CRLF.
fn line(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(ms: i64) -> String {
    utc(ms).format("%Y%m%dT%H%M%SZ").to_string()
}

/// One activity and the occurrences to write.
pub struct Scheduled<'a> {
    /// The activity.
    pub activity: &'a Activity,
    /// Its occurrences in the window.
    pub occurrences: Vec<Occurrence>,
    /// The description to write (its kind and group, worded by the caller).
    pub description: String,
}

/// An iCalendar file (RFC 5545) with one event per occurrence. `community`
/// names the calendar and goes into every UID.
pub fn ics(community: &str, calendar_name: &str, scheduled: &[Scheduled<'_>]) -> String {
    let mut out = String::new();
    for l in
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tonghao//tonghao//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(calendar_name)));
    // A UID is an opaque text: keep it ASCII whatever the community is called.
    let community_tag: String = community
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    for s in scheduled {
        let a = s.activity;
        for o in &s.occurrences {
            line(&mut out, "BEGIN:VEVENT");
            line(&mut out, &format!("UID:tonghao-{community_tag}-{}-{}@tonghao", a.id, stamp(o.start_ms)));
            line(&mut out, &format!("DTSTAMP:{}", stamp(a.created_ms)));
            line(&mut out, &format!("DTSTART:{}", stamp(o.start_ms)));
            line(&mut out, &format!("DTEND:{}", stamp(o.end_ms)));
            line(&mut out, &format!("SUMMARY:{}", escape(&a.title)));
            line(&mut out, &format!("DESCRIPTION:{}", escape(&s.description)));
            line(&mut out, &format!("CATEGORIES:{}", a.kind.as_str()));
            line(&mut out, "END:VEVENT");
        }
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonghao_model::records::ActivityKind;

    fn activity(start: &str, tz: &str, rule: Option<&str>) -> Activity {
        let tz_ = parse_zone(tz).unwrap();
        Activity {
            id: 1,
            group_id: 1,
            group: "g".into(),
            group_external_id: "g".into(),
            kind: ActivityKind::Topic,
            title: "t".into(),
            start_ms: parse_start(start, tz_).unwrap().timestamp_millis(),
            tz: tz.into(),
            rrule: rule.map(str::to_string),
            duration_s: 1800,
            created_ms: 0,
            host: None,
        }
    }

    fn starts(a: &Activity, from: &str, until: &str) -> Vec<String> {
        let ms = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
        occurrences(a, ms(from), ms(until)).unwrap().into_iter().map(|o| stamp(o.start_ms)).collect()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2h"), Ok(7200));
        for bad in ["", "30", "m", "1d", "-5m", "0m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    /// Weekly Wednesday 21:00 in Shanghai (no DST): always 13:00 UTC.
    #[test]
    fn shanghai_weekly_stays_at_13_utc() {
        let a = activity("2024-03-06 21:00", "Asia/Shanghai", Some("FREQ=WEEKLY;BYDAY=WE;COUNT=4"));
        let got = starts(&a, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
        assert_eq!(got, ["20240306T130000Z", "20240313T130000Z", "20240320T130000Z", "20240327T130000Z"]);
    }

    /// Weekly Saturday 21:00 in New York: 02:00 UTC on Sunday while on
    /// standard time (UTC−5), 01:00 UTC once daylight time (UTC−4) begins on
    /// Sunday 2024-03-10; back at 02:00 after it ends on Sunday 2024-11-03
    /// (Saturday the 2nd, 21:00, is still daylight time).
    #[test]
    fn new_york_weekly_keeps_wall_time_across_dst() {
        let a = activity("2024-03-02 21:00", "America/New_York", Some("FREQ=WEEKLY;COUNT=3"));
        let got = starts(&a, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
        assert_eq!(got, ["20240303T020000Z", "20240310T020000Z", "20240317T010000Z"]);
        let b = activity("2024-10-26 21:00", "America/New_York", Some("FREQ=WEEKLY;COUNT=3"));
        let got = starts(&b, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z");
        assert_eq!(got, ["20241027T010000Z", "20241103T010000Z", "20241110T020000Z"]);
        // 02:30 on 2024-03-10 does not exist there.
        assert_eq!(
            parse_start("2024-03-10 02:30", parse_zone("America/New_York").unwrap()).unwrap_err().key,
            "error.time_missing"
        );
    }

    /// An endless rule is cut by the window; a one-off is in it or not.
    #[test]
    fn windows() {
        let a = activity("2024-03-01T07:00:00+08:00", "Asia/Shanghai", Some("FREQ=DAILY"));
        assert_eq!(
            starts(&a, "2024-03-05T00:00:00+08:00", "2024-03-07T00:00:00+08:00"),
            ["20240304T230000Z", "20240305T230000Z"]
        );
        let once = activity("2024-03-01T07:00:00+08:00", "Asia/Shanghai", None);
        assert_eq!(starts(&once, "2024-02-29T00:00:00Z", "2024-03-02T00:00:00Z"), ["20240229T230000Z"]);
        assert!(starts(&once, "2024-03-02T00:00:00Z", "2024-03-03T00:00:00Z").is_empty());
        assert_eq!(
            check_rule(Utc::now(), chrono_tz::Asia::Shanghai, "FREQ=SOMETIMES").unwrap_err().key,
            "error.not_a_rule"
        );
    }

    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "话题讨论".repeat(10)));
        for l in out.trim_end().split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(out.replace("\r\n ", ""), format!("SUMMARY:{}\r\n", "话题讨论".repeat(10)));
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
