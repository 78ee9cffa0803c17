"""Annotation records: one annotator's labels on one article.

Offsets are Python code points into ``Article.text``. Validation that needs the article or
the label scheme runs when they are passed in the pydantic validation context::

    Annotation.model_validate(obj, context={"article": article, "scheme": scheme})

(either key may be omitted); ``check_annotation`` does the same for an existing record.
"""

from __future__ import annotations

import hashlib
import operator
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator, model_validator
from typing_extensions import NotRequired, TypedDict

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
    """Raise ValueError naming the first span/relation/category that does not fit.

    The release's fast path (``_plain_ok``) repeats these checks over span columns: a check
    added here needs its twin there (tests/test_models.py compares the two paths)."""
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


# --------------------------------------------------------------------------- the release's fast path


def _plain_mirror(model: type[BaseModel], nested: dict[type, Any]) -> Any:
    """A TypedDict with ``model``'s fields, types, constraints, defaults-as-optional and config
    (``list[M]`` of a model in ``nested`` becomes ``list[nested[M]]``): pydantic validates it
    exactly like the model's fields, but makes dicts instead of model instances."""
    fields: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        tp = f.annotation
        if typing.get_origin(tp) is list and typing.get_args(tp)[0] in nested:
            tp = list[nested[typing.get_args(tp)[0]]]
        elif isinstance(tp, type) and issubclass(tp, BaseModel):  # pragma: no cover - not in these models
            raise TypeError(f"{model.__name__}.{name}: nested model without a mirror")
        if f.metadata:
            tp = Annotated[(tp, *f.metadata)]
        fields[name] = tp if f.is_required() else NotRequired[tp]
    mirror = TypedDict(f"{model.__name__}Dict", fields)  # type: ignore[operator]
    mirror.__pydantic_config__ = ConfigDict(**model.model_config)  # type: ignore[attr-defined]
    return mirror


#: The Python validators the fast path re-implements (``_plain_ok``). Any other validator
#: added to these models turns the fast path off (a test says so) rather than skipping it.
_KNOWN_VALIDATORS = {"Annotation": ({"_check_id"}, {"_structure"}), "Span": (set(), set()),
                     "Relation": (set(), set()), "DocCategory": (set(), set())}


def _validators_known() -> bool:
    for model in (Annotation, Span, Relation, DocCategory):
        d = model.__pydantic_decorators__
        if (set(d.field_validators), set(d.model_validators)) != _KNOWN_VALIDATORS[model.__name__]:
            return False
        if d.validators or d.root_validators or d.field_serializers or d.model_serializers:
            return False
    return True


_PLAIN_ANNOTATION = TypeAdapter(_plain_mirror(Annotation, {
    Span: _plain_mirror(Span, {}), Relation: _plain_mirror(Relation, {}), DocCategory: _plain_mirror(DocCategory, {})}))
FAST_PATH = _validators_known()


class PlainAnnotation(NamedTuple):
    """A validated annotation as plain data: ``record`` in ``Annotation.model_dump()`` form and
    its spans as columns in span order (``starts, ends, labels, texts, ids``)."""

    record: dict[str, Any]
    spans: tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]

    @classmethod
    def of(cls, ann: Annotation) -> "PlainAnnotation":
        record = ann.model_dump()
        return cls(record, span_columns(record["spans"]))


_SPAN_FIELDS = operator.itemgetter("start", "end", "label", "text", "id")
_NO_SPANS: tuple = ((), (), (), (), ())


def span_columns(spans: list[dict[str, Any]]) -> tuple:
    """``(starts, ends, labels, texts, ids)`` of plain spans (dicts)."""
    return tuple(zip(*map(_SPAN_FIELDS, spans))) if spans else _NO_SPANS


def plain_annotation(raw: str | bytes, *, article: Article, scheme: LabelScheme) -> PlainAnnotation | None:
    """The annotation JSON ``raw`` as plain data when it is valid and fits ``article`` and
    ``scheme`` (everything ``Annotation.model_validate_json`` and ``check_annotation`` check),
    else None: the caller then runs those for the exact error. Why: the release validates every
    annotation, and ~15 ``Span`` instances each cost more than the rest; the checks here run as
    C-level passes over the span columns."""
    if not FAST_PATH:
        return None
    try:
        d = _PLAIN_ANNOTATION.validator.validate_json(raw)  # (TypeAdapter.validate_json without its Python wrapper)
    except ValidationError:
        return None
    cols = _plain_ok(d, article, scheme)
    return None if cols is None else PlainAnnotation(d, cols)


def _plain_ok(d: dict[str, Any], article: Article, scheme: LabelScheme) -> tuple | None:
    """The span columns when a validated plain annotation passes every check of
    ``Annotation._structure`` (and the ``article_id`` check) and of ``check_annotation(article=,
    scheme=)``, else None; completes the record's defaults."""
    aid = d["article_id"]
    if aid != article.id:
        return None
    try:
        check_id(aid)
    except ValueError:
        return None
    spans = d.setdefault("spans", [])
    relations = d.setdefault("relations", [])
    categories = d.setdefault("categories", [])
    d.setdefault("confirmed", False)
    d.setdefault("updated_at", None)
    idx = scheme_index(scheme)
    text = article.text
    cols = starts, ends, labels, texts, ids = span_columns(spans)
    if spans:
        if (
            not all(map(operator.lt, starts, ends))  # check_spans: end after start
            or max(ends) > len(text)
            or tuple(map(len, texts)) != tuple(map(operator.sub, ends, starts))  # check_spans: text length
            or not idx.entities.issuperset(labels)
            # with the lengths equal and ends inside the text, == text[start:end] == span text
            or not all(map(text.startswith, texts, starts))
            or len(set(ids)) != len(ids)
        ):
            return None
        # Spans in text order, each ending before the next starts, cannot overlap; otherwise
        # check_annotation's sorted pairwise test.
        if not scheme.allow_overlapping_spans and not all(map(operator.le, ends, starts[1:])):
            bounds = sorted(zip(starts, ends))
            if any(b[0] < a[1] for a, b in zip(bounds, bounds[1:])):
                return None
    if relations:
        if len({r["id"] for r in relations}) != len(relations):
            return None
        label_of = dict(zip(ids, labels))
        for r in relations:
            rt = idx.relations.get(r["label"])
            head, tail = label_of.get(r["head"]), label_of.get(r["tail"])
            if rt is None or head is None or tail is None or (rt.head and head not in rt.head) or (rt.tail and tail not in rt.tail):
                return None
    if categories:
        cats = {c["label"] for c in categories}
        if len(cats) != len(categories) or not cats <= idx.categories:
            return None
        if len(cats) > 1 and any(len(cats & group) > 1 for _name, group in idx.exclusive_groups):
            return None
    return cols if d["text_sha256"] == text_sha256(text) else None


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
