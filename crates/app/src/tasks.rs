//! Tasks for the team (`tonghao task add|list|done|generate`): someone
//! notifies, supervises, hosts, follows one member up. Tasks are added by
//! hand or generated from the planned activities (announce the day before,
//! remind on the day, follow up the day after) and from the check-in
//! supervision list (follow up each member who missed yesterday).
//! Generating again adds nothing twice: each generated task has a source
//! key. tonghao assigns and reminds nobody by itself: the list is for the
//! team to read.

use crate::activities::{DEFAULT_TZ, kind_name};
use crate::checkins::CheckinsRequest;
use crate::i18n::Lang;
use crate::{AppError, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use tonghao_model::msg::Msg;
use tonghao_model::records::{Task, TaskKind};
use tonghao_ops::activities::{occurrences, parse_zone};
use tonghao_store::Store;

fn day(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| AppError::Input(Msg::new("error.not_a_day").text("what", what).text("value", s)))
}

/// What `tonghao task add` asks for.
#[derive(Clone, Debug)]
pub struct NewTask {
    /// What it asks.
    pub kind: TaskKind,
    /// What to do, in words.
    pub title: String,
    /// Who should do it.
    pub to: Option<String>,
    /// Due day, `YYYY-MM-DD`.
    pub due: Option<String>,
    /// The group it is about (id or name).
    pub group: Option<String>,
    /// The member it is about (store id, `platform:id`, or a name used in `group`).
    pub member: Option<String>,
}

/// Checks and records a task added by hand.
pub fn add(store: &dyn Store, community: &str, new: &NewTask, now_ms: i64) -> Result<Task> {
    if new.title.trim().is_empty() {
        return Err(AppError::Input(Msg::new("error.title_empty")));
    }
    let due = new.due.as_deref().map(|d| day(d, "--due")).transpose()?;
    let task = Task {
        id: 0,
        kind: new.kind,
        title: new.title.trim().to_string(),
        assignee: new.to.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string),
        group: new.group.clone(),
        group_id: None,
        member: new.member.clone(),
        member_id: None,
        activity_id: None,
        due_day: due.map(|d| d.format("%Y-%m-%d").to_string()),
        done_ms: None,
        source: None,
        created_ms: now_ms,
    };
    store.add_task(community, &task)?.ok_or_else(|| AppError::Input(Msg::new("error.task_exists")))
}

/// Open tasks (every task with `all`), of `to` if given: open ones first,
/// by due day (undated last), then by id.
pub fn list(store: &dyn Store, community: &str, all: bool, to: Option<&str>) -> Result<Vec<Task>> {
    let mut tasks = store.tasks(community)?;
    tasks.retain(|t| (all || t.done_ms.is_none()) && to.is_none_or(|to| t.assignee.as_deref() == Some(to)));
    tasks.sort_by(|a, b| {
        let key = |t: &Task| (t.done_ms.is_some(), t.due_day.is_none(), t.due_day.clone(), t.id);
        key(a).cmp(&key(b))
    });
    Ok(tasks)
}

/// Marks task `id` done now, or open again with `undo`.
pub fn done(store: &dyn Store, community: &str, id: i64, undo: bool, now_ms: i64) -> Result<Task> {
    Ok(store.set_task_done(community, id, if undo { None } else { Some(now_ms) })?)
}

/// What `tonghao task generate` asks for.
#[derive(Clone, Debug, Default)]
pub struct GenerateRequest {
    /// The first day (`YYYY-MM-DD`); default: today (UTC). Also the day the
    /// check-in supervision list is for; default there: the day after each
    /// group's history ends, as `tonghao checkins`.
    pub today: Option<String>,
    /// How many days of activities, from today (default 7).
    pub days: Option<u32>,
    /// Who gets the tasks of activities without a host, and the check-in
    /// follow-ups.
    pub to: Option<String>,
}

/// Generates the tasks of the activities whose occurrences start in the
/// window, and of the check-in supervision list; returns those added (the
/// ones generated before are not added again). Titles in `lang`.
pub fn generate(
    store: &dyn Store,
    community: &str,
    req: &GenerateRequest,
    now_ms: i64,
    lang: Lang,
) -> Result<Vec<Task>> {
    let today = match &req.today {
        Some(t) => day(t, "--today")?,
        None => DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default().date_naive(),
    };
    let days = i64::from(req.days.unwrap_or(7));
    let until = today + Duration::days(days);
    let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis();
    let mut candidates = Vec::new();
    for a in store.activities(community)? {
        let tz = parse_zone(&a.tz).unwrap_or_else(|_| parse_zone(DEFAULT_TZ).expect("zone"));
        let from = ms(today) - 86_400_000;
        let all = occurrences(&a, a.start_ms, ms(until) + 86_400_000).map_err(AppError::Input)?;
        for (n, o) in all.iter().enumerate().filter(|(_, o)| o.start_ms >= from) {
            let start = DateTime::<Utc>::from_timestamp_millis(o.start_ms).unwrap_or_default().with_timezone(&tz);
            let on = start.date_naive();
            if on < today || on >= until {
                continue;
            }
            let time = start.format("%Y-%m-%d %H:%M").to_string();
            let steps = [
                ("announce", TaskKind::Notify, on - Duration::days(1)),
                ("remind", TaskKind::Notify, on),
                ("follow_up", TaskKind::FollowUp, on + Duration::days(1)),
            ];
            for (step, kind, due) in steps {
                let key = match step {
                    "announce" => "task.announce",
                    "remind" => "task.remind",
                    _ => "task.follow_up_activity",
                };
                let title = lang.msg(
                    &Msg::new(key)
                        .text("kind", kind_name(a.kind, lang))
                        .text("title", a.title.clone())
                        .text("time", time.clone())
                        .int("id", a.id)
                        .int("n", n + 1),
                );
                candidates.push(Task {
                    id: 0,
                    kind,
                    title,
                    assignee: a.host.clone().or_else(|| req.to.clone()),
                    group: Some(a.group_external_id.clone()),
                    group_id: None,
                    member: None,
                    member_id: None,
                    activity_id: Some(a.id),
                    due_day: Some(due.format("%Y-%m-%d").to_string()),
                    done_ms: None,
                    source: Some(format!("activity:{}:{}:{step}", a.id, o.start_ms)),
                    created_ms: now_ms,
                });
            }
        }
    }
    let checkins =
        crate::checkins::report(store, community, &CheckinsRequest { today: req.today.clone(), ..Default::default() })?;
    for g in &checkins {
        for m in g.members.iter().filter(|m| m.slipping) {
            candidates.push(Task {
                id: 0,
                kind: TaskKind::FollowUp,
                title: lang.msg(
                    &Msg::new("task.follow_up_checkin").text("name", m.name.clone()).text("day", g.yesterday.clone()),
                ),
                assignee: req.to.clone(),
                group: Some(g.external_id.clone()),
                group_id: None,
                member: Some(m.member_id.to_string()),
                member_id: None,
                activity_id: None,
                due_day: Some(g.today.clone()),
                done_ms: None,
                source: Some(format!("checkin:{}:{}:{}", g.group_id, m.member_id, g.yesterday)),
                created_ms: now_ms,
            });
        }
    }
    let mut added = Vec::new();
    for t in candidates {
        if let Some(t) = store.add_task(community, &t)? {
            added.push(t);
        }
    }
    Ok(added)
}

/// The task kind's name in `lang`.
pub fn kind_label(kind: TaskKind, lang: Lang) -> &'static str {
    lang.t(match kind {
        TaskKind::Notify => "task.kind_notify",
        TaskKind::Supervise => "task.kind_supervise",
        TaskKind::Host => "task.kind_host",
        TaskKind::FollowUp => "task.kind_follow_up",
    })
}
