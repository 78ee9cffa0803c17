"""Inter-annotator agreement over annotation records, grouped by article.

Why these measures: span F1 is the usual agreement figure for span labelling (kappa needs a
fixed set of items, which spans are not); categories are a fixed set of binary decisions per
article, so kappa fits them.

* Spans, exact: two spans agree when start, end and label are equal.
* Spans, overlap: same label and overlapping offsets; matched one-to-one (maximum bipartite
  matching, so a long span cannot be credited twice).
* Relations: head and tail are compared by the offsets and label of their spans (span ids are
  per-annotator and mean nothing across annotators), plus the relation label.
* F1 is pairwise between annotators on the articles both annotated, micro-averaged over all
  pairs and articles: ``F1 = 2 * matched / (items of first + items of second)``; it is
  symmetric, so no annotator has to play "gold".
* Categories: each category label is a yes/no decision per article. Cohen's kappa is given
  when there are exactly two annotators (and per pair in ``pairs``); Fleiss' kappa for any
  number >= 2, over the articles rated by at least two annotators (the variable-raters form,
  which equals the textbook form when every article has the same number of raters).
  "(pooled)" treats every (article, label) pair as one yes/no item.

Edge cases: with fewer than two annotators, or no common article, every figure is ``None``
with a note ("not measurable") rather than a flattering 1.0; F1 with no items on either side
is ``None``; kappa whose expected agreement is 1 (everyone gave the same answer to every item)
is ``None`` with the note "undefined", since chance explains all of the agreement. Articles
whose annotators worked on different texts (``text_sha256`` differs) are left out of the
comparison for that pair and listed under ``drift``.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .annotation import Annotation
from .article import Article
from .labels import LabelScheme
from .records import RecordError, Reject, describe_validation_error, dumps, iter_jsonl, read_models

POOLED = "(pooled)"  # key of the all-labels kappa in PairReport.categories; not a valid label name
NOT_MEASURABLE = "not measurable: fewer than two annotators on a common article"


# --------------------------------------------------------------------------- report models


class F1Score(BaseModel):
    """Matched items and totals on each side of the pairs; ``f1`` is None when both are 0."""

    matched: int = 0
    first: int = 0
    second: int = 0
    f1: float | None = None
    note: str | None = None

    def finish(self, measurable: bool = True) -> "F1Score":
        if not measurable:
            self.f1, self.note = None, NOT_MEASURABLE
        elif self.first + self.second == 0:
            self.f1, self.note = None, "no items on either side"
        else:
            self.f1 = 2 * self.matched / (self.first + self.second)
        return self


class _Tally:
    """Plain counters while computing (pydantic attribute writes are slow in the inner loop)."""

    __slots__ = ("matched", "first", "second")

    def __init__(self) -> None:
        self.matched = self.first = self.second = 0

    def add(self, matched: int, first: int, second: int) -> None:
        self.matched += matched
        self.first += first
        self.second += second

    def finish(self, measurable: bool = True) -> F1Score:
        return F1Score(matched=self.matched, first=self.first, second=self.second).finish(measurable)


class LabelF1(BaseModel):
    exact: F1Score = Field(default_factory=F1Score)
    overlap: F1Score = Field(default_factory=F1Score)


class KappaScore(BaseModel):
    """A kappa with the observed and chance agreement it came from, over ``items`` items."""

    kappa: float | None = None
    observed: float | None = None
    expected: float | None = None
    items: int = 0
    note: str | None = None


class CategoryAgreement(BaseModel):
    cohen: KappaScore
    fleiss: KappaScore


class PairReport(BaseModel):
    first: str
    second: str
    articles: int
    spans_exact: F1Score
    spans_overlap: F1Score
    relations: F1Score
    categories: dict[str, KappaScore] = Field(description="Cohen's kappa per category label.")


class DriftNote(BaseModel):
    article_id: str
    text_sha256: dict[str, str] = Field(description="Annotator -> hash of the text they annotated.")


class AgreementReport(BaseModel):
    """JSON-serialisable agreement figures; ``None`` always means 'not measurable' (see note)."""

    annotators: list[str]
    articles_total: int
    articles_per_annotator: dict[str, int]
    articles_by_all: int
    articles_compared: int = Field(description="Articles annotated by at least two annotators on the same text.")
    measurable: bool
    note: str | None = None
    spans_exact: F1Score
    spans_overlap: F1Score
    spans_per_label: dict[str, LabelF1]
    relations: F1Score
    relations_per_label: dict[str, F1Score]
    categories: dict[str, CategoryAgreement]
    categories_pooled: CategoryAgreement
    pairs: list[PairReport]
    drift: list[DriftNote] = Field(default_factory=list)


# --------------------------------------------------------------------------- kappa maths


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> KappaScore:
    """Cohen's kappa of two raters' labels for the same items (any hashable labels)."""
    if len(first) != len(second):
        raise ValueError(f"cohen_kappa: {len(first)} ratings against {len(second)}; rate the same items")
    n = len(first)
    if n == 0:
        return KappaScore(note="no items rated by both")
    observed = sum(a == b for a, b in zip(first, second)) / n
    ca, cb = Counter(first), Counter(second)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return _kappa(observed, expected, n)


def fleiss_kappa(table: Sequence[Sequence[int]]) -> KappaScore:
    """Fleiss' kappa from a table ``items x categories`` of rater counts.

    Items may have different numbers of raters (at least two each); with a constant number
    this is exactly the textbook formula.
    """
    rows = [list(r) for r in table if sum(r) > 0]
    if any(sum(r) < 2 for r in rows):
        raise ValueError("fleiss_kappa: every item needs at least two ratings")
    if not rows:
        return KappaScore(note="no items rated by two or more annotators")
    total = sum(sum(r) for r in rows)
    k = len(rows[0])
    p_j = [sum(r[j] for r in rows) / total for j in range(k)]
    p_i = [sum(c * (c - 1) for c in r) / (sum(r) * (sum(r) - 1)) for r in rows]
    observed = sum(p_i) / len(rows)
    expected = sum(p * p for p in p_j)
    return _kappa(observed, expected, len(rows))


def _kappa(observed: float, expected: float, items: int) -> KappaScore:
    if expected >= 1 - 1e-12:
        return KappaScore(
            observed=observed, expected=1.0, items=items,
            note="undefined: expected agreement is 1 (every rating is the same answer)",
        )
    return KappaScore(kappa=(observed - expected) / (1 - expected), observed=observed, expected=expected, items=items)


# --------------------------------------------------------------------------- span matching

SpanKey = tuple[int, int, str]


def span_key(span) -> SpanKey:
    return (span.start, span.end, span.label)


def relation_keys(ann: Annotation) -> list[tuple[SpanKey, SpanKey, str]]:
    """Relations as ``(head span key, tail span key, label)``: comparable across annotators."""
    by_id = {s.id: span_key(s) for s in ann.spans}
    return [(by_id[r.head], by_id[r.tail], r.label) for r in ann.relations]


def count_exact(first: Iterable[Hashable], second: Iterable[Hashable]) -> int:
    """Matches between two multisets of keys (each item used once)."""
    return sum((Counter(first) & Counter(second)).values())


def _by_label(keys: Iterable[SpanKey]) -> dict[str, list[SpanKey]]:
    out: dict[str, list[SpanKey]] = defaultdict(list)
    for k in keys:
        out[k[2]].append(k)
    return out


def count_overlap(first: Sequence[SpanKey], second: Sequence[SpanKey]) -> int:
    """Maximum one-to-one matching of same-label, overlapping spans (Kuhn's algorithm)."""
    exact = Counter(first) & Counter(second)
    if sum(exact.values()) == len(first) or sum(exact.values()) == len(second):
        return min(len(first), len(second))  # one side is contained in the other: nothing more to match
    order = sorted(range(len(second)), key=lambda j: second[j][0])
    starts = [second[j][0] for j in order]
    adj = []
    for a in first:
        hi = bisect.bisect_left(starts, a[1])  # candidates start before a ends
        adj.append([j for j in order[:hi] if second[j][1] > a[0] and second[j][2] == a[2]])
    match_of: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in match_of or augment(match_of[j], seen):
                match_of[j] = i
                return True
        return False

    return sum(augment(i, set()) for i in range(len(first)))


# --------------------------------------------------------------------------- the report


def group_by_article(annotations: Iterable[Annotation]) -> dict[str, dict[str, Annotation]]:
    """``article_id -> annotator -> record``; a second record for the same pair is an error."""
    out: dict[str, dict[str, Annotation]] = defaultdict(dict)
    for ann in annotations:
        if ann.annotator in out[ann.article_id]:
            raise ValueError(
                f"annotator {ann.annotator!r} has two records for article {ann.article_id!r}; keep one"
            )
        out[ann.article_id][ann.annotator] = ann
    return dict(out)


def find_drift(by_article: dict[str, dict[str, Annotation]]) -> list[DriftNote]:
    """Articles whose annotators did not all annotate the same text."""
    return [
        DriftNote(article_id=aid, text_sha256={n: a.text_sha256 for n, a in sorted(recs.items())})
        for aid, recs in sorted(by_article.items())
        if len({a.text_sha256 for a in recs.values()}) > 1
    ]


def compute_agreement(
    annotations: Iterable[Annotation], *, category_labels: Sequence[str] | None = None
) -> AgreementReport:
    """Agreement of all annotators' records; see the module docstring for every definition.

    ``category_labels`` lists the labels to compute kappa for (e.g. the scheme's); by default
    the labels anyone used.
    """
    by_article = group_by_article(annotations)
    annotators = sorted({n for recs in by_article.values() for n in recs})
    per_annotator = {n: sum(n in recs for recs in by_article.values()) for n in annotators}
    drift = find_drift(by_article)
    if category_labels is None:
        category_labels = sorted({c.label for recs in by_article.values() for a in recs.values() for c in a.categories})
    category_labels = list(category_labels)

    def comparable(a: Annotation, b: Annotation) -> bool:
        return a.text_sha256 == b.text_sha256

    spans_exact, spans_overlap, relations = _Tally(), _Tally(), _Tally()
    span_labels: dict[str, tuple[_Tally, _Tally]] = defaultdict(lambda: (_Tally(), _Tally()))
    rel_labels: dict[str, _Tally] = defaultdict(_Tally)
    pairs: list[PairReport] = []
    compared: set[str] = set()

    for first, second in itertools.combinations(annotators, 2):
        p_exact, p_overlap, p_rel = _Tally(), _Tally(), _Tally()
        decisions: dict[str, tuple[list[bool], list[bool]]] = {lab: ([], []) for lab in category_labels}
        n_articles = 0
        for aid, recs in sorted(by_article.items()):
            a, b = recs.get(first), recs.get(second)
            if a is None or b is None or not comparable(a, b):
                continue
            n_articles += 1
            compared.add(aid)
            # Matches never cross labels, so the totals are the sums of the per-label counts.
            ga, gb = _by_label(span_key(s) for s in a.spans), _by_label(span_key(s) for s in b.spans)
            for lab in sorted(set(ga) | set(gb)):
                la, lb = ga.get(lab, []), gb.get(lab, [])
                ex, ov = count_exact(la, lb), count_overlap(la, lb)
                span_labels[lab][0].add(ex, len(la), len(lb))
                span_labels[lab][1].add(ov, len(la), len(lb))
                p_exact.add(ex, len(la), len(lb))
                p_overlap.add(ov, len(la), len(lb))
            ra, rb = relation_keys(a), relation_keys(b)
            p_rel.add(count_exact(ra, rb), len(ra), len(rb))
            for lab in sorted({k[2] for k in ra + rb}):
                la, lb = [k for k in ra if k[2] == lab], [k for k in rb if k[2] == lab]
                rel_labels[lab].add(count_exact(la, lb), len(la), len(lb))
            ca, cb = {c.label for c in a.categories}, {c.label for c in b.categories}
            for lab in category_labels:
                decisions[lab][0].append(lab in ca)
                decisions[lab][1].append(lab in cb)
        for total, part in ((spans_exact, p_exact), (spans_overlap, p_overlap), (relations, p_rel)):
            total.add(part.matched, part.first, part.second)
        measurable = n_articles > 0
        pooled_a = [x for lab in category_labels for x in decisions[lab][0]]
        pooled_b = [x for lab in category_labels for x in decisions[lab][1]]
        cats = {lab: cohen_kappa(*decisions[lab]) for lab in category_labels}
        cats[POOLED] = cohen_kappa(pooled_a, pooled_b)
        if not measurable:
            cats = {lab: KappaScore(note="no common article") for lab in cats}
        pairs.append(
            PairReport(
                first=first, second=second, articles=n_articles,
                spans_exact=p_exact.finish(measurable), spans_overlap=p_overlap.finish(measurable),
                relations=p_rel.finish(measurable), categories=cats,
            )
        )

    measurable = bool(compared)
    note = None if measurable else (
        NOT_MEASURABLE if len(annotators) < 2 else "not measurable: no article annotated by two annotators on the same text"
    )

    # Fleiss: per article, the annotators that share the majority text hash (drifted ones dropped).
    raters_per_article: dict[str, list[Annotation]] = {}
    for aid in sorted(compared):
        recs = list(by_article[aid].values())
        common_hash = Counter(r.text_sha256 for r in recs).most_common(1)[0][0]
        same = [r for r in recs if r.text_sha256 == common_hash]
        if len(same) >= 2:
            raters_per_article[aid] = same

    def fleiss_for(labels: Sequence[str]) -> KappaScore:
        table = []
        for recs in raters_per_article.values():
            for lab in labels:
                yes = sum(any(c.label == lab for c in r.categories) for r in recs)
                table.append([yes, len(recs) - yes])
        return fleiss_kappa(table)

    def cohen_overall(label: str) -> KappaScore:
        if len(annotators) != 2:
            return KappaScore(note=NOT_MEASURABLE if len(annotators) < 2 else "Cohen's kappa needs exactly two annotators; see Fleiss and pairs")
        return pairs[0].categories[label]

    categories = {
        lab: CategoryAgreement(cohen=cohen_overall(lab), fleiss=fleiss_for([lab]) if measurable else KappaScore(note=note))
        for lab in category_labels
    }
    pooled = CategoryAgreement(
        cohen=cohen_overall(POOLED),
        fleiss=fleiss_for(category_labels) if measurable else KappaScore(note=note),
    )

    return AgreementReport(
        annotators=annotators,
        articles_total=len(by_article),
        articles_per_annotator=per_annotator,
        articles_by_all=sum(len(recs) == len(annotators) for recs in by_article.values()) if annotators else 0,
        articles_compared=len(compared),
        measurable=measurable,
        note=note,
        spans_exact=spans_exact.finish(measurable),
        spans_overlap=spans_overlap.finish(measurable),
        spans_per_label={lab: LabelF1(exact=ex.finish(measurable), overlap=ov.finish(measurable)) for lab, (ex, ov) in sorted(span_labels.items())},
        relations=relations.finish(measurable),
        relations_per_label={lab: v.finish(measurable) for lab, v in sorted(rel_labels.items())},
        categories=categories,
        categories_pooled=pooled,
        pairs=pairs,
        drift=drift,
    )


# --------------------------------------------------------------------------- reading a folder


class LoadedAnnotations(BaseModel):
    """Valid records, where each came from, and the rejected ones (with reasons)."""

    model_config = {"arbitrary_types_allowed": True}
    annotations: list[Annotation]
    sources: dict[tuple[str, str], str] = Field(description="(article_id, annotator) -> 'file:line'.")
    rejects: list[Reject]


def load_articles(path: str | Path) -> dict[str, Article]:
    """``corpus/articles.jsonl`` -> ``{id: Article}`` (first invalid line raises RecordError)."""
    return {a.id: a for a in read_models(path, Article)}


def load_annotation_dir(
    folder: str | Path,
    *,
    articles: dict[str, Article] | None = None,
    scheme: LabelScheme | None = None,
    stage: str = "agreement",
) -> LoadedAnnotations:
    """Read every ``*.jsonl`` in ``folder`` (one file per annotator) and validate each record.

    Invalid records, records for unknown articles (when ``articles`` is given) and a second
    record of one annotator for one article are rejected with file, line and reason; the rest
    are returned. Files whose name ends in ``.rejects.jsonl`` are quarantine files, not input.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise RecordError(f"{folder}: not a folder; pass the folder holding one <annotator>.jsonl per annotator")
    files = sorted(p for p in folder.glob("*.jsonl") if not p.name.endswith(".rejects.jsonl"))
    if not files:
        raise RecordError(f"{folder}: no *.jsonl annotation files found")
    out: list[Annotation] = []
    sources: dict[tuple[str, str], str] = {}
    rejects: list[Reject] = []
    for path in files:
        for lineno, obj in iter_jsonl(path):
            where = f"{path}:{lineno}"
            aid = obj.get("article_id")
            article = articles.get(aid) if (articles is not None and isinstance(aid, str)) else None
            if articles is not None and article is None:
                rejects.append(Reject(source=str(path), line=lineno, stage=stage, raw=dumps(obj),
                                      reason=f"article {aid!r} is not in the articles file; re-ingest or drop this record"))
                continue
            ctx = {k: v for k, v in (("article", article), ("scheme", scheme)) if v is not None}
            try:
                ann = Annotation.model_validate(obj, context=ctx)
            except ValidationError as e:
                rejects.append(Reject(source=str(path), line=lineno, stage=stage, raw=dumps(obj),
                                      reason=f"invalid annotation for {aid!r}: {describe_validation_error(e)}"))
                continue
            key = (ann.article_id, ann.annotator)
            if key in sources:
                rejects.append(Reject(source=str(path), line=lineno, stage=stage, raw=dumps(obj),
                                      reason=f"second record of annotator {ann.annotator!r} for article {ann.article_id!r} (first at {sources[key]})"))
                continue
            sources[key] = where
            out.append(ann)
    return LoadedAnnotations(annotations=out, sources=sources, rejects=rejects)
