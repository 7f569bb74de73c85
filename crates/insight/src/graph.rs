//! The interaction graph (链接度): who answers whom, and what its shape says.
//!
//! Nodes are the members who posted in the window; a directed edge u → v
//! weighs how often u replied to v (explicit or inferred reply) or
//! @mentioned v. Shape metrics treat the graph as undirected and unweighted
//! unless they say otherwise.

use crate::metrics::{Window, in_window};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use tonghao_model::snapshot::{LinkKind, NONE, Snapshot};

/// A group's interaction graph over a window.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Member index of each node.
    pub nodes: Vec<u32>,
    /// Directed weights: `out[u][v]` = interactions from node u to node v.
    pub out: Vec<HashMap<usize, f64>>,
}

impl Graph {
    /// Builds the graph of group `g` over `w`: every link counts 1.
    pub fn build(snap: &Snapshot, g: usize, w: Window) -> Graph {
        Graph::build_weighted(snap, g, w, |_, _| 1.0)
    }

    /// Builds the graph of group `g` over `w`, a link weighing `weight` of
    /// its kind and confidence in percent (an @mention weighs
    /// `weight(LinkKind::Mention, 100)`). A message
    /// that links to the same member twice (a quote and an @mention of its
    /// author) counts once, at the larger weight.
    pub fn build_weighted(snap: &Snapshot, g: usize, w: Window, weight: impl Fn(LinkKind, u8) -> f64) -> Graph {
        let m = &snap.messages;
        let mut index: HashMap<u32, usize> = HashMap::new();
        let mut graph = Graph::default();
        let mut node = |graph: &mut Graph, member: u32| {
            *index.entry(member).or_insert_with(|| {
                graph.nodes.push(member);
                graph.out.push(HashMap::new());
                graph.nodes.len() - 1
            })
        };
        let mut targets: Vec<(u32, f64)> = Vec::new();
        for i in in_window(snap, g, w) {
            let u = node(&mut graph, m.member[i]);
            targets.clear();
            let mention = weight(LinkKind::Mention, 100);
            targets.extend(m.mentions(i).iter().map(|&t| (t, mention)));
            if m.reply_to[i] != NONE {
                targets.push((m.member[m.reply_to[i] as usize], weight(m.reply_kind[i], m.reply_confidence[i])));
            }
            // by member, the larger weight first: dedup keeps it
            targets.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
            targets.dedup_by_key(|t| t.0);
            for &(t, x) in targets.iter().filter(|&&(t, _)| t != m.member[i]) {
                let v = node(&mut graph, t);
                *graph.out[u].entry(v).or_insert(0.0) += x;
            }
        }
        graph
    }

    /// The graph among `members` alone, its nodes in that order (a member
    /// absent from this graph is a node without ties): ties to anyone else
    /// are dropped.
    pub fn among(&self, members: &[u32]) -> Graph {
        let place: HashMap<u32, usize> = members.iter().enumerate().map(|(k, &m)| (m, k)).collect();
        let mut out = vec![HashMap::new(); members.len()];
        for (u, edges) in self.out.iter().enumerate() {
            let Some(&a) = place.get(&self.nodes[u]) else { continue };
            for (&v, &x) in edges {
                if let Some(&b) = place.get(&self.nodes[v]) {
                    out[a].insert(b, x);
                }
            }
        }
        Graph { nodes: members.to_vec(), out }
    }

    /// Undirected neighbour sets.
    pub fn undirected(&self) -> Vec<HashSet<usize>> {
        let mut adj = vec![HashSet::new(); self.nodes.len()];
        for (u, out) in self.out.iter().enumerate() {
            for &v in out.keys() {
                adj[u].insert(v);
                adj[v].insert(u);
            }
        }
        adj
    }

    /// Weighted degree (in + out) of each node.
    pub fn strength(&self) -> Vec<f64> {
        let mut s = vec![0.0; self.nodes.len()];
        for (u, out) in self.out.iter().enumerate() {
            for (&v, &w) in out {
                s[u] += w;
                s[v] += w;
            }
        }
        s
    }
}

/// The shape of a group's interaction graph.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GraphMetrics {
    /// Members who posted in the window (nodes).
    pub active: u32,
    /// Pairs of members linked in either direction.
    pub links: u32,
    /// links / possible pairs among active members.
    pub density: f64,
    /// Average local clustering coefficient (nodes of degree < 2 count 0).
    pub clustering: f64,
    /// Freeman degree centralisation, 0 (all equal) to 1 (a star).
    pub centralisation: f64,
    /// `pyramid` (one centre: centralisation ≥ 0.5), `ring` (several hubs),
    /// or `scattered` (fewer links than members: people talk past each other).
    pub structure: String,
    /// The member with the most interaction weight.
    pub hub: Option<u32>,
    /// Share of all interaction weight that involves the hub.
    pub hub_dependence: f64,
    /// Fewest members whose removal (greedy, by degree) leaves at most half
    /// of the connected pairs connected.
    pub bus_factor: u32,
    /// Share of directed links answered in the other direction.
    pub reciprocity: f64,
    /// Connected components among active members (isolated ones included).
    pub components: u32,
    /// Share of active members in the largest component.
    pub largest_component_share: f64,
    /// Members whose removal splits a component (articulation points): the
    /// connectors between circles.
    pub bridges: Vec<u32>,
}

/// Computes every shape metric of `graph`.
pub fn metrics(graph: &Graph) -> GraphMetrics {
    let n = graph.nodes.len();
    let adj = graph.undirected();
    let links: usize = adj.iter().map(HashSet::len).sum::<usize>() / 2;
    let pairs = n * n.saturating_sub(1) / 2;
    let degree: Vec<usize> = adj.iter().map(HashSet::len).collect();
    let max_degree = degree.iter().copied().max().unwrap_or(0);
    let centralisation = if n < 3 {
        0.0
    } else {
        degree.iter().map(|&d| (max_degree - d) as f64).sum::<f64>() / ((n - 1) * (n - 2)) as f64
    };
    let strength = graph.strength();
    let total: f64 = strength.iter().sum::<f64>() / 2.0;
    let hub = (0..n).max_by(|&a, &b| strength[a].total_cmp(&strength[b]).then(b.cmp(&a)));
    let directed: usize = graph.out.iter().map(HashMap::len).sum();
    let mutual = graph
        .out
        .iter()
        .enumerate()
        .map(|(u, out)| out.keys().filter(|&&v| graph.out[v].contains_key(&u)).count())
        .sum::<usize>();
    let comps = components(&adj, &HashSet::new());
    let structure = if links < n / 2 || links == 0 {
        "scattered"
    } else if centralisation >= 0.5 {
        "pyramid"
    } else {
        "ring"
    };
    GraphMetrics {
        active: n as u32,
        links: links as u32,
        density: if pairs == 0 { 0.0 } else { links as f64 / pairs as f64 },
        clustering: clustering(&adj),
        centralisation,
        structure: structure.to_string(),
        hub: hub.filter(|_| total > 0.0).map(|h| graph.nodes[h]),
        hub_dependence: match hub {
            Some(h) if total > 0.0 => strength[h] / total,
            _ => 0.0,
        },
        bus_factor: bus_factor(&adj),
        reciprocity: if directed == 0 { 0.0 } else { mutual as f64 / directed as f64 },
        components: comps.len() as u32,
        largest_component_share: if n == 0 { 0.0 } else { comps.iter().copied().max().unwrap_or(0) as f64 / n as f64 },
        bridges: articulation_points(&adj).into_iter().map(|u| graph.nodes[u]).collect(),
    }
}

fn clustering(adj: &[HashSet<usize>]) -> f64 {
    if adj.is_empty() {
        return 0.0;
    }
    let sum: f64 = adj
        .iter()
        .map(|nb| {
            let k = nb.len();
            if k < 2 {
                return 0.0;
            }
            let nbs: Vec<usize> = nb.iter().copied().collect();
            let mut closed = 0;
            for (i, &a) in nbs.iter().enumerate() {
                for &b in &nbs[i + 1..] {
                    closed += adj[a].contains(&b) as usize;
                }
            }
            closed as f64 / (k * (k - 1) / 2) as f64
        })
        .sum();
    sum / adj.len() as f64
}

/// Sizes of the connected components, ignoring `removed` nodes.
fn components(adj: &[HashSet<usize>], removed: &HashSet<usize>) -> Vec<usize> {
    let mut seen = vec![false; adj.len()];
    let mut sizes = Vec::new();
    for s in 0..adj.len() {
        if seen[s] || removed.contains(&s) {
            continue;
        }
        seen[s] = true;
        let mut stack = vec![s];
        let mut size = 0;
        while let Some(u) = stack.pop() {
            size += 1;
            for &v in &adj[u] {
                if !seen[v] && !removed.contains(&v) {
                    seen[v] = true;
                    stack.push(v);
                }
            }
        }
        sizes.push(size);
    }
    sizes
}

fn connected_pairs(adj: &[HashSet<usize>], removed: &HashSet<usize>) -> usize {
    components(adj, removed).iter().map(|&s| s * s.saturating_sub(1) / 2).sum()
}

/// Greedy: remove the highest-degree remaining member until at most half of
/// the originally connected pairs remain connected.
fn bus_factor(adj: &[HashSet<usize>]) -> u32 {
    let base = connected_pairs(adj, &HashSet::new());
    if base == 0 {
        return 0;
    }
    let mut removed = HashSet::new();
    while connected_pairs(adj, &removed) * 2 > base {
        let next = (0..adj.len())
            .filter(|u| !removed.contains(u))
            .max_by_key(|&u| (adj[u].iter().filter(|v| !removed.contains(v)).count(), std::cmp::Reverse(u)));
        match next {
            Some(u) => removed.insert(u),
            None => break,
        };
    }
    removed.len() as u32
}

/// Articulation points (Tarjan, iterative so deep graphs cannot overflow the stack).
fn articulation_points(adj: &[HashSet<usize>]) -> Vec<usize> {
    let n = adj.len();
    let nbrs: Vec<Vec<usize>> = adj
        .iter()
        .map(|s| {
            let mut v: Vec<usize> = s.iter().copied().collect();
            v.sort_unstable();
            v
        })
        .collect();
    let mut disc = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut is_cut = vec![false; n];
    let mut time = 0;
    for root in 0..n {
        if disc[root] != usize::MAX {
            continue;
        }
        let mut root_children = 0;
        // (node, parent, next neighbour position)
        let mut stack = vec![(root, usize::MAX, 0usize)];
        disc[root] = time;
        low[root] = time;
        time += 1;
        while let Some(&mut (u, parent, ref mut pos)) = stack.last_mut() {
            if *pos < nbrs[u].len() {
                let v = nbrs[u][*pos];
                *pos += 1;
                if disc[v] == usize::MAX {
                    disc[v] = time;
                    low[v] = time;
                    time += 1;
                    if u == root {
                        root_children += 1;
                    }
                    stack.push((v, u, 0));
                } else if v != parent {
                    low[u] = low[u].min(disc[v]);
                }
            } else {
                stack.pop();
                if parent != usize::MAX {
                    low[parent] = low[parent].min(low[u]);
                    if parent != root && low[u] >= disc[parent] {
                        is_cut[parent] = true;
                    }
                }
            }
        }
        if root_children > 1 {
            is_cut[root] = true;
        }
    }
    (0..n).filter(|&u| is_cut[u]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize)]) -> Graph {
        let mut g = Graph { nodes: (0..n as u32).collect(), out: vec![HashMap::new(); n] };
        for &(u, v) in edges {
            *g.out[u].entry(v).or_insert(0.0) += 1.0;
        }
        g
    }

    /// A star of 5: one hub, every other pair goes through it.
    #[test]
    fn star_is_a_pyramid_with_one_bridge() {
        let m = metrics(&graph(5, &[(1, 0), (2, 0), (3, 0), (4, 0), (0, 1)]));
        assert_eq!(m.links, 4);
        assert!((m.density - 0.4).abs() < 1e-9); // 4 of 10 pairs
        assert!((m.centralisation - 1.0).abs() < 1e-9); // Σ(4−1)·4 / (4·3) = 1
        assert_eq!(m.structure, "pyramid");
        assert_eq!(m.hub, Some(0));
        assert!((m.hub_dependence - 1.0).abs() < 1e-9); // every interaction touches 0
        assert_eq!(m.bridges, vec![0]);
        assert_eq!(m.bus_factor, 1);
        assert_eq!(m.clustering, 0.0);
        assert!((m.reciprocity - 0.4).abs() < 1e-9); // 0→1 and 1→0 of 5 directed links
    }

    /// Two triangles joined by one edge: ring-like, two bridges, clustering 7/9.
    #[test]
    fn two_triangles() {
        let m = metrics(&graph(6, &[(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]));
        assert_eq!(m.links, 7);
        assert_eq!(m.bridges, vec![2, 3]);
        assert_eq!(m.components, 1);
        // Nodes 0,1,4,5 have clustering 1; nodes 2 and 3 have 1/3: (4 + 2/3) / 6.
        assert!((m.clustering - (4.0 + 2.0 / 3.0) / 6.0).abs() < 1e-9);
        // Removing node 2 leaves {0,1} and {3,4,5}: 1 + 3 = 4 of 15 pairs.
        assert_eq!(m.bus_factor, 1);
        assert_eq!(m.structure, "ring");
    }

    #[test]
    fn isolated_members_are_scattered() {
        let m = metrics(&graph(4, &[(0, 1)]));
        assert_eq!(m.components, 3);
        assert!((m.largest_component_share - 0.5).abs() < 1e-9);
        assert_eq!(m.structure, "scattered");
    }
}
