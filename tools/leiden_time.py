#!/usr/bin/env python3
# Needs: pip install leidenalg python-igraph. Usage: python3 tools/leiden_time.py crates/insight/tests/fixtures/planted.tsv
# Median per-call time of leidenalg.find_partition on the planted TSV (same sitting as hyperfine).
import sys, time, statistics, igraph as ig, leidenalg as la
edges, w = [], []
for line in open(sys.argv[1]):
    a, b, x = line.split("\t"); edges.append((int(a), int(b))); w.append(int(x))
g = ig.Graph(n=2000, edges=edges); g.es["weight"] = w
for name, kw in [("uncapped", {}), ("max_comm_size=40", dict(max_comm_size=40))]:
    ts = []
    for s in range(21):
        t = time.perf_counter(); p = la.find_partition(g, la.ModularityVertexPartition, weights="weight", seed=s, **kw); ts.append(time.perf_counter() - t)
    print(f"{name}: median {statistics.median(ts)*1000:.1f} ms over 21 calls (min {min(ts)*1000:.1f}, max {max(ts)*1000:.1f}); last max size {max(len(c) for c in p)}")
