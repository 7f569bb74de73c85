//! Helpers for tests that read the real exports in `../shared/data`.
#![allow(dead_code)]

use std::path::PathBuf;
use tonghao_model::Event;
use tonghao_sources::{ReadOptions, SourceError, TextFile, detect, read_path};

/// `../shared/data` beside the project. Panics with instructions when it is
/// missing: these tests must fail loudly, never skip.
pub fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.join("README.md").is_file(),
        "test data missing: expected the shared exports at {} (the `shared/` folder beside the project checkout)",
        dir.display()
    );
    dir
}

/// A path under `../shared/data/formats`.
pub fn fixture(rel: &str) -> PathBuf {
    let p = data_dir().join("formats").join(rel);
    assert!(p.exists(), "fixture missing: {}", p.display());
    p
}

/// Reads one fixture file, detecting its format, and returns the format name
/// and every event.
pub fn read_fixture(rel: &str) -> (&'static str, Vec<Event>) {
    let file = read_path(&fixture(rel)).expect("fixture decodes");
    read_text(&file).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Detects and reads an in-memory file.
pub fn read_text(file: &TextFile) -> Result<(&'static str, Vec<Event>), SourceError> {
    let source = detect(&file.input(), None)?;
    let mut events = Vec::new();
    source.read(&mut file.input(), &ReadOptions::default(), &mut events)?;
    Ok((source.name(), events))
}

/// An in-memory file for tests.
pub fn text_file(name: &str, text: &str) -> TextFile {
    TextFile { name: name.to_string(), text: text.to_string(), encoding: "UTF-8" }
}

/// Counts events by kind: (messages, joins, leaves, replies).
pub fn tally(events: &[Event]) -> Tally {
    let mut t = Tally::default();
    for e in events {
        match e {
            Event::Message(m) => {
                t.messages += 1;
                t.replies += m.reply_to.is_some() as usize;
                t.mentions += !m.mentions.is_empty() as usize;
            }
            Event::Join(_) => t.joins += 1,
            Event::Leave(_) => t.leaves += 1,
            _ => t.other += 1,
        }
    }
    t
}

/// Event counts of one file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub messages: usize,
    pub replies: usize,
    pub mentions: usize,
    pub joins: usize,
    pub leaves: usize,
    pub other: usize,
}

/// A text argument of a reader's message (`""` when it has none).
pub fn text_arg<'m>(why: &'m tonghao_model::msg::Msg, name: &str) -> &'m str {
    match why.arg(name) {
        Some(tonghao_model::msg::Arg::Text(t)) => t,
        _ => "",
    }
}
