"""Code points <-> Doccano units (UTF-16 code units, grapheme clusters)."""

from __future__ import annotations

import random

import pytest

from corpus_tools.doccano.offsets import (
    OffsetError,
    OffsetMap,
    from_doccano,
    grapheme_boundaries,
    grapheme_clusters,
    to_doccano,
    utf16_len,
)

THUMB_SKIN = "\U0001F44D\U0001F3FD"  # thumbs up + medium skin tone: 2 code points, 4 UTF-16 units, 1 grapheme
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # ZWJ family: 5 code points, 8 units, 1 grapheme
FLAG_ID = "\U0001F1EE\U0001F1E9"  # regional indicators I + D
COMBINING = "x\u0323\u0307"  # x + dot below + dot above (NFC, no precomposed form)
CONJUNCT = "\u0915\u094d\u0937"  # Devanagari KA + VIRAMA + SSA

PIECES = ["a", "b", " ", "Kim", "é", "\n", "\r\n", "\r", THUMB_SKIN, FAMILY, FLAG_ID, COMBINING, CONJUNCT, "\U0001F600", "ß", "\u200d", "\u0301", "中"]


def js_slice(text: str, start: int, end: int) -> str:
    """What JavaScript's ``text.slice(start, end)`` returns (an independent UTF-16 oracle)."""
    raw = text.encode("utf-16-le", "surrogatepass")
    return raw[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")


def test_ascii_is_identity():
    text = "Kim Jong Un meninjau pabrik."
    assert to_doccano(text, 0, 3) == (0, 3)
    assert to_doccano(text, 4, 11, grapheme_mode=True) == (4, 11)
    assert from_doccano(text, 4, 11) == (4, 11)


def test_skin_tone_emoji_utf16_and_grapheme():
    text = f"Ok {THUMB_SKIN} Kim"
    start = text.index("Kim")
    assert to_doccano(text, start, start + 3) == (start + 2, start + 5)
    assert js_slice(text, start + 2, start + 5) == "Kim"
    assert to_doccano(text, 3, 5) == (3, 7)  # the emoji itself
    # one grapheme: 'O','k',' ',emoji,' ' -> Kim starts at grapheme 5
    assert to_doccano(text, start, start + 3, grapheme_mode=True) == (5, 8)
    assert from_doccano(text, 5, 8, grapheme_mode=True) == (start, start + 3)
    with pytest.raises(OffsetError, match="inside a grapheme"):
        to_doccano(text, 3, 4, grapheme_mode=True)  # only the thumb, not its skin tone


def test_zwj_family_is_one_grapheme():
    text = f"{FAMILY}Keluarga"
    assert grapheme_clusters(text)[0] == FAMILY
    assert to_doccano(text, 0, 5, grapheme_mode=True) == (0, 1)
    assert to_doccano(text, 5, 13, grapheme_mode=True) == (1, 9)
    assert to_doccano(text, 5, 13) == (8, 16)
    for inner in range(1, 5):
        with pytest.raises(OffsetError):
            to_doccano(text, inner, 13, grapheme_mode=True)


def test_combining_marks_and_crlf():
    text = f"A{COMBINING}B\r\nC"
    assert grapheme_clusters(text) == ["A", COMBINING, "B", "\r\n", "C"]
    c = text.index("C")
    assert to_doccano(text, c, c + 1, grapheme_mode=True) == (4, 5)
    assert to_doccano(text, c, c + 1) == (c, c + 1)  # all BMP: UTF-16 == code points
    with pytest.raises(OffsetError):
        to_doccano(text, 1, 2, grapheme_mode=True)  # x without its marks
    with pytest.raises(OffsetError):
        to_doccano(text, 0, text.index("\n"), grapheme_mode=True)  # ends between CR and LF


def test_indic_conjunct_split_like_doccano():
    # Doccano's grapheme-splitter predates Unicode 15.1 GB9c: KA+VIRAMA | SSA.
    assert grapheme_clusters(CONJUNCT) == ["\u0915\u094d", "\u0937"]


def test_surrogate_half_is_rejected_on_pull():
    text = f"x{THUMB_SKIN}y"
    with pytest.raises(OffsetError, match="surrogate"):
        from_doccano(text, 0, 2)
    with pytest.raises(OffsetError, match="outside"):
        from_doccano(text, 0, utf16_len(text) + 1)
    with pytest.raises(OffsetError, match="outside"):
        to_doccano(text, 0, len(text) + 1)


def test_unknown_unit():
    with pytest.raises(ValueError, match="unknown offset unit"):
        OffsetMap("x", "bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_random_texts_round_trip(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
    utf16 = OffsetMap(text, "utf16")
    graph = OffsetMap(text, "grapheme")
    clusters = grapheme_clusters(text)
    assert "".join(clusters) == text
    assert utf16.length == utf16_len(text) == len(text.encode("utf-16-le")) // 2
    assert graph.length == len(clusters)
    bounds = grapheme_boundaries(text)
    for _ in range(30):
        # any code point span maps to UTF-16 and back, covering exactly the same characters
        s, e = sorted(rng.sample(range(len(text) + 1), 2)) if len(text) > 0 else (0, 0)
        us, ue = utf16.span_to_unit(s, e)
        assert js_slice(text, us, ue) == text[s:e]
        assert utf16.span_from_unit(us, ue) == (s, e)
        # grapheme-aligned spans map to graphemes and back exactly
        gs, ge = sorted(rng.sample(range(len(bounds)), 2)) if len(bounds) > 1 else (0, 0)
        cs, ce = bounds[gs], bounds[ge]
        assert graph.span_to_unit(cs, ce) == (gs, ge)
        assert "".join(clusters[gs:ge]) == text[cs:ce]
        assert graph.span_from_unit(gs, ge) == (cs, ce)
        # a code point that is not a grapheme boundary is refused, never moved
        inner = [i for i in range(len(text) + 1) if i not in set(bounds)]
        if inner:
            with pytest.raises(OffsetError):
                graph.to_unit(rng.choice(inner))
