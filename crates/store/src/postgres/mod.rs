//! The PostgreSQL backend: the same logical schema as SQLite, keyed by
//! community first (see `migrations/postgres/0001_init.sql`).
//!
//! `mod.rs` connects and migrates, and implements the store's traits by
//! handing a connection to the module for each concern: `import` (the
//! session, on a connection of its own, and the row operations of the shared
//! ingestion and identity rules), `queries`, `snapshot`, `privacy`, `ops`
//! (the operators' records) and `accounts`. Everything else shares one connection behind a mutex.

mod accounts;
mod backfill;
mod batch;
mod error;
mod import;
mod ops;
mod privacy;
mod queries;
mod snapshot;

pub(crate) use self::error::redact;
use self::error::{db, store_error};
use crate::accounts::{AuditEntry, Role, User};
use crate::error::{ErrorKind, StoreError};
use crate::migrations::{Migration, latest, legacy, pending};
use crate::privacy::{DeleteStats, GroupDeleteStats, MemberExport};
use crate::traits::{ImportSession, Ingest, Operations, Privacy, Queries};
use crate::types::{GroupSummary, ImportRecord, MemberNote, MemberSummary, TableCounts};
use crate::undo::ImportUndoStats;
use postgres::{Client, GenericClient, NoTls};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use tonghao_model::decision::{DecidedEvidence, Decision, Verdict};
use tonghao_model::records::{
    Activity, CanvasVersion, CheckinMark, GroupPlace, Management, ManagementMode, MarkKind, OrderImportStats,
    OrderRecord, PointsEntry, Resource, StoredOrder, Task, TemplateOverride,
};
use tonghao_model::snapshot::Snapshot;

/// Every migration, by its file's number (numbers may have gaps: see
/// `crate::migrations`). `tonghao_migrations` records the numbers a
/// database has had; `tonghao_schema.version` the highest.
const MIGRATIONS: &[Migration] = &[
    Migration { number: 1, sql: include_str!("../../migrations/postgres/0001_init.sql") },
    Migration { number: 2, sql: include_str!("../../migrations/postgres/0002_operations.sql") },
    Migration { number: 3, sql: include_str!("../../migrations/postgres/0003_content_keys.sql") },
    Migration { number: 4, sql: include_str!("../../migrations/postgres/0004_privacy.sql") },
    Migration { number: 5, sql: include_str!("../../migrations/postgres/0005_resources_management_templates.sql") },
    Migration { number: 6, sql: include_str!("../../migrations/postgres/0006_decision_evidence.sql") },
    Migration { number: 7, sql: include_str!("../../migrations/postgres/0007_event_foreign_keys.sql") },
    Migration { number: 8, sql: include_str!("../../migrations/postgres/0008_generation_once.sql") },
];

/// The migration that adds content keys: older databases get the keys of
/// their stored rows computed right after it.
const CONTENT_KEYS_MIGRATION: i64 = 3;

/// The advisory lock key a migration holds (any constant: "tonghao" in ASCII).
const MIGRATION_LOCK: i64 = 0x0074_6f6e_6768_616f;

/// Statements wait this long for a row lock (e.g. a community's
/// generation held by an import session), then fail as busy.
const LOCK_TIMEOUT: &str = "5s";

/// A tonghao database on a PostgreSQL server.
///
/// `Send + Sync`: share one behind an `Arc`. Queries take turns on one
/// connection; each import session opens a connection of its own, so
/// reports and the console keep answering while an import runs.
pub struct PgStore {
    config: postgres::Config,
    /// The URL without its password: the only name errors use.
    shown: String,
    client: Mutex<Client>,
    /// Rows an import session queues before it sends them
    /// ([`PgStore::set_import_batch`]).
    import_batch: AtomicUsize,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.shown).finish()
    }
}

/// Whether `db` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

impl PgStore {
    /// The schema version this tonghao writes: the highest migration number it knows.
    pub const SCHEMA_VERSION: i64 = latest(MIGRATIONS);

    /// Connects to the database at `url` (`postgres://user:password@host:port/db`,
    /// no TLS) and brings its schema up to date. The password never appears
    /// in an error: they name the URL without it.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let shown = redact(url);
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            // The parser may quote the text it failed on.
            let mut message = e.to_string();
            if let Some(pw) = password(url).filter(|p| !p.is_empty()) {
                message = message.replace(&pw, "***");
            }
            StoreError::Db { path: shown.clone(), kind: ErrorKind::Other, message }
        })?;
        let mut client = connect(&config, &shown)?;
        migrate(&mut client, &shown)?;
        Ok(PgStore { config, shown, client: Mutex::new(client), import_batch: AtomicUsize::new(batch::BATCH_ROWS) })
    }

    /// Sets how many rows an import session queues before it sends them
    /// (10,000 unless set; at least 1), for the store's tests: a small
    /// batch puts batch boundaries inside a small file. Not an API.
    #[doc(hidden)]
    pub fn set_import_batch(&self, rows: usize) {
        self.import_batch.store(rows.max(1), Ordering::Relaxed);
    }

    /// The shared connection, connected again if the server closed it.
    fn lock(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        if client.is_closed() {
            *client = connect(&self.config, &self.shown)?;
        }
        Ok(client)
    }

    /// A connection to run `f` on, for the store's own tests (they check
    /// rows and the catalog the traits do not show). Not an API.
    #[doc(hidden)]
    pub fn test_client<T>(&self, f: impl FnOnce(&mut Client) -> T) -> T {
        f(&mut self.lock().expect("the test server answers"))
    }
}

/// The password in `url`, as written (percent-encoded or not).
fn password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let from_userinfo = authority.rsplit_once('@').and_then(|(u, _)| u.split_once(':')).map(|(_, p)| p.to_string());
    from_userinfo
        .or_else(|| rest.split_once('?')?.1.split('&').find_map(|p| p.strip_prefix("password=")).map(str::to_string))
}

/// A new connection with the store's session settings.
fn connect(config: &postgres::Config, shown: &str) -> Result<Client, StoreError> {
    let mut client = config.connect(NoTls).map_err(db(shown))?;
    client
        .batch_execute(&format!("SET lock_timeout = '{LOCK_TIMEOUT}'; SET client_min_messages = warning"))
        .map_err(db(shown))?;
    Ok(client)
}

/// Brings the schema up to date in one transaction, under an advisory lock:
/// several processes opening a new database at once wait for the first one's
/// migration and then find nothing left to do. An up-to-date database (the
/// usual case) takes no lock.
fn migrate(client: &mut Client, shown: &str) -> Result<(), StoreError> {
    let err = db(shown);
    if todo(client, shown)?.1.is_empty() {
        return Ok(());
    }
    let mut tx = client.transaction().map_err(&err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(&err)?;
    let (v, todo) = todo(&mut tx, shown)?;
    let recorded: bool =
        tx.query_one("SELECT to_regclass('tonghao_migrations') IS NOT NULL", &[]).map_err(&err)?.get(0);
    tx.batch_execute("CREATE TABLE IF NOT EXISTS tonghao_schema (version BIGINT NOT NULL)").map_err(&err)?;
    if !recorded {
        // A database from before the record: note what it had (only then:
        // a recorded database's version is its highest number, not a count).
        tx.batch_execute("CREATE TABLE tonghao_migrations (number BIGINT PRIMARY KEY)").map_err(&err)?;
        for n in legacy(v) {
            tx.execute("INSERT INTO tonghao_migrations (number) VALUES ($1)", &[&n]).map_err(&err)?;
        }
    }
    for m in todo {
        tx.batch_execute(m.sql).map_err(&err)?;
        if m.number == CONTENT_KEYS_MIGRATION {
            backfill::content_keys(&mut tx).map_err(&err)?;
        }
        tx.execute("INSERT INTO tonghao_migrations (number) VALUES ($1)", &[&m.number]).map_err(&err)?;
    }
    let highest: i64 = tx.query_one("SELECT max(number) FROM tonghao_migrations", &[]).map_err(&err)?.get(0);
    tx.execute("DELETE FROM tonghao_schema", &[]).map_err(&err)?;
    tx.execute("INSERT INTO tonghao_schema (version) VALUES ($1)", &[&highest]).map_err(&err)?;
    tx.commit().map_err(&err)
}

/// What the database at `shown` has had (its recorded version) and which
/// known migrations it lacks.
fn todo(c: &mut impl GenericClient, shown: &str) -> Result<(i64, Vec<&'static Migration>), StoreError> {
    let err = db(shown);
    let known = latest(MIGRATIONS);
    let too_new = |found| StoreError::TooNew { path: shown.to_string(), found, known };
    let exists: bool = c.query_one("SELECT to_regclass('tonghao_schema') IS NOT NULL", &[]).map_err(&err)?.get(0);
    let v = if exists {
        c.query_opt("SELECT version FROM tonghao_schema", &[]).map_err(&err)?.map_or(0, |r| r.get(0))
    } else {
        0
    };
    if v > known {
        return Err(too_new(v));
    }
    let recorded: bool = c.query_one("SELECT to_regclass('tonghao_migrations') IS NOT NULL", &[]).map_err(&err)?.get(0);
    let applied: BTreeSet<i64> = if recorded {
        c.query("SELECT number FROM tonghao_migrations", &[]).map_err(&err)?.iter().map(|r| r.get(0)).collect()
    } else {
        legacy(v)
    };
    Ok((v, pending(MIGRATIONS, &applied).map_err(too_new)?))
}

impl Ingest for PgStore {
    fn begin_import(&self, community: &str) -> Result<Box<dyn ImportSession + '_>, StoreError> {
        let client = connect(&self.config, &self.shown)?;
        let batch = self.import_batch.load(Ordering::Relaxed);
        Ok(Box::new(import::PgSession::begin(client, &self.shown, community, batch)?))
    }
}

impl Queries for PgStore {
    fn groups(&self, community: &str) -> Result<Vec<GroupSummary>, StoreError> {
        queries::groups(&mut *self.lock()?, &self.shown, community)
    }

    fn members(&self, community: &str, group: &str) -> Result<Vec<MemberSummary>, StoreError> {
        queries::members(&mut *self.lock()?, &self.shown, community, group)
    }

    fn counts(&self) -> Result<TableCounts, StoreError> {
        queries::counts(&mut *self.lock()?, &self.shown)
    }

    fn snapshot(
        &self,
        community: &str,
        as_of_ms: Option<i64>,
        text_window_ms: Option<i64>,
    ) -> Result<Snapshot, StoreError> {
        let mut client = self.lock()?;
        let cid = queries::community_or_err(&mut *client, &self.shown, community)?;
        snapshot::load(&mut client, &self.shown, cid, community, as_of_ms.unwrap_or(i64::MAX), text_window_ms)
    }

    fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        queries::imports(&mut *self.lock()?, &self.shown)
    }
}

impl Operations for PgStore {
    fn record_decision(&self, community: &str, d: &Decision) -> Result<(), StoreError> {
        let mut client = self.lock()?;
        let cid = queries::community_or_err(&mut *client, &self.shown, community)?;
        client
            .execute(
                "INSERT INTO move_decisions (community_id, move_id, kind, group_id, member_id, verdict, at_ms, evidence)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (community_id, move_id) DO UPDATE SET verdict = excluded.verdict, at_ms = excluded.at_ms,
                     evidence = excluded.evidence",
                &[&cid, &d.move_id, &d.kind, &d.group, &d.member, &d.verdict.as_str(), &d.at_ms, &d.evidence.to_json()],
            )
            .map_err(db(&self.shown))?;
        Ok(())
    }

    fn decisions(&self, community: &str) -> Result<Vec<Decision>, StoreError> {
        let mut client = self.lock()?;
        let Some(cid) = queries::community_id(&mut *client, &self.shown, community)? else { return Ok(Vec::new()) };
        let rows = client
            .query(
                "SELECT move_id, kind, group_id, member_id, verdict, at_ms, evidence FROM move_decisions
                 WHERE community_id = $1 ORDER BY at_ms, move_id COLLATE \"C\"",
                &[&cid],
            )
            .map_err(db(&self.shown))?;
        Ok(rows
            .iter()
            .map(|r| Decision {
                move_id: r.get(0),
                kind: r.get(1),
                group: r.get(2),
                member: r.get(3),
                verdict: r.get::<_, String>(4).parse().unwrap_or(Verdict::Dismissed),
                at_ms: r.get(5),
                evidence: DecidedEvidence::from_json(r.get(6)),
            })
            .collect())
    }

    fn note_add(&self, community: &str, member_ref: &str, author: &str, text: &str) -> Result<MemberNote, StoreError> {
        ops::note_add(&mut *self.lock()?, &self.shown, community, member_ref, author, text)
    }

    fn notes(&self, community: &str, member_ref: &str) -> Result<Vec<MemberNote>, StoreError> {
        ops::notes(&mut *self.lock()?, &self.shown, community, member_ref)
    }

    fn import_orders(&self, community: &str, orders: &[OrderRecord]) -> Result<OrderImportStats, StoreError> {
        ops::import_orders(&mut *self.lock()?, &self.shown, community, orders)
    }

    fn orders(&self, community: &str) -> Result<Vec<StoredOrder>, StoreError> {
        ops::orders(&mut *self.lock()?, &self.shown, community)
    }

    fn add_checkin_mark(
        &self,
        community: &str,
        group: &str,
        member: &str,
        day: &str,
        kind: MarkKind,
    ) -> Result<CheckinMark, StoreError> {
        ops::add_checkin_mark(&mut *self.lock()?, &self.shown, community, group, member, day, kind)
    }

    fn checkin_marks(&self, community: &str) -> Result<Vec<CheckinMark>, StoreError> {
        ops::checkin_marks(&mut *self.lock()?, &self.shown, community)
    }

    fn add_activity(&self, community: &str, activity: &Activity) -> Result<Activity, StoreError> {
        ops::add_activity(&mut *self.lock()?, &self.shown, community, activity)
    }

    fn activities(&self, community: &str) -> Result<Vec<Activity>, StoreError> {
        ops::activities(&mut *self.lock()?, &self.shown, community)
    }

    fn add_task(&self, community: &str, task: &Task) -> Result<Option<Task>, StoreError> {
        ops::add_task(&mut *self.lock()?, &self.shown, community, task)
    }

    fn tasks(&self, community: &str) -> Result<Vec<Task>, StoreError> {
        ops::tasks(&mut *self.lock()?, &self.shown, community)
    }

    fn set_task_done(&self, community: &str, id: i64, done_ms: Option<i64>) -> Result<Task, StoreError> {
        ops::set_task_done(&mut *self.lock()?, &self.shown, community, id, done_ms)
    }

    fn add_points(&self, community: &str, entry: &PointsEntry) -> Result<PointsEntry, StoreError> {
        ops::add_points(&mut *self.lock()?, &self.shown, community, entry)
    }

    fn points(&self, community: &str) -> Result<Vec<PointsEntry>, StoreError> {
        ops::points(&mut *self.lock()?, &self.shown, community)
    }

    fn save_canvas(&self, community: &str, canvas: &CanvasVersion) -> Result<CanvasVersion, StoreError> {
        ops::save_canvas(&mut *self.lock()?, &self.shown, community, canvas)
    }

    fn canvas_versions(&self, community: &str) -> Result<Vec<CanvasVersion>, StoreError> {
        ops::canvas_versions(&mut *self.lock()?, &self.shown, community)
    }

    fn add_resource(&self, community: &str, resource: &Resource) -> Result<Resource, StoreError> {
        ops::add_resource(&mut *self.lock()?, &self.shown, community, resource)
    }

    fn resources(&self, community: &str) -> Result<Vec<Resource>, StoreError> {
        ops::resources(&mut *self.lock()?, &self.shown, community)
    }

    fn set_resource_tags(&self, community: &str, id: i64, tags: &[String]) -> Result<Resource, StoreError> {
        ops::set_resource_tags(&mut *self.lock()?, &self.shown, community, id, tags)
    }

    fn remove_resource(&self, community: &str, id: i64) -> Result<Resource, StoreError> {
        ops::remove_resource(&mut *self.lock()?, &self.shown, community, id)
    }

    fn set_management_mode(&self, community: &str, mode: ManagementMode, at_ms: i64) -> Result<(), StoreError> {
        ops::set_management_mode(&mut *self.lock()?, &self.shown, community, mode, at_ms)
    }

    fn set_group_place(&self, community: &str, place: &GroupPlace) -> Result<GroupPlace, StoreError> {
        ops::set_group_place(&mut *self.lock()?, &self.shown, community, place)
    }

    fn management(&self, community: &str) -> Result<Management, StoreError> {
        ops::management(&mut *self.lock()?, &self.shown, community)
    }

    fn set_template(
        &self,
        community: &str,
        key: &str,
        lang: &str,
        text: Option<&str>,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        ops::set_template(&mut *self.lock()?, &self.shown, community, key, lang, text, at_ms)
    }

    fn templates(&self, community: &str) -> Result<Vec<TemplateOverride>, StoreError> {
        ops::templates(&mut *self.lock()?, &self.shown, community)
    }
}

/// The tables of imported events: no foreign keys to groups and members
/// (migration 0007), so whatever deletes a group or a member deletes their
/// rows itself.
const EVENT_TABLES: [&str; 3] = ["messages", "memberships", "activities"];

/// The tables a member's deletion removes rows from or rewrites.
const MEMBER_TABLES: &str = "messages, memberships, activities, member_names, identities, members, member_notes, \
                             orders, checkin_marks, tasks, points, report_pages";
/// The tables a group's deletion removes rows from (its events by hand,
/// the rest by their cascade).
const GROUP_TABLES: &str = "groups, messages, memberships, activities, member_names, group_coverage, \
                            move_decisions, planned_activities, checkin_marks, report_pages";

/// After an erase is committed: `VACUUM FULL` rewrites `tables` into new
/// files and removes the old ones, where the deleted rows' bytes stayed
/// (a plain VACUUM only marks their space free: the bytes stay until a new
/// row lands on them). It locks each table while it copies it, so it is
/// for erasure, not for every write. Then a checkpoint, so that the
/// write-ahead log segments holding the deleted rows can be recycled
/// sooner; it needs the `pg_checkpoint` role (or superuser) and is skipped
/// without it (docs/postgres.md, "Erasure").
fn erased(client: &mut Client, shown: &str, tables: &str) -> Result<(), StoreError> {
    client.batch_execute(&format!("VACUUM (FULL) {tables}")).map_err(db(shown))?;
    if let Err(e) = client.batch_execute("CHECKPOINT")
        && e.code() != Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    {
        return Err(store_error(shown, e));
    }
    Ok(())
}

/// Every [`Accounts`] call: take the connection, hand it to `accounts`.
macro_rules! with_client {
    ($self:ident, $f:ident($($arg:expr),*)) => {{
        let mut client = $self.lock()?;
        accounts::$f(&mut client, &$self.shown $(, $arg)*)
    }};
}

crate::traits::accounts_by!(PgStore, with_client);

impl Privacy for PgStore {
    fn member_export(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError> {
        let mut client = self.lock()?;
        let cid = queries::community_or_err(&mut *client, &self.shown, community)?;
        privacy::export(&mut client, &self.shown, cid, community, member_ref, true)
    }

    fn member_record(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError> {
        let mut client = self.lock()?;
        let cid = queries::community_or_err(&mut *client, &self.shown, community)?;
        privacy::export(&mut client, &self.shown, cid, community, member_ref, false)
    }

    fn member_delete(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError> {
        let mut client = self.lock()?;
        let cid = queries::community_or_err(&mut *client, &self.shown, community)?;
        let stats = privacy::delete(&mut client, &self.shown, cid, community, member_ref, true)?;
        erased(&mut client, &self.shown, MEMBER_TABLES)?;
        Ok(stats)
    }

    fn member_delete_preview(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError> {
        let mut client = self.lock()?;
        let cid = queries::community_or_err(&mut *client, &self.shown, community)?;
        privacy::delete(&mut client, &self.shown, cid, community, member_ref, false)
    }

    fn group_delete(&self, community: &str, group: &str) -> Result<GroupDeleteStats, StoreError> {
        let mut client = self.lock()?;
        let shown = &self.shown;
        let (cid, gid, _) = queries::find_group(&mut *client, shown, community, group)?;
        let mut tx = client.transaction().map_err(db(shown))?;
        let mut count = |table: &str| -> Result<u64, StoreError> {
            let sql = format!("SELECT count(*) FROM {table} WHERE community_id = $1 AND group_id = $2");
            Ok(tx.query_one(sql.as_str(), &[&cid, &gid]).map_err(db(shown))?.get::<_, i64>(0) as u64)
        };
        let stats = GroupDeleteStats {
            group_id: gid,
            messages: count("messages")?,
            memberships: count("memberships")?,
            activities: count("activities")?,
            member_names: count("member_names")?,
            planned_activities: count("planned_activities")?,
            checkin_marks: count("checkin_marks")?,
        };
        // The event tables have no foreign keys (migration 0007): their
        // rows go first, by hand. Every other table that names the group
        // references it ON DELETE CASCADE.
        for table in EVENT_TABLES {
            let sql = format!("DELETE FROM {table} WHERE community_id = $1 AND group_id = $2");
            tx.execute(sql.as_str(), &[&cid, &gid]).map_err(db(shown))?;
        }
        tx.execute("DELETE FROM groups WHERE community_id = $1 AND id = $2", &[&cid, &gid]).map_err(db(shown))?;
        // Cached console pages may quote the group's messages.
        tx.execute("DELETE FROM report_pages WHERE community_id = $1", &[&cid]).map_err(db(shown))?;
        tx.commit().map_err(|e| store_error(shown, e))?;
        erased(&mut client, shown, GROUP_TABLES)?;
        Ok(stats)
    }

    fn import_undo(&self, community: &str, import: i64) -> Result<ImportUndoStats, StoreError> {
        use crate::undo;
        let mut client = self.lock()?;
        let shown = &self.shown;
        let err = db(shown);
        let cid = queries::community_or_err(&mut *client, shown, community)?;
        let mut tx = client.transaction().map_err(&err)?;
        let found: bool = tx
            .query_one("SELECT EXISTS (SELECT 1 FROM imports WHERE community_id = $1 AND id = $2)", &[&cid, &import])
            .map_err(&err)?
            .get(0);
        if !found {
            return Err(StoreError::no_import(import, community));
        }
        let mut stats = ImportUndoStats { import_id: import, ..Default::default() };
        for table in undo::TABLES {
            stats.kept += tx.execute(undo::pass_on(table).as_str(), &[&cid, &import]).map_err(&err)?;
            let removed = tx.execute(undo::remove(table).as_str(), &[&cid, &import]).map_err(&err)?;
            match table {
                "messages" => stats.messages = removed,
                "memberships" => stats.memberships = removed,
                _ => stats.activities = removed,
            }
        }
        let groups: Vec<i64> =
            tx.query(undo::GROUPS, &[&cid, &import]).map_err(&err)?.iter().map(|r| r.get(0)).collect();
        tx.execute(undo::FORGET, &[&cid, &import]).map_err(&err)?;
        for group in groups {
            for (i, sql) in undo::TIDY_GROUP.iter().enumerate() {
                let n = tx.execute(*sql, &[&cid, &group]).map_err(&err)?;
                if i == 1 {
                    stats.groups += n;
                }
            }
        }
        tx.execute(undo::BUMP, &[&cid]).map_err(&err)?;
        // Cached console pages may quote what went.
        tx.execute("DELETE FROM report_pages WHERE community_id = $1", &[&cid]).map_err(&err)?;
        tx.commit().map_err(|e| store_error(shown, e))?;
        erased(&mut client, shown, "messages, memberships, activities, member_names, report_pages")?;
        Ok(stats)
    }

    fn retention(&self, community: &str) -> Result<Option<u32>, StoreError> {
        let mut client = self.lock()?;
        let row = client
            .query_opt("SELECT retention_months FROM communities WHERE name = $1", &[&community])
            .map_err(db(&self.shown))?;
        Ok(row.and_then(|r| r.get::<_, Option<i32>>(0)).map(|m| m as u32))
    }

    fn set_retention(&self, community: &str, months: Option<u32>) -> Result<(), StoreError> {
        let mut client = self.lock()?;
        let cid = accounts::ensure_community(&mut *client, &self.shown, community)?;
        let months = months.map(|m| m.min(i32::MAX as u32) as i32);
        client
            .execute("UPDATE communities SET retention_months = $2 WHERE id = $1", &[&cid, &months])
            .map_err(db(&self.shown))?;
        Ok(())
    }

    fn expire_texts(&self, community: &str, before_ms: i64) -> Result<u64, StoreError> {
        let mut client = self.lock()?;
        let Some(cid) = queries::community_id(&mut *client, &self.shown, community)? else { return Ok(0) };
        let n = privacy::expire(&mut client, &self.shown, cid, before_ms)?;
        if n > 0 {
            erased(&mut client, &self.shown, "messages, report_pages")?;
        }
        Ok(n)
    }

    fn pseudonym_key(&self, community: &str, candidate: &str) -> Result<String, StoreError> {
        let mut client = self.lock()?;
        let cid = accounts::ensure_community(&mut *client, &self.shown, community)?;
        let row = client
            .query_one(
                "UPDATE communities SET pseudonym_key = COALESCE(pseudonym_key, $2) WHERE id = $1 RETURNING pseudonym_key",
                &[&cid, &candidate],
            )
            .map_err(db(&self.shown))?;
        Ok(row.get(0))
    }
}
