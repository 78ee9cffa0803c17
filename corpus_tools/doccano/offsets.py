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

from bisect import bisect_left

import regex

Unit = Literal["codepoint", "utf16", "grapheme"]

_ASTRAL = regex.compile(r"[\U00010000-\U0010FFFF]")
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

    Only the "irregular" stretches are stored: astral characters (2 UTF-16 units each) or
    multi-code-point grapheme clusters (1 unit each); conversion is a binary search over
    them, so a mostly-ASCII article with a few emoji costs almost nothing to map.
    """

    def __init__(self, text: str, unit: Unit):
        if unit not in ("codepoint", "utf16", "grapheme"):
            raise ValueError(f"unknown offset unit {unit!r}; use codepoint, utf16 or grapheme")
        self.text = text
        self.unit = unit
        starts: list[int] = []  # code point start of each irregular stretch
        sizes: list[tuple[int, int]] = []  # (code points, units) of each
        if unit == "utf16" and not text.isascii():
            for m in _ASTRAL.finditer(text):
                starts.append(m.start())
                sizes.append((1, 2))
        elif unit == "grapheme" and not (text.isascii() and "\r\n" not in text):
            pos = 0
            for cluster in grapheme_clusters(text):
                if len(cluster) > 1:
                    starts.append(pos)
                    sizes.append((len(cluster), 1))
                pos += len(cluster)
        self._starts = starts
        self._cp_len = [c for c, _ in sizes]
        self._unit_len = [u for _, u in sizes]
        delta = [0]  # delta[j]: units minus code points over the first j stretches
        for c, u in sizes:
            delta.append(delta[-1] + u - c)
        self._delta = delta
        self._ustarts = [c + d for c, d in zip(starts, delta)]

    @property
    def length(self) -> int:
        """Length of the text in this unit."""
        return len(self.text) + self._delta[-1]

    def to_unit(self, cp: int) -> int:
        """Code point offset -> unit offset; OffsetError if it splits a unit."""
        if not 0 <= cp <= len(self.text):
            raise OffsetError(f"offset {cp} is outside the text (0..{len(self.text)} code points)")
        j = bisect_left(self._starts, cp)  # stretches starting before cp
        if j and cp < self._starts[j - 1] + self._cp_len[j - 1]:
            raise OffsetError(
                f"code point offset {cp} falls inside a {self.unit} unit "
                f"({self._around(cp)!r}); Doccano cannot mark it"
            )
        return cp + self._delta[j]

    def from_unit(self, u: int) -> int:
        """Unit offset -> code point offset; OffsetError if it splits a character."""
        if not 0 <= u <= self.length:
            raise OffsetError(f"{self.unit} offset {u} is outside the text (0..{self.length})")
        j = bisect_left(self._ustarts, u)
        if j and u < self._ustarts[j - 1] + self._unit_len[j - 1]:
            cp = self._starts[j - 1]
            raise OffsetError(f"UTF-16 offset {u} falls between the two halves of a surrogate pair ({self._around(cp)!r})")
        return u - self._delta[j]

    def span_to_unit(self, start: int, end: int) -> tuple[int, int]:
        return self.to_unit(start), self.to_unit(end)

    def span_from_unit(self, start: int, end: int) -> tuple[int, int]:
        return self.from_unit(start), self.from_unit(end)

    def boundaries(self) -> list[int]:
        """Code point offsets where a unit starts or ends (0 and ``len(text)`` included)."""
        return [self.from_unit(u) for u in range(self.length + 1)]

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
    return OffsetMap(text, "grapheme").boundaries()

