"""Agreement maths against hand-computed and textbook values, edge cases, and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from corpus_tools.agreement import cohen_kappa, compute_agreement, count_overlap, fleiss_kappa, load_annotation_dir
from corpus_tools.annotation import Annotation, text_sha256
from corpus_tools.article import Article, blocks_for
from corpus_tools.cli import app

TEXT = "Kim Jong-un ke Seoul. Kim bertemu Lee Jae Myung di Seoul pada Mei."
#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456
SHA = text_sha256(TEXT)


def ann(annotator, spans=(), relations=(), cats=(), article_id="a1", sha=SHA, confirmed=True):
    """Build an Annotation from (start, end, label) triples and (head_idx, tail_idx, label)."""
    sp = [dict(id=f"{annotator}{i}", start=s, end=e, label=lab, text=TEXT[s:e]) for i, (s, e, lab) in enumerate(spans)]
    rel = [dict(id=f"r{i}", head=sp[h]["id"], tail=sp[t]["id"], label=lab) for i, (h, t, lab) in enumerate(relations)]
    return Annotation.model_validate(dict(
        article_id=article_id, annotator=annotator, spans=sp, relations=rel,
        categories=[{"label": c} for c in cats], confirmed=confirmed, text_sha256=sha,
    ))


KIM_FULL = (0, 11, "PER")
SEOUL1 = (15, 20, "GPE")
KIM2 = (22, 25, "PER")
LEE = (34, 47, "PER")
SEOUL2 = (51, 56, "GPE")
MEI = (62, 65, "DATE")


def test_fixture_offsets_are_right():
    assert [TEXT[s:e] for s, e, _ in (KIM_FULL, SEOUL1, KIM2, LEE, SEOUL2, MEI)] == [
        "Kim Jong-un", "Seoul", "Kim", "Lee Jae Myung", "Seoul", "Mei"]


# ---------------------------------------------------------------- kappa: textbook values


def test_cohen_kappa_textbook_example():
    # Wikipedia "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> p_o 0.7, p_e 0.5, kappa 0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    k = cohen_kappa(a, b)
    assert k.observed == pytest.approx(0.7)
    assert k.expected == pytest.approx(0.5)
    assert k.kappa == pytest.approx(0.4)
    assert k.items == 50


def test_fleiss_kappa_textbook_example():
    # Wikipedia "Fleiss' kappa": 10 subjects, 14 raters, 5 categories -> P 0.378, P_e 0.213, kappa 0.210
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    k = fleiss_kappa(table)
    assert k.observed == pytest.approx(0.378, abs=5e-4)
    assert k.expected == pytest.approx(0.213, abs=5e-4)
    assert k.kappa == pytest.approx(0.210, abs=5e-4)


def test_fleiss_with_two_raters_equals_scotts_pi_computed_independently():
    a = [1, 1, 0, 1, 0, 0, 1, 1, 0, 1]
    b = [1, 0, 0, 1, 0, 1, 1, 1, 0, 0]
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b)) / n
    p_yes = (sum(a) + sum(b)) / (2 * n)
    pi = (p_o - (p_yes**2 + (1 - p_yes) ** 2)) / (1 - (p_yes**2 + (1 - p_yes) ** 2))
    table = [[x + y, 2 - x - y] for x, y in zip(a, b)]
    assert fleiss_kappa(table).kappa == pytest.approx(pi)


def test_kappa_with_expected_agreement_one_is_undefined_not_one():
    k = cohen_kappa([True] * 5, [True] * 5)
    assert k.kappa is None and k.observed == 1.0 and "undefined" in k.note
    f = fleiss_kappa([[3, 0]] * 4)
    assert f.kappa is None and "undefined" in f.note


def test_perfect_and_chance_level_kappa():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]).kappa == pytest.approx(1.0)
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 1, 0]).kappa == pytest.approx(0.0)
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa([1], [1, 0])


# ---------------------------------------------------------------- span and relation F1


def test_overlap_matching_is_one_to_one_and_maximal():
    # A greedy match of (0,10) to (0,3) first would still get 2; make greedy fail:
    # first (0,10) overlaps both; (8,12) overlaps only (9,11) -> maximum matching is 2.
    first = [(0, 10, "P"), (8, 12, "P")]
    second = [(9, 11, "P"), (0, 3, "P")]
    assert count_overlap(first, second) == 2
    assert count_overlap([(0, 10, "P")], [(0, 3, "P"), (5, 9, "P")]) == 1
    assert count_overlap([(0, 10, "P")], [(0, 10, "O")]) == 0


def test_span_f1_hand_computed():
    # alice: Kim Jong-un PER, Seoul GPE, Kim PER, Lee PER ; bob: "Kim Jong-un ke" would be odd,
    # so bob marks "Kim" (0,3) PER (overlap only), Seoul GPE, Lee as ORG (label wrong), Mei DATE.
    a = ann("alice", [KIM_FULL, SEOUL1, KIM2, LEE])
    b = ann("bob", [(0, 3, "PER"), SEOUL1, (34, 47, "ORG"), MEI])
    r = compute_agreement([a, b])
    # exact: only Seoul -> 2*1/(4+4) = 0.25 ; overlap: Seoul + Kim(0,3)~Kim Jong-un -> 2*2/8 = 0.5
    assert (r.spans_exact.matched, r.spans_exact.first, r.spans_exact.second) == (1, 4, 4)
    assert r.spans_exact.f1 == pytest.approx(0.25)
    assert r.spans_overlap.f1 == pytest.approx(0.5)
    assert r.spans_per_label["GPE"].exact.f1 == pytest.approx(1.0)
    # PER: alice 3, bob 1; exact 0, overlap 1 -> 2/4
    assert r.spans_per_label["PER"].exact.f1 == pytest.approx(0.0)
    assert r.spans_per_label["PER"].overlap.f1 == pytest.approx(0.5)
    assert r.spans_per_label["DATE"].exact.f1 == pytest.approx(0.0)
    assert r.measurable and r.articles_compared == 1 and r.articles_by_all == 1


def test_micro_average_over_pairs_and_articles():
    a1 = ann("alice", [KIM_FULL, SEOUL1])
    b1 = ann("bob", [KIM_FULL])
    c1 = ann("carol", [KIM_FULL, SEOUL1])
    a2 = ann("alice", [LEE], article_id="a2")
    b2 = ann("bob", [LEE, MEI], article_id="a2")
    r = compute_agreement([a1, b1, c1, a2, b2])
    # pairs: alice/bob: a1 1 of (2,1), a2 1 of (1,2) -> m2, 3, 3 ; alice/carol: a1 2 of (2,2)
    # bob/carol: a1 1 of (1,2). Total matched 5, first 3+2+1=6, second 3+2+2=7 -> 10/13
    assert (r.spans_exact.matched, r.spans_exact.first, r.spans_exact.second) == (5, 6, 7)
    assert r.spans_exact.f1 == pytest.approx(10 / 13)
    assert r.articles_per_annotator == {"alice": 2, "bob": 2, "carol": 1}
    assert r.articles_by_all == 1 and r.articles_total == 2
    assert [(p.first, p.second, p.articles) for p in r.pairs] == [("alice", "bob", 2), ("alice", "carol", 1), ("bob", "carol", 1)]
    assert r.categories_pooled.cohen.kappa is None and "exactly two" in r.categories_pooled.cohen.note


def test_relations_match_by_span_content_not_id():
    a = ann("alice", [KIM_FULL, SEOUL1, LEE], relations=[(0, 1, "visits"), (2, 1, "visits")])
    # bob lists spans in another order, so his span ids differ; one relation agrees
    b = ann("bob", [SEOUL1, LEE, KIM_FULL], relations=[(2, 0, "visits"), (1, 0, "leader_of")])
    r = compute_agreement([a, b])
    assert (r.relations.matched, r.relations.first, r.relations.second) == (1, 2, 2)
    assert r.relations.f1 == pytest.approx(0.5)
    assert r.relations_per_label["visits"].f1 == pytest.approx(2 / 3)
    assert r.relations_per_label["leader_of"].f1 == pytest.approx(0.0)


def test_category_kappa_two_annotators_hand_computed():
    cats_a = [["diplomacy"], ["diplomacy"], [], ["diplomacy", "weapons_testing"]]
    cats_b = [["diplomacy"], [], [], ["diplomacy"]]
    recs = []
    for i, (ca, cb) in enumerate(zip(cats_a, cats_b)):
        recs += [ann("alice", cats=ca, article_id=f"a{i}"), ann("bob", cats=cb, article_id=f"a{i}")]
    r = compute_agreement(recs, category_labels=["diplomacy", "weapons_testing"])
    d = r.categories["diplomacy"]
    # alice yes 3/4, bob yes 2/4, agree on 3 -> p_o .75, p_e .75*.5+.25*.5=.5 -> kappa .5
    assert d.cohen.kappa == pytest.approx(0.5)
    # Fleiss (=Scott's pi): p_yes 5/8 -> p_e 25/64+9/64=34/64 ; p_o .75 -> (.75-34/64)/(30/64)=14/30
    assert d.fleiss.kappa == pytest.approx(14 / 30)
    w = r.categories["weapons_testing"]
    # alice yes 1/4, bob 0/4 -> p_o .75, p_e .75 -> kappa 0
    assert w.cohen.kappa == pytest.approx(0.0)
    assert r.categories_pooled.cohen.items == 8


def test_one_annotator_is_not_measurable():
    r = compute_agreement([ann("gold", [KIM_FULL], cats=["diplomacy"])], category_labels=["diplomacy"])
    assert not r.measurable and "not measurable" in r.note
    assert r.spans_exact.f1 is None and r.spans_overlap.f1 is None and r.relations.f1 is None
    assert r.categories["diplomacy"].cohen.kappa is None and r.categories["diplomacy"].fleiss.kappa is None
    assert r.pairs == []
    json.loads(r.model_dump_json())


def test_no_common_article_is_not_measurable():
    r = compute_agreement([ann("alice", [KIM_FULL]), ann("bob", [KIM_FULL], article_id="a2")])
    assert not r.measurable and r.spans_exact.f1 is None and r.articles_by_all == 0
    assert r.pairs[0].spans_exact.f1 is None


def test_drifted_article_is_not_compared_and_is_reported():
    r = compute_agreement([ann("alice", [KIM_FULL]), ann("bob", [KIM_FULL], sha="f" * 64)])
    assert not r.measurable
    assert [d.article_id for d in r.drift] == ["a1"]


def test_two_records_for_one_annotator_and_article_is_an_error():
    with pytest.raises(ValueError, match="two records"):
        compute_agreement([ann("alice"), ann("alice")])


# ---------------------------------------------------------------- folder reading and CLI


def _article():
    text, blocks = blocks_for([("paragraph", TEXT)])
    return Article(id="a1", source={"outlet": "X"}, text=text, blocks=blocks,
                   provenance={"path": "a1.txt", "sha256": "0" * 64, "parser_version": "1"})


def _write(path, records):
    path.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")


def test_cli_agreement_writes_json_and_rejects_bad_records(tmp_path):
    folder = tmp_path / "ann"
    folder.mkdir()
    _write(folder / "alice.jsonl", [ann("alice", [KIM_FULL, SEOUL1], cats=["diplomacy"])])
    bad = json.loads(ann("bob", [KIM_FULL]).model_dump_json())
    bad["spans"][0]["label"] = "NOPE"
    (folder / "bob.jsonl").write_text(json.dumps(bad) + "\n" + ann("bob", [KIM_FULL], article_id="zz").model_dump_json() + "\n")
    arts = tmp_path / "articles.jsonl"
    arts.write_text(_article().model_dump_json() + "\n")
    out = tmp_path / "report.json"
    res = CliRunner().invoke(app, ["agreement", str(folder), "--articles", str(arts), "--json", str(out)])
    assert res.exit_code == 1, res.output
    assert "bob.jsonl:1" in res.output and "NOPE" in res.output
    assert "bob.jsonl:2" in res.output and "'zz' is not in the articles file" in res.output
    report = json.loads(out.read_text())
    assert report["annotators"] == ["alice"] and report["measurable"] is False
    rejects = [json.loads(line) for line in (tmp_path / "report.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [1, 2]


def test_cli_agreement_two_annotators_ok(tmp_path):
    folder = tmp_path / "ann"
    folder.mkdir()
    _write(folder / "alice.jsonl", [ann("alice", [KIM_FULL, SEOUL1], cats=["diplomacy"])])
    _write(folder / "bob.jsonl", [ann("bob", [KIM_FULL], cats=["diplomacy"])])
    _write(folder / "gold.jsonl", [ann("gold", [KIM_FULL])])
    res = CliRunner().invoke(app, ["agreement", str(folder), "--ignore", "gold", "--json", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["annotators"] == ["alice", "bob"]
    assert report["spans_exact"]["f1"] == pytest.approx(2 / 3)
    assert "Span and relation F1" in res.output


def test_load_annotation_dir_errors(tmp_path):
    from corpus_tools.records import RecordError

    with pytest.raises(RecordError, match="not a folder"):
        load_annotation_dir(tmp_path / "missing")
    with pytest.raises(RecordError, match="no \\*.jsonl"):
        load_annotation_dir(tmp_path)
    res = CliRunner().invoke(app, ["agreement", str(tmp_path)])
    assert res.exit_code == 1 and "no *.jsonl" in res.output


def test_overlap_matching_equals_brute_force_on_random_sets():
    import itertools
    import random

    rng = random.Random(7)

    def brute(first, second):
        best = 0
        for perm in itertools.permutations(range(len(second)), min(len(first), len(second))):
            pairs = zip(first, (second[j] for j in perm))
            best = max(best, sum(a[2] == b[2] and a[0] < b[1] and b[0] < a[1] for a, b in pairs))
        return best

    def spans(n):
        out = []
        for _ in range(n):
            s = rng.randrange(0, 30)
            out.append((s, s + rng.randrange(1, 8), rng.choice("PO")))
        return out

    for _ in range(300):
        a, b = spans(rng.randrange(0, 5)), spans(rng.randrange(0, 5))
        if len(a) > len(b):
            a, b = b, a
        assert count_overlap(a, b) == brute(a, b) == count_overlap(b, a), (a, b)


def test_cli_missing_folder_or_articles_file_is_a_usage_error(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["agreement", str(tmp_path / "nope")]).exit_code == 2
    assert runner.invoke(app, ["adjudicate", str(tmp_path / "nope"), "--out", str(tmp_path / "o.jsonl")]).exit_code == 2
    (tmp_path / "a.jsonl").write_text(ann("alice").model_dump_json() + "\n")
    res = runner.invoke(app, ["agreement", str(tmp_path), "--articles", str(tmp_path / "missing.jsonl")])
    assert res.exit_code == 2
