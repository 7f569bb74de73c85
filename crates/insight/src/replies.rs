//! Reply inference: which earlier message does each message answer?
//!
//! The interaction graph (DESIGN.md §5) draws an edge from a message's author
//! to the author of the message it answers. Platforms with reply data say so
//! (Telegram, Discord and Slack replies, WeChat quotes, resolved @mentions);
//! IRC, Gitter, WhatsApp and most WeChat talk do not, and about half of real
//! replies name nobody. This module fills that gap.
//!
//! # What it does
//!
//! [`infer`] takes one channel's messages in order and returns one [`Link`]
//! per message: the earlier message it answers, or itself when it starts a new
//! thread. A message's own platform data always wins:
//!
//! 1. a system message (join, leave, rename) starts its own thread
//!    ([`Source::System`]);
//! 2. an explicit reply links to the message it quotes ([`Source::Explicit`]);
//! 3. a message with resolved @mentions but no reply links to the latest
//!    message of the first member it mentions within the window, or starts a
//!    thread if that member said nothing there ([`Source::Mention`]);
//! 4. only a message with neither is inferred ([`Source::Inferred`]).
//!
//! # The model
//!
//! Two stages. First a linear scorer over candidates, trained as a softmax
//! ("which of these is the parent?"), as in the linear model of Kummerfeld
//! et al. (ACL 2019). For each message the candidates are the previous
//! [`WINDOW`] chat messages plus the message itself (= new thread); each
//! candidate gets a set of binary features, its score is the sum of their
//! weights ([`Model::weights`]). Features ([`FEATURE_NAMES`] lists them all):
//!
//! - distance to the candidate in messages and in time (binned);
//! - addressing: the message names the candidate's author (`nick:` prefix,
//!   anywhere in the text, a shortened `nic:` prefix), names somebody else, or
//!   the candidate named this message's author; whether the candidate is that
//!   author's latest message; the two authors' exchanges within the window;
//! - continuation: same author, and whether the candidate is the author's
//!   previous message;
//! - content: candidate is a question, shared content words (CJK text counts
//!   character pairs), greetings and "anyone…?" openers;
//! - the new-thread option: whether the message addresses anybody, the silence
//!   before it, whether its author spoke in the window or was addressed there.
//!
//! Then boosted regression trees ([`Model::forest`], fitted by the `gbdt`
//! module with the same softmax loss) re-rank the new-thread option and the
//! linear stage's [`Model::top`] best earlier messages on numeric features
//! ([`DENSE_NAMES`]): the linear score, raw gaps in messages and seconds,
//! same-speaker runs, answers the candidate already got, shared words with
//! their rarity in the channel, question / answer / thanks cues, and the
//! links the linear stage drew so far. The highest tree score wins.
//!
//! Cost: linear in messages × window; memory: a few words per message plus
//! the content-word hashes. The model is the text file `replies/model.txt`
//! (compiled in), written by `cargo run --release -p tonghao-insight
//! --example train_replies -- DATA/replies --write ...` from the annotated
//! Ubuntu IRC data (see docs/insight.md for the procedure and the measured
//! precision, recall and F1).

mod eval;
mod gbdt;
mod irc;
mod rerank;

pub use eval::{Evaluation, LinkScore, evaluate, previous_message};
pub use gbdt::{BoostOptions, Forest};
pub use irc::{IrcLine, IrcLog, parse_annotation};
use rerank::Shortlist;
pub use rerank::{DENSE_NAMES, N_DENSE};

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a as a `HashMap` hasher: the keys are short names and small ids.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        self.0 = bytes.iter().fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    }
}

type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// One message of a channel, as the inference reads it.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// When it was sent, in seconds (any epoch; only differences matter).
    /// Millisecond clocks: divide by 1000.
    pub time: i64,
    /// Who sent it: a small integer, stable across renames.
    pub author: u32,
    /// The sender's display name at that time (how others address them).
    pub name: &'a str,
    /// What was said.
    pub text: &'a str,
    /// A join, leave, rename or other notice: never a parent, never a reply.
    pub system: bool,
    /// The platform's explicit reply: the index of the earlier message quoted.
    pub reply_to: Option<usize>,
    /// Members the platform says this message @mentions.
    pub mentions: &'a [u32],
}

impl<'a> Message<'a> {
    /// A chat message without explicit reply or mentions.
    pub fn chat(time: i64, author: u32, name: &'a str, text: &'a str) -> Self {
        Message { time, author, name, text, system: false, reply_to: None, mentions: &[] }
    }

    /// A system message (join, leave, rename) by or about `author`.
    pub fn system(time: i64, author: u32, name: &'a str) -> Self {
        Message { time, author, name, text: "", system: true, reply_to: None, mentions: &[] }
    }

    /// The same message, as an explicit reply to message `parent`.
    pub fn with_reply_to(self, parent: usize) -> Self {
        Message { reply_to: Some(parent), ..self }
    }

    /// The same message, with the members the platform says it mentions.
    pub fn with_mentions(self, mentions: &'a [u32]) -> Self {
        Message { mentions, ..self }
    }
}

/// Where a link comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A system message: its own thread.
    System,
    /// The platform's explicit reply.
    Explicit,
    /// The platform's @mention, resolved to the mentioned member's latest message.
    Mention,
    /// Inferred by the model.
    Inferred,
}

/// What a message answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// The index of the message answered; the message's own index when it
    /// starts a new thread.
    pub parent: usize,
    /// Why.
    pub source: Source,
}

/// How many earlier chat messages are candidates (system messages not counted).
pub const WINDOW: usize = 50;

/// Infers every message's parent with the shipped model ([`Model::shipped`]).
pub fn infer(messages: &[Message]) -> Vec<Link> {
    Model::shipped().infer(messages)
}

/// The reply scorer: a linear stage over every candidate, then boosted trees
/// that re-rank the linear stage's best few (none: linear only).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// One weight per feature, in the order of [`FEATURE_NAMES`].
    pub weights: Vec<f32>,
    /// How many earlier chat messages are candidates.
    pub window: usize,
    /// How many of the linear stage's best earlier messages the trees see
    /// (besides the new-thread option).
    pub top: usize,
    /// The linear stage decides alone when its best candidate's score leads
    /// the runner-up's by more than this (infinity: the trees always look).
    /// Where the linear stage is that sure, the trees almost never disagree,
    /// and skipping them saves their cost on those messages.
    pub lead: f32,
    /// The trees over [`DENSE_NAMES`]; empty: the linear stage decides.
    pub forest: Forest,
}

/// The shipped model as text: written by [`Model::write`] from the training
/// run (`examples/train_replies.rs`).
pub const SHIPPED: &str = include_str!("replies/model.txt");

impl Model {
    /// The shipped model, read once from [`SHIPPED`].
    pub fn shipped() -> &'static Model {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| Model::read(SHIPPED).unwrap_or_else(|e| panic!("the shipped reply model: {e}")))
    }

    /// A linear-only model.
    pub fn linear(weights: Vec<f32>, window: usize) -> Model {
        Model { weights, window, top: 0, lead: f32::INFINITY, forest: Forest::default() }
    }

    /// One link per message (see the module docs for the order of sources).
    pub fn infer(&self, messages: &[Message]) -> Vec<Link> {
        self.infer_scored(messages).0
    }

    /// [`Model::infer`], and for each link how sure the model is of it: for
    /// an inferred link, the softmax probability that the stage which chose
    /// it gave its choice (the trees' over their shortlist, or, where the
    /// linear stage decided alone, the linear stage's over every candidate);
    /// 1 for a link the platform recorded (explicit, mention, system).
    /// Both stages were fitted with a softmax loss, so this is the model's
    /// own estimate; on the annotated IRC logs it matches how often the
    /// links are right, fitted and held out alike (docs/ops.md, "Split";
    /// `tests/replies_dev.rs`), on the simulator's template replies it does
    /// not (docs/insight.md, "Limits").
    pub fn infer_scored(&self, messages: &[Message]) -> (Vec<Link>, Vec<f32>) {
        assert_eq!(self.weights.len(), N_FEATURES, "one weight per feature");
        let prep = Prep::new(messages);
        let mut choices = Choices::default();
        let mut scratch = Scratch::default();
        let (mut scores, mut short) = (Vec::new(), Vec::new());
        // what each message answers by the platform or the linear stage: the
        // trees read the conversation so far through it
        let mut parent_of = Vec::with_capacity(messages.len());
        let mut links = Vec::with_capacity(messages.len());
        let mut sure = Vec::with_capacity(messages.len());
        let mut trees = TreeQueue::default();
        for (i, m) in messages.iter().enumerate() {
            let mut p = 1.0;
            let link = if m.system {
                Link { parent: i, source: Source::System }
            } else if let Some(r) = m.reply_to.filter(|&r| r < i) {
                Link { parent: r, source: Source::Explicit }
            } else if let Some(&who) = m.mentions.iter().find(|&&a| a != m.author) {
                let lo = prep.chat_pos[i].saturating_sub(self.window);
                let parent = prep.chat[lo..prep.chat_pos[i]]
                    .iter()
                    .rev()
                    .find(|&&j| messages[j].author == who)
                    .copied()
                    .unwrap_or(i);
                Link { parent, source: Source::Mention }
            } else {
                prep.choices(i, self.window, &mut choices, &mut scratch);
                let k = if self.forest.is_empty() {
                    let best = choices.best(&self.weights);
                    scores.clear();
                    scores.extend((0..choices.len()).map(|k| choices.score(k, &self.weights)));
                    p = softmax_at(&scores, best);
                    best
                } else {
                    scores.clear();
                    scores.extend((0..choices.len()).map(|k| choices.score(k, &self.weights)));
                    let best = first_max(&scores);
                    parent_of.push(choices.index[best]);
                    let runner_up = scores
                        .iter()
                        .enumerate()
                        .filter(|&(k, _)| k != best)
                        .fold(f32::NEG_INFINITY, |m, (_, &s)| m.max(s));
                    if scores[best] - runner_up <= self.lead {
                        Prep::shortlist(&choices, &scores, self.top, &mut short);
                        let list = Shortlist { choices: &choices, scores: &scores, short: &short };
                        prep.dense(i, self.window, list, &parent_of, &mut trees.rows);
                        trees.push(i, short.iter().map(|&k| choices.index[k]));
                    } else {
                        p = softmax_at(&scores, best);
                    }
                    best
                };
                Link { parent: choices.index[k], source: Source::Inferred }
            };
            if parent_of.len() == i {
                parent_of.push(link.parent);
            }
            links.push(link);
            sure.push(p);
            if trees.rows.len() >= TreeQueue::ROWS * N_DENSE {
                trees.decide(&self.forest, &mut links, &mut sure);
            }
        }
        trees.decide(&self.forest, &mut links, &mut sure);
        (links, sure)
    }

    /// The model as text: a header, one `name weight` line per linear
    /// feature, the dense feature names, then one line per tree.
    pub fn write(&self) -> String {
        let mut out = format!("tonghao-replies 2\nwindow {}\nlinear {}\n", self.window, self.weights.len());
        for (name, w) in FEATURE_NAMES.iter().zip(&self.weights) {
            out.push_str(&format!("{name} {w:?}\n"));
        }
        out.push_str(&format!("top {}\nlead {:?}\ndense {}\n", self.top, self.lead, DENSE_NAMES.join(" ")));
        out.push_str(&format!("trees {}\n", self.forest.len()));
        self.forest.write(&mut out);
        out
    }

    /// Reads what [`Model::write`] wrote; the feature names must be the ones
    /// this code computes, in the same order.
    pub fn read(text: &str) -> Result<Model, String> {
        let mut lines = text.lines();
        let mut field = |key: &str| -> Result<String, String> {
            let line = lines.next().ok_or(format!("ends before {key}"))?;
            line.strip_prefix(key)
                .and_then(|r| r.strip_prefix(' '))
                .map(str::to_string)
                .ok_or(format!("expected {key:?}, found {line:?}"))
        };
        if field("tonghao-replies")? != "2" {
            return Err("unknown version".into());
        }
        let num = |v: String| v.parse::<usize>().map_err(|e| format!("{v:?}: {e}"));
        let window = num(field("window")?)?;
        let n = num(field("linear")?)?;
        if n != N_FEATURES {
            return Err(format!("{n} linear weights, the code has {N_FEATURES} features"));
        }
        let mut weights = Vec::with_capacity(n);
        for name in FEATURE_NAMES {
            let v = field(name)?;
            weights.push(v.parse().map_err(|e| format!("{name} {v:?}: {e}"))?);
        }
        let top = num(field("top")?)?;
        let lead = field("lead")?;
        let lead: f32 = lead.parse().map_err(|e| format!("lead {lead:?}: {e}"))?;
        if field("dense")? != DENSE_NAMES.join(" ") {
            return Err("the dense feature names differ from the code's".into());
        }
        let trees = num(field("trees")?)?;
        let forest = Forest::read(lines.by_ref().take(trees), N_DENSE)?;
        if forest.len() != trees {
            return Err(format!("{} trees, the header says {trees}", forest.len()));
        }
        Ok(Model { weights, window, top, lead, forest })
    }
}

// ---------------------------------------------------------------------------
// Features

macro_rules! features {
    ($($name:ident,)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy)]
        #[repr(u8)]
        enum F { $($name,)* }
        /// The model's features, in weight order (see the module docs).
        pub const FEATURE_NAMES: &[&str] = &[$(stringify!($name),)*];
    };
}

features! {
    // the new-thread option (the message itself)
    self_bias,
    self_addresses,
    self_mentions,
    self_unresolved_address,
    self_question,
    self_greeting,
    self_anyone,
    self_author_new,
    self_author_addressed,
    self_short,
    self_long,
    self_gap_1m,
    self_gap_2m,
    self_gap_5m,
    self_gap_15m,
    self_gap_more,
    self_gap_none,
    // an earlier message as the parent
    dist_1,
    dist_2,
    dist_3,
    dist_4,
    dist_5,
    dist_6_7,
    dist_8_10,
    dist_11_15,
    dist_16_25,
    dist_26_40,
    dist_41_more,
    dt_1m,
    dt_2m,
    dt_5m,
    dt_10m,
    dt_30m,
    dt_more,
    addr_cand,
    addr_cand_latest,
    mention_cand,
    mention_cand_latest,
    fuzzy_cand,
    fuzzy_cand_latest,
    addr_other,
    mention_other,
    cand_addr_me,
    cand_addr_me_latest,
    cand_mention_me,
    exchange,
    same_author,
    same_author_latest,
    same_author_latest_1m,
    same_author_addr,
    partner,
    cand_author_addressed_me,
    i_addressed_cand_author,
    cand_question,
    cand_question_unaddressed,
    both_questions,
    cand_addresses,
    cand_addresses_other,
    same_target,
    overlap_1,
    overlap_2,
    overlap_3,
    cand_latest,
    me_between,
    cand_greeting,
    cand_anyone,
}

/// How many features the model has.
pub const N_FEATURES: usize = FEATURE_NAMES.len();

const FLAG_QUESTION: u8 = 1;
const FLAG_GREETING: u8 = 2;
const FLAG_ANYONE: u8 = 4;
const FLAG_SHORT: u8 = 8;
const FLAG_LONG: u8 = 16;
/// Opens like an answer ("yes", "try", "you" …).
const FLAG_ANSWER: u8 = 32;
/// Thanks someone.
const FLAG_THANKS: u8 = 64;
/// Carries a link.
const FLAG_URL: u8 = 128;

/// Per-message facts computed once, in one forward pass.
#[derive(Default)]
struct Prep {
    /// Indices of the chat (non-system) messages.
    chat: Vec<usize>,
    /// For each message, how many chat messages precede it.
    chat_pos: Vec<usize>,
    /// What a candidate needs, one per message, packed together.
    facts: Vec<Fact>,
    /// Members named anywhere (flat, by [`Fact::mention_start`]).
    mentions: Vec<u32>,
    /// A `xyz:` prefix naming no known member, normalised (flat, by `token_off`).
    tokens: String,
    token_off: Vec<u32>,
    /// The author's display name, normalised (flat, by `name_off`).
    names: String,
    name_off: Vec<u32>,
    /// Sorted content-word hashes (flat, by [`Fact::word_start`]).
    words: Vec<u64>,
    /// How rare each of those words was in the channel when the message was
    /// sent: ln((chat messages so far + 1) / (those with the word + 1)).
    rarity: Vec<f32>,
    /// The member the author addressed last before this message.
    author_last_addressee: Vec<Option<u32>>,
}

/// Per-message facts a candidate is scored on.
#[derive(Clone, Copy)]
struct Fact {
    time: i64,
    /// One bit per content word (`hash % 64`): a quick "no shared word" test.
    word_bits: u64,
    author: u32,
    /// The member the message is addressed to (`nick:` prefix or first mention).
    addressee: Option<u32>,
    /// The author's next chat message (`u32::MAX`: none).
    next_same: u32,
    mention_start: u32,
    word_start: u32,
    word_len: u16,
    mention_len: u8,
    flags: u8,
    /// Words in the text, up to 65,535.
    n_words: u16,
}

impl Prep {
    fn new(messages: &[Message]) -> Prep {
        let n = messages.len();
        let mut p = Prep {
            chat_pos: Vec::with_capacity(n),
            facts: Vec::with_capacity(n),
            author_last_addressee: Vec::with_capacity(n),
            ..Prep::default()
        };
        p.token_off.push(0);
        p.name_off.push(0);
        let mut known: Map<String, u32> = Map::default();
        let mut last_addressee: Map<u32, u32> = Map::default();
        let mut last_by: Map<u32, usize> = Map::default();
        let mut seen_in: Map<u64, u32> = Map::default();
        let mut lower = String::new();
        let mut words = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            p.chat_pos.push(p.chat.len());
            if !m.name.is_empty() {
                lowercase_into(m.name, &mut lower);
                if known.get(&lower) != Some(&m.author) {
                    known.insert(lower.clone(), m.author);
                }
            }
            normalise_into(m.name, &mut p.names);
            p.name_off.push(p.names.len() as u32);
            p.author_last_addressee.push(last_addressee.get(&m.author).copied());
            let start = p.mentions.len();
            let mut addressee = None;
            let mut flags = 0;
            let mut n_words = 0usize;
            words.clear();
            if !m.system {
                p.chat.push(i);
                if let Some(prev) = last_by.insert(m.author, i) {
                    p.facts[prev].next_same = i as u32;
                }
                p.mentions.extend(m.mentions.iter().copied().filter(|&a| a != m.author));
                addressee = m.mentions.first().copied().filter(|&a| a != m.author);
                let text = m.text;
                // the first word: `nick:`, `nick,`, `@nick` or a bare nick
                if let Some(first) = text.split_whitespace().next() {
                    let first = first.trim_start_matches('@');
                    let (head, colon) = match first.find([':', ',']) {
                        Some(k) if k > 0 && !first[k..].starts_with("://") => (&first[..k], true),
                        _ => (first.trim_end_matches(TRAILING), false),
                    };
                    lowercase_into(head, &mut lower);
                    match known.get(&lower) {
                        Some(&a) if a != m.author && (colon || nameish(&lower)) => {
                            addressee = addressee.or(Some(a));
                            p.mentions.push(a);
                        }
                        _ if colon && head.chars().count() >= 2 => {
                            normalise_into(head, &mut p.tokens);
                        }
                        _ => {}
                    }
                }
                for (k, raw) in text.split_whitespace().enumerate() {
                    n_words += 1;
                    lowercase_into(raw.trim_start_matches('@').trim_end_matches(TRAILING), &mut lower);
                    let w = lower.as_str();
                    if k == 0 && listed(&GREET, w) {
                        flags |= FLAG_GREETING;
                    }
                    if k == 0 && listed(&ANSWER_CUE, w) {
                        flags |= FLAG_ANSWER;
                    }
                    if listed(&THANK, w) {
                        flags |= FLAG_THANKS;
                    }
                    if listed(&CALL, w) {
                        flags |= FLAG_ANYONE;
                    }
                    if k > 0
                        && let Some(&a) = known.get(w)
                        && a != m.author
                        && nameish(w)
                    {
                        p.mentions.push(a);
                    }
                }
                if text.contains('?') || text.contains('？') {
                    flags |= FLAG_QUESTION;
                }
                if text.contains("http") || text.contains("www.") {
                    flags |= FLAG_URL;
                }
                if n_words <= 3 {
                    flags |= FLAG_SHORT;
                }
                if n_words > 20 {
                    flags |= FLAG_LONG;
                }
                content_words(text, &known, &mut words);
                if let Some(a) = addressee {
                    last_addressee.insert(m.author, a);
                }
            }
            let mentioned = &mut p.mentions[start..];
            mentioned.sort_unstable();
            let mut kept = start;
            for k in start..p.mentions.len() {
                if k == start || p.mentions[k] != p.mentions[kept - 1] {
                    p.mentions[kept] = p.mentions[k];
                    kept += 1;
                }
            }
            // at most 255 mentions and 65,535 content words a message
            p.mentions.truncate(kept.min(start + u8::MAX as usize));
            p.token_off.push(p.tokens.len() as u32);
            words.sort_unstable();
            words.dedup();
            words.truncate(u16::MAX as usize);
            p.facts.push(Fact {
                time: m.time,
                word_bits: words.iter().fold(0, |b, h| b | 1 << (h % 64)),
                author: m.author,
                addressee,
                next_same: u32::MAX,
                mention_start: start as u32,
                word_start: p.words.len() as u32,
                word_len: words.len() as u16,
                mention_len: (p.mentions.len() - start) as u8,
                flags,
                n_words: n_words.min(u16::MAX as usize) as u16,
            });
            p.words.extend_from_slice(&words);
            let so_far = p.chat.len() as f32;
            for w in &words {
                let n = seen_in.entry(*w).or_insert(0);
                p.rarity.push(((so_far + 1.0) / (*n as f32 + 1.0)).ln());
                *n += 1;
            }
        }
        p
    }

    fn mentions(&self, f: &Fact) -> &[u32] {
        let start = f.mention_start as usize;
        &self.mentions[start..start + f.mention_len as usize]
    }

    fn token(&self, i: usize) -> &str {
        &self.tokens[self.token_off[i] as usize..self.token_off[i + 1] as usize]
    }

    fn name(&self, i: usize) -> &str {
        &self.names[self.name_off[i] as usize..self.name_off[i + 1] as usize]
    }

    fn words(&self, f: &Fact) -> &[u64] {
        let start = f.word_start as usize;
        &self.words[start..start + f.word_len as usize]
    }

    fn rarity(&self, f: &Fact) -> &[f32] {
        let start = f.word_start as usize;
        &self.rarity[start..start + f.word_len as usize]
    }

    /// The candidates for chat message `i` and their features; candidate 0
    /// is `i` itself (a new thread).
    fn choices(&self, i: usize, window: usize, out: &mut Choices, s: &mut Scratch) {
        out.clear();
        let fi = &self.facts[i];
        let me = fi.author;
        let pos = self.chat_pos[i];
        let cands = &self.chat[pos.saturating_sub(window)..pos];
        let addressee = fi.addressee;
        let mentions = self.mentions(fi);
        let my_words = self.words(fi);
        let token = self.token(i);
        let question = fi.flags & FLAG_QUESTION != 0;

        // who in the window addressed me, whom did I address, did I speak
        s.addressed_me.clear();
        s.i_addressed.clear();
        let mut me_spoke = false;
        for &j in cands {
            let fj = &self.facts[j];
            let a = fj.author;
            if a == me {
                me_spoke = true;
                if let Some(x) = fj.addressee
                    && !s.i_addressed.contains(&x)
                {
                    s.i_addressed.push(x);
                }
            } else if self.mentions(fj).contains(&me) && !s.addressed_me.contains(&a) {
                s.addressed_me.push(a);
            }
        }

        // the new-thread option
        out.start(i);
        out.push(F::self_bias);
        if addressee.is_some() {
            out.push(F::self_addresses);
        } else if !mentions.is_empty() {
            out.push(F::self_mentions);
        } else if !token.is_empty() {
            out.push(F::self_unresolved_address);
        }
        if question {
            out.push(F::self_question);
        }
        if fi.flags & FLAG_GREETING != 0 {
            out.push(F::self_greeting);
        }
        if fi.flags & FLAG_ANYONE != 0 {
            out.push(F::self_anyone);
        }
        if !me_spoke {
            out.push(F::self_author_new);
        }
        if !s.addressed_me.is_empty() {
            out.push(F::self_author_addressed);
        }
        if fi.flags & FLAG_SHORT != 0 {
            out.push(F::self_short);
        }
        if fi.flags & FLAG_LONG != 0 {
            out.push(F::self_long);
        }
        out.push(match cands.last() {
            None => F::self_gap_none,
            Some(&j) => match fi.time - self.facts[j].time {
                ..60 => F::self_gap_1m,
                60..120 => F::self_gap_2m,
                120..300 => F::self_gap_5m,
                300..900 => F::self_gap_15m,
                _ => F::self_gap_more,
            },
        });
        out.finish();

        // the earlier messages, nearest first
        let mut found_addr_me = false;
        let mut between = false;
        for (d, &j) in cands.iter().rev().enumerate() {
            let d = d + 1;
            let fj = &self.facts[j];
            let a = fj.author;
            let dt = fi.time - fj.time;
            let latest = fj.next_same as usize >= i;
            out.start(j);
            out.push(match d {
                1 => F::dist_1,
                2 => F::dist_2,
                3 => F::dist_3,
                4 => F::dist_4,
                5 => F::dist_5,
                6..=7 => F::dist_6_7,
                8..=10 => F::dist_8_10,
                11..=15 => F::dist_11_15,
                16..=25 => F::dist_16_25,
                26..=40 => F::dist_26_40,
                _ => F::dist_41_more,
            });
            out.push(match dt {
                ..60 => F::dt_1m,
                60..120 => F::dt_2m,
                120..300 => F::dt_5m,
                300..600 => F::dt_10m,
                600..1800 => F::dt_30m,
                _ => F::dt_more,
            });
            if latest {
                out.push(F::cand_latest);
            }
            let cand_addressee = fj.addressee;
            let cand_mentions = self.mentions(fj);
            if a == me {
                out.push(F::same_author);
                if latest {
                    out.push(F::same_author_latest);
                    if dt < 60 {
                        out.push(F::same_author_latest_1m);
                    }
                }
                if addressee.is_some() {
                    out.push(F::same_author_addr);
                }
            } else {
                if addressee == Some(a) {
                    out.push(F::addr_cand);
                    if latest {
                        out.push(F::addr_cand_latest);
                    }
                } else if mentions.contains(&a) {
                    out.push(F::mention_cand);
                    if latest {
                        out.push(F::mention_cand_latest);
                    }
                } else if addressee.is_some() {
                    out.push(F::addr_other);
                } else if !mentions.is_empty() {
                    out.push(F::mention_other);
                } else if !token.is_empty() && fuzzy(token, self.name(j)) {
                    out.push(F::fuzzy_cand);
                    if latest {
                        out.push(F::fuzzy_cand_latest);
                    }
                }
                if cand_addressee == Some(me) {
                    out.push(F::cand_addr_me);
                    if !found_addr_me {
                        out.push(F::cand_addr_me_latest);
                    }
                    if addressee == Some(a) {
                        out.push(F::exchange);
                    }
                } else if cand_mentions.contains(&me) {
                    out.push(F::cand_mention_me);
                }
                if self.author_last_addressee[i] == Some(a) {
                    out.push(F::partner);
                }
                if s.addressed_me.contains(&a) {
                    out.push(F::cand_author_addressed_me);
                }
                if s.i_addressed.contains(&a) {
                    out.push(F::i_addressed_cand_author);
                }
            }
            if cand_mentions.contains(&me) {
                found_addr_me = true;
            }
            if fj.flags & FLAG_QUESTION != 0 {
                out.push(F::cand_question);
                if addressee.is_none() && mentions.is_empty() {
                    out.push(F::cand_question_unaddressed);
                }
                if question {
                    out.push(F::both_questions);
                }
            }
            if let Some(x) = cand_addressee {
                out.push(F::cand_addresses);
                if x != me {
                    out.push(F::cand_addresses_other);
                }
                if addressee == Some(x) {
                    out.push(F::same_target);
                }
            }
            let shared = if fi.word_bits & fj.word_bits == 0 { 0 } else { overlap(my_words, self.words(fj), 3) };
            match shared {
                0 => {}
                1 => out.push(F::overlap_1),
                2 => out.push(F::overlap_2),
                _ => out.push(F::overlap_3),
            }
            if between {
                out.push(F::me_between);
            }
            if fj.flags & FLAG_GREETING != 0 {
                out.push(F::cand_greeting);
            }
            if fj.flags & FLAG_ANYONE != 0 {
                out.push(F::cand_anyone);
            }
            out.finish();
            if a == me {
                between = true;
            }
        }
    }
}

/// Reusable buffers for [`Prep::choices`].
#[derive(Default)]
struct Scratch {
    addressed_me: Vec<u32>,
    i_addressed: Vec<u32>,
}

/// The candidates of one message: their indices and active features.
#[derive(Default)]
struct Choices {
    index: Vec<usize>,
    off: Vec<usize>,
    feats: Vec<u8>,
}

impl Choices {
    fn clear(&mut self) {
        self.index.clear();
        self.feats.clear();
        self.off.clear();
        self.off.push(0);
    }

    fn start(&mut self, index: usize) {
        self.index.push(index);
    }

    fn push(&mut self, f: F) {
        self.feats.push(f as u8);
    }

    fn finish(&mut self) {
        self.off.push(self.feats.len());
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn feats(&self, k: usize) -> &[u8] {
        &self.feats[self.off[k]..self.off[k + 1]]
    }

    fn score(&self, k: usize, w: &[f32]) -> f32 {
        self.feats(k).iter().map(|&f| w[f as usize]).sum()
    }

    /// The highest-scoring candidate (the nearest on ties, new thread first).
    fn best(&self, w: &[f32]) -> usize {
        let mut best = (0, f32::NEG_INFINITY);
        for k in 0..self.len() {
            let s = self.score(k, w);
            if s > best.1 {
                best = (k, s);
            }
        }
        best.0
    }
}

// ---------------------------------------------------------------------------
// Text

const TRAILING: &[char] = &[':', ',', '.', '!', '?', ';', '\'', '"', ')', '>', '？', '，', '：', '。'];

/// Words too common to tell threads apart.
const STOPWORDS: &[&str] = &[
    "about",
    "all",
    "also",
    "and",
    "any",
    "anyone",
    "are",
    "because",
    "been",
    "but",
    "can",
    "can't",
    "could",
    "did",
    "didn",
    "does",
    "doesn",
    "don't",
    "dont",
    "for",
    "from",
    "get",
    "got",
    "had",
    "has",
    "have",
    "hello",
    "help",
    "here",
    "how",
    "i'm",
    "into",
    "isn",
    "it's",
    "its",
    "just",
    "know",
    "like",
    "lol",
    "make",
    "more",
    "need",
    "not",
    "now",
    "okay",
    "one",
    "only",
    "out",
    "please",
    "problem",
    "really",
    "see",
    "should",
    "some",
    "something",
    "still",
    "sure",
    "than",
    "thank",
    "thanks",
    "that",
    "that's",
    "the",
    "their",
    "them",
    "then",
    "there",
    "there's",
    "they",
    "think",
    "this",
    "too",
    "try",
    "ubuntu",
    "use",
    "want",
    "was",
    "way",
    "well",
    "what",
    "what's",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "work",
    "working",
    "works",
    "would",
    "yeah",
    "yes",
    "you",
    "your",
];

const GREETINGS: &[&str] =
    &["evening", "greetings", "hello", "hey", "heya", "hi", "hiya", "howdy", "morning", "yo", "你好", "大家好"];

const ANYONE: &[&str] =
    &["anybody", "anyone", "everybody", "everyone", "guys", "people", "somebody", "someone", "大家", "有人"];

/// Whether `w` is in a word list (given as [`hashes`] of it).
fn listed(list: &[u64], w: &str) -> bool {
    list.binary_search(&hash(w.as_bytes())).is_ok()
}

/// The sorted hashes of a word list, computed at compile time.
const fn hashes<const N: usize>(words: &[&str]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut i = 0;
    while i < N {
        out[i] = hash(words[i].as_bytes());
        let mut k = i;
        while k > 0 && out[k - 1] > out[k] {
            let t = out[k];
            out[k] = out[k - 1];
            out[k - 1] = t;
            k -= 1;
        }
        i += 1;
    }
    out
}

/// First words that open an answer rather than a new topic.
const ANSWER_CUES: &[&str] = &[
    "it", "just", "maybe", "no", "nope", "ok", "okay", "sudo", "sure", "that", "try", "type", "use", "yeah", "yep",
    "yes", "you", "是", "对", "不是", "试试",
];

const THANKS: &[&str] = &["cheers", "thank", "thanks", "thx", "ty", "谢谢", "多谢"];

const STOP: [u64; STOPWORDS.len()] = hashes(STOPWORDS);
const ANSWER_CUE: [u64; ANSWER_CUES.len()] = hashes(ANSWER_CUES);
const THANK: [u64; THANKS.len()] = hashes(THANKS);
const GREET: [u64; GREETINGS.len()] = hashes(GREETINGS);
const CALL: [u64; ANYONE.len()] = hashes(ANYONE);

/// Whether a word could be a name mentioned in passing (not a short or common word).
fn nameish(w: &str) -> bool {
    w.len() >= 3 && w.chars().nth(2).is_some() && !listed(&STOP, w) && !listed(&GREET, w) && !listed(&CALL, w)
}

/// Lowercases `s` into a reused buffer.
fn lowercase_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// Lowercase letters and digits only: how a shortened `nick:` is compared.
fn normalise_into(s: &str, out: &mut String) {
    out.extend(s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase));
}

/// A shortened or mistyped address: one normalised name is a prefix of the
/// other, at least three characters long.
fn fuzzy(token: &str, name: &str) -> bool {
    token.len() >= 3 && name.len() >= 3 && (name.starts_with(token) || token.starts_with(name))
}

/// Hashes of the content words of `text`: ASCII words of three letters or
/// more that are neither stop words nor known names, and pairs of adjacent
/// characters in runs of other scripts (Chinese has no spaces).
fn content_words(text: &str, known: &Map<String, u32>, out: &mut Vec<u64>) {
    let mut word = String::new();
    let mut prev_wide: Option<char> = None;
    let flush = |word: &mut String, out: &mut Vec<u64>| {
        if word.len() >= 3 {
            let h = hash(word.as_bytes());
            if STOP.binary_search(&h).is_err() && !known.contains_key(word.as_str()) {
                out.push(h);
            }
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '\'' {
            word.push(c.to_ascii_lowercase());
            prev_wide = None;
        } else if c.is_alphanumeric() {
            flush(&mut word, out);
            if let Some(p) = prev_wide {
                let mut b = [0u8; 8];
                p.encode_utf8(&mut b[..4]);
                c.encode_utf8(&mut b[4..]);
                out.push(hash(&b));
            }
            prev_wide = Some(c);
        } else {
            flush(&mut word, out);
            prev_wide = None;
        }
    }
    flush(&mut word, out);
}

/// Whether `word` (lowercase ASCII) is an English stop word ("about",
/// "also", "and" …), the list reply inference ignores.
pub fn stop_word(word: &str) -> bool {
    STOP.binary_search(&hash(word.as_bytes())).is_ok()
}

/// FNV-1a.
const fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    h
}

/// The size of the intersection of two sorted, deduplicated lists, counted
/// up to `cap`.
fn overlap(a: &[u64], b: &[u64], cap: usize) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() && n < cap {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

// ---------------------------------------------------------------------------
// Training

/// One annotated channel: its messages and the gold `(child, parent)` pairs.
#[derive(Debug, Clone, Copy)]
pub struct Annotated<'a> {
    /// The channel's messages, in order.
    pub messages: &'a [Message<'a>],
    /// Gold links, child first; a self pair starts a thread.
    pub gold: &'a [(usize, usize)],
}

/// How [`train`] fits the weights.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Candidate window (see [`WINDOW`]).
    pub window: usize,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad step size.
    pub rate: f32,
    /// L2 penalty per example.
    pub l2: f32,
    /// Seed of the example order.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { window: WINDOW, epochs: 8, rate: 0.1, l2: 1e-6, seed: 1 }
    }
}

/// Fits the weights by maximising the likelihood of the gold parents under a
/// softmax over each message's candidates (AdaGrad, L2). A message with
/// several gold parents counts as right when any of them is chosen (the loss
/// is `-log` of their summed probability); messages whose gold parents are all
/// outside the window, and system messages, are skipped. Deterministic for a
/// given seed.
pub fn train(data: &[Annotated], opts: &TrainOptions) -> Vec<f32> {
    let preps: Vec<Prep> = data.iter().map(|d| Prep::new(d.messages)).collect();
    let mut golds: Vec<HashMap<usize, Vec<usize>>> = Vec::with_capacity(data.len());
    let mut order = Vec::new();
    for (fi, d) in data.iter().enumerate() {
        let mut g: HashMap<usize, Vec<usize>> = HashMap::new();
        for &(c, p) in d.gold {
            if c < d.messages.len() && !d.messages[c].system {
                g.entry(c).or_default().push(p);
            }
        }
        let mut children: Vec<usize> = g.keys().copied().collect();
        children.sort_unstable();
        order.extend(children.into_iter().map(|c| (fi, c)));
        golds.push(g);
    }
    let mut w = vec![0f32; N_FEATURES];
    let mut g2 = vec![1e-8f32; N_FEATURES];
    let mut grad = vec![0f32; N_FEATURES];
    let mut choices = Choices::default();
    let mut scratch = Scratch::default();
    let mut probs = Vec::new();
    let mut rng = opts.seed.max(1);
    for _ in 0..opts.epochs {
        // Fisher–Yates with xorshift
        for k in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(k, (rng % (k as u64 + 1)) as usize);
        }
        for &(fi, c) in &order {
            preps[fi].choices(c, opts.window, &mut choices, &mut scratch);
            let gold = &golds[fi][&c];
            let is_gold = |k: usize| gold.contains(&choices.index[k]);
            if !(0..choices.len()).any(is_gold) {
                continue;
            }
            probs.clear();
            probs.extend((0..choices.len()).map(|k| choices.score(k, &w)));
            let max = probs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut z = 0.0;
            for p in probs.iter_mut() {
                *p = (*p - max).exp();
                z += *p;
            }
            let zg: f32 = (0..choices.len()).filter(|&k| is_gold(k)).map(|k| probs[k]).sum();
            grad.iter_mut().for_each(|g| *g = 0.0);
            for (k, &p) in probs.iter().enumerate() {
                let mut d = p / z;
                if is_gold(k) {
                    d -= p / zg;
                }
                for &f in choices.feats(k) {
                    grad[f as usize] += d;
                }
            }
            for f in 0..N_FEATURES {
                let g = grad[f] + opts.l2 * w[f];
                if g != 0.0 {
                    g2[f] += g * g;
                    w[f] -= opts.rate * g / g2[f].sqrt();
                }
            }
        }
    }
    w
}

/// Fits both stages on the same data: the linear weights ([`train`]), then
/// trees that re-rank, for every annotated message, the new-thread option
/// and the linear stage's `top` best earlier messages. Messages whose gold
/// parents are not on that shortlist are left out of the second fit.
/// Deterministic.
pub fn train_model(data: &[Annotated], opts: &TrainOptions, top: usize, boost: &BoostOptions) -> Model {
    let mut model = Model::linear(train(data, opts), opts.window);
    if top == 0 || boost.trees == 0 {
        return model;
    }
    let (x, groups, gold) = rerank_rows(data, &model.weights, opts.window, top);
    model.top = top;
    model.forest = gbdt::fit(&gbdt::Rows { x: &x, n_features: N_DENSE, groups: &groups, gold: &gold }, boost);
    model
}

/// The first highest score (the nearest candidate on ties, new thread first),
/// as [`Choices::best`] picks.
/// Messages whose parent the trees choose, waiting to be scored many at a
/// time: the walks of different rows are independent, so the processor
/// overlaps them (one message's five rows leave it waiting on memory).
/// Nothing later reads a tree's choice (the trees see the linear stage's
/// links), so deciding late changes no link.
#[derive(Default)]
struct TreeQueue {
    /// [`N_DENSE`] values per shortlisted candidate, message after message.
    rows: Vec<f32>,
    /// The message each row's candidate is.
    parents: Vec<usize>,
    /// Each waiting message and the end of its rows in `parents`.
    waiting: Vec<(usize, usize)>,
    /// The trees' score of each row (reused between batches).
    scores: Vec<f32>,
}

impl TreeQueue {
    /// Rows scored together: a few thousand keep them in the cache.
    const ROWS: usize = 1024;

    fn push(&mut self, message: usize, candidates: impl Iterator<Item = usize>) {
        self.parents.extend(candidates);
        self.waiting.push((message, self.parents.len()));
        debug_assert_eq!(self.rows.len(), self.parents.len() * N_DENSE, "a row per candidate");
    }

    /// Scores the waiting rows and sets each waiting message's parent to
    /// its best-scored candidate (the first on ties), and its confidence to
    /// the softmax probability of that candidate among the shortlist.
    fn decide(&mut self, forest: &Forest, links: &mut [Link], sure: &mut [f32]) {
        forest.score_rows(&self.rows, N_DENSE, &mut self.scores);
        let mut start = 0;
        for &(i, end) in &self.waiting {
            let scores = &self.scores[start..end];
            let best = first_max(scores);
            links[i].parent = self.parents[start + best];
            sure[i] = softmax_at(scores, best);
            start = end;
        }
        self.rows.clear();
        self.parents.clear();
        self.waiting.clear();
    }
}

/// The softmax probability of `scores[k]` among `scores`.
fn softmax_at(scores: &[f32], k: usize) -> f32 {
    let top = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
    let sum: f32 = scores.iter().map(|&s| (s - top).exp()).sum();
    (scores[k] - top).exp() / sum
}

fn first_max(scores: &[f32]) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (k, &s) in scores.iter().enumerate() {
        if s > best.1 {
            best = (k, s);
        }
    }
    best.0
}

/// The second stage's training rows: one group per annotated chat message
/// whose shortlist holds a gold parent.
fn rerank_rows(data: &[Annotated], weights: &[f32], window: usize, top: usize) -> (Vec<f32>, Vec<usize>, Vec<bool>) {
    let (mut x, mut groups, mut gold) = (Vec::new(), vec![0], Vec::new());
    let mut choices = Choices::default();
    let mut scratch = Scratch::default();
    let (mut scores, mut short) = (Vec::new(), Vec::new());
    for d in data {
        let prep = Prep::new(d.messages);
        // the linear stage's links, as inference sees them
        let parent_of: Vec<usize> = (0..d.messages.len())
            .map(|i| {
                if d.messages[i].system {
                    return i;
                }
                prep.choices(i, window, &mut choices, &mut scratch);
                choices.index[choices.best(weights)]
            })
            .collect();
        let mut parents: Vec<(usize, usize)> =
            d.gold.iter().copied().filter(|&(c, _)| c < d.messages.len() && !d.messages[c].system).collect();
        parents.sort_unstable();
        parents.dedup();
        let mut k = 0;
        while k < parents.len() {
            let c = parents[k].0;
            let end = k + parents[k..].iter().take_while(|p| p.0 == c).count();
            let these = &parents[k..end];
            k = end;
            prep.choices(c, window, &mut choices, &mut scratch);
            scores.clear();
            scores.extend((0..choices.len()).map(|k| choices.score(k, weights)));
            Prep::shortlist(&choices, &scores, top, &mut short);
            let marks: Vec<bool> = short.iter().map(|&k| these.iter().any(|p| p.1 == choices.index[k])).collect();
            if !marks.contains(&true) {
                continue;
            }
            prep.dense(c, window, Shortlist { choices: &choices, scores: &scores, short: &short }, &parent_of, &mut x);
            gold.extend(marks);
            groups.push(gold.len());
        }
    }
    (x, groups, gold)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A channel from `(minute, author, name, text)` rows.
    fn chat<'a>(rows: &[(i64, u32, &'a str, &'a str)]) -> Vec<Message<'a>> {
        rows.iter().map(|&(min, a, name, text)| Message::chat(min * 60, a, name, text)).collect()
    }

    fn parents(messages: &[Message]) -> Vec<usize> {
        infer(messages).iter().map(|l| l.parent).collect()
    }

    #[test]
    fn an_addressed_reply_links_to_the_addressees_last_message() {
        let m = chat(&[
            (0, 0, "alice", "how do I mount a usb stick?"),
            (0, 1, "bob", "my wifi card is not detected after the upgrade"),
            (1, 2, "carol", "anyone here using kde?"),
            (1, 3, "dave", "i like turtles"),
            (2, 4, "erin", "bob: which card is it? lspci will tell you"),
        ]);
        assert_eq!(parents(&m)[4], 1, "erin addresses bob, three lines back");
    }

    #[test]
    fn an_address_picks_the_latest_message_of_that_member() {
        let m = chat(&[
            (0, 0, "alice", "sound stopped working"),
            (0, 1, "bob", "check alsamixer"),
            (1, 0, "alice", "alsamixer shows everything unmuted"),
            (1, 2, "carol", "what time is the release?"),
            (2, 1, "bob", "alice: then try pulseaudio -k"),
        ]);
        assert_eq!(parents(&m)[4], 2);
    }

    #[test]
    fn a_shortened_nick_prefix_still_addresses() {
        let m = chat(&[
            (0, 0, "christopher_", "grub does not show my windows partition"),
            (0, 1, "bob", "the weather is nice"),
            (0, 2, "dana", "hello all"),
            (1, 3, "erin", "chris: run sudo update-grub"),
        ]);
        assert_eq!(parents(&m)[3], 0);
    }

    #[test]
    fn an_answer_to_me_is_answered_back() {
        let m = chat(&[
            (0, 0, "alice", "is there a way to resize an ext4 partition?"),
            (1, 1, "bob", "alice: gparted can do it from a live cd"),
            (1, 2, "carol", "hi, my printer does not print"),
            (1, 3, "dave", "carol: which model?"),
            (2, 0, "alice", "thanks, that worked"),
        ]);
        assert_eq!(parents(&m)[4], 1, "alice answers bob, who answered her");
    }

    #[test]
    fn a_greeting_by_a_newcomer_after_silence_starts_a_thread() {
        let m = chat(&[
            (0, 0, "alice", "apt is broken"),
            (1, 1, "bob", "alice: run sudo apt -f install"),
            (45, 2, "carol", "hello everyone, does anybody know how to install steam?"),
        ]);
        assert_eq!(parents(&m)[2], 2);
        assert_eq!(infer(&m)[2].source, Source::Inferred);
        assert_eq!(parents(&m)[0], 0, "the first message has nothing to answer");
    }

    #[test]
    fn a_quick_follow_up_continues_the_same_authors_message() {
        let m = chat(&[
            (0, 0, "alice", "xorg crashes on start"),
            (3, 1, "bob", "which driver do you use"),
            (3, 1, "bob", "nvidia or nouveau"),
        ]);
        assert_eq!(parents(&m)[2], 1);
    }

    #[test]
    fn platform_data_wins_over_inference() {
        let bob = [1u32];
        let m = vec![
            Message::chat(0, 0, "alice", "who broke the build?"),
            Message::chat(60, 1, "bob", "not me"),
            Message::system(60, 2, "carol"),
            Message::chat(120, 2, "carol", "me, sorry").with_reply_to(0),
            Message::chat(180, 3, "dave", "you were quick").with_mentions(&bob),
            Message::chat(240, 3, "dave", "ping").with_mentions(&[7]),
        ];
        let links = infer(&m);
        assert_eq!(links[2], Link { parent: 2, source: Source::System });
        assert_eq!(links[3], Link { parent: 0, source: Source::Explicit });
        assert_eq!(links[4], Link { parent: 1, source: Source::Mention });
        assert_eq!(links[5], Link { parent: 5, source: Source::Mention }, "member 7 said nothing");
    }

    #[test]
    fn system_lines_are_never_parents_and_the_window_is_bounded() {
        let mut m = vec![Message::chat(0, 0, "alice", "a question about grub?")];
        for k in 0..200 {
            m.push(Message::system(60, 100 + k, "joiner"));
            m.push(Message::chat(60, 1 + k % 3, "x", "chatter"));
        }
        m.push(Message::chat(120, 9, "zed", "alice: did you fix grub?"));
        let links = infer(&m);
        assert_eq!(links.len(), m.len());
        for (i, l) in links.iter().enumerate() {
            assert!(l.parent <= i);
            assert!(l.parent == i || !m[l.parent].system);
            let back = m[l.parent..i].iter().filter(|x| !x.system).count();
            assert!(back <= WINDOW, "message {i} links {back} chat messages back");
        }
        assert_ne!(links.last().unwrap().parent, 0, "alice's message is outside the window");
    }

    #[test]
    fn word_lists_are_looked_up_by_hash() {
        assert!(listed(&STOP, "the") && listed(&GREET, "hello") && listed(&CALL, "有人"));
        assert!(!listed(&STOP, "grub") && !nameish("anyone") && nameish("alice"));
    }

    #[test]
    fn chinese_content_words_overlap_by_character_pairs() {
        let known = Map::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        content_words("有人知道怎么安装显卡驱动吗？", &known, &mut a);
        content_words("显卡驱动要去官网下载安装", &known, &mut b);
        a.sort_unstable();
        a.dedup();
        b.sort_unstable();
        b.dedup();
        // 显卡, 卡驱, 驱动, 安装
        assert_eq!(overlap(&a, &b, usize::MAX), 4);
        assert_eq!(overlap(&a, &b, 3), 3);
    }

    #[test]
    fn the_shipped_model_reads_back_as_written() {
        let m = Model::read(SHIPPED).unwrap();
        assert_eq!(m.write(), SHIPPED, "the text form is canonical");
        assert_eq!(m.window, WINDOW);
        assert!(m.top > 0 && !m.forest.is_empty(), "the shipped model re-ranks with trees");
        let broken = SHIPPED.replacen("dense lin_score", "dense score", 1);
        assert!(Model::read(&broken).unwrap_err().contains("dense feature names"));
    }

    #[test]
    fn training_both_stages_is_deterministic_and_the_trees_are_used() {
        let names = ["ann", "ben", "cid", "dot"];
        let texts: Vec<String> = (0..400).map(|i| format!("line {} about topic{}", i, i % 5)).collect();
        let m: Vec<Message> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Message::chat(i as i64 * 20, (i % 4) as u32, names[i % 4], t))
            .collect();
        // gold: the latest earlier line on the same topic (shared word), else a new thread
        let gold: Vec<(usize, usize)> = (0..m.len()).map(|i| (i, if i >= 5 { i - 5 } else { i })).collect();
        let data = [Annotated { messages: &m, gold: &gold }];
        let boost = BoostOptions { trees: 20, depth: 3, ..BoostOptions::default() };
        let a = train_model(&data, &TrainOptions::default(), 4, &boost);
        let b = train_model(&data, &TrainOptions::default(), 4, &boost);
        assert_eq!(a.write(), b.write(), "same data, same model, byte for byte");
        assert_eq!(a.forest.len(), 20);
        let s = LinkScore::of(&gold, &a.infer(&m));
        assert!(s.f1() > 0.9, "{s:?}");
    }

    #[test]
    fn training_learns_that_addressing_matters() {
        // every message after the first addresses the author of a random
        // earlier message, which is the gold parent
        let names = ["ann", "ben", "cid", "dot", "eve", "fay"];
        let texts: Vec<String> = (0..300).map(|i| format!("{}: item {i}", names[(i * 7 + 3) % 6])).collect();
        let mut m = Vec::new();
        let mut gold = vec![(0, 0)];
        let mut last_by = [None::<usize>; 6];
        for (i, t) in texts.iter().enumerate() {
            let a = i % 6;
            let target = (i * 7 + 3) % 6;
            m.push(Message::chat(i as i64 * 10, a as u32, names[a], t));
            if i > 0 {
                gold.push((i, last_by[target].filter(|_| target != a).unwrap_or(i)));
            }
            last_by[a] = Some(i);
        }
        let w = train(&[Annotated { messages: &m, gold: &gold }], &TrainOptions::default());
        let name = |n: &str| w[FEATURE_NAMES.iter().position(|f| *f == n).unwrap()];
        assert!(name("addr_cand") > 0.0 && name("addr_other") < 0.0);
        let links = Model::linear(w, WINDOW).infer(&m);
        let s = LinkScore::of(&gold, &links);
        assert!(s.f1() > 0.95, "{s:?}");
    }
}
