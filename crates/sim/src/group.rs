//! One group's simulation: from its plan and its own random stream to a
//! time-ordered stream of records handed to a [`Render`]er.
//!
//! The group is simulated day by day. Each day's events (membership changes,
//! conversation threads, rituals, check-ins, ads, orders) are generated into
//! a small batch, sorted by time, and written; events that fall after
//! midnight (a thread that runs late, tomorrow's digest, next week's meetup)
//! stay in the batch for the following days. Memory is bounded by one group's
//! members plus a few days of events, whatever the scenario's size.

use crate::plan::{GroupPlan, Plan, Platform, Stage, lurker_share, person_id};
use crate::render::{Counts, Ct, GroupCtx, Kind, Quote, Rec, Render, Who};
use crate::rng::Rng;
use crate::scenario::Scenario;
use crate::time::{DAY, OFFSET_S, civil_from_days, date_string, local_day, local_midnight, put_u64, weekday};
use crate::vocab::{self, Say, Slots};
use serde::Serialize;
use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

const NEVER: i64 = i64::MAX;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RoleKind {
    Owner,
    Admin,
    Member,
    Spammer,
}

struct Member {
    person: u32,
    join_at: i64,
    left_at: i64,
    inviter: Option<u32>,
    weight: f64,
    ties: Vec<u32>,
    role: RoleKind,
    msgs: u32,
    /// The member's circle ([`NO_CIRCLE`] outside circled groups, and for the owner).
    circle: u32,
    /// A bridge's second circle, else [`NO_CIRCLE`].
    circle2: u32,
    /// A planted pair who would answer each other: (which specialty, asks
    /// about it or knows it); see [`SPECIALTIES`].
    niche: Option<(u8, bool)>,
    /// A quiet newcomer staff welcomed personally some days after the join
    /// ([`Sim::late_welcome`]).
    welcomed: bool,
    /// That answer's uid (`u32::MAX`: none).
    answer_uid: u32,
}

/// Niche interests of the planted pairs (one asks about it, one of another
/// circle knows it; docs/sim.md), Chinese and English.
const SPECIALTIES: [(&str, &str); 8] = [
    ("潜水考证", "scuba diving"),
    ("手冲咖啡", "pour-over coffee"),
    ("围棋定式", "go openings"),
    ("日语能力考", "the JLPT"),
    ("古典吉他", "classical guitar"),
    ("酸面包", "sourdough"),
    ("公路骑行", "road cycling"),
    ("胶片冲洗", "film developing"),
];

/// Not in a circle.
const NO_CIRCLE: u32 = u32::MAX;

impl Member {
    #[inline]
    fn present(&self, at: i64) -> bool {
        self.join_at <= at && at < self.left_at
    }

    /// A quiet newcomer who did not answer staff's welcome: nothing they
    /// would say is written ([`Sim::late_welcome`]).
    #[inline]
    fn mute(&self) -> bool {
        self.welcomed && self.answer_uid == u32::MAX
    }
}

/// How a reply shows in the export.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shown {
    Quote,
    Mention,
    Plain,
}

impl Shown {
    fn as_str(self) -> &'static str {
        match self {
            Shown::Quote => "quote",
            Shown::Mention => "mention",
            Shown::Plain => "none",
        }
    }
}

#[derive(Clone, Copy)]
struct Reply {
    target: u32,
    target_who: u32,
    target_ct: Ct,
    shown: Shown,
    /// The target's text, in the batch arena.
    quote: (u32, u32),
}

#[derive(Clone, Copy)]
enum What {
    Msg { ct: Ct, text: (u32, u32), mentions: (u32, u32), reply: Option<Reply>, checkin: u32 },
    Join { by: Option<u32> },
    Leave { by: Option<u32> },
    Recall,
    Role { role: &'static str, by: Option<u32> },
    Order { amount: i64, item: u32 },
}

#[derive(Clone, Copy)]
struct Spec {
    at: i64,
    uid: u32,
    who: u32,
    what: What,
}

/// A message generated earlier in the same batch, as a reply target.
#[derive(Clone, Copy)]
struct TMsg {
    uid: u32,
    who: u32,
    text: (u32, u32),
    ct: Ct,
}

#[derive(Default)]
struct Batch {
    specs: Vec<Spec>,
    text: String,
    ments: Vec<u32>,
}

struct Challenge {
    round: u32,
    start_day: i64,
    supervised: bool,
    /// (member, check-ins so far, still in)
    parts: Vec<(u32, u32, bool)>,
    checkins: u64,
    /// Per member, the local days they checked in.
    days: std::collections::BTreeMap<u32, Vec<i64>>,
}

/// The truth about one check-in challenge.
#[derive(Clone, Debug, Serialize)]
pub struct ChallengeTruth {
    /// Challenge name.
    pub name: String,
    /// Round (第k期).
    pub round: u32,
    /// First day.
    pub start: String,
    /// Whether someone supervised it (reminders, encouragement).
    pub supervised: bool,
    /// Members who signed up.
    pub participants: u32,
    /// Check-ins posted.
    pub checkins: u64,
    /// Participants still checking in on the last day.
    pub finishers: u32,
    /// Per challenger (platform id), the local days (`YYYY-MM-DD`) they
    /// posted a check-in (`#打卡 第N天` / `#checkin day N`).
    pub days: std::collections::BTreeMap<String, Vec<String>>,
}

/// The truth about one topic discussion night.
#[derive(Clone, Debug, Serialize)]
pub struct TopicTruth {
    /// Its opening message (Unix seconds).
    pub start_s: i64,
    /// Its closing message (Unix seconds).
    pub end_s: i64,
    /// Messages of the discussion, opening and closing included.
    pub messages: u32,
    /// Who spoke in it (platform ids), the host included.
    pub speakers: Vec<String>,
}

/// The truth about one offline event.
#[derive(Clone, Debug, Serialize)]
pub struct OfflineTruth {
    /// The event's date.
    pub date: String,
    /// Who signed up (platform ids).
    pub rsvp: Vec<String>,
    /// Who came (platform ids).
    pub attended: Vec<String>,
}

/// One week of a group's life.
#[derive(Clone, Debug, Serialize)]
pub struct WeekTruth {
    /// Week number since the scenario start.
    pub week: u32,
    /// Its Monday.
    pub start: String,
    /// The stage the model was in at the middle of the group's part of the week.
    pub stage: &'static str,
    /// Messages actually written that week.
    pub messages: u64,
}

/// Everything true about one group.
#[derive(Clone, Debug, Serialize)]
pub struct GroupTruth {
    /// Position in the scenario.
    pub index: usize,
    /// Display name.
    pub name: String,
    /// Platform.
    pub platform: &'static str,
    /// The group's id on its platform (the canonical `group`).
    pub group: String,
    /// Files written for it, relative to the output folder.
    pub files: Vec<String>,
    /// Theme key.
    pub theme: &'static str,
    /// Chats in English.
    pub english: bool,
    /// Operated (rituals, welcomes, rules).
    pub operated: bool,
    /// When operation stopped, if it did within the span.
    pub operation_ends: Option<String>,
    /// Created (RFC 3339).
    pub created: String,
    /// The group it was split from.
    pub parent: Option<String>,
    /// Target size.
    pub size_target: u32,
    /// Members who joined within the span.
    pub members_joined: u32,
    /// Members present at the end.
    pub members_at_end: u32,
    /// Days after creation when each stage starts (model values; they may lie
    /// beyond the span).
    pub stage_starts_days: StageDays,
    /// Days from creation to silence (model value; may exceed the span).
    pub lifetime_days: f64,
    /// The first week (since the scenario start) labelled silent, if any.
    pub silent_week: Option<u32>,
    /// The day it fell silent, if within the span.
    pub silent_day: Option<String>,
    /// Owner's platform id.
    pub owner: String,
    /// Admins' platform ids.
    pub admins: Vec<String>,
    /// The three members with the most ties (inviter links and friendships).
    pub hubs: Vec<String>,
    /// Ad accounts that posted here.
    pub spammers: Vec<String>,
    /// What a correct reader finds in this group's file(s).
    pub counts: Counts,
    /// Messages per local hour of day (0–23).
    pub hours: Vec<u64>,
    /// Distinct senders.
    pub senders: u32,
    /// Share of messages by the top 20% of senders.
    pub top20_share: f64,
    /// Reply links (all, explicit or not).
    pub replies: u64,
    /// Weekly stages and volumes.
    pub weeks: Vec<WeekTruth>,
    /// Check-in challenges.
    pub challenges: Vec<ChallengeTruth>,
    /// Topic discussion nights.
    pub topics: Vec<TopicTruth>,
    /// Check-in messages another member answered with a reply shown as a
    /// quote or an @-mention (a reply shown as neither leaves no trace in
    /// the export); the others were left bare.
    pub checkins_answered: u64,
    /// Offline events.
    pub offline_events: Vec<OfflineTruth>,
    /// Guest shares relayed here (start times).
    pub guest_shares: Vec<String>,
    /// Circles (a big group's 小圈子; docs/sim.md): each circle's members
    /// (platform ids), a bridge in its first circle only; empty in a group
    /// without circles.
    pub circles: Vec<Vec<String>>,
    /// Members who also sit in a second circle, and which (index into `circles`).
    pub bridges: Vec<(String, u32)>,
    /// Planted pairs who would answer each other: (asker, who knows it, the
    /// niche), of different circles.
    pub introductions: Vec<(String, String, String)>,
    /// Quiet newcomers of an operated group whom staff welcomed by @mention
    /// some days after they joined, and whether they answered.
    pub welcomes: Vec<WelcomeTruth>,
}

/// A personal welcome of a quiet newcomer (docs/sim.md, "Welcomes").
#[derive(Clone, Debug, Serialize)]
pub struct WelcomeTruth {
    /// The newcomer's platform id.
    pub member: String,
    /// When they joined (RFC 3339).
    pub joined: String,
    /// When staff welcomed them.
    pub welcomed: String,
    /// Who welcomed them (owner or admin; platform id).
    pub by: String,
    /// When they answered (their first and only message), if they did.
    pub answered: Option<String>,
}

/// Stage start days after creation.
#[derive(Clone, Debug, Serialize)]
pub struct StageDays {
    /// 成长
    pub growing: f64,
    /// 活跃
    pub active: f64,
    /// 衰亡
    pub declining: f64,
    /// 沉寂
    pub silent: f64,
}

/// The simulation's output for one group.
pub(crate) struct GroupOutput {
    pub truth: GroupTruth,
    /// Ground-truth reply links, JSON lines.
    pub replies: Vec<u8>,
    pub messages: u64,
}

struct Sim<'a, R: Render> {
    sc: &'a Scenario,
    plan: &'a Plan,
    gp: &'a GroupPlan,
    platform: Platform,
    ext_id: String,
    num_id: u64,
    rng: Rng,
    members: Vec<Member>,
    who: Vec<Who>,
    render: &'a mut R,
    batch: Batch,
    spare: Batch,
    next_uid: u32,
    uid_base: u32,
    seq_of: VecDeque<(u32, u32)>,
    seq: u32,
    ord: u32,
    // Speakers present all day, with cumulative weights.
    cands: Vec<u32>,
    cum: Vec<f64>,
    /// Per circle: its speakers present all day (a bridge in both of its
    /// circles), with cumulative weights; empty in a group without circles.
    circle_cands: Vec<(Vec<u32>, Vec<f64>)>,
    /// The circle of the conversation under way (its starter's), if any.
    thread_circle: u32,
    present: u32,
    dirty: bool,
    hours_cum: [[f64; 24]; 2],
    // Truth.
    week_msgs: Vec<u64>,
    hours: [u64; 24],
    replies: Vec<u8>,
    reply_count: u64,
    /// Check-in messages written (their seq), and those another member
    /// answered with a reply shown as a quote or an @-mention.
    checkin_seqs: std::collections::HashSet<u32>,
    checkins_answered: std::collections::HashSet<u32>,
    challenges: Vec<ChallengeTruth>,
    topics: Vec<TopicTruth>,
    offline: Vec<OfflineTruth>,
    spammers_here: Vec<u32>,
    messages: u64,
    progress: Option<&'a AtomicU64>,
    unreported: u64,
    order_n: u32,
    /// The stream of the late welcomes: their draws leave the main stream
    /// (and so the rest of the history) as it was without them.
    welcome_rng: Rng,
    /// (newcomer, joined, welcomed, by, answered).
    welcomes: Vec<(u32, i64, i64, u32, Option<i64>)>,
}

/// Label of the late welcomes' random stream.
const LABEL_WELCOME: u64 = 0x7765_6c63;

/// Simulates one group into `render`.
pub(crate) fn simulate<R: Render>(
    sc: &Scenario,
    plan: &Plan,
    gp: &GroupPlan,
    platform: Platform,
    render: &mut R,
    progress: Option<&AtomicU64>,
) -> io::Result<GroupOutput> {
    let rng = Rng::new(gp.seed);
    let (ext_id, num_id) = group_id(platform, gp);
    let mut hours_cum = [[0.0; 24]; 2];
    for (k, hours) in [&sc.rhythm.weekday_hours, &sc.rhythm.weekend_hours].into_iter().enumerate() {
        let mut acc = 0.0;
        for h in 0..24 {
            acc += hours[h].max(0.0);
            hours_cum[k][h] = acc;
        }
    }
    let weeks = sc.days.div_ceil(7) as usize;
    let mut sim = Sim {
        sc,
        plan,
        gp,
        platform,
        ext_id,
        num_id,
        rng,
        members: Vec::new(),
        who: Vec::new(),
        render,
        batch: Batch::default(),
        spare: Batch::default(),
        next_uid: 0,
        uid_base: 0,
        seq_of: VecDeque::new(),
        seq: 0,
        ord: 0,
        cands: Vec::new(),
        cum: Vec::new(),
        circle_cands: Vec::new(),
        thread_circle: NO_CIRCLE,
        present: 0,
        dirty: true,
        hours_cum,
        week_msgs: vec![0; weeks],
        hours: [0; 24],
        replies: Vec::new(),
        reply_count: 0,
        checkin_seqs: Default::default(),
        checkins_answered: Default::default(),
        challenges: Vec::new(),
        topics: Vec::new(),
        offline: Vec::new(),
        spammers_here: Vec::new(),
        messages: 0,
        progress,
        unreported: 0,
        order_n: 0,
        welcome_rng: Rng::new(crate::rng::derive(gp.seed, LABEL_WELCOME, 0)),
        welcomes: Vec::new(),
    };
    sim.setup_members();
    sim.run()?;
    if let Some(p) = progress {
        p.fetch_add(sim.unreported, Ordering::Relaxed);
    }
    let truth = sim.truth();
    Ok(GroupOutput { truth, replies: std::mem::take(&mut sim.replies), messages: sim.messages })
}

/// The group's id on its platform, and its numeric id where it has one.
pub(crate) fn group_id(platform: Platform, gp: &GroupPlan) -> (String, u64) {
    let i = gp.index as u64;
    let h = crate::rng::hash64(gp.seed ^ 0x6964);
    match platform {
        Platform::Wechat => (format!("{}@chatroom", 20_000_000_000 + i * 100_003 + h % 100_000), 0),
        Platform::Qq => {
            // QQ's text export names the group only by its name; the reader
            // can do no better than use it as the id.
            (gp.name.clone(), 600_000_000 + i * 1009 + h % 1000)
        }
        Platform::Telegram => {
            let n = 1_500_000_000 + i * 101 + h % 100;
            (n.to_string(), n)
        }
        Platform::Discord => {
            let n = 900_000_000_000_000_000 + i * 7919;
            (n.to_string(), n)
        }
        _ => (format!("sim-{i}"), i),
    }
}

impl<R: Render> Sim<'_, R> {
    fn days(&self, at: i64) -> f64 {
        (at - self.gp.created) as f64 / DAY as f64
    }

    fn abs(&self, t_days: f64) -> i64 {
        self.gp.created + (t_days * DAY as f64) as i64
    }

    /// A time on `day` (day number) drawn from the daily rhythm.
    fn rhythm_time(&mut self, day: i64) -> i64 {
        let weekend = weekday(day) >= 5;
        let cum = &self.hours_cum[weekend as usize];
        let h = self.rng.weighted(cum).unwrap_or(20) as i64;
        local_midnight(day) + h * 3600 + self.rng.below(3600) as i64
    }

    fn setup_members(&mut self) {
        let gp = self.gp;
        let sc = self.sc;
        let n = gp.members.len();
        let founders = ((0.35 * n as f64).round() as usize).clamp(1.min(n - 1), n - 1);
        let late_share = if gp.operated { 0.25 } else { 0.08 };
        let horizon = self.days(self.plan.end);
        let mut times: Vec<(i64, u32)> = Vec::with_capacity(n);
        times.push((gp.created, gp.members[0]));
        for (k, &person) in gp.members.iter().enumerate().skip(1) {
            let at = if k <= founders {
                gp.created + 60 + self.rng.below(3 * 3600) as i64
            } else {
                let t = if self.rng.chance(late_share) {
                    let until = if gp.operated { gp.operation_end.min(horizon) } else { gp.decline_start };
                    gp.growth_end + self.rng.f64() * (until - gp.growth_end).max(1.0)
                } else {
                    gp.growth_end * self.rng.f64().powf(1.4)
                };
                let day = crate::time::local_day(self.abs(t.max(0.05)));
                let at = self.rhythm_time(day);
                at.max(gp.created + 3600)
            };
            times.push((at, person));
        }
        times[1..].sort_unstable();
        let lurk = lurker_share(gp.size, sc);
        for (i, &(join_at, person)) in times.iter().enumerate() {
            let role = if i == 0 { RoleKind::Owner } else { RoleKind::Member };
            let mut m = Member {
                person,
                join_at,
                left_at: NEVER,
                inviter: None,
                weight: 0.0,
                ties: Vec::new(),
                role,
                msgs: 0,
                circle: NO_CIRCLE,
                circle2: NO_CIRCLE,
                niche: None,
                welcomed: false,
                answer_uid: u32::MAX,
            };
            if i > 0 {
                // Invitation chains: a random earlier member, or (half the
                // time) whoever invited them — linear preferential attachment
                // by redirection, which grows a few hubs.
                let inviter = if i <= founders && self.rng.chance(0.6) { 0 } else { self.redirect(i) };
                m.inviter = Some(inviter as u32);
                m.ties.push(inviter as u32);
                self.members[inviter].ties.push(i as u32);
                let extra = self.rng.poisson(sc.participation.extra_ties);
                for _ in 0..extra {
                    let j = self.redirect(i);
                    if !m.ties.contains(&(j as u32)) {
                        m.ties.push(j as u32);
                        self.members[j].ties.push(i as u32);
                    }
                }
            }
            self.members.push(m);
        }
        // Activity: lurkers post nothing on their own; the others get Zipf
        // weights by a random rank (the owner of an operated group ranks first).
        let mut speakers: Vec<usize> = Vec::new();
        for i in 0..n {
            if i == 0 || !self.rng.chance(lurk) {
                speakers.push(i);
            }
        }
        for k in (1..speakers.len()).rev() {
            let j = self.rng.below(k + 1);
            speakers.swap(k, j);
        }
        if gp.operated
            && let Some(pos) = speakers.iter().position(|&i| i == 0)
        {
            // The operator is among the three most active, not always first:
            // others carry conversations too.
            speakers.remove(pos);
            let rank = self.rng.below(3.min(speakers.len() + 1));
            speakers.insert(rank, 0);
        }
        let s = sc.participation.zipf_exponent;
        for (rank, &i) in speakers.iter().enumerate() {
            self.members[i].weight = ((rank + 1) as f64).powf(-s);
        }
        if gp.operated {
            let admins = if gp.size >= 150 {
                2
            } else if gp.size >= 30 {
                1
            } else {
                0
            };
            for &i in speakers.iter().filter(|&&i| i != 0).take(admins) {
                self.members[i].role = RoleKind::Admin;
            }
        }
        // Leaves: a daily hazard, higher for lurkers, lower while operated,
        // several times higher once the group declines.
        let lc = &sc.lifecycle;
        let d_abs = self.abs(gp.decline_start);
        let op_abs = if gp.operated { self.abs(gp.operation_end) } else { gp.created };
        for i in 1..n {
            let m = &self.members[i];
            let base = lc.leave_hazard * if m.weight == 0.0 { 1.5 } else { 1.0 };
            let segments = [(op_abs, base * 0.5), (d_abs, base), (NEVER, base * lc.leave_decline_factor)];
            let mut budget = self.rng.exp(1.0);
            let mut t = m.join_at;
            let mut left = NEVER;
            for (until, h) in segments {
                if until <= t {
                    continue;
                }
                let span_days = if until == NEVER { f64::INFINITY } else { (until - t) as f64 / DAY as f64 };
                let need = budget / h;
                if need < span_days {
                    left = t + (need * DAY as f64) as i64;
                    break;
                }
                budget -= span_days * h;
                t = until;
            }
            if left < self.plan.end && left > m.join_at {
                self.members[i].left_at = left;
            }
        }
        self.setup_circles();
        let english = gp.english;
        let rule_names = gp.operated && matches!(self.platform, Platform::Wechat | Platform::Qq);
        for m in &self.members {
            let (id, num) = person_id(self.platform, m.person);
            let name = vocab::display_name(m.person, english, rule_names);
            self.who.push(Who { id, name, num });
        }
    }

    /// Circles (小圈子) in a big group: everyone but the owner, in random
    /// order, cut into circles of uneven size (`circle_size`); a share
    /// (`circle_bridges`) also sits in a second circle. Replies then mostly
    /// stay inside the author's circle ([`Sim::responder`]). Groups below
    /// `circles_from_size` draw nothing here, so their histories do not change.
    fn setup_circles(&mut self) {
        let p = &self.sc.participation;
        let n = self.members.len();
        if p.circles_from_size == 0 || self.gp.size < p.circles_from_size || n < 3 {
            return;
        }
        let mut order: Vec<usize> = (1..n).collect();
        for k in (1..order.len()).rev() {
            let j = self.rng.below(k + 1);
            order.swap(k, j);
        }
        let [lo, hi] = p.circle_size;
        let mut circles = 0u32;
        let mut at = 0;
        while at < order.len() {
            let size = self.rng.range_u(lo.max(2), hi.max(lo.max(2))) as usize;
            for &i in &order[at..(at + size).min(order.len())] {
                self.members[i].circle = circles;
            }
            circles += 1;
            at += size;
        }
        if circles > 1 {
            for &i in &order {
                if self.rng.chance(p.circle_bridges) {
                    let other = self.rng.below(circles as usize - 1) as u32;
                    let own = self.members[i].circle;
                    self.members[i].circle2 = if other >= own { other + 1 } else { other };
                }
            }
        }
        self.circle_cands = vec![(Vec::new(), Vec::new()); circles as usize];
        // Pairs who would answer each other's questions: one asks about a
        // niche, a speaker of another circle knows it (one pair per two
        // circles, at most one per niche).
        let speakers: Vec<usize> = order.iter().copied().filter(|&i| self.members[i].weight > 0.0).collect();
        let pairs = (circles as usize / 2).min(SPECIALTIES.len());
        let mut taken = 0;
        for (k, &asker) in speakers.iter().enumerate() {
            if taken == pairs {
                break;
            }
            if self.members[asker].niche.is_some() {
                continue;
            }
            let c = self.members[asker].circle;
            let expert = speakers[k + 1..].iter().copied().find(|&e| {
                let m = &self.members[e];
                m.niche.is_none() && m.circle != c && m.circle2 != c && self.members[asker].circle2 != m.circle
            });
            if let Some(e) = expert {
                self.members[asker].niche = Some((taken as u8, true));
                self.members[e].niche = Some((taken as u8, false));
                taken += 1;
            }
        }
    }

    /// A planted niche message: the asker's question or the expert's answer
    /// about their niche, with probability 0.5 when `who` has one and `say`
    /// fits; `None` otherwise (and no random draw for anyone else).
    fn niche_text(&mut self, who: u32, say: Say) -> Option<(u32, u32)> {
        let (k, asks) = self.members[who as usize].niche?;
        if !((asks && say == Say::Question) || (!asks && say == Say::Answer)) || !self.rng.chance(0.5) {
            return None;
        }
        let (zh, en) = SPECIALTIES[k as usize];
        let start = self.batch.text.len();
        let t = &mut self.batch.text;
        match (asks, self.gp.english) {
            (true, false) => {
                t.push_str("有没有人懂");
                t.push_str(zh);
                t.push_str("？想请教一下");
            }
            (true, true) => {
                t.push_str("Does anyone know about ");
                t.push_str(en);
                t.push_str("? I'd love some pointers");
            }
            (false, false) => {
                t.push_str(zh);
                t.push_str("我玩了好几年了，有问题随时问我");
            }
            (false, true) => {
                t.push_str("I've been into ");
                t.push_str(en);
                t.push_str(" for years, happy to help");
            }
        }
        Some((start as u32, (self.batch.text.len() - start) as u32))
    }

    /// A random earlier member, or half the time their inviter.
    fn redirect(&mut self, i: usize) -> usize {
        let j = self.rng.below(i);
        if self.rng.chance(0.5)
            && let Some(inv) = self.members[j].inviter
        {
            return inv as usize;
        }
        j
    }

    fn run(&mut self) -> io::Result<()> {
        {
            let ctx = GroupCtx {
                plan: self.gp,
                platform: self.platform,
                ext_id: &self.ext_id,
                num_id: self.num_id,
                people: &self.who,
            };
            self.render.begin(&ctx)?;
        }
        let start = self.plan.start_day;
        let sc = self.sc;
        let first = self.gp.created_day as i64;
        // Joins and leaves, released into the batch day by day.
        let mut mevents: Vec<(i64, u32, bool)> = Vec::with_capacity(self.members.len() * 2);
        for (i, m) in self.members.iter().enumerate() {
            if m.join_at < self.plan.end {
                mevents.push((m.join_at, i as u32, true));
            }
            if m.left_at != NEVER {
                mevents.push((m.left_at, i as u32, false));
            }
        }
        mevents.sort_unstable();
        let mut mcur = 0;
        self.push(self.gp.created + 1, 0, What::Role { role: "owner", by: None });
        let admin_at = self.abs(self.gp.growth_end);
        for i in 0..self.members.len() {
            if self.members[i].role == RoleKind::Admin && admin_at < self.plan.end {
                let at = admin_at.max(self.members[i].join_at + 60);
                self.push(at, i as u32, What::Role { role: "admin", by: Some(0) });
            }
        }
        let mut week_noise = 1.0;
        let mut week_of_noise = -1i64;
        let mut challenge: Option<Challenge> = None;
        let e = sc.lifecycle.emerging_days as f64;
        let mut next_challenge = if self.gp.checkin {
            Some(first + if self.gp.operated { self.rng.range_u(7, 14) as i64 } else { 1 })
        } else {
            None
        };
        let mut challenge_round = 0;
        let mut next_offline = if self.gp.offline {
            let mut d = start + first + self.gp.growth_end as i64 + 7;
            while weekday(d) != 5 {
                d += 1;
            }
            Some(d)
        } else {
            None
        };
        let mut next_launch = if self.gp.commerce { Some(first + self.gp.growth_end as i64) } else { None };
        let mut launch_boost_until = i64::MIN;
        for d in first..sc.days as i64 {
            let day = start + d;
            let day_start = local_midnight(day);
            let day_end = day_start + DAY;
            let t_mid = self.days(day_start + DAY / 2).max(0.0);
            let t_next = self.days(day_start + DAY + DAY / 2);
            let stage = self.gp.stage(t_mid, e);
            let operated = self.gp.operated_at(t_mid);
            while mcur < mevents.len() && mevents[mcur].0 < day_end {
                let (at, who, join) = mevents[mcur];
                let what =
                    if join { What::Join { by: self.members[who as usize].inviter } } else { What::Leave { by: None } };
                self.push(at, who, what);
                mcur += 1;
            }
            self.update_presence(day_start);
            let week = d / 7;
            if week != week_of_noise {
                week_of_noise = week;
                let s = sc.chat.weekly_noise;
                week_noise = self.rng.lognormal(1.0, s) / (s * s / 2.0).exp();
            }
            // Welcomes and introductions for today's newcomers.
            self.newcomers(day_start, day_end, operated);
            // Background conversation.
            let present_share = self.present as f64 / self.gp.size.max(1) as f64;
            let lambda =
                self.gp.rate(t_mid, present_share, sc) * sc.rhythm.weekdays[weekday(day) as usize] * week_noise;
            let vit = if stage == Stage::Silent { 0.1 } else { self.gp.vitality(t_mid, &sc.lifecycle).min(1.0) };
            let followups = sc.chat.followups * vit.sqrt();
            let threads = self.rng.poisson(lambda / (1.0 + followups));
            for _ in 0..threads {
                let at = self.rhythm_time(day);
                self.thread(at, followups, stage == Stage::Silent);
            }
            // Rituals of operated groups.
            let ritual_ok = |s: Stage| s == Stage::Growing || s == Stage::Active;
            if sc.rituals.topic_weekly {
                let t_prev_ok = self.gp.operated_at(t_next) && ritual_ok(self.gp.stage(t_next, e));
                if t_prev_ok && weekday(day + 1) == self.gp.topic_weekday {
                    self.topic_preview(day);
                }
                if operated && ritual_ok(stage) && weekday(day) == self.gp.topic_weekday && t_mid > 1.0 {
                    self.topic_night(day);
                }
            }
            let gp = self.gp;
            for gs in &gp.guest_shares {
                let gday = crate::time::local_day(gs.at);
                if gday == day + 1 {
                    self.guest_preview(day, &gs.guest);
                } else if gday == day {
                    self.guest_share(gs.at, &gs.guest);
                }
            }
            // Check-in challenges.
            if let Some(start_d) = next_challenge
                && start_d == d
            {
                next_challenge = None;
                if challenge.is_none() && (operated || (!self.gp.operated && challenge_round == 0)) {
                    challenge_round += 1;
                    challenge = Some(self.challenge_start(day, challenge_round, operated));
                }
            }
            if let Some(ch) = challenge.as_mut() {
                let finished = d - (ch.start_day - start) >= sc.rituals.challenge_days as i64;
                if finished {
                    let ch = challenge.take().expect("some");
                    self.challenge_end(ch);
                    if operated {
                        next_challenge = Some(d + self.rng.range_u(3, 10) as i64);
                    }
                } else {
                    let mut ch = challenge.take().expect("some");
                    self.challenge_day(&mut ch, day_start, day_end);
                    challenge = Some(ch);
                }
            }
            // Offline events: announced a week ahead.
            if let Some(ev) = next_offline
                && day == ev - 7
            {
                if operated && ritual_ok(stage) {
                    self.offline_event(day, ev);
                    next_offline = Some(ev + sc.rituals.offline_every_days.max(7) as i64);
                } else if !operated {
                    next_offline = None;
                } else {
                    next_offline = Some(ev + 7);
                }
            }
            // Group buys and orders.
            if let Some(l) = next_launch
                && l == d
            {
                if operated {
                    self.launch(day);
                    launch_boost_until = day + 1;
                }
                next_launch = Some(d + sc.orders.launch_every_days.max(7) as i64);
            }
            if self.gp.commerce {
                let boost = if day <= launch_boost_until { 6.0 } else { 1.0 };
                self.orders(day, day_start, day_end, boost * if operated { 1.5 } else { 0.6 });
            }
            // Ads.
            let spam_rate = sc.spam.incidents_per_week * (self.gp.size as f64 / 100.0).sqrt() / 7.0;
            for _ in 0..self.rng.poisson(spam_rate) {
                let at = self.rhythm_time(day);
                self.spam(at, operated);
            }
            self.flush_until(day_end)?;
        }
        // A challenge still running when the history ends is in the truth too.
        if let Some(ch) = challenge.take() {
            self.challenge_end(ch);
        }
        self.flush_until(self.plan.end)?;
        let ctx = GroupCtx {
            plan: self.gp,
            platform: self.platform,
            ext_id: &self.ext_id,
            num_id: self.num_id,
            people: &self.who,
        };
        self.render.end(&ctx)
    }

    fn update_presence(&mut self, day_start: i64) {
        let day_end = day_start + DAY;
        self.present = self.members.iter().filter(|m| m.join_at <= day_start && day_start < m.left_at).count() as u32;
        // Joins and leaves written yesterday (or due today) change who speaks.
        let due_today = self.members.iter().any(|m| {
            (m.join_at > day_start - DAY && m.join_at <= day_end)
                || (m.left_at > day_start - DAY && m.left_at <= day_end)
        });
        if !(due_today || self.dirty) {
            return;
        }
        self.dirty = false;
        self.cands.clear();
        self.cum.clear();
        let mut acc = 0.0;
        for (c, cum) in &mut self.circle_cands {
            c.clear();
            cum.clear();
        }
        for (i, m) in self.members.iter().enumerate() {
            if m.weight > 0.0 && m.join_at <= day_start && day_end <= m.left_at {
                acc += m.weight;
                self.cands.push(i as u32);
                self.cum.push(acc);
                for c in [m.circle, m.circle2] {
                    if let Some((cands, cum)) = self.circle_cands.get_mut(c as usize) {
                        let total = cum.last().copied().unwrap_or(0.0);
                        cands.push(i as u32);
                        cum.push(total + m.weight);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------ batch

    fn push(&mut self, at: i64, who: u32, what: What) -> u32 {
        let uid = self.next_uid;
        self.next_uid += 1;
        self.seq_of.push_back((0, 0));
        self.batch.specs.push(Spec { at, uid, who, what });
        uid
    }

    fn text(&mut self, say: Say, slots: &Slots) -> (u32, u32) {
        let start = self.batch.text.len();
        vocab::say(&mut self.batch.text, say, self.gp.theme, self.gp.english, slots, &mut self.rng);
        (start as u32, (self.batch.text.len() - start) as u32)
    }

    fn reply(&mut self, target: TMsg, own_ct: Ct) -> Reply {
        let shown = if own_ct != Ct::Text {
            Shown::Plain
        } else {
            let r = self.rng.f64();
            if r < self.sc.chat.quote_share {
                Shown::Quote
            } else if r < self.sc.chat.quote_share + self.sc.chat.mention_share {
                Shown::Mention
            } else {
                Shown::Plain
            }
        };
        Reply { target: target.uid, target_who: target.who, target_ct: target.ct, shown, quote: target.text }
    }

    fn msg(&mut self, at: i64, who: u32, ct: Ct, text: (u32, u32), reply: Option<Reply>, mentions: &[u32]) -> TMsg {
        let start = self.batch.ments.len() as u32;
        if let Some(r) = &reply
            && r.shown == Shown::Mention
        {
            self.batch.ments.push(r.target_who);
        }
        self.batch.ments.extend_from_slice(mentions);
        let ments = (start, self.batch.ments.len() as u32 - start);
        let uid = self.push(at, who, What::Msg { ct, text, mentions: ments, reply, checkin: 0 });
        TMsg { uid, who, text, ct }
    }

    fn say_msg(&mut self, at: i64, who: u32, say: Say, reply_to: Option<TMsg>, mentions: &[u32]) -> TMsg {
        let slots = Slots { hh: self.gp.topic_hour, ..Slots::default() };
        let text = self.text(say, &slots);
        let reply = reply_to.map(|t| self.reply(t, Ct::Text));
        self.msg(at, who, Ct::Text, text, reply, mentions)
    }

    /// Sorts the batch, writes what falls before `until`, keeps the rest.
    fn flush_until(&mut self, until: i64) -> io::Result<()> {
        let mut batch = std::mem::take(&mut self.batch);
        batch.specs.sort_unstable_by_key(|s| (s.at, s.uid));
        let cut = batch.specs.partition_point(|s| s.at < until);
        for i in 0..cut {
            let spec = batch.specs[i];
            self.emit(&batch, &spec)?;
        }
        // Carry the rest over into a fresh arena.
        let mut next = std::mem::take(&mut self.spare);
        next.specs.clear();
        next.text.clear();
        next.ments.clear();
        let end = self.plan.end;
        let mut min_needed = self.next_uid;
        for spec in &batch.specs[cut..] {
            if spec.at >= end {
                continue;
            }
            let mut s = *spec;
            if let What::Msg { text, mentions, reply, .. } = &mut s.what {
                *text = copy_range(&batch.text, &mut next.text, *text);
                let ms = &batch.ments[mentions.0 as usize..(mentions.0 + mentions.1) as usize];
                let start = next.ments.len() as u32;
                next.ments.extend_from_slice(ms);
                *mentions = (start, mentions.1);
                if let Some(r) = reply {
                    r.quote = copy_range(&batch.text, &mut next.text, r.quote);
                    min_needed = min_needed.min(r.target);
                }
            }
            min_needed = min_needed.min(s.uid);
            next.specs.push(s);
        }
        batch.specs.clear();
        self.spare = batch;
        self.batch = next;
        // Forget sequence numbers no pending reply can refer to.
        while self.uid_base < min_needed && !self.seq_of.is_empty() {
            self.seq_of.pop_front();
            self.uid_base += 1;
        }
        Ok(())
    }

    fn emit(&mut self, batch: &Batch, spec: &Spec) -> io::Result<()> {
        let who = spec.who as usize;
        let at = spec.at;
        let slot = (spec.uid - self.uid_base) as usize;
        let kind = match spec.what {
            What::Msg { ct, text, mentions, reply, checkin } => {
                let m = &self.members[who];
                if !m.present(at) || m.mute() {
                    return Ok(());
                }
                self.seq += 1;
                self.ord += 1;
                self.seq_of[slot] = (self.seq, self.ord);
                if checkin > 0 {
                    self.checkin_seqs.insert(self.seq);
                }
                let mut quote = None;
                if let Some(r) = reply {
                    let target = r.target.checked_sub(self.uid_base).and_then(|i| self.seq_of.get(i as usize));
                    if let Some(&(tseq, tord)) = target
                        && tseq > 0
                    {
                        if r.shown != Shown::Plain
                            && checkin == 0
                            && r.target_who != spec.who
                            && self.checkin_seqs.contains(&tseq)
                        {
                            self.checkins_answered.insert(tseq);
                        }
                        self.reply_count += 1;
                        let b = &mut self.replies;
                        b.extend_from_slice(b"{\"group\":");
                        crate::render::json_quoted(b, &self.ext_id);
                        b.extend_from_slice(b",\"id\":\"");
                        put_u64(b, self.seq as u64);
                        b.extend_from_slice(b"\",\"reply_to\":\"");
                        put_u64(b, tseq as u64);
                        b.extend_from_slice(b"\",\"n\":");
                        put_u64(b, self.ord as u64);
                        b.extend_from_slice(b",\"reply_to_n\":");
                        put_u64(b, tord as u64);
                        b.extend_from_slice(b",\"shown\":\"");
                        b.extend_from_slice(r.shown.as_str().as_bytes());
                        b.extend_from_slice(b"\"}\n");
                        if r.shown == Shown::Quote {
                            quote = Some(Quote {
                                seq: tseq,
                                who: r.target_who,
                                text: slice(&batch.text, r.quote),
                                ct: r.target_ct,
                            });
                        }
                    }
                }
                self.messages += 1;
                self.unreported += 1;
                if self.unreported >= 8192 {
                    if let Some(p) = self.progress {
                        p.fetch_add(self.unreported, Ordering::Relaxed);
                    }
                    self.unreported = 0;
                }
                self.members[who].msgs += 1;
                let local = at + OFFSET_S;
                self.hours[(local.rem_euclid(DAY) / 3600) as usize] += 1;
                let week = ((local.div_euclid(DAY) - self.plan.start_day) / 7) as usize;
                if let Some(w) = self.week_msgs.get_mut(week) {
                    *w += 1;
                }
                let theme = self.gp.theme;
                Kind::Message {
                    ct,
                    text: slice(&batch.text, text),
                    mentions: &batch.ments[mentions.0 as usize..(mentions.0 + mentions.1) as usize],
                    quote,
                    checkin: (checkin > 0)
                        .then_some((if self.gp.english { theme.challenge_en } else { theme.challenge_zh }, checkin)),
                }
            }
            What::Join { by } => {
                self.seq += 1;
                self.seq_of[slot] = (self.seq, 0);
                self.dirty = true;
                Kind::Join { by }
            }
            What::Leave { by } => {
                self.seq += 1;
                self.seq_of[slot] = (self.seq, 0);
                self.dirty = true;
                Kind::Leave { by }
            }
            What::Recall => {
                if !self.members[who].present(at) {
                    return Ok(());
                }
                self.seq += 1;
                Kind::Recall
            }
            What::Role { role, by } => Kind::Role { role, by },
            What::Order { amount, item } => {
                let (zh, en, _) = self.gp.theme.items[item as usize % self.gp.theme.items.len()];
                self.order_n += 1;
                let (y, m, d) = civil_from_days((at + OFFSET_S).div_euclid(DAY));
                let id = format!("E{y:04}{m:02}{d:02}-{:04}-{:06}", self.gp.index, self.order_n);
                let ctx = GroupCtx {
                    plan: self.gp,
                    platform: self.platform,
                    ext_id: &self.ext_id,
                    num_id: self.num_id,
                    people: &self.who,
                };
                let rec = Rec {
                    seq: 0,
                    at,
                    who: spec.who,
                    kind: Kind::Order { id: &id, amount_minor: amount, item: if self.gp.english { en } else { zh } },
                };
                return self.render.record(&ctx, &rec);
            }
        };
        let seq = match kind {
            Kind::Role { .. } => 0,
            _ => self.seq,
        };
        let ctx = GroupCtx {
            plan: self.gp,
            platform: self.platform,
            ext_id: &self.ext_id,
            num_id: self.num_id,
            people: &self.who,
        };
        self.render.record(&ctx, &Rec { seq, at, who: spec.who, kind })
    }

    // ------------------------------------------------------------ people

    fn speaker(&mut self) -> Option<u32> {
        self.rng.weighted(&self.cum).map(|i| self.cands[i])
    }

    /// Someone who answers `author`: usually a person tied to them (people
    /// answer people they know), else anyone by activity.
    fn responder(&mut self, author: u32, at: i64) -> Option<u32> {
        // In a group with circles, mostly someone of the conversation's
        // circle (outside a conversation: the author's; a bridge's either
        // circle), by activity.
        let a = &self.members[author as usize];
        let (own, second) = (a.circle, a.circle2);
        if own != NO_CIRCLE && self.rng.chance(self.sc.participation.circle_share) {
            let c = if self.thread_circle != NO_CIRCLE {
                self.thread_circle
            } else if second != NO_CIRCLE && self.rng.chance(0.5) {
                second
            } else {
                own
            };
            // Nobody of the circle around: the conversation waits.
            for _ in 0..8 {
                let Some(k) = self.rng.weighted(&self.circle_cands[c as usize].1) else { break };
                let w = self.circle_cands[c as usize].0[k];
                if w != author && self.members[w as usize].present(at) {
                    return Some(w);
                }
            }
            return None;
        }
        if self.rng.chance(self.sc.chat.tie_share) {
            // Among a few of their ties who are around, the more active one
            // is likelier to answer (in proportion to activity).
            let n = self.members[author as usize].ties.len();
            let mut pool = [(0u32, 0.0f64); 4];
            let mut k = 0;
            let mut total = 0.0;
            for _ in 0..4.min(n) {
                let c = self.members[author as usize].ties[self.rng.below(n)];
                let m = &self.members[c as usize];
                if m.weight > 0.0 && m.present(at) {
                    pool[k] = (c, m.weight);
                    total += m.weight;
                    k += 1;
                }
            }
            if k > 0 {
                let mut x = self.rng.f64() * total;
                for &(c, w) in &pool[..k] {
                    if x < w {
                        return Some(c);
                    }
                    x -= w;
                }
                return Some(pool[k - 1].0);
            }
        }
        for _ in 0..3 {
            let c = self.speaker()?;
            if c != author {
                return Some(c);
            }
        }
        None
    }

    fn gap(&mut self) -> i64 {
        let c = &self.sc.chat;
        self.rng.lognormal(c.gap_median_s, c.gap_sigma).clamp(3.0, 3.0 * 3600.0) as i64
    }

    fn content(&mut self) -> Ct {
        let r = self.rng.f64();
        if r < self.sc.chat.image_share {
            Ct::Image
        } else if r < self.sc.chat.image_share + self.sc.chat.sticker_share {
            Ct::Sticker
        } else {
            Ct::Text
        }
    }

    // ------------------------------------------------------------ conversation

    /// A conversation thread: a starter and follow-ups answering earlier
    /// messages of the thread.
    fn thread(&mut self, start: i64, followups: f64, silent: bool) {
        let Some(starter) = self.speaker().or(if silent { Some(0) } else { None }) else { return };
        if !self.members[starter as usize].present(start) {
            return;
        }
        let hour = ((start + OFFSET_S).rem_euclid(DAY) / 3600) as u32;
        let say = if silent {
            Say::Nudge
        } else {
            let r = self.rng.f64();
            if (6..10).contains(&hour) && r < 0.15 {
                Say::Greeting
            } else if hour >= 22 && r < 0.1 {
                Say::Evening
            } else if r < 0.55 {
                Say::Question
            } else {
                Say::Share
            }
        };
        let ct = if silent { Ct::Text } else { self.content() };
        let first = match ct {
            Ct::Text => self.niche_text(starter, say),
            _ => None,
        };
        let first = first.unwrap_or_else(|| self.text_or_media(ct, say));
        let first = self.msg(start, starter, ct, first, None, &[]);
        // The conversation stays in its starter's circle (a bridge's either one).
        let sm = &self.members[starter as usize];
        let (own, second) = (sm.circle, sm.circle2);
        self.thread_circle = if second != NO_CIRCLE && self.rng.chance(0.5) { second } else { own };
        let mut thread: [TMsg; 16] = [first; 16];
        let mut len = 1usize;
        let mut says = [say; 16];
        let n = self.rng.geometric(if silent { 0.3 } else { followups });
        let mut at = start;
        let c = &self.sc.chat;
        let (branch, cont, recall) = (c.branch_share, c.continue_share, c.recall_share);
        for _ in 0..n {
            at += self.gap();
            let last = len.min(16) - 1;
            let ti = if len > 1 && self.rng.chance(branch) { self.rng.below(last + 1) } else { last };
            let target = thread[ti];
            let target_say = says[ti];
            let (who, reply) = if self.rng.chance(cont) && self.members[thread[last].who as usize].present(at) {
                (thread[last].who, false)
            } else {
                match self.responder(target.who, at) {
                    Some(w) => (w, true),
                    None => continue,
                }
            };
            if self.rng.chance(recall) {
                self.push(at, who, What::Recall);
                continue;
            }
            let r = self.rng.f64();
            let say = match target_say {
                Say::Question if r < 0.6 => Say::Answer,
                Say::Question if r < 0.85 => Say::Ack,
                _ if r < 0.4 => Say::Ack,
                _ if r < 0.75 => Say::Answer,
                _ if r < 0.88 => Say::Question,
                _ => Say::Share,
            };
            let ct = self.content();
            let niche = if ct == Ct::Text { self.niche_text(who, say) } else { None };
            let text = niche.unwrap_or_else(|| self.text_or_media(ct, say));
            let rep = reply.then(|| self.reply(target, ct));
            let m = self.msg(at, who, ct, text, rep, &[]);
            if len < 16 {
                thread[len] = m;
                says[len] = say;
                len += 1;
            } else {
                thread[15] = m;
                says[15] = say;
            }
        }
        self.thread_circle = NO_CIRCLE;
    }

    fn text_or_media(&mut self, ct: Ct, say: Say) -> (u32, u32) {
        match ct {
            Ct::Text => self.text(say, &Slots::default()),
            _ => (self.batch.text.len() as u32, 0),
        }
    }

    /// Today's newcomers: welcomed (operated groups almost always, others
    /// seldom) and introducing themselves; the founders get one group-wide
    /// welcome and introduce themselves in the first hours (the creation burst).
    fn newcomers(&mut self, day_start: i64, day_end: i64, operated: bool) {
        let created = self.gp.created;
        let sc = self.sc;
        let r = &sc.rituals;
        if (day_start..day_end).contains(&created) {
            let at = created + 300 + self.rng.below(900) as i64;
            let name = self.gp.name.clone();
            let slots = Slots { group: &name, ..Slots::default() };
            let say = if self.gp.operated { Say::WelcomeAll } else { Say::Founded };
            let text = self.text(say, &slots);
            self.msg(at, 0, Ct::Text, text, None, &[]);
        }
        for i in 1..self.members.len() {
            let m = &self.members[i];
            if m.role == RoleKind::Spammer || !(day_start..day_end).contains(&m.join_at) {
                continue;
            }
            let join_at = m.join_at;
            let founder = join_at < created + 4 * 3600;
            let mut welcome = None;
            if !founder {
                let p = if operated { r.welcome_operated } else { r.welcome_unoperated };
                if self.rng.chance(p) {
                    let at = join_at + 30 + self.rng.below(900) as i64;
                    let welcomer = if operated {
                        let admins: Vec<u32> = (0..self.members.len() as u32)
                            .filter(|&k| self.members[k as usize].role == RoleKind::Admin)
                            .collect();
                        if !admins.is_empty() && self.rng.chance(0.4) { *self.rng.pick(&admins) } else { 0 }
                    } else {
                        self.speaker().unwrap_or(0)
                    };
                    if self.members[welcomer as usize].present(at) && welcomer != i as u32 {
                        welcome = Some(self.say_msg(at, welcomer, Say::Welcome, None, &[i as u32]));
                    }
                }
            }
            let p = if operated { r.intro } else { r.intro * 0.5 } * if founder { 0.8 } else { 1.0 };
            let introduces = self.rng.chance(p);
            if operated
                && !founder
                && !introduces
                && self.members[i].weight == 0.0
                && self.members[i].role == RoleKind::Member
            {
                std::mem::swap(&mut self.rng, &mut self.welcome_rng);
                self.late_welcome(i as u32);
                std::mem::swap(&mut self.rng, &mut self.welcome_rng);
            }
            if introduces {
                let at = join_at + 120 + self.rng.below(1800) as i64;
                let name = vocab::nickname(self.members[i].person, self.gp.english);
                let person = self.members[i].person;
                let slots =
                    Slots { name: &name, city: vocab::city(person), job: vocab::job(person), ..Slots::default() };
                let text = self.text(Say::Intro, &slots);
                let reply = welcome.map(|w| self.reply(w, Ct::Text));
                let intro = self.msg(at, i as u32, Ct::Text, text, reply, &[]);
                // Someone they know says hello back.
                if self.rng.chance(0.4)
                    && let Some(w) = self.responder(i as u32, at)
                    && w != i as u32
                {
                    let at = at + self.gap();
                    self.say_msg(at, w, Say::Ack, Some(intro), &[]);
                }
            }
        }
    }

    /// A quiet newcomer of an operated group (a lurker who did not introduce
    /// themselves) is welcomed personally by the owner or an admin, by
    /// @mention, `late_welcome_days` after joining; a share
    /// (`welcome_answer`) answers with a reply introducing themselves, a few
    /// hours later. Those who do not answer stay silent: whatever else the
    /// simulation has them say (a lurker's check-ins) is drawn as before, so
    /// the rest of the history keeps its draws, and not written
    /// ([`Member::mute`]). Called with the welcome stream swapped in as
    /// `self.rng`.
    fn late_welcome(&mut self, i: u32) {
        let r = &self.sc.rituals;
        let [lo, hi] = r.late_welcome_days;
        let join_at = self.members[i as usize].join_at;
        // At an hour of the group's rhythm, that many days on.
        let day = local_day(join_at + (self.rng.range_f(lo, hi.max(lo)) * DAY as f64) as i64);
        let at = self.rhythm_time(day).max(join_at + 3600);
        let answers = self.rng.chance(r.welcome_answer);
        let answer_at = at + 600 + self.rng.exp(3.0 * 3600.0) as i64;
        let staff: Vec<u32> = (0..self.members.len() as u32)
            .filter(|&k| {
                let m = &self.members[k as usize];
                matches!(m.role, RoleKind::Owner | RoleKind::Admin) && m.present(at)
            })
            .collect();
        if at >= self.plan.end || !self.members[i as usize].present(at) || staff.is_empty() {
            return;
        }
        let by = *self.rng.pick(&staff);
        self.members[i as usize].welcomed = true;
        let welcome = self.say_msg(at, by, Say::Welcome, None, &[i]);
        let answered =
            (answers && answer_at < self.plan.end && self.members[i as usize].present(answer_at)).then_some(answer_at);
        if let Some(t) = answered {
            let person = self.members[i as usize].person;
            let name = vocab::nickname(person, self.gp.english);
            let slots = Slots { name: &name, city: vocab::city(person), job: vocab::job(person), ..Slots::default() };
            let text = self.text(Say::Intro, &slots);
            let reply = self.reply(welcome, Ct::Text);
            let answer = self.msg(t, i, Ct::Text, text, Some(reply), &[]);
            self.members[i as usize].answer_uid = answer.uid;
        }
        self.welcomes.push((i, join_at, at, by, answered));
    }

    // ------------------------------------------------------------ rituals

    fn question(&mut self, day: i64) -> &'static str {
        let qs = if self.gp.english { self.gp.theme.questions_en } else { self.gp.theme.questions_zh };
        qs[(day as usize / 7 + self.gp.index) % qs.len()]
    }

    fn topic_preview(&mut self, day: i64) {
        let q = self.question(day + 1);
        let at = local_midnight(day) + 19 * 3600 + self.rng.below(2 * 3600) as i64;
        let slots = Slots { q, hh: self.gp.topic_hour, ..Slots::default() };
        let text = self.text(Say::TopicPreview, &slots);
        self.msg(at, 0, Ct::Text, text, None, &[]);
    }

    /// A previewed, time-boxed topic discussion at the group's fixed hour,
    /// closed with rewards for the most active speakers and digested the next
    /// morning (seed 000; the reading-club fixture shows the same ritual).
    fn topic_night(&mut self, day: i64) {
        let q = self.question(day);
        let open_at = local_midnight(day) + self.gp.topic_hour as i64 * 3600 + self.rng.below(120) as i64;
        let slots = Slots { q, ..Slots::default() };
        let text = self.text(Say::TopicOpen, &slots);
        let open = self.msg(open_at, 0, Ct::Text, text, None, &[]);
        let r = &self.sc.rituals;
        let share = self.rng.range_f(r.topic_participation[0], r.topic_participation[1]);
        let k = ((self.cands.len() as f64 * share).round() as usize).clamp(3.min(self.cands.len()), 60);
        let mut parts: Vec<u32> = Vec::with_capacity(k);
        for _ in 0..k * 3 {
            if parts.len() >= k {
                break;
            }
            if let Some(s) = self.speaker()
                && s != 0
                && !parts.contains(&s)
            {
                parts.push(s);
            }
        }
        if parts.is_empty() {
            return;
        }
        let mut pcum = Vec::with_capacity(parts.len());
        let mut acc = 0.0;
        for &p in &parts {
            acc += self.members[p as usize].weight.powf(0.5);
            pcum.push(acc);
        }
        let n = ((parts.len() as f64) * self.rng.range_f(1.5, 3.0)).round() as usize;
        let duration = self.rng.range_f(40.0, 70.0) * 60.0;
        let mut at = open_at;
        let mut last = open;
        let mut counts: Vec<(u32, u32)> = parts.iter().map(|&p| (p, 0)).collect();
        let mut prompts = 0u32;
        for j in 0..n {
            at += self.rng.exp(duration / n as f64).max(5.0) as i64;
            if j > 0 && j % 8 == 0 {
                last = self.say_msg(at, 0, Say::TopicPrompt, Some(last), &[]);
                prompts += 1;
                continue;
            }
            let who = parts[self.rng.weighted(&pcum).unwrap_or(0)];
            if !self.members[who as usize].present(at) {
                continue;
            }
            // Members take up what someone of their own circle said, else the host's question.
            let other_circle = {
                let (x, y) = (&self.members[who as usize], &self.members[last.who as usize]);
                let mine = [x.circle, x.circle2];
                let shared = [y.circle, y.circle2].iter().any(|c| *c != NO_CIRCLE && mine.contains(c));
                x.circle != NO_CIRCLE && y.circle != NO_CIRCLE && !shared
            };
            let target = if self.rng.chance(0.35) || last.who == who || other_circle { open } else { last };
            let r = self.rng.f64();
            let say = if r < 0.55 {
                Say::Answer
            } else if r < 0.8 {
                Say::Ack
            } else if r < 0.9 {
                Say::Question
            } else {
                Say::Share
            };
            last = self.say_msg(at, who, say, Some(target), &[]);
            if let Some(c) = counts.iter_mut().find(|c| c.0 == who) {
                c.1 += 1;
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<u32> = counts.iter().take(2).filter(|c| c.1 > 0).map(|c| c.0).collect();
        let close_at = at + 60 + self.rng.below(240) as i64;
        let text = self.text(Say::TopicClose, &Slots::default());
        self.msg(close_at, 0, Ct::Text, text, None, &top);
        let mut speakers: Vec<String> = std::iter::once(0)
            .chain(counts.iter().filter(|c| c.1 > 0).map(|c| c.0))
            .map(|w| self.who[w as usize].id.clone())
            .collect();
        speakers.sort();
        self.topics.push(TopicTruth {
            start_s: open_at,
            end_s: close_at,
            messages: 2 + prompts + counts.iter().map(|c| c.1).sum::<u32>(),
            speakers,
        });
        let digest_at = local_midnight(day + 1) + 9 * 3600 + self.rng.below(2 * 3600) as i64;
        let slots = Slots { q, ..Slots::default() };
        let text = self.text(Say::Digest, &slots);
        self.msg(digest_at, 0, Ct::Text, text, None, &[]);
    }

    fn guest_preview(&mut self, day: i64, guest: &str) {
        let at = local_midnight(day) + 20 * 3600 + self.rng.below(3600) as i64;
        let slots = Slots { guest, ..Slots::default() };
        let text = self.text(Say::GuestPreview, &slots);
        self.msg(at, 0, Ct::Text, text, None, &[]);
    }

    /// A guest share relayed into this group by its owner (one of many groups
    /// hearing it at once), then questions answered on the guest's behalf.
    fn guest_share(&mut self, at: i64, guest: &str) {
        let slots = Slots { guest, ..Slots::default() };
        let text = self.text(Say::GuestOpen, &slots);
        self.msg(at - 120, 0, Ct::Text, text, None, &[]);
        let mut t = at;
        for _ in 0..self.rng.range_u(6, 10) {
            t += 120 + self.rng.below(120) as i64;
            let text = self.text(Say::GuestRelay, &slots);
            self.msg(t, 0, Ct::Text, text, None, &[]);
        }
        for _ in 0..self.rng.range_u(2, 6) {
            t += 60 + self.rng.below(180) as i64;
            let Some(asker) = self.speaker() else { break };
            if asker == 0 {
                continue;
            }
            let text = self.text(Say::GuestQuestion, &slots);
            let q = self.msg(t, asker, Ct::Text, text, None, &[]);
            t += 60 + self.rng.below(180) as i64;
            let text = self.text(Say::GuestAnswer, &slots);
            let reply = Reply { shown: Shown::Quote, ..self.reply(q, Ct::Text) };
            self.msg(t, 0, Ct::Text, text, Some(reply), &[]);
        }
        for _ in 0..self.rng.range_u(3, 8) {
            t += 10 + self.rng.below(60) as i64;
            if let Some(w) = self.speaker() {
                self.say_msg(t, w, Say::Thanks, None, &[]);
            }
        }
    }

    fn challenge_start(&mut self, day: i64, round: u32, supervised: bool) -> Challenge {
        let morning = self.gp.theme.checkin_morning;
        let at = local_midnight(day) + if morning { 6 * 3600 } else { 18 * 3600 } + self.rng.below(1800) as i64;
        let slots = Slots { k: round, ..Slots::default() };
        let text = self.text(Say::ChallengeStart, &slots);
        self.msg(at, 0, Ct::Text, text, None, &[]);
        let signup = self.sc.rituals.challenge_signup;
        let day_start = local_midnight(day);
        let mut parts = Vec::new();
        for i in 1..self.members.len() {
            let m = &self.members[i];
            if m.role == RoleKind::Spammer || !m.present(day_start) || m.left_at < day_start + DAY {
                continue;
            }
            let p = if m.weight > 0.0 { signup } else { signup * 0.25 };
            if self.rng.chance(p) {
                parts.push((i as u32, 0, true));
            }
        }
        Challenge { round, start_day: day, supervised, parts, checkins: 0, days: Default::default() }
    }

    /// One challenge day: each challenger still in checks in (`#打卡 第N天`)
    /// or skips; without supervision they drop out several times faster
    /// (seed 000's dead check-in group). Supervisors cheer and remind.
    fn challenge_day(&mut self, ch: &mut Challenge, day_start: i64, day_end: i64) {
        let r = &self.sc.rituals;
        let dropout = if ch.supervised { r.challenge_dropout_supervised } else { r.challenge_dropout_unsupervised };
        let morning = self.gp.theme.checkin_morning;
        let mut missing = Vec::new();
        for k in 0..ch.parts.len() {
            let (who, count, alive) = ch.parts[k];
            if !alive {
                continue;
            }
            let m = &self.members[who as usize];
            if !(m.join_at <= day_start && day_end <= m.left_at) || self.rng.chance(dropout) {
                ch.parts[k].2 = false;
                continue;
            }
            if !self.rng.chance(0.85) {
                missing.push(who);
                continue;
            }
            let hour = if morning { self.rng.lognormal(7.0, 0.12) } else { self.rng.lognormal(21.0, 0.06) };
            let at = day_start + (hour.clamp(5.0, 23.9) * 3600.0) as i64;
            let n = count + 1;
            ch.parts[k].1 = n;
            // A muted newcomer's check-ins are drawn, not written.
            if !self.members[who as usize].mute() {
                ch.checkins += 1;
                ch.days.entry(who).or_default().push(local_day(at));
            }
            let start = self.batch.text.len();
            vocab::checkin(&mut self.batch.text, self.gp.theme, self.gp.english, n, &mut self.rng);
            let text = (start as u32, (self.batch.text.len() - start) as u32);
            let tm = self.msg(at, who, Ct::Text, text, None, &[]);
            if let Some(Spec { what: What::Msg { checkin, .. }, .. }) = self.batch.specs.last_mut() {
                *checkin = n;
            }
            let cheer_at = at + 300 + self.rng.below(3300) as i64;
            if ch.supervised && self.rng.chance(0.2) {
                self.say_msg(cheer_at, 0, Say::Cheer, Some(tm), &[]);
            } else if self.rng.chance(0.08)
                && let Some(w) = self.responder(who, cheer_at)
                && w != who
            {
                self.say_msg(cheer_at, w, Say::Cheer, Some(tm), &[]);
            }
        }
        if ch.supervised && !missing.is_empty() {
            let at = day_start + if morning { 9 * 3600 + 1800 } else { 22 * 3600 } + self.rng.below(900) as i64;
            missing.truncate(5);
            self.say_msg(at, 0, Say::ChallengeRemind, None, &missing);
        }
    }

    fn challenge_end(&mut self, ch: Challenge) {
        let name = if self.gp.english { self.gp.theme.challenge_en } else { self.gp.theme.challenge_zh };
        self.challenges.push(ChallengeTruth {
            name: name.to_string(),
            round: ch.round,
            start: date_string(ch.start_day),
            supervised: ch.supervised,
            participants: ch.parts.iter().filter(|p| !self.members[p.0 as usize].mute()).count() as u32,
            checkins: ch.checkins,
            finishers: ch.parts.iter().filter(|p| p.2 && !self.members[p.0 as usize].mute()).count() as u32,
            days: ch
                .days
                .iter()
                .map(|(&w, days)| (self.who[w as usize].id.clone(), days.iter().map(|&d| date_string(d)).collect()))
                .collect(),
        });
    }

    /// An offline meetup: announced a week ahead, sign-ups (+1) as replies,
    /// a reminder the evening before, photos and thanks on the day.
    fn offline_event(&mut self, day: i64, event_day: i64) {
        let (_, m, d) = civil_from_days(event_day);
        let date = if self.gp.english { format!("{m}/{d}") } else { format!("{m}月{d}日") };
        let at = local_midnight(day) + 12 * 3600 + self.rng.below(3600) as i64;
        let slots = Slots { date: &date, ..Slots::default() };
        let text = self.text(Say::OfflineAnnounce, &slots);
        let ann = self.msg(at, 0, Ct::Text, text, None, &[]);
        let share = self.rng.range_f(0.1, 0.25);
        let k = ((self.cands.len() as f64 * share).round() as usize).clamp(1, 20);
        let mut rsvp: Vec<u32> = Vec::new();
        for _ in 0..k * 3 {
            if rsvp.len() >= k {
                break;
            }
            if let Some(s) = self.speaker()
                && s != 0
                && !rsvp.contains(&s)
            {
                rsvp.push(s);
            }
        }
        let event_start = local_midnight(event_day) + 14 * 3600;
        for &w in &rsvp {
            let t = (at + 60 + self.rng.exp(6.0 * 3600.0) as i64).min(event_start - 3600);
            let name = self.who[w as usize].name.clone();
            let slots = Slots { name: &name, ..Slots::default() };
            let text = self.text(Say::Rsvp, &slots);
            let reply = self.reply(ann, Ct::Text);
            self.msg(t, w, Ct::Text, text, Some(reply), &[]);
        }
        let text = self.text(Say::OfflineRemind, &Slots::default());
        self.msg(local_midnight(event_day - 1) + 20 * 3600, 0, Ct::Text, text, None, &[]);
        let attended: Vec<u32> = rsvp.iter().copied().filter(|_| self.rng.chance(0.8)).collect();
        let mut t = event_start + 2 * 3600;
        for &w in attended.iter().take(4) {
            for _ in 0..self.rng.range_u(1, 3) {
                t += 30 + self.rng.below(600) as i64;
                self.msg(t, w, Ct::Image, (self.batch.text.len() as u32, 0), None, &[]);
            }
            t += 60;
            self.say_msg(t, w, Say::OfflineAfter, None, &[]);
        }
        let ids = |v: &[u32]| v.iter().map(|&w| self.who[w as usize].id.clone()).collect::<Vec<_>>();
        let truth = OfflineTruth { date: date_string(event_day), rsvp: ids(&rsvp), attended: ids(&attended) };
        self.offline.push(truth);
    }

    fn launch(&mut self, day: i64) {
        let hour = if self.rng.chance(0.5) { 12 } else { 20 };
        let at = local_midnight(day) + hour * 3600 + self.rng.below(1800) as i64;
        let k = self.rng.below(self.gp.theme.items.len()) as u32;
        let slots = Slots { k, ..Slots::default() };
        let text = self.text(Say::Launch, &slots);
        self.msg(at, 0, Ct::Text, text, None, &[]);
    }

    /// Purchases: every present member (lurkers too: value is purchasing
    /// power, not talk) buys with a small daily hazard, several times higher
    /// in their first days (impulse buying happens early).
    fn orders(&mut self, day: i64, day_start: i64, day_end: i64, boost: f64) {
        let sc = self.sc;
        let o = &sc.orders;
        for i in 1..self.members.len() {
            let m = &self.members[i];
            if m.role == RoleKind::Spammer || !(m.join_at <= day_start && day_end <= m.left_at) {
                continue;
            }
            let tenure = (day_start - m.join_at) as f64 / DAY as f64;
            let h = o.daily_hazard * (1.0 + o.impulse * (-tenure / o.impulse_days.max(0.1)).exp()) * boost;
            if self.rng.chance(h) {
                let at = self.rhythm_time(day);
                let item = self.rng.below(self.gp.theme.items.len()) as u32;
                let amount = self.gp.theme.items[item as usize].2;
                self.push(at, i as u32, What::Order { amount, item });
            }
        }
    }

    /// An ad account (小广告) joins, invited by a member, and posts a burst of
    /// ads; an operated group's admin removes it within minutes and restates
    /// the rule, elsewhere it stays and comes back.
    fn spam(&mut self, at: i64, operated: bool) {
        let existing: Vec<u32> = self
            .spammers_here
            .iter()
            .copied()
            .filter(|&s| self.members[s as usize].left_at == NEVER && self.members[s as usize].join_at < at)
            .collect();
        let who = if !existing.is_empty() && self.rng.chance(0.5) {
            *self.rng.pick(&existing)
        } else {
            let plan = self.plan;
            let people = &plan.people;
            let person = people.regular + self.rng.below(people.spammers as usize) as u32;
            if self.members.iter().any(|m| m.person == person) {
                return;
            }
            let inviter = self.speaker().unwrap_or(0);
            let idx = self.members.len() as u32;
            self.members.push(Member {
                person,
                join_at: at,
                left_at: NEVER,
                inviter: Some(inviter),
                weight: 0.0,
                ties: Vec::new(),
                role: RoleKind::Spammer,
                msgs: 0,
                circle: NO_CIRCLE,
                circle2: NO_CIRCLE,
                niche: None,
                welcomed: false,
                answer_uid: u32::MAX,
            });
            let (id, num) = person_id(self.platform, person);
            self.who.push(Who { id, name: vocab::spam_name(person - people.regular), num });
            self.spammers_here.push(idx);
            self.push(at, idx, What::Join { by: Some(inviter) });
            idx
        };
        let mut t = at + 30 + self.rng.below(540) as i64;
        let first_ad = t;
        for _ in 0..self.rng.range_u(1, 3) {
            let ct = if self.rng.chance(0.2) { Ct::Image } else { Ct::Text };
            let text = self.text_or_media(ct, Say::Ad);
            self.msg(t, who, ct, text, None, &[]);
            t += 20 + self.rng.below(100) as i64;
        }
        if operated {
            let k = &self.sc.spam.kick_minutes;
            let kick = first_ad + (self.rng.range_f(k[0], k[1]) * 60.0) as i64;
            let kick = kick.max(t + 1);
            self.members[who as usize].left_at = kick;
            self.push(kick, who, What::Leave { by: Some(0) });
            let text = self.text(Say::Rule, &Slots::default());
            let at = kick + 10 + self.rng.below(50) as i64;
            self.msg(at, 0, Ct::Text, text, None, &[]);
        }
    }

    // ------------------------------------------------------------ truth

    fn truth(&self) -> GroupTruth {
        let gp = self.gp;
        let sc = self.sc;
        let e = sc.lifecycle.emerging_days as f64;
        let end = self.plan.end;
        let start = self.plan.start_day;
        let date_of = |t: i64| date_string(crate::time::local_day(t));
        let mut weeks = Vec::new();
        let mut silent_week = None;
        for w in 0..self.week_msgs.len() {
            let ws = local_midnight(start + 7 * w as i64);
            let we = (ws + 7 * DAY).min(end);
            if we <= gp.created {
                continue;
            }
            let a = ws.max(gp.created);
            let stage = gp.stage(self.days((a + we) / 2), e);
            if stage == Stage::Silent && silent_week.is_none() {
                silent_week = Some(w as u32);
            }
            weeks.push(WeekTruth {
                week: w as u32,
                start: date_string(start + 7 * w as i64),
                stage: stage.as_str(),
                messages: self.week_msgs[w],
            });
        }
        let silent_at = self.abs(gp.silent);
        let mut senders: Vec<u32> = self.members.iter().map(|m| m.msgs).filter(|&c| c > 0).collect();
        senders.sort_unstable_by(|a, b| b.cmp(a));
        let total: u64 = senders.iter().map(|&c| c as u64).sum();
        let top = (senders.len() as f64 * 0.2).ceil() as usize;
        let top_sum: u64 = senders.iter().take(top).map(|&c| c as u64).sum();
        let mut by_ties: Vec<usize> = (0..self.members.len()).collect();
        by_ties.sort_by(|&a, &b| self.members[b].ties.len().cmp(&self.members[a].ties.len()).then(a.cmp(&b)));
        let id = |i: usize| self.who[i].id.clone();
        GroupTruth {
            index: gp.index,
            name: gp.name.clone(),
            platform: self.platform.as_str(),
            group: self.ext_id.clone(),
            files: Vec::new(),
            theme: gp.theme.key,
            english: gp.english,
            operated: gp.operated,
            operation_ends: (gp.operated && self.abs(gp.operation_end) < end)
                .then(|| date_of(self.abs(gp.operation_end))),
            created: {
                let mut b = Vec::new();
                crate::time::Clock::default().rfc3339(&mut b, gp.created);
                String::from_utf8(b).expect("ascii")
            },
            parent: gp.parent.map(|p| self.plan.groups[p].name.clone()),
            size_target: gp.size,
            members_joined: self.members.iter().filter(|m| m.role != RoleKind::Spammer && m.join_at < end).count()
                as u32,
            members_at_end: self.members.iter().filter(|m| m.join_at < end && m.left_at >= end).count() as u32,
            stage_starts_days: StageDays {
                growing: e,
                active: gp.growth_end,
                declining: gp.decline_start,
                silent: gp.silent,
            },
            lifetime_days: gp.silent,
            silent_week,
            silent_day: (silent_at < end).then(|| date_of(silent_at)),
            owner: id(0),
            admins: (0..self.members.len()).filter(|&i| self.members[i].role == RoleKind::Admin).map(id).collect(),
            hubs: by_ties.iter().take(3).map(|&i| id(i)).collect(),
            spammers: self.spammers_here.iter().map(|&i| id(i as usize)).collect(),
            counts: self.render.counts(),
            hours: self.hours.to_vec(),
            senders: senders.len() as u32,
            top20_share: if total > 0 { top_sum as f64 / total as f64 } else { 0.0 },
            replies: self.reply_count,
            weeks,
            challenges: self.challenges.clone(),
            topics: self.topics.clone(),
            checkins_answered: self.checkins_answered.len() as u64,
            offline_events: self.offline.clone(),
            guest_shares: gp
                .guest_shares
                .iter()
                .filter(|g| g.at < end)
                .map(|g| {
                    let mut b = Vec::new();
                    crate::time::Clock::default().rfc3339(&mut b, g.at);
                    String::from_utf8(b).expect("ascii")
                })
                .collect(),
            circles: {
                let mut circles = vec![Vec::new(); self.circle_cands.len()];
                for (i, m) in self.members.iter().enumerate() {
                    if let Some(c) = circles.get_mut(m.circle as usize) {
                        c.push(id(i));
                    }
                }
                circles
            },
            introductions: {
                let mut pairs: Vec<(u8, usize, usize)> = Vec::new();
                for (i, m) in self.members.iter().enumerate() {
                    if let Some((k, true)) = m.niche
                        && let Some(e) = self.members.iter().position(|x| x.niche == Some((k, false)))
                    {
                        pairs.push((k, i, e));
                    }
                }
                pairs.sort_unstable();
                pairs
                    .into_iter()
                    .map(|(k, a, e)| {
                        let (zh, en) = SPECIALTIES[k as usize];
                        (id(a), id(e), if self.gp.english { en } else { zh }.to_string())
                    })
                    .collect()
            },
            welcomes: self
                .welcomes
                .iter()
                .map(|&(who, joined, at, by, answered)| {
                    let time = |t: i64| {
                        let mut b = Vec::new();
                        crate::time::Clock::default().rfc3339(&mut b, t);
                        String::from_utf8(b).expect("ascii")
                    };
                    WelcomeTruth {
                        member: id(who as usize),
                        joined: time(joined),
                        welcomed: time(at),
                        by: id(by as usize),
                        answered: answered.map(time),
                    }
                })
                .collect(),
            bridges: (0..self.members.len())
                .filter(|&i| self.members[i].circle2 != NO_CIRCLE)
                .map(|i| (id(i), self.members[i].circle2))
                .collect(),
        }
    }
}

fn copy_range(from: &str, to: &mut String, r: (u32, u32)) -> (u32, u32) {
    let start = to.len() as u32;
    to.push_str(slice(from, r));
    (start, r.1)
}

#[inline]
fn slice(s: &str, r: (u32, u32)) -> &str {
    &s[r.0 as usize..(r.0 + r.1) as usize]
}
