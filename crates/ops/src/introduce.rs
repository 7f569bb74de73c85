//! Introductions (正和岛: "谁和谁匹配"): pairs of active members of a group
//! who should know each other and have not answered each other yet.
//!
//! Two signals from the window's texts, one from the community's groups:
//! - **shared interest**: the words both use. Each member's profile is the
//!   words of their messages (English words of three letters or more that
//!   are not stop words, words of two letters or more in other alphabets
//!   and katakana; pairs of adjacent Chinese characters), each word
//!   weighted by (1 + ln n) · ln(N / df), n the member's messages using it,
//!   df the active members using it among N; the similarity is the cosine
//!   of two profiles.
//! - **complement**: one asks what the other answers: the cosine between
//!   the words of a's questions and the words of b's replies to other
//!   people's questions.
//! - **groups in common**: other groups of the community both belong to
//!   (joined or posted in), up to 3, each worth 0.1.
//!
//! A pair is proposed when it shares at least [`MIN_SHARED_WORDS`] words
//! (in its stronger signal), both wrote at least [`MIN_MESSAGES`] messages
//! with words in the window, is not tied in the window's interaction graph
//! (no reply or mention either way), and neither member is a bot or was
//! already introduced in this group in this round (at most [`PER_GROUP`]
//! pairs a group, best first).
//!
//! Cost: a word used by more than [`MAX_DF`] active members (or by more
//! than half of them) says little about a pair and is left out, so the pair
//! scores cost at most Σ df² ≤ W · 50² additions for W distinct words per
//! group, and memory one profile per active member; words used by a single
//! member are dropped too. No pair of members is enumerated outright.

use std::collections::{HashMap, HashSet};
use tonghao_insight::graph::Graph;
use tonghao_insight::metrics::{Window, in_window};
use tonghao_insight::replies::stop_word;
use tonghao_model::snapshot::{NONE, Snapshot, flags};

/// The maps of the hot loops: keys are word and member numbers, hashed
/// millions of times per report; with foldhash instead of SipHash the
/// introductions of `large` take about a fifth less time.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<K> = HashSet<K, foldhash::fast::RandomState>;

/// At most this many introductions a group (each member in at most one).
pub const PER_GROUP: usize = 3;
/// A word used by more active members than this is left out.
pub const MAX_DF: usize = 50;
/// A pair shares at least this many words in its stronger signal.
pub const MIN_SHARED_WORDS: usize = 3;
/// Each member of a pair wrote at least this many messages with words in
/// the window: a profile of one or two stock lines ("同问") says nothing
/// about what someone cares about. Set by that reading, not fitted.
pub const MIN_MESSAGES: u32 = 5;
/// Words named in the reason and the draft.
const SHOWN_WORDS: usize = 3;

/// Two members who should meet.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// Member index; for a complement, the one who asks.
    pub a: u32,
    /// Member index; for a complement, the one who answers.
    pub b: u32,
    /// Cosine of the two members' word profiles.
    pub shared: f64,
    /// Cosine of a's question words and b's answer words (the larger of
    /// the two directions; `a` asks).
    pub answers: f64,
    /// Other groups both belong to.
    pub groups_in_common: u32,
    /// `max(shared, answers)` + 0.1 per group in common (up to 3).
    pub score: f64,
    /// The reason is the complement (b answers what a asks).
    pub complement: bool,
    /// Words of the stronger signal both have, the strongest first.
    pub words: Vec<String>,
    /// How many words of the stronger signal both have.
    pub words_shared: usize,
    /// Message indices that show the words (up to 2 of each member's).
    pub messages: Vec<usize>,
}

/// The words of `text` (see the module documentation), appended to `out`.
pub fn words(text: &str, out: &mut Vec<String>) {
    each_word(text, |w| out.push(w.to_string()));
}

/// English words of the closed classes (pronouns, determiners, auxiliaries
/// and modals, prepositions, conjunctions, adverbs of time and degree) that
/// the reply model's stop words leave in: they say nothing about what
/// someone cares about ("might", "our", "already" were named as shared
/// interests on the real freeCodeCamp rooms). Sorted, for a binary search.
const FUNCTION_WORDS: &[&str] = &[
    "above",
    "across",
    "after",
    "again",
    "against",
    "ago",
    "almost",
    "along",
    "already",
    "although",
    "always",
    "among",
    "another",
    "anything",
    "anyway",
    "around",
    "away",
    "back",
    "before",
    "behind",
    "being",
    "below",
    "beside",
    "besides",
    "between",
    "beyond",
    "both",
    "cannot",
    "couldn't",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "ever",
    "every",
    "everything",
    "few",
    "gonna",
    "having",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "however",
    "i'd",
    "i'll",
    "i've",
    "instead",
    "isn't",
    "it'll",
    "itself",
    "least",
    "less",
    "let",
    "let's",
    "many",
    "may",
    "maybe",
    "might",
    "mine",
    "most",
    "much",
    "must",
    "myself",
    "neither",
    "never",
    "nor",
    "nothing",
    "off",
    "often",
    "once",
    "onto",
    "other",
    "others",
    "otherwise",
    "ought",
    "our",
    "ours",
    "ourselves",
    "over",
    "own",
    "per",
    "perhaps",
    "quite",
    "rather",
    "same",
    "shall",
    "she",
    "since",
    "so",
    "someone",
    "sometimes",
    "soon",
    "such",
    "these",
    "those",
    "though",
    "through",
    "thus",
    "till",
    "today",
    "tomorrow",
    "tonight",
    "toward",
    "towards",
    "under",
    "unless",
    "until",
    "upon",
    "very",
    "via",
    "wanna",
    "we'll",
    "we're",
    "we've",
    "were",
    "weren't",
    "whatever",
    "whether",
    "while",
    "whom",
    "whose",
    "within",
    "without",
    "won't",
    "wouldn't",
    "yesterday",
    "yet",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "yours",
    "yourself",
];

/// Russian words of the same classes, and the chat's fillers and
/// greetings ("просто", "понял", "спасибо"): "мне, просто, понял" and "есть,
/// когда" were named as shared interests on the real freeCodeCamp rooms.
/// Sorted, for a binary search.
const RUSSIAN_FUNCTION_WORDS: &[&str] = &[
    "без",
    "более",
    "больше",
    "будем",
    "будет",
    "будешь",
    "будто",
    "буду",
    "будут",
    "бы",
    "бывает",
    "был",
    "была",
    "были",
    "было",
    "быть",
    "вам",
    "вас",
    "ваш",
    "ваша",
    "ваше",
    "ваши",
    "вдруг",
    "ведь",
    "во",
    "вообще",
    "вот",
    "впрочем",
    "вроде",
    "все",
    "всегда",
    "всего",
    "всем",
    "всеми",
    "всех",
    "всю",
    "всё",
    "вы",
    "где",
    "да",
    "давай",
    "даже",
    "два",
    "для",
    "до",
    "другой",
    "его",
    "ее",
    "ей",
    "ему",
    "если",
    "есть",
    "еще",
    "ещё",
    "её",
    "же",
    "за",
    "зачем",
    "здесь",
    "из",
    "или",
    "им",
    "иногда",
    "их",
    "каждый",
    "как",
    "какая",
    "какой",
    "когда",
    "конечно",
    "которая",
    "которого",
    "которое",
    "которые",
    "который",
    "которым",
    "которых",
    "кстати",
    "кто",
    "куда",
    "ладно",
    "ли",
    "лучше",
    "мало",
    "между",
    "меня",
    "мне",
    "много",
    "может",
    "можно",
    "мой",
    "моя",
    "мы",
    "на",
    "над",
    "надо",
    "наконец",
    "например",
    "нас",
    "наш",
    "наша",
    "наше",
    "наши",
    "не",
    "него",
    "нее",
    "нельзя",
    "нет",
    "неё",
    "ни",
    "нибудь",
    "никогда",
    "ним",
    "них",
    "ничего",
    "но",
    "ну",
    "нужен",
    "нужна",
    "нужно",
    "об",
    "один",
    "он",
    "она",
    "они",
    "оно",
    "опять",
    "от",
    "очень",
    "перед",
    "по",
    "под",
    "пожалуйста",
    "пока",
    "понял",
    "поняла",
    "после",
    "потом",
    "потому",
    "почему",
    "почти",
    "при",
    "привет",
    "про",
    "просто",
    "раз",
    "разве",
    "сам",
    "свои",
    "свой",
    "свою",
    "своя",
    "своё",
    "себе",
    "себя",
    "сегодня",
    "сейчас",
    "со",
    "совсем",
    "спасибо",
    "сразу",
    "так",
    "также",
    "такой",
    "там",
    "тебе",
    "тебя",
    "тем",
    "теперь",
    "то",
    "тогда",
    "того",
    "тоже",
    "только",
    "том",
    "тот",
    "три",
    "тут",
    "ты",
    "уж",
    "уже",
    "хорошо",
    "хоть",
    "чего",
    "чем",
    "через",
    "что",
    "чтоб",
    "чтобы",
    "чуть",
    "эта",
    "эти",
    "это",
    "этого",
    "этой",
    "этом",
    "этот",
    "эту",
];

fn function_word(word: &str) -> bool {
    FUNCTION_WORDS.binary_search(&word).is_ok() || RUSSIAN_FUNCTION_WORDS.binary_search(&word).is_ok()
}

/// A Chinese character (CJK Unified Ideographs and Extension A).
fn han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

fn hiragana(c: char) -> bool {
    ('\u{3040}'..='\u{309f}').contains(&c)
}

/// Calls `f` with each word of `text`, allocating nothing per word.
fn each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    let mut prev: Option<usize> = None;
    let flush = |word: &mut String, f: &mut dyn FnMut(&str)| {
        let long_enough = if word.is_ascii() { word.len() >= 3 } else { word.chars().nth(1).is_some() };
        if long_enough && !stop_word(word) && !function_word(word) && !word.bytes().all(|b| b.is_ascii_digit()) {
            f(word);
        }
        word.clear();
    };
    // A link or an @mention says whom or where, not what someone cares
    // about ("https", a domain, a handle): skipped to the next white space.
    let mut skip_to = 0;
    for (at, c) in text.char_indices() {
        if at < skip_to {
            continue;
        }
        let rest = &text[at..];
        let link = word.is_empty()
            && (rest.starts_with("http://") || rest.starts_with("https://") || rest.starts_with("www."));
        if c == '@' || link {
            flush(&mut word, &mut f);
            prev = None;
            skip_to = rest.find(char::is_whitespace).map_or(text.len(), |k| at + k);
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '\'' {
            word.push(c.to_ascii_lowercase());
            prev = None;
        } else if han(c) {
            // No segmenter: each pair of adjacent Chinese characters.
            flush(&mut word, &mut f);
            if let Some(p) = prev {
                f(&text[p..at + c.len_utf8()]);
            }
            prev = Some(at);
        } else if c.is_alphabetic() && !hiragana(c) {
            // Katakana runs and the words of other alphabets (Cyrillic,
            // accented Latin, Hangul) are words; hiragana is mostly
            // grammar, so it separates them.
            word.extend(c.to_lowercase());
            prev = None;
        } else {
            flush(&mut word, &mut f);
            prev = None;
        }
    }
    flush(&mut word, &mut f);
}

/// A sparse profile: (word id, weight), sorted by word id, unit length.
type Profile = Vec<(u32, f64)>;

/// The introductions in group `g` over window `w`, best first. `graph` is
/// the group's interaction graph over `w`; `groups_of[m]` the groups member
/// m belongs to, ascending (empty where not known).
pub fn pairs(snap: &Snapshot, g: usize, w: Window, graph: &Graph, groups_of: &[Vec<u32>]) -> Vec<Pair> {
    let m = &snap.messages;
    let mut ids: Map<String, u32> = Map::default();
    let mut local: Map<u32, usize> = Map::default();
    let mut people: Vec<u32> = Vec::new();
    // Per member: messages using each word, in all, in questions, in answers.
    let mut counts: Vec<[Map<u32, u32>; 3]> = Vec::new();
    let mut written: Vec<u32> = Vec::new();
    let mut msg_words: Vec<(usize, Vec<u32>)> = Vec::new();
    // Accounts that posted ads are named by the spam move, not introduced.
    let advertisers: HashSet<u32> =
        in_window(snap, g, w).filter(|&i| m.flags[i] & flags::AD != 0).map(|i| m.member[i]).collect();
    for i in in_window(snap, g, w) {
        let who = m.member[i];
        // Check-ins and bots repeat a form, not an interest.
        if m.flags[i] & (flags::CHECKIN | flags::BOT) != 0
            || snap.members[who as usize].bot
            || advertisers.contains(&who)
        {
            continue;
        }
        let Some(text) = m.text.get(&(i as u32)) else { continue };
        let mut here: Vec<u32> = Vec::new();
        each_word(text, |w| {
            let id = match ids.get(w) {
                Some(&id) => id,
                None => {
                    let id = ids.len() as u32;
                    ids.insert(w.to_string(), id);
                    id
                }
            };
            here.push(id);
        });
        here.sort_unstable();
        here.dedup();
        if here.is_empty() {
            continue;
        }
        let k = *local.entry(who).or_insert_with(|| {
            people.push(who);
            counts.push(Default::default());
            written.push(0);
            people.len() - 1
        });
        written[k] += 1;
        let question = m.flags[i] & flags::QUESTION != 0;
        let target = m.reply_to[i];
        let answer =
            target != NONE && m.flags[target as usize] & flags::QUESTION != 0 && m.member[target as usize] != who;
        for &t in &here {
            *counts[k][0].entry(t).or_default() += 1;
            if question {
                *counts[k][1].entry(t).or_default() += 1;
            }
            if answer {
                *counts[k][2].entry(t).or_default() += 1;
            }
        }
        msg_words.push((i, here));
    }
    let n = people.len();
    if n < 2 {
        return Vec::new();
    }
    let mut df = vec![0usize; ids.len()];
    for c in &counts {
        for &t in c[0].keys() {
            df[t as usize] += 1;
        }
    }
    let cap = MAX_DF.min(n / 2).max(2);
    let idf = |t: u32| (n as f64 / df[t as usize] as f64).ln();
    let profile = |c: &Map<u32, u32>| -> Profile {
        let mut p: Profile = c
            .iter()
            .filter(|&(&t, _)| (2..=cap).contains(&df[t as usize]))
            .map(|(&t, &k)| (t, (1.0 + (k as f64).ln()) * idf(t)))
            .filter(|&(_, x)| x > 0.0)
            .collect();
        p.sort_unstable_by_key(|&(t, _)| t);
        let norm = p.iter().map(|&(_, x)| x * x).sum::<f64>().sqrt();
        for e in &mut p {
            e.1 /= norm;
        }
        p
    };
    let profiles: Vec<[Profile; 3]> = counts.iter().map(|c| [profile(&c[0]), profile(&c[1]), profile(&c[2])]).collect();
    // Inverted indexes: word → (member, weight) for all words and for
    // answers, walked in word order so that sums do not depend on hashing.
    let mut post_all: Vec<Vec<(usize, f64)>> = vec![Vec::new(); ids.len()];
    let mut post_ans: Vec<Vec<(usize, f64)>> = vec![Vec::new(); ids.len()];
    for (k, p) in profiles.iter().enumerate() {
        for &(t, x) in &p[0] {
            post_all[t as usize].push((k, x));
        }
        for &(t, x) in &p[2] {
            post_ans[t as usize].push((k, x));
        }
    }
    // (lower, higher) local index → (shared cosine, shared words).
    let mut shared: Map<(usize, usize), (f64, usize)> = Map::default();
    for list in &post_all {
        for (x, &(a, wa)) in list.iter().enumerate() {
            for &(b, wb) in &list[x + 1..] {
                let e = shared.entry((a.min(b), a.max(b))).or_default();
                e.0 += wa * wb;
                e.1 += 1;
            }
        }
    }
    // (asker, answerer) → (cosine, words).
    let mut comp: Map<(usize, usize), (f64, usize)> = Map::default();
    for (a, p) in profiles.iter().enumerate() {
        for &(t, wq) in &p[1] {
            for &(b, wa) in &post_ans[t as usize] {
                if a != b {
                    let e = comp.entry((a, b)).or_default();
                    e.0 += wq * wa;
                    e.1 += 1;
                }
            }
        }
    }
    // Pairs already tied in the window's interaction graph.
    let mut tied: Set<(u32, u32)> = Set::default();
    for (u, out) in graph.out.iter().enumerate() {
        for &v in out.keys() {
            let (x, y) = (graph.nodes[u], graph.nodes[v]);
            tied.insert((x.min(y), x.max(y)));
        }
    }
    let in_common = |x: u32, y: u32| -> u32 {
        let (gx, gy) = (groups_of.get(x as usize), groups_of.get(y as usize));
        let (Some(gx), Some(gy)) = (gx, gy) else { return 0 };
        gx.iter().filter(|&&k| k as usize != g && gy.binary_search(&k).is_ok()).count() as u32
    };
    let mut keys: Vec<(usize, usize)> = shared.keys().copied().collect();
    keys.extend(comp.keys().map(|&(a, b)| (a.min(b), a.max(b))));
    keys.sort_unstable();
    keys.dedup();
    let mut found: Vec<Pair> = Vec::new();
    for (x, y) in keys {
        let (ma, mb) = (people[x], people[y]);
        if tied.contains(&(ma.min(mb), ma.max(mb))) || written[x].min(written[y]) < MIN_MESSAGES {
            continue;
        }
        let (s, s_words) = shared.get(&(x, y)).copied().unwrap_or_default();
        let xy = comp.get(&(x, y)).copied().unwrap_or_default();
        let yx = comp.get(&(y, x)).copied().unwrap_or_default();
        let ((c, c_words), (asker, answerer)) = if yx.0 > xy.0 { (yx, (y, x)) } else { (xy, (x, y)) };
        let complement = c > s;
        let words_shared = if complement { c_words } else { s_words };
        if words_shared < MIN_SHARED_WORDS {
            continue;
        }
        let (a, b) = if complement { (asker, answerer) } else { (x, y) };
        let common = in_common(people[a], people[b]);
        found.push(Pair {
            a: people[a],
            b: people[b],
            shared: s,
            answers: c,
            groups_in_common: common,
            score: s.max(c) + 0.1 * common.min(3) as f64,
            complement,
            words: Vec::new(),
            words_shared,
            messages: Vec::new(),
        });
    }
    found.sort_by(|p, q| q.score.total_cmp(&p.score).then((p.a, p.b).cmp(&(q.a, q.b))));
    let mut used: HashSet<u32> = HashSet::new();
    let mut out: Vec<Pair> = Vec::new();
    for mut p in found {
        if out.len() == PER_GROUP {
            break;
        }
        if used.contains(&p.a) || used.contains(&p.b) {
            continue;
        }
        used.insert(p.a);
        used.insert(p.b);
        // The words behind the reason, the strongest first.
        let (pa, pb) = if p.complement {
            (&profiles[local[&p.a]][1], &profiles[local[&p.b]][2])
        } else {
            (&profiles[local[&p.a]][0], &profiles[local[&p.b]][0])
        };
        let by_id: HashMap<u32, f64> = pb.iter().copied().collect();
        let mut both: Vec<(f64, u32)> = pa.iter().filter_map(|&(t, x)| by_id.get(&t).map(|&y| (x * y, t))).collect();
        both.sort_by(|u, v| v.0.total_cmp(&u.0).then(u.1.cmp(&v.1)));
        both.truncate(SHOWN_WORDS);
        let names: HashMap<u32, &str> = ids.iter().map(|(s, &t)| (t, s.as_str())).collect();
        let shown: HashSet<u32> = both.iter().map(|&(_, t)| t).collect();
        // A pair of Chinese characters is shown as the longest run around
        // it that both members wrote (新人 → 新人报到).
        let texts = |who: u32| -> Vec<&str> {
            msg_words
                .iter()
                .filter(|(i, _)| m.member[*i] == who)
                .filter_map(|(i, _)| m.text.get(&(*i as u32)))
                .map(|t| &**t)
                .collect()
        };
        let (ta, tb) = (texts(p.a), texts(p.b));
        for &(_, t) in &both {
            let word = widen(names[&t], &ta, &tb);
            // Overlapping pieces of one phrase are shown once.
            let overlaps = |w: &String| {
                let (x, y): (Vec<char>, Vec<char>) = (w.chars().collect(), word.chars().collect());
                w.contains(&word)
                    || word.contains(w.as_str())
                    || (1..x.len().min(y.len())).any(|k| x[x.len() - k..] == y[..k] || y[y.len() - k..] == x[..k])
            };
            if !word.is_ascii() && p.words.iter().any(overlaps) {
                continue;
            }
            p.words.push(word);
        }
        for who in [p.a, p.b] {
            p.messages.extend(
                msg_words
                    .iter()
                    .filter(|(i, ws)| m.member[*i] == who && ws.iter().any(|t| shown.contains(t)))
                    .map(|&(i, _)| i)
                    .take(2),
            );
        }
        p.messages.sort_unstable();
        out.push(p);
    }
    out
}

/// `word` widened, a character (a letter, not punctuation) at a time on
/// either side, while both `a` and `b` (each member's texts) still contain
/// it; ASCII words stay as they are.
fn widen(word: &str, a: &[&str], b: &[&str]) -> String {
    let mut w = word.to_string();
    if w.is_ascii() {
        return w;
    }
    let both = |s: &str| a.iter().any(|t| t.contains(s)) && b.iter().any(|t| t.contains(s));
    // Without a word segmenter, the phrase both wrote (up to a punctuation
    // mark, at most 12 characters) reads better than a cut word.
    while w.chars().count() < 12 {
        let mut grown = None;
        'find: for t in a {
            for (at, _) in t.match_indices(w.as_str()) {
                let before = t[..at].chars().next_back();
                let after = t[at + w.len()..].chars().next();
                for cand in [after.map(|c| format!("{w}{c}")), before.map(|c| format!("{c}{w}"))].into_iter().flatten()
                {
                    let last = cand.chars().last().filter(|c| c.is_alphabetic() && !c.is_ascii());
                    let first = cand.chars().next().filter(|c| c.is_alphabetic() && !c.is_ascii());
                    if last.is_some() && first.is_some() && both(&cand) {
                        grown = Some(cand);
                        break 'find;
                    }
                }
            }
        }
        match grown {
            Some(g) => w = g,
            None => break,
        }
    }
    w
}

/// The groups each member belongs to (joined, or posted in), ascending;
/// indexed by member.
pub fn groups_of(snap: &Snapshot) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); snap.members.len()];
    for (g, meta) in snap.groups.iter().enumerate() {
        let mut seen: HashSet<u32> = HashSet::new();
        for r in &snap.memberships[meta.memberships.clone()] {
            seen.insert(r.member);
        }
        for i in meta.messages.clone() {
            seen.insert(snap.messages.member[i]);
        }
        for who in seen {
            out[who as usize].push(g as u32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn links_mentions_and_function_words_are_not_words() {
        let mut out = Vec::new();
        words("@QuincyLarson see https://github.com/freecodecamp and www.example.com: sourdough starter!", &mut out);
        // "see" and "and" are stop words; no "https", "github", "quincylarson", "www".
        assert_eq!(out, ["sourdough", "starter"]);
        out.clear();
        words("we might already have our own starter", &mut out);
        assert_eq!(out, ["starter"], "function words are not interests");
        out.clear();
        words("我的邮箱 a@b.com 手冲咖啡", &mut out);
        assert_eq!(out, ["我的", "的邮", "邮箱", "手冲", "冲咖", "咖啡"]);
    }

    #[test]
    fn japanese_and_other_alphabets_give_words_not_character_pairs() {
        let mut out = Vec::new();
        // Katakana runs are words, hiragana separates, Chinese characters pair up.
        words("Haskellの型クラスについて勉強します", &mut out);
        assert_eq!(out, ["haskell", "クラス", "勉強"]);
        out.clear();
        words("Привет, изучаю Rust и café", &mut out);
        assert_eq!(out, ["изучаю", "rust", "café"]);
        out.clear();
        // Russian function words and fillers say nothing of an interest.
        words("мне просто понял, есть когда поучаствовать", &mut out);
        assert_eq!(out, ["поучаствовать"]);
    }

    #[test]
    fn the_function_words_are_sorted() {
        assert!(super::FUNCTION_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::RUSSIAN_FUNCTION_WORDS.windows(2).all(|w| w[0] < w[1]));
    }
}
