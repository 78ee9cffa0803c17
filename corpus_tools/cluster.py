"""Story clusters and near-duplicates: MinHash signatures, LSH banding, union-find.

Two relations are marked, on the clean body ``Article.text``:

- ``duplicate_of``: exact and near-exact copies (estimated Jaccard >= ``DUPLICATE_THRESHOLD``
  = 0.8; a copy with a changed sentence or different boilerplate is still >= 0.9). Each member
  points at the earliest member (smallest id) of its duplicate group; that one has ``None``.
- ``story_id``: rewrites of one story (estimated Jaccard >= ``STORY_THRESHOLD`` = 0.10).
  Every article gets one: ``story-<smallest id in the cluster>``, singletons too.

Shingles are word 3-grams (ASCII-lowercased; punctuation, quotes and dashes are separators).
On the seeds, 000/002 (two outlets' rewrites of one wire story) have 3-gram Jaccard 0.214 and
every other pair <= 0.012, while word unigrams give 0.14-0.22 for *unrelated* same-topic pairs:
3-grams separate rewrites from same-topic articles, copies sit near 1.0.

Signature: one-permutation MinHash (Li, Owen & Zhang 2012) with optimal densification
(Shrivastava 2017). Each shingle is hashed once to 64 bits; the top 8 bits pick one of
``NUM_PERM`` = 256 bins and the low 32 bits are its value; a bin keeps the minimum. Empty bins
borrow the value of a bin chosen by a probe sequence that depends only on (bin, attempt), so two
documents borrow alike and ``P[sig_a[k] == sig_b[k]] = J(a, b)`` as for classic MinHash with 256
permutations, at O(shingles) instead of O(shingles x permutations) cost.

LSH banding: ``BANDS`` = 128 bands of ``ROWS`` = 2 bins; two articles are candidates when any
band is equal. ``P(candidate | J) = 1 - (1 - J**2)**128``:

    J      0.012   0.05   0.10   0.15   0.20    0.30        0.80
    P      0.018   0.274  0.724  0.946  0.9946  0.999994    1.0

Candidates are then verified on the full signature (estimated Jaccard = share of equal bins,
standard error sqrt(J(1-J)/256) = 0.025 at J = 0.2): a rewrite at J = 0.2 is missed with
probability 0.0054 (banding) + 7e-6 (estimate < 0.10); an unrelated pair at J = 0.012 becomes a
candidate with probability 0.018 and passes verification with probability 2e-16 (it needs 26
equal bins where 3 are expected). Pairs between 0.05 and 0.10 are the grey zone: sometimes
candidates, rarely kept. Clusters are the connected components of verified pairs (so story
clusters can chain: A~B and B~C puts A, B, C in one story), computed by a vectorised
union-find. Within one LSH bucket only the ``MAX_NEIGHBOURS`` nearest members in id order are
paired (all pairs for buckets up to 17 members; a chain plus neighbours beyond that), which keeps
a bucket of 10,000 exact copies linear instead of 50 million pairs.

Everything is numpy over batches: ``signatures(texts)`` is pure per batch (workers compute it
in parallel; it can run as a Ray Data ``map_batches``), ``cluster(ids, sigs)`` needs only the
compact signatures (n x 256 uint32 = 1 KiB per article). No Python loop runs over pairs or
buckets (one plain pass over the articles names the results); sorting one key array per band
makes it O(n log n) per band, so a million articles is 128 sorts of a million keys.
``cluster_roots`` needs only a function giving one band's keys at a time, so ingest spills the
band keys to disk as they arrive and clusters a million articles with ~8 MB of keys in RAM.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator, Sequence

import numpy as np

NUM_PERM = 256
BANDS = 128
ROWS = NUM_PERM // BANDS
assert ROWS == 2, "band_keys packs exactly two uint32 rows into one uint64 key"
SHINGLE_WORDS = 3
STORY_THRESHOLD = 0.10
DUPLICATE_THRESHOLD = 0.80
MAX_NEIGHBOURS = 16
#: Value of an empty bin; rows that stay all-EMPTY (texts without a single word) never cluster.
EMPTY = np.uint32(0xFFFFFFFF)

_U64 = np.uint64
_SEED = 20250508
_rng = np.random.default_rng(_SEED)
#: Random odd multipliers that combine the words of a shingle.
_SHINGLE_MUL = _rng.integers(1, 2**63, size=SHINGLE_WORDS, dtype=np.uint64) | _U64(1)
#: Densification probe table: attempt t for empty bin k looks at bin _PROBES[t, k].
_MAX_PROBES = 512
_PROBES = _rng.integers(0, NUM_PERM, size=(_MAX_PROBES, NUM_PERM), dtype=np.int64)
_BIN_SHIFT = _U64(64 - int(np.log2(NUM_PERM)))

#: Texts are grouped by at most this many code points (long texts are cut at white space into
#: pieces), so a group's UTF-8 bytes always fit the fixed power table below; one hashing pass
#: takes as many whole groups as fit the table (a text's shingles never span its groups).
_GROUP_CHARS = 65_536
_POW_LEN = 4 * _GROUP_CHARS + 8
_WORD_BASE = _rng.integers(1, 2**63, dtype=np.uint64) | _U64(1)
_pow_table: np.ndarray | None = None


def _powers() -> np.ndarray:
    """``_WORD_BASE ** t mod 2**64`` for t < _POW_LEN (2 MB, built once per process)."""
    global _pow_table
    if _pow_table is None:
        p = np.full(_POW_LEN, _WORD_BASE, dtype=np.uint64)
        p[0] = 1
        _pow_table = np.multiply.accumulate(p)
    return _pow_table


def _rev_powers() -> np.ndarray:
    """``_WORD_BASE ** (_POW_LEN - 2 - t)``: indexed by the byte before a word (a view)."""
    return _powers()[-2::-1]


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (in place on a uint64 array): spreads every input bit."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


def _word_hashes(encoded: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every word of the UTF-8 pieces; return the hashes and the number of words of each
    piece. The pieces and their NUL separators must fit the power table (``_POW_LEN`` bytes).

    Word bytes: ASCII letters and digits (case folded by ``| 0x20``) and every non-ASCII byte
    except Latin-1 punctuation (C2 A0..BF: no-break space, guillemets) and the General
    Punctuation block (E2 80|81 xx: dashes, curly quotes, ellipsis, zero-width spaces). A word's
    hash is a polynomial rolling hash read off one prefix sum over the group's bytes and made
    independent of the word's position by a fixed power, so it needs no per-byte gathers.
    The multi-byte punctuation is searched for only when its first two bytes occur at all.
    """
    data = b"\x00" + b"\x00".join(encoded) + b"\x00"
    arr = np.frombuffer(data, dtype=np.uint8)
    size = arr.size
    low = arr | np.uint8(0x20)
    is_word = arr >= 0x80
    is_word |= (low - np.uint8(97)) < 26
    is_word |= (arr - np.uint8(48)) < 10
    if b"\xe2\x80" in data or b"\xe2\x81" in data:
        p = np.flatnonzero(arr[:-2] == 0xE2)
        q = arr[p + 1]
        p = p[(q == 0x80) | (q == 0x81)]
        is_word[p] = is_word[p + 1] = is_word[p + 2] = False
    if b"\xc2" in data:
        p = np.flatnonzero(arr[:-1] == 0xC2)
        q = arr[p + 1]
        p = p[(q >= 0xA0) & (q <= 0xBF)]
        is_word[p] = is_word[p + 1] = False
    # the byte before each word's first byte and each word's last byte, alternating (the first
    # and last bytes are separators, so the edges pair up)
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])
    before = edges[0::2]
    acc = low.astype(np.uint64)
    acc *= _powers()[:size]
    np.cumsum(acc, out=acc)
    at = acc[edges]
    words = at[1::2] - at[0::2]
    words *= _rev_powers()[before]  # * _WORD_BASE ** (_POW_LEN - 1 - start)
    _fmix64(words)
    # piece k's bytes end at bounds[k] (the NUL after it): its words start before that
    bounds = np.fromiter(itertools.accumulate(len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    ends = np.searchsorted(before, bounds - 1)
    ends[1:] -= ends[:-1].copy()
    return words, ends


def _groups(texts: Sequence[str]) -> Iterator[tuple[list[str], np.ndarray]]:
    """Yield ``(pieces, text index of each piece)`` groups of at most _GROUP_CHARS code points."""
    pieces: list[str] = []
    owners: list[int] = []
    size = 0
    limit = _GROUP_CHARS - 1
    for d, text in enumerate(texts):
        # a NUL inside a text is a separator like a space (both fold to 0x20; pieces are told
        # apart by their byte offsets, not by NULs), so only the cut below needs it replaced
        parts = [text]
        if len(text) > limit:  # cut at white space so that no word is split
            text = text.replace("\x00", " ")
            parts, pos = [], 0
            while pos < len(text):
                cut = pos + limit
                if cut < len(text):
                    ws = max(text.rfind(" ", pos, cut), text.rfind("\n", pos, cut))
                    cut = ws if ws > pos else cut
                parts.append(text[pos:cut])
                pos = cut
        for part in parts:
            if size + len(part) + 1 > _GROUP_CHARS and pieces:
                yield pieces, np.asarray(owners, dtype=np.int64)
                pieces, owners, size = [], [], 0
            pieces.append(part)
            owners.append(d)
            size += len(part) + 1
    if pieces:
        yield pieces, np.asarray(owners, dtype=np.int64)


def _hash_units(encoded: list[bytes], units: list[int], unit_doc: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes (before the final mix) and their texts for one hashing pass: pieces in
    order, ``units[i]`` the 0-based unit of piece i (units ascend), ``unit_doc[u]`` its text.
    Shingles never span two units; a unit of one or two words gets one shingle of its words."""
    k = SHINGLE_WORDS
    words, per_piece = _word_hashes(encoded)
    unit = np.repeat(np.asarray(units, dtype=np.int64), per_piece)
    docs = np.asarray(unit_doc, dtype=np.int64)
    out_sh, out_doc = [], []
    if words.size >= k:
        same = unit[: -k + 1] == unit[k - 1 :]
        acc = words[: -k + 1] * _SHINGLE_MUL[0]
        for off in range(1, k):
            acc += words[off : words.size - k + 1 + off] * _SHINGLE_MUL[off]
        out_sh.append(acc[same])
        out_doc.append(docs[unit[: -k + 1][same]])
    counts = np.zeros(len(unit_doc), np.int64)  # words per unit
    np.add.at(counts, np.asarray(units, dtype=np.int64), per_piece)
    short = (counts > 0) & (counts < k)
    if short.any():
        in_short = short[unit]
        sunit = unit[in_short]
        first_word = np.cumsum(counts) - counts
        spos = np.flatnonzero(in_short) - first_word[sunit]
        acc = np.zeros(len(unit_doc), _U64)
        np.add.at(acc, sunit, words[in_short] * _SHINGLE_MUL[spos])
        short_units = np.flatnonzero(short)
        out_sh.append(acc[short_units])
        out_doc.append(docs[short_units])
    return out_sh, out_doc


def shingle_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the word 3-grams of every text, and the index of the text each came from.

    A text of one or two words gets one shingle of its words; a text with no word gets none.
    The shingles of a text cut into pieces (one over _GROUP_CHARS) do not span the _groups it
    spans (a "unit" is a text's words within one group). Many groups are hashed in one pass of
    numpy calls (up to the power table's ``_POW_LEN`` bytes, ~4x a group of plain text): each
    call has a fixed cost, and the hash values do not depend on where the bytes sit.
    """
    out_sh, out_doc = [np.zeros(0, _U64)], [np.zeros(0, np.int64)]
    encoded: list[bytes] = []
    units: list[int] = []
    unit_doc: list[int] = []
    size = 1
    for pieces, owners in _groups(texts):
        # an Article's text has its UTF-8 form cached (pydantic's min_length made it): a copy
        enc = [p.encode("utf-8", errors="replace") for p in pieces]
        grown = size + sum(map(len, enc)) + len(enc)
        if encoded and grown > _POW_LEN - 1:
            sh, sd = _hash_units(encoded, units, unit_doc)
            out_sh += sh
            out_doc += sd
            encoded, units, unit_doc = [], [], []
            grown = 1 + sum(map(len, enc)) + len(enc)
        size = grown
        prev = -1
        for d in owners.tolist():
            if d != prev:  # a new unit per text and group
                unit_doc.append(d)
                prev = d
            units.append(len(unit_doc) - 1)
        encoded += enc
    if encoded:
        sh, sd = _hash_units(encoded, units, unit_doc)
        out_sh += sh
        out_doc += sd
    return _fmix64(np.concatenate(out_sh)), np.concatenate(out_doc)


def signatures(texts: Sequence[str]) -> np.ndarray:
    """One-permutation MinHash signatures, shape ``(len(texts), NUM_PERM)``, dtype uint32.

    Pure and deterministic: the same text gives the same row in any batch, process or run.
    """
    n = len(texts)
    sh, sh_doc = shingle_hashes(texts)
    sig = np.full(n * NUM_PERM, EMPTY, dtype=np.uint32)
    if sh.size:
        # cell = doc * NUM_PERM + bin (top bits), value = the low 32 bits (astype truncates);
        # in place on uint64 and viewed as int64: half the passes of astype + arithmetic
        cell = sh >> _BIN_SHIFT
        cell += sh_doc.view(_U64) * _U64(NUM_PERM)
        np.minimum.at(sig, cell.view(np.int64), sh.astype(np.uint32))
    sig = sig.reshape(n, NUM_PERM)
    return _densify(sig)


def _densify(sig: np.ndarray) -> np.ndarray:
    """Optimal densification: an empty bin takes the value of the first non-empty bin on its
    fixed probe sequence (the same sequence for every document, so borrowing stays consistent)."""
    orig = sig.copy()
    empty = orig == EMPTY
    has_any = ~empty.all(axis=1)
    # flat positions of the empty bins (1-D gathers and scatters: ~2x cheaper than [d, j] pairs)
    e = np.flatnonzero(empty & has_any[:, None])
    j = e % NUM_PERM
    base = e - j
    src, dst = orig.reshape(-1), sig.reshape(-1)
    for t in range(_MAX_PROBES):
        if e.size == 0:
            break
        v = src[base + _PROBES[t, j]]
        ok = v != EMPTY
        dst[e[ok]] = v[ok]
        miss = ~ok
        e, j, base = e[miss], j[miss], base[miss]
    if e.size:  # only documents with a handful of shingles get here; fill deterministically
        dst[e] = orig[e // NUM_PERM].min(axis=1)
    return sig


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """The LSH band keys, shape ``(n, BANDS)`` uint64: band b's two uint32 bins side by side.

    A zero-copy view of the signatures (exact keys, no hash collisions); ingest spills these
    band by band to disk so clustering never needs all signatures in RAM.
    """
    return np.ascontiguousarray(sigs, dtype=np.uint32).view(np.uint64)


def _band_reader(sigs: np.ndarray) -> Callable[[int], np.ndarray]:
    keys = band_keys(sigs)
    return lambda b: keys[:, b]


def empty_rows(sigs: np.ndarray) -> np.ndarray:
    """Rows that are all EMPTY (texts without a word): after densification a row is either all
    EMPTY or has no EMPTY bin at all, so the first bin tells which rows to check."""
    maybe = np.flatnonzero(sigs[:, 0] == EMPTY)
    return maybe[(sigs[maybe] == EMPTY).all(axis=1)]


def band_candidates(
    n: int, band_key: Callable[[int], np.ndarray], *, empty: np.ndarray | None = None, bands: int = BANDS
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs ``(i, j)``, ``i < j``, sharing at least one of the first ``bands`` LSH bands.

    ``band_key(b)`` returns band b's n keys (from RAM or from a file: one band at a time is
    all that is held); rows in ``empty`` never pair.
    """
    valid = np.setdiff1d(np.arange(n), empty) if empty is not None and empty.size else None
    found: list[np.ndarray] = []
    pending = 0
    for b in range(bands):
        key = band_key(b)
        if valid is not None:
            key = key[valid]
        order = np.argsort(key)  # unstable (SIMD) sort: rows within a run are re-sorted below
        ks = key[order]
        eq = ks[1:] == ks[:-1]
        if not eq.any():
            continue
        member = np.zeros(ks.size, dtype=bool)
        member[1:] |= eq
        member[:-1] |= eq
        g_keys, g_rows = ks[member], order[member]
        if valid is not None:
            g_rows = valid[g_rows]
        # rows of one run in row order, as a stable sort leaves them (only the few rows in runs)
        run_order = np.lexsort((g_rows, g_keys))
        g_keys, g_rows = g_keys[run_order], g_rows[run_order]
        for dist in range(1, MAX_NEIGHBOURS + 1):
            if dist >= g_keys.size:
                break
            same = g_keys[dist:] == g_keys[:-dist]
            if not same.any():
                break
            a, c = g_rows[:-dist][same], g_rows[dist:][same]
            found.append(np.minimum(a, c).astype(np.int64) * n + np.maximum(a, c))
            pending += a.size
        if pending > 250_000:  # exact copies share every band: dedupe as we go, memory stays small
            found, pending = [np.unique(np.concatenate(found))], 0
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = np.unique(np.concatenate(found))
    return codes // n, codes % n


def candidate_pairs(sigs: np.ndarray, *, bands: int = BANDS) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs ``(i, j)``, ``i < j``, sharing at least one of the first ``bands`` LSH bands."""
    return band_candidates(sigs.shape[0], _band_reader(sigs), empty=empty_rows(sigs), bands=bands)


def band_equal_bins(i: np.ndarray, j: np.ndarray, band_key: Callable[[int], np.ndarray]) -> np.ndarray:
    """Number of equal signature bins of each row pair, summed band by band (two bins a key)."""
    counts = np.zeros(len(i), dtype=np.int64)
    if not len(i):
        return counts
    low = _U64(0xFFFFFFFF)
    for b in range(BANDS):
        key = band_key(b)
        x = key[i] ^ key[j]
        counts += (x & low) == 0
        counts += (x >> _U64(32)) == 0
    return counts


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Vectorised union-find: the root of every node, where a root is its component's minimum."""
    parent = np.arange(n, dtype=np.int64)
    while True:
        while True:  # path compression by pointer jumping
            gp = parent[parent]
            if np.array_equal(gp, parent):
                break
            parent = gp
        ri, rj = parent[i], parent[j]
        diff = ri != rj
        if not diff.any():
            return parent
        np.minimum.at(parent, np.maximum(ri[diff], rj[diff]), np.minimum(ri[diff], rj[diff]))


def story_id_for(article_id: str) -> str:
    """``story-<id>``; a hash instead when that would exceed the 200-character id limit."""
    sid = f"story-{article_id}"
    return sid if len(sid) <= 200 else "story-" + hashlib.blake2b(article_id.encode(), digest_size=16).hexdigest()


def cluster_roots(
    n: int,
    band_key: Callable[[int], np.ndarray],
    *,
    empty: np.ndarray | None = None,
    rank: np.ndarray | None = None,
    story_threshold: float = STORY_THRESHOLD,
    duplicate_threshold: float = DUPLICATE_THRESHOLD,
) -> tuple[np.ndarray, np.ndarray]:
    """Story and duplicate roots of n rows, from their band keys only (see ``band_candidates``).

    Roots are in rank space: ``story_root[rank[k]]`` is the rank of the story's earliest member
    (``rank`` = each row's position in id order; None when the rows are already in id order,
    as in ingest). Two passes over the bands: candidates, then the equal-bin counts.
    """
    i, j = band_candidates(n, band_key, empty=empty)
    est = band_equal_bins(i, j, band_key) / NUM_PERM
    keep = est >= story_threshold
    i, j, est = i[keep], j[keep], est[keep]
    if rank is not None:
        i, j = rank[i], rank[j]
    story_root = components(n, i, j)
    dup = est >= duplicate_threshold
    return story_root, components(n, i[dup], j[dup])


def cluster(
    ids: Sequence[str],
    sigs: np.ndarray,
    *,
    story_threshold: float = STORY_THRESHOLD,
    duplicate_threshold: float = DUPLICATE_THRESHOLD,
) -> tuple[list[str], list[str | None]]:
    """``(story_ids, duplicate_of)`` aligned with ``ids``; "earliest" means smallest id."""
    n = len(ids)
    if sigs.shape != (n, NUM_PERM):
        raise ValueError(f"signatures have shape {sigs.shape}, expected ({n}, {NUM_PERM})")
    order = sorted(range(n), key=ids.__getitem__)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    story_root, dup_root = cluster_roots(
        n, _band_reader(sigs), empty=empty_rows(sigs), rank=rank, story_threshold=story_threshold, duplicate_threshold=duplicate_threshold
    )
    story_ids: list[str] = []
    duplicate_of: list[str | None] = []
    for k in range(n):
        r = rank[k]
        story_ids.append(story_id_for(ids[order[story_root[r]]]))
        d = dup_root[r]
        duplicate_of.append(None if d == r else ids[order[d]])
    return story_ids, duplicate_of
