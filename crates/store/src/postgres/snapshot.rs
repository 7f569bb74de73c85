//! Loading a [`Snapshot`] from PostgreSQL: the same passes as SQLite's, with
//! rows turned into columns by the shared `columns` module.

use super::error::db;
use crate::columns::{Columns, IdMap, RAW_BATCH, RawRows, finish_messages, membership_kind, set_ranges};
use crate::error::StoreError;
use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;
use std::collections::HashMap;
use tonghao_model::snapshot::{GroupMeta, MemberMeta, MembershipRow, NONE, Snapshot};
use tonghao_model::{ContentType, Platform};

pub(crate) fn load(
    client: &mut Client,
    shown: &str,
    cid: i64,
    name: &str,
    as_of_ms: i64,
    text_window_ms: Option<i64>,
) -> Result<Snapshot, StoreError> {
    let err = db(shown);
    let mut snap = Snapshot { community: name.to_string(), as_of_ms, ..Default::default() };

    let mut group_index: IdMap<u32> = IdMap::default();
    let rows = client
        .query(
            "SELECT g.id, g.platform, g.external_id, g.name, g.tz_offset_s, c.first_ms, c.last_ms, g.tz_name
             FROM groups g LEFT JOIN group_coverage c ON c.community_id = g.community_id AND c.group_id = g.id
             WHERE g.community_id = $1 ORDER BY g.id",
            &[&cid],
        )
        .map_err(&err)?;
    for r in rows {
        let id: i64 = r.get(0);
        group_index.insert(id, snap.groups.len() as u32);
        snap.groups.push(GroupMeta {
            store_id: id,
            platform: r.get::<_, String>(1).parse().unwrap_or(Platform::Other),
            external_id: r.get(2),
            name: r.get(3),
            tz_offset_s: r.get(4),
            zone: r.get::<_, Option<String>>(7).and_then(|z| z.parse().ok()),
            messages: 0..0,
            memberships: 0..0,
            covered: match (r.get::<_, Option<i64>>(5), r.get::<_, Option<i64>>(6)) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            },
        });
    }

    let mut member_index: IdMap<u32> = IdMap::default();
    for r in client
        .query("SELECT id, display_name, bot FROM members WHERE community_id = $1 ORDER BY id", &[&cid])
        .map_err(&err)?
    {
        member_index.insert(r.get(0), snap.members.len() as u32);
        snap.members.push(MemberMeta { store_id: r.get(0), name: r.get(1), bot: r.get(2) });
    }

    // For resolving mentions: ids per platform, names per group.
    let mut by_identity: HashMap<(String, String), u32> = HashMap::new();
    for r in client
        .query("SELECT platform, external_id, member_id FROM identities WHERE community_id = $1", &[&cid])
        .map_err(&err)?
    {
        if let Some(&m) = member_index.get(&r.get::<_, i64>(2)) {
            by_identity.insert((r.get(0), r.get(1)), m);
        }
    }
    let mut by_name: HashMap<(i64, String), u32> = HashMap::new();
    for r in client
        .query(
            "SELECT group_id, name, member_id FROM member_names WHERE community_id = $1 AND first_ms <= $2
             ORDER BY last_ms",
            &[&cid, &as_of_ms],
        )
        .map_err(&err)?
    {
        if let Some(&m) = member_index.get(&r.get::<_, i64>(2)) {
            // Later rows overwrite: a name means whoever used it last.
            by_name.insert((r.get(0), r.get(1)), m);
        }
    }

    // Texts are kept from this time on, per group (see the SQLite loader).
    let text_since: Vec<i64> = match text_window_ms {
        None => vec![i64::MAX; snap.groups.len()],
        Some(w) if as_of_ms != i64::MAX => vec![as_of_ms.saturating_sub(w); snap.groups.len()],
        Some(w) => {
            let latest = client
                .prepare("SELECT max(at_ms) FROM messages WHERE community_id = $1 AND group_id = $2")
                .map_err(&err)?;
            let mut since = Vec::with_capacity(snap.groups.len());
            for g in &snap.groups {
                let last: Option<i64> = client.query_one(&latest, &[&cid, &g.store_id]).map_err(&err)?.get(0);
                let end = last.unwrap_or(i64::MIN).max(g.covered.map_or(i64::MIN, |c| c.1));
                since.push(end.saturating_sub(w));
            }
            since
        }
    };

    let columns = Columns {
        groups: &snap.groups,
        members: &snap.members,
        by_identity: &by_identity,
        by_name: &by_name,
        text_since: &text_since,
    };
    // Rows stream from the server on this thread while a second one turns
    // them into columns.
    let (messages, parent_ids, sorted) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<RawRows>(4);
        let builder = scope.spawn(move || columns.build(rx));
        let read = (|| -> Result<(), postgres::Error> {
            let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&cid, &as_of_ms];
            let mut rows = client.query_raw(
                "SELECT m.id, m.group_id, m.member_id, m.at_ms, m.content_type, m.text, m.bot, m.mentions, p.id,
                        m.kept_chars, m.kept_flags
                 FROM messages m
                 LEFT JOIN messages p ON m.reply_to IS NOT NULL AND p.community_id = m.community_id
                                     AND p.group_id = m.group_id AND p.key = m.reply_to
                 WHERE m.community_id = $1 AND m.at_ms <= $2",
                params,
            )?;
            let mut batch = RawRows::default();
            while let Some(r) = rows.next()? {
                let group_id: i64 = r.get(1);
                let (Some(&g), Some(&who)) = (group_index.get(&group_id), member_index.get(&r.get::<_, i64>(2))) else {
                    continue;
                };
                let row = batch.id.len();
                batch.id.push(r.get(0));
                batch.group_id.push(group_id);
                batch.group.push(g);
                batch.member.push(who);
                batch.at.push(r.get(3));
                batch.content.push(ContentType::parse(r.get(4)));
                batch.text.extend_from_slice(r.get::<_, &str>(5).as_bytes());
                batch.text_end.push(batch.text.len());
                batch.bot.push(r.get(6));
                if let Some(json) = r.get::<_, Option<&str>>(7) {
                    batch.mentions.push((row, json.as_bytes().to_vec()));
                }
                batch.parent.push(r.get::<_, Option<i64>>(8).unwrap_or(-1));
                batch.kept.push(match (r.get::<_, Option<i32>>(9), r.get::<_, Option<i16>>(10)) {
                    (Some(chars), Some(flags)) => Some((chars as u32, flags as u8)),
                    _ => None,
                });
                if batch.id.len() == RAW_BATCH && tx.send(std::mem::take(&mut batch)).is_err() {
                    return Ok(()); // the builder stopped on an error: it says which
                }
            }
            let _ = tx.send(batch);
            Ok(())
        })();
        drop(tx); // the builder's end of input
        let built = builder.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.map_err(&err)?;
        built.map_err(|e| super::error::failure(shown, format!("a stored text is not UTF-8 (column {}): {}", e.0, e.1)))
    })?;
    finish_messages(&mut snap, messages, parent_ids, sorted);

    for r in client
        .query(
            "SELECT group_id, member_id, kind, at_ms, by_member_id, role FROM memberships
             WHERE community_id = $1 AND at_ms <= $2 ORDER BY group_id, at_ms, id",
            &[&cid, &as_of_ms],
        )
        .map_err(&err)?
    {
        let (Some(&g), Some(&who)) = (group_index.get(&r.get::<_, i64>(0)), member_index.get(&r.get::<_, i64>(1)))
        else {
            continue;
        };
        let kind = membership_kind(r.get(2), r.get(5));
        let by = r.get::<_, Option<i64>>(4).and_then(|b| member_index.get(&b).copied()).unwrap_or(NONE);
        snap.memberships.push(MembershipRow { group: g, member: who, kind, at_ms: r.get(3), by });
    }
    let groups_of: Vec<u32> = snap.memberships.iter().map(|r| r.group).collect();
    set_ranges(&mut snap.groups, &groups_of, |g| &mut g.memberships);
    Ok(snap)
}
