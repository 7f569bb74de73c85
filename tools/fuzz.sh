#!/usr/bin/env bash
# Coverage-guided fuzzing of every format reader (fuzz/fuzz_targets/sources.rs)
# with libFuzzer, on the nightly toolchain:
#   rustup toolchain install nightly && cargo install cargo-fuzz
#   tools/fuzz.sh [SECONDS]          # default 300
# Seeds are made fresh each run from the simulator's exports (WeChat CSV, QQ
# text, Telegram JSON), the sample JSONL and the hand-written Element
# fixture: no real chat is copied into the repository. Crashes land in
# fuzz/artifacts/sources/ with the input that caused them.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-300}"
corpus=fuzz/corpus/sources
mkdir -p "$corpus"
sim="$(mktemp -d)"
trap 'rm -rf "$sim"' EXIT
cargo run -q -- sim --scenario small --format native --out "$sim/native" >/dev/null
python3 - "$corpus" "$sim/native" examples/sample.jsonl crates/sources/tests/fixtures <<'PY'
import os, sys
corpus, *roots = sys.argv[1:]
readers = 12  # len(tonghao_sources::SOURCES): the first byte picks one (a test checks)
files = []
for root in roots:
    if os.path.isfile(root):
        files.append(root)
    for d, _, names in os.walk(root):
        files += [os.path.join(d, n) for n in names if not n.startswith("truth")]
for k, path in enumerate(sorted(files)):
    head = open(path, "rb").read(16384)
    for pick in range(readers):
        with open(os.path.join(corpus, f"seed-{k}-{pick}"), "wb") as f:
            f.write(bytes([pick]) + head)
PY
cargo +nightly fuzz run sources "$corpus" -- -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10
