//! Where a report's time goes, phase by phase, on a store:
//! `cargo run --release -p tonghao-app --example phases -- DB [COMMUNITY]`.
//! Prints the seconds to load the snapshot, infer reply links, build every
//! group's report, propose the next moves (and the introductions alone)
//! and serialise the reports (docs/benchmarks.md and docs/ops.md quote it).

use std::time::Instant;
use tonghao_insight::links::infer_missing;
use tonghao_insight::report::{group_report, settle_as_of};
use tonghao_store::{Queries, SqliteStore};

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: phases DB [COMMUNITY]");
    let community = args.next().unwrap_or_else(|| "default".into());
    let store = SqliteStore::open(std::path::Path::new(&db)).expect("the store opens");
    let t = Instant::now();
    let mut snap = store.snapshot(&community, None, Some(35 * 86_400_000)).expect("the snapshot loads");
    settle_as_of(&mut snap);
    let texts = snap.messages.text.len();
    eprintln!("load    {:6.2} s  {} messages, {texts} texts", t.elapsed().as_secs_f64(), snap.messages.len());
    let t = Instant::now();
    let bots = tonghao_insight::automated::mark(&mut snap);
    eprintln!("bots    {:6.2} s  {} found", t.elapsed().as_secs_f64(), bots.len());
    let t = Instant::now();
    let start = snap.as_of_ms - 28 * 86_400_000;
    let links = infer_missing(&mut snap, start);
    // a digest of every message's link: two builds that infer alike print the same
    let digest = snap
        .messages
        .reply_to
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &r| (h ^ u64::from(r)).wrapping_mul(0x100_0000_01b3));
    eprintln!("infer   {:6.2} s  {links} links, digest {digest:016x}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let reports = tonghao_insight::par::map(snap.groups.len(), 0, |g| group_report(&snap, g, 28));
    eprintln!("reports {:6.2} s  {} groups", t.elapsed().as_secs_f64(), reports.len());
    let t = Instant::now();
    let moves = tonghao_ops::moves::next_moves(&snap, &reports);
    let count = |k: tonghao_ops::moves::Kind| moves.iter().filter(|m| m.kind == k).count();
    eprintln!(
        "moves   {:6.2} s  {} moves ({} split, {} introduce)",
        t.elapsed().as_secs_f64(),
        moves.len(),
        count(tonghao_ops::moves::Kind::Split),
        count(tonghao_ops::moves::Kind::Introduce)
    );
    // The introductions alone (their share of the moves' time).
    let t = Instant::now();
    let groups_of = tonghao_ops::introduce::groups_of(&snap);
    let pairs: usize = tonghao_insight::par::map(snap.groups.len(), 0, |g| {
        let w = reports[g].window;
        let graph = tonghao_insight::graph::Graph::build(&snap, g, w);
        tonghao_ops::introduce::pairs(&snap, g, w, &graph, &groups_of).len()
    })
    .into_iter()
    .sum();
    eprintln!("introduce {:4.2} s  {pairs} pairs (both cores)", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let json = serde_json::to_string_pretty(&reports).expect("serialises");
    eprintln!("json    {:6.2} s  {} bytes", t.elapsed().as_secs_f64(), json.len());
}
