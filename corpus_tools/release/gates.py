"""Release gates: the checks a release must pass before a single file is kept.

Each check is a plain function that returns :class:`GateFailure` records (never raises on bad
data), so the builder can collect every failure in one pass and report them all, each naming
the file:line, the article and the reason. Gates:

* ``article``: every article validates (``Article``) and ids are unique;
* ``annotation``: every annotation validates against its article and the scheme, one per article;
* ``label``: no span, relation or category label outside the scheme;
* ``annotated``: every released article has an adjudicated annotation (unless ``--partial``);
* ``agreement``: inter-annotator agreement at least the configured thresholds, when measurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..annotation import Annotation, PlainAnnotation, check_annotation, plain_annotation, scheme_index
from ..article import Article
from ..labels import LabelScheme
from ..records import describe_validation_error
from .config import GatesSection

#: At most this many failures are spelled out in an error message (all are kept on the error).
SHOW_FAILURES = 25


@dataclass(frozen=True)
class GateFailure:
    gate: str
    reason: str
    article_id: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        parts = [f"[{self.gate}]"]
        if self.where:
            parts.append(f"{self.where}:")
        if self.article_id:
            parts.append(f"article {self.article_id!r}:")
        parts.append(self.reason)
        return " ".join(parts)


class GateError(Exception):
    """One or more gates failed; nothing was written. ``failures`` holds every failure."""

    def __init__(self, failures: list[GateFailure]):
        self.failures = failures
        shown = "\n  ".join(str(f) for f in failures[:SHOW_FAILURES])
        more = f"\n  ... and {len(failures) - SHOW_FAILURES} more" if len(failures) > SHOW_FAILURES else ""
        super().__init__(
            f"{len(failures)} release gate failure(s); nothing was written. Fix the inputs (or pass "
            f"--partial for unannotated articles) and build again:\n  {shown}{more}"
        )


def validate_article(obj: dict, where: str) -> Article | GateFailure:
    """An ``Article`` from a parsed JSON object, or the failure naming the line and field."""
    try:
        return Article.model_validate(obj)
    except ValidationError as e:
        aid = obj.get("id") if isinstance(obj.get("id"), str) else None
        return GateFailure("article", f"invalid article: {describe_validation_error(e)}", aid, where)


def labels_outside_scheme(ann: Annotation, scheme: LabelScheme) -> list[str]:
    """Descriptions of every label of ``ann`` that the scheme does not define."""
    idx = scheme_index(scheme)
    ents, rels, cats = idx.entities, idx.relations, idx.categories
    bad = [f"span {s.id} label {s.label!r}" for s in ann.spans if s.label not in ents]
    bad += [f"relation {r.id} label {r.label!r}" for r in ann.relations if r.label not in rels]
    bad += [f"category {c.label!r}" for c in ann.categories if c.label not in cats]
    return bad


def validate_annotation(raw: dict | str | bytes, article: Article, scheme: LabelScheme, where: str) -> Annotation | GateFailure:
    """An ``Annotation`` (parsed object or JSON text) checked against its article and the scheme, or the failure."""
    aid = article.id
    try:
        ann = Annotation.model_validate(raw) if isinstance(raw, dict) else Annotation.model_validate_json(raw)
    except ValidationError as e:
        return GateFailure("annotation", f"invalid annotation: {describe_validation_error(e)}", aid, where)
    bad = labels_outside_scheme(ann, scheme)
    if bad:
        return GateFailure(
            "label", f"label(s) outside the scheme {scheme.version}: {', '.join(bad)}; fix the annotation or add the label to the scheme",
            aid, where,
        )
    try:
        check_annotation(ann, article=article, scheme=scheme)
    except ValueError as e:
        return GateFailure("annotation", f"annotation does not fit the article/scheme: {e}", aid, where)
    return ann


def validate_annotation_plain(raw: str | bytes, article: Article, scheme: LabelScheme, where: str) -> PlainAnnotation | GateFailure:
    """:func:`validate_annotation` of JSON text with the annotation as plain data: the same
    outcome and failure, ~30% less CPU when the annotation is valid (the release builder's
    case: no ``Span`` instances, the checks as passes over span columns)."""
    plain = plain_annotation(raw, article=article, scheme=scheme)
    if plain is not None:
        return plain
    res = validate_annotation(raw, article, scheme, where)
    return res if isinstance(res, GateFailure) else PlainAnnotation.of(res)


def missing_annotation(article: Article, where: str) -> GateFailure:
    return GateFailure(
        "annotated", "has no adjudicated annotation; annotate and adjudicate it, drop it, or build with --partial",
        article.id, where,
    )


def check_agreement(report: Any, gates: GatesSection) -> list[GateFailure]:
    """Failures when measurable agreement is below the thresholds (``report``: AgreementReport)."""
    if report is None or not getattr(report, "measurable", False):
        return []
    out: list[GateFailure] = []
    f1 = report.spans_exact.f1
    if f1 is not None and f1 < gates.min_span_f1:
        out.append(GateFailure(
            "agreement",
            f"span F1 (exact) between annotators is {f1:.3f} over {report.articles_compared} articles, below the "
            f"threshold {gates.min_span_f1:.3f} in corpus.toml [gates]; revise the guideline and re-annotate the disagreements",
        ))
    kappa = report.categories_pooled.fleiss.kappa
    if kappa is not None and kappa < gates.min_category_kappa:
        out.append(GateFailure(
            "agreement",
            f"category Fleiss' kappa (pooled) is {kappa:.3f}, below the threshold {gates.min_category_kappa:.3f} in corpus.toml [gates]",
        ))
    return out


def measure_agreement(annotators_dir: str | Path, scheme: LabelScheme, *, exclude: str | Path | None = None):
    """Agreement of the per-annotator files in ``annotators_dir`` and the failures of their records.

    Records from ``exclude`` (the adjudicated input, when it sits in the same folder) and by
    annotator ``adjudicated`` are left out: they are the result of agreement, not a vote.
    Returns ``(AgreementReport | None, failures)``; None when the agreement module is absent.
    """
    try:
        from ..agreement import compute_agreement, load_annotation_dir
    except ImportError:  # pragma: no cover - the module lands in parallel with this one
        return None, []
    loaded = load_annotation_dir(annotators_dir, scheme=scheme, stage="release")
    failures = [GateFailure("annotation", r.reason, None, f"{r.source}:{r.line}") for r in loaded.rejects]
    skip = Path(exclude).resolve() if exclude else None
    keep = []
    for ann in loaded.annotations:
        src = loaded.sources.get((ann.article_id, ann.annotator), "")
        src_path = Path(src.rsplit(":", 1)[0]).resolve() if src else None
        if ann.annotator == "adjudicated" or (skip is not None and src_path == skip):
            continue
        keep.append(ann)
    report = compute_agreement(keep, category_labels=scheme.category_names)
    return report, failures
