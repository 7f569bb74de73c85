#!/usr/bin/env python3
"""Load on the console's API from loopback: logs in, then sends N requests
per path from C threads at once and prints the median, p95, p99 and max
latency.

    tools/console_load.py URL PASSWORD [--community default] [-n 400] [-c 4] [PATH ...]
    tools/console_load.py URL PASSWORD --soak 600 [--pid SERVER_PID] [-c 4]

Without paths it measures the overview and 20 group pages spread over the
community's groups. `--soak SECONDS` instead sends a mix (overview, group
pages, member pages, next moves) from C threads for that long, counts the
errors instead of stopping at the first, prints the figures per minute and
in all, and with `--pid` samples the server's resident memory (VmRSS) every
10 s. Only the standard library: nothing to install.
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
    ap.add_argument("--soak", type=float, help="seconds of mixed load instead of -n per kind")
    ap.add_argument("--pid", type=int, help="the server's process id, to sample its memory")
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

    def get(c, path, check=True):
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        data = r.read()
        assert not check or r.status == 200, f"{path}: {r.status} {data[:200]}"
        return time.perf_counter() - t, data, r.status

    # The first request after an import computes every page once; it is
    # timed apart, as it is not what a person waits for on each click.
    first, data, _ = get(c, f"/api/c/{com}/overview")
    groups = [g["id"] for g in json.loads(data)["groups"]]
    print(f"first overview (computes all pages): {first:.2f} s, {len(groups)} groups")
    kinds = {"overview": [f"/api/c/{com}/overview"]}
    step = max(1, len(groups) // 20)
    kinds["group page"] = [f"/api/c/{com}/groups/{g}" for g in groups[::step][:20]]
    if a.paths:
        kinds = {p: [p] for p in a.paths}
    if a.soak:
        members = []
        for g in kinds["group page"][:5]:
            _, data, _ = get(c, g)
            members += [n["id"] for n in json.loads(data).get("nodes", [])[:4]]
        mix = kinds["overview"] + kinds["group page"] + [f"/api/c/{com}/moves"]
        mix += [f"/api/c/{com}/members/{m}" for m in members]
        soak(a, conn, get, mix)
        return
    for kind, paths in kinds.items():
        times, lock = [], threading.Lock()

        def worker(k):
            c = conn()
            for i in range(k, a.n, a.c):
                dt, _, _ = get(c, paths[i % len(paths)])
                with lock:
                    times.append(dt)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(a.c)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        print(f"{kind}: {len(times)} requests, {a.c} at once, {figures(times)}, {len(times) / wall:.0f} req/s")


def figures(times):
    """Median, p95, p99 and max of latencies in seconds, in milliseconds."""
    times = sorted(times)
    q = lambda p: times[int(p * (len(times) - 1))] * 1000
    return (
        f"median {statistics.median(times) * 1000:.1f} ms, p95 {q(0.95):.1f} ms, "
        f"p99 {q(0.99):.1f} ms, max {times[-1] * 1000:.1f} ms"
    )


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def soak(a, conn, get, mix):
    """C threads cycle through `mix` for a.soak seconds; figures per minute."""
    lock, stop = threading.Lock(), time.perf_counter() + a.soak
    times, errors, statuses, rss = [], [], {}, []

    def worker(k):
        c, i = conn(), k
        while time.perf_counter() < stop:
            path = mix[i % len(mix)]
            i += a.c
            try:
                dt, _, status = get(c, path, check=False)
            except Exception as e:  # a dropped connection counts, then reconnects
                with lock:
                    errors.append((time.perf_counter(), f"{path}: {e!r}"))
                c = conn()
                continue
            with lock:
                times.append((time.perf_counter(), dt))
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    errors.append((time.perf_counter(), f"{path}: HTTP {status}"))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(a.c)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if a.pid:
            rss.append((time.perf_counter() - t0, rss_kb(a.pid)))
        time.sleep(10)
    wall = time.perf_counter() - t0
    print(f"soak: {len(mix)} paths, {a.c} at once, {wall:.0f} s")
    for minute in range(int(wall // 60) + 1):
        lo, hi = t0 + 60 * minute, t0 + 60 * (minute + 1)
        part = [dt for at, dt in times if lo <= at < hi]
        if part:
            print(f"  minute {minute + 1}: {len(part)} requests, {figures(part)}")
    print(f"all: {len(times)} requests, {len(times) / wall:.0f} req/s, {figures([dt for _, dt in times])}")
    print(f"statuses: {statuses}; errors: {len(errors)}")
    for at, e in errors[:10]:
        print(f"  {at - t0:.0f} s: {e}")
    if rss:
        kb = [r for _, r in rss]
        print(f"server VmRSS: first {kb[0] / 1024:.0f} MB, max {max(kb) / 1024:.0f} MB, last {kb[-1] / 1024:.0f} MB "
              f"({len(kb)} samples)")


if __name__ == "__main__":
    main()
