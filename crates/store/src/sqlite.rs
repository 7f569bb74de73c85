//! The SQLite backend.

use crate::{
    DeleteStats, Feed, GroupSummary, ImportStats, MemberExport, MemberSummary, Store, StoreError, TableCounts,
};
use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use tonghao_model::snapshot::Snapshot;
use tonghao_model::{Event, EventSink, Header, KeyCounter, PersonRef, Platform, SinkError};

/// Migrations in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_suppressed_identities.sql"),
];

/// A tonghao database in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        let db = |source| StoreError::Db { path: shown.clone(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| db(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        }
        let conn = Connection::open(path).map_err(db)?;
        Self::init(conn, shown)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Db { path: ":memory:".into(), source })?;
        Self::init(conn, ":memory:".into())
    }

    fn init(mut conn: Connection, path: String) -> Result<Self, StoreError> {
        let db = |source| StoreError::Db { path: path.clone(), source };
        // 16 KiB pages for a new database (an existing one keeps its size):
        // a 200k-message import then writes a quarter of the WAL frames and
        // checkpoint writes, and splits fewer b-tree pages.
        conn.pragma_update(None, "page_size", 16384).map_err(db)?;
        // WAL: readers (the dashboard) never block the importer. NORMAL sync is
        // durable across application crashes; only an OS crash may lose the
        // last commit, never corrupt the file.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        conn.pragma_update(None, "busy_timeout", 5000).map_err(db)?;
        // 32 MiB of page cache (the default is 2 MiB): a large import then
        // keeps its index pages in memory instead of spilling them mid-transaction.
        conn.pragma_update(None, "cache_size", -32768).map_err(db)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(db)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path, found: version, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction().map_err(db)?;
            tx.execute_batch(sql).map_err(db)?;
            tx.pragma_update(None, "user_version", i as i64 + 1).map_err(db)?;
            tx.commit().map_err(db)?;
        }
        Ok(SqliteStore { conn, path })
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Db { path: self.path.clone(), source }
    }

    /// The raw connection, for read-only queries by other crates' tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn community_id(&self, community: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT id FROM communities WHERE name = ?1", [community], |r| r.get(0))
            .optional()
            .map_err(self.db())
    }

    fn community_or_err(&self, community: &str) -> Result<i64, StoreError> {
        self.community_id(community)?
            .ok_or_else(|| StoreError::NotFound(format!("no community named {community:?} in {}", self.path)))
    }
}

impl Store for SqliteStore {
    fn import(&mut self, community: &str, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Db { path: path.clone(), source };
        // The sink only writes rows whose parents it found or created in the
        // same transaction, so per-row foreign-key lookups (three per
        // message) buy nothing during an import; they are back on after.
        self.conn.pragma_update(None, "foreign_keys", "OFF").map_err(db)?;
        let result = self.import_tx(community, source, feed);
        self.conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        result
    }

    fn groups(&self, community: &str) -> Result<Vec<GroupSummary>, StoreError> {
        let Some(cid) = self.community_id(community)? else { return Ok(Vec::new()) };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT g.id, g.platform, g.external_id, g.name, g.tz_offset_s,
                        (SELECT count(*) FROM messages m WHERE m.group_id = g.id),
                        (SELECT min(at_ms) FROM messages m WHERE m.group_id = g.id),
                        (SELECT max(at_ms) FROM messages m WHERE m.group_id = g.id)
                 FROM groups g WHERE g.community_id = ?1
                 ORDER BY g.platform, g.name, g.external_id",
            )
            .map_err(self.db())?;
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
            .map_err(self.db())?;
        let mut out = Vec::new();
        for row in rows {
            let (gid, platform, external_id, name, tz, messages, first, last) = row.map_err(self.db())?;
            out.push(GroupSummary {
                platform,
                external_id,
                name,
                members: self.current_members(gid)?,
                messages,
                first_message: first.map(|t| rfc3339(t, tz)),
                last_message: last.map(|t| rfc3339(t, tz)),
            });
        }
        Ok(out)
    }

    fn members(&self, community: &str, group: &str) -> Result<Vec<MemberSummary>, StoreError> {
        let cid = self.community_or_err(community)?;
        let matches: Vec<(i64, i32)> = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT id, tz_offset_s FROM groups WHERE community_id = ?1 AND (external_id = ?2 OR name = ?2)",
                )
                .map_err(self.db())?;
            stmt.query_map(params![cid, group], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(self.db())?
                .collect::<Result<_, _>>()
                .map_err(self.db())?
        };
        let (gid, tz) = match matches.as_slice() {
            [one] => *one,
            [] => {
                return Err(StoreError::NotFound(format!(
                    "no group {group:?} in community {community:?}; `tonghao groups` lists them"
                )));
            }
            _ => {
                return Err(StoreError::NotFound(format!(
                    "{group:?} names {} groups; use the group id from `tonghao groups`",
                    matches.len()
                )));
            }
        };
        let mut stmt = self
            .conn
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
            .map_err(self.db())?;
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
            .map_err(self.db())?;
        rows.collect::<Result<_, _>>().map_err(self.db())
    }

    fn counts(&self) -> Result<TableCounts, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).map_err(self.db())
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

    fn snapshot(
        &self,
        community: &str,
        as_of_ms: Option<i64>,
        text_window_ms: Option<i64>,
    ) -> Result<Snapshot, StoreError> {
        self.load_snapshot(community, as_of_ms, text_window_ms)
    }

    fn member_export(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError> {
        let cid = self.community_or_err(community)?;
        crate::privacy::export(&self.conn, &self.path, cid, community, member_ref)
    }

    fn member_delete(&mut self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError> {
        let cid = self.community_or_err(community)?;
        crate::privacy::delete(&self.conn, &self.path, cid, community, member_ref, true)
    }

    fn member_delete_preview(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError> {
        let cid = self.community_or_err(community)?;
        crate::privacy::delete(&self.conn, &self.path, cid, community, member_ref, false)
    }
}

impl SqliteStore {
    /// One import in one transaction (foreign keys already off).
    fn import_tx(&mut self, community: &str, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Db { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(db)?;
        let now = Utc::now().timestamp_millis();
        tx.execute(
            "INSERT INTO communities (name, created_ms) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            params![community, now],
        )
        .map_err(db)?;
        let community_id: i64 =
            tx.query_row("SELECT id FROM communities WHERE name = ?1", [community], |r| r.get(0)).map_err(db)?;
        // Into an empty messages table, the (group, time) index is built once
        // after the rows (a sort) rather than kept up to date row by row;
        // the schema's own definition is used again. Rolled back with the rest.
        let time_index: Option<String> = tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'messages_group_time'
                   AND NOT EXISTS (SELECT 1 FROM messages)",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if time_index.is_some() {
            tx.execute_batch("DROP INDEX messages_group_time").map_err(db)?;
        }
        let mut sink = ImportSink::new(&tx, community_id).map_err(db)?;
        sink.suppressed = crate::privacy::suppressed(&tx, community_id).map_err(db)?;
        let format = feed(&mut sink);
        let mut stats = std::mem::take(&mut sink.stats);
        drop(sink);
        match format {
            Err(e) => Err(StoreError::Feed(e)), // dropping `tx` rolls back
            Ok(None) => Ok(stats),
            Ok(Some(format)) => {
                if let Some(sql) = time_index {
                    tx.execute_batch(&sql).map_err(db)?;
                }
                stats.format = Some(format.clone());
                let json = serde_json::to_string(&stats).expect("stats serialise");
                tx.execute(
                    "INSERT INTO imports (community_id, source, format, at_ms, stats) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![community_id, source, format, now, json],
                )
                .map_err(db)?;
                tx.commit().map_err(db)?;
                Ok(stats)
            }
        }
    }
}

impl SqliteStore {
    fn load_snapshot(
        &self,
        community: &str,
        as_of_ms: Option<i64>,
        text_window_ms: Option<i64>,
    ) -> Result<Snapshot, StoreError> {
        let cid = crate::snapshot::community(&self.conn, community)
            .map_err(self.db())?
            .ok_or_else(|| StoreError::NotFound(format!("no community named {community:?} in {}", self.path)))?;
        crate::snapshot::load(&self.conn, cid, community, as_of_ms.unwrap_or(i64::MAX), text_window_ms)
            .map_err(self.db())
    }

    /// Members now: anyone who joined or posted, less those whose latest
    /// membership event is a leave.
    fn current_members(&self, gid: i64) -> Result<u64, StoreError> {
        self.conn
            .query_row(
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
            .map_err(self.db())
    }
}

/// Milliseconds since the epoch, shown in the group's offset.
pub(crate) fn rfc3339(ms: i64, tz_offset_s: i32) -> String {
    let tz = FixedOffset::east_opt(tz_offset_s).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz).to_rfc3339()).unwrap_or_default()
}

/// Receives one import's events inside its transaction, resolving groups and
/// members through in-memory caches so that each message costs one INSERT.
struct ImportSink<'t> {
    tx: &'t rusqlite::Transaction<'t>,
    /// The two inserts nearly every event makes, prepared once: a
    /// `prepare_cached` per row hashes the SQL text and moves the statement
    /// in and out of the cache.
    insert_message: MessageInsert<'t>,
    insert_membership: rusqlite::Statement<'t>,
    community: i64,
    stats: ImportStats,
    groups: FastMap<Platform, FastMap<String, GroupState>>,
    /// platform → external id → member (nested so lookups by `&str` allocate nothing).
    identities: FastMap<Platform, FastMap<String, i64>>,
    /// (group row, name) → member, for events that name people only.
    by_name: FastMap<(i64, String), i64>,
    /// (member, group) → the name last recorded, to write names only on change.
    names: FastMap<(i64, i64), String>,
    keys: KeyCounter,
    /// Members created by this import (a merge may take one back).
    created: std::collections::HashSet<i64, foldhash::fast::RandomState>,
    /// Deleted members' (platform, external id), provisional `~name:` ids
    /// included: their events are skipped, their mentions dropped.
    suppressed: std::collections::HashSet<(String, String)>,
    /// Stored events, freed in batches on another thread.
    spent: Vec<Event>,
    dropper: Dropper,
}

struct GroupState {
    id: i64,
    name: Option<String>,
}

type SqlResult<T> = Result<T, rusqlite::Error>;

/// The sink's lookups run several times per event; the keys are ids and
/// names from the export, so a fast hasher, but a seeded one.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

impl<'t> ImportSink<'t> {
    fn new(tx: &'t rusqlite::Transaction<'t>, community: i64) -> SqlResult<Self> {
        Ok(ImportSink {
            tx,
            insert_message: MessageInsert::new(tx, community)?,
            insert_membership: tx.prepare(
                "INSERT INTO memberships (community_id, group_id, member_id, kind, at_ms, by_member_id, role, key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            )?,
            community,
            stats: ImportStats::default(),
            groups: Default::default(),
            identities: Default::default(),
            by_name: Default::default(),
            names: Default::default(),
            keys: KeyCounter::default(),
            created: Default::default(),
            suppressed: Default::default(),
            spent: Vec::with_capacity(SPENT_BATCH),
            dropper: Dropper::new(),
        })
    }

    fn group(&mut self, h: &Header) -> SqlResult<i64> {
        if let Some(g) = self.groups.get_mut(&h.platform).and_then(|m| m.get_mut(h.group.as_str())) {
            if h.group_name.is_some() && g.name != h.group_name {
                self.tx
                    .prepare_cached("UPDATE groups SET name = ?1 WHERE id = ?2")?
                    .execute(params![h.group_name, g.id])?;
                g.name = h.group_name.clone();
            }
            return Ok(g.id);
        }
        let existing: Option<(i64, Option<String>)> = self
            .tx
            .prepare_cached(
                "SELECT id, name FROM groups WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3",
            )?
            .query_row(params![self.community, h.platform.as_str(), h.group], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (id, mut name) = match existing {
            Some(found) => found,
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO groups (community_id, platform, external_id, name, tz_offset_s) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![
                        self.community,
                        h.platform.as_str(),
                        h.group,
                        h.group_name,
                        h.at.offset().local_minus_utc()
                    ])?;
                self.stats.groups += 1;
                (self.tx.last_insert_rowid(), h.group_name.clone())
            }
        };
        if h.group_name.is_some() && name != h.group_name {
            self.tx.prepare_cached("UPDATE groups SET name = ?1 WHERE id = ?2")?.execute(params![h.group_name, id])?;
            name = h.group_name.clone();
        }
        self.groups.entry(h.platform).or_default().insert(h.group.clone(), GroupState { id, name });
        Ok(id)
    }

    /// The member behind a person reference in `group`, created if new.
    fn person(&mut self, group: i64, h: &Header, person: &PersonRef, bot: bool) -> SqlResult<i64> {
        self.person_parts(group, h, person.id.as_deref(), person.name.as_deref(), bot)
    }

    fn person_parts(
        &mut self,
        group: i64,
        h: &Header,
        id: Option<&str>,
        name: Option<&str>,
        bot: bool,
    ) -> SqlResult<i64> {
        let at = h.at.timestamp_millis();
        let member = match (id, name) {
            (Some(ext), name) => self.member_by_id(group, h, ext, name, at, bot)?,
            (None, Some(name)) => self.member_by_name(group, h, name, at)?,
            (None, None) => unreachable!("validated: every person has an id or a name"),
        };
        // Nearly every event: a member seen here before under the same name,
        // so there is nothing to merge or record.
        if name.is_some_and(|name| self.names.get(&(member, group)).is_some_and(|n| n == name)) {
            return Ok(member);
        }
        // First sight of a known id in this group under a name that a join
        // line already introduced: the name-only member is this person.
        if let (Some(_), Some(name)) = (id, name)
            && !self.names.contains_key(&(member, group))
            && let Some(p) = self.provisional(group, h, name)?
            && p != member
        {
            self.merge_member(p, member)?;
        }
        if let Some(name) = name {
            self.record_name(member, group, name, at)?;
        }
        Ok(member)
    }

    fn member_by_id(
        &mut self,
        group: i64,
        h: &Header,
        ext: &str,
        name: Option<&str>,
        at: i64,
        bot: bool,
    ) -> SqlResult<i64> {
        if let Some(&id) = self.identities.get(&h.platform).and_then(|m| m.get(ext)) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT member_id FROM identities WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3",
            )?
            .query_row(params![self.community, h.platform.as_str(), ext], |r| r.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                // Someone first known by name (a join line) who now speaks with an id.
                let provisional = match name {
                    Some(n) => self.provisional(group, h, n)?,
                    None => None,
                };
                let id = match provisional {
                    Some(id) => id,
                    None => self.new_member(name.unwrap_or(ext), at, bot)?,
                };
                self.tx
                    .prepare_cached("INSERT INTO identities (community_id, platform, external_id, member_id) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![self.community, h.platform.as_str(), ext, id])?;
                id
            }
        };
        self.identities.entry(h.platform).or_default().insert(ext.to_string(), id);
        Ok(id)
    }

    /// A member of `group` known so far only by `name`: a provisional
    /// identity that no real id has claimed yet.
    fn provisional(&mut self, _group: i64, h: &Header, name: &str) -> SqlResult<Option<i64>> {
        self.tx
            .prepare_cached(
                "SELECT i.member_id FROM identities i
                 WHERE i.community_id = ?1 AND i.platform = ?2 AND i.external_id = ?3
                   AND NOT EXISTS (SELECT 1 FROM identities j WHERE j.member_id = i.member_id AND j.external_id NOT LIKE '~%')",
            )?
            .query_row(params![self.community, h.platform.as_str(), provisional_id(&h.group, name)], |r| r.get(0))
            .optional()
    }

    /// Moves everything of member `from` (a provisional, name-only member) to
    /// `into` and deletes `from`: the person named in a join line turned out
    /// to be someone already known by id from another group.
    fn merge_member(&mut self, from: i64, into: i64) -> SqlResult<()> {
        for sql in [
            "UPDATE messages SET member_id = ?2 WHERE member_id = ?1",
            "UPDATE memberships SET member_id = ?2 WHERE member_id = ?1",
            "UPDATE memberships SET by_member_id = ?2 WHERE by_member_id = ?1",
            "UPDATE activities SET member_id = ?2 WHERE member_id = ?1",
            "UPDATE OR IGNORE member_names SET member_id = ?2 WHERE member_id = ?1",
            "DELETE FROM member_names WHERE member_id = ?1",
            "UPDATE identities SET member_id = ?2 WHERE member_id = ?1",
            "DELETE FROM members WHERE id = ?1",
        ] {
            let mut stmt = self.tx.prepare_cached(sql)?;
            if sql.contains("?2") {
                stmt.execute(params![from, into])?
            } else {
                stmt.execute(params![from])?
            };
        }
        if self.created.remove(&from) {
            self.stats.members -= 1;
        }
        for v in self.by_name.values_mut() {
            if *v == from {
                *v = into;
            }
        }
        self.names.retain(|(m, _), _| *m != from);
        Ok(())
    }

    fn member_by_name(&mut self, group: i64, h: &Header, name: &str, at: i64) -> SqlResult<i64> {
        let key = (group, name.to_string());
        if let Some(&id) = self.by_name.get(&key) {
            return Ok(id);
        }
        // Whoever used this name in this group most recently.
        let found: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT member_id FROM member_names WHERE group_id = ?1 AND name = ?2 ORDER BY last_ms DESC LIMIT 1",
            )?
            .query_row(params![group, name], |r| r.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                let id = self.new_member(name, at, false)?;
                let ext = provisional_id(&h.group, name);
                self.tx
                    .prepare_cached("INSERT INTO identities (community_id, platform, external_id, member_id) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![self.community, h.platform.as_str(), ext, id])?;
                id
            }
        };
        self.by_name.insert(key, id);
        Ok(id)
    }

    fn new_member(&mut self, name: &str, at: i64, bot: bool) -> SqlResult<i64> {
        self.tx
            .prepare_cached("INSERT INTO members (community_id, display_name, name_ms, bot) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![self.community, name, at, bot])?;
        self.stats.members += 1;
        let id = self.tx.last_insert_rowid();
        self.created.insert(id);
        Ok(id)
    }

    /// Remembers that `member` used `name` in `group` at `at`; the latest name
    /// becomes the member's display name.
    fn record_name(&mut self, member: i64, group: i64, name: &str, at: i64) -> SqlResult<()> {
        if self.names.get(&(member, group)).is_some_and(|n| n == name) {
            return Ok(());
        }
        self.tx
            .prepare_cached(
                "INSERT INTO member_names (community_id, member_id, group_id, name, first_ms, last_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (member_id, group_id, name) DO UPDATE
                 SET first_ms = min(first_ms, excluded.first_ms), last_ms = max(last_ms, excluded.last_ms)",
            )?
            .execute(params![self.community, member, group, name, at])?;
        self.tx
            .prepare_cached("UPDATE members SET display_name = ?1, name_ms = ?2 WHERE id = ?3 AND name_ms <= ?2")?
            .execute(params![name, at, member])?;
        self.by_name.insert((group, name.to_string()), member);
        self.names.insert((member, group), name.to_string());
        Ok(())
    }

    fn actor(&mut self, group: i64, h: &Header, bot: bool) -> SqlResult<i64> {
        self.person_parts(group, h, h.member.as_deref(), h.member_name.as_deref(), bot)
    }

    /// Whether the person with `id` (else `name`) in the group of `h` was
    /// deleted: an id is decisive; without one, a name they used in that group.
    fn is_suppressed(&self, h: &Header, id: Option<&str>, name: Option<&str>) -> bool {
        if self.suppressed.is_empty() {
            return false;
        }
        let ext = match (id, name) {
            (Some(id), _) => id.to_string(),
            (None, Some(name)) => provisional_id(&h.group, name),
            (None, None) => return false,
        };
        self.suppressed.contains(&(h.platform.as_str().to_string(), ext))
    }

    fn store(&mut self, event: &Event) -> SqlResult<()> {
        // Every event without a source id advances the key counter, in file
        // order; one with an id is keyed by it (what `natural_key` returns,
        // without copying it).
        let key: std::borrow::Cow<'_, str> = match &event.header().id {
            Some(id) => id.as_str().into(),
            None => self.keys.natural_key(event).into(),
        };
        let h = event.header();
        if self.is_suppressed(h, h.member.as_deref(), h.member_name.as_deref()) {
            self.stats.suppressed += 1;
            return Ok(());
        }
        let group = self.group(h)?;
        let at = h.at.timestamp_millis();
        match event {
            Event::Message(m) => {
                let member = self.actor(group, h, m.bot)?;
                let kept: Vec<&PersonRef> =
                    m.mentions.iter().filter(|p| !self.is_suppressed(h, p.id.as_deref(), p.name.as_deref())).collect();
                let mentions = (!kept.is_empty()).then(|| serde_json::to_string(&kept).expect("mentions serialise"));
                let added = self.insert_message.execute(MessageRow {
                    group,
                    member,
                    at,
                    key: &key,
                    reply_to: m.reply_to.as_deref(),
                    content: m.content_type.as_str(),
                    text: &m.text,
                    mentions: mentions.as_deref(),
                    bot: m.bot,
                    edited: m.edited_at.map(|t| t.timestamp_millis()),
                })?;
                if added == 1 {
                    self.stats.messages += 1;
                    self.stats.replies += m.reply_to.is_some() as u64;
                } else {
                    self.stats.duplicates += 1;
                }
            }
            Event::Join(j) | Event::Leave(j) => {
                let kind = event.kind();
                let member = self.actor(group, h, false)?;
                let by = match &j.by {
                    Some(p)
                        if (p.id.is_some() || p.name.is_some())
                            && !self.is_suppressed(h, p.id.as_deref(), p.name.as_deref()) =>
                    {
                        Some(self.person(group, h, p, false)?)
                    }
                    _ => None,
                };
                let added = self.membership(group, member, kind, at, by, None, &key)?;
                match (added, kind) {
                    (false, _) => self.stats.duplicates += 1,
                    (true, "join") => self.stats.joins += 1,
                    (true, _) => self.stats.leaves += 1,
                }
            }
            Event::Role(r) => {
                let member = self.actor(group, h, false)?;
                let by = match &r.by {
                    Some(p)
                        if (p.id.is_some() || p.name.is_some())
                            && !self.is_suppressed(h, p.id.as_deref(), p.name.as_deref()) =>
                    {
                        Some(self.person(group, h, p, false)?)
                    }
                    _ => None,
                };
                if self.membership(group, member, "role", at, by, Some(r.role.as_str()), &key)? {
                    self.stats.roles += 1;
                } else {
                    self.stats.duplicates += 1;
                }
            }
            Event::Recall(r) => {
                let data = serde_json::json!({});
                self.activity(group, h, "recall", r.target.as_deref(), data, "")?;
            }
            Event::Checkin(c) => {
                let data = serde_json::json!({ "challenge": c.challenge, "day": c.day, "text": c.text });
                self.activity(group, h, "checkin", None, data, &c.text)?;
            }
            Event::Order(o) => {
                let data =
                    serde_json::json!({ "amount_minor": o.amount_minor, "currency": o.currency, "item": o.item });
                let body = format!("{}{}", o.amount_minor, o.item.as_deref().unwrap_or(""));
                self.activity(group, h, "order", None, data, &body)?;
            }
            Event::Reaction(r) => {
                let data = serde_json::json!({ "emoji": r.emoji });
                let body = format!("{}{}", r.target, r.emoji);
                self.activity(group, h, "reaction", Some(&r.target), data, &body)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn membership(
        &mut self,
        group: i64,
        member: i64,
        kind: &str,
        at: i64,
        by: Option<i64>,
        role: Option<&str>,
        key: &str,
    ) -> SqlResult<bool> {
        let n = self.insert_membership.execute(params![self.community, group, member, kind, at, by, role, key])?;
        Ok(n == 1)
    }

    fn activity(
        &mut self,
        group: i64,
        h: &Header,
        kind: &str,
        target: Option<&str>,
        data: serde_json::Value,
        key: &str,
    ) -> SqlResult<()> {
        let member = self.actor(group, h, false)?;
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO activities (community_id, group_id, member_id, kind, at_ms, key, target, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                self.community,
                group,
                member,
                kind,
                h.at.timestamp_millis(),
                key,
                target,
                data.to_string()
            ])?;
        if n == 1 {
            self.stats.activities += 1;
        } else {
            self.stats.duplicates += 1;
        }
        Ok(())
    }
}

/// One row of `messages`, as [`MessageInsert`] binds it.
struct MessageRow<'a> {
    group: i64,
    member: i64,
    at: i64,
    key: &'a str,
    reply_to: Option<&'a str>,
    content: &'static str,
    text: &'a str,
    mentions: Option<&'a str>,
    bot: bool,
    edited: Option<i64>,
}

/// The messages INSERT, with each parameter bound only when it changes:
/// SQLite keeps bindings from one execution to the next, and binding was
/// about a sixth of the writer's instructions while most columns (community,
/// group, content type, bot, the NULLs) repeat from message to message.
struct MessageInsert<'t> {
    stmt: rusqlite::Statement<'t>,
    group: Option<i64>,
    content: Option<&'static str>,
    bot: Option<bool>,
    /// Whether ?6, ?9 and ?11 are bound to NULL (as after preparing).
    null_reply: bool,
    null_mentions: bool,
    null_edited: bool,
}

impl<'t> MessageInsert<'t> {
    fn new(tx: &'t rusqlite::Transaction<'t>, community: i64) -> SqlResult<Self> {
        let mut stmt = tx.prepare(
            "INSERT INTO messages (community_id, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions, bot, edited_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
        )?;
        stmt.raw_bind_parameter(1, community)?;
        Ok(MessageInsert {
            stmt,
            group: None,
            content: None,
            bot: None,
            null_reply: true,
            null_mentions: true,
            null_edited: true,
        })
    }

    /// Inserts the row unless its (group, key) exists; returns rows added.
    fn execute(&mut self, row: MessageRow<'_>) -> SqlResult<usize> {
        let s = &mut self.stmt;
        if self.group != Some(row.group) {
            s.raw_bind_parameter(2, row.group)?;
            self.group = Some(row.group);
        }
        s.raw_bind_parameter(3, row.member)?;
        s.raw_bind_parameter(4, row.at)?;
        s.raw_bind_parameter(5, row.key)?;
        bind_nullable(s, 6, row.reply_to, &mut self.null_reply)?;
        if self.content != Some(row.content) {
            s.raw_bind_parameter(7, row.content)?;
            self.content = Some(row.content);
        }
        s.raw_bind_parameter(8, row.text)?;
        bind_nullable(s, 9, row.mentions, &mut self.null_mentions)?;
        if self.bot != Some(row.bot) {
            s.raw_bind_parameter(10, row.bot)?;
            self.bot = Some(row.bot);
        }
        bind_nullable(s, 11, row.edited, &mut self.null_edited)?;
        s.raw_execute()
    }
}

/// Binds `value`, or NULL unless NULL is bound already.
fn bind_nullable<T: rusqlite::ToSql>(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: Option<T>,
    is_null: &mut bool,
) -> SqlResult<()> {
    match value {
        Some(v) => {
            stmt.raw_bind_parameter(index, v)?;
            *is_null = false;
        }
        None if !*is_null => {
            stmt.raw_bind_parameter(index, rusqlite::types::Null)?;
            *is_null = true;
        }
        None => {}
    }
    Ok(())
}

fn provisional_id(group: &str, name: &str) -> String {
    format!("~name:{group}:{name}")
}

impl EventSink for ImportSink<'_> {
    fn push(&mut self, event: Event) -> Result<(), SinkError> {
        event.validate()?;
        self.stats.events += 1;
        self.store(&event)?;
        self.spent.push(event);
        if self.spent.len() == SPENT_BATCH {
            self.dropper.drop_later(std::mem::replace(&mut self.spent, Vec::with_capacity(SPENT_BATCH)));
        }
        Ok(())
    }
}

/// Events handed to the [`Dropper`] at a time.
const SPENT_BATCH: usize = 1024;

/// Frees stored events on a helper thread. The import's writing thread is
/// its bottleneck, and freeing the half-dozen strings of each event (made on
/// the reading thread) was about 7% of its instructions.
struct Dropper {
    tx: Option<std::sync::mpsc::SyncSender<Vec<Event>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dropper {
    fn new() -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(4);
        let spawned =
            std::thread::Builder::new().name("tonghao-free".into()).spawn(move || rx.into_iter().for_each(drop));
        match spawned {
            Ok(thread) => Dropper { tx: Some(tx), thread: Some(thread) },
            // No thread: events are freed where they are.
            Err(_) => Dropper { tx: None, thread: None },
        }
    }

    fn drop_later(&self, events: Vec<Event>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(events); // a gone helper returns them, dropped here
        }
    }
}

impl Drop for Dropper {
    fn drop(&mut self) {
        self.tx = None; // ends the helper's loop
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
