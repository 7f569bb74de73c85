//! Rows sent in batches: an import's messages, memberships, activities and
//! names are queued in PostgreSQL's binary COPY format, copied into
//! temporary staging tables, and moved into the real tables by one
//! `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per table and batch.
//!
//! A round trip per row was most of the import's time (docs/postgres.md);
//! a batch costs three round trips per table it touches, whatever its size.
//!
//! Which rows were new is read back after the fact: each staged row takes
//! its real table's next id (a default `nextval` of the table's own
//! sequence) as it is copied, the INSERT gives that id to the row it stores
//! and returns the ids it stored, and joining them to the staging table
//! gives their position in the queue. `ON CONFLICT DO NOTHING` without a
//! target skips a row whose natural key or content key is stored, and also
//! one that repeats a row stored by the same statement: rows go in in queue
//! order (`ORDER BY seq`), so the first of two equal rows is the one kept,
//! as when they were sent one by one.
//!
//! The staging tables are created once per session, before any file's
//! savepoint (a rolled-back file must not take them away), and emptied by
//! the statement that moves their rows: a file rolled back to its
//! savepoint finds them empty again.
//!
//! Messages of a group the session created itself skip all that: the
//! session knows every key stored in such a group ([`FreshGroups`]), so it
//! answers at once whether a row is new, and the new ones are copied
//! straight into `messages` (no staging table, no `ON CONFLICT` checks of
//! three unique indexes per row: most of the server's time after the
//! foreign keys, docs/postgres.md "Measured"). The unique indexes still
//! hold: a row the session wrongly took for new would fail its file, never
//! be stored twice.

use crate::identity::FastMap;
use postgres::{Client, Statement};
use std::io::Write;

/// Rows queued before the sink is told to flush. About 2 MB of messages
/// at the simulator's text lengths; more buys little once round trips are
/// a small part of a batch's time.
pub(super) const BATCH_ROWS: usize = 10_000;

/// Bytes queued (all tables together) before the sink is told to flush,
/// whatever the row count: a file of long texts stays in bounded memory.
const BATCH_BYTES: usize = 16 << 20;

/// The binary COPY format's signature, flags and header extension length.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// One staging table's queued rows, in the binary COPY format (the header
/// and trailer are added when it is sent).
#[derive(Default)]
pub(super) struct CopyRows {
    data: Vec<u8>,
    /// Rows queued.
    pub(super) rows: usize,
    /// Rows deleted from this queue's staging table since it was last
    /// truncated ([`CopyRows::empty`]).
    stale: usize,
}

impl CopyRows {
    /// Starts a row of `fields` fields, the first the row's place in the
    /// queue.
    pub(super) fn row(&mut self, fields: i16, seq: usize) {
        self.start(fields);
        self.i32(seq as i32);
    }

    /// Starts a row of `fields` fields.
    pub(super) fn start(&mut self, fields: i16) {
        self.data.extend_from_slice(&fields.to_be_bytes());
        self.rows += 1;
    }

    pub(super) fn i64(&mut self, v: i64) {
        self.data.extend_from_slice(&8i32.to_be_bytes());
        self.data.extend_from_slice(&v.to_be_bytes());
    }

    pub(super) fn i32(&mut self, v: i32) {
        self.data.extend_from_slice(&4i32.to_be_bytes());
        self.data.extend_from_slice(&v.to_be_bytes());
    }

    pub(super) fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.i64(v),
            None => self.null(),
        }
    }

    pub(super) fn bool(&mut self, v: bool) {
        self.data.extend_from_slice(&1i32.to_be_bytes());
        self.data.push(v as u8);
    }

    /// A TEXT value; U+0000, which PostgreSQL's TEXT cannot hold, becomes
    /// U+FFFD (as [`super::import`]'s other rows do).
    pub(super) fn text(&mut self, v: &str) {
        if v.contains('\0') {
            return self.text(&v.replace('\0', "\u{FFFD}"));
        }
        self.data.extend_from_slice(&(v.len() as i32).to_be_bytes());
        self.data.extend_from_slice(v.as_bytes());
    }

    pub(super) fn opt_text(&mut self, v: Option<&str>) {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.data.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn clear(&mut self) {
        self.data.clear();
        self.rows = 0;
    }

    /// The statement that empties `table` after `sent` rows were moved out
    /// of it. `TRUNCATE` inside a savepoint gives a table a new file each
    /// time (6 ms, and the commit removes them all): a folder of thousands
    /// of small files spent a third of its import there. `DELETE` leaves
    /// its rows behind, dead, for every later scan of the table in the same
    /// transaction to step over. So small batches are deleted and the
    /// table is truncated once [`STALE_ROWS`] have gathered.
    fn empty(&mut self, table: &str, sent: usize) -> String {
        self.stale += sent;
        if self.stale >= STALE_ROWS {
            self.stale = 0;
            format!("TRUNCATE {table}")
        } else {
            format!("DELETE FROM {table}")
        }
    }

    /// Copies the rows into their staging table (`copy`, prepared: a COPY
    /// given as text is prepared each time, a round trip more); the queue
    /// is empty after, whatever happened.
    fn send(&mut self, client: &mut Client, copy: &Statement) -> Result<(), BatchError> {
        let result = (|| {
            let mut w = client.copy_in(copy)?;
            w.write_all(COPY_HEADER)?;
            w.write_all(&self.data)?;
            w.write_all(&(-1i16).to_be_bytes())?;
            w.finish()?;
            Ok(())
        })();
        self.clear();
        result
    }
}

/// Dead rows a staging table may hold before it is truncated: a batch's
/// worth.
const STALE_ROWS: usize = 10_000;

/// A batch's failure: the driver's, or writing the COPY data.
pub(super) enum BatchError {
    Db(postgres::Error),
    Io(std::io::Error),
}

impl From<postgres::Error> for BatchError {
    fn from(e: postgres::Error) -> Self {
        BatchError::Db(e)
    }
}

impl From<std::io::Error> for BatchError {
    fn from(e: std::io::Error) -> Self {
        BatchError::Io(e)
    }
}

/// A name a member used in a group: the name, its first and last use.
type NameUse = (Box<str>, i64, i64);

/// What a session queues, per file.
pub(super) struct Batch {
    pub(super) messages: CopyRows,
    /// New messages of the session's own groups ([`FreshGroups`]), copied
    /// straight into `messages`, and their places in the queue.
    pub(super) direct: CopyRows,
    pub(super) direct_seqs: Vec<usize>,
    pub(super) memberships: CopyRows,
    pub(super) activities: CopyRows,
    /// Names recorded (`record_name`): no answer is awaited for them.
    /// Gathered per (member, group) with their first and last use, and
    /// sent at the file's end (or before a merge, or when there are many):
    /// sent with every batch, a member seen in each batch got a new row
    /// version (and, inside the import's transaction, a check of both its
    /// foreign keys) per batch.
    name_uses: FastMap<(i64, i64), Vec<NameUse>>,
    /// Entries in `name_uses`.
    name_count: usize,
    names: CopyRows,
    /// Rows of the three event tables queued since the last flush: the
    /// next row's place in the queue.
    pub(super) queued: usize,
    /// Whether each row sent before the sink asked (before a merge) was
    /// new, in queue order, for the sink's next flush.
    early: Vec<bool>,
    /// Rows per batch.
    limit: usize,
    /// The COPY into each staging table, prepared once: messages,
    /// memberships, activities, names.
    copies: [Statement; 4],
    /// The COPY straight into `messages`.
    copy_direct: Statement,
}

/// The COPY straight into `messages` (ids from the table's own sequence).
const DIRECT: &str =
    "COPY messages (community_id, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions,
                                     bot, edited_ms, content_key, import_id) FROM STDIN (FORMAT binary)";

/// Keys [`FreshGroups`] holds at most, in batches' worth of rows (natural
/// and content keys of all its groups together: 500,000, a few tens of MB,
/// at the usual batch size; a test's small batches make it small too).
/// Past it, it forgets every group but the one being written, and that one
/// too if it alone holds more.
pub(super) const FRESH_BATCHES: usize = 50;

/// The message keys stored in the groups this session created, while it
/// knows all of them: a new group has none but what the session stores, and
/// no other session can write into it before the commit (imports into one
/// community take turns; other communities' keys are their own). A group
/// is forgotten (its messages go through the staging table's
/// `ON CONFLICT` again) when a file is rolled back (its keys are gone from
/// the table but not from here) or when too many keys are held.
pub(super) struct FreshGroups {
    groups: FastMap<i64, FreshKeys>,
    entries: usize,
    cap: usize,
}

#[derive(Default)]
struct FreshKeys {
    keys: std::collections::HashSet<Box<str>, foldhash::fast::RandomState>,
    contents: std::collections::HashSet<i64, foldhash::fast::RandomState>,
}

impl FreshGroups {
    /// Holding at most `cap` keys.
    pub(super) fn new(cap: usize) -> Self {
        FreshGroups { groups: Default::default(), entries: 0, cap }
    }

    /// The session created `group`: nothing is stored in it yet.
    pub(super) fn created(&mut self, group: i64) {
        self.groups.insert(group, FreshKeys::default());
    }

    /// Whether a message of `group` with these keys is new (and now
    /// held), or a duplicate of one stored or queued; `None` if the group's
    /// keys are not all known here. `key` as stored (U+0000 as U+FFFD).
    pub(super) fn message(&mut self, group: i64, key: &str, content_key: i64) -> Option<bool> {
        let g = self.groups.get_mut(&group)?;
        if g.contents.contains(&content_key) || g.keys.contains(key) {
            return Some(false);
        }
        g.contents.insert(content_key);
        g.keys.insert(key.into());
        self.entries += 2;
        if self.entries > self.cap {
            self.groups.retain(|&id, _| id == group);
            self.entries = self.groups.values().map(|g| g.keys.len() + g.contents.len()).sum();
            if self.entries > self.cap {
                self.groups.clear();
                self.entries = 0;
            }
        }
        Some(true)
    }

    /// A file was rolled back: the keys held may name rows that are gone.
    pub(super) fn clear(&mut self) {
        self.groups.clear();
        self.entries = 0;
    }
}

/// The staging tables, for the session's connection (`{messages}` and the
/// like: the real tables' id sequences).
const STAGING: &str = "
CREATE TEMP TABLE stage_messages (
    seq INTEGER NOT NULL, id BIGINT NOT NULL DEFAULT nextval('{messages}'),
    group_id BIGINT, member_id BIGINT, at_ms BIGINT, key TEXT, reply_to TEXT, content_type TEXT, text TEXT,
    mentions TEXT, bot BOOLEAN, edited_ms BIGINT, content_key BIGINT, import_id BIGINT
) ON COMMIT DROP;
CREATE TEMP TABLE stage_memberships (
    seq INTEGER NOT NULL, id BIGINT NOT NULL DEFAULT nextval('{memberships}'),
    group_id BIGINT, member_id BIGINT, kind TEXT, at_ms BIGINT, by_member_id BIGINT, role TEXT, key TEXT,
    content_key BIGINT, import_id BIGINT
) ON COMMIT DROP;
CREATE TEMP TABLE stage_activities (
    seq INTEGER NOT NULL, id BIGINT NOT NULL DEFAULT nextval('{activities}'),
    group_id BIGINT, member_id BIGINT, kind TEXT, at_ms BIGINT, key TEXT, target TEXT, data TEXT,
    content_key BIGINT, import_id BIGINT
) ON COMMIT DROP;
CREATE TEMP TABLE stage_names (
    seq INTEGER NOT NULL, member_id BIGINT, group_id BIGINT, name TEXT, first_ms BIGINT, last_ms BIGINT
) ON COMMIT DROP;
CREATE TEMP TABLE stage_display (seq INTEGER NOT NULL, member_id BIGINT, name TEXT, at_ms BIGINT) ON COMMIT DROP;
";

/// Per table: the COPY into its staging table, and the statement that
/// moves the staged rows (`{c}`: the community's id), returning the places
/// in the queue of the rows stored; [`CopyRows::empty`] then empties the
/// staging table.
const MESSAGES: (&str, &str) = (
    "COPY stage_messages (seq, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions, bot,
                          edited_ms, content_key, import_id) FROM STDIN (FORMAT binary)",
    "WITH added AS (
         INSERT INTO messages (community_id, id, group_id, member_id, at_ms, key, reply_to, content_type, text,
                               mentions, bot, edited_ms, content_key, import_id)
         SELECT {c}, id, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions, bot, edited_ms,
                content_key, import_id
         FROM stage_messages ORDER BY seq
         ON CONFLICT DO NOTHING RETURNING id
     )
     SELECT s.seq FROM stage_messages s JOIN added USING (id)",
);

const MEMBERSHIPS: (&str, &str) = (
    "COPY stage_memberships (seq, group_id, member_id, kind, at_ms, by_member_id, role, key, content_key,
                             import_id) FROM STDIN (FORMAT binary)",
    "WITH added AS (
         INSERT INTO memberships (community_id, id, group_id, member_id, kind, at_ms, by_member_id, role, key,
                                  content_key, import_id)
         SELECT {c}, id, group_id, member_id, kind, at_ms, by_member_id, role, key, content_key, import_id
         FROM stage_memberships ORDER BY seq
         ON CONFLICT DO NOTHING RETURNING id
     )
     SELECT s.seq FROM stage_memberships s JOIN added USING (id)",
);

const ACTIVITIES: (&str, &str) = (
    "COPY stage_activities (seq, group_id, member_id, kind, at_ms, key, target, data, content_key, import_id)
     FROM STDIN (FORMAT binary)",
    "WITH added AS (
         INSERT INTO activities (community_id, id, group_id, member_id, kind, at_ms, key, target, data,
                                 content_key, import_id)
         SELECT {c}, id, group_id, member_id, kind, at_ms, key, target, data, content_key, import_id
         FROM stage_activities ORDER BY seq
         ON CONFLICT DO NOTHING RETURNING id
     )
     SELECT s.seq FROM stage_activities s JOIN added USING (id)",
);

/// Names: each (member, group, name) once, its first and last use
/// widened. (Display names are set once per session: [`display_names`].)
const NAMES: (&str, &str) = (
    "COPY stage_names (seq, member_id, group_id, name, first_ms, last_ms) FROM STDIN (FORMAT binary)",
    "INSERT INTO member_names (community_id, member_id, group_id, name, first_ms, last_ms)
     SELECT {c}, member_id, group_id, name, min(first_ms), max(last_ms) FROM stage_names
     GROUP BY member_id, group_id, name
     ON CONFLICT (community_id, member_id, group_id, name) DO UPDATE
     SET first_ms = least(member_names.first_ms, excluded.first_ms),
         last_ms = greatest(member_names.last_ms, excluded.last_ms)",
);

/// Sets each member's display name to `name`, dated `at_ms`, unless a
/// later one is stored: `(member, name, at_ms)`, each member once.
pub(super) fn display_names<'a>(
    client: &mut Client,
    community: i64,
    names: impl Iterator<Item = (i64, &'a str, i64)>,
) -> Result<(), BatchError> {
    let mut rows = CopyRows::default();
    for (member, name, at) in names {
        rows.row(4, rows.rows);
        rows.i64(member);
        rows.text(name);
        rows.i64(at);
    }
    if rows.rows == 0 {
        return Ok(());
    }
    let copy = client.prepare("COPY stage_display (seq, member_id, name, at_ms) FROM STDIN (FORMAT binary)")?;
    rows.send(client, &copy)?;
    client.batch_execute(&format!(
        "UPDATE members m SET display_name = s.name, name_ms = s.at_ms FROM stage_display s
         WHERE m.community_id = {community} AND m.id = s.member_id AND m.name_ms <= s.at_ms;
         DELETE FROM stage_display"
    ))?;
    Ok(())
}

impl Batch {
    /// Creates the staging tables on the session's connection (inside its
    /// transaction, before any savepoint). `limit`: rows per batch.
    pub(super) fn create(client: &mut Client, limit: usize) -> Result<Self, postgres::Error> {
        let seqs = client.query_one(
            "SELECT pg_get_serial_sequence('messages', 'id'), pg_get_serial_sequence('memberships', 'id'),
                    pg_get_serial_sequence('activities', 'id')",
            &[],
        )?;
        let quoted = |i: usize| seqs.get::<_, String>(i).replace('\'', "''");
        let ddl = STAGING
            .replace("{messages}", &quoted(0))
            .replace("{memberships}", &quoted(1))
            .replace("{activities}", &quoted(2));
        client.batch_execute(&ddl)?;
        let copies = [
            client.prepare(MESSAGES.0)?,
            client.prepare(MEMBERSHIPS.0)?,
            client.prepare(ACTIVITIES.0)?,
            client.prepare(NAMES.0)?,
        ];
        let copy_direct = client.prepare(DIRECT)?;
        Ok(Batch {
            messages: CopyRows::default(),
            direct: CopyRows::default(),
            direct_seqs: Vec::new(),
            memberships: CopyRows::default(),
            activities: CopyRows::default(),
            name_uses: FastMap::default(),
            name_count: 0,
            names: CopyRows::default(),
            queued: 0,
            early: Vec::new(),
            limit: limit.max(1),
            copies,
            copy_direct,
        })
    }

    /// Forgets whatever an earlier file left queued (a file that failed).
    pub(super) fn clear(&mut self) {
        for t in [&mut self.messages, &mut self.direct, &mut self.memberships, &mut self.activities, &mut self.names] {
            t.clear();
        }
        self.direct_seqs.clear();
        self.name_uses.clear();
        self.name_count = 0;
        self.queued = 0;
        self.early.clear();
    }

    /// Whether the sink should flush now.
    pub(super) fn full(&self) -> bool {
        let bytes = self.messages.data.len()
            + self.direct.data.len()
            + self.memberships.data.len()
            + self.activities.data.len();
        self.queued >= self.limit || self.name_count >= self.limit || bytes >= BATCH_BYTES
    }

    /// `member` used `name` in `group` at `at`.
    pub(super) fn name_used(&mut self, member: i64, group: i64, name: &str, at: i64) {
        let uses = self.name_uses.entry((member, group)).or_default();
        match uses.iter_mut().find(|(n, _, _)| &**n == name) {
            Some((_, first, last)) => {
                *first = (*first).min(at);
                *last = (*last).max(at);
            }
            None => {
                uses.push((name.into(), at, at));
                self.name_count += 1;
            }
        }
    }

    /// Moves the gathered names into their COPY rows.
    fn take_names(&mut self) {
        let t = &mut self.names;
        for ((member, group), uses) in self.name_uses.drain() {
            for (name, first, last) in uses {
                t.row(6, t.rows);
                t.i64(member);
                t.i64(group);
                t.text(&name);
                t.i64(first);
                t.i64(last);
            }
        }
        self.name_count = 0;
    }

    /// Sends the names gathered so far (at the end of a file: nothing may
    /// stay behind its savepoint).
    pub(super) fn send_names(&mut self, client: &mut Client, community: i64) -> Result<(), BatchError> {
        self.take_names();
        if self.names.rows == 0 {
            return Ok(());
        }
        let sent = self.names.rows;
        self.names.send(client, &self.copies[3])?;
        let empty = self.names.empty("stage_names", sent);
        client.batch_execute(&format!("{}; {empty}", NAMES.1.replace("{c}", &community.to_string())))?;
        Ok(())
    }

    /// Sends every queued row now, keeping whether each was new for the
    /// sink's next [`Batch::flush`] (before a merge or a key upgrade, which
    /// must find the rows stored).
    pub(super) fn send_early(&mut self, client: &mut Client, community: i64) -> Result<(), BatchError> {
        // A merge moves the member's names: they must be stored too.
        self.take_names();
        let mut early = std::mem::take(&mut self.early);
        let result = self.send(client, community, &mut early);
        self.early = early;
        result
    }

    /// Sends every queued row and appends whether each row queued since the
    /// last flush was new to `added`, in queue order.
    pub(super) fn flush(
        &mut self,
        client: &mut Client,
        community: i64,
        added: &mut Vec<bool>,
    ) -> Result<(), BatchError> {
        added.append(&mut self.early);
        self.send(client, community, added)
    }

    fn send(&mut self, client: &mut Client, community: i64, added: &mut Vec<bool>) -> Result<(), BatchError> {
        let start = added.len();
        added.resize(start + self.queued, false);
        self.queued = 0;
        if self.name_count >= self.limit {
            self.take_names();
        }
        // The session's own groups' new messages first: a staged row of the
        // same group (its keys forgotten since) must find them stored.
        for &seq in &self.direct_seqs {
            added[start + seq] = true;
        }
        self.direct_seqs.clear();
        if self.direct.rows > 0 {
            self.direct.send(client, &self.copy_direct)?;
        }
        let c = community.to_string();
        let tables = [
            (&mut self.messages, MESSAGES.1, "stage_messages"),
            (&mut self.memberships, MEMBERSHIPS.1, "stage_memberships"),
            (&mut self.activities, ACTIVITIES.1, "stage_activities"),
            (&mut self.names, NAMES.1, "stage_names"),
        ];
        for ((rows, insert, table), copy) in tables.into_iter().zip(&self.copies) {
            if rows.rows == 0 {
                continue;
            }
            let sent = rows.rows;
            rows.send(client, copy)?;
            let empty = rows.empty(table, sent);
            for m in client.simple_query(&format!("{}; {empty}", insert.replace("{c}", &c)))? {
                if let postgres::SimpleQueryMessage::Row(row) = m {
                    let seq: usize = row.get(0).and_then(|s| s.parse().ok()).ok_or_else(|| {
                        BatchError::Io(std::io::Error::other("a staged row came back without its place"))
                    })?;
                    match added.get_mut(start + seq) {
                        Some(slot) => *slot = true,
                        None => {
                            return Err(BatchError::Io(std::io::Error::other(
                                "a staged row came back with a place beyond the queue",
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
