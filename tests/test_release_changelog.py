"""Release diff, semantic-version bump computation and CHANGELOG.md."""

from __future__ import annotations

import pytest

from corpus_tools.release.changelog import (
    ReleaseDiff,
    VersionError,
    bump_between,
    check_version,
    diff_releases,
    next_version,
    parse_version,
)
from test_release_build import REPO, build, make_annotation, make_article, make_corpus


def test_version_arithmetic():
    assert parse_version("v1.2.3") == (1, 2, 3)
    for bad in ("1.2", "01.2.3", "1.2.3-rc1", "x"):
        with pytest.raises(VersionError):
            parse_version(bad)
    assert bump_between("1.2.3", "2.0.0") == "major"
    assert bump_between("1.2.3", "1.3.0") == "minor"
    assert bump_between("1.2.3", "1.2.4") == "patch"
    assert bump_between("1.2.3", "1.2.3") is None and bump_between("1.2.3", "1.1.9") is None
    assert next_version("1.2.3", "major") == "2.0.0" and next_version("1.2.3", "minor") == "1.3.0"


def test_required_bump_rules():
    assert ReleaseDiff(None, "1.0.0").required_bump() == "major"
    assert ReleaseDiff("1.0.0", "1.0.1").required_bump() == "patch"
    assert ReleaseDiff("1.0.0", "1.1.0", added=["a"]).required_bump() == "minor"
    assert ReleaseDiff("1.0.0", "2.0.0", added=["a"], removed=["b"]).required_bump() == "major"
    assert ReleaseDiff("1.0.0", "2.0.0", changed_annotations=["b"]).required_bump() == "major"
    assert ReleaseDiff("1.0.0", "2.0.0", scheme_change="label scheme changed").required_bump() == "major"
    with pytest.raises(VersionError, match="need a MINOR bump .*1 article\\(s\\) added.*use 1.1.0"):
        check_version(ReleaseDiff("1.0.0", "1.0.1", added=["a"]))
    assert check_version(ReleaseDiff("1.0.0", "2.0.0", added=["a"])) == "major"  # overstating is allowed


def test_diff_of_real_builds_and_changelog_history(tmp_path):
    folder = tmp_path / "in"
    arts = [make_article(i) for i in range(8)]
    make_corpus(folder, articles=arts)
    v1 = build(folder)
    assert (v1.release_dir / "CHANGELOG.md").read_text() == "# Changelog\n\n## 1.0.0 (2026-11-22)\n\nFirst release.\n"

    # packaging only: the same data again is a PATCH
    v101 = build(folder, version="1.0.1")
    assert v101.required_bump == "patch" and v101.diff.reasons() == ["no data change (packaging only)"]

    # removed art-0000, changed text of art-0001, changed annotation of art-0002, added art-0100
    new = arts[2:] + [make_article(100)]
    new[0] = arts[2]
    changed_text = make_article(1, extra=" Baru.")
    make_corpus(folder, articles=[changed_text] + new)
    ann = make_annotation(arts[2], drop_weapon=True)
    lines = (folder / "gold.jsonl").read_text().splitlines()
    lines[1] = ann.model_dump_json()
    (folder / "gold.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(VersionError, match="MAJOR"):
        build(folder, version="1.1.0")
    v2 = build(folder, version="2.0.0")
    d = diff_releases(v101.release_dir, v2.release_dir)
    assert d.removed == ["art-0000"] and d.added == ["art-0100"]
    assert d.changed_articles == ["art-0001"] and d.changed_annotations == ["art-0001", "art-0002"]
    assert d.required_bump() == "major" and d.scheme_change is None and d.schema_changes == []
    log = (v2.release_dir / "CHANGELOG.md").read_text()
    assert log.index("## 2.0.0") < log.index("## 1.0.1") < log.index("## 1.0.0")
    assert "Articles removed: 1 (`art-0000`)" in log and "Annotations changed: 2" in log and "First release." in log
    assert "Articles added: 1 (`art-0100`)" in (v2.release_dir / "README.md").read_text()


def test_scheme_change_is_major(tmp_path):
    folder = tmp_path / "in"
    make_corpus(folder, n=4)
    build(folder)
    scheme = (REPO / "schema/labels.yaml").read_text().replace("version: 1.0.0", "version: 1.1.0")
    scheme = scheme.replace("  - name: QUANTITY", "  - name: MONEY\n    description: An amount of money.\n    color: \"#000000\"\n  - name: QUANTITY")
    path = tmp_path / "labels.yaml"
    path.write_text(scheme)
    with pytest.raises(VersionError) as e:
        build(folder, version="1.1.0", scheme_path=path)
    assert "label scheme changed (1.0.0 -> 1.1.0)" in str(e.value)
    assert "column schema of config 'documents' changed" in str(e.value)
    r = build(folder, version="2.0.0", scheme_path=path)
    assert r.diff.changed_annotations == []  # labels compared by name, not by index
