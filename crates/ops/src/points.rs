//! Points (积分): the rules that turn records into a ledger, and the
//! leaderboard. Nothing is posted: the ledger is for the team to read and
//! to reward people by hand.
//!
//! Rules (docs/ops.md, "Points"), computed from the records every time:
//! - speaker ([`SPEAKER`] points): one of the speakers to reward of a topic
//!   discussion's occurrence (`outcomes`), once the history covers it;
//! - streak ([`STREAK`] points): a run of check-in or make-up days reaching
//!   7, 14, 21, … days (a leave day neither breaks nor extends a run, as in
//!   `checkins`);
//! - output ([`OUTPUT`] points): a day on which the member posted output in
//!   the group: a substantive message (≥ 15 characters, not a check-in) of
//!   at least [`OUTPUT_CHARS`] characters or with a link, not an ad; at most
//!   once per member, group and local day;
//! - by hand: whatever the team gave, with its reason.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tonghao_model::records::MarkKind;
use tonghao_model::snapshot::{Snapshot, flags};

/// Points for a speaker to reward.
pub const SPEAKER: i64 = 10;
/// Points per 7 days of a check-in streak.
pub const STREAK: i64 = 5;
/// Points for a day with output.
pub const OUTPUT: i64 = 2;
/// Characters that make a message output without a link.
pub const OUTPUT_CHARS: u32 = 100;
/// A streak earns points at every multiple of this many days.
pub const STREAK_STEP: u32 = 7;

/// Which rule gave the points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// A speaker to reward in a discussion.
    Speaker,
    /// A check-in streak milestone.
    Streak,
    /// A day with output.
    Output,
    /// Given by hand.
    Manual,
}

/// One line of the ledger.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// The member's store id.
    pub member_id: i64,
    /// Their name.
    pub name: String,
    /// The group's store id, if any.
    pub group_id: Option<i64>,
    /// The group's name, if any.
    pub group: Option<String>,
    /// The rule.
    pub rule: Rule,
    /// How many.
    pub points: i64,
    /// Why, in words.
    pub reason: String,
    /// The day it was earned, `YYYY-MM-DD` (the group's local day).
    pub day: String,
}

/// One member's standing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Standing {
    /// Place (1: first; equal totals share a place).
    pub rank: u32,
    /// The member's store id.
    pub member_id: i64,
    /// Their name.
    pub name: String,
    /// Points in all.
    pub total: i64,
    /// Points per rule.
    pub by_rule: BTreeMap<Rule, i64>,
}

/// The days (`YYYY-MM-DD`) on which a run of check-in or make-up days in
/// `calendar` reaches a multiple of [`STREAK_STEP`], with the run's length.
pub fn streak_milestones(calendar: &BTreeMap<String, MarkKind>) -> Vec<(String, u32)> {
    let parse = |d: &String| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let (Some(first), Some(last)) =
        (calendar.keys().next().and_then(parse), calendar.keys().next_back().and_then(parse))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut run = 0u32;
    let mut d = first;
    while d <= last {
        let key = d.format("%Y-%m-%d").to_string();
        match calendar.get(&key) {
            Some(MarkKind::Checkin | MarkKind::Makeup) => {
                run += 1;
                if run.is_multiple_of(STREAK_STEP) {
                    out.push((key, run));
                }
            }
            Some(MarkKind::Leave) => {}
            None => run = 0,
        }
        d += Duration::days(1);
    }
    out
}

/// The (member index, local day) pairs of group `g` with output.
pub fn output_days(snap: &Snapshot, g: usize) -> BTreeSet<(u32, String)> {
    let m = &snap.messages;
    snap.groups[g]
        .messages
        .clone()
        .filter(|&i| {
            m.has(i, flags::SUBSTANTIVE)
                && !m.has(i, flags::AD)
                && !m.has(i, flags::BOT)
                && (m.chars[i] >= OUTPUT_CHARS || m.has(i, flags::LINK))
        })
        .map(|i| (m.member[i], snap.groups[g].local_date(m.at_ms[i]).format("%Y-%m-%d").to_string()))
        .collect()
}

/// The leaderboard of `ledger`: highest total first, then by name.
pub fn leaderboard(ledger: &[Entry]) -> Vec<Standing> {
    let mut by: HashMap<i64, Standing> = HashMap::new();
    for e in ledger {
        let s = by.entry(e.member_id).or_insert_with(|| Standing {
            rank: 0,
            member_id: e.member_id,
            name: e.name.clone(),
            total: 0,
            by_rule: BTreeMap::new(),
        });
        s.total += e.points;
        *s.by_rule.entry(e.rule).or_default() += e.points;
    }
    let mut out: Vec<Standing> = by.into_values().collect();
    out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)).then(a.member_id.cmp(&b.member_id)));
    for i in 0..out.len() {
        out[i].rank = if i > 0 && out[i].total == out[i - 1].total { out[i - 1].rank } else { i as u32 + 1 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(days: &[(&str, MarkKind)]) -> BTreeMap<String, MarkKind> {
        days.iter().map(|(d, k)| (d.to_string(), *k)).collect()
    }

    /// Days 1–6 checked in, 7 on leave, 8 made up: the run reaches 7 on day
    /// 8. A miss on day 9 starts again; 10–16 make the next milestone.
    #[test]
    fn streaks_count_leave_as_neither() {
        use MarkKind::*;
        let mut days: Vec<(String, MarkKind)> = (1..=6).map(|d| (format!("2024-03-{d:02}"), Checkin)).collect();
        days.push(("2024-03-07".into(), Leave));
        days.push(("2024-03-08".into(), Makeup));
        days.extend((10..=16).map(|d| (format!("2024-03-{d:02}"), Checkin)));
        let c: BTreeMap<String, MarkKind> = days.into_iter().collect();
        assert_eq!(streak_milestones(&c), vec![("2024-03-08".to_string(), 7), ("2024-03-16".to_string(), 7)]);
        assert!(streak_milestones(&cal(&[("2024-03-01", Checkin)])).is_empty());
    }
}
