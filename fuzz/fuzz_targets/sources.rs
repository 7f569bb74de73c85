//! Every format reader on arbitrary bytes: the first byte picks the
//! reader, the rest is the file. A reader may refuse the input with an
//! error; it must never panic, hang or allocate without bound, and every
//! event it emits must pass the canonical event's validation or be
//! refused by it (never crash it). Detection (`sniff`) runs on the same
//! bytes for every format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Read;
use tonghao_sources::{Input, ReadOptions, SOURCES};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    if let Ok(head) = std::str::from_utf8(&body[..body.len().min(4096)]) {
        for s in SOURCES {
            let _ = s.sniff("fuzz.txt", head);
        }
    }
    let source = SOURCES[pick as usize % SOURCES.len()];
    let reopen = Box::new(move || Ok::<_, tonghao_sources::SourceError>(Box::new(body) as Box<dyn Read>));
    let Ok(mut input) = Input::open("fuzz", Box::new(body), Some(reopen)) else { return };
    let mut events: Vec<tonghao_model::Event> = Vec::new();
    let _ = source.read(&mut input, &ReadOptions::default(), &mut events);
    for e in &events {
        let _ = e.validate();
    }
});
