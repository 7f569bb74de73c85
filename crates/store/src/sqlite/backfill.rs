//! Content keys for rows stored before schema v10 (docs/events.md,
//! "Content keys"), computed once inside the migration's transaction.

use crate::ingest::stored_content_key;
use rusqlite::{Connection, params};

/// Per table: the rows of one group (?1) with what their content key is
/// made of: kind, member, the group's wall-clock second (floor of the instant plus
/// the group's offset), body, and the ordinal among identical ones in
/// stored order (the order an import wrote them in).
const ROWS: [(&str, &str); 3] = [
    (
        "messages",
        "SELECT id, 'message', member_id, clock, text,
                row_number() OVER (PARTITION BY member_id, clock, text ORDER BY at_ms, id) - 1
         FROM (SELECT m.id, m.member_id, m.at_ms, m.text,
                      (m.at_ms - (((m.at_ms % 1000) + 1000) % 1000)) / 1000 + g.tz_offset_s AS clock
               FROM messages m JOIN groups g ON g.id = m.group_id WHERE m.group_id = ?1)",
    ),
    (
        "memberships",
        "SELECT id, kind, member_id, clock, body,
                row_number() OVER (PARTITION BY kind, member_id, clock, body ORDER BY at_ms, id) - 1
         FROM (SELECT m.id, m.member_id, m.kind, m.at_ms,
                      CASE m.kind WHEN 'role' THEN coalesce(m.role, '') ELSE '' END AS body,
                      (m.at_ms - (((m.at_ms % 1000) + 1000) % 1000)) / 1000 + g.tz_offset_s AS clock
               FROM memberships m JOIN groups g ON g.id = m.group_id WHERE m.group_id = ?1)",
    ),
    (
        "activities",
        "SELECT id, kind, member_id, clock, body,
                row_number() OVER (PARTITION BY kind, member_id, clock, body ORDER BY at_ms, id) - 1
         FROM (SELECT a.id, a.member_id, a.kind, a.at_ms,
                      CASE a.kind
                        WHEN 'checkin' THEN coalesce(json_extract(a.data, '$.text'), '')
                        WHEN 'order' THEN CAST(json_extract(a.data, '$.amount_minor') AS TEXT)
                                          || coalesce(json_extract(a.data, '$.item'), '')
                        WHEN 'reaction' THEN coalesce(a.target, '') || coalesce(json_extract(a.data, '$.emoji'), '')
                        ELSE '' END AS body,
                      (a.at_ms - (((a.at_ms % 1000) + 1000) % 1000)) / 1000 + g.tz_offset_s AS clock
               FROM activities a JOIN groups g ON g.id = a.group_id WHERE a.group_id = ?1)",
    ),
];

/// Fills `content_key` of every stored row, one group at a time (memory
/// stays bounded by the largest group).
pub(super) fn content_keys(conn: &Connection) -> rusqlite::Result<()> {
    let groups: Vec<(i64, String)> = conn
        .prepare("SELECT id, external_id FROM groups")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (table, select) in ROWS {
        let mut rows = conn.prepare(select)?;
        let mut update = conn.prepare(&format!("UPDATE {table} SET content_key = ?1 WHERE id = ?2"))?;
        for (group, external_id) in &groups {
            let keyed: Vec<(i64, i64)> = rows
                .query_map([group], |r| {
                    let (kind, member, clock, body, ordinal): (String, i64, i64, String, i64) =
                        (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
                    Ok((r.get(0)?, stored_content_key(&kind, external_id, member, clock, &body, ordinal as u32)))
                })?
                .collect::<Result<_, _>>()?;
            for (id, key) in keyed {
                update.execute(params![key, id])?;
            }
        }
    }
    Ok(())
}
