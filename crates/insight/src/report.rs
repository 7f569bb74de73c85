//! The health report: every metric of a group plus its stage, its weakest
//! signals in plain words (zh-CN and en) and its members' roles. This is the
//! JSON shape `tonghao report --format json` prints (`docs/insight.md`).

use crate::forecast::{self, Forecast};
use crate::graph::{Graph, GraphMetrics, metrics as graph_metrics};
use crate::lifecycle::{History, Stage, StageCall, StageRules, call_with, stages_with};
use crate::metrics::{self, Activity, Concentration, DAY_MS, Newcomers, Output, Responsiveness, WeekPoint, Window};
use crate::roles::{MemberRoles, roles};
use serde::Serialize;
use tonghao_model::msg::Msg;
use tonghao_model::snapshot::Snapshot;

/// Everything about one group.
#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    /// Group index in the snapshot.
    pub group: u32,
    /// Platform.
    pub platform: String,
    /// The platform's group id.
    pub external_id: String,
    /// The group's UTC offset in seconds east, for showing local dates.
    pub tz_offset_s: i32,
    /// Display name.
    pub name: String,
    /// The window the metrics cover.
    pub window: Window,
    /// The moment this group is reported as of (UTC ms): the report's
    /// as-of, or by default the end of what the group's files cover.
    pub as_of_ms: i64,
    /// Lifecycle stage now.
    pub stage: Stage,
    /// Which rule decided the stage, with its figures.
    pub stage_evidence: StageCall,
    /// Probability of being silent four weeks from now, with its three
    /// strongest factors; `None` when the group is already silent or younger
    /// than [`crate::forecast::MIN_AGE_WEEKS`] weeks.
    pub forecast: Option<Forecast>,
    /// Stage at the end of each week (aligned with `weekly`).
    pub stages: Vec<Stage>,
    /// Last message before the snapshot time (UTC ms).
    pub last_message_ms: Option<i64>,
    /// Activity over the window.
    pub activity: Activity,
    /// Concentration over the window.
    pub concentration: Concentration,
    /// Responsiveness over the window.
    pub responsiveness: Responsiveness,
    /// Newcomer funnel up to the snapshot time.
    pub newcomers: Newcomers,
    /// What the messages are.
    pub output: Output,
    /// Interaction graph shape over the window.
    pub graph: GraphMetrics,
    /// Messages per local weekday (Mon = 0) × hour over the window.
    pub heatmap: [[u32; 24]; 7],
    /// Messages per day over the window.
    pub daily: Vec<u32>,
    /// Weekly series over the group's life.
    pub weekly: Vec<WeekPoint>,
    /// The five conditions of a community, each scored from its signals.
    pub conditions: Vec<Condition>,
    /// The three weakest signals, worst first.
    pub weakest: Vec<Signal>,
    /// Members and their roles.
    pub members: Vec<MemberRoles>,
}

/// One measured weakness, scored 0 (fine) to 1 (bad), with its words and
/// the metric it comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// A stable name, e.g. `unanswered`.
    pub key: &'static str,
    /// 0 fine … 1 bad.
    pub score: f64,
    /// The metric path in this report that backs it, e.g. `responsiveness.unanswered_share`.
    pub metric: &'static str,
    /// What it says, as a catalogue key and its figures.
    #[serde(skip)]
    pub msg: Msg,
    /// `msg` in Chinese: empty until the application layer words it.
    pub zh: String,
    /// `msg` in English: empty until the application layer words it.
    pub en: String,
}

/// One of the five conditions of a community (seed 002 / DESIGN §1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// `shared_interest` 同好, `structure` 结构, `output` 输出, `operation` 运营, `replication` 复制.
    pub key: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// 100 × (1 − mean score of its signals); `None` when nothing measures it yet.
    pub score: Option<f64>,
    /// The signal keys it is built from.
    pub signals: Vec<&'static str>,
}

/// Builds the report of group `g` with a window of `days` ending at the
/// snapshot time (`as_of_ms`, which must be a real time, see
/// [`settle_as_of`]). The snapshot's links should already be completed by
/// [`crate::links::infer_missing`].
pub fn group_report(snap: &Snapshot, g: usize, days: u32) -> GroupReport {
    group_report_at(snap, g, days, snap.as_of_ms)
}

/// Whether group `g`'s birth is in its known history: its first event
/// comes at least two weeks after the span its files cover begins (two
/// quiet weeks before a first message is what a quiet channel shows too, so
/// less is no evidence). An export that starts with the group already
/// talking does not show its birth.
pub fn birth_seen(snap: &Snapshot, g: usize) -> bool {
    let group = &snap.groups[g];
    let Some((from, _)) = group.covered else { return true };
    let first_message = group.messages.clone().next().map(|i| snap.messages.at_ms[i]);
    let first_membership = snap.memberships[group.memberships.clone()].first().map(|r| r.at_ms);
    let first = first_message.into_iter().chain(first_membership).min();
    first.is_some_and(|t| t >= from + 14 * DAY_MS)
}

/// [`group_report`] as of `end_ms` (at most the snapshot's time): each group
/// of a store may be read as of the end of what its own files cover.
pub fn group_report_at(snap: &Snapshot, g: usize, days: u32, end_ms: i64) -> GroupReport {
    let end = end_ms.min(snap.as_of_ms);
    let w = Window::new(end, days);
    let group = &snap.groups[g];
    let graph = Graph::build(snap, g, w);
    let shape = graph_metrics(&graph);
    let weekly = metrics::weekly(snap, g, end);
    let rules = StageRules::default();
    let history = History { birth_seen: birth_seen(snap, g), from_ms: group.covered.map(|c| c.0) };
    let stages = stages_with(&weekly, &rules, &history);
    let at = &snap.messages.at_ms;
    let last_message_ms = group.messages.clone().rev().map(|i| at[i]).find(|&t| t < end);
    let mut r = GroupReport {
        group: g as u32,
        platform: group.platform.to_string(),
        external_id: group.external_id.clone(),
        tz_offset_s: group.tz_offset_s,
        name: group.label().to_string(),
        as_of_ms: end,
        window: w,
        stage: stages.last().copied().unwrap_or(Stage::Silent),
        stage_evidence: call_with(&weekly, &rules, &history),
        forecast: None,
        stages,
        last_message_ms,
        activity: metrics::activity(snap, g, w),
        concentration: metrics::concentration(snap, g, w),
        responsiveness: metrics::responsiveness(snap, g, w),
        newcomers: metrics::newcomers(snap, g, end),
        output: metrics::output(snap, g, w),
        heatmap: metrics::heatmap(snap, g, w),
        daily: metrics::daily(snap, g, w),
        members: roles(snap, g, w, &graph, &shape),
        graph: shape,
        weekly,
        conditions: Vec::new(),
        weakest: Vec::new(),
    };
    if forecast::eligible(&r.weekly) {
        let raw = if days == forecast::WINDOW_DAYS {
            forecast::raw_from(&r.weekly, end, last_message_ms, &r.activity, &r.concentration, &r.responsiveness)
        } else {
            forecast::features(snap, g, &r.weekly, end)
        };
        r.forecast = Some(forecast::predict(&forecast::MODEL, &raw));
    }
    let signals = signals(&r, snap);
    r.conditions = conditions(&signals);
    let mut weakest: Vec<Signal> = signals.into_iter().filter(|s| s.score >= 0.3).collect();
    weakest.sort_by(|a, b| b.score.total_cmp(&a.score));
    weakest.truncate(3);
    r.weakest = weakest;
    r
}

/// A snapshot loaded "up to now" describes the moment just after its latest
/// message, so that an old export is read as it was when exported, not as
/// dead today. Snapshots loaded with an explicit as-of keep it.
pub fn settle_as_of(snap: &mut Snapshot) {
    if snap.as_of_ms == i64::MAX {
        let messages = snap.messages.at_ms.iter().copied();
        let memberships = snap.memberships.iter().map(|r| r.at_ms);
        snap.as_of_ms = messages.chain(memberships).max().map_or(0, |t| t + 1);
    }
}

fn signals(r: &GroupReport, snap: &Snapshot) -> Vec<Signal> {
    let mut out = Vec::new();
    let mut push = |key, score: f64, metric, msg: Msg| {
        out.push(Signal { key, score: score.clamp(0.0, 1.0), metric, msg, zh: String::new(), en: String::new() });
    };
    let n = r.weekly.len();
    // Messages in the last 4 weeks: what silence, trend and fade compare.
    let recent: u32 = r.weekly[n.saturating_sub(4)..].iter().map(|w| w.messages).sum();
    if r.stage == Stage::Silent {
        // Silence outranks every other weakness: say it first, with the
        // rule that called it (a group with 31 messages in four weeks but
        // none in the last two is silent for the fortnight, not the month).
        push("silence", 1.0, "stages", Msg::new("signal.silence_stage").words("why", r.stage_evidence.msg.clone()));
    } else if let Some(last) = r.last_message_ms {
        let days = (r.window.end_ms - last) as f64 / DAY_MS as f64;
        if days >= 7.0 {
            push("silence", days / 28.0, "last_message_ms", Msg::new("signal.silence_days").num("days", days, 0));
        }
    }
    let resp = &r.responsiveness;
    if resp.threads >= 3 {
        push(
            "unanswered",
            resp.unanswered_share,
            "responsiveness.unanswered_share",
            Msg::new("signal.unanswered")
                .share("share", resp.unanswered_share)
                .int("unanswered", resp.threads - resp.answered)
                .int("threads", resp.threads),
        );
    }
    let a = &r.activity;
    if a.members >= 5 {
        push(
            "active_ratio",
            1.0 - (a.active_ratio / 0.3).min(1.0),
            "activity.active_ratio",
            Msg::new("signal.active_ratio")
                .int("days", r.window.days)
                .share("share", a.active_ratio)
                .int("active", a.active_members)
                .int("members", a.members),
        );
    }
    if a.active_window >= 5 {
        let c = &r.concentration;
        push(
            "concentration",
            (c.top20_share - 0.6) / 0.4,
            "concentration.top20_share",
            Msg::new("signal.concentration").share("share", c.top20_share),
        );
    }
    // A share of two or three links says nothing about a group's structure.
    if let Some(hub) = r.graph.hub.filter(|_| r.graph.active >= 4 && r.graph.links >= 5) {
        push(
            "hub_dependence",
            (r.graph.hub_dependence - 0.3) / 0.5,
            "graph.hub_dependence",
            // "The group hangs on one person" only when one person's leaving
            // disconnects it (bus factor 1); otherwise say how many it takes.
            if r.graph.bus_factor <= 1 {
                Msg::new("signal.hub_dependence")
            } else {
                Msg::new("signal.hub_dependence_shared").int("bus", r.graph.bus_factor)
            }
            .share("share", r.graph.hub_dependence)
            .int("pairs", r.graph.links)
            .text("name", &snap.members[hub as usize].name),
        );
    }
    if let Some(spoke) = r.newcomers.spoke_within_14d {
        push(
            "newcomers",
            1.0 - spoke / 0.6,
            "newcomers.spoke_within_14d",
            Msg::new("signal.newcomers").share("share", spoke),
        );
    }
    if n >= 8 {
        let before: u32 = r.weekly[n - 8..n - 4].iter().map(|w| w.messages).sum();
        if before > 0 && recent < before {
            let drop = 1.0 - recent as f64 / before as f64;
            push(
                "trend",
                drop,
                "weekly",
                Msg::new("signal.trend").share("share", drop).int("before", before).int("recent", recent),
            );
        }
    }
    if n >= 8 && r.stage != Stage::Silent {
        let rules = StageRules::default();
        let peak = crate::lifecycle::peak_4w(&r.weekly, rules.peak_weeks);
        if peak > 0.0 && (recent as f64) < peak {
            let share = recent as f64 / peak;
            push(
                "faded",
                1.0 - share / 0.5,
                "weekly",
                Msg::new("signal.faded").share("share", share).num("peak", peak, 0).int("recent", recent),
            );
        }
    }
    let o = &r.output;
    if o.messages >= 20 {
        let share = o.substantive as f64 / o.messages as f64;
        push("output", 1.0 - share / 0.3, "output.substantive", Msg::new("signal.output").share("share", share));
        let ads = o.ads as f64 / o.messages as f64;
        if o.ads > 0 {
            push("ads", ads / 0.05, "output.ads", Msg::new("signal.ads").int("count", o.ads));
        }
    }
    out
}

fn conditions(signals: &[Signal]) -> Vec<Condition> {
    let groups: [(&str, &str, &[&str]); 5] = [
        ("shared_interest", "同好", &["unanswered", "active_ratio"]),
        ("structure", "结构", &["hub_dependence", "concentration"]),
        ("output", "输出", &["output", "ads"]),
        ("operation", "运营", &["newcomers", "trend", "faded", "silence"]),
        ("replication", "复制", &[]),
    ];
    groups
        .into_iter()
        .map(|(key, zh, keys)| {
            let scores: Vec<f64> = signals.iter().filter(|s| keys.contains(&s.key)).map(|s| s.score).collect();
            let present: Vec<&'static str> = signals.iter().filter(|s| keys.contains(&s.key)).map(|s| s.key).collect();
            Condition {
                key,
                zh,
                score: (!scores.is_empty()).then(|| 100.0 * (1.0 - scores.iter().sum::<f64>() / scores.len() as f64)),
                signals: present,
            }
        })
        .collect()
}
