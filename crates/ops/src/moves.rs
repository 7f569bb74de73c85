//! Next moves: welcome, re-engage, answer, promote, spam, intervene, split,
//! introduce.
//!
//! The rules (each move quotes the figures it used, `docs/ops.md`):
//! - **welcome**: a member who joined 3 to 30 days ago and has not spoken
//!   since; the group's host should greet them by name.
//! - **re-engage**: a drifting member (≥ 5 messages in the 56 days before
//!   the last 28, at most 1 in those 28): a personal message, not a bot's.
//! - **answer**: a question (a thread starter that asks something) in the
//!   last 7 days that nobody answered within a day.
//! - **promote**: a member who answers others (≥ 3 different people in the
//!   window), and posted in at least 6 of the last 8 weeks: an admin or KOL
//!   candidate; a connector (a bridge between circles) ranks higher.
//! - **spam**: an account with posts that look like ads in the window.
//! - **intervene**: per stage, what the seeds prescribe: a declining group
//!   needs a guest share, new members or a new ritual; a silent one rest or a
//!   merge; an active or growing one is the time to run a campaign.
//! - **split**: a group with more active members than its size goal (40)
//!   in the window: small groups along its circles (capped Leiden on its
//!   interaction graph), each with a host, and the ties the split keeps.
//! - **introduce**: two active members who use the same words, or one of
//!   whom answers what the other asks, and who have not answered each other
//!   in the window (`introduce`).

use crate::introduce;
use serde::Serialize;
use std::collections::HashMap;
use tonghao_insight::graph::Graph as InteractionGraph;
use tonghao_insight::lifecycle::Stage;
use tonghao_insight::metrics::{DAY_MS, Window, starters};
use tonghao_insight::report::GroupReport;
use tonghao_insight::roles::{Role, not_placed};
use tonghao_insight::split;
use tonghao_model::Role as GroupRole;
use tonghao_model::decision::{Decision, Verdict};
use tonghao_model::msg::Msg;
use tonghao_model::snapshot::{LinkKind, MembershipKind, Snapshot, flags};

/// What kind of move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Greet a newcomer who has not spoken.
    Welcome,
    /// Write personally to a member who is drifting away.
    ReEngage,
    /// Answer a question nobody answered.
    Answer,
    /// Make a member an admin or KOL.
    Promote,
    /// Deal with an account that posts ads.
    Spam,
    /// Change something about the group as a whole.
    Intervene,
    /// Split a big group into small groups along its circles.
    Split,
    /// Introduce two members who should know each other.
    Introduce,
}

impl Kind {
    /// The code name, as in JSON and ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Welcome => "welcome",
            Kind::ReEngage => "re_engage",
            Kind::Answer => "answer",
            Kind::Promote => "promote",
            Kind::Spam => "spam",
            Kind::Intervene => "intervene",
            Kind::Split => "split",
            Kind::Introduce => "introduce",
        }
    }
}

/// The figures and records behind a move.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// Named figures, e.g. `messages_before: 33`.
    pub figures: Vec<(&'static str, f64)>,
    /// Store ids of the members it is about.
    pub members: Vec<i64>,
    /// Store ids of the messages that show it.
    pub messages: Vec<i64>,
    /// For a split: the proposed small groups (members and host, as store ids).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ProposedGroup>,
}

/// One small group of a split proposal.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProposedGroup {
    /// Member store ids, ascending by the interaction graph's order.
    pub members: Vec<i64>,
    /// The host: the member who answered the most others inside it.
    pub host: Option<i64>,
    /// Replies and mentions between its members in the window.
    pub ties_inside: f64,
    /// Its members who have no tie to anyone placed: put here because it
    /// had room, not because of whom they talk to.
    pub without_ties: Vec<i64>,
}

/// One thing to do.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Move {
    /// Stable across re-imports and runs: `kind-group-subject` hashed.
    pub id: String,
    /// What kind of move.
    pub kind: Kind,
    /// Group index in the snapshot.
    pub group: u32,
    /// The group's name.
    pub group_name: String,
    /// The group's store id (what a decision records).
    pub group_store_id: i64,
    /// The store id of the member the move is about, if any.
    pub subject: Option<i64>,
    /// Who should act: a member's name (the group's host), or `None` for
    /// the operators in general.
    pub by: Option<String>,
    /// The member the move is about, by name.
    pub about: Option<String>,
    /// Higher first; comparable across groups and kinds.
    pub priority: f64,
    /// What to do and why, with figures.
    #[serde(skip)]
    pub msg: Msg,
    /// Why, where the reason is a finding of its own (a stage's rule).
    #[serde(skip)]
    pub why: Option<Msg>,
    /// A message for a person to send, where there is one.
    #[serde(skip)]
    pub draft: Option<Msg>,
    /// `msg` in Chinese and English, and the draft: filled by the
    /// application layer from its catalogue.
    pub zh: String,
    /// See `zh`.
    pub en: String,
    /// The draft in Chinese (empty without a draft).
    pub draft_zh: String,
    /// The draft in English.
    pub draft_en: String,
    /// The language the group speaks (`"zh"` or `"en"`), so the draft is
    /// shown in it whatever the reader's language; `None` when its texts do
    /// not tell (see [`Move::draft_for`]).
    pub draft_lang: Option<&'static str>,
    /// The evidence.
    pub evidence: Evidence,
}

impl Move {
    /// The draft to show a reader of `reader_lang` (`"zh"` or `"en"`): in
    /// the group's own language where it is known (a message for an
    /// English-speaking group is drafted in English for a Chinese-reading
    /// operator too), else in the reader's.
    pub fn draft_for(&self, reader_lang: &str) -> &str {
        match self.draft_lang.unwrap_or(reader_lang) {
            "zh" => &self.draft_zh,
            _ => &self.draft_en,
        }
    }
}

/// A short stable id: FNV-1a over the parts, 12 hex digits after the kind.
fn move_id(kind: Kind, parts: &[i64]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in kind.as_str().bytes().chain(parts.iter().flat_map(|p| p.to_le_bytes())) {
        h ^= byte as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}-{:012x}", kind.as_str(), h & 0xffff_ffff_ffff)
}

/// The person who should act in a group: its owner, else a deputy or
/// admin, else its most connected core member (who answers most people);
/// never a bot.
pub fn host(snap: &Snapshot, report: &GroupReport) -> Option<u32> {
    let g = &snap.groups[report.group as usize];
    let person = |m: u32| !snap.members[m as usize].bot;
    let mut best: Option<(u8, u32)> = None;
    for r in snap.memberships[g.memberships.clone()].iter().filter(|r| person(r.member)) {
        let rank = match r.kind {
            MembershipKind::Role(GroupRole::Owner) => 3,
            MembershipKind::Role(GroupRole::Deputy) => 2,
            MembershipKind::Role(GroupRole::Admin) => 1,
            _ => continue,
        };
        if best.is_none_or(|(b, _)| rank > b) {
            best = Some((rank, r.member));
        }
    }
    let still_there = |m: u32| report.members.iter().any(|x| x.member == m);
    if let Some((_, m)) = best.filter(|&(_, m)| still_there(m)) {
        return Some(m);
    }
    report
        .members
        .iter()
        .filter(|m| m.roles.contains(&Role::Core) && person(m.member))
        .max_by_key(|m| (m.answered_people, m.messages_window))
        .map(|m| m.member)
}

/// The ranked moves for the groups reported in `reports` (each built from
/// `snap` at its `as_of_ms`, links already completed).
pub fn next_moves(snap: &Snapshot, reports: &[GroupReport]) -> Vec<Move> {
    let groups_of = if reports.is_empty() { Vec::new() } else { introduce::groups_of(snap) };
    // Groups are independent: on every core.
    let mut out: Vec<Move> = tonghao_insight::par::map(reports.len(), 0, |k| {
        let mut moves = Vec::new();
        group_moves(snap, &reports[k], &groups_of, &mut moves);
        moves
    })
    .into_iter()
    .flatten()
    .collect();
    one_welcome_each(&mut out);
    out.sort_by(|a, b| b.priority.total_cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
    out
}

/// One welcome per newcomer, in the group they joined first: someone who
/// joins twenty channels of a workspace at once is greeted once, not twenty
/// times (412 welcomes for 131 people on the real Clojurians Slack). The
/// welcome says in how many other groups they are silent too
/// (`silent_in_other_groups`), so an operator can still greet them there.
fn one_welcome_each(moves: &mut Vec<Move>) {
    let days = |m: &Move| m.evidence.figures.iter().find(|(k, _)| *k == "days_since_join").map_or(0.0, |f| f.1);
    // Per newcomer: the welcome to keep (joined first, then the lowest
    // group) and how many there were.
    let mut keep: HashMap<i64, (usize, usize)> = HashMap::new();
    for (k, m) in moves.iter().enumerate().filter(|(_, m)| m.kind == Kind::Welcome) {
        let Some(who) = m.subject else { continue };
        let entry = keep.entry(who).or_insert((k, 0));
        entry.1 += 1;
        let best = &moves[entry.0];
        if (days(m), std::cmp::Reverse(m.group_store_id)) > (days(best), std::cmp::Reverse(best.group_store_id)) {
            entry.0 = k;
        }
    }
    for &(k, n) in keep.values().filter(|&&(_, n)| n > 1) {
        let m = &mut moves[k];
        let mut msg = std::mem::replace(&mut m.msg, Msg::new("move.welcome_many")).int("others", n - 1);
        msg.key = "move.welcome_many";
        m.msg = msg;
        m.evidence.figures.push(("silent_in_other_groups", (n - 1) as f64));
    }
    let kept: std::collections::HashSet<usize> = keep.values().map(|&(k, _)| k).collect();
    let mut k = 0;
    moves.retain(|m| {
        let keep = m.kind != Kind::Welcome || m.subject.is_none() || kept.contains(&k);
        k += 1;
        keep
    });
}

/// Characters of an unanswered question the `answer` move quotes, so the
/// operator sees what to answer without opening the evidence.
const QUESTION_CHARS: usize = 40;

/// The first `max` characters of `text` on one line (whitespace runs as one
/// space), with "…" where it was cut.
fn excerpt(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

fn group_moves(snap: &Snapshot, r: &GroupReport, groups_of: &[Vec<u32>], out: &mut Vec<Move>) {
    let g = r.group as usize;
    let meta = &snap.groups[g];
    let end = r.as_of_ms;
    let host = host(snap, r);
    let host_name = host.map(|h| snap.members[h as usize].name.clone());
    let name = |m: u32| snap.members[m as usize].name.clone();
    let store_id = |m: u32| snap.members[m as usize].store_id;
    let days = |ms: i64| (ms as f64 / DAY_MS as f64).floor();
    let draft_lang = tonghao_insight::metrics::language(snap, g, r.window);
    let mut push =
        |kind: Kind, key: &[i64], about: Option<u32>, priority: f64, msg: Msg, draft: Option<Msg>, evidence| {
            // A bot is not welcomed, re-engaged, answered, promoted or
            // introduced; only its ads are worth a move.
            if kind != Kind::Spam && about.is_some_and(|a| snap.members[a as usize].bot) {
                return;
            }
            let mut parts = vec![meta.store_id];
            parts.extend_from_slice(key);
            out.push(Move {
                id: move_id(kind, &parts),
                kind,
                group: r.group,
                group_name: r.name.clone(),
                group_store_id: meta.store_id,
                subject: about.map(store_id),
                // Nobody is asked to act on themself: not the member the
                // move is about, nor either of two to introduce.
                by: if about.is_some() && about == host
                    || kind == Kind::Introduce && host.is_some_and(|h| key.contains(&store_id(h)))
                {
                    None
                } else {
                    host_name.clone()
                },
                about: about.map(name),
                priority,
                msg,
                why: None,
                draft,
                zh: String::new(),
                en: String::new(),
                draft_zh: String::new(),
                draft_en: String::new(),
                draft_lang,
                evidence,
            });
        };
    let silent_group = r.stage == Stage::Silent;

    // Welcome: joined 3–30 days ago, silent since joining.
    if !silent_group {
        let m = &snap.messages;
        let mut last_join: HashMap<u32, i64> = HashMap::new();
        for row in &snap.memberships[meta.memberships.clone()] {
            if row.at_ms >= end {
                break;
            }
            match row.kind {
                MembershipKind::Join => {
                    last_join.insert(row.member, row.at_ms);
                }
                MembershipKind::Leave => {
                    last_join.remove(&row.member);
                }
                MembershipKind::Role(_) => {}
            }
        }
        let mut spoke_after: HashMap<u32, i64> = HashMap::new();
        for i in meta.messages.clone() {
            if m.at_ms[i] < end {
                spoke_after.insert(m.member[i], m.at_ms[i]);
            }
        }
        let mut fresh: Vec<(u32, i64)> = last_join
            .into_iter()
            .filter(|&(who, at)| {
                let age = end - at;
                (3 * DAY_MS..=30 * DAY_MS).contains(&age) && spoke_after.get(&who).is_none_or(|&t| t < at)
            })
            .collect();
        fresh.sort_unstable_by_key(|&(who, at)| (std::cmp::Reverse(at), who));
        for (who, at) in fresh {
            let waited = days(end - at);
            // The first days matter most: a welcome after three weeks is late.
            let priority = 0.45 + 0.25 * (1.0 - waited / 30.0);
            push(
                Kind::Welcome,
                &[store_id(who)],
                Some(who),
                priority,
                Msg::new("move.welcome").text("name", name(who)).num("days", waited, 0),
                Some(Msg::new("draft.welcome").text("name", name(who)).text("group", r.name.clone())),
                Evidence {
                    figures: vec![("days_since_join", waited)],
                    members: vec![store_id(who)],
                    messages: vec![],
                    ..Default::default()
                },
            );
        }
    }

    // Re-engage: drifting members, the most active before first. In a
    // silent group everyone has drifted: the group move says what to do.
    for mr in r.members.iter().filter(|mr| !silent_group && mr.roles.contains(&Role::Drifting)) {
        let before = mr.messages_before as f64;
        let priority = 0.5 + 0.4 * (before / 50.0).min(1.0);
        let last = mr.last_message_ms.map_or(0.0, |t| days(end - t));
        let last_ids: Vec<i64> = {
            let m = &snap.messages;
            let mut ids: Vec<i64> = meta
                .messages
                .clone()
                .rev()
                .filter(|&i| m.member[i] == mr.member && m.at_ms[i] < end)
                .take(3)
                .map(|i| m.store_id[i])
                .collect();
            ids.reverse();
            ids
        };
        push(
            Kind::ReEngage,
            &[store_id(mr.member)],
            Some(mr.member),
            priority,
            Msg::new("move.re_engage")
                .text("name", mr.name.clone())
                .int("before", mr.messages_before)
                .int("now", mr.messages_window)
                .num("days", last, 0),
            Some(Msg::new("draft.re_engage").text("name", mr.name.clone()).text("group", r.name.clone())),
            Evidence {
                figures: vec![
                    ("messages_before", before),
                    ("messages_last_28_days", mr.messages_window as f64),
                    ("days_since_last_message", last),
                ],
                members: vec![store_id(mr.member)],
                messages: last_ids,
                ..Default::default()
            },
        );
    }

    // Answer: questions of the last 7 days nobody answered.
    let m = &snap.messages;
    for (s, answer) in starters(snap, g, Window::new(end, 7)) {
        if answer.is_some() || m.flags[s] & flags::QUESTION == 0 || end - m.at_ms[s] < DAY_MS {
            continue;
        }
        let who = m.member[s];
        let age = days(end - m.at_ms[s]);
        push(
            Kind::Answer,
            &[m.store_id[s]],
            Some(who),
            0.7 - 0.05 * age,
            match m.text.get(&(s as u32)).map(|t| excerpt(t, QUESTION_CHARS)).filter(|t| !t.is_empty()) {
                Some(question) => Msg::new("move.answer_quoted").text("question", question),
                None => Msg::new("move.answer"),
            }
            .text("name", name(who))
            .num("days", age, 0),
            Some(Msg::new("draft.answer").text("name", name(who))),
            Evidence {
                figures: vec![("days_unanswered", age)],
                members: vec![store_id(who)],
                messages: vec![m.store_id[s]],
                ..Default::default()
            },
        );
    }

    // Promote: answers many, shows up week after week, not already staff.
    if !silent_group {
        let weeks = 8;
        let week_start = end - weeks * 7 * DAY_MS;
        let mut active_weeks: HashMap<u32, u64> = HashMap::new();
        for i in meta.messages.clone() {
            let t = m.at_ms[i];
            if t >= week_start && t < end {
                *active_weeks.entry(m.member[i]).or_default() |= 1 << ((t - week_start) / (7 * DAY_MS));
            }
        }
        for mr in &r.members {
            let shown = active_weeks.get(&mr.member).map_or(0, |bits| bits.count_ones());
            if mr.answered_people < 3 || shown < 6 || Some(mr.member) == host {
                continue;
            }
            let connector = mr.roles.contains(&Role::Connector);
            let priority = 0.3 + 0.2 * (mr.answered_people as f64 / 20.0).min(1.0) + if connector { 0.1 } else { 0.0 };
            push(
                Kind::Promote,
                &[store_id(mr.member)],
                Some(mr.member),
                priority,
                Msg::new(if connector { "move.promote_connector" } else { "move.promote" })
                    .text("name", mr.name.clone())
                    .int("answered", mr.answered_people)
                    .int("weeks", shown)
                    .int("of_weeks", weeks),
                None,
                Evidence {
                    figures: vec![
                        ("people_answered", mr.answered_people as f64),
                        ("weeks_active_of_8", shown as f64),
                        ("messages_window", mr.messages_window as f64),
                        ("bridges_circles", if connector { 1.0 } else { 0.0 }),
                    ],
                    members: vec![store_id(mr.member)],
                    messages: vec![],
                    ..Default::default()
                },
            );
        }
    }

    // Spam: who posted ad-like messages in the window.
    let mut ads: HashMap<u32, Vec<i64>> = HashMap::new();
    for i in meta.messages.clone() {
        if r.window.contains(m.at_ms[i]) && m.flags[i] & flags::AD != 0 {
            ads.entry(m.member[i]).or_default().push(m.store_id[i]);
        }
    }
    let mut ads: Vec<(u32, Vec<i64>)> = ads.into_iter().collect();
    ads.sort_unstable_by_key(|(who, posts)| (std::cmp::Reverse(posts.len()), *who));
    for (who, posts) in ads {
        push(
            Kind::Spam,
            &[store_id(who)],
            Some(who),
            0.55 + 0.05 * (posts.len() as f64).min(5.0),
            Msg::new("move.spam").text("name", name(who)).int("posts", posts.len()),
            None,
            Evidence {
                figures: vec![("ad_posts", posts.len() as f64)],
                members: vec![store_id(who)],
                messages: posts,
                ..Default::default()
            },
        );
    }

    // Split: a group whose active interaction graph is over the size goal,
    // cut along its circles by the capped Leiden (the console's proposal).
    let graph = InteractionGraph::build(snap, g, r.window);
    if !silent_group {
        let active = graph.nodes.len();
        if active > split::SIZE_GOAL {
            // the same nodes as `graph`, ties weighted by how sure they are
            let ties = split::ties(snap, g, r.window, &graph.nodes);
            let proposal = split::propose(&ties, split::SIZE_GOAL, &not_placed(snap, g, end));
            let sid = |k: u32| store_id(ties.nodes[k as usize]);
            let groups: Vec<ProposedGroup> = proposal
                .groups
                .iter()
                .map(|c| ProposedGroup {
                    members: c.members.iter().map(|&k| sid(k)).collect(),
                    host: c.host.map(sid),
                    ties_inside: c.inside,
                    without_ties: c.without_ties.iter().map(|&k| sid(k)).collect(),
                })
                .collect();
            let untied: usize = groups.iter().map(|c| c.without_ties.len()).sum();
            let sizes = proposal.groups.iter().map(|c| c.members.len());
            let (largest, smallest) = (sizes.clone().max().unwrap_or(0), sizes.min().unwrap_or(0));
            let over = (active - split::SIZE_GOAL) as f64;
            push(
                Kind::Split,
                &[],
                None,
                0.3 + 0.3 * (over / 160.0).min(1.0),
                match untied {
                    0 => Msg::new("move.split"),
                    n => Msg::new("move.split_untied").int("untied", n),
                }
                .text("group", r.name.clone())
                .int("groups", groups.len())
                .int("cap", split::SIZE_GOAL)
                .int("active", active)
                .share("kept", proposal.ties_kept),
                Some(Msg::new("draft.split").text("group", r.name.clone()).int("groups", groups.len())),
                Evidence {
                    figures: vec![
                        ("active_members", active as f64),
                        ("size_goal", split::SIZE_GOAL as f64),
                        ("groups", groups.len() as f64),
                        ("largest_group", largest as f64),
                        ("smallest_group", smallest as f64),
                        ("ties_kept", proposal.ties_kept),
                        ("modularity", proposal.modularity),
                        ("members_without_ties", untied as f64),
                    ],
                    members: groups.iter().filter_map(|c| c.host).collect(),
                    messages: vec![],
                    groups,
                },
            );
        }
    }

    // Introduce: active members who share words or answer what the other
    // asks, and have not answered each other yet.
    if !silent_group {
        for p in introduce::pairs(snap, g, r.window, &graph, groups_of) {
            // Chinese and Japanese list with 、, other scripts with commas.
            let cjk = p.words.iter().flat_map(|w| w.chars()).any(|c| ('\u{3040}'..='\u{9fff}').contains(&c));
            let words = p.words.join(if cjk { "、" } else { ", " });
            let (lo, hi) = (store_id(p.a).min(store_id(p.b)), store_id(p.a).max(store_id(p.b)));
            push(
                Kind::Introduce,
                &[lo, hi],
                Some(p.a),
                0.25 + 0.2 * p.score.min(1.0),
                Msg::new(if p.complement { "move.introduce_answers" } else { "move.introduce_shared" })
                    .text("a", name(p.a))
                    .text("b", name(p.b))
                    .text("words", words.clone()),
                Some(
                    Msg::new(if p.complement { "draft.introduce_answers" } else { "draft.introduce" })
                        .text("a", name(p.a))
                        .text("b", name(p.b))
                        .text("words", words),
                ),
                Evidence {
                    figures: vec![
                        ("shared_words_similarity", p.shared),
                        ("answers_similarity", p.answers),
                        ("words_shared", p.words_shared as f64),
                        ("groups_in_common", p.groups_in_common as f64),
                        ("score", p.score),
                    ],
                    members: vec![store_id(p.a), store_id(p.b)],
                    messages: p.messages.iter().map(|&i| m.store_id[i]).collect(),
                    ..Default::default()
                },
            );
        }
    }

    // Intervene: one move per group, by stage, tied to its evidence.
    let (key, priority) = match r.stage {
        Stage::Declining => ("move.intervene_declining", 0.65),
        Stage::Silent => ("move.intervene_silent", 0.35),
        Stage::Active | Stage::Growing => ("move.intervene_active", 0.2),
        Stage::Emerging => ("move.intervene_emerging", 0.4),
    };
    let e = &r.stage_evidence;
    push(
        Kind::Intervene,
        &[],
        None,
        priority,
        Msg::new(key).text("group", r.name.clone()),
        None,
        Evidence {
            figures: vec![("last_4w", e.last_4w as f64), ("prev_4w", e.prev_4w as f64), ("peak_4w", e.peak_4w as f64)],
            members: vec![],
            messages: vec![],
            ..Default::default()
        },
    );
    if let Some(last) = out.last_mut() {
        last.why = Some(e.msg.clone());
    }
}

/// How the moves of one kind that were done turned out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KindOutcome {
    /// The kind (`welcome`, `re_engage`, `answer`, `promote`, `spam`,
    /// `intervene`, `split`, `introduce`).
    pub kind: &'static str,
    /// Moves of this kind marked done.
    pub done: u32,
    /// Of those, the ones whose outcome the history shows yet.
    pub measured: u32,
    /// Of those, the ones that worked (the rule per kind: [`outcomes`]).
    pub worked: u32,
    /// `worked / measured`, once something was measured.
    pub hit_rate: Option<f64>,
    /// Done moves whose outcome this history can never show (a promotion
    /// in a group whose history holds no role events).
    pub not_measurable: u32,
    /// Moves of this kind dismissed.
    pub dismissed: u32,
}

/// How long after a decision its outcome is awaited before a move that has
/// not shown its effect counts as not having worked; also the span over
/// which an intervention's and a new group's messages are counted.
pub const OUTCOME_SPAN_MS: i64 = 28 * DAY_MS;

/// What became of the moves decided in `decisions`, judged on `snap` (a
/// later import than the decision's), counting only what happened after
/// each decision (`docs/ops.md`, "Decisions and outcomes"):
///
/// - **welcome**, **re-engage**: the member posted in the group after the
///   decision; measured once the group's history reaches past it.
/// - **intervene**: once four weeks have passed, the group's messages in
///   the four weeks after exceed those in the four before.
/// - **answer**: the asker posted in the group again, or another member
///   replied to the question or @mentioned the asker (explicit links only).
/// - **promote**: the member got an owner, deputy or admin role event in the
///   group; a group whose history holds no role event at all cannot show it
///   (`not_measurable`).
/// - **spam**: the account left or was removed from the group, or, four
///   weeks on, posted no further ad there; an ad after the decision is a
///   miss.
/// - **introduce**: one of the two replied to the other or @mentioned them,
///   in any group of the community (explicit replies, quotes and @mentions;
///   replies tonghao only inferred from timing and wording do not count).
/// - **split**: at least half of the proposed small groups found a
///   successor: a group of the community whose first message came after the
///   decision (and within four weeks of it), in whose first four weeks at
///   least half of that proposed group's members posted, and which had
///   messages in at least two of those four weeks. Judged against the
///   proposal as it was decided (kept with the decision).
///
/// Except for welcome, re-engage and intervene, a move counts as measured
/// as soon as its effect shows; without it, once the history reaches four
/// weeks past the decision (eight for a split: four for the new groups to
/// open, four for them to show they stay).
pub fn outcomes(snap: &Snapshot, decisions: &[Decision]) -> Vec<KindOutcome> {
    let group_of: HashMap<i64, usize> = snap.groups.iter().enumerate().map(|(i, g)| (g.store_id, i)).collect();
    let member_of: HashMap<i64, u32> = snap.members.iter().enumerate().map(|(i, m)| (m.store_id, i as u32)).collect();
    let m = &snap.messages;
    let seen = |g: usize| snap.groups[g].covered.map_or(snap.as_of_ms, |c| c.1);
    let kinds = [
        Kind::Welcome,
        Kind::ReEngage,
        Kind::Answer,
        Kind::Promote,
        Kind::Spam,
        Kind::Intervene,
        Kind::Split,
        Kind::Introduce,
    ];
    let mut out: Vec<KindOutcome> =
        kinds.into_iter().map(|k| KindOutcome { kind: k.as_str(), ..Default::default() }).collect();
    for d in decisions {
        let Some(o) = out.iter_mut().find(|o| o.kind == d.kind) else { continue };
        if d.verdict == Verdict::Dismissed {
            o.dismissed += 1;
            continue;
        }
        o.done += 1;
        let Some(&g) = group_of.get(&d.group) else { continue };
        let range = snap.groups[g].messages.clone();
        // Only history imported after the decision can show its result.
        let seen_until = if d.kind == "split" { (0..snap.groups.len()).map(seen).max().unwrap_or(0) } else { seen(g) };
        if seen_until <= d.at_ms {
            continue;
        }
        // Indices of group `h`'s messages after the decision.
        let after = |h: usize| {
            let r = snap.groups[h].messages.clone();
            let from = r.start + m.at_ms[r.clone()].partition_point(|&t| t <= d.at_ms);
            from..r.end
        };
        let who = d.member.and_then(|id| member_of.get(&id).copied());
        let waited = seen_until >= d.at_ms + OUTCOME_SPAN_MS;
        // (measured, worked)
        let verdict: Option<bool> = match d.kind.as_str() {
            "intervene" => {
                if !waited {
                    continue;
                }
                let count = |from: i64, to: i64| range.clone().filter(|&i| (from..to).contains(&m.at_ms[i])).count();
                Some(count(d.at_ms, d.at_ms + OUTCOME_SPAN_MS) > count(d.at_ms - OUTCOME_SPAN_MS, d.at_ms))
            }
            "welcome" | "re_engage" => {
                let Some(who) = who else { continue };
                Some(after(g).any(|i| m.member[i] == who))
            }
            "answer" => {
                let Some(who) = who else { continue };
                let question = d.evidence.messages.first().and_then(|&q| range.clone().find(|&i| m.store_id[i] == q));
                let answered = after(g).any(|i| {
                    m.member[i] == who
                        || (m.mentions(i).contains(&who)
                            || question.is_some_and(|q| explicit_reply(snap, i) == Some(q as u32)))
                });
                awaited(answered, waited)
            }
            "promote" => {
                let Some(who) = who else { continue };
                let rows = &snap.memberships[snap.groups[g].memberships.clone()];
                if !rows.iter().any(|r| matches!(r.kind, MembershipKind::Role(_))) {
                    o.not_measurable += 1;
                    continue;
                }
                let promoted = rows.iter().any(|r| {
                    r.member == who
                        && r.at_ms > d.at_ms
                        && matches!(
                            r.kind,
                            MembershipKind::Role(GroupRole::Owner | GroupRole::Deputy | GroupRole::Admin)
                        )
                });
                awaited(promoted, waited)
            }
            "spam" => {
                let Some(who) = who else { continue };
                let rows = &snap.memberships[snap.groups[g].memberships.clone()];
                let gone = rows.iter().any(|r| r.member == who && r.at_ms > d.at_ms && r.kind == MembershipKind::Leave);
                let another_ad = after(g).any(|i| m.member[i] == who && m.flags[i] & flags::AD != 0);
                if gone {
                    Some(true)
                } else if another_ad {
                    Some(false)
                } else if waited {
                    Some(true)
                } else {
                    None
                }
            }
            "introduce" => {
                let pair: Vec<u32> = d.evidence.members.iter().filter_map(|id| member_of.get(id).copied()).collect();
                let [a, b] = pair[..] else { continue };
                let tied = (0..snap.groups.len()).any(|h| {
                    after(h).any(|i| {
                        let (from, to) = match m.member[i] {
                            x if x == a => (a, b),
                            x if x == b => (b, a),
                            _ => return false,
                        };
                        debug_assert_ne!(from, to);
                        m.mentions(i).contains(&to)
                            || explicit_reply(snap, i).is_some_and(|j| m.member[j as usize] == to)
                    })
                });
                awaited(tied, waited)
            }
            "split" => {
                let proposed: Vec<Vec<u32>> = d
                    .evidence
                    .groups
                    .iter()
                    .map(|c| c.iter().filter_map(|id| member_of.get(id).copied()).collect())
                    .collect();
                if proposed.is_empty() {
                    continue;
                }
                let successors = split_successors(snap, g, d.at_ms, &proposed);
                let worked = 2 * successors >= proposed.len();
                awaited(worked, seen_until >= d.at_ms + 2 * OUTCOME_SPAN_MS)
            }
            _ => continue,
        };
        let Some(worked) = verdict else { continue };
        o.measured += 1;
        o.worked += u32::from(worked);
    }
    for o in &mut out {
        o.hit_rate = (o.measured > 0).then(|| o.worked as f64 / o.measured as f64);
    }
    out.retain(|o| o.done + o.dismissed > 0);
    out
}

/// An effect seen is a hit at once; none seen is a miss only once the
/// history reaches far enough past the decision (`waited`).
fn awaited(seen: bool, waited: bool) -> Option<bool> {
    if seen {
        Some(true)
    } else if waited {
        Some(false)
    } else {
        None
    }
}

/// The message `i` replies to, where the platform recorded the reply (a
/// reply, quote or thread) or the message @mentions its author; not where
/// tonghao inferred it.
fn explicit_reply(snap: &Snapshot, i: usize) -> Option<u32> {
    let m = &snap.messages;
    let to = m.reply_to[i];
    (to != tonghao_model::snapshot::NONE && m.reply_kind[i] != LinkKind::Inferred).then_some(to)
}

/// How many of the `proposed` small groups (member indices) of a split of
/// group `source` decided at `at_ms` found a successor: a group whose first
/// message came after the decision and within [`OUTCOME_SPAN_MS`] of it, in
/// whose first four weeks at least half of the proposed group's members
/// posted, with messages in at least two of those four weeks.
pub fn split_successors(snap: &Snapshot, source: usize, at_ms: i64, proposed: &[Vec<u32>]) -> usize {
    let m = &snap.messages;
    let week = 7 * DAY_MS;
    // Each new group: who posted in its first four weeks, and whether it
    // had messages in at least two of them.
    let fresh: Vec<std::collections::HashSet<u32>> = (0..snap.groups.len())
        .filter(|&h| h != source)
        .filter_map(|h| {
            let r = snap.groups[h].messages.clone();
            let first = *m.at_ms[r.clone()].first()?;
            if first <= at_ms || first > at_ms + OUTCOME_SPAN_MS {
                return None;
            }
            let mut weeks = 0u8;
            let mut posters = std::collections::HashSet::new();
            for i in r.take_while(|&i| m.at_ms[i] < first + 4 * week) {
                weeks |= 1 << ((m.at_ms[i] - first) / week);
                posters.insert(m.member[i]);
            }
            (weeks.count_ones() >= 2).then_some(posters)
        })
        .collect();
    proposed
        .iter()
        .filter(|c| {
            !c.is_empty() && fresh.iter().any(|posters| 2 * c.iter().filter(|x| posters.contains(x)).count() >= c.len())
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn an_excerpt_is_one_line_cut_at_a_character_with_an_ellipsis() {
        assert_eq!(excerpt("  how do I\n\tfeed   a starter?  ", 40), "how do I feed a starter?");
        assert_eq!(excerpt("新手想问一下，写书评从哪里开始比较好？", 6), "新手想问一下…");
        assert_eq!(excerpt("abcdef", 6), "abcdef", "exactly max: nothing cut");
        assert_eq!(excerpt("", 6), "");
    }
}
