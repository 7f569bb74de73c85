//! Points (`tonghao points`, `tonghao points add`): the ledger by the
//! rules of `tonghao_ops::points`, computed from the records each time,
//! plus the points given by hand; and the leaderboard. Nothing is posted.

use crate::activities::kind_name;
use crate::checkins::CheckinsRequest;
use crate::i18n::Lang;
use crate::{AppError, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tonghao_model::msg::Msg;
use tonghao_model::records::{ActivityKind, PointsEntry};
use tonghao_ops::activities::{Occurrence, occurrences, parse_zone};
use tonghao_ops::outcomes::{self, outcome};
use tonghao_ops::points::{self as rules, Entry, Rule, Standing, leaderboard, output_days, streak_milestones};
use tonghao_store::{Store, StoreError};

/// Gives a member points by hand.
pub fn add(
    store: &dyn Store,
    community: &str,
    member: &str,
    amount: i64,
    reason: &str,
    group: Option<&str>,
    now_ms: i64,
) -> Result<PointsEntry> {
    if reason.trim().is_empty() {
        return Err(AppError::Input(Msg::new("error.reason_empty")));
    }
    if amount == 0 {
        return Err(AppError::Input(Msg::new("error.points_zero")));
    }
    let entry = PointsEntry {
        id: 0,
        member: member.to_string(),
        member_id: 0,
        group: group.map(str::to_string),
        group_id: None,
        amount,
        reason: reason.trim().to_string(),
        at_ms: now_ms,
    };
    Ok(store.add_points(community, &entry)?)
}

/// The ledger and the leaderboard.
#[derive(Clone, Debug, Serialize)]
pub struct Points {
    /// Highest total first.
    pub leaderboard: Vec<Standing>,
    /// Every entry, by day.
    pub ledger: Vec<Entry>,
}

fn day_of<Z: chrono::TimeZone>(ms: i64, tz: Z) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// The ledger of `community` (only `group`'s entries if given), reasons in `lang`.
pub fn points(store: &dyn Store, community: &str, group: Option<&str>, lang: Lang) -> Result<Points> {
    let mut ledger = Vec::new();
    let snap = match store.snapshot(community, None, None) {
        Ok(s) => Some(s),
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(snap) = &snap {
        let name = |g: usize| snap.groups[g].label().to_string();
        // Speakers to reward of every topic discussion the history covers.
        for a in store.activities(community)?.into_iter().filter(|a| a.kind == ActivityKind::Topic) {
            let Some(g) = snap.groups.iter().position(|x| x.store_id == a.group_id) else { continue };
            let Some(end) = snap.history_end(g) else { continue };
            if end < a.start_ms {
                continue;
            }
            let tz = parse_zone(&a.tz).map_err(AppError::Input)?;
            let all = occurrences(&a, a.start_ms, end + 1).map_err(AppError::Input)?;
            for (n, occ) in all.iter().enumerate() {
                let since = occ.start_ms - (outcomes::BASELINE_DAYS + 1) * 86_400_000;
                let earlier: Vec<Occurrence> = all[..n].iter().filter(|o| o.start_ms >= since).cloned().collect();
                let o = outcome(snap, g, tz, n + 1, occ, &earlier, false);
                if !o.measured {
                    continue;
                }
                let day = day_of(occ.start_ms, tz);
                for s in &o.reward {
                    ledger.push(Entry {
                        member_id: s.member_id,
                        name: s.name.clone(),
                        group_id: Some(a.group_id),
                        group: Some(name(g)),
                        rule: Rule::Speaker,
                        points: rules::SPEAKER,
                        reason: lang.msg(
                            &Msg::new("points.reason_speaker")
                                .text("kind", kind_name(a.kind, lang))
                                .text("title", a.title.clone())
                                .text("day", day.clone()),
                        ),
                        day: day.clone(),
                    });
                }
            }
        }
        // Output days.
        for g in 0..snap.groups.len() {
            for (m, day) in output_days(snap, g) {
                let member = &snap.members[m as usize];
                ledger.push(Entry {
                    member_id: member.store_id,
                    name: member.name.clone(),
                    group_id: Some(snap.groups[g].store_id),
                    group: Some(name(g)),
                    rule: Rule::Output,
                    points: rules::OUTPUT,
                    reason: lang.t("points.reason_output").to_string(),
                    day,
                });
            }
        }
        // Check-in streak milestones.
        for c in crate::checkins::report(store, community, &CheckinsRequest::default())? {
            for m in &c.members {
                for (day, run) in streak_milestones(&m.calendar) {
                    ledger.push(Entry {
                        member_id: m.member_id,
                        name: m.name.clone(),
                        group_id: Some(c.group_id),
                        group: Some(c.group.clone()),
                        rule: Rule::Streak,
                        points: rules::STREAK,
                        reason: lang.msg(&Msg::new("points.reason_streak").int("days", run)),
                        day,
                    });
                }
            }
        }
    }
    for p in store.points(community)? {
        ledger.push(Entry {
            member_id: p.member_id,
            name: p.member,
            group_id: p.group_id,
            group: p.group,
            rule: Rule::Manual,
            points: p.amount,
            reason: p.reason,
            day: day_of(p.at_ms, Utc),
        });
    }
    if let Some(gref) = group {
        let groups = store.groups(community)?;
        let found = groups
            .iter()
            .find(|x| x.external_id == gref || x.name.as_deref() == Some(gref))
            .ok_or_else(|| AppError::no_group(gref, community))?;
        let label = found.name.clone().unwrap_or_else(|| found.external_id.clone());
        ledger.retain(|e| e.group.as_deref() == Some(label.as_str()));
    }
    ledger.sort_by(|a, b| (&a.day, &a.name, a.rule).cmp(&(&b.day, &b.name, b.rule)));
    Ok(Points { leaderboard: leaderboard(&ledger), ledger })
}
