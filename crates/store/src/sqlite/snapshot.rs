//! Loading a [`Snapshot`] from SQLite: one pass per table, with reply and
//! mention targets resolved to indices by the shared `columns` module.

use crate::columns::{BadText, Columns, IdMap, RAW_BATCH, RawRows, finish_messages, membership_kind, set_ranges};
use rusqlite::types::{Type, ValueRef};
use rusqlite::{Connection, params};
use std::collections::HashMap;
use tonghao_model::snapshot::{GroupMeta, MemberMeta, MembershipRow, NONE, Snapshot};
use tonghao_model::{ContentType, Platform};

pub(crate) fn load(
    conn: &Connection,
    community_id: i64,
    name: &str,
    as_of_ms: i64,
    text_window_ms: Option<i64>,
) -> rusqlite::Result<Snapshot> {
    let mut snap = Snapshot { community: name.to_string(), as_of_ms, ..Default::default() };

    let mut group_index: IdMap<u32> = IdMap::default();
    let mut stmt = conn.prepare(
        "SELECT g.id, g.platform, g.external_id, g.name, g.tz_offset_s, c.first_ms, c.last_ms, g.tz_name
         FROM groups g LEFT JOIN group_coverage c ON c.group_id = g.id
         WHERE g.community_id = ?1 ORDER BY g.id",
    )?;
    let mut rows = stmt.query([community_id])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        group_index.insert(id, snap.groups.len() as u32);
        snap.groups.push(GroupMeta {
            store_id: id,
            platform: r.get::<_, String>(1)?.parse().unwrap_or(Platform::Other),
            external_id: r.get(2)?,
            name: r.get(3)?,
            tz_offset_s: r.get(4)?,
            zone: r.get::<_, Option<String>>(7)?.and_then(|z| z.parse().ok()),
            messages: 0..0,
            memberships: 0..0,
            covered: match (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(6)?) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            },
        });
    }

    let mut member_index: IdMap<u32> = IdMap::default();
    let mut stmt = conn.prepare("SELECT id, display_name, bot FROM members WHERE community_id = ?1 ORDER BY id")?;
    let mut rows = stmt.query([community_id])?;
    while let Some(r) = rows.next()? {
        member_index.insert(r.get(0)?, snap.members.len() as u32);
        snap.members.push(MemberMeta { store_id: r.get(0)?, name: r.get(1)?, bot: r.get(2)? });
    }

    // For resolving mentions: ids per platform, names per group.
    let mut by_identity: HashMap<(String, String), u32> = HashMap::new();
    let mut stmt = conn.prepare("SELECT platform, external_id, member_id FROM identities WHERE community_id = ?1")?;
    let mut rows = stmt.query([community_id])?;
    while let Some(r) = rows.next()? {
        if let Some(&m) = member_index.get(&r.get::<_, i64>(2)?) {
            by_identity.insert((r.get(0)?, r.get(1)?), m);
        }
    }
    let mut by_name: HashMap<(i64, String), u32> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT group_id, name, member_id FROM member_names WHERE community_id = ?1 AND first_ms <= ?2 ORDER BY last_ms",
    )?;
    let mut rows = stmt.query(params![community_id, as_of_ms])?;
    while let Some(r) = rows.next()? {
        if let Some(&m) = member_index.get(&r.get::<_, i64>(2)?) {
            // Later rows overwrite: a name means whoever used it last.
            by_name.insert((r.get(0)?, r.get(1)?), m);
        }
    }

    // Texts are kept from this time on, per group: the window before the
    // snapshot's end, which without an as-of is each group's own end (the
    // later of its latest message, found through the (group, time) index,
    // and the end of what its files cover), since a report reads each group
    // as of its own end.
    let text_since: Vec<i64> = match text_window_ms {
        None => vec![i64::MAX; snap.groups.len()],
        Some(w) if as_of_ms != i64::MAX => vec![as_of_ms.saturating_sub(w); snap.groups.len()],
        Some(w) => {
            let mut latest = conn.prepare("SELECT max(at_ms) FROM messages WHERE group_id = ?1")?;
            let mut since = Vec::with_capacity(snap.groups.len());
            for g in &snap.groups {
                let last = latest.query_row([g.store_id], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(i64::MIN);
                let end = last.max(g.covered.map_or(i64::MIN, |c| c.1));
                since.push(end.saturating_sub(w));
            }
            since
        }
    };
    // A plain scan in row-id order, sorted in memory below: walking an
    // index by community costs a table lookup per row, in the index's order
    // (random pages: the `large` snapshot loaded in 12.6 s, 7.1 s by the
    // scan). SQLite picks such an index for `community_id = ?` even when
    // every row is the community's, so the scan is forced when the store
    // holds no other community (a store of many communities keeps the
    // index: a scan would read them all). The parent is found through the
    // (group, key) index alone; a parent after `as_of` is not in the
    // snapshot, so it resolves to NONE below exactly as if the join had
    // filtered it.
    let alone: bool = conn.query_row("SELECT count(*) = 1 FROM communities", [], |r| r.get(0))?;
    let mut stmt = conn.prepare(&format!(
        "SELECT m.id, m.group_id, m.member_id, m.at_ms, m.content_type, m.text, m.bot, m.mentions, p.id,
                m.kept_chars, m.kept_flags
         FROM messages m {}
         LEFT JOIN messages p ON m.reply_to IS NOT NULL AND p.community_id = m.community_id AND p.group_id = m.group_id
                                  AND p.key = m.reply_to
         WHERE m.community_id = ?1 AND m.at_ms <= ?2",
        if alone { "NOT INDEXED" } else { "" }
    ))?;
    // SQLite steps on this thread (the connection cannot leave it) while a
    // second one turns the rows into columns: validating, measuring and
    // flagging texts costs about as much as the query itself.
    let columns = Columns {
        groups: &snap.groups,
        members: &snap.members,
        by_identity: &by_identity,
        by_name: &by_name,
        text_since: &text_since,
    };
    let (messages, parent_ids, sorted) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<RawRows>(4);
        let builder = scope.spawn(move || columns.build(rx));
        let read = (|| {
            let mut rows = stmt.query(params![community_id, as_of_ms])?;
            let mut batch = RawRows::default();
            while let Some(r) = rows.next()? {
                let group_id: i64 = r.get(1)?;
                let (Some(&g), Some(&who)) = (group_index.get(&group_id), member_index.get(&r.get::<_, i64>(2)?))
                else {
                    continue;
                };
                push(&mut batch, r, group_id, g, who)?;
                if batch.id.len() == RAW_BATCH && tx.send(std::mem::take(&mut batch)).is_err() {
                    return Ok(()); // the builder stopped on an error: it says which
                }
            }
            // A closed channel again means the builder has the error to report.
            let _ = tx.send(batch);
            Ok(())
        })();
        drop(tx); // the builder's end of input
        let built = builder.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)).map_err(bad_text);
        read.and(built)
    })?;
    finish_messages(&mut snap, messages, parent_ids, sorted);

    let mut stmt = conn.prepare(
        "SELECT group_id, member_id, kind, at_ms, by_member_id, role FROM memberships
         WHERE community_id = ?1 AND at_ms <= ?2 ORDER BY group_id, at_ms, id",
    )?;
    let mut rows = stmt.query(params![community_id, as_of_ms])?;
    while let Some(r) = rows.next()? {
        let (Some(&g), Some(&who)) = (group_index.get(&r.get::<_, i64>(0)?), member_index.get(&r.get::<_, i64>(1)?))
        else {
            continue;
        };
        let kind = membership_kind(&r.get::<_, String>(2)?, r.get::<_, Option<String>>(5)?.as_deref());
        let by = r.get::<_, Option<i64>>(4)?.and_then(|b| member_index.get(&b).copied()).unwrap_or(NONE);
        snap.memberships.push(MembershipRow { group: g, member: who, kind, at_ms: r.get(3)?, by });
    }
    let groups_of: Vec<u32> = snap.memberships.iter().map(|r| r.group).collect();
    set_ranges(&mut snap.groups, &groups_of, |g| &mut g.memberships);
    Ok(snap)
}

/// Copies one row of the messages query into `raw`.
fn push(raw: &mut RawRows, r: &rusqlite::Row<'_>, group_id: i64, group: u32, member: u32) -> rusqlite::Result<()> {
    let row = raw.id.len();
    raw.id.push(r.get(0)?);
    raw.group_id.push(group_id);
    raw.group.push(group);
    raw.member.push(member);
    raw.at.push(r.get(3)?);
    raw.content.push(ContentType::parse(r.get_ref(4)?.as_str().unwrap_or("other")));
    raw.text.extend_from_slice(text_bytes(r.get_ref(5)?, 5)?);
    raw.text_end.push(raw.text.len());
    raw.bot.push(r.get(6)?);
    match r.get_ref(7)? {
        ValueRef::Null => {}
        v => raw.mentions.push((row, text_bytes(v, 7)?.to_vec())),
    }
    raw.parent.push(r.get::<_, Option<i64>>(8)?.unwrap_or(-1));
    let kept: Option<(u32, u8)> = match (r.get::<_, Option<u32>>(9)?, r.get::<_, Option<u8>>(10)?) {
        (Some(chars), Some(flags)) => Some((chars, flags)),
        _ => None,
    };
    raw.kept.push(kept);
    Ok(())
}

/// A TEXT column's bytes (validated later, by the column builder).
fn text_bytes(v: ValueRef<'_>, col: usize) -> rusqlite::Result<&[u8]> {
    match v {
        ValueRef::Text(bytes) => Ok(bytes),
        other => other
            .as_str()
            .map(str::as_bytes)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, Type::Text, Box::new(e))),
    }
}

/// A text that is not UTF-8, as rusqlite reports one.
fn bad_text(BadText(col, e): BadText) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, Type::Text, Box::new(e))
}
