"""The ner config: tokenizer rule, offsets, BIO tags; the vectorised code against a plain
character-by-character implementation of the documented rule."""

from __future__ import annotations

import random
import unicodedata

import pytest

from corpus_tools.labels import load_scheme
from corpus_tools.release.features import arrow_schema, bio_tag_names
from corpus_tools.release.ner import NerDoc, ner_batch, non_overlapping, tokenize

SCHEME = load_scheme()
NER_SCHEMA = arrow_schema("ner", SCHEME)
TAGS = bio_tag_names(SCHEME)


def reference_tokenize(text: str, cuts=()) -> list[tuple[int, int]]:
    """The module docstring's rule, written the slow, obvious way."""
    def word(c: str) -> bool:
        return unicodedata.category(c)[0] in "LNM" or c == "_"

    def digit(c: str) -> bool:
        return unicodedata.category(c) == "Nd"

    n = len(text)
    w = []
    for i, c in enumerate(text):
        left = text[i - 1] if i > 0 else ""
        right = text[i + 1] if i + 1 < n else ""
        if word(c):
            w.append(True)
        elif c in "-'\u2019\u2010\u2011" and left and right and word(left) and word(right):
            w.append(True)
        elif c in ".," and left and right and digit(left) and digit(right):
            w.append(True)
        else:
            w.append(False)
    cuts = set(cuts)
    tokens, i = [], 0
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = i + 1
        if w[i]:
            while j < n and w[j] and j not in cuts:
                j += 1
        tokens.append((i, j))
        i = j
    return tokens


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kim Jong-un tiba.", ["Kim", "Jong-un", "tiba", "."]),
        ("rudal Hwasong-11, 1.000 unit; 3,5 km", ["rudal", "Hwasong-11", ",", "1.000", "unit", ";", "3,5", "km"]),
        ("anak-anak (AS) \u201cuji\u201d", ["anak-anak", "(", "AS", ")", "\u201c", "uji", "\u201d"]),
        ("Korut\u2019s -- a-  1. 2,x", ["Korut\u2019s", "-", "-", "a", "-", "1", ".", "2", ",", "x"]),
        ("é́x Ünïcödé 東京", ["é́x", "Ünïcödé", "東京"]),
    ],
)
def test_tokenize_examples(text, expected):
    toks = tokenize(text)
    assert [text[s:e] for s, e in toks] == expected


def test_cuts_split_tokens_at_entity_boundaries():
    text = "di Korsel-Jepang"
    assert [text[s:e] for s, e in tokenize(text, cuts=[3, 9])] == ["di", "Korsel", "-Jepang"]


def test_matches_reference_on_random_text():
    rng = random.Random(4)
    alphabet = list("abcXYZ019 -.,'\u2019\n\u00e9\u0301()\u201c\u201d\u4eac_\t/") + ["  "]
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(3, len(text) + 1)))
        assert tokenize(text, cuts) == reference_tokenize(text, cuts), (text, cuts)


def _doc(aid, paragraphs, entities):
    text = "\n\n".join(paragraphs)
    blocks, pos = [], 0
    for p in paragraphs:
        blocks.append((pos, pos + len(p)))
        pos += len(p) + 2
    spans = []
    for word, label in entities:
        s = text.index(word)
        spans.append((s, s + len(word), SCHEME.entity_names.index(label)))
    return NerDoc(aid, text, blocks, spans)


def test_bio_tags_offsets_and_one_row_per_paragraph():
    d1 = _doc("a1", ["Presiden Kim Jong-un tiba di Pyongyang.", "Korea Utara menguji rudal Hwasong-11."],
              [("Kim Jong-un", "PER"), ("Pyongyang", "GPE"), ("Korea Utara", "GPE"), ("Hwasong-11", "WEAPON")])
    d2 = _doc("a2", ["Tidak ada entitas di sini."], [])
    rows = ner_batch([d1, d2], NER_SCHEMA).to_pylist()
    assert [(r["id"], r["article_id"], r["paragraph_index"]) for r in rows] == [("a1:0", "a1", 0), ("a1:1", "a1", 1), ("a2:0", "a2", 0)]
    texts = {"a1": d1.text, "a2": d2.text}
    for r in rows:
        assert len(r["tokens"]) == len(r["token_starts"]) == len(r["token_ends"]) == len(r["ner_tags"])
        for tok, s, e in zip(r["tokens"], r["token_starts"], r["token_ends"]):
            assert texts[r["article_id"]][s:e] == tok
    tagged = [(t, TAGS[g]) for t, g in zip(rows[0]["tokens"], rows[0]["ner_tags"])]
    assert tagged == [("Presiden", "O"), ("Kim", "B-PER"), ("Jong-un", "I-PER"), ("tiba", "O"), ("di", "O"),
                      ("Pyongyang", "B-GPE"), (".", "O")]
    assert [TAGS[g] for g in rows[1]["ner_tags"]] == ["B-GPE", "I-GPE", "O", "O", "B-WEAPON", "O"]
    assert set(rows[2]["ner_tags"]) == {0}


def test_adjacent_entities_and_entity_inside_a_word():
    text = "Korsel-Jepang berlatih."
    doc = NerDoc("x", text, [(0, len(text))], [(0, 6, SCHEME.entity_names.index("GPE")), (7, 13, SCHEME.entity_names.index("GPE"))])
    row = ner_batch([doc], NER_SCHEMA).to_pylist()[0]
    assert list(zip(row["tokens"], (TAGS[g] for g in row["ner_tags"]))) == [
        ("Korsel", "B-GPE"), ("-", "O"), ("Jepang", "B-GPE"), ("berlatih", "O"), (".", "O")]
    # two entities that touch with no character between them each start with B-
    doc = NerDoc("y", "AS-RI", [(0, 5)], [(0, 2, 2), (2, 5, 2)])
    row = ner_batch([doc], NER_SCHEMA).to_pylist()[0]
    assert row["tokens"] == ["AS", "-RI"] and [TAGS[g] for g in row["ner_tags"]] == ["B-GPE", "B-GPE"]


def test_overlapping_entities_keep_the_earliest_longest():
    assert non_overlapping([(5, 9, 1), (0, 10, 0), (10, 12, 2), (11, 14, 3)]) == [(0, 10, 0), (10, 12, 2)]


def test_batch_equals_one_by_one_and_empty_batch():
    rng = random.Random(1)
    words = ["Kim", "rudal", "Hwasong-11", "1.000", ",", "di", "Seoul", "\u201cuji\u201d", "anak-anak", "é́"]
    docs = []
    for k in range(30):
        paras = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(rng.randint(1, 4))]
        text = "\n\n".join(paras)
        ents = []
        for s, e in tokenize(text):
            if rng.random() < 0.2 and (not ents or s >= ents[-1][1]):
                ents.append((s, e, rng.randrange(len(SCHEME.entity_names))))
        blocks, pos = [], 0
        for p in paras:
            blocks.append((pos, pos + len(p)))
            pos += len(p) + 2
        docs.append(NerDoc(f"d{k}", text, blocks, ents))
    together = ner_batch(docs, NER_SCHEMA).to_pylist()
    alone = [r for d in docs for r in ner_batch([d], NER_SCHEMA).to_pylist()]
    assert together == alone
    assert ner_batch([], NER_SCHEMA).num_rows == 0


@pytest.mark.parametrize("space", ["\u2009", "\u3000", "\u00a0", "\u2028", ""])
def test_token_strings_are_the_text_slices_with_any_white_space(space):
    """Token strings are cut from the text's bytes minus its white space; a non-ASCII white
    space (a thin or ideographic space) takes the byte-mask path, and both give the slices."""
    rng = random.Random(3)
    words = ["Kim", "rudal", "北朝鮮", "🚀", "é́", "\u201cuji\u201d", f"a{space}b", "1.000", "x\x1cy"]
    docs = []
    for k in range(12):
        paras = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 3))]
        text = "\n\n".join(paras)
        blocks, pos = [], 0
        for p in paras:
            blocks.append((pos, pos + len(p)))
            pos += len(p) + 2
        docs.append(NerDoc(f"d{k}", text, blocks, []))
    rows = ner_batch(docs, NER_SCHEMA).to_pylist()
    texts = {d.article_id: d.text for d in docs}
    assert len(rows) == sum(len(d.blocks) for d in docs)
    for row in rows:
        text = texts[row["article_id"]]
        assert row["tokens"] == [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"])]
        assert all(t and not t.isspace() for t in row["tokens"])
