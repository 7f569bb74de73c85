//! The source contract (`docs/specs/source.md`) checked for every source on
//! every real fixture: each file is claimed by exactly its own format, reads
//! without error, reads the same twice, and no source panics on another's
//! files or on truncated ones.

mod common;

use common::{data_dir, fixture};
use std::panic::{AssertUnwindSafe, catch_unwind};
use tonghao_model::Event;
use tonghao_sources::{
    BUNDLE_SOURCES, DirBundle, ReadOptions, SNIFF_BYTES, SOURCES, SourceError, TextFile, ZipBundle, read_path,
};

/// (fixture path under formats/, the format that must claim it). `None`: no
/// source may claim it.
const FIXTURES: &[(&str, Option<&str>)] = &[
    ("cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv", Some("wechat-csv")),
    ("cn-reading-club/wechat/读书会1群.weflow.json", Some("weflow")),
    ("cn-reading-club/wechat/读书会1群.chatlab.json", Some("chatlab")),
    ("cn-reading-club/qq/读书会1群.txt", Some("qq-txt")),
    ("cn-reading-club/expected.json", None),
    ("telegram/BIG_20A_5475M.json", Some("telegram")),
    ("telegram/DM_2A_7M.json", Some("telegram")),
    ("discord/DM_2A_2M.json", Some("discord-json")),
    ("discord/GC_3A_5M.json", Some("discord-json")),
    ("discord/SV_5A_5M.json", Some("discord-json")),
    ("discord/example_guild/Example guild - Text Channels - general [1012224565567721552].json", Some("discord-json")),
    ("discord/komodo-csv/developer-lounge/dev-ops/1.csv", Some("discord-csv")),
    ("discord/komodo-csv/developer-lounge/dev-ops/2.csv", Some("discord-csv")),
    ("discord/komodo-csv/after-2019-Dec-13-feeds-tip-bot/1.csv", Some("discord-csv")),
    ("whatsapp/2A_5M.txt", Some("whatsapp")),
    ("whatsapp/4A_11M.txt", Some("whatsapp")),
    ("gitter/appium_appium.txt", Some("gitter")),
    ("gitter/gitter_gitter.txt", Some("gitter")),
    ("gitter/LICENSE", None),
    ("irc/fluid-tech-botbot/fluid-tech-2017-11-05.log", Some("irc")),
    ("irc/fluid-tech-botbot/fluid-tech-2013-09-01.log", Some("irc")),
    ("irc/fluid-tech-limnoria/#fluid-tech.2018-09-21.log", Some("irc")),
    ("slack/clojurians-2018-02/channels.json", None),
    ("slack/clojurians-2018-02/users.json", None),
];

/// Every fixture, plus the Ubuntu IRC logs, real and hand-written Element
/// (Matrix) exports, the lifecycle Slack folders' channel lists and the
/// project's own sample.
fn all_fixtures() -> Vec<(TextFile, Option<&'static str>)> {
    let mut out: Vec<_> = FIXTURES.iter().map(|(rel, want)| (read_path(&fixture(rel)).unwrap(), *want)).collect();
    let dev = data_dir().join("replies/dev");
    let mut raw: Vec<_> = std::fs::read_dir(&dev).unwrap().map(|e| e.unwrap().path()).collect();
    raw.sort();
    for p in raw.iter().take(4) {
        let want = p.to_string_lossy().ends_with(".raw.txt").then_some("irc");
        out.push((read_path(p).unwrap(), want));
    }
    for room in ["FreeCodeCamp_Adelaide.json", "FreeCodeCamp_Wiki.json"] {
        let p = data_dir().join("lifecycle/fcc-gitter-matrix").join(room);
        out.push((read_path(&p).unwrap(), Some("matrix-json")));
    }
    let element = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matrix/element_export.json");
    out.push((read_path(&element).unwrap(), Some("matrix-json")));
    for other in ["lifecycle/haskell-jp-slack/channels.json", "lifecycle/houstondatavis-slack/channels.json"] {
        out.push((read_path(&data_dir().join(other)).unwrap(), None));
    }
    out.push((read_path(&data_dir().join("README.md")).unwrap(), None));
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.jsonl");
    out.push((read_path(&sample).unwrap(), Some("jsonl")));
    out
}

fn read_all(source: &dyn tonghao_sources::Source, file: &TextFile) -> Result<Vec<Event>, SourceError> {
    let mut events = Vec::new();
    source.read(&mut file.input(), &ReadOptions::default(), &mut events)?;
    Ok(events)
}

/// Rule 1: exactly the right source claims each file; none claims the rest.
#[test]
fn each_fixture_is_claimed_by_its_own_format_only() {
    let mut wrong = Vec::new();
    for (file, want) in all_fixtures() {
        let claimed: Vec<&str> =
            SOURCES.iter().filter(|s| s.sniff(file.base_name(), file.head(SNIFF_BYTES))).map(|s| s.name()).collect();
        let ok = match want {
            Some(w) => claimed == [w],
            None => claimed.is_empty(),
        };
        if !ok {
            wrong.push(format!("{}: want {want:?}, claimed by {claimed:?}", file.name));
        }
    }
    assert!(wrong.is_empty(), "sniffing mistakes:\n{}", wrong.join("\n"));
}

/// Folder formats claim their own folders and no other fixture folder.
#[test]
fn bundle_sources_claim_only_their_folders() {
    let formats = data_dir().join("formats");
    for source in BUNDLE_SOURCES {
        for entry in std::fs::read_dir(&formats).unwrap() {
            let dir = entry.unwrap().path();
            for sub in std::fs::read_dir(&dir).unwrap() {
                let sub = sub.unwrap().path();
                if !sub.is_dir() {
                    continue;
                }
                let bundle = DirBundle::open(&sub).unwrap();
                let want = dir.file_name().unwrap() == source.name();
                assert_eq!(source.sniff(&bundle), want, "{} on {}", source.name(), sub.display());
            }
        }
    }
    // A zip that is not a folder export is not claimed either.
    let zip = ZipBundle::open(&fixture("whatsapp/4A_11M.zip")).unwrap();
    assert!(BUNDLE_SOURCES.iter().all(|s| !s.sniff(&zip)));
}

/// Rules 3 and 4: each fixture reads without error into valid events, and
/// reading twice gives the same events (keys are stable).
#[test]
fn fixtures_read_cleanly_and_deterministically() {
    for (file, want) in all_fixtures() {
        let Some(want) = want else { continue };
        let source = SOURCES.iter().find(|s| s.name() == want).unwrap();
        let events = read_all(*source, &file).unwrap_or_else(|e| panic!("{e}"));
        assert!(!events.is_empty(), "{}: no events", file.name);
        for e in &events {
            e.validate().unwrap_or_else(|err| panic!("{}: {err}: {e:?}", file.name));
        }
        assert_eq!(events, read_all(*source, &file).unwrap(), "{}: second read differs", file.name);
    }
}

/// Rule 5: no source panics on any other format's file, on a truncated file,
/// or on a file cut inside a character; JSON formats refuse truncation.
#[test]
fn no_source_panics_on_foreign_or_truncated_input() {
    let files = all_fixtures();
    for source in SOURCES {
        for (file, want) in &files {
            let mut inputs = vec![TextFile { name: file.name.clone(), text: file.text.clone(), encoding: "UTF-8" }];
            for frac in [0.5, 0.9, 0.999] {
                let mut cut = (file.text.len() as f64 * frac) as usize;
                while !file.text.is_char_boundary(cut) {
                    cut -= 1;
                }
                inputs.push(TextFile {
                    name: file.name.clone(),
                    text: file.text[..cut].to_string(),
                    encoding: "UTF-8",
                });
            }
            for (i, input) in inputs.iter().enumerate() {
                let result = catch_unwind(AssertUnwindSafe(|| read_all(*source, input)));
                let result =
                    result.unwrap_or_else(|_| panic!("{} panicked on {} (variant {i})", source.name(), file.name));
                let is_json = input.name.ends_with(".json") && *want == Some(source.name());
                if i > 0 && is_json {
                    match result {
                        Err(SourceError::Parse { file: f, .. }) => assert_eq!(f, input.name),
                        other => {
                            panic!("{} accepted truncated {}: {:?}", source.name(), input.name, other.map(|e| e.len()))
                        }
                    }
                }
            }
        }
    }
}

/// Rule 9 (in part): every source documents itself in `tonghao formats`.
#[test]
fn every_source_has_a_description_and_a_unique_name() {
    let formats = tonghao_sources::formats();
    let mut names: Vec<_> = formats.iter().map(|(n, _)| *n).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), formats.len(), "duplicate format names");
    for (name, description) in formats {
        assert!(description.len() > 10 && !description.contains("PLACEHOLDER"), "{name}: {description:?}");
    }
}
