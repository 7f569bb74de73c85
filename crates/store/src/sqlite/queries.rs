//! What `tonghao groups`, `members`, `stats` and the import log read from SQLite.

use super::error::db;
use crate::error::StoreError;
use crate::types::{GroupSummary, ImportRecord, ImportStats, MemberSummary, TableCounts, rfc3339};
use rusqlite::{Connection, OptionalExtension, params};

/// The row id of the community named `community`, if it exists.
pub(crate) fn community_id(conn: &Connection, path: &str, community: &str) -> Result<Option<i64>, StoreError> {
    conn.query_row("SELECT id FROM communities WHERE name = ?1", [community], |r| r.get(0)).optional().map_err(db(path))
}

/// The row id of the community named `community`, or an error naming it and the database.
pub(crate) fn community_or_err(conn: &Connection, path: &str, community: &str) -> Result<i64, StoreError> {
    community_id(conn, path, community)?.ok_or_else(|| StoreError::no_community(community, path))
}

pub(crate) fn groups(conn: &Connection, path: &str, community: &str) -> Result<Vec<GroupSummary>, StoreError> {
    let Some(cid) = community_id(conn, path, community)? else { return Ok(Vec::new()) };
    let mut stmt = conn
        .prepare(
            "SELECT g.id, g.platform, g.external_id, g.name, g.tz_offset_s,
                    (SELECT count(*) FROM messages m WHERE m.group_id = g.id),
                    (SELECT min(at_ms) FROM messages m WHERE m.group_id = g.id),
                    (SELECT max(at_ms) FROM messages m WHERE m.group_id = g.id)
             FROM groups g WHERE g.community_id = ?1
             ORDER BY g.platform, g.name, g.external_id",
        )
        .map_err(db(path))?;
    let rows = stmt
        .query_map([cid], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i32>(4)?,
                r.get::<_, u64>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })
        .map_err(db(path))?;
    let mut out = Vec::new();
    for row in rows {
        let (gid, platform, external_id, name, tz, messages, first, last) = row.map_err(db(path))?;
        out.push(GroupSummary {
            platform,
            external_id,
            name,
            members: current_members(conn, path, gid)?,
            messages,
            first_message: first.map(|t| rfc3339(t, tz)),
            last_message: last.map(|t| rfc3339(t, tz)),
        });
    }
    Ok(out)
}

/// The one group of `community` whose external id or name is `group`: its
/// row id and offset; a clear error when none or several match.
pub(crate) fn find_group(
    conn: &Connection,
    path: &str,
    community: &str,
    group: &str,
) -> Result<(i64, i32), StoreError> {
    let cid = community_or_err(conn, path, community)?;
    let matches: Vec<(i64, i32)> = {
        let mut stmt = conn
            .prepare("SELECT id, tz_offset_s FROM groups WHERE community_id = ?1 AND (external_id = ?2 OR name = ?2)")
            .map_err(db(path))?;
        stmt.query_map(params![cid, group], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db(path))?
            .collect::<Result<_, _>>()
            .map_err(db(path))?
    };
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(StoreError::no_group(group, community)),
        _ => Err(StoreError::group_ambiguous(group, matches.len())),
    }
}

pub(crate) fn members(
    conn: &Connection,
    path: &str,
    community: &str,
    group: &str,
) -> Result<Vec<MemberSummary>, StoreError> {
    let (gid, tz) = find_group(conn, path, community, group)?;
    let mut stmt = conn
        .prepare(
            // One pass over the group's messages and memberships each
            // (GROUP BY), not a subquery per member: big groups have
            // thousands of members.
            "WITH said AS (
                 SELECT member_id, count(*) AS n, min(at_ms) AS first, max(at_ms) AS last
                 FROM messages WHERE group_id = ?1 GROUP BY member_id
             ),
             events AS (
                 SELECT member_id,
                        max(CASE WHEN kind = 'join' THEN at_ms END) AS joined,
                        max(CASE WHEN kind = 'leave' THEN at_ms END) AS left_at
                 FROM memberships WHERE group_id = ?1 GROUP BY member_id
             ),
             people AS (SELECT member_id FROM said UNION SELECT member_id FROM events)
             SELECT p.member_id, mb.display_name, mb.bot,
                    (SELECT group_concat(i.platform || ':' || i.external_id, ' ') FROM identities i
                      WHERE i.member_id = p.member_id AND i.external_id NOT LIKE '~%'),
                    coalesce(s.n, 0), s.first, s.last, e.joined, e.left_at,
                    (SELECT role FROM memberships r WHERE r.group_id = ?1 AND r.member_id = p.member_id
                       AND r.kind = 'role' ORDER BY at_ms DESC LIMIT 1)
             FROM people p
             JOIN members mb ON mb.id = p.member_id
             LEFT JOIN said s ON s.member_id = p.member_id
             LEFT JOIN events e ON e.member_id = p.member_id
             ORDER BY 5 DESC, 2",
        )
        .map_err(db(path))?;
    let rows = stmt
        .query_map([gid], |r| {
            let joined: Option<i64> = r.get(7)?;
            let left: Option<i64> = r.get(8)?;
            let ids: Option<String> = r.get(3)?;
            Ok(MemberSummary {
                member_id: r.get(0)?,
                name: r.get(1)?,
                bot: r.get(2)?,
                ids: ids.map(|s| s.split(' ').map(str::to_string).collect()).unwrap_or_default(),
                messages: r.get(4)?,
                first_message: r.get::<_, Option<i64>>(5)?.map(|t| rfc3339(t, tz)),
                last_message: r.get::<_, Option<i64>>(6)?.map(|t| rfc3339(t, tz)),
                joined: joined.map(|t| rfc3339(t, tz)),
                left: left.filter(|l| joined.is_none_or(|j| *l >= j)).map(|t| rfc3339(t, tz)),
                role: r.get::<_, Option<String>>(9)?.filter(|r| r != "member"),
            })
        })
        .map_err(db(path))?;
    rows.collect::<Result<_, _>>().map_err(db(path))
}

pub(crate) fn counts(conn: &Connection, path: &str) -> Result<TableCounts, StoreError> {
    let count = |table: &str| -> Result<u64, StoreError> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).map_err(db(path))
    };
    Ok(TableCounts {
        communities: count("communities")?,
        groups: count("groups")?,
        members: count("members")?,
        identities: count("identities")?,
        member_names: count("member_names")?,
        messages: count("messages")?,
        memberships: count("memberships")?,
        activities: count("activities")?,
    })
}

/// Members now: anyone who joined or posted, less those whose latest
/// membership event is a leave.
fn current_members(conn: &Connection, path: &str, gid: i64) -> Result<u64, StoreError> {
    conn.query_row(
        "WITH last_event AS (
                 SELECT member_id, kind FROM (
                     SELECT member_id, kind,
                            row_number() OVER (PARTITION BY member_id ORDER BY at_ms DESC, id DESC) AS rn
                     FROM memberships WHERE group_id = ?1 AND kind IN ('join', 'leave'))
                 WHERE rn = 1
             ),
             people AS (
                 SELECT DISTINCT member_id FROM messages WHERE group_id = ?1
                 UNION SELECT member_id FROM last_event
             )
             SELECT count(*) FROM people p LEFT JOIN last_event l ON l.member_id = p.member_id
             WHERE coalesce(l.kind, 'join') = 'join'",
        [gid],
        |r| r.get(0),
    )
    .map_err(db(path))
}

/// The import log, every community, oldest first.
pub(crate) fn imports(conn: &Connection, path: &str) -> Result<Vec<ImportRecord>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT i.id, c.name, i.source, i.format, i.at_ms, i.stats
             FROM imports i JOIN communities c ON c.id = i.community_id ORDER BY i.id",
        )
        .map_err(db(path))?;
    let rows = stmt
        .query_map([], |r| {
            let stats: String = r.get(5)?;
            Ok(ImportRecord {
                id: r.get(0)?,
                community: r.get(1)?,
                source: r.get(2)?,
                format: r.get(3)?,
                at_ms: r.get(4)?,
                // Written by this crate; an unreadable one (hand-edited) still lists.
                stats: serde_json::from_str::<ImportStats>(&stats).unwrap_or_default(),
            })
        })
        .map_err(db(path))?;
    rows.collect::<Result<_, _>>().map_err(db(path))
}
