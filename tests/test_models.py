"""Invariants the Article, Annotation and LabelScheme validators enforce."""

import json

import pytest
from pydantic import ValidationError

from corpus_tools.annotation import Annotation, text_sha256
from corpus_tools.article import Article, Block, blocks_for
from corpus_tools.labels import load_scheme


def make_article(**over):
    text, blocks = blocks_for([("heading", "Judul"), ("paragraph", "Kim Jong-un ke Seoul.")])
    data = dict(
        id="000_abc",
        source={"outlet": "Republika", "domain": "republika.co.id"},
        text=text,
        blocks=[b.model_dump() for b in blocks],
        provenance={"path": "corpus/raw/000_abc.txt", "sha256": "0" * 64, "parser_version": "1"},
    )
    data.update(over)
    return Article.model_validate(data)


def test_valid_article_round_trips_json():
    a = make_article(published_at="2025-05-08T09:07:00+07:00")
    again = Article.model_validate_json(a.model_dump_json())
    assert again == a
    assert '"published_at":"2025-05-08T09:07:00+07:00"' in a.model_dump_json()


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "a\x00b", ".hidden", "x" * 201, "a..b", "abc\n", "abc\r"])
def test_ids_that_could_escape_a_folder_are_rejected(bad):
    with pytest.raises(ValidationError, match="invalid id"):
        make_article(id=bad)


def test_naive_datetime_rejected():
    with pytest.raises(ValidationError, match="UTC offset"):
        make_article(published_at="2025-05-08T09:07:00")


@pytest.mark.parametrize(
    "blocks",
    [
        [{"kind": "paragraph", "start": 0, "end": 5}],
        [{"kind": "heading", "start": 0, "end": 5}, {"kind": "paragraph", "start": 6, "end": 27}],
        [],
    ],
)
def test_blocks_must_tile_text(blocks):
    with pytest.raises(ValidationError, match="block"):
        make_article(blocks=blocks)


@pytest.mark.parametrize("text", ["a\u00a0b", "a \nb", " a", "e\u0301", "a\r\nb"])
def test_text_must_be_clean(text):
    with pytest.raises(ValidationError):
        make_article(text=text, blocks=[Block(kind="paragraph", start=0, end=len(text)).model_dump()])


def annotation(article, spans, relations=(), categories=()):
    return {
        "article_id": article.id,
        "annotator": "alice",
        "spans": list(spans),
        "relations": list(relations),
        "categories": list(categories),
        "text_sha256": text_sha256(article.text),
    }


def test_annotation_checked_against_article_and_scheme():
    art, scheme = make_article(), load_scheme()
    start = art.text.index("Kim")
    ok = annotation(art, [{"id": "s1", "start": start, "end": start + 11, "label": "PER", "text": "Kim Jong-un"},
                          {"id": "s2", "start": art.text.index("Seoul"), "end": art.text.index("Seoul") + 5, "label": "GPE", "text": "Seoul"}],
                    [{"id": "r1", "head": "s1", "tail": "s2", "label": "visits"}], [{"label": "diplomacy"}])
    Annotation.model_validate(ok, context={"article": art, "scheme": scheme})

    shifted = dict(ok, spans=[dict(ok["spans"][0], start=start + 1, end=start + 12), ok["spans"][1]])
    with pytest.raises(ValidationError, match="article has"):
        Annotation.model_validate(shifted, context={"article": art})
    with pytest.raises(ValidationError, match="not in the scheme"):
        Annotation.model_validate(dict(ok, categories=[{"label": "sports"}]), context={"scheme": scheme})
    with pytest.raises(ValidationError, match="unknown span"):
        Annotation.model_validate(dict(ok, relations=[{"id": "r1", "head": "s1", "tail": "s9", "label": "visits"}]))
    bad_dir = dict(ok, relations=[{"id": "r1", "head": "s2", "tail": "s1", "label": "visits"}])
    with pytest.raises(ValidationError, match="head is GPE"):
        Annotation.model_validate(bad_dir, context={"scheme": scheme})
    overlap = dict(ok, spans=[ok["spans"][0], {"id": "s3", "start": start, "end": start + 3, "label": "PER", "text": "Kim"}], relations=[])
    with pytest.raises(ValidationError, match="overlap"):
        Annotation.model_validate(overlap, context={"scheme": scheme})
    with pytest.raises(ValidationError, match="text_sha256"):
        Annotation.model_validate(dict(ok, text_sha256="1" * 64), context={"article": art})


def test_default_scheme_has_the_required_labels():
    s = load_scheme()
    assert s.entity_names == ["PER", "ORG", "GPE", "LOC", "FAC", "WEAPON", "EVENT", "DATE", "QUANTITY"]
    assert {"leader_of", "produces", "supplies", "visits", "located_in", "said"} <= set(s.relation_names)
    assert s.category_names


def test_scheme_rejects_duplicate_names(tmp_path):
    p = tmp_path / "labels.yaml"
    p.write_text("version: 1.0.0\nentities:\n- {name: PER, description: x, color: '#000000'}\n- {name: PER, description: y, color: '#000000'}\n")
    with pytest.raises(ValueError, match="duplicate entity"):
        load_scheme(p)


def test_span_offsets_checked_by_the_annotation_naming_the_span():
    """Span checks run once per Annotation (not per Span model) with the same messages, whether
    the spans come as JSON/dicts or as Span objects built beforehand."""
    from corpus_tools.annotation import Span

    art = make_article()
    base = annotation(art, [])
    for bad, message in (({"id": "s7", "start": 3, "end": 3, "label": "PER", "text": ""}, "span s7: end 3 must be after start 3"),
                         ({"id": "s8", "start": 0, "end": 4, "label": "PER", "text": "Kim"}, "span s8: text 'Kim' has 3 code points, offsets say 4")):
        with pytest.raises(ValidationError, match=message):
            Annotation.model_validate(dict(base, spans=[bad]))
        with pytest.raises(ValidationError, match=message):
            Annotation.model_validate_json(Annotation.model_construct(**dict(base, spans=[Span.model_construct(**bad)])).model_dump_json())
        with pytest.raises(ValidationError, match=message):
            Annotation(**dict(base, spans=[Span(**bad)]))


def _fast_path_cases():
    """A valid annotation of a two-paragraph article and variants that break each check."""
    text, blocks = blocks_for([("paragraph", "Kim Jong-un ke Seoul dan Pyongyang."), ("paragraph", "KCNA melaporkan rudal.")])
    art = make_article(text=text, blocks=[b.model_dump() for b in blocks])
    k = text.index("KCNA")
    spans = [{"id": "s1", "start": 0, "end": 11, "label": "PER", "text": "Kim Jong-un"},
             {"id": "s2", "start": 15, "end": 20, "label": "GPE", "text": "Seoul"},
             {"id": "s3", "start": k, "end": k + 4, "label": "ORG", "text": "KCNA"}]
    base = {"article_id": art.id, "annotator": "gold", "spans": spans,
            "relations": [{"id": "r1", "head": "s1", "tail": "s3", "label": "leader_of"}],
            "categories": [{"label": "weapons_testing"}, {"label": "diplomacy"}],
            "confirmed": True, "updated_at": "2026-01-01T00:00:00Z", "text_sha256": text_sha256(text)}

    def edit(fn):
        d = json.loads(json.dumps(base))
        fn(d)
        return d

    cases = {
        "valid": base,
        "defaults": {"article_id": art.id, "annotator": "a", "text_sha256": text_sha256(text)},
        "spans out of order": edit(lambda d: d["spans"].reverse()),
        "extra key": edit(lambda d: d.update(note=1)),
        "extra span key": edit(lambda d: d["spans"][0].update(note=1)),
        "end before start": edit(lambda d: d["spans"][0].update(end=0)),
        "text length": edit(lambda d: d["spans"][0].update(text="Kim")),
        "text differs": edit(lambda d: d["spans"][0].update(text="Kim Jong-UN")),
        "end outside": edit(lambda d: d["spans"][2].update(start=len(text) - 2, end=len(text) + 2)),
        "negative start": edit(lambda d: d["spans"][0].update(start=-1)),
        "start as text": edit(lambda d: d["spans"][1].update(start="15")),
        "start as float": edit(lambda d: d["spans"][1].update(start=15.0)),
        "start as bool": edit(lambda d: d["spans"][1].update(start=True)),
        "span label": edit(lambda d: d["spans"][0].update(label="ALIEN")),
        "duplicate span id": edit(lambda d: d["spans"][1].update(id="s1")),
        "empty span id": edit(lambda d: d["spans"][1].update(id="")),
        "overlap": edit(lambda d: d["spans"].append({"id": "s4", "start": 4, "end": 8, "label": "PER", "text": text[4:8]})),
        "relation label": edit(lambda d: d["relations"][0].update(label="likes")),
        "relation type": edit(lambda d: d["relations"][0].update(head="s2")),
        "relation unknown span": edit(lambda d: d["relations"][0].update(tail="s9")),
        "duplicate relation": edit(lambda d: d["relations"].append(dict(d["relations"][0]))),
        "category label": edit(lambda d: d["categories"].append({"label": "sports"})),
        "duplicate category": edit(lambda d: d["categories"].append({"label": "diplomacy"})),
        "two exclusive categories": edit(lambda d: d["categories"].append({"label": "military_exercise"})),
        "other article": edit(lambda d: d.update(article_id="001_xyz")),
        "bad article id": edit(lambda d: d.update(article_id="../x")),
        "text changed": edit(lambda d: d.update(text_sha256="0" * 64)),
        "hash not hex": edit(lambda d: d.update(text_sha256="Z" * 64)),
        "no annotator": edit(lambda d: d.pop("annotator")),
        "empty annotator": edit(lambda d: d.update(annotator="")),
        "bad date": edit(lambda d: d.update(updated_at="yesterday")),
        "spans null": edit(lambda d: d.update(spans=None)),
    }
    return art, {name: json.dumps(d) for name, d in cases.items()}


@pytest.mark.parametrize("overlapping", [False, True])
def test_plain_annotation_fast_path_accepts_only_what_the_model_accepts(overlapping):
    """The release's fast path (plain dicts, span columns) gives the model's values for every
    annotation the model and ``check_annotation`` accept, and None for every one they reject;
    ``validate_annotation_plain`` reports the model path's failure word for word."""
    from corpus_tools.annotation import FAST_PATH, PlainAnnotation, plain_annotation
    from corpus_tools.release.gates import GateFailure, validate_annotation, validate_annotation_plain

    assert FAST_PATH, "a validator was added to the annotation models: teach annotation._plain_ok its check"
    scheme = load_scheme("schema/labels.yaml")
    group = scheme.category_groups[0]
    scheme = scheme.model_copy(update={"allow_overlapping_spans": overlapping, "category_groups": [
        group.model_copy(update={"labels": [c for c in group.labels if c.name != "diplomacy"]}),
        group.model_copy(update={"name": "exclusive", "exclusive": True,
                                 "labels": [c for c in group.labels if c.name in ("diplomacy", "military_exercise")]})]})
    art, cases = _fast_path_cases()
    accepted = 0
    for name, raw in cases.items():
        slow = validate_annotation(raw, art, scheme, "f:1")
        fast = plain_annotation(raw, article=art, scheme=scheme)
        both = validate_annotation_plain(raw, art, scheme, "f:1")
        if isinstance(slow, GateFailure):
            assert fast is None and both == slow, name
        else:
            assert both == PlainAnnotation.of(slow), name
            assert fast is None or fast == both, name
            accepted += fast is not None
    assert accepted >= 5  # valid, defaults, spans out of order and the two lax numbers
    assert isinstance(validate_annotation(cases["two exclusive categories"], art, scheme, "f:1"), GateFailure)
    assert isinstance(validate_annotation_plain(cases["overlap"], art, scheme, "f:1"), GateFailure) is not overlapping


def test_nfc_safe_ranges_are_nfc_starters():
    """Every character of article.NFC_SAFE_RANGES is NFC on its own, has combining class 0 and
    never composes with the character before it (it is not the second character of any
    canonical pair), so a text of such characters and ASCII is NFC without a scan."""
    import sys
    import unicodedata

    from corpus_tools import article

    seconds = set()
    for cp in range(sys.maxunicode + 1):
        dec = unicodedata.decomposition(chr(cp))
        if dec and not dec.startswith("<") and len(dec.split()) == 2:
            seconds.add(int(dec.split()[1], 16))
    ranges = article.NFC_SAFE_RANGES
    for lo, hi in zip(ranges[0::3], ranges[2::3]):
        for cp in range(ord(lo), ord(hi) + 1):
            c = chr(cp)
            assert unicodedata.combining(c) == 0 and unicodedata.normalize("NFC", c) == c and cp not in seconds, hex(cp)


def test_cheap_text_checks_agree_with_their_definitions():
    import random
    import unicodedata

    from corpus_tools import article

    rng = random.Random(7)
    alphabet = list("ab \n\t") + ["\u00a0", "\r", "e\u0301", "\u0301", "\u2000", "\u2002", "\u201c", "\u00e9", "\u212b", "\u0300", "\u1100\u1161", "\ud800", "\x85", "\u0340", "\u2126", "A\u030a", "\u00c5"]
    for _ in range(20000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert article._is_nfc(t) == unicodedata.is_normalized("NFC", t), repr(t)
        assert article._space_before_newline(t) == (" \n" in t or "\t\n" in t), repr(t)


def test_blocks_may_hold_a_line_break_but_not_a_paragraph_break():
    text = "Baris satu\nbaris dua\n\nParagraf dua"
    ok = make_article(text=text, blocks=[{"kind": "paragraph", "start": 0, "end": 20}, {"kind": "paragraph", "start": 22, "end": 34}])
    assert [(b.start, b.end) for b in ok.blocks] == [(0, 20), (22, 34)]
    with pytest.raises(ValidationError, match=r"blocks\[0\] holds a paragraph break"):
        make_article(text=text, blocks=[{"kind": "paragraph", "start": 0, "end": 34}])
    with pytest.raises(ValidationError, match=r"blocks\[1\] = \[21, 34\) does not tile text"):
        make_article(text=text, blocks=[{"kind": "paragraph", "start": 0, "end": 20}, {"kind": "paragraph", "start": 21, "end": 34}])
