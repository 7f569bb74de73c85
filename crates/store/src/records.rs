//! What both backends do alike with the operators' records, after the SQL:
//! resolving an order's group reference, reading the orders and check-ins
//! that arrived as imported events, and the error for a name several
//! members used (`sqlite/ops.rs` and `postgres/ops.rs` are the SQL).

use crate::error::StoreError;
use std::collections::HashMap;
use tonghao_model::records::StoredOrder;

/// Group references (external id or name) to the group they name: `None`
/// when several groups have the reference, so it names none.
pub(crate) fn group_refs(
    groups: impl IntoIterator<Item = (i64, String, Option<String>)>,
) -> HashMap<String, Option<i64>> {
    let mut by_ref: HashMap<String, Option<i64>> = HashMap::new();
    for (id, ext, name) in groups {
        let mut refs = vec![ext];
        refs.extend(name);
        refs.dedup();
        for r in refs {
            by_ref
                .entry(r)
                .and_modify(|g| {
                    if *g != Some(id) {
                        *g = None
                    }
                })
                .or_insert(Some(id));
        }
    }
    by_ref
}

/// The order an imported `order` event (docs/events.md) records, if it is
/// one in CNY with an amount.
pub(crate) fn order_of_event(
    member: i64,
    group: i64,
    at_ms: i64,
    data: &str,
    buyer: Option<String>,
) -> Option<StoredOrder> {
    let data = serde_json::from_str::<serde_json::Value>(data).ok()?;
    if data.get("currency").and_then(|c| c.as_str()).is_some_and(|c| c != "CNY") {
        return None;
    }
    let amount_fen = data.get("amount_minor").and_then(|a| a.as_i64())?;
    Some(StoredOrder {
        member: Some(member),
        buyer: buyer.unwrap_or_default(),
        group: Some(group),
        group_ref: None,
        at_ms,
        amount_fen,
        product: data.get("item").and_then(|i| i.as_str()).unwrap_or_default().to_string(),
    })
}

/// The local day (`YYYY-MM-DD`) of `at_ms` in a group `tz_offset_s` east of UTC.
pub(crate) fn local_day(at_ms: i64, tz_offset_s: i32) -> Option<String> {
    let tz = chrono::FixedOffset::east_opt(tz_offset_s).unwrap_or(chrono::FixedOffset::east_opt(0).expect("UTC"));
    let t = chrono::DateTime::from_timestamp_millis(at_ms)?;
    Some(t.with_timezone(&tz).format("%Y-%m-%d").to_string())
}

/// The member a reference that is no id or `platform:id` names in a
/// group: the one member who used it as a name there (`by_name`), else
/// `not_found` (the reference's own error), or a clear error when several did.
pub(crate) fn member_by_name(
    not_found: StoreError,
    by_name: &[i64],
    member_ref: &str,
    group: &str,
) -> Result<i64, StoreError> {
    match by_name {
        [m] => Ok(*m),
        [] => Err(not_found),
        _ => Err(StoreError::name_ambiguous(member_ref, group, by_name.len())),
    }
}

/// Tags as stored: a JSON array.
pub(crate) fn tags_to_json(tags: &[String]) -> String {
    serde_json::to_string(tags).expect("strings serialise")
}

/// Tags as read (an unreadable column reads as none: it is only written here).
pub(crate) fn tags_from_json(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Whether making `parent` the parent of `group` would make a cycle, given
/// every group's parent now (`parents`: group → parent).
pub(crate) fn makes_cycle(parents: &HashMap<i64, i64>, group: i64, parent: i64) -> bool {
    let mut at = Some(parent);
    let mut steps = 0;
    while let Some(g) = at {
        if g == group {
            return true;
        }
        steps += 1;
        if steps > parents.len() + 1 {
            return true;
        }
        at = parents.get(&g).copied();
    }
    false
}

/// The error for a resource id the community does not have.
pub(crate) fn no_resource(id: i64, community: &str) -> StoreError {
    StoreError::no_resource(id, community)
}
