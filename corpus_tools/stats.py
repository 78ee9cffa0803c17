"""Reading a corpus file back: validate every record, and summarise a corpus.

Both work on JSONL or Parquet (by extension), stream the records and keep only small
per-record figures, so they run on corpora larger than memory.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from pydantic import ValidationError

from .annotation import Annotation
from .article import Article
from .labels import LabelScheme
from .records import RecordError, describe_validation_error, iter_jsonl


def iter_records(path: str | os.PathLike, *, on_error: Callable[[RecordError], None] | None = None) -> Iterator[tuple[int, dict]]:
    """``(line or row number, record dict)`` from a .jsonl or .parquet file (rows count from 1);
    ``on_error`` receives unreadable JSONL lines instead of stopping (see ``iter_jsonl``)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        try:
            pf = pq.ParquetFile(path)
        except FileNotFoundError:
            raise RecordError(f"{path}: no such file; check the path") from None
        except Exception as e:  # pyarrow raises ArrowInvalid and friends for a non-Parquet file
            raise RecordError(f"{path}: not a readable Parquet file ({e})") from None
        row = 0
        for batch in pf.iter_batches(batch_size=2000):
            for rec in batch.to_pylist():
                row += 1
                yield row, rec
    else:
        yield from iter_jsonl(path, on_error=on_error)


@dataclass
class ValidationReport:
    path: Path
    records: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_file(
    path: str | os.PathLike,
    kind: str = "article",
    *,
    articles: dict[str, Article] | None = None,
    scheme: LabelScheme | None = None,
) -> ValidationReport:
    """Validate every record; each problem is reported as ``file:line (id): reason``.

    Articles are also checked for repeated ids and ``duplicate_of`` ids missing from the file.
    Annotations are checked against ``articles`` (text hash, span text) and ``scheme`` when given.
    An unreadable line (not JSON) is reported and skipped; the rest of the file is still checked.
    """
    path = Path(path)
    if kind not in ("article", "annotation"):
        raise ValueError(f"kind {kind!r}: use 'article' or 'annotation'")
    report = ValidationReport(path=path)
    seen: dict[str, int] = {}
    refs: list[tuple[int, str, str]] = []
    try:
        for lineno, obj in iter_records(path, on_error=lambda e: report.errors.append(str(e))):
            report.records += 1
            rid = obj.get("id") if kind == "article" else obj.get("article_id")
            where = f"{path}:{lineno}" + (f" ({rid})" if isinstance(rid, str) else "")
            try:
                if kind == "article":
                    art = Article.model_validate(obj)
                    if art.id in seen:
                        report.errors.append(f"{where}: id {art.id!r} already used on line {seen[art.id]}")
                    seen.setdefault(art.id, lineno)
                    if art.duplicate_of:
                        refs.append((lineno, art.id, art.duplicate_of))
                else:
                    ctx = {"scheme": scheme}
                    if articles is not None:
                        if obj.get("article_id") not in articles:
                            report.errors.append(f"{where}: article {obj.get('article_id')!r} is not in the articles file")
                            continue
                        ctx["article"] = articles[obj["article_id"]]
                    Annotation.model_validate(obj, context=ctx)
            except ValidationError as e:
                report.errors.append(f"{where}: invalid {kind}: {describe_validation_error(e)}")
    except RecordError as e:
        report.errors.append(f"{e} (reading stopped here)")
    for lineno, rid, dup in refs:
        if dup not in seen:
            report.errors.append(f"{path}:{lineno} ({rid}): duplicate_of {dup!r} is not an id in this file")
    return report


@dataclass
class CorpusStats:
    """Counts and text-length figures of an Article file."""

    articles: int
    outlets: Counter
    length_chars: dict[str, float]
    paragraphs_mean: float
    with_title: int
    with_dateline: int
    with_published_at: int
    stories: int
    multi_article_stories: int
    largest_story: int
    in_multi_article_stories: int
    duplicates: int
    without_story_id: int


def corpus_stats(path: str | os.PathLike) -> CorpusStats:
    """Summarise an Article file (JSONL or Parquet) without validating it (see validate_file)."""
    outlets: Counter = Counter()
    stories: Counter = Counter()
    lengths: list[int] = []
    paragraphs = 0
    with_title = with_dateline = with_date = duplicates = no_story = 0
    for _, obj in iter_records(path):
        outlets[(obj.get("source") or {}).get("outlet") or "(none)"] += 1
        lengths.append(len(obj.get("text") or ""))
        paragraphs += len(obj.get("blocks") or [])
        with_title += bool(obj.get("title"))
        with_dateline += bool(obj.get("dateline"))
        with_date += bool(obj.get("published_at"))
        duplicates += bool(obj.get("duplicate_of"))
        if obj.get("story_id"):
            stories[obj["story_id"]] += 1
        else:
            no_story += 1
    n = len(lengths)
    arr = np.asarray(lengths, dtype=np.int64)
    length = (
        {"min": int(arr.min()), "median": float(np.median(arr)), "mean": float(arr.mean()), "p95": float(np.percentile(arr, 95)), "max": int(arr.max())}
        if n
        else {}
    )
    multi = [c for c in stories.values() if c > 1]
    return CorpusStats(
        articles=n,
        outlets=outlets,
        length_chars=length,
        paragraphs_mean=paragraphs / n if n else 0.0,
        with_title=with_title,
        with_dateline=with_dateline,
        with_published_at=with_date,
        stories=len(stories),
        multi_article_stories=len(multi),
        largest_story=max(stories.values(), default=0),
        in_multi_article_stories=sum(multi),
        duplicates=duplicates,
        without_story_id=no_story,
    )
