"""Record I/O at the edges of every stage: streaming JSONL, atomic writes, quarantine.

Every stage reads and writes through these helpers so that (a) a half-written file is never
visible under its final name, (b) a bad line is reported with its file and line number, and
(c) a rejected record is kept, with its reason, in a quarantine file next to the output.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at import: files written atomically get ``0o666 & ~UMASK`` like ``open()`` would.
UMASK = _current_umask()


class RecordError(ValueError):
    """A record that cannot be read or validated; the message names file and line."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write to a temp file beside ``path`` and rename it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes 0600; the final file gets the usual mode
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding, newline=None if "b" in mode else "\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def dumps(record: BaseModel | dict) -> str:
    """One JSON line; non-ASCII kept as is (the corpus is UTF-8)."""
    if isinstance(record, BaseModel):
        return record.model_dump_json()
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def write_jsonl(path: str | os.PathLike, records: Iterable[BaseModel | dict]) -> int:
    """Stream records to ``path`` atomically; returns the number written."""
    n = 0
    with atomic_write(path) as fh:
        for rec in records:
            fh.write(dumps(rec))
            fh.write("\n")
            n += 1
    return n


def iter_jsonl(path: str | os.PathLike, *, on_error: Callable[[RecordError], None] | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)``; a malformed line raises RecordError naming file:line,
    or, with ``on_error``, is passed to it and skipped (JSONL lines stand alone, so the rest
    of the file can still be read)."""
    path = Path(path)
    try:
        fh = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise RecordError(f"{path}: no such file; check the path") from None
    with fh:
        lineno = 0
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    err = RecordError(f"{path}:{lineno}: not valid JSON ({e.msg} at column {e.colno}); fix or remove this line")
                else:
                    if isinstance(obj, dict):
                        yield lineno, obj
                        continue
                    err = RecordError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
                if on_error is None:
                    raise err
                on_error(err)
        except UnicodeDecodeError as e:
            raise RecordError(f"{path}:{lineno + 1}: not UTF-8 ({e.reason}); re-encode the file as UTF-8") from None


def describe_validation_error(err: ValidationError) -> str:
    """A short one-line summary of a pydantic error: field path and message for each problem."""
    parts = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(x) for x in e["loc"]) or "record"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def read_models(path: str | os.PathLike, model: type[M], *, context: dict | None = None) -> Iterator[M]:
    """Stream validated models; the first invalid record raises RecordError naming file:line."""
    for lineno, obj in iter_jsonl(path):
        try:
            yield model.model_validate(obj, context=context)
        except ValidationError as e:
            rid = obj.get("id") or obj.get("article_id")
            where = f"{path}:{lineno}" + (f" ({rid})" if rid else "")
            raise RecordError(f"{where}: invalid {model.__name__}: {describe_validation_error(e)}") from None


@dataclass
class Reject:
    """A record a stage refused, kept with the reason so nothing is lost."""

    source: str
    reason: str
    raw: str | None = None
    line: int | None = None
    stage: str = "ingest"

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "stage": self.stage, "reason": self.reason, "raw": self.raw}


def rejects_path(out: str | os.PathLike) -> Path:
    """``corpus/articles.jsonl`` -> ``corpus/articles.rejects.jsonl`` (any extension)."""
    out = Path(out)
    return out.with_name(f"{out.name.split('.')[0]}.rejects.jsonl")


class Quarantine:
    """Collects rejects and writes them atomically to ``<out>.rejects.jsonl`` on close.

    The file is written only when there is at least one reject; an old one is removed so a
    clean run never leaves stale rejects behind.
    """

    def __init__(self, out: str | os.PathLike):
        self.path = rejects_path(out)
        self._fh_ctx = None
        self._fh = None
        self.count = 0

    def add(self, reject: Reject) -> None:
        if self._fh is None:
            self._fh_ctx = atomic_write(self.path)
            self._fh = self._fh_ctx.__enter__()
        self._fh.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")
        self.count += 1

    def close(self, ok: bool = True) -> None:
        if self._fh_ctx is not None:
            if ok:
                self._fh_ctx.__exit__(None, None, None)
            else:
                self._fh_ctx.__exit__(RuntimeError, RuntimeError("aborted"), None)
            self._fh_ctx = self._fh = None
        elif ok and self.path.exists():
            self.path.unlink()

    def __enter__(self) -> "Quarantine":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)
