//! Every format reader on arbitrary bytes: the first byte picks the
//! reader, the rest is the file (`tonghao_sources::fuzz::run_one`, which
//! the stable replay test `crates/cli/tests/fuzz_replay.rs` runs too).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tonghao_sources::fuzz::run_one(data);
});
