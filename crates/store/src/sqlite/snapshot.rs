//! Loading a [`Snapshot`] from SQLite: one pass per table, sorted by group
//! and time, with reply and mention targets resolved to indices.

use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Row ids are small integers looked up once or twice per message: a
/// multiply hash costs a fraction of the default SipHash over millions of rows.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_i64(&mut self, i: i64) {
        self.0 = (i as u64 ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<V> = HashMap<i64, V, BuildHasherDefault<IdHasher>>;
use rusqlite::types::{Type, ValueRef};
use tonghao_model::snapshot::{
    GroupMeta, LinkKind, MemberMeta, MembershipKind, MembershipRow, Messages, NONE, Snapshot, text_flags,
};
use tonghao_model::{ContentType, PersonRef, Platform, Role};

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
        "SELECT g.id, g.platform, g.external_id, g.name, g.tz_offset_s, c.first_ms, c.last_ms
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
    // A plain scan in row-id order, sorted in memory below: walking the
    // (group, time) index costs a table lookup per row (about twice the
    // time). The parent is found through the (group, key) index alone; a
    // parent after `as_of` is not in the snapshot, so it resolves to NONE
    // below exactly as if the join had filtered it.
    let mut stmt = conn.prepare(
        "SELECT m.id, m.group_id, m.member_id, m.at_ms, m.content_type, m.text, m.bot, m.mentions, p.id
         FROM messages m
         LEFT JOIN messages p ON m.reply_to IS NOT NULL AND p.group_id = m.group_id AND p.key = m.reply_to
         WHERE m.community_id = ?1 AND m.at_ms <= ?2",
    )?;
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
    let (messages, mut parent_ids, sorted) = std::thread::scope(|scope| {
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
                batch.push(r, group_id, g, who)?;
                if batch.id.len() == RAW_BATCH && tx.send(std::mem::take(&mut batch)).is_err() {
                    return Ok(()); // the builder stopped on an error: it says which
                }
            }
            // A closed channel again means the builder has the error to report.
            let _ = tx.send(batch);
            Ok(())
        })();
        drop(tx); // the builder's end of input
        let built = builder.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.and(built)
    })?;
    snap.messages = messages;
    let m = &mut snap.messages;
    if !sorted {
        // Out of order only when a history was imported out of order (a
        // later export first); the common case skips this.
        sort_messages(m, &mut parent_ids);
    }

    // Parent row ids → indices.
    let index_of: IdMap<u32> = {
        let wanted: std::collections::HashSet<i64, BuildHasherDefault<IdHasher>> =
            parent_ids.iter().copied().filter(|&p| p >= 0).collect();
        m.store_id.iter().enumerate().filter(|(_, id)| wanted.contains(id)).map(|(i, &id)| (id, i as u32)).collect()
    };
    m.reply_to = parent_ids.iter().map(|p| index_of.get(p).copied().unwrap_or(NONE)).collect();
    m.reply_kind = vec![LinkKind::Explicit; m.reply_to.len()];
    set_ranges(&mut snap.groups, &snap.messages.group, |g| &mut g.messages);

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
        let kind = match (r.get::<_, String>(2)?.as_str(), r.get::<_, Option<String>>(5)?.as_deref()) {
            ("join", _) => MembershipKind::Join,
            ("leave", _) => MembershipKind::Leave,
            (_, Some("owner")) => MembershipKind::Role(Role::Owner),
            (_, Some("deputy")) => MembershipKind::Role(Role::Deputy),
            (_, Some("admin")) => MembershipKind::Role(Role::Admin),
            (_, Some("kol")) => MembershipKind::Role(Role::Kol),
            _ => MembershipKind::Role(Role::Member),
        };
        let by = r.get::<_, Option<i64>>(4)?.and_then(|b| member_index.get(&b).copied()).unwrap_or(NONE);
        snap.memberships.push(MembershipRow { group: g, member: who, kind, at_ms: r.get(3)?, by });
    }
    let groups_of: Vec<u32> = snap.memberships.iter().map(|r| r.group).collect();
    set_ranges(&mut snap.groups, &groups_of, |g| &mut g.memberships);
    Ok(snap)
}

/// Rows handed from the SQLite thread to the column builder at a time.
const RAW_BATCH: usize = 4096;

/// Message rows as SQLite gave them, copied out of its row buffer.
#[derive(Default)]
struct RawRows {
    id: Vec<i64>,
    group_id: Vec<i64>,
    /// Group and member indices (rows of unknown ones are not sent).
    group: Vec<u32>,
    member: Vec<u32>,
    at: Vec<i64>,
    content: Vec<ContentType>,
    bot: Vec<bool>,
    parent: Vec<i64>,
    /// Texts back to back: row `i`'s ends at `text_end[i]`.
    text: Vec<u8>,
    text_end: Vec<usize>,
    /// (row, JSON) for the rows that mention someone.
    mentions: Vec<(usize, Vec<u8>)>,
}

impl RawRows {
    fn push(&mut self, r: &rusqlite::Row<'_>, group_id: i64, group: u32, member: u32) -> rusqlite::Result<()> {
        let row = self.id.len();
        self.id.push(r.get(0)?);
        self.group_id.push(group_id);
        self.group.push(group);
        self.member.push(member);
        self.at.push(r.get(3)?);
        self.content.push(ContentType::parse(r.get_ref(4)?.as_str().unwrap_or("other")));
        self.text.extend_from_slice(text_bytes(r.get_ref(5)?, 5)?);
        self.text_end.push(self.text.len());
        self.bot.push(r.get(6)?);
        match r.get_ref(7)? {
            ValueRef::Null => {}
            v => self.mentions.push((row, text_bytes(v, 7)?.to_vec())),
        }
        self.parent.push(r.get::<_, Option<i64>>(8)?.unwrap_or(-1));
        Ok(())
    }
}

/// A TEXT column's bytes (validated later, by [`text_ref`]).
fn text_bytes(v: ValueRef<'_>, col: usize) -> rusqlite::Result<&[u8]> {
    match v {
        ValueRef::Text(bytes) => Ok(bytes),
        other => text_ref(other, col).map(str::as_bytes),
    }
}

/// What turning message rows into snapshot columns reads.
#[derive(Clone, Copy)]
struct Columns<'a> {
    groups: &'a [GroupMeta],
    members: &'a [MemberMeta],
    by_identity: &'a HashMap<(String, String), u32>,
    by_name: &'a HashMap<(i64, String), u32>,
    /// Per group: texts are kept from this time on.
    text_since: &'a [i64],
}

impl Columns<'_> {
    /// The message columns, each message's parent row id (or -1), and
    /// whether the rows came in snapshot order.
    fn build(self, rx: std::sync::mpsc::Receiver<RawRows>) -> rusqlite::Result<(Messages, Vec<i64>, bool)> {
        let mut m = Messages::default();
        let mut parent_ids: Vec<i64> = Vec::new();
        m.mention_start.push(0);
        let mut sorted = true;
        for raw in rx {
            let mut mentions = raw.mentions.iter().peekable();
            let mut text_start = 0;
            for row in 0..raw.id.len() {
                let text_end = raw.text_end[row];
                let text_bytes = &raw.text[text_start..text_end];
                text_start = text_end;
                let json = mentions.next_if(|(at, _)| *at == row).map(|(_, json)| json);
                let (group_id, g, who) = (raw.group_id[row], raw.group[row], raw.member[row]);
                let text = text_ref(ValueRef::Text(text_bytes), 5)?;
                let (id, at) = (raw.id[row], raw.at[row]);
                if let (Some(&pg), Some(&pa), Some(&pi)) = (m.group.last(), m.at_ms.last(), m.store_id.last()) {
                    sorted &= (pg, pa, pi) < (g, at, id);
                }
                m.store_id.push(id);
                m.group.push(g);
                m.member.push(who);
                m.at_ms.push(at);
                m.content.push(raw.content[row]);
                m.chars.push(text.chars().count().min(u32::MAX as usize) as u32);
                m.flags.push(text_flags(text, raw.bot[row] || self.members[who as usize].bot));
                if at >= self.text_since[g as usize] {
                    m.text.insert(m.at_ms.len() as u32 - 1, text.into());
                }
                parent_ids.push(raw.parent[row]);
                if let Some(json) = json {
                    let json = text_ref(ValueRef::Text(json), 7)?;
                    let platform = self.groups[g as usize].platform.as_str();
                    for p in serde_json::from_str::<Vec<PersonRef>>(json).unwrap_or_default() {
                        let target =
                            p.id.and_then(|id| self.by_identity.get(&(platform.to_string(), id)).copied())
                                .or_else(|| p.name.and_then(|n| self.by_name.get(&(group_id, n)).copied()));
                        if let Some(t) = target.filter(|&t| t != who) {
                            m.mention_targets.push(t);
                        }
                    }
                }
                m.mention_start.push(m.mention_targets.len() as u32);
            }
        }
        Ok((m, parent_ids, sorted))
    }
}

/// Puts messages (and their parents' row ids) in (group, time, row id)
/// order, the order the snapshot promises.
fn sort_messages(m: &mut Messages, parent_ids: &mut Vec<i64>) {
    let n = m.store_id.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&i| {
        let i = i as usize;
        (m.group[i], m.at_ms[i], m.store_id[i])
    });
    fn permute<T: Copy>(v: &mut Vec<T>, order: &[u32]) {
        *v = order.iter().map(|&i| v[i as usize]).collect();
    }
    permute(&mut m.store_id, &order);
    permute(&mut m.group, &order);
    permute(&mut m.member, &order);
    permute(&mut m.at_ms, &order);
    permute(&mut m.content, &order);
    permute(&mut m.chars, &order);
    permute(&mut m.flags, &order);
    permute(parent_ids, &order);
    let mut start = Vec::with_capacity(n + 1);
    let mut targets = Vec::with_capacity(m.mention_targets.len());
    start.push(0);
    for &i in &order {
        targets.extend_from_slice(m.mentions(i as usize));
        start.push(targets.len() as u32);
    }
    m.mention_start = start;
    m.mention_targets = targets;
    let mut new_index = vec![0u32; n];
    for (new, &old) in order.iter().enumerate() {
        new_index[old as usize] = new as u32;
    }
    m.text = std::mem::take(&mut m.text).into_iter().map(|(i, t)| (new_index[i as usize], t)).collect();
}

/// A TEXT column as `&str`, validated with SIMD (texts are most of the bytes
/// a snapshot reads).
fn text_ref(v: ValueRef<'_>, col: usize) -> rusqlite::Result<&str> {
    if let ValueRef::Text(bytes) = v
        && let Ok(s) = simdutf8::basic::from_utf8(bytes)
    {
        return Ok(s);
    }
    // Invalid: let the standard check say why.
    v.as_str().map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, Type::Text, Box::new(e)))
}

/// Given rows sorted by group, records each group's range of row indices.
fn set_ranges(groups: &mut [GroupMeta], row_groups: &[u32], field: fn(&mut GroupMeta) -> &mut std::ops::Range<usize>) {
    let mut start = 0;
    while start < row_groups.len() {
        let g = row_groups[start];
        let end = start + row_groups[start..].iter().take_while(|&&x| x == g).count();
        *field(&mut groups[g as usize]) = start..end;
        start = end;
    }
}
