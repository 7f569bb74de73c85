#!/usr/bin/env python3
"""Development comparison of forecast designs on labels known before the cut.

The held-out test of `tonghao eval forecast` scores samples at or after the
cut. Designs were compared here first, on the samples whose label is known
before the cut only (leave-one-group-out among them), so that the test is
looked at once per design. Usage:

    tonghao --quiet eval forecast --json --samples <folders> > /tmp/samples.json
    python3 tools/forecast_dev.py /tmp/samples.json

Prints the pooled leave-one-group-out AUC of each design and, within the one
group with both classes (`#fluid-tech`), its AUC over time. The count model
and the logistic layer mirror crates/insight/src/forecast.rs.
"""
import json
import math
import sys
from datetime import date, timedelta

RECENT_WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0]
SIZES = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0]


def auc(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return None
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def nb_head(mean, size):
    if mean <= 0:
        return [1.0, 0.0, 0.0, 0.0]
    q = mean / (size + mean)
    out = [(size / (size + mean)) ** size]
    for k in range(1, 4):
        out.append(out[-1] * (size + k - 1) / k * q)
    return out


def silence_chance(pace, size):
    p = nb_head(2 * pace, size)
    return p[0] + p[1] + p[2] * (p[0] + p[1]) + p[3] * p[0]


def pace(f, w):
    return w * f['messages_2w'] / 2 + (1 - w) * (f['messages_4w'] + f['messages_prev_4w']) / 8


def fit_count(train):
    def ll(w, size):
        total = 0.0
        for s in train:
            p = min(max(silence_chance(pace(s['features'], w), size), 1e-9), 1 - 1e-9)
            total += math.log(p if s['silent_later'] else 1 - p)
        return total
    best = None
    for w in RECENT_WEIGHTS:
        for size in SIZES:
            v = ll(w, size)
            if best is None or v > best[2]:
                best = (w, size, v)
    return best[:2]


def log_odds(p):
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def features(f):
    ln1p = math.log1p
    return {
        'messages_4w': ln1p(f['messages_4w']),
        'trend': math.log((f['messages_4w'] + 1) / (f['messages_prev_4w'] + 1)),
        'messages_2w': ln1p(f['messages_2w']),
        'days_since_last': ln1p(f['days_since_last']),
        'active_4w': ln1p(f['active_4w']),
        'top20_share': f['top20_share'],
        'unanswered_share': f['unanswered_share'],
        'newcomer_share': f['newcomer_share'],
        'age_weeks': math.log(max(f['age_weeks'], 1)),
        'members': ln1p(f['members']),
    }


def fit_logistic(xs, ys, l2=1.0):
    """Newton's method on standardised inputs, L2 on the weights."""
    n, k = len(xs), len(xs[0])
    mean = [sum(x[j] for x in xs) / n for j in range(k)]
    sd = [math.sqrt(sum((x[j] - mean[j]) ** 2 for x in xs) / n) or 1.0 for j in range(k)]
    rows = [[1.0] + [(x[j] - mean[j]) / sd[j] for j in range(k)] for x in xs]
    beta = [0.0] * (k + 1)
    for _ in range(100):
        grad = [0.0] * (k + 1)
        hess = [[0.0] * (k + 1) for _ in range(k + 1)]
        for r, y in zip(rows, ys):
            p = 1 / (1 + math.exp(-sum(a * b for a, b in zip(r, beta))))
            w = max(p * (1 - p), 1e-12)
            for i in range(k + 1):
                grad[i] += (p - y) * r[i]
                for j in range(k + 1):
                    hess[i][j] += w * r[i] * r[j]
        for i in range(1, k + 1):
            grad[i] += l2 * beta[i]
            hess[i][i] += l2
        step = solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step)]
        if max(abs(s) for s in step) < 1e-10:
            break
    return lambda x: sum(beta[j + 1] * (x[j] - mean[j]) / sd[j] for j in range(k)) + beta[0]


def solve(a, b):
    m = len(b)
    a = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(m):
        p = max(range(c, m), key=lambda r: abs(a[r][c]))
        a[c], a[p] = a[p], a[c]
        for r in range(c + 1, m):
            f = a[r][c] / a[c][c]
            for q in range(c, m + 1):
                a[r][q] -= f * a[c][q]
    x = [0.0] * m
    for r in range(m - 1, -1, -1):
        x[r] = (a[r][m] - sum(a[r][q] * x[q] for q in range(r + 1, m))) / a[r][r]
    return x


def main():
    data = json.load(open(sys.argv[1]))
    cut = date.fromisoformat(data['cut'])
    horizon = timedelta(weeks=data['horizon_weeks'])
    dev = [s for s in data['sample_list'] if date.fromisoformat(s['at']) + horizon <= cut]
    keys = data['features']
    designs = {
        'ten-feature logistic (first model)': lambda w, size: (lambda f: [features(f)[k] for k in keys]),
        'count model + active_4w (shipped)': lambda w, size: (
            lambda f: [log_odds(silence_chance(pace(f, w), size)), features(f)['active_4w']]),
        'count model + active_4w + members': lambda w, size: (
            lambda f: [log_odds(silence_chance(pace(f, w), size)), features(f)['active_4w'], features(f)['members']]),
        'five volume features': lambda w, size: (
            lambda f: [features(f)[k] for k in
                       ['messages_4w', 'messages_2w', 'days_since_last', 'active_4w', 'members']]),
        'active_4w + members': lambda w, size: (lambda f: [features(f)['active_4w'], features(f)['members']]),
    }
    scores = {name: [] for name in designs}
    scores['count model alone'] = []
    for k in keys:
        scores[k] = []
    labels, groups = [], []
    for held in sorted({s['group'] for s in dev}):
        train = [s for s in dev if s['group'] != held]
        test = [s for s in dev if s['group'] == held]
        ys = [s['silent_later'] for s in train]
        w, size = fit_count(train)
        for name, design in designs.items():
            inputs = design(w, size)
            model = fit_logistic([inputs(s['features']) for s in train], ys)
            scores[name] += [model(inputs(s['features'])) for s in test]
        scores['count model alone'] += [silence_chance(pace(s['features'], w), size) for s in test]
        for k in keys:
            sign = 1 if (auc([features(s['features'])[k] for s in train], ys) or 0.5) >= 0.5 else -1
            scores[k] += [sign * features(s['features'])[k] for s in test]
        labels += [s['silent_later'] for s in test]
        groups += [s['group'] for s in test]
    print(f"dev samples {len(labels)}, positives {sum(labels)} (labels known before {cut})")
    for name, sc in scores.items():
        within = [(a, y) for a, y, g in zip(sc, labels, groups) if g == '#fluid-tech']
        inside = auc([a for a, _ in within], [y for _, y in within])
        print(f"{name:38s} pooled AUC {auc(sc, labels):.3f}   within #fluid-tech {inside:.3f}")


if __name__ == '__main__':
    main()
