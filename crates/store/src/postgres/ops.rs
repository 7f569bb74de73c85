//! The operators' records in PostgreSQL: member notes, orders, check-in
//! marks, planned activities, tasks, points by hand, the canvas's
//! versions, resources, the management mode and draft templates (the decisions about moves are in `mod.rs`), as
//! `sqlite/ops.rs` is SQLite's; what both do alike is `crate::records`.
//! Texts sort byte-wise (`COLLATE "C"`), as SQLite sorts them.

use super::error::db;
use super::queries::{community_id, community_or_err, find_group};
use crate::error::StoreError;
use crate::records::{
    group_refs, local_day, makes_cycle, member_by_name, no_resource, order_of_event, tags_from_json, tags_to_json,
};
use crate::types::MemberNote;
use postgres::{Client, GenericClient, Row, Transaction};
use std::collections::{HashMap, HashSet};
use tonghao_model::records::{
    Activity, ActivityKind, CanvasVersion, CheckinMark, GroupPlace, Management, ManagementMode, MarkKind,
    OrderImportStats, OrderRecord, PointsEntry, Resource, ResourceKind, StoredOrder, Task, TaskKind, TemplateOverride,
};

type R<T> = Result<T, StoreError>;
type PgResult<T> = Result<T, postgres::Error>;

/// A transaction in which ids are numbered one after another per community:
/// the community's row is locked, so two writers (two server processes)
/// take turns instead of picking the same next id.
fn numbering<'a>(c: &'a mut Client, shown: &str, cid: i64) -> R<Transaction<'a>> {
    let mut tx = c.transaction().map_err(db(shown))?;
    tx.execute("SELECT 1 FROM communities WHERE id = $1 FOR UPDATE", &[&cid]).map_err(db(shown))?;
    Ok(tx)
}

/// The next free id of `column` in `table` for community `cid`.
fn next_id(tx: &mut Transaction<'_>, shown: &str, table: &str, column: &str, cid: i64) -> R<i64> {
    let sql = format!("SELECT coalesce(max({column}), 0) + 1 FROM {table} WHERE community_id = $1");
    Ok(tx.query_one(sql.as_str(), &[&cid]).map_err(db(shown))?.get(0))
}

pub(crate) fn note_add(
    c: &mut Client,
    shown: &str,
    community: &str,
    member_ref: &str,
    author: &str,
    text: &str,
) -> R<MemberNote> {
    let cid = community_or_err(c, shown, community)?;
    let member = super::privacy::resolve(c, shown, cid, community, member_ref)?;
    let at_ms = chrono::Utc::now().timestamp_millis();
    let row = c
        .query_one(
            "INSERT INTO member_notes (community_id, member_id, author, at_ms, text) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
            &[&cid, &member, &author, &at_ms, &text],
        )
        .map_err(db(shown))?;
    Ok(MemberNote { id: row.get(0), member_id: member, author: author.into(), at_ms, text: text.into() })
}

pub(crate) fn notes(c: &mut Client, shown: &str, community: &str, member_ref: &str) -> R<Vec<MemberNote>> {
    let cid = community_or_err(c, shown, community)?;
    let member = super::privacy::resolve(c, shown, cid, community, member_ref)?;
    member_notes(c, cid, member).map_err(db(shown))
}

/// The team's notes about `member`, oldest first.
pub(crate) fn member_notes(c: &mut impl GenericClient, cid: i64, member: i64) -> PgResult<Vec<MemberNote>> {
    Ok(c.query(
        "SELECT id, author, at_ms, text FROM member_notes WHERE community_id = $1 AND member_id = $2 ORDER BY at_ms, id",
        &[&cid, &member],
    )?
    .iter()
    .map(|r| MemberNote { id: r.get(0), member_id: member, author: r.get(1), at_ms: r.get(2), text: r.get(3) })
    .collect())
}

/// Stores `orders` in one transaction: all of them or none.
pub(crate) fn import_orders(
    c: &mut Client,
    shown: &str,
    community: &str,
    orders: &[OrderRecord],
) -> R<OrderImportStats> {
    let err = db(shown);
    let mut tx = c.transaction().map_err(&err)?;
    let cid = super::accounts::ensure_community(&mut tx, shown, community)?;
    let suppressed: HashSet<(String, String)> = tx
        .query("SELECT platform, external_id FROM suppressed_identities WHERE community_id = $1", &[&cid])
        .map_err(&err)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let insert = tx
        .prepare(
            "INSERT INTO orders (community_id, key, platform, external_id, at_ms, amount_fen, product, group_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .map_err(&err)?;
    let known = tx
        .prepare(
            "SELECT EXISTS (SELECT 1 FROM identities WHERE community_id = $1 AND platform = $2 AND external_id = $3)",
        )
        .map_err(&err)?;
    let mut stats = OrderImportStats { rows: orders.len() as u64, ..Default::default() };
    let mut unlinked_buyers = HashSet::new();
    for o in orders {
        if suppressed.contains(&(o.platform.clone(), o.member.clone())) {
            stats.suppressed += 1;
            continue;
        }
        let n = tx
            .execute(&insert, &[&cid, &o.key, &o.platform, &o.member, &o.at_ms, &o.amount_fen, &o.product, &o.group])
            .map_err(&err)?;
        if n == 0 {
            stats.duplicates += 1;
            continue;
        }
        stats.added += 1;
        let linked: bool = tx.query_one(&known, &[&cid, &o.platform, &o.member]).map_err(&err)?.get(0);
        if !linked {
            stats.unlinked += 1;
            unlinked_buyers.insert((o.platform.as_str(), o.member.as_str()));
        }
    }
    stats.unlinked_buyers = unlinked_buyers.len() as u64;
    tx.commit().map_err(&err)?;
    Ok(stats)
}

/// Every order of `community`: those imported from files, linked to members
/// and groups now, and the `order` events of chat imports.
pub(crate) fn orders(c: &mut Client, shown: &str, community: &str) -> R<Vec<StoredOrder>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    let err = db(shown);
    let by_ref = group_refs(
        c.query("SELECT id, external_id, name FROM groups WHERE community_id = $1", &[&cid])
            .map_err(&err)?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2))),
    );
    let mut out = Vec::new();
    for r in c
        .query(
            "SELECT i.member_id, o.platform, o.external_id, o.group_ref, o.at_ms, o.amount_fen, o.product
             FROM orders o LEFT JOIN identities i
               ON i.community_id = o.community_id AND i.platform = o.platform AND i.external_id = o.external_id
             WHERE o.community_id = $1 ORDER BY o.at_ms, o.key COLLATE \"C\"",
            &[&cid],
        )
        .map_err(&err)?
    {
        let group_ref: Option<String> = r.get(3);
        out.push(StoredOrder {
            member: r.get(0),
            buyer: format!("{}:{}", r.get::<_, String>(1), r.get::<_, String>(2)),
            group: group_ref.as_ref().and_then(|g| by_ref.get(g).copied().flatten()),
            group_ref,
            at_ms: r.get(4),
            amount_fen: r.get(5),
            product: r.get(6),
        });
    }
    // Orders that arrived as canonical `order` events (docs/events.md), in CNY.
    for r in c
        .query(
            "SELECT a.member_id, a.group_id, a.at_ms, a.data,
                    (SELECT platform || ':' || external_id FROM identities i
                     WHERE i.community_id = a.community_id AND i.member_id = a.member_id
                     ORDER BY external_id LIKE '~name:%', platform COLLATE \"C\", external_id COLLATE \"C\" LIMIT 1)
             FROM activities a WHERE a.community_id = $1 AND a.kind = 'order' ORDER BY a.at_ms, a.id",
            &[&cid],
        )
        .map_err(&err)?
    {
        out.extend(order_of_event(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)));
    }
    out.sort_by_key(|o| o.at_ms);
    Ok(out)
}

/// A member by store id or `platform:id`, else by a name they used in the
/// group `(id, as named)`, if one is given.
fn member_in_group(
    c: &mut impl GenericClient,
    shown: &str,
    cid: i64,
    community: &str,
    group: Option<(i64, &str)>,
    member_ref: &str,
) -> R<i64> {
    match super::privacy::resolve(c, shown, cid, community, member_ref) {
        Ok(m) => Ok(m),
        Err(e) => {
            let Some((gid, group)) = group else { return Err(e) };
            let by_name: Vec<i64> = c
                .query(
                    "SELECT DISTINCT member_id FROM member_names WHERE community_id = $1 AND group_id = $2 AND name = $3",
                    &[&cid, &gid, &member_ref],
                )
                .map_err(db(shown))?
                .iter()
                .map(|r| r.get(0))
                .collect();
            member_by_name(e, &by_name, member_ref, group)
        }
    }
}

pub(crate) fn add_checkin_mark(
    c: &mut Client,
    shown: &str,
    community: &str,
    group: &str,
    member_ref: &str,
    day: &str,
    kind: MarkKind,
) -> R<CheckinMark> {
    let (cid, gid, _) = find_group(c, shown, community, group)?;
    let member = member_in_group(c, shown, cid, community, Some((gid, group)), member_ref)?;
    let now = chrono::Utc::now().timestamp_millis();
    c.execute(
        "INSERT INTO checkin_marks (community_id, group_id, member_id, day, kind, at_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (community_id, group_id, member_id, day) DO UPDATE SET kind = excluded.kind, at_ms = excluded.at_ms",
        &[&cid, &gid, &member, &day, &kind.as_str(), &now],
    )
    .map_err(db(shown))?;
    Ok(CheckinMark { group: gid, member, day: day.to_string(), kind, by_hand: true })
}

/// Check-in records that are not messages: by hand, and imported `checkin`
/// events (their day in the group's offset).
pub(crate) fn checkin_marks(c: &mut Client, shown: &str, community: &str) -> R<Vec<CheckinMark>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    let err = db(shown);
    let mut out: Vec<CheckinMark> = c
        .query(
            "SELECT group_id, member_id, day, kind FROM checkin_marks WHERE community_id = $1
             ORDER BY day COLLATE \"C\", group_id, member_id",
            &[&cid],
        )
        .map_err(&err)?
        .iter()
        .map(|r| CheckinMark {
            group: r.get(0),
            member: r.get(1),
            day: r.get(2),
            kind: r.get::<_, String>(3).parse().unwrap_or(MarkKind::Checkin),
            by_hand: true,
        })
        .collect();
    for r in c
        .query(
            "SELECT a.group_id, a.member_id, a.at_ms, g.tz_offset_s
             FROM activities a JOIN groups g ON g.community_id = a.community_id AND g.id = a.group_id
             WHERE a.community_id = $1 AND a.kind = 'checkin' ORDER BY a.at_ms, a.id",
            &[&cid],
        )
        .map_err(&err)?
    {
        let Some(day) = local_day(r.get(2), r.get(3)) else { continue };
        out.push(CheckinMark { group: r.get(0), member: r.get(1), day, kind: MarkKind::Checkin, by_hand: false });
    }
    Ok(out)
}

/// Records a planned activity in `group` (id or name); its id is the next
/// free one in the community.
pub(crate) fn add_activity(c: &mut Client, shown: &str, community: &str, a: &Activity) -> R<Activity> {
    let (cid, gid, _) = find_group(c, shown, community, &a.group)?;
    let mut tx = numbering(c, shown, cid)?;
    let id = next_id(&mut tx, shown, "planned_activities", "id", cid)?;
    tx.execute(
        "INSERT INTO planned_activities (community_id, id, group_id, kind, title, start_ms, tz, rrule, duration_s, created_ms, host)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[&cid, &id, &gid, &a.kind.as_str(), &a.title, &a.start_ms, &a.tz, &a.rrule, &a.duration_s, &a.created_ms, &a.host],
    )
    .map_err(db(shown))?;
    tx.commit().map_err(db(shown))?;
    let mut stored = activities_of(c, cid).map_err(db(shown))?;
    stored.retain(|x| x.id == id);
    stored.pop().ok_or_else(|| StoreError::gone(format!("activity {id} vanished")))
}

pub(crate) fn activities(c: &mut Client, shown: &str, community: &str) -> R<Vec<Activity>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    activities_of(c, cid).map_err(db(shown))
}

/// The planned activities of community `cid`, by id.
fn activities_of(c: &mut impl GenericClient, cid: i64) -> PgResult<Vec<Activity>> {
    Ok(c.query(
        "SELECT a.id, a.group_id, coalesce(g.name, g.external_id), a.kind, a.title, a.start_ms, a.tz, a.rrule,
                a.duration_s, a.created_ms, g.external_id, a.host
         FROM planned_activities a JOIN groups g ON g.community_id = a.community_id AND g.id = a.group_id
         WHERE a.community_id = $1 ORDER BY a.id",
        &[&cid],
    )?
    .iter()
    .map(|r| Activity {
        id: r.get(0),
        group_id: r.get(1),
        group: r.get(2),
        kind: r.get::<_, String>(3).parse().unwrap_or(ActivityKind::Topic),
        title: r.get(4),
        start_ms: r.get(5),
        tz: r.get(6),
        rrule: r.get(7),
        duration_s: r.get(8),
        created_ms: r.get(9),
        group_external_id: r.get(10),
        host: r.get(11),
    })
    .collect())
}

/// Records a task (see `Operations::add_task`).
pub(crate) fn add_task(c: &mut Client, shown: &str, community: &str, t: &Task) -> R<Option<Task>> {
    let cid = super::accounts::ensure_community(c, shown, community)?;
    let group = match &t.group {
        Some(g) => Some((find_group(c, shown, community, g)?.1, g.as_str())),
        None => None,
    };
    let member = match &t.member {
        Some(m) => Some(member_in_group(c, shown, cid, community, group, m)?),
        None => None,
    };
    let mut tx = numbering(c, shown, cid)?;
    let id = next_id(&mut tx, shown, "tasks", "id", cid)?;
    let added = tx
        .execute(
            "INSERT INTO tasks (community_id, id, kind, title, assignee, group_id, member_id, activity_id, due_day,
                                done_ms, source, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (community_id, source) DO NOTHING",
            &[
                &cid,
                &id,
                &t.kind.as_str(),
                &t.title,
                &t.assignee,
                &group.map(|g| g.0),
                &member,
                &t.activity_id,
                &t.due_day,
                &t.done_ms,
                &t.source,
                &t.created_ms,
            ],
        )
        .map_err(db(shown))?;
    tx.commit().map_err(db(shown))?;
    if added == 0 {
        return Ok(None);
    }
    Ok(tasks_of(c, cid).map_err(db(shown))?.into_iter().find(|x| x.id == id))
}

pub(crate) fn tasks(c: &mut Client, shown: &str, community: &str) -> R<Vec<Task>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    tasks_of(c, cid).map_err(db(shown))
}

/// The tasks of community `cid`, by id.
pub(crate) fn tasks_of(c: &mut impl GenericClient, cid: i64) -> PgResult<Vec<Task>> {
    Ok(c.query(
        "SELECT t.id, t.kind, t.title, t.assignee, coalesce(g.name, g.external_id), t.group_id,
                (SELECT display_name FROM members m WHERE m.community_id = t.community_id AND m.id = t.member_id),
                t.member_id, t.activity_id, t.due_day, t.done_ms, t.source, t.created_ms
         FROM tasks t LEFT JOIN groups g ON g.community_id = t.community_id AND g.id = t.group_id
         WHERE t.community_id = $1 ORDER BY t.id",
        &[&cid],
    )?
    .iter()
    .map(task)
    .collect())
}

fn task(r: &Row) -> Task {
    Task {
        id: r.get(0),
        kind: r.get::<_, String>(1).parse().unwrap_or(TaskKind::Notify),
        title: r.get(2),
        assignee: r.get(3),
        group: r.get(4),
        group_id: r.get(5),
        member: r.get(6),
        member_id: r.get(7),
        activity_id: r.get(8),
        due_day: r.get(9),
        done_ms: r.get(10),
        source: r.get(11),
        created_ms: r.get(12),
    }
}

/// Marks a task done or open again.
pub(crate) fn set_task_done(c: &mut Client, shown: &str, community: &str, id: i64, done_ms: Option<i64>) -> R<Task> {
    let cid = community_or_err(c, shown, community)?;
    let n = c
        .execute("UPDATE tasks SET done_ms = $1 WHERE community_id = $2 AND id = $3", &[&done_ms, &cid, &id])
        .map_err(db(shown))?;
    if n == 0 {
        return Err(StoreError::no_task(id, community));
    }
    tasks_of(c, cid)
        .map_err(db(shown))?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| StoreError::gone(format!("task #{id} vanished")))
}

/// Records points given by hand.
pub(crate) fn add_points(c: &mut Client, shown: &str, community: &str, e: &PointsEntry) -> R<PointsEntry> {
    let cid = community_or_err(c, shown, community)?;
    let group = match &e.group {
        Some(g) => Some((find_group(c, shown, community, g)?.1, g.as_str())),
        None => None,
    };
    let member = member_in_group(c, shown, cid, community, group, &e.member)?;
    let mut tx = numbering(c, shown, cid)?;
    let id = next_id(&mut tx, shown, "points", "id", cid)?;
    tx.execute(
        "INSERT INTO points (community_id, id, member_id, group_id, amount, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&cid, &id, &member, &group.map(|g| g.0), &e.amount, &e.reason, &e.at_ms],
    )
    .map_err(db(shown))?;
    tx.commit().map_err(db(shown))?;
    points_of(c, cid)
        .map_err(db(shown))?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| StoreError::gone(format!("points #{id} vanished")))
}

pub(crate) fn points(c: &mut Client, shown: &str, community: &str) -> R<Vec<PointsEntry>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    points_of(c, cid).map_err(db(shown))
}

/// The hand entries of community `cid`, by id.
pub(crate) fn points_of(c: &mut impl GenericClient, cid: i64) -> PgResult<Vec<PointsEntry>> {
    Ok(c.query(
        "SELECT p.id, m.display_name, p.member_id, coalesce(g.name, g.external_id), p.group_id, p.amount, p.reason, p.at_ms
         FROM points p JOIN members m ON m.community_id = p.community_id AND m.id = p.member_id
         LEFT JOIN groups g ON g.community_id = p.community_id AND g.id = p.group_id
         WHERE p.community_id = $1 ORDER BY p.id",
        &[&cid],
    )?
    .iter()
    .map(|r| PointsEntry {
        id: r.get(0),
        member: r.get(1),
        member_id: r.get(2),
        group: r.get(3),
        group_id: r.get(4),
        amount: r.get(5),
        reason: r.get(6),
        at_ms: r.get(7),
    })
    .collect())
}

/// Saves the canvas as a new version.
pub(crate) fn save_canvas(c: &mut Client, shown: &str, community: &str, canvas: &CanvasVersion) -> R<CanvasVersion> {
    let cid = super::accounts::ensure_community(c, shown, community)?;
    let fields = serde_json::to_string(&canvas.fields).expect("a map of strings serialises");
    let mut tx = numbering(c, shown, cid)?;
    let version = next_id(&mut tx, shown, "canvas_versions", "version", cid)?;
    tx.execute(
        "INSERT INTO canvas_versions (community_id, version, fields, saved_ms) VALUES ($1, $2, $3, $4)",
        &[&cid, &version, &fields, &canvas.saved_ms],
    )
    .map_err(db(shown))?;
    tx.commit().map_err(db(shown))?;
    Ok(CanvasVersion { version, saved_ms: canvas.saved_ms, fields: canvas.fields.clone() })
}

/// Every version of the community's canvas, oldest first.
pub(crate) fn canvas_versions(c: &mut Client, shown: &str, community: &str) -> R<Vec<CanvasVersion>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    let rows = c
        .query(
            "SELECT version, saved_ms, fields FROM canvas_versions WHERE community_id = $1 ORDER BY version",
            &[&cid],
        )
        .map_err(db(shown))?;
    rows.iter()
        .map(|r| {
            let fields: String = r.get(2);
            Ok(CanvasVersion {
                version: r.get(0),
                saved_ms: r.get(1),
                fields: serde_json::from_str(&fields)
                    .map_err(|e| super::error::failure(shown, format!("canvas version {}: {e}", r.get::<_, i64>(0))))?,
            })
        })
        .collect()
}

pub(crate) fn add_resource(c: &mut Client, shown: &str, community: &str, r: &Resource) -> R<Resource> {
    let cid = super::accounts::ensure_community(c, shown, community)?;
    let member = match &r.member {
        Some(m) => Some(super::privacy::resolve(c, shown, cid, community, m)?),
        None => None,
    };
    let mut tx = numbering(c, shown, cid)?;
    let id = next_id(&mut tx, shown, "resources", "id", cid)?;
    tx.execute(
        "INSERT INTO resources (community_id, id, kind, name, tags, member_id, note, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&cid, &id, &r.kind.as_str(), &r.name, &tags_to_json(&r.tags), &member, &r.note, &r.created_ms],
    )
    .map_err(db(shown))?;
    tx.commit().map_err(db(shown))?;
    resource(c, shown, community, cid, id)
}

fn resource(c: &mut impl GenericClient, shown: &str, community: &str, cid: i64, id: i64) -> R<Resource> {
    resources_of(c, cid).map_err(db(shown))?.into_iter().find(|r| r.id == id).ok_or_else(|| no_resource(id, community))
}

pub(crate) fn resources(c: &mut Client, shown: &str, community: &str) -> R<Vec<Resource>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    resources_of(c, cid).map_err(db(shown))
}

/// The resources of community `cid`, by id.
pub(crate) fn resources_of(c: &mut impl GenericClient, cid: i64) -> PgResult<Vec<Resource>> {
    Ok(c.query(
        "SELECT r.id, r.kind, r.name, r.tags,
                (SELECT display_name FROM members m WHERE m.community_id = r.community_id AND m.id = r.member_id),
                r.member_id, r.note, r.created_ms
         FROM resources r WHERE r.community_id = $1 ORDER BY r.id",
        &[&cid],
    )?
    .iter()
    .map(|r| Resource {
        id: r.get(0),
        kind: r.get::<_, String>(1).parse().unwrap_or(ResourceKind::Content),
        name: r.get(2),
        tags: tags_from_json(&r.get::<_, String>(3)),
        member: r.get(4),
        member_id: r.get(5),
        note: r.get(6),
        created_ms: r.get(7),
    })
    .collect())
}

pub(crate) fn set_resource_tags(c: &mut Client, shown: &str, community: &str, id: i64, tags: &[String]) -> R<Resource> {
    let cid = community_or_err(c, shown, community)?;
    let n = c
        .execute(
            "UPDATE resources SET tags = $1 WHERE community_id = $2 AND id = $3",
            &[&tags_to_json(tags), &cid, &id],
        )
        .map_err(db(shown))?;
    if n == 0 {
        return Err(no_resource(id, community));
    }
    resource(c, shown, community, cid, id)
}

pub(crate) fn remove_resource(c: &mut Client, shown: &str, community: &str, id: i64) -> R<Resource> {
    let cid = community_or_err(c, shown, community)?;
    let r = resource(c, shown, community, cid, id)?;
    c.execute("DELETE FROM resources WHERE community_id = $1 AND id = $2", &[&cid, &id]).map_err(db(shown))?;
    Ok(r)
}

pub(crate) fn set_management_mode(
    c: &mut Client,
    shown: &str,
    community: &str,
    mode: ManagementMode,
    at_ms: i64,
) -> R<()> {
    let cid = super::accounts::ensure_community(c, shown, community)?;
    c.execute(
        "INSERT INTO management (community_id, mode, set_ms) VALUES ($1, $2, $3)
         ON CONFLICT (community_id) DO UPDATE SET mode = excluded.mode, set_ms = excluded.set_ms",
        &[&cid, &mode.as_str(), &at_ms],
    )
    .map_err(db(shown))?;
    Ok(())
}

pub(crate) fn set_group_place(c: &mut Client, shown: &str, community: &str, p: &GroupPlace) -> R<GroupPlace> {
    let cid = community_or_err(c, shown, community)?;
    let (_, gid, _) = find_group(c, shown, community, &p.group)?;
    let parent = match &p.parent {
        Some(name) => Some(find_group(c, shown, community, name)?.1),
        None => None,
    };
    let owner = match &p.owner {
        Some(m) => Some(member_in_group(c, shown, cid, community, Some((gid, p.group.as_str())), m)?),
        None => None,
    };
    // The community's row is locked: two writers cannot make a cycle between them.
    let mut tx = numbering(c, shown, cid)?;
    if let Some(parent) = parent {
        let parents: HashMap<i64, i64> = tx
            .query("SELECT id, parent_id FROM groups WHERE community_id = $1 AND parent_id IS NOT NULL", &[&cid])
            .map_err(db(shown))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        if makes_cycle(&parents, gid, parent) {
            return Err(StoreError::parent_cycle(p.parent.as_deref().unwrap_or_default(), &p.group));
        }
    }
    tx.execute("UPDATE groups SET parent_id = $1 WHERE community_id = $2 AND id = $3", &[&parent, &cid, &gid])
        .map_err(db(shown))?;
    match owner {
        Some(m) => tx.execute(
            "INSERT INTO group_owners (community_id, group_id, member_id, set_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (community_id, group_id) DO UPDATE SET member_id = excluded.member_id, set_ms = excluded.set_ms",
            &[&cid, &gid, &m, &p.updated_ms],
        ),
        None => tx.execute("DELETE FROM group_owners WHERE community_id = $1 AND group_id = $2", &[&cid, &gid]),
    }
    .map_err(db(shown))?;
    tx.commit().map_err(db(shown))?;
    let m = management_of(c, cid).map_err(db(shown))?;
    Ok(m.groups.into_iter().find(|g| g.group_id == gid).unwrap_or(GroupPlace {
        group_id: gid,
        group: p.group.clone(),
        parent_id: None,
        parent: None,
        owner_id: None,
        owner: None,
        updated_ms: p.updated_ms,
    }))
}

pub(crate) fn management(c: &mut Client, shown: &str, community: &str) -> R<Management> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Management::default()) };
    management_of(c, cid).map_err(db(shown))
}

/// The mode and the groups with a parent or an owner, of community `cid`.
pub(crate) fn management_of(c: &mut impl GenericClient, cid: i64) -> PgResult<Management> {
    let mode = c.query_opt("SELECT mode, set_ms FROM management WHERE community_id = $1", &[&cid])?;
    let groups = c
        .query(
            "SELECT g.id, coalesce(g.name, g.external_id), g.parent_id,
                    (SELECT coalesce(p.name, p.external_id) FROM groups p WHERE p.community_id = g.community_id AND p.id = g.parent_id),
                    o.member_id,
                    (SELECT display_name FROM members m WHERE m.community_id = o.community_id AND m.id = o.member_id),
                    coalesce(o.set_ms, 0)
             FROM groups g LEFT JOIN group_owners o ON o.community_id = g.community_id AND o.group_id = g.id
             WHERE g.community_id = $1 AND (g.parent_id IS NOT NULL OR o.member_id IS NOT NULL) ORDER BY g.id",
            &[&cid],
        )?
        .iter()
        .map(|r| GroupPlace {
            group_id: r.get(0),
            group: r.get(1),
            parent_id: r.get(2),
            parent: r.get(3),
            owner_id: r.get(4),
            owner: r.get(5),
            updated_ms: r.get(6),
        })
        .collect();
    Ok(Management {
        mode: mode.as_ref().and_then(|r| r.get::<_, String>(0).parse().ok()),
        mode_set_ms: mode.map(|r| r.get(1)),
        groups,
    })
}

pub(crate) fn set_template(
    c: &mut Client,
    shown: &str,
    community: &str,
    key: &str,
    lang: &str,
    text: Option<&str>,
    at_ms: i64,
) -> R<bool> {
    let n = match text {
        Some(text) => {
            let cid = super::accounts::ensure_community(c, shown, community)?;
            c.execute(
                "INSERT INTO draft_templates (community_id, key, lang, text, updated_ms) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (community_id, key, lang) DO UPDATE SET text = excluded.text, updated_ms = excluded.updated_ms",
                &[&cid, &key, &lang, &text, &at_ms],
            )
        }
        None => {
            let Some(cid) = community_id(c, shown, community)? else { return Ok(false) };
            c.execute(
                "DELETE FROM draft_templates WHERE community_id = $1 AND key = $2 AND lang = $3",
                &[&cid, &key, &lang],
            )
        }
    }
    .map_err(db(shown))?;
    Ok(n > 0)
}

pub(crate) fn templates(c: &mut Client, shown: &str, community: &str) -> R<Vec<TemplateOverride>> {
    let Some(cid) = community_id(c, shown, community)? else { return Ok(Vec::new()) };
    Ok(c.query(
        "SELECT key, lang, text, updated_ms FROM draft_templates WHERE community_id = $1
             ORDER BY key COLLATE \"C\", lang COLLATE \"C\"",
        &[&cid],
    )
    .map_err(db(shown))?
    .iter()
    .map(|r| TemplateOverride { key: r.get(0), lang: r.get(1), text: r.get(2), updated_ms: r.get(3) })
    .collect())
}
