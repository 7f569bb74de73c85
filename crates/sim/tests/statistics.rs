//! The generator's statistics against its parameters: the 2/8 rule, the daily
//! rhythm, and the lifetimes of unoperated and operated groups, measured on
//! what was actually written (truth.json counts every written message).

use serde_json::Value;
use std::path::Path;
use tonghao_sim::{Format, Options, Scenario, generate};

/// 60 groups created within a month, followed for five months: enough groups
/// for medians, small enough for a debug-build test.
const STATS: &str = r#"
name = "stats"
start = "2024-03-04"
days = 150
groups = 60
members = 3000
themes = ["reading", "running", "product", "tech"]
operated_share = 0.5
created_within_days = 30
[sizes]
median = 60
sigma = 0.8
min = 12
max = 400
"#;

fn run(text: &str, seed: u64, dir: &Path) -> (Scenario, Value) {
    let sc = Scenario::from_toml(text, "test scenario").unwrap();
    let opts = Options { seed, format: Format::Jsonl, out: dir, threads: 0, progress: None, force: false };
    let summary = generate(&sc, &opts).unwrap();
    let truth: Value = serde_json::from_slice(&std::fs::read(summary.truth).unwrap()).unwrap();
    (sc, truth)
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn groups(truth: &Value) -> &Vec<Value> {
    truth["groups"].as_array().unwrap()
}

/// The top 20% of senders write about 80% of the messages (the 2/8 rule of
/// seed 003): the median over groups with at least 20 senders lies within
/// 0.80 ± 0.08.
#[test]
fn top_fifth_of_senders_write_about_four_fifths() {
    let dir = tempfile::tempdir().unwrap();
    let (_, truth) = run(STATS, 7, dir.path());
    let shares: Vec<f64> = groups(&truth)
        .iter()
        .filter(|g| g["senders"].as_u64().unwrap() >= 20)
        .map(|g| g["top20_share"].as_f64().unwrap())
        .collect();
    assert!(shares.len() >= 30, "only {} groups with 20+ senders", shares.len());
    let m = median(shares.clone());
    eprintln!("median top-20% share {m:.3} over {} groups", shares.len());
    assert!((m - 0.80).abs() <= 0.08, "median top-20% share {m:.3}; shares {shares:?}");
}

/// Evening peak, quiet nights: the busiest hour is between 19:00 and 22:59,
/// 20:00–22:59 carries at least 15 times what 02:00–04:59 does, and the share
/// of messages between midnight and 06:00 is within a factor of two of what
/// the hourly profile alone predicts (rituals and check-ins shift volume to
/// the evening and the morning, so it is not exact).
#[test]
fn evening_peak_and_quiet_nights() {
    let dir = tempfile::tempdir().unwrap();
    let (sc, truth) = run(STATS, 11, dir.path());
    let mut hours = [0f64; 24];
    for g in groups(&truth) {
        for (h, v) in g["hours"].as_array().unwrap().iter().enumerate() {
            hours[h] += v.as_f64().unwrap();
        }
    }
    let total: f64 = hours.iter().sum();
    let peak = (0..24).max_by(|&a, &b| hours[a].partial_cmp(&hours[b]).unwrap()).unwrap();
    assert!((19..=22).contains(&peak), "peak hour {peak}: {hours:?}");
    let evening: f64 = hours[20..23].iter().sum();
    let night: f64 = hours[2..5].iter().sum();
    assert!(evening >= 15.0 * night, "evening {evening} vs night {night}");
    // Expected night share from the profile (weekdays 5/7, weekends 2/7).
    let share = |p: &[f64]| p[0..6].iter().sum::<f64>() / p.iter().sum::<f64>();
    let expected = (5.0 * share(&sc.rhythm.weekday_hours) + 2.0 * share(&sc.rhythm.weekend_hours)) / 7.0;
    let observed = hours[0..6].iter().sum::<f64>() / total;
    assert!(
        observed > expected / 2.0 && observed < expected * 2.0,
        "night share {observed:.4} vs profile {expected:.4}"
    );
}

/// Unoperated groups fall silent within about three months (seed 003): their
/// median lifetime matches the middle of `unoperated_lifetime_days` (40–90
/// days, so 65 ± 10), none lives past 90 days, and operated groups live at
/// least twice as long. The labels match what was written: a silent week of
/// an unoperated group carries few messages, its active weeks many.
#[test]
fn unoperated_groups_die_within_three_months_operated_live_longer() {
    let dir = tempfile::tempdir().unwrap();
    let (sc, truth) = run(STATS, 3, dir.path());
    let lifetime = |operated: bool| -> Vec<f64> {
        groups(&truth)
            .iter()
            .filter(|g| g["operated"].as_bool().unwrap() == operated)
            .map(|g| g["lifetime_days"].as_f64().unwrap())
            .collect()
    };
    let unop = lifetime(false);
    let op = lifetime(true);
    assert!(unop.len() >= 15 && op.len() >= 15, "{} unoperated, {} operated", unop.len(), op.len());
    let [lo, hi] = sc.lifecycle.unoperated_lifetime_days;
    let mu = median(unop.clone());
    assert!((mu - (lo + hi) / 2.0).abs() <= 10.0, "median unoperated lifetime {mu}");
    assert!(unop.iter().all(|&d| d <= hi + 1e-9), "{unop:?}");
    let mo = median(op);
    assert!(mo >= 2.0 * mu, "median operated lifetime {mo} vs unoperated {mu}");

    let (mut silent, mut silent_weeks, mut active, mut active_weeks) = (0.0, 0.0, 0.0, 0.0);
    for g in groups(&truth).iter().filter(|g| !g["operated"].as_bool().unwrap()) {
        for w in g["weeks"].as_array().unwrap() {
            let m = w["messages"].as_f64().unwrap();
            match w["stage"].as_str().unwrap() {
                "silent" => {
                    silent += m;
                    silent_weeks += 1.0;
                }
                "active" => {
                    active += m;
                    active_weeks += 1.0;
                }
                _ => {}
            }
        }
    }
    assert!(silent_weeks > 20.0 && active_weeks > 20.0);
    let (s, a) = (silent / silent_weeks, active / active_weeks);
    assert!(s < 8.0, "silent weeks average {s:.1} messages (ads included)");
    assert!(a > 10.0 * s, "active weeks average {a:.1}, silent {s:.1}");
}

/// Every check-in message is followed by its canonical `checkin` event, and
/// supervised challenges keep more of their challengers than unsupervised
/// ones (seed 000).
#[test]
fn checkins_and_supervision() {
    let dir = tempfile::tempdir().unwrap();
    let (_, truth) = run(STATS, 5, dir.path());
    let (mut sup, mut unsup) = (Vec::new(), Vec::new());
    for g in groups(&truth) {
        for c in g["challenges"].as_array().unwrap() {
            let parts = c["participants"].as_f64().unwrap();
            if parts < 5.0 {
                continue;
            }
            let kept = c["finishers"].as_f64().unwrap() / parts;
            if c["supervised"].as_bool().unwrap() { sup.push(kept) } else { unsup.push(kept) }
        }
    }
    assert!(!sup.is_empty() && !unsup.is_empty(), "supervised {sup:?} unsupervised {unsup:?}");
    assert!(median(sup.clone()) > 2.0 * median(unsup.clone()), "{sup:?} vs {unsup:?}");
    let text = std::fs::read_to_string(dir.path().join("events-0001.jsonl")).unwrap();
    let checkin_msgs = text
        .lines()
        .filter(|l| {
            l.starts_with("{\"kind\":\"message\"")
                && (l.contains("\"text\":\"#打卡 第") || l.contains("\"text\":\"#checkin day"))
        })
        .count();
    let checkin_events = text.lines().filter(|l| l.starts_with("{\"kind\":\"checkin\"")).count();
    assert!(checkin_events > 100);
    assert_eq!(checkin_msgs, checkin_events);
}
