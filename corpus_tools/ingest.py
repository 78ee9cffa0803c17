"""The ingest stage: raw article files -> validated, clustered ``Article`` records.

Pipeline (memory stays flat as the corpus grows: ~50 bytes an input in RAM, the rest on disk)::

    discover SRC...  -> FileList in id order (compact arrays; bad/duplicate stems rejected)
    pass 1 (batches of index ranges, --jobs worker processes, ordered): read -> decode -> parse
           (validates) -> JSON line + MinHash signature; a worker appends the batch's lines to
           a spool file of its own and sends back where, with the batch's signatures (jobs=1:
           one temp file); the main process spills the LSH band keys band-major to a temp file
    cluster_roots(band by band from the spill file) -> story/duplicate roots    (cluster.py)
    pass 2: read the lines back batch by batch, fill story_id / duplicate_of, write JSONL or
           Parquet atomically

Rejected inputs (unreadable, too large, binary, not UTF-8, HTML, parse errors, bad or duplicate
ids) go to ``<out>.rejects.jsonl`` with the file, the reason and the raw text; the rest is
still written. Output is sorted by id and byte-identical for any ``jobs``.

Size limit: inputs over ``max_bytes`` (default 5 MB; a long news article is ~50 KB) are
rejected after reading only their first 4 KB, so a 50 MB file costs nothing; ``max_bytes=0``
lifts the limit (the parser and the signature code are linear in the input size).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from .article import check_id
from .cluster import (
    BANDS,
    band_keys,
    cluster_roots,
    empty_rows,
    signatures,
    story_id_for,
)
from .decode import DecodeError, decode, preview
from .parse import ParseError, parse_article
from .records import (
    Quarantine,
    Reject,
    atomic_write,
    describe_validation_error,
    rejects_path,
)
from .worker_heap import keep_freed_memory

DEFAULT_MAX_BYTES = 5_000_000
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
BATCH_SIZE = 256
#: Every Article JSON line ends with these two fields as the parser leaves them (None);
#: pass 2 fills them in by replacing this suffix instead of re-parsing the JSON.
_UNCLUSTERED_SUFFIX = ',"story_id":null,"duplicate_of":null}'

#: Arrow schema of an Article row in Parquet (``published_at`` stays an ISO 8601 string so the
#: outlet's UTC offset survives; a test checks it covers every Article field).
ARTICLE_ARROW_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.struct([("outlet", pa.string()), ("domain", pa.string())])),
        ("title", pa.string()),
        ("dateline", pa.string()),
        ("published_at", pa.string()),
        ("credits", pa.list_(pa.struct([("name", pa.string()), ("role", pa.string())]))),
        ("lang", pa.string()),
        ("text", pa.string()),
        ("blocks", pa.list_(pa.struct([("kind", pa.string()), ("start", pa.int64()), ("end", pa.int64())]))),
        ("captions", pa.list_(pa.struct([("text", pa.string()), ("credit", pa.string())]))),
        (
            "provenance",
            pa.struct([("path", pa.string()), ("sha256", pa.string()), ("parser_version", pa.string()), ("url", pa.string())]),
        ),
        ("story_id", pa.string()),
        ("duplicate_of", pa.string()),
    ]
)


class UsageError(ValueError):
    """A bad command line (missing SRC, unknown output format): nothing was ingested."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One raw input: ``path`` to open, ``rel`` relative to its SRC root ('/'-separated)."""

    id: str
    path: str
    rel: str


class FileList(Sequence[InputFile]):
    """The inputs in id order, stored compactly so that memory stays flat as the corpus grows.

    One fixed-width bytes array of ids, one blob of relative paths with offsets and one SRC
    index per input: ~50 bytes an input instead of ~350 for a list of InputFile objects.
    Items and slices are InputFile objects made on access.
    """

    def __init__(self, roots: Sequence[tuple[str, bool]], root: np.ndarray, ids: np.ndarray, rels: bytes, offsets: np.ndarray):
        self.roots = list(roots)  # (SRC as given, is a single-file SRC)
        self.root, self.ids, self.rels, self.offsets = root, ids, rels, offsets
        # os.path.join(src, rel) for a relative rel is src + "/" + rel unless src is "" or ends in "/"
        self._prefix = [None if single else (src if src.endswith("/") or not src else src + "/") for src, single in self.roots]

    def __len__(self) -> int:
        return len(self.ids)

    def id(self, k: int) -> str:
        return self.ids[k].decode("ascii")

    def rel(self, k: int) -> str:
        return self.rels[self.offsets[k] : self.offsets[k + 1]].decode("utf-8", "surrogateescape")

    def _item(self, k: int) -> InputFile:
        return self[k : k + 1][0]

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            lo, hi, step = k.indices(len(self))
            if step != 1:
                return [self._item(i) for i in range(lo, hi, step)]
            hi = max(lo, hi)
            offs = self.offsets[lo : hi + 1].tolist()
            out = []
            for i, (idb, r) in enumerate(zip(self.ids[lo:hi].tolist(), self.root[lo:hi].tolist())):
                rel = self.rels[offs[i] : offs[i + 1]].decode("utf-8", "surrogateescape")
                prefix = self._prefix[r]
                out.append(InputFile(id=idb.decode("ascii"), path=self.roots[r][0] if prefix is None else prefix + rel, rel=rel))
            return out
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self._item(k)


@dataclass
class Discovery:
    files: FileList
    rejects: list[Reject]
    ignored: int = 0


@dataclass
class BatchResult:
    """What a worker sends back for one batch: JSON lines in id order, their signatures, rejects,
    and ``kept``, the position in the batch of each written input."""

    ids: list[str]
    lines: list[str]
    sigs: np.ndarray
    rejects: list[Reject]
    kept: list[int] = field(default_factory=list)


@dataclass
class _Chunk:
    """One batch as the pipeline ships it from a worker: file indices of the written rows,
    their JSON lines as one UTF-8 blob, their signatures and the rejects. A pool worker leaves
    ``lines`` empty and names where it appended them instead (``spool``, ``offset``,
    ``nbytes``): the blob (~1.3 MB a batch) then never crosses the result pipe."""

    rows: np.ndarray
    lines: bytes
    sigs: np.ndarray
    rejects: list[Reject]
    stop: int
    spool: str | None = None
    offset: int = 0
    nbytes: int = 0


def _write_all(fd: int, data: bytes | memoryview) -> None:
    """``os.write`` until every byte is written (a write may take fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Spool:
    """An append-only temp file of pass-1 JSON lines; ``append`` returns where a blob went."""

    def __init__(self, path: str):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
        self.size = os.fstat(self.fd).st_size

    def append(self, data: bytes) -> int:
        offset = self.size
        _write_all(self.fd, data)
        self.size += len(data)
        return offset

    def close(self) -> None:
        os.close(self.fd)


@dataclass
class IngestReport:
    out: Path
    inputs: int
    written: int
    rejected: int
    rejects_file: Path | None
    stories: int = 0
    multi_article_stories: int = 0
    duplicates: int = 0
    ignored: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)


def output_format(out: str | os.PathLike) -> str:
    """'jsonl' or 'parquet' from the output's extension; UsageError otherwise."""
    suffix = Path(out).suffix.lower()
    if suffix in (".jsonl", ".parquet"):
        return suffix[1:]
    raise UsageError(f"--out {out}: use a .jsonl or .parquet file name (the format follows the extension)")


def _reject_input(path: str, reason: str, raw: str | None = None) -> Reject:
    return Reject(source=path, reason=reason, raw=raw, stage="ingest")


def _walk(top: str, rejects: list[Reject]) -> tuple[list[str], bool, int]:
    """``os.walk(top)`` top-down in sorted order without following folder links, on scandir
    entries (so links are known without a stat): the relative path of every input-like file (in
    walk order), whether any of them is a symbolic link, and the number of other files. Folders
    named like inputs and folders that cannot be listed are rejected."""
    found: list[str] = []
    any_link = False
    ignored = 0
    suffixes = TEXT_SUFFIXES + HTML_SUFFIXES
    stack = [(top, "")]
    while stack:
        path, prefix = stack.pop()
        dirs: list[tuple[str, bool]] = []
        files: list[tuple[str, bool]] = []
        try:
            with os.scandir(path) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append((entry.name, entry.is_symlink()))
        except OSError as err:
            rejects.append(_reject_input(str(err.filename), f"cannot list folder: {err.strerror}; check its permissions"))
            continue
        dirs.sort()
        for name, _ in dirs:
            if name.lower().endswith(suffixes):
                full = os.path.join(path, name)
                rejects.append(_reject_input(full, "is a folder, not a file (its name ends like an input file); rename it"))
        for name, link in files:
            if name.lower().endswith(suffixes):
                found.append(prefix + name)
                any_link = any_link or link
            else:
                ignored += 1
        stack.extend((os.path.join(path, name), prefix + name + "/") for name, link in reversed(dirs) if not link)
    return found, any_link, ignored


def _stem(rel: str) -> str:
    """The id a relative path gives: ``PurePosixPath(rel).stem`` (file name without its last
    suffix), without building a path object."""
    name = rel[rel.rfind("/") + 1 :]
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


#: Stems longer than this (never valid ids) are keyed by a digest in the sort array, so one
#: very long file name cannot widen the fixed-width array of every input.
_MAX_KEY = 200


def _stem_keys(rels: list[str], block: int = 8192) -> np.ndarray:
    """Fixed-width bytes array of every stem (UTF-8; a digest for over-long ones), for a
    numpy sort: ~25 bytes an input instead of a Python string each."""

    def key(rel: str) -> bytes:
        b = _stem(rel).encode("utf-8", "surrogateescape")
        return b if len(b) <= _MAX_KEY else b"\xff" + hashlib.blake2b(b, digest_size=24).digest()

    # one key per input, block by block (numpy widens the blocks to the widest when joining)
    parts = [np.array([key(r) for r in rels[lo : lo + block]], dtype=bytes) for lo in range(0, len(rels), block)]
    return np.concatenate(parts) if parts else np.empty(0, dtype="S1")


def discover(srcs: Sequence[str | os.PathLike]) -> Discovery:
    """List the inputs under SRC files/folders (recursively ``*.txt``, ``*.html``, ``*.htm``).

    HTML inputs, stems that are not valid ids and repeated stems (the first by SRC order and
    path wins) are rejected here; a missing SRC is a UsageError. The same file reached twice
    (overlapping SRCs, links) is listed once: real paths are only resolved for inputs that share
    a stem, unless some input is a symbolic link. Memory: one string per input while listing,
    numpy arrays for the rest (100k inputs peak at ~20 MB).
    """
    missing = [str(s) for s in srcs if not os.path.lexists(s)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    rejects: list[Reject] = []
    ignored = 0
    roots: list[tuple[str, bool]] = []
    root_of = array("i")  # per input found, in SRC order and path order within a SRC
    rels: list[str] = []
    any_link = False
    for src in map(str, srcs):
        if os.path.isdir(src):
            entries, links, n_other = _walk(src, rejects)
            ignored += n_other
            entries.sort()
            any_link = any_link or links
            roots.append((src, False))
            rels.extend(entries)
            root_of.extend(array("i", [len(roots) - 1]) * len(entries))
            del entries
        elif os.path.isfile(src) or os.path.islink(src):
            any_link = any_link or os.path.islink(src)
            roots.append((src, True))
            rels.append(Path(src).name)
            root_of.append(len(roots) - 1)
        else:
            raise UsageError(f"{src}: not a regular file or folder")

    def path_of(k: int) -> str:
        src, single = roots[root_of[k]]
        return src if single else os.path.join(src, rels[k])

    keys = _stem_keys(rels)
    by_stem = np.argsort(keys, kind="stable")  # SRC order within one stem
    sorted_keys = keys[by_stem]
    same_as_next = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    # runs of one stem (rare): (first, last) positions in by_stem
    runs: list[list[int]] = []
    for p in same_as_next.tolist():
        if runs and runs[-1][1] == p:
            runs[-1][1] = p + 1
        else:
            runs.append([p, p + 1])
    del sorted_keys, same_as_next
    # the same file twice: without links only inputs with one stem can be one file
    dropped: set[int] = set()
    if any_link:
        seen: set[str] = set()
        for k in range(len(rels)):
            real = os.path.realpath(path_of(k))
            if real in seen:
                dropped.add(k)
            seen.add(real)
        del seen
    else:
        for lo, hi in runs:
            seen_run: set[str] = set()
            for k in by_stem[lo : hi + 1].tolist():
                real = os.path.realpath(path_of(k))
                if real in seen_run:
                    dropped.add(k)
                seen_run.add(real)
    later: list[tuple[int, Reject]] = []  # rejects in the order the inputs were found
    ok = np.zeros(len(rels), dtype=bool)
    for k, rel in enumerate(rels):
        if k in dropped:
            continue
        if rel.lower().endswith(HTML_SUFFIXES):
            later.append(
                (k, _reject_input(path_of(k), "HTML input is not supported yet: save the article's text (copied from the page) as a .txt file"))
            )
            continue
        stem = _stem(rel)
        try:
            check_id(stem)
        except ValueError as e:
            later.append((k, _reject_input(path_of(k), f"file name does not give a valid article id (ids are file stems): {e}")))
            continue
        ok[k] = True
    # repeated valid stems: the first by SRC order is claimed, the others are rejected
    for lo, hi in runs:
        claimed = -1
        for k in by_stem[lo : hi + 1].tolist():
            if not ok[k]:
                continue
            if claimed < 0:
                claimed = k
                continue
            ok[k] = False
            later.append(
                (k, _reject_input(path_of(k), f"duplicate id: {path_of(claimed)} has the same file stem {_stem(rels[k])!r}; ids are file stems, rename one"))
            )
    later.sort(key=lambda kr: kr[0])
    rejects.extend(r for _, r in later)
    winners = by_stem[ok[by_stem]]  # id order
    del by_stem, ok
    offsets = np.zeros(len(winners) + 1, dtype=np.int64)
    blob = bytearray()
    for i, k in enumerate(winners.tolist()):
        blob += rels[k].encode("utf-8", "surrogateescape")
        offsets[i + 1] = len(blob)
    ids = keys[winners]
    # ids hold no NUL byte, so a row's non-zero bytes are its length
    width = int((ids.view(np.uint8).reshape(len(ids), -1) != 0).sum(axis=1).max()) if len(ids) else 1
    files = FileList(roots, np.frombuffer(root_of, dtype=np.int32)[winners], ids.astype(f"S{max(1, width)}"), bytes(blob), offsets)
    return Discovery(files=files, rejects=rejects, ignored=ignored)


def read_input(f: InputFile, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The raw bytes of one input; DecodeError with a reason if it cannot or should not be read.

    Plain ``os.open``/``os.read`` (no buffered file object: that costs ~20 us an input); the
    stat comes first so that a pipe or device is never opened.
    """
    try:
        st = os.stat(f.path)
    except FileNotFoundError:
        what = "broken symbolic link" if os.path.islink(f.path) else "file vanished while ingesting"
        raise DecodeError(f"cannot read: {what}") from None
    except OSError as e:
        raise DecodeError(f"cannot read: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise DecodeError("cannot read: not a regular file (a folder, pipe or device)")
    try:
        fd = os.open(f.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            if max_bytes and st.st_size > max_bytes:
                head = os.read(fd, 4096)
                raise DecodeError(
                    f"file too large: {st.st_size:,} bytes, over the limit of {max_bytes:,} "
                    "(a long news article is ~50 KB); split it, or raise --max-bytes (0 = no limit)",
                    raw=preview(head) + f"\n[... truncated: {st.st_size:,} bytes in all]",
                )
            data = os.read(fd, st.st_size + 1)
            if len(data) > st.st_size:  # it grew since the stat: read to the end
                parts = [data]
                while chunk := os.read(fd, 1 << 20):
                    parts.append(chunk)
                data = b"".join(parts)
            return data
        finally:
            os.close(fd)
    except OSError as e:
        raise DecodeError(f"cannot read: {e.strerror}; check the file's permissions") from None


def _process(
    files: Sequence[InputFile], max_bytes: int, fallback_encoding: str | None
) -> tuple[list[int], list[bytes], np.ndarray, list[Reject]]:
    """Read, decode, parse and sign one batch: (positions kept, their JSON lines as UTF-8 bytes,
    their signatures, rejects)."""
    kept: list[int] = []
    lines: list[bytes] = []
    texts: list[str] = []
    rejects: list[Reject] = []
    for pos, f in enumerate(files):
        raw = b""
        text: str | None = None
        try:
            raw = read_input(f, max_bytes=max_bytes)
            text = decode(raw, fallback_encoding=fallback_encoding)
            article = parse_article(text, article_id=f.id, path=f.rel, sha256=hashlib.sha256(raw).hexdigest())
            # the bytes model_dump_json() would decode to a str (the same JSON, ~10 us cheaper)
            line = article.__pydantic_serializer__.to_json(article)
        except DecodeError as e:
            shown = e.raw if e.raw is not None else (preview(raw, limit=1_000_000) if raw else None)
            rejects.append(_reject_input(f.path, str(e), shown))
            continue
        except ParseError as e:
            rejects.append(_reject_input(f.path, f"parse error: {e}", text))
            continue
        except ValidationError as e:
            rejects.append(_reject_input(f.path, f"the parser made an invalid Article: {describe_validation_error(e)}", text))
            continue
        except Exception as e:  # a parser bug must not stop the run; keep the input and the reason
            rejects.append(_reject_input(f.path, f"parser failed: {type(e).__name__}: {e}", text))
            continue
        kept.append(pos)
        lines.append(line)
        texts.append(article.text)
    return kept, lines, signatures(texts), rejects


def process_batch(files: Sequence[InputFile], *, max_bytes: int = DEFAULT_MAX_BYTES, fallback_encoding: str | None = None) -> BatchResult:
    """Read, decode, parse and sign one batch of inputs (what a worker does)."""
    kept, lines, sigs, rejects = _process(files, max_bytes, fallback_encoding)
    return BatchResult(
        ids=[files[k].id for k in kept], lines=[line.decode("utf-8") for line in lines], sigs=sigs, rejects=rejects, kept=kept
    )


def _chunk(files: FileList, span: tuple[int, int], max_bytes: int, fallback_encoding: str | None) -> _Chunk:
    """process_batch over ``files[start:stop]``, packed for the trip to the main process."""
    kept, lines, sigs, rejects = _process(files[span[0] : span[1]], max_bytes, fallback_encoding)
    lines.append(b"")  # the blob ends with a newline, in one join (no second ~1 MB copy)
    blob = b"\n".join(lines) if len(lines) > 1 else b""
    return _Chunk(rows=np.asarray(kept, dtype=np.int64) + span[0], lines=blob, sigs=sigs, rejects=rejects, stop=span[1])


_worker_args: tuple | None = None
_worker_spool: _Spool | None = None


#: A worker keeps this much freed heap at the top, and serves blocks up to this size from the
#: heap (a fresh forkserver child's adaptive mmap threshold is 128 KiB, below the ~1-2 MB numpy
#: temporaries of a batch). Measured, 20k generated, one worker: 4.9 page faults and 23-28 us of
#: system CPU per article without, 0.3 faults and 11-13 us with.
_WORKER_HEAP = 16 << 20


def _init_worker(files: FileList, max_bytes: int, fallback_encoding: str | None, spool_dir: str) -> None:
    global _worker_args, _worker_spool
    keep_freed_memory(mmap_threshold=_WORKER_HEAP, top_pad=_WORKER_HEAP)
    _worker_args = (files, max_bytes, fallback_encoding)
    fd, path = tempfile.mkstemp(prefix="worker-", suffix=".jsonl", dir=spool_dir)
    os.close(fd)
    _worker_spool = _Spool(path)


def _pool_chunk(span: tuple[int, int]) -> _Chunk:
    """_chunk in a worker: the lines go to this worker's spool file, not through the pipe
    (measured: pickling and piping the blob kept each worker ~4% of its time waiting on the
    main process to read it)."""
    files, max_bytes, fallback_encoding = _worker_args  # type: ignore[misc]
    chunk = _chunk(files, span, max_bytes, fallback_encoding)
    spool = _worker_spool
    assert spool is not None
    chunk.spool, chunk.nbytes = spool.path, len(chunk.lines)
    chunk.offset = spool.append(chunk.lines)
    chunk.lines = b""
    return chunk


def _spans(n: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(i + size, n)) for i in range(0, n, size)]


def _run_chunks(
    files: FileList, jobs: int, size: int, max_bytes: int, fallback_encoding: str | None, spool_dir: str | None = None
) -> Iterator[_Chunk]:
    """Ordered results; ``jobs > 1`` uses a process pool that receives only index ranges (the
    compact file list goes to each worker once) and appends each batch's lines to a spool
    file of its own in ``spool_dir``.

    Plain fork when this process runs no other thread (fast, and a caller's script needs no
    ``if __name__ == "__main__"`` guard); forkserver otherwise (e.g. under a rich progress bar's
    refresh thread), since forking a multi-threaded process can deadlock on a held lock.
    ProcessPoolExecutor, not multiprocessing.Pool: Pool's worker-handler thread also waits on
    the result pipe, so it spins while a batch's few MB of results are being read (measured:
    100-500 us of main-process CPU per article under forkserver).
    """
    spans = _spans(len(files), size)
    if jobs <= 1 or len(files) <= 1:
        for span in spans:
            yield _chunk(files, span, max_bytes, fallback_encoding)
        return
    ctx = _pool_context()
    if spool_dir is None:
        raise ValueError("_run_chunks: jobs > 1 needs a spool_dir for the workers' lines")
    initargs = (files, max_bytes, fallback_encoding, spool_dir)
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker, initargs=initargs) as pool:
        yield from pool.map(_pool_chunk, spans)


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork, or forkserver (preloading this module) if this process runs other threads."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["corpus_tools.ingest"])
    return ctx


def _start_forkserver_early() -> None:
    """Launch the fork server now if the pool will need one: it starts a new interpreter that
    imports this module (numpy, pyarrow, pydantic, the parser: ~0.6 s before the first batch
    can start, measured), and this way it does so while discovery runs."""
    if _pool_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class _BandSpill:
    """LSH band keys of every written row, spilled band-major to a temp file beside the output
    so clustering reads one band (8 bytes a row) at a time instead of holding every signature.

    Rows are buffered ``buffer_rows`` at a time and written as one slice per band.
    """

    def __init__(self, path: Path, capacity: int, buffer_rows: int = 4096):
        self.fd = os.open(path, os.O_RDWR)
        self.capacity = max(capacity, 1)
        os.ftruncate(self.fd, BANDS * self.capacity * 8)
        self.buf = np.empty((buffer_rows, BANDS), dtype=np.uint64)
        self.fill = 0
        self.rows = 0  # rows on disk

    def add(self, sigs: np.ndarray) -> None:
        keys = band_keys(sigs)
        while len(keys):
            take = min(len(keys), len(self.buf) - self.fill)
            self.buf[self.fill : self.fill + take] = keys[:take]
            self.fill += take
            keys = keys[take:]
            if self.fill == len(self.buf):
                self.flush()

    def flush(self) -> None:
        if not self.fill:
            return
        cols = np.ascontiguousarray(self.buf[: self.fill].T)
        for b in range(BANDS):
            os.pwrite(self.fd, cols[b], (b * self.capacity + self.rows) * 8)
        self.rows += self.fill
        self.fill = 0

    def band(self, b: int) -> np.ndarray:
        data = os.pread(self.fd, self.rows * 8, b * self.capacity * 8)
        return np.frombuffer(data, dtype=np.uint64)

    def close(self) -> None:
        os.close(self.fd)


_SUFFIX_BYTES = _UNCLUSTERED_SUFFIX.encode()


@dataclass
class _Segments:
    """Where pass 1 left each batch's lines, in id order: spool file, offset and size."""

    paths: list[str] = field(default_factory=list)
    path_index: dict[str, int] = field(default_factory=dict)
    which: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def add(self, path: str, offset: int, size: int, lines: int) -> None:
        if size:
            k = self.path_index.setdefault(path, len(self.paths))
            if k == len(self.paths):
                self.paths.append(path)
            self.which.append(k)
            self.offsets.append(offset)
            self.sizes.append(size)
            self.lines.append(lines)

    def blobs(self) -> Iterator[tuple[bytes, int]]:
        """Each batch's lines as written in pass 1 and their number (one read per batch)."""
        fds = [os.open(p, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)) for p in self.paths]
        try:
            for k, offset, size, lines in zip(self.which, self.offsets, self.sizes, self.lines):
                data = os.pread(fds[k], size, offset)
                if len(data) != size:
                    raise OSError(f"{self.paths[k]}: temp file shrank while ingesting ({len(data)} of {size} bytes at {offset})")
                yield data, lines
        finally:
            for fd in fds:
                os.close(fd)


def finalize_line(line: str, story_id: str, duplicate_of: str | None) -> str:
    """Fill ``story_id``/``duplicate_of`` into an Article JSON line written with both null."""
    if line.endswith(_UNCLUSTERED_SUFFIX):
        return f'{line[: -len(_UNCLUSTERED_SUFFIX)]},"story_id":{json.dumps(story_id)},"duplicate_of":{json.dumps(duplicate_of)}}}'
    obj = json.loads(line)
    obj["story_id"], obj["duplicate_of"] = story_id, duplicate_of
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _final_blocks(
    blobs: Iterable[tuple[bytes, int]], files: FileList, rows: np.ndarray, story_root: np.ndarray, dup_root: np.ndarray
) -> Iterator[list[bytes | memoryview]]:
    """The pass-1 lines with story_id/duplicate_of filled in, one pass-1 batch (blob, number of
    lines) at a time (~1.3 MB) as byte pieces: the long head of a line as a memoryview into the blob (not
    copied) and its new ending, or (if a line does not end as the parser leaves it) the whole
    line. Ids are taken as bytes from the file list in bulk (no per-row numpy indexing)."""
    cut = len(_SUFFIX_BYTES)
    lo = 0
    for data, n in blobs:
        view = memoryview(data)
        hi = lo + n
        sids = files.ids[rows[story_root[lo:hi]]].tolist()
        dups = dup_root[lo:hi]
        dids = files.ids[rows[dups]].tolist()
        is_dup = (dups != np.arange(lo, hi)).tolist()
        pieces: list[bytes | memoryview] = []
        start = 0
        for sid, did, has_dup in zip(sids, dids, is_dup):
            end = data.index(b"\n", start)
            story = story_id_for(sid.decode("ascii"))
            if data.endswith(_SUFFIX_BYTES, start, end):  # ids are plain ASCII (check_id): no JSON escaping needed
                pieces.append(view[start : end - cut])
                pieces.append(b',"story_id":"%s","duplicate_of":%s}\n' % (story.encode(), b'"%s"' % did if has_dup else b"null"))
            else:
                dup = did.decode("ascii") if has_dup else None
                pieces.append((finalize_line(data[start:end].decode("utf-8"), story, dup) + "\n").encode())
            start = end + 1
        if start != len(data) or hi > len(rows):
            raise ValueError(f"pass 1 lines do not match its rows (rows {lo}-{hi}): temp files changed while ingesting")
        yield pieces
        lo = hi
    if lo != len(rows):
        raise ValueError(f"pass 1 left {lo} lines for {len(rows)} rows: temp files changed while ingesting")


#: The final JSONL is flushed to disk in the background every this many bytes, so the closing
#: fsync has little left to wait for (100k articles, 519 MB: that fsync took 0.20-0.27 s).
_SYNC_EVERY = 64 << 20


_IOV_MAX = max(16, min(1024, os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") and "SC_IOV_MAX" in os.sysconf_names else 16))


def _write_pieces(fd: int, pieces: Sequence[bytes | memoryview]) -> int:
    """Write byte pieces in order with gather writes (no joined copy of the block)."""
    step = _IOV_MAX
    written = 0
    for i in range(0, len(pieces), step):
        part = pieces[i : i + step]
        done = os.writev(fd, part)
        total = sum(map(len, part))
        if done < total:  # a short write (rare): write the rest plainly
            _write_all(fd, memoryview(b"".join(part))[done:])
        written += total
    return written


def _write_final(
    segments: _Segments, out: Path, fmt: str, files: FileList, rows: np.ndarray, story_root: np.ndarray, dup_root: np.ndarray
) -> None:
    blocks = _final_blocks(segments.blobs(), files, rows, story_root, dup_root)
    if fmt == "jsonl":
        with atomic_write(out, "wb") as fh, ThreadPoolExecutor(1, thread_name_prefix="ingest-sync") as syncer:
            fd = fh.fileno()  # nothing goes through fh's buffer: writev straight to the file
            synced = done = 0
            flushing = None
            for pieces in blocks:  # one gather write per batch (~1.3 MB), not a system call per line
                done += _write_pieces(fd, pieces)
                if done - synced >= _SYNC_EVERY and (flushing is None or flushing.done()):
                    if flushing is not None:
                        flushing.result()
                    flushing, synced = syncer.submit(os.fdatasync, fd), done
            if flushing is not None:
                flushing.result()
    else:

        def rows_of() -> Iterator[dict]:
            head = b""
            for pieces in blocks:
                for piece in pieces:
                    if isinstance(piece, memoryview):
                        head = bytes(piece)
                        continue
                    yield json.loads(head + piece)
                    head = b""

        write_parquet(out, rows_of())


def write_parquet(out: str | os.PathLike, rows: Iterable[dict], *, batch_rows: int = 5000) -> int:
    """Stream Article dicts to a Parquet file atomically, ``batch_rows`` at a time."""
    n = 0
    with atomic_write(out, "wb") as fh, pq.ParquetWriter(fh, ARTICLE_ARROW_SCHEMA, compression="zstd") as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_rows:
                writer.write_table(pa.Table.from_pylist(batch, schema=ARTICLE_ARROW_SCHEMA))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=ARTICLE_ARROW_SCHEMA))
            n += len(batch)
    return n


def ingest(
    srcs: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    *,
    jobs: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fallback_encoding: str | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> IngestReport:
    """Ingest raw article files into ``out`` (.jsonl or .parquet); rejects go beside it.

    ``on_progress(phase, done, total)`` is called as inputs are parsed ("parse") and once
    for "cluster" and "write". Raises UsageError before touching anything on a bad argument.
    """
    out = Path(out)
    fmt = output_format(out)
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: use 1 or more worker processes")
    if fallback_encoding:
        try:
            "".encode(fallback_encoding)
        except LookupError:
            raise UsageError(f"--fallback-encoding {fallback_encoding}: unknown encoding (try cp1252 or latin-1)") from None
    progress = on_progress or (lambda phase, done, total: None)
    seconds: dict[str, float] = {}
    if jobs > 1:
        _start_forkserver_early()
    t0 = time.perf_counter()
    found = discover(srcs)
    files = found.files
    seconds["discover"] = time.perf_counter() - t0
    reasons: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    temps: list[Path] = []
    with Quarantine(out) as quarantine:

        def reject(r: Reject) -> None:
            quarantine.add(r)
            key = r.reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1

        for r in found.rejects:
            reject(r)
        rows = np.empty(len(files), dtype=np.int64)  # file index of each written row (id order)
        written = 0
        empty: list[np.ndarray] = []
        t0 = time.perf_counter()
        progress("parse", 0, len(files))
        try:
            for suffix in (".pass1.tmp", ".bands.tmp"):
                fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix, dir=out.parent)
                os.close(fd)
                temps.append(Path(name))
            spool_dir = None  # the workers' spool files (jobs > 1)
            if jobs > 1:
                spool_dir = tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".spool.tmp", dir=out.parent)
                temps.append(Path(spool_dir))  # removed with what the workers left in it
            spill = _BandSpill(temps[1], len(files))
            segments = _Segments()
            try:
                pass1 = _Spool(str(temps[0]))
                try:
                    size = max(1, min(BATCH_SIZE, -(-len(files) // (4 * jobs))))
                    for chunk in _run_chunks(files, jobs, size, max_bytes, fallback_encoding, spool_dir):
                        if chunk.spool is None:
                            segments.add(pass1.path, pass1.append(chunk.lines), len(chunk.lines), len(chunk.rows))
                        else:
                            segments.add(chunk.spool, chunk.offset, chunk.nbytes, len(chunk.rows))
                        m = len(chunk.rows)
                        rows[written : written + m] = chunk.rows
                        spill.add(chunk.sigs)
                        e = empty_rows(chunk.sigs)
                        if e.size:
                            empty.append(e + written)
                        written += m
                        for r in chunk.rejects:
                            reject(r)
                        progress("parse", chunk.stop, len(files))
                finally:
                    pass1.close()
                spill.flush()
                progress("parse", len(files), len(files))
                seconds["parse"] = time.perf_counter() - t0
                t0 = time.perf_counter()
                progress("cluster", 0, 1)
                story_root, dup_root = cluster_roots(
                    written, spill.band, empty=np.concatenate(empty) if empty else None
                )
                seconds["cluster"] = time.perf_counter() - t0
                progress("cluster", 1, 1)
            finally:
                spill.close()
            t0 = time.perf_counter()
            progress("write", 0, 1)
            rows = rows[:written]
            _write_final(segments, out, fmt, files, rows, story_root, dup_root)
            seconds["write"] = time.perf_counter() - t0
            progress("write", 1, 1)
        finally:
            for tmp in temps:
                if tmp.is_dir():
                    shutil.rmtree(tmp, ignore_errors=True)
                elif tmp.exists():
                    tmp.unlink()
    sizes = np.bincount(story_root, minlength=1) if written else np.zeros(0, np.int64)
    return IngestReport(
        out=out,
        inputs=len(files) + len(found.rejects),
        written=written,
        rejected=quarantine.count,
        rejects_file=rejects_path(out) if quarantine.count else None,
        stories=int((sizes > 0).sum()),
        multi_article_stories=int((sizes > 1).sum()),
        duplicates=int((dup_root != np.arange(written)).sum()),
        ignored=found.ignored,
        seconds=seconds,
        reasons=reasons,
    )
