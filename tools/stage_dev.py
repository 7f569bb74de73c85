#!/usr/bin/env python3
"""Development harness for the lifecycle stage rules (crates/insight/src/lifecycle.rs).

Reads simulator truth files (`tonghao sim ... --out DIR` writes DIR/truth.json), applies the
stage rules to each group's true weekly message counts, and prints agreement with the planted
stages: over every group-week and over each group's last week, plus the confusion of last weeks.
Tune on seeds other than the default one; the default-seed `large` truth is the test set.

usage: tools/stage_dev.py TRUTH.json [TRUTH.json ...]
"""
import json, sys
from collections import Counter

# Mirrors lifecycle::StageRules::default() and lifecycle::call (keep them in step).
RULES = dict(silent_max_messages=1, silent_min_monthly=4, emerging_weeks=4, growth_ratio=1.5,
             decline_ratio=0.6, peak_ratio=0.25, peak_weeks=52, silent_peak_share=0.05,
             silent_peak_cap=60, growth_peak_share=0.8, long_fade_share=0.1)

def peak_4w(w, span):
    tail = w[-span:] if span else w
    n = min(4, len(tail)) or 1
    return max((sum(tail[i:i + n]) for i in range(len(tail) - n + 1)), default=0)

def stage_at(w, r):
    k = len(w)
    s = lambda a, b: sum(w[max(a, 0):max(b, 0)])
    last2, last4, prev4, peak = s(k - 2, k), s(k - 4, k), s(k - 8, k - 4), peak_4w(w, k)
    if k == 0 or last4 == 0 or last2 <= r['silent_max_messages'] or last4 < r['silent_min_monthly']:
        return 'silent'
    if last4 <= r['silent_peak_cap'] and last4 < r['silent_peak_share'] * peak:
        return 'silent'
    first = next((i for i, x in enumerate(w) if x > 0), k)
    if k - first < r['emerging_weeks']:
        return 'emerging'
    if (prev4 == 0 or last4 >= r['growth_ratio'] * prev4) and last4 >= r['growth_peak_share'] * peak:
        return 'growing'
    if (last4 <= r['decline_ratio'] * prev4 or last4 <= r['peak_ratio'] * peak_4w(w, r['peak_weeks'])
            or last4 <= r['long_fade_share'] * peak):
        return 'declining'
    return 'active'

def evaluate(paths, stage_fn, r):
    weeks_ok = weeks_n = last_ok = last_n = 0
    conf = Counter()
    for p in paths:
        t = json.load(open(p))
        for g in t['groups']:
            counts = [w['messages'] for w in g['weeks']]
            truth = [w['stage'] for w in g['weeks']]
            for k in range(1, len(counts) + 1):
                got = stage_fn(counts[:k], r)
                weeks_ok += got == truth[k - 1]; weeks_n += 1
            got = stage_fn(counts, r)
            conf[(truth[-1], got)] += 1
            last_ok += got == truth[-1]; last_n += 1
    return weeks_ok / weeks_n, last_ok / last_n, conf

if __name__ == '__main__':
    wk, last, conf = evaluate(sys.argv[1:], stage_at, RULES)
    print(f'group-weeks {wk:.3f}  last weeks {last:.3f}')
    for (t, g), n in sorted(conf.items()):
        print(f'  truth {t:9} reported {g:9} {n}')
