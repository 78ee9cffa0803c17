"""Split assignment: deterministic, by story (leak-free), configurable ratios, stable across versions."""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq

from corpus_tools.release.splits import PreviousSplits, SplitAssigner, hash_split, hash_unit, read_previous_splits
from test_release_build import build, config_with, make_article, make_corpus

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def test_hash_is_stable_and_in_unit_interval():
    # a fixed value: the assignment must never depend on the Python process or machine
    assert hash_unit("story-0001", "corpus-tools-splits-v1") == hash_unit("story-0001", "corpus-tools-splits-v1")
    assert 0 <= hash_unit("x", "s") < 1
    assert hash_unit("x", "s") != hash_unit("x", "t")


def test_ratios_are_respected():
    counts = Counter(hash_split(f"story-{i}", RATIOS, "salt") for i in range(20000))
    assert abs(counts["train"] / 20000 - 0.8) < 0.015
    assert abs(counts["validation"] / 20000 - 0.1) < 0.01
    assert abs(counts["test"] / 20000 - 0.1) < 0.01
    only_train = Counter(hash_split(f"s{i}", {"train": 1.0, "validation": 0.0, "test": 0.0}, "x") for i in range(500))
    assert only_train == {"train": 500}


def test_story_members_share_a_split_and_previous_assignments_win():
    a = SplitAssigner(RATIOS, "salt")
    got = {a.assign(f"art-{i}", story_id=f"story-{i % 50}") for i in range(50, 100)}
    by_story = {}
    a = SplitAssigner(RATIOS, "salt")
    for i in range(500):
        split = a.assign(f"art-{i}", story_id=f"story-{i % 50}")
        assert by_story.setdefault(i % 50, split) == split
    assert got <= {"train", "validation", "test"} and a.leaks() == {}
    # a copy without a story follows the article it copies
    assert a.assign("copy", duplicate_of="orig") == a.assign("orig")
    prev = PreviousSplits(by_article={"old-1": "test", "old-2": "validation"}, by_story={"story-7": "test", "old-2": "validation"})
    a = SplitAssigner(RATIOS, "other-salt", prev)
    assert a.assign("old-1", story_id="story-new") == "test"  # an article never moves
    assert a.assign("new-1", story_id="story-7") == "test"  # joins a released story
    assert a.assign("new-2", duplicate_of="old-2") == "validation"


def _splits(release_dir):
    out = {}
    for f in (release_dir / "data/documents").glob("*.parquet"):
        split = f.name.split("-")[0]
        for aid in pq.read_table(f, columns=["id"]).column("id").to_pylist():
            out[aid] = split
    return out


def test_splits_stable_across_versions_even_when_ratios_change(tmp_path):
    folder = tmp_path / "in"
    make_corpus(folder, n=60)
    v1 = build(folder)
    first = _splits(v1.release_dir)
    assert read_previous_splits(v1.release_dir).by_article == first
    # stories never straddle splits
    story_split = {}
    for i in range(60):
        assert story_split.setdefault(i // 3, first[f"art-{i:04d}"]) == first[f"art-{i:04d}"]
    # v1.1.0: new articles, some joining existing stories; ratios and salt now send new stories elsewhere
    arts = [make_article(i) for i in range(60)]
    joiners = [make_article(100 + k, story=f"story-{k:04d}") for k in range(20)]
    fresh = [make_article(200 + k, story=f"fresh-{k}") for k in range(20)]
    make_corpus(folder, articles=arts + joiners + fresh)
    cfg = config_with(tmp_path, splits={"train": 0.0, "validation": 0.0, "test": 1.0, "salt": "changed"})
    v2 = build(folder, version="1.1.0", config=cfg)
    second = _splits(v2.release_dir)
    assert {k: second[k] for k in first} == first
    for k in range(20):
        assert second[f"art-{100 + k:04d}"] == first[f"art-{3 * k:04d}"]
        assert second[f"art-{200 + k:04d}"] == "test"
    assert v2.bump == "minor" and v2.warnings == []
