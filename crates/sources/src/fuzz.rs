//! The fuzz harness's body, shared by `fuzz/fuzz_targets/sources.rs`
//! (libFuzzer, nightly) and the stable test that replays seeds and
//! crashers (`crates/cli/tests/fuzz_replay.rs`), so both run the same code.

use crate::{Input, ReadOptions, SOURCES, SourceError};
use std::io::Read;

/// Runs one fuzz input: the first byte picks the reader, the rest is the
/// file. Detection (`sniff`) runs on the same bytes for every format. A
/// reader may refuse the input with an error; it must never panic, hang or
/// allocate without bound, and every event it emits must pass the
/// canonical event's validation or be refused by it (never crash it).
/// Returns the number of events read.
pub fn run_one(data: &[u8]) -> usize {
    let Some((&pick, body)) = data.split_first() else { return 0 };
    if let Ok(head) = std::str::from_utf8(&body[..body.len().min(4096)]) {
        for s in SOURCES {
            let _ = s.sniff("fuzz.txt", head);
        }
    }
    let source = SOURCES[pick as usize % SOURCES.len()];
    let reopen = Box::new(move || Ok::<_, SourceError>(Box::new(body) as Box<dyn Read>));
    let Ok(mut input) = Input::open("fuzz", Box::new(body), Some(reopen)) else { return 0 };
    let mut events: Vec<tonghao_model::Event> = Vec::new();
    let _ = source.read(&mut input, &ReadOptions::default(), &mut events);
    for e in &events {
        let _ = e.validate();
    }
    events.len()
}
