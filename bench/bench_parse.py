"""Parser micro-benchmark: CPU microseconds per article on the seeds and on generated articles.

Usage: .venv/bin/python bench/bench_parse.py [--n 10000] [--seed-reps 200] [--repeat 3] [--save F | --check F] [--profile]
       [--against OLD_PARSE_PY]

Times ``parse_article`` alone (decode, read and write excluded) with ``time.process_time``, so
the figures hold on a shared machine; wall time and the load average are printed beside them.
Every timed pass starts with the parser's memos (every functools cache in it: first tokens, dateline heads,
byline readings, credit lines, follow calls...) empty, like a fresh worker.
Each figure is the best of ``--repeat`` passes (CPU time still grows when the other core is
busy: shared caches, and steal time on a VM).
Articles come from ``bench/gen_articles.py`` (in memory, deterministic) and ``corpus/raw``.

``--save F`` writes a digest of every output (the article JSON or the ParseError message) to F;
``--check F`` compares against it and exits 1 on the first difference, so a speed change can be
shown not to change any output on thousands of varied articles, beyond the golden tests.
``--profile`` prints the top cProfile entries of the generated run instead of timing it.
``--against F`` times the parser logic of another ``parse.py`` (e.g. ``git show
REV:corpus_tools/parse.py > /tmp/old_parse.py``) and of the current one in alternating passes
in this process, so both see the same machine load, and says whether their outputs agree.

The "parser logic" figure is the same run with ``Article.model_validate`` swapped for a
function that returns its input: the parser's own cost, apart from the pydantic validation
(which ``corpus_tools/article.py`` owns). "validation" is that call alone on the same inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_articles import generate  # noqa: E402

import corpus_tools.parse as parse_module  # noqa: E402
from corpus_tools.parse import ParseError, parse_article  # noqa: E402


def inputs(n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(seeds, generated): lists of (id, text)."""
    seeds = [(p.stem, p.read_text(encoding="utf-8-sig")) for p in sorted((ROOT / "corpus" / "raw").glob("*.txt"))]
    gen = [(aid, text) for aid, text, _ in generate(n)]
    return seeds, gen


def parse_one(aid: str, text: str) -> str:
    try:
        return parse_article(text, article_id=aid, path=f"{aid}.txt", sha256="0" * 64).model_dump_json()
    except ParseError as e:
        return f"ParseError: {e}"


# The parser's memos (bounded lru_caches); missing names are skipped (older parse.py files).


def memos(module) -> list:
    """The parser module's memos (its functools caches), found rather than listed, so a memo
    added to parse.py is cleared too."""
    return [f for f in vars(module).values() if callable(getattr(f, "cache_clear", None))]


def timed(items: list[tuple[str, str]], reps: int = 1, module=parse_module) -> tuple[float, float]:
    """(CPU us/article, wall us/article) over ``reps`` passes of ``module.parse_article``."""
    parse, error = module.parse_article, module.ParseError
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(reps):
        # each pass starts cold, like a fresh worker
        for memo in memos(module):
            memo.cache_clear()
        for aid, text in items:
            try:
                parse(text, article_id=aid, path=f"{aid}.txt", sha256="0" * 64)
            except error:
                pass
    k = len(items) * reps
    return (time.process_time() - c0) / k * 1e6, (time.perf_counter() - w0) / k * 1e6


class _NoValidation:
    """Stands in for ``Article`` in ``corpus_tools.parse``: keeps the plain data, validates nothing."""

    seen: list[dict] = []

    @classmethod
    def model_validate(cls, data: dict) -> dict:
        cls.seen.append(data)
        return data


def load_parser(path: Path):
    """Another ``parse.py`` as a module inside the package (its relative imports resolve)."""
    spec = importlib.util.spec_from_file_location("corpus_tools._against_parse", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def against(path: Path, items: list[tuple[str, str]], repeat: int) -> int:
    """Parser logic CPU of ``path``'s parser and the current one, alternating; 1 if outputs differ."""
    other = load_parser(path)

    def dump(module, aid, text):
        try:
            return module.parse_article(text, article_id=aid, path=f"{aid}.txt", sha256="0" * 64).model_dump_json()
        except module.ParseError as e:
            return f"ParseError: {e}"

    same = all(dump(other, aid, text) == dump(parse_module, aid, text) for aid, text in items)
    costs: dict[str, list[float]] = {"against": [], "current": []}
    saved = other.Article, parse_module.Article
    other.Article = parse_module.Article = _NoValidation
    try:
        for _ in range(repeat):
            for name, module in (("against", other), ("current", parse_module)):
                _NoValidation.seen = []
                costs[name].append(timed(items, 1, module)[0])
    finally:
        other.Article, parse_module.Article = saved
    a, c = min(costs["against"]), min(costs["current"])
    print(f"parser logic, {len(items):,} articles, best of {repeat} alternating passes: {path} {a:.1f} us/article CPU, "
          f"current {c:.1f} us/article CPU (x{c / a:.3f}); outputs identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


def split_cost(items: list[tuple[str, str]], reps: int = 1) -> tuple[float, float]:
    """(parser logic CPU us/article, Article validation CPU us/article) on ``items``."""
    real = parse_module.Article
    parse_module.Article = _NoValidation
    try:
        _NoValidation.seen = []
        logic, _ = timed(items, reps)
        data = _NoValidation.seen
    finally:
        parse_module.Article = real
    c0 = time.process_time()
    for d in data:
        real.model_validate(d)
    return logic, (time.process_time() - c0) / len(data) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="generated articles (default 10000)")
    ap.add_argument("--seed-reps", type=int, default=200, help="passes over the five seeds")
    ap.add_argument("--repeat", type=int, default=3, help="passes per figure; the best is printed")
    ap.add_argument("--save", type=Path, help="write output digests here")
    ap.add_argument("--check", type=Path, help="compare output digests with this file")
    ap.add_argument("--profile", action="store_true", help="cProfile the generated run")
    ap.add_argument("--against", type=Path, help="another parse.py to time against the current one (alternating passes)")
    args = ap.parse_args()

    seeds, gen = inputs(args.n)
    items = seeds + gen
    if args.save or args.check:
        digests = {aid: hashlib.sha256(parse_one(aid, text).encode()).hexdigest() for aid, text in items}
        if args.save:
            args.save.write_text(json.dumps(digests, indent=0) + "\n")
            print(f"saved {len(digests):,} output digests to {args.save}")
        else:
            want = json.loads(args.check.read_text())
            diff = [aid for aid in want if digests.get(aid) != want[aid]]
            if diff or set(digests) != set(want):
                print(f"OUTPUT CHANGED for {len(diff)} of {len(want):,} articles, e.g. {diff[:5]}")
                return 1
            print(f"outputs identical on {len(want):,} articles ({len(seeds)} seeds + {len(gen):,} generated)")
        return 0
    if args.against:
        timed(gen[:200])
        return against(args.against, gen, max(args.repeat, 5))
    if args.profile:
        import cProfile
        import pstats

        timed(gen[:200])
        pr = cProfile.Profile()
        pr.enable()
        timed(gen)
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(30)
        return 0

    timed(gen[:200])  # warm caches and imports
    load = os.getloadavg()
    s_cpu, s_wall = min(timed(seeds, args.seed_reps) for _ in range(args.repeat))
    g_cpu, g_wall = min(timed(gen) for _ in range(args.repeat))
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores)")
    print(f"seeds      ({len(seeds)} x {args.seed_reps}): {s_cpu:7.1f} us/article CPU  ({s_wall:7.1f} wall)")
    print(f"generated  ({len(gen):,}):     {g_cpu:7.1f} us/article CPU  ({g_wall:7.1f} wall)  = {1e6 / g_cpu:,.0f} articles/s/core")
    for name, part, reps in (("seeds", seeds, args.seed_reps), ("generated", gen, 1)):
        costs = [split_cost(part, reps) for _ in range(args.repeat)]
        logic, valid = min(c[0] for c in costs), min(c[1] for c in costs)
        print(f"{name + ':':11s}parser logic {logic:6.1f} us/article CPU, Article validation {valid:6.1f} us/article CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
