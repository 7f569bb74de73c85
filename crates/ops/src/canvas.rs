//! The community canvas (its purpose, structure, rules and plans), what of
//! it can be checked against the history, and the operators' records as
//! evidence for the scorecard's 运营 (operation) and 复制 (replication).
//!
//! Rules (docs/ops.md, "The community canvas"):
//! - A rule line (`rules`, one per line or separated by `；`/`;`) that
//!   speaks of ads (`广告`, `no ads`) is checked against the posts flagged
//!   as ads in each group's last 28 days; one that sets a size (`≤ 40`,
//!   `不超过40人`, `at most 40`, `40人以内`) against each group's members.
//! - A replication plan naming a number of groups (`复制到 5 个群`, `5
//!   groups`) is checked against the groups that exist.
//! - The structure (`pyramid` or `ring`) is compared with each group's
//!   interaction structure (insight's graph metrics).
//!
//! Scorecard evidence, per group, over the report's 28-day window ending at
//! its time (each a "badness" 0 fine … 1 bad, as insight's signals):
//! - `rituals` (运营): 1 − min(1, occurrences held / 4): a weekly ritual
//!   scores 0;
//! - `ritual_response` (运营): share of those occurrences that did not
//!   draw more messages than the same hours on ordinary days (their
//!   baseline; without a baseline, no message at all);
//! - `tasks_done` (运营): share of the group's tasks due by then still
//!   open;
//! - `sibling_rituals` (复制): for a group that holds rituals, the share of
//!   the other groups holding none in the window (1 when there is no other
//!   group): what works here is not run elsewhere;
//! - `replication_plan` (复制): 1 − min(1, groups / groups planned).
//!
//! A signal is present only when its records exist: a community with no
//! activities, tasks or canvas keeps the scorecard insight gives it.

use crate::activities::{Occurrence, occurrences, parse_zone};
use crate::outcomes::{BASELINE_DAYS, outcome};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;
use tonghao_model::msg::Msg;
use tonghao_model::records::{Activity, CanvasVersion, Task};
use tonghao_model::snapshot::Snapshot;

/// Every field of the canvas, in the order shown.
pub const FIELDS: [&str; 10] = [
    "pain_point",
    "vision",
    "goal",
    "interest",
    "target_members",
    "structure",
    "roles",
    "rules",
    "output_plan",
    "replication_plan",
];

/// Checks a field and its value; returns the value to store.
pub fn check_field(field: &str, value: &str) -> Result<String, Msg> {
    if !FIELDS.contains(&field) {
        return Err(Msg::new("error.no_canvas_field").text("field", field).text("list", FIELDS.join(", ")));
    }
    let value = value.trim().to_string();
    if field == "structure" && !value.is_empty() && value != "pyramid" && value != "ring" {
        return Err(Msg::new("error.not_a_structure").text("value", value));
    }
    Ok(value)
}

/// The lines of a rules text.
pub fn rule_lines(rules: &str) -> Vec<&str> {
    rules.split(['\n', '；', ';']).map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// Whether a rule line forbids ads.
pub fn forbids_ads(line: &str) -> bool {
    let lower = line.to_lowercase();
    line.contains("广告") || lower.contains("no ads") || lower.contains("no advertising")
}

static SIZE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:≤|<=|不超过|最多|至多|at most|no more than|max(?:imum)?)\s*(\d+)|(\d+)\s*人以内")
        .expect("regex")
});
static GROUPS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(\d+)\s*(?:个群|个分群|个社群|groups?)").expect("regex"));

/// The largest group a rule line allows, if it sets one.
pub fn size_limit(line: &str) -> Option<u64> {
    let c = SIZE.captures(line)?;
    c.get(1).or(c.get(2))?.as_str().parse().ok()
}

/// How many groups a replication plan aims at, if it says.
pub fn planned_groups(plan: &str) -> Option<u64> {
    GROUPS.captures(plan)?.get(1)?.as_str().parse().ok()
}

/// One check of the canvas against the history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// `no_ads`, `size`, `replication` or `structure`.
    pub kind: &'static str,
    /// The canvas text checked (a rule line, the plan, the structure).
    pub rule: String,
    /// The group checked, if the check is per group.
    pub group: Option<String>,
    /// What the history shows: ad posts, members, groups; for `structure`, 1 when it matches.
    pub found: u64,
    /// The limit or target, where there is one.
    pub target: Option<u64>,
    /// Whether reality keeps to the canvas.
    pub ok: bool,
}

/// The ops evidence of one group as (signal key, condition key, badness).
pub fn scorecard_signals(
    snap: &Snapshot,
    g: usize,
    end_ms: i64,
    activities: &[Activity],
    tasks: &[Task],
    canvas: Option<&CanvasVersion>,
) -> Vec<(&'static str, &'static str, f64)> {
    let start_ms = end_ms - BASELINE_DAYS * 86_400_000;
    let held = |g: usize| -> Vec<(Activity, Vec<Occurrence>, Vec<Occurrence>)> {
        activities
            .iter()
            .filter(|a| a.group_id == snap.groups[g].store_id && a.start_ms < end_ms)
            .filter_map(|a| {
                let before = occurrences(a, start_ms - (BASELINE_DAYS + 1) * 86_400_000, start_ms).ok()?;
                let mut window = occurrences(a, start_ms, end_ms).ok()?;
                window.retain(|o| o.start_ms >= start_ms && o.start_ms < end_ms);
                Some((a.clone(), before, window))
            })
            .collect()
    };
    let mut out = Vec::new();
    if !activities.is_empty() {
        let mine = held(g);
        let n: usize = mine.iter().map(|(_, _, w)| w.len()).sum();
        out.push(("rituals", "operation", 1.0 - (n as f64 / 4.0).min(1.0)));
        if n > 0 {
            let mut flat = 0;
            for (a, before, window) in &mine {
                let Ok(tz) = parse_zone(&a.tz) else { continue };
                for (k, occ) in window.iter().enumerate() {
                    let mut earlier: Vec<Occurrence> =
                        before.iter().filter(|o| o.start_ms < start_ms).cloned().collect();
                    earlier.extend(window[..k].iter().cloned());
                    let o = outcome(snap, g, tz, 0, occ, &earlier, false);
                    let drew = if o.baseline_during.days > 0 {
                        f64::from(o.during.messages) > o.baseline_during.messages
                    } else {
                        o.during.messages > 0
                    };
                    flat += usize::from(!drew);
                }
            }
            out.push(("ritual_response", "operation", flat as f64 / n as f64));
            let others: Vec<usize> = (0..snap.groups.len()).filter(|&x| x != g).collect();
            let running = others.iter().filter(|&&x| held(x).iter().any(|(_, _, w)| !w.is_empty())).count();
            let share = if others.is_empty() { 0.0 } else { running as f64 / others.len() as f64 };
            out.push(("sibling_rituals", "replication", 1.0 - share));
        }
    }
    let end_day = chrono::DateTime::from_timestamp_millis(end_ms).unwrap_or_default().format("%Y-%m-%d").to_string();
    let due: Vec<&Task> = tasks
        .iter()
        .filter(|t| t.group_id == Some(snap.groups[g].store_id) && t.due_day.as_deref().is_some_and(|d| *d <= *end_day))
        .collect();
    if !due.is_empty() {
        // Done counts whenever it was marked: people mark tasks after the
        // fact, and a report often reads an export weeks behind the clock.
        let open = due.iter().filter(|t| t.done_ms.is_none()).count();
        out.push(("tasks_done", "operation", open as f64 / due.len() as f64));
    }
    if let Some(n) = canvas.and_then(|c| c.fields.get("replication_plan")).and_then(|p| planned_groups(p))
        && n > 0
    {
        out.push(("replication_plan", "replication", 1.0 - (snap.groups.len() as f64 / n as f64).min(1.0)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_plans_are_read() {
        assert_eq!(
            rule_lines("不发广告；每群不超过40人\n名字：地区+职业+姓名"),
            ["不发广告", "每群不超过40人", "名字：地区+职业+姓名"]
        );
        assert!(forbids_ads("禁止发广告"));
        assert!(forbids_ads("No ads, please"));
        assert!(!forbids_ads("每周三话题讨论"));
        assert_eq!(size_limit("每群不超过40人"), Some(40));
        assert_eq!(size_limit("≤ 40 members"), Some(40));
        assert_eq!(size_limit("at most 22 people per group"), Some(22));
        assert_eq!(size_limit("30人以内"), Some(30));
        assert_eq!(size_limit("不发广告"), None);
        assert_eq!(planned_groups("读书会复制到 5 个群"), Some(5));
        assert_eq!(planned_groups("replicate to 3 groups by June"), Some(3));
        assert_eq!(planned_groups("先做好一个群"), None);
        assert_eq!(check_field("structure", "star").unwrap_err().key, "error.not_a_structure");
        let unknown = check_field("mission", "x").unwrap_err();
        assert_eq!(unknown.key, "error.no_canvas_field");
        assert!(matches!(unknown.arg("list"), Some(tonghao_model::msg::Arg::Text(l)) if l.contains("pain_point")));
    }
}
