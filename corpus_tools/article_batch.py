"""Article JSON lines validated a batch at a time, as Arrow columns: the release builder's fast path.

``Article.model_validate_json`` builds ~10 model instances per article (source, blocks,
provenance...) and runs its Python validators one article at a time: ~50 us per article, the
largest cost of a release build after the Parquet write. Here a batch of lines is parsed by
``pyarrow.json`` against an explicit schema (unknown fields, duplicate keys, type changes and bad
encodings are errors there, as in the model) and every rule of the model is checked as a
vectorised pass over the columns.

The model stays the one source of truth: this path is *strict*. A line it cannot prove valid
gets ``ok = False`` and the caller validates that line with the model, which either accepts it
(a lax form such as ``5.0`` for an int, a missing field with a default, a single newline inside a
paragraph) or names the error. Accepting a line the model would reject is a bug;
tests/test_article_batch.py compares the two paths on many good and bad records.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import get_args

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from pydantic import TypeAdapter, ValidationError

from .article import (
    ID_PATTERN,
    NFC_SAFE_RANGES,
    PARAGRAPH_SEPARATOR,
    Article,
    BlockKind,
    CreditRole,
)
from .json_lines import as_numpy, column, read_json_lines

_S = pa.string()
#: The Arrow form of one ``Article`` JSON line (field names and nesting as the model's).
ARTICLE_ARROW_SCHEMA = pa.schema([
    ("id", _S),
    ("source", pa.struct([("outlet", _S), ("domain", _S)])),
    ("title", _S),
    ("dateline", _S),
    ("published_at", _S),
    ("credits", pa.list_(pa.struct([("name", _S), ("role", _S)]))),
    ("lang", _S),
    ("text", _S),
    ("blocks", pa.list_(pa.struct([("kind", _S), ("start", pa.int64()), ("end", pa.int64())]))),
    ("captions", pa.list_(pa.struct([("text", _S), ("credit", _S)]))),
    ("provenance", pa.struct([("path", _S), ("sha256", _S), ("parser_version", _S), ("url", _S)])),
    ("story_id", _S),
    ("duplicate_of", _S),
])
_PARSE = pj.ParseOptions(explicit_schema=ARTICLE_ARROW_SCHEMA, unexpected_field_behavior="error")

#: Every character ``str.isspace`` (and so ``str.strip``) treats as white space in Python 3.11
#: (tests check it against all of Unicode).
PY_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def _re2_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


_WS = _re2_class(PY_WHITESPACE)
#: RE2 (``$`` is the end of the text, as in pydantic's patterns and ``check_id``'s fullmatch).
_DOMAIN_RE2 = Article.model_fields["source"].annotation.model_fields["domain"].metadata[0].pattern
_LANG_RE2 = Article.model_fields["lang"].metadata[0].pattern
_SHA_RE2 = Article.model_fields["provenance"].annotation.model_fields["sha256"].metadata[0].pattern
_WS_NOT_NL = _re2_class(PY_WHITESPACE.replace("\n", ""))
#: What this path does not accept in a text, beyond the newline structure that ``_tiled``
#: checks: what ``Article._clean_text`` rejects (edge white space, a space or tab ending a
#: line, a no-break space, a carriage return) and white space at a paragraph's edge (next to a
#: separator; ``check_blocks``).
_TEXT_FORMAT_RE2 = f"^{_WS}|{_WS}$|{_WS_NOT_NL}\\n|\\n\\n{_WS_NOT_NL}|\\x{{a0}}|\\r"
#: A character outside ASCII and the NFC-safe ranges: only texts with one need unicodedata.
_NFC_UNSAFE_RE2 = f"[^\\x{{0}}-\\x{{7f}}{NFC_SAFE_RANGES}]"
#: Both in one scan: most texts match neither, and only those that do are looked at twice.
_TEXT_FLAGS_RE2 = f"{_TEXT_FORMAT_RE2}|{_NFC_UNSAFE_RE2}"
_KINDS = pa.array(get_args(BlockKind), _S)
_ROLES = pa.array(get_args(CreditRole), _S)

_DATETIME = TypeAdapter(datetime)


@lru_cache(maxsize=4096)
def parse_datetime(value: str) -> datetime | None:
    """The ``datetime`` a model field reads from the JSON string ``value`` (pydantic's own
    parser; lax mode parses strings as the JSON mode does), or None when it rejects it. Dates
    repeat across a corpus, hence the cache."""
    try:
        return _DATETIME.validate_python(value)
    except ValidationError:
        return None


@lru_cache(maxsize=4096)
def published_at_iso(value: str) -> str | None:
    """``Article.published_at.isoformat()`` for the JSON string ``value``, or None when the
    model would reject it (not a datetime, or no UTC offset)."""
    dt = parse_datetime(value)
    return dt.isoformat() if dt is not None and dt.utcoffset() is not None else None


@dataclass
class ArticleBatch:
    """A batch of article lines as Arrow columns: ``table`` (None when no line could be read)
    has a row for each line of ``lines`` (line indices, ascending); ``ok[i]``: line i is a
    valid ``Article``, and its row holds it. ``published_at`` holds the value as the model
    renders it (``isoformat``)."""

    table: pa.Table | None
    lines: np.ndarray
    ok: np.ndarray


def validate_article_lines(lines: Sequence[bytes]) -> ArticleBatch:
    """Validate JSON lines column-wise; see the module docstring."""
    ok = np.zeros(len(lines), dtype=bool)
    table, rows = read_json_lines(lines, _PARSE)
    at = np.asarray(rows, dtype=np.int64)
    if table is not None:
        table, row_ok = _checks(table)
        ok[at] = row_ok
    return ArticleBatch(table, at, ok)


def _valid(arr: pa.Array) -> np.ndarray:
    return arr.is_valid().to_numpy(zero_copy_only=False)


def _true(mask: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy, null as False."""
    return as_numpy(mask, False)


def _matches(strings: pa.Array, pattern: str) -> np.ndarray:
    return _true(pc.match_substring_regex(strings, pattern))


def _byte_table(chars: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode("ascii"))] = True
    return table


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: The patterns checked as byte classes below (the byte classes are written for these).
_BYTE_CLASS_PATTERNS = (r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$", r"^[0-9a-f]{64}$")
if (ID_PATTERN, _SHA_RE2) != _BYTE_CLASS_PATTERNS:  # pragma: no cover - a model change must be brought here too
    raise RuntimeError("article_batch: ID_PATTERN or the provenance sha256 pattern changed; update _made_of's byte classes")
#: ``ID_PATTERN`` as byte classes; the tests check
#: :func:`ids_valid` against ``check_id``.
_ID_FIRST, _ID_REST = _byte_table(_ALNUM), _byte_table(_ALNUM + "._-")
_HEX_LOWER = _byte_table("0123456789abcdef")


def _string_bytes(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, the UTF-8 bytes) of a string array, without a copy; ``bytes[offsets[i]:
    offsets[i + 1]]`` is row i (whatever it is for a null)."""
    _, off_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int32, count=len(strings) + 1, offset=4 * strings.offset)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and data_buf.size else np.zeros(1, np.uint8)
    return offsets, data


def _rows_of(offsets: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The row of each byte position (relative to ``offsets[0]``); rows may be empty."""
    return np.searchsorted(offsets - offsets[0], positions, side="right") - 1


def _made_of(strings: pa.Array, allowed: np.ndarray, first: np.ndarray | None, min_len: int, max_len: int) -> np.ndarray:
    """Per row: the string has ``min_len``-``max_len`` bytes, all in the byte class ``allowed``
    (and its first in ``first``); False for a null. One NumPy pass over the batch's bytes: for
    short strings a regular expression costs ~1 us per row in RE2's per-call setup alone."""
    n = len(strings)
    if not n:
        return np.zeros(0, dtype=bool)
    offsets, data = _string_bytes(strings)
    lens = np.diff(offsets)
    ok = (lens >= min_len) & (lens <= max_len)
    if strings.null_count:
        ok &= _valid(strings)
    bad = np.flatnonzero(~allowed[data[offsets[0]:offsets[-1]]])
    if len(bad):
        ok[_rows_of(offsets, bad)] = False
    if first is not None:
        nonempty = lens > 0
        ok[nonempty] &= first[data[offsets[:-1][nonempty]]]
    return ok


def ids_valid(ids: pa.Array) -> np.ndarray:
    """Per row: ``check_id`` accepts the id (False for a null)."""
    ok = _made_of(ids, _ID_REST, _ID_FIRST, 1, 200)
    if ok.any():  # and no ".." inside an id (a pair of dots across two ids does not count)
        offsets, data = _string_bytes(ids)
        chars = data[offsets[0]:offsets[-1]]
        pairs = np.flatnonzero((chars[1:] == 0x2E) & (chars[:-1] == 0x2E)) + 1  # bytes p - 1 and p are dots
        if len(pairs):
            rows = _rows_of(offsets, pairs)
            inside = pairs > offsets[rows] - offsets[0]  # (byte p - 1 is in the same row)
            ok[rows[inside]] = False
    return ok


def _rows_failing(lists: pa.ListArray, bad_elements: np.ndarray, n: int) -> np.ndarray:
    """Per row: whether any element of its list is bad."""
    out = np.zeros(n, dtype=bool)
    if bad_elements.any():
        parents = pc.list_parent_indices(lists).to_numpy()
        out[parents[bad_elements]] = True
    return out


def _checks(table: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """The table (``published_at`` rendered as the model renders it) and the per-row verdict."""
    n = table.num_rows

    def col(name: str) -> pa.Array:  # (of the table as it is now: published_at is replaced below)
        return column(table, name)

    ok = np.ones(n, dtype=bool)

    # ids: id always; story_id and duplicate_of when set
    ids = col("id")
    ok &= ids_valid(ids)
    for ref in ("story_id", "duplicate_of"):
        refs = col(ref)
        ok &= ~_valid(refs) | ids_valid(refs)
    ok &= ~_true(pc.equal(col("duplicate_of"), ids))

    source = col("source")
    outlet, domain = source.field("outlet"), source.field("domain")
    ok &= _valid(source) & _true(pc.greater_equal(pc.utf8_length(outlet), 1))
    ok &= ~_valid(domain) | _matches(domain, _DOMAIN_RE2)

    # lists (a missing list and an explicit null both read as null: the model tells them apart)
    credits, captions, blocks = col("credits"), col("captions"), col("blocks")
    ok &= _valid(credits) & _valid(captions) & _valid(blocks)
    flat = credits.flatten()
    bad = ~_valid(flat) | ~_true(pc.greater_equal(pc.utf8_length(flat.field("name")), 1)) | ~_true(pc.is_in(flat.field("role"), _ROLES))
    ok &= ~_rows_failing(credits, bad, n)
    flat = captions.flatten()
    ok &= ~_rows_failing(captions, ~_valid(flat) | ~_valid(flat.field("text")), n)

    lang = col("lang")
    ok &= _matches(lang, _LANG_RE2)
    prov = col("provenance")
    ok &= _valid(prov) & _valid(prov.field("path")) & _valid(prov.field("parser_version"))
    ok &= _made_of(prov.field("sha256"), _HEX_LOWER, None, 64, 64)

    published = col("published_at")
    if published.null_count < n:
        iso = [published_at_iso(v) if v is not None else "" for v in published.to_pylist()]
        ok &= np.fromiter((v is not None for v in iso), dtype=bool, count=n)
        published = pa.array([v or None for v in iso], _S)
        table = table.set_column(table.schema.get_field_index("published_at"), "published_at", published)

    text = col("text")
    length = pc.utf8_length(text)
    ok &= _true(pc.greater_equal(length, 1)) & _clean_texts(text)
    ok &= _tiled(text, length, blocks)
    return table, ok


def _clean_texts(text: pa.Array) -> np.ndarray:
    """Per row: ``Article._clean_text`` accepts the text (its NFC test by unicodedata, and only
    for texts with a character outside the NFC-safe ranges)."""
    ok = ~_matches(text, _TEXT_FLAGS_RE2)
    flagged = np.flatnonzero(~ok & _valid(text))
    if flagged.size:
        sub = text.take(pa.array(flagged))
        fine = ~_matches(sub, _TEXT_FORMAT_RE2)
        for k in np.flatnonzero(fine).tolist():
            ok[flagged[k]] = unicodedata.is_normalized("NFC", sub[k].as_py())
    return ok


def _tiled(text: pa.Array, length: pa.Array, blocks: pa.ListArray) -> np.ndarray:
    """Per row: ``check_blocks`` passes in its simple form (``_tiles_simply``): blocks in order,
    the first at 0, each ending after it starts, separated by exactly ``PARAGRAPH_SEPARATOR``, the
    last at the end, no other newline, no block with white space at an edge."""
    n = len(text)
    sep = len(PARAGRAPH_SEPARATOR)
    counts = as_numpy(pc.list_value_length(blocks), 0).astype(np.int64)
    has = counts > 0
    ok = has.copy()
    flat = blocks.flatten()
    ok &= ~_rows_failing(blocks, ~_valid(flat) | ~_true(pc.is_in(flat.field("kind"), _KINDS)), n)
    starts = as_numpy(flat.field("start"), -1)
    ends = as_numpy(flat.field("end"), -1)
    first = np.zeros(starts.size, dtype=bool)
    offsets = np.cumsum(counts) - counts  # index of each row's first block
    first[offsets[has]] = True
    prev_end = np.empty_like(ends)
    prev_end[1:] = ends[:-1] + sep
    expected = np.where(first, 0, prev_end)
    bad = (starts != expected) | (ends <= starts)
    ok &= ~_rows_failing(blocks, bad, n)
    last_end = np.full(n, -1, dtype=np.int64)
    last_end[has] = ends[offsets[has] + counts[has] - 1]
    ok &= last_end == as_numpy(length, -2)
    # Split at every newline: a tiled text with no other newline gives each block's text at
    # even positions and an empty piece (between the two newlines of a separator) at odd ones.
    pieces = pc.split_pattern(text, "\n")
    n_pieces = as_numpy(pc.list_value_length(pieces), -1)
    ok &= n_pieces == 2 * counts - 1
    rows = np.flatnonzero(ok)
    if rows.size:
        kept, kept_pieces = blocks, pieces
        if rows.size < n:
            take = pa.array(rows)
            kept, kept_pieces = blocks.take(take), pieces.take(take)
        kept_flat = kept.flatten()
        width = kept_flat.field("end").to_numpy(zero_copy_only=False) - kept_flat.field("start").to_numpy(zero_copy_only=False)
        plen = pc.utf8_length(kept_pieces.flatten()).to_numpy(zero_copy_only=False)
        row_first_piece = kept_pieces.offsets.to_numpy()[:-1] - kept_pieces.offsets[0].as_py()
        parity = np.arange(plen.size) - np.repeat(row_first_piece, 2 * counts[rows] - 1)
        block_piece = parity % 2 == 0
        bad_rows = _rows_failing(kept, plen[block_piece] != width, rows.size)
        bad_rows |= _rows_failing(kept_pieces, ~block_piece & (plen != 0), rows.size)
        ok[rows[bad_rows]] = False
    return ok


def article_row(article: Article) -> dict:
    """``article`` as a row of :data:`ARTICLE_ARROW_SCHEMA` (``published_at`` as ``isoformat``,
    as :func:`validate_article_lines` renders it): for lines only the model accepts."""
    row = article.model_dump()
    row["published_at"] = article.published_at.isoformat() if article.published_at else None
    return row


def articles_table(articles: list[Article]) -> pa.Table:
    """Rows of :func:`article_row` for ``articles``, as a table of :data:`ARTICLE_ARROW_SCHEMA`."""
    return pa.Table.from_pylist([article_row(a) for a in articles], schema=ARTICLE_ARROW_SCHEMA)
