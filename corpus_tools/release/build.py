"""``build_release``: corpus + adjudicated annotations + label scheme -> ``releases/vX.Y.Z/``.

One streaming pass over the articles, in batches of ``BATCH_ARTICLES`` lines
(:func:`process_chunk`): the batch's article lines and their annotation lines (found through a
byte-offset index of the annotations file, so neither file is held in memory) are parsed and
validated column-wise (``article_batch``, ``annotation_columns``: pyarrow.json and vectorised
checks of every model rule; a line those do not accept goes through the pydantic model, which
accepts it or names the error), each article is assigned a split, and the batch becomes Arrow
record batches per split (``documents`` from column takes, and the vectorised ``ner`` tokenizer). The order-dependent gates
(unique ids, one annotation per article) and the per-(config, split) ``ParquetWriter``
buffers, which flush one row group at a time, stay in the calling process and consume the
batches in input order, so batches can also be converted in worker processes (``workers=``)
without changing a byte. Memory stays flat as the corpus grows: only ids, offsets and
counters scale with N.

Everything is written into a hidden temp folder beside the target and renamed into place at
the very end (an atomic release). Gate failures, a version that understates the change, and
a rebuild of an existing version with different bytes all leave nothing behind. Output is
byte-identical for identical inputs and settings: input row order, no clocks, pinned writer
options, sorted JSON.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import operator
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import __version__
from ..annotation import Annotation, PlainAnnotation
from ..article import Article
from ..article_batch import articles_table, validate_article_lines
from ..json_lines import LineBlock, column
from ..labels import LabelScheme, load_scheme, scheme_sha256
from ..records import UMASK, atomic_write
from ..worker_heap import keep_freed_memory
from .annotation_columns import annotation_columns
from .card import CHART_NAME, ReleaseStats, render_card
from .changelog import (
    ReleaseDiff,
    VersionError,
    check_version,
    diff_releases,
    parse_version,
    render_changelog,
    render_changes,
)
from .chart import render_svg
from .config import SPLITS, ParquetSection, ReleaseConfig, load_config
from .features import CONFIGS, arrow_schema
from .gates import (
    GateError,
    GateFailure,
    check_agreement,
    measure_agreement,
    missing_annotation,
    validate_annotation_plain,
    validate_article,
)
from .manifest import build_manifest, sha256_file, write_manifest
from .ner import NerDoc, ner_batch, ner_columns, non_overlapping
from .splits import SplitAssigner, read_previous_splits

#: Articles converted to Arrow at a time (the NER tokenizer is vectorised over a batch).
BATCH_ARTICLES = 1000
#: A writer buffer is flushed as a row group once it holds this many bytes, whatever its row
#: count: with six writers (2 configs x 3 splits) this bounds the buffered data at ~50 MiB.
ROW_GROUP_MAX_BYTES = 8 * 1024 * 1024
_RELEASE_DIR = re.compile(r"^v(\d+\.\d+\.\d+)$")
_ARTICLE_ID_KEY = re.compile(rb'"article_id"\s*:\s*"((?:[^"\\]|\\.)*)"')
_PLAIN_ID = re.compile(rb"[A-Za-z0-9._-]+")
#: A line that starts with a plain article id (what every writer of this project writes): the
#: match ``_ARTICLE_ID_KEY.search`` finds there, without its escape handling (\s within a line).
_PLAIN_FIRST_KEY = re.compile(rb'\{"article_id"[ \t\r\f\v]*:[ \t\r\f\v]*"([A-Za-z0-9._-]+)"')

ProgressFn = Callable[[int, int], None]


class ReleaseError(Exception):
    """A release cannot be built (bad settings, missing module, existing different release)."""


class ImmutableReleaseError(ReleaseError):
    """The version exists with different content; releases are never overwritten."""


@dataclass
class BuildReport:
    version: str
    release_dir: Path
    status: str  # "built" or "unchanged" (identical rebuild of an existing version)
    partial: bool
    articles: int
    annotated: int
    rows: dict[str, dict[str, int]]
    files: list[str]
    previous_version: str | None
    bump: str
    required_bump: str
    diff: ReleaseDiff | None
    agreement: Any = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    workers: int = 1  # processes that validated and converted the articles (1: in-process)


# --------------------------------------------------------------------------- Parquet writing


def writer_options(settings: ParquetSection) -> dict[str, Any]:
    """Pinned ``ParquetWriter`` options: rebuilds must not depend on library defaults."""
    compression = None if settings.compression == "none" else settings.compression
    return {
        "compression": compression,
        "compression_level": settings.compression_level if compression in ("zstd", "gzip") else None,
        "version": "2.6",
        "data_page_version": "1.0",
        "use_dictionary": True,
        "write_statistics": True,
        "write_page_index": False,
        "write_page_checksum": False,
        "store_schema": True,
    }


class ShardedWriter:
    """Streams record batches of one (config, split) into size-limited Parquet shards.

    Batches are buffered until ``row_group_rows`` rows (or ``ROW_GROUP_MAX_BYTES``) and then
    written as one row group; a shard is closed once its file reaches ``max_shard_bytes``.
    Shards are named ``<split>-<i>-of-<n>.parquet`` on :meth:`close`, when ``n`` is known. A
    split with no rows still gets one file with the full schema (and no row group: datasets
    cannot read a zero-row row group).
    """

    def __init__(self, folder: Path, split: str, schema: pa.Schema, settings: ParquetSection):
        self.folder, self.split, self.schema, self.settings = folder, split, schema, settings
        self.options = writer_options(settings)
        self.rows = 0
        self._buffer: list[pa.RecordBatch] = []
        self._buffered_rows = 0
        self._buffered_bytes = 0
        self._parts: list[Path] = []
        self._sink: pa.NativeFile | None = None
        self.seconds = 0.0  # time spent in Parquet encoding and writing
        self._writer: pq.ParquetWriter | None = None

    def _open(self) -> None:
        path = self.folder / f".{self.split}-{len(self._parts):05d}.part"
        self._parts.append(path)
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pq.ParquetWriter(self._sink, self.schema, **self.options)

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffered_rows += batch.num_rows
        self._buffered_bytes += batch.nbytes
        self.rows += batch.num_rows
        if self._buffered_rows >= self.settings.row_group_rows or self._buffered_bytes >= ROW_GROUP_MAX_BYTES:
            self._flush()

    def _flush(self, final: bool = False) -> None:
        """Write full row groups of ``row_group_rows`` (and, when ``final``, the remainder)."""
        if not self._buffer:
            return
        c0 = time.perf_counter()
        table = pa.Table.from_batches(self._buffer, schema=self.schema)
        size = self.settings.row_group_rows
        if self._buffered_bytes >= ROW_GROUP_MAX_BYTES:  # very large rows: one row group of what is buffered
            size = max(table.num_rows, 1)
        pos = 0
        while table.num_rows - pos >= size or (final and pos < table.num_rows):
            if self._writer is None:
                self._open()
            self._writer.write_table(table.slice(pos, size), row_group_size=size)
            pos += size
            if self._sink.tell() >= self.settings.max_shard_bytes:
                self._close_shard()
        rest = table.slice(pos).combine_chunks()
        self._buffer = rest.to_batches() if rest.num_rows else []
        self._buffered_rows = rest.num_rows
        self._buffered_bytes = rest.nbytes if rest.num_rows else 0
        self.seconds += time.perf_counter() - c0

    def size(self) -> int:
        """Bytes written to its files so far plus those buffered (to order the closing work)."""
        return sum(p.stat().st_size for p in self._parts if p.exists()) + self._buffered_bytes

    def _close_shard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = self._sink = None

    def close(self) -> list[Path]:
        """Finish the last shard and rename all shards to their final names."""
        self._flush(final=True)
        if not self._parts:  # empty split: one file with the schema and no row group at all
            self._open()
        self._close_shard()
        n = len(self._parts)
        final = []
        for i, part in enumerate(self._parts):
            target = self.folder / f"{self.split}-{i:05d}-of-{n:05d}.parquet"
            os.replace(part, target)
            final.append(target)
        return final

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._sink.close()


class BackgroundWrites:
    """Runs the writers' calls in one background thread, in submission order: pyarrow releases
    the GIL while it encodes and compresses a row group, so the builder validates (or receives)
    the next batch meanwhile instead of waiting for the write. At most ``depth`` calls wait; a
    failed call stops the rest and is raised by the next :meth:`submit` or by :meth:`finish`."""

    def __init__(self, depth: int = 12):
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="parquet-writes", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                fn, args = item
                try:
                    fn(*args)
                except BaseException as e:  # handed to the builder's thread
                    self._error = e

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((fn, args))

    def finish(self) -> None:
        """Wait for every submitted call; raise the first failure."""
        self.stop()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


# --------------------------------------------------------------------------- records -> rows


def document_row(article: Article, ann: Annotation | None, scheme_index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """One ``documents`` row. Entities sorted by (start, end, label); relations by (head, tail, label)."""
    entities: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    categories: list[int] = []
    if ann is not None:
        ents_idx, rels_idx, cats_idx = scheme_index["entities"], scheme_index["relations"], scheme_index["categories"]
        spans = sorted(ann.spans, key=lambda s: (s.start, s.end, ents_idx[s.label], s.id))
        pos = {s.id: i for i, s in enumerate(spans)}
        entities = [{"start": s.start, "end": s.end, "label": ents_idx[s.label], "text": s.text} for s in spans]
        relations = sorted(
            ({"head": pos[r.head], "tail": pos[r.tail], "label": rels_idx[r.label]} for r in ann.relations),
            key=lambda r: (r["head"], r["tail"], r["label"]),
        )
        categories = sorted(cats_idx[c.label] for c in ann.categories)
    return {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "outlet": article.source.outlet,
        "domain": article.source.domain,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "dateline": article.dateline,
        "lang": article.lang,
        "story_id": article.story_id,
        "annotated": ann is not None,
        "entities": entities,
        "relations": relations,
        "categories": categories,
    }


# --------------------------------------------------------------------------- batches of articles


@dataclass
class ChunkContext:
    """What converting a batch of article lines needs (handed to each worker once, at fork)."""

    articles: Path
    ann_path: Path | None
    ann_offsets: dict[str, int]  # AnnotationIndex.offsets
    scheme: LabelScheme
    scheme_index: dict[str, dict[str, int]]
    schemas: dict[str, pa.Schema]
    partial: bool
    splits: SplitAssigner  # its own instance: only the (pure) split of each article is used
    spool: Path | None = None  # where workers leave the Arrow data of their batches for the builder


@dataclass
class ChunkResult:
    """The outcome of a batch of article lines, one entry per non-blank line in the parallel
    lists (plain lists and dicts: a worker pickles this for every batch); the builder applies
    the order-dependent gates. ``article_ids[i]`` is None when the article itself is invalid
    (``failures[i]``); ``ann_failures[i]``: its annotation is invalid; ``missing[i]``: it has no
    annotation and the build is not partial; ``splits[i]``: set when it has a row."""

    lines: list[int]
    article_ids: list[str | None]
    story_ids: list[str | None]
    duplicate_of: list[str | None]
    splits: list[str | None]
    failures: dict[int, GateFailure]
    ann_failures: dict[int, GateFailure]
    missing: dict[int, GateFailure]
    documents: dict[str, pa.RecordBatch]  # per split: one row per line with that split, in order
    ner: dict[str, pa.RecordBatch]  # per split: the ``ner`` rows of those documents, in order
    stats: ReleaseStats
    phase: dict[str, float]


_WORKER_CTX: ChunkContext | None = None


#: How much lower the workers' scheduling priority is than the builder's (``os.nice``).
WORKER_NICENESS = 5


def _init_worker(ctx: ChunkContext) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx
    # the heap stays at about one batch's peak (measured over 5,000 articles: 22.8k -> 2.4k minor
    # page faults, ~10% less CPU)
    keep_freed_memory(mmap_threshold=64 << 20, trim_threshold=256 << 20)
    # The builder's Parquet writer is the pipeline's one serial stage: with more busy threads
    # than cores (two workers and the writer on two), it should run whenever it has work, and
    # the workers take the rest. Measured, 50k bench articles on 2 vCPUs, alternating runs:
    # the writer's wall time 4.1-4.4 -> 3.0-3.5 s (its CPU ~3 s), the build 5.01-5.47 ->
    # 5.01-5.25 s, less CPU in total (fewer preemptions). Only the build's own processes are
    # ordered: the builder keeps its priority.
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # pragma: no cover - not permitted here: the workers keep the builder's priority
        pass


def process_chunk(task: tuple[int, int, int], ctx: ChunkContext | None = None) -> ChunkResult:
    """Validate and convert the article lines in bytes ``[start, end)`` of the articles file
    (``first_line`` is the line number of ``start``): every article and annotation validated,
    rows of those that pass, in input order. Pure in its inputs, so it runs in any process.

    The cyclic garbage collector is paused meanwhile: a batch holds ~10^5 short-lived, acyclic
    objects (pydantic models), which made Python run full collections over the whole heap every
    few batches (measured: ~40% of the build's CPU at 100k articles). Reference counting frees
    them when the batch is done; the collector resumes for the rest of the build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _process_chunk(task, ctx or _WORKER_CTX)
    finally:
        if was_enabled:
            gc.enable()


def process_chunk_packed(task: tuple[int, int, int]) -> ChunkResult:
    """:func:`process_chunk` in a worker. Each of its record batches goes into a spool file of
    its own (an Arrow IPC stream of one batch), which the builder maps back
    (:func:`unpack_chunk`): the result sent back through the pool's pipe is a few lists and
    file names. Measured: pickling the batches through the pipe cost the builder ~40
    us/article of CPU (pipe-sized reads and copies), more than a third of the Parquet write it
    has to do. The stream writer writes the batch's buffers straight to the file
    (``batch.serialize()`` first copied them into one new buffer: 5.0-6.1 -> 3.7 us/article
    of the worker's CPU, measured on 800 bench articles' rows)."""
    ctx = _WORKER_CTX
    res = process_chunk(task, ctx)
    layout: dict[str, dict[str, str]] = {"documents": {}, "ner": {}}
    for config, batches in (("documents", res.documents), ("ner", res.ner)):
        for split, batch in batches.items():
            path = ctx.spool / f"{task[0]:016d}.{config}.{split}.arrow"
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, batch.schema) as stream:
                stream.write_batch(batch)
            layout[config][split] = str(path)
    res.documents, res.ner = layout["documents"], layout["ner"]  # type: ignore[assignment]
    return res


def unpack_chunk(res: ChunkResult, schemas: dict[str, pa.Schema]) -> ChunkResult:
    """The record batches of a :func:`process_chunk_packed` result, memory-mapped from their
    spool files (then unlinked; a mapping lives as long as its batch). No copy: reading the
    files into buffers cost the builder ~3-4 us/article (measured, 10,000 bench articles).
    One file per batch, so a batch waiting in a writer buffer maps only its own bytes (one
    file per worker batch made the peak RSS grow by ~180 MiB). The files are the build's own,
    in its temp folder: nothing else truncates them while mapped."""
    res.documents = {k: _map_batch(path, schemas["documents"]) for k, path in res.documents.items()}  # type: ignore[union-attr]
    res.ner = {k: _map_batch(path, schemas["ner"]) for k, path in res.ner.items()}  # type: ignore[union-attr]
    return res


def _map_batch(path: str, schema: pa.Schema) -> pa.RecordBatch:
    batch = pa.ipc.open_stream(pa.memory_map(path)).read_next_batch()
    os.unlink(path)
    if not batch.schema.equals(schema, check_metadata=True):  # pragma: no cover - the workers write the build's schemas
        raise ReleaseError(f"{path}: a worker's batch has another schema than the build's (a bug)")
    return batch


class ArticleRef(NamedTuple):
    """What the annotation checks and the gates need of a validated article."""

    id: str
    text: str


def _article_rows(raws: Sequence[bytes], linenos: list[int], ctx: ChunkContext) -> tuple[pa.Table, list[int], dict[int, GateFailure]]:
    """The valid articles of a batch's lines as rows of one table: ``row_of[i]`` is line i's
    row, -1 when the line is not a valid article (its failure in the dict). Lines the
    column-wise check does not accept go through the model, which accepts them or names the error."""
    batch = validate_article_lines(raws)
    table = batch.table
    base = table.num_rows if table is not None else 0
    row_of = [-1] * len(raws)
    for k, i in enumerate(batch.lines.tolist()):
        row_of[i] = k
    failures: dict[int, GateFailure] = {}
    extra: list[Article] = []
    validator = Article.__pydantic_validator__.validate_json
    for i in np.flatnonzero(~batch.ok).tolist():
        try:  # == Article.model_validate_json(raw), minus its Python wrapper
            art = validator(raws[i])
        except Exception:
            art = _article_failure(raws[i], f"{ctx.articles}:{linenos[i]}")
        if isinstance(art, GateFailure):
            failures[i] = art
            row_of[i] = -1
        else:
            row_of[i] = base + len(extra)
            extra.append(art)
    if extra or table is None:
        more = articles_table(extra)
        table = more if table is None else pa.concat_tables([table, more])
    return table.combine_chunks(), row_of, failures


#: The article columns the ``documents`` and ``ner`` rows are made of.
_DOCUMENT_SOURCE_COLUMNS = ["id", "title", "text", "source", "published_at", "dateline", "lang", "story_id", "blocks"]


def _process_chunk(task: tuple[int, int, int], ctx: ChunkContext) -> ChunkResult:
    start, end, first_line = task
    clock = time.perf_counter
    phase = {"validate": 0.0, "rows": 0.0, "arrow_documents": 0.0, "arrow_ner": 0.0}
    with open(ctx.articles, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    raws: Sequence[bytes] = LineBlock(data)
    if raws.objects:  # the usual batch: every line an object, none blank
        lines = list(range(first_line, first_line + len(raws)))
    else:
        raws, lines = [], []
        for lineno, raw in enumerate(data.split(b"\n"), first_line):  # (a final empty piece is blank)
            if raw[:1] == b"{" or raw.strip():
                raws.append(raw)
                lines.append(lineno)
    c0 = clock()
    table, row_of, failures = _article_rows(raws, lines, ctx)
    ids, texts = column(table, "id").to_pylist(), column(table, "text").to_pylist()
    story_of, dup_of = column(table, "story_id").to_pylist(), column(table, "duplicate_of").to_pylist()
    phase["validate"] += clock() - c0
    n = len(raws)
    article_ids: list[str | None] = [None] * n
    story_ids: list[str | None] = [None] * n
    duplicate_of: list[str | None] = [None] * n
    splits: list[str | None] = [None] * n
    ann_failures: dict[int, GateFailure] = {}
    missing: dict[int, GateFailure] = {}
    # Each valid article's annotation line (None: it has none) and its text.
    ann_raws: list[bytes | None] = [None] * n
    ann_lines: dict[int, int] = {}
    art_texts: list[str] = [""] * n
    art_where, ann_where = f"{ctx.articles}:", f"{ctx.ann_path}:"  # + line number
    c0 = clock()
    with_ann: list[int] = []  # the items with an annotation, and its offset
    ann_offsets: list[int] = []
    for i, r in enumerate(row_of):
        if r < 0:
            continue
        article_ids[i], story_ids[i], duplicate_of[i], art_texts[i] = ids[r], story_of[r], dup_of[r], texts[r]
        if (loc := ctx.ann_offsets.get(ids[r])) is not None:
            offset, ann_lines[i] = unpack_location(loc)
            with_ann.append(i)
            ann_offsets.append(offset)
    ann_block = _read_lines_at(ctx.ann_path, ann_offsets) if with_ann else []
    for i, raw in zip(with_ann, ann_block):
        ann_raws[i] = raw
    cols = annotation_columns(ann_raws, [a or "" for a in article_ids], art_texts, ctx.scheme, ctx.scheme_index,
                              lines=ann_block)
    plain: dict[int, PlainAnnotation] = {}  # the annotations only the model path accepted
    rows_of: dict[str, list[int]] = {split: [] for split in SPLITS}  # lines with rows per split, in input order
    kept: list[int] = []
    cols_ok = cols.ok.tolist()
    for i, r in enumerate(row_of):
        if r < 0:
            continue
        aid = ids[r]
        raw = ann_raws[i]
        if raw is not None:
            if not cols_ok[i]:
                res = validate_annotation_plain(raw, ArticleRef(aid, art_texts[i]), ctx.scheme, f"{ann_where}{ann_lines[i]}")
                if isinstance(res, GateFailure):
                    ann_failures[i] = res
                    continue
                plain[i] = res
        elif not ctx.partial:
            missing[i] = missing_annotation(ArticleRef(aid, art_texts[i]), f"{art_where}{lines[i]}")
            continue
        splits[i] = split = ctx.splits.assign(aid, story_of[r], dup_of[r])
        rows_of[split].append(i)
        kept.append(i)
    phase["validate"] += clock() - c0
    c0 = clock()
    stats = ReleaseStats()
    if kept:
        source = column(table, "source")
        outlets, domains = source.field("outlet").to_pylist(), source.field("domain").to_pylist()
        # the annotations only the model path accepted are counted here, the others came counted
        _count(stats, [outlets[row_of[i]] for i in kept], [domains[row_of[i]] for i in kept], [plain.get(i) for i in kept])
        stats.annotated += sum(1 for i in kept if ann_raws[i] is not None and i not in plain)
        stats.annotators.update(cols.annotators)
        stats.entities.update(cols.entity_counts)
        stats.relations.update(cols.relation_counts)
        stats.categories.update(cols.category_counts)
    phase["rows"] += clock() - c0
    documents: dict[str, pa.RecordBatch] = {}
    ner: dict[str, pa.RecordBatch] = {}
    schema = ctx.schemas["documents"]
    for split in SPLITS:
        items = rows_of[split]
        if not items:
            continue
        c0 = clock()
        split_table = table.select(_DOCUMENT_SOURCE_COLUMNS).take(pa.array([row_of[i] for i in items], type=pa.int64()))
        lists = cols.list_arrays(schema, items)
        by_model = [k for k, i in enumerate(items) if i in plain]
        if by_model:  # their rows (empty lists in ``lists``) from the model path's reading
            extra = plain_lists([plain[items[k]] for k in by_model], ctx.scheme_index, schema)
            order = np.arange(len(items))
            order[by_model] = len(items) + np.arange(len(by_model))
            lists = {name: pa.concat_arrays([arr, extra[name]]).take(pa.array(order)) for name, arr in lists.items()}
        documents[split], ents = document_columns(split_table, [ann_raws[i] is not None for i in items], lists, schema)
        c1 = clock()
        keep = [k for k, i in enumerate(items) if ann_raws[i] is not None]
        if keep:
            blocks = column(split_table, "blocks")
            if len(keep) < len(items):
                blocks = blocks.take(pa.array(keep, type=pa.int64()))
            n_blocks = pc.list_value_length(blocks).to_numpy(zero_copy_only=False)
            flat = blocks.flatten()
            b_start = flat.field("start").to_numpy(zero_copy_only=False)
            a_ids, a_texts = [article_ids[items[k]] for k in keep], [art_texts[items[k]] for k in keep]
            if ctx.scheme.allow_overlapping_spans:  # BIO keeps the earliest-longest of overlapping entities
                b_end = flat.field("end").to_numpy(zero_copy_only=False)
                bounds = np.cumsum(n_blocks).tolist()
                pairs = list(zip(b_start.tolist(), b_end.tolist()))
                ner_docs = [NerDoc(a_ids[j], a_texts[j], pairs[bounds[j] - int(n_blocks[j]):bounds[j]], ents.of(k))
                            for j, k in enumerate(keep)]
                stats.entities_left_out_of_ner += sum(len(d.entities) - len(non_overlapping(d.entities)) for d in ner_docs)
                ner[split] = ner_batch(ner_docs, ctx.schemas["ner"])
            else:  # validation ruled overlaps out: the sorted entity columns are the ner entities as they are
                # (rows without an annotation have no entities: the flat columns need no cut)
                n_ents = np.diff(ents.offsets)[keep] if len(keep) < len(items) else np.diff(ents.offsets)
                ner[split] = ner_columns(a_ids, a_texts, b_start, n_blocks, ents.start, ents.end, ents.label,
                                         n_ents, ctx.schemas["ner"])
        phase["arrow_documents"] += c1 - c0
        phase["arrow_ner"] += clock() - c1
    return ChunkResult(lines, article_ids, story_ids, duplicate_of, splits, failures, ann_failures, missing,
                       documents, ner, stats, phase)


def _merge_stats(dst: ReleaseStats, src: ReleaseStats) -> None:
    """Add a batch's counts (Counter key order stays first-seen order, as when counted in one pass)."""
    dst.articles += src.articles
    dst.annotated += src.annotated
    dst.outlets.update(src.outlets)
    for outlet, domain in src.domains.items():
        dst.domains.setdefault(outlet, domain)
    dst.entities.update(src.entities)
    dst.relations.update(src.relations)
    dst.categories.update(src.categories)
    dst.entities_left_out_of_ner += src.entities_left_out_of_ner
    dst.annotators.update(src.annotators)


#: Environment variable with the number of worker processes (unset: the default below; 1: in-process).
WORKERS_ENV = "CORPUS_TOOLS_RELEASE_WORKERS"
#: Below this many bytes of articles the build runs in-process whatever was asked (a pool costs more).
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
#: Most worker processes the default uses (the builder itself writes Parquet meanwhile).
MAX_DEFAULT_WORKERS = 4


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _worker_count(workers: int | None, total_bytes: int) -> int:
    """Default: one worker per usable CPU (at most ``MAX_DEFAULT_WORKERS``) for inputs of
    ``PARALLEL_MIN_BYTES`` or more, in-process otherwise or on one CPU. Validation and
    conversion cost ~2.5x the Parquet writing per article, even with everything else cut
    (measured CPU: ~150 vs ~60 us per bench article), so one process cannot build in 2x the
    time of a bare write: the workers validate and convert while the builder writes. On a
    machine whose cores are busy with other work, ``CORPUS_TOOLS_RELEASE_WORKERS=1`` (in-process)
    uses ~15% less CPU in total."""
    if workers is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        if env and not env.isdigit():
            raise ReleaseError(f"{WORKERS_ENV}={env!r} is not a number of worker processes; unset it or use e.g. 2")
        workers = int(env) if env else min(usable_cpus(), MAX_DEFAULT_WORKERS)
        if total_bytes < PARALLEL_MIN_BYTES:
            return 1
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return workers


def _chunk_pool(n: int, ctx: ChunkContext):
    """A fork pool whose workers hold ``ctx`` (no pickling of the index), or None for in-process."""
    if n <= 1:
        return None
    return multiprocessing.get_context("fork").Pool(n, initializer=_init_worker, initargs=(ctx,))


@dataclass
class EntityColumns:
    """The ``documents`` entities of a batch as flat columns in row order (``offsets[i]`` to
    ``offsets[i + 1]`` are row i's), sorted by (start, end, label index, span id) in each row:
    what the ``ner`` config needs of them."""

    offsets: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray

    @classmethod
    def of_list(cls, entities: pa.ListArray) -> EntityColumns:
        """The columns of a ``documents`` ``entities`` column (no copy of the values)."""
        offsets = entities.offsets.to_numpy().astype(np.int64)
        offsets -= offsets[0]  # (a slice's offsets start where its values do)
        values = entities.flatten()  # the slice's structs; their flatten(): fields cut to them
        fields = dict(zip((f.name for f in values.type), values.flatten()))
        return cls(offsets, *(fields[k].to_numpy(zero_copy_only=False) for k in ("start", "end", "label")))

    def of(self, i: int) -> list[tuple[int, int, int]]:
        """Row ``i``'s ``(start, end, label index)`` entities."""
        a, b = self.offsets[i], self.offsets[i + 1]
        return list(zip(self.start[a:b].tolist(), self.end[a:b].tolist(), self.label[a:b].tolist()))


_LABEL_KEY = operator.itemgetter("label")
_ANNOTATOR_KEY = operator.itemgetter("annotator")
_RELATIONS_KEY = operator.itemgetter("relations")
_CATEGORIES_KEY = operator.itemgetter("categories")
_RECORD = operator.attrgetter("record")


def _sorted_span_columns(spans: tuple, ents_idx: dict[str, int]) -> tuple:
    """Span columns ``(starts, ends, labels, texts, ids)`` reordered by (start, end, label index,
    id). Strictly increasing starts, the usual case, are already in that order."""
    starts, ends, labels, _texts, ids = spans
    if all(map(operator.lt, starts, starts[1:])):
        return spans
    order = sorted(range(len(starts)), key=lambda i: (starts[i], ends[i], ents_idx[labels[i]], ids[i]))
    return tuple(tuple(map(col.__getitem__, order)) for col in spans)


def document_batch(
    articles: pa.Table, anns: list[PlainAnnotation | None], scheme_index: dict[str, dict[str, int]], schema: pa.Schema
) -> tuple[pa.RecordBatch, EntityColumns]:
    """The ``documents`` rows of ``articles`` (rows of ``ARTICLE_ARROW_SCHEMA``, ``published_at``
    rendered) and their annotations ``anns`` (the same values and buffers as
    ``RecordBatch.from_pylist`` of :func:`document_row`), and the entity columns."""
    return document_columns(articles, [ann is not None for ann in anns], plain_lists(anns, scheme_index, schema), schema)


def plain_lists(anns: list[PlainAnnotation | None], scheme_index: dict[str, dict[str, int]], schema: pa.Schema) -> dict[str, pa.Array]:
    """The ``entities``, ``relations`` and ``categories`` list columns of plain annotations
    (None: no annotation, empty lists), built column by column, without a dict per entity."""
    ents_idx, rels_idx, cats_idx = scheme_index["entities"], scheme_index["relations"], scheme_index["categories"]
    e_off, e_start, e_end, e_label, e_text = [0], [], [], [], []
    r_off, r_head, r_tail, r_label = [0], [], [], []
    c_off, c_label = [0], []
    label_of, category_of, lt = ents_idx.__getitem__, cats_idx.__getitem__, operator.lt
    for ann in anns:
        if ann is not None:
            starts, ends, labels, texts, ids = cols = ann.spans
            if not all(map(lt, starts, starts[1:])):
                starts, ends, labels, texts, ids = _sorted_span_columns(cols, ents_idx)
            e_start += starts
            e_end += ends
            e_label += map(label_of, labels)
            e_text += texts
            record = ann.record
            if record["relations"]:
                pos = {sid: i for i, sid in enumerate(ids)}
                rels = sorted((pos[r["head"]], pos[r["tail"]], rels_idx[r["label"]]) for r in record["relations"])
                r_head += [r[0] for r in rels]
                r_tail += [r[1] for r in rels]
                r_label += [r[2] for r in rels]
            if record["categories"]:
                c_label += sorted(map(category_of, map(_LABEL_KEY, record["categories"])))
        e_off.append(len(e_start))
        r_off.append(len(r_head))
        c_off.append(len(c_label))
    string = pa.string()
    start_a, end_a, label_a = pa.array(e_start, type=pa.int32()), pa.array(e_end, type=pa.int32()), pa.array(e_label, type=pa.int64())

    def list_of(offsets: list[int], field_name: str, children: list[pa.Array]) -> pa.Array:
        typ = schema.field(field_name).type
        values = pa.StructArray.from_arrays(children, fields=list(typ.value_type)) if len(children) > 1 else children[0]
        return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values, type=typ)

    return {
        "entities": list_of(e_off, "entities", [start_a, end_a, label_a, pa.array(e_text, type=string)]),
        "relations": list_of(r_off, "relations", [
            pa.array(r_head, type=pa.int32()), pa.array(r_tail, type=pa.int32()), pa.array(r_label, type=pa.int64())]),
        "categories": list_of(c_off, "categories", [pa.array(c_label, type=pa.int64())]),
    }


def document_columns(articles: pa.Table, annotated: list[bool], lists: dict[str, pa.Array],
                     schema: pa.Schema) -> tuple[pa.RecordBatch, EntityColumns]:
    """The ``documents`` rows of ``articles`` (rows of ``ARTICLE_ARROW_SCHEMA``, ``published_at``
    rendered) with their ``entities``, ``relations`` and ``categories`` list columns, and the
    entity columns (which the ``ner`` config reuses)."""
    source = column(articles, "source")
    columns = {
        "id": column(articles, "id"),
        "title": column(articles, "title"),
        "text": column(articles, "text"),
        "outlet": source.field("outlet"),
        "domain": source.field("domain"),
        "published_at": column(articles, "published_at"),
        "dateline": column(articles, "dateline"),
        "lang": column(articles, "lang"),
        "story_id": column(articles, "story_id"),
        "annotated": pa.array(annotated, type=pa.bool_()),
        **lists,
    }
    batch = pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)
    return batch, EntityColumns.of_list(batch.column("entities"))


# --------------------------------------------------------------------------- inputs


@dataclass
class AnnotationIndex:
    """Byte offset of each article's annotation line, plus the failures found while indexing."""

    path: Path | None
    offsets: dict[str, int] = field(default_factory=dict)  # article id -> pack_location(offset, line number)
    failures: list[GateFailure] = field(default_factory=list)
    sha256: str | None = None
    size: int = 0


_LINE_BITS = 32
#: Bytes read at a time from the input files (a test makes it tiny so that lines span blocks).
READ_BLOCK_BYTES = 4 << 20


def pack_location(offset: int, line: int) -> int:
    """A byte offset and a line number as one int: the index holds one per article, and an int
    is ~80 bytes smaller than a tuple of two (8 MiB less peak memory at 100,000 articles)."""
    return offset << _LINE_BITS | line


def unpack_location(loc: int) -> tuple[int, int]:
    return loc >> _LINE_BITS, loc & ((1 << _LINE_BITS) - 1)


def index_annotations(path: str | Path | None) -> AnnotationIndex:
    """Index an annotations JSONL by article id without keeping the records (one per article)."""
    if path is None:
        return AnnotationIndex(path=None)
    path = Path(path)
    idx = AnnotationIndex(path=path)
    h = hashlib.sha256()
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: annotations file not found; pass --annotations FILE (one adjudicated annotation per article)") from None
    with fh:
        offset = lineno = 0  # offset: bytes of the complete lines seen
        offsets = idx.offsets
        match = _PLAIN_FIRST_KEY.match
        rest = b""  # the start of a line that goes on in the next block
        for buf, view, n in _hashed_blocks(fh, h, READ_BLOCK_BYTES):
            pos = 0
            if rest:  # the line that started in an earlier block: the general path
                p = buf.find(b"\n", 0, n)
                if p < 0:
                    rest += bytes(view[:n])
                    continue
                lineno += 1
                line = rest + bytes(view[:p + 1])
                _index_line(idx, line, offset, lineno)
                offset += len(line)
                rest = b""
                pos = p + 1
            find = buf.find
            while (p := find(b"\n", pos, n)) >= 0:
                lineno += 1
                m = match(buf, pos, p)
                if m is not None:  # the usual line: the same id as the general path finds, just cheaper
                    aid = m.group(1).decode("ascii")
                    if aid not in offsets:
                        offsets[aid] = offset << _LINE_BITS | lineno  # pack_location(offset, lineno)
                        offset += p + 1 - pos
                        pos = p + 1
                        continue
                _index_line(idx, bytes(view[pos:p + 1]), offset, lineno)
                offset += p + 1 - pos
                pos = p + 1
            if pos < n:
                rest = bytes(view[pos:n])
        if rest:  # a last line without a newline
            lineno += 1
            _index_line(idx, rest, offset, lineno)
            offset += len(rest)
    idx.sha256, idx.size = h.hexdigest(), offset
    return idx


def _index_line(idx: AnnotationIndex, line: bytes, start: int, lineno: int) -> None:
    """Index one line of the annotations file (``start``: its byte offset), or record why not."""
    path = idx.path
    if not line.strip():
        return
    m = _ARTICLE_ID_KEY.search(line)
    if m and _PLAIN_ID.fullmatch(m.group(1)):  # no escapes or control characters: JSON decoding is ASCII decoding
        aid = m.group(1).decode("ascii")
    else:
        aid = json.loads(b'"' + m.group(1) + b'"') if m else None
    if aid is None:
        try:
            obj = json.loads(line)
            aid = obj.get("article_id") if isinstance(obj, dict) else None
        except ValueError as e:
            idx.failures.append(GateFailure("annotation", f"not valid JSON ({e}); fix or remove this line", None, f"{path}:{lineno}"))
            return
    if not isinstance(aid, str):
        idx.failures.append(GateFailure("annotation", "record has no article_id", None, f"{path}:{lineno}"))
        return
    if aid in idx.offsets:
        first = unpack_location(idx.offsets[aid])[1]
        idx.failures.append(GateFailure(
            "annotation", f"second annotation for this article (first at line {first}); give ONE adjudicated "
            "annotation per article (run `corpus-tools adjudicate`)", aid, f"{path}:{lineno}"))
        return
    idx.offsets[aid] = pack_location(start, lineno)


def _hashed_blocks(fh, h, block_size: int = 4 << 20) -> Iterator[tuple[bytearray, memoryview, int]]:
    """``(buffer, view, n)``: the binary file ``fh`` read block by block into two reused
    buffers (its bytes are ``buffer[:n]``, valid until the next step), while ``h`` (unless None)
    is fed each block by a background thread (hashlib releases the GIL for big buffers, so the SHA-256
    overlaps the caller's work on the block)."""
    bufs = [bytearray(block_size), bytearray(block_size)]
    views = [memoryview(b) for b in bufs]
    if h is None:  # nothing to hash: one buffer
        while n := fh.readinto(bufs[0]):
            yield bufs[0], views[0], n
        return
    with ThreadPoolExecutor(1, thread_name_prefix="sha256") as pool:
        hashing = None
        k = 0
        while True:
            buf, view = bufs[k], views[k]  # not the buffer still being hashed
            n = fh.readinto(buf)
            if hashing is not None:
                hashing.result()
            if not n:
                break
            hashing = pool.submit(h.update, view[:n])
            k ^= 1
            yield buf, view, n


def _batch_tasks(fh, h, batch: int, progress: ProgressFn | None = None, total: int = 0,
                 block_size: int = 4 << 20) -> Iterator[tuple[int, int, int]]:
    """``(start, end, first_line)`` of each run of ``batch`` non-blank lines of the binary file
    ``fh`` (the last run may be shorter; blank lines go with the run before them), while ``h``
    is fed the file's bytes (:func:`_hashed_blocks`);
    ``progress(bytes, total)`` every 1,000 lines. The builder needs only these bounds (the
    batch reads its lines itself), so the lines are found with ``find`` in two reused buffers,
    without a bytes object per line (measured, 100,000 bench articles: 3.7 -> 1.4 us/line of
    the builder's thread)."""
    read = 0  # bytes of the complete lines seen
    chunk_start, chunk_line, nonblank, lineno = 0, 1, 0, 0
    rest = b""  # the start of a line that goes on in the next block
    for buf, view, n in _hashed_blocks(fh, h, block_size):
        find, startswith = buf.find, buf.startswith
        pos = 0
        if rest:  # the line that started in an earlier block
            p = find(b"\n", 0, n)
            if p < 0:
                rest += bytes(view[:n])
                continue
            line = rest + bytes(view[:p])
            rest = b""
            lineno += 1
            read += len(line) + 1
            if progress is not None and lineno % 1000 == 0:
                progress(read, total)
            if line[:1] == b"{" or line.strip():
                nonblank += 1
                if nonblank == batch:
                    yield chunk_start, read, chunk_line
                    chunk_start, chunk_line, nonblank = read, lineno + 1, 0
            pos = p + 1
        while (p := find(b"\n", pos, n)) >= 0:
            lineno += 1
            read += p + 1 - pos
            if progress is not None and lineno % 1000 == 0:
                progress(read, total)
            if startswith(b"{", pos) or buf[pos:p].strip():
                nonblank += 1
                if nonblank == batch:
                    yield chunk_start, read, chunk_line
                    chunk_start, chunk_line, nonblank = read, lineno + 1, 0
            pos = p + 1
        if pos < n:
            rest = bytes(view[pos:n])
    if rest:  # a last line without a newline
        lineno += 1
        read += len(rest)
        if progress is not None and lineno % 1000 == 0:
            progress(read, total)
    if read > chunk_start:
        yield chunk_start, read, chunk_line


def _read_line_at(fh, offset: int) -> bytes:
    fh.seek(offset)
    return fh.readline()


#: Most bytes read at once for a batch's annotation lines, else they are read one by one (a
#: file with other annotations between the batch's would make the one read hold those too:
#: this bounds the memory it takes; a batch's own lines are ~1.5 MB on the bench articles).
LINES_AT_MAX_SPAN = 32 << 20


def _read_lines_at(path: Path, offsets: list[int]) -> Sequence[bytes]:
    """The lines of ``path`` that start at ``offsets``, in that order. Annotations usually
    come in the articles' order, so a batch's lines are usually consecutive lines of the file:
    then they are read in one go and returned as one :class:`LineBlock` (parsed without a
    re-join), else one ``readline`` each through a 1 MiB buffer (a seek inside the buffered
    bytes costs no system call)."""
    with open(path, "rb", buffering=1 << 20) as fh:
        first, last = offsets[0], offsets[-1]
        if 0 <= last - first <= LINES_AT_MAX_SPAN and all(a < b for a, b in zip(offsets, offsets[1:])):
            fh.seek(first)
            block = LineBlock(fh.read(last - first) + fh.readline())
            if len(block) == len(offsets) and all(s + first == o for s, o in zip(block.starts, offsets)):
                return block
        return [_read_line_at(fh, o) for o in offsets]


def _json_obj(raw: bytes) -> dict | None:
    try:
        obj = json.loads(raw)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def find_releases(out_dir: Path) -> dict[str, Path]:
    """``{version: folder}`` of the complete releases (those with a manifest) in ``out_dir``."""
    found = {}
    if out_dir.is_dir():
        for p in out_dir.iterdir():
            m = _RELEASE_DIR.match(p.name)
            if m and p.is_dir() and (p / "manifest.json").is_file():
                found[m.group(1)] = p
    return found


def previous_release(out_dir: Path, version: str) -> tuple[str | None, Path | None]:
    """The latest release before ``version``; refuses when a later one exists (build in order)."""
    releases = find_releases(out_dir)
    v = parse_version(version)
    later = sorted((parse_version(k), k) for k in releases if parse_version(k) > v)
    if later:
        raise VersionError(
            f"release v{later[-1][1]} already exists in {out_dir} and is later than {version}; "
            f"releases are built in version order (the next one is after v{later[-1][1]})"
        )
    earlier = sorted((parse_version(k), k) for k in releases if parse_version(k) < v)
    if not earlier:
        return None, None
    prev = earlier[-1][1]
    return prev, releases[prev]


def _same_tree(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on one side or different bytes)."""
    def files(root: Path) -> dict[str, Path]:
        return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}

    fa, fb = files(a), files(b)
    diff = sorted(set(fa) ^ set(fb))
    for rel in sorted(set(fa) & set(fb)):
        pa_, pb = fa[rel], fb[rel]
        if pa_.stat().st_size != pb.stat().st_size or sha256_file(pa_) != sha256_file(pb):
            diff.append(rel)
    return sorted(diff)


# --------------------------------------------------------------------------- the build


def build_release(
    version: str,
    *,
    articles: str | Path,
    annotations: str | Path | None,
    scheme_path: str | Path | None = None,
    config: ReleaseConfig | str | Path = "corpus.toml",
    out_dir: str | Path = "releases",
    partial: bool = False,
    annotators_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Build ``<out_dir>/v<version>/`` and return what was built.

    Raises :class:`GateError` (every failure, nothing written), :class:`VersionError` (bad or
    understated version), :class:`ImmutableReleaseError` (version exists with other content),
    ``FileNotFoundError`` (an input file is missing), :class:`ReleaseError` (a module is missing). Rebuilding an existing version from the
    same inputs is a no-op that returns status ``"unchanged"``.

    ``workers``: processes that validate and convert batches of articles (default: the
    ``CORPUS_TOOLS_RELEASE_WORKERS`` environment variable, else one per usable CPU up to
    ``MAX_DEFAULT_WORKERS``, for inputs of ``PARALLEL_MIN_BYTES`` or more; in-process
    otherwise). The output does not depend on it: batches are consumed in input order.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    version = version[1:] if version.startswith("v") else version
    parse_version(version)
    cfg = config if isinstance(config, ReleaseConfig) else load_config(config)
    cfg = cfg.model_copy(update={"version": version})
    try:
        from .croissant import write_croissant
    except ImportError as e:
        raise ReleaseError(f"corpus_tools.release.croissant is not available ({e}); it writes croissant.json and is required") from None
    scheme = load_scheme(scheme_path)
    scheme_hash = scheme_sha256(scheme_path)
    out_dir = Path(out_dir)
    articles = Path(articles)
    if not articles.is_file():
        raise FileNotFoundError(f"{articles}: articles file not found; pass --articles FILE (the output of `corpus-tools ingest`)")
    prev_version, prev_dir = previous_release(out_dir, version)
    target = out_dir / f"v{version}"

    # The articles file is hashed by a thread of its own, from now on: indexing the
    # annotations is one core's work, which the hash then overlaps instead of the stream (the
    # file must not change meanwhile: checked at the end of the stream).
    art_stat = articles.stat()
    hashing = ThreadPoolExecutor(1, thread_name_prefix="sha256-articles")
    art_sha = hashing.submit(sha256_file, articles)
    try:
        ann_index = index_annotations(annotations)
    except BaseException:
        hashing.shutdown(wait=True, cancel_futures=True)
        raise
    timings["index_annotations"] = time.perf_counter() - t0

    agreement, failures = None, list(ann_index.failures)
    # The card's agreement figures come from these files: the manifest records them (names
    # only, no paths) so that a rebuild knows to pass the same folder.
    annotator_files = None if annotators_dir is None else {
        p.name: sha256_file(p) for p in sorted(Path(annotators_dir).glob("*.jsonl"))}
    if annotators_dir is not None:
        agreement, agree_failures = measure_agreement(annotators_dir, scheme, exclude=annotations)
        failures += agree_failures
        failures += check_agreement(agreement, cfg.gates)

    assigner = SplitAssigner(cfg.splits.ratios, cfg.splits.salt, read_previous_splits(prev_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".v{version}.", suffix=".building", dir=out_dir))
    os.chmod(tmp, 0o777 & ~UMASK)  # mkdtemp makes 0700; a release folder is for everyone to read
    try:
        report = _build_into(
            tmp, version=version, cfg=cfg, scheme=scheme, scheme_hash=scheme_hash, scheme_path=scheme_path,
            articles=articles, ann_index=ann_index, partial=partial, assigner=assigner, failures=failures,
            prev_version=prev_version, prev_dir=prev_dir, agreement=agreement, progress=progress,
            write_croissant=write_croissant, timings=timings, workers=workers, annotator_files=annotator_files,
            articles_sha256=art_sha, articles_stat=art_stat,
        )
        t = time.perf_counter()
        if target.exists():
            differing = _same_tree(tmp, target)
            if differing:
                raise ImmutableReleaseError(
                    f"{target} already exists with different content ({len(differing)} file(s) differ: "
                    f"{', '.join(differing[:10])}); releases are immutable: build a new version instead"
                )
            shutil.rmtree(tmp)
            report.status = "unchanged"
        else:
            os.replace(tmp, target)
        timings["finalise"] = time.perf_counter() - t
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        hashing.shutdown(wait=True, cancel_futures=True)
    report.release_dir = target
    timings["total"] = time.perf_counter() - t0
    report.timings = timings
    return report


def _build_into(
    tmp: Path, *, version: str, cfg: ReleaseConfig, scheme: LabelScheme, scheme_hash: str, scheme_path,
    articles: Path, ann_index: AnnotationIndex, partial: bool, assigner: SplitAssigner,
    failures: list[GateFailure], prev_version: str | None, prev_dir: Path | None, agreement: Any,
    progress: ProgressFn | None, write_croissant, timings: dict[str, float], workers: int | None = None,
    articles_sha256: Future[str], articles_stat: os.stat_result, annotator_files: dict[str, str] | None = None,
) -> BuildReport:
    """The release in ``tmp``. ``articles_sha256``: a future of the articles file's SHA-256
    (hashed meanwhile by the caller; the file's size and mtime must stay ``articles_stat``)."""
    t = time.perf_counter()
    schemas = {c: arrow_schema(c, scheme) for c in CONFIGS}
    writers: dict[tuple[str, str], ShardedWriter] = {}
    for c in CONFIGS:
        (tmp / "data" / c).mkdir(parents=True)
        for s in SPLITS:
            writers[(c, s)] = ShardedWriter(tmp / "data" / c, s, schemas[c], cfg.parquet)
    scheme_index = {
        "entities": {n: i for i, n in enumerate(scheme.entity_names)},
        "relations": {n: i for i, n in enumerate(scheme.relation_names)},
        "categories": {n: i for i, n in enumerate(scheme.category_names)},
    }
    stats = ReleaseStats()
    seen: set[str] = set()
    offsets = ann_index.offsets  # read-only: an annotation is claimed by the first article with its id (in ``seen``)
    total_bytes = articles_stat.st_size
    phase = {"validate": 0.0, "rows": 0.0, "arrow_documents": 0.0, "arrow_ner": 0.0, "route": 0.0}
    clock = time.perf_counter
    ctx = ChunkContext(articles, ann_index.path, offsets, scheme, scheme_index, schemas, partial,
                       SplitAssigner(assigner.ratios, assigner.salt, assigner.previous))
    n_workers = _worker_count(workers, total_bytes)
    # With a previous release the builder's assigner follows every article (stories that move
    # split are warned about); without one a split is the pure hash of the story, which the
    # batch already applied, and no story can span splits.
    track_splits = bool(assigner.previous.by_article or assigner.previous.by_story)

    def consume(res: ChunkResult) -> None:
        """Apply the order-dependent gates (unique ids, one annotation per article) and route rows."""
        for k, v in res.phase.items():
            phase[k] += v
        c0 = clock()
        story_ids, duplicate_of, splits = res.story_ids, res.duplicate_of, res.splits
        for i, aid in enumerate(res.article_ids):
            if aid is None:
                failures.append(res.failures[i])
                continue
            if aid in seen:
                failures.append(GateFailure("article", "id appears twice in the articles file; ids must be unique", aid, f"{articles}:{res.lines[i]}"))
                continue
            seen.add(aid)
            if aid in offsets:
                if i in res.ann_failures:
                    failures.append(res.ann_failures[i])
                    continue
            elif not partial:
                failures.append(res.missing[i])
                continue
            if failures:
                continue  # keep validating to report everything, but stop producing rows
            if track_splits and assigner.assign(aid, story_ids[i], duplicate_of[i]) != splits[i]:  # pragma: no cover
                raise RuntimeError(f"{articles}:{res.lines[i]}: split of {aid!r} differs between batch and build (a bug)")
        phase["route"] += clock() - c0
        if failures:
            return
        _merge_stats(stats, res.stats)
        for split in SPLITS:  # the rows of items that passed every gate above: all of them
            if split in res.documents:
                background.submit(writers[("documents", split)].write, res.documents[split])
            if split in res.ner:
                background.submit(writers[("ner", split)].write, res.ner[split])

    if n_workers > 1:
        ctx.spool = tmp / ".spool"  # inside the release temp folder: removed with it on any failure
        ctx.spool.mkdir()
    pool = _chunk_pool(n_workers, ctx)
    background = BackgroundWrites()  # after the fork: the workers get no copy of its thread
    pending: deque = deque()
    try:
        with open(articles, "rb") as fh:
            read = 0
            for task in _batch_tasks(fh, None, BATCH_ARTICLES, progress, total_bytes):
                read = task[1]
                pending.append(pool.apply_async(process_chunk_packed, (task,)) if pool else task)
                while len(pending) > (2 * n_workers if pool else 0):
                    item = pending.popleft()
                    consume(unpack_chunk(item.get(), schemas) if pool else process_chunk(item, ctx))
            while pending:
                item = pending.popleft()
                consume(unpack_chunk(item.get(), schemas) if pool else process_chunk(item, ctx))
            if progress is not None:
                progress(read, total_bytes)
        for aid in sorted(a for a in offsets if a not in seen):  # annotations no article claimed
            ln = unpack_location(offsets[aid])[1]
            failures.append(GateFailure(
                "annotation", "annotation for an article that is not in the articles file; drop it or re-ingest the article",
                aid, f"{ann_index.path}:{ln}"))
        if failures:
            raise GateError(failures)
        t_drain = time.perf_counter()
        background.finish()
        timings["stream_wait_for_writes"] = time.perf_counter() - t_drain  # writes queued after the last batch
        now = articles.stat()
        if (now.st_size, now.st_mtime_ns) != (articles_stat.st_size, articles_stat.st_mtime_ns) or read != total_bytes:
            raise ReleaseError(f"{articles}: the file changed while the release was built; build again when nothing writes to it")
    except BaseException:
        background.stop()
        for w in writers.values():
            w.abort()
        raise
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if ctx.spool is not None:
            shutil.rmtree(ctx.spool, ignore_errors=True)

    rows: dict[str, dict[str, int]] = {c: {} for c in CONFIGS}
    # The workers are done, so both CPUs are free: close the writers (each writes its last
    # row group) and hash their files two at a time; pyarrow and hashlib release the GIL.
    # Croissant and the manifest both list each Parquet file's SHA-256: each file is hashed once.
    data_sha256: dict[str, str] = {}
    t_close = time.perf_counter()
    with ThreadPoolExecutor(2, thread_name_prefix="close-shards") as closing:
        for (c, s), w in writers.items():
            rows[c][s] = w.rows
        # the largest files first, so that the two threads finish together
        for hashed in closing.map(_close_and_hash, sorted(writers.values(), key=ShardedWriter.size, reverse=True)):
            data_sha256.update((p.relative_to(tmp).as_posix(), h) for p, h in hashed)
    timings["stream_total"] = time.perf_counter() - t
    timings["close_and_hash_shards"] = time.perf_counter() - t_close
    timings.update({f"stream_{k}": v for k, v in phase.items()})
    timings["stream_parquet_write"] = sum(w.seconds for w in writers.values())
    t = time.perf_counter()

    warnings = [f"story {k!r} spans splits {', '.join(v)} (released articles never move split)" for k, v in assigner.leaks().items()]
    tool = {"name": "corpus-tools", "version": __version__}
    scheme_info = {"version": scheme.version, "sha256": scheme_hash}
    inputs = {
        "articles": {"sha256": articles_sha256.result(), "bytes": total_bytes},
        "annotations": {"sha256": ann_index.sha256, "bytes": ann_index.size} if ann_index.path else None,
        "labels": {"sha256": scheme_hash},
        "settings": {"sha256": settings_sha256(cfg)},
    }
    if annotator_files is not None:
        inputs["annotators"] = annotator_files

    # Changelog and the version check (before any other metadata: an understated version stops here).
    diff = diff_releases(prev_dir, tmp, new_manifest={"version": version, "scheme": scheme_info})
    bump = check_version(diff)
    prev_changelog = (prev_dir / "CHANGELOG.md").read_text(encoding="utf-8") if prev_dir and (prev_dir / "CHANGELOG.md").is_file() else None
    release_date = cfg.release_date.isoformat()
    with atomic_write(tmp / "CHANGELOG.md") as fh:
        fh.write(render_changelog(diff, release_date, prev_changelog))

    colors = {e.name: e.color for e in scheme.entities}
    colors.update({r.name: r.color for r in scheme.relations})
    colors.update({c.name: c.color for g in scheme.category_groups for c in g.labels})
    sections = [("Entities", {n: stats.entities.get(n, 0) for n in scheme.entity_names}, colors)]
    if scheme.relations:
        sections.append(("Relations", {n: stats.relations.get(n, 0) for n in scheme.relation_names}, colors))
    if scheme.category_groups:
        sections.append(("Document categories", {n: stats.categories.get(n, 0) for n in scheme.category_names}, colors))
    with atomic_write(tmp / CHART_NAME) as fh:
        fh.write(render_svg(sections, f"{cfg.pretty_name} {version}: label counts"))

    card = render_card(cfg, scheme, version=version, rows=rows, stats=stats, partial=partial, agreement=agreement,
                       changes_md=render_changes(diff), split_bytes=uncompressed_split_bytes(tmp))
    with atomic_write(tmp / "README.md") as fh:
        fh.write(card)
    write_croissant(tmp, cfg, data_sha256)
    manifest = build_manifest(
        tmp, name=cfg.name, version=version, release_date=release_date, partial=partial, rows=rows,
        inputs=inputs, scheme=scheme_info, tool=tool, known_sha256=data_sha256,
    )
    write_manifest(tmp, manifest)
    timings["metadata"] = time.perf_counter() - t
    return BuildReport(
        version=version, release_dir=tmp, status="built", partial=partial, articles=stats.articles,
        annotated=stats.annotated, rows=rows, files=[f["path"] for f in manifest["files"]] + ["manifest.json"],
        previous_version=prev_version, bump=bump, required_bump=diff.required_bump(), diff=diff,
        agreement=agreement, warnings=warnings, workers=n_workers,
    )


def _close_and_hash(writer: ShardedWriter) -> list[tuple[Path, str]]:
    """Close ``writer`` and return its final files with their SHA-256."""
    return [(p, sha256_file(p)) for p in writer.close()]


def uncompressed_split_bytes(release_dir: Path) -> dict[str, dict[str, int]]:
    """Uncompressed data bytes per config and split, from the Parquet footers (the card's
    ``num_bytes``; deterministic, unlike a measure of Arrow memory)."""
    out: dict[str, dict[str, int]] = {}
    for c in CONFIGS:
        for s in SPLITS:
            total = 0
            for f in sorted((release_dir / "data" / c).glob(f"{s}-*.parquet")):
                meta = pq.ParquetFile(f).metadata
                total += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
            out.setdefault(c, {})[s] = total
    return out


def settings_sha256(cfg: ReleaseConfig) -> str:
    """Hash of the release settings as validated (not the TOML bytes: comments do not matter)."""
    return hashlib.sha256(cfg.model_dump_json(exclude={"version"}).encode("utf-8")).hexdigest()


def _article_failure(raw: bytes, where: str) -> Article | GateFailure:
    """Why the article line ``raw`` failed pydantic's JSON validation, as precisely as the
    parsed object allows (or the article, should the object path accept it)."""
    obj = _json_obj(raw)
    if obj is None:
        return GateFailure("article", "not a valid JSON object; fix or remove this line", None, where)
    return validate_article(obj, where)


def _count(stats: ReleaseStats, outlets: list[str], domains: list[str | None], anns: list[PlainAnnotation | None]) -> None:
    """Count the kept articles (their outlets and domains, in input order) and their annotations:
    one Counter update per field and batch (the Counters' key order stays first-seen order)."""
    stats.articles += len(outlets)
    stats.outlets.update(outlets)
    known = stats.domains
    for outlet, domain in zip(outlets, domains):
        if domain and outlet not in known:
            known[outlet] = domain
    anns = [ann for ann in anns if ann is not None]
    records = list(map(_RECORD, anns))
    stats.annotated += len(anns)
    stats.annotators.update(map(_ANNOTATOR_KEY, records))
    stats.entities.update(chain.from_iterable(ann.spans[2] for ann in anns))
    stats.relations.update(map(_LABEL_KEY, chain.from_iterable(map(_RELATIONS_KEY, records))))
    stats.categories.update(map(_LABEL_KEY, chain.from_iterable(map(_CATEGORIES_KEY, records))))
