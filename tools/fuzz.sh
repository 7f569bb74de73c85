#!/usr/bin/env bash
# Coverage-guided fuzzing of every format reader with libFuzzer, one reader
# at a time (fuzz/fuzz_targets/sources.rs, crates/sources/src/fuzz.rs), on
# the nightly toolchain:
#   rustup toolchain install nightly && cargo install cargo-fuzz
#   tools/fuzz.sh [SECONDS] [READER...]   # SECONDS per reader (default 300); every reader by default
#   tools/fuzz.sh --totals                # executions per reader, summed over fuzz/ledger.tsv
# Each reader keeps its corpus in fuzz/corpus/READER and its crashes (the
# inputs that caused them) in fuzz/artifacts/READER/. Every run appends a
# line to fuzz/ledger.tsv (date, commit, reader, seconds, executions,
# result): commit it, so the executions add up over sessions. FUZZ_LEDGER=0
# (set by .ci/run) leaves the ledger alone.
# Seeds are made fresh from the simulator's exports (WeChat CSV, QQ text,
# Telegram JSON), the sample JSONL, the hand-written Element fixture and a
# small hand-written Slack folder: no real chat is copied into the
# repository. Each seed is offered twice: as text (header byte 0x00) and as
# raw bytes through encoding detection (0x80).
set -euo pipefail
cd "$(dirname "$0")/.."
# Every reader, in the order of tonghao_sources::fuzz::reader_name
# (crates/cli/tests/fuzz_replay.rs checks the list).
all=(jsonl wechat-csv weflow chatlab qq-txt telegram discord-json matrix-json discord-csv whatsapp gitter irc slack)
ledger=fuzz/ledger.tsv

if [[ "${1:-}" == "--totals" ]]; then
  # Result `paused`: a run stopped by libFuzzer's wall-clock timeout while
  # the process was stopped (SIGSTOP, to free the machine for a benchmark);
  # its input replays in no time. `stopped`: a run interrupted (SIGINT) at
  # the end of a session, its executions read from its log. Both count
  # their executions; neither is a crash.
  awk -F'\t' 'NR > 1 { n[$3] += $5; s[$3] += $4; runs[$3]++; if ($6 == "crash") bad[$3]++ }
    END { for (r in n) printf "%-13s %12d executions %7d s %3d runs %d crashes\n", r, n[r], s[r], runs[r], bad[r] }' "$ledger" | sort
  exit 0
fi
secs="${1:-300}"
[[ $# -gt 0 ]] && shift
readers=("$@")
[[ ${#readers[@]} -gt 0 ]] || readers=("${all[@]}")

seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
cargo run -q -- sim --scenario small --format native --out "$seeds/native" >/dev/null
mkdir -p "$seeds/slack"
cat > "$seeds/slack/export.txt" <<'SLACK'
@@ users.json
[{"id":"U01","name":"lei","real_name":"李雷","profile":{"display_name":"李雷"}},{"id":"U02","name":"mei","is_bot":false}]
@@ channels.json
[{"id":"C01","name":"general","members":["U01","U02"]}]
@@ general/2024-03-01.json
[{"type":"message","user":"U01","text":"大家好 <@U02>","ts":"1709280000.000100"},
 {"type":"message","user":"U02","text":"hi","ts":"1709280060.000200","thread_ts":"1709280000.000100"},
 {"type":"message","subtype":"channel_join","user":"U02","text":"<@U02> has joined the channel","ts":"1709280001.000300"},
 {"type":"message","user":"U01","text":"edited","ts":"1709280120.000400","edited":{"ts":"1709280130.000000"},"files":[{"mimetype":"image/png"}]}]
SLACK
# Without AddressSanitizer and comparison tracing: the readers are safe Rust
# (the one `unsafe`, in crates/sources/src/stream.rs, has its claim asserted
# under `cfg(fuzzing)`), and the two made each execution about 14 times
# slower (docs/reliability.md "Fuzzing"). FUZZ_BUILD overrides the flags.
cargo +nightly fuzz build ${FUZZ_BUILD:--s none --no-trace-compares} sources
bin="fuzz/target/x86_64-unknown-linux-gnu/release/sources"
[[ -f "$ledger" ]] || printf 'date\tcommit\treader\tseconds\texecutions\tresult\n' > "$ledger"
failed=0
for reader in "${readers[@]}"; do
  corpus="fuzz/corpus/$reader"
  mkdir -p "$corpus" "fuzz/artifacts/$reader"
  python3 - "$corpus" "$seeds/native" examples/sample.jsonl crates/sources/tests/fixtures "$seeds/slack" <<'PY'
import os, sys
corpus, *roots = sys.argv[1:]
files = []
for root in roots:
    if os.path.isfile(root):
        files.append(root)
    for d, _, names in os.walk(root):
        files += [os.path.join(d, n) for n in names if not n.startswith("truth")]
for k, path in enumerate(sorted(files)):
    head = open(path, "rb").read(16384)
    for header in (0x00, 0x80):
        with open(os.path.join(corpus, f"seed-{k}-{header:02x}"), "wb") as f:
            f.write(bytes([header]) + head)
PY
  log="$(mktemp)"
  result=ok
  TONGHAO_FUZZ_READER="$reader" "$bin" "$corpus" -artifact_prefix="fuzz/artifacts/$reader/" \
    -max_total_time="$secs" -max_len=16384 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>"$log" || result=crash
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  echo "fuzz $reader: ${runs:-0} executions in $secs s, $result"
  if [[ "$result" != ok ]]; then
    failed=1
    grep -E "ERROR|panicked|Test unit written" "$log" | head -5 || true
  fi
  [[ "${FUZZ_LEDGER:-1}" == 0 ]] || printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" \
    "$(git rev-parse --short HEAD)" "$reader" "$secs" "${runs:-0}" "$result" >> "$ledger"
  rm -f "$log"
done
exit "$failed"
