//! Every format reader on arbitrary bytes (`tonghao_sources::fuzz`, which
//! the stable replay test `crates/cli/tests/fuzz_replay.rs` runs too). With
//! `TONGHAO_FUZZ_READER=NAME` (a `--format` name) every input goes to that
//! reader, so `tools/fuzz.sh` counts executions per reader; without it the
//! input's first byte picks the reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tonghao_sources::fuzz::{READERS, reader_name, run_one, run_reader};

fn reader() -> Option<usize> {
    static READER: OnceLock<Option<usize>> = OnceLock::new();
    *READER.get_or_init(|| {
        let name = std::env::var("TONGHAO_FUZZ_READER").ok()?;
        let found = (0..READERS).find(|&i| reader_name(i) == name);
        Some(found.unwrap_or_else(|| panic!("TONGHAO_FUZZ_READER={name}: no reader has that name")))
    })
}

fuzz_target!(|data: &[u8]| {
    match reader() {
        Some(index) => run_reader(index, data),
        None => run_one(data),
    };
});
