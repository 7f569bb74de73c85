//! The fuzz harness's body, shared by `fuzz/fuzz_targets/sources.rs`
//! (libFuzzer, nightly) and the stable test that replays seeds and
//! crashers (`crates/cli/tests/fuzz_replay.rs`), so both run the same code.
//!
//! An input is one header byte and the file. The header's low seven bits
//! pick the reader (modulo [`READERS`]: the file formats of [`SOURCES`],
//! then the folder formats of [`BUNDLE_SOURCES`]) unless the fuzzer runs
//! one reader only ([`run_reader`]); its high bit picks the bytes' path.
//! A folder format's input is a folder in one text: each file begins with
//! a line `@@ path/in/folder` ([`FILE_MARK`]).
//! Clear: the file is first made valid UTF-8 (invalid bytes become U+FFFD),
//! so the reader's own code gets the time. Set: the raw bytes go through
//! encoding detection as an unknown file's would. Without the split, a
//! mutated Chinese export is almost never valid UTF-8 and nearly all of the
//! fuzzer's time went into the encoding detector (70% of a profile).

use crate::{BUNDLE_SOURCES, Bundle, Input, ReadOptions, SOURCES, SourceError};
use std::borrow::Cow;
use std::io::Read;
use std::sync::Arc;

/// How many readers there are to fuzz: every file and folder format.
pub const READERS: usize = SOURCES.len() + BUNDLE_SOURCES.len();

/// The line that begins each file of a folder format's input.
pub const FILE_MARK: &str = "@@ ";

/// The name of reader `index` (as `--format` takes it).
pub fn reader_name(index: usize) -> &'static str {
    match SOURCES.get(index) {
        Some(s) => s.name(),
        None => BUNDLE_SOURCES[(index - SOURCES.len()) % BUNDLE_SOURCES.len()].name(),
    }
}

/// The header's bit that sends the raw bytes through encoding detection.
pub const RAW: u8 = 0x80;

/// Runs one input, the header picking the reader. A reader may refuse the
/// input with an error; it must never panic, hang or allocate without
/// bound, and every event it emits must pass the canonical event's
/// validation or be refused by it (never crash it). Returns the number of
/// events read.
pub fn run_one(data: &[u8]) -> usize {
    let Some(&header) = data.first() else { return 0 };
    run_reader((header & !RAW) as usize % READERS, data)
}

/// Runs one input on reader `index` (see [`reader_name`]) whatever the
/// header's low bits say (the per-reader fuzzing of `tools/fuzz.sh`).
pub fn run_reader(index: usize, data: &[u8]) -> usize {
    let Some((&header, body)) = data.split_first() else { return 0 };
    let body: Cow<[u8]> = if header & RAW != 0 {
        Cow::Borrowed(body)
    } else {
        match String::from_utf8_lossy(body) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    };
    let head = &body[..body.len().min(4096)];
    let head =
        std::str::from_utf8(head).unwrap_or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""));
    for s in SOURCES {
        let _ = s.sniff("fuzz.txt", head);
    }
    let mut events: Vec<tonghao_model::Event> = Vec::new();
    let Some(&source) = SOURCES.get(index) else {
        let bundle = MemBundle::parse(&body);
        let source = BUNDLE_SOURCES[(index - SOURCES.len()) % BUNDLE_SOURCES.len()];
        let _ = source.sniff(&bundle);
        let _ = source.read(&bundle, &ReadOptions::default(), &mut events);
        return checked(events);
    };
    let body: &[u8] = &body;
    let reopen = Box::new(move || Ok::<_, SourceError>(Box::new(body) as Box<dyn Read>));
    let Ok(mut input) = Input::open("fuzz", Box::new(body), Some(reopen)) else { return 0 };
    let _ = source.read(&mut input, &ReadOptions::default(), &mut events);
    checked(events)
}

/// Runs every event through the canonical event's validation.
fn checked(events: Vec<tonghao_model::Event>) -> usize {
    for e in &events {
        let _ = e.validate();
    }
    events.len()
}

/// A folder held in memory, cut from one text at its [`FILE_MARK`] lines.
struct MemBundle {
    names: Vec<String>,
    files: Vec<Arc<[u8]>>,
}

impl MemBundle {
    fn parse(body: &[u8]) -> MemBundle {
        let (mut names, mut files): (Vec<String>, Vec<Arc<[u8]>>) = (Vec::new(), Vec::new());
        let mut current: Option<(String, Vec<u8>)> = None;
        for line in body.split_inclusive(|&b| b == b'\n') {
            if let Some(name) = line.strip_prefix(FILE_MARK.as_bytes()) {
                if let Some((n, f)) = current.take() {
                    names.push(n);
                    files.push(Arc::from(f));
                }
                current = Some((String::from_utf8_lossy(name).trim().to_string(), Vec::new()));
            } else if let Some((_, f)) = &mut current {
                f.extend_from_slice(line);
            }
        }
        if let Some((n, f)) = current {
            names.push(n);
            files.push(Arc::from(f));
        }
        // As a folder lists them: sorted, each name once (the first wins).
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]).then(a.cmp(&b)));
        order.dedup_by(|a, b| names[*a] == names[*b]);
        MemBundle {
            names: order.iter().map(|&i| names[i].clone()).collect(),
            files: order.iter().map(|&i| files[i].clone()).collect(),
        }
    }
}

impl Bundle for MemBundle {
    fn label(&self) -> &str {
        "fuzz"
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    fn open_text(&self, name: &str) -> Result<Input<'static>, SourceError> {
        let at = self.names.iter().position(|n| n == name).ok_or_else(|| SourceError::Io {
            file: name.to_string(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?;
        let file = self.files[at].clone();
        let again = file.clone();
        let reopen =
            Box::new(move || Ok::<_, SourceError>(Box::new(std::io::Cursor::new(again.clone())) as Box<dyn Read>));
        Input::open(name, Box::new(std::io::Cursor::new(file)), Some(reopen))
    }
    fn size(&self) -> u64 {
        self.files.iter().map(|f| f.len() as u64).sum()
    }
}
