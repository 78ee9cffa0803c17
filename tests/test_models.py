"""Invariants the Article, Annotation and LabelScheme validators enforce."""

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


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "a\x00b", ".hidden", "x" * 201, "a..b"])
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
