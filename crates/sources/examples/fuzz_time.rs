//! Times `fuzz::run_one` per reader over a folder of fuzz inputs:
//! `cargo run --release -p tonghao-sources --example fuzz_time -- DIR`.
use std::time::Instant;
fn main() {
    let dir = std::env::args().nth(1).expect("usage: fuzz_time DIR");
    let mut per = vec![(0u32, 0f64); 16];
    for e in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        if data.is_empty() {
            continue;
        }
        let pick = data[0] as usize % tonghao_sources::SOURCES.len();
        let t = Instant::now();
        tonghao_sources::fuzz::run_one(&data);
        per[pick].0 += 1;
        per[pick].1 += t.elapsed().as_secs_f64();
    }
    for (i, (n, s)) in per.iter().enumerate() {
        if *n > 0 {
            println!(
                "{i:2} {:12} {n:5} inputs {:8.3} ms each",
                tonghao_sources::SOURCES[i].name(),
                s * 1000.0 / *n as f64
            );
        }
    }
}
