//! Orders: import a shop's orders file (`tonghao orders import`) and
//! measure conversion per group (`tonghao conversion`). The rules are
//! `tonghao_ops::orders`; this module reads the file and talks to the store.

use crate::{AppError, Result};
use chrono::FixedOffset;
use std::path::Path;
use tonghao_model::Platform;
use tonghao_model::records::OrderImportStats;
use tonghao_ops::orders::{Conversion, conversion as measure, parse_orders};
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
    let bytes = std::fs::read(path).map_err(|e| AppError::Input(format!("{shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        AppError::Input(format!(
            "{shown}: byte {}: not UTF-8 (save the file as UTF-8 CSV)",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let orders = parse_orders(&text, platform, tz).map_err(|e| AppError::Input(format!("{shown}: {e}")))?;
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
