"""Ingest throughput and peak memory: prints the figures recorded in bench/README.md.

Usage: .venv/bin/python bench/bench_ingest.py [--n 100000] [--small 10000] [--jobs 1 2]

Generates (once, cached in bench/out/) N synthetic raw articles with bench/gen_articles.py,
then runs the whole ingest stage (read, decode, parse + validate, sign, cluster, write JSONL)
in a fresh subprocess per measurement, so each figure has its own peak RSS:

- articles/s for every --jobs value on N articles (stage wall time, and the parse pass alone),
  and for jobs=1 articles per CPU-second of the process (robust to other load on the machine);
- peak RSS: ru_maxrss of the main process; workers and the total of all processes are sampled
  every 0.1 s with psutil; at N/10 and N with jobs=1 to show it stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))


def corpus(n: int) -> Path:
    from gen_articles import write_corpus

    d = OUT / f"raw-{n}"
    if not (d / "truth.jsonl").exists() or sum(1 for _ in open(d / "truth.jsonl")) != n:
        t0 = time.perf_counter()
        write_corpus(n, d)
        print(f"generated {n:,} articles in {time.perf_counter() - t0:.1f} s -> {d}", flush=True)
    return d


def child(src: str, out: str, jobs: int) -> None:
    """Run one ingest in this process and print its figures as JSON."""
    import threading

    import psutil

    from corpus_tools.ingest import ingest

    peak = {"workers": 0.0, "total": 0.0}
    stop = threading.Event()

    def sample() -> None:  # pool workers are the forkserver's children: ru_maxrss cannot see them
        me = psutil.Process()
        while not stop.wait(0.1):
            try:
                kids = [k.memory_info().rss for k in me.children(recursive=True)]
                total = me.memory_info().rss + sum(kids)
            except psutil.Error:
                continue
            peak["workers"] = max(peak["workers"], max(kids, default=0) / 2**20)
            peak["total"] = max(peak["total"], total / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    r = ingest([src], out, jobs=jobs)
    wall = time.perf_counter() - t0
    stop.set()
    print(
        json.dumps(
            {
                "wall": wall,
                "written": r.written,
                "rejected": r.rejected,
                "seconds": r.seconds,
                "stories": r.stories,
                "duplicates": r.duplicates,
                "cpu_main": (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
                "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_worker_mb": peak["workers"],
                "rss_total_mb": peak["total"],
            }
        )
    )


def measure(src: Path, jobs: int) -> dict:
    out = OUT / f"articles-{src.name}-j{jobs}.jsonl"
    res = subprocess.run(
        [sys.executable, __file__, "--child", str(src), str(out), str(jobs)], capture_output=True, text=True, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--child", nargs=3, metavar=("SRC", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    big, small = corpus(args.n), corpus(args.small)
    runs = {}
    for jobs in args.jobs:
        m = runs[jobs] = measure(big, jobs)
        s = m["seconds"]
        cpu = f", {m['written'] / m['cpu_main']:,.0f} articles per CPU-second" if jobs == 1 else ""
        print(
            f"ingest N={args.n:,} jobs={jobs}: {m['written'] / m['wall']:,.0f} articles/s{cpu} "
            f"(wall {m['wall']:.1f} s: parse pass {s['parse']:.1f} s = {m['written'] / s['parse']:,.0f}/s, "
            f"cluster {s['cluster']:.1f} s, write {s['write']:.1f} s); written {m['written']:,}, rejected {m['rejected']}, "
            f"stories {m['stories']:,}, duplicates {m['duplicates']:,}; peak RSS main {m['rss_main_mb']:.0f} MB, "
            f"largest worker {m['rss_worker_mb']:.0f} MB, all processes {m['rss_total_mb']:.0f} MB",
            flush=True,
        )
    m_small = measure(small, 1)
    m_big = runs.get(1) or measure(big, 1)
    print(
        f"peak RSS jobs=1: N={args.small:,}: {m_small['rss_main_mb']:.0f} MB; N={args.n:,}: {m_big['rss_main_mb']:.0f} MB "
        f"(x{m_big['rss_main_mb'] / m_small['rss_main_mb']:.2f} for x{args.n / args.small:.0f} articles)"
    )


if __name__ == "__main__":
    main()
