//! One person's data in SQLite: export everything stored about them, or
//! delete it. What is and is not touched, and why, is documented once in
//! `crate::privacy`; this module is the SQL.
//!
//! A member reference is the store's member id (`tonghao members --json`
//! shows `member_id`) or `platform:external_id` (`wechat:wxid_abc`).

use super::error::db;
use crate::error::StoreError;
use crate::privacy::{
    DeleteStats, ExportedActivity, ExportedCheckinMark, ExportedGroup, ExportedIdentity, ExportedMember,
    ExportedMembership, ExportedMessage, ExportedName, ExportedOrder, MemberExport, mentions_without,
};
use crate::types::{MemberNote, rfc3339};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The member a reference names in community `cid`.
pub(crate) fn resolve(
    conn: &Connection,
    path: &str,
    cid: i64,
    community: &str,
    member_ref: &str,
) -> Result<i64, StoreError> {
    let db = db(path);
    let found: Option<i64> = if !member_ref.is_empty() && member_ref.bytes().all(|b| b.is_ascii_digit()) {
        match member_ref.parse::<i64>() {
            Ok(id) => conn
                .query_row("SELECT id FROM members WHERE id = ?1 AND community_id = ?2", params![id, cid], |r| r.get(0))
                .optional()
                .map_err(&db)?,
            Err(_) => None,
        }
    } else if let Some((platform, ext)) = member_ref.split_once(':') {
        conn.query_row(
            "SELECT member_id FROM identities WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3",
            params![cid, platform, ext],
            |r| r.get(0),
        )
        .optional()
        .map_err(&db)?
    } else {
        None
    };
    if let Some(id) = found {
        return Ok(id);
    }
    let deleted: Option<i64> = match member_ref.split_once(':') {
        Some((platform, ext)) => conn
            .query_row(
                "SELECT suppressed_ms FROM suppressed_identities WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3",
                params![cid, platform, ext],
                |r| r.get(0),
            )
            .optional()
            .map_err(&db)?,
        None => None,
    };
    Err(StoreError::no_member(member_ref, community, deleted.map(|ms| rfc3339(ms, 0))))
}

struct GroupRow {
    platform: String,
    external_id: String,
    name: Option<String>,
    tz: i32,
}

fn groups(conn: &Connection, cid: i64) -> rusqlite::Result<HashMap<i64, GroupRow>> {
    let mut stmt =
        conn.prepare("SELECT id, platform, external_id, name, tz_offset_s FROM groups WHERE community_id = ?1")?;
    let rows = stmt.query_map([cid], |r| {
        Ok((r.get(0)?, GroupRow { platform: r.get(1)?, external_id: r.get(2)?, name: r.get(3)?, tz: r.get(4)? }))
    })?;
    rows.collect()
}

/// Other people's messages whose mention lists name `member`: (message id,
/// the list without them (NULL when empty), entries removed). An entry names
/// them when its id is one of their ids on the group's platform, or, having
/// no id, its name is one they used in that group.
fn mention_edits(conn: &Connection, cid: i64, member: i64) -> rusqlite::Result<Vec<(i64, Option<String>, u64)>> {
    let mut ids: HashSet<(String, String)> = HashSet::new();
    {
        let mut stmt = conn.prepare("SELECT platform, external_id FROM identities WHERE member_id = ?1")?;
        for row in stmt.query_map([member], |r| Ok((r.get(0)?, r.get(1)?)))? {
            ids.insert(row?);
        }
    }
    let mut names: HashSet<(i64, String)> = HashSet::new();
    {
        let mut stmt = conn.prepare("SELECT group_id, name FROM member_names WHERE member_id = ?1")?;
        for row in stmt.query_map([member], |r| Ok((r.get(0)?, r.get(1)?)))? {
            names.insert(row?);
        }
    }
    // `+m.community_id`: read the table in order rather than through the
    // community index, which fetched each of a community's rows at random
    // (7.6 s instead of 1.2 s over 9.9 million messages; the console's
    // member page waited 15 s for it).
    let mut stmt = conn.prepare(
        "SELECT m.id, m.group_id, g.platform, m.mentions FROM messages m JOIN groups g ON g.id = m.group_id
         WHERE +m.community_id = ?1 AND m.mentions IS NOT NULL AND m.member_id <> ?2",
    )?;
    let rows = stmt.query_map(params![cid, member], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, group, platform, json) = row?;
        if let Some((new, removed)) = mentions_without(&json, &platform, group, &ids, &names) {
            out.push((id, new, removed));
        }
    }
    Ok(out)
}

/// Everything stored about the member `member_ref` names.
pub(crate) fn export(
    conn: &Connection,
    path: &str,
    cid: i64,
    community: &str,
    member_ref: &str,
    count_mentions: bool,
) -> Result<MemberExport, StoreError> {
    let member = resolve(conn, path, cid, community, member_ref)?;
    export_member(conn, cid, community, member, count_mentions).map_err(db(path))
}

fn export_member(
    conn: &Connection,
    cid: i64,
    community: &str,
    member: i64,
    count_mentions: bool,
) -> rusqlite::Result<MemberExport> {
    let groups = groups(conn, cid)?;
    let group = |id: i64| groups.get(&id).map(|g| g.external_id.clone()).unwrap_or_default();
    let at = |id: i64, ms: i64| rfc3339(ms, groups.get(&id).map_or(0, |g| g.tz));
    let mut seen: BTreeSet<i64> = BTreeSet::new();

    let row = conn.query_row("SELECT display_name, bot FROM members WHERE id = ?1", [member], |r| {
        Ok(ExportedMember { member_id: member, display_name: r.get(0)?, bot: r.get(1)? })
    })?;

    let identities = conn
        .prepare("SELECT platform, external_id FROM identities WHERE member_id = ?1 ORDER BY platform, external_id")?
        .query_map([member], |r| {
            let external_id: String = r.get(1)?;
            Ok(ExportedIdentity { platform: r.get(0)?, provisional: external_id.starts_with("~name:"), external_id })
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let mut names = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT group_id, name, first_ms, last_ms FROM member_names WHERE member_id = ?1 ORDER BY first_ms, name",
        )?;
        let rows = stmt.query_map([member], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?;
        for row in rows {
            let (g, name, first, last) = row?;
            seen.insert(g);
            names.push(ExportedName { group: group(g), name, first_seen: at(g, first), last_seen: at(g, last) });
        }
    }

    let mut messages = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT group_id, at_ms, key, content_type, text, reply_to, mentions, edited_ms, bot, expired_ms IS NOT NULL
             FROM messages WHERE member_id = ?1 ORDER BY at_ms, id",
        )?;
        let rows = stmt.query_map([member], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<i64>>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, bool>(9)?,
            ))
        })?;
        for row in rows {
            let (g, ms, key, content_type, text, reply_to, mentions, edited, bot, expired) = row?;
            seen.insert(g);
            messages.push(ExportedMessage {
                group: group(g),
                at: at(g, ms),
                key,
                content_type,
                text,
                reply_to,
                mentions: mentions.map(|m| serde_json::from_str(&m).unwrap_or(serde_json::Value::String(m))),
                edited_at: edited.map(|e| at(g, e)),
                bot,
                expired,
            });
        }
    }

    let mut memberships = Vec::new();
    // Their latest join/leave per group, for `member_now`.
    let mut latest: HashMap<i64, (i64, bool)> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT group_id, kind, at_ms, role, member_id, by_member_id FROM memberships
             WHERE member_id = ?1 OR by_member_id = ?1 ORDER BY at_ms, id",
        )?;
        let rows = stmt.query_map([member], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<i64>>(5)?,
            ))
        })?;
        for row in rows {
            let (g, kind, ms, role, subject, by) = row?;
            let theirs = subject == member;
            if theirs {
                seen.insert(g);
                if kind != "role" && latest.get(&g).is_none_or(|(t, _)| ms >= *t) {
                    latest.insert(g, (ms, kind == "leave"));
                }
            }
            memberships.push(ExportedMembership {
                group: group(g),
                kind,
                at: at(g, ms),
                role,
                as_: if theirs { "member" } else { "by" }.to_string(),
                other_member_id: if theirs { by } else { Some(subject) },
            });
        }
    }

    let mut activities = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT group_id, kind, at_ms, target, data FROM activities WHERE member_id = ?1 ORDER BY at_ms, id",
        )?;
        let rows = stmt.query_map([member], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (g, kind, ms, target, data) = row?;
            seen.insert(g);
            activities.push(ExportedActivity {
                group: group(g),
                kind,
                at: at(g, ms),
                target,
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)),
            });
        }
    }

    let orders = conn
        .prepare(
            "SELECT o.platform, o.external_id, o.at_ms, o.amount_fen, o.product, o.group_ref FROM orders o
             WHERE o.community_id = ?2 AND (o.platform, o.external_id) IN
                 (SELECT platform, external_id FROM identities WHERE member_id = ?1)
             ORDER BY o.at_ms, o.key",
        )?
        .query_map(params![member, cid], |r| {
            Ok(ExportedOrder {
                buyer: format!("{}:{}", r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                at: rfc3339(r.get(2)?, 0),
                amount_fen: r.get(3)?,
                product: r.get(4)?,
                group: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let mut checkin_marks = Vec::new();
    {
        let mut stmt =
            conn.prepare("SELECT group_id, day, kind FROM checkin_marks WHERE member_id = ?1 ORDER BY day, group_id")?;
        let rows =
            stmt.query_map([member], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        for row in rows {
            let (g, day, kind) = row?;
            seen.insert(g);
            checkin_marks.push(ExportedCheckinMark { group: group(g), day, kind });
        }
    }

    let groups_in = seen
        .iter()
        .filter_map(|g| {
            groups.get(g).map(|row| ExportedGroup {
                platform: row.platform.clone(),
                external_id: row.external_id.clone(),
                name: row.name.clone(),
                member_now: !latest.get(g).is_some_and(|(_, left)| *left),
            })
        })
        .collect();

    let mentioned_in = if count_mentions { Some(mention_edits(conn, cid, member)?.len() as u64) } else { None };
    let notes = notes(conn, member)?;
    let mut tasks = super::ops::tasks(conn, cid)?;
    tasks.retain(|t| t.member_id == Some(member));
    let mut points = super::ops::points(conn, cid)?;
    points.retain(|p| p.member_id == member);
    let mut resources = super::ops::resources(conn, cid)?;
    resources.retain(|r| r.member_id == Some(member));
    let mut group_owner_of = super::ops::management(conn, cid)?.groups;
    group_owner_of.retain(|g| g.owner_id == Some(member));
    Ok(MemberExport {
        community: community.to_string(),
        exported_at: Utc::now().to_rfc3339(),
        member: row,
        identities,
        names,
        groups: groups_in,
        messages,
        memberships,
        activities,
        notes,
        orders,
        checkin_marks,
        tasks,
        points,
        resources,
        group_owner_of,
        mentioned_in,
    })
}

/// Deletes the member `member_ref` names and everything theirs, in one
/// transaction; with `commit` false, only counts (the transaction is rolled back).
pub(crate) fn delete(
    conn: &Connection,
    path: &str,
    cid: i64,
    community: &str,
    member_ref: &str,
    commit: bool,
) -> Result<DeleteStats, StoreError> {
    let db = db(path);
    // Foreign keys are on (outside imports), so the deletes below are checked;
    // dropping `tx` on any error rolls everything back.
    let tx = conn.unchecked_transaction().map_err(&db)?;
    let member = resolve(&tx, path, cid, community, member_ref)?;
    let stats = delete_member(&tx, cid, member).map_err(&db)?;
    if commit {
        tx.commit().map_err(&db)?;
    }
    Ok(stats)
}

fn delete_member(tx: &Connection, cid: i64, member: i64) -> rusqlite::Result<DeleteStats> {
    let now = Utc::now().timestamp_millis();
    let mut stats = DeleteStats { member_id: member, ..Default::default() };
    // First what needs their identities and names: the suppression list and
    // the mention lists of other people's messages.
    stats.suppressed = tx.execute(
        "INSERT OR IGNORE INTO suppressed_identities (community_id, platform, external_id, suppressed_ms)
         SELECT ?2, platform, external_id, ?3 FROM identities WHERE member_id = ?1",
        params![member, cid, now],
    )? as u64;
    stats.suppressed += tx.execute(
        "INSERT OR IGNORE INTO suppressed_identities (community_id, platform, external_id, suppressed_ms)
         SELECT ?2, g.platform, '~name:' || g.external_id || ':' || n.name, ?3
         FROM member_names n JOIN groups g ON g.id = n.group_id WHERE n.member_id = ?1",
        params![member, cid, now],
    )? as u64;
    for (id, mentions, removed) in mention_edits(tx, cid, member)? {
        tx.execute("UPDATE messages SET mentions = ?1 WHERE id = ?2", params![mentions, id])?;
        stats.mentions_removed += removed;
    }
    // Orders imported from files name them by identity, not by member id.
    stats.orders = tx.execute(
        "DELETE FROM orders WHERE community_id = ?2 AND (platform, external_id) IN
             (SELECT platform, external_id FROM identities WHERE member_id = ?1)",
        params![member, cid],
    )? as u64;
    stats.inviter_links_cleared =
        tx.execute("UPDATE memberships SET by_member_id = NULL WHERE by_member_id = ?1", [member])? as u64;
    // Other decisions' evidence that names them (the decisions whose member
    // they are go by the foreign key's cascade).
    let evidence: Vec<(String, String)> = tx
        .prepare("SELECT move_id, evidence FROM move_decisions WHERE community_id = ?1 AND evidence <> '{}'")?
        .query_map([cid], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (move_id, json) in evidence {
        match crate::privacy::evidence_without(&json, member) {
            None => tx.execute(
                "DELETE FROM move_decisions WHERE community_id = ?1 AND move_id = ?2",
                params![cid, move_id],
            )?,
            Some(Some(kept)) => tx.execute(
                "UPDATE move_decisions SET evidence = ?3 WHERE community_id = ?1 AND move_id = ?2",
                params![cid, move_id, kept],
            )?,
            Some(None) => 0,
        };
    }
    stats.messages = tx.execute("DELETE FROM messages WHERE member_id = ?1", [member])? as u64;
    stats.memberships = tx.execute("DELETE FROM memberships WHERE member_id = ?1", [member])? as u64;
    stats.activities = tx.execute("DELETE FROM activities WHERE member_id = ?1", [member])? as u64;
    stats.checkin_marks = tx.execute("DELETE FROM checkin_marks WHERE member_id = ?1", [member])? as u64;
    stats.tasks = tx.execute("DELETE FROM tasks WHERE member_id = ?1", [member])? as u64;
    stats.points = tx.execute("DELETE FROM points WHERE member_id = ?1", [member])? as u64;
    stats.resources = tx.execute("DELETE FROM resources WHERE member_id = ?1", [member])? as u64;
    stats.group_owners = tx.execute("DELETE FROM group_owners WHERE member_id = ?1", [member])? as u64;
    stats.member_names = tx.execute("DELETE FROM member_names WHERE member_id = ?1", [member])? as u64;
    stats.notes = tx.execute("DELETE FROM member_notes WHERE member_id = ?1", [member])? as u64;
    stats.identities = tx.execute("DELETE FROM identities WHERE member_id = ?1", [member])? as u64;
    stats.members = tx.execute("DELETE FROM members WHERE id = ?1", [member])? as u64;
    // Cached console pages may quote their messages (computed again on demand).
    tx.execute("DELETE FROM report_pages WHERE community_id = ?1", [cid])?;
    Ok(stats)
}

/// The suppression list of community `cid`: (platform, external id).
pub(crate) fn suppressed(conn: &Connection, cid: i64) -> rusqlite::Result<HashSet<(String, String)>> {
    let mut stmt = conn.prepare("SELECT platform, external_id FROM suppressed_identities WHERE community_id = ?1")?;
    let rows = stmt.query_map([cid], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The team's notes about `member`, oldest first.
pub(crate) fn notes(conn: &Connection, member: i64) -> rusqlite::Result<Vec<MemberNote>> {
    let mut stmt =
        conn.prepare("SELECT id, author, at_ms, text FROM member_notes WHERE member_id = ?1 ORDER BY at_ms, id")?;
    let rows = stmt.query_map([member], |r| {
        Ok(MemberNote { id: r.get(0)?, member_id: member, author: r.get(1)?, at_ms: r.get(2)?, text: r.get(3)? })
    })?;
    rows.collect()
}

/// Drops the text of community `cid`'s messages sent before `before_ms`,
/// keeping their figures (see [`crate::Privacy::expire_texts`]), in one
/// transaction, reading in batches by row id.
pub(crate) fn expire(conn: &Connection, path: &str, cid: i64, before_ms: i64) -> Result<u64, StoreError> {
    let db = db(path);
    let tx = conn.unchecked_transaction().map_err(&db)?;
    let now = Utc::now().timestamp_millis();
    let mut done = 0u64;
    let mut after = i64::MIN;
    {
        let mut read = tx
            .prepare(
                "SELECT id, text FROM messages WHERE community_id = ?1 AND at_ms < ?2 AND expired_ms IS NULL
                 AND id > ?3 ORDER BY id LIMIT ?4",
            )
            .map_err(&db)?;
        let mut update = tx
            .prepare("UPDATE messages SET text = '', expired_ms = ?2, kept_chars = ?3, kept_flags = ?4 WHERE id = ?1")
            .map_err(&db)?;
        loop {
            let rows: Vec<(i64, String)> = read
                .query_map(params![cid, before_ms, after, crate::privacy::EXPIRE_BATCH], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&db)?
                .collect::<Result<_, _>>()
                .map_err(&db)?;
            let Some(&(last, _)) = rows.last() else { break };
            for (id, text) in &rows {
                let (chars, flags) = crate::privacy::kept_of(text);
                update.execute(params![id, now, chars, flags]).map_err(&db)?;
            }
            done += rows.len() as u64;
            after = last;
        }
    }
    if done > 0 {
        // Cached console pages may quote the texts; they are computed again.
        tx.execute("DELETE FROM report_pages WHERE community_id = ?1", [cid]).map_err(&db)?;
        tx.execute("UPDATE communities SET generation = generation + 1 WHERE id = ?1", [cid]).map_err(&db)?;
    }
    tx.commit().map_err(&db)?;
    Ok(done)
}
