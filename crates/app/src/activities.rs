//! Planned activities (`tonghao activity add|list`) and their calendar
//! (`tonghao calendar`, text or `.ics`). The rules are
//! `tonghao_ops::activities`; this module checks requests and talks to the
//! store.

use crate::i18n::Lang;
use crate::{AppError, Result};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use tonghao_model::records::{Activity, ActivityKind};
use tonghao_ops::activities::{
    Occurrence, Scheduled, check_rule, ics, occurrences, parse_duration, parse_start, parse_zone,
};
use tonghao_store::Store;

/// The zone of an activity when none is given: WeChat and QQ groups, which
/// most users run, keep China time.
pub const DEFAULT_TZ: &str = "Asia/Shanghai";

/// What `tonghao activity add` asks for.
#[derive(Clone, Debug)]
pub struct NewActivity {
    /// The group (id or name).
    pub group: String,
    /// What kind of ritual.
    pub kind: ActivityKind,
    /// Its title.
    pub title: String,
    /// RFC 3339, or `YYYY-MM-DD HH:MM` in `tz`.
    pub start: String,
    /// An RFC 5545 RRULE value.
    pub rrule: Option<String>,
    /// `30m`, `1h`, `1h30m`; default one hour.
    pub duration: Option<String>,
    /// An IANA zone; default [`DEFAULT_TZ`].
    pub tz: Option<String>,
}

/// Checks and records an activity.
pub fn add(store: &dyn Store, community: &str, new: &NewActivity) -> Result<Activity> {
    let tz_name = new.tz.as_deref().unwrap_or(DEFAULT_TZ);
    let tz = parse_zone(tz_name).map_err(AppError::Input)?;
    let start = parse_start(&new.start, tz).map_err(AppError::Input)?;
    if let Some(rule) = &new.rrule {
        check_rule(start, tz, rule).map_err(AppError::Input)?;
    }
    let duration_s = new.duration.as_deref().map(parse_duration).transpose().map_err(AppError::Input)?.unwrap_or(3600);
    if new.title.trim().is_empty() {
        return Err(AppError::Input("--title is empty".into()));
    }
    let activity = Activity {
        id: 0,
        group_id: 0,
        group: new.group.clone(),
        group_external_id: String::new(),
        kind: new.kind,
        title: new.title.trim().to_string(),
        start_ms: start.timestamp_millis(),
        tz: tz.name().to_string(),
        rrule: new.rrule.as_ref().map(|r| r.trim().trim_start_matches("RRULE:").to_string()),
        duration_s,
        created_ms: Utc::now().timestamp_millis(),
    };
    Ok(store.add_activity(community, &activity)?)
}

/// An activity with its first occurrence and the next one from now.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    /// The activity.
    #[serde(flatten)]
    pub activity: Activity,
    /// Its first start, RFC 3339 in its zone.
    pub first: String,
    /// Its next start from now, if any.
    pub next: Option<String>,
}

/// Every activity, with its next occurrence from now.
pub fn list(store: &dyn Store, community: &str) -> Result<Vec<Listed>> {
    let now = Utc::now().timestamp_millis();
    let year = 366 * 86_400_000;
    store
        .activities(community)?
        .into_iter()
        .map(|a| {
            let first = occurrences(&a, a.start_ms, a.start_ms + 1).map_err(AppError::Input)?;
            let next = occurrences(&a, now, now.max(a.start_ms) + year).map_err(AppError::Input)?;
            let next = next.into_iter().find(|o| o.start_ms >= now).map(|o| o.local_start);
            Ok(Listed { first: first.first().map(|o| o.local_start.clone()).unwrap_or_default(), next, activity: a })
        })
        .collect()
}

/// What `tonghao calendar` asks for.
#[derive(Clone, Debug, Default)]
pub struct CalendarRequest {
    /// Only this group's activities (id or name).
    pub group: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC); default: the earliest activity's start.
    pub from: Option<String>,
    /// Day after the last (`YYYY-MM-DD`, UTC); default: a year from today.
    pub until: Option<String>,
}

/// The occurrences in the window, each with its activity, by start.
#[derive(Clone, Debug, Serialize)]
pub struct Calendar {
    /// The activities shown.
    pub activities: Vec<Activity>,
    /// Their occurrences, by start.
    pub occurrences: Vec<Occurrence>,
}

fn day_ms(s: &str, what: &str) -> Result<i64> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| AppError::Input(format!("{what} {s:?} is not a day like 2024-03-01")))?;
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis())
}

/// Every occurrence of the requested activities in the window.
pub fn calendar(store: &dyn Store, community: &str, req: &CalendarRequest) -> Result<Calendar> {
    let mut activities = store.activities(community)?;
    if let Some(g) = &req.group {
        if !store.groups(community)?.iter().any(|x| x.external_id == *g || x.name.as_deref() == Some(g)) {
            return Err(AppError::NotFound(format!(
                "no group {g:?} in community {community:?}; `tonghao groups` lists them"
            )));
        }
        activities.retain(|a| a.group_external_id == *g || a.group == *g);
    }
    let from = match &req.from {
        Some(f) => day_ms(f, "--from")?,
        None => activities.iter().map(|a| a.start_ms).min().unwrap_or(0),
    };
    let until = match &req.until {
        Some(u) => day_ms(u, "--until")?,
        None => Utc::now().timestamp_millis() + 365 * 86_400_000,
    };
    if until <= from {
        return Err(AppError::Input("--until must be after --from".into()));
    }
    let mut all = Vec::new();
    for a in &activities {
        all.extend(occurrences(a, from, until).map_err(AppError::Input)?);
    }
    all.sort_by_key(|o| (o.start_ms, o.activity));
    Ok(Calendar { activities, occurrences: all })
}

/// The kind's name in `lang`.
pub fn kind_name(kind: ActivityKind, lang: Lang) -> &'static str {
    lang.t(match kind {
        ActivityKind::Topic => "activity.kind_topic",
        ActivityKind::Guest => "activity.kind_guest",
        ActivityKind::Checkin => "activity.kind_checkin",
        ActivityKind::Offline => "activity.kind_offline",
        ActivityKind::Trial => "activity.kind_trial",
        ActivityKind::Homework => "activity.kind_homework",
    })
}

/// The calendar as an iCalendar file; descriptions in `lang`.
pub fn to_ics(community: &str, cal: &Calendar, lang: Lang) -> String {
    let scheduled: Vec<Scheduled<'_>> = cal
        .activities
        .iter()
        .map(|a| Scheduled {
            activity: a,
            occurrences: cal.occurrences.iter().filter(|o| o.activity == a.id).cloned().collect(),
            description: format!("{} · {}", kind_name(a.kind, lang), a.group),
        })
        .collect();
    let name = format!("tonghao · {community}");
    ics(community, &name, &scheduled)
}
