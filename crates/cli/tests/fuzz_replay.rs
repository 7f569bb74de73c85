//! The fuzz harness on stable (issue 14): every reader on the seeds the
//! fuzzer starts from, on cut and corrupted copies of them, and on whatever
//! corpus and crashers a fuzzing run left in `fuzz/` on this machine. The
//! seeds are made as `tools/fuzz.sh` makes them (the simulator's native
//! exports, the sample JSONL, the hand-written fixtures): no real chat is
//! in the repository. A panic fails the test; a hang is stopped by the
//! runner's timeout.

mod common;

use std::path::{Path, PathBuf};
use tonghao_insight::rng::SplitMix;
use tonghao_sources::fuzz::{RAW, READERS, reader_name, run_one, run_reader};

/// Files under `root` (or `root` itself), simulator truth left out.
fn files(root: &Path, out: &mut Vec<PathBuf>) {
    if root.is_file() {
        out.push(root.to_path_buf());
    } else if let Ok(dir) = std::fs::read_dir(root) {
        for entry in dir.flatten() {
            let path = entry.path();
            if !entry.file_name().to_string_lossy().starts_with("truth") {
                files(&path, out);
            }
        }
    }
}

/// The header byte (which reader, text or raw bytes) followed by `body`.
fn input(header: u8, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 1);
    v.push(header);
    v.extend_from_slice(body);
    v
}

#[test]
fn every_reader_survives_the_seeds_cut_and_corrupted_and_any_saved_crasher() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("native");
    common::ok(None, &["sim", "--scenario", "small", "--format", "native", "--out", native.to_str().unwrap()]);
    let mut seeds = Vec::new();
    for root in [native.as_path(), &repo.join("examples/sample.jsonl"), &repo.join("crates/sources/tests/fixtures")] {
        files(root, &mut seeds);
    }
    assert!(seeds.len() >= 10, "the simulator's exports and the fixtures: {seeds:?}");
    let script = std::fs::read_to_string(repo.join("tools/fuzz.sh")).unwrap();
    let names: Vec<&str> = (0..READERS).map(reader_name).collect();
    assert!(
        script.contains(&format!("all=({})", names.join(" "))),
        "tools/fuzz.sh fuzzes every reader: its `all` must list {names:?}"
    );
    // The Slack folder the script seeds with, as one text.
    let slack = script.split("<<'SLACK'\n").nth(1).and_then(|s| s.split("\nSLACK\n").next()).unwrap();
    let slack_seed = dir.path().join("slack.txt");
    std::fs::write(&slack_seed, slack).unwrap();
    seeds.push(slack_seed);
    let mut rng = SplitMix(14);
    let (mut runs, mut events) = (0usize, 0usize);
    for seed in &seeds {
        let bytes = std::fs::read(seed).unwrap();
        // As the fuzzer takes them: the first 16 KiB.
        let head = &bytes[..bytes.len().min(16 << 10)];
        let mut variants = vec![head.to_vec(), head[..head.len() / 3].to_vec(), head[..head.len() * 2 / 3].to_vec()];
        for _ in 0..4 {
            let mut v = head.to_vec();
            for _ in 0..8 {
                if !v.is_empty() {
                    let at = rng.below(v.len());
                    v[at] = rng.next_u64() as u8;
                }
            }
            variants.push(v);
        }
        for body in &variants {
            for pick in 0..READERS {
                // As text, and the raw bytes through encoding detection.
                events += run_one(&input(pick as u8, body));
                events += run_one(&input(pick as u8 | RAW, body));
                runs += 2;
            }
        }
    }
    // The seeds read as what they are: events come out of them.
    assert!(events > 1000, "{events} events from {runs} runs");
    // The Slack seed reads as a Slack export.
    let slack_events = run_reader(READERS - 1, &input(0, slack.as_bytes()));
    assert_eq!(reader_name(READERS - 1), "slack");
    assert!(slack_events >= 3, "the Slack seed gives {slack_events} events");
    // Whatever a local fuzzing run saved (not in git: fuzz/corpus and
    // fuzz/artifacts are ignored): per reader, and in `sources` from before
    // the readers were fuzzed one at a time (the header picks the reader).
    let mut saved = 0;
    for index in 0..=READERS {
        let name = if index < READERS { reader_name(index) } else { "sources" };
        let mut found = Vec::new();
        files(&repo.join("fuzz/corpus").join(name), &mut found);
        files(&repo.join("fuzz/artifacts").join(name), &mut found);
        for path in &found {
            // A fuzzing run beside this test replaces corpus files as it
            // shrinks them: one gone since the listing is not a failure.
            let data = match std::fs::read(path) {
                Ok(data) => data,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            if index < READERS {
                run_reader(index, &data)
            } else {
                run_one(&data)
            };
        }
        saved += found.len();
    }
    eprintln!(
        "{runs} seed runs ({} seeds × cut/corrupted × {READERS} readers × text/raw), {events} events; {saved} saved inputs replayed",
        seeds.len(),
    );
}
