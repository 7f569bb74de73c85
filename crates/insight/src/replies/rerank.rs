//! The second stage: boosted trees re-rank the linear scorer's best
//! candidates on richer, numeric features (see [`DENSE_NAMES`]).

use super::{Choices, F, FLAG_ANSWER, FLAG_ANYONE, FLAG_GREETING, FLAG_QUESTION, FLAG_THANKS, FLAG_URL, Prep, overlap};

macro_rules! dense {
    ($($name:ident,)*) => {
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy)]
        #[repr(u8)]
        enum D { $($name,)* }
        /// The second stage's features, in column order.
        pub const DENSE_NAMES: &[&str] = &[$(stringify!($name),)*];
    };
}

dense! {
    // the linear stage's verdict
    lin_score,
    lin_margin,
    lin_rank,
    is_self,
    // distance and time
    dist,
    dt,
    gap_before,
    my_since_last,
    // who talks to whom
    same_author,
    addr_cand,
    addr_cand_prefix,
    addr_other,
    my_addresses,
    cand_addr_me,
    cand_addr_me_latest,
    cand_addresses_other,
    same_target,
    partner,
    cand_author_addressed_me,
    answers_to_cand,
    // runs and turns
    cand_run,
    my_run,
    cand_author_msgs,
    my_msgs,
    cand_latest,
    me_between,
    authors_between,
    author_new,
    position,
    // content
    shared_words,
    shared_share,
    shared_rarity,
    shared_with_cand_author,
    cand_words,
    my_words,
    cand_question,
    my_question,
    my_answer_cue,
    my_thanks,
    cand_opener,
    my_opener,
    cand_url,
    my_url,
    // the conversation so far, as the linear stage (or the platform) linked it
    cand_answered_me,
    cand_started,
    cand_children,
    my_prev_parent_is_cand,
    my_prev_parent_author,
}

/// How many columns a candidate row has.
pub const N_DENSE: usize = DENSE_NAMES.len();

/// The candidates the trees see and what the linear stage made of them.
#[derive(Clone, Copy)]
pub(super) struct Shortlist<'a> {
    pub choices: &'a Choices,
    pub scores: &'a [f32],
    pub short: &'a [usize],
}

/// Seconds standing for "never" in time features.
const NEVER: f32 = 1e6;

impl Prep {
    /// The candidates of chat message `i` worth re-ranking, as positions in
    /// `choices`: the new-thread option first, then the `top` best other
    /// candidates by linear score (nearer first on ties).
    pub(super) fn shortlist(choices: &Choices, scores: &[f32], top: usize, out: &mut Vec<usize>) {
        out.clear();
        out.extend(1..choices.len());
        out.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        out.truncate(top);
        out.insert(0, 0);
    }

    /// Appends one row of [`N_DENSE`] values per shortlisted candidate
    /// (`short`, positions in `choices`) of chat message `i`; `scores` are
    /// the linear stage's, `parent_of` the links drawn before `i`.
    pub(super) fn dense(&self, i: usize, window: usize, list: Shortlist, parent_of: &[usize], out: &mut Vec<f32>) {
        let Shortlist { choices, scores, short } = list;
        let fi = &self.facts[i];
        let me = fi.author;
        let pos = self.chat_pos[i];
        let cands = &self.chat[pos.saturating_sub(window)..pos];
        let best = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let gap_before = cands.last().map_or(NEVER, |&j| (fi.time - self.facts[j].time) as f32);
        let my_since_last = cands
            .iter()
            .rev()
            .find(|&&j| self.facts[j].author == me)
            .map_or(NEVER, |&j| (fi.time - self.facts[j].time) as f32);
        let my_run = cands.iter().rev().take_while(|&&j| self.facts[j].author == me).count();
        let my_msgs = cands.iter().filter(|&&j| self.facts[j].author == me).count();
        let my_addresses = fi.addressee.is_some() || !self.mentions(fi).is_empty() || !self.token(i).is_empty();
        let my_words = self.words(fi);
        // my latest message in the window and what it answered
        let my_prev = cands.iter().rev().find(|&&j| self.facts[j].author == me).map(|&j| (j, parent_of[j]));
        let flag = |f: &super::Fact, b: u8| f32::from(u8::from(f.flags & b != 0));
        let (mut used, mut by_author) = (Vec::new(), Vec::new());
        for &k in short {
            let j = choices.index[k];
            let feats = choices.feats(k);
            let has = |f: F| feats.contains(&(f as u8));
            let rank = scores.iter().filter(|&&s| s > scores[k]).count();
            let mut row = [0f32; N_DENSE];
            let mut set = |d: D, v: f32| row[d as usize] = v;
            set(D::lin_score, scores[k]);
            set(D::lin_margin, scores[k] - best);
            set(D::lin_rank, rank as f32);
            set(D::gap_before, gap_before);
            set(D::my_since_last, my_since_last);
            set(D::my_addresses, f32::from(u8::from(my_addresses)));
            set(D::my_run, my_run as f32);
            set(D::my_msgs, my_msgs as f32);
            set(D::author_new, f32::from(u8::from(my_msgs == 0)));
            set(D::position, pos.min(window) as f32);
            set(D::my_words, fi.n_words as f32);
            set(D::my_question, flag(fi, FLAG_QUESTION));
            set(D::my_answer_cue, flag(fi, FLAG_ANSWER));
            set(D::my_thanks, flag(fi, FLAG_THANKS));
            set(D::my_opener, flag(fi, FLAG_GREETING | FLAG_ANYONE));
            set(D::my_url, flag(fi, FLAG_URL));
            if j == i {
                set(D::is_self, 1.0);
                set(D::dt, gap_before);
            } else {
                let fj = &self.facts[j];
                let a = fj.author;
                let back = &self.chat[self.chat_pos[j] + 1..pos];
                set(D::dist, (pos - self.chat_pos[j]) as f32);
                set(D::dt, (fi.time - fj.time) as f32);
                set(D::same_author, f32::from(u8::from(a == me)));
                let b = |f: F| f32::from(u8::from(has(f)));
                set(D::addr_cand, f32::from(u8::from(has(F::addr_cand) || has(F::mention_cand) || has(F::fuzzy_cand))));
                set(D::addr_cand_prefix, b(F::addr_cand));
                set(D::addr_other, f32::from(u8::from(has(F::addr_other) || has(F::mention_other))));
                set(D::cand_addr_me, f32::from(u8::from(has(F::cand_addr_me) || has(F::cand_mention_me))));
                set(D::cand_addr_me_latest, b(F::cand_addr_me_latest));
                set(D::cand_addresses_other, b(F::cand_addresses_other));
                set(D::same_target, b(F::same_target));
                set(D::partner, b(F::partner));
                set(D::cand_author_addressed_me, b(F::cand_author_addressed_me));
                set(D::cand_latest, b(F::cand_latest));
                set(D::me_between, b(F::me_between));
                let answers = back.iter().filter(|&&m| self.mentions(&self.facts[m]).contains(&a)).count();
                set(D::answers_to_cand, answers as f32);
                let run_lo = self.chat_pos[j].saturating_sub(window);
                let run = self.chat[run_lo..=self.chat_pos[j]]
                    .iter()
                    .rev()
                    .take_while(|&&m| self.facts[m].author == a)
                    .count();
                set(D::cand_run, run as f32);
                set(D::cand_author_msgs, cands.iter().filter(|&&m| self.facts[m].author == a).count() as f32);
                // no allocation: the window bounds how many there can be
                let (mut seen, mut n_seen) = ([0u32; 64], 0);
                for &m in back {
                    let x = self.facts[m].author;
                    if x != me && x != a && !seen[..n_seen].contains(&x) && n_seen < seen.len() {
                        seen[n_seen] = x;
                        n_seen += 1;
                    }
                }
                set(D::authors_between, n_seen as f32);
                let cw = self.words(fj);
                let shared = if fi.word_bits & fj.word_bits == 0 { 0 } else { overlap(my_words, cw, usize::MAX) };
                set(D::shared_words, shared as f32);
                let smaller = my_words.len().min(cw.len()).max(1);
                set(D::shared_share, shared as f32 / smaller as f32);
                if shared > 0 {
                    let rare: f32 = my_words
                        .iter()
                        .zip(self.rarity(fi))
                        .filter(|(w, _)| cw.binary_search(w).is_ok())
                        .map(|(_, r)| r)
                        .sum();
                    set(D::shared_rarity, rare);
                }
                // the candidate's author's whole recent talk, not one line:
                // my words any of their messages in the window holds
                // (once per author: the shortlist often holds several of theirs)
                let with_author = match by_author.iter().find(|&&(x, _)| x == a) {
                    Some(&(_, n)) => n,
                    None => {
                        used.clear();
                        used.resize(my_words.len(), false);
                        for &m in cands {
                            let fm = &self.facts[m];
                            if fm.author == a && fi.word_bits & fm.word_bits != 0 {
                                mark_shared(my_words, self.words(fm), &mut used);
                            }
                        }
                        let n = used.iter().filter(|&&u| u).count();
                        by_author.push((a, n));
                        n
                    }
                };
                set(D::shared_with_cand_author, with_author as f32);
                set(D::cand_words, fj.n_words as f32);
                set(D::cand_question, flag(fj, FLAG_QUESTION));
                set(D::cand_opener, flag(fj, FLAG_GREETING | FLAG_ANYONE));
                set(D::cand_url, flag(fj, FLAG_URL));
                let pj = parent_of[j];
                set(D::cand_started, f32::from(u8::from(pj == j)));
                set(D::cand_answered_me, f32::from(u8::from(pj != j && self.facts[pj].author == me)));
                set(D::cand_children, back.iter().filter(|&&m| parent_of[m] == j).count() as f32);
                if let Some((m, pm)) = my_prev {
                    set(D::my_prev_parent_is_cand, f32::from(u8::from(pm == j)));
                    set(D::my_prev_parent_author, f32::from(u8::from(pm != m && self.facts[pm].author == a)));
                }
            }
            out.extend_from_slice(&row);
        }
    }
}

/// Marks in `used` the words of `mine` that `theirs` holds (both sorted and
/// deduplicated, as [`Prep::words`] gives them).
fn mark_shared(mine: &[u64], theirs: &[u64], used: &mut [bool]) {
    let (mut i, mut j) = (0, 0);
    while i < mine.len() && j < theirs.len() {
        let (x, y) = (mine[i], theirs[j]);
        used[i] |= x == y;
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
}
