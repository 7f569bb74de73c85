//! Imports into PostgreSQL: the session (a connection of its own, one
//! transaction, a savepoint per file) and the row operations the shared
//! ingestion and identity rules call.
//!
//! Members, identities and groups are written one row at a time, each a
//! prepared statement: later events look them up (and there are few of
//! them). Messages, memberships, activities and names are queued and sent
//! in batches (`batch.rs`: COPY into staging tables, then one INSERT per
//! table); the shared rules learn which rows were new when a batch is sent.
//! docs/postgres.md has what it costs.

use super::batch::{Batch, BatchError, FreshGroups};
use super::error::{db, failure, store_error};
use crate::error::StoreError;
use crate::identity::{FastMap, IdentityRows, RowError, RowResult};
use crate::ingest::{
    ActivityRow, EventRows, FileSink, GroupTally, Insert, MembershipRow, MessageRow, SessionState, unbox,
};
use crate::traits::ImportSession;
use crate::types::{Feed, ImportStats};
use chrono::Utc;
use postgres::types::ToSql;
use postgres::{Client, Statement};
use std::collections::HashSet;
use tonghao_model::Platform;

/// How long a session waits for another import into the same community
/// before it begins.
const SESSION_WAIT: &str = "600s";

/// An open import on a [`crate::PgStore`]: its own connection, `BEGIN` and
/// an advisory lock on the community (imports into one community take turns,
/// as SQLite's writers do; imports into different communities run side by
/// side), `SAVEPOINT` per file, `COMMIT` at the end.
pub(crate) struct PgSession<'s> {
    client: Client,
    shown: &'s str,
    community: String,
    community_id: Option<i64>,
    stmts: Stmts,
    /// The rows queued for the current file.
    batch: Batch,
    names: NameCache,
    display: DisplayNames,
    /// The keys of the groups this session created ([`FreshGroups`]).
    fresh: FreshGroups,
    state: SessionState,
    /// The transaction or the connection is gone: nothing more may be written.
    broken: bool,
    finished: bool,
}

impl<'s> PgSession<'s> {
    pub(crate) fn begin(
        mut client: Client,
        shown: &'s str,
        community: &str,
        batch_rows: usize,
    ) -> Result<Self, StoreError> {
        let err = db(shown);
        client.batch_execute(&format!("BEGIN; SET LOCAL lock_timeout = '{SESSION_WAIT}'")).map_err(&err)?;
        client.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&community]).map_err(&err)?;
        client.batch_execute(&format!("SET LOCAL lock_timeout = '{}'", super::LOCK_TIMEOUT)).map_err(&err)?;
        let stmts = Stmts::prepare(&mut client).map_err(&err)?;
        let batch = Batch::create(&mut client, batch_rows).map_err(&err)?;
        let mut session = PgSession {
            client,
            shown,
            community: community.to_string(),
            community_id: None,
            stmts,
            batch,
            names: NameCache::default(),
            display: DisplayNames::default(),
            fresh: FreshGroups::new(batch_rows.max(1) * super::batch::FRESH_BATCHES),
            state: SessionState::new(HashSet::new()),
            broken: false,
            finished: false,
        };
        let cid: Option<i64> = session
            .client
            .query_opt("SELECT id FROM communities WHERE name = $1", &[&community])
            .map_err(&err)?
            .map(|r| r.get(0));
        if let Some(cid) = cid {
            // Through the row operation the identity rules define.
            let suppressed = session.rows(cid).suppressed_identities().map_err(unbox)?;
            session.state = SessionState::new(suppressed);
            session.community_id = Some(cid);
        }
        session.state.legacy_activity_keys = session
            .client
            .query_one("SELECT EXISTS (SELECT 1 FROM store_flags WHERE name = 'legacy_activity_keys')", &[])
            .map_err(&err)?
            .get(0);
        Ok(session)
    }

    fn rows(&mut self, community: i64) -> PgRows<'_> {
        PgRows {
            client: &mut self.client,
            shown: self.shown,
            community,
            st: &self.stmts,
            batch: &mut self.batch,
            names: &mut self.names,
            display: &mut self.display,
            fresh: &mut self.fresh,
        }
    }

    /// Rolls the current file back to its savepoint, or marks the session
    /// broken if that fails (the connection is gone).
    fn undo_file(&mut self) {
        if self.client.batch_execute("ROLLBACK TO SAVEPOINT file; RELEASE SAVEPOINT file").is_err() {
            self.broken = true;
        }
        // Cached row ids may name rows that are gone now.
        self.state.forget();
        self.names.clear();
        self.display.file.clear();
        self.fresh.clear();
    }

    fn file_in_savepoint(
        &mut self,
        source: &str,
        feed: &mut Feed<'_>,
        created_community: &mut bool,
    ) -> Result<ImportStats, StoreError> {
        let err = db(self.shown);
        let now = Utc::now().timestamp_millis();
        let cid = match self.community_id {
            Some(cid) => cid,
            None => {
                let cid: i64 = self
                    .client
                    .query_one(
                        "INSERT INTO communities (name, created_ms) VALUES ($1, $2)
                         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                        &[&self.community, &now],
                    )
                    .map_err(&err)?
                    .get(0);
                *created_community = true;
                self.community_id = Some(cid);
                cid
            }
        };
        self.batch.clear();
        let rows = PgRows {
            client: &mut self.client,
            shown: self.shown,
            community: cid,
            st: &self.stmts,
            batch: &mut self.batch,
            names: &mut self.names,
            display: &mut self.display,
            fresh: &mut self.fresh,
        };
        // The file's import row first, so that every row it adds can name
        // it; its format and figures are filled in below.
        let import: i64 = rows
            .client
            .query_one(
                "INSERT INTO imports (community_id, source, format, at_ms, stats) VALUES ($1, $2, '', $3, '{}')
                 RETURNING id",
                &[&cid, &source, &now],
            )
            .map_err(&err)?
            .get(0);
        let mut sink = FileSink::new(rows, &mut self.state, import);
        let format = feed(&mut sink);
        // A failed feed is the error to report: after it PostgreSQL refuses
        // every statement until the rollback, so `finish` would fail too.
        let format = format.map_err(unbox)?;
        let (mut stats, rows) = sink.finish().map_err(unbox)?;
        // The file's names, gathered over the whole file.
        rows.batch.send_names(rows.client, cid).map_err(|e| unbox(rows.batch_error(e)))?;
        match format {
            // Recognised nothing: nothing of it is kept (the caller rolls back).
            None => Ok(stats),
            Some(format) => {
                stats.format = Some(format.clone());
                let json = serde_json::to_string(&stats).expect("stats serialise");
                self.client
                    .execute(
                        "UPDATE imports SET format = $3, stats = $4 WHERE community_id = $1 AND id = $2",
                        &[&cid, &import, &format, &json],
                    )
                    .map_err(&err)?;
                Ok(stats)
            }
        }
    }
}

impl ImportSession for PgSession<'_> {
    fn file(&mut self, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError> {
        if self.broken {
            return Err(failure(self.shown, "the import session was rolled back by an earlier error; start a new one"));
        }
        self.client.batch_execute("SAVEPOINT file").map_err(db(self.shown))?;
        let mut created_community = false;
        let result = self.file_in_savepoint(source, feed, &mut created_community);
        let keep = matches!(&result, Ok(stats) if stats.format.is_some());
        if keep {
            if let Err(e) = self.client.batch_execute("RELEASE SAVEPOINT file") {
                self.undo_file();
                return Err(store_error(self.shown, e));
            }
            self.display.keep_file();
        } else {
            self.undo_file();
            if created_community {
                self.community_id = None;
            }
        }
        result
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        if self.broken {
            return Err(failure(
                self.shown,
                "the import session was rolled back by an earlier error; nothing was committed",
            ));
        }
        if let Some(cid) = self.community_id {
            let names = self.display.kept.iter().map(|(&m, (name, at))| (m, name.as_str(), *at));
            super::batch::display_names(&mut self.client, cid, names).map_err(|e| match e {
                BatchError::Db(e) => store_error(self.shown, e),
                BatchError::Io(e) => failure(self.shown, format!("sending display names: {e}")),
            })?;
        }
        self.client.batch_execute("COMMIT").map_err(db(self.shown))?;
        self.finished = true;
        // Fresh statistics for the planner: autovacuum analyses only some
        // time later, and a planner that still believes the tables empty
        // joins messages to their reply parents by scanning (a snapshot of
        // 20,000 messages took a minute instead of a fraction of a second).
        self.client
            .batch_execute("ANALYZE groups, members, identities, member_names, messages, memberships, activities")
            .map_err(db(self.shown))
    }
}

impl Drop for PgSession<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Closing the connection would roll back too; this says so at once.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

/// Every statement an import runs, prepared once per session. `$1` is
/// always the community.
struct Stmts {
    member_by_identity: Statement,
    name_only_member: Statement,
    member_by_name: Statement,
    create_member: Statement,
    add_identity: Statement,
    merge: Vec<Statement>,
    suppressed: Statement,
    find_group: Statement,
    create_group: Statement,
    rename_group: Statement,
    record_import_group: Statement,
    upgrade_activity_key: Statement,
}

/// A merge's statements: `$2` is the name-only member, `$3` the member it
/// turned out to be. Each finds `$2`'s rows through an index on
/// (community, member).
const MERGE: &[&str] = &[
    "UPDATE messages SET member_id = $3 WHERE community_id = $1 AND member_id = $2",
    "UPDATE memberships SET member_id = $3 WHERE community_id = $1 AND member_id = $2",
    "UPDATE memberships SET by_member_id = $3 WHERE community_id = $1 AND by_member_id = $2",
    "UPDATE activities SET member_id = $3 WHERE community_id = $1 AND member_id = $2",
    "INSERT INTO member_names (community_id, member_id, group_id, name, first_ms, last_ms)
     SELECT community_id, $3::bigint, group_id, name, first_ms, last_ms FROM member_names
     WHERE community_id = $1 AND member_id = $2 ON CONFLICT DO NOTHING",
    "DELETE FROM member_names WHERE community_id = $1 AND member_id = $2",
    "UPDATE identities SET member_id = $3 WHERE community_id = $1 AND member_id = $2",
    "DELETE FROM members WHERE community_id = $1 AND id = $2",
];

impl Stmts {
    fn prepare(c: &mut Client) -> Result<Self, postgres::Error> {
        Ok(Stmts {
            member_by_identity: c.prepare(
                "SELECT member_id FROM identities WHERE community_id = $1 AND platform = $2 AND external_id = $3",
            )?,
            name_only_member: c.prepare(
                "SELECT i.member_id FROM identities i
                 WHERE i.community_id = $1 AND i.platform = $2 AND i.external_id = $3
                   AND NOT EXISTS (SELECT 1 FROM identities j WHERE j.community_id = $1
                                   AND j.member_id = i.member_id AND j.external_id NOT LIKE '~%')",
            )?,
            member_by_name: c.prepare(
                "SELECT member_id, last_ms FROM member_names WHERE community_id = $1 AND group_id = $2 AND name = $3
                 ORDER BY last_ms DESC LIMIT 1",
            )?,
            create_member: c.prepare(
                "INSERT INTO members (community_id, display_name, name_ms, bot) VALUES ($1, $2, $3, $4) RETURNING id",
            )?,
            add_identity: c.prepare(
                "INSERT INTO identities (community_id, platform, external_id, member_id) VALUES ($1, $2, $3, $4)",
            )?,
            merge: MERGE.iter().map(|sql| c.prepare(sql)).collect::<Result<_, _>>()?,
            suppressed: c
                .prepare("SELECT platform, external_id FROM suppressed_identities WHERE community_id = $1")?,
            find_group: c.prepare(
                "SELECT id, name, tz_offset_s FROM groups WHERE community_id = $1 AND platform = $2 AND external_id = $3",
            )?,
            create_group: c.prepare(
                "INSERT INTO groups (community_id, platform, external_id, name, tz_offset_s, tz_name)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )?,
            rename_group: c.prepare("UPDATE groups SET name = $3 WHERE community_id = $1 AND id = $2")?,
            // The group's coverage and the file's record of it: one round trip.
            record_import_group: c.prepare(
                "WITH covered AS (
                     INSERT INTO group_coverage (community_id, group_id, first_ms, last_ms) VALUES ($1, $3, $4, $5)
                     ON CONFLICT (community_id, group_id) DO UPDATE
                     SET first_ms = least(group_coverage.first_ms, excluded.first_ms),
                         last_ms = greatest(group_coverage.last_ms, excluded.last_ms)
                 )
                 INSERT INTO import_groups (community_id, import_id, group_id, first_ms, last_ms, added, duplicates)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?,
            upgrade_activity_key: c.prepare(
                "UPDATE activities a SET key = $7
                 WHERE a.community_id = $1 AND a.group_id = $2 AND a.kind = $3 AND a.key = $4
                   AND a.member_id = $5 AND a.at_ms = $6
                   AND NOT EXISTS (SELECT 1 FROM activities b WHERE b.community_id = $1 AND b.group_id = $2
                                   AND b.kind = $3 AND b.key = $7)",
            )?,
        })
    }
}

/// What `member_by_name` would answer, for the whole session: (group,
/// name) → the member who used the name there last and when (`None`: no
/// one). Filled by lookups and kept up to date by every name the session
/// records, so a folder of many small files (IRC: a file per channel and
/// day, the same people in each) asks the server once per person rather
/// than once per person and file. The identity rules' own name caches live
/// for one file; this one only repeats the store's answer, so importing
/// files one by one or in one session still gives the same members.
#[derive(Default)]
struct NameCache(FastMap<(i64, String), Option<(i64, i64)>>);

impl NameCache {
    /// `member` used `name` in `group` at `at`: the answer changes if it is
    /// the latest use. On a tie between two members the store's order
    /// decides, so the entry goes and the next lookup asks the store.
    fn recorded(&mut self, member: i64, group: i64, name: &str, at: i64) {
        // A (group, name) never looked up needs nothing: the lookup reads
        // the store, where the name will be by then.
        let Some(entry) = self.0.get_mut(&(group, name.to_string())) else { return };
        match *entry {
            None => *entry = Some((member, at)),
            Some((m, last)) if m == member => *entry = Some((m, last.max(at))),
            Some((_, last)) if at > last => *entry = Some((member, at)),
            Some((_, last)) if at == last => {
                self.0.remove(&(group, name.to_string()));
            }
            Some(_) => {}
        }
    }

    /// Forgets every answer that names `a` or `b` (merged: their names moved).
    fn forget_members(&mut self, a: i64, b: i64) {
        self.0.retain(|_, v| !matches!(v, Some((m, _)) if *m == a || *m == b));
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// Display names, set once per session at its commit. `record_name` set a
/// member's display name to each name as it came unless a later one was
/// stored (`name_ms`), so a member seen in every file of a folder got a new
/// row version per file; inside the session's one transaction none of them
/// can be cleaned up, and every lookup of the member (each message's
/// foreign key check) walked them all: IRC's 2,569 files took minutes.
/// One update with the latest name of the session (the last of equal
/// times) leaves the row as those updates one after another did.
#[derive(Default)]
struct DisplayNames {
    /// member → (name, UTC ms), from the files kept so far.
    kept: FastMap<i64, (String, i64)>,
    /// The same for the current file.
    file: FastMap<i64, (String, i64)>,
}

impl DisplayNames {
    /// `member` used `name` at `at`: the latest use (the last of equal
    /// times) is the one set.
    fn recorded(&mut self, member: i64, name: &str, at: i64) {
        match self.file.get_mut(&member) {
            Some(e) if at >= e.1 => *e = (name.to_string(), at),
            Some(_) => {}
            None => {
                self.file.insert(member, (name.to_string(), at));
            }
        }
    }

    /// The current file is kept: its names are later than the earlier
    /// files' at equal times.
    fn keep_file(&mut self) {
        for (member, (name, at)) in self.file.drain() {
            match self.kept.get_mut(&member) {
                Some(e) if at < e.1 => {}
                Some(e) => *e = (name, at),
                None => {
                    self.kept.insert(member, (name, at));
                }
            }
        }
    }

    /// Member `from` was merged away: its row is gone.
    fn merged(&mut self, from: i64) {
        self.file.remove(&from);
        self.kept.remove(&from);
    }
}

/// The row operations of one file's import, on the session's connection.
struct PgRows<'c> {
    client: &'c mut Client,
    shown: &'c str,
    community: i64,
    st: &'c Stmts,
    batch: &'c mut Batch,
    names: &'c mut NameCache,
    display: &'c mut DisplayNames,
    fresh: &'c mut FreshGroups,
}

impl PgRows<'_> {
    /// A driver error as a row error that names the database.
    fn e(&self) -> impl Fn(postgres::Error) -> RowError + '_ {
        |e| Box::new(store_error(self.shown, e))
    }

    /// A batch's failure as a row error that names the database.
    fn batch_error(&self, e: BatchError) -> RowError {
        Box::new(match e {
            BatchError::Db(e) => store_error(self.shown, e),
            BatchError::Io(e) => failure(self.shown, format!("sending a batch of rows: {e}")),
        })
    }

    /// Sends the queued rows now (their answers wait for the sink's flush):
    /// what comes next reads or changes stored rows of their tables.
    fn send_early(&mut self) -> RowResult<()> {
        self.batch.send_early(self.client, self.community).map_err(|e| self.batch_error(e))
    }

    /// The next row's place in the queue, counted as queued.
    fn enqueue(&mut self) -> usize {
        let seq = self.batch.queued;
        self.batch.queued += 1;
        seq
    }
}

/// `text` as PostgreSQL can store it: a TEXT value cannot hold U+0000
/// (SQLite's can), so each one becomes U+FFFD, the replacement character
/// (one character for one: lengths stay). Texts without one, nearly all,
/// are not copied.
fn pg_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') { text.replace('\0', "\u{FFFD}").into() } else { text.into() }
}

/// The first column of the one row `stmt` returns, if any.
fn one_id(
    client: &mut Client,
    shown: &str,
    stmt: &Statement,
    params: &[&(dyn ToSql + Sync)],
) -> RowResult<Option<i64>> {
    let row = client.query_opt(stmt, params).map_err(|e| store_error(shown, e))?;
    Ok(row.map(|r| r.get(0)))
}

/// Runs `stmt`; returns the rows it changed.
fn run(client: &mut Client, shown: &str, stmt: &Statement, params: &[&(dyn ToSql + Sync)]) -> RowResult<u64> {
    Ok(client.execute(stmt, params).map_err(|e| store_error(shown, e))?)
}

impl IdentityRows for PgRows<'_> {
    fn member_by_identity(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<i64>> {
        one_id(
            self.client,
            self.shown,
            &self.st.member_by_identity,
            &[&self.community, &platform.as_str(), &external_id],
        )
    }

    fn name_only_member(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<i64>> {
        one_id(self.client, self.shown, &self.st.name_only_member, &[&self.community, &platform.as_str(), &external_id])
    }

    fn member_by_name(&mut self, group: i64, name: &str) -> RowResult<Option<i64>> {
        let key = (group, name.to_string());
        if let Some(answer) = self.names.0.get(&key) {
            return Ok(answer.map(|(member, _)| member));
        }
        let row = self
            .client
            .query_opt(&self.st.member_by_name, &[&self.community, &group, &pg_text(name)])
            .map_err(self.e())?;
        let answer = row.map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1)));
        self.names.0.insert(key, answer);
        Ok(answer.map(|(member, _)| member))
    }

    fn create_member(&mut self, display_name: &str, at_ms: i64, bot: bool) -> RowResult<i64> {
        let display_name = pg_text(display_name);
        let id =
            one_id(self.client, self.shown, &self.st.create_member, &[&self.community, &display_name, &at_ms, &bot])?;
        Ok(id.expect("INSERT ... RETURNING returns a row"))
    }

    fn add_identity(&mut self, platform: Platform, external_id: &str, member: i64) -> RowResult<()> {
        run(
            self.client,
            self.shown,
            &self.st.add_identity,
            &[&self.community, &platform.as_str(), &external_id, &member],
        )?;
        Ok(())
    }

    /// Queued: nothing reads a name the current file recorded before the
    /// file ends (the identity rules' name caches answer for it), but a
    /// merge, which sends the queue first. The display name waits for the
    /// session's commit ([`DisplayNames`]).
    fn record_name(&mut self, member: i64, group: i64, name: &str, at_ms: i64) -> RowResult<()> {
        self.names.recorded(member, group, name, at_ms);
        self.display.recorded(member, name, at_ms);
        self.batch.name_used(member, group, name, at_ms);
        Ok(())
    }

    fn merge_member(&mut self, from: i64, into: i64) -> RowResult<()> {
        // The merged member's queued rows must be stored for the statements
        // below to move them.
        self.send_early()?;
        self.names.forget_members(from, into);
        self.display.merged(from);
        for stmt in &self.st.merge {
            match stmt.params().len() {
                3 => run(self.client, self.shown, stmt, &[&self.community, &from, &into])?,
                _ => run(self.client, self.shown, stmt, &[&self.community, &from])?,
            };
        }
        Ok(())
    }

    fn suppressed_identities(&mut self) -> RowResult<HashSet<(String, String)>> {
        let rows = self.client.query(&self.st.suppressed, &[&self.community]).map_err(self.e())?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

impl EventRows for PgRows<'_> {
    fn find_group(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<(i64, Option<String>, i32)>> {
        let row = self
            .client
            .query_opt(&self.st.find_group, &[&self.community, &platform.as_str(), &external_id])
            .map_err(self.e())?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }

    fn create_group(
        &mut self,
        platform: Platform,
        external_id: &str,
        name: Option<&str>,
        tz_offset_s: i32,
        tz_name: Option<&str>,
    ) -> RowResult<i64> {
        let id = one_id(
            self.client,
            self.shown,
            &self.st.create_group,
            &[&self.community, &platform.as_str(), &external_id, &name, &tz_offset_s, &tz_name],
        )?;
        let id = id.expect("INSERT ... RETURNING returns a row");
        self.fresh.created(id);
        Ok(id)
    }

    fn rename_group(&mut self, group: i64, name: &str) -> RowResult<()> {
        run(self.client, self.shown, &self.st.rename_group, &[&self.community, &group, &name])?;
        Ok(())
    }

    fn insert_message(&mut self, row: MessageRow<'_>) -> RowResult<Insert> {
        let seq = self.enqueue();
        let t = match self.fresh.message(row.group, &pg_text(row.key), row.content_key) {
            // A group of this session's own: answered now, copied straight in.
            Some(new) => {
                if !new {
                    return Ok(Insert::Queued);
                }
                self.batch.direct_seqs.push(seq);
                let t = &mut self.batch.direct;
                t.start(13);
                t.i64(self.community);
                t
            }
            None => {
                let t = &mut self.batch.messages;
                t.row(13, seq);
                t
            }
        };
        t.i64(row.group);
        t.i64(row.member);
        t.i64(row.at);
        t.text(row.key);
        t.opt_text(row.reply_to);
        t.text(row.content);
        t.text(row.text);
        t.opt_text(row.mentions);
        t.bool(row.bot);
        t.opt_i64(row.edited);
        t.i64(row.content_key);
        t.i64(row.import);
        Ok(Insert::Queued)
    }

    fn insert_membership(&mut self, row: MembershipRow<'_>) -> RowResult<Insert> {
        let seq = self.enqueue();
        let t = &mut self.batch.memberships;
        t.row(10, seq);
        t.i64(row.group);
        t.i64(row.member);
        t.text(row.kind);
        t.i64(row.at);
        t.opt_i64(row.by);
        t.opt_text(row.role);
        t.text(row.key);
        t.i64(row.content_key);
        t.i64(row.import);
        Ok(Insert::Queued)
    }

    fn insert_activity(&mut self, row: ActivityRow<'_>) -> RowResult<Insert> {
        let seq = self.enqueue();
        let t = &mut self.batch.activities;
        t.row(10, seq);
        t.i64(row.group);
        t.i64(row.member);
        t.text(row.kind);
        t.i64(row.at);
        t.text(row.key);
        t.opt_text(row.target);
        t.text(&row.data);
        t.i64(row.content_key);
        t.i64(row.import);
        Ok(Insert::Queued)
    }

    fn queue_full(&self) -> bool {
        self.batch.full()
    }

    fn flush(&mut self, added: &mut Vec<bool>) -> RowResult<()> {
        self.batch.flush(self.client, self.community, added).map_err(|e| self.batch_error(e))
    }

    fn record_import_group(&mut self, import: i64, t: &GroupTally, first_ms: i64, last_ms: i64) -> RowResult<()> {
        run(
            self.client,
            self.shown,
            &self.st.record_import_group,
            &[&self.community, &import, &t.group, &first_ms, &last_ms, &t.added, &t.duplicates],
        )?;
        Ok(())
    }

    fn upgrade_activity_key(&mut self, row: &ActivityRow<'_>, legacy_key: &str) -> RowResult<bool> {
        // Activities queued earlier may hold the key it would take.
        self.send_early()?;
        let n = run(
            self.client,
            self.shown,
            &self.st.upgrade_activity_key,
            &[&self.community, &row.group, &row.kind, &legacy_key, &row.member, &row.at, &row.key],
        )?;
        Ok(n == 1)
    }
}
