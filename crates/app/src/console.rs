//! The console's pages: the report cut into what each screen shows, as
//! JSON, computed once per change of the community's data and kept in the
//! store ([`tonghao_store::Accounts::pages_put`]), so every request after
//! an import reads one row and several server processes share the work.
//!
//! Pages: `overview` (one row per group), `moves` (the inbox across groups
//! and the outcomes), and `group/<store id>` (a group's report, its
//! interaction graph coloured by a proposed split, its moves), computed
//! together; `checkins` and `conversion` (the operators' records), each
//! computed when first asked for.

use crate::report::{ReportRequest, build_with_snapshot};
use crate::{AppError, Result};
use serde::Serialize;
use tonghao_insight::graph::Graph as InteractionGraph;
use tonghao_insight::metrics::Window;
use tonghao_insight::report::GroupReport;
use tonghao_insight::split;
use tonghao_model::msg::Msg;
use tonghao_model::snapshot::Snapshot;
use tonghao_ops::moves::{KindOutcome, Move};
use tonghao_store::Store;

/// A group's size goal: larger groups get a split proposal (the same
/// proposal as the `split` move's, [`split::propose`]).
pub const SPLIT_GOAL: usize = split::SIZE_GOAL;
/// The most ties drawn in a group's graph (the strongest): a browser
/// lays out a few thousand edges smoothly, not a hundred thousand.
const MAX_EDGES: usize = 3000;

/// One row of the overview.
#[derive(Serialize)]
pub struct OverviewRow {
    /// The group's store id (the `group/<id>` page).
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Platform.
    pub platform: String,
    /// The platform's id for the group.
    pub external_id: String,
    /// Lifecycle stage of the last week.
    pub stage: String,
    /// Members at the window's end.
    pub members: u32,
    /// Members who posted in the window, over members.
    pub active_ratio: f64,
    /// Messages in the window.
    pub messages: u64,
    /// Messages per week, the last twelve weeks, oldest first.
    pub trend: Vec<u32>,
    /// Chance of silence in four weeks, where forecast.
    pub silence_risk: Option<f64>,
    /// The weakest signal, worded.
    pub weakest_zh: Option<String>,
    /// The weakest signal, in English.
    pub weakest_en: Option<String>,
    /// The top move for this group, worded.
    pub top_move_zh: Option<String>,
    /// The top move, in English.
    pub top_move_en: Option<String>,
    /// When the group is read (its own as-of), UTC ms.
    pub as_of_ms: i64,
}

/// The overview page.
#[derive(Serialize)]
pub struct Overview {
    /// The community.
    pub community: String,
    /// The report time, UTC ms.
    pub as_of_ms: i64,
    /// Reply links inferred where the export had none.
    pub inferred_links: usize,
    /// Open moves across the groups.
    pub open_moves: usize,
    /// One row per group.
    pub groups: Vec<OverviewRow>,
}

/// A tie of the interaction graph (replies and mentions in the window).
#[derive(Serialize)]
pub struct Edge {
    /// Member store id.
    pub from: i64,
    /// Member store id.
    pub to: i64,
    /// Replies and mentions from `from` to `to`.
    pub weight: f64,
}

/// A node of the interaction graph.
#[derive(Serialize)]
pub struct Node {
    /// Member store id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// The proposed small group (index into `split.groups`), where a split
    /// is proposed; none for the group's staff, who run every new group.
    pub circle: Option<u32>,
    /// The group's hub (most of the replies go through them).
    pub hub: bool,
    /// Bridges two parts of the group.
    pub bridge: bool,
}

/// A proposed split of a group over its size goal.
#[derive(Serialize)]
pub struct SplitProposal {
    /// The size cap used.
    pub max_size: usize,
    /// Share of the tie weight kept inside the new groups.
    pub ties_kept: f64,
    /// Modularity of the split.
    pub modularity: f64,
    /// Each proposed group: its members (store ids) and host.
    pub groups: Vec<ProposedGroup>,
}

/// One proposed small group.
#[derive(Serialize)]
pub struct ProposedGroup {
    /// Member store ids.
    pub members: Vec<i64>,
    /// The host: the member who answers most others inside it.
    pub host: Option<i64>,
    /// Members with no tie to anyone placed, put here because it had room.
    pub without_ties: Vec<i64>,
}

/// A conversation starter nobody answered (the evidence of the report's
/// unanswered share).
#[derive(Serialize)]
pub struct Unanswered {
    /// When, UTC ms.
    pub at_ms: i64,
    /// Who asked (member store id).
    pub member: i64,
    /// Their name.
    pub name: String,
    /// What they wrote, where the store kept the text for the window.
    pub text: Option<String>,
}

/// A group's page.
#[derive(Serialize)]
pub struct GroupPage {
    /// The group's store id.
    pub id: i64,
    /// The group's report (as `tonghao report --format json` has it).
    pub report: GroupReport,
    /// The report's `members[].member` (snapshot indices) → store ids.
    pub member_ids: std::collections::BTreeMap<u32, i64>,
    /// The interaction graph's nodes.
    pub nodes: Vec<Node>,
    /// Its ties, strongest first (at most a few thousand).
    pub edges: Vec<Edge>,
    /// Ties left out of `edges`.
    pub edges_left_out: usize,
    /// A split proposal, for a group over the size goal.
    pub split: Option<SplitProposal>,
    /// Open moves about this group.
    pub moves: Vec<Move>,
    /// The latest conversation starters nobody answered (at most 20).
    pub unanswered: Vec<Unanswered>,
}

/// The next-moves inbox.
#[derive(Serialize)]
pub struct MovesPage {
    /// Open moves, highest priority first.
    pub moves: Vec<Move>,
    /// How the moves marked done turned out.
    pub outcomes: Vec<KindOutcome>,
    /// Members taken as bots by their behaviour, with their figures: why
    /// no move names them ([`crate::report::Bot`]).
    pub bots: Vec<crate::report::Bot>,
}

/// Every page of a community, as `(name, JSON)`.
pub fn compute(store: &dyn Store, community: &str) -> Result<Vec<(String, String)>> {
    let (report, snap) = build_with_snapshot(store, community, &ReportRequest::default())?;
    let mut pages = Vec::with_capacity(report.groups.len() + 2);
    let overview = Overview {
        community: community.to_string(),
        as_of_ms: report.as_of_ms,
        inferred_links: report.inferred_links,
        open_moves: report.moves.len(),
        groups: report.groups.iter().map(|g| overview_row(&snap, g, &report.moves)).collect(),
    };
    pages.push(("overview".to_string(), json(&overview)?));
    let groups: Vec<GroupPage> =
        tonghao_insight::par::map(report.groups.len(), 0, |k| group_page(&snap, &report.groups[k], &report.moves));
    for page in &groups {
        pages.push((format!("group/{}", page.id), json(page)?));
    }
    let moves = MovesPage { moves: report.moves, outcomes: report.outcomes, bots: report.bots };
    pages.push(("moves".to_string(), json(&moves)?));
    Ok(pages)
}

/// The name a page is cached under: with the version that computed it, so
/// that after an upgrade (a new reply model, new figures) pages are computed
/// afresh instead of served as the old version left them until the next
/// import.
fn cached_name(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_PKG_VERSION"))
}

/// The page named `name`, from the store's cache when it was computed for
/// the community's current data, else computed (all pages at once) and kept.
pub fn page(store: &dyn Store, community: &str, name: &str) -> Result<String> {
    let unknown = || AppError::NotFound(Msg::new("error.no_community").text("community", community));
    let generation = store.generation(community)?.ok_or_else(unknown)?;
    if let Some(body) = store.page(community, &cached_name(name), generation)? {
        return Ok(body);
    }
    // One computation at a time in this process: requests that arrive while
    // the pages are computed wait for them instead of computing them again.
    static COMPUTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = COMPUTING.lock().unwrap_or_else(|e| e.into_inner());
    let generation = store.generation(community)?.ok_or_else(unknown)?;
    if let Some(body) = store.page(community, &cached_name(name), generation)? {
        return Ok(body);
    }
    let pages = match name {
        // The operators' records, each computed when first asked for.
        "checkins" => {
            let report = crate::checkins::report(store, community, &crate::checkins::CheckinsRequest::default())?;
            vec![(name.to_string(), json(&report)?)]
        }
        "conversion" => vec![(name.to_string(), json(&crate::orders::conversion(store, community)?)?)],
        _ => compute(store, community)?,
    };
    let pages: Vec<(String, String)> = pages.into_iter().map(|(n, body)| (cached_name(&n), body)).collect();
    store.pages_put(community, generation, &pages)?;
    let key = cached_name(name);
    pages
        .into_iter()
        .find(|(n, _)| *n == key)
        .map(|(_, body)| body)
        .ok_or_else(|| AppError::NotFound(Msg::new("error.no_page").text("page", name).text("community", community)))
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| AppError::detail(format!("cannot write a page as JSON: {e}")))
}

fn overview_row(snap: &Snapshot, g: &GroupReport, moves: &[Move]) -> OverviewRow {
    let meta = &snap.groups[g.group as usize];
    let top = moves.iter().find(|m| m.group == g.group);
    let weakest = g.weakest.first();
    let weeks = g.weekly.len();
    OverviewRow {
        id: meta.store_id,
        name: g.name.clone(),
        platform: g.platform.clone(),
        external_id: g.external_id.clone(),
        stage: serde_json::to_value(g.stage).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        members: g.activity.members,
        active_ratio: g.activity.active_ratio,
        messages: g.activity.messages,
        trend: g.weekly[weeks.saturating_sub(12)..].iter().map(|w| w.messages).collect(),
        silence_risk: g.forecast.as_ref().map(|f| f.probability),
        weakest_zh: weakest.map(|s| s.zh.clone()),
        weakest_en: weakest.map(|s| s.en.clone()),
        top_move_zh: top.map(|m| m.zh.clone()),
        top_move_en: top.map(|m| m.en.clone()),
        as_of_ms: g.as_of_ms,
    }
}

fn group_page(snap: &Snapshot, g: &GroupReport, moves: &[Move]) -> GroupPage {
    let gi = g.group as usize;
    let window = Window::new(g.as_of_ms, g.window.days);
    let graph = InteractionGraph::build(snap, gi, window);
    let store_id = |node: usize| snap.members[graph.nodes[node] as usize].store_id;
    let mut ties: Vec<(usize, usize, f64)> = Vec::new();
    for (a, out) in graph.out.iter().enumerate() {
        for (&b, &w) in out {
            ties.push((a, b, w));
        }
    }
    ties.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    let edges_left_out = ties.len().saturating_sub(MAX_EDGES);
    let proposal = (graph.nodes.len() > SPLIT_GOAL).then(|| {
        let left_out = tonghao_insight::roles::not_placed(snap, gi, g.as_of_ms);
        // the same nodes as `graph`, ties weighted by how sure they are
        (split::propose(&split::ties(snap, gi, window, &graph.nodes), SPLIT_GOAL, &left_out), SPLIT_GOAL)
    });
    let hub = g.graph.hub;
    let nodes = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(k, &m)| Node {
            id: snap.members[m as usize].store_id,
            name: snap.members[m as usize].name.clone(),
            circle: proposal.as_ref().map(|(s, _)| s.membership[k]).filter(|&c| c != u32::MAX),
            hub: hub == Some(m),
            bridge: g.graph.bridges.contains(&m),
        })
        .collect();
    let split = proposal.map(|(s, max_size)| SplitProposal {
        max_size,
        ties_kept: s.ties_kept,
        modularity: s.modularity,
        groups: s
            .groups
            .iter()
            .map(|c| ProposedGroup {
                members: c.members.iter().map(|&k| store_id(k as usize)).collect(),
                host: c.host.map(|k| store_id(k as usize)),
                without_ties: c.without_ties.iter().map(|&k| store_id(k as usize)).collect(),
            })
            .collect(),
    });
    ties.truncate(MAX_EDGES);
    let wanted: std::collections::HashSet<i64> = g.responsiveness.unanswered_examples.iter().copied().collect();
    let m = &snap.messages;
    let mut unanswered: Vec<Unanswered> = snap.groups[gi]
        .messages
        .clone()
        .filter(|&i| wanted.contains(&m.store_id[i]))
        .map(|i| {
            let who = &snap.members[m.member[i] as usize];
            Unanswered {
                at_ms: m.at_ms[i],
                member: who.store_id,
                name: who.name.clone(),
                text: m.text.get(&(i as u32)).map(|t| t.to_string()),
            }
        })
        .collect();
    unanswered.reverse();
    GroupPage {
        id: snap.groups[gi].store_id,
        member_ids: g.members.iter().map(|m| (m.member, snap.members[m.member as usize].store_id)).collect(),
        nodes,
        edges: ties.iter().map(|&(a, b, w)| Edge { from: store_id(a), to: store_id(b), weight: w }).collect(),
        edges_left_out,
        split,
        moves: moves.iter().filter(|m| m.group == g.group).cloned().collect(),
        unanswered,
        report: g.clone(),
    }
}

/// How many of a member's messages the member page shows (the latest).
pub const MEMBER_PAGE_MESSAGES: usize = 50;

/// A member's page: who they are across groups, what they said lately, the
/// team's notes (in the export) and the open moves about them. Read from the store on each request (one
/// member's rows, through indexes), the moves from the cached `moves` page.
pub fn member_page(store: &dyn Store, community: &str, member_ref: &str) -> Result<serde_json::Value> {
    let export = store.member_record(community, member_ref)?;
    let total = export.messages.len();
    let mut value = serde_json::to_value(&export).map_err(AppError::detail)?;
    let messages = value["messages"].as_array_mut().expect("messages is a list");
    let keep = messages.split_off(total.saturating_sub(MEMBER_PAGE_MESSAGES));
    *messages = keep;
    value["messages_total"] = total.into();
    let id = export.member.member_id;
    value["moves"] = moves_about(&page(store, community, "moves")?, id)?;
    value["in_groups"] = member_in_groups(store, community, id, &export.groups)?;
    Ok(value)
}

/// The moves of the cached `moves` page whose subject is member `id`. The
/// page holds every move of the community (20 MB on the `large` history):
/// each move is read only as far as its subject, and only the member's are
/// parsed whole.
fn moves_about(moves_page: &str, id: i64) -> Result<serde_json::Value> {
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        moves: Vec<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Subject {
        subject: Option<i64>,
    }
    let bad = |e: serde_json::Error| AppError::detail(format!("the cached moves page: {e}"));
    let page: Page = serde_json::from_str(moves_page).map_err(bad)?;
    let mut out = Vec::new();
    for raw in page.moves {
        if serde_json::from_str::<Subject>(raw.get()).map_err(bad)?.subject == Some(id) {
            out.push(serde_json::from_str::<serde_json::Value>(raw.get()).map_err(bad)?);
        }
    }
    Ok(serde_json::Value::Array(out))
}

/// How many of a member's strongest ties the member page lists per group.
const MEMBER_PAGE_TIES: usize = 10;

/// A member's place in each group's report: their roles with the numbers
/// behind them, and their strongest ties in the window (replies and
/// mentions both ways), read from the cached group pages.
fn member_in_groups(
    store: &dyn Store,
    community: &str,
    id: i64,
    groups: &[tonghao_store::ExportedGroup],
) -> Result<serde_json::Value> {
    let parse = |body: String| -> Result<serde_json::Value> {
        serde_json::from_str(&body).map_err(|e| AppError::detail(format!("a cached page is not JSON: {e}")))
    };
    let overview = parse(page(store, community, "overview")?)?;
    let mut out = Vec::new();
    for g in groups {
        let Some(row) = overview["groups"].as_array().and_then(|rows| {
            rows.iter().find(|r| r["platform"] == g.platform.as_str() && r["external_id"] == g.external_id.as_str())
        }) else {
            continue;
        };
        let gid = row["id"].as_i64().unwrap_or_default();
        let p = parse(page(store, community, &format!("group/{gid}"))?)?;
        let index = p["member_ids"]
            .as_object()
            .and_then(|m| m.iter().find(|(_, v)| v.as_i64() == Some(id)).map(|(k, _)| k.clone()));
        let roles = index
            .and_then(|k| k.parse::<u64>().ok())
            .and_then(|k| p["report"]["members"].as_array()?.iter().find(|m| m["member"].as_u64() == Some(k)).cloned());
        let mut ties: std::collections::HashMap<i64, f64> = std::collections::HashMap::new();
        for e in p["edges"].as_array().into_iter().flatten() {
            let (from, to, w) = (e["from"].as_i64(), e["to"].as_i64(), e["weight"].as_f64().unwrap_or(0.0));
            match (from, to) {
                (Some(f), Some(t)) if f == id => *ties.entry(t).or_default() += w,
                (Some(f), Some(t)) if t == id => *ties.entry(f).or_default() += w,
                _ => {}
            }
        }
        let name = |other: i64| {
            p["nodes"]
                .as_array()
                .and_then(|n| n.iter().find(|x| x["id"].as_i64() == Some(other)))
                .map(|x| x["name"].clone())
        };
        let mut ties: Vec<(i64, f64)> = ties.into_iter().collect();
        ties.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let ties: Vec<serde_json::Value> = ties
            .into_iter()
            .take(MEMBER_PAGE_TIES)
            .map(|(other, weight)| serde_json::json!({"member": other, "name": name(other), "weight": weight}))
            .collect();
        out.push(serde_json::json!({"group": gid, "name": row["name"], "roles": roles, "ties": ties}));
    }
    Ok(serde_json::Value::Array(out))
}
