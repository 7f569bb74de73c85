//! The community's management mode (集中, 分群, 自治, 不管理) and the
//! hierarchy of groups it implies, checked against the history.
//!
//! What can be checked from a chat history:
//! - 分群 (sub-groups with owners of their own): every sub-group (a group
//!   with a parent) has an owner, and the owner posted in it in the 28 days
//!   before its history ends; at least one sub-group is recorded.
//! - 集中 (one team runs everything): sub-groups with owners of their own
//!   say otherwise.
//! - 自治 and 不管理: nobody is expected to run the groups, so owners
//!   recorded are only listed; nothing is "not kept".

use serde::Serialize;
use std::collections::HashMap;
use tonghao_model::records::{Management, ManagementMode};
use tonghao_model::snapshot::Snapshot;

/// How recently an owner must have posted in their sub-group.
pub const OWNER_ACTIVE_DAYS: i64 = 28;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModeCheck {
    /// `no_sub_groups`, `no_owner`, `owner_silent`, `owner_active`,
    /// `owned_while_centralised`.
    pub kind: &'static str,
    /// The group concerned, if one.
    pub group: Option<String>,
    /// The owner concerned, if one.
    pub owner: Option<String>,
    /// Days since the owner last posted in the group (`None`: never, in
    /// the imported history).
    pub days_since_owner_posted: Option<i64>,
    /// Whether it is as the mode says.
    pub ok: bool,
}

/// A group in the hierarchy, with its sub-groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The group's store id.
    pub group_id: i64,
    /// Its name.
    pub group: String,
    /// Its owner, if recorded.
    pub owner: Option<String>,
    /// Its sub-groups.
    pub children: Vec<Node>,
}

/// The hierarchy: every group of the community (`groups`: store id and
/// name, in order), top groups first, each with its sub-groups.
pub fn tree(groups: &[(i64, String)], m: &Management) -> Vec<Node> {
    let parent: HashMap<i64, i64> = m.groups.iter().filter_map(|g| g.parent_id.map(|p| (g.group_id, p))).collect();
    let owner: HashMap<i64, String> =
        m.groups.iter().filter_map(|g| g.owner.clone().map(|o| (g.group_id, o))).collect();
    let known: std::collections::HashSet<i64> = groups.iter().map(|g| g.0).collect();
    fn build(
        id: i64,
        name: &str,
        groups: &[(i64, String)],
        parent: &HashMap<i64, i64>,
        owner: &HashMap<i64, String>,
        depth: usize,
    ) -> Node {
        let children = if depth > groups.len() {
            Vec::new()
        } else {
            groups
                .iter()
                .filter(|(c, _)| parent.get(c) == Some(&id))
                .map(|(c, n)| build(*c, n, groups, parent, owner, depth + 1))
                .collect()
        };
        Node { group_id: id, group: name.to_string(), owner: owner.get(&id).cloned(), children }
    }
    groups
        .iter()
        .filter(|(id, _)| parent.get(id).is_none_or(|p| !known.contains(p)))
        .map(|(id, name)| build(*id, name, groups, &parent, &owner, 0))
        .collect()
}

/// Checks the mode against the history.
pub fn check(snap: &Snapshot, m: &Management) -> Vec<ModeCheck> {
    let Some(mode) = m.mode else { return Vec::new() };
    let index: HashMap<i64, usize> = snap.groups.iter().enumerate().map(|(i, g)| (g.store_id, i)).collect();
    let mut out = Vec::new();
    let subs: Vec<_> = m.groups.iter().filter(|g| g.parent_id.is_some()).collect();
    match mode {
        ManagementMode::SubGroups => {
            if subs.is_empty() {
                out.push(ModeCheck {
                    kind: "no_sub_groups",
                    group: None,
                    owner: None,
                    days_since_owner_posted: None,
                    ok: false,
                });
            }
            for g in subs {
                let Some(owner) = g.owner_id else {
                    out.push(ModeCheck {
                        kind: "no_owner",
                        group: Some(g.group.clone()),
                        owner: None,
                        days_since_owner_posted: None,
                        ok: false,
                    });
                    continue;
                };
                let days = index.get(&g.group_id).and_then(|&gi| days_since_posted(snap, gi, owner));
                let ok = days.is_some_and(|d| d < OWNER_ACTIVE_DAYS);
                out.push(ModeCheck {
                    kind: if ok { "owner_active" } else { "owner_silent" },
                    group: Some(g.group.clone()),
                    owner: g.owner.clone(),
                    days_since_owner_posted: days,
                    ok,
                });
            }
        }
        ManagementMode::Centralised => {
            for g in subs.iter().filter(|g| g.owner_id.is_some()) {
                out.push(ModeCheck {
                    kind: "owned_while_centralised",
                    group: Some(g.group.clone()),
                    owner: g.owner.clone(),
                    days_since_owner_posted: None,
                    ok: false,
                });
            }
        }
        ManagementMode::SelfGoverning | ManagementMode::Unmanaged => {}
    }
    out
}

/// Whole days from member `member`'s (store id) last message in group `g`
/// to the end of the group's history; `None` if they never posted there.
fn days_since_posted(snap: &Snapshot, g: usize, member: i64) -> Option<i64> {
    let end = snap.history_end(g)?;
    let msgs = &snap.messages;
    let last = snap.groups[g]
        .messages
        .clone()
        .rev()
        .find(|&i| snap.members[msgs.member[i] as usize].store_id == member)
        .map(|i| msgs.at_ms[i])?;
    Some((end - last) / 86_400_000)
}
