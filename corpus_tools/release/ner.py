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

The batch code is vectorised with NumPy over the UTF-32 code points of many articles at once,
which keeps the build within a small factor of a bare Parquet write.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

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


_ASCII = np.array([_flags(chr(i)) for i in range(128)], dtype=np.uint8)


def _classify(cps: np.ndarray) -> np.ndarray:
    """The ``_WORD | _DIGIT | ...`` flags of an array of code points (one table lookup for ASCII)."""
    flags = _ASCII[np.minimum(cps, 127)]
    hi = cps >= 128
    if hi.any():
        uniq, inv = np.unique(cps[hi], return_inverse=True)
        flags[hi] = np.array([_flags(chr(int(c))) for c in uniq], dtype=np.uint8)[inv]
    return flags


def _token_bounds(cps: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) positions of the tokens of ``cps``; ``cuts`` force boundaries."""
    n = len(cps)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    flags = _classify(cps)
    word = (flags & _WORD) > 0
    space = (flags & _SPACE) > 0
    w = word.copy()
    # A joiner between two word characters (a separator between two digits) joins them.
    mid = np.flatnonzero(flags[1:-1] & (_JOIN | _DIGIT_JOIN)) + 1
    if len(mid):
        f, before, after = flags[mid], flags[mid - 1], flags[mid + 1]
        joined = ((f & _JOIN) > 0) & ((before & after & _WORD) > 0) | ((f & _DIGIT_JOIN) > 0) & ((before & after & _DIGIT) > 0)
        w[mid[joined]] = True
    cont = np.zeros(n + 1, dtype=bool)  # cont[i]: character i continues the token of character i-1
    cont[1:n] = w[1:] & w[:-1]
    if len(cuts):
        cont[cuts] = False
    nonspace = ~space
    starts = np.flatnonzero(nonspace & ~cont[:n])
    ends = np.flatnonzero(nonspace & ~cont[1:]) + 1
    return starts, ends


def tokenize(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """``(start, end)`` code-point offsets of the tokens of ``text`` (see the module rule)."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    cut = np.array(sorted({c for c in cuts if 0 <= c <= len(text)}), dtype=np.int64)
    starts, ends = _token_bounds(cps, cut)
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
    texts = [d.text for d in docs]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    bases = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))  # texts joined by one "\n"
    big = "\n".join(texts)
    cps = np.frombuffer(big.encode("utf-32-le"), dtype="<u4")

    # Entities and block starts of all documents, shifted to positions in ``big``.
    ents = [non_overlapping(d.entities) for d in docs]
    n_ents = np.fromiter((len(x) for x in ents), dtype=np.int64, count=len(docs))
    flat = np.array([v for x in ents for e in x for v in e[:3]], dtype=np.int64).reshape(-1, 3)
    shift = np.repeat(bases, n_ents)
    e_s, e_e, e_l = flat[:, 0] + shift, flat[:, 1] + shift, flat[:, 2]
    n_blocks = np.fromiter((len(d.blocks) for d in docs), dtype=np.int64, count=len(docs))
    blk_doc_a = np.repeat(np.arange(len(docs)), n_blocks)
    blk_s_a = np.array([b[0] for d in docs for b in d.blocks], dtype=np.int64) + bases[blk_doc_a]
    blk_idx_a = np.arange(len(blk_doc_a)) - np.repeat(np.cumsum(n_blocks) - n_blocks, n_blocks)
    blk_doc, blk_idx = blk_doc_a.tolist(), blk_idx_a.tolist()
    cuts = np.unique(np.concatenate((e_s, e_e)))
    starts, ends = _token_bounds(cps, cuts)

    # BIO tags: the entity (if any) whose [start, end) holds the token start.
    if len(e_s):
        idx = np.searchsorted(e_s, starts, side="right") - 1
        safe = np.maximum(idx, 0)
        inside = (idx >= 0) & (starts < e_e[safe])
        prev_same = np.concatenate(([False], inside[:-1] & inside[1:] & (idx[:-1] == idx[1:])))
        tags = np.where(inside, 1 + 2 * e_l[safe] + prev_same.astype(np.int64), 0).astype(np.int64)
    else:
        tags = np.zeros(len(starts), dtype=np.int64)

    # Token strings straight from the UTF-8 bytes (no per-token Python objects).
    utf8 = np.frombuffer(big.encode("utf-8"), dtype=np.uint8)
    if len(utf8) == len(cps):  # pure ASCII: byte positions are code-point positions
        b_starts, b_ends = starts, ends
    else:
        utf8_len = 1 + (cps >= 0x80).astype(np.int64) + (cps >= 0x800) + (cps >= 0x10000)
        bytepos = np.concatenate(([0], np.cumsum(utf8_len)))
        b_starts, b_ends = bytepos[starts], bytepos[ends]
    mark = np.zeros(len(utf8) + 1, dtype=np.int8)
    mark[b_starts] += 1
    mark[b_ends] -= 1
    data = utf8[np.cumsum(mark[:-1], dtype=np.int8) > 0]  # tokens never overlap: the sum is 0 or 1
    tok_bytes = b_ends - b_starts
    str_offsets = np.concatenate(([0], np.cumsum(tok_bytes))).astype(np.int32)
    tokens = pa.StringArray.from_buffers(len(starts), pa.py_buffer(str_offsets), pa.py_buffer(data))

    tok_doc = np.searchsorted(bases, starts, side="right") - 1
    local_s = (starts - bases[tok_doc]).astype(np.int32)
    local_e = (ends - bases[tok_doc]).astype(np.int32)
    list_offsets = pa.array(
        np.concatenate((np.searchsorted(starts, blk_s_a, side="left"), [len(starts)])).astype(np.int32)
    )
    article_ids = [docs[k].article_id for k in blk_doc]
    columns = {
        "id": pa.array([f"{a}:{i}" for a, i in zip(article_ids, blk_idx)], type=pa.string()),
        "article_id": pa.array(article_ids, type=pa.string()),
        "paragraph_index": pa.array(blk_idx, type=pa.int32()),
        "tokens": pa.ListArray.from_arrays(list_offsets, tokens),
        "token_starts": pa.ListArray.from_arrays(list_offsets, pa.array(local_s)),
        "token_ends": pa.ListArray.from_arrays(list_offsets, pa.array(local_e)),
        "ner_tags": pa.ListArray.from_arrays(list_offsets, pa.array(tags)),
    }
    return pa.RecordBatch.from_arrays([columns[f.name].cast(f.type) for f in schema], schema=schema)
