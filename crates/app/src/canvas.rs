//! The community canvas (`tonghao canvas show|set|history`), checked
//! against the history, and the operators' records as evidence for the
//! scorecard's 运营 and 复制 (`tonghao_ops::canvas`).

use crate::{AppError, Result};
use serde::Serialize;
use tonghao_insight::report::GroupReport;
use tonghao_model::records::CanvasVersion;
use tonghao_model::snapshot::{Snapshot, flags};
use tonghao_ops::canvas::{
    Check, FIELDS, check_field, forbids_ads, planned_groups, rule_lines, scorecard_signals, size_limit,
};
use tonghao_store::{Store, StoreError};

/// Sets one field (an empty value clears it), saving a new version.
pub fn set(store: &dyn Store, community: &str, field: &str, value: &str, now_ms: i64) -> Result<CanvasVersion> {
    let value = check_field(field, value).map_err(AppError::Input)?;
    let mut c = store.canvas_versions(community)?.pop().unwrap_or_default();
    if value.is_empty() {
        c.fields.remove(field);
    } else {
        c.fields.insert(field.to_string(), value);
    }
    c.saved_ms = now_ms;
    Ok(store.save_canvas(community, &c)?)
}

/// The latest canvas and its checks against the history.
#[derive(Clone, Debug, Serialize)]
pub struct Shown {
    /// The latest version (version 0 and no fields: never saved).
    pub canvas: CanvasVersion,
    /// The fields in order, with their text if set.
    pub fields: Vec<(&'static str, Option<String>)>,
    /// What the history says about its rules and plans.
    pub checks: Vec<Check>,
}

/// The latest canvas, checked against the history.
pub fn show(store: &dyn Store, community: &str) -> Result<Shown> {
    let canvas = store.canvas_versions(community)?.pop().unwrap_or_default();
    let fields = FIELDS.iter().map(|f| (*f, canvas.fields.get(*f).cloned())).collect();
    let snap = match store.snapshot(community, None, None) {
        Ok(s) => Some(s),
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let checks = match &snap {
        Some(snap) => checks(store, community, snap, &canvas)?,
        None => Vec::new(),
    };
    Ok(Shown { canvas, fields, checks })
}

/// Ad posts of group `g` in the 28 days before its history ends.
fn recent_ads(snap: &Snapshot, g: usize) -> u64 {
    let Some(end) = snap.history_end(g) else { return 0 };
    let m = &snap.messages;
    snap.groups[g].messages.clone().filter(|&i| m.at_ms[i] > end - 28 * 86_400_000 && m.has(i, flags::AD)).count()
        as u64
}

fn checks(store: &dyn Store, community: &str, snap: &Snapshot, c: &CanvasVersion) -> Result<Vec<Check>> {
    let mut out = Vec::new();
    let summaries = store.groups(community)?;
    let label = |g: usize| snap.groups[g].label().to_string();
    for line in c.fields.get("rules").map(|r| rule_lines(r)).unwrap_or_default() {
        if forbids_ads(line) {
            for g in 0..snap.groups.len() {
                let n = recent_ads(snap, g);
                out.push(Check {
                    kind: "no_ads",
                    rule: line.into(),
                    group: Some(label(g)),
                    found: n,
                    target: Some(0),
                    ok: n == 0,
                });
            }
        }
        if let Some(limit) = size_limit(line) {
            for s in &summaries {
                out.push(Check {
                    kind: "size",
                    rule: line.into(),
                    group: Some(s.name.clone().unwrap_or_else(|| s.external_id.clone())),
                    found: s.members,
                    target: Some(limit),
                    ok: s.members <= limit,
                });
            }
        }
    }
    if let Some(plan) = c.fields.get("replication_plan")
        && let Some(n) = planned_groups(plan)
    {
        let have = snap.groups.len() as u64;
        out.push(Check {
            kind: "replication",
            rule: plan.clone(),
            group: None,
            found: have,
            target: Some(n),
            ok: have >= n,
        });
    }
    if let Some(structure) = c.fields.get("structure") {
        let mut snap = snap.clone();
        tonghao_insight::report::settle_as_of(&mut snap);
        for g in 0..snap.groups.len() {
            let end = snap.history_end(g).map_or(snap.as_of_ms, |t| t + 1);
            let r = tonghao_insight::report::group_report_at(&snap, g, 28, end);
            let same = r.graph.structure == *structure;
            out.push(Check {
                kind: "structure",
                rule: format!("{structure} ≟ {}", r.graph.structure),
                group: Some(label(g)),
                found: u64::from(same),
                target: None,
                ok: same,
            });
        }
    }
    Ok(out)
}

/// Adds the operators' records to the scorecard of each group report: the
/// 运营 and 复制 conditions take the evidence of
/// [`tonghao_ops::canvas::scorecard_signals`] beside insight's signals. A
/// community without activities, tasks or a canvas is left as it is.
pub fn score(store: &dyn Store, community: &str, snap: &Snapshot, groups: &mut [GroupReport]) -> Result<()> {
    let activities = store.activities(community)?;
    let tasks = store.tasks(community)?;
    let canvas = store.canvas_versions(community)?.pop();
    if activities.is_empty() && tasks.is_empty() && canvas.is_none() {
        return Ok(());
    }
    for r in groups.iter_mut() {
        let g = r.group as usize;
        let extra = scorecard_signals(snap, g, r.as_of_ms, &activities, &tasks, canvas.as_ref());
        for c in &mut r.conditions {
            let mine: Vec<&(&str, &str, f64)> = extra.iter().filter(|(_, cond, _)| *cond == c.key).collect();
            if mine.is_empty() {
                continue;
            }
            // Insight's score is 100 × (1 − the mean badness of its present
            // signals): recover their sum, add ours, take the mean again.
            let k = c.signals.len() as f64;
            let insight_sum = c.score.map_or(0.0, |s| k * (1.0 - s / 100.0));
            let sum = insight_sum + mine.iter().map(|x| x.2).sum::<f64>();
            c.score = Some(100.0 * (1.0 - sum / (k + mine.len() as f64)));
            c.signals.extend(mine.iter().map(|x| x.0));
        }
    }
    Ok(())
}

/// A saved version and the fields it changed.
#[derive(Clone, Debug, Serialize)]
pub struct Saved {
    /// The version.
    #[serde(flatten)]
    pub version: CanvasVersion,
    /// The fields whose text differs from the version before.
    pub changed: Vec<&'static str>,
}

/// Every saved version, oldest first, with what it changed.
pub fn history(store: &dyn Store, community: &str) -> Result<Vec<Saved>> {
    let mut prev = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for v in store.canvas_versions(community)? {
        let changed = FIELDS.iter().copied().filter(|f| prev.get(*f) != v.fields.get(*f)).collect();
        prev = v.fields.clone();
        out.push(Saved { version: v, changed });
    }
    Ok(out)
}
