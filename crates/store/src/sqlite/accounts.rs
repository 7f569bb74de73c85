//! The console's accounts in SQLite (schema v7, `0007_accounts.sql`).

use super::error::db;
use super::queries::community_id;
use crate::accounts::{AuditEntry, Role, User};
use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, params};

type R<T> = Result<T, StoreError>;

pub(crate) fn communities(conn: &Connection, path: &str) -> R<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM communities ORDER BY name").map_err(db(path))?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(db(path))?;
    rows.collect::<Result<_, _>>().map_err(db(path))
}

/// The community's row id, created if new.
fn ensure_community(conn: &Connection, path: &str, community: &str) -> R<i64> {
    if let Some(id) = community_id(conn, path, community)? {
        return Ok(id);
    }
    let now = chrono::Utc::now().timestamp_millis();
    conn.execute("INSERT INTO communities (name, created_ms) VALUES (?1, ?2)", params![community, now])
        .map_err(db(path))?;
    Ok(conn.last_insert_rowid())
}

fn user_communities(conn: &Connection, path: &str, user_id: i64) -> R<Vec<String>> {
    let mut stmt = conn
        .prepare(
            "SELECT c.name FROM user_communities uc JOIN communities c ON c.id = uc.community_id
             WHERE uc.user_id = ?1 ORDER BY c.name",
        )
        .map_err(db(path))?;
    let rows = stmt.query_map([user_id], |r| r.get(0)).map_err(db(path))?;
    rows.collect::<Result<_, _>>().map_err(db(path))
}

fn user_row(conn: &Connection, path: &str, id: i64, name: String, role: String) -> R<User> {
    let role = role.parse().map_err(|e: String| StoreError::gone(e))?;
    Ok(User { id, name, role, communities: user_communities(conn, path, id)? })
}

fn unknown_user(name: &str) -> StoreError {
    StoreError::no_user(name)
}

/// Runs `sql` with `name` as ?1 (and `extra` as ?2); a user that does not exist is an error.
fn change_user(conn: &Connection, path: &str, sql: &str, name: &str, extra: &str) -> R<()> {
    let n = if sql.contains("?2") { conn.execute(sql, params![name, extra]) } else { conn.execute(sql, params![name]) }
        .map_err(db(path))?;
    if n == 0 { Err(unknown_user(name)) } else { Ok(()) }
}

pub(crate) fn user_add(conn: &Connection, path: &str, name: &str, hash: &str, role: Role) -> R<User> {
    let now = chrono::Utc::now().timestamp_millis();
    let n = conn
        .execute(
            "INSERT INTO users (name, password_hash, role, created_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO NOTHING",
            params![name, hash, role.as_str(), now],
        )
        .map_err(db(path))?;
    if n == 0 {
        return Err(StoreError::user_exists(name));
    }
    Ok(User { id: conn.last_insert_rowid(), name: name.to_string(), role, communities: Vec::new() })
}

pub(crate) fn user_with_hash(conn: &Connection, path: &str, name: &str) -> R<Option<(User, String)>> {
    let row: Option<(i64, String, String)> = conn
        .query_row("SELECT id, role, password_hash FROM users WHERE name = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(db(path))?;
    match row {
        None => Ok(None),
        Some((id, role, hash)) => Ok(Some((user_row(conn, path, id, name.to_string(), role)?, hash))),
    }
}

pub(crate) fn users(conn: &Connection, path: &str) -> R<Vec<User>> {
    let mut stmt = conn.prepare("SELECT id, name, role FROM users ORDER BY name").map_err(db(path))?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db(path))?
        .collect::<Result<_, _>>()
        .map_err(db(path))?;
    rows.into_iter().map(|(id, name, role)| user_row(conn, path, id, name, role)).collect()
}

pub(crate) fn user_remove(conn: &Connection, path: &str, name: &str) -> R<()> {
    change_user(conn, path, "DELETE FROM users WHERE name = ?1", name, "")
}

pub(crate) fn user_set_role(conn: &Connection, path: &str, name: &str, role: Role) -> R<()> {
    change_user(conn, path, "UPDATE users SET role = ?2 WHERE name = ?1", name, role.as_str())
}

pub(crate) fn user_set_password(conn: &Connection, path: &str, name: &str, hash: &str) -> R<()> {
    let tx = conn.unchecked_transaction().map_err(db(path))?;
    change_user(&tx, path, "UPDATE users SET password_hash = ?2 WHERE name = ?1", name, hash)?;
    tx.execute("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)", [name])
        .map_err(db(path))?;
    tx.commit().map_err(db(path))
}

pub(crate) fn user_grant(conn: &Connection, path: &str, name: &str, community: &str, granted: bool) -> R<()> {
    let tx = conn.unchecked_transaction().map_err(db(path))?;
    let uid: i64 = tx
        .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
        .optional()
        .map_err(db(path))?
        .ok_or_else(|| unknown_user(name))?;
    let cid = ensure_community(&tx, path, community)?;
    let sql = if granted {
        "INSERT INTO user_communities (community_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM user_communities WHERE community_id = ?1 AND user_id = ?2"
    };
    tx.execute(sql, params![cid, uid]).map_err(db(path))?;
    tx.commit().map_err(db(path))
}

pub(crate) fn session_add(conn: &Connection, path: &str, token: &str, user_id: i64, csrf: &str, expires: i64) -> R<()> {
    conn.execute(
        "INSERT INTO sessions (token_sha256, user_id, csrf, expires_ms) VALUES (?1, ?2, ?3, ?4)",
        params![token, user_id, csrf, expires],
    )
    .map_err(db(path))?;
    Ok(())
}

pub(crate) fn session_user(conn: &Connection, path: &str, token: &str, now: i64) -> R<Option<(User, String)>> {
    let row: Option<(i64, String, String, String)> = conn
        .query_row(
            "SELECT u.id, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = ?1 AND s.expires_ms > ?2",
            params![token, now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(db(path))?;
    match row {
        None => Ok(None),
        Some((id, name, role, csrf)) => Ok(Some((user_row(conn, path, id, name, role)?, csrf))),
    }
}

pub(crate) fn session_remove(conn: &Connection, path: &str, token: &str, now: i64) -> R<()> {
    conn.execute("DELETE FROM sessions WHERE token_sha256 = ?1 OR expires_ms <= ?2", params![token, now])
        .map_err(db(path))?;
    Ok(())
}

pub(crate) fn login_failed(conn: &Connection, path: &str, name: &str, at: i64, since: i64) -> R<u32> {
    // Old failures are forgotten as new ones arrive, so the table stays small.
    conn.execute("DELETE FROM login_failures WHERE name = ?1 AND at_ms < ?2", params![name, since])
        .map_err(db(path))?;
    conn.execute("INSERT INTO login_failures (name, at_ms) VALUES (?1, ?2)", params![name, at]).map_err(db(path))?;
    login_failures(conn, path, name, since)
}

pub(crate) fn login_failures(conn: &Connection, path: &str, name: &str, since: i64) -> R<u32> {
    conn.query_row("SELECT count(*) FROM login_failures WHERE name = ?1 AND at_ms >= ?2", params![name, since], |r| {
        r.get(0)
    })
    .map_err(db(path))
}

pub(crate) fn login_failures_clear(conn: &Connection, path: &str, name: &str) -> R<()> {
    conn.execute("DELETE FROM login_failures WHERE name = ?1", [name]).map_err(db(path))?;
    Ok(())
}

pub(crate) fn audit(conn: &Connection, path: &str, e: &AuditEntry) -> R<()> {
    conn.execute(
        "INSERT INTO audit_log (at_ms, user_name, community, action, target) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.at_ms, e.user, e.community, e.action, e.target],
    )
    .map_err(db(path))?;
    Ok(())
}

pub(crate) fn audit_log(conn: &Connection, path: &str, limit: usize) -> R<Vec<AuditEntry>> {
    let mut stmt = conn
        .prepare("SELECT at_ms, user_name, community, action, target FROM audit_log ORDER BY id DESC LIMIT ?1")
        .map_err(db(path))?;
    let rows = stmt
        .query_map([limit as i64], |r| {
            Ok(AuditEntry {
                at_ms: r.get(0)?,
                user: r.get(1)?,
                community: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
            })
        })
        .map_err(db(path))?;
    rows.collect::<Result<_, _>>().map_err(db(path))
}

pub(crate) fn ingest_token_set(conn: &Connection, path: &str, community: &str, token: &str) -> R<()> {
    let tx = conn.unchecked_transaction().map_err(db(path))?;
    let cid = ensure_community(&tx, path, community)?;
    tx.execute(
        "INSERT INTO ingest_tokens (community_id, token_sha256) VALUES (?1, ?2)
         ON CONFLICT (community_id) DO UPDATE SET token_sha256 = excluded.token_sha256",
        params![cid, token],
    )
    .map_err(db(path))?;
    tx.commit().map_err(db(path))
}

pub(crate) fn ingest_token_valid(conn: &Connection, path: &str, community: &str, token: &str) -> R<bool> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT t.token_sha256 FROM ingest_tokens t JOIN communities c ON c.id = t.community_id WHERE c.name = ?1",
            [community],
            |r| r.get(0),
        )
        .optional()
        .map_err(db(path))?;
    Ok(stored.is_some_and(|s| crate::accounts::same_digest(&s, token)))
}

pub(crate) fn generation(conn: &Connection, path: &str, community: &str) -> R<Option<i64>> {
    conn.query_row("SELECT generation FROM communities WHERE name = ?1", [community], |r| r.get(0))
        .optional()
        .map_err(db(path))
}

pub(crate) fn page(conn: &Connection, path: &str, community: &str, page: &str, generation: i64) -> R<Option<String>> {
    conn.query_row(
        "SELECT p.body FROM report_pages p JOIN communities c ON c.id = p.community_id
         WHERE c.name = ?1 AND p.page = ?2 AND p.generation = ?3",
        params![community, page, generation],
        |r| r.get(0),
    )
    .optional()
    .map_err(db(path))
}

pub(crate) fn pages_put(
    conn: &Connection,
    path: &str,
    community: &str,
    generation: i64,
    pages: &[(String, String)],
) -> R<()> {
    let tx = conn.unchecked_transaction().map_err(db(path))?;
    let Some(cid) = community_id(&tx, path, community)? else {
        return Err(StoreError::no_community(community, path));
    };
    tx.execute("DELETE FROM report_pages WHERE community_id = ?1 AND generation < ?2", params![cid, generation])
        .map_err(db(path))?;
    {
        let mut put = tx
            .prepare(
                "INSERT INTO report_pages (community_id, page, generation, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (community_id, page) DO UPDATE SET generation = excluded.generation, body = excluded.body",
            )
            .map_err(db(path))?;
        for (page, body) in pages {
            put.execute(params![cid, page, generation, body]).map_err(db(path))?;
        }
    }
    tx.commit().map_err(db(path))
}
