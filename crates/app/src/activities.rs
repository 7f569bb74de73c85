//! Planned activities (`tonghao activity add|list`) and their calendar
//! (`tonghao calendar`, text or `.ics`). The rules are
//! `tonghao_ops::activities`; this module checks requests and talks to the
//! store.

use crate::i18n::Lang;
use crate::{AppError, Result};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;
use tonghao_model::msg::Msg;
use tonghao_model::records::{Activity, ActivityKind};
use tonghao_ops::activities::{
    Occurrence, Scheduled, check_rule, ics, occurrences, parse_duration, parse_start, parse_zone,
};
use tonghao_ops::outcomes::{self, Outcome};
use tonghao_store::{Store, StoreError};

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
    /// Who runs it.
    pub host: Option<String>,
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
        return Err(AppError::Input(Msg::new("error.title_empty")));
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
        host: new.host.as_deref().map(str::trim).filter(|h| !h.is_empty()).map(str::to_string),
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
        .map_err(|_| AppError::Input(Msg::new("error.not_a_day").text("what", what).text("value", s)))?;
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis())
}

/// Every occurrence of the requested activities in the window.
pub fn calendar(store: &dyn Store, community: &str, req: &CalendarRequest) -> Result<Calendar> {
    let mut activities = store.activities(community)?;
    if let Some(g) = &req.group {
        if !store.groups(community)?.iter().any(|x| x.external_id == *g || x.name.as_deref() == Some(g)) {
            return Err(AppError::no_group(g, community));
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
        return Err(AppError::Input(Msg::new("error.until_before_from")));
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

/// The activity `id`, or an error naming it.
pub fn find(store: &dyn Store, community: &str, id: i64) -> Result<Activity> {
    store
        .activities(community)?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AppError::NotFound(Msg::new("error.no_activity").int("id", id).text("community", community)))
}

/// Occurrence `number` (1-based) of `a`.
fn nth(a: &Activity, number: usize) -> Result<Occurrence> {
    let far = a.start_ms + 20 * 366 * 86_400_000;
    let all = occurrences(a, a.start_ms, far).map_err(AppError::Input)?;
    if number == 0 || number > all.len() {
        return Err(AppError::Input(
            Msg::new("error.no_occurrence").int("id", a.id).int("number", number).int("count", all.len()),
        ));
    }
    Ok(all[number - 1].clone())
}

/// An activity and the outcome of one of its occurrences.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityOutcome {
    /// The activity.
    pub activity: Activity,
    /// The occurrence's outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The outcome of occurrence `number` of activity `id` (default: the
/// latest one that starts within the group's imported history), measured
/// from that history (`tonghao_ops::outcomes`).
pub fn outcome(store: &dyn Store, community: &str, id: i64, number: Option<usize>) -> Result<ActivityOutcome> {
    let a = find(store, community, id)?;
    let tz = parse_zone(&a.tz).map_err(AppError::Input)?;
    // Every text: the digest quotes messages (a long history costs memory).
    let mut snap = match store.snapshot(community, None, Some(i64::MAX)) {
        Ok(s) => s,
        Err(StoreError::NotFound(_)) => {
            return Err(AppError::NotFound(Msg::new("error.no_history").text("community", community)));
        }
        Err(e) => return Err(e.into()),
    };
    // Bots are not speakers to reward (found over every text here).
    tonghao_insight::automated::mark(&mut snap);
    let g = snap.groups.iter().position(|x| x.store_id == a.group_id).ok_or_else(|| {
        AppError::NotFound(Msg::new("error.group_no_history").text("group", a.group.as_str()).int("id", id))
    })?;
    let (number, occ) = match number {
        Some(n) => (n, nth(&a, n)?),
        None => {
            let end = snap.history_end(g).unwrap_or(i64::MIN);
            let held = if end < a.start_ms {
                Vec::new()
            } else {
                occurrences(&a, a.start_ms, end + 1).map_err(AppError::Input)?
            };
            let n = held.len();
            let last = held.into_iter().next_back().ok_or_else(|| {
                AppError::NotFound(Msg::new("error.history_ends_before").text("group", a.group.as_str()).int("id", id))
            })?;
            (n, last)
        }
    };
    let earlier = occurrences(&a, occ.start_ms - (outcomes::BASELINE_DAYS + 1) * 86_400_000, occ.start_ms)
        .map_err(AppError::Input)?;
    let earlier: Vec<Occurrence> = earlier.into_iter().filter(|o| o.start_ms < occ.start_ms).collect();
    let outcome = outcomes::outcome(&snap, g, tz, number, &occ, &earlier, a.kind == ActivityKind::Topic);
    Ok(ActivityOutcome { activity: a, outcome })
}

/// One drafted text, for a person to send.
#[derive(Clone, Debug, Serialize)]
pub struct Draft {
    /// `announce` (the day before), `remind` (an hour before) or
    /// `follow_up` (the morning after).
    pub kind: &'static str,
    /// When to send it, RFC 3339 in the activity's zone.
    pub send_at: String,
    /// The text.
    pub text: String,
}

/// The drafts of one occurrence.
#[derive(Clone, Debug, Serialize)]
pub struct Drafts {
    /// The activity.
    pub activity: Activity,
    /// Which occurrence (1: the first).
    pub occurrence: usize,
    /// Its start, RFC 3339 in the activity's zone.
    pub local_start: String,
    /// Announcement, reminder, follow-up.
    pub drafts: Vec<Draft>,
}

/// The announcement, reminder and follow-up of occurrence `number` of
/// activity `id` (default: the next one from `now_ms`, else the last), in
/// `lang`, with the community's own templates where it set them. The
/// follow-up thanks the speakers to reward once the imported history
/// covers the occurrence.
pub fn drafts(
    store: &dyn Store,
    community: &str,
    id: i64,
    number: Option<usize>,
    now_ms: i64,
    lang: Lang,
) -> Result<Drafts> {
    let a = find(store, community, id)?;
    let templates = crate::templates::Templates::load(store, community)?;
    let tz = parse_zone(&a.tz).map_err(AppError::Input)?;
    let number = match number {
        Some(n) => n,
        None => {
            let far = a.start_ms.max(now_ms) + 20 * 366 * 86_400_000;
            let all = occurrences(&a, a.start_ms, far).map_err(AppError::Input)?;
            all.iter().position(|o| o.start_ms >= now_ms).unwrap_or(all.len().saturating_sub(1)) + 1
        }
    };
    let occ = nth(&a, number)?;
    let at = |ms: i64| chrono::DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&tz);
    let start = at(occ.start_ms);
    let time = start.format("%Y-%m-%d %H:%M").to_string();
    let hosted = a.host.as_ref().map(|h| lang.msg(&Msg::new("activity_draft.hosted_by").text("host", h.clone())));
    let base = |key: &'static str| {
        Msg::new(key)
            .text("kind", kind_name(a.kind, lang))
            .text("title", a.title.clone())
            .text("time", time.clone())
            .text("tz", a.tz.clone())
            .text("hosted", hosted.clone().unwrap_or_default())
    };
    let speakers = if occ.start_ms <= now_ms {
        outcome(store, community, id, Some(number))
            .ok()
            .filter(|o| o.outcome.measured)
            .map(|o| o.outcome.reward.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let follow_up = if speakers.is_empty() {
        base("activity_draft.follow_up")
    } else {
        base("activity_draft.follow_up_thanks").text("speakers", speakers.join(lang.t("activity_draft.separator")))
    };
    let end = at(occ.end_ms);
    let morning = tz
        .from_local_datetime(&(end.date_naive() + chrono::Duration::days(1)).and_hms_opt(10, 0, 0).expect("10:00"))
        .earliest()
        .unwrap_or(end);
    let drafts = vec![
        Draft {
            kind: "announce",
            send_at: at(occ.start_ms - 86_400_000).to_rfc3339(),
            text: templates.msg(lang, &base("activity_draft.announce")),
        },
        Draft {
            kind: "remind",
            send_at: at(occ.start_ms - 3_600_000).to_rfc3339(),
            text: templates.msg(lang, &base("activity_draft.remind")),
        },
        Draft { kind: "follow_up", send_at: morning.to_rfc3339(), text: templates.msg(lang, &follow_up) },
    ];
    Ok(Drafts { activity: a, occurrence: number, local_start: occ.local_start, drafts })
}
