//! Where a report's time goes, phase by phase, on a store:
//! `cargo run --release -p tonghao-app --example phases -- DB [COMMUNITY]`.
//! Prints the seconds to load the snapshot, infer reply links, build every
//! group's report and serialise it (docs/benchmarks.md quotes it).

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
    let start = snap.as_of_ms - 28 * 86_400_000;
    let links = infer_missing(&mut snap, start);
    eprintln!("infer   {:6.2} s  {links} links", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let reports = tonghao_insight::par::map(snap.groups.len(), 0, |g| group_report(&snap, g, 28));
    eprintln!("reports {:6.2} s  {} groups", t.elapsed().as_secs_f64(), reports.len());
    let t = Instant::now();
    let json = serde_json::to_string_pretty(&reports).expect("serialises");
    eprintln!("json    {:6.2} s  {} bytes", t.elapsed().as_secs_f64(), json.len());
}
