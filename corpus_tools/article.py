"""The ``Article`` record: one cleaned news article, the unit every later stage works on.

Offsets anywhere in the corpus are Python code points into ``Article.text``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Safe as a file name and a URL path segment: no separators, no ``..``, no control characters.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
_ID_RE = re.compile(ID_PATTERN)
#: Paragraph separator inside ``Article.text``.
PARAGRAPH_SEPARATOR = "\n\n"

BlockKind = Literal["paragraph", "heading", "quote", "list_item"]
CreditRole = Literal["author", "editor", "reporter", "writer", "photographer", "translator", "initials"]
#: Non-ASCII characters that are NFC on their own, have combining class 0 and are never the
#: second character of a canonical composition: a text made of these and ASCII is NFC
#: (tests/test_models.py checks every one of them against unicodedata).
NFC_SAFE_RANGES = "\u0080-\u02ff\u2002-\u205f\u20a0-\u20cf"
_NFC_UNSAFE_RE = re.compile(f"[^{NFC_SAFE_RANGES}]")
_ASCII_BYTES = bytes(range(0x80))
#: A newline right after a space or a tab: the regex engine looks for the (rare) newline and
#: checks the character before it, ~2x faster than substring searches for " \n" and "\t\n".
_SPACE_BEFORE_NEWLINE_RE = re.compile(r"\n(?<=[ \t]\n)")


def check_id(value: str) -> str:
    """Reject ids that could escape a folder or break a file name."""
    # fullmatch: with ``match`` the pattern's ``$`` also accepted one trailing newline
    if not isinstance(value, str) or not _ID_RE.fullmatch(value) or ".." in value:
        raise ValueError(
            f"invalid id {value!r}: use 1-200 characters from A-Z a-z 0-9 . _ - "
            "starting with a letter or digit, with no '/', '..' or control characters"
        )
    return value


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=False)


class Source(_Record):
    outlet: str = Field(min_length=1, description="Outlet name as it brands itself, e.g. 'Republika'.")
    domain: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$",
        description="Registered domain, e.g. 'republika.co.id'; null when unknown.",
    )


class Credit(_Record):
    name: str = Field(min_length=1)
    role: CreditRole


class Block(_Record):
    kind: BlockKind
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Caption(_Record):
    """A photo caption moved out of the body; ``credit`` is the photo credit if stated."""

    text: str
    credit: str | None = None


class Provenance(_Record):
    path: str = Field(description="Path of the raw input, relative to the ingest root, '/'-separated.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw input bytes.")
    parser_version: str
    url: str | None = None


class Article(_Record):
    """A validated article. Field names are a public contract (Parquet, Doccano meta, releases)."""

    id: str = Field(description="Stable id; for a file input, its file stem.")
    source: Source
    title: str | None = None
    dateline: str | None = Field(default=None, description="Dateline city as written, e.g. 'SEOUL'.")
    published_at: datetime | None = Field(default=None, description="ISO 8601 with the outlet's UTC offset.")
    credits: list[Credit] = Field(default_factory=list)
    lang: str = Field(default="id", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    text: str = Field(min_length=1, description="Clean body; paragraphs joined by one blank line.")
    blocks: list[Block]
    captions: list[Caption] = Field(default_factory=list)
    provenance: Provenance
    story_id: str | None = Field(default=None, description="Story cluster id: rewrites of one story share it.")
    duplicate_of: str | None = Field(default=None, description="Id of the article this one (nearly) copies.")

    _check_id = field_validator("id")(classmethod(lambda cls, v: check_id(v)))

    @field_validator("story_id", "duplicate_of")
    @classmethod
    def _check_ref(cls, v: str | None) -> str | None:
        return None if v is None else check_id(v)

    @field_validator("published_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.utcoffset() is None:
            raise ValueError("published_at needs a UTC offset (e.g. +07:00 for WIB)")
        return v

    @field_validator("text")
    @classmethod
    def _clean_text(cls, v: str) -> str:
        # Cheap forms of the checks (this runs on every article of ingest and of every release
        # build): _is_nfc; a regex that finds newlines and looks behind them instead of re [ \t]\n.
        if not _is_nfc(v):
            raise ValueError("text is not Unicode NFC")
        if "\u00a0" in v or "\r" in v:
            raise ValueError("text holds a no-break space or a carriage return")
        if v != v.strip():
            raise ValueError("text has leading or trailing white space")
        if _space_before_newline(v):
            raise ValueError("text has trailing spaces at the end of a line")
        return v

    @model_validator(mode="after")
    def _blocks_tile_text(self) -> "Article":
        check_blocks(self.text, self.blocks)
        if self.duplicate_of == self.id:
            raise ValueError("duplicate_of points at the article itself")
        return self


def _space_before_newline(text: str) -> bool:
    """Whether a space or tab ends a line (``re.search(r"[ \t]\n", text)``)."""
    return _SPACE_BEFORE_NEWLINE_RE.search(text) is not None


def _is_nfc(text: str) -> bool:
    """``unicodedata.is_normalized("NFC", text)`` without its per-character table lookups when
    every non-ASCII character is NFC-safe (the usual case: a few quotes and dashes): those are
    found in the UTF-8 form (for Python input, pydantic's ``min_length`` check has already made
    and cached it in the string, so ``encode`` is a copy)."""
    if text.isascii():
        return True
    odd = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    return _NFC_UNSAFE_RE.search(odd) is None or unicodedata.is_normalized("NFC", text)


def _tiles_simply(text: str, blocks: list[Block]) -> bool:
    """True only when ``blocks`` tile ``text`` (every check of ``check_blocks`` passes) and no
    block holds a newline, the usual case: the gaps between blocks are checked to be separators
    and the text to hold no other newline (one count), so a block costs O(1) checks, not a
    scan of its text. ``check_blocks`` falls back to its block-by-block loop (which names the
    offending block) when this says False."""
    last = len(blocks) - 1
    if text.count("\n") != len(PARAGRAPH_SEPARATOR) * last:
        return False
    n = len(text)
    pos = 0
    startswith = text.startswith
    for i, b in enumerate(blocks):
        start, end = b.start, b.end
        if start != pos or end <= start or end > n or text[start].isspace() or text[end - 1].isspace():
            return False
        if i == last:
            return end == n
        if not startswith(PARAGRAPH_SEPARATOR, end):
            return False
        pos = end + len(PARAGRAPH_SEPARATOR)
    return False


def check_blocks(text: str, blocks: list[Block]) -> None:
    """Blocks cover ``text`` in order: each block is a paragraph, separated by exactly one
    ``PARAGRAPH_SEPARATOR``; the first starts at 0 and the last ends at ``len(text)``."""
    if not blocks:
        raise ValueError("blocks is empty; every article has at least one paragraph")
    if _tiles_simply(text, blocks):
        return
    pos = 0
    sep = len(PARAGRAPH_SEPARATOR)
    n = len(text)
    last = len(blocks) - 1
    for i, b in enumerate(blocks):
        start, end = b.start, b.end
        if start != pos or end <= start or end > n:
            raise ValueError(
                f"blocks[{i}] = [{start}, {end}) does not tile text (expected start {pos}, "
                f"end after start and at most {n})"
            )
        # == (SEP in piece or piece != piece.strip()) for the non-empty piece, without copying it
        if text.find(PARAGRAPH_SEPARATOR, start, end) != -1 or text[start].isspace() or text[end - 1].isspace():
            raise ValueError(f"blocks[{i}] holds a paragraph break or edge white space")
        pos = end
        if i < last:
            if not text.startswith(PARAGRAPH_SEPARATOR, pos):  # == text[pos : pos + sep] != SEP
                raise ValueError(f"blocks[{i}] and blocks[{i + 1}] are not separated by one blank line")
            pos += sep
    if pos != n:
        raise ValueError(f"blocks end at {pos} but text has {len(text)} code points")


def blocks_for(paragraphs: list[tuple[BlockKind, str]]) -> tuple[str, list[Block]]:
    """Join ``(kind, paragraph)`` pairs into ``text`` and the blocks that tile it."""
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for kind, para in paragraphs:
        if parts:
            parts.append(PARAGRAPH_SEPARATOR)
            pos += len(PARAGRAPH_SEPARATOR)
        parts.append(para)
        blocks.append(Block(kind=kind, start=pos, end=pos + len(para)))
        pos += len(para)
    return "".join(parts), blocks
