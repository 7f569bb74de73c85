//! The console's accounts in PostgreSQL (the same tables as SQLite's v7).

use super::error::db;
use super::queries::community_id;
use crate::accounts::{AuditEntry, Role, User};
use crate::error::StoreError;
use postgres::{Client, GenericClient};

type R<T> = Result<T, StoreError>;

pub(crate) fn communities(c: &mut Client, shown: &str) -> R<Vec<String>> {
    let rows = c.query("SELECT name FROM communities ORDER BY name COLLATE \"C\"", &[]).map_err(db(shown))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The community's row id, created if new.
pub(crate) fn ensure_community(c: &mut impl GenericClient, shown: &str, community: &str) -> R<i64> {
    if let Some(id) = community_id(c, shown, community)? {
        return Ok(id);
    }
    let now = chrono::Utc::now().timestamp_millis();
    let row = c
        .query_one(
            "INSERT INTO communities (name, created_ms) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            &[&community, &now],
        )
        .map_err(db(shown))?;
    Ok(row.get(0))
}

fn user_communities(c: &mut impl GenericClient, shown: &str, user_id: i64) -> R<Vec<String>> {
    let rows = c
        .query(
            "SELECT c.name FROM user_communities uc JOIN communities c ON c.id = uc.community_id
             WHERE uc.user_id = $1 ORDER BY c.name COLLATE \"C\"",
            &[&user_id],
        )
        .map_err(db(shown))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

fn user_row(c: &mut impl GenericClient, shown: &str, id: i64, name: String, role: String) -> R<User> {
    let role = role.parse().map_err(|e: String| StoreError::gone(e))?;
    Ok(User { id, name, role, communities: user_communities(c, shown, id)? })
}

fn unknown_user(name: &str) -> StoreError {
    StoreError::no_user(name)
}

/// Runs `sql` with `name` as $1 (and `extra` as $2); a user that does not exist is an error.
fn change_user(c: &mut impl GenericClient, shown: &str, sql: &str, name: &str, extra: &str) -> R<()> {
    let n = if sql.contains("$2") { c.execute(sql, &[&name, &extra]) } else { c.execute(sql, &[&name]) }
        .map_err(db(shown))?;
    if n == 0 { Err(unknown_user(name)) } else { Ok(()) }
}

pub(crate) fn user_add(c: &mut Client, shown: &str, name: &str, hash: &str, role: Role) -> R<User> {
    let now = chrono::Utc::now().timestamp_millis();
    let row = c
        .query_opt(
            "INSERT INTO users (name, password_hash, role, created_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING RETURNING id",
            &[&name, &hash, &role.as_str(), &now],
        )
        .map_err(db(shown))?;
    let Some(row) = row else {
        return Err(StoreError::user_exists(name));
    };
    Ok(User { id: row.get(0), name: name.to_string(), role, communities: Vec::new() })
}

pub(crate) fn user_with_hash(c: &mut Client, shown: &str, name: &str) -> R<Option<(User, String)>> {
    let row = c.query_opt("SELECT id, role, password_hash FROM users WHERE name = $1", &[&name]).map_err(db(shown))?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((user_row(c, shown, r.get(0), name.to_string(), r.get(1))?, r.get(2)))),
    }
}

pub(crate) fn users(c: &mut Client, shown: &str) -> R<Vec<User>> {
    let rows = c.query("SELECT id, name, role FROM users ORDER BY name COLLATE \"C\"", &[]).map_err(db(shown))?;
    rows.iter().map(|r| user_row(c, shown, r.get(0), r.get(1), r.get(2))).collect()
}

pub(crate) fn user_remove(c: &mut Client, shown: &str, name: &str) -> R<()> {
    change_user(c, shown, "DELETE FROM users WHERE name = $1", name, "")
}

pub(crate) fn user_set_role(c: &mut Client, shown: &str, name: &str, role: Role) -> R<()> {
    change_user(c, shown, "UPDATE users SET role = $2 WHERE name = $1", name, role.as_str())
}

pub(crate) fn user_set_password(c: &mut Client, shown: &str, name: &str, hash: &str) -> R<()> {
    let mut tx = c.transaction().map_err(db(shown))?;
    change_user(&mut tx, shown, "UPDATE users SET password_hash = $2 WHERE name = $1", name, hash)?;
    tx.execute("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = $1)", &[&name])
        .map_err(db(shown))?;
    tx.commit().map_err(db(shown))
}

pub(crate) fn user_grant(c: &mut Client, shown: &str, name: &str, community: &str, granted: bool) -> R<()> {
    let mut tx = c.transaction().map_err(db(shown))?;
    let uid: i64 = tx
        .query_opt("SELECT id FROM users WHERE name = $1", &[&name])
        .map_err(db(shown))?
        .ok_or_else(|| unknown_user(name))?
        .get(0);
    let cid = ensure_community(&mut tx, shown, community)?;
    let sql = if granted {
        "INSERT INTO user_communities (community_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM user_communities WHERE community_id = $1 AND user_id = $2"
    };
    tx.execute(sql, &[&cid, &uid]).map_err(db(shown))?;
    tx.commit().map_err(db(shown))
}

pub(crate) fn session_add(c: &mut Client, shown: &str, token: &str, user_id: i64, csrf: &str, expires: i64) -> R<()> {
    c.execute(
        "INSERT INTO sessions (token_sha256, user_id, csrf, expires_ms) VALUES ($1, $2, $3, $4)",
        &[&token, &user_id, &csrf, &expires],
    )
    .map_err(db(shown))?;
    Ok(())
}

pub(crate) fn session_user(c: &mut Client, shown: &str, token: &str, now: i64) -> R<Option<(User, String)>> {
    let row = c
        .query_opt(
            "SELECT u.id, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = $1 AND s.expires_ms > $2",
            &[&token, &now],
        )
        .map_err(db(shown))?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((user_row(c, shown, r.get(0), r.get(1), r.get(2))?, r.get(3)))),
    }
}

pub(crate) fn session_remove(c: &mut Client, shown: &str, token: &str, now: i64) -> R<()> {
    c.execute("DELETE FROM sessions WHERE token_sha256 = $1 OR expires_ms <= $2", &[&token, &now])
        .map_err(db(shown))?;
    Ok(())
}

pub(crate) fn login_failed(c: &mut Client, shown: &str, name: &str, at: i64, since: i64) -> R<u32> {
    // Old failures are forgotten as new ones arrive, so the table stays small.
    c.execute("DELETE FROM login_failures WHERE name = $1 AND at_ms < $2", &[&name, &since]).map_err(db(shown))?;
    c.execute("INSERT INTO login_failures (name, at_ms) VALUES ($1, $2)", &[&name, &at]).map_err(db(shown))?;
    login_failures(c, shown, name, since)
}

pub(crate) fn login_failures(c: &mut Client, shown: &str, name: &str, since: i64) -> R<u32> {
    let row = c
        .query_one("SELECT count(*) FROM login_failures WHERE name = $1 AND at_ms >= $2", &[&name, &since])
        .map_err(db(shown))?;
    Ok(row.get::<_, i64>(0) as u32)
}

pub(crate) fn login_failures_clear(c: &mut Client, shown: &str, name: &str) -> R<()> {
    c.execute("DELETE FROM login_failures WHERE name = $1", &[&name]).map_err(db(shown))?;
    Ok(())
}

pub(crate) fn audit(c: &mut Client, shown: &str, e: &AuditEntry) -> R<()> {
    c.execute(
        "INSERT INTO audit_log (at_ms, user_name, community, action, target) VALUES ($1, $2, $3, $4, $5)",
        &[&e.at_ms, &e.user, &e.community, &e.action, &e.target],
    )
    .map_err(db(shown))?;
    Ok(())
}

pub(crate) fn audit_log(c: &mut Client, shown: &str, limit: usize) -> R<Vec<AuditEntry>> {
    let rows = c
        .query(
            "SELECT at_ms, user_name, community, action, target FROM audit_log ORDER BY id DESC LIMIT $1",
            &[&(limit.min(i64::MAX as usize) as i64)],
        )
        .map_err(db(shown))?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            at_ms: r.get(0),
            user: r.get(1),
            community: r.get(2),
            action: r.get(3),
            target: r.get(4),
        })
        .collect())
}

pub(crate) fn ingest_token_set(c: &mut Client, shown: &str, community: &str, token: &str) -> R<()> {
    let mut tx = c.transaction().map_err(db(shown))?;
    let cid = ensure_community(&mut tx, shown, community)?;
    tx.execute(
        "INSERT INTO ingest_tokens (community_id, token_sha256) VALUES ($1, $2)
         ON CONFLICT (community_id) DO UPDATE SET token_sha256 = excluded.token_sha256",
        &[&cid, &token],
    )
    .map_err(db(shown))?;
    tx.commit().map_err(db(shown))
}

pub(crate) fn ingest_token_valid(c: &mut Client, shown: &str, community: &str, token: &str) -> R<bool> {
    let stored: Option<String> = c
        .query_opt(
            "SELECT t.token_sha256 FROM ingest_tokens t JOIN communities c ON c.id = t.community_id WHERE c.name = $1",
            &[&community],
        )
        .map_err(db(shown))?
        .map(|r| r.get(0));
    Ok(stored.is_some_and(|s| crate::accounts::same_digest(&s, token)))
}

pub(crate) fn generation(c: &mut Client, shown: &str, community: &str) -> R<Option<i64>> {
    Ok(c.query_opt("SELECT generation FROM communities WHERE name = $1", &[&community])
        .map_err(db(shown))?
        .map(|r| r.get(0)))
}

pub(crate) fn page(c: &mut Client, shown: &str, community: &str, page: &str, generation: i64) -> R<Option<String>> {
    Ok(c.query_opt(
        "SELECT p.body FROM report_pages p JOIN communities c ON c.id = p.community_id
         WHERE c.name = $1 AND p.page = $2 AND p.generation = $3",
        &[&community, &page, &generation],
    )
    .map_err(db(shown))?
    .map(|r| r.get(0)))
}

pub(crate) fn pages_put(
    c: &mut Client,
    shown: &str,
    community: &str,
    generation: i64,
    pages: &[(String, String)],
) -> R<()> {
    let mut tx = c.transaction().map_err(db(shown))?;
    let Some(cid) = community_id(&mut tx, shown, community)? else {
        return Err(StoreError::no_community(community, shown));
    };
    tx.execute("DELETE FROM report_pages WHERE community_id = $1", &[&cid]).map_err(db(shown))?;
    let put = tx
        .prepare("INSERT INTO report_pages (community_id, page, generation, body) VALUES ($1, $2, $3, $4)")
        .map_err(db(shown))?;
    for (page, body) in pages {
        tx.execute(&put, &[&cid, page, &generation, body]).map_err(db(shown))?;
    }
    tx.commit().map_err(db(shown))
}
