"""Ingest throughput and peak memory: prints the figures recorded in bench/README.md.

Usage: .venv/bin/python bench/bench_ingest.py [--n 100000] [--small 10000] [--jobs 1 2] [--breakdown 10000]

Generates (once, cached in bench/out/) N synthetic raw articles with bench/gen_articles.py,
then runs the whole ingest stage (read, decode, parse + validate, sign, cluster, write JSONL)
in a fresh subprocess per measurement, so each figure has its own peak RSS:

- articles/s for every --jobs value on N articles (stage wall time, and the parse pass alone),
  and for jobs=1 articles per CPU-second of the process (robust to other load on the machine);
- CPU seconds of the main process (without the sampling thread's own CPU) and of the workers
  (sampled with psutil); the machine may be shared, so CPU per article is the figure to
  compare, and jobs=2 / jobs=1 wall time is only a bound;
- peak RSS: ru_maxrss of the main process; workers and the total of all processes are sampled
  every 0.1 s with psutil; at N/10 and N with jobs=1 to show it stays flat.

Every input file is read once before the first measurement, so each run finds the inputs in the
page cache: without it the first run (jobs=1) also paid for disk reads whenever other work had
evicted the 100,000 files (measured 2026-11-22: 1,929 articles/s cold against 2,357-2,464/s
warm, same code), which made jobs=2 look more than linear.

``--breakdown N`` instead runs ingest on N articles in this process (jobs=1) with each stage's
function wrapped by a CPU timer and prints CPU microseconds per article: the parser's own logic
(parse_article without its Article validation) apart from the rest of the stage, and the rest
by step (the timers add ~0.5 us per timed call to the "rest" line).
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
    kid_cpu: dict[int, float] = {}  # last CPU seconds seen of every descendant (pool workers)
    stop = threading.Event()

    def sample() -> None:  # pool workers are the forkserver's children: ru_maxrss cannot see them
        me = psutil.Process()
        procs: list = []
        scanned = 0.0
        while not stop.wait(0.1):
            peak["sampler_cpu"] = time.thread_time()  # this thread's own CPU, not the stage's
            try:
                # listing the children scans all of /proc (~2 ms of CPU): once a second, not at
                # every sample, so that the sampler takes ~0.3% of a core, not ~2% (with
                # jobs=2 both cores are busy and the sampler's CPU comes out of the workers')
                if time.monotonic() - scanned >= 1.0:
                    procs, scanned = me.children(recursive=True), time.monotonic()
                kids = []
                for k in procs:
                    kids.append(k.memory_info().rss)
                    c = k.cpu_times()
                    kid_cpu[k.pid] = c.user + c.system
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
                "cpu_main": (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)) - peak.get("sampler_cpu", 0.0),
                "cpu_workers": sum(kid_cpu.values()),
                "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_worker_mb": peak["workers"],
                "rss_total_mb": peak["total"],
                "sampler_cpu": peak.get("sampler_cpu", 0.0),
            }
        )
    )


def warm_page_cache(src: Path) -> tuple[int, float]:
    """Read every file below ``src`` once (and drop the bytes); return (files, seconds)."""
    t0 = time.perf_counter()
    n = 0
    for root, _dirs, files in os.walk(src):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                while fh.read(1 << 20):
                    pass
            n += 1
    return n, time.perf_counter() - t0


def measure(src: Path, jobs: int) -> dict:
    out = OUT / f"articles-{src.name}-j{jobs}.jsonl"
    res = subprocess.run(
        [sys.executable, __file__, "--child", str(src), str(out), str(jobs)], capture_output=True, text=True, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def breakdown(src: Path) -> None:
    """CPU microseconds per article of each step of ingest (jobs=1, in this process)."""
    from corpus_tools import ingest as ing

    spent: dict[str, float] = {}

    def timed(name: str, fn):
        def wrapper(*a, **k):
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - t0

        return wrapper

    steps = {
        "discover": "discover",
        "read_input": "read (stat, open, read)",
        "decode": "decode",
        "parse_article": "parse_article (parser + Article validation)",
        "signatures": "MinHash signatures",
        "cluster_roots": "cluster (band by band from the spill file)",
        "_write_final": "final pass (fill story ids, write JSONL)",
    }
    originals = {name: getattr(ing, name) for name in steps}
    for name in steps:
        setattr(ing, name, timed(name, originals[name]))
    # the parser's one Article.model_validate call, timed apart (it is the Article model's cost)
    from corpus_tools import parse as parse_mod

    class _TimedArticle:
        model_validate = staticmethod(timed("validate", parse_mod.Article.model_validate))

    article_cls, parse_mod.Article = parse_mod.Article, _TimedArticle
    try:
        out = OUT / f"articles-{src.name}-breakdown.jsonl"
        t0 = time.process_time()
        r = ing.ingest([src], out, jobs=1)
        total = time.process_time() - t0
    finally:
        for name, fn in originals.items():
            setattr(ing, name, fn)
        parse_mod.Article = article_cls
    n = r.written
    per = lambda v: v / n * 1e6  # noqa: E731
    rest = total - sum(spent.values()) + spent["validate"]  # validate is inside parse_article
    print(f"breakdown N={n:,} jobs=1, CPU us per article (time.process_time; load {os.getloadavg()[0]:.1f}):")
    print(f"  whole stage {per(total):7.1f}")
    logic = spent["parse_article"] - spent["validate"]
    print(f"  parser logic  {per(logic):7.1f}   (parse_article without its Article validation; another task)")
    print(f"  NON-PARSER    {per(total - logic):7.1f}:")
    print(f"    {per(spent['validate']):7.1f}  Article validation (the parser's Article.model_validate call)")
    for name, label in steps.items():
        if name != "parse_article":
            print(f"    {per(spent[name]):7.1f}  {label}")
    print(f"    {per(rest):7.1f}  rest: SHA-256, JSON serialisation, batching, pass-1 temp file, band spill, timer overhead")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--breakdown", type=int, metavar="N", help="print the per-step CPU cost on N articles instead")
    ap.add_argument("--child", nargs=3, metavar=("SRC", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    if args.breakdown:
        breakdown(corpus(args.breakdown))
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    big, small = corpus(args.n), corpus(args.small)
    for folder in (big, small):
        files, secs = warm_page_cache(folder)
        print(f"page cache warmed: read {files:,} files of {folder.name} in {secs:.1f} s", flush=True)
    runs = {}
    for jobs in args.jobs:
        m = runs[jobs] = measure(big, jobs)
        s = m["seconds"]
        cpu_all = m["cpu_main"] + m["cpu_workers"]
        cpu = (
            f", {m['written'] / cpu_all:,.0f} articles per CPU-second; CPU {cpu_all / m['written'] * 1e6:,.0f} us/article "
            f"(main {m['cpu_main'] / m['written'] * 1e6:,.0f}, workers {m['cpu_workers'] / m['written'] * 1e6:,.0f})"
        )
        print(
            f"ingest N={args.n:,} jobs={jobs}: {m['written'] / m['wall']:,.0f} articles/s{cpu} "
            f"(wall {m['wall']:.1f} s: parse pass {s['parse']:.1f} s = {m['written'] / s['parse']:,.0f}/s, "
            f"cluster {s['cluster']:.1f} s, write {s['write']:.1f} s); written {m['written']:,}, rejected {m['rejected']}, "
            f"stories {m['stories']:,}, duplicates {m['duplicates']:,}; peak RSS main {m['rss_main_mb']:.0f} MB, "
            f"largest worker {m['rss_worker_mb']:.0f} MB, all processes {m['rss_total_mb']:.0f} MB; "
            f"the bench's sampling thread used {m['sampler_cpu']:.2f} s CPU (not counted above)",
            flush=True,
        )
    if 1 in runs and 2 in runs:
        a, b = runs[1], runs[2]
        print(f"jobs=2 / jobs=1: x{a['wall'] / b['wall']:.2f} wall (whole stage), x{a['seconds']['parse'] / b['seconds']['parse']:.2f} parse pass")
    m_small = measure(small, 1)
    m_big = runs.get(1) or measure(big, 1)
    print(
        f"peak RSS jobs=1: N={args.small:,}: {m_small['rss_main_mb']:.0f} MB; N={args.n:,}: {m_big['rss_main_mb']:.0f} MB "
        f"(x{m_big['rss_main_mb'] / m_small['rss_main_mb']:.2f} for x{args.n / args.small:.0f} articles)"
    )


if __name__ == "__main__":
    main()
