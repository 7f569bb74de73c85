//! What the store takes in and gives out: plain data, the same for every backend.

use crate::error::FeedError;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use tonghao_model::EventSink;

/// Feeds one file's events into an import; returns the format's name, or
/// `None` if it recognised nothing to import (nothing of it is kept).
pub type Feed<'a> = dyn FnMut(&mut dyn EventSink) -> Result<Option<String>, FeedError> + 'a;

/// What one import added. Everything counted here was new; the rest were
/// duplicates of rows already stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportStats {
    /// The format that read the file, if it was read.
    pub format: Option<String>,
    /// Events the source produced.
    pub events: u64,
    /// New messages.
    pub messages: u64,
    /// New messages that reply to or quote another.
    pub replies: u64,
    /// New members (people not seen before in this community).
    pub members: u64,
    /// New groups.
    pub groups: u64,
    /// New joins.
    pub joins: u64,
    /// New leaves (including removals).
    pub leaves: u64,
    /// New role changes.
    pub roles: u64,
    /// New recalls, check-ins, orders and reactions.
    pub activities: u64,
    /// Events already stored (same natural key), skipped.
    pub duplicates: u64,
    /// Events by deleted members (`tonghao member delete`), skipped.
    pub suppressed: u64,
}

/// A group as `tonghao groups` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    /// Platform name.
    pub platform: String,
    /// The group's id on its platform.
    pub external_id: String,
    /// Its latest name.
    pub name: Option<String>,
    /// Members now: joined and not left; where joins are unknown, anyone who posted.
    pub members: u64,
    /// Messages stored.
    pub messages: u64,
    /// First message (RFC 3339, in the group's offset).
    pub first_message: Option<String>,
    /// Last message.
    pub last_message: Option<String>,
}

/// A member of one group as `tonghao members` lists them.
#[derive(Clone, Debug, Serialize)]
pub struct MemberSummary {
    /// The store's member id (stable within this database).
    pub member_id: i64,
    /// Latest name.
    pub name: String,
    /// Platform ids (provisional, name-only identities excluded).
    pub ids: Vec<String>,
    /// Messages in this group.
    pub messages: u64,
    /// First message in this group.
    pub first_message: Option<String>,
    /// Last message in this group.
    pub last_message: Option<String>,
    /// Latest join, if recorded.
    pub joined: Option<String>,
    /// Latest leave after that join, if any.
    pub left: Option<String>,
    /// Current role, if any was recorded.
    pub role: Option<String>,
    /// Marked as a bot by the export.
    pub bot: bool,
}

/// Row counts per table, for tests and `tonghao stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct TableCounts {
    pub communities: u64,
    pub groups: u64,
    pub members: u64,
    pub identities: u64,
    pub member_names: u64,
    pub messages: u64,
    pub memberships: u64,
    pub activities: u64,
}

/// One row of the import log: a file (or folder export) that added something.
#[derive(Clone, Debug, Serialize)]
pub struct ImportRecord {
    /// The log's id for it (increasing).
    pub id: i64,
    /// The community it went into.
    pub community: String,
    /// The label the importer gave (usually the file's path).
    pub source: String,
    /// The format that read it.
    pub format: String,
    /// When it was imported (UTC milliseconds).
    pub at_ms: i64,
    /// What it added, as recorded then.
    pub stats: ImportStats,
}

/// Milliseconds since the epoch, shown in the group's offset.
pub(crate) fn rfc3339(ms: i64, tz_offset_s: i32) -> String {
    let tz = FixedOffset::east_opt(tz_offset_s).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz).to_rfc3339()).unwrap_or_default()
}

/// A note the team wrote about a member.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberNote {
    /// Store id.
    pub id: i64,
    /// The member's store id.
    pub member_id: i64,
    /// Who wrote it (a console user, or `cli`).
    pub author: String,
    /// When, UTC ms.
    pub at_ms: i64,
    /// The note.
    pub text: String,
}
