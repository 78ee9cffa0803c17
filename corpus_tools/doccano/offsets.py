"""Offset conversion between the corpus (Python code points) and Doccano's units.

Doccano 1.8 stores span offsets in the units its annotation UI counts: JavaScript string
indices (UTF-16 code units) when a project's ``grapheme_mode`` is off, and grapheme clusters
when it is on (the frontend splits the text with the ``grapheme-splitter`` library and stores
``toGraphemeOffset`` values). The corpus counts code points. A span converts only when both
of its ends fall on a boundary of the target unit; anything else raises ``OffsetError`` instead
of being silently moved to a neighbouring character.

Grapheme clusters follow Unicode's extended grapheme cluster rules (``regex`` ``\\X``), except
rule GB9c (Indic conjunct clusters, Unicode 15.1), which Doccano's older splitter does not
know: we split such clusters after the virama as Doccano does.
"""

from __future__ import annotations

from typing import Literal

import regex

Unit = Literal["codepoint", "utf16", "grapheme"]

_GRAPHEME = regex.compile(r"\X", regex.DOTALL)
# GB9c (not in Doccano's splitter): Linker [Extend|ZWJ]* x Consonant. Split there.
_CONJUNCT_BREAK = regex.compile(r"(?<=\p{InCB=Linker}[\p{InCB=Extend}\u200d]*)(?=\p{InCB=Consonant})")


class OffsetError(ValueError):
    """An offset that does not fall on a boundary of the target unit (or is out of range)."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (JavaScript's ``String.length``)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def grapheme_clusters(text: str) -> list[str]:
    """Split ``text`` into grapheme clusters the way Doccano's annotation UI does."""
    out: list[str] = []
    for cluster in _GRAPHEME.findall(text):
        if len(cluster) > 1 and _CONJUNCT_BREAK.search(cluster):
            out.extend(p for p in _CONJUNCT_BREAK.split(cluster) if p)
        else:
            out.append(cluster)
    return out


def unit_for(grapheme_mode: bool) -> Unit:
    """The Doccano unit of a project: graphemes with ``grapheme_mode`` on, else UTF-16."""
    return "grapheme" if grapheme_mode else "utf16"


class OffsetMap:
    """Both directions between code points and one unit, for one text.

    Build once per text and convert all its spans; a text whose units equal code points
    (BMP-only for UTF-16; ASCII without CRLF for graphemes) takes a fast identity path.
    """

    def __init__(self, text: str, unit: Unit):
        if unit not in ("codepoint", "utf16", "grapheme"):
            raise ValueError(f"unknown offset unit {unit!r}; use codepoint, utf16 or grapheme")
        self.text = text
        self.unit = unit
        self._bounds: list[int] | None = None  # code point offset of unit boundary i
        self._index: dict[int, int] | None = None  # code point offset -> unit offset
        if unit == "utf16":
            if any(ord(ch) > 0xFFFF for ch in text):
                self._build([1 if ord(ch) <= 0xFFFF else 2 for ch in text], per_unit=False)
        elif unit == "grapheme":
            if not (text.isascii() and "\r\n" not in text):
                self._build([len(c) for c in grapheme_clusters(text)], per_unit=True)

    def _build(self, sizes: list[int], *, per_unit: bool) -> None:
        """``per_unit``: sizes are code points per unit (graphemes); else units per code point."""
        if per_unit:
            bounds = [0]
            for n in sizes:
                bounds.append(bounds[-1] + n)
            self._bounds = bounds  # unit offset -> code point offset
        else:
            bounds = [0] * (sum(sizes) + 1)
            valid = [True] * (sum(sizes) + 1)
            u = 0
            for cp, n in enumerate(sizes):
                bounds[u] = cp
                if n == 2:
                    valid[u + 1] = False  # the middle of a surrogate pair
                u += n
            bounds[u] = len(sizes)
            self._bounds = [b if ok else -1 for b, ok in zip(bounds, valid)]
        self._index = {cp: u for u, cp in enumerate(self._bounds) if cp >= 0}

    @property
    def length(self) -> int:
        """Length of the text in this unit."""
        return len(self.text) if self._bounds is None else len(self._bounds) - 1

    def to_unit(self, cp: int) -> int:
        """Code point offset -> unit offset; OffsetError if it splits a unit."""
        if not 0 <= cp <= len(self.text):
            raise OffsetError(f"offset {cp} is outside the text (0..{len(self.text)} code points)")
        if self._index is None:
            return cp
        try:
            return self._index[cp]
        except KeyError:
            raise OffsetError(
                f"code point offset {cp} falls inside a {self.unit} unit "
                f"({self._around(cp)!r}); Doccano cannot mark it"
            ) from None

    def from_unit(self, u: int) -> int:
        """Unit offset -> code point offset; OffsetError if it splits a character."""
        if not 0 <= u <= self.length:
            raise OffsetError(f"{self.unit} offset {u} is outside the text (0..{self.length})")
        if self._bounds is None:
            return u
        cp = self._bounds[u]
        if cp < 0:
            raise OffsetError(f"UTF-16 offset {u} falls between the two halves of a surrogate pair ({self._around(self._bounds[u - 1])!r})")
        return cp

    def span_to_unit(self, start: int, end: int) -> tuple[int, int]:
        return self.to_unit(start), self.to_unit(end)

    def span_from_unit(self, start: int, end: int) -> tuple[int, int]:
        return self.from_unit(start), self.from_unit(end)

    def _around(self, cp: int) -> str:
        return self.text[max(0, cp - 3) : cp + 3]


def to_doccano(text: str, start: int, end: int, *, grapheme_mode: bool = False) -> tuple[int, int]:
    """Code point span -> Doccano span (one-off; use ``OffsetMap`` for many spans of a text)."""
    return OffsetMap(text, unit_for(grapheme_mode)).span_to_unit(start, end)


def from_doccano(text: str, start: int, end: int, *, grapheme_mode: bool = False) -> tuple[int, int]:
    """Doccano span -> code point span (one-off; use ``OffsetMap`` for many spans of a text)."""
    return OffsetMap(text, unit_for(grapheme_mode)).span_from_unit(start, end)


def grapheme_boundaries(text: str) -> list[int]:
    """Code point offsets of all grapheme boundaries (0 and ``len(text)`` included)."""
    m = OffsetMap(text, "grapheme")
    return list(range(len(text) + 1)) if m._bounds is None else list(m._bounds)

