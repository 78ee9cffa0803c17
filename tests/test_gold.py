"""The gold annotations of the five seed articles: valid against the current parser output and
the scheme, complete by the guideline's every-mention rule, and spot checks of the labels."""

import re
from collections import Counter
from pathlib import Path

import pytest

from corpus_tools.adjudicate import adjudicate
from corpus_tools.agreement import compute_agreement, load_annotation_dir
from corpus_tools.annotation import Annotation, text_sha256
from corpus_tools.gold_source import (
    GOLD_ANNOTATOR, GOLD_PATH, GOLD_UPDATED_AT, SOURCE_PATH, GoldSourceError, build_annotation, build_gold,
    completeness, parse_source, render, seed_articles,
)
from corpus_tools.labels import load_scheme
from corpus_tools.records import read_models

ROOT = Path(__file__).resolve().parent.parent
GUIDELINE = ROOT / "schema" / "guidelines.md"


@pytest.fixture(scope="module")
def articles():
    return seed_articles()


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


@pytest.fixture(scope="module")
def gold(articles, scheme):
    recs = list(read_models(GOLD_PATH, Annotation))
    return {r.article_id: r for r in recs}


def spans_with(rec, surface):
    return [s for s in rec.spans if s.text == surface]


def occurrences(text, surface):
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]


def test_every_record_validates_against_the_parser_output_and_scheme(gold, articles, scheme):
    assert sorted(gold) == sorted(articles) and len(gold) == 5
    for aid, rec in gold.items():
        again = Annotation.model_validate(rec.model_dump(), context={"article": articles[aid], "scheme": scheme})
        assert again.annotator == GOLD_ANNOTATOR and again.confirmed is True
        assert again.updated_at == GOLD_UPDATED_AT
        assert again.text_sha256 == text_sha256(articles[aid].text)
        assert again.spans and again.relations and again.categories
        for s in rec.spans:
            assert articles[aid].text[s.start:s.end] == s.text
            assert s.text == s.text.strip() and not re.match(r"^[\W_]|[\W_]$", s.text.replace("(14/8)", "x")), s


def test_gold_jsonl_is_generated_from_the_source_and_up_to_date(articles, scheme):
    records, problems = build_gold(SOURCE_PATH, articles, scheme)
    assert problems == []
    assert GOLD_PATH.read_text(encoding="utf-8") == render(records), "run: python -m corpus_tools.gold_source"


def test_no_overlapping_spans_and_labels_exist(gold, scheme):
    for rec in gold.values():
        ordered = sorted(rec.spans, key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))
        assert {s.label for s in rec.spans} <= set(scheme.entity_names)
        assert {r.label for r in rec.relations} <= set(scheme.relation_names)


def test_every_kim_in_seed_000_is_per(gold, articles):
    rec, text = gold["000_91ea452fd5ee7168"], articles["000_91ea452fd5ee7168"].text
    kims = occurrences(text, "Kim")
    assert len(kims) == 13
    covering = [next(s for s in rec.spans if s.start <= k < s.end) for k in kims]
    assert {s.label for s in covering} == {"PER"}
    assert Counter(s.text for s in covering) == {"Kim": 12, "Kim Jong-un": 1}


@pytest.mark.parametrize("surface,label", [
    ("KCNA", "ORG"), ("Korea Utara", "GPE"), ("Korut", "GPE"), ("Korsel", "GPE"), ("AS", "GPE"),
    ("Rusia", "GPE"), ("Ukraina", "GPE"), ("Pyongyang", "GPE"), ("Kantor Berita Pusat Korea", "ORG"),
    ("Hwasong-11", "WEAPON"), ("peluru artileri", "WEAPON"), ("Donald Trump", "PER"),
])
def test_every_occurrence_has_the_expected_label(gold, articles, surface, label):
    seen = 0
    for aid, rec in gold.items():
        for off in occurrences(articles[aid].text, surface):
            span = next((s for s in rec.spans if s.start <= off < s.end), None)
            assert span is not None, f"{aid}: {surface!r} at {off} is not annotated"
            if span.text == surface:
                assert span.label == label, f"{aid}: {surface!r} at {off} is {span.label}"
            seen += 1
    assert seen > 0


def test_nested_name_and_abbreviation_are_two_org_spans(gold):
    rec = gold["000_91ea452fd5ee7168"]
    full, abbr = spans_with(rec, "Kantor Berita Pusat Korea")[0], spans_with(rec, "KCNA")[0]
    assert (full.label, abbr.label) == ("ORG", "ORG") and abbr.start == full.end + 2
    assert not any(s.text == "Korea" for r in gold.values() for s in r.spans)


def test_titles_are_outside_per_spans(gold):
    per = {s.text for r in gold.values() for s in r.spans if s.label == "PER"}
    assert per == {"Kim Jong-un", "Kim Jong Un", "Kim", "Donald Trump", "Sergei Shoigu", "Lee Jae Myung",
                   "Lim Eul-chul", "Lim", "Yang Moo-jin"}


def test_named_and_generic_weapons_in_seed_003(gold):
    rec = gold["003_dba1eee5a9ccde63"]
    labels = {s.text: s.label for s in rec.spans}
    assert labels["Hwasong-11"] == labels["rudal balistik jarak pendek"] == labels["hulu ledak nuklir"] == "WEAPON"
    assert labels["380 hingga 800 km"] == "QUANTITY" and labels["Korsel"] == "GPE"
    by_id = {s.id: s for s in rec.spans}
    rels = {(r.label, by_id[r.head].text, by_id[r.tail].text) for r in rec.relations}
    assert ("produces", "pabrik", "Hwasong-11") in rels
    assert ("leader_of", "Lee Jae Myung", "Korsel") in rels
    assert ("located_in", "NK News", "Seoul") in rels


def test_relations_stated_in_the_seeds(gold):
    def rels(aid):
        rec = gold[aid]
        by_id = {s.id: s for s in rec.spans}
        return {(r.label, by_id[r.head].text, by_id[r.tail].text) for r in rec.relations}

    assert ("leader_of", "Kim Jong-un", "Korea Utara") in rels("000_91ea452fd5ee7168")
    assert ("member_of", "Sergei Shoigu", "Rusia") in rels("000_91ea452fd5ee7168")
    assert ("said", "Kim", "KCNA") in rels("001_6573acb774b9cb6e")
    assert ("supplies", "Korea Utara", "Rusia") in rels("001_6573acb774b9cb6e")
    assert ("said", "KCNA", "Korea JoongAng Daily") in rels("004_ce57878dbcbbf1ea")
    assert ("member_of", "Lim Eul-chul", "Universitas Kyungnam") in rels("004_ce57878dbcbbf1ea")


def test_categories(gold):
    cats = {aid: {c.label for c in r.categories} for aid, r in gold.items()}
    assert all("weapons_production" in c for c in cats.values())
    assert cats["001_6573acb774b9cb6e"] == {"weapons_production", "weapons_testing", "military_cooperation"}
    assert "military_exercise" in cats["000_91ea452fd5ee7168"] and "military_exercise" in cats["002_122afc5b818c93bc"]
    assert "nuclear_program" in cats["003_dba1eee5a9ccde63"]


def test_every_label_of_the_scheme_is_in_the_guideline(scheme):
    text = GUIDELINE.read_text(encoding="utf-8")
    for name in scheme.entity_names + scheme.relation_names + scheme.category_names:
        assert re.search(rf"\b{re.escape(name)}\b", text), f"{name} is not described in {GUIDELINE}"


def test_gold_agreement_with_itself_is_not_measurable_and_adjudicates_to_itself(gold):
    report = compute_agreement(gold.values())
    assert not report.measurable and report.spans_exact.f1 is None
    merged, dis = adjudicate(gold.values())
    assert dis == []
    for m in merged:
        g = gold[m.article_id]
        assert [(s.start, s.end, s.label) for s in m.spans] == sorted((s.start, s.end, s.label) for s in g.spans)
        assert len(m.relations) == len({(r.head, r.tail, r.label) for r in g.relations})


def test_annotation_folder_loads_with_articles_checked(articles, scheme):
    loaded = load_annotation_dir(GOLD_PATH.parent, articles=articles, scheme=scheme)
    assert loaded.rejects == [] and len(loaded.annotations) == 5


# ------------------------------------------------------------------ the source builder


def _article():
    return seed_articles()["003_dba1eee5a9ccde63"]


def test_builder_fails_loudly_on_a_missing_mention(scheme):
    src = parse_source("== article 003_dba1eee5a9ccde63\n-- spans\nKorut | GPE\nHwasong-12 | WEAPON\n", "x.txt")[0]
    with pytest.raises(GoldSourceError, match=r"x.txt:4: .*'Hwasong-12' \(WEAPON\) not found.*not in the text"):
        build_annotation(src, _article(), scheme, "x.txt")


def test_builder_requires_text_order_and_unambiguous_relation_ends(scheme):
    src = parse_source("== article 003_dba1eee5a9ccde63\n-- spans\nTokyo | GPE\nMoskow | GPE\n", "x.txt")[0]
    with pytest.raises(GoldSourceError, match="occurs earlier.*text order"):
        build_annotation(src, _article(), scheme, "x.txt")
    src = parse_source("== article 003_dba1eee5a9ccde63\n-- spans\nKorut | GPE\nRusia | GPE\nKorut | GPE\n"
                       "-- relations\nsupplies | Korut | Rusia\n", "x.txt")[0]
    with pytest.raises(GoldSourceError, match="annotated 2 times; say which with Korut@N"):
        build_annotation(src, _article(), scheme, "x.txt")


def test_completeness_catches_a_forgotten_later_mention(scheme):
    art = _article()
    src = parse_source("== article 003_dba1eee5a9ccde63\n-- spans\nKorut | GPE\n", "x.txt")[0]
    ann = build_annotation(src, art, scheme, "x.txt")
    problems = completeness(src, ann, art, "x.txt")
    assert len(problems) == art.text.count("Korut") - 1 and "not annotated and not skipped" in problems[0]


def test_wrong_relation_types_are_rejected_by_the_scheme(scheme):
    src = parse_source("== article 003_dba1eee5a9ccde63\n-- spans\nKorut | GPE\nRusia | GPE\n"
                       "-- relations\nleader_of | Korut | Rusia\n", "x.txt")[0]
    with pytest.raises(GoldSourceError, match="head is GPE"):
        build_annotation(src, _article(), scheme, "x.txt")
