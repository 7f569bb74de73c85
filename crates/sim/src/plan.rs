//! The community plan: everything decided before any group is simulated —
//! which groups exist, who is in them, how long they live, when the shared
//! rituals happen. Planning is sequential and cheap (no messages); the groups
//! are then simulated independently, each from its own random stream, so the
//! output does not depend on how many threads run.

use crate::rng::{Rng, derive, hash64};
use crate::scenario::{GroupSpec, Scenario};
use crate::time::{DAY, local_midnight, weekday};
use crate::vocab::{self, Theme};
use std::collections::HashSet;

pub use tonghao_model::Platform;

pub use tonghao_model::Stage;

/// A guest share relayed to several groups at once (嘉宾分享).
#[derive(Clone, Debug)]
pub struct GuestShare {
    /// Start time (Unix seconds).
    pub at: i64,
    /// The guest's display name.
    pub guest: String,
}

/// Who is who in the community's person index space.
#[derive(Clone, Debug)]
pub struct People {
    /// Operators (staff): persons `0..staff`.
    pub staff: u32,
    /// Everyone who is not an ad account: persons `0..regular`.
    pub regular: u32,
    /// Ad accounts: persons `regular..regular + spammers`.
    pub spammers: u32,
}

/// The platform identity of a person: (id, numeric id).
pub fn person_id(platform: Platform, person: u32) -> (String, u64) {
    match platform {
        Platform::Wechat => {
            let mut h = hash64(person as u64 ^ 0x7778_6964);
            let mut s = String::with_capacity(17);
            s.push_str("wxid_");
            for _ in 0..12 {
                s.push(b"abcdefghijklmnopqrstuvwxyz0123456789"[(h % 36) as usize] as char);
                h /= 36;
            }
            // The hash alone could collide; the person number keeps ids unique.
            s.push_str(&format!("{person:x}"));
            (s, 0)
        }
        Platform::Qq => {
            let n = 200_000_000 + person as u64 * 37 + 11;
            (n.to_string(), n)
        }
        Platform::Telegram => {
            let n = 5_000_000_000 + person as u64 * 13 + 7;
            (format!("user{n}"), n)
        }
        Platform::Discord => {
            let n = 800_000_000_000_000_000 + person as u64 * 7919;
            (n.to_string(), n)
        }
        _ => (format!("u{person}"), person as u64),
    }
}

/// One group's plan.
#[derive(Clone, Debug)]
pub struct GroupPlan {
    /// Position in the scenario (also the output order).
    pub index: usize,
    /// Display name, unique in the scenario.
    pub name: String,
    /// What it is about.
    pub theme: &'static Theme,
    /// Chats in English.
    pub english: bool,
    /// Where it lives.
    pub platform: Platform,
    /// Creation time (Unix seconds).
    pub created: i64,
    /// Creation day since the scenario start.
    pub created_day: u32,
    /// Target size (people who join over its life).
    pub size: u32,
    /// The people in it, by person index; `members[0]` is the owner.
    pub members: Vec<u32>,
    /// Operated: rituals, welcomes, rules, removal of ads.
    pub operated: bool,
    /// Days after creation when operation stops (∞ when never operated…
    /// see [`GroupPlan::operated_at`]).
    pub operation_end: f64,
    /// Days after creation when growth ends (→ active).
    pub growth_end: f64,
    /// Days after creation when decline starts.
    pub decline_start: f64,
    /// Days after creation when the group falls silent.
    pub silent: f64,
    /// Runs check-in challenges.
    pub checkin: bool,
    /// Sells.
    pub commerce: bool,
    /// Holds offline events.
    pub offline: bool,
    /// Weekday (0 = Monday) of the weekly topic discussion.
    pub topic_weekday: u32,
    /// Hour of the weekly topic discussion.
    pub topic_hour: u32,
    /// Guest shares relayed here.
    pub guest_shares: Vec<GuestShare>,
    /// The group it was split from.
    pub parent: Option<usize>,
    /// Expected background messages a day at the plateau, before scaling.
    pub unit_rate: f64,
    /// Expected background messages a day at the plateau.
    pub base_rate: f64,
    /// Decline rate (per day) chosen so the expected volume crosses the
    /// silence threshold exactly at [`GroupPlan::silent`].
    pub decline_k: f64,
    /// This group's random seed.
    pub seed: u64,
}

impl GroupPlan {
    /// The stage `t` days after creation.
    pub fn stage(&self, t: f64, emerging_days: f64) -> Stage {
        if t < emerging_days {
            Stage::Emerging
        } else if t < self.growth_end {
            Stage::Growing
        } else if t < self.decline_start {
            Stage::Active
        } else if t < self.silent {
            Stage::Declining
        } else {
            Stage::Silent
        }
    }

    /// Whether someone operates the group `t` days after creation.
    pub fn operated_at(&self, t: f64) -> bool {
        self.operated && t < self.operation_end
    }

    /// Relative background volume `t` days after creation (1 = plateau),
    /// before the present-members factor and noise. In the silent stage the
    /// floor is returned as an absolute rate by [`GroupPlan::rate`].
    pub fn vitality(&self, t: f64, lc: &crate::scenario::Lifecycle) -> f64 {
        let e = lc.emerging_days as f64;
        if t < e {
            1.0 + lc.burst * (-t / 2.0).exp()
        } else if t < self.growth_end {
            0.75 + 0.25 * (t - e) / (self.growth_end - e).max(1.0)
        } else if t < self.decline_start {
            1.0
        } else if t < self.silent {
            (-self.decline_k * (t - self.decline_start)).exp()
        } else {
            0.0
        }
    }

    /// Expected background messages a day, `t` days after creation, given the
    /// share of the target size present.
    pub fn rate(&self, t: f64, present_share: f64, sc: &Scenario) -> f64 {
        if t >= self.silent {
            return sc.lifecycle.silent_floor_per_week / 7.0;
        }
        let m = present_share.clamp(0.02, 1.5).powf(sc.chat.size_exponent);
        self.base_rate * self.vitality(t, &sc.lifecycle) * if t < self.decline_start { m } else { 1.0 }
    }
}

/// The whole plan.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The groups, in output order.
    pub groups: Vec<GroupPlan>,
    /// The person index space.
    pub people: People,
    /// Scenario start day number.
    pub start_day: i64,
    /// Unix seconds of the end of the simulated span.
    pub end: i64,
    /// The factor applied to `chat.rate` to meet `messages`.
    pub scale: f64,
}

const LABEL_PLAN: u64 = 0x706c_616e;
const LABEL_GROUP: u64 = 0x6772_6f75;

fn uniform(rng: &mut Rng, r: [f64; 2]) -> f64 {
    rng.range_f(r[0].min(r[1]), r[0].max(r[1]))
}

/// Plans a scenario for a seed.
pub fn plan(sc: &Scenario, seed: u64) -> Plan {
    let mut rng = Rng::new(derive(seed, LABEL_PLAN, 0));
    let start_day = sc.start_day();
    let n = sc.groups as usize;
    let lc = &sc.lifecycle;
    let e = lc.emerging_days as f64;

    // 1. Group attributes.
    let platforms: Vec<(Platform, f64)> =
        sc.platforms.iter().filter_map(|(p, w)| p.parse::<Platform>().ok().map(|p| (p, *w))).collect();
    let mut cum = Vec::new();
    let mut acc = 0.0;
    for (_, w) in &platforms {
        acc += w;
        cum.push(acc);
    }
    let mut used_names: HashSet<String> = sc.group.iter().filter_map(|g| g.name.clone()).collect();
    let mut counters = vec![0u32; vocab::THEMES.len()];
    let mut groups = Vec::with_capacity(n);
    let empty = GroupSpec::default();
    for index in 0..n {
        let spec = sc.group.get(index).unwrap_or(&empty);
        let theme = match &spec.theme {
            Some(t) => vocab::theme(t).expect("checked"),
            None => vocab::theme(&sc.themes[rng.below(sc.themes.len())]).expect("checked"),
        };
        let platform = match &spec.platform {
            Some(p) => p.parse::<Platform>().expect("checked"),
            None => platforms[rng.weighted(&cum).unwrap_or(0)].0,
        };
        let english = spec.english.unwrap_or_else(|| {
            let p = if platform == Platform::Telegram { 2.0 * sc.english_share } else { sc.english_share };
            rng.chance(p.min(1.0))
        });
        let operated = spec.operated.unwrap_or_else(|| rng.chance(sc.operated_share));
        let checkin = spec
            .checkin
            .unwrap_or_else(|| rng.chance(if operated { sc.checkin_share } else { sc.checkin_share * 0.3 }));
        let commerce = spec.commerce.unwrap_or_else(|| operated && rng.chance(sc.commerce_share));
        let offline = spec.offline.unwrap_or_else(|| operated && rng.chance(sc.offline_share));
        let size = spec.size.unwrap_or_else(|| {
            rng.lognormal(sc.sizes.median, sc.sizes.sigma).round().clamp(sc.sizes.min as f64, sc.sizes.max as f64)
                as u32
        });
        let created_day =
            spec.created_day.unwrap_or_else(|| rng.below(sc.created_within_days.clamp(1, sc.days) as usize) as u32);
        let name = match &spec.name {
            Some(n) => n.clone(),
            None => {
                let ti = vocab::THEMES.iter().position(|t| t.key == theme.key).expect("listed");
                loop {
                    counters[ti] += 1;
                    let k = counters[ti];
                    let candidate =
                        if english { format!("{} #{k}", theme.group_en) } else { format!("{}{k}群", theme.group_zh) };
                    if used_names.insert(candidate.clone()) {
                        break candidate;
                    }
                }
            }
        };
        // Lifecycle (days since creation).
        let mut growth_end = uniform(&mut rng, lc.growth_days).max(e + 1.0);
        let (operation_end, decline_start, silent) = if operated {
            let op = spec.operation_days.unwrap_or_else(|| uniform(&mut rng, lc.operated_span_days)).max(e + 2.0);
            growth_end = growth_end.min(op * 0.5).max(e + 1.0);
            let d = op + uniform(&mut rng, lc.decline_delay_days);
            let s = d + uniform(&mut rng, lc.decline_days).max(1.0);
            (op, d, s)
        } else {
            let life =
                spec.lifetime_days.unwrap_or_else(|| uniform(&mut rng, lc.unoperated_lifetime_days)).max(e + 4.0);
            growth_end = growth_end.min(0.45 * life).max(e + 1.0);
            let d = growth_end + rng.range_f(0.2, 0.5) * (life - growth_end);
            (0.0, d, life)
        };
        // Creation in the evening, when groups are usually pulled together.
        let created = local_midnight(start_day + created_day as i64) + 19 * 3600 + rng.below(3 * 3600) as i64;
        let topic_weekday = rng.range_u(1, 4);
        let topic_hour = if rng.chance(0.5) { 20 } else { 21 };
        let parent = spec.parent.as_ref().and_then(|p| sc.group.iter().position(|g| g.name.as_deref() == Some(p)));
        groups.push(GroupPlan {
            index,
            name,
            theme,
            english,
            platform,
            created,
            created_day,
            size,
            members: Vec::new(),
            operated,
            operation_end,
            growth_end,
            decline_start,
            silent,
            checkin,
            commerce,
            offline,
            topic_weekday,
            topic_hour,
            guest_shares: Vec::new(),
            parent,
            unit_rate: 0.0,
            base_rate: 0.0,
            decline_k: 0.0,
            seed: derive(seed, LABEL_GROUP, index as u64),
        });
    }

    // 2. Sizes: scale the generated groups so that the seats, less the share
    // filled by people already seated elsewhere, match `members`.
    let explicit = sc.group.len().min(n);
    let seats_explicit: f64 = groups[..explicit].iter().map(|g| g.size as f64).sum();
    let seats_generated: f64 = groups[explicit..].iter().map(|g| g.size as f64).sum();
    if seats_generated > 0.0 {
        let wanted = sc.members as f64 / (1.0 - sc.overlap.clamp(0.0, 0.95)) - seats_explicit;
        let f = (wanted / seats_generated).max(0.05);
        for g in &mut groups[explicit..] {
            g.size = (g.size as f64 * f).round().clamp(sc.sizes.min as f64, sc.sizes.max as f64) as u32;
        }
    }

    // 3. Seats. Operators first: one operator runs up to eight operated groups.
    let operated_groups = groups.iter().filter(|g| g.operated).count() as u32;
    let staff = operated_groups.div_ceil(8).max(1);
    let mut next_person = staff;
    let mut seated: Vec<u32> = Vec::new();
    let mut op_k = 0u32;
    for gi in 0..n {
        let size = groups[gi].size as usize;
        let mut members = Vec::with_capacity(size);
        let mut here: HashSet<u32> = HashSet::with_capacity(size);
        let owner = if groups[gi].operated {
            op_k += 1;
            (op_k - 1) % staff
        } else {
            next_person += 1;
            next_person - 1
        };
        members.push(owner);
        here.insert(owner);
        let parent_members: Vec<u32> = match groups[gi].parent {
            Some(p) => groups[p].members.clone(),
            None => Vec::new(),
        };
        while members.len() < size {
            let person = if !parent_members.is_empty() && rng.chance(0.85) {
                // A split (分群): most seats go to people from the parent group.
                let mut found = None;
                for _ in 0..8 {
                    let c = *rng.pick(&parent_members);
                    if !here.contains(&c) {
                        found = Some(c);
                        break;
                    }
                }
                found
            } else if !seated.is_empty() && rng.chance(sc.overlap) {
                let mut found = None;
                for _ in 0..8 {
                    let c = *rng.pick(&seated);
                    if !here.contains(&c) {
                        found = Some(c);
                        break;
                    }
                }
                found
            } else {
                None
            };
            let person = person.unwrap_or_else(|| {
                next_person += 1;
                next_person - 1
            });
            if here.insert(person) {
                members.push(person);
            }
        }
        seated.extend(members.iter().copied().filter(|&p| p >= staff));
        groups[gi].members = members;
    }
    let regular = next_person;
    let spammers = ((sc.spam.accounts_per_1000 * regular as f64 / 1000.0).ceil() as u32).max(1);
    let people = People { staff, regular, spammers };

    // 4. Volume: base rates, then a first estimate of the scale that meets
    // `messages` (refined by simulating a sample, see `crate::calibrate`).
    let end = local_midnight(start_day + sc.days as i64);
    for g in &mut groups {
        let boost = if g.operated { sc.chat.operated_boost } else { 1.0 };
        g.unit_rate = sc.chat.rate * (g.size as f64).powf(sc.chat.size_exponent) * boost;
        g.base_rate = g.unit_rate;
    }

    // 5. Guest shares, relayed to every operated group that is growing or
    // active and still operated that evening.
    if sc.rituals.guest_share_every_days > 0 {
        let every = sc.rituals.guest_share_every_days as i64;
        let mut day = every / 2;
        while day < sc.days as i64 {
            // The nearest Thursday at or after the slot.
            let mut d = start_day + day;
            while weekday(d) != 3 {
                d += 1;
            }
            let at = local_midnight(d) + 20 * 3600;
            let guest_person = rng.below(people.regular as usize) as u32;
            let guest = if rng.chance(0.5) {
                format!("{}老师", vocab::nickname(guest_person, false))
            } else {
                vocab::nickname(guest_person, false)
            };
            for g in &mut groups {
                let t = (at - g.created) as f64 / DAY as f64;
                if t > e && g.operated_at(t) && g.stage(t, e) <= Stage::Active {
                    g.guest_shares.push(GuestShare { at, guest: guest.clone() });
                }
            }
            day += every;
        }
    }

    let mut plan = Plan { groups, people, start_day, end, scale: 1.0 };
    plan.set_scale(sc, 1.0);
    if sc.messages > 0 {
        let (background, rituals) = expected_volumes(&plan.groups, sc, end);
        if background > 0.0 {
            plan.set_scale(sc, ((sc.messages as f64 - rituals) / background).max(0.01));
        }
    }
    plan
}

impl Plan {
    /// Sets the volume scale: every group's plateau rate, and its decline
    /// rate (from the plateau's weekly volume down to the silence threshold
    /// over the decline stage).
    pub fn set_scale(&mut self, sc: &Scenario, scale: f64) {
        self.scale = scale;
        for g in &mut self.groups {
            g.base_rate = g.unit_rate * scale;
            let plateau_week = 7.0 * g.base_rate;
            let span = (g.silent - g.decline_start).max(1.0);
            g.decline_k = (plateau_week / sc.lifecycle.silent_below_per_week).max(1.0).ln() / span;
        }
    }
}

/// Expected (background at unit scale, rituals) messages of these groups.
pub fn expected_volumes(groups: &[GroupPlan], sc: &Scenario, end: i64) -> (f64, f64) {
    groups.iter().map(|g| expected_volume(g, sc, end)).fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y))
}

/// Expected (background, ritual) messages of a group within the span, for
/// calibrating the volume. Coarse on rituals: they are a minor share.
fn expected_volume(g: &GroupPlan, sc: &Scenario, end: i64) -> (f64, f64) {
    let days = ((end - g.created) as f64 / DAY as f64).max(0.0);
    let mut background = 0.0;
    let mut rituals = 0.0;
    let weekday_mean = sc.rhythm.weekdays.iter().sum::<f64>() / 7.0;
    let mut t = 0.5;
    while t < days {
        // Expected share of the target size present: founders at once, the
        // rest over the growth stage.
        let present = if t < g.growth_end { 0.35 + 0.65 * (t / g.growth_end).powf(0.67) } else { 0.95 };
        background += g.rate(t, present, sc) * weekday_mean;
        if g.operated_at(t) && t > sc.lifecycle.emerging_days as f64 {
            let active = g.size as f64 * (1.0 - lurker_share(g.size, sc));
            // Topic night, once a week.
            if sc.rituals.topic_weekly {
                rituals += (active * 0.32 * 2.2 + 6.0) / 7.0;
            }
            if g.checkin {
                rituals += active * sc.rituals.challenge_signup * 0.5;
            }
            rituals += 1.5; // welcomes, reminders, guest shares, events
        }
        t += 1.0;
    }
    (background, rituals)
}

/// Share of members who never post on their own, by group size (interpolated
/// on log size between the scenario's values at 10 and 1,000 members).
pub fn lurker_share(size: u32, sc: &Scenario) -> f64 {
    let p = &sc.participation;
    let x = (((size.max(2) as f64).log10() - 1.0) / 2.0).clamp(0.0, 1.2);
    (p.lurkers_at_10 + (p.lurkers_at_1000 - p.lurkers_at_10) * x).clamp(0.0, 0.97)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_consistent() {
        let sc = Scenario::load("small").unwrap();
        let a = plan(&sc, 1);
        let b = plan(&sc, 1);
        assert_eq!(a.groups.len(), sc.groups as usize);
        for (x, y) in a.groups.iter().zip(&b.groups) {
            assert_eq!(x.members, y.members);
            assert_eq!(x.name, y.name);
        }
        let names: HashSet<_> = a.groups.iter().map(|g| &g.name).collect();
        assert_eq!(names.len(), a.groups.len(), "names are unique");
        for g in &a.groups {
            assert!(g.growth_end < g.decline_start && g.decline_start < g.silent, "{g:?}");
            assert_eq!(g.members.len(), g.size as usize);
            let unique: HashSet<_> = g.members.iter().collect();
            assert_eq!(unique.len(), g.members.len());
            if !g.operated {
                let (lo, hi) = (sc.lifecycle.unoperated_lifetime_days[0], sc.lifecycle.unoperated_lifetime_days[1]);
                assert!(g.silent >= lo.min(hi) - 1e-9 && g.silent <= hi.max(lo) + 1e-9 || sc.group.len() > g.index);
            }
        }
    }

    #[test]
    fn ids_are_unique_per_platform() {
        let mut seen = HashSet::new();
        for p in 0..5000 {
            assert!(seen.insert(person_id(Platform::Wechat, p).0));
        }
    }
}
