//! Group metrics of DESIGN.md §5 over a window ending at the snapshot time.
//!
//! Every function takes the snapshot and a group and returns plain numbers;
//! definitions are in `docs/insight.md` and repeated on each item here.

use serde::Serialize;
use tonghao_model::snapshot::{MembershipKind, NONE, Snapshot};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A window of `days` ending (exclusive) at `end_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// End of the window, UTC ms (the snapshot time).
    pub end_ms: i64,
    /// Length in days (DESIGN default 28).
    pub days: u32,
}

impl Window {
    /// The window of `days` ending at `end_ms`.
    pub fn new(end_ms: i64, days: u32) -> Self {
        Window { end_ms, days }
    }
    /// Start of the window (inclusive).
    pub fn start_ms(&self) -> i64 {
        self.end_ms - self.days as i64 * DAY_MS
    }
    /// Whether `t` lies in the window.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start_ms() && t < self.end_ms
    }
}

/// Who is in a group at the end of the window: members whose latest join or
/// leave is a join; members with no such event count if they ever posted.
pub fn current_members(snap: &Snapshot, g: usize, end_ms: i64) -> Vec<u32> {
    let group = &snap.groups[g];
    // state: 0 unknown, 1 in, 2 out (by membership events), 3 posted.
    let mut state: std::collections::HashMap<u32, u8> = std::collections::HashMap::new();
    for r in &snap.memberships[group.memberships.clone()] {
        if r.at_ms >= end_ms {
            break;
        }
        match r.kind {
            MembershipKind::Join => {
                state.insert(r.member, 1);
            }
            MembershipKind::Leave => {
                state.insert(r.member, 2);
            }
            MembershipKind::Role(_) => {
                state.entry(r.member).or_insert(1);
            }
        }
    }
    let m = &snap.messages;
    for i in group.messages.clone() {
        if m.at_ms[i] >= end_ms {
            break;
        }
        state.entry(m.member[i]).or_insert(3);
    }
    let mut out: Vec<u32> = state.into_iter().filter(|&(_, s)| s != 2).map(|(k, _)| k).collect();
    out.sort_unstable();
    out
}

/// The indices of the group's messages inside the window.
pub fn in_window(snap: &Snapshot, g: usize, w: Window) -> std::ops::Range<usize> {
    let range = snap.groups[g].messages.clone();
    let at = &snap.messages.at_ms[range.clone()];
    let a = range.start + at.partition_point(|&t| t < w.start_ms());
    let b = range.start + at.partition_point(|&t| t < w.end_ms);
    a..b
}

/// The language group `g` speaks over `w`, for the drafts a person sends
/// into it: `"zh"` when at least a quarter of its messages with letters
/// have a Chinese character and no kana (a Chinese group writes English
/// terms too; Japanese writes Chinese characters between its kana), else
/// `"en"`; `None` without texts to tell. There are drafts in Chinese and
/// English only, so a Japanese-speaking group gets the English one: its
/// members would read a Chinese draft as a foreign language too.
pub fn language(snap: &Snapshot, g: usize, w: Window) -> Option<&'static str> {
    let (mut lettered, mut chinese) = (0u32, 0u32);
    for i in in_window(snap, g, w) {
        let Some(text) = snap.messages.text.get(&(i as u32)) else { continue };
        if text.chars().any(char::is_alphabetic) {
            lettered += 1;
            let han = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let kana = text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c));
            chinese += u32::from(han && !kana);
        }
    }
    match lettered {
        0 => None,
        n if 4 * chinese >= n => Some("zh"),
        _ => Some("en"),
    }
}

/// Activity over the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Activity {
    /// Messages in the window.
    pub messages: u64,
    /// Messages per day.
    pub messages_per_day: f64,
    /// Distinct senders in the last day of the window.
    pub active_1d: u32,
    /// Distinct senders in the last 7 days.
    pub active_7d: u32,
    /// Distinct senders in the window.
    pub active_window: u32,
    /// Of those, the ones still members at the end of the window.
    pub active_members: u32,
    /// Members at the window's end.
    pub members: u32,
    /// `active_members / members` (0 when there are no members).
    pub active_ratio: f64,
}

/// Activity of group `g` over `w`.
pub fn activity(snap: &Snapshot, g: usize, w: Window) -> Activity {
    let m = &snap.messages;
    let range = in_window(snap, g, w);
    let distinct_since = |since: i64| {
        let mut who: Vec<u32> = range.clone().filter(|&i| m.at_ms[i] >= since).map(|i| m.member[i]).collect();
        who.sort_unstable();
        who.dedup();
        who.len() as u32
    };
    let current = current_members(snap, g, w.end_ms);
    let members = current.len() as u32;
    let active_window = distinct_since(w.start_ms());
    // The ratio counts members who are still in the group: someone who
    // posted and then left is active but no longer a member, and counting
    // them gave ratios above 100%.
    let mut active_members: Vec<u32> = range.clone().map(|i| m.member[i]).collect();
    active_members.sort_unstable();
    active_members.dedup();
    let active_current = active_members.iter().filter(|who| current.binary_search(who).is_ok()).count();
    Activity {
        messages: range.len() as u64,
        messages_per_day: range.len() as f64 / w.days.max(1) as f64,
        active_1d: distinct_since(w.end_ms - DAY_MS),
        active_7d: distinct_since(w.end_ms - 7 * DAY_MS),
        active_window,
        active_members: active_current as u32,
        members,
        active_ratio: if members == 0 { 0.0 } else { active_current as f64 / members as f64 },
    }
}

/// How concentrated speech is (the 2/8 rule).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Concentration {
    /// Share of the window's messages sent by the top 20% of its senders
    /// (rounded up to whole senders).
    pub top20_share: f64,
    /// Gini coefficient of messages per member, silent members included.
    pub gini: f64,
    /// Share of members who sent nothing in the window.
    pub lurker_share: f64,
}

/// Concentration of group `g` over `w`.
pub fn concentration(snap: &Snapshot, g: usize, w: Window) -> Concentration {
    let m = &snap.messages;
    let members = current_members(snap, g, w.end_ms);
    let mut counts: std::collections::HashMap<u32, u64> = members.iter().map(|&k| (k, 0)).collect();
    for i in in_window(snap, g, w) {
        *counts.entry(m.member[i]).or_insert(0) += 1;
    }
    let mut values: Vec<u64> = counts.values().copied().collect();
    values.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = values.iter().sum();
    let senders = values.iter().filter(|&&v| v > 0).count();
    let top = senders.div_ceil(5);
    let top20_share = if total == 0 { 0.0 } else { values[..top].iter().sum::<u64>() as f64 / total as f64 };
    let silent = members.iter().filter(|k| counts.get(k).copied().unwrap_or(0) == 0).count();
    Concentration {
        top20_share,
        gini: gini(&values),
        lurker_share: if members.is_empty() { 0.0 } else { silent as f64 / members.len() as f64 },
    }
}

/// Gini coefficient of non-negative values (0 = equal, → 1 = one has all).
pub fn gini(values: &[u64]) -> f64 {
    let n = values.len();
    let total: u64 = values.iter().sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    // G = (2 Σ i·x_i) / (n Σ x) − (n + 1) / n, with i from 1 over ascending x.
    let weighted: f64 = v.iter().enumerate().map(|(i, &x)| (i as f64 + 1.0) * x as f64).sum();
    (2.0 * weighted) / (n as f64 * total as f64) - (n as f64 + 1.0) / n as f64
}

/// Whether speakers get answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Responsiveness {
    /// Thread starters in the window: messages after ≥ 30 minutes of silence.
    pub threads: u32,
    /// Starters that another member answered within 24 h (reply, @mention or
    /// inferred reply).
    pub answered: u32,
    /// 1 − answered / threads (0 when there are no threads).
    pub unanswered_share: f64,
    /// Median seconds from a starter to its first answer, over answered ones.
    pub median_first_response_s: Option<f64>,
    /// Store ids of unanswered starters (evidence), at most 20, latest first.
    pub unanswered_examples: Vec<i64>,
}

/// Silence that makes the next message a thread starter.
pub const THREAD_GAP_MS: i64 = 30 * 60 * 1000;
/// How long an answer may take.
pub const ANSWER_WITHIN_MS: i64 = DAY_MS;

/// Every thread starter of group `g` in `w` (a message after at least
/// [`THREAD_GAP_MS`] of silence), as message indices, each with its first
/// answer by another member within [`ANSWER_WITHIN_MS`] (a reply to the
/// starter's author, or an @mention of them), if any.
pub fn starters(snap: &Snapshot, g: usize, w: Window) -> Vec<(usize, Option<usize>)> {
    let m = &snap.messages;
    let all = snap.groups[g].messages.clone();
    let mut out = Vec::new();
    for s in in_window(snap, g, w) {
        let starter = s == all.start || m.at_ms[s] - m.at_ms[s - 1] >= THREAD_GAP_MS;
        if !starter {
            continue;
        }
        let author = m.member[s];
        let mut answer = None;
        for j in s + 1..all.end {
            if m.at_ms[j] - m.at_ms[s] > ANSWER_WITHIN_MS || m.at_ms[j] >= w.end_ms {
                break;
            }
            if m.member[j] == author {
                continue;
            }
            let replies =
                m.reply_to[j] != NONE && m.member[m.reply_to[j] as usize] == author && m.reply_to[j] as usize >= s;
            if replies || m.mentions(j).contains(&author) {
                answer = Some(j);
                break;
            }
        }
        out.push((s, answer));
    }
    out
}

/// Responsiveness of group `g` over `w`.
pub fn responsiveness(snap: &Snapshot, g: usize, w: Window) -> Responsiveness {
    let m = &snap.messages;
    let mut r = Responsiveness::default();
    let mut delays = Vec::new();
    let mut unanswered = Vec::new();
    for (s, answer) in starters(snap, g, w) {
        r.threads += 1;
        match answer {
            Some(j) => {
                r.answered += 1;
                delays.push((m.at_ms[j] - m.at_ms[s]) as f64 / 1000.0);
            }
            None => unanswered.push(m.store_id[s]),
        }
    }
    r.unanswered_share = if r.threads == 0 { 0.0 } else { 1.0 - r.answered as f64 / r.threads as f64 };
    r.median_first_response_s = median(&mut delays);
    unanswered.reverse();
    unanswered.truncate(20);
    r.unanswered_examples = unanswered;
    r
}

/// The median of `v` (sorted in place), `None` if empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// What happens to people who join.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Newcomers {
    /// Recorded joins up to the snapshot time (rejoins included).
    pub joins: u32,
    /// Newcomers: members whose first recorded join falls before the
    /// snapshot time and who had not posted in the group before it. The
    /// shares below are over them, at their first join: IRC clients rejoin
    /// on every reconnect, and a member already talking is not new.
    pub newcomers: u32,
    /// Of joins at least 14 days old: share that posted within 14 days.
    pub spoke_within_14d: Option<f64>,
    /// Of joins at least 30 days old: share that posted 30 days or more after joining.
    pub active_after_30d: Option<f64>,
    /// Of joins at least 90 days old: share that posted 90 days or more after joining.
    pub active_after_90d: Option<f64>,
    /// Median seconds from join to first message, over joiners who posted.
    pub median_join_to_first_s: Option<f64>,
}

/// The newcomer funnel of group `g` up to `end_ms` (joins only; platforms
/// whose exports record no joins have no funnel).
pub fn newcomers(snap: &Snapshot, g: usize, end_ms: i64) -> Newcomers {
    let m = &snap.messages;
    let group = &snap.groups[g];
    // Each member's message times in this group, ascending.
    let mut times: std::collections::HashMap<u32, Vec<i64>> = std::collections::HashMap::new();
    for i in group.messages.clone() {
        if m.at_ms[i] < end_ms {
            times.entry(m.member[i]).or_default().push(m.at_ms[i]);
        }
    }
    let all_joins: Vec<(u32, i64)> = snap.memberships[group.memberships.clone()]
        .iter()
        .filter(|r| r.kind == MembershipKind::Join && r.at_ms < end_ms)
        .map(|r| (r.member, r.at_ms))
        .collect();
    // Memberships are sorted by time: the first row per member is the first join.
    let mut seen = std::collections::HashSet::new();
    let joins: Vec<(u32, i64)> = all_joins
        .iter()
        .filter(|(who, _)| seen.insert(*who))
        .filter(|(who, t)| times.get(who).is_none_or(|ts| ts[0] >= *t))
        .copied()
        .collect();
    let share = |min_age: i64, pred: &dyn Fn(&[i64], i64) -> bool| {
        let cohort: Vec<_> = joins.iter().filter(|(_, t)| end_ms - t >= min_age).collect();
        if cohort.is_empty() {
            return None;
        }
        let hits = cohort.iter().filter(|(who, t)| pred(times.get(who).map_or(&[][..], |v| v), *t)).count();
        Some(hits as f64 / cohort.len() as f64)
    };
    let after = |days: i64| move |ts: &[i64], t: i64| ts.iter().any(|&x| x >= t + days * DAY_MS);
    let mut delays: Vec<f64> = joins
        .iter()
        .filter_map(|(who, t)| times.get(who)?.iter().find(|&&x| x >= *t).map(|&x| (x - t) as f64 / 1000.0))
        .collect();
    Newcomers {
        joins: all_joins.len() as u32,
        newcomers: joins.len() as u32,
        spoke_within_14d: share(14 * DAY_MS, &|ts, t| ts.iter().any(|&x| x >= t && x < t + 14 * DAY_MS)),
        active_after_30d: share(30 * DAY_MS, &after(30)),
        active_after_90d: share(90 * DAY_MS, &after(90)),
        median_join_to_first_s: median(&mut delays),
    }
}

/// Messages per local weekday (0 = Monday) and hour over the window: when the
/// group talks, i.e. when to schedule a ritual.
pub fn heatmap(snap: &Snapshot, g: usize, w: Window) -> [[u32; 24]; 7] {
    let m = &snap.messages;
    let group = &snap.groups[g];
    let mut h = [[0u32; 24]; 7];
    for i in in_window(snap, g, w) {
        // Daylight saving moves the offset when the group has a zone.
        let local = m.at_ms[i] + i64::from(group.offset_at(m.at_ms[i])) * 1000;
        let days = local.div_euclid(DAY_MS);
        let hour = (local.rem_euclid(DAY_MS) / 3_600_000) as usize;
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        let weekday = (days + 3).rem_euclid(7) as usize;
        h[weekday][hour] += 1;
    }
    h
}

/// One week of a group's history.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WeekPoint {
    /// Week start, UTC ms (weeks are counted back from the snapshot time).
    pub start_ms: i64,
    /// Messages.
    pub messages: u32,
    /// Distinct senders.
    pub active: u32,
    /// Senders whose first message in the group falls in this week.
    pub new_speakers: u32,
}

/// Weekly series of group `g` from its first message to `end_ms`, in weeks
/// that end at `end_ms` (so the last point is the last full 7 days).
pub fn weekly(snap: &Snapshot, g: usize, end_ms: i64) -> Vec<WeekPoint> {
    let m = &snap.messages;
    let range = snap.groups[g].messages.clone();
    let Some(first) = range.clone().next().map(|i| m.at_ms[i]) else { return Vec::new() };
    let week = 7 * DAY_MS;
    let n = ((end_ms - first).max(1) as u64).div_ceil(week as u64) as usize;
    let start0 = end_ms - n as i64 * week;
    let mut out: Vec<WeekPoint> =
        (0..n).map(|k| WeekPoint { start_ms: start0 + k as i64 * week, ..Default::default() }).collect();
    let mut seen = std::collections::HashSet::new();
    let mut active: Vec<std::collections::HashSet<u32>> = vec![Default::default(); n];
    for i in range {
        let t = m.at_ms[i];
        if t >= end_ms || t < start0 {
            continue;
        }
        let k = ((t - start0) / week) as usize;
        out[k].messages += 1;
        active[k].insert(m.member[i]);
        if seen.insert(m.member[i]) {
            out[k].new_speakers += 1;
        }
    }
    for (p, a) in out.iter_mut().zip(active) {
        p.active = a.len() as u32;
    }
    out
}

/// Messages per day over the window (oldest first).
pub fn daily(snap: &Snapshot, g: usize, w: Window) -> Vec<u32> {
    let m = &snap.messages;
    let mut out = vec![0u32; w.days as usize];
    for i in in_window(snap, g, w) {
        let k = ((m.at_ms[i] - w.start_ms()) / DAY_MS) as usize;
        if let Some(c) = out.get_mut(k) {
            *c += 1;
        }
    }
    out
}

/// What the group's messages are: substance vs check-ins, stickers, ads.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Output {
    /// Messages in the window.
    pub messages: u32,
    /// Text of at least 15 characters that is not a check-in.
    pub substantive: u32,
    /// Check-ins (打卡).
    pub checkins: u32,
    /// Stickers and images without text.
    pub stickers_images: u32,
    /// Ads (promo words with a link or contact bait).
    pub ads: u32,
    /// Questions.
    pub questions: u32,
}

/// Output mix of group `g` over `w`.
pub fn output(snap: &Snapshot, g: usize, w: Window) -> Output {
    use tonghao_model::ContentType;
    use tonghao_model::snapshot::flags;
    let m = &snap.messages;
    let mut o = Output::default();
    for i in in_window(snap, g, w) {
        o.messages += 1;
        o.substantive += m.has(i, flags::SUBSTANTIVE) as u32;
        o.checkins += m.has(i, flags::CHECKIN) as u32;
        o.ads += m.has(i, flags::AD) as u32;
        o.questions += m.has(i, flags::QUESTION) as u32;
        o.stickers_images += matches!(m.content[i], ContentType::Sticker | ContentType::Image) as u32;
    }
    o
}
