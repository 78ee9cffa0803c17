"""The committed corpus and its first release are what the pipeline produces today."""

import json
from pathlib import Path

from corpus_tools.ingest import ingest
from corpus_tools.release.verify import verify_release

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / "releases" / "v1.0.0"


def test_committed_articles_are_a_fresh_ingest_of_corpus_raw(tmp_path):
    out = tmp_path / "articles.jsonl"
    report = ingest([REPO / "corpus" / "raw"], out)
    assert report.rejected == 0 and report.written == 5
    assert out.read_bytes() == (REPO / "corpus" / "articles.jsonl").read_bytes(), (
        "corpus/articles.jsonl is stale: run `corpus-tools ingest corpus/raw --out corpus/articles.jsonl`, "
        "then check corpus/annotations/gold.jsonl (python -m corpus_tools.gold_source) and cut a new release"
    )


def test_release_v1_verifies_with_every_check():
    report = verify_release(RELEASE)
    assert report.ok, [str(p) for p in report.problems]


def test_release_v1_card_says_what_the_corpus_is():
    card = (RELEASE / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((RELEASE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"]["documents"] == {"train": 3, "validation": 2, "test": 0}
    for outlet in ("Republika", "Finnews", "Holopis", "Bloomberg Technoz", "Metrotvnews"):
        assert f"| {outlet} |" in card
    assert "small seed release" in card
    assert "cc-by-4.0" in card and "remain the copyright of their publishers" in card
    assert "| PER |" in card and "| 41 |" in card  # counts per label
    assert (RELEASE / "CHANGELOG.md").read_text().strip().endswith("First release.")


def test_release_v1_card_splits_are_complete_for_datasets():
    """`datasets` ignores (with a warning) split info lacking name/num_bytes/num_examples."""
    from corpus_tools.release.verify import read_card_header

    header = read_card_header(RELEASE / "README.md")
    for info in header["dataset_info"]:
        for split in info["splits"]:
            assert set(split) == {"name", "num_bytes", "num_examples"} and split["num_bytes"] > 0
