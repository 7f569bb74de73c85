//! The `split` move against the circles the simulator planted, end to end:
//! three big groups (150–250 members), and one group of 1,600 with many
//! circles, simulated (canonical JSONL), imported, and `tonghao next
//! --json`'s split proposals compared with `truth.json`'s circles on the
//! members the proposal places (those who posted in the window). The split
//! was tuned on the planted graph of `tests/split.rs`, and the weight of an
//! inferred tie measured on annotated IRC logs, never on these truth files.

mod common;

use common::{json, ok};
use std::collections::HashMap;
use tonghao_insight::split::{SIZE_GOAL, adjusted_rand_index};

const SCENARIO: &str = r#"
name = "circles"
description = "three big groups with circles"
start = "2024-03-04"
days = 120
groups = 3
members = 600
themes = ["running"]

[[group]]
name = "大群A"
theme = "running"
platform = "telegram"
size = 200
operated = true
created_day = 0
operation_days = 400
checkin = false
offline = false
commerce = false

[[group]]
name = "大群B"
theme = "reading"
platform = "wechat"
size = 150
operated = false
created_day = 60
lifetime_days = 200

[[group]]
name = "大群C"
theme = "tech"
platform = "qq"
size = 250
operated = true
created_day = 10
operation_days = 400
"#;

/// One big Telegram group of 1,600 members: about 65 circles (sizes drawn
/// from 8 to 40), so that a split has many groups to find and a random
/// split into them keeps only a few percent of the ties, the setting of
/// issue 10's planted graph (50 circles of 40). Its talk follows the
/// simulator's defaults, like the three groups above.
const BIG: &str = r#"
name = "one big group"
description = "one Telegram group of 1,600 members with circles"
start = "2024-03-04"
days = 90
groups = 1
members = 1700
themes = ["tech"]

[[group]]
name = "超大群"
theme = "tech"
platform = "telegram"
size = 1600
operated = true
created_day = 0
operation_days = 400
checkin = false
offline = false
commerce = false
"#;

/// Per group with a split move: (name, adjusted Rand index against the
/// planted circles, ties kept, ties a random split into the same sizes keeps
/// on average: Σ s(s − 1) / n(n − 1)).
type Figures = (String, f64, f64, f64);

fn figures(toml: &str, seed: &str) -> Vec<Figures> {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = (dir.path().join("sim"), dir.path().join("t.db"));
    let scenario = dir.path().join("circles.toml");
    std::fs::write(&scenario, toml).unwrap();
    let sim_s = sim.to_str().unwrap();
    ok(None, &["sim", "--scenario", scenario.to_str().unwrap(), "--seed", seed, "--format", "jsonl", "--out", sim_s]);
    ok(Some(&db), &["import", sim_s]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(sim.join("truth.json")).unwrap()).unwrap();
    let next = json(&ok(Some(&db), &["next", "--json"]));
    let mut out = Vec::new();
    for m in next["moves"].as_array().unwrap().iter().filter(|m| m["kind"] == "split") {
        let name = m["group_name"].as_str().unwrap();
        let g = truth["groups"].as_array().unwrap().iter().find(|g| g["name"] == name).unwrap();
        let circle: HashMap<&str, u32> = g["circles"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .flat_map(|(k, c)| c.as_array().unwrap().iter().map(move |p| (p.as_str().unwrap(), k as u32)))
            .collect();
        let members = json(&ok(Some(&db), &["members", "--group", name, "--json"]));
        let platform_id: HashMap<i64, String> = members
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let id = x["ids"][0].as_str().unwrap();
                (x["member_id"].as_i64().unwrap(), id.split_once(':').unwrap().1.to_string())
            })
            .collect();
        let (mut planted, mut proposed) = (Vec::new(), Vec::new());
        // The same, on the members placed by their ties alone (not by room).
        let (mut planted_tied, mut proposed_tied) = (Vec::new(), Vec::new());
        let groups = m["evidence"]["groups"].as_array().unwrap();
        let mut sizes = Vec::new();
        for (k, pg) in groups.iter().enumerate() {
            let list = pg["members"].as_array().unwrap();
            assert!(list.len() <= SIZE_GOAL, "{name}: a proposed group of {}", list.len());
            assert!(pg["host"].is_i64(), "{name}: every proposed group has a host");
            sizes.push(list.len() as f64);
            let by_room = pg["without_ties"].as_array().unwrap();
            for id in list {
                if let Some(&c) = platform_id.get(&id.as_i64().unwrap()).and_then(|p| circle.get(p.as_str())) {
                    planted.push(c);
                    proposed.push(k as u32);
                    if !by_room.contains(id) {
                        planted_tied.push(c);
                        proposed_tied.push(k as u32);
                    }
                }
            }
        }
        let n: f64 = sizes.iter().sum();
        let random = sizes.iter().map(|s| s * (s - 1.0)).sum::<f64>() / (n * (n - 1.0));
        let figures: HashMap<&str, f64> = m["evidence"]["figures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f[0].as_str().unwrap(), f[1].as_f64().unwrap()))
            .collect();
        let ari = adjusted_rand_index(&planted, &proposed);
        eprintln!(
            "seed {seed} {name}: {} placed ({} by room), {} groups, ARI {ari:.3} ({:.3} on those placed by ties), \
             ties kept {:.3}, random {random:.3}",
            planted.len(),
            planted.len() - planted_tied.len(),
            groups.len(),
            adjusted_rand_index(&planted_tied, &proposed_tied),
            figures["ties_kept"]
        );
        out.push((name.to_string(), ari, figures["ties_kept"], random));
    }
    out
}

/// What holds today: every big group gets a split that respects the cap,
/// has a host in each group, and keeps more of the ties than a random split
/// into the same sizes.
#[test]
fn the_split_of_a_simulated_big_group_beats_a_random_one() {
    let found = figures(SCENARIO, "1");
    assert_eq!(found.len(), 3, "a split for each big group: {found:?}");
    for (name, _, kept, random) in &found {
        assert!(kept > random, "{name}: keeps {kept:.3}, a random split {random:.3}");
    }
}

/// Issue 10's first bar on the three groups: ARI ≥ 0.8 against the planted
/// circles. The second bar (at least 20× the ties of a random split) is
/// checked on the big group below only: these groups split into 5–10
/// groups, where a random split already keeps 10–20% of the ties, so 20×
/// would ask for more than all of them. Not met yet (figures in
/// docs/ops.md): run with `--run-ignored all` to see them.
#[test]
#[ignore = "issue 10's bar is not met yet: docs/ops.md gives the measured figures"]
fn the_split_recovers_the_planted_circles() {
    let all: Vec<(&str, Figures)> =
        ["1", "2"].into_iter().flat_map(|seed| figures(SCENARIO, seed).into_iter().map(move |f| (seed, f))).collect();
    for (seed, (name, ari, _, _)) in all {
        assert!(ari >= 0.8, "seed {seed} {name}: ARI {ari:.3}");
    }
}

/// Issue 10's second bar where it can apply, a group of 1,600 with many
/// circles: the split (within the cap, a host in each group) keeps at
/// least 20× the ties of a random split into the same sizes.
#[test]
fn the_split_of_a_group_with_many_circles_keeps_20_times_a_random_split() {
    let found = figures(BIG, "1");
    assert_eq!(found.len(), 1, "one split: {found:?}");
    let (name, _, kept, random) = &found[0];
    assert!(*kept >= 20.0 * random, "{name}: keeps {kept:.3}, a random split {random:.3}");
}

/// Issue 10's bars on the group with many circles, two seeds: ARI ≥ 0.8
/// and at least 20× the ties of a random split. The ARI is not met yet
/// (docs/ops.md): run with `--run-ignored all` to see the figures.
#[test]
#[ignore = "issue 10's bar is not met yet: docs/ops.md gives the measured figures"]
fn the_split_recovers_many_planted_circles() {
    let all: Vec<(&str, Figures)> =
        ["1", "2"].into_iter().flat_map(|seed| figures(BIG, seed).into_iter().map(move |f| (seed, f))).collect();
    for (seed, (name, ari, kept, random)) in all {
        assert!(ari >= 0.8, "seed {seed} {name}: ARI {ari:.3}");
        assert!(kept >= 20.0 * random, "seed {seed} {name}: keeps {kept:.3}, random {random:.3}");
    }
}

/// The introductions proposed in the simulated big groups, against the
/// pairs the simulator planted (one asks about a niche, one of another
/// circle knows it): (proposed, planted among them, planted in all).
fn introductions(seed: &str) -> (usize, usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (sim, db) = (dir.path().join("sim"), dir.path().join("t.db"));
    let scenario = dir.path().join("circles.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let sim_s = sim.to_str().unwrap();
    ok(None, &["sim", "--scenario", scenario.to_str().unwrap(), "--seed", seed, "--format", "jsonl", "--out", sim_s]);
    ok(Some(&db), &["import", sim_s]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(sim.join("truth.json")).unwrap()).unwrap();
    let next = json(&ok(Some(&db), &["next", "--json"]));
    let (mut proposed, mut right, mut planted_all) = (0, 0, 0);
    for g in truth["groups"].as_array().unwrap() {
        let name = g["name"].as_str().unwrap();
        let circle: HashMap<&str, usize> = g["circles"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .flat_map(|(k, c)| c.as_array().unwrap().iter().map(move |p| (p.as_str().unwrap(), k)))
            .collect();
        let mut planted: Vec<[String; 2]> = Vec::new();
        for p in g["introductions"].as_array().unwrap() {
            let (a, b) = (p[0].as_str().unwrap(), p[1].as_str().unwrap());
            assert_ne!(circle[a], circle[b], "{name}: a planted pair sits in two circles");
            let mut pair = [a.to_string(), b.to_string()];
            pair.sort();
            planted.push(pair);
        }
        planted_all += planted.len();
        let members = json(&ok(Some(&db), &["members", "--group", name, "--json"]));
        let platform_id: HashMap<i64, String> = members
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (x["member_id"].as_i64().unwrap(), x["ids"][0].as_str().unwrap().split_once(':').unwrap().1.into())
            })
            .collect();
        for m in
            next["moves"].as_array().unwrap().iter().filter(|m| m["kind"] == "introduce" && m["group_name"] == name)
        {
            let ids = m["evidence"]["members"].as_array().unwrap();
            let mut pair = [0, 1].map(|k| platform_id[&ids[k].as_i64().unwrap()].clone());
            pair.sort();
            proposed += 1;
            right += usize::from(planted.contains(&pair));
        }
    }
    eprintln!("seed {seed}: {right} of {proposed} proposed introductions are planted pairs ({planted_all} planted)");
    (proposed, right, planted_all)
}

/// What holds today: the simulator plants pairs in the big groups and the
/// move proposes introductions there.
#[test]
fn planted_pairs_and_proposed_introductions() {
    let (proposed, _, planted) = introductions("1");
    assert!(planted > 0 && proposed > 0, "{planted} planted, {proposed} proposed");
}

/// The bar: at least half of the proposed introductions are planted pairs.
/// Not met (docs/ops.md): on the simulator's template texts, short profiles
/// of stock phrases ("同问，坐等大佬回答") look more alike than a niche, and
/// only 1 of seed 1's 13 planted pairs names its niche on both sides in the
/// window: the planted pairs mostly leave no trace to find.
#[test]
#[ignore = "the introductions' precision on the planted pairs is not met yet: docs/ops.md"]
fn introductions_find_the_planted_pairs() {
    for seed in ["1", "2"] {
        let (proposed, right, _) = introductions(seed);
        assert!(2 * right >= proposed, "seed {seed}: {right} of {proposed}");
    }
}
