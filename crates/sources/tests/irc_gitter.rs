//! The IRC and Gitter readers on the real logs in `../shared/data`.
//!
//! Every expected number was computed outside tonghao, with the command in the
//! comment beside it (run from `shared/data/formats/irc`, `.../gitter` or
//! `shared/data/replies`). Two short Python scripts re-implement the documented
//! rules independently with regular expressions; they are reproduced at the end
//! of this file as `VERIFY_IRC_PY` and `VERIFY_GITTER_PY` (write one to a file and
//! run `python3 verify_irc.py FILE...`).

mod common;

use common::{data_dir, fixture, read_text, tally, text_file};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tonghao_model::{Event, PersonRef, Platform};
use tonghao_sources::{
    Position, ReadOptions, SNIFF_BYTES, SOURCES, Source, SourceError, TextFile, gitter::Gitter, irc::Irc, read_path,
};

/// What the tests compare: (messages, distinct member nicks, joins, leaves,
/// messages with a mention).
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    messages: usize,
    nicks: usize,
    joins: usize,
    leaves: usize,
    mentions: usize,
}

fn counts(events: &[Event]) -> Counts {
    let t = tally(events);
    assert_eq!((t.replies, t.other), (0, 0));
    let nicks: HashSet<&str> = events.iter().filter_map(|e| e.header().member.as_deref()).collect();
    Counts { messages: t.messages, nicks: nicks.len(), joins: t.joins, leaves: t.leaves, mentions: t.mentions }
}

fn c(messages: usize, nicks: usize, joins: usize, leaves: usize, mentions: usize) -> Counts {
    Counts { messages, nicks, joins, leaves, mentions }
}

/// Reads a file through detection, asserting that `want` claims it.
fn read_as(path: &Path, want: &str) -> Vec<Event> {
    let file = read_path(path).unwrap_or_else(|e| panic!("{e}"));
    let (format, events) = read_text(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(format, want, "{}", path.display());
    for e in &events {
        e.validate().unwrap_or_else(|err| panic!("{}: {err}: {e:?}", path.display()));
    }
    events
}

fn irc(rel: &str) -> Vec<Event> {
    read_as(&fixture(rel), "irc")
}

fn replies(rel: &str) -> Vec<Event> {
    read_as(&data_dir().join("replies").join(rel), "irc")
}

/// A Gitter dump, through detection. (appium_appium.txt holds a few NUL
/// characters inside messages, pasted terminal output on lines 3317-3327,
/// which `decode` must not take for a binary file.)
fn gitter(rel: &str) -> Vec<Event> {
    read_as(&fixture(rel), "gitter")
}

fn messages(events: &[Event]) -> impl Iterator<Item = &tonghao_model::Message> {
    events.iter().filter_map(|e| match e {
        Event::Message(m) => Some(m),
        _ => None,
    })
}

fn read_err(source: &dyn Source, name: &str, text: &str) -> SourceError {
    let mut events = Vec::new();
    match source.read(&mut text_file(name, text).input(), &ReadOptions::default(), &mut events) {
        Ok(()) => panic!("{name}: read without error ({} events)", events.len()),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------- botbot

#[test]
fn botbot_files() {
    // python3 verify_irc.py fluid-tech-botbot/fluid-tech-2017-11-05.log
    //   {'messages': 0, 'joins': 10, 'leaves': 10, 'mentions': 0, 'nicks': 7}
    // grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} \* [^ ]+ joined the channel$'               → 10
    // grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} \* [^ ]+ has (quit|left the channel)$'     → 10
    assert_eq!(counts(&irc("irc/fluid-tech-botbot/fluid-tech-2017-11-05.log")), c(0, 7, 10, 10, 0));
    // Two b'…' blocks, one /me action, 8 dropped `* --`/`* NOTICE:` lines.
    // python3 verify_irc.py fluid-tech-botbot/fluid-tech-2013-09-16.log
    //   {'messages': 55, 'actions': 1, 'joins': 54, 'leaves': 49, 'mentions': 19, 'nicks': 18}
    // grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} <' → 54 (+1 action: 113 `* ` lines - 54 - 49 - 1 rename - 8 system)
    assert_eq!(counts(&irc("irc/fluid-tech-botbot/fluid-tech-2013-09-16.log")), c(55, 18, 54, 49, 19));
    // Seven continuation lines (escaped `\n` in messages).
    // python3 verify_irc.py fluid-tech-botbot/fluid-tech-2015-02-13.log
    //   {'messages': 45, 'actions': 0, 'joins': 65, 'leaves': 66, 'mentions': 3, 'nicks': 11}
    // grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} <' → 45
    assert_eq!(counts(&irc("irc/fluid-tech-botbot/fluid-tech-2015-02-13.log")), c(45, 11, 65, 66, 3));
    // python3 verify_irc.py fluid-tech-botbot/fluid-tech-2017-03-01.log
    //   {'messages': 102, 'actions': 0, 'joins': 122, 'leaves': 26, 'mentions': 3, 'nicks': 27}
    assert_eq!(counts(&irc("irc/fluid-tech-botbot/fluid-tech-2017-03-01.log")), c(102, 27, 122, 26, 3));
}

#[test]
fn botbot_text_is_unescaped_and_continued() {
    let events = irc("irc/fluid-tech-botbot/fluid-tech-2017-03-01.log");
    // Lines 8-9: `<Bosmon> E:\\source\\gits\\infusion-master\` + `ode_modules\\infusion\\src\\module`.
    assert!(
        messages(&events).any(|m| m.text == r"E:\source\gits\infusion-master\node_modules\infusion\src\module"),
        "the continued Windows path"
    );
    let events = irc("irc/fluid-tech-botbot/fluid-tech-2016-02-10.log");
    // Line 168: `i\'ll try to reproduce them.`
    let m = messages(&events).find(|m| m.text.ends_with("i'll try to reproduce them.")).expect("line 168");
    assert_eq!(m.header.member.as_deref(), Some("Justin_o"));
    assert_eq!(m.header.at.to_rfc3339(), "2016-02-10T21:30:15+00:00");
    assert_eq!(m.mentions, vec![PersonRef::id("gtirloni")]);
    let events = irc("irc/fluid-tech-botbot/fluid-tech-2018-09-11.log");
    // Line 31: `* clown only two minutes left\xe2\x80\xa6` (a /me action).
    assert!(
        messages(&events)
            .any(|m| m.text == "only two minutes left\u{2026}" && m.header.member.as_deref() == Some("clown"))
    );
}

// ---------------------------------------------------------------- Limnoria

#[test]
fn limnoria_files() {
    // python3 verify_irc.py '#fluid-tech.2018-09-21.log'
    //   {'messages': 4, 'actions': 0, 'joins': 3, 'leaves': 7, 'mentions': 1, 'nicks': 8}
    // grep -c -E '^\S+  <' → 4; grep -c -E '^\S+  \*\*\* \S+ <\S+> has joined #' → 3;
    // grep -c -E '^\S+  \*\*\* \S+ <\S+> has (quit|left) ' → 7
    let events = irc("irc/fluid-tech-limnoria/#fluid-tech.2018-09-21.log");
    assert_eq!(counts(&events), c(4, 8, 3, 7, 1));
    // Lines 6-7: `<gmoss> alanharnum: looks like …` is no mention (alanharnum has not appeared
    // yet); `<alanharnum> gmoss: that was me …` is one (gmoss spoke on line 6).
    let ms: Vec<_> = messages(&events).collect();
    assert_eq!((ms[1].header.member.as_deref(), ms[1].mentions.len()), (Some("gmoss"), 0));
    assert_eq!(
        (ms[2].header.member.as_deref(), &ms[2].mentions[..]),
        (Some("alanharnum"), &[PersonRef::id("gmoss")][..])
    );
    // fluid-bot is a bot, gmoss is not.
    let bots: Vec<_> = messages(&events).filter(|m| m.bot).map(|m| m.header.member.as_deref()).collect();
    assert_eq!(bots, [Some("fluid-bot")]);
    // Four actions, 79 `***` lines (38 joins, 40 leaves, the rest renames and modes).
    // python3 verify_irc.py '#fluid-tech.2020-02-12.log'
    //   {'messages': 47, 'actions': 4, 'joins': 38, 'leaves': 40, 'mentions': 4, 'nicks': 16}
    // grep -c -E '^\S+  (<|\* )' → 47
    assert_eq!(counts(&irc("irc/fluid-tech-limnoria/#fluid-tech.2020-02-12.log")), c(47, 16, 38, 40, 4));
    // Modes, a topic change and renames, all dropped.
    // python3 verify_irc.py '#fluid-tech.2018-12-03.log'
    //   {'messages': 26, 'actions': 1, 'joins': 35, 'leaves': 33, 'mentions': 1, 'nicks': 14}
    assert_eq!(counts(&irc("irc/fluid-tech-limnoria/#fluid-tech.2018-12-03.log")), c(26, 14, 35, 33, 1));
    // python3 verify_irc.py '#fluid-tech.2019-03-25.log'
    //   {'messages': 218, 'actions': 0, 'joins': 31, 'leaves': 30, 'mentions': 11, 'nicks': 13}
    assert_eq!(counts(&irc("irc/fluid-tech-limnoria/#fluid-tech.2019-03-25.log")), c(218, 13, 31, 30, 11));
}

// ---------------------------------------------------------------- folders

/// Reads every file of a folder through detection; returns the events of the
/// files claimed as IRC and the names of the files no source claimed.
fn read_folder(rel: &str) -> (Vec<Event>, usize, Vec<String>) {
    let dir = fixture(rel);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let (mut events, mut files, mut skipped) = (Vec::new(), 0, Vec::new());
    for p in paths {
        let file = read_path(&p).unwrap();
        match read_text(&file) {
            Ok((format, evs)) => {
                assert_eq!(format, "irc", "{}", p.display());
                events.extend(evs);
                files += 1;
            }
            Err(SourceError::Unrecognised { .. }) => skipped.push(file.base_name().to_string()),
            Err(e) => panic!("{e}"),
        }
    }
    (events, files, skipped)
}

#[test]
fn whole_botbot_folder() {
    let started = std::time::Instant::now();
    let (events, files, skipped) = read_folder("irc/fluid-tech-botbot");
    eprintln!("botbot: {} events from {files} files in {:?}", events.len(), started.elapsed());
    // ls fluid-tech-botbot | wc -l → 1884 (no other file in it)
    assert_eq!((files, skipped.len()), (1884, 0));
    // python3 verify_irc.py fluid-tech-botbot/*.log
    //   TOTAL {'messages': 17214, 'actions': 65, 'joins': 56345, 'leaves': 39547, 'mentions': 2329, ...}
    //   distinct nicks over all files: 359
    // cat fluid-tech-botbot/*.log | grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} <'                         → 17149 (+65 actions)
    // cat fluid-tech-botbot/*.log | grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} \* \S+ joined the channel$' → 56345
    // cat fluid-tech-botbot/*.log | grep -c -E '^(b.)?[0-9-]{10}T[0-9:]{8} \* \S+ has (quit|left the channel)$' → 39547
    assert_eq!(counts(&events), c(17214, 359, 56345, 39547, 2329));
    assert!(events.iter().all(|e| e.header().group == "#fluid-tech" && e.header().platform == Platform::Irc));
}

#[test]
fn whole_limnoria_folder() {
    let started = std::time::Instant::now();
    let (events, files, skipped) = read_folder("irc/fluid-tech-limnoria");
    eprintln!("limnoria: {} events from {files} files in {:?}", events.len(), started.elapsed());
    // ls fluid-tech-limnoria | grep -c 'log$' → 685; the folder also holds index.html
    assert_eq!((files, skipped), (685, vec!["index.html".to_string()]));
    // python3 verify_irc.py fluid-tech-limnoria/*.log
    //   TOTAL {'messages': 2260, 'actions': 12, 'joins': 14319, 'leaves': 14295, 'mentions': 338, ...}
    //   distinct nicks over all files: 272
    // cat fluid-tech-limnoria/*.log | grep -c -E '^\S+  (<|\* )'                                         → 2260
    // cat fluid-tech-limnoria/*.log | grep -c -E '^\S+  \*\*\* \S+ <\S+> has joined #'                 → 14319
    // cat fluid-tech-limnoria/*.log | grep -c -E '^\S+  \*\*\* \S+ (<\S+> has (quit|left) |was kicked )' → 14295
    assert_eq!(counts(&events), c(2260, 272, 14319, 14295, 338));
    // Same channel as the botbot logs: the two loggers cover consecutive periods.
    assert!(events.iter().all(|e| e.header().group == "#fluid-tech"));
}

// ---------------------------------------------------------------- Ubuntu

#[test]
fn ubuntu_raw_files() {
    // Modern layout: `[HH:MM] <nick>`, `[HH:MM]  * nick action`, `=== a is now known as b`.
    // grep -c -E '^\[[0-9]{2}:[0-9]{2}\] <' dev/2011-05-29_19.raw.txt      → 1208
    // grep -c -E '^\[[0-9]{2}:[0-9]{2}\] +\* ' dev/2011-05-29_19.raw.txt   → 3
    // grep -c -E '^=== \S+ is now known as' dev/2011-05-29_19.raw.txt      → 39 (no event)
    // grep -c '' dev/2011-05-29_19.raw.txt → 1250 = 1208 + 3 + 39
    // python3 verify_irc.py dev/2011-05-29_19.raw.txt
    //   {'messages': 1211, 'actions': 3, 'joins': 0, 'leaves': 0, 'mentions': 618, 'nicks': 152}
    let events = replies("dev/2011-05-29_19.raw.txt");
    assert_eq!(counts(&events), c(1211, 152, 0, 0, 618));
    assert!(events.iter().all(|e| e.header().group == "#ubuntu"));
    // head -1 → `[15:29] <ikonia> news`; tail -1 → `[19:45] <toad`> ...`
    assert_eq!(events[0].header().at.to_rfc3339(), "2011-05-29T15:29:00+00:00");
    assert_eq!(events.last().unwrap().header().at.to_rfc3339(), "2011-05-29T19:45:00+00:00");

    // Old layout: `===` joins, leaves, renames, modes and /me actions without a
    // timestamp, one `(nick/#ubuntu) text` line, and a 12-hour clock.
    // grep -c -E '^\[[0-9]{2}:[0-9]{2}\] <' train/2006-12-06.train-c.raw.txt      → 1029
    // grep -c -E '^\[[0-9]{2}:[0-9]{2}\] \(' train/2006-12-06.train-c.raw.txt     → 1
    // grep -c -E '^=== .*\] +has joined #' train/2006-12-06.train-c.raw.txt         → 392
    // grep -c -E '^=== (.*\] +has (left|quit) |\S+ was kicked )' train/2006-12-06.train-c.raw.txt → 47
    // grep '^===' train/2006-12-06.train-c.raw.txt | grep -v -E '(\] +has (joined|left|quit) |is now known as)'
    //   → 16 lines: 7 `mode/#ubuntu`, 3 logger lines (Starting logfile, Topic for, Topic (#ubuntu)),
    //     6 actions (sc0tt stretches, mnepton tries…, dreamer…, kuzmaster…, soundray ×2)
    // python3 verify_irc.py train/2006-12-06.train-c.raw.txt
    //   {'messages': 1036, 'actions': 6, 'joins': 392, 'leaves': 47, 'mentions': 304, 'nicks': 363}
    let events = replies("train/2006-12-06.train-c.raw.txt");
    assert_eq!(counts(&events), c(1036, 363, 392, 47, 304));
    // The clock runs 10:37 … 11:59, 00:00 … 02:53 (grep -n -E '^\[' | sed -n '1p;$p'):
    // a 12-hour clock, so the last line is at 14:53 the same day.
    assert_eq!(events.last().unwrap().header().at.to_rfc3339(), "2006-12-06T14:53:00+00:00");
    assert!(events.windows(2).all(|w| w[0].header().at <= w[1].header().at), "times never go back");

    // Channel notices `-nick:#ubuntu- text` count as messages (spam, mostly).
    // grep -c -E '^\[[0-9]{2}:[0-9]{2}\] <' train/2006-12-20.train-c.raw.txt → 1099
    // grep -c -E '^\[[0-9]{2}:[0-9]{2}\] -' train/2006-12-20.train-c.raw.txt → 42
    // python3 verify_irc.py train/2006-12-20.train-c.raw.txt
    //   {'messages': 1219, 'actions': 78, 'joins': 237, 'leaves': 34, 'mentions': 390, 'nicks': 246}
    assert_eq!(counts(&replies("train/2006-12-20.train-c.raw.txt")), c(1219, 246, 237, 34, 390));

    // A kick is a leave by the op. Line 1209: `=== djpirate was kicked off #ubuntu by apokryphos (annoying)`
    let events = replies("train/2006-05-15.train-c.raw.txt");
    let kick = events
        .iter()
        .find_map(|e| match e {
            Event::Leave(l) if l.header.member.as_deref() == Some("djpirate") && l.by.is_some() => Some(l),
            _ => None,
        })
        .expect("the kick");
    assert_eq!(kick.by, Some(PersonRef::id("apokryphos")));
}

#[test]
fn every_ubuntu_raw_file_reads() {
    let mut all = Vec::new();
    let mut n = 0;
    for split in ["train", "dev"] {
        let dir = data_dir().join("replies").join(split);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.to_string_lossy().ends_with(".raw.txt") {
                all.extend(read_as(&p, "irc"));
                n += 1;
            } else {
                let file = read_path(&p).unwrap();
                assert!(!Irc.sniff(file.base_name(), file.head(SNIFF_BYTES)), "{}", p.display());
            }
        }
    }
    // ls train dev | grep -c raw.txt → 163
    assert_eq!(n, 163);
    // python3 verify_irc.py train/*.raw.txt dev/*.raw.txt
    //   TOTAL {'messages': 208992, 'actions': 1183, 'joins': 16351, 'leaves': 2640, 'mentions': 85577, ...}
    // cat train/*.raw.txt dev/*.raw.txt | grep -c -E '^\[[0-9]{2}:[0-9]{2}\] <' → 207761 (+ actions and notices)
    // (the script's per-file counts also match tonghao's for each of the 163 files)
    let t = tally(&all);
    assert_eq!((t.messages, t.joins, t.leaves, t.mentions), (208992, 16351, 2640, 85577));
}

// ---------------------------------------------------------------- Gitter

#[test]
fn gitter_rooms() {
    // grep -a -c -E '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\] <[^> ]+>( |.$)' appium_appium.txt → 24883
    // python3 verify_gitter.py appium_appium.txt
    //   {'messages': 24883, 'users': 1685, 'mentioning': 374, 'mentions': 386, 'multiline': 110}
    let events = gitter("gitter/appium_appium.txt");
    assert_eq!(counts(&events), c(24883, 1685, 0, 0, 374));
    assert_eq!(messages(&events).map(|m| m.mentions.len()).sum::<usize>(), 386);
    assert_eq!(messages(&events).filter(|m| m.text.contains('\n')).count(), 110);
    assert!(events.iter().all(|e| e.header().group == "appium/appium" && e.header().platform == Platform::Gitter));
    // head -1: `[2016-11-21 08:47:30] <ReaLau> Hello@mgmanikandan87` (not yet seen: no mention);
    // line 3: `<mgmanikandan87> yes@ReaLau` (seen on line 1: a mention).
    let ms: Vec<_> = messages(&events).take(3).collect();
    assert_eq!(ms[0].header.at.to_rfc3339(), "2016-11-21T08:47:30+00:00");
    assert_eq!((ms[0].text.as_str(), ms[0].mentions.len()), ("Hello@mgmanikandan87", 0));
    assert_eq!(ms[2].mentions, vec![PersonRef::id("ReaLau")]);

    // grep -c -E '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\] <[^> ]+>( |.$)' gitter_gitter.txt → 14854
    // python3 verify_gitter.py gitter_gitter.txt
    //   {'messages': 14854, 'users': 1752, 'mentioning': 845, 'mentions': 917, 'multiline': 118}
    let events = gitter("gitter/gitter_gitter.txt");
    assert_eq!(counts(&events), c(14854, 1752, 0, 0, 845));
    assert_eq!(messages(&events).map(|m| m.mentions.len()).sum::<usize>(), 917);
    assert_eq!(messages(&events).filter(|m| m.text.contains('\n')).count(), 118);
    // Lines 14-15: a message and its continuation line (CRLF in the file).
    assert!(messages(&events).any(|m| m.header.member.as_deref() == Some("abhisekp")
        && m.text
            == "I've only two primary issues with the new dark themenew message green color\nusername highlights"));
    assert!(events.iter().all(|e| e.header().group == "gitter/gitter"));
}

// ---------------------------------------------------------------- sniffing

#[test]
fn each_fixture_has_exactly_one_of_the_two() {
    let claims = |file: &TextFile| {
        let head = file.head(SNIFF_BYTES);
        (Gitter.sniff(file.base_name(), head), Irc.sniff(file.base_name(), head))
    };
    assert_eq!(claims(&read_path(&fixture("gitter/appium_appium.txt")).unwrap()), (true, false));
    assert_eq!(claims(&read_path(&fixture("gitter/gitter_gitter.txt")).unwrap()), (true, false));
    for rel in [
        "irc/fluid-tech-botbot/fluid-tech-2013-08-23.log",
        "irc/fluid-tech-botbot/fluid-tech-2017-11-05.log",
        "irc/fluid-tech-limnoria/#fluid-tech.2018-09-21.log",
    ] {
        assert_eq!(claims(&read_path(&fixture(rel)).unwrap()), (false, true), "{rel}");
    }
    let raw = read_path(&data_dir().join("replies/dev/2011-05-29_19.raw.txt")).unwrap();
    assert_eq!(claims(&raw), (false, true));
    // Other formats, READMEs, licences, the Limnoria index page, annotations.
    let mut others: Vec<PathBuf> = [
        "gitter/LICENSE",
        "irc/fluid-tech-limnoria/index.html",
        "whatsapp/2A_5M.txt",
        "whatsapp/4A_11M.txt",
        "telegram/DM_2A_7M.json",
        "discord/DM_2A_2M.json",
        "discord/komodo-csv/developer-lounge/dev-ops/1.csv",
        "cn-reading-club/qq/读书会1群.txt",
        "cn-reading-club/wechat/读书会1群.weflow.json",
        "cn-reading-club/expected.json",
        "slack/clojurians-2018-02/users.json",
    ]
    .iter()
    .map(|r| fixture(r))
    .collect();
    others.push(data_dir().join("README.md"));
    others.push(data_dir().join("replies/LICENSE-data.txt"));
    others.push(data_dir().join("replies/dev/2011-05-29_19.annotation.txt"));
    for p in others {
        let file = read_path(&p).unwrap();
        assert_eq!(claims(&file), (false, false), "{}", p.display());
    }
    // In SOURCES, gitter is tried before irc; the two never overlap anyway.
    let pos = |n: &str| SOURCES.iter().position(|s| s.name() == n).unwrap();
    assert!(pos("gitter") < pos("irc"));
    // The same line in a `.log` file is IRC, in an `owner_repo.txt` it is Gitter.
    let line = "[2016-11-21 08:47:30] <ReaLau> Hello\n";
    assert_eq!(claims(&text_file("#appium.log", line)), (false, true));
    assert_eq!(claims(&text_file("appium_appium.txt", line)), (true, false));
    assert_eq!(claims(&text_file("notes.txt", line)), (false, false));
}

// ---------------------------------------------------------------- errors

#[test]
fn a_foreign_line_in_an_irc_log_is_an_error_with_its_line() {
    let path = fixture("irc/fluid-tech-limnoria/#fluid-tech.2018-09-21.log");
    let file = read_path(&path).unwrap();
    let mut lines: Vec<&str> = file.text.lines().collect();
    lines.insert(7, "this line fits no dialect");
    let text = lines.join("\n");
    match read_err(&Irc, &file.name, &text) {
        SourceError::Parse { file: f, position, why } => {
            assert_eq!((f.as_str(), position), (file.name.as_str(), Position::Line(8)));
            assert_eq!(why.key, "source.irc_line", "{why}");
        }
        e => panic!("{e}"),
    }
    // A timestamp followed by something that is no IRC body.
    let err = read_err(&Irc, "#x.2020-01-01.log", "[10:00] <a> hi\n[10:01] hello there\n");
    assert!(matches!(err, SourceError::Parse { position: Position::Line(2), .. }), "{err}");
    // Outside a botbot block, an untimed line is not a continuation.
    let err = read_err(&Irc, "#x.2020-01-01.log", "2020-01-01T10:00:00  <a> hi\nmore\n");
    assert!(matches!(err, SourceError::Parse { position: Position::Line(2), .. }), "{err}");
}

#[test]
fn a_truncated_botbot_file_is_an_error() {
    let path = fixture("irc/fluid-tech-botbot/fluid-tech-2013-09-16.log");
    let file = read_path(&path).unwrap();
    let cut = &file.text[..file.text.len() / 2];
    let cut = &cut[..cut.rfind('\n').unwrap() + 1];
    match read_err(&Irc, &file.name, cut) {
        SourceError::Parse { position: Position::Line(_), why, .. } => assert_eq!(why.key, "source.irc_botbot_open"),
        e => panic!("{e}"),
    }
}

#[test]
fn irc_needs_a_channel_and_a_date() {
    let err = read_err(&Irc, "2014-03-02.log", "[10:00] <a> hi\n");
    assert!(matches!(err, SourceError::Parse { position: Position::Whole, .. }), "{err}");
    let err = read_err(&Irc, "#rust.log", "[10:00] <a> hi\n");
    assert!(matches!(err, SourceError::Parse { position: Position::Line(1), .. }), "{err}");
}

#[test]
fn gitter_errors() {
    let err = read_err(&Gitter, "a_b.txt", "orphan line\n[2016-11-21 08:47:30] <x> y\n");
    assert!(matches!(err, SourceError::Parse { position: Position::Line(1), .. }), "{err}");
    let err = read_err(&Gitter, "ab.txt", "[2016-11-21 08:47:30] <x> y\n");
    assert!(matches!(err, SourceError::Parse { position: Position::Whole, .. }), "{err}");
}

// ---------------------------------------------------------------- dialects

#[test]
fn irssi_day_lines_and_seconds() {
    let log = "--- Log opened Sun Mar 02 23:58:00 2014\n\
               [23:58:10] -!- alice [~a@host] has joined #rust\n\
               [23:59:59] <@alice> bob: late\n\
               --- Day changed Mon Mar 03 2014\n\
               [00:00:05] -!- bob [~b@host] has joined #rust\n\
               [00:00:06] <bob> alice: hi\n\
               [00:01:00] * bob waves\n\
               [00:02:00] -!- alice is now known as alice_away\n\
               [00:03:00] <bob> alice_away, bye\n\
               [00:04:00] -!- bob [~b@host] has quit [Quit: bye]\n\
               --- Log closed Mon Mar 03 00:05:00 2014\n";
    let (format, events) = read_text(&text_file("#rust.log", log)).unwrap();
    assert_eq!(format, "irc");
    assert_eq!(counts(&events), c(4, 2, 2, 1, 2));
    let at: Vec<String> = events.iter().map(|e| e.header().at.format("%m-%d %H:%M:%S").to_string()).collect();
    assert_eq!(at[1], "03-02 23:59:59");
    assert_eq!(at[3], "03-03 00:00:06");
    let ms: Vec<_> = messages(&events).collect();
    // `bob: late` comes before bob appears: no mention.
    assert_eq!((ms[0].header.member.as_deref(), ms[0].mentions.len()), (Some("alice"), 0));
    assert_eq!(ms[1].mentions, vec![PersonRef::id("alice")]);
    assert_eq!(ms[2].text, "waves");
    assert_eq!(ms[3].mentions, vec![PersonRef::id("alice_away")]);
    assert!(events.iter().all(|e| e.header().group == "#rust"));
}

#[test]
fn tz_option_applies() {
    let opts = ReadOptions { tz: Some(tonghao_sources::Zone::hours(2)) };
    let mut events = Vec::new();
    Irc.read(&mut text_file("#a.2020-01-01.log", "[10:00] <a> hi\n").input(), &opts, &mut events).unwrap();
    assert_eq!(events[0].header().at.to_rfc3339(), "2020-01-01T10:00:00+02:00");
    let mut events = Vec::new();
    Gitter.read(&mut text_file("a_b.txt", "[2020-01-01 10:00:00] <a> hi\n").input(), &opts, &mut events).unwrap();
    assert_eq!(events[0].header().at.to_rfc3339(), "2020-01-01T10:00:00+02:00");
}

// ---------------------------------------------------------------- scripts

/// The independent IRC counter the comments above cite.
#[allow(dead_code)]
const VERIFY_IRC_PY: &str = r#"
"""Independent counts for IRC logs: messages (incl. /me), actions, joins, leaves,
messages with a mention, distinct member nicks. Usage: verify_irc.py FILE..."""
import re, sys
NICK = re.compile(r'[A-Za-z0-9\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]*$')
def counts(path):
    c = dict(messages=0, actions=0, joins=0, leaves=0, mentions=0)
    seen = {}; members = set()
    def see(n): seen[n.lower()] = n
    def said(nick, text, action):
        c['messages'] += 1; c['actions'] += action
        if not action:
            m = re.match(r'([^:, ]+)[:,]', text)
            if m and m.group(1).lower() in seen and m.group(1).lower() != nick.lower():
                c['mentions'] += 1
        see(nick); members.add(nick)
    def member(kind, nick):
        c[kind] += 1; see(nick); members.add(nick)
    def star(s):  # `* s` (botbot, limnoria, ubuntu) or `=== s` (ubuntu)
        if m := re.match(r'(\S+) joined the channel$', s): return member('joins', m[1])
        if m := re.match(r'(\S+) has (quit|left the channel)$', s): return member('leaves', m[1])
        # the mask: from the last ' [' on
        if m := re.match(r'(.+?) +\[((?! \[).)*\] +has joined( |$)', s): return member('joins', m[1])
        if m := re.match(r'(.+?) +\[((?! \[).)*\] +has (left|quit)( |$)', s): return member('leaves', m[1])
        if m := re.match(r'(\S+) was kicked ', s): return member('leaves', m[1])
        if m := re.match(r'(.+?) +is now known as (\S+) *$', s): see(m[1]); see(m[2]); return
        if re.match(r'(Topic for |Topic \(|Starting logfile |Ending logfile |Log opened )', s): return
        first, _, rest = s.partition(' ')
        if NICK.match(first): said(first, rest, 1)
    lines = open(path, encoding='utf-8').read().split('\n')
    for line in lines:
        line = re.sub(r"^b['\"]", '', line)
        if line in ("'", '"', ''): continue
        if m := re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d +(.*)$', line) or re.match(r'\[\d\d:\d\d\] +(.*)$', line):
            body = m[1]
            if m := re.match(r'<([^>]+)> ?(.*)', body):
                nick = m[1].strip(); nick = nick[1:] if nick[0] in '@+%~&' and len(nick) > 1 else nick
                said(nick, m[2], 0)
            elif m := re.match(r'\*\*\* (\S+) <[^>]*> has joined ', body): member('joins', m[1])
            elif m := re.match(r'\*\*\* (\S+) <[^>]*> has (quit|left) ', body): member('leaves', m[1])
            elif m := re.match(r'\*\*\* (\S+) was kicked ', body): member('leaves', m[1])
            elif m := re.match(r'\*\*\* (\S+) is now known as (\S+)$', body): see(m[1]); see(m[2])
            elif body.startswith('*** '): pass
            elif body.startswith('* '): star(body[2:].lstrip(' '))
            elif m := re.match(r'-([^:\- ]+)(:#\S+)?- (.*)', body): said(m[1], m[3], 0)
            elif m := re.match(r'\(([^/]+)/#\S+\) (.*)', body): said(m[1], m[2], 0)
            else: raise SystemExit(f'{path}: unexpected {line!r}')
        elif line.startswith('=== '): star(line[4:])
        elif re.match(r'\d{4}-', line): raise SystemExit(f'{path}: unexpected {line!r}')
        # else: a botbot continuation line
    c['nicks'] = len(members)
    ALL.update(members)
    return c
ALL = set()
total = dict()
for p in sys.argv[1:]:
    c = counts(p)
    for k, v in c.items(): total[k] = total.get(k, 0) + v
    if len(sys.argv) == 2: print(p, c)
if len(sys.argv) > 2: print('TOTAL', total, 'distinct nicks over all files:', len(ALL))
"#;

/// The independent Gitter counter the comments above cite.
#[allow(dead_code)]
const VERIFY_GITTER_PY: &str = r#"
"""Independent counts for LiveChat Gitter dumps: messages, distinct users,
messages with an @mention of an earlier author (not self), total mentions."""
import re, sys
H = re.compile(r'\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] <(\S+?)>( |$)')
for path in sys.argv[1:]:
    lines = open(path, encoding='utf-8', newline='').read().split('\n')
    if lines[-1] == '': lines.pop()
    msgs = []
    for l in lines:
        l = l[:-1] if l.endswith('\r') else l
        if m := H.match(l): msgs.append([m[2], l[m.end():]])
        else: msgs[-1][1] += '\n' + l
    seen = {}; withm = 0; total = 0
    for user, text in msgs:
        ms = {seen[n.lower()] for n in re.findall(r'@([A-Za-z0-9_-]+)', text) if n.lower() in seen}
        ms = {m for m in ms if m.lower() != user.lower()}
        withm += bool(ms); total += len(ms)
        seen[user.lower()] = user
    print(path, dict(messages=len(msgs), users=len({u for u, _ in msgs}), mentioning=withm, mentions=total,
                     multiline=sum('\n' in t for _, t in msgs)))
"#;

/// Issue 9: ZNC and other loggers write a folder per channel with a file
/// per day; every such file was refused ("cannot tell the channel from the
/// file name"). The folder now names the channel (`#` added when missing),
/// the file name gives the date, and the three line styles read alike:
/// `[HH:MM:SS] <nick>`, `HH:MM <nick>` and `HH:MM < nick>`.
#[test]
fn day_files_in_a_folder_per_channel() {
    let read = |name: &str, text: &str| read_text(&text_file(name, text)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (format, events) =
        read("logs/#rust/2024-03-02.log", "[09:15:02] <alice> hello everyone\n[09:16:10] <bob> hi alice\n");
    assert_eq!(format, "irc");
    let (format2, events2) = read("znc/tokio/2024-03-03.log", "09:15 <carol> morning\n09:17 < dave> hey carol\n");
    assert_eq!(format2, "irc");
    let messages = |events: &[tonghao_model::Event]| -> Vec<(String, String, String)> {
        events
            .iter()
            .filter_map(|e| match e {
                tonghao_model::Event::Message(m) => Some((
                    m.header.group.clone(),
                    m.header.member_name.clone().unwrap_or_default(),
                    m.header.at.to_rfc3339(),
                )),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        messages(&events),
        vec![
            ("#rust".into(), "alice".into(), "2024-03-02T09:15:02+00:00".into()),
            ("#rust".into(), "bob".into(), "2024-03-02T09:16:10+00:00".into()),
        ]
    );
    assert_eq!(
        messages(&events2),
        vec![
            ("#tokio".into(), "carol".into(), "2024-03-03T09:15:00+00:00".into()),
            ("#tokio".into(), "dave".into(), "2024-03-03T09:17:00+00:00".into()),
        ]
    );
    // A day file with no folder to name the channel is still a clear error.
    let err = read_text(&text_file("2024-03-02.log", "09:15 <carol> morning\n")).unwrap_err();
    assert_eq!(err.why().map(|w| w.key), Some("source.irc_channel"), "{err}");
}
