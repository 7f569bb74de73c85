//! The report model: from the store to a [`Report`] for a moment and a
//! window. Every face prints this one model (text, HTML, JSON, the console).

use crate::i18n::Lang;
use crate::{AppError, Result};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use tonghao_insight::links::infer_missing_since;
use tonghao_insight::report::{GroupReport, group_report_at, settle_as_of};
use tonghao_model::decision::{DecidedEvidence, Decision, Verdict};
use tonghao_model::msg::Msg;
use tonghao_model::snapshot::Snapshot;
use tonghao_ops::moves::{KindOutcome, Move, next_moves, outcomes};
use tonghao_store::Store;

/// What to report on.
#[derive(Clone, Debug)]
pub struct ReportRequest {
    /// Only this group (id or name); `None`: every group.
    pub group: Option<String>,
    /// Compute as if it were this moment (UTC ms), using only what happened
    /// before it; `None`: just after the latest message.
    pub as_of_ms: Option<i64>,
    /// Start of the metrics window (UTC ms); `None`: `window_days` before as-of.
    pub since_ms: Option<i64>,
    /// Window length in days when `since_ms` is not given.
    pub window_days: u32,
    /// For sharing outside the team: members' names and ids become stable
    /// codes, drafts naming people and words quoted from messages are left
    /// out (see [`crate::pseudonym`]).
    pub pseudonymise: bool,
}

impl Default for ReportRequest {
    fn default() -> Self {
        ReportRequest { group: None, as_of_ms: None, since_ms: None, window_days: 28, pseudonymise: false }
    }
}

/// A member taken as a bot, with the figures that decided it.
#[derive(Serialize)]
pub struct Bot {
    /// The store's member id.
    pub member_id: i64,
    /// Their name (a code in a pseudonymised report).
    pub name: String,
    /// Text messages counted (the window and the week before it).
    pub messages: usize,
    /// Share of them within 2 s of another member's message.
    pub fast: f64,
    /// Share of them repeating a template they used 3 times or more.
    pub templated: f64,
}

/// The whole report, as `--format json` prints it.
#[derive(Serialize)]
pub struct Report {
    /// The community reported on.
    pub community: String,
    /// The moment described, RFC 3339 UTC: the latest of the groups' own
    /// as-of times (each is in `groups[].as_of_ms`).
    pub as_of: String,
    /// The same moment as UTC milliseconds.
    pub as_of_ms: i64,
    /// Reply links inferred where the export had none.
    pub inferred_links: usize,
    /// One entry per group.
    pub groups: Vec<GroupReport>,
    /// Members taken as bots by their behaviour (no export flagged them):
    /// asked to do nothing and no move is about them
    /// ([`tonghao_insight::automated`]); left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bots: Vec<Bot>,
    /// What to do next, across the groups, highest priority first; moves
    /// already decided (done or dismissed) are left out.
    pub moves: Vec<Move>,
    /// How the moves marked done turned out, per kind.
    pub outcomes: Vec<KindOutcome>,
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time, as UTC ms.
pub fn parse_time(s: &str) -> Result<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| AppError::Input(Msg::new("error.not_a_date").text("value", s)))?;
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis())
}

/// Builds the report for `req` from the store, its words filled in both
/// languages (see [`localize`]).
pub fn build(store: &dyn Store, community: &str, req: &ReportRequest) -> Result<Report> {
    build_with_snapshot(store, community, req).map(|(report, _)| report)
}

/// [`build`], also returning the snapshot the report was computed from
/// (reply links inferred), for faces that draw more of it (the console's
/// interaction graphs).
pub fn build_with_snapshot(store: &dyn Store, community: &str, req: &ReportRequest) -> Result<(Report, Snapshot)> {
    // Texts only for the window plus a week of context for reply inference
    // (with a start date the window's length is only known after loading: all).
    let text_window = match req.since_ms {
        Some(_) => i64::MAX,
        None => (req.window_days.max(1) as i64 + 7) * 86_400_000,
    };
    let mut snap = store.snapshot(community, req.as_of_ms, Some(text_window))?;
    settle_as_of(&mut snap);
    // Before anything reads who is a person: bots no export flagged.
    let bots = tonghao_insight::automated::mark(&mut snap);
    let days = match req.since_ms {
        Some(since) => {
            if since >= snap.as_of_ms {
                return Err(AppError::Input(Msg::new("error.since_not_before").text("since", utc(since).to_string())));
            }
            ((snap.as_of_ms - since) as f64 / 86_400_000.0).ceil() as u32
        }
        None => req.window_days.max(1),
    };
    let selected: Vec<usize> = match &req.group {
        None => (0..snap.groups.len()).collect(),
        Some(g) => {
            let hits: Vec<usize> = (0..snap.groups.len())
                .filter(|&i| snap.groups[i].external_id == *g || snap.groups[i].name.as_deref() == Some(g))
                .collect();
            if hits.is_empty() {
                return Err(AppError::no_group(g, community));
            }
            hits
        }
    };
    // Without an as-of or a start, each group is read as of the end of what
    // its own files cover: an export that ended in 2019 beside a live one
    // is reported as it was then (and says so), not as four silent years.
    let own_end = req.as_of_ms.is_none() && req.since_ms.is_none();
    let end_of = |g: usize| if own_end { group_end(&snap, g) } else { snap.as_of_ms };
    let ends: Vec<i64> = selected.iter().map(|&g| end_of(g)).collect();
    // Links from each group's own window on (every group's: the outcomes of
    // decisions read them too).
    let starts: Vec<i64> = (0..snap.groups.len()).map(|g| end_of(g) - days as i64 * 86_400_000).collect();
    let inferred_links = infer_missing_since(&mut snap, &starts);
    let pseudonyms =
        if req.pseudonymise { Some(crate::pseudonym::Pseudonyms::for_community(store, community)?) } else { None };
    if let Some(p) = &pseudonyms {
        p.snapshot(&mut snap);
    }
    let bots = bots
        .iter()
        .map(|b| Bot {
            member_id: snap.members[b.member as usize].store_id,
            name: snap.members[b.member as usize].name.clone(),
            messages: b.messages,
            fast: (b.fast * 1000.0).round() / 1000.0,
            templated: (b.templated * 1000.0).round() / 1000.0,
        })
        .collect();
    let mut groups: Vec<GroupReport> =
        tonghao_insight::par::map(selected.len(), 0, |k| group_report_at(&snap, selected[k], days, ends[k]));
    for g in &mut groups {
        localize(g);
    }
    crate::canvas::score(store, community, &snap, &mut groups)?;
    let decisions = store.decisions(community)?;
    let decided: std::collections::HashSet<&str> = decisions.iter().map(|d| d.move_id.as_str()).collect();
    let mut moves = next_moves(&snap, &groups);
    moves.retain(|m| !decided.contains(m.id.as_str()));
    let templates = crate::templates::Templates::load(store, community)?;
    for m in &mut moves {
        localize_move(m, &templates);
    }
    let outcomes = outcomes(&snap, &decisions);
    let mut report = Report {
        community: community.to_string(),
        as_of: utc(snap.as_of_ms),
        as_of_ms: snap.as_of_ms,
        inferred_links,
        groups,
        bots,
        moves,
        outcomes,
    };
    if let Some(p) = &pseudonyms {
        p.report(&mut report, &snap, &templates);
    }
    Ok((report, snap))
}

/// The end of what group `g`'s files cover (or of its own events, where no
/// coverage was recorded), as a report time: just after it.
fn group_end(snap: &Snapshot, g: usize) -> i64 {
    snap.history_end(g).map_or(snap.as_of_ms, |t| (t + 1).min(snap.as_of_ms))
}

/// Words every message of the group report (its signals and its forecast's
/// factors) in both languages, from the catalogue, for faces that show both
/// (the JSON) or pick one.
pub fn localize(g: &mut GroupReport) {
    let e = &mut g.stage_evidence;
    e.zh = Lang::Zh.msg(&e.msg);
    e.en = Lang::En.msg(&e.msg);
    for s in &mut g.weakest {
        s.zh = Lang::Zh.msg(&s.msg);
        s.en = Lang::En.msg(&s.msg);
    }
    if let Some(f) = &mut g.forecast {
        for x in &mut f.factors {
            x.zh = Lang::Zh.msg(&x.msg);
            x.en = Lang::En.msg(&x.msg);
        }
    }
}

/// Records that move `move_id` (one of the current moves) was done or
/// dismissed, now; returns the move. A decided move is not proposed again,
/// and later reports measure how the done ones worked.
///
/// `at_ms` is when it was done (now, unless the operator says otherwise,
/// e.g. working through an older export). The decision keeps the move's
/// evidence (its members, messages and a split's proposed groups): later
/// imports judge the outcome against the move as it was decided.
pub fn decide(store: &dyn Store, community: &str, move_id: &str, verdict: Verdict, at_ms: i64) -> Result<Move> {
    let report = build(store, community, &ReportRequest::default())?;
    let Some(m) = report.moves.into_iter().find(|m| m.id == move_id) else {
        return Err(AppError::NotFound(
            Msg::new("error.no_open_move").text("id", move_id).text("community", community),
        ));
    };
    let decision = Decision {
        move_id: m.id.clone(),
        kind: m.kind.as_str().to_string(),
        group: m.group_store_id,
        member: m.subject,
        verdict,
        at_ms,
        evidence: DecidedEvidence {
            members: m.evidence.members.clone(),
            messages: m.evidence.messages.clone(),
            groups: m.evidence.groups.iter().map(|g| g.members.clone()).collect(),
        },
    };
    store.record_decision(community, &decision)?;
    Ok(m)
}

/// Words a move, its reason and its draft in both languages (the draft
/// with the community's own template where it set one).
pub fn localize_move(m: &mut Move, templates: &crate::templates::Templates) {
    for (lang, text, draft) in [(Lang::Zh, &mut m.zh, &mut m.draft_zh), (Lang::En, &mut m.en, &mut m.draft_en)] {
        *text = match &m.why {
            Some(why) => lang.msg(&Msg::new("move.because").text("what", lang.msg(&m.msg)).text("why", lang.msg(why))),
            None => lang.msg(&m.msg),
        };
        *draft = m.draft.as_ref().map(|d| templates.msg(lang, d)).unwrap_or_default();
    }
}

/// A UTC instant as RFC 3339.
pub fn utc(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// "2024-09-01 23:51 UTC+08:00": an instant in the one offset all `offsets`
/// share (a community's groups usually do), else in UTC; the zone is said.
pub fn local_time(ms: i64, offsets: impl IntoIterator<Item = i32>) -> String {
    let mut offsets = offsets.into_iter();
    let first = offsets.next().unwrap_or(0);
    let tz_s = if offsets.all(|o| o == first) { first } else { 0 };
    let tz = FixedOffset::east_opt(tz_s).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let zone = if tz_s == 0 { "UTC".to_string() } else { format!("UTC{tz}") };
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| format!("{} {zone}", t.with_timezone(&tz).format("%Y-%m-%d %H:%M")))
        .unwrap_or_default()
}

/// The local date (`YYYY-MM-DD`) of an instant at a UTC offset.
pub fn local_date(ms: i64, tz_s: i32) -> String {
    let tz = FixedOffset::east_opt(tz_s).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}
