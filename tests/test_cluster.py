"""Story clusters and near-duplicates on the seeds (real parser) and on synthetic texts."""

from __future__ import annotations

import hashlib
import itertools
import random
from pathlib import Path

import numpy as np
import pytest

from corpus_tools import cluster as cl
from corpus_tools.parse import parse_article

RAW = Path(__file__).resolve().parent.parent / "corpus" / "raw"


def _seed_articles():
    out = []
    for p in sorted(RAW.glob("*.txt")):
        raw = p.read_bytes()
        out.append(parse_article(raw.decode("utf-8-sig"), article_id=p.stem, path=p.name, sha256=hashlib.sha256(raw).hexdigest()))
    return out


def _words(n: int, rng: random.Random) -> list[str]:
    syll = ["ka", "ta", "ma", "ra", "se", "pe", "li", "nu", "go", "di", "ban", "tur", "lam", "sin", "kor", "ut"]
    return ["".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(n)]


def _text(rng: random.Random, n: int = 400) -> str:
    return " ".join(_words(n, rng)) + "."


def _jaccard3(a: str, b: str) -> float:
    def sh(t):
        w = t.lower().replace(".", " ").split()
        return {tuple(w[i : i + 3]) for i in range(len(w) - 2)}

    x, y = sh(a), sh(b)
    return len(x & y) / len(x | y)


def test_seeds_000_and_002_share_a_story_and_nothing_else_does():
    arts = _seed_articles()
    ids = [a.id for a in arts]
    sigs = cl.signatures([a.text for a in arts])
    stories, dups = cl.cluster(ids, sigs)
    by_id = dict(zip(ids, stories))
    assert by_id["000_91ea452fd5ee7168"] == by_id["002_122afc5b818c93bc"] == "story-000_91ea452fd5ee7168"
    others = [by_id[i] for i in ids if not i.startswith(("000", "002"))]
    assert len(set(others)) == 3 and "story-000_91ea452fd5ee7168" not in others
    assert all(s == f"story-{i}" for i, s in zip(ids, stories) if not i.startswith("002"))
    assert dups == [None] * 5
    est = {(a, b): float((sigs[a] == sigs[b]).mean()) for a, b in itertools.combinations(range(5), 2)}
    assert 0.12 < est[(0, 2)] < 0.35
    assert max(v for k, v in est.items() if k != (0, 2)) < 0.06


def test_estimate_tracks_exact_jaccard():
    rng = random.Random(7)
    base = _words(500, rng)
    for keep in (0.95, 0.7, 0.4):
        other = [w if rng.random() < keep else _words(1, rng)[0] for w in base]
        a, b = " ".join(base), " ".join(other)
        sig = cl.signatures([a, b])
        assert abs(float((sig[0] == sig[1]).mean()) - _jaccard3(a, b)) < 0.08


def test_exact_and_near_copies_are_duplicates_of_the_earliest_id():
    rng = random.Random(1)
    original = _text(rng)
    words = original.split()
    near = " ".join(words[:200] + ["kata", "baru"] + words[200:])  # two inserted words
    texts = {"c-copy": original, "a-orig": original, "b-near": near, "d-other": _text(rng), "e-other": _text(rng)}
    ids = list(texts)
    stories, dups = cl.cluster(ids, cl.signatures(list(texts.values())))
    got = dict(zip(ids, zip(stories, dups)))
    assert got["a-orig"] == ("story-a-orig", None)
    assert got["b-near"] == ("story-a-orig", "a-orig")
    assert got["c-copy"] == ("story-a-orig", "a-orig")
    assert got["d-other"] == ("story-d-other", None)
    assert got["e-other"] == ("story-e-other", None)


def test_rewrite_shares_story_but_is_not_a_duplicate():
    rng = random.Random(3)
    base = _words(600, rng)
    # keep runs of the wire text, rewrite the rest: word 3-gram Jaccard about 0.25
    rewrite = [w if (i // 12) % 2 == 0 else _words(1, rng)[0] for i, w in enumerate(base)]
    a, b = " ".join(base), " ".join(rewrite)
    assert 0.15 < _jaccard3(a, b) < 0.35
    stories, dups = cl.cluster(["x1", "x2"], cl.signatures([a, b]))
    assert stories == ["story-x1", "story-x1"] and dups == [None, None]


def test_unrelated_articles_are_not_clustered():
    rng = random.Random(11)
    texts = [_text(rng, rng.randint(50, 800)) for _ in range(300)]
    ids = [f"u{i:04d}" for i in range(300)]
    stories, dups = cl.cluster(ids, cl.signatures(texts))
    assert stories == [f"story-{i}" for i in ids]
    assert dups == [None] * 300


def test_signatures_are_pure_and_batch_independent():
    rng = random.Random(5)
    texts = [_text(rng, rng.randint(1, 300)) for _ in range(40)]
    whole = cl.signatures(texts)
    parts = np.vstack([cl.signatures(texts[i : i + 7]) for i in range(0, 40, 7)])
    assert whole.dtype == np.uint32 and whole.shape == (40, cl.NUM_PERM)
    assert np.array_equal(whole, parts)
    assert np.array_equal(whole, cl.signatures(texts))


def test_case_punctuation_and_quotes_do_not_matter():
    a = "Kim Jong-un mengatakan “kami siap” — kata dia di Pyongyang, Senin."
    b = 'kim jong un mengatakan "kami siap" - kata dia di pyongyang senin'
    sig = cl.signatures([a, b])
    assert np.array_equal(sig[0], sig[1])


def test_short_and_empty_texts():
    sig = cl.signatures(["", "...", "satu", "dua kata", "dua kata", "tiga kata ini"])
    assert (sig[0] == cl.EMPTY).all() and (sig[1] == cl.EMPTY).all()
    assert not (sig[2:] == cl.EMPTY).any()
    stories, dups = cl.cluster(["e1", "e2", "s1", "s2", "s3", "s4"], sig)
    assert stories[:3] == ["story-e1", "story-e2", "story-s1"]  # empty texts never cluster
    assert dups == [None, None, None, None, "s2", None]


def test_long_text_split_into_groups_keeps_its_signature(monkeypatch):
    rng = random.Random(9)
    text = _text(rng, 3000)
    expected = cl.signatures([text])
    monkeypatch.setattr(cl, "_GROUP_CHARS", 5000)  # forces the text into several pieces
    got = cl.signatures([text])
    assert float((got == expected).mean()) > 0.95


def test_output_is_deterministic_and_order_independent():
    rng = random.Random(2)
    base = _text(rng)
    texts = [base, _text(rng), base, _text(rng), base + " tambahan"]
    ids = ["k3", "k1", "k2", "k5", "k4"]
    s1 = cl.cluster(ids, cl.signatures(texts))
    perm = [4, 2, 0, 3, 1]
    s2 = cl.cluster([ids[i] for i in perm], cl.signatures([texts[i] for i in perm]))
    assert [s1[0][i] for i in perm] == s2[0] and [s1[1][i] for i in perm] == s2[1]
    assert dict(zip(ids, s1[1])) == {"k3": "k2", "k1": None, "k2": None, "k5": None, "k4": "k2"}


def test_big_bucket_of_copies_stays_linear():
    texts = ["sama persis teks yang sama untuk semua salinan ini"] * 1000
    ids = [f"d{i:05d}" for i in range(1000)]
    i, j = cl.candidate_pairs(cl.signatures(texts))
    assert len(i) <= 1000 * cl.MAX_NEIGHBOURS
    stories, dups = cl.cluster(ids, cl.signatures(texts))
    assert set(stories) == {"story-d00000"} and dups[0] is None and set(dups[1:]) == {"d00000"}


def test_components_roots_are_minimum():
    roots = cl.components(6, np.array([5, 3, 4]), np.array([3, 1, 2]))
    assert roots.tolist() == [0, 1, 2, 1, 2, 1]


def test_story_id_is_a_valid_id_even_for_long_ids():
    from corpus_tools.article import check_id

    assert cl.story_id_for("a" * 200).startswith("story-") and check_id(cl.story_id_for("a" * 200))


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="expected"):
        cl.cluster(["a"], np.zeros((2, cl.NUM_PERM), np.uint32))


def test_cluster_roots_from_band_keys_match_cluster():
    rng = random.Random(4)
    base = [_text(rng) for _ in range(30)]
    texts = [t if k % 3 else base[(k * 7) % 30] + " lagi" for k, t in enumerate(base * 3)]
    ids = [f"r{k:03d}" for k in range(len(texts))]  # already in id order, as ingest has them
    sigs = cl.signatures(texts)
    stories, dups = cl.cluster(ids, sigs)
    keys = cl.band_keys(sigs)
    story_root, dup_root = cl.cluster_roots(len(ids), lambda b: keys[:, b].copy(), empty=cl.empty_rows(sigs))
    assert [cl.story_id_for(ids[r]) for r in story_root] == stories
    assert [None if r == k else ids[r] for k, r in enumerate(dup_root)] == dups
    assert len(set(stories)) < len(ids) and any(dups)


def _mixed_texts(n: int, seed: int = 2026) -> list[str]:
    """Texts mixing every byte class the word splitter treats apart (ASCII letters and digits,
    Latin-1 and other non-ASCII letters, CJK, emoji, C2 and E2 80/81 punctuation, NUL, tab,
    newlines), from 0 to ~12,000 words (the longest cut into several hash groups)."""
    rng = random.Random(seed)
    syll = ["ka", "ta", "Ma", "RA", "se", "pe", "li", "nu", "go", "di", "ban", "tur", "lam", "sin", "kor", "ut", "é", "ü", "ñ", "ß", "中", "文", "😀", "Ω", "x9", "07"]
    seps = [" ", " ", " ", " ", "\n", "\n\n", ", ", ". ", " — ", " “", "” ", " « ", " » ", "\u00a0", "\u200b", "\u2026", "'", "-", "\t", "\x00", "/", "\u2013", "\u00ab", "\u00bf", "\u2060", "\u2061"]
    vocab = ["".join(rng.choices(syll, k=rng.randint(1, 4))) for _ in range(3000)]
    out = []
    for i in range(n):
        k = rng.choice([0, 1, 2, 3, 5, 50, 300, 700, 700, 700]) if i % 997 else 12000
        parts = [None] * (2 * k)
        parts[0::2] = rng.choices(vocab, k=k)
        parts[1::2] = rng.choices(seps, k=k)
        out.append("".join(parts))
    return out


def test_signature_values_are_unchanged():
    """Signatures are a stored contract (story ids, duplicates, bench_cluster's recall): a speed
    change must leave every value bit-identical. The digest is that of the code before the
    sort-free piece counting (commit 812c061) on these 5,000 texts, in batches of 256."""
    texts = _mixed_texts(5000)
    sig = np.vstack([cl.signatures(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    assert hashlib.sha256(sig.tobytes()).hexdigest() == "35877ba83c71bbd33793bc2fb748b2628a55bdaf318a35d3165b0912cd9d929a"


def test_signature_values_of_texts_cut_into_pieces_are_unchanged(monkeypatch):
    """Tiny groups: most texts are cut into pieces and pieces share groups in every way; the
    digest is the previous code's (812c061), so the many-groups-per-pass hashing is exact."""
    monkeypatch.setattr(cl, "_GROUP_CHARS", 300)
    texts = _mixed_texts(5000)[:400]
    sig = np.vstack([cl.signatures(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    assert hashlib.sha256(sig.tobytes()).hexdigest() == "3243d81edcf179d782c5c2719370f753e998e1d89cda513b82292ce785111397"
