//! Content keys for rows stored before schema v3, computed once inside the
//! migration's transaction; the same rules as `sqlite/backfill.rs`.

use crate::ingest::stored_content_key;
use postgres::Transaction;

/// Per table: one group's rows (community $1, group $2) with kind, member, the
/// group's wall-clock second, body and the ordinal among identical ones in
/// stored order.
const ROWS: [(&str, &str); 3] = [
    (
        "messages",
        "SELECT id, 'message', member_id, clock, text,
                row_number() OVER (PARTITION BY member_id, clock, text ORDER BY at_ms, id) - 1
         FROM (SELECT m.id, m.member_id, m.at_ms, m.text, floor(m.at_ms / 1000.0)::bigint + g.tz_offset_s AS clock
               FROM messages m JOIN groups g ON g.community_id = m.community_id AND g.id = m.group_id
               WHERE m.community_id = $1 AND m.group_id = $2) r",
    ),
    (
        "memberships",
        "SELECT id, kind, member_id, clock, body,
                row_number() OVER (PARTITION BY kind, member_id, clock, body ORDER BY at_ms, id) - 1
         FROM (SELECT m.id, m.member_id, m.kind, m.at_ms,
                      CASE m.kind WHEN 'role' THEN coalesce(m.role, '') ELSE '' END AS body,
                      floor(m.at_ms / 1000.0)::bigint + g.tz_offset_s AS clock
               FROM memberships m JOIN groups g ON g.community_id = m.community_id AND g.id = m.group_id
               WHERE m.community_id = $1 AND m.group_id = $2) r",
    ),
    (
        "activities",
        "SELECT id, kind, member_id, clock, body,
                row_number() OVER (PARTITION BY kind, member_id, clock, body ORDER BY at_ms, id) - 1
         FROM (SELECT a.id, a.member_id, a.kind, a.at_ms,
                      CASE a.kind
                        WHEN 'checkin' THEN coalesce(a.data::jsonb ->> 'text', '')
                        WHEN 'order' THEN coalesce(a.data::jsonb ->> 'amount_minor', '')
                                          || coalesce(a.data::jsonb ->> 'item', '')
                        WHEN 'reaction' THEN coalesce(a.target, '') || coalesce(a.data::jsonb ->> 'emoji', '')
                        ELSE '' END AS body,
                      floor(a.at_ms / 1000.0)::bigint + g.tz_offset_s AS clock
               FROM activities a JOIN groups g ON g.community_id = a.community_id AND g.id = a.group_id
               WHERE a.community_id = $1 AND a.group_id = $2) r",
    ),
];

/// Fills `content_key` of every stored row, one group at a time.
pub(super) fn content_keys(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    let groups: Vec<(i64, i64, String)> = tx
        .query("SELECT community_id, id, external_id FROM groups", &[])?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (table, select) in ROWS {
        let select = tx.prepare(select)?;
        let update = tx.prepare(&format!(
            "UPDATE {table} t SET content_key = u.key
             FROM unnest($2::bigint[], $3::bigint[]) AS u(id, key)
             WHERE t.community_id = $1 AND t.id = u.id"
        ))?;
        for (community, group, external_id) in &groups {
            let (mut ids, mut keys) = (Vec::new(), Vec::new());
            for r in tx.query(&select, &[community, group])? {
                let ordinal: i64 = r.get(5);
                ids.push(r.get::<_, i64>(0));
                keys.push(stored_content_key(r.get(1), external_id, r.get(2), r.get(3), r.get(4), ordinal as u32));
            }
            tx.execute(&update, &[community, &ids, &keys])?;
        }
    }
    Ok(())
}
