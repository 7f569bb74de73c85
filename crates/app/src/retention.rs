//! Retention: a community may keep message texts for a number of months
//! only. Older texts are dropped (and erased from the store's files), the
//! rows stay: counts, activity, stages and every other figure are as
//! before. Applied by `tonghao retention apply` and after every import.

use crate::Result;
use chrono::{DateTime, Months, Utc};
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// What one application of the retention did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Applied {
    /// The setting applied.
    pub months: u32,
    /// Texts of messages sent before this moment (RFC 3339 UTC) were dropped.
    pub before: String,
    /// How many texts were dropped now (earlier ones are not counted again).
    pub expired: u64,
}

/// The start (00:00 UTC) of the day `months` months before `now_ms`:
/// texts older than it go. Whole days, so that applying twice on one day
/// drops nothing the second time (a cutoff that moved with the clock would
/// always find the messages of the seconds in between).
pub fn cutoff(now_ms: i64, months: u32) -> i64 {
    let now = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let then = now.checked_sub_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MIN_UTC);
    then.date_naive().and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis()
}

/// Sets `community`'s retention (`None`: keep every text), recorded in
/// the audit log as done by `user`. Texts go at the next `apply`.
pub fn set(store: &dyn Store, community: &str, months: Option<u32>, user: &str) -> Result<()> {
    if months == Some(0) {
        return Err(crate::AppError::Input(Msg::new("error.retention_zero")));
    }
    store.set_retention(community, months)?;
    let target = months.map_or("keep all".to_string(), |m| format!("{m} months"));
    crate::accounts::audit(store, user, Some(community), "retention-set", &target)
}

/// Drops the texts `community`'s retention no longer keeps, as of `now_ms`,
/// and records it in the audit log as done by `user` (when any went).
/// `None` when the community keeps every text.
pub fn apply(store: &dyn Store, community: &str, now_ms: i64, user: &str) -> Result<Option<Applied>> {
    let Some(months) = store.retention(community)? else { return Ok(None) };
    let before_ms = cutoff(now_ms, months);
    let expired = store.expire_texts(community, before_ms)?;
    let before = crate::report::utc(before_ms);
    if expired > 0 {
        let target = format!("{expired} message texts sent before {before} ({months} months)");
        crate::accounts::audit(store, user, Some(community), "retention-apply", &target)?;
    }
    Ok(Some(Applied { months, before, expired }))
}

#[cfg(test)]
mod tests {
    use super::cutoff;

    #[test]
    fn the_cutoff_is_a_whole_day_that_does_not_move_with_the_clock() {
        let ms = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
        let morning = cutoff(ms("2026-11-30T00:00:01Z"), 28);
        assert_eq!(morning, ms("2024-07-30T00:00:00Z"));
        assert_eq!(cutoff(ms("2026-11-30T23:59:59Z"), 28), morning);
        // A month without the day: the last day of that month.
        assert_eq!(cutoff(ms("2026-03-31T12:00:00Z"), 1), ms("2026-02-28T00:00:00Z"));
    }
}
