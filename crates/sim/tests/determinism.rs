//! Same seed, same bytes; different seed, different bytes; the number of
//! worker threads changes nothing.

use std::path::Path;
use tonghao_sim::{Format, Options, Scenario, generate};

/// FNV-1a over every file under `dir` (relative path, then contents), in
/// path order.
fn tree_hash(dir: &Path) -> u64 {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                out.push((p.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    assert!(!files.is_empty());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in files {
        for &b in name.as_bytes().iter().chain(&[0]).chain(bytes.iter()) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

fn hash_of(format: Format, seed: u64, threads: usize) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let sc = Scenario::load("small").unwrap();
    let opts = Options { seed, format, out: dir.path(), threads, progress: None, force: false };
    generate(&sc, &opts).unwrap();
    tree_hash(dir.path())
}

/// The canonical output and its truth files are a pure function of the seed.
#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = hash_of(Format::Jsonl, 42, 2);
    assert_eq!(a, hash_of(Format::Jsonl, 42, 2));
    assert_ne!(a, hash_of(Format::Jsonl, 43, 2));
}

/// One thread or several: the same bytes, in every format.
#[test]
fn thread_count_does_not_change_the_output() {
    for format in [Format::Jsonl, Format::Native] {
        assert_eq!(hash_of(format, 5, 1), hash_of(format, 5, 3), "{format:?}");
    }
}

/// A non-empty output folder is refused unless forced.
#[test]
fn refuses_a_folder_with_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let sc = Scenario::load("small").unwrap();
    let opts = Options { seed: 1, format: Format::Jsonl, out: dir.path(), threads: 0, progress: None, force: false };
    let e = generate(&sc, &opts).unwrap_err().to_string();
    assert!(e.contains("not empty"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(), "mine");
}
