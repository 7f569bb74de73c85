//! The whole pipe through the application crate alone, as the web console
//! will call it: import a real export into a real SQLite file, build the
//! report, render it in both languages. No CLI involved.

mod common;

use common::data;
use tonghao_app::Lang;
use tonghao_app::ingest::{ImportRequest, Progress, import};
use tonghao_app::report::{ReportRequest, build};
use tonghao_app::view::{html, text};
use tonghao_store::SqliteStore;

/// The reading club's MemoTrace CSV: 37 member messages from 8 speakers
/// (expected.json), imported with progress events, then reported with its
/// signals worded from the catalogue in both languages.
#[test]
fn import_and_report_through_the_application_layer() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let csv = data().join("formats/cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv");
    let req = ImportRequest { paths: vec![csv], ..Default::default() };
    let mut planned = None;
    let mut done_bytes = 0;
    let files = import(&store, "club", &req, &mut |p| match p {
        Progress::Planned { jobs, bytes } => planned = Some((jobs, bytes)),
        Progress::JobDone(b) => done_bytes += b,
        Progress::Events(_) => {}
    })
    .unwrap();
    let (jobs, bytes) = planned.expect("the plan is announced first");
    assert_eq!((jobs, files.len()), (1, 1));
    assert_eq!(done_bytes, bytes, "every planned byte is reported done");
    assert_eq!(files[0].stats.messages, 37);
    assert_eq!(files[0].stats.format.as_deref(), Some("wechat-csv"));

    let report = build(&store, "club", &ReportRequest::default()).unwrap();
    let g = &report.groups[0];
    assert_eq!(g.name, "读书会1群");
    assert_eq!((g.activity.messages, g.activity.active_window), (37, 8));
    // Every signal carries both languages, worded from its key.
    for s in &g.weakest {
        assert_eq!(s.zh, Lang::Zh.msg(&s.msg));
        assert_eq!(s.en, Lang::En.msg(&s.msg));
        assert!(!s.zh.is_empty() && !s.en.is_empty() && s.zh != s.en, "{}", s.key);
    }
    let zh = text::report(&report, Lang::Zh);
    let en = text::report(&report, Lang::En);
    assert!(zh.contains("读书会1群") && zh.contains("阶段"), "{zh}");
    assert!(en.contains("stage") && !en.contains("阶段"), "{en}");
    let page = html::render(&report, Lang::En);
    assert!(page.starts_with("<!doctype html>") && page.contains("lang=\"en\""));

    // A group that is not there is a clear error, not an empty report.
    let missing = ReportRequest { group: Some("no such group".into()), ..Default::default() };
    let err = build(&store, "club", &missing).err().expect("an unknown group is an error");
    assert!(err.to_string().contains("no such group"), "{err}");
}

/// Issue 9's slips, each checked on the real reading-club export: a Chinese
/// reader sees no metric paths or English units; the English page has no
/// Chinese weekday labels; charts carry dates and a legend; each person is
/// listed under one role; counts agree with their nouns.
#[test]
fn the_report_reads_right_in_each_language() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let csv = data().join("formats/cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv");
    import(&store, "club", &ImportRequest { paths: vec![csv], ..Default::default() }, &mut |_| {}).unwrap();
    let report = build(&store, "club", &ReportRequest::default()).unwrap();
    let zh = text::report(&report, Lang::Zh);
    for english in ["[graph.", "[responsiveness.", "[activity.", " min", "threads", "pairs"] {
        assert!(!zh.contains(english), "Chinese text shows {english:?}:\n{zh}");
    }
    let en = text::report(&report, Lang::En);
    assert!(!en.contains("1 threads") && !en.contains(" 1 messages") && !en.contains("1 pairs"), "{en}");
    // Each person under one role only.
    let mut named = std::collections::HashMap::new();
    for line in en
        .lines()
        .filter(|l| ["  core:", "  connector:", "  drifting:", "  newcomer:"].iter().any(|p| l.starts_with(p)))
    {
        for person in line.split_once(": ").unwrap().1.split(", ") {
            let name = person.split(" (").next().unwrap().to_string();
            assert!(named.insert(name.clone(), line.to_string()).is_none(), "{name} listed twice:\n{en}");
        }
    }
    // The sparkline is labelled with its maximum (each group is scaled to its own).
    let g = &report.groups[0];
    let max = g.weekly.iter().rev().take(26).map(|w| w.messages).max().unwrap();
    assert!(en.contains(&format!(" {max}\n")), "weekly line ends with its maximum {max}:\n{en}");

    // The five-conditions scorecard in text, in both languages, with a figure or "-" each.
    let card = en.lines().find(|l| l.trim_start().starts_with("five conditions (0–100): shared interest ")).expect(&en);
    assert_eq!(card.matches(" · ").count(), 4, "{card}");
    assert!(zh.contains("五个条件（0–100）：同好 "), "{zh}");
    let page = html::render(&report, Lang::En);
    for zh_day in [">一<", ">日<"] {
        assert!(!page.contains(zh_day), "English page shows a Chinese weekday label");
    }
    assert!(page.contains(">Mon<") && page.contains("busiest hour"), "heat map labels and legend");
    let first_week = tonghao_app::report::local_date(g.weekly[0].start_ms, g.tz_offset_s);
    assert!(page.contains(&format!(">{first_week}</text>")), "weekly chart dated from {first_week}");
    let page_zh = html::render(&report, Lang::Zh);
    assert!(page_zh.contains(">一<") && page_zh.contains("最忙的一小时"));
}

/// A page another version of tonghao cached for the same data is not
/// served: after an upgrade (a new reply model, new figures) the console
/// computes its pages afresh instead of showing the old ones until the next
/// import.
#[test]
fn pages_cached_by_another_version_are_computed_again() {
    use tonghao_store::Accounts;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let csv = data().join("formats/cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv");
    let req = ImportRequest { paths: vec![csv], ..Default::default() };
    import(&store, "club", &req, &mut |_| {}).unwrap();
    let generation = store.generation("club").unwrap().unwrap();
    let stale = r#"{"groups":[],"stale":true}"#;
    // What releases before the version in the key wrote, for the same data.
    store.pages_put("club", generation, &[("overview".to_string(), stale.to_string())]).unwrap();
    let overview = tonghao_app::console::page(&store, "club", "overview").unwrap();
    assert_ne!(overview, stale);
    assert!(overview.contains("读书会1群"), "{overview}");
    // The page computed now is the one served next time.
    assert_eq!(tonghao_app::console::page(&store, "club", "overview").unwrap(), overview);
}
