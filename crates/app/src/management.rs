//! The community's management mode and group hierarchy (`tonghao mode
//! show|set|group`), checked against the history (`tonghao_ops::management`).

use crate::{AppError, Result};
use serde::Serialize;
use tonghao_model::records::{GroupPlace, Management, ManagementMode};
pub use tonghao_ops::management::{ModeCheck, Node};
use tonghao_ops::management::{check, tree};
use tonghao_store::{Store, StoreError};

/// Sets the mode.
pub fn set_mode(store: &dyn Store, community: &str, mode: ManagementMode, now_ms: i64) -> Result<()> {
    Ok(store.set_management_mode(community, mode, now_ms)?)
}

/// Sets a group's parent (`None`: a top group) and owner (`None`: none).
pub fn set_group(
    store: &dyn Store,
    community: &str,
    group: &str,
    parent: Option<&str>,
    owner: Option<&str>,
    now_ms: i64,
) -> Result<GroupPlace> {
    let blank = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let place = GroupPlace {
        group_id: 0,
        group: group.to_string(),
        parent_id: None,
        parent: blank(parent),
        owner_id: None,
        owner: blank(owner),
        updated_ms: now_ms,
    };
    Ok(store.set_group_place(community, &place)?)
}

/// The mode, the hierarchy and what the history says about them.
#[derive(Clone, Debug, Serialize)]
pub struct Shown {
    /// As stored.
    #[serde(flatten)]
    pub management: Management,
    /// Every group, top groups first, with their sub-groups.
    pub tree: Vec<Node>,
    /// The mode checked against the history.
    pub checks: Vec<ModeCheck>,
}

/// The mode and hierarchy, checked.
pub fn show(store: &dyn Store, community: &str) -> Result<Shown> {
    let management = store.management(community)?;
    let (groups, checks) = match store.snapshot(community, None, None) {
        Ok(snap) => (
            snap.groups.iter().map(|g| (g.store_id, g.label().to_string())).collect::<Vec<_>>(),
            check(&snap, &management),
        ),
        Err(StoreError::NotFound(_)) => (Vec::new(), Vec::new()),
        Err(e) => return Err(AppError::from(e)),
    };
    Ok(Shown { tree: tree(&groups, &management), checks, management })
}
