//! What `tonghao groups`, `members`, `stats` and the import log read from
//! PostgreSQL. Texts sort byte-wise (`COLLATE "C"`), NULL first, as SQLite
//! sorts them, whatever the server's locale.

use super::error::db;
use crate::error::StoreError;
use crate::types::{GroupSummary, ImportRecord, ImportStats, MemberSummary, TableCounts, rfc3339};
use postgres::GenericClient;

/// The row id of the community named `community`, if it exists.
pub(crate) fn community_id(
    c: &mut impl GenericClient,
    shown: &str,
    community: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(c.query_opt("SELECT id FROM communities WHERE name = $1", &[&community]).map_err(db(shown))?.map(|r| r.get(0)))
}

/// The row id of the community named `community`, or an error naming it and the database.
pub(crate) fn community_or_err(c: &mut impl GenericClient, shown: &str, community: &str) -> Result<i64, StoreError> {
    community_id(c, shown, community)?.ok_or_else(|| StoreError::no_community(community, shown))
}

pub(crate) fn groups(
    c: &mut impl GenericClient,
    shown: &str,
    community: &str,
) -> Result<Vec<GroupSummary>, StoreError> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    let rows = c
        .query(
            "SELECT g.id, g.platform, g.external_id, g.name, g.tz_offset_s, s.n, s.first, s.last
             FROM groups g
             LEFT JOIN LATERAL (SELECT count(*) AS n, min(at_ms) AS first, max(at_ms) AS last FROM messages m
                                WHERE m.community_id = g.community_id AND m.group_id = g.id) s ON true
             WHERE g.community_id = $1
             ORDER BY g.platform COLLATE \"C\", g.name COLLATE \"C\" NULLS FIRST, g.external_id COLLATE \"C\"",
            &[&cid],
        )
        .map_err(db(shown))?;
    let mut out = Vec::new();
    for r in rows {
        let tz: i32 = r.get(4);
        out.push(GroupSummary {
            platform: r.get(1),
            external_id: r.get(2),
            name: r.get(3),
            members: current_members(c, shown, cid, r.get(0))?,
            messages: r.get::<_, i64>(5) as u64,
            first_message: r.get::<_, Option<i64>>(6).map(|t| rfc3339(t, tz)),
            last_message: r.get::<_, Option<i64>>(7).map(|t| rfc3339(t, tz)),
        });
    }
    Ok(out)
}

/// The one group of `community` whose external id or name is `group`: the
/// community's and its row id, and its offset; a clear error when none or
/// several match.
pub(crate) fn find_group(
    c: &mut impl GenericClient,
    shown: &str,
    community: &str,
    group: &str,
) -> Result<(i64, i64, i32), StoreError> {
    let cid = community_or_err(c, shown, community)?;
    let matches: Vec<(i64, i32)> = c
        .query(
            "SELECT id, tz_offset_s FROM groups WHERE community_id = $1 AND (external_id = $2 OR name = $2)",
            &[&cid, &group],
        )
        .map_err(db(shown))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    match matches.as_slice() {
        [(gid, tz)] => Ok((cid, *gid, *tz)),
        [] => Err(StoreError::no_group(group, community)),
        _ => Err(StoreError::group_ambiguous(group, matches.len())),
    }
}

pub(crate) fn members(
    c: &mut impl GenericClient,
    shown: &str,
    community: &str,
    group: &str,
) -> Result<Vec<MemberSummary>, StoreError> {
    let (cid, gid, tz) = find_group(c, shown, community, group)?;
    let rows = c
        .query(
            "WITH said AS (
                 SELECT member_id, count(*) AS n, min(at_ms) AS first, max(at_ms) AS last
                 FROM messages WHERE community_id = $1 AND group_id = $2 GROUP BY member_id
             ),
             events AS (
                 SELECT member_id,
                        max(CASE WHEN kind = 'join' THEN at_ms END) AS joined,
                        max(CASE WHEN kind = 'leave' THEN at_ms END) AS left_at
                 FROM memberships WHERE community_id = $1 AND group_id = $2 GROUP BY member_id
             ),
             people AS (SELECT member_id FROM said UNION SELECT member_id FROM events)
             SELECT p.member_id, mb.display_name, mb.bot,
                    (SELECT string_agg(i.platform || ':' || i.external_id, ' ') FROM identities i
                      WHERE i.community_id = $1 AND i.member_id = p.member_id AND i.external_id NOT LIKE '~%'),
                    coalesce(s.n, 0), s.first, s.last, e.joined, e.left_at,
                    (SELECT role FROM memberships r WHERE r.community_id = $1 AND r.group_id = $2
                       AND r.member_id = p.member_id AND r.kind = 'role' ORDER BY at_ms DESC LIMIT 1)
             FROM people p
             JOIN members mb ON mb.community_id = $1 AND mb.id = p.member_id
             LEFT JOIN said s ON s.member_id = p.member_id
             LEFT JOIN events e ON e.member_id = p.member_id
             ORDER BY 5 DESC, mb.display_name COLLATE \"C\"",
            &[&cid, &gid],
        )
        .map_err(db(shown))?;
    Ok(rows
        .iter()
        .map(|r| {
            let joined: Option<i64> = r.get(7);
            let left: Option<i64> = r.get(8);
            let ids: Option<String> = r.get(3);
            MemberSummary {
                member_id: r.get(0),
                name: r.get(1),
                bot: r.get(2),
                ids: ids.map(|s| s.split(' ').map(str::to_string).collect()).unwrap_or_default(),
                messages: r.get::<_, i64>(4) as u64,
                first_message: r.get::<_, Option<i64>>(5).map(|t| rfc3339(t, tz)),
                last_message: r.get::<_, Option<i64>>(6).map(|t| rfc3339(t, tz)),
                joined: joined.map(|t| rfc3339(t, tz)),
                left: left.filter(|l| joined.is_none_or(|j| *l >= j)).map(|t| rfc3339(t, tz)),
                role: r.get::<_, Option<String>>(9).filter(|r| r != "member"),
            }
        })
        .collect())
}

pub(crate) fn counts(c: &mut impl GenericClient, shown: &str) -> Result<TableCounts, StoreError> {
    let mut count = |table: &str| -> Result<u64, StoreError> {
        let sql = format!("SELECT count(*) FROM {table}");
        Ok(c.query_one(sql.as_str(), &[]).map_err(db(shown))?.get::<_, i64>(0) as u64)
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
fn current_members(c: &mut impl GenericClient, shown: &str, cid: i64, gid: i64) -> Result<u64, StoreError> {
    let row = c
        .query_one(
            "WITH last_event AS (
                 SELECT member_id, kind FROM (
                     SELECT member_id, kind,
                            row_number() OVER (PARTITION BY member_id ORDER BY at_ms DESC, id DESC) AS rn
                     FROM memberships WHERE community_id = $1 AND group_id = $2 AND kind IN ('join', 'leave')) ranked
                 WHERE rn = 1
             ),
             people AS (
                 SELECT DISTINCT member_id FROM messages WHERE community_id = $1 AND group_id = $2
                 UNION SELECT member_id FROM last_event
             )
             SELECT count(*) FROM people p LEFT JOIN last_event l ON l.member_id = p.member_id
             WHERE coalesce(l.kind, 'join') = 'join'",
            &[&cid, &gid],
        )
        .map_err(db(shown))?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// The import log, every community, oldest first.
pub(crate) fn imports(c: &mut impl GenericClient, shown: &str) -> Result<Vec<ImportRecord>, StoreError> {
    let rows = c
        .query(
            "SELECT i.id, c.name, i.source, i.format, i.at_ms, i.stats
             FROM imports i JOIN communities c ON c.id = i.community_id ORDER BY i.id",
            &[],
        )
        .map_err(db(shown))?;
    Ok(rows
        .iter()
        .map(|r| ImportRecord {
            id: r.get(0),
            community: r.get(1),
            source: r.get(2),
            format: r.get(3),
            at_ms: r.get(4),
            // Written by this crate; an unreadable one (hand-edited) still lists.
            stats: serde_json::from_str::<ImportStats>(r.get(5)).unwrap_or_default(),
        })
        .collect())
}
