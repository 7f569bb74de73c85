//! How often an inferred reply link joins the right two people, measured on
//! the annotated IRC logs (`../shared/data/replies/train`), for the weight
//! the split gives an inferred tie (docs/ops.md, "Split").
//!
//! The interaction graph takes a tie from an inferred link only when it
//! joins two different members, and tonghao infers links only for messages
//! that neither quote nor @mention anyone. So the figure that matters is the
//! precision of the shipped model's *cross-author* links on lines that
//! address nobody by name, not its precision over all lines (thread starts
//! included). A link counts as right when the gold annotation links the same
//! line to a line by the same author as the predicted parent (the tie is the
//! same pair of people), and, more strictly, to the very line predicted.
//! The lines are also split by what could serve as a per-link confidence
//! without the model's scores: whether the linear stage alone agrees, how
//! far back the parent is, and how many other people spoke just before.
//!
//! ```text
//! cargo run -p tonghao-insight --example inferred_ties -- ../shared/data/replies/train
//! ```

use std::collections::HashMap;
use tonghao_insight::replies::{IrcLog, Model, Source, parse_annotation};

/// Lower ends of the confidence bins.
const CONFIDENCE_BINS: [f32; 5] = [0.0, 0.3, 0.5, 0.7, 0.9];

#[derive(Default)]
struct Count {
    links: usize,
    same_line: usize,
    same_pair: usize,
}

impl Count {
    fn show(&self, what: &str) {
        let r = |a: usize| if self.links == 0 { 0.0 } else { a as f64 / self.links as f64 };
        println!(
            "{what}: {} cross-author links, right line {:.4}, right pair of people {:.4}",
            self.links,
            r(self.same_line),
            r(self.same_pair)
        );
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: inferred_ties DIR (the annotated IRC logs)");
    let mut raws: Vec<_> = std::fs::read_dir(&dir)
        .expect("the directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".raw.txt"))
        .collect();
    raws.sort();
    let full = Model::shipped();
    let linear = Model::linear(full.weights.clone(), full.window);
    // [addressed by name?][the linear stage agrees?]
    let mut counts: [[Count; 2]; 2] = Default::default();
    // lines that name nobody, by how many chat lines back the parent is
    // (1, 2, 3, 4–5, 6–10, more)
    let mut by_distance: [Count; 6] = Default::default();
    // lines that name nobody, by how many other people spoke in the 10
    // chat lines before (1–2, 3–4, 5–6, 7 or more)
    let mut by_crowd: [Count; 4] = Default::default();
    // lines that name nobody, by the model's own confidence in the link
    // (`Model::infer_scored`), with the sum of those confidences per bin
    let mut by_confidence: [(Count, f64); 5] = Default::default();
    for raw in &raws {
        let ann = raw.to_string_lossy().replace(".raw.txt", ".annotation.txt");
        let log = IrcLog::parse(&std::fs::read_to_string(raw).unwrap());
        let gold = parse_annotation(&std::fs::read_to_string(&ann).unwrap());
        let mut parents: HashMap<usize, Vec<usize>> = HashMap::new();
        for &(c, p) in &gold {
            parents.entry(c).or_default().push(p);
        }
        let messages = log.messages();
        let ((links, sure), lin) = (full.infer_scored(&messages), linear.infer(&messages));
        // Nicks seen so far (lower case), by author.
        let mut nicks: HashMap<String, u32> = HashMap::new();
        for (i, line) in log.lines.iter().enumerate() {
            nicks.insert(line.nick.to_lowercase(), line.author);
            let Some(gold_parents) = parents.get(&i) else { continue };
            let link = links[i];
            if link.source != Source::Inferred || link.parent == i {
                continue;
            }
            let parent_author = log.lines[link.parent].author;
            if line.system || parent_author == line.author {
                continue;
            }
            let addressed = line
                .text
                .split(|c: char| c.is_whitespace() || ",:;!?()".contains(c))
                .filter(|w| !w.is_empty())
                .any(|w| nicks.get(&w.to_lowercase()).is_some_and(|&a| a != line.author));
            let agree = lin[i].parent == link.parent;
            if !addressed {
                let back = log.lines[link.parent..i].iter().filter(|l| !l.system).count();
                let b = match back {
                    0..=1 => 0,
                    2 => 1,
                    3 => 2,
                    4..=5 => 3,
                    6..=10 => 4,
                    _ => 5,
                };
                let right = gold_parents.iter().any(|&p| p != i && log.lines[p].author == parent_author);
                by_distance[b].links += 1;
                by_distance[b].same_line += usize::from(gold_parents.contains(&link.parent));
                by_distance[b].same_pair += usize::from(right);
                let mut others: Vec<u32> = log.lines[..i]
                    .iter()
                    .rev()
                    .filter(|l| !l.system)
                    .take(10)
                    .map(|l| l.author)
                    .filter(|&a| a != line.author)
                    .collect();
                others.sort_unstable();
                others.dedup();
                let k = match others.len() {
                    0..=2 => 0,
                    3..=4 => 1,
                    5..=6 => 2,
                    _ => 3,
                };
                let b = CONFIDENCE_BINS.iter().rposition(|&lo| sure[i] >= lo).unwrap_or(0);
                let (c, sum) = &mut by_confidence[b];
                c.links += 1;
                c.same_line += usize::from(gold_parents.contains(&link.parent));
                c.same_pair += usize::from(right);
                *sum += f64::from(sure[i]);
                by_crowd[k].links += 1;
                by_crowd[k].same_line += usize::from(gold_parents.contains(&link.parent));
                by_crowd[k].same_pair += usize::from(right);
            }
            let c = &mut counts[usize::from(addressed)][usize::from(agree)];
            c.links += 1;
            c.same_line += usize::from(gold_parents.contains(&link.parent));
            c.same_pair += usize::from(gold_parents.iter().any(|&p| p != i && log.lines[p].author == parent_author));
        }
    }
    println!("{} logs in {dir}", raws.len());
    for (a, name) in [(0, "names nobody"), (1, "names someone present")] {
        let mut all = Count::default();
        for (g, agree) in [(0, "linear stage disagrees"), (1, "linear stage agrees")] {
            let c = &counts[a][g];
            c.show(&format!("{name}, {agree}"));
            all.links += c.links;
            all.same_line += c.same_line;
            all.same_pair += c.same_pair;
        }
        all.show(&format!("{name}, all"));
    }
    for (c, back) in by_distance.iter().zip(["1", "2", "3", "4-5", "6-10", "11+"]) {
        c.show(&format!("names nobody, parent {back} chat lines back"));
    }
    for ((c, sum), lo) in by_confidence.iter().zip(CONFIDENCE_BINS) {
        let mean = if c.links == 0 { 0.0 } else { sum / c.links as f64 };
        c.show(&format!("names nobody, confidence from {lo:.1} (mean {mean:.3})"));
    }
    for (c, crowd) in by_crowd.iter().zip(["1-2", "3-4", "5-6", "7+"]) {
        c.show(&format!("names nobody, {crowd} other people in the 10 chat lines before"));
    }
}
