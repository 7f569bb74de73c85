//! Orders: read a shop's orders file, and measure conversion per group.
//!
//! The file is CSV with a header naming the columns `member`, `time`,
//! `amount`, `product` and optionally `group` (any order, any case). A
//! member is `platform:id` (`wechat:wxid_hua002`), or a bare id when the
//! caller gives a platform. Amounts are yuan with at most two decimals and
//! are kept as integer fen, so sums are exact. Times are RFC 3339, or
//! `YYYY-MM-DD HH:MM[:SS]` when the caller gives an offset. Any bad cell
//! fails the whole file with its line and column: half an orders file is
//! worse than none.
//!
//! Conversion (`conversion`) credits an order to the group it names; an
//! order naming no group is credited to every group its buyer had joined
//! (or posted in) by the time of the order, so per-group revenue may add
//! up to more than the total, which is given apart.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tonghao_model::msg::Msg;
use tonghao_model::records::{OrderRecord, StoredOrder};
use tonghao_model::snapshot::{MembershipKind, Snapshot};
use tonghao_model::{Platform, fallback_key};

/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;
/// "The first three months" of membership, in days.
pub const EARLY_DAYS: i64 = 90;

/// Why an orders file cannot be read: where, and what was expected (in
/// catalogue words: the application layer words them).
#[derive(Debug, thiserror::Error)]
#[error("line {line}, column {column}: {why}")]
pub struct OrdersError {
    /// 1-based line of the file.
    pub line: u64,
    /// The column's name (or `header`).
    pub column: String,
    /// What is wrong.
    pub why: Msg,
}

fn bad(line: u64, column: &str, why: Msg) -> OrdersError {
    OrdersError { line, column: column.to_string(), why }
}

/// `key` about the cell's text `value`.
fn cell_msg(key: &'static str, value: &str) -> Msg {
    Msg::new(key).text("value", value)
}

/// Parses an amount in yuan (`99`, `99.9`, `99.90`) into fen.
pub fn parse_yuan(s: &str) -> Result<i64, Msg> {
    let s = s.trim();
    if s.starts_with('-') {
        return Err(cell_msg("error.amount_negative", s));
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
        return Err(cell_msg("error.amount_not_yuan", s));
    }
    if frac.len() > 2 {
        return Err(cell_msg("error.amount_decimals", s));
    }
    let too_large = || cell_msg("error.amount_too_large", s);
    let yuan: i64 = whole.parse().map_err(|_| too_large())?;
    let fen: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    yuan.checked_mul(100).and_then(|y| y.checked_add(fen)).ok_or_else(too_large)
}

/// Parses a time: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` read in `tz`.
pub fn parse_time(s: &str, tz: Option<FixedOffset>) -> Result<DateTime<FixedOffset>, Msg> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| cell_msg("error.order_time", s))?;
    let tz = tz.ok_or_else(|| cell_msg("error.order_offset", s))?;
    tz.from_local_datetime(&naive)
        .single()
        .ok_or_else(|| cell_msg("error.order_time_missing", s).text("zone", tz.to_string()))
}

/// Reads an orders file (its text). `platform` is the platform of bare
/// member ids; `tz` the offset of times written without one.
pub fn parse_orders(
    text: &str,
    platform: Option<Platform>,
    tz: Option<FixedOffset>,
) -> Result<Vec<OrderRecord>, OrdersError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let detail = |e: csv::Error| Msg::new("error.detail").text("detail", e.to_string());
    let header = reader.headers().map_err(|e| bad(1, "header", detail(e)))?.clone();
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        let known = ["member", "time", "amount", "product", "group"].into_iter().find(|k| *k == name);
        let Some(k) = known else {
            return Err(bad(1, "header", cell_msg("error.orders_unknown_column", &name)));
        };
        if col.insert(k, i).is_some() {
            return Err(bad(1, "header", cell_msg("error.orders_column_twice", k)));
        }
    }
    for k in ["member", "time", "amount", "product"] {
        if !col.contains_key(k) {
            return Err(bad(1, "header", cell_msg("error.orders_no_column", k)));
        }
    }
    let mut out = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, "row", detail(e))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |k: &str| col.get(k).and_then(|&i| record.get(i)).unwrap_or("").trim();
        let member = cell("member");
        let (plat, id) = match member.split_once(':').and_then(|(p, id)| p.parse::<Platform>().ok().map(|p| (p, id))) {
            Some((p, id)) if !id.is_empty() => (p, id),
            _ => match platform {
                Some(p) if !member.is_empty() => (p, member),
                _ => {
                    return Err(bad(line, "member", cell_msg("error.orders_member", member)));
                }
            },
        };
        let at = parse_time(cell("time"), tz).map_err(|m| bad(line, "time", m))?;
        let amount_fen = parse_yuan(cell("amount")).map_err(|m| bad(line, "amount", m))?;
        let product = cell("product").to_string();
        let group = Some(cell("group").to_string()).filter(|g| !g.is_empty());
        let at_ms = at.timestamp_millis();
        let parts = [
            "order",
            plat.as_str(),
            id,
            &at_ms.to_string(),
            &amount_fen.to_string(),
            &product,
            group.as_deref().unwrap_or(""),
        ];
        let n = seen.entry(parts.join("\u{1f}")).or_insert(0);
        let key = fallback_key(&parts, *n);
        *n += 1;
        out.push(OrderRecord {
            key,
            platform: plat.as_str().to_string(),
            member: id.to_string(),
            at_ms,
            amount_fen,
            product,
            group,
        });
    }
    Ok(out)
}

/// Conversion in one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupConversion {
    /// The group's store id.
    pub group_id: i64,
    /// Its name (or platform id).
    pub group: String,
    /// Distinct buyers credited to the group.
    pub buyers: u64,
    /// Orders credited to it.
    pub orders: u64,
    /// Their sum, in fen.
    pub revenue_fen: i64,
    /// Buyers with two or more orders credited to the group.
    pub repeat_buyers: u64,
    /// Buyers whose joining the group is known and came before their first
    /// order there: the base of the two figures below.
    pub buyers_with_join: u64,
    /// Median days from joining to the first order, over `buyers_with_join`.
    pub median_days_to_first_order: Option<f64>,
    /// Of `buyers_with_join`, those whose first order came within
    /// [`EARLY_DAYS`] days of joining.
    pub first_orders_within_90_days: u64,
    /// `first_orders_within_90_days / buyers_with_join`.
    pub share_within_90_days: Option<f64>,
}

/// Conversion in every group, and the community's totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Conversion {
    /// Groups with at least one order credited, by revenue (highest first).
    pub groups: Vec<GroupConversion>,
    /// All orders, each once.
    pub orders: u64,
    /// Their sum, in fen.
    pub revenue_fen: i64,
    /// Distinct buyers (linked to a member or not).
    pub buyers: u64,
    /// Buyers with two or more orders.
    pub repeat_buyers: u64,
    /// Orders whose buyer no imported chat knows (not credited to any group).
    pub unlinked_orders: u64,
    /// Linked orders credited to no group: they name a group the store does
    /// not know, or the buyer was in no group yet when they bought.
    pub uncredited_orders: u64,
}

/// When each member first appeared in each group: their first join, or
/// where no join is recorded, their first message (DESIGN.md §5).
/// Keys are (group store id, member store id).
pub fn joined(snap: &Snapshot) -> HashMap<(i64, i64), i64> {
    let mut first: HashMap<(i64, i64), i64> = HashMap::new();
    let mut joins: HashMap<(i64, i64), i64> = HashMap::new();
    let ids = |g: u32, m: u32| (snap.groups[g as usize].store_id, snap.members[m as usize].store_id);
    for row in &snap.memberships {
        if row.kind == MembershipKind::Join {
            let e = joins.entry(ids(row.group, row.member)).or_insert(row.at_ms);
            *e = (*e).min(row.at_ms);
        }
    }
    let m = &snap.messages;
    for i in 0..m.len() {
        let e = first.entry(ids(m.group[i], m.member[i])).or_insert(m.at_ms[i]);
        *e = (*e).min(m.at_ms[i]);
    }
    for (k, t) in joins {
        first.insert(k, t);
    }
    first
}

/// Buyers, revenue, repeat buyers and time to first order per group.
pub fn conversion(snap: &Snapshot, orders: &[StoredOrder]) -> Conversion {
    let joined = joined(snap);
    let mut groups_of: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (&(g, m), &t) in &joined {
        groups_of.entry(m).or_default().push((g, t));
    }
    // Per group: per member, their orders' times; the revenue; the orders.
    #[derive(Default)]
    struct Credited {
        times: HashMap<i64, Vec<i64>>,
        revenue: i64,
        orders: u64,
    }
    let mut credited: BTreeMap<i64, Credited> = BTreeMap::new();
    let mut out = Conversion::default();
    let mut per_buyer: HashMap<&str, u64> = HashMap::new();
    for o in orders {
        out.orders += 1;
        out.revenue_fen += o.amount_fen;
        *per_buyer.entry(o.buyer.as_str()).or_default() += 1;
        let Some(member) = o.member else {
            out.unlinked_orders += 1;
            continue;
        };
        let targets: Vec<i64> = match (o.group, &o.group_ref) {
            (Some(g), _) => vec![g],
            (None, Some(_)) => Vec::new(),
            (None, None) => groups_of
                .get(&member)
                .map(|gs| gs.iter().filter(|(_, t)| *t <= o.at_ms).map(|(g, _)| *g).collect())
                .unwrap_or_default(),
        };
        if targets.is_empty() {
            out.uncredited_orders += 1;
        }
        for g in targets {
            let e = credited.entry(g).or_default();
            e.times.entry(member).or_default().push(o.at_ms);
            e.revenue += o.amount_fen;
            e.orders += 1;
        }
    }
    out.buyers = per_buyer.len() as u64;
    out.repeat_buyers = per_buyer.values().filter(|&&n| n >= 2).count() as u64;
    let names: HashMap<i64, &str> = snap.groups.iter().map(|g| (g.store_id, g.label())).collect();
    for (g, Credited { times: buyers, revenue, orders: n }) in credited {
        let mut days = Vec::new();
        for (m, times) in &buyers {
            let first = times.iter().copied().min().unwrap_or(i64::MAX);
            if let Some(&j) = joined.get(&(g, *m)).filter(|&&j| j <= first) {
                days.push((first - j) as f64 / DAY_MS as f64);
            }
        }
        days.sort_by(f64::total_cmp);
        let within = days.iter().filter(|&&d| d < EARLY_DAYS as f64).count() as u64;
        out.groups.push(GroupConversion {
            group_id: g,
            group: names.get(&g).map_or_else(|| g.to_string(), |n| n.to_string()),
            buyers: buyers.len() as u64,
            orders: n,
            revenue_fen: revenue,
            repeat_buyers: buyers.values().filter(|t| t.len() >= 2).count() as u64,
            buyers_with_join: days.len() as u64,
            median_days_to_first_order: median(&days),
            first_orders_within_90_days: within,
            share_within_90_days: (!days.is_empty()).then(|| within as f64 / days.len() as f64),
        });
    }
    out.groups.sort_by(|a, b| b.revenue_fen.cmp(&a.revenue_fen).then_with(|| a.group.cmp(&b.group)));
    out
}

/// The median of sorted values.
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_fen_and_bad_ones_say_why() {
        assert_eq!(parse_yuan("99"), Ok(9900));
        assert_eq!(parse_yuan("99.9"), Ok(9990));
        assert_eq!(parse_yuan("0.05"), Ok(5));
        assert_eq!(parse_yuan(" 12.34 "), Ok(1234));
        assert_eq!(parse_yuan("1.234").unwrap_err().key, "error.amount_decimals");
        assert_eq!(parse_yuan("-5").unwrap_err().key, "error.amount_negative");
        assert_eq!(parse_yuan("99999999999999999999").unwrap_err().key, "error.amount_too_large");
        for s in ["", "abc", "1e3", "1.", ".5", "1,000", "¥5"] {
            assert_eq!(parse_yuan(s).unwrap_err().key, "error.amount_not_yuan", "{s}");
        }
    }

    #[test]
    fn times_without_offset_need_one() {
        let tz = FixedOffset::east_opt(8 * 3600);
        assert_eq!(parse_time("2024-03-05 12:00", tz).unwrap().to_rfc3339(), "2024-03-05T12:00:00+08:00");
        assert_eq!(parse_time("2024-03-05T04:00:00Z", None).unwrap().timestamp(), 1709611200);
        assert_eq!(parse_time("2024-03-05 12:00", None).unwrap_err().key, "error.order_offset");
        assert_eq!(parse_time("yesterday", tz).unwrap_err().key, "error.order_time");
    }

    #[test]
    fn a_bad_cell_names_its_line_and_column() {
        let text = "member,time,amount,product\nwechat:a,2024-03-05T12:00:00+08:00,1,x\nwechat:b,2024-03-05T12:00:00+08:00,1.999,x\n";
        let e = parse_orders(text, None, None).unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (3, "amount"));
        let e =
            parse_orders("member,time,amount,product\nwxid_a,2024-03-05T12:00:00+08:00,1,x\n", None, None).unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (2, "member"));
        let e = parse_orders("member,when,amount,product\n", None, None).unwrap_err();
        assert_eq!(e.column, "header");
    }

    #[test]
    fn identical_rows_stay_two_and_keys_are_stable() {
        let text = "member,time,amount,product\nwxid_a,2024-03-05 12:00,9.9,tea\nwxid_a,2024-03-05 12:00,9.9,tea\n";
        let tz = FixedOffset::east_opt(8 * 3600);
        let a = parse_orders(text, Some(Platform::Wechat), tz).unwrap();
        let b = parse_orders(text, Some(Platform::Wechat), tz).unwrap();
        assert_eq!(a.len(), 2);
        assert_ne!(a[0].key, a[1].key);
        assert_eq!(a, b);
        assert_eq!((a[0].platform.as_str(), a[0].member.as_str(), a[0].amount_fen), ("wechat", "wxid_a", 990));
    }
}

/// Days after an activity's occurrence whose orders count for it, unless
/// the caller says otherwise.
pub const ACTIVITY_WINDOW_DAYS: i64 = 7;

/// Orders of one side of an occurrence: its speakers, or the group's other
/// members.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Side {
    /// Members on this side.
    pub members: u64,
    /// Those who ordered in the window.
    pub buyers: u64,
    /// Their orders in the window.
    pub orders: u64,
    /// Their sum, in fen.
    pub revenue_fen: i64,
    /// buyers / members.
    pub buyer_share: Option<f64>,
    /// revenue / members, in fen.
    pub revenue_per_member_fen: Option<f64>,
}

impl Side {
    fn finish(&mut self) {
        if self.members > 0 {
            self.buyer_share = Some(self.buyers as f64 / self.members as f64);
            self.revenue_per_member_fen = Some(self.revenue_fen as f64 / self.members as f64);
        }
    }
}

/// What an activity's occurrence converted into.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OccurrenceConversion {
    /// Which occurrence (1: the first).
    pub occurrence: usize,
    /// Its start, RFC 3339 in the activity's zone.
    pub local_start: String,
    /// Its start and end (UTC milliseconds).
    pub start_ms: i64,
    /// Its end; the window is `[end_ms, window_end_ms)`.
    pub end_ms: i64,
    /// The window's end (UTC milliseconds).
    pub window_end_ms: i64,
    /// The members who posted during it (bots left out).
    pub speakers: Side,
    /// The group's other members at its start (joined by then, not left).
    pub others: Side,
    /// speakers' buyer share / the others' (`None` when the others bought nothing).
    pub lift: Option<f64>,
    /// The latest order stored is at or after the window's end: no order of
    /// the window can still be missing from the files imported.
    pub window_complete: bool,
}

/// Buyers, orders and revenue in the `window_days` days after the end of
/// `occ` (an occurrence of an activity in group `g`) among its speakers and
/// among the group's other members. An order counts when it is the
/// member's and is credited to the group or names no group (an order
/// naming another group is that group's).
pub fn occurrence_conversion(
    snap: &Snapshot,
    g: usize,
    occ: &crate::activities::Occurrence,
    number: usize,
    orders: &[StoredOrder],
    window_days: i64,
) -> OccurrenceConversion {
    let group = &snap.groups[g];
    let m = &snap.messages;
    let store_id = |i: u32| snap.members[i as usize].store_id;
    let mut speakers = std::collections::BTreeSet::new();
    for i in group.messages.clone() {
        let t = m.at_ms[i];
        if t >= occ.start_ms && t < occ.end_ms && !m.has(i, tonghao_model::snapshot::flags::BOT) {
            speakers.insert(store_id(m.member[i]));
        }
    }
    // Who was in the group at the start: a first appearance by then, and
    // no leave as their latest join or leave before it.
    let mut first: HashMap<i64, i64> = HashMap::new();
    let mut left: HashMap<i64, bool> = HashMap::new();
    for r in &snap.memberships[group.memberships.clone()] {
        if r.at_ms > occ.start_ms {
            continue;
        }
        match r.kind {
            MembershipKind::Join => {
                first.entry(store_id(r.member)).or_insert(r.at_ms);
                left.insert(store_id(r.member), false);
            }
            MembershipKind::Leave => {
                left.insert(store_id(r.member), true);
            }
            MembershipKind::Role(_) => {}
        }
    }
    for i in group.messages.clone() {
        if m.at_ms[i] <= occ.start_ms {
            first.entry(store_id(m.member[i])).or_insert(m.at_ms[i]);
        }
    }
    let bots: std::collections::HashSet<i64> = snap.members.iter().filter(|x| x.bot).map(|x| x.store_id).collect();
    let others: std::collections::BTreeSet<i64> = first
        .keys()
        .copied()
        .filter(|id| !speakers.contains(id) && !left.get(id).copied().unwrap_or(false) && !bots.contains(id))
        .collect();
    let window_end_ms = occ.end_ms + window_days * DAY_MS;
    let mut by_member: HashMap<i64, Vec<&StoredOrder>> = HashMap::new();
    for o in orders {
        let credited = o.group == Some(group.store_id) || (o.group.is_none() && o.group_ref.is_none());
        if let Some(member) = o.member
            && credited
            && o.at_ms >= occ.end_ms
            && o.at_ms < window_end_ms
        {
            by_member.entry(member).or_default().push(o);
        }
    }
    let side = |members: &std::collections::BTreeSet<i64>| {
        let mut s = Side { members: members.len() as u64, ..Default::default() };
        for id in members {
            if let Some(os) = by_member.get(id) {
                s.buyers += 1;
                s.orders += os.len() as u64;
                s.revenue_fen += os.iter().map(|o| o.amount_fen).sum::<i64>();
            }
        }
        s.finish();
        s
    };
    let (speakers, others) = (side(&speakers), side(&others));
    let lift = match (speakers.buyer_share, others.buyer_share) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    OccurrenceConversion {
        occurrence: number,
        local_start: occ.local_start.clone(),
        start_ms: occ.start_ms,
        end_ms: occ.end_ms,
        window_end_ms,
        speakers,
        others,
        lift,
        window_complete: orders.iter().any(|o| o.at_ms >= window_end_ms),
    }
}
