//! Times the fuzz harness over a folder of fuzz inputs, per reader, and
//! names the slowest input: `cargo run --release -p tonghao-sources
//! --example fuzz_time -- DIR [READER]` (with READER, as `tools/fuzz.sh`
//! runs it: every input goes to that reader).
use std::time::Instant;
use tonghao_sources::fuzz::{READERS, reader_name, run_one, run_reader};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: fuzz_time DIR [READER]");
    let only = args.next().map(|name| (0..READERS).find(|&i| reader_name(i) == name).expect("a reader's name"));
    let mut per = vec![(0u32, 0f64); READERS];
    let mut slowest = (0f64, String::new());
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let Some(&header) = data.first() else { continue };
        let index = only.unwrap_or((header & !tonghao_sources::fuzz::RAW) as usize % READERS);
        let t = Instant::now();
        match only {
            Some(i) => run_reader(i, &data),
            None => run_one(&data),
        };
        let took = t.elapsed().as_secs_f64();
        per[index].0 += 1;
        per[index].1 += took;
        if took > slowest.0 {
            slowest = (took, path.display().to_string());
        }
    }
    for (i, (n, s)) in per.iter().enumerate().filter(|(_, (n, _))| *n > 0) {
        println!("{i:2} {:12} {n:5} inputs {:8.3} ms each", reader_name(i), s * 1000.0 / *n as f64);
    }
    println!("slowest: {:.1} ms, {}", slowest.0 * 1000.0, slowest.1);
}
