//! Check-in challenges: records added by hand (`tonghao checkin add`) and
//! the per-group figures (`tonghao checkins`). The rules are
//! `tonghao_ops::checkins`; this module loads what they read.

use crate::{AppError, Result};
use chrono::NaiveDate;
use tonghao_model::msg::Msg;
use tonghao_model::records::{CheckinMark, MarkKind};
use tonghao_ops::checkins::{GroupCheckins, Recogniser, Request, checkins};
use tonghao_store::{Store, StoreError};

fn day(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| AppError::Input(Msg::new("error.not_a_day").text("what", what).text("value", s)))
}

/// Records a check-in, make-up or leave day by hand.
pub fn add(
    store: &dyn Store,
    community: &str,
    group: &str,
    member: &str,
    on: &str,
    kind: MarkKind,
) -> Result<CheckinMark> {
    let on = day(on, "--day")?;
    Ok(store.add_checkin_mark(community, group, member, &on.format("%Y-%m-%d").to_string(), kind)?)
}

/// What `tonghao checkins` asks for.
#[derive(Clone, Debug, Default)]
pub struct CheckinsRequest {
    /// Only this group (id or name).
    pub group: Option<String>,
    /// The day the figures are for (`YYYY-MM-DD`); default: the day after
    /// each group's history ends.
    pub today: Option<String>,
    /// A regular expression that recognises check-in messages instead of
    /// the default rule.
    pub pattern: Option<String>,
}

/// The check-in challenge of every group that has one (or of `req.group`).
pub fn report(store: &dyn Store, community: &str, req: &CheckinsRequest) -> Result<Vec<GroupCheckins>> {
    let recogniser = Recogniser::new(req.pattern.as_deref()).map_err(AppError::Input)?;
    let today = req.today.as_deref().map(|t| day(t, "--today")).transpose()?;
    // Every text: recognition needs them all (a long history costs memory).
    let mut snap = match store.snapshot(community, None, Some(i64::MAX)) {
        Ok(s) => s,
        Err(StoreError::NotFound(_)) if req.group.is_none() => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    // A bot's "打卡成功" answers no check-in (found over every text here).
    tonghao_insight::automated::mark(&mut snap);
    let group = match &req.group {
        None => None,
        Some(g) => Some(
            snap.groups
                .iter()
                .position(|x| x.external_id == *g || x.name.as_deref() == Some(g))
                .ok_or_else(|| AppError::no_group(g, community))?,
        ),
    };
    let marks = store.checkin_marks(community)?;
    Ok(checkins(&snap, &marks, &Request { group, today, recogniser: &recogniser }))
}
