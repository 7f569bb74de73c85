//! The forecast's machinery on hand-made data: the count model agrees with
//! the lifecycle rule it forecasts, fitting recovers a known logistic
//! relation and a known pace, AUC, Brier score and reliability match
//! hand-computed values, explanations name the largest contributions.

use tonghao_insight::forecast::{self, Logistic, MODEL, Model, N, Raw, SplitMix};
use tonghao_insight::lifecycle::{Stage, StageRules, stage_at};
use tonghao_insight::metrics::WeekPoint;
use tonghao_model::msg::Msg;

fn weeks(counts: &[u32]) -> Vec<WeekPoint> {
    counts.iter().map(|&c| WeekPoint { messages: c, ..Default::default() }).collect()
}

/// Data drawn from p = σ(−1 + 1.5·x0 − 2·x3) with the other features pure
/// noise: the fit finds those coefficients (on the original scale,
/// weight / sd) and near-zero weights elsewhere.
#[test]
fn fit_recovers_a_known_logistic_relation() {
    let mut rng = SplitMix(7);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for _ in 0..20_000 {
        let x: [f64; N] = std::array::from_fn(|_| rng.unit() * 4.0 - 2.0);
        let p = 1.0 / (1.0 + (1.0 - 1.5 * x[0] + 2.0 * x[3]).exp());
        xs.push(x);
        ys.push(rng.unit() < p);
    }
    let m = forecast::logistic(&xs, &ys, 1e-6);
    let slope = |k: usize| m.weights[k] / m.sd[k];
    assert!((slope(0) - 1.5).abs() < 0.1, "x0 slope {}", slope(0));
    assert!((slope(3) + 2.0).abs() < 0.1, "x3 slope {}", slope(3));
    for k in [1, 2, 4, 5, 6, 7, 8, 9] {
        assert!(slope(k).abs() < 0.1, "noise feature {k} got slope {}", slope(k));
    }
    // The intercept on the original scale: bias − Σ slope·mean.
    let intercept = m.bias - (0..N).map(|k| slope(k) * m.mean[k]).sum::<f64>();
    assert!((intercept + 1.0).abs() < 0.1, "intercept {intercept}");
    // And the fitted probabilities rank the samples well above chance.
    let probs: Vec<f64> = xs.iter().map(|x| m.probability(x)).collect();
    assert!(forecast::auc(&probs, &ys).unwrap() > 0.85);
}

/// The count model against the rule itself: for fortnight counts A then B
/// (weeks `A, 0, B, 0` after eight busy weeks), `stage_at` says whether the
/// group is silent; summing negative-binomial probabilities over the silent
/// (A, B) gives `silence_chance`, with the limit its peak sets. Busy weeks
/// of 30 (peak 120: four weeks of at most 5 are silent by the peak rule)
/// and of 2,000 (the peak rule's cap, 60, decides).
#[test]
fn silence_chance_sums_the_rule_over_fortnights() {
    // P(X = k) for a negative binomial by its definition:
    // Γ(k + r) / (Γ(r) k!) · (r / (r + m))^r · (m / (r + m))^k.
    let pmf = |k: u32, mean: f64, r: f64| {
        let rising: f64 = (0..k).map(|i| r + i as f64).product();
        let factorial: f64 = (1..=k).map(|i| i as f64).product();
        rising / factorial * (r / (r + mean)).powf(r) * (mean / (r + mean)).powi(k as i32)
    };
    let rules = StageRules::default();
    for (busy, limit) in [(30, 5), (2000, 60)] {
        assert_eq!(rules.silent_below_peak(8 * busy / 2), limit);
        for (pace, size) in [(0.5, 0.7), (2.0, 1.0), (6.0, 0.3), (25.0, 5.0)] {
            let mean = 2.0 * pace;
            let mut by_rule = 0.0;
            // Past limit + 4 messages no (A, B) is silent unless B ≤ 1.
            for b in 0..limit + 4 {
                for a in 0..limit + 4 {
                    let mut counts = vec![busy; 8];
                    counts.extend([a, 0, b, 0]);
                    if stage_at(&weeks(&counts), &rules) == Stage::Silent {
                        by_rule += pmf(a, mean, size) * pmf(b, mean, size);
                    }
                }
            }
            // B ≤ 1 is silent for every A: add the A beyond the loop.
            let a_beyond: f64 = 1.0 - (0..limit + 4).map(|a| pmf(a, mean, size)).sum::<f64>();
            by_rule += a_beyond * (pmf(0, mean, size) + pmf(1, mean, size));
            let chance = forecast::silence_chance(pace, size, limit);
            assert!((chance - by_rule).abs() < 1e-9, "busy {busy} pace {pace} size {size}: {chance} vs {by_rule}");
        }
    }
    assert_eq!(forecast::silence_chance(0.0, 1.0, 0), 1.0, "no messages at all: silent for sure");
    // Busier is safer; burstier (smaller size) is riskier at the same pace;
    // a higher peak (a larger quiet limit) is riskier.
    assert!(forecast::silence_chance(10.0, 1.0, 0) < forecast::silence_chance(2.0, 1.0, 0));
    assert!(forecast::silence_chance(10.0, 0.3, 0) > forecast::silence_chance(10.0, 3.0, 0));
    assert!(forecast::silence_chance(10.0, 1.0, 30) > forecast::silence_chance(10.0, 1.0, 0));
    assert!(forecast::silence_chance(50.0, 10.0, 0) < 1e-6);
}

/// Labels drawn from the count model itself at a known size (pace from the
/// last 8 weeks): the grid search finds that size and the 8-week pace.
#[test]
fn fit_finds_the_pace_and_size_that_made_the_labels() {
    let mut rng = SplitMix(11);
    let samples: Vec<(Raw, bool)> = (0..6000)
        .map(|_| {
            let m4 = (rng.unit() * 40.0) as u32;
            let prev = (rng.unit() * 40.0) as u32;
            let raw = Raw {
                messages_4w: m4,
                messages_prev_4w: prev,
                messages_2w: (rng.unit() * m4 as f64) as u32,
                active_4w: 1 + (rng.unit() * 9.0) as u32,
                ..Default::default()
            };
            let silent = rng.unit() < forecast::silence_chance(raw.weekly_pace(0.0), 0.5, raw.quiet_limit());
            (raw, silent)
        })
        .collect();
    let m = forecast::fit(&samples, 1.0);
    assert_eq!((m.recent_weight, m.size), (0.0, 0.5));
    // The count model carries the signal: its input gets a positive weight.
    assert!(m.layer.weights[0] > 0.5, "{m:?}");
}

/// A strong L2 penalty shrinks the weights toward zero.
#[test]
fn the_penalty_shrinks_weights() {
    let mut rng = SplitMix(3);
    let xs: Vec<[f64; N]> = (0..500).map(|_| std::array::from_fn(|_| rng.unit())).collect();
    let ys: Vec<bool> = xs.iter().map(|x| x[0] > 0.5).collect();
    let loose = forecast::logistic(&xs, &ys, 0.01);
    let tight = forecast::logistic(&xs, &ys, 1000.0);
    assert!(tight.weights[0].abs() < loose.weights[0].abs() / 5.0, "{} vs {}", tight.weights[0], loose.weights[0]);
}

/// AUC by hand: positives score 0.35 and 0.8, negatives 0.1 and 0.4. Of the
/// four positive–negative pairs, 0.35 > 0.1, 0.35 < 0.4, 0.8 > 0.1 and
/// 0.8 > 0.4: 3 of 4 ordered right, AUC 0.75. A tie counts one half.
#[test]
fn auc_by_hand() {
    let labels = [false, false, true, true];
    assert_eq!(forecast::auc(&[0.1, 0.4, 0.35, 0.8], &labels), Some(0.75));
    // Tie between the positive 0.4 and the negative 0.4: (1 + 0.5 + 1 + 1) / 4.
    assert_eq!(forecast::auc(&[0.1, 0.4, 0.4, 0.8], &labels), Some(0.875));
    assert_eq!(forecast::auc(&[0.5, 0.5], &[true, false]), Some(0.5));
    assert_eq!(forecast::auc(&[0.9, 0.1], &[true, false]), Some(1.0));
    assert_eq!(forecast::auc(&[0.1, 0.9], &[true, false]), Some(0.0));
    assert_eq!(forecast::auc(&[0.3, 0.7], &[true, true]), None, "one class only");
}

/// Brier: ((0.9−1)² + (0.2−0)² + (0.6−0)²) / 3 = (0.01 + 0.04 + 0.36) / 3.
/// Reliability in 2 bins: [0, 0.5) holds 0.2 (0 of 1 positive), [0.5, 1]
/// holds 0.9 and 0.6 (1 of 2).
#[test]
fn brier_and_reliability_by_hand() {
    let (p, y) = ([0.9, 0.2, 0.6], [true, false, false]);
    assert!((forecast::brier(&p, &y) - 0.41 / 3.0).abs() < 1e-12);
    let bins = forecast::reliability(&p, &y, 2);
    assert_eq!(bins[0].samples, 1);
    assert_eq!(bins[0].observed, Some(0.0));
    assert_eq!(bins[1].samples, 2);
    assert!((bins[1].predicted.unwrap() - 0.75).abs() < 1e-12);
    assert_eq!(bins[1].observed, Some(0.5));
}

/// The explanation lists both inputs' contributions `weight × z`, largest
/// first, with their sign and words; they add up to the log-odds.
#[test]
fn explanations_name_the_largest_contributions() {
    let m = Model { layer: Logistic { mean: [0.0, 0.0], sd: [1.0, 1.0], weights: [0.5, -1.0], bias: -1.0 }, ..MODEL };
    // 8 weeks with 16 messages: 2 a week, the count model's chance c.
    let raw = Raw { messages_4w: 6, messages_prev_4w: 10, messages_2w: 1, active_4w: 3, ..Default::default() };
    let c = forecast::silence_chance(2.0, MODEL.size, raw.quiet_limit());
    let (odds, people) = (0.5 * (c / (1.0 - c)).ln(), -(4f64.ln()));
    let f = forecast::predict(&m, &raw);
    let keys: Vec<&str> = f.factors.iter().map(|x| x.key).collect();
    let expected = if odds.abs() > people.abs() { ["pace", "active_4w"] } else { ["active_4w", "pace"] };
    assert_eq!(keys, expected);
    let active = f.factors.iter().find(|x| x.key == "active_4w").unwrap();
    assert!((active.contribution - people).abs() < 1e-12);
    // The test model's mean of ln(1 + people) is 0: a typical group-week has 0 posters.
    assert_eq!(active.msg, Msg::new("feature.active_4w_vs_typical").int("n", 3).num("typical", 0.0, 0));
    let pace = f.factors.iter().find(|x| x.key == "pace").unwrap();
    assert_eq!(pace.msg, Msg::new("feature.pace").num("pace", 2.0, 1).share("chance", c));
    assert!((f.probability - 1.0 / (1.0 + (-(-1.0 + odds + people)).exp())).abs() < 1e-12);
}

/// No forecast for a group that is already silent or younger than eight weeks.
#[test]
fn eligibility() {
    assert!(forecast::eligible(&weeks(&[30; 10])));
    assert!(!forecast::eligible(&weeks(&[30; 7])), "too young");
    assert!(!forecast::eligible(&weeks(&[0, 0, 30, 30, 30, 30, 30, 30, 30])), "age counts from the first message");
    assert!(!forecast::eligible(&weeks(&[30, 30, 30, 30, 30, 30, 30, 30, 1, 0])), "already silent");
}

/// Features from a weekly series: sums over the last 2/4/8 weeks and age.
#[test]
fn raw_features_from_weeks() {
    let w = weeks(&[0, 5, 10, 10, 10, 10, 4, 3, 2, 1]);
    let a = tonghao_insight::metrics::Activity { active_window: 4, members: 9, ..Default::default() };
    let raw =
        forecast::raw_from(&w, 100 * 86_400_000, Some(97 * 86_400_000), &a, &Default::default(), &Default::default());
    assert_eq!((raw.messages_4w, raw.messages_prev_4w, raw.messages_2w), (10, 40, 3));
    assert_eq!(raw.age_weeks, 9);
    assert_eq!(raw.days_since_last, 3.0);
    assert_eq!((raw.active_4w, raw.members), (4, 9));
    let x = raw.x();
    assert!((x[1] - (11.0f64 / 41.0).ln()).abs() < 1e-12);
}
