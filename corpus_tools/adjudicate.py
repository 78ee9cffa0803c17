"""Merge several annotators' records into one adjudicated set, listing every disagreement.

The rule (also shown by ``corpus-tools adjudicate --help``):

* Items are compared by content, never by id: a span is ``(start, end, label)``; a relation is
  ``(head span, tail span, label)`` with its ends given as span content; a category is its label.
* ``majority`` (default): an item is kept when MORE THAN HALF of the article's annotators
  marked it. A tie (exactly half, e.g. 1 of 2) is not a majority, so the item is dropped and
  listed as a disagreement; break ties with a named adjudicator, or pass ``min_votes`` (keep
  an item marked by at least that many annotators; ``min_votes=1`` keeps the union).
  A relation is kept only when both its end spans are kept and it has the votes itself.
* ``adjudicator``: on every article the named adjudicator annotated, their annotation wins as
  a whole (spans, relations, categories); on the other articles the majority rule applies.
* Scheme conflicts are resolved deterministically and listed: overlapping kept spans (when the
  scheme forbids overlaps; only possible with ``min_votes``) keep the span with more votes,
  then the longer, then the earlier, then the label first in alphabetical order; more than one
  kept category of an exclusive group keeps the one with more votes, then alphabetical.
* Articles whose annotators annotated different texts (``text_sha256`` differs) are drift:
  they are not merged, not written, and reported.

Output records: annotator ``"adjudicated"``, ``confirmed`` true only when every input record
of the article was confirmed, ``updated_at`` the latest input time, ``text_sha256`` carried
over, and content-derived ids (``s-<start>-<end>-<label>``, ``r-<label>-<head>-<tail>``), so
re-running on the same input gives the same file. One annotator adjudicates to their own
spans, relations and categories.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from .agreement import SpanKey, group_by_article, relation_keys, span_key
from .annotation import Annotation, DocCategory, Relation, Span
from .labels import LabelScheme, load_scheme

ADJUDICATED = "adjudicated"
Rule = Literal["majority", "adjudicator"]


class Disagreement(BaseModel):
    """One item the annotators did not all agree on, with who said what and what was decided."""

    article_id: str
    kind: Literal["span", "relation", "category", "overlap", "exclusive", "drift"]
    item: str = Field(description="Human-readable item, e.g. '[12, 23) PER \"Kim Jong-un\"'.")
    label: str | None = None
    start: int | None = None
    end: int | None = None
    marked_by: list[str] = Field(default_factory=list)
    not_marked_by: list[str] = Field(default_factory=list)
    kept: bool
    reason: str


def span_id(key: SpanKey) -> str:
    return f"s-{key[0]}-{key[1]}-{key[2]}"


def relation_id(head: SpanKey, tail: SpanKey, label: str) -> str:
    return f"r-{label}-{head[0]}-{head[1]}-{tail[0]}-{tail[1]}"


def adjudicate(
    annotations: Iterable[Annotation],
    *,
    rule: Rule = "majority",
    adjudicator: str | None = None,
    min_votes: int | None = None,
    scheme: LabelScheme | None = None,
) -> tuple[list[Annotation], list[Disagreement]]:
    """Merge the records article by article by ``rule`` (see the module docstring).

    Returns the adjudicated records (sorted by article id) and the disagreements.
    Raises ValueError on a bad rule/adjudicator/min_votes combination.
    """
    if rule not in ("majority", "adjudicator"):
        raise ValueError(f"unknown rule {rule!r}; use 'majority' or 'adjudicator'")
    if rule == "adjudicator" and not adjudicator:
        raise ValueError("rule 'adjudicator' needs the adjudicator's annotator name")
    if rule == "majority" and adjudicator:
        raise ValueError("an adjudicator was named but the rule is 'majority'; pass rule='adjudicator'")
    if min_votes is not None and min_votes < 1:
        raise ValueError(f"min_votes must be at least 1, not {min_votes}")
    scheme = scheme or load_scheme()
    by_article = group_by_article(annotations)
    if rule == "adjudicator" and not any(adjudicator in recs for recs in by_article.values()):
        raise ValueError(f"adjudicator {adjudicator!r} has no annotation records; known: "
                         + ", ".join(sorted({n for r in by_article.values() for n in r})))

    out: list[Annotation] = []
    disagreements: list[Disagreement] = []
    for aid in sorted(by_article):
        recs = by_article[aid]
        names = sorted(recs)
        hashes = {recs[n].text_sha256 for n in names}
        if len(hashes) > 1:
            detail = ", ".join(f"{n}: {recs[n].text_sha256[:12]}" for n in names)
            disagreements.append(Disagreement(
                article_id=aid, kind="drift", item="article text", marked_by=names, kept=False,
                reason=f"annotators worked on different texts ({detail}); re-pull or re-anchor before merging",
            ))
            continue
        if rule == "adjudicator" and adjudicator in recs:
            merged, dis = _take_adjudicator(aid, recs, adjudicator)
        else:
            merged, dis = _majority(aid, recs, min_votes, scheme)
        out.append(merged)
        disagreements.extend(dis)
    return out, disagreements


def _describe_span(key: SpanKey, text: str) -> str:
    return f"[{key[0]}, {key[1]}) {key[2]} {text!r}"


def _describe_relation(rel: tuple[SpanKey, SpanKey, str], texts: dict[SpanKey, str]) -> str:
    head, tail, label = rel
    return f"{label}({texts.get(head, '?')!r} [{head[0]}, {head[1]}) -> {texts.get(tail, '?')!r} [{tail[0]}, {tail[1]}))"


def _build(aid: str, recs: dict[str, Annotation], spans: dict[SpanKey, str],
           relations: list[tuple[SpanKey, SpanKey, str]], categories: list[str]) -> Annotation:
    times = [r.updated_at for r in recs.values() if r.updated_at is not None]
    first = next(iter(recs.values()))
    return Annotation(
        article_id=aid,
        annotator=ADJUDICATED,
        spans=[Span(id=span_id(k), start=k[0], end=k[1], label=k[2], text=spans[k]) for k in sorted(spans)],
        relations=[Relation(id=relation_id(h, t, lab), head=span_id(h), tail=span_id(t), label=lab)
                   for h, t, lab in sorted(set(relations), key=lambda r: (r[0], r[1], r[2]))],
        categories=[DocCategory(label=c) for c in categories],
        confirmed=all(r.confirmed for r in recs.values()),
        updated_at=max(times) if times else None,
        text_sha256=first.text_sha256,
    )


def _votes(recs: dict[str, Annotation]):
    span_votes: dict[SpanKey, set[str]] = defaultdict(set)
    span_text: dict[SpanKey, str] = {}
    rel_votes: dict[tuple[SpanKey, SpanKey, str], set[str]] = defaultdict(set)
    cat_votes: dict[str, set[str]] = defaultdict(set)
    for name, ann in recs.items():
        for s in ann.spans:
            span_votes[span_key(s)].add(name)
            span_text[span_key(s)] = s.text
        for rk in relation_keys(ann):
            rel_votes[rk].add(name)
        for c in ann.categories:
            cat_votes[c.label].add(name)
    return span_votes, span_text, rel_votes, cat_votes


def _majority(aid: str, recs: dict[str, Annotation], min_votes: int | None,
              scheme: LabelScheme) -> tuple[Annotation, list[Disagreement]]:
    names = sorted(recs)
    n = len(names)
    need = min_votes if min_votes is not None else n // 2 + 1
    rule_text = f"needs {need} of {n} votes" + (" (min_votes)" if min_votes is not None else " (strict majority; ties drop)")
    span_votes, span_text, rel_votes, cat_votes = _votes(recs)
    dis: list[Disagreement] = []

    def note(kind, item, votes, kept, reason, key=None, label=None):
        dis.append(Disagreement(
            article_id=aid, kind=kind, item=item, label=label if label is not None else (key[2] if key else None),
            start=key[0] if key else None, end=key[1] if key else None,
            marked_by=sorted(votes), not_marked_by=[x for x in names if x not in votes], kept=kept, reason=reason,
        ))

    kept: dict[SpanKey, str] = {}
    for key in sorted(span_votes):
        votes = span_votes[key]
        ok = len(votes) >= need
        if ok:
            kept[key] = span_text[key]
        if len(votes) < n:
            note("span", _describe_span(key, span_text[key]), votes, ok, f"{len(votes)} of {n} marked it; {rule_text}", key)

    if not scheme.allow_overlapping_spans:
        order = sorted(kept, key=lambda k: (-len(span_votes[k]), -(k[1] - k[0]), k[0], k[2]))
        accepted: list[SpanKey] = []
        for key in order:
            clash = next((a for a in accepted if a[0] < key[1] and key[0] < a[1]), None)
            if clash is None:
                accepted.append(key)
                continue
            note("overlap", _describe_span(key, kept[key]), span_votes[key], False,
                 f"overlaps the kept span {_describe_span(clash, kept[clash])} ({len(span_votes[clash])} votes); "
                 "the scheme forbids overlaps, so the span with more votes, then the longer, then the earlier wins", key)
            del kept[key]

    texts = dict(span_text)
    relations = []
    for rk in sorted(rel_votes):
        votes = rel_votes[rk]
        ends_kept = rk[0] in kept and rk[1] in kept
        ok = len(votes) >= need and ends_kept
        if ok:
            relations.append(rk)
        if len(votes) < n or not ends_kept:
            why = f"{len(votes)} of {n} marked it; {rule_text}"
            if not ends_kept:
                why += "; an end span was not kept"
            note("relation", _describe_relation(rk, texts), votes, ok, why, label=rk[2])

    cats = []
    for lab in sorted(cat_votes):
        votes = cat_votes[lab]
        ok = len(votes) >= need
        if ok:
            cats.append(lab)
        if len(votes) < n:
            note("category", lab, votes, ok, f"{len(votes)} of {n} chose it; {rule_text}", label=lab)
    for g in scheme.category_groups:
        if not g.exclusive:
            continue
        members = [c for c in cats if scheme.group_of(c) is g]
        if len(members) > 1:
            winner = sorted(members, key=lambda c: (-len(cat_votes[c]), c))[0]
            for c in members:
                if c != winner:
                    cats.remove(c)
                    note("exclusive", c, cat_votes[c], False,
                         f"group {g.name!r} allows one label; {winner!r} has more votes (or comes first alphabetically)", label=c)
    order = {name: i for i, name in enumerate(scheme.category_names)}
    cats.sort(key=lambda c: (order.get(c, len(order)), c))
    return _build(aid, recs, kept, relations, cats), dis


def _take_adjudicator(aid: str, recs: dict[str, Annotation], adjudicator: str) -> tuple[Annotation, list[Disagreement]]:
    names = sorted(recs)
    span_votes, span_text, rel_votes, cat_votes = _votes(recs)
    final = recs[adjudicator]
    dis: list[Disagreement] = []

    def note(kind, item, votes, kept, key=None, label=None):
        dis.append(Disagreement(
            article_id=aid, kind=kind, item=item, label=label if label is not None else (key[2] if key else None),
            start=key[0] if key else None, end=key[1] if key else None,
            marked_by=sorted(votes), not_marked_by=[x for x in names if x not in votes], kept=kept,
            reason=f"adjudicator {adjudicator!r} {'marked' if kept else 'did not mark'} it",
        ))

    for key in sorted(span_votes):
        if len(span_votes[key]) < len(names):
            note("span", _describe_span(key, span_text[key]), span_votes[key], adjudicator in span_votes[key], key)
    for rk in sorted(rel_votes):
        if len(rel_votes[rk]) < len(names):
            note("relation", _describe_relation(rk, span_text), rel_votes[rk], adjudicator in rel_votes[rk], label=rk[2])
    for lab in sorted(cat_votes):
        if len(cat_votes[lab]) < len(names):
            note("category", lab, cat_votes[lab], adjudicator in cat_votes[lab], label=lab)

    spans = {span_key(s): s.text for s in final.spans}
    merged = _build(aid, recs, spans, relation_keys(final), [c.label for c in final.categories])
    return merged, dis


def vote_summary(disagreements: Iterable[Disagreement]) -> Counter:
    """Counts of disagreements per kind (for the CLI summary line)."""
    return Counter(d.kind for d in disagreements)
