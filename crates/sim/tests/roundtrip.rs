//! End to end through the real readers: the `small` scenario written in each
//! format is read back by `tonghao_sources` (detection included) and every
//! group's counts match what the truth file says a correct reader finds.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use tonghao_model::{Event, EventSink, SinkError};
use tonghao_sim::{Format, Options, Scenario, generate};
use tonghao_sources::{Outcome, ReadOptions, plan};

/// Counts events per (group, kind).
#[derive(Default)]
struct Tally(BTreeMap<(String, &'static str), u64>);

impl EventSink for Tally {
    fn push(&mut self, event: Event) -> Result<(), SinkError> {
        event.validate()?;
        *self.0.entry((event.header().group.clone(), event.kind())).or_default() += 1;
        Ok(())
    }
}

/// Writes `small` in `format`, reads each group's files back with format
/// detection, and returns (truth, tally, formats the readers reported).
fn write_and_read(format: Format, dir: &Path) -> (Value, Tally, Vec<String>) {
    let sc = Scenario::load("small").unwrap();
    let opts = Options { seed: 9, format, out: dir, threads: 0, progress: None, force: false };
    let summary = generate(&sc, &opts).unwrap();
    let truth: Value = serde_json::from_slice(&std::fs::read(&summary.truth).unwrap()).unwrap();
    let mut tally = Tally::default();
    let mut formats = Vec::new();
    for rel in &summary.files {
        for job in plan(&dir.join(rel), None).unwrap() {
            match job.run(None, &ReadOptions::default(), &mut tally) {
                Ok(Outcome::Read { format, .. }) => formats.push(format.to_string()),
                Ok(Outcome::Skipped(why)) => panic!("{rel} skipped: {why}"),
                Err(e) => panic!("{rel}: {e}"),
            }
        }
    }
    (truth, tally, formats)
}

/// Per group: messages, joins and leaves as the truth file states for this
/// format. The group key is the one the reader uses (for QQ text, the name).
fn check(format: Format, expect_reader: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (truth, tally, formats) = write_and_read(format, dir.path());
    assert!(formats.iter().all(|f| f == expect_reader), "{formats:?}");
    let groups = truth["groups"].as_array().unwrap();
    let mut total = 0;
    for g in groups {
        let key = g["group"].as_str().unwrap().to_string();
        let get = |kind: &'static str| tally.0.get(&(key.clone(), kind)).copied().unwrap_or(0);
        let counts = &g["counts"];
        let name = g["name"].as_str().unwrap();
        assert_eq!(get("message"), counts["messages"].as_u64().unwrap(), "{format:?} {name}: messages");
        assert_eq!(get("join"), counts["joins"].as_u64().unwrap(), "{format:?} {name}: joins");
        assert_eq!(get("leave"), counts["leaves"].as_u64().unwrap(), "{format:?} {name}: leaves");
        total += get("message");
    }
    assert_eq!(total, truth["totals"]["messages"].as_u64().unwrap());
    assert!(total > 5_000, "small writes thousands of messages, got {total}");
}

#[test]
fn jsonl_reads_back_exactly() {
    check(Format::Jsonl, "jsonl");
    // JSONL carries everything: check-ins, orders and roles too.
    let dir = tempfile::tempdir().unwrap();
    let (truth, tally, _) = write_and_read(Format::Jsonl, dir.path());
    for (kind, field) in [("checkin", "checkins"), ("order", "orders"), ("role", "roles"), ("recall", "recalls")] {
        let read: u64 = tally.0.iter().filter(|((_, k), _)| *k == kind).map(|(_, n)| n).sum();
        assert_eq!(read, truth["totals"][field].as_u64().unwrap(), "{kind}");
    }
}

#[test]
fn wechat_csv_reads_back() {
    check(Format::WechatCsv, "wechat-csv");
}

#[test]
fn qq_txt_reads_back() {
    check(Format::QqTxt, "qq-txt");
}

#[test]
fn telegram_reads_back() {
    check(Format::Telegram, "telegram");
}

/// The true reply links point backwards within their group, and the ones
/// shown as quotes appear as `reply_to` in the canonical output.
#[test]
fn reply_truth_is_consistent_with_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, _, _) = write_and_read(Format::Jsonl, dir.path());
    let links = std::fs::read_to_string(dir.path().join("truth-replies.jsonl")).unwrap();
    let mut quoted = std::collections::HashSet::new();
    let mut n = 0;
    for line in links.lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        let id: u64 = l["id"].as_str().unwrap().parse().unwrap();
        let to: u64 = l["reply_to"].as_str().unwrap().parse().unwrap();
        assert!(to < id, "{line}");
        assert!(l["reply_to_n"].as_u64().unwrap() < l["n"].as_u64().unwrap(), "{line}");
        if l["shown"] == "quote" {
            quoted.insert((l["group"].as_str().unwrap().to_string(), id.to_string(), to.to_string()));
        }
        n += 1;
    }
    let total_links: u64 = truth["groups"].as_array().unwrap().iter().map(|g| g["replies"].as_u64().unwrap()).sum();
    assert_eq!(n, total_links);
    let events = std::fs::read_to_string(dir.path().join("events-0001.jsonl")).unwrap();
    let mut explicit = 0;
    for line in events.lines() {
        let Ok(Event::Message(m)) = serde_json::from_str::<Event>(line) else { continue };
        if let Some(to) = m.reply_to {
            let key = (m.header.group.clone(), m.header.id.clone().unwrap(), to);
            assert!(quoted.contains(&key), "explicit reply not in the truth: {line}");
            explicit += 1;
        }
    }
    assert_eq!(explicit, quoted.len());
    assert!(explicit > 100);
}
