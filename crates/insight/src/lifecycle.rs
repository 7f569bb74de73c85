//! Lifecycle stage per group-week: 萌芽 emerging, 成长 growing, 活跃互动
//! active, 衰亡 declining, 沉寂 silent.
//!
//! Documented, tunable rules over the weekly series (`docs/insight.md`):
//! 1. silent: at most `silent_max_messages` messages in the last two weeks,
//!    or fewer than `silent_min_monthly` in the last four (a stray message a
//!    fortnight does not make a group alive), or — a group's own scale —
//!    at most `silent_peak_cap` in the last four weeks when that is under
//!    `silent_peak_share` of its busiest four weeks ever (a few messages a
//!    week after hundreds is the floor of a dead group, not a revival);
//! 2. emerging: the group's first message is less than `emerging_weeks` old;
//! 3. growing: messages in the last four weeks at or above `growth_ratio` ×
//!    the four before and at least `growth_peak_share` of the busiest four
//!    weeks ever (growth reaches the group's own highs; a rebound from 1 to
//!    5 messages is noise);
//! 4. declining: at or below `decline_ratio` × the four before (a drop), or
//!    at or below `peak_ratio` × the busiest four weeks of the last
//!    `peak_weeks` (a slow fade that no month-on-month ratio shows), or at
//!    or below `long_fade_share` × the busiest four weeks ever (a fade over
//!    years, a little each year: Gitter's own room went from 1,230 messages
//!    a month to under 100 in four years);
//! 5. active otherwise.
//!
//! The thresholds were tuned on the simulator's `large` scenario with seeds 2
//! and 3 (`tools/stage_dev.py`), never on the default seed, whose truth is
//! the test (crates/cli/tests/stages.rs and the note in docs/insight.md).

use crate::metrics::WeekPoint;
use serde::Serialize;
use tonghao_model::msg::Msg;

pub use tonghao_model::Stage;

/// The thresholds of the stage rules.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StageRules {
    /// At most this many messages in two weeks is silence.
    pub silent_max_messages: u32,
    /// Fewer than this many messages in four weeks is silence too.
    pub silent_min_monthly: u32,
    /// Younger than this many weeks is emerging.
    pub emerging_weeks: usize,
    /// Last four weeks ≥ this × the four before: growing.
    pub growth_ratio: f64,
    /// Last four weeks ≤ this × the four before: declining.
    pub decline_ratio: f64,
    /// Last four weeks ≤ this × the busiest four weeks of the last
    /// `peak_weeks`: declining (faded from its peak).
    pub peak_ratio: f64,
    /// How far back the peak is looked for (weeks).
    pub peak_weeks: usize,
    /// Last four weeks under this share of the busiest four weeks ever …
    pub silent_peak_share: f64,
    /// … and at most this many messages: silent.
    pub silent_peak_cap: u32,
    /// Growing needs the last four weeks at this share of the busiest four ever.
    pub growth_peak_share: f64,
    /// Last four weeks ≤ this × the busiest four weeks ever: declining.
    pub long_fade_share: f64,
}

impl Default for StageRules {
    fn default() -> Self {
        StageRules {
            silent_max_messages: 1,
            silent_min_monthly: 4,
            emerging_weeks: 4,
            growth_ratio: 1.5,
            decline_ratio: 0.6,
            peak_ratio: 0.25,
            peak_weeks: 52,
            silent_peak_share: 0.05,
            silent_peak_cap: 60,
            growth_peak_share: 0.8,
            long_fade_share: 0.1,
        }
    }
}

impl StageRules {
    /// The most messages four weeks may hold and still be silent by the
    /// peak rule, for a group whose busiest four weeks held `peak_4w`
    /// (0 when the rule cannot apply).
    pub fn silent_below_peak(&self, peak_4w: u32) -> u32 {
        let below = (self.silent_peak_share * peak_4w as f64).ceil() as u32;
        below.saturating_sub(1).min(self.silent_peak_cap)
    }
}

/// What is known about where a group's history starts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct History {
    /// Its first event comes well after its export starts: its birth is seen.
    pub birth_seen: bool,
    /// Where its known history starts (UTC ms), if recorded.
    pub from_ms: Option<i64>,
}

/// Fewer weeks of history than this, without its birth in it, is too short
/// to call a group emerging, growing or declining.
pub const SHORT_HISTORY_WEEKS: usize = 8;

/// [`stages`] for a group whose history is `history`.
pub fn stages_with(weeks: &[WeekPoint], rules: &StageRules, history: &History) -> Vec<Stage> {
    (0..weeks.len()).map(|k| call_with(&weeks[..=k], rules, history).stage).collect()
}

/// [`call`] for a group whose history is `history`: when the export starts
/// with the group already talking and holds fewer than
/// [`SHORT_HISTORY_WEEKS`] weeks, it is not emerging (its birth is not in
/// the export) and no trend can be judged: a group that talks is active,
/// and says its history is short.
pub fn call_with(weeks: &[WeekPoint], rules: &StageRules, history: &History) -> StageCall {
    let mut c = call(weeks, rules);
    if history.birth_seen || c.stage == Stage::Silent || c.age_weeks >= SHORT_HISTORY_WEEKS {
        return c;
    }
    c.stage = Stage::Active;
    c.rule = "short_history";
    c.msg = Msg::new("stage_rule.short_history").int("weeks", c.age_weeks).int("last_4w", c.last_4w);
    c
}

/// The stage at the end of each week of `weeks` (as from
/// [`crate::metrics::weekly`], oldest first).
pub fn stages(weeks: &[WeekPoint], rules: &StageRules) -> Vec<Stage> {
    (0..weeks.len()).map(|k| stage_at(&weeks[..=k], rules)).collect()
}

/// The stage at the end of the last week of `weeks`.
pub fn stage_at(weeks: &[WeekPoint], rules: &StageRules) -> Stage {
    call(weeks, rules).stage
}

/// Which rule decided a stage, with the figures it compared: the evidence a
/// report quotes beside the stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageCall {
    /// The stage.
    pub stage: Stage,
    /// The rule that decided it: `no_messages`, `quiet_fortnight`,
    /// `quiet_month`, `far_below_peak`, `young`, `rising`, `dropping`,
    /// `faded`, `long_fade`, `steady`.
    pub rule: &'static str,
    /// Messages in the last two weeks.
    pub last_2w: u32,
    /// Messages in the last four weeks.
    pub last_4w: u32,
    /// Messages in the four weeks before those.
    pub prev_4w: u32,
    /// The busiest four consecutive weeks ever.
    pub peak_4w: u32,
    /// Weeks since the first week with a message.
    pub age_weeks: usize,
    /// The busiest four consecutive weeks of the last `peak_weeks`.
    pub peak_4w_year: u32,
    /// The rule's figures in words (worded by the application layer).
    #[serde(skip)]
    pub msg: Msg,
    /// `msg` in Chinese: empty until the application layer words it.
    pub zh: String,
    /// `msg` in English: empty until the application layer words it.
    pub en: String,
}

/// The stage at the end of the last week of `weeks` and why.
pub fn call(weeks: &[WeekPoint], rules: &StageRules) -> StageCall {
    let k = weeks.len();
    let sum = |from: usize, to: usize| -> u32 { weeks[from.min(k)..to.min(k)].iter().map(|w| w.messages).sum() };
    let first = weeks.iter().position(|w| w.messages > 0).unwrap_or(k);
    let mut c = StageCall {
        stage: Stage::Silent,
        rule: "no_messages",
        last_2w: sum(k.saturating_sub(2), k),
        last_4w: sum(k.saturating_sub(4), k),
        prev_4w: sum(k.saturating_sub(8), k.saturating_sub(4)),
        peak_4w: peak_4w(weeks, k) as u32,
        age_weeks: k - first,
        peak_4w_year: peak_4w(weeks, rules.peak_weeks) as u32,
        msg: Msg::new("stage_rule.no_messages"),
        zh: String::new(),
        en: String::new(),
    };
    let (recent, before, peak) = (c.last_4w as f64, c.prev_4w as f64, c.peak_4w as f64);
    (c.stage, c.rule) = if k == 0 || c.last_4w == 0 {
        (Stage::Silent, "no_messages")
    } else if c.last_2w <= rules.silent_max_messages {
        (Stage::Silent, "quiet_fortnight")
    } else if c.last_4w < rules.silent_min_monthly {
        (Stage::Silent, "quiet_month")
    } else if c.last_4w <= rules.silent_peak_cap && recent < rules.silent_peak_share * peak {
        (Stage::Silent, "far_below_peak")
    } else if c.age_weeks < rules.emerging_weeks {
        (Stage::Emerging, "young")
    } else if (before == 0.0 || recent >= rules.growth_ratio * before) && recent >= rules.growth_peak_share * peak {
        (Stage::Growing, "rising")
    } else if recent <= rules.decline_ratio * before {
        (Stage::Declining, "dropping")
    } else if recent <= rules.peak_ratio * c.peak_4w_year as f64 {
        (Stage::Declining, "faded")
    } else if recent <= rules.long_fade_share * peak {
        (Stage::Declining, "long_fade")
    } else {
        (Stage::Active, "steady")
    };
    c.msg = match c.rule {
        "no_messages" => Msg::new("stage_rule.no_messages"),
        "quiet_fortnight" if c.last_2w == 0 => Msg::new("stage_rule.empty_fortnight"),
        "quiet_fortnight" => Msg::new("stage_rule.quiet_fortnight").int("last_2w", c.last_2w),
        "quiet_month" => Msg::new("stage_rule.quiet_month").int("last_4w", c.last_4w),
        "far_below_peak" => Msg::new("stage_rule.far_below_peak").int("last_4w", c.last_4w).int("peak", c.peak_4w),
        "young" => Msg::new("stage_rule.young").int("weeks", c.age_weeks),
        "faded" => Msg::new("stage_rule.faded").int("last_4w", c.last_4w).int("peak", c.peak_4w_year),
        "long_fade" => Msg::new("stage_rule.long_fade").int("last_4w", c.last_4w).int("peak", c.peak_4w),
        // rising, dropping, steady: the last four weeks against the four before.
        _ => Msg::new("stage_rule.month_on_month").int("last_4w", c.last_4w).int("prev_4w", c.prev_4w),
    };
    c
}

/// The busiest four consecutive weeks among the last `span` weeks of `weeks`.
pub fn peak_4w(weeks: &[WeekPoint], span: usize) -> f64 {
    let tail = &weeks[weeks.len().saturating_sub(span)..];
    tail.windows(4.min(tail.len()).max(1)).map(|w| w.iter().map(|x| x.messages).sum::<u32>()).max().unwrap_or(0) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weeks(counts: &[u32]) -> Vec<WeekPoint> {
        counts.iter().map(|&c| WeekPoint { messages: c, ..Default::default() }).collect()
    }

    #[test]
    fn stages_follow_the_rules() {
        let r = StageRules::default();
        // Young group.
        assert_eq!(stage_at(&weeks(&[10, 20]), &r), Stage::Emerging);
        // 4 weeks of 40 after 4 weeks of 20: ratio 2 ≥ 1.5, at the group's high.
        assert_eq!(stage_at(&weeks(&[20, 20, 20, 20, 40, 40, 40, 40]), &r), Stage::Growing);
        // Flat.
        assert_eq!(stage_at(&weeks(&[30; 8]), &r), Stage::Active);
        // 4 × 10 after 4 × 30: ratio 1/3 ≤ 0.6.
        assert_eq!(stage_at(&weeks(&[30, 30, 30, 30, 10, 10, 10, 10]), &r), Stage::Declining);
        // A slow fade: 20 a week, month on month never below 0.6 × the month
        // before, but a quarter of the 80-a-week peak (320 in four weeks)
        // is 80, and the last four weeks hold 80: declining.
        let mut fade = vec![80; 8];
        fade.extend([60, 60, 50, 50, 40, 40, 35, 35, 30, 30, 25, 25, 20, 20, 20, 20]);
        assert_eq!(stage_at(&weeks(&fade), &r), Stage::Declining);
        *fade.last_mut().unwrap() = 21;
        assert_eq!(stage_at(&weeks(&fade), &r), Stage::Active, "81 > 80: above a quarter of the peak");
        // The year's peak is looked for in the last 52 weeks only …
        let mut old_peak = vec![120; 4];
        old_peak.extend(vec![20; 52]);
        assert_eq!(stage_at(&weeks(&old_peak), &r), Stage::Active);
        // … but a fade to a tenth of the busiest month ever, over years, is declining.
        old_peak[0] = 800;
        let c = call(&weeks(&old_peak), &r);
        assert_eq!((c.stage, c.rule, c.last_4w, c.peak_4w), (Stage::Declining, "long_fade", 80, 1160));
        // One message in the last two weeks.
        assert_eq!(stage_at(&weeks(&[30, 30, 30, 30, 10, 10, 1, 0]), &r), Stage::Silent);
        assert_eq!(stages(&weeks(&[5, 0, 0]), &r), vec![Stage::Emerging, Stage::Emerging, Stage::Silent]);
        // A stray message or two a fortnight after months of nothing: silent.
        assert_eq!(stage_at(&weeks(&[30, 30, 0, 0, 0, 0, 0, 0, 1, 0, 2]), &r), Stage::Silent);
        // Issue 9's 考研互助5群: 4, 0, 1, 3, 2, 2, 0, 1, 5, 5 a week after a
        // busy spring is the floor of a dead group, not growth.
        let mut floor = vec![300, 500, 600, 400, 200, 80, 20];
        floor.extend([4, 0, 1, 3, 2, 2, 0, 1, 5, 5]);
        let c = call(&weeks(&floor), &r);
        assert_eq!((c.stage, c.rule, c.last_4w, c.peak_4w), (Stage::Silent, "far_below_peak", 11, 1800));
        // The same 11 messages in a group that never did much more is quiet but alive.
        assert_eq!(stage_at(&weeks(&[6, 5, 4, 6, 2, 2, 0, 1, 5, 5]), &r), Stage::Active);
        // Over the cap is never silent by the peak rule, however big the peak.
        let mut big = vec![5000; 4];
        big.extend([20, 20, 20, 20, 20, 20, 20, 21]);
        assert_ne!(stage_at(&weeks(&big), &r), Stage::Silent, "81 messages in four weeks");
        // A rise that stays far below the group's own high is not growth.
        assert_eq!(stage_at(&weeks(&[400, 400, 400, 400, 20, 20, 20, 20, 40, 40, 40, 40]), &r), Stage::Declining);
    }
}
