"""Story clustering of N articles: corpus_tools.cluster against datasketch, side by side.

Usage: .venv/bin/python bench/bench_cluster.py [--n 100000] [--articles FILE.jsonl]

Input: the clean bodies of N synthetic articles from bench/gen_articles.py (5% rewrites, 3%
exact and 2% near copies, with ground truth), or the ``text`` of an ingested Articles file.
Both contenders get the same texts, the same shingles (word 3-grams), 256 hash values per
article, the same banding (128 bands x 2 rows) and the same verification (estimated Jaccard >=
0.10, union-find); datasketch uses its fastest path (``MinHash.bulk`` + an LSH insertion
session + one query per article). Prints wall times, the speed-up and how both agree with each
other and with the ground truth.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus_tools import cluster as cl  # noqa: E402

_WORD = re.compile(r"[^\W_]+")


def load_texts(n: int, articles: Path | None) -> tuple[list[str], list[str], dict[str, dict]]:
    if articles:
        ids, texts = [], []
        with open(articles, encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                ids.append(obj["id"])
                texts.append(obj["text"])
                if len(ids) == n:
                    break
        return ids, texts, {}
    return generated(n)


def generated(n: int) -> tuple[list[str], list[str], dict[str, dict]]:
    """Ids, clean bodies (what ingest keeps: paragraphs joined by a blank line) and ground truth
    of the articles ``gen_articles.generate(n)`` makes: render() is wrapped to capture each body."""
    import gen_articles as ga

    orig_render = ga.Generator.render
    captured: list[str] = []

    def render(self, body):
        captured.append("\n\n".join(" ".join(p) for p in body))
        return orig_render(self, body)

    ids, texts, truth = [], [], {}
    ga.Generator.render = render
    try:
        for aid, _raw, t in ga.generate(n):
            ids.append(aid)
            texts.append(captured.pop())
            truth[aid] = t
    finally:
        ga.Generator.render = orig_render
    return ids, texts, truth


def ours(texts: list[str], ids: list[str]) -> tuple[float, float, list[str], list[str | None]]:
    t0 = time.perf_counter()
    sigs = np.vstack([cl.signatures(texts[i : i + 1000]) for i in range(0, len(texts), 1000)])
    t_sig = time.perf_counter() - t0
    stories, dups = cl.cluster(ids, sigs)
    return t_sig, time.perf_counter() - t0, stories, dups


def theirs(texts: list[str], ids: list[str]) -> tuple[float, float, list[str], list[str | None]]:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    shingle_sets = []
    for t in texts:
        w = _WORD.findall(t.lower())
        sh = {" ".join(w[k : k + 3]).encode() for k in range(len(w) - 2)} or {" ".join(w).encode()}
        shingle_sets.append(list(sh))
    mhs = MinHash.bulk(shingle_sets, num_perm=cl.NUM_PERM)
    t_sig = time.perf_counter() - t0
    lsh = MinHashLSH(num_perm=cl.NUM_PERM, params=(cl.BANDS, cl.ROWS))
    with lsh.insertion_session() as session:
        for k, m in enumerate(mhs):
            session.insert(k, m)
    ii, jj, est = [], [], []
    for k, m in enumerate(mhs):
        for c in lsh.query(m):
            if c > k:
                e = m.jaccard(mhs[c])
                if e >= cl.STORY_THRESHOLD:
                    ii.append(k)
                    jj.append(c)
                    est.append(e)
    n = len(ids)
    order = sorted(range(n), key=ids.__getitem__)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    i, j, e = rank[np.array(ii, dtype=np.int64)], rank[np.array(jj, dtype=np.int64)], np.array(est)
    story_root = cl.components(n, i, j)
    dup = e >= cl.DUPLICATE_THRESHOLD
    dup_root = cl.components(n, i[dup], j[dup])
    stories = [cl.story_id_for(ids[order[story_root[rank[k]]]]) for k in range(n)]
    dups = [None if dup_root[rank[k]] == rank[k] else ids[order[dup_root[rank[k]]]] for k in range(n)]
    return t_sig, time.perf_counter() - t0, stories, dups


def truth_scores(ids, stories, dups, truth) -> str:
    if not truth:
        return "no ground truth (--articles input)"
    story = dict(zip(ids, stories))
    dup = dict(zip(ids, dups))
    kinds = {"rewrite": [0, 0], "copy": [0, 0], "near-copy": [0, 0]}
    for aid, t in truth.items():
        if t["kind"] in kinds:
            kinds[t["kind"]][1] += 1
            ok = story[aid] == story[t["of"]] if t["kind"] == "rewrite" else dup[aid] is not None and story[aid] == story[t["of"]]
            kinds[t["kind"]][0] += ok
    originals = [a for a, t in truth.items() if t["kind"] == "original"]
    sizes: dict[str, int] = {}
    for a in originals:
        sizes[story[a]] = sizes.get(story[a], 0) + 1
    merged = sum(v for v in sizes.values() if v > 1)
    recall = ", ".join(f"{k} {c[0]:,}/{c[1]:,} ({c[0] / max(c[1], 1):.1%})" for k, c in kinds.items())
    return f"found: {recall}; unrelated originals wrongly merged: {merged:,} of {len(originals):,}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--articles", type=Path, help="cluster the texts of this ingested Articles JSONL instead")
    ap.add_argument("--skip-datasketch", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    ids, texts, truth = load_texts(args.n, args.articles)
    print(f"input: {len(texts):,} texts, mean {sum(map(len, texts)) / len(texts):,.0f} chars (prepared in {time.perf_counter() - t0:.1f} s)", flush=True)
    s_sig, s_all, s_stories, s_dups = ours(texts, ids)
    print(f"corpus_tools.cluster: {s_all:.1f} s (signatures {s_sig:.1f} s, LSH + verify + union-find {s_all - s_sig:.1f} s) = {len(texts) / s_all:,.0f} articles/s", flush=True)
    print(f"  {truth_scores(ids, s_stories, s_dups, truth)}", flush=True)
    if args.skip_datasketch:
        return
    d_sig, d_all, d_stories, d_dups = theirs(texts, ids)
    print(f"datasketch MinHash + MinHashLSH: {d_all:.1f} s (signatures {d_sig:.1f} s, LSH + verify + union-find {d_all - d_sig:.1f} s)")
    print(f"  {truth_scores(ids, d_stories, d_dups, truth)}")
    same_story = sum(a == b for a, b in zip(s_stories, d_stories))
    same_dup = sum(a == b for a, b in zip(s_dups, d_dups))
    print(f"speed-up: {d_all / s_all:.1f}x; same story_id for {same_story / len(ids):.2%} and same duplicate_of for {same_dup / len(ids):.2%} of articles")


if __name__ == "__main__":
    main()
