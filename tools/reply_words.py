#!/usr/bin/env python3
"""How often a reply shares a word with the message it answers, against a
nearby message it does not answer: on the annotated IRC logs (real chats)
and on a simulator's output (truth-replies.jsonl), measured the same way, so
the simulator's conversations can be held to what real ones show
(docs/sim.md, "Conversations keep their subject").

Words: English words of three letters or more, and pairs of adjacent Chinese
characters; an IRC line's leading `nick:` is dropped; words used by more
than CUT of the corpus's messages (default 0.05) are left out. Pairs: a
reply and its parent by different authors (in the simulator, only replies
the export does not show as a quote or @mention, the ones tonghao infers);
the baseline pairs each reply with a random other message by someone else
among the 10 before it.

    python3 tools/reply_words.py irc ../shared/data/replies/train [CUT]
    python3 tools/reply_words.py sim DIR [CUT]   # tonghao sim ... --format jsonl --out DIR
"""
import collections, glob, json, random, re, sys


def words(text):
    out = {w for w in re.findall(r"[a-z0-9][a-z0-9_.\-']{2,}", text.lower())}
    for run in re.findall(r'[\u4e00-\u9fff]+', text):
        out |= {run[k:k + 2] for k in range(len(run) - 1)}
    return out


def irc(path):
    """Yields (messages, pairs): messages as (author, text), pairs as (child, parent)."""
    for raw in sorted(glob.glob(f'{path}/*.raw.txt')):
        msgs = []
        for line in open(raw, encoding='utf-8', errors='replace').read().split('\n'):
            m = re.match(r'\[\d\d:\d\d\] <([^>]+)> (.*)', line)
            msgs.append((m.group(1), re.sub(r'^\S+[:,]\s', '', m.group(2))) if m else (None, ''))
        pairs = []
        for a in open(raw.replace('.raw.txt', '.annotation.txt'), encoding='utf-8'):
            p = a.split()
            if len(p) >= 2 and p[0] != p[1] and max(int(p[0]), int(p[1])) < len(msgs):
                pairs.append((int(p[0]), int(p[1])))
        yield msgs, pairs


def sim(path):
    by_group, index = collections.defaultdict(list), {}
    for f in sorted(glob.glob(f'{path}/events-*.jsonl')):
        for line in open(f, encoding='utf-8'):
            e = json.loads(line)
            if e['kind'] == 'message':
                index[(e['group'], e['id'])] = len(by_group[e['group']])
                by_group[e['group']].append((e['member'], e.get('text') or ''))
    pairs = collections.defaultdict(list)
    for line in open(f'{path}/truth-replies.jsonl', encoding='utf-8'):
        r = json.loads(line)
        a, b = index.get((r['group'], r['id'])), index.get((r['group'], r['reply_to']))
        if a is not None and b is not None and r['shown'] == 'none':
            pairs[r['group']].append((a, b))
    for g, msgs in by_group.items():
        yield msgs, pairs[g]


def main():
    kind, path = sys.argv[1], sys.argv[2]
    cut = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    chats = list(irc(path) if kind == 'irc' else sim(path))
    df, n = collections.Counter(), 0
    for msgs, _ in chats:
        for who, text in msgs:
            if who is not None:
                df.update(words(text))
                n += 1
    common = {w for w, c in df.items() if c > cut * n}
    rng = random.Random(1)
    share, base = [0, 0], [0, 0]
    for msgs, pairs in chats:
        w = lambda k: words(msgs[k][1]) - common
        for c, p in pairs:
            if msgs[c][0] is None or msgs[p][0] is None or msgs[c][0] == msgs[p][0]:
                continue
            share[0] += 1
            share[1] += bool(w(c) & w(p))
            others = [k for k in range(max(0, c - 10), c) if k != p and msgs[k][0] not in (None, msgs[c][0])]
            if others:
                k = rng.choice(others)
                base[0] += 1
                base[1] += bool(w(c) & w(k))
    print(f'{kind} {path}: {n} messages, {len(common)} words over {cut:.0%} left out')
    print(f'  replies sharing a word with their parent: {share[1]}/{share[0]} = {share[1] / max(share[0], 1):.3f}')
    print(f'  with another message of the 10 before:    {base[1]}/{base[0]} = {base[1] / max(base[0], 1):.3f}')


main()
