"""The ``ner`` config: an offset-preserving tokenizer and BIO tags, one row per paragraph.

Tokenizer (the rule is the contract; ``tokenize`` and the batch code implement it):

* A *word character* is a letter, digit or combining mark (Unicode category L*, N*, M*) or
  ``_``. A hyphen or apostrophe (``-`` ``'`` ``’`` U+2010 U+2011) with a word character on
  both sides counts as a word character (``anak-anak``, ``Hwasong-11``, ``Kim's``), and so does
  a ``.`` or ``,`` with a decimal digit on both sides (``1.000``, ``3,5``).
* A token is a maximal run of word characters, or any other single non-space character
  (punctuation and symbols are one token each). White space separates and is never a token.
* A token boundary is also forced at every entity start and end, so every entity is a whole
  number of tokens and no entity is lost to tokenization.
* Offsets are Python code points into ``Article.text`` (the same as the spans), so
  ``text[token_starts[i]:token_ends[i]] == tokens[i]`` always.

Tags: ``O``, ``B-X``, ``I-X`` (ids from :func:`features.bio_tag_names`). BIO cannot express
overlapping entities: when the scheme allows them, the earliest-starting (then longest)
entity wins and the entities it overlaps are left out of this config (they stay in
``documents``).

The batch code is vectorised with NumPy over many articles at once: one flags byte per code
point (``bytes.translate`` of the ASCII text; ``unicodedata`` only for the distinct non-ASCII
characters), then a few passes over those bytes and per-token arrays; token strings are cut
from the UTF-8 bytes by Arrow, with no Python object per token.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_JOINERS = np.array([ord(c) for c in "-'\u2019\u2010\u2011"], dtype=np.uint32)
_DIGIT_JOINERS = np.array([ord("."), ord(",")], dtype=np.uint32)


def _char_class(ch: str) -> tuple[bool, bool, bool]:
    """(word, decimal digit, space) for one character."""
    cat = unicodedata.category(ch)
    return (cat[0] in "LNM" or ch == "_", cat == "Nd", ch.isspace())


_WORD, _DIGIT, _SPACE, _JOIN, _DIGIT_JOIN = 1, 2, 4, 8, 16


def _flags(ch: str) -> int:
    word, digit, space = _char_class(ch)
    joiner = ord(ch) in _JOINERS
    digit_joiner = ord(ch) in _DIGIT_JOINERS
    return _WORD * word | _DIGIT * digit | _SPACE * space | _JOIN * joiner | _DIGIT_JOIN * digit_joiner


#: The ASCII white space characters (``str.isspace``), as bytes to delete.
_ASCII_SPACE_BYTES = bytes(i for i in range(128) if chr(i).isspace())
#: ``bytes.translate`` table: the flags of each ASCII character (one C pass per batch of text).
_ASCII_TABLE = bytes(_flags(chr(i)) for i in range(128)) + bytes([_flags("?")]) * 128
assert _flags(" ") == _SPACE  # white space is never a word, digit or joiner: ``flags != _SPACE`` is "not space"


def _text_flags(text: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The ``_WORD | _DIGIT | ...`` flags of each code point of ``text``, plus the positions and
    code points of its non-ASCII characters (None for ASCII text). ASCII characters are looked
    up with one ``bytes.translate``; only the distinct non-ASCII code points go through
    ``unicodedata``."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii").translate(_ASCII_TABLE), dtype=np.uint8), None, None
    # "replace" writes one "?" per non-ASCII code point, so positions stay code-point positions.
    flags = np.frombuffer(text.encode("ascii", "replace").translate(_ASCII_TABLE), dtype=np.uint8).copy()
    cps = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    hi = np.flatnonzero(cps >= 128)
    hi_cps = cps[hi]
    uniq, inv = np.unique(hi_cps, return_inverse=True)
    flags[hi] = np.array([_flags(chr(c)) for c in uniq.tolist()], dtype=np.uint8)[inv]
    return flags, hi, hi_cps


def _token_bounds(flags: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) positions of the tokens, from the character flags; ``cuts``
    (any order, repeats allowed) force boundaries."""
    n = len(flags)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    w = (flags & _WORD).view(np.bool_)  # a fresh array of 0/1 (_WORD == 1): safe to edit in place
    # A joiner between two word characters (a separator between two digits) joins them.
    # (``!= 0`` first: NumPy finds the non-zero entries of a bool array ~5x faster than of uint8)
    mid = np.flatnonzero((flags[1:-1] & (_JOIN | _DIGIT_JOIN)) != 0) + 1
    if len(mid):
        f, before, after = flags[mid], flags[mid - 1], flags[mid + 1]
        joined = ((f & _JOIN) > 0) & ((before & after & _WORD) > 0) | ((f & _DIGIT_JOIN) > 0) & ((before & after & _DIGIT) > 0)
        w[mid[joined]] = True
    cont = w[1:] & w[:-1]  # cont[i]: character i+1 continues the token of character i
    if len(cuts):
        inner = cuts[(cuts > 0) & (cuts < n)]
        cont[inner - 1] = False
    nonspace = flags != _SPACE
    first = np.empty(n, dtype=np.bool_)  # a token starts at a non-space character that continues nothing
    first[0] = nonspace[0]
    np.greater(nonspace[1:], cont, out=first[1:])
    last = np.empty(n, dtype=np.bool_)  # and ends after a non-space character the next one does not continue
    last[-1] = nonspace[-1]
    np.greater(nonspace[:-1], cont, out=last[:-1])
    ends = np.flatnonzero(last)
    ends += 1
    return np.flatnonzero(first), ends


def tokenize(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """``(start, end)`` code-point offsets of the tokens of ``text`` (see the module rule)."""
    cut = np.fromiter((c for c in cuts if 0 <= c <= len(text)), dtype=np.int64)
    starts, ends = _token_bounds(_text_flags(text)[0], cut)
    return list(zip(starts.tolist(), ends.tolist()))


@dataclass
class NerDoc:
    """What the ``ner`` config needs of one annotated article."""

    article_id: str
    text: str
    blocks: Sequence[tuple[int, int]]
    entities: Sequence[tuple[int, int, int]]  # (start, end, entity label index)


def non_overlapping(entities: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Earliest-starting, then longest, entity wins; entities overlapping a kept one are dropped."""
    ents = list(entities)
    if all(a[1] <= b[0] for a, b in zip(ents, ents[1:])):  # the usual case: already ordered, disjoint
        return ents
    kept: list[tuple[int, int, int]] = []
    for s, e, lab in sorted(ents, key=lambda x: (x[0], -x[1], x[2])):
        if not kept or s >= kept[-1][1]:
            kept.append((s, e, lab))
    return kept


def ner_batch(docs: Sequence[NerDoc], schema: pa.Schema) -> pa.RecordBatch:
    """Rows of the ``ner`` config (one per block, in document then block order) for ``docs``."""
    if not docs:
        return pa.RecordBatch.from_pylist([], schema=schema)
    ents = [non_overlapping(d.entities) for d in docs]
    flat = np.fromiter(chain.from_iterable(e[:3] for x in ents for e in x), dtype=np.int64, count=3 * sum(map(len, ents)))
    flat = flat.reshape(-1, 3)
    return ner_columns(
        [d.article_id for d in docs], [d.text for d in docs], [b[0] for d in docs for b in d.blocks],
        [len(d.blocks) for d in docs], flat[:, 0], flat[:, 1], flat[:, 2], [len(x) for x in ents], schema,
    )


def ner_columns(
    article_ids: Sequence[str], texts: Sequence[str], block_starts: Sequence[int], n_blocks: Sequence[int],
    ent_start: Sequence[int], ent_end: Sequence[int], ent_label: Sequence[int], n_ents: Sequence[int],
    schema: pa.Schema,
) -> pa.RecordBatch:
    """:func:`ner_batch` over columns: the block starts and the entities of all documents
    concatenated in document order (``n_blocks``/``n_ents`` per document), offsets relative to
    each document's text, each document's entities disjoint and ordered by start (as
    :func:`non_overlapping` returns them). The builder passes the entity columns it already
    built for ``documents``, so no per-entity Python object is made twice.

    All documents are joined by one ``"\\n"`` (white space, so no token crosses documents) and
    tokenized at once; per-character work is a few NumPy passes over one byte per code point,
    everything else is per token."""
    if not texts:
        return pa.RecordBatch.from_pylist([], schema=schema)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bases = np.zeros(len(texts), dtype=np.int64)  # texts joined by one "\n"
    np.cumsum(lengths[:-1] + 1, out=bases[1:])
    big = "\n".join(texts)
    flags, hi, hi_cps = _text_flags(big)

    # Entities and block starts of all documents, shifted to positions in ``big``.
    shift = np.repeat(bases, np.asarray(n_ents, dtype=np.int64))
    e_s = np.asarray(ent_start, dtype=np.int64) + shift
    e_e = np.asarray(ent_end, dtype=np.int64) + shift
    e_l = np.asarray(ent_label, dtype=np.int64)
    n_blocks = np.asarray(n_blocks, dtype=np.int64)
    blk_doc_a = np.repeat(np.arange(len(texts)), n_blocks)
    blk_s_a = np.asarray(block_starts, dtype=np.int64) + bases[blk_doc_a]
    blk_idx_a = np.arange(len(blk_doc_a)) - np.repeat(np.cumsum(n_blocks) - n_blocks, n_blocks)
    starts, ends = _token_bounds(flags, np.concatenate((e_s, e_e)))
    n_tok = len(starts)

    # BIO tags. Entity bounds are token bounds (the cuts), so entity k covers the tokens
    # [first[k], stop[k]) (those that start inside it): I-X on them by a running sum of +/-
    # steps (entities are disjoint), then B-X (= I-X - 1) on the first one.
    first = np.searchsorted(starts, e_s)
    stop = np.searchsorted(starts, e_e)
    step = np.zeros(n_tok + 1, dtype=np.int64)
    i_tag = 2 + 2 * e_l
    np.add.at(step, first, i_tag)
    np.subtract.at(step, stop, i_tag)
    tags = np.cumsum(step[:-1])
    nonempty = first < stop
    tags[first[nonempty]] -= 1

    # Token strings straight from the UTF-8 bytes: every non-space character is in exactly one
    # token and no space is in any, so the tokens' bytes, in order, are the text's bytes minus
    # its white space (offsets from the token lengths). ASCII white space bytes never occur
    # inside a multi-byte character, so ``bytes.translate`` deletes them in one C pass; only a
    # text with non-ASCII white space (a thin space, U+3000...) needs a byte mask.
    if hi is None:  # ASCII: byte positions are code-point positions
        utf8, b_starts, b_ends = big.encode("ascii"), starts, ends
        data = utf8.translate(None, _ASCII_SPACE_BYTES)
    else:  # each non-ASCII code point before a position adds 1-3 bytes
        utf8 = big.encode("utf-8")
        wide = (hi_cps >= 0x80).astype(np.int64) + (hi_cps >= 0x800) + (hi_cps >= 0x10000)
        extra = np.zeros(len(hi) + 1, dtype=np.int64)
        np.cumsum(wide, out=extra[1:])
        b_starts = starts + extra[np.searchsorted(hi, starts)]
        b_ends = ends + extra[np.searchsorted(hi, ends)]
        if (flags[hi] == _SPACE).any():
            width = np.ones(len(flags), dtype=np.int64)
            width[hi] += wide
            data = np.frombuffer(utf8, dtype=np.uint8)[np.repeat(flags != _SPACE, width)].tobytes()
        else:
            data = utf8.translate(None, _ASCII_SPACE_BYTES)
    tok_bytes = np.zeros(n_tok + 1, dtype=np.int32)
    np.cumsum(b_ends - b_starts, out=tok_bytes[1:])
    if len(data) != tok_bytes[-1]:  # pragma: no cover - the rule above says this cannot happen
        raise AssertionError("ner tokenizer: token bytes differ from the text's non-space bytes")
    tokens = pa.StringArray.from_buffers(n_tok, pa.py_buffer(tok_bytes), pa.py_buffer(data))

    tok_offsets = np.empty(len(blk_s_a) + 1, dtype=np.int32)
    tok_offsets[:-1] = np.searchsorted(starts, blk_s_a, side="left")
    tok_offsets[-1] = n_tok
    base_of_tok = np.repeat(bases[blk_doc_a], np.diff(tok_offsets))
    local_s = (starts - base_of_tok).astype(np.int32)
    local_e = (ends - base_of_tok).astype(np.int32)
    list_offsets = pa.array(tok_offsets)
    paragraph_article = pa.array(article_ids, type=pa.string()).take(pa.array(blk_doc_a))
    blk_idx = pa.array(blk_idx_a.astype(np.int32))
    columns = {
        "id": pc.binary_join_element_wise(paragraph_article, blk_idx.cast(pa.string()), ":"),  # "<article id>:<index>"
        "article_id": paragraph_article,
        "paragraph_index": blk_idx,
        "tokens": pa.ListArray.from_arrays(list_offsets, tokens),
        "token_starts": pa.ListArray.from_arrays(list_offsets, pa.array(local_s)),
        "token_ends": pa.ListArray.from_arrays(list_offsets, pa.array(local_e)),
        "ner_tags": pa.ListArray.from_arrays(list_offsets, pa.array(tags)),
    }
    return pa.RecordBatch.from_arrays([columns[f.name].cast(f.type) for f in schema], schema=schema)
