//! Scenarios: what to simulate, as TOML. Every field has a default, so a
//! scenario file names only what it changes; `docs/sim.md` explains each
//! parameter and where its value comes from.

use crate::SimError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The scenarios shipped with tonghao, by name: `small` (tests), `demo`
/// (`tonghao demo`) and `large` (benchmarks).
pub const BUILTIN: &[(&str, &str)] = &[
    ("small", include_str!("../scenarios/small.toml")),
    ("demo", include_str!("../scenarios/demo.toml")),
    ("large", include_str!("../scenarios/large.toml")),
];

/// One simulated community: its groups, people, time span and behaviour.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Short name (used in the truth file).
    pub name: String,
    /// One line on what it is for.
    pub description: String,
    /// First simulated day, `YYYY-MM-DD` (Asia/Shanghai).
    pub start: String,
    /// Number of simulated days.
    pub days: u32,
    /// Total number of groups (explicit `[[group]]`s first, the rest generated).
    pub groups: u32,
    /// People in the community (ordinary members; operators and ad accounts
    /// come on top), approximately.
    pub members: u32,
    /// Target total number of messages; 0 leaves the volume to the rates in
    /// `[chat]`. When set, the background chat rate is scaled so that the
    /// expected total matches (rituals are not scaled).
    pub messages: u64,
    /// Theme keys the generated groups draw from (see `docs/sim.md`).
    pub themes: Vec<String>,
    /// Platform mix of generated groups: name → weight.
    pub platforms: BTreeMap<String, f64>,
    /// Share of generated groups that chat in English (Telegram groups twice
    /// as likely).
    pub english_share: f64,
    /// Share of generated groups that are operated (rituals, welcomes, rules).
    pub operated_share: f64,
    /// Share of generated operated groups that run check-in challenges.
    pub checkin_share: f64,
    /// Share of generated operated groups that sell (orders).
    pub commerce_share: f64,
    /// Share of generated operated groups that hold offline events.
    pub offline_share: f64,
    /// Generated groups are created on a day drawn uniformly from
    /// `[0, created_within_days)`.
    pub created_within_days: u32,
    /// Share of group seats filled by someone already in another group.
    pub overlap: f64,
    /// Group sizes.
    pub sizes: Sizes,
    /// Who speaks how much.
    pub participation: Participation,
    /// Daily and weekly rhythm.
    pub rhythm: Rhythm,
    /// Group lifecycle.
    pub lifecycle: Lifecycle,
    /// Conversation mechanics.
    pub chat: Chat,
    /// Operated groups' rituals.
    pub rituals: Rituals,
    /// Ad accounts.
    pub spam: Spam,
    /// Purchases.
    pub orders: Orders,
    /// Groups spelled out one by one (the demo's storyline); the remaining
    /// `groups - group.len()` are generated.
    pub group: Vec<GroupSpec>,
}

/// Group sizes: log-normal, clipped.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sizes {
    /// Median target size.
    pub median: f64,
    /// Log-scale spread.
    pub sigma: f64,
    /// Smallest group.
    pub min: u32,
    /// Largest group.
    pub max: u32,
}

/// Heavy-tailed participation.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Participation {
    /// Exponent s of the Zipf weights r^-s given to speakers by activity rank.
    pub zipf_exponent: f64,
    /// Share of members who never post on their own, in a 10-member group.
    pub lurkers_at_10: f64,
    /// The same in a 1,000-member group (interpolated on log size between).
    pub lurkers_at_1000: f64,
    /// Mean number of extra ties a joiner makes beyond their inviter.
    pub extra_ties: f64,
    /// Groups of at least this target size have circles (0: none do).
    pub circles_from_size: u32,
    /// Size of a circle, `[lo, hi]` uniform: circles of uneven size.
    pub circle_size: [u32; 2],
    /// Share of replies that come from the author's own circle (the rest
    /// from anyone, by activity and ties).
    pub circle_share: f64,
    /// Share of circle members who also belong to a second circle (bridges).
    pub circle_bridges: f64,
}

/// Daily and weekly rhythm, Asia/Shanghai.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rhythm {
    /// Relative activity for each hour 0–23 on weekdays.
    pub weekday_hours: Vec<f64>,
    /// The same on Saturdays and Sundays.
    pub weekend_hours: Vec<f64>,
    /// Relative volume Monday … Sunday.
    pub weekdays: Vec<f64>,
}

/// Group lifecycle (days since creation).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lifecycle {
    /// Length of the emerging stage (萌芽).
    pub emerging_days: u32,
    /// Extra volume on the first day, decaying over the emerging stage.
    pub burst: f64,
    /// When growth ends, `[lo, hi]` uniform.
    pub growth_days: [f64; 2],
    /// Lifetime of an unoperated group until silence, `[lo, hi]` uniform.
    pub unoperated_lifetime_days: [f64; 2],
    /// How long an operated group is operated, `[lo, hi]` uniform.
    pub operated_span_days: [f64; 2],
    /// After operation stops: delay before decline, `[lo, hi]`.
    pub decline_delay_days: [f64; 2],
    /// After operation stops: length of the decline, `[lo, hi]`.
    pub decline_days: [f64; 2],
    /// A group is silent once its expected volume falls below this many
    /// messages a week.
    pub silent_below_per_week: f64,
    /// Expected messages a week in a silent group (stray "还有人吗", ads aside).
    pub silent_floor_per_week: f64,
    /// Daily leave hazard of a member in a healthy group.
    pub leave_hazard: f64,
    /// Multiplier of the leave hazard while a group declines or is silent.
    pub leave_decline_factor: f64,
}

/// Conversation mechanics.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chat {
    /// Expected messages a day per member^`size_exponent` at the plateau.
    pub rate: f64,
    /// How volume grows with group size (sub-linear: big groups are quieter
    /// per head).
    pub size_exponent: f64,
    /// Background volume multiplier of operated groups.
    pub operated_boost: f64,
    /// Mean number of follow-ups to a thread starter at full vitality.
    pub followups: f64,
    /// Probability that a follow-up comes from someone tied to the person
    /// answered (rather than anyone, by activity).
    pub tie_share: f64,
    /// Probability that a follow-up answers an earlier message than the last.
    pub branch_share: f64,
    /// Probability that the same person simply continues (no reply link).
    pub continue_share: f64,
    /// Share of replies shown as an explicit quote (引用 / reply).
    pub quote_share: f64,
    /// Share of replies shown as an @mention.
    pub mention_share: f64,
    /// Median gap between messages of a thread, seconds.
    pub gap_median_s: f64,
    /// Log-scale spread of those gaps.
    pub gap_sigma: f64,
    /// Share of images.
    pub image_share: f64,
    /// Share of stickers.
    pub sticker_share: f64,
    /// Share of messages withdrawn (撤回) right away.
    pub recall_share: f64,
    /// Week-to-week volume noise (log-scale spread).
    pub weekly_noise: f64,
}

/// Rituals of operated groups.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rituals {
    /// Weekly topic discussion at a fixed time.
    pub topic_weekly: bool,
    /// Share of non-lurkers who take part in a topic discussion, `[lo, hi]`.
    pub topic_participation: [f64; 2],
    /// Length of a check-in challenge in days.
    pub challenge_days: u32,
    /// Share of members who sign up for a challenge (non-lurkers).
    pub challenge_signup: f64,
    /// Daily drop-out hazard of a challenger when the group is operated
    /// (reminders, encouragement).
    pub challenge_dropout_supervised: f64,
    /// The same without supervision.
    pub challenge_dropout_unsupervised: f64,
    /// Days between guest shares relayed to every operated group.
    pub guest_share_every_days: u32,
    /// Days between offline events.
    pub offline_every_days: u32,
    /// Probability that a newcomer is welcomed in an operated group.
    pub welcome_operated: f64,
    /// The same in an unoperated group.
    pub welcome_unoperated: f64,
    /// Probability that a newcomer introduces themselves (operated; halved
    /// otherwise).
    pub intro: f64,
    /// Days after joining, `[lo, hi]` (uniform), when staff of an operated
    /// group welcome a quiet newcomer (a lurker who did not introduce
    /// themselves) personally, by @mention.
    pub late_welcome_days: [f64; 2],
    /// Share of those newcomers who answer that welcome (their one message).
    pub welcome_answer: f64,
}

/// Ad accounts (小广告).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spam {
    /// Ad accounts per 1,000 members.
    pub accounts_per_1000: f64,
    /// Spam incidents a week in a 100-member group (scales with √size).
    pub incidents_per_week: f64,
    /// Minutes until an operated group's admin removes an ad account, `[lo, hi]`.
    pub kick_minutes: [f64; 2],
}

/// Purchases by members.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Orders {
    /// Daily purchase hazard of a member long after joining.
    pub daily_hazard: f64,
    /// Extra hazard right after joining (impulse buying), as a multiple.
    pub impulse: f64,
    /// Decay time of the impulse, days.
    pub impulse_days: f64,
    /// Days between group-buy launches (团购) in operated selling groups.
    pub launch_every_days: u32,
}

/// A group spelled out in the scenario. Unset fields are generated.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupSpec {
    /// Display name (unique).
    pub name: Option<String>,
    /// Theme key.
    pub theme: Option<String>,
    /// Platform name.
    pub platform: Option<String>,
    /// Target size.
    pub size: Option<u32>,
    /// Operated or not.
    pub operated: Option<bool>,
    /// Creation day (since the scenario start).
    pub created_day: Option<u32>,
    /// For unoperated groups: days until silence.
    pub lifetime_days: Option<f64>,
    /// For operated groups: days of operation.
    pub operation_days: Option<f64>,
    /// The group this one was split from (分群): its members come from there.
    pub parent: Option<String>,
    /// Chats in English.
    pub english: Option<bool>,
    /// Runs check-in challenges.
    pub checkin: Option<bool>,
    /// Sells (orders).
    pub commerce: Option<bool>,
    /// Holds offline events.
    pub offline: Option<bool>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "custom".into(),
            description: String::new(),
            start: "2024-03-04".into(),
            days: 182,
            groups: 12,
            members: 1500,
            messages: 0,
            themes: vec!["reading".into()],
            platforms: [("wechat".to_string(), 0.7), ("qq".to_string(), 0.15), ("telegram".to_string(), 0.15)]
                .into_iter()
                .collect(),
            english_share: 0.1,
            operated_share: 0.5,
            checkin_share: 0.5,
            commerce_share: 0.4,
            offline_share: 0.4,
            created_within_days: 90,
            overlap: 0.2,
            sizes: Sizes::default(),
            participation: Participation::default(),
            rhythm: Rhythm::default(),
            lifecycle: Lifecycle::default(),
            chat: Chat::default(),
            rituals: Rituals::default(),
            spam: Spam::default(),
            orders: Orders::default(),
            group: Vec::new(),
        }
    }
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes { median: 80.0, sigma: 0.9, min: 10, max: 2000 }
    }
}

impl Default for Participation {
    fn default() -> Self {
        Participation {
            zipf_exponent: 1.6,
            lurkers_at_10: 0.2,
            lurkers_at_1000: 0.8,
            extra_ties: 2.0,
            circles_from_size: 60,
            circle_size: [8, 40],
            circle_share: 0.95,
            circle_bridges: 0.05,
        }
    }
}

impl Default for Rhythm {
    fn default() -> Self {
        Rhythm {
            weekday_hours: vec![
                0.35, 0.15, 0.07, 0.04, 0.04, 0.08, 0.3, 0.8, 1.1, 1.2, 1.25, 1.2, 1.35, 1.15, 1.0, 1.0, 1.05, 1.1,
                1.2, 1.5, 2.1, 2.5, 2.0, 1.0,
            ],
            weekend_hours: vec![
                0.5, 0.25, 0.1, 0.05, 0.04, 0.05, 0.12, 0.35, 0.7, 1.0, 1.25, 1.3, 1.3, 1.2, 1.2, 1.25, 1.3, 1.3, 1.3,
                1.5, 2.0, 2.3, 2.0, 1.2,
            ],
            weekdays: vec![1.0, 1.0, 1.0, 1.0, 0.95, 0.85, 0.85],
        }
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            emerging_days: 7,
            burst: 1.5,
            growth_days: [14.0, 35.0],
            unoperated_lifetime_days: [40.0, 90.0],
            operated_span_days: [120.0, 420.0],
            decline_delay_days: [7.0, 21.0],
            decline_days: [25.0, 45.0],
            silent_below_per_week: 3.0,
            silent_floor_per_week: 0.5,
            leave_hazard: 0.001,
            leave_decline_factor: 3.0,
        }
    }
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            rate: 2.0,
            size_exponent: 0.6,
            operated_boost: 1.3,
            followups: 3.0,
            tie_share: 0.6,
            branch_share: 0.2,
            continue_share: 0.12,
            quote_share: 0.25,
            mention_share: 0.12,
            gap_median_s: 45.0,
            gap_sigma: 1.1,
            image_share: 0.05,
            sticker_share: 0.07,
            recall_share: 0.003,
            weekly_noise: 0.25,
        }
    }
}

impl Default for Rituals {
    fn default() -> Self {
        Rituals {
            topic_weekly: true,
            topic_participation: [0.2, 0.45],
            challenge_days: 21,
            challenge_signup: 0.45,
            challenge_dropout_supervised: 0.02,
            challenge_dropout_unsupervised: 0.12,
            guest_share_every_days: 28,
            offline_every_days: 35,
            welcome_operated: 0.9,
            welcome_unoperated: 0.15,
            intro: 0.6,
            late_welcome_days: [3.0, 14.0],
            welcome_answer: 0.5,
        }
    }
}

impl Default for Spam {
    fn default() -> Self {
        Spam { accounts_per_1000: 5.0, incidents_per_week: 0.3, kick_minutes: [2.0, 30.0] }
    }
}

impl Default for Orders {
    fn default() -> Self {
        Orders { daily_hazard: 0.0015, impulse: 8.0, impulse_days: 7.0, launch_every_days: 30 }
    }
}

impl Scenario {
    /// A built-in scenario by name, or a TOML file by path (anything ending
    /// in `.toml` or containing a path separator).
    pub fn load(name_or_path: &str) -> Result<Scenario, SimError> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Scenario::from_toml(text, &format!("built-in scenario {name_or_path}"));
        }
        let looks_like_path = name_or_path.ends_with(".toml") || name_or_path.contains(['/', '\\']);
        if !looks_like_path {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return Err(SimError::Scenario(format!(
                "unknown scenario {name_or_path:?}: use one of {} or a path to a .toml file",
                names.join(", ")
            )));
        }
        let path = Path::new(name_or_path);
        let text =
            std::fs::read_to_string(path).map_err(|e| SimError::Io { path: path.display().to_string(), source: e })?;
        Scenario::from_toml(&text, &path.display().to_string())
    }

    /// Parses and checks a scenario; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, SimError> {
        let s: Scenario = toml::from_str(text).map_err(|e| SimError::Scenario(format!("{origin}: {e}")))?;
        s.check().map_err(|m| SimError::Scenario(format!("{origin}: {m}")))?;
        Ok(s)
    }

    /// The first day as a day number.
    pub fn start_day(&self) -> i64 {
        crate::time::parse_date(&self.start).expect("checked")
    }

    fn check(&self) -> Result<(), String> {
        crate::time::parse_date(&self.start)
            .ok_or_else(|| format!("start {:?} is not a date YYYY-MM-DD", self.start))?;
        if self.days == 0 || self.days > 3660 {
            return Err(format!("days = {} (expected 1..=3660)", self.days));
        }
        if self.groups == 0 || (self.group.len() as u32) > self.groups {
            return Err(format!(
                "groups = {} must be at least 1 and at least the {} [[group]] entries",
                self.groups,
                self.group.len()
            ));
        }
        if self.sizes.min < 3 || self.sizes.min > self.sizes.max {
            return Err("sizes.min must be at least 3 and at most sizes.max".into());
        }
        if self.members < 3 {
            return Err("members must be at least 3".into());
        }
        for t in &self.themes {
            crate::vocab::theme(t).ok_or_else(|| format!("unknown theme {t:?} ({})", crate::vocab::theme_keys()))?;
        }
        if self.themes.is_empty() {
            return Err("themes must name at least one theme".into());
        }
        for (p, w) in &self.platforms {
            p.parse::<tonghao_model::Platform>().map_err(|_| format!("unknown platform {p:?}"))?;
            if w.is_nan() || *w < 0.0 {
                return Err(format!("platform weight of {p} must be ≥ 0"));
            }
        }
        if self.platforms.values().sum::<f64>() <= 0.0 {
            return Err("platforms: at least one weight must be positive".into());
        }
        let r = &self.rhythm;
        if r.weekday_hours.len() != 24 || r.weekend_hours.len() != 24 || r.weekdays.len() != 7 {
            return Err("rhythm: weekday_hours and weekend_hours need 24 values, weekdays 7".into());
        }
        let mut names = std::collections::HashSet::new();
        for g in &self.group {
            if let Some(t) = &g.theme {
                crate::vocab::theme(t).ok_or_else(|| format!("[[group]] unknown theme {t:?}"))?;
            }
            if let Some(p) = &g.platform {
                p.parse::<tonghao_model::Platform>().map_err(|_| format!("[[group]] unknown platform {p:?}"))?;
            }
            if let Some(n) = &g.name
                && !names.insert(n.clone())
            {
                return Err(format!("[[group]] name {n:?} appears twice"));
            }
            if let Some(p) = &g.parent
                && !self.group.iter().any(|o| o.name.as_deref() == Some(p))
            {
                return Err(format!("[[group]] parent {p:?} is not a [[group]] above"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for (name, _) in BUILTIN {
            let s = Scenario::load(name).unwrap();
            assert_eq!(&s.name, name);
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Scenario::from_toml("days = 0", "x.toml").unwrap_err().to_string();
        assert!(e.contains("x.toml") && e.contains("days"), "{e}");
        let e = Scenario::from_toml("bogus = 1", "x.toml").unwrap_err().to_string();
        assert!(e.contains("bogus"), "{e}");
        let e = Scenario::load("nope").unwrap_err().to_string();
        assert!(e.contains("small"), "{e}");
    }
}
