//! `tonghao report --pseudonymise`: a report to share outside the team
//! names nobody. Every member name and id of the imported demo history is
//! searched for in the text, JSON, HTML and CSV outputs; the same member
//! gets the same code in two runs.

mod common;

use common::{demo_store, json, ok};
use std::collections::BTreeSet;
use std::path::Path;
use tonghao_store::SqliteStore;

/// Every name a member used, their latest names, and their platform ids,
/// as the store has them; and their store ids.
fn people(db: &Path) -> (BTreeSet<String>, BTreeSet<i64>) {
    let store = SqliteStore::open(db).unwrap();
    let conn = store.test_connection();
    let q = |sql: &str| -> Vec<String> {
        conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let mut words: BTreeSet<String> = BTreeSet::new();
    words.extend(q("SELECT name FROM member_names"));
    words.extend(q("SELECT display_name FROM members"));
    words.extend(q("SELECT external_id FROM identities WHERE external_id NOT LIKE '~%'"));
    let ids = conn
        .prepare("SELECT id FROM members")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (words, ids)
}

/// `words` found in `output`. A name is found as a whole word: a name that
/// is a common word ("Sam" in "same") or one character long ("静") would
/// otherwise be found in any text; such names are checked as whole JSON
/// strings by the caller instead.
fn found<'a>(output: &str, words: &'a BTreeSet<String>) -> Vec<&'a str> {
    words
        .iter()
        .filter(|w| w.chars().count() >= 2)
        .filter(|w| {
            output.match_indices(w.as_str()).any(|(at, _)| {
                let before = output[..at].chars().next_back();
                let after = output[at + w.len()..].chars().next();
                let edge = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                // ASCII names must stand alone; CJK names have no spaces around them.
                !w.is_ascii() || (edge(before) && edge(after))
            })
        })
        .map(String::as_str)
        .collect()
}

/// Every string value in a JSON document.
fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn a_pseudonymised_report_names_no_member_and_codes_them_stably() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (words, ids) = people(&db);
    assert!(words.len() > 500, "the demo has hundreds of members: {}", words.len());
    let report = |args: &[&str]| String::from_utf8(ok(Some(&db), args).stdout).unwrap();

    // The plain report names them: the scan can fail.
    let plain = report(&["report"]);
    assert!(found(&plain, &words).len() > 20, "the plain report names members");

    let text = report(&["report", "--pseudonymise"]);
    let js = report(&["report", "--pseudonymise", "--format", "json"]);
    let html = report(&["report", "--pseudonymise", "--format", "html"]);
    let csv = report(&["report", "--pseudonymise", "--format", "csv"]);
    for (what, out) in [("text", &text), ("json", &js), ("html", &html), ("csv", &csv)] {
        let hits = found(out, &words);
        assert!(hits.is_empty(), "the {what} report names {} members: {:?}", hits.len(), &hits[..hits.len().min(20)]);
    }
    // Short names as whole values: no name, author or host is a real name.
    let doc: serde_json::Value = serde_json::from_str(&js).unwrap();
    let mut all = Vec::new();
    strings(&doc, &mut all);
    let named: Vec<&&str> = all.iter().filter(|s| words.contains(**s)).collect();
    assert!(named.is_empty(), "JSON values that are member names or ids: {named:?}");
    // Member ids are codes, not store ids.
    for m in doc["moves"].as_array().unwrap() {
        if let Some(s) = m["subject"].as_i64() {
            assert!(!ids.contains(&s) && s > 1 << 20, "subject {s} is a store id");
        }
        for e in m["evidence"]["members"].as_array().unwrap() {
            assert!(!ids.contains(&e.as_i64().unwrap()), "evidence names a store id: {e}");
        }
        assert!(m["draft_zh"] == "" || m["about"].is_null(), "a draft about someone is left out: {m}");
    }
    assert!(text.contains("P-"), "members appear as codes");

    // The same member, the same code: two runs give the same report.
    assert_eq!(json(&ok(Some(&db), &["report", "--pseudonymise", "--format", "json"])), doc);
    // And a code is not a plain hash of the store id: another store with
    // the same history (another secret) codes the same people differently.
    let other = dir.path().join("other.db");
    std::fs::copy(&db, &other).unwrap();
    SqliteStore::open(&other)
        .unwrap()
        .test_connection()
        .execute("UPDATE communities SET pseudonym_key = 'another'", [])
        .unwrap();
    let doc2 = json(&ok(Some(&other), &["report", "--pseudonymise", "--format", "json"]));
    assert_ne!(doc2["moves"][0]["about"], doc["moves"][0]["about"]);
    assert_eq!(doc2["groups"].as_array().unwrap().len(), doc["groups"].as_array().unwrap().len());
}
