//! `imports undo`: what one import brought, taken back in one transaction.
//! The statements are the same on every backend; `$1` is the community's
//! row id and `$2` the import's (SQLite reads them as `?1`, `?2`).

use serde::Serialize;

/// What undoing an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportUndoStats {
    /// The import taken back.
    pub import_id: i64,
    /// Messages removed.
    pub messages: u64,
    /// Joins, leaves and role changes removed.
    pub memberships: u64,
    /// Recalls, check-ins, orders and reactions removed.
    pub activities: u64,
    /// Rows it brought that another import's file also held (a duplicate
    /// in the same group and span): kept, and now that import's.
    pub kept: u64,
    /// Groups left with nothing (no rows, no operators' records): removed.
    pub groups: u64,
}

/// The tables whose rows record the import that first brought them.
pub(crate) const TABLES: [&str; 3] = ["messages", "memberships", "activities"];

/// Hands the import's rows that another import's file also covered (same
/// group, within its span, with duplicates there) to the earliest such.
pub(crate) fn pass_on(table: &str) -> String {
    let other = format!(
        "FROM import_groups ig WHERE ig.community_id = $1 AND ig.group_id = {table}.group_id
           AND ig.import_id <> $2 AND ig.duplicates > 0 AND {table}.at_ms BETWEEN ig.first_ms AND ig.last_ms"
    );
    format!(
        "UPDATE {table} SET import_id = (SELECT min(ig.import_id) {other})
         WHERE community_id = $1 AND import_id = $2 AND EXISTS (SELECT 1 {other})"
    )
}

/// Removes the import's remaining rows.
pub(crate) fn remove(table: &str) -> String {
    format!("DELETE FROM {table} WHERE community_id = $1 AND import_id = $2")
}

/// The groups the import touched (before its `import_groups` rows go).
pub(crate) const GROUPS: &str = "SELECT group_id FROM import_groups WHERE community_id = $1 AND import_id = $2";

/// The import's log entry (its `import_groups` rows go with it).
pub(crate) const FORGET: &str = "DELETE FROM imports WHERE community_id = $1 AND id = $2";

/// After the rows went, per touched group (`$2` is now the group): names
/// no row of the group uses any more, the group itself when nothing of it
/// is left, else its coverage from the imports that remain (unless rows
/// from before imports were recorded remain: their span is unknown).
pub(crate) const TIDY_GROUP: [&str; 3] = [
    "DELETE FROM member_names WHERE community_id = $1 AND group_id = $2
       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.community_id = $1 AND m.group_id = $2 AND m.member_id = member_names.member_id)
       AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = $1 AND m.group_id = $2 AND m.member_id = member_names.member_id)
       AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.community_id = $1 AND a.group_id = $2 AND a.member_id = member_names.member_id)",
    "DELETE FROM groups WHERE community_id = $1 AND id = $2
       AND NOT EXISTS (SELECT 1 FROM messages WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM memberships WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM activities WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM planned_activities WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM checkin_marks WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM tasks WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM points WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM group_owners WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM groups WHERE community_id = $1 AND parent_id = $2)",
    "UPDATE group_coverage SET
         first_ms = (SELECT min(first_ms) FROM import_groups WHERE community_id = $1 AND group_id = $2),
         last_ms = (SELECT max(last_ms) FROM import_groups WHERE community_id = $1 AND group_id = $2)
     WHERE community_id = $1 AND group_id = $2
       AND EXISTS (SELECT 1 FROM import_groups WHERE community_id = $1 AND group_id = $2)
       AND NOT EXISTS (SELECT 1 FROM messages WHERE community_id = $1 AND group_id = $2 AND import_id IS NULL)
       AND NOT EXISTS (SELECT 1 FROM memberships WHERE community_id = $1 AND group_id = $2 AND import_id IS NULL)",
];

/// The community's data changed: cached console pages are stale.
pub(crate) const BUMP: &str = "UPDATE communities SET generation = generation + 1 WHERE id = $1";

/// A statement written for PostgreSQL, as SQLite reads it.
pub(crate) fn sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}
