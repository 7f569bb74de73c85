//! One person's data in PostgreSQL: export everything stored about them, or
//! delete it. What is and is not touched, and why, is documented once in
//! `crate::privacy`; this module is the SQL (as `sqlite/privacy.rs` is
//! SQLite's).

use super::error::db;
use crate::error::StoreError;
use crate::privacy::{
    DeleteStats, ExportedActivity, ExportedCheckinMark, ExportedGroup, ExportedIdentity, ExportedMember,
    ExportedMembership, ExportedMessage, ExportedName, ExportedOrder, MemberExport, mentions_without,
};
use crate::types::rfc3339;
use chrono::Utc;
use postgres::{Client, GenericClient};
use std::collections::{BTreeSet, HashMap, HashSet};

type PgResult<T> = Result<T, postgres::Error>;

/// The member a reference names in community `cid`.
pub(crate) fn resolve(
    c: &mut impl GenericClient,
    shown: &str,
    cid: i64,
    community: &str,
    member_ref: &str,
) -> Result<i64, StoreError> {
    let db = db(shown);
    let found: Option<i64> = if !member_ref.is_empty() && member_ref.bytes().all(|b| b.is_ascii_digit()) {
        match member_ref.parse::<i64>() {
            Ok(id) => c
                .query_opt("SELECT id FROM members WHERE community_id = $1 AND id = $2", &[&cid, &id])
                .map_err(&db)?
                .map(|r| r.get(0)),
            Err(_) => None,
        }
    } else if let Some((platform, ext)) = member_ref.split_once(':') {
        c.query_opt(
            "SELECT member_id FROM identities WHERE community_id = $1 AND platform = $2 AND external_id = $3",
            &[&cid, &platform, &ext],
        )
        .map_err(&db)?
        .map(|r| r.get(0))
    } else {
        None
    };
    if let Some(id) = found {
        return Ok(id);
    }
    let deleted: Option<i64> = match member_ref.split_once(':') {
        Some((platform, ext)) => c
            .query_opt(
                "SELECT suppressed_ms FROM suppressed_identities
                 WHERE community_id = $1 AND platform = $2 AND external_id = $3",
                &[&cid, &platform, &ext],
            )
            .map_err(&db)?
            .map(|r| r.get(0)),
        None => None,
    };
    Err(StoreError::no_member(member_ref, community, deleted.map(|ms| rfc3339(ms, 0))))
}

struct GroupRow {
    platform: String,
    external_id: String,
    name: Option<String>,
    tz: i32,
}

fn groups(c: &mut impl GenericClient, cid: i64) -> PgResult<HashMap<i64, GroupRow>> {
    let rows =
        c.query("SELECT id, platform, external_id, name, tz_offset_s FROM groups WHERE community_id = $1", &[&cid])?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), GroupRow { platform: r.get(1), external_id: r.get(2), name: r.get(3), tz: r.get(4) }))
        .collect())
}

/// Other people's messages whose mention lists name `member`: (message id,
/// the list without them, entries removed).
fn mention_edits(c: &mut impl GenericClient, cid: i64, member: i64) -> PgResult<Vec<(i64, Option<String>, u64)>> {
    let ids: HashSet<(String, String)> = c
        .query(
            "SELECT platform, external_id FROM identities WHERE community_id = $1 AND member_id = $2",
            &[&cid, &member],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let names: HashSet<(i64, String)> = c
        .query("SELECT group_id, name FROM member_names WHERE community_id = $1 AND member_id = $2", &[&cid, &member])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let rows = c.query(
        "SELECT m.id, m.group_id, g.platform, m.mentions FROM messages m
         JOIN groups g ON g.community_id = m.community_id AND g.id = m.group_id
         WHERE m.community_id = $1 AND m.mentions IS NOT NULL AND m.member_id <> $2",
        &[&cid, &member],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let (new, removed) = mentions_without(r.get(3), r.get(2), r.get(1), &ids, &names)?;
            Some((r.get(0), new, removed))
        })
        .collect())
}

/// Everything stored about the member `member_ref` names.
pub(crate) fn export(
    c: &mut Client,
    shown: &str,
    cid: i64,
    community: &str,
    member_ref: &str,
    count_mentions: bool,
) -> Result<MemberExport, StoreError> {
    // One snapshot of the database for the whole export.
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(db(shown))?;
    let member = resolve(&mut tx, shown, cid, community, member_ref)?;
    export_member(&mut tx, cid, community, member, count_mentions).map_err(db(shown))
}

fn export_member(
    c: &mut impl GenericClient,
    cid: i64,
    community: &str,
    member: i64,
    count_mentions: bool,
) -> PgResult<MemberExport> {
    let groups = groups(c, cid)?;
    let group = |id: i64| groups.get(&id).map(|g| g.external_id.clone()).unwrap_or_default();
    let at = |id: i64, ms: i64| rfc3339(ms, groups.get(&id).map_or(0, |g| g.tz));
    let mut seen: BTreeSet<i64> = BTreeSet::new();
    let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&cid, &member];

    let r = c.query_one("SELECT display_name, bot FROM members WHERE community_id = $1 AND id = $2", &params)?;
    let row = ExportedMember { member_id: member, display_name: r.get(0), bot: r.get(1) };

    let identities = c
        .query(
            "SELECT platform, external_id FROM identities WHERE community_id = $1 AND member_id = $2
             ORDER BY platform COLLATE \"C\", external_id COLLATE \"C\"",
            &params,
        )?
        .iter()
        .map(|r| {
            let external_id: String = r.get(1);
            ExportedIdentity { platform: r.get(0), provisional: external_id.starts_with("~name:"), external_id }
        })
        .collect();

    let mut names = Vec::new();
    for r in c.query(
        "SELECT group_id, name, first_ms, last_ms FROM member_names WHERE community_id = $1 AND member_id = $2
         ORDER BY first_ms, name COLLATE \"C\"",
        &params,
    )? {
        let g: i64 = r.get(0);
        seen.insert(g);
        names.push(ExportedName {
            group: group(g),
            name: r.get(1),
            first_seen: at(g, r.get(2)),
            last_seen: at(g, r.get(3)),
        });
    }

    let mut messages = Vec::new();
    for r in c.query(
        "SELECT group_id, at_ms, key, content_type, text, reply_to, mentions, edited_ms, bot, expired_ms IS NOT NULL
         FROM messages WHERE community_id = $1 AND member_id = $2 ORDER BY at_ms, id",
        &params,
    )? {
        let g: i64 = r.get(0);
        seen.insert(g);
        let mentions: Option<String> = r.get(6);
        messages.push(ExportedMessage {
            group: group(g),
            at: at(g, r.get(1)),
            key: r.get(2),
            content_type: r.get(3),
            text: r.get(4),
            reply_to: r.get(5),
            mentions: mentions.map(|m| serde_json::from_str(&m).unwrap_or(serde_json::Value::String(m))),
            edited_at: r.get::<_, Option<i64>>(7).map(|e| at(g, e)),
            bot: r.get(8),
            expired: r.get(9),
        });
    }

    let mut memberships = Vec::new();
    // Their latest join/leave per group, for `member_now`.
    let mut latest: HashMap<i64, (i64, bool)> = HashMap::new();
    for r in c.query(
        "SELECT group_id, kind, at_ms, role, member_id, by_member_id FROM memberships
         WHERE community_id = $1 AND (member_id = $2 OR by_member_id = $2) ORDER BY at_ms, id",
        &params,
    )? {
        let (g, kind, ms, role, subject, by): (i64, String, i64, Option<String>, i64, Option<i64>) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        let theirs = subject == member;
        if theirs {
            seen.insert(g);
            if kind != "role" && latest.get(&g).is_none_or(|(t, _)| ms >= *t) {
                latest.insert(g, (ms, kind == "leave"));
            }
        }
        memberships.push(ExportedMembership {
            group: group(g),
            kind,
            at: at(g, ms),
            role,
            as_: if theirs { "member" } else { "by" }.to_string(),
            other_member_id: if theirs { by } else { Some(subject) },
        });
    }

    let mut activities = Vec::new();
    for r in c.query(
        "SELECT group_id, kind, at_ms, target, data FROM activities WHERE community_id = $1 AND member_id = $2
         ORDER BY at_ms, id",
        &params,
    )? {
        let g: i64 = r.get(0);
        seen.insert(g);
        let data: String = r.get(4);
        activities.push(ExportedActivity {
            group: group(g),
            kind: r.get(1),
            at: at(g, r.get(2)),
            target: r.get(3),
            data: serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)),
        });
    }

    let orders = c
        .query(
            "SELECT o.platform, o.external_id, o.at_ms, o.amount_fen, o.product, o.group_ref FROM orders o
             WHERE o.community_id = $1 AND (o.platform, o.external_id) IN
                 (SELECT platform, external_id FROM identities WHERE community_id = $1 AND member_id = $2)
             ORDER BY o.at_ms, o.key COLLATE \"C\"",
            &[&cid, &member],
        )?
        .iter()
        .map(|r| ExportedOrder {
            buyer: format!("{}:{}", r.get::<_, String>(0), r.get::<_, String>(1)),
            at: rfc3339(r.get(2), 0),
            amount_fen: r.get(3),
            product: r.get(4),
            group: r.get(5),
        })
        .collect();

    let mut checkin_marks = Vec::new();
    for r in c.query(
        "SELECT group_id, day, kind FROM checkin_marks WHERE community_id = $1 AND member_id = $2
         ORDER BY day COLLATE \"C\", group_id",
        &[&cid, &member],
    )? {
        let g: i64 = r.get(0);
        seen.insert(g);
        checkin_marks.push(ExportedCheckinMark { group: group(g), day: r.get(1), kind: r.get(2) });
    }

    let groups_in = seen
        .iter()
        .filter_map(|g| {
            groups.get(g).map(|row| ExportedGroup {
                platform: row.platform.clone(),
                external_id: row.external_id.clone(),
                name: row.name.clone(),
                member_now: !latest.get(g).is_some_and(|(_, left)| *left),
            })
        })
        .collect();

    let mentioned_in = if count_mentions { Some(mention_edits(c, cid, member)?.len() as u64) } else { None };
    let notes = super::ops::member_notes(c, cid, member)?;
    let mut tasks = super::ops::tasks_of(c, cid)?;
    tasks.retain(|t| t.member_id == Some(member));
    let mut points = super::ops::points_of(c, cid)?;
    points.retain(|p| p.member_id == member);
    let mut resources = super::ops::resources_of(c, cid)?;
    resources.retain(|r| r.member_id == Some(member));
    let mut group_owner_of = super::ops::management_of(c, cid)?.groups;
    group_owner_of.retain(|g| g.owner_id == Some(member));
    Ok(MemberExport {
        community: community.to_string(),
        exported_at: Utc::now().to_rfc3339(),
        member: row,
        identities,
        names,
        groups: groups_in,
        messages,
        memberships,
        activities,
        notes,
        orders,
        checkin_marks,
        tasks,
        points,
        resources,
        group_owner_of,
        mentioned_in,
    })
}

/// Deletes the member `member_ref` names and everything theirs, in one
/// transaction; with `commit` false, only counts (the transaction is rolled back).
pub(crate) fn delete(
    c: &mut Client,
    shown: &str,
    cid: i64,
    community: &str,
    member_ref: &str,
    commit: bool,
) -> Result<DeleteStats, StoreError> {
    let mut tx = c.transaction().map_err(db(shown))?;
    let member = resolve(&mut tx, shown, cid, community, member_ref)?;
    let stats = delete_member(&mut tx, cid, member).map_err(db(shown))?;
    if commit {
        tx.commit().map_err(db(shown))?;
    }
    Ok(stats)
}

fn delete_member(tx: &mut impl GenericClient, cid: i64, member: i64) -> PgResult<DeleteStats> {
    let now = Utc::now().timestamp_millis();
    let mut stats = DeleteStats { member_id: member, ..Default::default() };
    // First what needs their identities and names: the suppression list and
    // the mention lists of other people's messages.
    stats.suppressed = tx.execute(
        "INSERT INTO suppressed_identities (community_id, platform, external_id, suppressed_ms)
         SELECT $1, platform, external_id, $3 FROM identities WHERE community_id = $1 AND member_id = $2
         ON CONFLICT DO NOTHING",
        &[&cid, &member, &now],
    )?;
    stats.suppressed += tx.execute(
        "INSERT INTO suppressed_identities (community_id, platform, external_id, suppressed_ms)
         SELECT $1, g.platform, '~name:' || g.external_id || ':' || n.name, $3
         FROM member_names n JOIN groups g ON g.community_id = n.community_id AND g.id = n.group_id
         WHERE n.community_id = $1 AND n.member_id = $2
         ON CONFLICT DO NOTHING",
        &[&cid, &member, &now],
    )?;
    for (id, mentions, removed) in mention_edits(tx, cid, member)? {
        tx.execute("UPDATE messages SET mentions = $3 WHERE community_id = $1 AND id = $2", &[&cid, &id, &mentions])?;
        stats.mentions_removed += removed;
    }
    let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&cid, &member];
    // Orders imported from files name them by identity, not by member id.
    stats.orders = tx.execute(
        "DELETE FROM orders WHERE community_id = $1 AND (platform, external_id) IN
             (SELECT platform, external_id FROM identities WHERE community_id = $1 AND member_id = $2)",
        &params,
    )?;
    stats.inviter_links_cleared = tx
        .execute("UPDATE memberships SET by_member_id = NULL WHERE community_id = $1 AND by_member_id = $2", &params)?;
    // Other decisions' evidence that names them (the decisions whose member
    // they are go by the foreign key's cascade).
    let evidence: Vec<(String, String)> = tx
        .query("SELECT move_id, evidence FROM move_decisions WHERE community_id = $1 AND evidence <> '{}'", &[&cid])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (move_id, json) in evidence {
        match crate::privacy::evidence_without(&json, member) {
            None => {
                tx.execute("DELETE FROM move_decisions WHERE community_id = $1 AND move_id = $2", &[&cid, &move_id])?
            }
            Some(Some(kept)) => tx.execute(
                "UPDATE move_decisions SET evidence = $3 WHERE community_id = $1 AND move_id = $2",
                &[&cid, &move_id, &kept],
            )?,
            Some(None) => 0,
        };
    }
    stats.messages = tx.execute("DELETE FROM messages WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.memberships = tx.execute("DELETE FROM memberships WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.activities = tx.execute("DELETE FROM activities WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.checkin_marks =
        tx.execute("DELETE FROM checkin_marks WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.tasks = tx.execute("DELETE FROM tasks WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.points = tx.execute("DELETE FROM points WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.resources = tx.execute("DELETE FROM resources WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.group_owners = tx.execute("DELETE FROM group_owners WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.member_names = tx.execute("DELETE FROM member_names WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.notes = tx.execute("DELETE FROM member_notes WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.identities = tx.execute("DELETE FROM identities WHERE community_id = $1 AND member_id = $2", &params)?;
    stats.members = tx.execute("DELETE FROM members WHERE community_id = $1 AND id = $2", &params)?;
    // Cached console pages may quote their messages (computed again on demand).
    tx.execute("DELETE FROM report_pages WHERE community_id = $1", &[&cid])?;
    Ok(stats)
}

/// Drops the text of community `cid`'s messages sent before `before_ms`,
/// keeping their figures (see [`crate::Privacy::expire_texts`]), in one
/// transaction, reading in batches by row id.
pub(crate) fn expire(c: &mut Client, shown: &str, cid: i64, before_ms: i64) -> Result<u64, StoreError> {
    let err = db(shown);
    let mut tx = c.transaction().map_err(&err)?;
    let now = Utc::now().timestamp_millis();
    let mut done = 0u64;
    let mut after = i64::MIN;
    let read = tx
        .prepare(
            "SELECT id, text FROM messages WHERE community_id = $1 AND at_ms < $2 AND expired_ms IS NULL
             AND id > $3 ORDER BY id LIMIT $4",
        )
        .map_err(&err)?;
    let update = tx
        .prepare(
            "UPDATE messages SET text = '', expired_ms = $3, kept_chars = $4, kept_flags = $5
             WHERE community_id = $1 AND id = $2",
        )
        .map_err(&err)?;
    loop {
        let rows = tx.query(&read, &[&cid, &before_ms, &after, &crate::privacy::EXPIRE_BATCH]).map_err(&err)?;
        let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else { break };
        for r in &rows {
            let (chars, flags) = crate::privacy::kept_of(r.get(1));
            tx.execute(&update, &[&cid, &r.get::<_, i64>(0), &now, &(chars as i32), &(flags as i16)]).map_err(&err)?;
        }
        done += rows.len() as u64;
        after = last;
    }
    if done > 0 {
        // Cached console pages may quote the texts; they are computed again.
        tx.execute("DELETE FROM report_pages WHERE community_id = $1", &[&cid]).map_err(&err)?;
        tx.execute("UPDATE communities SET generation = generation + 1 WHERE id = $1", &[&cid]).map_err(&err)?;
    }
    tx.commit().map_err(|e| super::error::store_error(shown, e))?;
    Ok(done)
}
