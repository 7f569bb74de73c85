#!/usr/bin/env python3
"""Issue 14's corpus of hostile files, each imported by the real binary into
a store that already holds a small real export: prints, per file, the exit
status, what the import said about it, the wall time and the peak memory,
and checks that the store gained only what the file validly holds.

    tools/hostile.py [--bin target/release/tonghao] [--keep DIR]

The files are made in a temporary folder (about 520 MB on disk at most, one
at a time where they are large): a zip whose one entry expands to 10 GiB of
zeros (about 10 MB), a 500 MB line after a valid WhatsApp header, a CSV
header of a million columns, JSON nested 100,000 deep, a folder holding a
FIFO and a symlink loop, and a file whose name has control characters.
Wall time and peak memory (maximum resident set) come from GNU time
(`/usr/bin/time`, Debian package `time`). Otherwise only the standard
library: nothing to install.
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile

GIB = 1 << 30


def zip_bomb(path):
    """One stored-as-deflate entry of 10 GiB of zeros, written in pieces."""
    zeros = bytes(1 << 24)
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("chat.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = 10 * GIB
        with z.open(info, "w", force_zip64=True) as f:
            for _ in range((10 * GIB) // len(zeros)):
                f.write(zeros)


def long_line(path):
    with open(path, "wb") as f:
        f.write("3/1/24, 20:00 - 小李: 大家好\n".encode())
        f.write("3/1/24, 20:01 - 小王: ".encode())
        chunk = b"a" * (1 << 20)
        for _ in range(500):
            f.write(chunk)
        f.write(b"\n")


def wide_csv(path):
    with open(path, "w") as f:
        f.write("AuthorID,Author,Date,Content,Attachments,Reactions\n")
        # DiscordChatExporter quotes every field.
        f.write('"1","a","2024-03-01T20:00:00+08:00","hi","",""')
        f.write("".join(f',"c{i}"' for i in range(1_000_000)))
        f.write("\n")


def deep_json(path):
    with open(path, "w") as f:
        f.write('{"name":"g","type":"private_group","id":1,"messages":[{"id":1,"type":"message",')
        f.write('"date":"2024-03-01T20:00:00","from":"a","from_id":"user1","text":"hi","extra":')
        f.write("[" * 100_000 + "]" * 100_000)
        f.write("}]}")


def fifo_and_loop(folder):
    os.makedirs(folder)
    os.mkfifo(os.path.join(folder, "pipe.txt"))
    os.symlink(".", os.path.join(folder, "loop"))


def control_name(folder):
    os.makedirs(folder)
    name = os.path.join(folder, "chat\x1b[31m\x07\r.txt")
    with open(name, "w") as f:
        f.write("not a chat export at all\n")


# (what, file name, maker, messages the import may add: the deep JSON is
# a valid Telegram export with one message and a hostile field beside it).
CASES = [
    ("zip entry expanding to 10 GiB", "bomb.zip", zip_bomb, 0),
    ("500 MB line after a WhatsApp message", "long.txt", long_line, 0),
    ("DiscordChatExporter CSV row of 1,000,000 columns", "wide.csv", wide_csv, 0),
    ("unknown field of a Telegram message nested 100,000 deep", "deep.json", deep_json, 1),
    ("folder with a FIFO and a symlink loop", "fifo-dir", fifo_and_loop, 0),
    ("file name with control characters", "ctl-dir", control_name, 0),
]


def counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("messages", "members", "groups")}
    finally:
        con.close()


def run(cmd):
    """Runs cmd; returns (exit status, what it said, seconds, peak KiB).
    What it said: stderr (failures) and the skips it listed on stdout."""
    with tempfile.NamedTemporaryFile("r") as t:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        took, peak = t.read().split()[-2:]
    out = p.stdout.decode(errors="replace").splitlines()
    skips = [l for l in out if l.startswith("skipped") or l.startswith("  ")]
    said = "\n".join(skips + p.stderr.decode(errors="replace").splitlines())
    return p.returncode, said, float(took), int(peak)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/tonghao")
    ap.add_argument("--seed", default=os.path.join(os.path.dirname(__file__), "../../shared/data/formats/telegram/DM_2A_7M.json"))
    ap.add_argument("--keep", help="make the files in DIR and keep them")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="tonghao-hostile-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "store.db")
    status, err, _, _ = run([args.bin, "--db", db, "--quiet", "import", args.seed])
    if status != 0:
        sys.exit(f"the seed import failed ({args.seed}): {err}")
    print(f"store seeded with {os.path.normpath(args.seed)}: {counts(db)}")
    print("| hostile input | exit | what it says | wall | peak RSS | new messages (expected) |")
    print("|---|---|---|---|---|---|")
    failed = False
    for what, name, make, expected in CASES:
        path = os.path.join(work, name)
        make(path)
        before = counts(db)
        status, err, took, peak = run([args.bin, "--db", db, "--quiet", "--lang", "en", "import", path])
        # Every line but the summary: the file's failure or skips, and why.
        lines = [l.strip() for l in err.splitlines() if l.strip() and not l.startswith(("imported ", "skipped "))]
        said = "; ".join(lines).replace(work + os.sep, "").replace("|", "\\|") or "-"
        added = counts(db)["messages"] - before["messages"]
        failed |= added != expected
        print(f"| {what} | {status} | {said[:200]} | {took:.2f} s | {peak / 1024:.0f} MB | {added} ({expected}) |")
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif not args.keep:
            os.remove(path)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
