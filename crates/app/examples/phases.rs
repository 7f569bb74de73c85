use std::time::Instant;
use tonghao_insight::links::infer_missing;
use tonghao_insight::report::{group_report, settle_as_of};
use tonghao_store::{SqliteStore, Store};
fn main() {
    let db = std::env::args().nth(1).unwrap();
    let store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    let t = Instant::now();
    let mut snap = store.snapshot("default", None, Some(35 * 86_400_000)).unwrap();
    settle_as_of(&mut snap);
    eprintln!(
        "load {:.2}s, {} messages, {} texts",
        t.elapsed().as_secs_f64(),
        snap.messages.len(),
        snap.messages.text.len()
    );
    let t = Instant::now();
    let start = snap.as_of_ms - 28 * 86_400_000;
    let n = infer_missing(&mut snap, start);
    eprintln!("infer {:.2}s ({n})", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let r: Vec<_> = (0..snap.groups.len()).map(|g| group_report(&snap, g, 28)).collect();
    eprintln!("reports {:.2}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let s = serde_json::to_string_pretty(&r).unwrap();
    eprintln!("json {:.2}s {} bytes", t.elapsed().as_secs_f64(), s.len());
}
