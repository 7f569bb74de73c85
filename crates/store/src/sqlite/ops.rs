//! The operators' records in SQLite: orders, check-in marks, planned
//! activities, tasks, points by hand, the canvas's versions, the resource
//! library, the management mode and group owners, and draft templates (the
//! decisions about moves are in `mod.rs`).

use super::error::db;
use crate::error::StoreError;
use crate::records::{makes_cycle, no_resource, tags_from_json, tags_to_json};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use tonghao_model::records::{
    Activity, ActivityKind, CanvasVersion, CheckinMark, GroupPlace, Management, ManagementMode, MarkKind,
    OrderImportStats, OrderRecord, PointsEntry, Resource, ResourceKind, StoredOrder, Task, TaskKind, TemplateOverride,
};

/// The id of `community`, created if new.
pub(crate) fn community_create(conn: &Connection, path: &str, community: &str) -> Result<i64, StoreError> {
    let err = db(path);
    if let Some(id) = conn
        .query_row("SELECT id FROM communities WHERE name = ?1", [community], |r| r.get(0))
        .optional()
        .map_err(&err)?
    {
        return Ok(id);
    }
    let now = chrono::Utc::now().timestamp_millis();
    conn.execute("INSERT INTO communities (name, created_ms) VALUES (?1, ?2)", params![community, now])
        .map_err(&err)?;
    Ok(conn.last_insert_rowid())
}

/// Stores `orders` in one transaction: all of them or none.
pub(crate) fn import_orders(
    conn: &Connection,
    path: &str,
    community: &str,
    orders: &[OrderRecord],
) -> Result<OrderImportStats, StoreError> {
    let err = db(path);
    let tx = conn.unchecked_transaction().map_err(&err)?;
    let cid = community_create(&tx, path, community)?;
    let suppressed = super::privacy::suppressed(&tx, cid).map_err(&err)?;
    let mut stats = OrderImportStats { rows: orders.len() as u64, ..Default::default() };
    let mut unlinked_buyers = HashSet::new();
    {
        let mut insert = tx
            .prepare(
                "INSERT OR IGNORE INTO orders (community_id, key, platform, external_id, at_ms, amount_fen, product, group_ref)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(&err)?;
        let mut known = tx
            .prepare("SELECT EXISTS (SELECT 1 FROM identities WHERE community_id = ?1 AND platform = ?2 AND external_id = ?3)")
            .map_err(&err)?;
        for o in orders {
            if suppressed.contains(&(o.platform.clone(), o.member.clone())) {
                stats.suppressed += 1;
                continue;
            }
            let n = insert
                .execute(params![cid, o.key, o.platform, o.member, o.at_ms, o.amount_fen, o.product, o.group])
                .map_err(&err)?;
            if n == 0 {
                stats.duplicates += 1;
                continue;
            }
            stats.added += 1;
            let linked: bool = known.query_row(params![cid, o.platform, o.member], |r| r.get(0)).map_err(&err)?;
            if !linked {
                stats.unlinked += 1;
                unlinked_buyers.insert((o.platform.as_str(), o.member.as_str()));
            }
        }
    }
    stats.unlinked_buyers = unlinked_buyers.len() as u64;
    tx.commit().map_err(&err)?;
    Ok(stats)
}

/// Every order of community `cid`: those imported from files, linked to
/// members and groups now, and the `order` events of chat imports.
pub(crate) fn orders(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<StoredOrder>> {
    // A group reference names a group when exactly one group has it as id or name.
    let by_ref = crate::records::group_refs(
        conn.prepare("SELECT id, external_id, name FROM groups WHERE community_id = ?1")?
            .query_map([cid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT i.member_id, o.platform, o.external_id, o.group_ref, o.at_ms, o.amount_fen, o.product
         FROM orders o LEFT JOIN identities i
           ON i.community_id = o.community_id AND i.platform = o.platform AND i.external_id = o.external_id
         WHERE o.community_id = ?1 ORDER BY o.at_ms, o.key",
    )?;
    let rows = stmt.query_map([cid], |r| {
        let platform: String = r.get(1)?;
        let ext: String = r.get(2)?;
        Ok(StoredOrder {
            member: r.get(0)?,
            buyer: format!("{platform}:{ext}"),
            group: None,
            group_ref: r.get(3)?,
            at_ms: r.get(4)?,
            amount_fen: r.get(5)?,
            product: r.get(6)?,
        })
    })?;
    for row in rows {
        let mut o = row?;
        o.group = o.group_ref.as_ref().and_then(|g| by_ref.get(g).copied().flatten());
        out.push(o);
    }
    // Orders that arrived as canonical `order` events (docs/events.md), in CNY.
    let mut stmt = conn.prepare(
        "SELECT a.member_id, a.group_id, a.at_ms, a.data,
                (SELECT platform || ':' || external_id FROM identities i WHERE i.member_id = a.member_id
                 ORDER BY external_id LIKE '~name:%', platform, external_id LIMIT 1)
         FROM activities a WHERE a.community_id = ?1 AND a.kind = 'order' ORDER BY a.at_ms, a.id",
    )?;
    let rows = stmt.query_map([cid], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    for row in rows {
        let (member, group, at_ms, data, buyer) = row?;
        out.extend(crate::records::order_of_event(member, group, at_ms, &data, buyer));
    }
    out.sort_by_key(|o| o.at_ms);
    Ok(out)
}

/// Records a check-in, make-up or leave day by hand (replacing what was
/// recorded by hand for that member, group and day).
pub(crate) fn add_checkin_mark(
    conn: &Connection,
    path: &str,
    community: &str,
    group: &str,
    member_ref: &str,
    day: &str,
    kind: MarkKind,
) -> Result<CheckinMark, StoreError> {
    let err = db(path);
    let (gid, _) = super::queries::find_group(conn, path, community, group)?;
    let cid = super::queries::community_or_err(conn, path, community)?;
    let member = member_in_group(conn, path, cid, community, Some((gid, group)), member_ref)?;
    let now = chrono::Utc::now().timestamp_millis();
    conn.execute(
        "INSERT INTO checkin_marks (community_id, group_id, member_id, day, kind, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (community_id, group_id, member_id, day) DO UPDATE SET kind = excluded.kind, at_ms = excluded.at_ms",
        params![cid, gid, member, day, kind.as_str(), now],
    )
    .map_err(&err)?;
    Ok(CheckinMark { group: gid, member, day: day.to_string(), kind, by_hand: true })
}

/// Check-in records of community `cid` that are not messages: by hand, and
/// imported `checkin` events (their day in the group's offset).
pub(crate) fn checkin_marks(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<CheckinMark>> {
    let mut out: Vec<CheckinMark> = conn
        .prepare("SELECT group_id, member_id, day, kind FROM checkin_marks WHERE community_id = ?1 ORDER BY day, group_id, member_id")?
        .query_map([cid], |r| {
            Ok(CheckinMark {
                group: r.get(0)?,
                member: r.get(1)?,
                day: r.get(2)?,
                kind: r.get::<_, String>(3)?.parse().unwrap_or(MarkKind::Checkin),
                by_hand: true,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT a.group_id, a.member_id, a.at_ms, g.tz_offset_s FROM activities a JOIN groups g ON g.id = a.group_id
         WHERE a.community_id = ?1 AND a.kind = 'checkin' ORDER BY a.at_ms, a.id",
    )?;
    let rows = stmt.query_map([cid], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i32>(3)?))
    })?;
    for row in rows {
        let (group, member, at_ms, tz) = row?;
        let Some(day) = crate::records::local_day(at_ms, tz) else { continue };
        out.push(CheckinMark { group, member, day, kind: MarkKind::Checkin, by_hand: false });
    }
    Ok(out)
}

/// Records a planned activity in `group` (id or name); its id is the next
/// free one in the community.
pub(crate) fn add_activity(
    conn: &Connection,
    path: &str,
    community: &str,
    a: &Activity,
) -> Result<Activity, StoreError> {
    let err = db(path);
    let (gid, _) = super::queries::find_group(conn, path, community, &a.group)?;
    let cid = super::queries::community_or_err(conn, path, community)?;
    let tx = conn.unchecked_transaction().map_err(&err)?;
    let id: i64 = tx
        .query_row("SELECT coalesce(max(id), 0) + 1 FROM planned_activities WHERE community_id = ?1", [cid], |r| {
            r.get(0)
        })
        .map_err(&err)?;
    tx.execute(
        "INSERT INTO planned_activities (community_id, id, group_id, kind, title, start_ms, tz, rrule, duration_s, created_ms, host)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![cid, id, gid, a.kind.as_str(), a.title, a.start_ms, a.tz, a.rrule, a.duration_s, a.created_ms, a.host],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    let mut stored = activities(conn, cid).map_err(&err)?;
    stored.retain(|x| x.id == id);
    stored.pop().ok_or_else(|| StoreError::gone(format!("activity {id} vanished")))
}

/// The planned activities of community `cid`, by id.
pub(crate) fn activities(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<Activity>> {
    conn.prepare(
        "SELECT a.id, a.group_id, coalesce(g.name, g.external_id), a.kind, a.title, a.start_ms, a.tz, a.rrule,
                a.duration_s, a.created_ms, g.external_id, a.host
         FROM planned_activities a JOIN groups g ON g.id = a.group_id WHERE a.community_id = ?1 ORDER BY a.id",
    )?
    .query_map([cid], |r| {
        Ok(Activity {
            id: r.get(0)?,
            group_id: r.get(1)?,
            group: r.get(2)?,
            kind: r.get::<_, String>(3)?.parse().unwrap_or(ActivityKind::Topic),
            title: r.get(4)?,
            start_ms: r.get(5)?,
            tz: r.get(6)?,
            rrule: r.get(7)?,
            duration_s: r.get(8)?,
            created_ms: r.get(9)?,
            group_external_id: r.get(10)?,
            host: r.get(11)?,
        })
    })?
    .collect()
}

/// A member by store id or `platform:id`, else by a name they used in the
/// group `(id, as named)`, if one is given.
fn member_in_group(
    conn: &Connection,
    path: &str,
    cid: i64,
    community: &str,
    group: Option<(i64, &str)>,
    member_ref: &str,
) -> Result<i64, StoreError> {
    let err = db(path);
    match super::privacy::resolve(conn, path, cid, community, member_ref) {
        Ok(m) => Ok(m),
        Err(e) => {
            let Some((gid, group)) = group else { return Err(e) };
            let by_name: Vec<i64> = conn
                .prepare("SELECT DISTINCT member_id FROM member_names WHERE group_id = ?1 AND name = ?2")
                .and_then(|mut s| s.query_map(params![gid, member_ref], |r| r.get(0))?.collect())
                .map_err(&err)?;
            crate::records::member_by_name(e, &by_name, member_ref, group)
        }
    }
}

/// Records a task (see `Operations::add_task`).
pub(crate) fn add_task(conn: &Connection, path: &str, community: &str, t: &Task) -> Result<Option<Task>, StoreError> {
    let err = db(path);
    let cid = community_create(conn, path, community)?;
    let group = match &t.group {
        Some(g) => Some((super::queries::find_group(conn, path, community, g)?.0, g.as_str())),
        None => None,
    };
    let member = match &t.member {
        Some(m) => Some(member_in_group(conn, path, cid, community, group, m)?),
        None => None,
    };
    let tx = conn.unchecked_transaction().map_err(&err)?;
    let id: i64 = tx
        .query_row("SELECT coalesce(max(id), 0) + 1 FROM tasks WHERE community_id = ?1", [cid], |r| r.get(0))
        .map_err(&err)?;
    let added = tx
        .execute(
            "INSERT INTO tasks (community_id, id, kind, title, assignee, group_id, member_id, activity_id, due_day,
                                done_ms, source, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (community_id, source) DO NOTHING",
            params![
                cid,
                id,
                t.kind.as_str(),
                t.title,
                t.assignee,
                group.map(|g| g.0),
                member,
                t.activity_id,
                t.due_day,
                t.done_ms,
                t.source,
                t.created_ms
            ],
        )
        .map_err(&err)?;
    tx.commit().map_err(&err)?;
    if added == 0 {
        return Ok(None);
    }
    Ok(tasks(conn, cid).map_err(&err)?.into_iter().find(|x| x.id == id))
}

/// The tasks of community `cid`, by id.
pub(crate) fn tasks(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<Task>> {
    conn.prepare(
        "SELECT t.id, t.kind, t.title, t.assignee, coalesce(g.name, g.external_id), t.group_id,
                (SELECT display_name FROM members m WHERE m.id = t.member_id), t.member_id, t.activity_id,
                t.due_day, t.done_ms, t.source, t.created_ms
         FROM tasks t LEFT JOIN groups g ON g.id = t.group_id WHERE t.community_id = ?1 ORDER BY t.id",
    )?
    .query_map([cid], |r| {
        Ok(Task {
            id: r.get(0)?,
            kind: r.get::<_, String>(1)?.parse().unwrap_or(TaskKind::Notify),
            title: r.get(2)?,
            assignee: r.get(3)?,
            group: r.get(4)?,
            group_id: r.get(5)?,
            member: r.get(6)?,
            member_id: r.get(7)?,
            activity_id: r.get(8)?,
            due_day: r.get(9)?,
            done_ms: r.get(10)?,
            source: r.get(11)?,
            created_ms: r.get(12)?,
        })
    })?
    .collect()
}

/// Marks a task done or open again.
pub(crate) fn set_task_done(
    conn: &Connection,
    path: &str,
    community: &str,
    id: i64,
    done_ms: Option<i64>,
) -> Result<Task, StoreError> {
    let err = db(path);
    let cid = super::queries::community_or_err(conn, path, community)?;
    let n = conn
        .execute("UPDATE tasks SET done_ms = ?1 WHERE community_id = ?2 AND id = ?3", params![done_ms, cid, id])
        .map_err(&err)?;
    if n == 0 {
        return Err(StoreError::no_task(id, community));
    }
    tasks(conn, cid)
        .map_err(&err)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| StoreError::gone(format!("task #{id} vanished")))
}

/// Records points given by hand.
pub(crate) fn add_points(
    conn: &Connection,
    path: &str,
    community: &str,
    e: &PointsEntry,
) -> Result<PointsEntry, StoreError> {
    let err = db(path);
    let cid = super::queries::community_or_err(conn, path, community)?;
    let group = match &e.group {
        Some(g) => Some((super::queries::find_group(conn, path, community, g)?.0, g.as_str())),
        None => None,
    };
    let member = member_in_group(conn, path, cid, community, group, &e.member)?;
    let tx = conn.unchecked_transaction().map_err(&err)?;
    let id: i64 = tx
        .query_row("SELECT coalesce(max(id), 0) + 1 FROM points WHERE community_id = ?1", [cid], |r| r.get(0))
        .map_err(&err)?;
    tx.execute(
        "INSERT INTO points (community_id, id, member_id, group_id, amount, reason, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![cid, id, member, group.map(|g| g.0), e.amount, e.reason, e.at_ms],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    points(conn, cid)
        .map_err(&err)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| StoreError::gone(format!("points #{id} vanished")))
}

/// The hand entries of community `cid`, by id.
pub(crate) fn points(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<PointsEntry>> {
    conn.prepare(
        "SELECT p.id, m.display_name, p.member_id, coalesce(g.name, g.external_id), p.group_id, p.amount, p.reason, p.at_ms
         FROM points p JOIN members m ON m.id = p.member_id LEFT JOIN groups g ON g.id = p.group_id
         WHERE p.community_id = ?1 ORDER BY p.id",
    )?
    .query_map([cid], |r| {
        Ok(PointsEntry {
            id: r.get(0)?,
            member: r.get(1)?,
            member_id: r.get(2)?,
            group: r.get(3)?,
            group_id: r.get(4)?,
            amount: r.get(5)?,
            reason: r.get(6)?,
            at_ms: r.get(7)?,
        })
    })?
    .collect()
}

/// Saves the canvas as a new version.
pub(crate) fn save_canvas(
    conn: &Connection,
    path: &str,
    community: &str,
    c: &CanvasVersion,
) -> Result<CanvasVersion, StoreError> {
    let err = db(path);
    let cid = community_create(conn, path, community)?;
    let fields = serde_json::to_string(&c.fields).expect("a map of strings serialises");
    let tx = conn.unchecked_transaction().map_err(&err)?;
    let version: i64 = tx
        .query_row("SELECT coalesce(max(version), 0) + 1 FROM canvas_versions WHERE community_id = ?1", [cid], |r| {
            r.get(0)
        })
        .map_err(&err)?;
    tx.execute(
        "INSERT INTO canvas_versions (community_id, version, fields, saved_ms) VALUES (?1, ?2, ?3, ?4)",
        params![cid, version, fields, c.saved_ms],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    Ok(CanvasVersion { version, saved_ms: c.saved_ms, fields: c.fields.clone() })
}

/// Every version of community `cid`'s canvas, oldest first.
pub(crate) fn canvas_versions(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<CanvasVersion>> {
    conn.prepare("SELECT version, saved_ms, fields FROM canvas_versions WHERE community_id = ?1 ORDER BY version")?
        .query_map([cid], |r| {
            let fields: String = r.get(2)?;
            Ok(CanvasVersion {
                version: r.get(0)?,
                saved_ms: r.get(1)?,
                fields: serde_json::from_str(&fields).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
                })?,
            })
        })?
        .collect()
}

/// Adds a resource to the library.
pub(crate) fn add_resource(
    conn: &Connection,
    path: &str,
    community: &str,
    r: &Resource,
) -> Result<Resource, StoreError> {
    let err = db(path);
    let cid = community_create(conn, path, community)?;
    let member = match &r.member {
        Some(m) => Some(super::privacy::resolve(conn, path, cid, community, m)?),
        None => None,
    };
    let tx = conn.unchecked_transaction().map_err(&err)?;
    let id: i64 = tx
        .query_row("SELECT coalesce(max(id), 0) + 1 FROM resources WHERE community_id = ?1", [cid], |r| r.get(0))
        .map_err(&err)?;
    tx.execute(
        "INSERT INTO resources (community_id, id, kind, name, tags, member_id, note, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![cid, id, r.kind.as_str(), r.name, tags_to_json(&r.tags), member, r.note, r.created_ms],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    resource(conn, path, community, cid, id)
}

fn resource(conn: &Connection, path: &str, community: &str, cid: i64, id: i64) -> Result<Resource, StoreError> {
    resources(conn, cid).map_err(db(path))?.into_iter().find(|r| r.id == id).ok_or_else(|| no_resource(id, community))
}

/// The resources of community `cid`, by id.
pub(crate) fn resources(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<Resource>> {
    conn.prepare(
        "SELECT r.id, r.kind, r.name, r.tags, (SELECT display_name FROM members m WHERE m.id = r.member_id),
                r.member_id, r.note, r.created_ms
         FROM resources r WHERE r.community_id = ?1 ORDER BY r.id",
    )?
    .query_map([cid], |r| {
        Ok(Resource {
            id: r.get(0)?,
            kind: r.get::<_, String>(1)?.parse().unwrap_or(ResourceKind::Content),
            name: r.get(2)?,
            tags: tags_from_json(&r.get::<_, String>(3)?),
            member: r.get(4)?,
            member_id: r.get(5)?,
            note: r.get(6)?,
            created_ms: r.get(7)?,
        })
    })?
    .collect()
}

/// Replaces a resource's tags.
pub(crate) fn set_resource_tags(
    conn: &Connection,
    path: &str,
    community: &str,
    id: i64,
    tags: &[String],
) -> Result<Resource, StoreError> {
    let cid = super::queries::community_or_err(conn, path, community)?;
    let n = conn
        .execute(
            "UPDATE resources SET tags = ?1 WHERE community_id = ?2 AND id = ?3",
            params![tags_to_json(tags), cid, id],
        )
        .map_err(db(path))?;
    if n == 0 {
        return Err(no_resource(id, community));
    }
    resource(conn, path, community, cid, id)
}

/// Removes a resource, returning it.
pub(crate) fn remove_resource(conn: &Connection, path: &str, community: &str, id: i64) -> Result<Resource, StoreError> {
    let cid = super::queries::community_or_err(conn, path, community)?;
    let r = resource(conn, path, community, cid, id)?;
    conn.execute("DELETE FROM resources WHERE community_id = ?1 AND id = ?2", params![cid, id]).map_err(db(path))?;
    Ok(r)
}

/// Sets the management mode.
pub(crate) fn set_management_mode(
    conn: &Connection,
    path: &str,
    community: &str,
    mode: ManagementMode,
    at_ms: i64,
) -> Result<(), StoreError> {
    let cid = community_create(conn, path, community)?;
    conn.execute(
        "INSERT INTO management (community_id, mode, set_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (community_id) DO UPDATE SET mode = excluded.mode, set_ms = excluded.set_ms",
        params![cid, mode.as_str(), at_ms],
    )
    .map_err(db(path))?;
    Ok(())
}

/// Sets a group's parent and owner.
pub(crate) fn set_group_place(
    conn: &Connection,
    path: &str,
    community: &str,
    p: &GroupPlace,
) -> Result<GroupPlace, StoreError> {
    let err = db(path);
    let cid = super::queries::community_or_err(conn, path, community)?;
    let (gid, _) = super::queries::find_group(conn, path, community, &p.group)?;
    let parent = match &p.parent {
        Some(name) => Some(super::queries::find_group(conn, path, community, name)?.0),
        None => None,
    };
    let owner = match &p.owner {
        Some(m) => Some(member_in_group(conn, path, cid, community, Some((gid, p.group.as_str())), m)?),
        None => None,
    };
    let tx = conn.unchecked_transaction().map_err(&err)?;
    if let Some(parent) = parent {
        let parents: HashMap<i64, i64> = tx
            .prepare("SELECT id, parent_id FROM groups WHERE community_id = ?1 AND parent_id IS NOT NULL")
            .and_then(|mut s| s.query_map([cid], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(&err)?;
        if makes_cycle(&parents, gid, parent) {
            return Err(StoreError::parent_cycle(p.parent.as_deref().unwrap_or_default(), &p.group));
        }
    }
    tx.execute("UPDATE groups SET parent_id = ?1 WHERE id = ?2", params![parent, gid]).map_err(&err)?;
    match owner {
        Some(m) => tx.execute(
            "INSERT INTO group_owners (community_id, group_id, member_id, set_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (community_id, group_id) DO UPDATE SET member_id = excluded.member_id, set_ms = excluded.set_ms",
            params![cid, gid, m, p.updated_ms],
        ),
        None => tx.execute("DELETE FROM group_owners WHERE community_id = ?1 AND group_id = ?2", params![cid, gid]),
    }
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    let m = management(conn, cid).map_err(&err)?;
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

/// The mode and the groups with a parent or an owner, of community `cid`.
pub(crate) fn management(conn: &Connection, cid: i64) -> rusqlite::Result<Management> {
    let mode: Option<(String, i64)> = conn
        .query_row("SELECT mode, set_ms FROM management WHERE community_id = ?1", [cid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let groups = conn
        .prepare(
            "SELECT g.id, coalesce(g.name, g.external_id), g.parent_id,
                    (SELECT coalesce(p.name, p.external_id) FROM groups p WHERE p.id = g.parent_id),
                    o.member_id, (SELECT display_name FROM members m WHERE m.id = o.member_id), coalesce(o.set_ms, 0)
             FROM groups g LEFT JOIN group_owners o ON o.group_id = g.id
             WHERE g.community_id = ?1 AND (g.parent_id IS NOT NULL OR o.member_id IS NOT NULL) ORDER BY g.id",
        )?
        .query_map([cid], |r| {
            Ok(GroupPlace {
                group_id: r.get(0)?,
                group: r.get(1)?,
                parent_id: r.get(2)?,
                parent: r.get(3)?,
                owner_id: r.get(4)?,
                owner: r.get(5)?,
                updated_ms: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Management { mode: mode.as_ref().and_then(|(m, _)| m.parse().ok()), mode_set_ms: mode.map(|(_, t)| t), groups })
}

/// Sets or resets a template.
pub(crate) fn set_template(
    conn: &Connection,
    path: &str,
    community: &str,
    key: &str,
    lang: &str,
    text: Option<&str>,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let n = match text {
        Some(text) => {
            let cid = community_create(conn, path, community)?;
            conn.execute(
                "INSERT INTO draft_templates (community_id, key, lang, text, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (community_id, key, lang) DO UPDATE SET text = excluded.text, updated_ms = excluded.updated_ms",
                params![cid, key, lang, text, at_ms],
            )
        }
        None => {
            let Some(cid) = super::queries::community_id(conn, path, community)? else { return Ok(false) };
            conn.execute(
                "DELETE FROM draft_templates WHERE community_id = ?1 AND key = ?2 AND lang = ?3",
                params![cid, key, lang],
            )
        }
    }
    .map_err(db(path))?;
    Ok(n > 0)
}

/// The templates of community `cid`, by key and language.
pub(crate) fn templates(conn: &Connection, cid: i64) -> rusqlite::Result<Vec<TemplateOverride>> {
    conn.prepare("SELECT key, lang, text, updated_ms FROM draft_templates WHERE community_id = ?1 ORDER BY key, lang")?
        .query_map([cid], |r| {
            Ok(TemplateOverride { key: r.get(0)?, lang: r.get(1)?, text: r.get(2)?, updated_ms: r.get(3)? })
        })?
        .collect()
}
