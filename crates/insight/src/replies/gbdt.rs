//! Gradient-boosted regression trees that rank the candidates of a group
//! (one group = one message's candidate parents) with a softmax loss.
//!
//! Plain and deterministic: features are binned once at quantile cut points,
//! trees grow level by level to a fixed depth on gradient/hessian histograms,
//! leaves take a Newton step, and there is no sampling, so the same data and
//! options always give the same trees, bit for bit.

use std::fmt::Write as _;

/// How [`fit`] grows the forest.
#[derive(Debug, Clone, Copy)]
pub struct BoostOptions {
    /// Trees to grow.
    pub trees: usize,
    /// Depth of every tree (2^depth leaves at most).
    pub depth: usize,
    /// Shrinkage applied to every leaf.
    pub rate: f64,
    /// L2 penalty on leaf values (added to the hessian sum).
    pub lambda: f64,
    /// A split needs at least this hessian sum on each side.
    pub min_hessian: f64,
    /// At most this many cut points per feature.
    pub bins: usize,
}

impl Default for BoostOptions {
    fn default() -> Self {
        BoostOptions { trees: 100, depth: 6, rate: 0.3, lambda: 1.0, min_hessian: 1.0, bins: 64 }
    }
}

/// One node: a split `x[feature] <= threshold ? left : left + 1`, or a
/// leaf (`feature == LEAF`, its value in `threshold`). Twelve bytes, so a
/// forest of a few hundred trees stays in the cache.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    feature: u16,
    threshold: f32,
    left: u32,
}

const LEAF: u16 = u16::MAX;

impl Node {
    fn leaf(v: f32) -> Node {
        Node { feature: LEAF, threshold: v, left: 0 }
    }
}

/// A sum of regression trees over dense `f32` feature rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forest {
    /// Flat nodes; `roots[t]` is tree `t`'s first node.
    nodes: Vec<Node>,
    roots: Vec<u32>,
    /// The same trees, each padded to a complete tree of `depth` levels
    /// (a leaf above the bottom becomes splits that always go left), laid
    /// out by level: node `k`'s children are `2k + 1` and `2k + 2`. Walking
    /// it needs no branch and no child pointers.
    depth: usize,
    feature: Vec<u16>,
    threshold: Vec<f32>,
    leaf: Vec<f32>,
}

impl Forest {
    /// The forest's score of one feature row.
    pub fn score(&self, x: &[f32]) -> f32 {
        let mut s = 0.0;
        for &r in &self.roots {
            let mut n = self.nodes[r as usize];
            while n.feature != LEAF {
                n = self.nodes[(n.left + u32::from(x[n.feature as usize] > n.threshold)) as usize];
            }
            s += n.threshold;
        }
        s
    }

    /// Builds the complete-tree layout from the nodes.
    fn compile(&mut self) {
        fn depth(nodes: &[Node], n: usize) -> usize {
            let node = nodes[n];
            if node.feature == LEAF {
                0
            } else {
                1 + depth(nodes, node.left as usize).max(depth(nodes, node.left as usize + 1))
            }
        }
        let d = self.roots.iter().map(|&r| depth(&self.nodes, r as usize)).max().unwrap_or(0);
        let (inner, leaves) = ((1usize << d) - 1, 1usize << d);
        self.depth = d;
        self.feature = vec![0; inner * self.roots.len()];
        self.threshold = vec![f32::INFINITY; inner * self.roots.len()];
        self.leaf = vec![0.0; leaves * self.roots.len()];
        for (t, &r) in self.roots.iter().enumerate() {
            // (node, position in the complete tree, level)
            let mut stack = vec![(r as usize, 0usize, 0usize)];
            while let Some((n, mut at, mut level)) = stack.pop() {
                let node = self.nodes[n];
                if node.feature == LEAF {
                    while level < d {
                        at = 2 * at + 1;
                        level += 1;
                    }
                    self.leaf[t * leaves + at - inner] = node.threshold;
                } else {
                    self.feature[t * inner + at] = node.feature;
                    self.threshold[t * inner + at] = node.threshold;
                    stack.push((node.left as usize, 2 * at + 1, level + 1));
                    stack.push((node.left as usize + 1, 2 * at + 2, level + 1));
                }
            }
        }
    }

    /// The scores of consecutive rows of `n_features` values, into `out`
    /// (one per row). Tree by tree, so each tree is read from memory once for
    /// all rows; the sums are the same as [`Forest::score`]'s.
    pub fn score_rows(&self, x: &[f32], n_features: usize, out: &mut Vec<f32>) {
        let rows = x.len() / n_features;
        out.clear();
        out.resize(rows, 0.0);
        let (inner, leaves) = ((1usize << self.depth) - 1, 1usize << self.depth);
        let mut at = vec![0usize; rows];
        for t in 0..self.roots.len() {
            let feature = &self.feature[t * inner..(t + 1) * inner];
            let threshold = &self.threshold[t * inner..(t + 1) * inner];
            at.iter_mut().for_each(|a| *a = 0);
            // all rows step down one level together: their walks are
            // independent, so the processor overlaps them
            for _ in 0..self.depth {
                for (a, row) in at.iter_mut().zip(x.chunks_exact(n_features)) {
                    *a = 2 * *a + 1 + usize::from(row[feature[*a] as usize] > threshold[*a]);
                }
            }
            let leaf = &self.leaf[t * leaves..(t + 1) * leaves];
            for (s, &a) in out.iter_mut().zip(&at) {
                *s += leaf[a - inner];
            }
        }
    }

    /// How many trees.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether there is no tree.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// One line per tree, nodes in order separated by spaces: `f:t:l:r` for
    /// a split, `=v` for a leaf (node numbers within the tree). Floats use
    /// the shortest text that reads back to the same `f32`.
    pub fn write(&self, out: &mut String) {
        for (t, &r) in self.roots.iter().enumerate() {
            let end = self.roots.get(t + 1).map_or(self.nodes.len(), |&e| e as usize);
            for (k, n) in self.nodes[r as usize..end].iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                if n.feature == LEAF {
                    let _ = write!(out, "={:?}", n.threshold);
                } else {
                    let _ = write!(out, "{}:{:?}:{}:{}", n.feature, n.threshold, n.left - r, n.left + 1 - r);
                }
            }
            out.push('\n');
        }
    }

    /// Reads what [`Forest::write`] wrote, one tree per line; `features`
    /// bounds the feature numbers.
    pub fn read<'a>(lines: impl IntoIterator<Item = &'a str>, features: usize) -> Result<Forest, String> {
        let mut f = Forest::default();
        for line in lines {
            let r = f.nodes.len() as u32;
            f.roots.push(r);
            let count = line.split(' ').count() as u32;
            for tok in line.split(' ') {
                let bad = || format!("bad tree node {tok:?}");
                let node = if let Some(v) = tok.strip_prefix('=') {
                    Node::leaf(v.parse().map_err(|_| bad())?)
                } else {
                    let mut p = tok.split(':');
                    let mut next = || p.next().ok_or_else(bad);
                    let feature: u16 = next()?.parse().map_err(|_| bad())?;
                    let threshold: f32 = next()?.parse().map_err(|_| bad())?;
                    let left: u32 = next()?.parse().map_err(|_| bad())?;
                    let right: u32 = next()?.parse().map_err(|_| bad())?;
                    // children sit side by side after their parent: no loops
                    let k = f.nodes.len() as u32 - r;
                    if feature as usize >= features || left <= k || right != left + 1 || right >= count {
                        return Err(bad());
                    }
                    Node { feature, threshold, left: r + left }
                };
                f.nodes.push(node);
            }
        }
        f.compile();
        Ok(f)
    }
}

/// Training rows: `x` holds `n_features` values per row; rows come in
/// groups (`groups[g]..groups[g + 1]`), and `gold[row]` marks the right
/// choices of a group (every group has at least one).
pub struct Rows<'a> {
    pub x: &'a [f32],
    pub n_features: usize,
    pub groups: &'a [usize],
    pub gold: &'a [bool],
}

/// Fits a forest so that, within every group, the softmax of the scores puts
/// its mass on the gold rows (loss: −log of the gold rows' total probability).
pub fn fit(rows: &Rows, opts: &BoostOptions) -> Forest {
    let nf = rows.n_features;
    let n = rows.gold.len();
    assert_eq!(rows.x.len(), n * nf);
    let (bins, cuts) = binned(rows, opts.bins);
    let n_bins = opts.bins + 1;
    let mut forest = Forest::default();
    let mut score = vec![0f64; n];
    let mut grad = vec![0f64; n];
    let mut hess = vec![0f64; n];
    let mut index: Vec<u32> = (0..n as u32).collect();
    let build = |rows_in: &[u32], grad: &[f64], hess: &[f64]| {
        let mut hist = vec![(0f64, 0f64); nf * n_bins];
        for &r in rows_in {
            let r = r as usize;
            let (gr, hr) = (grad[r], hess[r]);
            for (f, &b) in bins[r * nf..(r + 1) * nf].iter().enumerate() {
                let v = &mut hist[f * n_bins + b as usize];
                v.0 += gr;
                v.1 += hr;
            }
        }
        hist
    };
    for _ in 0..opts.trees {
        gradients(rows, &score, &mut grad, &mut hess);
        let root = forest.nodes.len() as u32;
        forest.roots.push(root);
        forest.nodes.push(Node::leaf(0.0));
        // nodes of the current level: node id, its rows in `index`, and its
        // histogram when already known (a sibling's is the parent's minus
        // the other one's, which halves the work)
        let mut level = vec![(root, 0usize, n, None::<Vec<(f64, f64)>>)];
        for depth in 0..=opts.depth {
            let mut next = Vec::new();
            for (id, lo, hi, known) in level {
                let (g, h) =
                    index[lo..hi].iter().fold((0.0, 0.0), |(g, h), &r| (g + grad[r as usize], h + hess[r as usize]));
                let leaf = (-g / (h + opts.lambda) * opts.rate) as f32;
                forest.nodes[id as usize] = Node::leaf(leaf);
                if depth == opts.depth || hi - lo < 2 {
                    for &r in &index[lo..hi] {
                        score[r as usize] += leaf as f64;
                    }
                    continue;
                }
                let hist = known.unwrap_or_else(|| build(&index[lo..hi], &grad, &hess));
                let parent = g * g / (h + opts.lambda);
                let mut best: Option<(f64, usize, usize)> = None;
                for f in 0..nf {
                    let (mut gl, mut hl) = (0.0, 0.0);
                    for b in 0..cuts[f].len() {
                        let v = hist[f * n_bins + b];
                        gl += v.0;
                        hl += v.1;
                        let (gr, hr) = (g - gl, h - hl);
                        if hl < opts.min_hessian || hr < opts.min_hessian {
                            continue;
                        }
                        let gain = gl * gl / (hl + opts.lambda) + gr * gr / (hr + opts.lambda) - parent;
                        if gain > 1e-9 && best.is_none_or(|(bg, _, _)| gain > bg) {
                            best = Some((gain, f, b));
                        }
                    }
                }
                let Some((_, f, b)) = best else {
                    for &r in &index[lo..hi] {
                        score[r as usize] += leaf as f64;
                    }
                    continue;
                };
                // stable partition: rows with bin <= b first
                let (mut left, mut right): (Vec<u32>, Vec<u32>) =
                    index[lo..hi].iter().partition(|&&r| bins[r as usize * nf + f] as usize <= b);
                let mid = lo + left.len();
                left.append(&mut right);
                index[lo..hi].copy_from_slice(&left);
                let l = forest.nodes.len() as u32;
                forest.nodes.push(Node::leaf(0.0));
                forest.nodes.push(Node::leaf(0.0));
                forest.nodes[id as usize] = Node { feature: f as u16, threshold: cuts[f][b], left: l };
                let (hl, hr) = if depth + 1 == opts.depth {
                    (None, None)
                } else if mid - lo <= hi - mid {
                    let small = build(&index[lo..mid], &grad, &hess);
                    let big = hist.iter().zip(&small).map(|(p, c)| (p.0 - c.0, p.1 - c.1)).collect();
                    (Some(small), Some(big))
                } else {
                    let small = build(&index[mid..hi], &grad, &hess);
                    let big = hist.iter().zip(&small).map(|(p, c)| (p.0 - c.0, p.1 - c.1)).collect();
                    (Some(big), Some(small))
                };
                next.push((l, lo, mid, hl));
                next.push((l + 1, mid, hi, hr));
            }
            level = next;
            if level.is_empty() {
                break;
            }
        }
        index.sort_unstable();
    }
    forest.compile();
    forest
}

/// Per-row gradient and hessian of the group softmax loss.
fn gradients(rows: &Rows, score: &[f64], grad: &mut [f64], hess: &mut [f64]) {
    for w in rows.groups.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let max = score[lo..hi].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut z, mut zg) = (0.0, 0.0);
        for (s, &gold) in score[lo..hi].iter().zip(&rows.gold[lo..hi]) {
            let e = (s - max).exp();
            z += e;
            if gold {
                zg += e;
            }
        }
        for r in lo..hi {
            let e = (score[r] - max).exp();
            let p = e / z;
            let q = if rows.gold[r] { e / zg } else { 0.0 };
            grad[r] = p - q;
            hess[r] = (p * (1.0 - p)).max(1e-6);
        }
    }
}

/// Every value as the number of its bin, and each feature's cut points
/// (bin `b` holds the values `<= cuts[b]` above `cuts[b - 1]`).
fn binned(rows: &Rows, max_cuts: usize) -> (Vec<u8>, Vec<Vec<f32>>) {
    assert!(max_cuts < 256);
    let nf = rows.n_features;
    let n = rows.gold.len();
    let mut bins = vec![0u8; n * nf];
    let mut cuts = Vec::with_capacity(nf);
    let mut col = Vec::with_capacity(n);
    for f in 0..nf {
        col.clear();
        col.extend((0..n).map(|r| rows.x[r * nf + f]));
        col.sort_unstable_by(f32::total_cmp);
        let mut c: Vec<f32> = Vec::new();
        // quantile cut points, each a value seen, no repeats
        for k in 1..=max_cuts {
            let v = col[(k * n / (max_cuts + 1)).min(n.saturating_sub(1))];
            if c.last() != Some(&v) && v < col[n - 1] {
                c.push(v);
            }
        }
        for r in 0..n {
            let v = rows.x[r * nf + f];
            bins[r * nf + f] = c.partition_point(|&t| t < v) as u8;
        }
        cuts.push(c);
    }
    (bins, cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups of four rows; the gold row is the one whose feature 1 is
    /// largest when feature 0 is positive, else the one with the smallest:
    /// an interaction no single linear weight captures.
    fn data() -> (Vec<f32>, Vec<usize>, Vec<bool>) {
        let (mut x, mut groups, mut gold) = (Vec::new(), vec![0], Vec::new());
        let mut s = 7u64;
        let mut rand = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 1000) as f32 / 1000.0
        };
        for _ in 0..300 {
            let sign = if rand() < 0.5 { -1.0 } else { 1.0 };
            let vals: Vec<f32> = (0..4).map(|_| rand()).collect();
            let pick = if sign > 0.0 {
                (0..4).max_by(|&a, &b| vals[a].total_cmp(&vals[b])).unwrap()
            } else {
                (0..4).min_by(|&a, &b| vals[a].total_cmp(&vals[b])).unwrap()
            };
            for (k, v) in vals.iter().enumerate() {
                x.extend([sign, *v]);
                gold.push(k == pick);
            }
            groups.push(gold.len());
        }
        (x, groups, gold)
    }

    fn accuracy(f: &Forest, x: &[f32], groups: &[usize], gold: &[bool]) -> f64 {
        let right = groups
            .windows(2)
            .filter(|w| {
                let best = (w[0]..w[1])
                    .max_by(|&a, &b| f.score(&x[a * 2..a * 2 + 2]).total_cmp(&f.score(&x[b * 2..b * 2 + 2])));
                gold[best.unwrap()]
            })
            .count();
        right as f64 / (groups.len() - 1) as f64
    }

    #[test]
    fn learns_an_interaction_and_is_deterministic() {
        let (x, groups, gold) = data();
        let rows = Rows { x: &x, n_features: 2, groups: &groups, gold: &gold };
        let opts = BoostOptions { trees: 60, depth: 3, ..BoostOptions::default() };
        let f = fit(&rows, &opts);
        assert!(accuracy(&f, &x, &groups, &gold) > 0.9);
        let mut fast = Vec::new();
        f.score_rows(&x[..40], 2, &mut fast);
        let slow: Vec<f32> = x[..40].chunks(2).map(|r| f.score(r)).collect();
        assert_eq!(fast, slow, "the complete-tree layout scores as the nodes do");
        assert_eq!(f, fit(&rows, &opts), "same data, same trees");
        let mut text = String::new();
        f.write(&mut text);
        let back = Forest::read(text.lines(), 2).unwrap();
        assert_eq!(back, f, "the text form reads back exactly");
        assert!(Forest::read(["0:0.5:1:9 =1 =2"], 2).is_err(), "a child outside the tree is refused");
    }
}
