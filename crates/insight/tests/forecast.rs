//! The forecast's machinery on hand-made data: fitting recovers a known
//! logistic relation, AUC, Brier score and reliability match hand-computed
//! values, explanations name the largest contributions.

use tonghao_insight::forecast::{self, Model, N, Raw, SplitMix};
use tonghao_insight::metrics::WeekPoint;

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
    let m = forecast::fit(&xs, &ys, 1e-6);
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

/// A strong L2 penalty shrinks the weights toward zero.
#[test]
fn the_penalty_shrinks_weights() {
    let mut rng = SplitMix(3);
    let xs: Vec<[f64; N]> = (0..500).map(|_| std::array::from_fn(|_| rng.unit())).collect();
    let ys: Vec<bool> = xs.iter().map(|x| x[0] > 0.5).collect();
    let loose = forecast::fit(&xs, &ys, 0.01);
    let tight = forecast::fit(&xs, &ys, 1000.0);
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

/// The explanation lists the three largest |weight × z| contributions,
/// largest first, with their sign and words.
#[test]
fn explanations_name_the_largest_contributions() {
    let mut m = Model { mean: [0.0; N], sd: [1.0; N], weights: [0.0; N], bias: 0.0 };
    m.weights[3] = 1.0; // days since last: ln(1 + 20) ≈ 3.04
    m.weights[4] = -0.5; // active: ln(1 + 3) ≈ 1.39 → −0.69
    m.weights[9] = 0.1; // members: ln(1 + 10) ≈ 2.40 → 0.24
    m.weights[5] = 0.2; // top20 share 0.5 → 0.1
    let raw = Raw { days_since_last: 20.0, active_4w: 3, members: 10, top20_share: 0.5, ..Default::default() };
    let f = forecast::predict(&m, &raw);
    let keys: Vec<&str> = f.factors.iter().map(|x| x.key).collect();
    assert_eq!(keys, ["days_since_last", "active_4w", "members"]);
    assert!(f.factors[0].contribution > 0.0 && f.factors[1].contribution < 0.0);
    assert_eq!(f.factors[0].zh, "距上一条消息 20 天");
    assert_eq!(f.factors[0].en, "20 days since the last message");
    let z = 21f64.ln() - 0.5 * 4f64.ln() + 0.1 * 11f64.ln() + 0.1;
    assert!((f.probability - 1.0 / (1.0 + (-z).exp())).abs() < 1e-12);
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
