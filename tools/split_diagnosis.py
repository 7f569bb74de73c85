#!/usr/bin/env python3
"""Why the split misses the simulator's planted circles: a diagnosis, not a
test and not a tuning loop (nothing here feeds a weight or a threshold back
into tonghao; docs/ops.md, "Split", quotes its output).

Simulates a scenario of crates/cli/tests/split_circles.rs (the TOML of the
named constant), imports it, dumps the links the split reads over the last
28 days (crates/app/examples/split_links.rs) and, for each group with planted
circles, prints:

- per kind of link (E explicit reply, M @mention, I inferred reply) between
  two members who are not staff: how many, and the share joining two members
  of one planted circle (a bridge counts in both of its circles);
- `tonghao split --edges --max-size 40` on three edge lists: the quotes and
  @mentions alone, the links as the split weighed them before (inferred 0.75),
  as it weighs them now (an inferred link: the reply model's confidence in it),
  and the simulator's true reply links (truth-replies.jsonl, all shown
  kinds); for each, the members with a tie, the groups, and the adjusted Rand
  index against the planted circles on those members (the test's ARI also
  counts the members without a tie, whom the move puts in the smallest
  group with room).

    cargo build -p tonghao -p tonghao-app --example split_links
    python3 tools/split_diagnosis.py BIG 1      # or SCENARIO 1
"""
import collections, datetime, json, os, re, subprocess, sys, tempfile

const, seed = sys.argv[1], sys.argv[2]
exe = os.environ.get('TONGHAO', 'target/debug/tonghao')
links_exe = os.environ.get('SPLIT_LINKS', 'target/debug/examples/split_links')
src = open('crates/cli/tests/split_circles.rs', encoding='utf-8').read()
toml = re.search(r'const %s: &str = r#"(.*?)"#;' % const, src, re.S).group(1)
tmp = tempfile.mkdtemp()
sim, db = f'{tmp}/sim', f'{tmp}/t.db'
open(f'{tmp}/s.toml', 'w', encoding='utf-8').write(toml)
run = lambda *a: subprocess.run(a, capture_output=True, text=True, check=True).stdout
run(exe, 'sim', '--scenario', f'{tmp}/s.toml', '--seed', seed, '--format', 'jsonl', '--out', sim)
run(exe, '--db', db, '--quiet', 'import', sim)
rows = [l.split('\t') for l in run(links_exe, db).splitlines()]
truth = json.load(open(f'{sim}/truth.json', encoding='utf-8'))

msgs = {}
for f in sorted(os.listdir(sim)):
    if f.startswith('events'):
        for line in open(f'{sim}/{f}', encoding='utf-8'):
            e = json.loads(line)
            if e['kind'] == 'message':
                msgs[(e['group'], e['id'])] = (e['member'], datetime.datetime.fromisoformat(e['at']))
start = max(t for _, t in msgs.values()) - datetime.timedelta(days=28)


def ari(a, b):
    comb = lambda x: x * (x - 1) / 2
    s = sum(comb(v) for v in collections.Counter(zip(a, b)).values())
    sa = sum(comb(v) for v in collections.Counter(a).values())
    sb = sum(comb(v) for v in collections.Counter(b).values())
    e, m = sa * sb / comb(len(a)), (sa + sb) / 2
    return (s - e) / (m - e) if m != e else 1.0


def split(edges):
    path = f'{tmp}/e.tsv'
    open(path, 'w', encoding='utf-8').write(''.join(f'{a}\t{b}\t{w}\n' for (a, b), w in sorted(edges.items())))
    out = json.loads(run(exe, 'split', '--edges', path, '--max-size', '40', '--format', 'json'))
    return out['assignment'], out['group_count']


for g in truth['groups']:
    if not g['circles']:
        continue
    name = g['name']
    members = json.loads(run(exe, '--db', db, '--quiet', 'members', '--group', name, '--json'))
    pid = {str(m['member_id']): m['ids'][0].split(':', 1)[1] for m in members}
    staff = {pid[str(m['member_id'])] for m in members if m.get('role') in ('owner', 'deputy', 'admin')}
    circles = collections.defaultdict(set)
    for k, c in enumerate(g['circles']):
        for p in c:
            circles[p].add(k)
    for b in g['bridges']:
        circles[b[0]].add(b[1])
    first = {p: k for k, c in enumerate(g['circles']) for p in c}
    posters, by_kind = set(), collections.defaultdict(list)
    for gname, kind, a, b, sure in rows:
        if gname != name:
            continue
        a, b = pid[a], pid[b]
        if kind == 'P':
            posters.add(a)
        elif a != b and a not in staff and b not in staff:
            by_kind[kind].append((a, b, int(sure) / 100))
    posters -= staff
    print(f'seed {seed} {name}: {len(posters)} posters who are not staff, {len(g["circles"])} circles')
    for kind in 'EMI':
        l = by_kind[kind]
        inside = [bool(circles[a] & circles[b]) for a, b, _ in l]
        line = f'  links {kind}: {len(l)}, inside a planted circle {sum(inside) / max(len(l), 1):.3f}'
        if kind == 'I':
            sure = lambda flag: [s for (_, _, s), i in zip(l, inside) if i == flag]
            mean = lambda x: sum(x) / max(len(x), 1)
            line += f'; mean confidence inside {mean(sure(True)):.3f}, across {mean(sure(False)):.3f}'
        print(line)
    true_edges = collections.Counter()
    for line in open(f'{sim}/truth-replies.jsonl', encoding='utf-8'):
        r = json.loads(line)
        a, b = msgs.get((r['group'], r['id'])), msgs.get((r['group'], r['reply_to']))
        if r['group'] == g['group'] and a and b and a[1] >= start and a[0] != b[0] \
                and a[0] not in staff and b[0] not in staff:
            true_edges[tuple(sorted((a[0], b[0])))] += 1
    for label, weight in [('quotes and @mentions', {'E': 1, 'M': 1}),
                          ('inferred links at 0.75 (before)', {'E': 1, 'M': 1, 'I': 0.75}),
                          ('as the move weighs them (inferred: confidence)', {'E': 1, 'M': 1, 'I': None}),
                          ('true links (simulator)', None)]:
        if weight is None:
            edges = true_edges
        else:
            edges = collections.Counter()
            for kind, w in weight.items():
                for a, b, sure in by_kind[kind]:
                    edges[tuple(sorted((a, b)))] += sure if w is None else w
        assignment, groups = split(edges)
        tied = [p for p in assignment if p in first]
        print(f'  split on {label}: {len(tied)} members with a tie, {groups} groups, '
              f'ARI on them {ari([first[p] for p in tied], [assignment[p] for p in tied]):.3f}')
