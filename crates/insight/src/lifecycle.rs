//! Lifecycle stage per group-week: 萌芽 emerging, 成长 growing, 活跃互动
//! active, 衰亡 declining, 沉寂 silent.
//!
//! Documented, tunable rules over the weekly series (`docs/insight.md`):
//! 1. silent: at most `silent_max_messages` messages in the last two weeks,
//!    or fewer than `silent_min_monthly` in the last four (a stray message a
//!    fortnight does not make a group alive);
//! 2. emerging: the group's first message is less than `emerging_weeks` old;
//! 3. growing: messages in the last four weeks at or above `growth_ratio` ×
//!    the four before;
//! 4. declining: at or below `decline_ratio` × the four before (a drop), or
//!    at or below `peak_ratio` × the busiest four weeks of the last
//!    `peak_weeks` (a slow fade that no month-on-month ratio shows);
//! 5. active otherwise.

use crate::metrics::WeekPoint;
use serde::Serialize;

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
}

impl Default for StageRules {
    fn default() -> Self {
        StageRules {
            silent_max_messages: 1,
            silent_min_monthly: 4,
            emerging_weeks: 4,
            growth_ratio: 1.25,
            decline_ratio: 0.6,
            peak_ratio: 0.25,
            peak_weeks: 52,
        }
    }
}

/// The stage at the end of each week of `weeks` (as from
/// [`crate::metrics::weekly`], oldest first).
pub fn stages(weeks: &[WeekPoint], rules: &StageRules) -> Vec<Stage> {
    (0..weeks.len()).map(|k| stage_at(&weeks[..=k], rules)).collect()
}

/// The stage at the end of the last week of `weeks`.
pub fn stage_at(weeks: &[WeekPoint], rules: &StageRules) -> Stage {
    let k = weeks.len();
    let sum = |from: usize, to: usize| -> u32 { weeks[from.min(k)..to.min(k)].iter().map(|w| w.messages).sum() };
    if k == 0
        || sum(k.saturating_sub(2), k) <= rules.silent_max_messages
        || sum(k.saturating_sub(4), k) < rules.silent_min_monthly
    {
        return Stage::Silent;
    }
    // Age counts from the first week with a message.
    let first = weeks.iter().position(|w| w.messages > 0).unwrap_or(0);
    if k - first < rules.emerging_weeks {
        return Stage::Emerging;
    }
    let recent = sum(k.saturating_sub(4), k) as f64;
    let before = sum(k.saturating_sub(8), k.saturating_sub(4)) as f64;
    if before == 0.0 || recent >= rules.growth_ratio * before {
        Stage::Growing
    } else if recent <= rules.decline_ratio * before || recent <= rules.peak_ratio * peak_4w(weeks, rules.peak_weeks) {
        Stage::Declining
    } else {
        Stage::Active
    }
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
        // 4 weeks of 40 after 4 weeks of 20: ratio 2 ≥ 1.25.
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
        // The peak is looked for in the last 52 weeks only.
        let mut old_peak = vec![200; 4];
        old_peak.extend(vec![20; 52]);
        assert_eq!(stage_at(&weeks(&old_peak), &r), Stage::Active);
        // One message in the last two weeks.
        assert_eq!(stage_at(&weeks(&[30, 30, 30, 30, 10, 10, 1, 0]), &r), Stage::Silent);
        assert_eq!(stages(&weeks(&[5, 0, 0]), &r), vec![Stage::Emerging, Stage::Emerging, Stage::Silent]);
        // A stray message or two a fortnight after months of nothing: silent.
        assert_eq!(stage_at(&weeks(&[30, 30, 0, 0, 0, 0, 0, 0, 1, 0, 2]), &r), Stage::Silent);
    }
}
