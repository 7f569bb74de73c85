#!/usr/bin/env python3
"""Throughput of an import over the first and the last 10% of one folder's files.

Runs `tonghao --quiet --db DB import PATH...` into a new database, then
reads the import log it wrote: each file's row records when the store began
that file (`imports.at_ms`, taken as the file's savepoint opens), so a
file's time runs from its own start to the next file's (the last one's to
the end of the run, which includes the commit, so that file is left out).
Reports messages per second
over the first and the last 10% of the files under FOLDER, in import order,
and over all of them. Nothing in the importer is changed or slowed.

    tools/import_rates.py --bin target/release/tonghao --db /tmp/x.db \
        --folder /tmp/large-native/wechat -- /tmp/large-native/wechat /tmp/large-native/telegram ...

Used for the "first vs last 10% of the WeChat CSV files" figure in
docs/benchmarks.md (issue 8): import cost must not grow with the store.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", required=True, help="a new database (removed first if it exists)")
    ap.add_argument("--folder", required=True, help="the folder whose files are compared")
    ap.add_argument("--share", type=float, default=0.10, help="share of files at each end (0.10)")
    ap.add_argument("--tenths", action="store_true", help="also the rate over each tenth of the files")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(a.db + suffix):
            os.remove(a.db + suffix)
    started = time.time()
    p = subprocess.run([a.bin, "--quiet", "--db", a.db, "import", *a.paths], stdout=subprocess.DEVNULL)
    ended = time.time()
    if p.returncode != 0:
        sys.exit(f"import failed with status {p.returncode}")
    rows = sqlite3.connect(a.db).execute("SELECT source, at_ms, stats FROM imports ORDER BY id").fetchall()
    starts = [at / 1000 for _, at, _ in rows]
    ends = starts[1:] + [ended]
    folder = os.path.abspath(a.folder)
    idx = [i for i, (src, _, _) in enumerate(rows) if os.path.abspath(src).startswith(folder + os.sep)]
    if not idx:
        sys.exit(f"no imported file under {folder}")
    # The run's last file ends with the session's commit (index builds,
    # checkpoint): not that file's cost, so it is left out of the ranges.
    if idx[-1] == len(rows) - 1 and len(idx) > 1:
        idx = idx[:-1]
        print("(the run's last file is left out: its time includes the commit)")
    k = max(1, round(len(idx) * a.share))

    def rate(sel):
        t = sum(ends[i] - starts[i] for i in sel)
        m = sum(json.loads(rows[i][2]).get("messages", 0) for i in sel)
        return m, t, (m / t if t > 0 else float("nan"))

    fm, ft, fr = rate(idx[:k])
    lm, lt, lr = rate(idx[-k:])
    am, at, ar = rate(idx)
    total = sum(json.loads(r[2]).get("messages", 0) for r in rows)
    print(f"wall {ended - started:.1f} s, {total} messages from {len(rows)} files; {len(idx)} under {folder}:")
    print(f"  all of them: {am} messages in {at:.1f} s = {ar:,.0f} msg/s")
    print(f"  first {k}: {fm} messages in {ft:.2f} s = {fr:,.0f} msg/s")
    print(f"  last {k}:  {lm} messages in {lt:.2f} s = {lr:,.0f} msg/s")
    print(f"  last/first: {lr / fr:.2f}")
    if a.tenths:
        # a step between two tenths is a commit or a change of path; a slope, the store's growth
        for t in range(10):
            part = idx[len(idx) * t // 10 : len(idx) * (t + 1) // 10]
            m, secs, r = rate(part)
            print(f"  tenth {t + 1}: {m} messages in {secs:.2f} s = {r:,.0f} msg/s")


if __name__ == "__main__":
    main()
