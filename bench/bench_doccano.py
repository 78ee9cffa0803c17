"""Benchmark the Doccano bridge against a real local Doccano 1.8.4 (started here).

Measures, in one run on one server:
  1. Doccano's own bulk import of a 10,000-article JSONL with pre-annotations (the baseline),
  2. our push of the same 10,000 articles (project pair: spans+relations, categories),
  3. one REST call per example/label on a sample, extrapolated to 10,000,
  4. our pull of the 10,000 annotated examples -> validated Annotations, both through the local
     path (rows read from the server's database; the default for a server we started) and
     through Doccano's bulk exports (--via-export), checking both give the same annotations,
and prints the figures. Targets (issue 3): push <= 1.5x the baseline; pull < 15 s.

Example: .venv/bin/python bench/bench_doccano.py --articles 10000 --sample 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

from corpus_tools.annotation import Annotation, DocCategory, Relation, Span, text_sha256
from corpus_tools.article import Article, Provenance, Source, blocks_for
from corpus_tools.doccano import sync
from corpus_tools.doccano.client import DoccanoClient
from corpus_tools.doccano.offsets import OffsetMap
from corpus_tools.doccano.server import DoccanoServer, ensure_server_venv, find_free_port
from corpus_tools.labels import load_scheme

PER = ["Kim Jong Un", "Yoon Suk Yeol", "Vladimir Putin", "Prabowo Subianto", "Kim Yo Jong", "Lee Jae-myung"]
ORG = ["KCNA", "Partai Buruh Korea", "Kementerian Pertahanan", "PBB", "Yonhap", "NATO"]
GPE = ["Korea Utara", "Korea Selatan", "Rusia", "Indonesia", "Amerika Serikat", "Jepang"]
WEAPON = ["rudal balistik", "Hwasong-18", "peluru artileri", "drone serang", "kapal selam nuklir"]
DATE = ["Senin", "pekan lalu", "tahun depan", "1 Januari 2025", "Kamis malam"]
FILLER = [
    "Pernyataan itu disampaikan dalam sebuah pertemuan di ibu kota.",
    "Para analis menilai langkah tersebut sebagai sinyal yang jelas 👍🏽 bagi kawasan.",
    "Situasi di semenanjung tetap tegang sepanjang tahun ini.",
    "Sejumlah diplomat menolak berkomentar lebih jauh soal rencana itu.",
]
CATS = ["weapons_production", "weapons_testing", "military_cooperation", "military_exercise", "nuclear_program", "diplomacy"]


def synth(i: int, rng: random.Random, relations: bool = True) -> tuple[Article, Annotation]:
    """One synthetic article (~1,200 characters, 5 paragraphs) with 10 spans, 4 relations, 2 categories."""
    paras: list[str] = []
    spans: list[tuple[int, int, str]] = []
    rels: list[tuple[int, int, str]] = []
    pos = 0
    for p in range(5):
        if p:
            pos += 2  # paragraph separator
        parts, local = [], pos
        per, org, gpe, wpn, date = rng.choice(PER), rng.choice(ORG), rng.choice(GPE), rng.choice(WEAPON), rng.choice(DATE)
        if p >= 2:  # three paragraphs of background without entities
            para = " ".join(rng.sample(FILLER, 3))
            paras.append(para)
            pos += len(para)
            continue
        pieces = [(per, "PER"), (" dari ", None), (org, "ORG"), (" mengatakan ", None), (gpe, "GPE"), (" akan menguji ", None), (wpn, "WEAPON"), (" pada ", None), (date, "DATE"), (". ", None), (" ".join(rng.sample(FILLER, 2)), None)]
        ids = {}
        for text, label in pieces:
            if label:
                ids[label] = len(spans)
                spans.append((local, local + len(text), label))
            parts.append(text)
            local += len(text)
        if relations:
            rels.append((ids["PER"], ids["ORG"], "member_of"))
            rels.append((ids["GPE"], ids["WEAPON"], "produces"))
        para = "".join(parts)
        paras.append(para)
        pos += len(para)
    text, blocks = blocks_for([("paragraph", p) for p in paras])
    aid = f"bench-{i:05d}"
    art = Article(
        id=aid, source=Source(outlet="Bench"), text=text, blocks=blocks,
        provenance=Provenance(path=f"{aid}.txt", sha256=hashlib.sha256(text.encode()).hexdigest(), parser_version="bench"),
    )
    ann = Annotation(
        article_id=aid, annotator="bench", text_sha256=text_sha256(text),
        spans=[Span(id=f"T{k}", start=s, end=e, label=lab, text=text[s:e]) for k, (s, e, lab) in enumerate(spans, 1)],
        relations=[Relation(id=f"R{k}", head=f"T{h + 1}", tail=f"T{t + 1}", label=lab) for k, (h, t, lab) in enumerate(rels, 1)],
        categories=[DocCategory(label=c) for c in sorted(rng.sample(CATS, 2))],
    )
    return art, ann


def doccano_rows(pairs) -> list[dict]:
    """The JSONL file Doccano's own RelationExtraction import reads (UTF-16 offsets)."""
    rows = []
    for art, ann in pairs:
        m = OffsetMap(art.text, "utf16")
        num = {s.id: k for k, s in enumerate(ann.spans, 1)}
        rows.append({
            "text": art.text, "article_id": art.id,
            "entities": [{"id": num[s.id], "start_offset": m.to_unit(s.start), "end_offset": m.to_unit(s.end), "label": s.label} for s in ann.spans],
            "relations": [{"id": k, "from_id": num[r.head], "to_id": num[r.tail], "type": r.label} for k, r in enumerate(ann.relations, 1)],
        })
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=200, help="articles for the one-call-per-example baseline")
    ap.add_argument("--batch-size", type=int, default=sync.DEFAULT_BATCH_SIZE)
    ap.add_argument("--no-relations", action="store_true", help="spans and categories only (Doccano exports relations slowly)")
    ap.add_argument("--quick", action="store_true", help="skip the second baseline, the no-op re-push and the one-by-one sample")
    ap.add_argument("--no-export-pull", action="store_true", help="pull only through the local path (skip the slow pull via Doccano's export)")
    args = ap.parse_args()

    scheme = load_scheme()
    rng = random.Random(7)
    t = time.perf_counter()
    pairs = [synth(i, rng, relations=not args.no_relations) for i in range(args.articles)]
    arts = [a for a, _ in pairs]
    anns = [b for _, b in pairs]
    n_spans = sum(len(b.spans) for b in anns)
    n_rels = sum(len(b.relations) for b in anns)
    print(f"synthetic corpus: {len(arts)} articles, {sum(len(a.text) for a in arts) / len(arts):.0f} chars avg, "
          f"{n_spans} spans, {n_rels} relations, {sum(len(b.categories) for b in anns)} categories ({time.perf_counter() - t:.1f} s to build)")

    venv = ensure_server_venv(progress=lambda m: print(m, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="bench-doccano-") as tmp:
        server = DoccanoServer(Path(tmp) / "data", port=find_free_port(), username="bench", password=secrets.token_urlsafe(16), venv=venv)
        with server:
            print(f"Doccano 1.8.4 at {server.url} (started in {server.start_seconds:.1f} s)")
            with DoccanoClient(server.url, timeout=300) as client:
                client.login(server.username, server.password)
                figures = run(client, scheme, arts, anns, pairs, args, tmp, server.worker_log)
    print()
    print("== results ==")
    for k, v in figures.items():
        print(f"{k:55s} {v}")
    return 0


class Figures(dict):
    """Prints every figure as soon as it is measured (a long run shows progress)."""

    def __setitem__(self, key, value):
        print(f"  {key}: {value}", flush=True)
        super().__setitem__(key, value)


def run(client, scheme, arts, anns, pairs, args, tmp, worker_log) -> dict:
    fig: dict[str, str] = Figures()
    n = len(arts)
    # 1. Doccano's own import of the same file (a fresh relation project; label types set up first)
    base = sync.setup_project(client, "bench-baseline", scheme, None)
    path = Path(tmp) / "import.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for row in doccano_rows(pairs):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    t = time.perf_counter()
    res = client.upload(base.spans_project_id, path, task="RelationExtraction")
    t_base = time.perf_counter() - t
    assert not res.errors, res.errors[:3]
    assert client.count_examples(base.spans_project_id) == n
    fig[f"Doccano's own import, {n} articles + spans + relations"] = f"{t_base:.2f} s"
    cats_path = Path(tmp) / "cats.jsonl"
    with open(cats_path, "w", encoding="utf-8") as fh:
        for a, b in pairs:
            fh.write(json.dumps({"text": a.text, "article_id": a.id, "label": [c.label for c in b.categories]}, ensure_ascii=False) + "\n")
    t = time.perf_counter()
    client.upload(base.categories_project_id, cats_path, task="DocumentClassification")
    t_base_cats = time.perf_counter() - t
    fig[f"Doccano's own import, {n} articles + categories (2nd project)"] = f"{t_base_cats:.2f} s"

    # 2. our push (both projects, listing before and checking after)
    info = sync.setup_project(client, "bench-push", scheme, None)
    t = time.perf_counter()
    rep = sync.push_articles(client, info, arts, anns, scheme=scheme, batch_size=args.batch_size)
    t_push = time.perf_counter() - t
    assert rep.created == n and rep.preannotated == n and rep.ok, (rep.rejected[:3], rep.import_errors[:3])
    fig[f"our push, {n} articles with pre-annotations (2 projects)"] = f"{t_push:.2f} s = {t_push / t_base:.2f}x Doccano's spans import, {t_push / (t_base + t_base_cats):.2f}x both imports"
    if args.quick:
        return pull(client, scheme, arts, anns, info, n, t_push, fig, worker_log, not args.no_export_pull)
    base2 = sync.setup_project(client, "bench-baseline-2", scheme, None)
    t = time.perf_counter()
    client.upload(base2.spans_project_id, path, task="RelationExtraction")
    t_base2 = time.perf_counter() - t
    fig["Doccano's own import again, after our push (spans + relations)"] = f"{t_base2:.2f} s"
    mean = (t_base + t_base2) / 2
    fig["our push / mean of the two Doccano spans imports"] = f"{t_push / mean:.2f}x; / (mean spans import + categories import) = {t_push / (mean + t_base_cats):.2f}x"
    t = time.perf_counter()
    again = sync.push_articles(client, info, arts, anns, scheme=scheme, batch_size=args.batch_size)
    fig["our push again (no-op: nothing created; existing examples listed by the local path)"] = f"{time.perf_counter() - t:.2f} s (created {again.created})"

    # 3. one REST call per example / label on a sample, extrapolated
    k = min(args.sample, n)
    one = sync.setup_project(client, "bench-one-by-one", scheme, None)
    types = {kind: {x.text: x.id for x in client.list_label_types(pid, kind)} for kind, pid in (("span", one.spans_project_id), ("relation", one.spans_project_id), ("category", one.categories_project_id))}
    t = time.perf_counter()
    for a in arts[:k]:
        client.create_example(one.spans_project_id, a.text, {"article_id": a.id})
    t_ex = time.perf_counter() - t
    t = time.perf_counter()
    examples = {e.meta["article_id"]: e.id for e in client.iter_examples(one.spans_project_id)}
    for a, b in pairs[:k]:
        m = OffsetMap(a.text, "utf16")
        ids = {}
        for s in b.spans:
            ids[s.id] = client.create_span(one.spans_project_id, examples[a.id], m.to_unit(s.start), m.to_unit(s.end), types["span"][s.label]).id
        for r in b.relations:
            client.create_relation(one.spans_project_id, examples[a.id], ids[r.head], ids[r.tail], types["relation"][r.label])
        ex = client.create_example(one.categories_project_id, a.text, {"article_id": a.id})
        for c in b.categories:
            client.create_category(one.categories_project_id, ex.id, types["category"][c.label])
    t_lab = time.perf_counter() - t
    per_ex = (t_ex + t_lab) / k
    fig[f"one call per example: {k} examples only"] = f"{t_ex:.2f} s = {k / t_ex:.0f} examples/s -> {n * t_ex / k:.0f} s for {n}"
    fig[f"one call per example + label, {k} articles (both projects)"] = f"{t_ex + t_lab:.2f} s -> {n * per_ex:.0f} s for {n} ({n * per_ex / t_push:.0f}x our push)"

    return pull(client, scheme, arts, anns, info, n, t_push, fig, worker_log, not args.no_export_pull)


def pull(client, scheme, arts, anns, info, n, t_push, fig, worker_log, via_export: bool = True) -> dict:
    # 4. pull of the 10,000 annotated examples, both ways, then where the time goes
    # (pull_annotations is exactly these two steps; timed apart to show where the time goes)
    by_id = {a.id: a for a in arts}
    want = {a.article_id: sorted((s.start, s.end, s.label) for s in a.spans) for a in anns}
    pulled_by = {}
    for via in ("auto", "export") if via_export else ("auto",):
        cpu, kids = time.process_time(), os.times()
        t = time.perf_counter()
        snap = sync.fetch_snapshot(client, info, via=via)
        t_exports = time.perf_counter() - t
        pulled = sync.build_annotations(snap, info, by_id, scheme)
        t_pull = time.perf_counter() - t
        cpu = time.process_time() - cpu
        now = os.times()
        child_cpu = (now.children_user + now.children_system) - (kids.children_user + kids.children_system)  # the local exporter
        assert pulled.ok and len(pulled.annotations) == n, (pulled.drift[:3], pulled.rejected[:3])
        got = {a.article_id: sorted((s.start, s.end, s.label) for s in a.spans) for a in pulled.annotations}
        assert got == want, "pulled spans differ from the pushed pre-annotations"
        pulled_by[snap.source] = pulled
        how = "rows read from the server's database (local path)" if snap.source == "local" else "4 bulk exports (--via-export)"
        fig[f"our pull, {n} annotated examples, {how}"] = f"{t_pull:.2f} s wall, {cpu:.2f} s CPU in this process + {child_cpu:.2f} s in its subprocesses ({n_labels(pulled)} labels, round trip exact)"
        fig[f"  of which fetching the rows ({snap.source})"] = f"{t_exports:.2f} s"
        fig[f"  of which our conversion to code points + validation ({snap.source})"] = f"{t_pull - t_exports:.2f} s"
        if snap.source == "export":
            # Celery's own runtimes of the pull's four export tasks (spans, spans confirmed, categories, ...)
            runs = re.findall(r"export_dataset\[[^]]+\] succeeded in ([0-9.]+)s", Path(worker_log).read_text(errors="replace"))[-4:]
            fig["  Doccano's 4 export tasks (Celery runtimes)"] = ", ".join(f"{float(x):.1f} s" for x in runs)
    if len(pulled_by) == 2:
        same = [a.model_dump() for a in pulled_by["local"].annotations] == [a.model_dump() for a in pulled_by["export"].annotations]
        assert same, "the local path and the export path pulled different annotations"
        fig["local path and export path annotations identical"] = "yes"
    return fig


def n_labels(report) -> int:
    return sum(len(a.spans) + len(a.relations) + len(a.categories) for a in report.annotations)


if __name__ == "__main__":
    sys.exit(main())
