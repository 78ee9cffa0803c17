"""annotation_columns against the model path it stands in for (gates.validate_annotation_plain
+ build.document_batch): every line it accepts, the model accepts with the same columns."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from itertools import chain

import numpy as np
import pyarrow as pa
import pytest

from corpus_tools import json_lines as jl
from corpus_tools.annotation import Annotation, PlainAnnotation
from corpus_tools.article import Article
from corpus_tools.article_batch import articles_table
from corpus_tools.labels import LabelScheme, load_scheme
from corpus_tools.release import annotation_columns as ac
from corpus_tools.release.build import document_batch, document_row
from corpus_tools.release.features import arrow_schema
from corpus_tools.release.gates import (
    GateFailure,
    validate_annotation,
    validate_annotation_plain,
)

WORDS = ["rudal", "uji", "coba", "pabrik", "Korea", "Utara", "pekan", "lalu", "“kata”", "pejabat", "café", "😀", "x"]
ENTS = [("Kim Jong Un", "PER"), ("Pyongyang", "GPE"), ("KCNA", "ORG"), ("Hwasong-11", "WEAPON"), ("Seoul’s", "GPE"),
        ("Laut 😀 Kuning", "LOC"), ("pabrik Sinpo", "FAC")]


def scheme_index(scheme: LabelScheme) -> dict[str, dict[str, int]]:
    return {
        "entities": {n: i for i, n in enumerate(scheme.entity_names)},
        "relations": {n: i for i, n in enumerate(scheme.relation_names)},
        "categories": {n: i for i, n in enumerate(scheme.category_names)},
    }


def make_scheme(overlap: bool = False, exclusive: bool = False) -> LabelScheme:
    d = load_scheme().model_dump()
    d["allow_overlapping_spans"] = overlap
    d["relations"].append({"name": "related", "description": "Any two entities.", "color": "#000000", "shortcut": None})
    if exclusive:
        d["category_groups"].append({"name": "tone", "description": "Tone.", "exclusive": True, "labels": [
            {"name": t, "description": t, "color": "#000000", "shortcut": None} for t in ("positive", "negative", "neutral")]})
    return LabelScheme.model_validate(d)


def make_article(rng: random.Random, i: int) -> tuple[Article, dict]:
    """An article and a valid annotation of it (spans in text order, two relations, categories)."""
    parts, spans, blocks, pos = [], [], [], 0
    for _p in range(rng.randint(1, 3)):
        tokens, start = [], pos
        for k in range(rng.randint(8, 20)):
            if k % 4 == 1:
                ent, label = rng.choice(ENTS)
                off = pos + sum(len(w) + 1 for w in tokens)
                spans.append({"id": f"s{len(spans)}", "start": off, "end": off + len(ent), "label": label, "text": ent})
                tokens.append(ent)
            else:
                tokens.append(rng.choice(WORDS))
        para = " ".join(tokens) + "."
        parts.append(para)
        blocks.append({"kind": "paragraph", "start": start, "end": start + len(para)})
        pos = start + len(para) + 2
    text = "\n\n".join(parts)
    aid = f"art-{i:05d}"
    art = Article.model_validate({
        "id": aid, "source": {"outlet": "Antara"}, "text": text, "blocks": blocks,
        "provenance": {"path": f"x/{aid}.txt", "sha256": "0" * 64, "parser_version": "t"}})
    by_label: dict[str, list[str]] = {}
    for s in spans:
        by_label.setdefault(s["label"], []).append(s["id"])
    relations = []
    if by_label.get("PER") and by_label.get("GPE"):
        relations.append({"id": "r0", "head": by_label["PER"][0], "tail": by_label["GPE"][-1], "label": "leader_of"})
    if by_label.get("PER") and by_label.get("ORG"):
        relations.append({"id": "r1", "head": by_label["PER"][-1], "tail": by_label["ORG"][0], "label": "member_of"})
    ann = {"article_id": aid, "annotator": rng.choice(["gold", "ana", "budi"]), "spans": spans, "relations": relations,
           "categories": [{"label": c} for c in rng.sample(["diplomacy", "weapons_testing", "nuclear_program"], rng.randint(0, 2))],
           "confirmed": True, "updated_at": "2026-01-01T00:00:00Z",
           "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    return art, ann


def dump(d) -> bytes:
    return json.dumps(d, ensure_ascii=False).encode("utf-8")


def model_columns(art: Article, ann: Annotation, scheme: LabelScheme) -> dict:
    """The list columns of the ``documents`` row the model path makes (``document_row``, which
    ``document_batch`` is tested to equal)."""
    row = document_row(art, ann, scheme_index(scheme))
    return {c: row[c] for c in ("entities", "relations", "categories")}


def builder_documents(pairs: list[tuple[Article, PlainAnnotation | None]], scheme: LabelScheme) -> pa.RecordBatch:
    """``build.document_batch`` of ``pairs`` (the model path's documents rows)."""
    schema = arrow_schema("documents", scheme)
    return document_batch(articles_table([a for a, _ in pairs]), [p for _, p in pairs], scheme_index(scheme), schema)[0]


def our_columns(cols: ac.AnnotationColumns, i: int) -> dict:
    e = slice(cols.entity_offsets[i], cols.entity_offsets[i + 1])
    r = slice(cols.relation_offsets[i], cols.relation_offsets[i + 1])
    c = slice(cols.category_offsets[i], cols.category_offsets[i + 1])
    return {
        "entities": [{"start": int(a), "end": int(b), "label": int(lab), "text": t} for a, b, lab, t in zip(
            cols.entity_start[e], cols.entity_end[e], cols.entity_label[e], cols.entity_text.to_pylist()[e])],
        "relations": [{"head": int(h), "tail": int(t), "label": int(lab)} for h, t, lab in zip(
            cols.relation_head[r], cols.relation_tail[r], cols.relation_label[r])],
        "categories": [int(x) for x in cols.category_label[c]],
    }


def check_contract(cases: list[tuple[Article, bytes | None]], scheme: LabelScheme) -> ac.AnnotationColumns:
    """The contract on every item, one batch for all (so a bad line is isolated among good ones)."""
    raws = [raw for _art, raw in cases]
    with pytest.MonkeyPatch.context() as mp:  # most lines here are bad: no giving up on the rest
        mp.setattr(jl, "MAX_FAILED_PARSE_RATIO", 10**6)
        cols = ac.annotation_columns(raws, [a.id for a, _ in cases], [a.text for a, _ in cases], scheme, scheme_index(scheme))
    assert len(cols.ok) == len(cases) and len(cols.entity_offsets) == len(cases) + 1
    plains = []
    for i, (art, raw) in enumerate(cases):
        if raw is None:
            assert cols.ok[i] and cols.annotator[i] is None
            assert cols.entity_offsets[i] == cols.entity_offsets[i + 1] and cols.category_offsets[i] == cols.category_offsets[i + 1]
            continue
        if not cols.ok[i]:
            assert cols.annotator[i] is None
            assert our_columns(cols, i) == {"entities": [], "relations": [], "categories": []}
            continue
        res = validate_annotation_plain(raw, art, scheme, f"case {i}")
        assert not isinstance(res, GateFailure), (i, raw, res)
        model = validate_annotation(raw, art, scheme, f"case {i}")
        assert our_columns(cols, i) == model_columns(art, model, scheme), (i, raw)
        assert cols.annotator[i] == res.record["annotator"]
        plains.append(res)
    # the counters: what build._count counts over the accepted annotations, keys in first-seen order
    records = [p.record for p in plains]
    assert list(cols.entity_counts.items()) == list(Counter(chain.from_iterable(p.spans[2] for p in plains)).items())
    assert list(cols.relation_counts.items()) == list(Counter(r["label"] for d in records for r in d["relations"]).items())
    assert list(cols.category_counts.items()) == list(Counter(c["label"] for d in records for c in d["categories"]).items())
    assert list(cols.annotators.items()) == list(Counter(d["annotator"] for d in records).items())
    return cols


def test_written_for_the_current_models():
    assert ac.model_signature() == ac._WRITTEN_FOR and ac.ENABLED


def mutations(art: Article, ann: dict, rng: random.Random) -> list[tuple[str, bytes]]:
    """(name, raw) of a valid annotation changed in every field and rule, good and bad."""
    out: list[tuple[str, bytes]] = []

    def put(name: str, fn) -> None:
        d = json.loads(json.dumps(ann))
        fn(d)
        out.append((name, dump(d)))

    def setter(path, value):
        def fn(d):
            obj = d
            for k in path[:-1]:
                obj = obj[k]
            obj[path[-1]] = value
        return fn

    raw = dump(ann)
    out += [("valid", raw), ("valid+newline", raw + b"\n"), ("crlf", raw + b"\r\n"), ("leading space", b" " + raw),
            ("trailing space", raw + b" "), ("two objects", raw + raw), ("list", b"[" + raw + b"]"), ("empty", b""),
            ("pretty", json.dumps(ann, indent=1).encode()), ("ascii escapes", json.dumps(ann, ensure_ascii=True).encode()),
            ("cut", raw[:-5] + b"}"), ("control char", raw.replace(b'"gold"', b'"go\x01ld"').replace(b'"ana"', b'"a\tna"')),
            ("invalid utf-8", raw.replace(b'"annotator": "', b'"annotator": "\xff')),
            ("lone surrogate", raw.replace(b'"annotator": "', b'"annotator": "\\ud800')),
            ("escaped key", raw.replace(b'"annotator"', b'"annot\\u0061tor"')),
            ("duplicate key", raw.replace(b'"annotator":', b'"annotator": "x", "annotator":')),
            ("duplicate span key", raw.replace(b'"label": "', b'"label": "PER", "label": "', 1)),
            ("duplicate key confirmed", raw.replace(b'"confirmed": true', b'"confirmed": false, "confirmed": true'))]
    for key in ann:
        put(f"drop {key}", lambda d, key=key: d.pop(key))
        put(f"null {key}", setter([key], None))
    for key, value in [("article_id", 5), ("article_id", art.id + "\n"), ("article_id", "other"), ("article_id", ["x"]),
                       ("annotator", ""), ("annotator", "a" * 150), ("annotator", "a" * 151), ("annotator", "é" * 150),
                       ("annotator", 7), ("annotator", "Ana 😀"), ("spans", {}), ("spans", [None]), ("spans", [[]]),
                       ("relations", []), ("categories", []), ("spans", []), ("confirmed", "true"), ("confirmed", 1),
                       ("confirmed", False), ("updated_at", 1700000000), ("updated_at", "1700000000"), ("updated_at", "2026-01-01"),
                       ("updated_at", "2026-01-01T00:00:00"), ("updated_at", "2026-01-01T00:00:00+07:00"),
                       ("updated_at", "2026-13-01T00:00:00Z"), ("updated_at", "2026-02-30T00:00:00Z"), ("updated_at", "soon"),
                       ("updated_at", "2026-01-01 10:00:00.123456Z"), ("updated_at", ""), ("text_sha256", "0" * 64),
                       ("text_sha256", ann["text_sha256"].upper()), ("text_sha256", ann["text_sha256"] + "\n"),
                       ("text_sha256", hashlib.sha256(b"other").hexdigest()), ("extra", 1), ("extra", None)]:
        put(f"{key}={value!r}", setter([key], value))
    spans, rels = ann["spans"], ann["relations"]
    for j in range(min(len(spans), 3)):
        s = spans[j]
        for key, value in [("start", str(s["start"])), ("start", float(s["start"])), ("start", -1), ("start", None),
                           ("end", s["start"]), ("end", len(art.text) + 1), ("end", s["end"] + 1), ("end", True),
                           ("id", ""), ("id", "i" * 100), ("id", "i" * 101), ("id", 3), ("label", "NOPE"), ("label", "per"),
                           ("label", None), ("text", s["text"][:-1]), ("text", s["text"].upper() + "x"),
                           ("text", s["text"][:-1] + "\u00e9"), ("extra", 1)]:
            put(f"span{j}.{key}={value!r}", setter(["spans", j, key], value))
        for key in s:
            put(f"span{j} drop {key}", lambda d, j=j, key=key: d["spans"][j].pop(key))
        put(f"span{j} shifted", lambda d, j=j: d["spans"][j].update(start=d["spans"][j]["start"] + 1, end=d["spans"][j]["end"] + 1))
    if len(spans) > 1:
        put("duplicate span id", setter(["spans", 1, "id"], spans[0]["id"]))
        put("spans reversed", lambda d: d["spans"].reverse())
        put("spans shuffled", lambda d: rng.shuffle(d["spans"]))
        put("same span twice", lambda d: d["spans"].append(dict(d["spans"][0], id="zz")))
        put("same span twice, other label", lambda d: d["spans"].insert(0, dict(d["spans"][0], id="aa", label="ORG")))
        put("overlap", lambda d: d["spans"].append(dict(d["spans"][0], id="o", end=d["spans"][0]["end"] - 1,
                                                         text=d["spans"][0]["text"][:-1])))
        put("nested", lambda d: d["spans"].append(dict(d["spans"][0], id="n", start=d["spans"][0]["start"] + 1,
                                                        text=d["spans"][0]["text"][1:])))
        put("adjacent", lambda d: d["spans"].append({"id": "adj", "start": d["spans"][0]["end"], "end": d["spans"][0]["end"] + 1,
                                                      "label": "DATE", "text": art.text[d["spans"][0]["end"]]}))
    for j, r in enumerate(rels):
        for key, value in [("head", "nope"), ("tail", "nope"), ("head", r["tail"]), ("label", "friend_of"), ("label", "said"),
                           ("label", "produces"), ("id", ""), ("id", "r" * 101), ("id", None), ("head", None), ("extra", 1)]:
            put(f"rel{j}.{key}={value!r}", setter(["relations", j, key], value))
        put(f"rel{j} drop label", lambda d, j=j: d["relations"][j].pop("label"))
        # an untyped relation: only the span lookup can reject these
        put(f"rel{j} related", setter(["relations", j, "label"], "related"))
        put(f"rel{j} related, head unknown", lambda d, j=j: d["relations"][j].update(label="related", head="nope"))
        put(f"rel{j} related, tail unknown", lambda d, j=j: d["relations"][j].update(label="related", tail="s99"))
    if rels:
        put("duplicate relation id", lambda d: d["relations"].append(dict(d["relations"][0], label="member_of")))
        put("relation twice, other id", lambda d: d["relations"].append(dict(d["relations"][0], id="r9")))
        put("relation to a span of no relation", lambda d: d["relations"].append(
            {"id": "rx", "head": d["spans"][0]["id"], "tail": d["spans"][-1]["id"], "label": "located_in"}))
        put("relations reversed", lambda d: d["relations"].reverse())
        put("relation null", lambda d: d["relations"].append(None))
    for value in (["diplomacy", "diplomacy"], ["unknown"], ["positive", "negative"], ["positive", "diplomacy"],
                  ["neutral"], ["weapons_testing", "diplomacy", "nuclear_program"], [None]):
        put(f"categories={value}", setter(["categories"], [{"label": v} for v in value]))
    put("category extra", setter(["categories"], [{"label": "diplomacy", "x": 1}]))
    put("category null", setter(["categories"], [None]))
    return out


@pytest.mark.parametrize("overlap,exclusive", [(False, False), (True, True), (False, True)])
def test_contract_over_mutations(overlap, exclusive):
    scheme = make_scheme(overlap, exclusive)
    rng = random.Random(11 + overlap + 2 * exclusive)
    cases: list[tuple[Article, bytes | None]] = []
    names: list[str] = []
    for i in range(12):
        art, ann = make_article(rng, i)
        for name, raw in mutations(art, ann, rng):
            cases.append((art, raw))
            names.append(name)
        cases.append((art, None))
        names.append("none")
    cols = check_contract(cases, scheme)
    accepted = {n for n, ok in zip(names, cols.ok) if ok}
    # a strict module that accepts nothing would pass the contract: these it must accept
    for name in ("valid", "valid+newline", "ascii escapes", "escaped key", "spans reversed", "spans shuffled", "adjacent",
                 "relations reversed", "rel0 related", "drop updated_at", "null updated_at", "updated_at='2026-01-01T00:00:00+07:00'",
                 "annotator='Ana 😀'", f"annotator={'é' * 150!r}", "spans=[]", "relations=[]", "span0 drop extra"[:0] or "valid"):
        assert name in accepted, name
    assert "span0.id=" + repr("i" * 100) in accepted
    assert ("nested" in accepted) == overlap and ("same span twice" in accepted) == overlap
    assert ("categories=['positive', 'negative']" in accepted) is False
    assert ("categories=['positive', 'diplomacy']" in accepted) == exclusive
    # and the valid lines all of them (bar those with a relation the scheme types forbid)
    assert all(ok for n, ok in zip(names, cols.ok) if n in ("valid", "valid+newline", "none"))


def test_random_span_edits():
    """Random edits of offsets, labels, ids and texts: many accepted, many not, all per the contract."""
    for overlap in (False, True):
        scheme = make_scheme(overlap)
        rng = random.Random(5 + overlap)
        cases = []
        for i in range(150):
            art, ann = make_article(rng, i)
            for s in ann["spans"]:
                r = rng.random()
                if r < 0.15:
                    s["start"] = max(0, s["start"] + rng.randint(-3, 3))
                    s["end"] = s["start"] + rng.randint(1, 12)
                    s["text"] = art.text[s["start"]:s["end"]] if rng.random() < 0.9 else s["text"]
                elif r < 0.2:
                    s["label"] = rng.choice(["PER", "ORG", "GPE", "DATE", "BAD"])
                elif r < 0.25:
                    s["id"] = rng.choice(["s0", "s1", "s2", "x"])
            rng.shuffle(ann["spans"])
            cases.append((art, dump(ann)))
        cols = check_contract(cases, scheme)
        assert 0.2 < cols.ok.mean() < 0.95, cols.ok.mean()


def test_whole_batch_equals_document_batch():
    """A batch like the builder's (valid annotations, some articles without one): the list
    columns equal document_batch's, and the counters its ``_count``'s."""
    scheme = make_scheme()
    rng = random.Random(3)
    pairs, raws = [], []
    for i in range(300):
        art, ann = make_article(rng, i)
        if i % 7 == 3:
            pairs.append((art, None))
            raws.append(None)
            continue
        raw = dump(ann) + b"\n"
        plain = validate_annotation_plain(raw, art, scheme, "t")
        assert isinstance(plain, PlainAnnotation)
        pairs.append((art, plain))
        raws.append(raw)
    schema = arrow_schema("documents", scheme)
    cols = ac.annotation_columns(raws, [a.id for a, _ in pairs], [a.text for a, _ in pairs], scheme, scheme_index(scheme))
    assert cols.ok.all()
    batch = builder_documents(pairs, scheme)
    lists = cols.list_arrays(schema)
    for name in ("entities", "relations", "categories"):
        assert lists[name].equals(batch.column(name)), name
    assert sum(len(r) for r in batch.column("relations").to_pylist()) > 50  # the batch has relations to sort
    records = [p.record for _a, p in pairs if p is not None]
    assert cols.annotators == Counter(d["annotator"] for d in records)
    assert list(cols.entity_counts.items()) == list(Counter(chain.from_iterable(p.spans[2] for _a, p in pairs if p)).items())


def test_bad_line_is_isolated_and_empty_batches(monkeypatch):
    monkeypatch.setattr(jl, "MAX_FAILED_PARSE_RATIO", 100)  # (two bad lines: more than one batch of failed parses)
    scheme = make_scheme()
    rng = random.Random(9)
    arts = [make_article(rng, i) for i in range(64)]
    raws = [dump(ann) for _art, ann in arts]
    raws[17] = raws[17].replace(b'"start": ', b'"start": 1.5, "x": ', 1)
    raws[40] = b"{not json}"
    cols = ac.annotation_columns(raws, [a.id for a, _ in arts], [a.text for a, _ in arts], scheme, scheme_index(scheme))
    assert np.flatnonzero(~cols.ok).tolist() == [17, 40]
    empty = ac.annotation_columns([], [], [], scheme, scheme_index(scheme))
    assert len(empty.ok) == 0 and empty.entity_offsets.tolist() == [0]
    nothing = ac.annotation_columns([None, None], ["a", "b"], ["x", "y"], scheme, scheme_index(scheme))
    assert nothing.ok.all() and nothing.annotator == [None, None] and nothing.category_offsets.tolist() == [0, 0, 0]


def test_lines_given_as_one_block_give_the_same_columns(monkeypatch):
    """The builder passes a batch's annotation lines as one LineBlock (read in one go): same
    verdicts and columns as the lines one by one, bad lines included."""
    monkeypatch.setattr(jl, "MAX_FAILED_PARSE_RATIO", 100)
    scheme = make_scheme()
    rng = random.Random(12)
    arts = [make_article(rng, i) for i in range(40)]
    raws = [dump(ann) for _art, ann in arts]
    raws[5] = raws[5].replace(b'"start": ', b'"start": 1.5, "x": ', 1)
    raws[9] = None
    args = ([a.id for a, _ in arts], [a.text for a, _ in arts], scheme, scheme_index(scheme))
    present = [r for r in raws if r is not None]
    block = jl.LineBlock(b"\n".join(present) + b"\n")
    assert block.objects and list(block) == present
    one, other = ac.annotation_columns(raws, *args), ac.annotation_columns(raws, *args, lines=block)
    assert one.ok.tolist() == other.ok.tolist() and not one.ok[5] and one.ok[9]
    for name in ("entity_offsets", "entity_start", "entity_label", "relation_offsets", "category_label"):
        assert getattr(one, name).tolist() == getattr(other, name).tolist(), name
    assert one.entity_text.to_pylist() == other.entity_text.to_pylist() and one.annotator == other.annotator
    with pytest.raises(ValueError, match="lines"):
        ac.annotation_columns(raws, *args, lines=block[:3])


def test_disabled_when_the_models_change(monkeypatch):
    """A model this module was not written for: nothing is accepted here."""
    scheme = make_scheme()
    art, ann = make_article(random.Random(1), 0)
    monkeypatch.setattr(ac, "ENABLED", False)
    cols = ac.annotation_columns([dump(ann), None], [art.id, art.id], [art.text, art.text], scheme, scheme_index(scheme))
    assert cols.ok.tolist() == [False, True]


def test_scheme_index_must_match_the_scheme():
    scheme = make_scheme()
    idx = scheme_index(scheme)
    idx["entities"] = dict(reversed(list(idx["entities"].items())))
    with pytest.raises(ValueError, match="scheme_index"):
        ac.annotation_columns([None], ["a"], ["x"], scheme, idx)


def test_updated_at_forms_as_pydantic_reads_them():
    """Date-time strings in many forms, valid and not: accepted here only when the model does."""
    rng = random.Random(2)
    pieces = ["2026", "-01", "-1", "-13", "-02", "-29", "-30", "T", " ", "t", "10", ":00", ":60", ":5", ".123", ".1234567",
              "Z", "z", "+07:00", "+0700", "-24:00", "+23:59", "+07", "", "1700000000", ".5", "e3", "\n"]
    scheme = make_scheme()
    art, ann = make_article(rng, 0)
    cases, values = [], set()
    while len(values) < 300:
        values.add("".join(rng.choice(pieces) for _ in range(rng.randint(1, 9))))
    values |= {"2026-01-01T10:00:00Z", "2026-02-29T10:00:00Z", "2024-02-29T10:00:00+07:00", "2026-01-01T10:00:00.123456789Z"}
    for v in sorted(values):
        cases.append((art, dump(dict(ann, updated_at=v))))
    cols = check_contract(cases, scheme)
    assert 3 <= cols.ok.sum() < len(cases)


def test_scheme_without_relations_or_categories():
    d = load_scheme().model_dump()
    d["relations"], d["category_groups"] = [], []
    scheme = LabelScheme.model_validate(d)
    rng = random.Random(4)
    cases = []
    for i in range(30):
        art, ann = make_article(rng, i)
        cases.append((art, dump(ann)))  # relations and categories here are outside this scheme
        cases.append((art, dump(dict(ann, relations=[], categories=[]))))
    cols = check_contract(cases, scheme)
    assert cols.ok[1::2].all() and not cols.ok[0::2].all()


def test_list_arrays_of_chosen_items():
    """list_arrays(schema, items) == the rows ``items`` of list_arrays(schema), in that order."""
    scheme = make_scheme()
    rng = random.Random(8)
    arts = [make_article(rng, i) for i in range(40)]
    raws = [None if i % 5 == 0 else dump(ann) for i, (_art, ann) in enumerate(arts)]
    raws[7] = b"{bad"
    cols = ac.annotation_columns(raws, [a.id for a, _ in arts], [a.text for a, _ in arts], scheme, scheme_index(scheme))
    schema = arrow_schema("documents", scheme)
    whole = cols.list_arrays(schema)
    for items in ([], [3], [39, 0, 7, 5, 12], list(range(40)), [i for i in range(40) if i % 3], [2, 2, 1]):
        part = cols.list_arrays(schema, items)
        for name, arr in whole.items():
            assert part[name].equals(arr.take(pa.array(items, pa.int64()))), (name, items)
            part[name].validate(full=True)


def test_many_bad_lines_stop_the_halving(monkeypatch):
    """Every line unreadable here (no row named in the error: halving): once the failed parses
    cover MAX_FAILED_PARSE_RATIO times the batch, the rest is left to the model path."""
    scheme = make_scheme()
    rng = random.Random(6)
    arts = [make_article(rng, i) for i in range(200)]
    raws = [dump(ann).replace(b'"start": ', b'"start": 0.5, "_": ', 1) for _a, ann in arts]
    parsed = []
    real = jl.pj.read_json
    monkeypatch.setattr(jl.pj, "read_json", lambda src, **k: parsed.append(len(src.getvalue())) or real(src, **k))
    cols = ac.annotation_columns(raws, [a.id for a, _ in arts], [a.text for a, _ in arts], scheme, scheme_index(scheme))
    total = sum(map(len, raws)) + len(raws)
    assert not cols.ok.any() and total * jl.MAX_FAILED_PARSE_RATIO <= sum(parsed) <= total * (jl.MAX_FAILED_PARSE_RATIO + 1)


def test_a_bad_line_named_by_the_error_costs_two_parses(monkeypatch):
    scheme = make_scheme()
    rng = random.Random(7)
    arts = [make_article(rng, i) for i in range(300)]
    raws = [dump(ann) for _a, ann in arts]
    raws[123] = raws[123].replace(b'"confirmed": true', b'"confirmed": 1')  # a type change: pyarrow names the row
    calls = []
    real = jl.pj.read_json
    monkeypatch.setattr(jl.pj, "read_json", lambda *a, **k: calls.append(1) or real(*a, **k))
    cols = ac.annotation_columns(raws, [a.id for a, _ in arts], [a.text for a, _ in arts], scheme, scheme_index(scheme))
    assert np.flatnonzero(~cols.ok).tolist() == [123] and len(calls) == 3  # the batch, then the lines before and after


def test_byte_level_fuzz():
    """Random bytes replaced, inserted or deleted in valid lines, plus \\u escapes: whatever is
    accepted here the model accepts, with the same columns."""
    alphabet = list(b'{}[]",:0123456789.-eE+ \\/utfnlrabx') + [0xC3, 0xA9, 0xFF, 0x00, 0x0A, 0x0D, 0x09]
    rng = random.Random(21)
    scheme = make_scheme(exclusive=True)
    cases = []
    for i in range(500):
        art, ann = make_article(rng, i)
        raw = bytearray(dump(ann))
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            op, pos = rng.random(), rng.randrange(len(raw))
            if op < 0.4:
                raw[pos] = rng.choice(alphabet)
            elif op < 0.7:
                raw.insert(pos, rng.choice(alphabet))
            else:
                del raw[pos]
        if rng.random() < 0.2:
            raw = bytearray(bytes(raw).replace(b"a", b"\\u0061", rng.randint(0, 3)))
        cases.append((art, bytes(raw)))
    cols = check_contract(cases, scheme)
    assert 50 < cols.ok.sum() < 450


@pytest.mark.parametrize("bad_id", ["a/b", "x..y", "id\n", "-x", "", "é", "x" * 201])
def test_an_invalid_article_id_matching_its_article_is_not_accepted(bad_id):
    """The article's id is the caller's, so only ``check_id`` (column-wise here) rejects an id
    that is invalid but equal to it."""
    scheme = make_scheme()
    art, ann = make_article(random.Random(2), 0)
    art = art.model_copy(update={"id": bad_id})  # (no validation: a caller's bad id)
    ann = dict(ann, article_id=bad_id)
    cols = check_contract([(art, dump(ann))], scheme)
    assert not cols.ok[0]
