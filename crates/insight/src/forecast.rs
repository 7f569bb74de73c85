//! The forecast: the probability that a group is silent (by the lifecycle
//! rule, [`crate::lifecycle::stage_at`]) four weeks from a given moment, and
//! the inputs that push it up or down.
//!
//! The shipped [`MODEL`] is, since issue 13, the one-feature baseline
//! "people who posted in the last 4 weeks" calibrated by a logistic layer
//! (the count model below has weight 0): on the whole real pool no fitted
//! design beat the best one-feature baseline on held-out groups. The model
//! structure stays, and [`Design`] lists what `tonghao eval forecast`
//! compares. Its two stages, fitted on group-weeks of the real histories in
//! `../shared/data/` ([`fit`]):
//! 1. a count model that reads the silence rule literally: the next four
//!    weeks are two fortnights whose message counts are negative binomial
//!    around the group's recent weekly pace ([`Raw::weekly_pace`]); the
//!    chance that the rule then calls the group silent is
//!    [`silence_chance`];
//! 2. a logistic layer over that chance (as log-odds) and the number of
//!    people who posted in the last four weeks.
//!
//! The weights ([`MODEL`]) are pasted here; `tonghao eval forecast --rust`
//! refits them and prints this constant, `tonghao eval forecast` prints the
//! evaluation (designs compared on development groups, held-out test groups
//! and communities: AUC, calibration, one-feature baselines). The figures and what they can and cannot claim
//! are in docs/insight.md ("Forecast").
//!
//! Each prediction is explained by its inputs' contributions
//! `weight × standardised input`: how far this group sits from the average
//! training group-week, times how much that input moves the odds.

use crate::lifecycle::{Stage, StageRules, stage_at};
use crate::metrics::{self, DAY_MS, WeekPoint, Window};
use serde::Serialize;
use tonghao_model::msg::Msg;
use tonghao_model::snapshot::Snapshot;

/// Weeks ahead the forecast looks.
pub const HORIZON_WEEKS: usize = 4;
/// A group younger than this (weeks since its first message) gets no
/// forecast and gives no sample: its trend is not yet measurable.
pub const MIN_AGE_WEEKS: usize = 8;
/// The metrics window of the features (days).
pub const WINDOW_DAYS: u32 = 28;
/// Number of descriptive features (the one-feature baselines).
pub const N: usize = 10;

/// The descriptive features' stable names, in [`Raw::x`] order.
pub const KEYS: [&str; N] = [
    "messages_4w",
    "trend",
    "messages_2w",
    "days_since_last",
    "active_4w",
    "top20_share",
    "unanswered_share",
    "newcomer_share",
    "age_weeks",
    "members",
];

/// Number of model inputs.
pub const INPUTS: usize = 2;
/// The model inputs' stable names, in [`Model::inputs`] order.
pub const INPUT_KEYS: [&str; INPUTS] = ["pace", "active_4w"];

/// A group's state at one moment, in plain units (what the explanation
/// quotes). [`Raw::x`] turns it into the descriptive features,
/// [`Model::inputs`] into the model's inputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Raw {
    /// Messages in the last 4 weeks.
    pub messages_4w: u32,
    /// Messages in the 4 weeks before those.
    pub messages_prev_4w: u32,
    /// Messages in the last 2 weeks.
    pub messages_2w: u32,
    /// Days since the last message (0 when there is none).
    pub days_since_last: f64,
    /// Distinct senders in the last 28 days.
    pub active_4w: u32,
    /// Share of the last 28 days' messages by the top 20% of senders.
    pub top20_share: f64,
    /// Share of the last 28 days' thread starters nobody answered (0 without threads).
    pub unanswered_share: f64,
    /// Share of the last 28 days' senders who first spoke in those 4 weeks.
    pub newcomer_share: f64,
    /// Weeks since the week of the first message.
    pub age_weeks: u32,
    /// Members at the moment.
    pub members: u32,
    /// The busiest four consecutive weeks before the moment (the silence
    /// rule compares the last four weeks with it).
    pub peak_4w: u32,
}

impl Raw {
    /// The most messages in four weeks that the silence rule still calls
    /// silent for this group, given its peak.
    pub fn quiet_limit(&self) -> u32 {
        StageRules::default().silent_below_peak(self.peak_4w)
    }
}

impl Raw {
    /// The descriptive features: counts on a log scale, shares as they are,
    /// and the trend as ln((last 4 weeks + 1) / (4 weeks before + 1)).
    pub fn x(&self) -> [f64; N] {
        let ln1p = |v: f64| v.ln_1p();
        [
            ln1p(self.messages_4w as f64),
            ((self.messages_4w as f64 + 1.0) / (self.messages_prev_4w as f64 + 1.0)).ln(),
            ln1p(self.messages_2w as f64),
            ln1p(self.days_since_last),
            ln1p(self.active_4w as f64),
            self.top20_share,
            self.unanswered_share,
            self.newcomer_share,
            (self.age_weeks.max(1) as f64).ln(),
            ln1p(self.members as f64),
        ]
    }

    /// Messages a week: `recent_weight` × the last 2 weeks' pace plus the
    /// rest × the last 8 weeks' pace.
    pub fn weekly_pace(&self, recent_weight: f64) -> f64 {
        let long = (self.messages_4w + self.messages_prev_4w) as f64 / 8.0;
        recent_weight * self.messages_2w as f64 / 2.0 + (1.0 - recent_weight) * long
    }

    /// Descriptive feature `k` in plain words.
    pub fn words(&self, k: usize) -> Msg {
        match k {
            0 => Msg::new("feature.messages_4w").int("n", self.messages_4w),
            1 => Msg::new("feature.trend").int("before", self.messages_prev_4w).int("now", self.messages_4w),
            2 => Msg::new("feature.messages_2w").int("n", self.messages_2w),
            3 => Msg::new("feature.days_since_last").num("days", self.days_since_last, 0),
            4 => Msg::new("feature.active_4w").int("n", self.active_4w),
            5 => Msg::new("feature.top20_share").share("share", self.top20_share),
            6 => Msg::new("feature.unanswered_share").share("share", self.unanswered_share),
            7 => Msg::new("feature.newcomer_share").share("share", self.newcomer_share),
            8 => Msg::new("feature.age_weeks").int("n", self.age_weeks),
            _ => Msg::new("feature.members").int("n", self.members),
        }
    }
}

/// The chance that the lifecycle rule calls the group silent four weeks on,
/// if its next two fortnights' message counts are independent negative
/// binomials with mean `2 × pace` and size `size` (smaller: burstier), and
/// `quiet_limit` is the most messages in four weeks that its own peak still
/// calls silent ([`StageRules::silent_below_peak`]). With the default rules
/// the group is silent when the last fortnight B has at most one message,
/// or A then B hold fewer than four (B = 2 with A ≤ 1, B = 3 with A = 0), or
/// A + B ≤ `quiet_limit`.
pub fn silence_chance(pace: f64, size: f64, quiet_limit: u32) -> f64 {
    let rules = StageRules::default();
    let most = quiet_limit.max(rules.silent_min_monthly) as usize;
    let p = negative_binomial_head(2.0 * pace, size, most + 1);
    let cdf: Vec<f64> = p
        .iter()
        .scan(0.0, |acc, x| {
            *acc += x;
            Some(*acc)
        })
        .collect();
    let fortnight = rules.silent_max_messages as usize;
    let mut chance = cdf[fortnight];
    for (b, pb) in p.iter().enumerate().skip(fortnight + 1) {
        // The most A may hold for (A, B) to be silent, by either rule.
        let by_month = (rules.silent_min_monthly as usize).checked_sub(b + 1);
        let by_peak = (quiet_limit as usize).checked_sub(b);
        if let Some(a) = by_month.max(by_peak) {
            chance += pb * cdf[a];
        }
    }
    chance.min(1.0)
}

/// P(X = 0..=n) for a negative binomial with `mean` and `size`.
fn negative_binomial_head(mean: f64, size: f64, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n + 1];
    if mean <= 0.0 {
        out[0] = 1.0;
        return out;
    }
    let q = mean / (size + mean);
    out[0] = (size / (size + mean)).powf(size);
    // P(k) = P(k−1) · (size + k − 1) / k · q
    for k in 1..=n {
        out[k] = out[k - 1] * (size + k as f64 - 1.0) / k as f64 * q;
    }
    out
}

/// Log-odds of `p`, clamped away from 0 and 1.
fn log_odds(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

/// The fitted forecast: the count model's pace and burstiness, then a
/// logistic regression over [`Model::inputs`].
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Weight of the last 2 weeks in the weekly pace ([`Raw::weekly_pace`]).
    pub recent_weight: f64,
    /// Negative-binomial size of a fortnight's count ([`silence_chance`]).
    pub size: f64,
    /// The logistic layer (its bias: the log-odds of an average group-week).
    pub layer: Logistic<INPUTS>,
}

/// The shipped model: the one-feature baseline `active_4w` (people who
/// posted in the last 4 weeks), calibrated by a logistic layer, with the
/// count model's weight 0. On the whole real pool no fitted design beat the
/// best one-feature baseline on held-out groups (docs/insight.md,
/// "Forecast", issue 13), so the best baseline chosen on development
/// groups is what ships. Fitted on the development groups by
/// `tonghao eval forecast --rust --design logistic_active_4w --exclude telegram ../shared/data/formats ../shared/data/lifecycle`
/// (1499 samples, 720 positives, 140 groups, l2 1).
pub const MODEL: Model = Model {
    recent_weight: 0.00,
    size: 1.0,
    layer: Logistic {
        mean: [0.000000, 2.135041],
        sd: [1.000000, 0.763269],
        weights: [0.000000, -1.275874],
        bias: -0.170303,
    },
};

impl Model {
    /// The inputs: the count model's chance of silence as log-odds, and
    /// ln(1 + people who posted in the last 4 weeks).
    pub fn inputs(&self, raw: &Raw) -> [f64; INPUTS] {
        [
            log_odds(silence_chance(raw.weekly_pace(self.recent_weight), self.size, raw.quiet_limit())),
            (raw.active_4w as f64).ln_1p(),
        ]
    }
    /// Probability of silence four weeks on.
    pub fn probability(&self, raw: &Raw) -> f64 {
        self.layer.probability(&self.inputs(raw))
    }
    /// Input `k` in plain words.
    fn words(&self, raw: &Raw, k: usize) -> Msg {
        if k == 1 {
            // Contributions are measured from the average training
            // group-week: say what that average is, or "18 people posted ↑"
            // reads as if posting raised the risk.
            let typical = self.layer.mean[1].exp() - 1.0;
            return Msg::new("feature.active_4w_vs_typical").int("n", raw.active_4w).num("typical", typical, 0);
        }
        let pace = raw.weekly_pace(self.recent_weight);
        Msg::new("feature.pace")
            .num("pace", pace, 1)
            .share("chance", silence_chance(pace, self.size, raw.quiet_limit()))
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// One input's part in a prediction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Factor {
    /// Input key (see [`INPUT_KEYS`]).
    pub key: &'static str,
    /// Contribution to the log-odds (positive: raises the risk of silence).
    pub contribution: f64,
    /// The input in plain words, as a catalogue key and its figures.
    #[serde(skip)]
    pub msg: Msg,
    /// `msg` in Chinese: empty until the application layer words it.
    pub zh: String,
    /// `msg` in English: empty until the application layer words it.
    pub en: String,
}

/// A group's forecast.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    /// Probability that the group is silent `horizon_weeks` from now.
    pub probability: f64,
    /// Weeks ahead.
    pub horizon_weeks: usize,
    /// The inputs' contributions, largest first.
    pub factors: Vec<Factor>,
    /// The group's state, in plain units.
    pub features: Raw,
}

/// Predicts with `model` and explains by the inputs' contributions.
pub fn predict(model: &Model, raw: &Raw) -> Forecast {
    let c = model.layer.contributions(&model.inputs(raw));
    // An input the model gives no weight is not a factor.
    let mut order: Vec<usize> = (0..INPUTS).filter(|&k| model.layer.weights[k] != 0.0).collect();
    order.sort_by(|&a, &b| c[b].abs().total_cmp(&c[a].abs()));
    let factors = order
        .into_iter()
        .map(|k| {
            let msg = model.words(raw, k);
            Factor { key: INPUT_KEYS[k], contribution: c[k], msg, zh: String::new(), en: String::new() }
        })
        .collect();
    Forecast { probability: model.probability(raw), horizon_weeks: HORIZON_WEEKS, factors, features: raw.clone() }
}

/// Whether a group whose weekly series up to now is `weeks` gets a
/// forecast: not silent already and at least [`MIN_AGE_WEEKS`] old.
pub fn eligible(weeks: &[WeekPoint]) -> bool {
    age_weeks(weeks) >= MIN_AGE_WEEKS && stage_at(weeks, &StageRules::default()) != Stage::Silent
}

fn age_weeks(weeks: &[WeekPoint]) -> usize {
    weeks.iter().position(|w| w.messages > 0).map_or(0, |first| weeks.len() - first)
}

/// The raw features from metrics already computed over the 28 days ending
/// at `end_ms`: `weeks` is [`metrics::weekly`] at `end_ms` (or a prefix of
/// a longer series on the same grid that ends at `end_ms`).
pub fn raw_from(
    weeks: &[WeekPoint],
    end_ms: i64,
    last_message_ms: Option<i64>,
    activity: &metrics::Activity,
    concentration: &metrics::Concentration,
    responsiveness: &metrics::Responsiveness,
) -> Raw {
    let k = weeks.len();
    let sum = |a: usize, b: usize| -> u32 { weeks[a.min(k)..b.min(k)].iter().map(|w| w.messages).sum() };
    let new_4w: u32 = weeks[k.saturating_sub(4)..].iter().map(|w| w.new_speakers).sum();
    Raw {
        messages_4w: sum(k.saturating_sub(4), k),
        messages_prev_4w: sum(k.saturating_sub(8), k.saturating_sub(4)),
        messages_2w: sum(k.saturating_sub(2), k),
        days_since_last: last_message_ms.map_or(0.0, |t| (end_ms - t).max(0) as f64 / DAY_MS as f64),
        active_4w: activity.active_window,
        top20_share: concentration.top20_share,
        unanswered_share: responsiveness.unanswered_share,
        newcomer_share: if activity.active_window == 0 {
            0.0
        } else {
            (new_4w as f64 / activity.active_window as f64).min(1.0)
        },
        age_weeks: age_weeks(weeks) as u32,
        members: activity.members,
        peak_4w: crate::lifecycle::peak_4w(weeks, k) as u32,
    }
}

/// The raw features of group `g` at `end_ms`, from messages before it only.
/// `weeks` as in [`raw_from`].
pub fn features(snap: &Snapshot, g: usize, weeks: &[WeekPoint], end_ms: i64) -> Raw {
    let w = Window::new(end_ms, WINDOW_DAYS);
    let range = snap.groups[g].messages.clone();
    let at = &snap.messages.at_ms[range.clone()];
    let before = at.partition_point(|&t| t < end_ms);
    let last = (before > 0).then(|| at[before - 1]);
    raw_from(
        weeks,
        end_ms,
        last,
        &metrics::activity(snap, g, w),
        &metrics::concentration(snap, g, w),
        &metrics::responsiveness(snap, g, w),
    )
}

/// One group-week: the group's features at `at_ms` and whether it was
/// silent [`HORIZON_WEEKS`] later.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    /// Group index in the snapshot.
    pub group: u32,
    /// The moment (a week end), UTC ms.
    pub at_ms: i64,
    /// Features at that moment.
    pub raw: Raw,
    /// Silent by the lifecycle rule four weeks later.
    pub silent_later: bool,
}

/// The samples of group `g`: every week end `t` (weeks counted back from
/// `observed_until_ms`) with `t + 4 weeks ≤ observed_until_ms`, where the
/// group is old enough and not silent at `t` ([`eligible`]). Features use
/// only messages before `t`; the label reads the four weeks after it.
/// `observed_until_ms` must be a moment up to which the history is known
/// complete (for an export: its last event).
pub fn samples(snap: &Snapshot, g: usize, observed_until_ms: i64) -> Vec<Sample> {
    let all = metrics::weekly(snap, g, observed_until_ms);
    let rules = StageRules::default();
    let mut out = Vec::new();
    for k in 0..all.len().saturating_sub(HORIZON_WEEKS) {
        let now = &all[..=k];
        if !eligible(now) {
            continue;
        }
        let t = all[k].start_ms + 7 * DAY_MS;
        let silent_later = stage_at(&all[..=k + HORIZON_WEEKS], &rules) == Stage::Silent;
        out.push(Sample { group: g as u32, at_ms: t, raw: features(snap, g, now, t), silent_later });
    }
    out
}

/// The count model's candidate recent weights and sizes, searched in this
/// order (the first best wins).
const RECENT_WEIGHTS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
const SIZES: [f64; 11] = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0];

/// Fits the forecast on `samples`: the count model's recent weight and size
/// by maximum likelihood of the labels over a small grid, then the logistic
/// layer with an L2 penalty `l2` on the standardised weights.
pub fn fit(samples: &[(Raw, bool)], l2: f64) -> Model {
    let log_likelihood = |w: f64, size: f64| -> f64 {
        samples
            .iter()
            .map(|(raw, y)| {
                let p = silence_chance(raw.weekly_pace(w), size, raw.quiet_limit()).clamp(1e-9, 1.0 - 1e-9);
                if *y { p.ln() } else { (1.0 - p).ln() }
            })
            .sum()
    };
    let mut best = (RECENT_WEIGHTS[0], SIZES[0], f64::NEG_INFINITY);
    for w in RECENT_WEIGHTS {
        for size in SIZES {
            let ll = log_likelihood(w, size);
            if ll > best.2 {
                best = (w, size, ll);
            }
        }
    }
    let mut model = Model { recent_weight: best.0, size: best.1, ..MODEL };
    let xs: Vec<[f64; INPUTS]> = samples.iter().map(|(raw, _)| model.inputs(raw)).collect();
    let ys: Vec<bool> = samples.iter().map(|(_, y)| *y).collect();
    model.layer = logistic(&xs, &ys, l2);
    model
}

/// A logistic regression on standardised inputs:
/// p = σ(bias + Σ weight_k · (x_k − mean_k) / sd_k).
#[derive(Clone, Debug, PartialEq)]
pub struct Logistic<const D: usize> {
    /// Training mean of each input.
    pub mean: [f64; D],
    /// Training standard deviation of each input (1 where it was 0).
    pub sd: [f64; D],
    /// Weight of each standardised input.
    pub weights: [f64; D],
    /// Intercept.
    pub bias: f64,
}

impl<const D: usize> Logistic<D> {
    /// Each input's contribution to the log-odds: weight × standardised input.
    pub fn contributions(&self, x: &[f64; D]) -> [f64; D] {
        std::array::from_fn(|k| self.weights[k] * (x[k] - self.mean[k]) / self.sd[k])
    }
    /// σ(bias + Σ contributions).
    pub fn probability(&self, x: &[f64; D]) -> f64 {
        sigmoid(self.bias + self.contributions(x).iter().sum::<f64>())
    }
}

/// Fits a logistic regression with an L2 penalty `l2` on the standardised
/// weights (not on the intercept) by Newton's method.
pub fn logistic<const D: usize>(xs: &[[f64; D]], ys: &[bool], l2: f64) -> Logistic<D> {
    let n = xs.len().max(1) as f64;
    let mean: [f64; D] = std::array::from_fn(|k| xs.iter().map(|x| x[k]).sum::<f64>() / n);
    let sd: [f64; D] = std::array::from_fn(|k| {
        let v = xs.iter().map(|x| (x[k] - mean[k]).powi(2)).sum::<f64>() / n;
        if v > 1e-12 { v.sqrt() } else { 1.0 }
    });
    // Design rows: [1, z_1 … z_D]; the parameters: [bias, weights…].
    let rows: Vec<Vec<f64>> =
        xs.iter().map(|x| std::iter::once(1.0).chain((0..D).map(|k| (x[k] - mean[k]) / sd[k])).collect()).collect();
    let mut beta = vec![0.0; D + 1];
    for _ in 0..100 {
        let mut grad = vec![0.0; D + 1];
        let mut hess = vec![vec![0.0; D + 1]; D + 1];
        for (r, &y) in rows.iter().zip(ys) {
            let p = sigmoid(r.iter().zip(&beta).map(|(a, b)| a * b).sum());
            let w = (p * (1.0 - p)).max(1e-12);
            for i in 0..=D {
                grad[i] += (p - y as u8 as f64) * r[i];
                for j in 0..=D {
                    hess[i][j] += w * r[i] * r[j];
                }
            }
        }
        for i in 1..=D {
            grad[i] += l2 * beta[i];
            hess[i][i] += l2;
        }
        let Some(step) = solve(hess, grad) else { break };
        let mut biggest: f64 = 0.0;
        for i in 0..=D {
            beta[i] -= step[i];
            biggest = biggest.max(step[i].abs());
        }
        if biggest < 1e-10 {
            break;
        }
    }
    Logistic { mean, sd, weights: std::array::from_fn(|k| beta[k + 1]), bias: beta[0] }
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)] // row/column indices read clearer here
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let m = b.len();
    for col in 0..m {
        let pivot = (col..m).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..m {
            let f = a[row][col] / a[col][col];
            for k in col..m {
                a[row][k] -= f * a[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let s: f64 = (row + 1..m).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Area under the ROC curve: the probability that a random positive scores
/// above a random negative, ties counting one half (Mann–Whitney). `None`
/// without both classes.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|&&y| y).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks (1-based) over ties.
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += order[i..=j].iter().filter(|&&k| labels[k]).count() as f64 * avg;
        i = j + 1;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// Mean squared error of probabilities against outcomes.
pub fn brier(probs: &[f64], labels: &[bool]) -> f64 {
    let n = probs.len().max(1) as f64;
    probs.iter().zip(labels).map(|(p, &y)| (p - y as u8 as f64).powi(2)).sum::<f64>() / n
}

/// One bin of a reliability table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bin {
    /// Lower edge of predicted probability (inclusive).
    pub from: f64,
    /// Upper edge (exclusive; the last bin includes 1).
    pub to: f64,
    /// Samples in the bin.
    pub samples: usize,
    /// Mean predicted probability.
    pub predicted: Option<f64>,
    /// Observed share of positives.
    pub observed: Option<f64>,
}

/// Reliability in `bins` equal-width bins of predicted probability.
pub fn reliability(probs: &[f64], labels: &[bool], bins: usize) -> Vec<Bin> {
    (0..bins)
        .map(|b| {
            let (from, to) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
            let inside: Vec<usize> = (0..probs.len())
                .filter(|&i| probs[i] >= from && (probs[i] < to || (b + 1 == bins && probs[i] <= 1.0)))
                .collect();
            let n = inside.len();
            let mean = |v: f64| (n > 0).then(|| v / n as f64);
            Bin {
                from,
                to,
                samples: n,
                predicted: mean(inside.iter().map(|&i| probs[i]).sum()),
                observed: mean(inside.iter().filter(|&&i| labels[i]).count() as f64),
            }
        })
        .collect()
}

pub use crate::rng::SplitMix;

/// One scored test sample of a backtest.
#[derive(Clone, Debug, Serialize)]
pub struct Scored {
    /// Group index.
    pub group: u32,
    /// Sample time, UTC ms.
    pub at_ms: i64,
    /// Model probability (fitted without this group and without anything
    /// labelled after the cut).
    pub probability: f64,
    /// Each feature alone as a score, oriented on the fold's training
    /// samples (negated where higher values went with fewer silences): the
    /// one-feature baselines.
    pub baseline: [f64; N],
    /// Outcome.
    pub silent_later: bool,
}

/// A candidate forecast design: what is fitted on the training samples.
/// `tonghao eval forecast` compares them on development groups only
/// (docs/insight.md, "Forecast").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// The count model and `active_4w` ([`fit`], [`Model`]).
    Shipped,
    /// A logistic regression over the ten descriptive features ([`Raw::x`]).
    AllFeatures,
    /// A logistic regression over the ten features, the trend against the
    /// group's own peak and the burstiness of its last eight weeks.
    AllPlusPeak,
    /// A logistic regression over `days_since_last`, `active_4w` and the
    /// trend against the peak.
    Three,
    /// A logistic regression over `days_since_last` alone: the calibrated
    /// one-feature baseline ([`Design::calibrated`]).
    DaysSinceLast,
    /// A logistic regression over `active_4w` alone.
    Active4w,
}

impl Design {
    /// Every design, in the order they are reported.
    pub const ALL: [Design; 6] = [
        Design::Shipped,
        Design::AllFeatures,
        Design::AllPlusPeak,
        Design::Three,
        Design::DaysSinceLast,
        Design::Active4w,
    ];

    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Design::Shipped => "count_model_active_4w",
            Design::AllFeatures => "logistic_10_features",
            Design::AllPlusPeak => "logistic_12_features",
            Design::Three => "logistic_days_active_peak",
            Design::DaysSinceLast => "logistic_days_since_last",
            Design::Active4w => "logistic_active_4w",
        }
    }

    /// Fits the design on labelled samples.
    pub fn fit(self, train: &[(Raw, bool)], l2: f64) -> Fitted {
        let ys: Vec<bool> = train.iter().map(|(_, y)| *y).collect();
        match self {
            Design::Shipped => Fitted::Count(fit(train, l2)),
            Design::AllFeatures => {
                Fitted::All(logistic(&train.iter().map(|(r, _)| r.x()).collect::<Vec<_>>(), &ys, l2))
            }
            Design::AllPlusPeak => {
                Fitted::Plus(logistic(&train.iter().map(|(r, _)| plus(r)).collect::<Vec<_>>(), &ys, l2))
            }
            Design::Three => Fitted::Three(logistic(&train.iter().map(|(r, _)| three(r)).collect::<Vec<_>>(), &ys, l2)),
            Design::DaysSinceLast => {
                Fitted::One(3, logistic(&train.iter().map(|(r, _)| [r.x()[3]]).collect::<Vec<_>>(), &ys, l2))
            }
            Design::Active4w => {
                Fitted::One(4, logistic(&train.iter().map(|(r, _)| [r.x()[4]]).collect::<Vec<_>>(), &ys, l2))
            }
        }
    }
}

/// ln((messages in the last 4 weeks + 1) / (the busiest 4 weeks before + 1)):
/// the trend against the group's own peak (0 at the peak, negative below).
pub fn peak_ratio(raw: &Raw) -> f64 {
    ((raw.messages_4w as f64 + 1.0) / (raw.peak_4w.max(raw.messages_4w) as f64 + 1.0)).ln()
}

/// Burstiness of the present quiet: the days since the last message against
/// the gap between messages the last 8 weeks' pace predicts,
/// ln((days + 1) / (gap + 1)) (the gap capped at 56 days).
pub fn quiet_vs_pace(raw: &Raw) -> f64 {
    let pace_per_day = (raw.messages_4w + raw.messages_prev_4w) as f64 / 56.0;
    let gap = if pace_per_day > 0.0 { 1.0 / pace_per_day } else { 56.0 };
    ((raw.days_since_last + 1.0) / (gap.min(56.0) + 1.0)).ln()
}

fn plus(r: &Raw) -> [f64; N + 2] {
    let x = r.x();
    std::array::from_fn(|k| match k {
        N => peak_ratio(r),
        k if k == N + 1 => quiet_vs_pace(r),
        k => x[k],
    })
}

fn three(r: &Raw) -> [f64; 3] {
    let x = r.x();
    [x[3], x[4], peak_ratio(r)]
}

/// A fitted [`Design`].
#[derive(Clone, Debug)]
pub enum Fitted {
    /// [`Design::Shipped`].
    Count(Model),
    /// [`Design::AllFeatures`].
    All(Logistic<N>),
    /// [`Design::AllPlusPeak`].
    Plus(Logistic<{ N + 2 }>),
    /// [`Design::Three`].
    Three(Logistic<3>),
    /// One descriptive feature (its index in [`Raw::x`]).
    One(usize, Logistic<1>),
}

impl Fitted {
    /// Probability of silence four weeks on.
    pub fn probability(&self, raw: &Raw) -> f64 {
        match self {
            Fitted::Count(m) => m.probability(raw),
            Fitted::All(l) => l.probability(&raw.x()),
            Fitted::Plus(l) => l.probability(&plus(raw)),
            Fitted::Three(l) => l.probability(&three(raw)),
            Fitted::One(k, l) => l.probability(&[raw.x()[*k]]),
        }
    }
}

/// Fits `design` on `train` and scores `test`: the model's probability and
/// each one-feature baseline, its sign fixed on `train` (negated where
/// higher values went with fewer silences).
pub fn fit_and_score(train: &[&Sample], test: &[&Sample], design: Design, l2: f64) -> Vec<Scored> {
    let labelled: Vec<(Raw, bool)> = train.iter().map(|s| (s.raw.clone(), s.silent_later)).collect();
    let model = design.fit(&labelled, l2);
    let xs: Vec<[f64; N]> = train.iter().map(|s| s.raw.x()).collect();
    let ys: Vec<bool> = train.iter().map(|s| s.silent_later).collect();
    let sign: [f64; N] = std::array::from_fn(|k| {
        let col: Vec<f64> = xs.iter().map(|x| x[k]).collect();
        if auc(&col, &ys).unwrap_or(0.5) >= 0.5 { 1.0 } else { -1.0 }
    });
    test.iter()
        .map(|s| {
            let x = s.raw.x();
            Scored {
                group: s.group,
                at_ms: s.at_ms,
                probability: model.probability(&s.raw),
                baseline: std::array::from_fn(|k| sign[k] * x[k]),
                silent_later: s.silent_later,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_small_system() {
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12, "{x:?}");
    }

    /// Negative binomial with mean 2, size 1 is geometric: P(k) = (1/3)(2/3)^k.
    #[test]
    fn negative_binomial_head_by_hand() {
        let p = negative_binomial_head(2.0, 1.0, 40);
        assert_eq!(p.len(), 41);
        for (k, pk) in p.iter().enumerate() {
            assert!((pk - (1.0 / 3.0) * (2.0f64 / 3.0).powi(k as i32)).abs() < 1e-12, "P({k}) = {pk}");
        }
        assert_eq!(negative_binomial_head(0.0, 1.0, 3), [1.0, 0.0, 0.0, 0.0]);
    }
}
