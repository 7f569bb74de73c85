//! From message rows to snapshot columns: what every backend does with the
//! rows its snapshot query returns (the query is the backend's own).
//!
//! A backend reads message rows into [`RawRows`] batches on its thread and
//! hands them to [`Columns::build`] on a second one; [`finish_messages`]
//! then sorts them (if they came out of order) and resolves reply links.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use tonghao_model::snapshot::{GroupMeta, LinkKind, MemberMeta, MembershipKind, Messages, NONE, Snapshot, text_flags};
use tonghao_model::{ContentType, PersonRef, Role};

/// Row ids are small integers looked up once or twice per message: a
/// multiply hash costs a fraction of the default SipHash over millions of rows.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

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

pub(crate) type IdMap<V> = HashMap<i64, V, BuildHasherDefault<IdHasher>>;
/// Rows handed from the reading thread to the column builder at a time.
pub(crate) const RAW_BATCH: usize = 4096;

/// Message rows as the database gave them, copied out of its row buffer.
#[derive(Default)]
pub(crate) struct RawRows {
    pub(crate) id: Vec<i64>,
    pub(crate) group_id: Vec<i64>,
    /// Group and member indices (rows of unknown ones are not sent).
    pub(crate) group: Vec<u32>,
    pub(crate) member: Vec<u32>,
    pub(crate) at: Vec<i64>,
    pub(crate) content: Vec<ContentType>,
    pub(crate) bot: Vec<bool>,
    pub(crate) parent: Vec<i64>,
    /// Texts back to back: row `i`'s ends at `text_end[i]`.
    pub(crate) text: Vec<u8>,
    pub(crate) text_end: Vec<usize>,
    /// (row, JSON) for the rows that mention someone.
    pub(crate) mentions: Vec<(usize, Vec<u8>)>,
    /// Of a message whose text retention dropped: the length and text flags
    /// kept from before (its text is empty).
    pub(crate) kept: Vec<Option<(u32, u8)>>,
}

/// What turning message rows into snapshot columns reads.
#[derive(Clone, Copy)]
pub(crate) struct Columns<'a> {
    pub(crate) groups: &'a [GroupMeta],
    pub(crate) members: &'a [MemberMeta],
    pub(crate) by_identity: &'a HashMap<(String, String), u32>,
    pub(crate) by_name: &'a HashMap<(i64, String), u32>,
    /// Per group: texts are kept from this time on.
    pub(crate) text_since: &'a [i64],
}

impl Columns<'_> {
    /// The message columns, each message's parent row id (or -1), and
    /// whether the rows came in snapshot order.
    pub(crate) fn build(self, rx: std::sync::mpsc::Receiver<RawRows>) -> Result<(Messages, Vec<i64>, bool), BadText> {
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
                let text = text_str(text_bytes, 5)?;
                let (id, at) = (raw.id[row], raw.at[row]);
                if let (Some(&pg), Some(&pa), Some(&pi)) = (m.group.last(), m.at_ms.last(), m.store_id.last()) {
                    sorted &= (pg, pa, pi) < (g, at, id);
                }
                m.store_id.push(id);
                m.group.push(g);
                m.member.push(who);
                m.at_ms.push(at);
                m.content.push(raw.content[row]);
                let bot = raw.bot[row] || self.members[who as usize].bot;
                let kept = raw.kept[row];
                match kept {
                    // Expired: the figures read from its text before it went.
                    Some((chars, flags)) => {
                        m.chars.push(chars);
                        m.flags.push(flags | if bot { tonghao_model::snapshot::flags::BOT } else { 0 });
                    }
                    None => {
                        m.chars.push(text.chars().count().min(u32::MAX as usize) as u32);
                        m.flags.push(text_flags(text, bot));
                    }
                }
                if kept.is_none() && at >= self.text_since[g as usize] {
                    m.text.insert(m.at_ms.len() as u32 - 1, text.into());
                }
                parent_ids.push(raw.parent[row]);
                if let Some(json) = json {
                    let json = text_str(json, 7)?;
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
pub(crate) fn sort_messages(m: &mut Messages, parent_ids: &mut Vec<i64>) {
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

/// Given rows sorted by group, records each group's range of row indices.
pub(crate) fn set_ranges(
    groups: &mut [GroupMeta],
    row_groups: &[u32],
    field: fn(&mut GroupMeta) -> &mut std::ops::Range<usize>,
) {
    let mut start = 0;
    while start < row_groups.len() {
        let g = row_groups[start];
        let end = start + row_groups[start..].iter().take_while(|&&x| x == g).count();
        *field(&mut groups[g as usize]) = start..end;
        start = end;
    }
}

/// A stored text that is not UTF-8 (written by something else than
/// tonghao): the column it was in, and why.
#[derive(Debug)]
pub(crate) struct BadText(pub usize, pub std::str::Utf8Error);

/// A text column's bytes as `&str`, validated with SIMD (texts are most of
/// the bytes a snapshot reads).
pub(crate) fn text_str(bytes: &[u8], col: usize) -> Result<&str, BadText> {
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Ok(s);
    }
    // Invalid: let the standard check say why.
    std::str::from_utf8(bytes).map_err(|e| BadText(col, e))
}

/// A membership row's kind and role as the snapshot names them.
pub(crate) fn membership_kind(kind: &str, role: Option<&str>) -> MembershipKind {
    match (kind, role) {
        ("join", _) => MembershipKind::Join,
        ("leave", _) => MembershipKind::Leave,
        (_, Some("owner")) => MembershipKind::Role(Role::Owner),
        (_, Some("deputy")) => MembershipKind::Role(Role::Deputy),
        (_, Some("admin")) => MembershipKind::Role(Role::Admin),
        (_, Some("kol")) => MembershipKind::Role(Role::Kol),
        _ => MembershipKind::Role(Role::Member),
    }
}

/// Puts the built message columns into `snap`: sorted into (group, time,
/// row id) order if they were not, reply parents' row ids turned into
/// indices, and each group's range of messages set.
pub(crate) fn finish_messages(snap: &mut Snapshot, messages: Messages, mut parent_ids: Vec<i64>, sorted: bool) {
    snap.messages = messages;
    let m = &mut snap.messages;
    if !sorted {
        // Out of order only when a history was imported out of order (a
        // later export first), or when the backend scans in no order.
        sort_messages(m, &mut parent_ids);
    }
    let index_of: IdMap<u32> = {
        let wanted: std::collections::HashSet<i64, BuildHasherDefault<IdHasher>> =
            parent_ids.iter().copied().filter(|&p| p >= 0).collect();
        m.store_id.iter().enumerate().filter(|(_, id)| wanted.contains(id)).map(|(i, &id)| (id, i as u32)).collect()
    };
    m.reply_to = parent_ids.iter().map(|p| index_of.get(p).copied().unwrap_or(NONE)).collect();
    m.reply_kind = vec![LinkKind::Explicit; m.reply_to.len()];
    m.reply_confidence = vec![100; m.reply_to.len()];
    set_ranges(&mut snap.groups, &snap.messages.group, |g| &mut g.messages);
}
