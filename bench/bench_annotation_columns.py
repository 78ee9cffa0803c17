"""CPU per annotation of a release batch's annotation work, today's path against
``release.annotation_columns`` (issue #4), on the bench's synthetic data (bench_release.synth).

(a) per line ``gates.validate_annotation_plain`` + the annotation part of ``build.document_batch``
    (per batch: document_batch with the annotations minus document_batch of the same articles
    without; that difference is the noisy part of (a), so the validation is also printed alone);
(b) ``annotation_columns`` over the batch + ``AnnotationColumns.list_arrays`` (the ListArrays).

Batches of 1,000 lines as the builder uses; ``time.process_time`` (CPU, one thread); the two
paths alternate per round. Prints us/annotation per round and the medians.

    .venv/bin/python bench/bench_annotation_columns.py --n 10000 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from bench_release import synth

from corpus_tools.article import Article
from corpus_tools.article_batch import articles_table
from corpus_tools.labels import load_scheme
from corpus_tools.release.annotation_columns import annotation_columns
from corpus_tools.release.build import BATCH_ARTICLES, document_batch
from corpus_tools.release.features import arrow_schema
from corpus_tools.release.gates import GateFailure, validate_annotation_plain


def article_input(arts):
    """What build.document_batch takes for the articles: an Arrow table of them (made once per
    batch, outside the timings)."""
    return articles_table(arts)


def documents(arts, anns, idx, schema):
    return document_batch(arts, anns, idx, schema)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    scheme = load_scheme()
    idx = {"entities": {n: i for i, n in enumerate(scheme.entity_names)},
           "relations": {n: i for i, n in enumerate(scheme.relation_names)},
           "categories": {n: i for i, n in enumerate(scheme.category_names)}}
    schema = arrow_schema("documents", scheme)
    with tempfile.TemporaryDirectory() as tmp:
        arts_path, anns_path = synth(Path(tmp), args.n)
        arts = [Article.model_validate_json(line) for line in arts_path.read_bytes().splitlines()]
        raws = [line + b"\n" for line in anns_path.read_bytes().splitlines()]  # as the builder's readline gives them
    batches = [(arts[i:i + BATCH_ARTICLES], raws[i:i + BATCH_ARTICLES]) for i in range(0, len(arts), BATCH_ARTICLES)]
    nones = [[None] * len(b[0]) for b in batches]
    inputs = [article_input(a) for a, _r in batches]

    validate_cpu: list[float] = []

    def today() -> float:
        validate = build = 0.0
        for (a, r), none, inp in zip(batches, nones, inputs):
            c = time.process_time()
            anns = [validate_annotation_plain(raw, art, scheme, "x") for art, raw in zip(a, r)]
            validate += time.process_time() - c
            assert not any(isinstance(x, GateFailure) for x in anns)
            c = time.process_time()
            documents(inp, anns, idx, schema)
            build += time.process_time() - c
            c = time.process_time()
            documents(inp, none, idx, schema)
            build -= time.process_time() - c
        validate_cpu.append(validate / len(arts) * 1e6)
        return validate + build

    def columns() -> float:
        c = time.process_time()
        for a, r in batches:
            cols = annotation_columns(r, [x.id for x in a], [x.text for x in a], scheme, idx)
            assert cols.ok.all()
            cols.list_arrays(schema)
        return time.process_time() - c

    figures: dict[str, list[float]] = {"a": [], "b": []}
    for rnd in range(args.rounds):
        for name, fn in (("a", today), ("b", columns)) if rnd % 2 == 0 else (("b", columns), ("a", today)):
            figures[name].append(fn() / len(arts) * 1e6)
        print(f"round {rnd}: (a) today {figures['a'][-1]:.1f} us/annotation (validate_annotation_plain "
              f"{validate_cpu[-1]:.1f}), (b) annotation_columns {figures['b'][-1]:.1f}", flush=True)
    a, b, v = statistics.median(figures["a"]), statistics.median(figures["b"]), statistics.median(validate_cpu)
    print(f"median over {args.rounds} rounds, {len(arts)} annotations in batches of {BATCH_ARTICLES}: "
          f"(a) {a:.1f} us/annotation CPU (of which validate_annotation_plain {v:.1f}), (b) {b:.1f}, "
          f"saved {a - b:.1f} ({b / a:.2f}x)")


if __name__ == "__main__":
    main()
