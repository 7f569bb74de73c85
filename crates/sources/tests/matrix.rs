//! The Element (Matrix) "Export chat" JSON reader on a hand-written export
//! (`tests/fixtures/matrix/element_export.json`: replies, a thread, an edit,
//! redactions, membership, a reaction) and on real rooms in
//! `../shared/data/lifecycle/fcc-gitter-matrix/` (message bodies only).
//!
//! Counts on the real rooms were computed with the `python3` command beside
//! them, run from `shared/data/lifecycle/fcc-gitter-matrix`.

mod common;

use common::{data_dir, read_text, tally, text_file};
use std::collections::HashSet;
use std::path::PathBuf;
use tonghao_model::{ContentType, Event, Message, PersonRef, Platform};
use tonghao_sources::{ReadOptions, SOURCES, SourceError, read_path};

fn element_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matrix/element_export.json")
}

fn read(path: &std::path::Path) -> (&'static str, Vec<Event>) {
    let file = read_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_text(&file).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn message<'a>(events: &'a [Event], id: &str) -> &'a Message {
    events
        .iter()
        .find_map(|e| match e {
            Event::Message(m) if m.header.id.as_deref() == Some(id) => Some(m),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no message {id}"))
}

#[test]
fn hand_written_export_maps_every_kind() {
    let (format, events) = read(&element_fixture());
    assert_eq!(format, "matrix-json");
    let t = tally(&events);
    // 10 messages (the edit and the two redacted ones are not), 3 joins
    // (Bob's invite is not one, his rename is not one), 3 leaves (a ban, a
    // leave, a kick), 2 recalls and a reaction.
    assert_eq!((t.messages, t.joins, t.leaves, t.other), (10, 3, 3, 3), "{events:#?}");
    for e in &events {
        e.validate().unwrap();
        let h = e.header();
        assert_eq!((h.platform, h.group.as_str()), (Platform::Matrix, "!rEaDeRs:example.org"));
        assert_eq!(h.group_name.as_deref(), Some("Rust Readers"));
    }

    // A reply, without the quoted fallback; Bob's name from his join.
    let m2 = message(&events, "$m2");
    assert_eq!(m2.reply_to.as_deref(), Some("$m1"));
    assert_eq!(m2.text, "Thanks, I am on chapter 3 still");
    assert_eq!((m2.header.member.as_deref(), m2.header.member_name.as_deref()), (Some("@bob:matrix.org"), Some("Bob")));
    // A thread: the falling-back reply answers the root, a real in-thread reply its message.
    assert_eq!(message(&events, "$t0").reply_to, None);
    assert_eq!(message(&events, "$t1").reply_to.as_deref(), Some("$t0"));
    let t2 = message(&events, "$t2");
    assert_eq!(t2.reply_to.as_deref(), Some("$t1"));
    assert_eq!(t2.mentions, vec![PersonRef::id("@alice:example.org")]);
    // The edit replaces the text of its target and is not a message itself.
    let m3 = message(&events, "$m3");
    assert_eq!(m3.text, "chapter 3 done, onto ownership");
    assert_eq!(m3.edited_at.map(|t| t.timestamp_millis()), Some(1709452860000));
    assert!(events.iter().all(|e| e.header().id.as_deref() != Some("$m3-edit")));
    // The rename applies to later messages.
    let m4 = message(&events, "$m4");
    assert_eq!((m4.content_type, m4.header.member_name.as_deref()), (ContentType::Image, Some("Bob the Reader")));
    assert_eq!(message(&events, "$m5").content_type, ContentType::File);
    let m7 = message(&events, "$m7");
    assert!(m7.bot && m7.content_type == ContentType::Text, "m.notice is a bot's");
    assert_eq!(message(&events, "$m8").text, "waves goodbye until Friday");

    // Redacted messages are gone: a recall by whoever redacted, no text anywhere.
    let recalls: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Recall(r) => Some((r.header.id.as_deref(), r.header.member.as_deref(), r.target.as_deref())),
            _ => None,
        })
        .collect();
    assert_eq!(
        recalls,
        [
            (Some("$redact-spam"), Some("@alice:example.org"), Some("$spam")),
            (Some("$redact-m6"), Some("@carol:example.org"), Some("$m6")),
        ]
    );
    let json = serde_json::to_string(&events).unwrap();
    assert!(!json.contains("oops, wrong room"), "a redacted text was kept");

    // Membership: joins by event id; the ban and the kick are by Alice, the leave by nobody.
    let moves: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Join(j) => {
                Some(("join", j.header.member.clone().unwrap(), j.by.as_ref().and_then(|b| b.id.clone())))
            }
            Event::Leave(l) => {
                Some(("leave", l.header.member.clone().unwrap(), l.by.as_ref().and_then(|b| b.id.clone())))
            }
            _ => None,
        })
        .collect();
    let alice = Some("@alice:example.org".to_string());
    assert_eq!(
        moves,
        [
            ("join", "@alice:example.org".into(), None),
            ("join", "@bob:matrix.org".into(), None),
            ("join", "@carol:example.org".into(), None),
            ("leave", "@dave:example.org".into(), alice.clone()),
            ("leave", "@carol:example.org".into(), None),
            ("leave", "@bob:matrix.org".into(), alice),
        ]
    );
    let reaction = events.iter().find_map(|e| match e {
        Event::Reaction(r) => Some((r.target.as_str(), r.emoji.as_str())),
        _ => None,
    });
    assert_eq!(reaction, Some(("$m8", "👋")));
}

#[test]
fn real_gitter_rooms_on_matrix() {
    let dir = data_dir().join("lifecycle/fcc-gitter-matrix");
    // python3 -c "import json;m=json.load(open('FreeCodeCamp_Adelaide.json'))['messages'];print(len(m),len({x['sender'] for x in m}),m[0]['room_id'])"
    // → 24 9 !55a1a3775e0d51bd787b1470:gitter.im
    let (format, events) = read(&dir.join("FreeCodeCamp_Adelaide.json"));
    assert_eq!(format, "matrix-json");
    assert_eq!(tally(&events).messages, 24);
    let senders: HashSet<_> = events.iter().map(|e| e.header().member.clone().unwrap()).collect();
    assert_eq!(senders.len(), 9);
    assert!(events.iter().all(|e| e.header().group == "!55a1a3775e0d51bd787b1470:gitter.im"
        && e.header().group_name.as_deref() == Some("FreeCodeCamp/Adelaide")));
    // python3 -c "import json;m=json.load(open('FreeCodeCamp_Aarhus.json'))['messages'];print(m[0]['origin_server_ts'],m[0]['content']['body'])"
    // → 1438237536454 helooo world
    let (_, events) = read(&dir.join("FreeCodeCamp_Aarhus.json"));
    let Event::Message(first) = &events[0] else { panic!("a message first") };
    assert_eq!((first.header.at.timestamp_millis(), first.text.as_str()), (1438237536454, "helooo world"));
}

#[test]
fn broken_and_foreign_files_are_refused_with_a_position() {
    let matrix = SOURCES.iter().find(|s| s.name() == "matrix-json").unwrap();
    let read = |text: &str| {
        let file = text_file("room.json", text);
        let mut events = Vec::new();
        matrix.read(&mut file.input(), &ReadOptions::default(), &mut events).map(|()| events)
    };
    // No time.
    let no_ts = r#"{"room_name":"r","messages":[{"type":"m.room.message","room_id":"!r:x","sender":"@a:x","content":{"body":"hi"},"event_id":"$1"}]}"#;
    match read(no_ts) {
        Err(SourceError::Parse { why, .. }) => {
            assert_eq!(
                (why.key, why.to_string().contains("origin_server_ts")),
                ("source.record_without", true),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Truncated.
    let full = std::fs::read_to_string(element_fixture()).unwrap();
    assert!(matches!(read(&full[..full.len() / 2]), Err(SourceError::Parse { .. })));
    // Not a room export.
    assert!(!matrix.sniff("x.json", r#"{"name":"r","type":"private_group","id":1,"messages":[]}"#));
    assert!(!matrix.sniff("x.json", r#"{"guild":{},"channel":{},"messages":[]}"#));
    // An empty room reads as nothing.
    assert_eq!(read(r#"{"room_name":"quiet","messages":[]}"#).unwrap().len(), 0);
}
