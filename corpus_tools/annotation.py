"""Annotation records: one annotator's labels on one article.

Offsets are Python code points into ``Article.text``. Validation that needs the article or
the label scheme runs when they are passed in the pydantic validation context::

    Annotation.model_validate(obj, context={"article": article, "scheme": scheme})

(either key may be omitted); ``check_annotation`` does the same for an existing record.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .article import Article, check_id
from .labels import LabelScheme, RelationType


def text_sha256(text: str) -> str:
    """The hash that ties an annotation to the exact article text it was made on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Record):
    # An entity mention. ``end > start`` and ``len(text) == end - start`` are checked by the
    # Annotation that holds it (check_spans: one Python call per annotation instead of one
    # validator call per span, ~1 us each in every release build). A comment, not a docstring:
    # a docstring would become the JSON schema's description.

    id: str = Field(min_length=1, max_length=100)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str
    text: str = Field(description="text[start:end] of the article, kept to catch drift.")


def check_spans(spans: list[Span]) -> None:
    """Raise ValueError naming the first span whose offsets are empty or disagree with its text."""
    for s in spans:
        start, end = s.start, s.end
        if end <= start:
            raise ValueError(f"span {s.id}: end {end} must be after start {start}")
        if len(s.text) != end - start:
            raise ValueError(f"span {s.id}: text {s.text!r} has {len(s.text)} code points, offsets say {end - start}")


class Relation(_Record):
    id: str = Field(min_length=1, max_length=100)
    head: str = Field(description="Span id of the head entity.")
    tail: str = Field(description="Span id of the tail entity.")
    label: str


class DocCategory(_Record):
    label: str


class Annotation(_Record):
    article_id: str
    annotator: str = Field(min_length=1, max_length=150)
    spans: list[Span] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    categories: list[DocCategory] = Field(default_factory=list)
    confirmed: bool = False
    updated_at: datetime | None = None
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    _check_id = field_validator("article_id")(classmethod(lambda cls, v: check_id(v)))

    @model_validator(mode="after")
    def _structure(self, info: ValidationInfo) -> "Annotation":
        check_spans(self.spans)
        ids = [s.id for s in self.spans]
        if len(ids) != len(set(ids)):
            raise ValueError("span ids are not unique")
        rel_ids = [r.id for r in self.relations]
        if len(rel_ids) != len(set(rel_ids)):
            raise ValueError("relation ids are not unique")
        known = set(ids)
        for r in self.relations:
            missing = [end for end in (r.head, r.tail) if end not in known]
            if missing:
                raise ValueError(f"relation {r.id} points at unknown span id(s) {', '.join(missing)}")
        cats = [c.label for c in self.categories]
        if len(cats) != len(set(cats)):
            raise ValueError("a document category is given twice")
        ctx = info.context or {}
        check_annotation(self, article=ctx.get("article"), scheme=ctx.get("scheme"))
        return self


def check_annotation(ann: Annotation, *, article: Article | None = None, scheme: LabelScheme | None = None) -> None:
    """Raise ValueError naming the first span/relation/category that does not fit."""
    if article is not None:
        if ann.article_id != article.id:
            raise ValueError(f"annotation is for {ann.article_id!r}, not article {article.id!r}")
        if ann.text_sha256 != text_sha256(article.text):
            raise ValueError(f"text_sha256 does not match article {article.id!r}: the text changed since annotation")
        n = len(article.text)
        for s in ann.spans:
            if s.end > n:
                raise ValueError(f"span {s.id} [{s.start}, {s.end}) is outside the text ({n} code points)")
            actual = article.text[s.start : s.end]
            if actual != s.text:
                raise ValueError(f"span {s.id} [{s.start}, {s.end}) says {s.text!r} but the article has {actual!r}")
    if scheme is not None:
        idx = scheme_index(scheme)
        ents = idx.entities
        by_id = {s.id: s for s in ann.spans} if ann.relations else {}
        for s in ann.spans:
            if s.label not in ents:
                raise ValueError(f"span {s.id} has label {s.label!r}, not in the scheme ({', '.join(sorted(ents))})")
        for r in ann.relations:
            rt = idx.relations.get(r.label)
            if rt is None:
                raise ValueError(f"relation {r.id} has label {r.label!r}, not in the scheme")
            if rt.head and by_id[r.head].label not in rt.head:
                raise ValueError(f"relation {r.id} ({r.label}) head is {by_id[r.head].label}, allowed: {', '.join(rt.head)}")
            if rt.tail and by_id[r.tail].label not in rt.tail:
                raise ValueError(f"relation {r.id} ({r.label}) tail is {by_id[r.tail].label}, allowed: {', '.join(rt.tail)}")
        for c in ann.categories:
            if c.label not in idx.categories:
                raise ValueError(f"category {c.label!r} is not in the scheme")
        if len(ann.categories) > 1:
            for name, labels in idx.exclusive_groups:
                if sum(c.label in labels for c in ann.categories) > 1:
                    raise ValueError(f"more than one category of exclusive group {name!r}")
        if not scheme.allow_overlapping_spans and len(ann.spans) > 1:
            spans = sorted(ann.spans, key=_START_END)
            for a, b in zip(spans, spans[1:]):
                if b.start < a.end:
                    raise ValueError(f"spans {a.id} [{a.start}, {a.end}) and {b.id} [{b.start}, {b.end}) overlap; the scheme does not allow it")


_START_END = operator.attrgetter("start", "end")


@dataclass(frozen=True)
class SchemeIndex:
    """Set and dict views of a label scheme, built once per scheme rather than once per annotation."""

    entities: frozenset[str]
    relations: dict[str, RelationType]
    categories: frozenset[str]
    exclusive_groups: tuple[tuple[str, frozenset[str]], ...]


_SCHEME_INDEX: dict[int, tuple[LabelScheme, SchemeIndex]] = {}


def scheme_index(scheme: LabelScheme) -> SchemeIndex:
    """The :class:`SchemeIndex` of ``scheme`` (cached by identity: a loaded scheme is never edited)."""
    hit = _SCHEME_INDEX.get(id(scheme))
    if hit is not None and hit[0] is scheme:
        return hit[1]
    idx = SchemeIndex(
        entities=frozenset(scheme.entity_names),
        relations={r.name: r for r in scheme.relations},
        categories=frozenset(scheme.category_names),
        exclusive_groups=tuple((g.name, frozenset(c.name for c in g.labels)) for g in scheme.category_groups if g.exclusive),
    )
    if len(_SCHEME_INDEX) >= 16:
        _SCHEME_INDEX.clear()
    _SCHEME_INDEX[id(scheme)] = (scheme, idx)
    return idx
