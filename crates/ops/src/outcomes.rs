//! The measured outcome of one occurrence of a planned activity: what the
//! imported history shows during it and in the hours after, read against
//! the same hours of the 28 days before; the speakers to reward; and, for a
//! topic discussion, the threads that form its digest.
//!
//! Rules (docs/ops.md, "Outcomes"):
//! - *During* is `[start, end)`; *after* is the [`AFTER_MS`] (3 hours)
//!   after the end. Messages sent by bots are left out of everything.
//! - Figures of a span: messages; distinct speakers; newcomers who spoke
//!   (speakers whose first message in the group falls in the span, and
//!   who joined in the 30 days before it, or spoke first at least
//!   [`SETTLING_MS`] (7 days) after the group's known history starts:
//!   before that, everyone speaks for the first time);
//!   answered messages and their share: a message is answered when another
//!   member replies to it (a reply or quote the export recorded) within 24
//!   hours, or @-mentions its author within [`MENTION_MS`] (30 minutes)
//!   while it is the author's latest message. Inferred reply links are not
//!   used: in a busy discussion timing links everyone to everyone, and the
//!   figure must be the same on every run and traceable to what people did.
//! - Baseline: the same local wall-clock hours on each of the 28 days
//!   before (in the activity's zone, so daylight saving keeps the hours),
//!   skipping days before the group's known history starts and days when
//!   an occurrence of the same activity overlaps the slot (a weekly
//!   discussion is read against ordinary days, not against itself). The
//!   baseline is the mean per day; its answered share is pooled.
//! - Speakers to reward: the speakers during the occurrence with the most
//!   answered messages, then the most substantive ones (≥ 15 characters,
//!   not a check-in), then the most messages; at most [`REWARD_TOP`].
//! - Digest (topic discussions): threads started during the occurrence or
//!   the hours after — a message with no recorded reply link into the span
//!   and every message replying to it, transitively — ranked by replies,
//!   then by characters; threads of one short message are not a digest.
//!   At most [`DIGEST_TOP`].

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use tonghao_model::snapshot::{MembershipKind, NONE, Snapshot, flags};

use crate::activities::Occurrence;

/// How long after an occurrence its "after" span lasts.
pub const AFTER_MS: i64 = 3 * 3_600_000;
/// How many days before an occurrence make its baseline.
pub const BASELINE_DAYS: i64 = 28;
/// An @-mention answers the author's latest message this recent.
pub const MENTION_MS: i64 = 30 * 60_000;
/// A reply answers a message sent at most this long before it.
pub const REPLY_MS: i64 = 86_400_000;
/// In the first days of a known history everyone speaks for the first
/// time: a first message counts as a newcomer's only this long after the
/// history starts, unless a join shortly before it is recorded.
pub const SETTLING_MS: i64 = 7 * 86_400_000;
/// A recorded join makes a first message a newcomer's within this long.
pub const JOIN_MS: i64 = 30 * 86_400_000;
/// At most this many speakers to reward.
pub const REWARD_TOP: usize = 3;
/// At most this many threads in a digest.
pub const DIGEST_TOP: usize = 5;

/// What one span shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Messages (bots left out).
    pub messages: u32,
    /// Distinct speakers.
    pub speakers: u32,
    /// Speakers whose first message in the group falls in the span and who
    /// are new (see the module's rules).
    pub newcomers: u32,
    /// Messages another member answered.
    pub answered: u32,
    /// `answered / messages`; `None` without messages.
    pub answered_share: Option<f64>,
}

/// The same span's mean over the baseline days.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Baseline {
    /// Days the mean is over (0: no baseline).
    pub days: u32,
    /// Mean messages per day.
    pub messages: f64,
    /// Mean distinct speakers per day.
    pub speakers: f64,
    /// Mean newcomers who spoke per day.
    pub newcomers: f64,
    /// Answered messages over messages, all baseline days together.
    pub answered_share: Option<f64>,
}

/// A speaker to reward.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Speaker {
    /// The member's store id.
    pub member_id: i64,
    /// Their name.
    pub name: String,
    /// Their messages during the occurrence.
    pub messages: u32,
    /// Of those, substantive ones.
    pub substantive: u32,
    /// Of those, answered by others.
    pub answered: u32,
}

/// One message of a digest thread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DigestLine {
    /// The message's store id.
    pub message_id: i64,
    /// Who wrote it.
    pub name: String,
    /// When (UTC ms).
    pub at_ms: i64,
    /// How deep in the thread (0: its start).
    pub depth: u32,
    /// Its text (empty when the snapshot carries none).
    pub text: String,
}

/// A thread of the digest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Thread {
    /// Messages replying to its start, transitively.
    pub replies: u32,
    /// Characters of all its messages.
    pub chars: u32,
    /// Its messages in reply order (each followed by its replies).
    pub messages: Vec<DigestLine>,
}

/// The outcome of one occurrence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// Which occurrence (1: the first).
    pub occurrence: usize,
    /// Its start (UTC milliseconds).
    pub start_ms: i64,
    /// Its end (UTC milliseconds).
    pub end_ms: i64,
    /// Its start, RFC 3339 in the activity's zone.
    pub local_start: String,
    /// Whether the group's imported history reaches the end of the after span.
    pub measured: bool,
    /// During the occurrence.
    pub during: Figures,
    /// The hours after it.
    pub after: Figures,
    /// The same hours as `during` on the days before.
    pub baseline_during: Baseline,
    /// The same hours as `after` on the days before.
    pub baseline_after: Baseline,
    /// The speakers to reward.
    pub reward: Vec<Speaker>,
    /// The digest's threads (topic discussions only).
    pub digest: Vec<Thread>,
}

/// Per message of one group: answered or not (indices into the snapshot).
fn answered(snap: &Snapshot, g: usize) -> HashSet<usize> {
    let m = &snap.messages;
    let mut out = HashSet::new();
    let mut latest: HashMap<u32, usize> = HashMap::new();
    for j in snap.groups[g].messages.clone() {
        let r = m.reply_to[j];
        if r != NONE {
            let r = r as usize;
            if m.member[r] != m.member[j] && m.at_ms[j] - m.at_ms[r] <= REPLY_MS {
                out.insert(r);
            }
        }
        for &t in m.mentions(j) {
            if t == m.member[j] {
                continue;
            }
            if let Some(&i) = latest.get(&t)
                && m.at_ms[j] - m.at_ms[i] <= MENTION_MS
            {
                out.insert(i);
            }
        }
        latest.insert(m.member[j], j);
    }
    out
}

struct Group<'a> {
    snap: &'a Snapshot,
    range: std::ops::Range<usize>,
    first: HashMap<u32, i64>,
    /// Members whose first message is a newcomer's.
    new: HashSet<u32>,
    answered: HashSet<usize>,
}

impl Group<'_> {
    fn human(&self, i: usize) -> bool {
        !self.snap.messages.has(i, flags::BOT)
    }

    /// Message indices of `[from, to)`.
    fn span(&self, from: i64, to: i64) -> std::ops::Range<usize> {
        let at = &self.snap.messages.at_ms[self.range.clone()];
        let a = self.range.start + at.partition_point(|&t| t < from);
        let b = self.range.start + at.partition_point(|&t| t < to);
        a..b
    }

    fn figures(&self, from: i64, to: i64) -> Figures {
        let m = &self.snap.messages;
        let mut f = Figures::default();
        let mut speakers = HashSet::new();
        for i in self.span(from, to).filter(|&i| self.human(i)) {
            f.messages += 1;
            f.answered += u32::from(self.answered.contains(&i));
            if speakers.insert(m.member[i]) && self.first[&m.member[i]] >= from && self.new.contains(&m.member[i]) {
                f.newcomers += 1;
            }
        }
        f.speakers = speakers.len() as u32;
        f.answered_share = (f.messages > 0).then(|| f64::from(f.answered) / f64::from(f.messages));
        f
    }
}

fn baseline(days: &[Figures]) -> Baseline {
    let n = days.len() as f64;
    let sum = |f: fn(&Figures) -> u32| days.iter().map(|d| f64::from(f(d))).sum::<f64>();
    let messages = sum(|d| d.messages);
    Baseline {
        days: days.len() as u32,
        messages: if n > 0.0 { messages / n } else { 0.0 },
        speakers: if n > 0.0 { sum(|d| d.speakers) / n } else { 0.0 },
        newcomers: if n > 0.0 { sum(|d| d.newcomers) / n } else { 0.0 },
        answered_share: (messages > 0.0).then(|| sum(|d| d.answered) / messages),
    }
}

/// The start of the same wall-clock time `days` days before `start_ms` in `tz`.
fn days_before(start_ms: i64, tz: Tz, days: i64) -> Option<i64> {
    let local =
        DateTime::<Utc>::from_timestamp_millis(start_ms)?.with_timezone(&tz).naive_local() - Duration::days(days);
    tz.from_local_datetime(&local).earliest().map(|t| t.timestamp_millis())
}

/// The outcome of occurrence number `number` (1-based) `occ` of an
/// activity of `kind_topic` (whether to build a digest) in group `g`, with
/// `earlier` the same activity's occurrences of the 28 days before.
pub fn outcome(
    snap: &Snapshot,
    g: usize,
    tz: Tz,
    number: usize,
    occ: &Occurrence,
    earlier: &[Occurrence],
    digest: bool,
) -> Outcome {
    let m = &snap.messages;
    let range = snap.groups[g].messages.clone();
    let mut first = HashMap::new();
    for i in range.clone() {
        first.entry(m.member[i]).or_insert(m.at_ms[i]);
    }
    let (start, end) = (occ.start_ms, occ.end_ms);
    let history_start = [range.clone().next().map(|i| m.at_ms[i]), snap.groups[g].covered.map(|c| c.0)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(start);
    let joins: Vec<(u32, i64)> = snap.memberships[snap.groups[g].memberships.clone()]
        .iter()
        .filter(|r| r.kind == MembershipKind::Join)
        .map(|r| (r.member, r.at_ms))
        .collect();
    let new = first
        .iter()
        .filter(|&(who, &at)| {
            at >= history_start + SETTLING_MS || joins.iter().any(|&(j, t)| j == *who && t <= at && at - t <= JOIN_MS)
        })
        .map(|(who, _)| *who)
        .collect();
    let grp = Group { snap, range: range.clone(), first, new, answered: answered(snap, g) };
    let dur = end - start;
    let (mut during_days, mut after_days) = (Vec::new(), Vec::new());
    for k in 1..=BASELINE_DAYS {
        let Some(s) = days_before(start, tz, k) else { continue };
        let overlaps = earlier.iter().any(|o| o.start_ms < s + dur && o.end_ms > s);
        if s < history_start || overlaps {
            continue;
        }
        during_days.push(grp.figures(s, s + dur));
        after_days.push(grp.figures(s + dur, s + dur + AFTER_MS));
    }
    let during_span = grp.span(start, end);
    let mut by_member: HashMap<u32, Speaker> = HashMap::new();
    for i in during_span.clone().filter(|&i| grp.human(i)) {
        let who = m.member[i];
        let s = by_member.entry(who).or_insert_with(|| Speaker {
            member_id: snap.members[who as usize].store_id,
            name: snap.members[who as usize].name.clone(),
            messages: 0,
            substantive: 0,
            answered: 0,
        });
        s.messages += 1;
        s.substantive += u32::from(m.has(i, flags::SUBSTANTIVE));
        s.answered += u32::from(grp.answered.contains(&i));
    }
    let mut reward: Vec<Speaker> = by_member.into_values().collect();
    reward.sort_by(|a, b| {
        (b.answered, b.substantive, b.messages, &a.name).cmp(&(a.answered, a.substantive, a.messages, &b.name))
    });
    reward.truncate(REWARD_TOP);
    Outcome {
        occurrence: number,
        start_ms: occ.start_ms,
        end_ms: occ.end_ms,
        local_start: occ.local_start.clone(),
        measured: snap.history_end(g).is_some_and(|e| e >= end + AFTER_MS),
        during: grp.figures(start, end),
        after: grp.figures(end, end + AFTER_MS),
        baseline_during: baseline(&during_days),
        baseline_after: baseline(&after_days),
        reward,
        digest: if digest { threads(&grp, start, end + AFTER_MS) } else { Vec::new() },
    }
}

/// The digest's threads among the messages of `[from, to)`.
fn threads(grp: &Group<'_>, from: i64, to: i64) -> Vec<Thread> {
    let snap = grp.snap;
    let m = &snap.messages;
    let span = grp.span(from, to);
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for i in span.clone().filter(|&i| grp.human(i)) {
        let r = m.reply_to[i];
        if r != NONE && span.contains(&(r as usize)) {
            children.entry(r as usize).or_default().push(i);
        } else {
            roots.push(i);
        }
    }
    let mut out: Vec<(usize, Thread)> = roots
        .into_iter()
        .map(|root| {
            let mut lines = Vec::new();
            let mut chars = 0;
            let mut stack = vec![(root, 0u32)];
            while let Some((i, depth)) = stack.pop() {
                chars += m.chars[i];
                lines.push(DigestLine {
                    message_id: m.store_id[i],
                    name: snap.members[m.member[i] as usize].name.clone(),
                    at_ms: m.at_ms[i],
                    depth,
                    text: m.text.get(&(i as u32)).map(|t| t.to_string()).unwrap_or_default(),
                });
                if let Some(c) = children.get(&i) {
                    stack.extend(c.iter().rev().map(|&c| (c, depth + 1)));
                }
            }
            (root, Thread { replies: lines.len() as u32 - 1, chars, messages: lines })
        })
        .filter(|(root, t)| t.replies > 0 || m.has(*root, flags::SUBSTANTIVE))
        .collect();
    out.sort_by(|(ra, a), (rb, b)| (b.replies, b.chars, ra).cmp(&(a.replies, a.chars, rb)));
    out.truncate(DIGEST_TOP);
    out.into_iter().map(|(_, t)| t).collect()
}
