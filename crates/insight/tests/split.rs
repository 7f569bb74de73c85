//! Splitting a group (`tonghao_insight::split`) on the planted graph of
//! issue 10 and on hand-made graphs.
//!
//! The planted graph (`tests/fixtures/planted.tsv`) is written by
//! `python3 ../shared/tools/leiden_anchor.py crates/insight/tests/fixtures/planted.tsv`:
//! 2,000 members, 50 circles of 40 (member i in circle i / 40), 17,606 ties of
//! weight 1–5. The same script printed leidenalg 0.12.0's figures on it on
//! this machine (docs/insight.md, "Splitting a group"); the constants below
//! are those figures.

use tonghao_insight::rng::SplitMix;
use tonghao_insight::split::{Graph, Group, Options, Quality, adjusted_rand_index, describe, split, ties_kept};

/// leidenalg 0.12.0, modularity, best of 5 seeds, uncapped.
const LEIDENALG_MODULARITY: f64 = 0.5320;
const LEIDENALG_TIES_KEPT: f64 = 0.560;
const LEIDENALG_ARI: f64 = 0.820;

fn planted() -> (Graph, Vec<u32>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/planted.tsv");
    let text = std::fs::read_to_string(path).expect("the planted fixture");
    let edges: Vec<(u32, u32, f64)> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect();
    assert_eq!(edges.len(), 17_606, "the fixture leidenalg ran on");
    let truth = (0..2000).map(|i| i / 40).collect();
    (Graph::from_edges(2000, &edges), truth)
}

/// Uniform below `n` by modulo, as the test graphs were drawn.
fn below(s: &mut SplitMix, n: u64) -> u64 {
    s.next_u64() % n
}

/// Share of ties a random split into groups of `size` keeps (mean of 20
/// shuffles): the baseline a split must beat.
fn random_baseline(graph: &Graph, size: usize) -> f64 {
    let n = graph.nodes();
    let mut s = SplitMix(7);
    let mut total = 0.0;
    for _ in 0..20 {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, below(&mut s, i as u64 + 1) as usize);
        }
        let mut labels = vec![0u32; n];
        for (pos, &v) in order.iter().enumerate() {
            labels[v] = (pos / size) as u32;
        }
        total += ties_kept(graph, &labels);
    }
    total / 20.0
}

fn capped(cap: usize) -> Options {
    Options { max_size: Some(cap), ..Options::default() }
}

#[test]
fn planted_graph_capped_at_40_keeps_the_circles_together() {
    let (g, truth) = planted();
    let s = split(&g, &capped(40));
    assert!(s.groups.iter().all(|x| x.members.len() <= 40), "a group over 40: {}", s.max_size());
    assert_eq!(s.max_size(), 40);
    let ari = adjusted_rand_index(&s.membership, &truth);
    assert!(s.ties_kept >= 0.95 * LEIDENALG_TIES_KEPT, "ties kept {:.4}", s.ties_kept);
    assert!(ari >= LEIDENALG_ARI, "ARI {ari:.3}");
    // The planted circles themselves keep 55.1%; a split can hardly keep more
    // while holding 40 per group.
    let truth_kept = ties_kept(&g, &truth);
    assert!((truth_kept - 0.5509).abs() < 1e-3, "{truth_kept}");
    assert!(s.ties_kept >= truth_kept - 0.01, "{} vs the planted {truth_kept}", s.ties_kept);
    let baseline = random_baseline(&g, 40);
    assert!((0.015..0.025).contains(&baseline), "a random split keeps about 2%: {baseline:.4}");
    assert!(s.ties_kept >= 20.0 * baseline, "{} vs 20 × {baseline}", s.ties_kept);
    // Every group with ties inside has a host, the member with most weight
    // inside it. Under the cap a member can be left alone (every circle they
    // talk to is full): such a group has no host.
    let alone = s.groups.iter().filter(|x| x.members.len() == 1).count();
    assert!(alone <= 2, "{alone} members alone");
    for grp in &s.groups {
        assert_eq!(grp.host.is_some(), grp.inside > 0.0);
        let Some(host) = grp.host else { continue };
        let host = host as usize;
        let inside = |v: usize| g.neighbours(v).filter(|&(u, _)| grp.members.contains(&(u as u32))).map(|x| x.1).sum();
        let best: f64 = grp.members.iter().map(|&v| inside(v as usize)).fold(0.0, f64::max);
        assert_eq!(inside(host), best);
    }
}

#[test]
fn planted_graph_uncapped_matches_leidenalg_modularity() {
    let (g, truth) = planted();
    // Pure modularity optimisation, as leidenalg does.
    let plain = split(&g, &Options { guard: false, ..Options::default() });
    assert!(plain.modularity >= 0.99 * LEIDENALG_MODULARITY, "{:.4}", plain.modularity);
    // Modularity's resolution limit: like leidenalg, it merges circles (up to 82).
    assert!(plain.max_size() > 60, "{}", plain.max_size());
    // The guard splits those back at a small cost in modularity.
    let guarded = split(&g, &Options::default());
    assert!(guarded.modularity >= 0.99 * LEIDENALG_MODULARITY, "{:.4}", guarded.modularity);
    assert!(guarded.max_size() <= 45, "{}", guarded.max_size());
    let (a, b) = (adjusted_rand_index(&plain.membership, &truth), adjusted_rand_index(&guarded.membership, &truth));
    assert!(a >= 0.8 && b >= 0.95, "ARI without guard {a:.3}, with {b:.3}");
    // Seed 19 once kept an 81-member group: two members who talk to both
    // circles glued them in the guard's first version.
    let s19 = split(&g, &Options { seed: 19, ..Options::default() });
    assert!(s19.max_size() <= 45, "{}", s19.max_size());
}

/// Circles of uneven size (8, 12, 25, 40, ten of each: 850 members) in a ring, each tied
/// to the next by one bridge, plus members who talk to two or three circles.
fn uneven() -> (Graph, Vec<u32>) {
    let sizes = [8u32, 12, 25, 40];
    let mut s = SplitMix(42);
    let (mut truth, mut start) = (Vec::new(), Vec::new());
    for c in 0..40u32 {
        start.push(truth.len() as u32);
        truth.extend(std::iter::repeat_n(c, sizes[c as usize % 4] as usize));
    }
    let n = truth.len() as u32;
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if truth[i as usize] == truth[j as usize] && s.unit() < 0.5 {
                edges.push((i, j, 1.0 + below(&mut s, 3) as f64));
            }
        }
    }
    for c in 0..40usize {
        let next = (c + 1) % 40;
        edges.push((start[c], start[next] + 1, 1.0));
    }
    // Bridging members: 30 people with ties into one or two other circles.
    for _ in 0..30 {
        let v = below(&mut s, n as u64) as u32;
        for _ in 0..1 + below(&mut s, 2) {
            let u = below(&mut s, n as u64) as u32;
            edges.push((v, u, 1.0));
        }
    }
    (Graph::from_edges(n as usize, &edges), truth)
}

/// Groups holding more than half of two different circles.
fn merged(membership: &[u32], truth: &[u32]) -> usize {
    let circles = *truth.iter().max().unwrap() as usize + 1;
    let groups = *membership.iter().max().unwrap() as usize + 1;
    let mut count = vec![vec![0usize; groups]; circles];
    let mut size = vec![0usize; circles];
    for (&c, &g) in truth.iter().zip(membership) {
        count[c as usize][g as usize] += 1;
        size[c as usize] += 1;
    }
    (0..groups).filter(|&g| (0..circles).filter(|&c| 2 * count[c][g] > size[c]).count() > 1).count()
}

#[test]
fn small_circles_are_not_merged() {
    let (g, truth) = uneven();
    // Without the guard, modularity merges small circles (the resolution
    // limit): this graph has the problem the guard is for.
    let plain = split(&g, &Options { guard: false, ..Options::default() });
    assert!(merged(&plain.membership, &truth) >= 2, "{}", merged(&plain.membership, &truth));
    let baseline = random_baseline(&g, 40);
    assert!(baseline < 0.05, "{baseline}");
    for opts in [Options::default(), capped(40)] {
        let s = split(&g, &opts);
        let ari = adjusted_rand_index(&s.membership, &truth);
        assert_eq!(merged(&s.membership, &truth), 0, "{opts:?}");
        assert!(ari >= 0.8, "{opts:?}: ARI {ari:.3}");
        assert!(s.ties_kept >= 20.0 * baseline, "{opts:?}: {} vs {baseline}", s.ties_kept);
        assert!(s.max_size() <= 40);
    }
    // A cap below the largest circles cuts those, and still merges no small ones.
    let s = split(&g, &capped(30));
    assert_eq!(merged(&s.membership, &truth), 0);
    assert_eq!(s.max_size(), 30);
}

#[test]
fn the_cap_holds_for_any_cap_and_quality() {
    let (g, _) = planted();
    for cap in [1, 2, 7, 13, 25] {
        for quality in [Quality::Modularity, Quality::Cpm] {
            let resolution = if quality == Quality::Cpm { 0.05 } else { 1.0 };
            let s = split(&g, &Options { max_size: Some(cap), quality, resolution, runs: 1, ..Options::default() });
            assert!(s.max_size() <= cap, "cap {cap} {quality:?}: {}", s.max_size());
            // The cap binds: groups fill up to it rather than stay small.
            assert!(s.max_size() == cap, "cap {cap} {quality:?}: largest {}", s.max_size());
        }
    }
}

#[test]
fn cpm_recovers_the_planted_circles() {
    let (g, truth) = planted();
    // Inside a circle the weight per pair is about 0.25 × 3 = 0.75, between
    // circles 0.004 × 3 = 0.012: γ = 0.1 sits between.
    let s = split(&g, &Options { quality: Quality::Cpm, resolution: 0.1, max_size: Some(40), ..Options::default() });
    let ari = adjusted_rand_index(&s.membership, &truth);
    assert!(ari >= 0.9, "ARI {ari:.3}");
}

/// Whether every group is connected by ties inside it.
fn connected(graph: &Graph, groups: &[Group]) -> bool {
    let mut group_of = vec![0usize; graph.nodes()];
    for (i, g) in groups.iter().enumerate() {
        for &v in &g.members {
            group_of[v as usize] = i;
        }
    }
    groups.iter().enumerate().all(|(i, g)| {
        let mut seen = vec![false; graph.nodes()];
        let mut stack = vec![g.members[0] as usize];
        seen[stack[0]] = true;
        let mut reached = 1;
        while let Some(v) = stack.pop() {
            for (u, _) in graph.neighbours(v) {
                if group_of[u] == i && !seen[u] {
                    seen[u] = true;
                    reached += 1;
                    stack.push(u);
                }
            }
        }
        reached == g.members.len()
    })
}

#[test]
fn every_group_is_connected() {
    let (g, _) = planted();
    for opts in [Options::default(), capped(40), capped(13), Options { guard: false, ..Options::default() }] {
        assert!(connected(&g, &split(&g, &opts).groups), "{opts:?}");
    }
    let (g, _) = uneven();
    for opts in [Options::default(), capped(30)] {
        assert!(connected(&g, &split(&g, &opts).groups), "{opts:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_split() {
    let (g, _) = planted();
    let a = split(&g, &Options { seed: 9, ..capped(40) });
    let b = split(&g, &Options { seed: 9, ..capped(40) });
    assert_eq!(a, b);
    let (g, _) = uneven();
    assert_eq!(
        split(&g, &Options { seed: 3, ..Options::default() }),
        split(&g, &Options { seed: 3, ..Options::default() })
    );
}

#[test]
fn edge_cases() {
    // Empty graph.
    let s = split(&Graph::from_edges(0, &[]), &capped(40));
    assert!(s.membership.is_empty() && s.groups.is_empty());
    assert_eq!((s.ties_kept, s.modularity, s.max_size()), (0.0, 0.0, 0));
    // One node.
    let s = split(&Graph::from_edges(1, &[]), &capped(40));
    assert_eq!(s.membership, vec![0]);
    assert_eq!(s.groups[0].host, None);
    // All isolated: each alone, no host, nothing kept.
    let s = split(&Graph::from_edges(5, &[]), &Options::default());
    assert_eq!(s.groups.len(), 5);
    assert!(s.groups.iter().all(|g| g.members.len() == 1 && g.host.is_none()));
    // Smaller than the cap: two triangles and a bridge give two groups; all
    // have 2 inside, so the host is the lowest id.
    let e = [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0), (2, 3, 1.0)];
    let g = Graph::from_edges(7, &e);
    let s = split(&g, &capped(40));
    assert_eq!(s.groups.len(), 3, "two triangles and the isolated node 6");
    assert_eq!(s.groups[0].members, vec![0, 1, 2]);
    assert_eq!(s.groups[1].members, vec![3, 4, 5]);
    assert_eq!(s.groups[2].members, vec![6]);
    assert_eq!((s.groups[0].host, s.groups[1].host), (Some(0), Some(3)));
    assert!((s.ties_kept - 6.0 / 7.0).abs() < 1e-12);
    assert!((s.modularity - (6.0 / 7.0 - 0.5)).abs() < 1e-12);
    // Cap 1: everyone alone.
    let s = split(&g, &capped(1));
    assert_eq!(s.groups.len(), 7);
    assert_eq!(s.ties_kept, 0.0);
    // Cap 2 on a triangle pair: pairs at most, and a self-loop always stays inside.
    let mut e2 = e.to_vec();
    e2.push((6, 6, 2.0));
    let s = split(&Graph::from_edges(7, &e2), &capped(2));
    assert!(s.max_size() == 2);
    let alone = s.groups.iter().find(|g| g.members.contains(&6)).unwrap();
    assert_eq!((alone.inside, alone.host), (2.0, None), "talking to oneself makes nobody a host");
    // The host is who has most weight with the others: 1 and 2 have 3, 0 has
    // 2 (plus 10 with itself, which does not count).
    let g = Graph::from_edges(3, &[(0, 1, 1.0), (1, 2, 2.0), (0, 2, 1.0), (0, 0, 10.0)]);
    let d = describe(&g, &[0, 0, 0]);
    assert_eq!((d.groups[0].host, d.groups[0].inside, d.ties_kept), (Some(1), 14.0, 1.0));
    // Duplicates add up: the heavy pair stays together under cap 2.
    let g = Graph::from_edges(4, &[(0, 1, 1.0), (1, 2, 1.0), (2, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
    let s = split(&g, &capped(2));
    assert_eq!(s.membership[1], s.membership[2]);
    assert_eq!(s.membership[0], s.membership[0]);
    let d = describe(&g, &s.membership);
    assert_eq!(d, s);
}
