"""Adjudication rules: majority with ties, named adjudicator, scheme conflicts, drift, CLI."""

import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from corpus_tools.adjudicate import ADJUDICATED, adjudicate
from corpus_tools.annotation import Annotation
from corpus_tools.cli import app
from corpus_tools.labels import LabelScheme, load_scheme

from test_agreement import KIM2, KIM_FULL, LEE, MEI, SEOUL1, SEOUL2, TEXT, ann


def content(a: Annotation):
    """Spans, relations (by span content) and categories, independent of ids."""
    by_id = {s.id: (s.start, s.end, s.label) for s in a.spans}
    return (
        sorted(by_id.values()),
        sorted((by_id[r.head], by_id[r.tail], r.label) for r in a.relations),
        sorted(c.label for c in a.categories),
    )


def test_single_annotator_adjudicates_to_itself():
    src = ann("alice", [KIM_FULL, SEOUL1, KIM2, LEE, SEOUL2, MEI],
              relations=[(0, 1, "visits"), (3, 4, "visits")], cats=["diplomacy", "nuclear_program"])
    out, dis = adjudicate([src])
    assert len(out) == 1 and dis == []
    assert content(out[0]) == content(src)
    assert out[0].annotator == ADJUDICATED and out[0].confirmed and out[0].text_sha256 == src.text_sha256
    assert out[0].spans[0].id == "s-0-11-PER"
    Annotation.model_validate(out[0].model_dump(), context={"scheme": load_scheme()})


def test_majority_of_three_keeps_two_votes_and_lists_disagreements():
    a = ann("alice", [KIM_FULL, SEOUL1, LEE], relations=[(0, 1, "visits")], cats=["diplomacy"])
    b = ann("bob", [KIM_FULL, SEOUL1], relations=[(0, 1, "visits")], cats=["diplomacy", "weapons_testing"])
    c = ann("carol", [KIM_FULL, (15, 20, "LOC"), MEI], cats=["weapons_testing"], confirmed=False)
    out, dis = adjudicate([a, b, c])
    spans, rels, cats = content(out[0])
    assert spans == [KIM_FULL, SEOUL1]
    assert rels == [(KIM_FULL, SEOUL1, "visits")]
    assert cats == ["weapons_testing", "diplomacy"] or cats == sorted(["diplomacy", "weapons_testing"])
    assert out[0].confirmed is False  # carol had not confirmed
    by_item = {(d.kind, d.item): d for d in dis}
    lee = by_item[("span", "[34, 47) PER 'Lee Jae Myung'")]
    assert lee.marked_by == ["alice"] and lee.not_marked_by == ["bob", "carol"] and not lee.kept
    seoul = by_item[("span", "[15, 20) GPE 'Seoul'")]
    assert seoul.kept and seoul.not_marked_by == ["carol"]
    assert ("span", "[0, 11) PER 'Kim Jong-un'") not in by_item  # unanimous: no disagreement
    assert by_item[("category", "weapons_testing")].kept


def test_tie_drops_the_item():
    a = ann("alice", [KIM_FULL, SEOUL1], cats=["diplomacy"])
    b = ann("bob", [KIM_FULL], cats=[])
    out, dis = adjudicate([a, b])
    assert content(out[0]) == ([KIM_FULL], [], [])
    assert {(d.kind, d.kept) for d in dis} == {("span", False), ("category", False)}
    assert "ties drop" in dis[0].reason


def test_relation_needs_both_ends_kept():
    a = ann("alice", [KIM_FULL, SEOUL1], relations=[(0, 1, "visits")])
    b = ann("bob", [KIM_FULL, SEOUL2], relations=[(0, 1, "visits")])
    c = ann("carol", [KIM_FULL], relations=[])
    out, dis = adjudicate([a, b, c])
    assert content(out[0]) == ([KIM_FULL], [], [])
    rel = [d for d in dis if d.kind == "relation"]
    assert len(rel) == 2 and all(not d.kept and "end span" in d.reason for d in rel)


def test_named_adjudicator_wins_where_they_annotated_majority_elsewhere():
    a1 = ann("alice", [KIM_FULL, SEOUL1], cats=["diplomacy"])
    b1 = ann("bob", [KIM_FULL, SEOUL1], cats=["diplomacy"])
    boss1 = ann("boss", [KIM_FULL, LEE], cats=["nuclear_program"])
    a2 = ann("alice", [KIM_FULL, SEOUL1], article_id="a2")
    b2 = ann("bob", [KIM_FULL], article_id="a2")
    out, dis = adjudicate([a1, b1, boss1, a2, b2], rule="adjudicator", adjudicator="boss")
    assert [o.article_id for o in out] == ["a1", "a2"]
    assert content(out[0]) == ([KIM_FULL, LEE], [], ["nuclear_program"])
    assert content(out[1]) == ([KIM_FULL], [], [])
    seoul = next(d for d in dis if d.article_id == "a1" and d.item.startswith("[15, 20)"))
    assert not seoul.kept and seoul.marked_by == ["alice", "bob"] and "boss" in seoul.reason


def test_min_votes_union_resolves_overlaps_deterministically():
    a = ann("alice", [KIM_FULL, SEOUL1])
    b = ann("bob", [(0, 3, "PER"), SEOUL1])
    c = ann("carol", [(0, 3, "PER"), (15, 20, "LOC")])
    out, dis = adjudicate([a, b, c], min_votes=1)
    # Kim (0,3) has 2 votes against Kim Jong-un's 1 -> (0,3) wins; Seoul GPE 2 votes beats LOC 1
    assert content(out[0])[0] == [(0, 3, "PER"), SEOUL1]
    overlaps = sorted(d.item for d in dis if d.kind == "overlap")
    assert overlaps == ["[0, 11) PER 'Kim Jong-un'", "[15, 20) LOC 'Seoul'"]
    again, _ = adjudicate([c, b, a], min_votes=1)
    assert again == out
    # equal votes: the longer span wins
    out2, _ = adjudicate([a, ann("bob", [(0, 3, "PER")])], min_votes=1)
    assert content(out2[0])[0] == [KIM_FULL, SEOUL1]


def test_exclusive_category_group_conflict_is_resolved_and_listed():
    scheme = load_scheme().model_copy(deep=True)
    data = scheme.model_dump()
    data["category_groups"][0]["exclusive"] = True
    scheme = LabelScheme.model_validate(data)
    a = ann("alice", cats=["diplomacy"])
    b = ann("bob", cats=["nuclear_program"])
    c = ann("carol", cats=["nuclear_program"])
    out, dis = adjudicate([a, b, c], min_votes=1, scheme=scheme)
    assert content(out[0])[2] == ["nuclear_program"]
    assert [d.item for d in dis if d.kind == "exclusive"] == ["diplomacy"]


def test_drift_is_refused_and_reported():
    out, dis = adjudicate([ann("alice", [KIM_FULL]), ann("bob", [KIM_FULL], sha="e" * 64)])
    assert out == []
    assert [d.kind for d in dis] == ["drift"] and "different texts" in dis[0].reason


def test_updated_at_is_latest_and_ids_are_stable():
    t1, t2 = datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 2, 1, tzinfo=timezone.utc)
    a = ann("alice", [KIM_FULL, SEOUL1], relations=[(0, 1, "visits")]).model_copy(update={"updated_at": t1})
    b = ann("bob", [SEOUL1, KIM_FULL], relations=[(1, 0, "visits")]).model_copy(update={"updated_at": t2})
    out, _ = adjudicate([a, b])
    assert out[0].updated_at == t2
    assert [s.id for s in out[0].spans] == ["s-0-11-PER", "s-15-20-GPE"]
    assert out[0].relations[0].id == "r-visits-0-11-15-20"


@pytest.mark.parametrize("kwargs,msg", [
    (dict(rule="vote"), "unknown rule"),
    (dict(rule="adjudicator"), "needs the adjudicator"),
    (dict(rule="adjudicator", adjudicator="nobody"), "no annotation records"),
    (dict(adjudicator="alice"), "rule is 'majority'"),
    (dict(min_votes=0), "at least 1"),
])
def test_bad_arguments(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        adjudicate([ann("alice")], **kwargs)


def _folder(tmp_path, records_by_file):
    folder = tmp_path / "ann"
    folder.mkdir()
    for name, recs in records_by_file.items():
        (folder / name).write_text("".join(r.model_dump_json() + "\n" for r in recs))
    return folder


def test_cli_adjudicate_writes_output_and_prints_disagreements(tmp_path):
    folder = _folder(tmp_path, {
        "alice.jsonl": [ann("alice", [KIM_FULL, SEOUL1])],
        "bob.jsonl": [ann("bob", [KIM_FULL])],
        "carol.jsonl": [ann("carol", [KIM_FULL, SEOUL1])],
        "adjudicated.jsonl": [ann(ADJUDICATED, [MEI])],
    })
    out = tmp_path / "adj.jsonl"
    dis_out = tmp_path / "dis.jsonl"
    res = CliRunner().invoke(app, ["adjudicate", str(folder), "--out", str(out), "--disagreements", str(dis_out)])
    assert res.exit_code == 0, res.output
    recs = [Annotation.model_validate_json(line) for line in out.read_text().splitlines()]
    assert len(recs) == 1 and content(recs[0])[0] == [KIM_FULL, SEOUL1]
    assert "bob (bob.jsonl:1)" in res.output and "Seoul" in res.output
    assert json.loads(dis_out.read_text().splitlines()[0])["not_marked_by"] == ["bob"]
    assert not (tmp_path / "adj.rejects.jsonl").exists()


def test_cli_adjudicate_usage_and_drift_errors(tmp_path):
    folder = _folder(tmp_path, {"alice.jsonl": [ann("alice", [KIM_FULL])], "bob.jsonl": [ann("bob", [KIM_FULL], sha="e" * 64)]})
    out = tmp_path / "adj.jsonl"
    runner = CliRunner()
    res = runner.invoke(app, ["adjudicate", str(folder), "--out", str(out), "--rule", "adjudicator"])
    assert res.exit_code == 2 and not out.exists()
    res = runner.invoke(app, ["adjudicate", str(folder), "--out", str(out), "--rule", "adjudicator", "--adjudicator", "zed"])
    assert res.exit_code == 2 and "no annotation records" in res.output and not out.exists()
    res = runner.invoke(app, ["adjudicate", str(folder), "--out", str(out)])
    assert res.exit_code == 1 and "drift" in res.output
    assert out.read_text() == ""


def test_fixture_text_matches():
    assert TEXT[KIM_FULL[0]:KIM_FULL[1]] == "Kim Jong-un"
