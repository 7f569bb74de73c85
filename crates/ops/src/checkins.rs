//! Check-in challenges (打卡): one record per member, group and local day,
//! whether it comes from a message, from an imported `checkin` event, from
//! the operator's hand, or from several of them; then streaks, completion,
//! who missed yesterday (the supervision list), make-ups (补卡) and leave
//! days (请假) counted apart from misses, and the bare-form share.
//!
//! Rules (docs/ops.md, "Check-ins"):
//! - A message is a check-in when it opens with a check-in tag (`#打卡`,
//!   `打卡 第3天`, `【打卡】`, `#checkin`) or holds `#打卡` anywhere: the
//!   snapshot's [`flags::CHECKIN`], shared with the report's output score.
//!   A message spelling the format out (`第N天` with a literal N) is a
//!   challenge's announcement, not a check-in. A custom pattern
//!   (`--pattern`) replaces that rule.
//! - `补卡` / `请假` the same way (opening the message, or `#补卡` /
//!   `#请假` anywhere). A make-up message fills the member's latest missed
//!   day before it; a leave message declares its own day (the next day
//!   when it says 明天 or 明日).
//! - A day has one record. One added by hand wins; otherwise a check-in
//!   beats a make-up, which beats a leave.
//! - A group's challenge starts on its first recorded day; a member's span
//!   starts then, or on the day they joined if later, and ends yesterday.
//!   "Today" is the day after the group's history ends, unless given;
//!   nothing after today counts.
//! - Misses are days of the span with no record. Completion = (check-in
//!   and make-up days) / (span days − leave days). A streak is a run of
//!   check-in or make-up days; a leave day neither breaks nor extends it;
//!   the current streak may end today or yesterday.
//! - Bare form (seed 000: check-ins that have become a form nobody
//!   answers): a check-in message no other member replied to (a reply or
//!   quote the export recorded, from a message that is not itself a
//!   check-in) and whose author nobody else @-mentioned within 3 hours
//!   after it, before their next check-in. Later mentions belong to other
//!   conversations (a reminder the next day, praise for speaking in the
//!   evening's discussion). Inferred reply links are not used: among a
//!   morning's stream of check-ins, timing would link check-ins to each
//!   other.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use tonghao_model::msg::Msg;
use tonghao_model::records::{CheckinMark, MarkKind};
use tonghao_model::snapshot::{MembershipKind, NONE, Snapshot, flags};

/// How messages are recognised.
#[derive(Debug, Default)]
pub struct Recogniser {
    pattern: Option<regex::Regex>,
}

impl Recogniser {
    /// The default rule, or `pattern` (a regular expression) for check-ins.
    pub fn new(pattern: Option<&str>) -> Result<Self, Msg> {
        let pattern = pattern
            .map(|p| {
                regex::Regex::new(p)
                    .map_err(|e| Msg::new("error.not_a_pattern").text("value", p).text("detail", e.to_string()))
            })
            .transpose()?;
        Ok(Recogniser { pattern })
    }

    /// What a message with `text` and snapshot `flags` records, and the day
    /// shift of a leave (1 for 明天).
    pub fn kind(&self, text: &str, message_flags: u8) -> Option<(MarkKind, i64)> {
        if tagged(text, "补卡") {
            return Some((MarkKind::Makeup, 0));
        }
        if tagged(text, "请假") {
            let shift = i64::from(text.contains("明天") || text.contains("明日"));
            return Some((MarkKind::Leave, shift));
        }
        let checkin = match &self.pattern {
            Some(re) => re.is_match(text),
            // A message that spells the format out ("每天打卡：#打卡 第N天")
            // announces a challenge; it is nobody's check-in.
            None => message_flags & flags::CHECKIN != 0 && !text.contains("第N天"),
        };
        checkin.then_some((MarkKind::Checkin, 0))
    }
}

/// Whether `text` opens with `word` as a tag, or holds `#word` anywhere.
fn tagged(text: &str, word: &str) -> bool {
    let t = text.trim_start();
    let open = ["#", "＃", "【", "[", ""].iter().any(|p| t.strip_prefix(p).is_some_and(|r| r.starts_with(word)));
    open || text.contains(&format!("#{word}")) || text.contains(&format!("＃{word}"))
}

/// How far back a check-in makes a member who missed yesterday slipping
/// rather than gone.
pub const SLIPPING_DAYS: i64 = 7;

/// One member in one group's challenge.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberCheckins {
    /// Store id.
    pub member_id: i64,
    /// Latest name.
    pub name: String,
    /// Days checked in (every day recorded, today included).
    pub days: u32,
    /// Days made up (补卡).
    pub makeup: u32,
    /// Leave days (请假).
    pub leave: u32,
    /// Days of their span with no record.
    pub misses: u32,
    /// Days in their span (its first day to yesterday).
    pub span_days: u32,
    /// (check-in + make-up days) / (span days − leave days) within the span.
    pub completion: Option<f64>,
    /// The run of check-in or make-up days ending today or yesterday.
    pub current_streak: u32,
    /// The longest such run.
    pub longest_streak: u32,
    /// No record for yesterday.
    pub missed_yesterday: bool,
    /// Missed yesterday after checking in (or making up) on one of the 7
    /// days before it: slipping, and worth a personal word now. Who stopped
    /// longer ago has left the challenge, not slipped.
    pub slipping: bool,
    /// Every recorded day: `YYYY-MM-DD` → checkin, makeup or leave.
    pub calendar: BTreeMap<String, MarkKind>,
}

/// One group's check-in challenge.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupCheckins {
    /// Store id.
    pub group_id: i64,
    /// Name (or platform id).
    pub group: String,
    /// The group's id on its platform.
    pub external_id: String,
    /// The challenge's first day (the group's first record).
    pub start: String,
    /// The day the figures are for.
    pub today: String,
    /// The day before: the last day whose misses count.
    pub yesterday: String,
    /// Members with at least one record, most days first.
    pub members: Vec<MemberCheckins>,
    /// Names of those who missed yesterday: the supervision list.
    pub missed_yesterday: Vec<String>,
    /// Names of those slipping (see [`MemberCheckins::slipping`]): whom to
    /// write to today.
    pub follow_up: Vec<String>,
    /// Check-in messages (not hand records or events).
    pub checkin_messages: u32,
    /// Those nobody answered (see the module's rules).
    pub bare_messages: u32,
    /// `bare_messages / checkin_messages`.
    pub bare_share: Option<f64>,
}

/// What to compute.
#[derive(Debug)]
pub struct Request<'a> {
    /// Only this group (a snapshot index); `None`: every group with records.
    pub group: Option<usize>,
    /// The day the figures are for; `None`: the day after each group's
    /// history ends.
    pub today: Option<NaiveDate>,
    /// How messages are recognised.
    pub recogniser: &'a Recogniser,
}

/// Rank of a record: a higher one replaces a lower one on the same day.
fn rank(kind: MarkKind, by_hand: bool) -> u8 {
    let base = match kind {
        MarkKind::Checkin => 3,
        MarkKind::Makeup => 2,
        MarkKind::Leave => 1,
    };
    base + if by_hand { 10 } else { 0 }
}

/// Check-in challenges per group. `snap` must carry the texts of the
/// messages to recognise (all of them: `Some(i64::MAX)` when loading);
/// `marks` are the store's records that are not messages.
pub fn checkins(snap: &Snapshot, marks: &[CheckinMark], req: &Request<'_>) -> Vec<GroupCheckins> {
    let member_index: HashMap<i64, usize> = snap.members.iter().enumerate().map(|(i, m)| (m.store_id, i)).collect();
    let mut out = Vec::new();
    for (g, group) in snap.groups.iter().enumerate() {
        if req.group.is_some_and(|only| only != g) {
            continue;
        }
        let m = &snap.messages;
        let today = req.today.unwrap_or_else(|| group.local_date(snap.history_end(g).unwrap_or(0)) + Duration::days(1));
        let yesterday = today - Duration::days(1);
        // (member index, day) → (kind, rank); nothing after today counts.
        let mut days: HashMap<(usize, NaiveDate), (MarkKind, u8)> = HashMap::new();
        let mut put = |member: usize, day: NaiveDate, kind: MarkKind, by_hand: bool| {
            let r = rank(kind, by_hand);
            let e = days.entry((member, day)).or_insert((kind, r));
            if r > e.1 {
                *e = (kind, r);
            }
        };
        let mut checkin_msgs = Vec::new();
        let mut makeups = Vec::new();
        for i in group.messages.clone() {
            let text = m.text.get(&(i as u32)).map_or("", |t| t);
            let Some((kind, shift)) = req.recogniser.kind(text, m.flags[i]) else { continue };
            let who = m.member[i] as usize;
            let day = group.local_date(m.at_ms[i]) + Duration::days(shift);
            if group.local_date(m.at_ms[i]) > today {
                continue;
            }
            match kind {
                MarkKind::Makeup => makeups.push((who, day)),
                MarkKind::Checkin => {
                    checkin_msgs.push(i);
                    put(who, day, kind, false);
                }
                MarkKind::Leave => put(who, day, kind, false),
            }
        }
        for mark in marks.iter().filter(|k| k.group == group.store_id) {
            let (Some(&who), Ok(day)) =
                (member_index.get(&mark.member), NaiveDate::parse_from_str(&mark.day, "%Y-%m-%d"))
            else {
                continue;
            };
            if day <= today {
                put(who, day, mark.kind, mark.by_hand);
            }
        }
        if days.is_empty() && makeups.is_empty() {
            continue;
        }
        let Some(start) = days.keys().map(|k| k.1).chain(makeups.iter().map(|k| k.1)).min() else { continue };
        // Joins, for a member's own first day.
        let mut joined: HashMap<usize, NaiveDate> = HashMap::new();
        for r in &snap.memberships[group.memberships.clone()] {
            if r.kind == MembershipKind::Join {
                let d = group.local_date(r.at_ms);
                joined.entry(r.member as usize).and_modify(|j| *j = (*j).min(d)).or_insert(d);
            }
        }
        let mut members: HashSet<usize> = days.keys().map(|k| k.0).collect();
        members.extend(makeups.iter().map(|k| k.0));
        let first_own = |who: usize, days: &HashMap<(usize, NaiveDate), (MarkKind, u8)>| {
            days.keys().filter(|k| k.0 == who).map(|k| k.1).min()
        };
        let span_start = |who: usize, days: &HashMap<(usize, NaiveDate), (MarkKind, u8)>| {
            let mut s = joined.get(&who).map_or(start, |&j| j.max(start));
            if let Some(f) = first_own(who, days) {
                s = s.min(f);
            }
            s
        };
        // A make-up fills the member's latest missed day before it.
        makeups.sort_by_key(|k| k.1);
        for (who, on) in makeups {
            let s = span_start(who, &days);
            let mut d = on - Duration::days(1);
            while d >= s {
                if let std::collections::hash_map::Entry::Vacant(e) = days.entry((who, d)) {
                    e.insert((MarkKind::Makeup, rank(MarkKind::Makeup, false)));
                    break;
                }
                d -= Duration::days(1);
            }
        }
        let mut rows = Vec::new();
        for &who in &members {
            let s = span_start(who, &days);
            let at = |d: NaiveDate| days.get(&(who, d)).map(|e| e.0);
            let mut row = MemberCheckins {
                member_id: snap.members[who].store_id,
                name: snap.members[who].name.clone(),
                days: 0,
                makeup: 0,
                leave: 0,
                misses: 0,
                span_days: 0,
                completion: None,
                current_streak: 0,
                longest_streak: 0,
                missed_yesterday: yesterday >= s && at(yesterday).is_none(),
                slipping: yesterday >= s
                    && at(yesterday).is_none()
                    && (1..=SLIPPING_DAYS).any(|k| {
                        matches!(at(yesterday - Duration::days(k)), Some(MarkKind::Checkin | MarkKind::Makeup))
                    }),
                calendar: BTreeMap::new(),
            };
            for (&(w, d), &(kind, _)) in &days {
                if w != who {
                    continue;
                }
                row.calendar.insert(d.format("%Y-%m-%d").to_string(), kind);
                match kind {
                    MarkKind::Checkin => row.days += 1,
                    MarkKind::Makeup => row.makeup += 1,
                    MarkKind::Leave => row.leave += 1,
                }
            }
            let (mut done, mut off, mut run) = (0u32, 0u32, 0u32);
            let mut d = s;
            while d <= yesterday {
                row.span_days += 1;
                match at(d) {
                    Some(MarkKind::Checkin | MarkKind::Makeup) => {
                        done += 1;
                        run += 1;
                    }
                    Some(MarkKind::Leave) => off += 1,
                    None => {
                        row.misses += 1;
                        run = 0;
                    }
                }
                row.longest_streak = row.longest_streak.max(run);
                d += Duration::days(1);
            }
            if matches!(at(today), Some(MarkKind::Checkin | MarkKind::Makeup)) {
                run += 1;
                row.longest_streak = row.longest_streak.max(run);
            }
            row.current_streak = run;
            row.completion = (row.span_days > off).then(|| done as f64 / (row.span_days - off) as f64);
            rows.push(row);
        }
        rows.sort_by(|a, b| (b.days + b.makeup).cmp(&(a.days + a.makeup)).then_with(|| a.name.cmp(&b.name)));
        let bare = bare_messages(snap, &checkin_msgs);
        let n = checkin_msgs.len() as u32;
        out.push(GroupCheckins {
            group_id: group.store_id,
            group: group.label().to_string(),
            external_id: group.external_id.clone(),
            start: start.format("%Y-%m-%d").to_string(),
            today: today.format("%Y-%m-%d").to_string(),
            yesterday: yesterday.format("%Y-%m-%d").to_string(),
            missed_yesterday: rows.iter().filter(|r| r.missed_yesterday).map(|r| r.name.clone()).collect(),
            follow_up: rows.iter().filter(|r| r.slipping).map(|r| r.name.clone()).collect(),
            members: rows,
            checkin_messages: n,
            bare_messages: bare,
            bare_share: (n > 0).then(|| bare as f64 / n as f64),
        });
    }
    out
}

/// How long after a check-in an @-mention of its author answers it.
pub const MENTION_ANSWERS_MS: i64 = 3 * 3_600_000;

/// Check-in messages among `checkins` (sorted, one group) that no other
/// member answered: by a reply or quote, or by an @-mention of the author
/// within [`MENTION_ANSWERS_MS`] after it (it answers their latest check-in).
/// A bot's reply ("打卡成功") answers nothing: nobody read the check-in.
fn bare_messages(snap: &Snapshot, checkins: &[usize]) -> u32 {
    let Some(group) = checkins.first().map(|&i| snap.messages.group[i] as usize) else { return 0 };
    let m = &snap.messages;
    let is_checkin: HashSet<usize> = checkins.iter().copied().collect();
    let mut answered: HashSet<usize> = HashSet::new();
    // Member index → their latest check-in so far (messages are in time order).
    let mut latest: HashMap<u32, usize> = HashMap::new();
    for j in snap.groups[group].messages.clone() {
        if is_checkin.contains(&j) {
            latest.insert(m.member[j], j);
            continue;
        }
        if m.has(j, flags::BOT) {
            continue;
        }
        let parent = m.reply_to[j];
        if parent != NONE && m.member[parent as usize] != m.member[j] {
            answered.insert(parent as usize);
        }
        for &t in m.mentions(j) {
            if let Some(&i) = latest.get(&t)
                && t != m.member[j]
                && m.at_ms[j] - m.at_ms[i] <= MENTION_ANSWERS_MS
            {
                answered.insert(i);
            }
        }
    }
    checkins.iter().filter(|i| !answered.contains(i)).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_open_the_message_or_carry_a_hash() {
        let r = Recogniser::default();
        assert_eq!(r.kind("补卡 昨天忘了", 0), Some((MarkKind::Makeup, 0)));
        assert_eq!(r.kind("【请假】明天出差", 0), Some((MarkKind::Leave, 1)));
        assert_eq!(r.kind("今天 #请假", 0), Some((MarkKind::Leave, 0)));
        assert_eq!(r.kind("明天继续打卡", 0), None);
        assert_eq!(r.kind("#打卡 第1天", flags::CHECKIN), Some((MarkKind::Checkin, 0)));
        assert_eq!(r.kind("【打卡挑战】今天开始，每天打卡：#打卡 第N天 + 今日内容", flags::CHECKIN), None);
        let custom = Recogniser::new(Some("^Day \\d+")).unwrap();
        assert_eq!(custom.kind("Day 3 done", 0), Some((MarkKind::Checkin, 0)));
        assert_eq!(custom.kind("#打卡", flags::CHECKIN), None);
        assert_eq!(Recogniser::new(Some("(")).unwrap_err().key, "error.not_a_pattern");
    }
}
