//! Orders: import a shop's orders file (`tonghao orders import`) and
//! measure conversion per group (`tonghao conversion`). The rules are
//! `tonghao_ops::orders`; this module reads the file and talks to the store.

use crate::{AppError, Result};
use chrono::FixedOffset;
use std::path::Path;
use tonghao_model::Platform;
use tonghao_model::msg::Msg;
use tonghao_model::records::OrderImportStats;
pub use tonghao_ops::orders::{ACTIVITY_WINDOW_DAYS, OccurrenceConversion, Side};
use tonghao_ops::orders::{Conversion, conversion as measure, occurrence_conversion, parse_orders};
use tonghao_store::Store;

/// Reads `path` (UTF-8 CSV) and stores its orders: all of them, or on any
/// error none, the error naming the file, line and column.
pub fn import(
    store: &dyn Store,
    community: &str,
    path: &Path,
    platform: Option<Platform>,
    tz: Option<FixedOffset>,
) -> Result<OrderImportStats> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| AppError::detail(format!("{shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        AppError::Input(
            Msg::new("error.not_utf8").text("file", shown.to_string()).int("byte", e.utf8_error().valid_up_to()),
        )
    })?;
    let orders = parse_orders(&text, platform, tz).map_err(|e| {
        AppError::Input(
            Msg::new("error.orders_cell")
                .text("file", shown.to_string())
                .int("line", e.line)
                .text("column", e.column)
                .words("why", e.why),
        )
    })?;
    Ok(store.import_orders(community, &orders)?)
}

/// Conversion per group over everything stored.
pub fn conversion(store: &dyn Store, community: &str) -> Result<Conversion> {
    let orders = store.orders(community)?;
    // No texts: joins and first messages are all conversion needs.
    let snap = match store.snapshot(community, None, None) {
        Ok(s) => s,
        Err(tonghao_store::StoreError::NotFound(_)) => Default::default(),
        Err(e) => return Err(e.into()),
    };
    Ok(measure(&snap, &orders))
}

/// One planned activity's occurrences and what each converted into.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ActivityConversion {
    /// The activity.
    pub activity: tonghao_model::records::Activity,
    /// Its occurrences that the group's imported history covers, oldest first.
    pub occurrences: Vec<OccurrenceConversion>,
}

/// Conversion per activity (`tonghao conversion --by-activity`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ByActivity {
    /// Days after each occurrence's end whose orders count for it.
    pub window_days: i64,
    /// Every activity whose group has an imported history.
    pub activities: Vec<ActivityConversion>,
}

/// For each occurrence of each planned activity that its group's history
/// covers, the orders of its speakers and of the group's other members in
/// the `window_days` days after it ([`occurrence_conversion`]); at most the
/// latest 100 occurrences of an activity.
pub fn by_activity(store: &dyn Store, community: &str, window_days: i64) -> Result<ByActivity> {
    if !(1..=365).contains(&window_days) {
        return Err(AppError::Input(Msg::new("error.days_range").int("days", window_days)));
    }
    let activities = store.activities(community)?;
    let orders = store.orders(community)?;
    let snap = match store.snapshot(community, None, None) {
        Ok(s) => s,
        Err(tonghao_store::StoreError::NotFound(_)) => Default::default(),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for a in activities {
        let Some(g) = snap.groups.iter().position(|x| x.store_id == a.group_id) else { continue };
        let Some(end) = snap.history_end(g) else { continue };
        let held = if end < a.start_ms {
            Vec::new()
        } else {
            tonghao_ops::activities::occurrences(&a, a.start_ms, end + 1).map_err(AppError::Input)?
        };
        let skip = held.len().saturating_sub(100);
        let occurrences = held
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, occ)| occurrence_conversion(&snap, g, occ, i + 1, &orders, window_days))
            .collect();
        out.push(ActivityConversion { activity: a, occurrences });
    }
    Ok(ByActivity { window_days, activities: out })
}
