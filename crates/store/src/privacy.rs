//! One person's data: export everything stored about them, or delete it.
//!
//! A member reference is the store's member id (`tonghao members --json`
//! shows `member_id`) or `platform:external_id` (`wechat:wxid_abc`).
//!
//! Deleting removes, in one transaction, the member row and everything that
//! is theirs: messages, joins/leaves/roles, activities, orders imported
//! from files, check-ins recorded by hand, names, identities.
//! Other people's rows that merely point at them are kept and unlinked: the
//! inviter/remover of someone else's join or leave becomes unknown (NULL), and
//! their entries are taken out of the structured mention lists of other
//! people's messages. Decisions about next moves that are theirs go, as does
//! a decided introduction that names them; a decided split's proposed
//! groups lose them. Free text is never rewritten: their name may still
//! appear inside other people's message texts (an `@name`, a quote), because
//! a name in prose cannot be told apart from the same word used otherwise.
//!
//! Their identities (and `~name:<group>:<name>` for every name they used in a
//! group) are recorded in `suppressed_identities`, so a later import of the
//! same export skips their events (counted as `suppressed`) instead of
//! bringing them back; that list is the one thing kept about them.
//!
//! This module holds what every backend returns; the SQL is in
//! `sqlite/privacy.rs`.

use serde::Serialize;
use std::collections::HashSet;

/// Everything the store holds about one member, as `tonghao member export`
/// writes it. Times are RFC 3339 in the group's UTC offset.
#[derive(Clone, Debug, Serialize)]
pub struct MemberExport {
    /// The community the member belongs to.
    pub community: String,
    /// When this export was made (UTC).
    pub exported_at: String,
    /// The member row.
    pub member: ExportedMember,
    /// Every platform identity. Provisional ones (`~name:<group>:<name>`:
    /// people first known only by a name in a system line) are marked.
    pub identities: Vec<ExportedIdentity>,
    /// Every name they used, per group, with the first and last time seen.
    pub names: Vec<ExportedName>,
    /// The groups they appear in (posted, joined, left, named, acted).
    pub groups: Vec<ExportedGroup>,
    /// Every message they sent, oldest first.
    pub messages: Vec<ExportedMessage>,
    /// Their joins, leaves and role changes, and those of others where they
    /// were the inviter, remover or role giver (`as` = `"by"`).
    pub memberships: Vec<ExportedMembership>,
    /// Their recalls, check-ins, orders and reactions.
    pub activities: Vec<ExportedActivity>,
    /// The team's notes about them.
    pub notes: Vec<crate::types::MemberNote>,
    /// Orders imported from files under any of their identities.
    pub orders: Vec<ExportedOrder>,
    /// Check-ins, make-ups and leave days recorded by hand.
    pub checkin_marks: Vec<ExportedCheckinMark>,
    /// The team's tasks about them (following them up, say).
    pub tasks: Vec<tonghao_model::records::Task>,
    /// Points given to them by hand (points by rule follow from the data above).
    pub points: Vec<tonghao_model::records::PointsEntry>,
    /// Entries of the resource library that are them (a host or a guest).
    pub resources: Vec<tonghao_model::records::Resource>,
    /// The groups they are recorded as the owner of.
    pub group_owner_of: Vec<tonghao_model::records::GroupPlace>,
    /// Other people's messages whose structured mention list names them (the
    /// messages themselves are the other people's data and not included).
    /// `None` in a [`crate::Privacy::member_record`], which does not scan for
    /// them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentioned_in: Option<u64>,
}

/// The member row.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedMember {
    /// The store's id (stable within this database).
    pub member_id: i64,
    /// The latest name seen anywhere.
    pub display_name: String,
    /// Marked as a bot by an export.
    pub bot: bool,
}

/// One platform account of the member.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedIdentity {
    /// Platform name.
    pub platform: String,
    /// Their id on the platform.
    pub external_id: String,
    /// A name-only stand-in (`~name:<group>:<name>`), not a platform id.
    pub provisional: bool,
}

/// A name used in one group.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedName {
    /// The group's id on its platform.
    pub group: String,
    /// The name.
    pub name: String,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
}

/// A group the member appears in.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedGroup {
    /// Platform name.
    pub platform: String,
    /// The group's id on its platform (what the other rows' `group` names).
    pub external_id: String,
    /// Its latest name.
    pub name: Option<String>,
    /// False when their latest recorded join or leave there is a leave.
    pub member_now: bool,
}

/// One message they sent.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedMessage {
    /// The group's id on its platform.
    pub group: String,
    /// When it was sent.
    pub at: String,
    /// The source's message id, or a content hash (`h:...`).
    pub key: String,
    /// text, image, voice, … (see `ContentType`).
    pub content_type: String,
    /// The text (or a placeholder for media).
    pub text: String,
    /// The key of the message it replies to or quotes.
    pub reply_to: Option<String>,
    /// Whom it mentions, as the source gave them.
    pub mentions: Option<serde_json::Value>,
    /// When it was last edited.
    pub edited_at: Option<String>,
    /// Sent as a bot.
    pub bot: bool,
    /// Its text was dropped by the community's retention (`text` is empty,
    /// not an empty message). Left out when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

/// A join, leave or role change.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedMembership {
    /// The group's id on its platform.
    pub group: String,
    /// `join`, `leave` or `role`.
    pub kind: String,
    /// When.
    pub at: String,
    /// The role given (role changes).
    pub role: Option<String>,
    /// `"member"`: this happened to them; `"by"`: they did it to someone else
    /// (invited, removed, gave a role).
    #[serde(rename = "as")]
    pub as_: String,
    /// The other person's store id: who did it (as member), or to whom (as by).
    pub other_member_id: Option<i64>,
}

/// A recall, check-in, order or reaction.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedActivity {
    /// The group's id on its platform.
    pub group: String,
    /// `recall`, `checkin`, `order` or `reaction`.
    pub kind: String,
    /// When.
    pub at: String,
    /// The message recalled or reacted to.
    pub target: Option<String>,
    /// The rest (challenge and day, amount and item, emoji).
    pub data: serde_json::Value,
}

/// An order imported from a file (`tonghao orders import`).
#[derive(Clone, Debug, Serialize)]
pub struct ExportedOrder {
    /// The buyer as the file named them (`platform:id`).
    pub buyer: String,
    /// When (UTC).
    pub at: String,
    /// Amount in fen (分).
    pub amount_fen: i64,
    /// What was bought.
    pub product: String,
    /// The group the file credited it to, as written.
    pub group: Option<String>,
}

/// A check-in, make-up or leave day recorded by hand (`tonghao checkin add`).
#[derive(Clone, Debug, Serialize)]
pub struct ExportedCheckinMark {
    /// The group's id on its platform.
    pub group: String,
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// `checkin`, `makeup` or `leave`.
    pub kind: String,
}

/// What `group_delete` removed: the group and its rows per table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupDeleteStats {
    /// The group's store id.
    pub group_id: i64,
    /// Messages.
    pub messages: u64,
    /// Joins, leaves and role changes.
    pub memberships: u64,
    /// Recalls, check-ins, orders and reactions.
    pub activities: u64,
    /// Names members used in the group.
    pub member_names: u64,
    /// Activities planned in it.
    pub planned_activities: u64,
    /// Check-ins, make-ups and leave days recorded by hand in it.
    pub checkin_marks: u64,
}

/// What `member_delete` removed (or, previewed, would remove): rows per table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeleteStats {
    /// The store id of the member deleted.
    pub member_id: i64,
    /// Member rows (1).
    pub members: u64,
    /// Identities (platform accounts, provisional ones included).
    pub identities: u64,
    /// Names per group.
    pub member_names: u64,
    /// Messages they sent.
    pub messages: u64,
    /// Their joins, leaves and role changes.
    pub memberships: u64,
    /// Their recalls, check-ins, orders and reactions.
    pub activities: u64,
    /// The team's notes about them.
    pub notes: u64,
    /// Orders imported from files under any of their identities.
    pub orders: u64,
    /// Check-ins, make-ups and leave days recorded by hand.
    pub checkin_marks: u64,
    /// The team's tasks about them.
    pub tasks: u64,
    /// Points given to them by hand.
    pub points: u64,
    /// Entries of the resource library that are them (a host or a guest).
    pub resources: u64,
    /// Groups they were recorded as the owner of (the groups stay, ownerless).
    pub group_owners: u64,
    /// Other people's joins/leaves/roles where they were the inviter, remover
    /// or role giver: kept, with that link set to unknown.
    pub inviter_links_cleared: u64,
    /// Entries naming them removed from other people's mention lists.
    pub mentions_removed: u64,
    /// Identities and names added to the suppression list, so re-imports skip them.
    pub suppressed: u64,
}

/// What an expired message keeps of its text: its length in characters and
/// its text flags (the bot flag is the row's own, added when read).
pub(crate) fn kept_of(text: &str) -> (u32, u8) {
    (text.chars().count().min(u32::MAX as usize) as u32, tonghao_model::snapshot::text_flags(text, false))
}

/// Messages whose text is dropped per statement batch.
pub(crate) const EXPIRE_BATCH: i64 = 10_000;

/// What erasing `member` does to a decision's evidence
/// ([`tonghao_model::decision::DecidedEvidence`], stored as JSON): `None`
/// when the decision is about them too (an introduction naming them: it
/// goes, as the decisions whose member they are go), else `Some` of the
/// evidence without them (a split's proposed groups lose them) when they
/// were in it; `Some(None)` leaves it as it is. Their messages' ids (an
/// unanswered question, ad posts) are only ever in decisions that are
/// theirs, which go with them.
pub(crate) fn evidence_without(json: &str, member: i64) -> Option<Option<String>> {
    let mut evidence = tonghao_model::decision::DecidedEvidence::from_json(json);
    if evidence.members.contains(&member) {
        return None;
    }
    if !evidence.groups.iter().any(|g| g.contains(&member)) {
        return Some(None);
    }
    for g in &mut evidence.groups {
        g.retain(|&m| m != member);
    }
    Some(Some(evidence.to_json()))
}

/// A mention list (JSON) without the entries that name a member: an entry
/// names them when its id is one of their `ids` (platform, external id) on
/// the group's `platform`, or, having no id, its name is one they used in
/// `group` (`names`: (group, name)). `None` when no entry names them (or the
/// list is not a JSON array: never written so, left alone); else the new list
/// (`None` when empty) and how many entries went.
pub(crate) fn mentions_without(
    json: &str,
    platform: &str,
    group: i64,
    ids: &HashSet<(String, String)>,
    names: &HashSet<(i64, String)>,
) -> Option<(Option<String>, u64)> {
    let list = serde_json::from_str::<Vec<serde_json::Value>>(json).ok()?;
    let before = list.len();
    let kept: Vec<_> = list
        .into_iter()
        .filter(|e| {
            let names_them = match e.get("id").and_then(|v| v.as_str()) {
                Some(ext) => ids.contains(&(platform.to_string(), ext.to_string())),
                None => e.get("name").and_then(|v| v.as_str()).is_some_and(|n| names.contains(&(group, n.to_string()))),
            };
            !names_them
        })
        .collect();
    if kept.len() == before {
        return None;
    }
    let removed = (before - kept.len()) as u64;
    let new = (!kept.is_empty()).then(|| serde_json::Value::Array(kept).to_string());
    Some((new, removed))
}
