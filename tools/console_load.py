#!/usr/bin/env python3
"""Load on the console's API from loopback: logs in, then sends N requests
per path from C threads at once and prints the median, p95 and max latency.

    tools/console_load.py URL PASSWORD [--community default] [-n 400] [-c 4] [PATH ...]

Without paths it measures the overview and 20 group pages spread over the
community's groups. Only the standard library: nothing to install.
"""
import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("password")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--community", default="default")
    ap.add_argument("-n", type=int, default=400, help="requests per kind of page")
    ap.add_argument("-c", type=int, default=4, help="concurrent connections")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)

    def conn():
        return http.client.HTTPConnection(u.hostname, u.port, timeout=120)

    c = conn()
    body = json.dumps({"name": a.user, "password": a.password})
    c.request("POST", "/api/login", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 200, f"login: {r.status}"
    cookie = r.getheader("Set-Cookie").split(";")[0]
    headers = {"Cookie": cookie}
    com = urllib.parse.quote(a.community)

    def get(c, path):
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        data = r.read()
        assert r.status == 200, f"{path}: {r.status} {data[:200]}"
        return time.perf_counter() - t, data

    # The first request after an import computes every page once; it is
    # timed apart, as it is not what a person waits for on each click.
    first, data = get(c, f"/api/c/{com}/overview")
    groups = [g["id"] for g in json.loads(data)["groups"]]
    print(f"first overview (computes all pages): {first:.2f} s, {len(groups)} groups")
    kinds = {"overview": [f"/api/c/{com}/overview"]}
    step = max(1, len(groups) // 20)
    kinds["group page"] = [f"/api/c/{com}/groups/{g}" for g in groups[::step][:20]]
    if a.paths:
        kinds = {p: [p] for p in a.paths}
    for kind, paths in kinds.items():
        times, lock = [], threading.Lock()

        def worker(k):
            c = conn()
            for i in range(k, a.n, a.c):
                dt, _ = get(c, paths[i % len(paths)])
                with lock:
                    times.append(dt)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(a.c)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"{kind}: {len(times)} requests, {a.c} at once, median {statistics.median(times) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms, {len(times) / wall:.0f} req/s"
        )


if __name__ == "__main__":
    main()
