//! Scoring predicted reply links against human annotations.
//!
//! The metric is the link metric of Kummerfeld et al. (ACL 2019,
//! `tools/evaluation/graph-eval.py`): the gold set is every annotated
//! `(child, parent)` pair, self-links (a line that starts a conversation)
//! included; the predicted set is every predicted pair whose child is an
//! annotated line. A line with several gold parents contributes one gold pair
//! per parent; the model predicts one parent per line, so such a line can add at
//! most one match. Precision = matched / predicted, recall = matched / gold.

use super::{IrcLog, Link, Message, Source, infer, parse_annotation};
use std::collections::HashSet;

/// Counts behind a link precision / recall / F1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkScore {
    /// Gold `(child, parent)` pairs.
    pub gold: usize,
    /// Predicted pairs whose child is annotated.
    pub predicted: usize,
    /// Predicted pairs that are gold pairs.
    pub matched: usize,
}

impl LinkScore {
    /// Scores predicted links against gold `(child, parent)` pairs. Only the
    /// children that appear in `gold` are scored.
    pub fn of(gold: &[(usize, usize)], links: &[Link]) -> LinkScore {
        let gold_set: HashSet<(usize, usize)> = gold.iter().copied().collect();
        let children: HashSet<usize> = gold.iter().map(|&(c, _)| c).collect();
        let mut s = LinkScore { gold: gold_set.len(), ..LinkScore::default() };
        for &c in &children {
            if let Some(l) = links.get(c) {
                s.predicted += 1;
                s.matched += usize::from(gold_set.contains(&(c, l.parent)));
            }
        }
        s
    }

    /// Adds another file's counts (micro-averaging, as the paper does).
    pub fn add(&mut self, other: LinkScore) {
        self.gold += other.gold;
        self.predicted += other.predicted;
        self.matched += other.matched;
    }

    /// matched / predicted (0 when nothing was predicted).
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.predicted)
    }

    /// matched / gold (0 when there is no gold link).
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.gold)
    }

    /// Harmonic mean of precision and recall (0 when either is 0).
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// The evaluation of reply inference over a set of annotated logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// Log files read.
    pub files: usize,
    /// Lines with at least one gold link (the scored lines).
    pub annotated_lines: usize,
    /// The model ([`super::infer`]).
    pub model: LinkScore,
    /// The "previous message" baseline ([`previous_message`]).
    pub previous: LinkScore,
}

/// Scores the shipped model and the baseline on IRC logs given as
/// `(raw log text, annotation text)` pairs (see [`super::IrcLog`] and
/// [`super::parse_annotation`]); scores add up over files (micro average).
pub fn evaluate<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Evaluation {
    let mut e = Evaluation::default();
    for (raw, annotation) in files {
        let log = IrcLog::parse(raw);
        let gold = parse_annotation(annotation);
        let messages = log.messages();
        e.files += 1;
        e.annotated_lines += gold.iter().map(|&(c, _)| c).collect::<HashSet<_>>().len();
        e.model.add(LinkScore::of(&gold, &infer(&messages)));
        e.previous.add(LinkScore::of(&gold, &previous_message(&messages)));
    }
    e
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The "reply to the previous message" baseline: every chat message answers
/// the chat message just before it (the first one starts a thread); system
/// messages start their own.
pub fn previous_message(messages: &[Message]) -> Vec<Link> {
    let mut last = None;
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if m.system {
                return Link { parent: i, source: Source::System };
            }
            let parent = last.unwrap_or(i);
            last = Some(i);
            Link { parent, source: Source::Inferred }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_parent_gold_counts_each_pair() {
        let link = |parent| Link { parent, source: Source::Inferred };
        // line 2 has two gold parents; line 3 starts a thread
        let gold = [(2, 0), (2, 1), (3, 3)];
        let s = LinkScore::of(&gold, &[link(0), link(0), link(1), link(2)]);
        assert_eq!(s, LinkScore { gold: 3, predicted: 2, matched: 1 });
        assert_eq!(s.precision(), 0.5);
        assert!((s.recall() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn baseline_skips_system_lines() {
        let m = [Message::chat(0, 0, "a", "x"), Message::system(0, 1, "b"), Message::chat(0, 1, "b", "y")];
        let p: Vec<usize> = previous_message(&m).iter().map(|l| l.parent).collect();
        assert_eq!(p, [0, 1, 0]);
    }
}
