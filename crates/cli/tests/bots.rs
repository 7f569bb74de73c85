//! Bots no export flagged, on a real community: freeCodeCamp's Gitter
//! rooms (`../shared/data/lifecycle/fcc-gitter-matrix`), where
//! `@camperbot` answers "thanks @x" with "x gets a brownie point" within a
//! second. Before it was recognised, it was the person named to act on 116
//! of 826 moves (the re-engagement messages of whole rooms among them) and
//! proposed as an admin in 4.

mod common;

use common::{data, json, ok};

#[test]
fn the_command_bot_of_the_fcc_rooms_is_found_and_asked_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fcc.db");
    let folder = data().join("lifecycle/fcc-gitter-matrix");
    ok(Some(&db), &["import", folder.to_str().unwrap()]);

    let report = json(&ok(Some(&db), &["report", "--format", "json"]));
    let bots = report["bots"].as_array().expect("the report lists the bots it found");
    let names: Vec<&str> = bots.iter().map(|b| b["name"].as_str().unwrap()).collect();
    // Nobody else: the people of these rooms answer at a person's pace.
    assert_eq!(names, ["@camperbot:gitter.im"]);
    let bot = &bots[0];
    assert!(bot["messages"].as_u64().unwrap() >= 20);
    assert!(bot["fast"].as_f64().unwrap() >= 0.4 && bot["templated"].as_f64().unwrap() >= 0.5, "{bot}");

    let next = json(&ok(Some(&db), &["next", "--json"]));
    let moves = next["moves"].as_array().unwrap();
    assert!(moves.len() > 100, "the rooms still get their moves: {}", moves.len());
    let naming: Vec<&serde_json::Value> =
        moves.iter().filter(|m| m["by"] == "@camperbot:gitter.im" || m["about"] == "@camperbot:gitter.im").collect();
    assert!(naming.is_empty(), "moves naming the bot: {naming:?}");
    // The rooms it answered in get a person as host instead, or nobody.
    assert!(moves.iter().any(|m| m["by"].is_string()), "people are still asked to act");

    // The console's moves page lists it too, with the same figures.
    let store = tonghao_store::SqliteStore::open(&db).unwrap();
    let pages = tonghao_app::console::compute(&store, "default").unwrap();
    let page = &pages.iter().find(|(name, _)| name == "moves").expect("a moves page").1;
    let page: serde_json::Value = serde_json::from_str(page).unwrap();
    assert_eq!(page["bots"], report["bots"]);
}
