//! Imports into SQLite: the session (one transaction, a savepoint per file)
//! and the row operations the shared ingestion and identity rules call.

use super::conn::{BUSY_TIMEOUT, Db};
use super::error::{db, failure, store_error};
use crate::error::StoreError;
use crate::identity::{IdentityRows, RowError, RowResult};
use crate::ingest::{
    ActivityRow, EventRows, FileSink, GroupTally, Insert, MembershipRow, MessageRow, SessionState, unbox,
};
use crate::traits::ImportSession;
use crate::types::{Feed, ImportStats};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashSet;
use std::sync::MutexGuard;
use std::time::Duration;
use tonghao_model::Platform;

/// How long a session waits for another writer before it begins.
const SESSION_WAIT: Duration = Duration::from_secs(600);

/// An open import on a [`crate::SqliteStore`]: `BEGIN IMMEDIATE` at the
/// start (the write lock is taken at once, so a second writer waits at its
/// start rather than failing half-way), `SAVEPOINT` per file, `COMMIT` at the
/// end. Holds the store's connection until it ends.
pub(crate) struct SqliteSession<'s> {
    conn: MutexGuard<'s, Connection>,
    db: &'s Db,
    community: String,
    /// The community's row, once a file of this session found or created it.
    community_id: Option<i64>,
    /// The `(group, time)` and `(member)` indexes' SQL when this session
    /// dropped them (the messages table was empty): rebuilt once at commit.
    time_index: Option<String>,
    member_index: Option<String>,
    /// Merges whose messages move at commit, once `messages_member` is
    /// rebuilt: (name-only member, the member it turned out to be), from the
    /// files kept so far.
    merges: Vec<(i64, i64)>,
    state: SessionState,
    /// The transaction is gone (SQLite rolls back by itself after some
    /// errors, e.g. a full disk): nothing more may be written.
    broken: bool,
    finished: bool,
}

impl<'s> SqliteSession<'s> {
    /// Takes the connection and opens the session's transaction.
    pub(crate) fn begin(db: &'s Db, community: &str) -> Result<Self, StoreError> {
        let conn = db.lock()?;
        let err = self::db(&db.path);
        // The sink only writes rows whose parents it found or created in the
        // same transaction, so per-row foreign-key lookups (three per
        // message) buy nothing during an import; they are back on after.
        // (The pragma is a no-op inside a transaction: set it before.)
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(&err)?;
        // A session holds the write lock for the whole import, so another
        // process's import may hold it for minutes: wait for it rather than
        // fail after the usual few seconds (two imports started together both
        // complete, one after the other). Statements inside keep the short wait.
        let began = conn
            .busy_timeout(SESSION_WAIT)
            .and_then(|()| conn.execute_batch("BEGIN IMMEDIATE"))
            .and_then(|()| conn.busy_timeout(BUSY_TIMEOUT));
        if let Err(e) = began {
            let _ = conn.busy_timeout(BUSY_TIMEOUT);
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            let _ = conn.pragma_update(None, "foreign_keys", "ON");
            return Err(err(e));
        }
        db.begin_session();
        let mut session = SqliteSession {
            conn,
            db,
            community: community.to_string(),
            community_id: None,
            time_index: None,
            member_index: None,
            merges: Vec::new(),
            state: SessionState::new(HashSet::new()),
            broken: false,
            finished: false,
        };
        // On any error below, dropping `session` rolls back and restores the pragma.
        // Into an empty messages table, the (group, time) and (member)
        // indexes are built once at commit after all the rows (a sort each)
        // rather than kept up to date row by row: member ids come in no
        // order, so each insert touched a random page of an index that
        // outgrows the page cache, and the import slowed as the store grew.
        // Merges meanwhile leave messages where they are and move them at
        // commit, through the rebuilt index. The schema's own definitions
        // are used again. Files rolled back to their savepoint do not bring
        // the indexes back; the session's rollback does.
        let empty_table_index = |name: &str| {
            session
                .conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1
                       AND NOT EXISTS (SELECT 1 FROM messages)",
                    [name],
                    |r| r.get::<_, String>(0),
                )
                .optional()
                .map_err(&err)
        };
        let (time_index, member_index) =
            (empty_table_index("messages_group_time")?, empty_table_index("messages_member")?);
        for (index, name) in [(&time_index, "messages_group_time"), (&member_index, "messages_member")] {
            if index.is_some() {
                session.conn.execute_batch(&format!("DROP INDEX {name}")).map_err(&err)?;
            }
        }
        session.time_index = time_index;
        session.member_index = member_index;
        let cid: Option<i64> = session
            .conn
            .query_row("SELECT id FROM communities WHERE name = ?1", [community], |r| r.get(0))
            .optional()
            .map_err(&err)?;
        if let Some(cid) = cid {
            // Through the row operation the identity rules define (a
            // PostgreSQL session loads it the same way).
            let suppressed =
                SqliteRows::new(&session.conn, cid, &db.path).map_err(&err)?.suppressed_identities().map_err(unbox)?;
            session.state = SessionState::new(suppressed);
            session.community_id = Some(cid);
        }
        session.state.legacy_activity_keys = session
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM store_flags WHERE name = 'legacy_activity_keys')", [], |r| {
                r.get(0)
            })
            .map_err(&err)?;
        Ok(session)
    }

    /// Rolls the current file back to its savepoint, or marks the session
    /// broken if SQLite already dropped the whole transaction.
    fn undo_file(&mut self) {
        if self.conn.is_autocommit() || self.conn.execute_batch("ROLLBACK TO file; RELEASE file").is_err() {
            self.broken = true;
        }
        // Cached row ids may name rows that are gone now.
        self.state.forget();
    }

    fn file_in_savepoint(
        &mut self,
        source: &str,
        feed: &mut Feed<'_>,
        created_community: &mut bool,
    ) -> Result<ImportStats, StoreError> {
        let path = self.db.path.as_str();
        let err = db(path);
        let now = Utc::now().timestamp_millis();
        let cid = match self.community_id {
            Some(cid) => cid,
            None => {
                self.conn
                    .execute("INSERT INTO communities (name, created_ms) VALUES (?1, ?2)", params![self.community, now])
                    .map_err(&err)?;
                *created_community = true;
                let cid = self.conn.last_insert_rowid();
                self.community_id = Some(cid);
                cid
            }
        };
        let mut rows = SqliteRows::new(&self.conn, cid, path).map_err(&err)?;
        if self.member_index.is_some() {
            rows.deferred = Some(Vec::new());
        }
        // The file's import row first, so that every row it adds can name
        // it; its format and figures are filled in below.
        self.conn
            .execute(
                "INSERT INTO imports (community_id, source, format, at_ms, stats) VALUES (?1, ?2, '', ?3, '{}')",
                params![cid, source, now],
            )
            .map_err(&err)?;
        let import = self.conn.last_insert_rowid();
        let mut sink = FileSink::new(rows, &mut self.state, import);
        // A failed feed is the error to report, and nothing more may be
        // written for the file: after some errors (a full disk) SQLite has
        // rolled the whole transaction back, and a write now would commit
        // on its own (the file's coverage and import record outliving it).
        let format = feed(&mut sink).map_err(unbox)?;
        let (mut stats, rows) = sink.finish().map_err(unbox)?;
        let merges = rows.deferred.unwrap_or_default();
        match format {
            // Recognised nothing: nothing of it is kept (the caller rolls back).
            None => Ok(stats),
            Some(format) => {
                stats.format = Some(format.clone());
                let json = serde_json::to_string(&stats).expect("stats serialise");
                self.conn
                    .execute("UPDATE imports SET format = ?2, stats = ?3 WHERE id = ?1", params![import, format, json])
                    .map_err(&err)?;
                // Kept with the file: its rollback would undo these merges.
                self.merges.extend(merges);
                Ok(stats)
            }
        }
    }
}

impl ImportSession for SqliteSession<'_> {
    fn file(&mut self, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError> {
        let err = db(&self.db.path);
        if self.broken {
            return Err(failure(
                &self.db.path,
                "the import session was rolled back by an earlier error; start a new one",
            ));
        }
        self.conn.execute_batch("SAVEPOINT file").map_err(&err)?;
        let mut created_community = false;
        let result = self.file_in_savepoint(source, feed, &mut created_community);
        let keep = matches!(&result, Ok(stats) if stats.format.is_some());
        if keep {
            if let Err(e) = self.conn.execute_batch("RELEASE file") {
                self.undo_file();
                return Err(err(e));
            }
        } else {
            self.undo_file();
            if created_community {
                self.community_id = None;
            }
        }
        result
    }

    fn bulk(&self) -> bool {
        self.time_index.is_some() || self.member_index.is_some()
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let err = db(&self.db.path);
        if self.broken {
            return Err(failure(
                &self.db.path,
                "the import session was rolled back by an earlier error; nothing was committed",
            ));
        }
        if let Some(sql) = self.member_index.take() {
            self.conn.execute_batch(&sql).map_err(&err)?;
            // The messages of merged members move now, through the index; the
            // member rows went last so that no new member reused their ids.
            let mut moved =
                self.conn.prepare("UPDATE messages SET member_id = ?2 WHERE member_id = ?1").map_err(&err)?;
            let mut gone = self.conn.prepare("DELETE FROM members WHERE id = ?1").map_err(&err)?;
            for &(from, into) in &self.merges {
                moved.execute(params![from, into]).map_err(&err)?;
                gone.execute([from]).map_err(&err)?;
            }
        }
        if let Some(sql) = self.time_index.take() {
            self.conn.execute_batch(&sql).map_err(&err)?;
        }
        self.conn.execute_batch("COMMIT").map_err(&err)?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for SqliteSession<'_> {
    fn drop(&mut self) {
        if !self.finished && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let _ = self.conn.pragma_update(None, "foreign_keys", "ON");
        self.db.end_session();
    }
}

/// The row operations of one file's import, on the session's connection.
pub(crate) struct SqliteRows<'c> {
    conn: &'c Connection,
    path: &'c str,
    community: i64,
    /// The two inserts nearly every event makes, prepared once per file: a
    /// `prepare_cached` per row hashes the SQL text and moves the statement
    /// in and out of the cache.
    insert_message: MessageInsert<'c>,
    insert_membership: rusqlite::Statement<'c>,
    /// While `messages_member` is dropped (a session into an empty messages
    /// table), merges leave messages and the merged member's row alone and
    /// are listed here, for the commit to finish.
    deferred: Option<Vec<(i64, i64)>>,
}

impl<'c> SqliteRows<'c> {
    fn new(conn: &'c Connection, community: i64, path: &'c str) -> rusqlite::Result<Self> {
        Ok(SqliteRows {
            conn,
            path,
            community,
            insert_message: MessageInsert::new(conn, community)?,
            insert_membership: conn.prepare(
                "INSERT INTO memberships (community_id, group_id, member_id, kind, at_ms, by_member_id, role, key,
                                          content_key, import_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
            )?,
            deferred: None,
        })
    }

    /// A rusqlite error as a row error that names the database.
    fn e(&self) -> impl Fn(rusqlite::Error) -> RowError + '_ {
        |e| Box::new(store_error(self.path, e))
    }
}

impl IdentityRows for SqliteRows<'_> {
    fn member_by_identity(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<i64>> {
        self.conn
            .prepare_cached(
                "SELECT member_id FROM identities WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3",
            )
            .and_then(|mut s| s.query_row(params![self.community, platform.as_str(), external_id], |r| r.get(0)))
            .optional()
            .map_err(self.e())
    }

    fn name_only_member(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<i64>> {
        self.conn
            .prepare_cached(
                "SELECT i.member_id FROM identities i
                 WHERE i.community_id = ?1 AND i.platform = ?2 AND i.external_id = ?3
                   AND NOT EXISTS (SELECT 1 FROM identities j WHERE j.member_id = i.member_id AND j.external_id NOT LIKE '~%')",
            )
            .and_then(|mut s| s.query_row(params![self.community, platform.as_str(), external_id], |r| r.get(0)))
            .optional()
            .map_err(self.e())
    }

    fn member_by_name(&mut self, group: i64, name: &str) -> RowResult<Option<i64>> {
        self.conn
            .prepare_cached(
                "SELECT member_id FROM member_names WHERE group_id = ?1 AND name = ?2 ORDER BY last_ms DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row(params![group, name], |r| r.get(0)))
            .optional()
            .map_err(self.e())
    }

    fn create_member(&mut self, display_name: &str, at_ms: i64, bot: bool) -> RowResult<i64> {
        self.conn
            .prepare_cached("INSERT INTO members (community_id, display_name, name_ms, bot) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute(params![self.community, display_name, at_ms, bot]))
            .map_err(self.e())?;
        Ok(self.conn.last_insert_rowid())
    }

    fn add_identity(&mut self, platform: Platform, external_id: &str, member: i64) -> RowResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO identities (community_id, platform, external_id, member_id) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![self.community, platform.as_str(), external_id, member]))
            .map_err(self.e())?;
        Ok(())
    }

    fn record_name(&mut self, member: i64, group: i64, name: &str, at_ms: i64) -> RowResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO member_names (community_id, member_id, group_id, name, first_ms, last_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (community_id, member_id, group_id, name) DO UPDATE
                 SET first_ms = min(first_ms, excluded.first_ms), last_ms = max(last_ms, excluded.last_ms)",
            )
            .and_then(|mut s| s.execute(params![self.community, member, group, name, at_ms]))
            .map_err(self.e())?;
        self.conn
            .prepare_cached("UPDATE members SET display_name = ?1, name_ms = ?2 WHERE id = ?3 AND name_ms <= ?2")
            .and_then(|mut s| s.execute(params![name, at_ms, member]))
            .map_err(self.e())?;
        Ok(())
    }

    fn merge_member(&mut self, from: i64, into: i64) -> RowResult<()> {
        // Each statement finds `from`'s rows through an index on member_id
        // (`messages_member` and `memberships_by` since schema v3): without
        // them every merge scanned every stored message, and a history with
        // many name-only joins imported in quadratic time (issue 8). While
        // `messages_member` is dropped for the session, messages move and the
        // member row goes at commit instead.
        let deferred = self.deferred.is_some();
        for &sql in MERGE_STATEMENTS {
            if deferred && (sql.starts_with("UPDATE messages") || sql.starts_with("DELETE FROM members")) {
                continue;
            }
            let mut stmt = self.conn.prepare_cached(sql).map_err(self.e())?;
            // Each statement names only the parameters it needs.
            let p: &[&dyn rusqlite::ToSql] = &[&from, &into, &self.community];
            let n = stmt.parameter_count();
            stmt.execute(&p[..n]).map_err(self.e())?;
        }
        if let Some(merges) = &mut self.deferred {
            merges.push((from, into));
        }
        Ok(())
    }

    fn suppressed_identities(&mut self) -> RowResult<HashSet<(String, String)>> {
        super::privacy::suppressed(self.conn, self.community).map_err(self.e())
    }
}

/// What merging member `?1` into `?2` of community `?3` runs, in order.
/// Each finds `?1`'s rows through an index (`merge_statements_use_indexes`
/// checks every one): `member_names` through its primary key, which begins
/// with the community since schema v10; without it each merge read the whole
/// table, and a WeChat folder of join lines imported ten times slower.
pub(crate) const MERGE_STATEMENTS: &[&str] = &[
    "UPDATE messages SET member_id = ?2 WHERE member_id = ?1",
    "UPDATE memberships SET member_id = ?2 WHERE member_id = ?1",
    "UPDATE memberships SET by_member_id = ?2 WHERE by_member_id = ?1",
    "UPDATE activities SET member_id = ?2 WHERE member_id = ?1",
    "UPDATE OR IGNORE checkin_marks SET member_id = ?2 WHERE member_id = ?1",
    "DELETE FROM checkin_marks WHERE member_id = ?1",
    "UPDATE OR IGNORE member_names SET member_id = ?2 WHERE community_id = ?3 AND member_id = ?1",
    "DELETE FROM member_names WHERE community_id = ?3 AND member_id = ?1",
    "UPDATE identities SET member_id = ?2 WHERE member_id = ?1",
    "DELETE FROM members WHERE id = ?1",
];

impl EventRows for SqliteRows<'_> {
    fn find_group(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<(i64, Option<String>, i32)>> {
        self.conn
            .prepare_cached(
                "SELECT id, name, tz_offset_s FROM groups WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![self.community, platform.as_str(), external_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
            })
            .optional()
            .map_err(self.e())
    }

    fn create_group(
        &mut self,
        platform: Platform,
        external_id: &str,
        name: Option<&str>,
        tz_offset_s: i32,
        tz_name: Option<&str>,
    ) -> RowResult<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO groups (community_id, platform, external_id, name, tz_offset_s, tz_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![self.community, platform.as_str(), external_id, name, tz_offset_s, tz_name])
            })
            .map_err(self.e())?;
        Ok(self.conn.last_insert_rowid())
    }

    fn rename_group(&mut self, group: i64, name: &str) -> RowResult<()> {
        self.conn
            .prepare_cached("UPDATE groups SET name = ?1 WHERE id = ?2")
            .and_then(|mut s| s.execute(params![name, group]))
            .map_err(self.e())?;
        Ok(())
    }

    fn insert_message(&mut self, row: MessageRow<'_>) -> RowResult<Insert> {
        match self.insert_message.execute(row) {
            Ok(n) => Ok((n == 1).into()),
            Err(e) => Err(Box::new(store_error(self.path, e))),
        }
    }

    fn insert_membership(&mut self, row: MembershipRow<'_>) -> RowResult<Insert> {
        let n = self.insert_membership.execute(params![
            self.community,
            row.group,
            row.member,
            row.kind,
            row.at,
            row.by,
            row.role,
            row.key,
            row.content_key,
            row.import
        ]);
        match n {
            Ok(n) => Ok((n == 1).into()),
            Err(e) => Err(Box::new(store_error(self.path, e))),
        }
    }

    fn insert_activity(&mut self, row: ActivityRow<'_>) -> RowResult<Insert> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO activities (community_id, group_id, member_id, kind, at_ms, key, target, data,
                                         content_key, import_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    self.community,
                    row.group,
                    row.member,
                    row.kind,
                    row.at,
                    row.key,
                    row.target,
                    row.data,
                    row.content_key,
                    row.import
                ])
            })
            .map_err(self.e())?;
        Ok((n == 1).into())
    }

    fn record_import_group(&mut self, import: i64, t: &GroupTally, first_ms: i64, last_ms: i64) -> RowResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO group_coverage (group_id, community_id, first_ms, last_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (community_id, group_id) DO UPDATE
                 SET first_ms = min(first_ms, excluded.first_ms), last_ms = max(last_ms, excluded.last_ms)",
            )
            .and_then(|mut s| s.execute(params![t.group, self.community, first_ms, last_ms]))
            .map_err(self.e())?;
        self.conn
            .prepare_cached(
                "INSERT INTO import_groups (community_id, import_id, group_id, first_ms, last_ms, added, duplicates)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![self.community, import, t.group, first_ms, last_ms, t.added, t.duplicates])
            })
            .map_err(self.e())?;
        Ok(())
    }

    fn upgrade_activity_key(&mut self, row: &ActivityRow<'_>, legacy_key: &str) -> RowResult<bool> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE OR IGNORE activities SET key = ?6
                 WHERE community_id = ?7 AND group_id = ?1 AND kind = ?2 AND key = ?3 AND member_id = ?4 AND at_ms = ?5",
            )
            .and_then(|mut s| {
                s.execute(params![row.group, row.kind, legacy_key, row.member, row.at, row.key, self.community])
            })
            .map_err(self.e())?;
        Ok(n == 1)
    }
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
    import: Option<i64>,
    /// Whether ?6, ?9 and ?11 are bound to NULL (as after preparing).
    null_reply: bool,
    null_mentions: bool,
    null_edited: bool,
}

impl<'t> MessageInsert<'t> {
    fn new(conn: &'t Connection, community: i64) -> rusqlite::Result<Self> {
        let mut stmt = conn.prepare(
            "INSERT INTO messages (community_id, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions, bot,
                                   edited_ms, content_key, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING",
        )?;
        stmt.raw_bind_parameter(1, community)?;
        Ok(MessageInsert {
            stmt,
            group: None,
            content: None,
            bot: None,
            import: None,
            null_reply: true,
            null_mentions: true,
            null_edited: true,
        })
    }

    /// Inserts the row unless its (group, key) or (group, content key)
    /// exists; returns rows added.
    fn execute(&mut self, row: MessageRow<'_>) -> rusqlite::Result<usize> {
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
        s.raw_bind_parameter(12, row.content_key)?;
        if self.import != Some(row.import) {
            s.raw_bind_parameter(13, row.import)?;
            self.import = Some(row.import);
        }
        s.raw_execute()
    }
}

/// Binds `value`, or NULL unless NULL is bound already.
fn bind_nullable<T: rusqlite::ToSql>(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: Option<T>,
    is_null: &mut bool,
) -> rusqlite::Result<()> {
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
