"""Leak-free, deterministic, version-stable train/validation/test assignment.

Rewrites of one story must never sit in two splits, so the unit of assignment is the story
(``story_id``; an article without one is its own story, and a near-copy without one joins
the story of the article it copies). A new story lands where the hash of
``salt + story key`` falls in [0, 1) against the cumulative ratios: deterministic on any
machine, no random state. Stability across versions wins over the hash: an article that was
in a previous release keeps its split, and a new article joining a story that is already
released inherits that story's split.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from .config import SPLITS


def story_key(article_id: str, story_id: str | None, duplicate_of: str | None = None) -> str:
    """The key that decides the split: the story, else the copied article, else the article."""
    return story_id or duplicate_of or article_id


def hash_unit(key: str, salt: str) -> float:
    """Map a key to [0, 1) with SHA-256 (first 8 bytes): stable across machines and Pythons."""
    digest = hashlib.sha256(f"{salt}\0{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def hash_split(key: str, ratios: Mapping[str, float], salt: str) -> str:
    """The split a new story goes to: the first split whose cumulative ratio exceeds its hash."""
    u = hash_unit(key, salt)
    acc = 0.0
    for name in SPLITS:
        acc += ratios.get(name, 0.0)
        if u < acc:
            return name
    # Rounding of ratios that sum to 1 can leave a sliver at the top: give it to the last non-empty split.
    return next(s for s in reversed(SPLITS) if ratios.get(s, 0.0) > 0)


@dataclass
class PreviousSplits:
    """Where every article (and story) of the previous release went."""

    by_article: dict[str, str] = field(default_factory=dict)
    by_story: dict[str, str] = field(default_factory=dict)


def read_previous_splits(release_dir: str | Path | None) -> PreviousSplits:
    """Read the split of every article from a release's ``documents`` Parquet files.

    Reads only the ``id`` and ``story_id`` columns, so memory is a few dozen bytes per article.
    A story that (through later re-clustering) spans several splits maps to its most common one.
    """
    prev = PreviousSplits()
    if release_dir is None:
        return prev
    root = Path(release_dir) / "data" / "documents"
    story_votes: dict[str, Counter] = {}
    for split in SPLITS:
        for path in sorted(root.glob(f"{split}-*.parquet")):
            table = pq.read_table(path, columns=["id", "story_id"])
            for aid, sid in zip(table.column("id").to_pylist(), table.column("story_id").to_pylist()):
                prev.by_article[aid] = split
                story_votes.setdefault(story_key(aid, sid), Counter())[split] += 1
    for key, votes in story_votes.items():
        prev.by_story[key] = max(SPLITS, key=lambda s: (votes[s], -SPLITS.index(s)))
    return prev


class SplitAssigner:
    """Assigns articles one at a time (streaming) and remembers stories seen in this build."""

    def __init__(self, ratios: Mapping[str, float], salt: str, previous: PreviousSplits | None = None):
        self.ratios = dict(ratios)
        self.salt = salt
        self.previous = previous or PreviousSplits()
        self._story_split: dict[str, str] = {}
        # With no previous release every article of a story gets the story's hash split, which
        # ``_story_split`` then already holds: the hash is computed once per story, and no
        # story can span splits.
        self._hash_only = not (self.previous.by_article or self.previous.by_story)
        self._leaks: dict[str, set[str]] = {}

    def assign(self, article_id: str, story_id: str | None = None, duplicate_of: str | None = None) -> str:
        key = story_id or duplicate_of or article_id  # story_key(), inlined: called once per article
        if self._hash_only:  # the story's split, hashed once per story
            split = self._story_split.get(key)
            if split is None:
                split = self._story_split[key] = hash_split(key, self.ratios, self.salt)
            return split
        prev = self.previous
        split = prev.by_article.get(article_id) or prev.by_story.get(key) or prev.by_article.get(key)
        if not split:
            split = hash_split(key, self.ratios, self.salt)
        first = self._story_split.setdefault(key, split)
        if first != split:
            self._leaks.setdefault(key, {first}).add(split)
        return split

    def leaks(self) -> dict[str, list[str]]:
        """Stories whose articles ended up in more than one split (only possible when a
        released article's story changed later: the article keeps its split)."""
        return {k: sorted(v, key=SPLITS.index) for k, v in sorted(self._leaks.items())}
