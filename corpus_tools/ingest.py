"""The ingest stage: raw article files -> validated, clustered ``Article`` records.

Pipeline (memory does not grow with the corpus beyond one small row per input and one
signature per article)::

    discover SRC...  -> sorted InputFile list (ids = file stems; bad/duplicate stems rejected)
    pass 1 (batches, --jobs worker processes, ordered): read -> decode -> parse (validates)
           -> JSON line + MinHash signature; lines streamed to a temp file beside the output
    cluster(ids, signatures) -> story_id / duplicate_of              (cluster.py)
    pass 2: stream the temp file, fill story_id / duplicate_of, write JSONL or Parquet atomically

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
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from .article import check_id
from .cluster import NUM_PERM, cluster, signatures
from .decode import DecodeError, decode, preview
from .parse import ParseError, parse_article
from .records import Quarantine, Reject, atomic_write, describe_validation_error, rejects_path

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


@dataclass
class Discovery:
    files: list[InputFile]
    rejects: list[Reject]
    ignored: int = 0


@dataclass
class BatchResult:
    """What a worker sends back for one batch: JSON lines in id order, their signatures, rejects."""

    ids: list[str]
    lines: list[str]
    sigs: np.ndarray
    rejects: list[Reject]


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


def discover(srcs: Sequence[str | os.PathLike]) -> Discovery:
    """List the inputs under SRC files/folders (recursively ``*.txt``, ``*.html``, ``*.htm``).

    HTML inputs, stems that are not valid ids and repeated stems (the first by SRC order and
    path wins) are rejected here; a missing SRC is a UsageError.
    """
    missing = [str(s) for s in srcs if not os.path.lexists(s)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    found: list[tuple[str, str, str]] = []  # (stem, path, rel) in SRC order, sorted within a SRC
    rejects: list[Reject] = []
    ignored = 0
    for src in map(str, srcs):
        if os.path.isdir(src):
            def on_error(err: OSError) -> None:
                rejects.append(_reject_input(str(err.filename), f"cannot list folder: {err.strerror}; check its permissions"))

            entries: list[tuple[str, str]] = []
            for dirpath, dirnames, filenames in os.walk(src, onerror=on_error):
                dirnames.sort()
                for name in dirnames:
                    if name.lower().endswith(TEXT_SUFFIXES + HTML_SUFFIXES):
                        full = os.path.join(dirpath, name)
                        rejects.append(_reject_input(full, "is a folder, not a file (its name ends like an input file); rename it"))
                for name in filenames:
                    if name.lower().endswith(TEXT_SUFFIXES + HTML_SUFFIXES):
                        full = os.path.join(dirpath, name)
                        entries.append((full, os.path.relpath(full, src).replace(os.sep, "/")))
                    else:
                        ignored += 1
            entries.sort(key=lambda e: e[1])
            found.extend((Path(rel).stem, full, rel) for full, rel in entries)
        elif os.path.isfile(src) or os.path.islink(src):
            found.append((Path(src).stem, src, Path(src).name))
        else:
            raise UsageError(f"{src}: not a regular file or folder")
    claimed: dict[str, str] = {}
    files: list[InputFile] = []
    seen: set[str] = set()
    for stem, path, rel in found:
        real = os.path.realpath(path)
        if real in seen:  # the same file reached twice (overlapping SRCs): not a conflict
            continue
        seen.add(real)
        if path.lower().endswith(HTML_SUFFIXES):
            rejects.append(
                _reject_input(path, "HTML input is not supported yet: save the article's text (copied from the page) as a .txt file")
            )
            continue
        try:
            check_id(stem)
        except ValueError as e:
            rejects.append(_reject_input(path, f"file name does not give a valid article id (ids are file stems): {e}"))
            continue
        if stem in claimed:
            rejects.append(
                _reject_input(path, f"duplicate id: {claimed[stem]} has the same file stem {stem!r}; ids are file stems, rename one")
            )
            continue
        claimed[stem] = path
        files.append(InputFile(id=stem, path=path, rel=rel))
    files.sort(key=lambda f: f.id)
    return Discovery(files=files, rejects=rejects, ignored=ignored)


def read_input(f: InputFile, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The raw bytes of one input; DecodeError with a reason if it cannot or should not be read."""
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
        with open(f.path, "rb") as fh:
            if max_bytes and st.st_size > max_bytes:
                head = fh.read(4096)
                raise DecodeError(
                    f"file too large: {st.st_size:,} bytes, over the limit of {max_bytes:,} "
                    "(a long news article is ~50 KB); split it, or raise --max-bytes (0 = no limit)",
                    raw=preview(head) + f"\n[... truncated: {st.st_size:,} bytes in all]",
                )
            return fh.read()
    except OSError as e:
        raise DecodeError(f"cannot read: {e.strerror}; check the file's permissions") from None


def process_batch(files: Sequence[InputFile], *, max_bytes: int = DEFAULT_MAX_BYTES, fallback_encoding: str | None = None) -> BatchResult:
    """Read, decode, parse and sign one batch of inputs (runs in a worker process)."""
    ids: list[str] = []
    lines: list[str] = []
    texts: list[str] = []
    rejects: list[Reject] = []
    for f in files:
        raw = b""
        text: str | None = None
        try:
            raw = read_input(f, max_bytes=max_bytes)
            text = decode(raw, fallback_encoding=fallback_encoding)
            article = parse_article(text, article_id=f.id, path=f.rel, sha256=hashlib.sha256(raw).hexdigest())
            line = article.model_dump_json()
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
        ids.append(f.id)
        lines.append(line)
        texts.append(article.text)
    return BatchResult(ids=ids, lines=lines, sigs=signatures(texts), rejects=rejects)


def _batches(files: Sequence[InputFile], size: int) -> Iterator[list[InputFile]]:
    for i in range(0, len(files), size):
        yield list(files[i : i + size])


def _run_batches(
    files: Sequence[InputFile], jobs: int, size: int, worker: Callable[[Sequence[InputFile]], BatchResult]
) -> Iterator[BatchResult]:
    """Ordered results; ``jobs > 1`` uses a process pool.

    Plain fork when this process runs no other thread (fast, and a caller's script needs no
    ``if __name__ == "__main__"`` guard); forkserver otherwise (e.g. under a rich progress bar's
    refresh thread), since forking a multi-threaded process can deadlock on a held lock.
    """
    if jobs <= 1 or len(files) <= 1:
        yield from map(worker, _batches(files, size))
        return
    if threading.active_count() == 1:
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["corpus_tools.ingest"])
    with ctx.Pool(jobs) as pool:
        yield from pool.imap(worker, _batches(files, size), chunksize=1)


def finalize_line(line: str, story_id: str, duplicate_of: str | None) -> str:
    """Fill ``story_id``/``duplicate_of`` into an Article JSON line written with both null."""
    if line.endswith(_UNCLUSTERED_SUFFIX):
        return f'{line[: -len(_UNCLUSTERED_SUFFIX)]},"story_id":{json.dumps(story_id)},"duplicate_of":{json.dumps(duplicate_of)}}}'
    obj = json.loads(line)
    obj["story_id"], obj["duplicate_of"] = story_id, duplicate_of
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _write_final(tmp: Path, out: Path, fmt: str, story_ids: list[str], duplicate_of: list[str | None]) -> None:
    with open(tmp, encoding="utf-8") as src:
        finals = (finalize_line(line.rstrip("\n"), s, d) for line, s, d in zip(src, story_ids, duplicate_of))
        if fmt == "jsonl":
            with atomic_write(out) as fh:
                for line in finals:
                    fh.write(line)
                    fh.write("\n")
        else:
            write_parquet(out, (json.loads(line) for line in finals))


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
    t0 = time.perf_counter()
    found = discover(srcs)
    files = found.files
    seconds["discover"] = time.perf_counter() - t0
    reasons: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with Quarantine(out) as quarantine:

        def reject(r: Reject) -> None:
            quarantine.add(r)
            key = r.reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1

        for r in found.rejects:
            reject(r)
        ids: list[str] = []
        sigs = np.empty((len(files), NUM_PERM), dtype=np.uint32)
        done = 0
        t0 = time.perf_counter()
        progress("parse", 0, len(files))
        worker = partial(process_batch, max_bytes=max_bytes, fallback_encoding=fallback_encoding)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".pass1.tmp", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                size = max(1, min(BATCH_SIZE, -(-len(files) // (4 * jobs))))
                for batch, res in zip(_batches(files, size), _run_batches(files, jobs, size, worker)):
                    for line in res.lines:
                        fh.write(line)
                        fh.write("\n")
                    sigs[len(ids) : len(ids) + len(res.ids)] = res.sigs
                    ids.extend(res.ids)
                    for r in res.rejects:
                        reject(r)
                    done += len(batch)
                    progress("parse", done, len(files))
            seconds["parse"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            progress("cluster", 0, 1)
            story_ids, duplicate_of = cluster(ids, sigs[: len(ids)])
            seconds["cluster"] = time.perf_counter() - t0
            progress("cluster", 1, 1)
            t0 = time.perf_counter()
            progress("write", 0, 1)
            _write_final(tmp, out, fmt, story_ids, duplicate_of)
            seconds["write"] = time.perf_counter() - t0
            progress("write", 1, 1)
        finally:
            if tmp.exists():
                tmp.unlink()
    sizes: dict[str, int] = {}
    for s in story_ids:
        sizes[s] = sizes.get(s, 0) + 1
    return IngestReport(
        out=out,
        inputs=len(files) + len(found.rejects),
        written=len(ids),
        rejected=quarantine.count,
        rejects_file=rejects_path(out) if quarantine.count else None,
        stories=len(sizes),
        multi_article_stories=sum(1 for v in sizes.values() if v > 1),
        duplicates=sum(d is not None for d in duplicate_of),
        ignored=found.ignored,
        seconds=seconds,
        reasons=reasons,
    )
