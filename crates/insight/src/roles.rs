//! Member roles inferred from behaviour in one group, each with its evidence.
//!
//! - core: among the top 20% of senders in the window, and answered or
//!   @mentioned at least two different members;
//! - connector: an articulation point of the interaction graph (removing
//!   them splits a circle off);
//! - newcomer: joined (or, without join records, first posted) in the last 30
//!   days, an arrival the history shows (a week or more after it starts), not
//!   an owner, deputy or admin;
//! - lurker: a member who sent nothing in the window;
//! - drifting: sent at least 5 messages in the 56 days before the window's
//!   last 28 days, and at most 1 in those 28: the people worth a personal message.

use crate::graph::{Graph, GraphMetrics};
use crate::metrics::{DAY_MS, Window, current_members};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use tonghao_model::Role as GroupRole;
use tonghao_model::snapshot::{MembershipKind, Snapshot};

/// A role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Role {
    Core,
    Connector,
    Newcomer,
    Lurker,
    Drifting,
}

/// One member's roles in a group, with the numbers behind them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberRoles {
    /// Member index in the snapshot.
    pub member: u32,
    /// Display name.
    pub name: String,
    /// Roles, possibly several (a core member can be a connector).
    pub roles: Vec<Role>,
    /// Messages in the window.
    pub messages_window: u32,
    /// Messages in the 56 days before the last 28.
    pub messages_before: u32,
    /// Distinct members this member answered or mentioned in the window.
    pub answered_people: u32,
    /// Rank by messages in the window (1 = most).
    pub rank: Option<u32>,
    /// First message or join in this group (UTC ms).
    pub first_seen_ms: Option<i64>,
    /// Last message in this group before the snapshot time (UTC ms).
    pub last_message_ms: Option<i64>,
}

/// The group's staff as of `end_ms`: members given the owner, deputy or
/// admin role (by role events) before it.
pub fn staff(snap: &Snapshot, g: usize, end_ms: i64) -> Vec<u32> {
    let mut out: Vec<u32> = snap.memberships[snap.groups[g].memberships.clone()]
        .iter()
        .filter(|r| r.at_ms < end_ms)
        .filter(|r| matches!(r.kind, MembershipKind::Role(GroupRole::Owner | GroupRole::Deputy | GroupRole::Admin)))
        .map(|r| r.member)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Who a split leaves out of the groups it proposes: the group's
/// [`staff`] (they run the new groups) and its bots (flagged by an export
/// or found by [`crate::automated`]; an operator adds them where wanted).
pub fn not_placed(snap: &Snapshot, g: usize, end_ms: i64) -> Vec<u32> {
    let m = &snap.messages;
    let mut out = staff(snap, g, end_ms);
    out.extend(snap.groups[g].messages.clone().map(|i| m.member[i]).filter(|&w| snap.members[w as usize].bot));
    out.sort_unstable();
    out.dedup();
    out
}

/// Roles of every current member (and of anyone drifting) of group `g`;
/// bots (flagged by an export or found by [`crate::automated`]) are not
/// listed and take no rank.
pub fn roles(snap: &Snapshot, g: usize, w: Window, graph: &Graph, shape: &GraphMetrics) -> Vec<MemberRoles> {
    let m = &snap.messages;
    let group = &snap.groups[g];
    let recent_start = w.end_ms - 28 * DAY_MS;
    let before_start = recent_start - 56 * DAY_MS;
    let mut in_window: HashMap<u32, u32> = HashMap::new();
    let mut recent: HashMap<u32, u32> = HashMap::new();
    let mut before: HashMap<u32, u32> = HashMap::new();
    let mut first: HashMap<u32, i64> = HashMap::new();
    let mut last: HashMap<u32, i64> = HashMap::new();
    for i in group.messages.clone() {
        let (t, who) = (m.at_ms[i], m.member[i]);
        if t >= w.end_ms {
            break;
        }
        first.entry(who).or_insert(t);
        last.insert(who, t);
        if w.contains(t) {
            *in_window.entry(who).or_default() += 1;
        }
        if t >= recent_start {
            *recent.entry(who).or_default() += 1;
        } else if t >= before_start {
            *before.entry(who).or_default() += 1;
        }
    }
    // Where the known history starts: an export's first line is not the
    // group's birth, so the people already there are not newcomers.
    let mut history_start = first.values().copied().min().unwrap_or(i64::MAX);
    let staff: HashSet<u32> = staff(snap, g, w.end_ms).into_iter().collect();
    for r in &snap.memberships[group.memberships.clone()] {
        if r.at_ms >= w.end_ms {
            continue;
        }
        history_start = history_start.min(r.at_ms);
        if r.kind == MembershipKind::Join {
            let f = first.entry(r.member).or_insert(r.at_ms);
            *f = (*f).min(r.at_ms);
        }
    }
    // Someone first seen in the first week of the known history was there
    // before it (or founded the group): their arrival is not seen.
    let seen_arriving = |t: i64| t >= history_start.saturating_add(7 * DAY_MS);
    // Bots hold no role and take no rank: the 2/8 rule is about people.
    let person = |who: u32| !snap.members[who as usize].bot;
    let mut ranked: Vec<(u32, u32)> = in_window.iter().filter(|&(&k, _)| person(k)).map(|(&k, &v)| (k, v)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rank: HashMap<u32, u32> = ranked.iter().enumerate().map(|(i, &(k, _))| (k, i as u32 + 1)).collect();
    let top = ranked.len().div_ceil(5) as u32;
    let answered: HashMap<u32, u32> =
        graph.nodes.iter().enumerate().map(|(u, &member)| (member, graph.out[u].len() as u32)).collect();
    let bridges: HashSet<u32> = shape.bridges.iter().copied().collect();

    let mut people: Vec<u32> = current_members(snap, g, w.end_ms);
    people.extend(before.keys().copied());
    people.retain(|&who| person(who));
    people.sort_unstable();
    people.dedup();
    let mut out: Vec<MemberRoles> = people
        .into_iter()
        .map(|who| {
            let count = in_window.get(&who).copied().unwrap_or(0);
            let answered_people = answered.get(&who).copied().unwrap_or(0);
            let before_n = before.get(&who).copied().unwrap_or(0);
            let mut roles = Vec::new();
            if rank.get(&who).is_some_and(|&r| r <= top) && answered_people >= 2 {
                roles.push(Role::Core);
            }
            if bridges.contains(&who) {
                roles.push(Role::Connector);
            }
            if first.get(&who).is_some_and(|&f| w.end_ms - f <= 30 * DAY_MS && seen_arriving(f))
                && !staff.contains(&who)
            {
                roles.push(Role::Newcomer);
            }
            if count == 0 {
                roles.push(Role::Lurker);
            }
            if before_n >= 5 && recent.get(&who).copied().unwrap_or(0) <= 1 {
                roles.push(Role::Drifting);
            }
            MemberRoles {
                member: who,
                name: snap.members[who as usize].name.clone(),
                roles,
                messages_window: count,
                messages_before: before_n,
                answered_people,
                rank: rank.get(&who).copied(),
                first_seen_ms: first.get(&who).copied(),
                last_message_ms: last.get(&who).copied(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.messages_window
            .cmp(&a.messages_window)
            .then(b.messages_before.cmp(&a.messages_before))
            .then(a.member.cmp(&b.member))
    });
    out
}
