"""The local pull path (rows read from the database of a server we started) against Doccano's
own export: same rows, same annotation files, same errors. Real server, no mocks."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_tools.annotation import Annotation, DocCategory, Span, text_sha256
from corpus_tools.cli import app
from corpus_tools.doccano import server as server_mod
from corpus_tools.doccano import sync
from corpus_tools.doccano.client import DoccanoAuthError
from corpus_tools.doccano.local_export import LocalExportError, export_local
from corpus_tools.doccano.offsets import OffsetMap
from corpus_tools.doccano.server_export import CATEGORIES, SPANS, member_rows
from corpus_tools.records import write_jsonl

from test_doccano_sync import Annotator, annotators, login_as, push_and_members, scheme, seeds, words  # noqa: F401  (fixtures)

# ----------------------------------------------------------------------------- pure parts (no server)


def test_member_rows_mirror_doccanos_export_columns():
    examples = [(5, "Teks satu.", {"article_id": "a", "id": "meta-id"}), (6, "Teks dua.", {"source": "x"})]
    labels = {
        (5, 1): {"entities": [{"id": 9, "label": "PER", "start_offset": 0, "end_offset": 4}], "Comments": [{"id": 1, "comment": "cek"}]},
        (6, 2): {"entities": [{"id": 10, "label": "GPE", "start_offset": 0, "end_offset": 4}]},
    }
    rows = member_rows(SPANS, examples, 1, labels)
    # meta may shadow "id" (ExportedExample.to_dict), keys missing in some rows are null (pandas)
    assert rows[0] == {"id": "meta-id", "text": "Teks satu.", "article_id": "a", "source": None,
                       "entities": labels[5, 1]["entities"], "relations": [], "Comments": [{"id": 1, "comment": "cek"}]}
    assert rows[1] == {"id": 6, "text": "Teks dua.", "article_id": None, "source": "x", "entities": [], "relations": [], "Comments": []}
    # categories: "categories" renamed to "label", labels and comments sorted (ListedCategoryFormatter)
    cats = member_rows(CATEGORIES, [(7, "t", {"article_id": "a"})], 1, {(7, 1): {"categories": ["b", "a"], "Comments": ["z", "y"]}})
    assert cats == [{"id": 7, "text": "t", "article_id": "a", "label": ["a", "b"], "Comments": ["y", "z"]}]


@pytest.mark.parametrize("url", ["https://127.0.0.1:8000", "http://10.0.0.1:8000", "http://127.0.0.1:8000/doccano", "not a url", "http://127.0.0.1:99999"])
def test_foreign_urls_are_not_local_servers(url):
    assert server_mod.find_server(url) is None


def test_stale_record_is_ignored(tmp_path, monkeypatch):
    """A record whose process is gone, or is not a gunicorn on that port, is not trusted."""
    monkeypatch.setenv("CORPUS_TOOLS_CACHE", str(tmp_path))
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "db.sqlite3").write_text("")
    path = server_mod._record_path(8123)
    path.parent.mkdir(parents=True)
    for pid in (os.getpid(), 2**22 + 12345):  # this pytest process (not gunicorn); no such process
        path.write_text(json.dumps({"port": 8123, "data_dir": str(tmp_path / "data"), "venv": str(venv), "web_pid": pid, "worker_pid": pid}))
        assert server_mod.find_server("http://127.0.0.1:8123") is None


# ----------------------------------------------------------------------------- against the real server

def _normalised(files: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Rows with label lists in id order (Doccano's export has no ORDER BY for labels)."""
    out = {}
    for user, rows in files.items():
        norm = []
        for r in rows:
            r = dict(r)
            for col in ("entities", "relations"):
                if col in r:
                    r[col] = sorted(r[col], key=lambda x: x["id"])
            norm.append(r)
        out[user] = norm
    return out


@pytest.fixture(scope="module")
def labelled(doccano_server, scheme, seeds, annotators):  # noqa: F811
    """Seeds pushed with the admin's pre-annotations of two articles, labelled by two annotators
    (some examples confirmed, one comment), plus one foreign example without an article id."""
    from corpus_tools.doccano.client import DoccanoClient

    with DoccanoClient(doccano_server.url) as admin:
        admin.login(doccano_server.username, doccano_server.password)
        info = push_and_members(admin, doccano_server, scheme, [], annotators)
        pre = []
        for art in seeds[:2]:
            (s, e), = words(art.text, 1)
            pre.append(Annotation(article_id=art.id, annotator="gold", text_sha256=text_sha256(art.text),
                                  spans=[Span(id="T1", start=s, end=e, label="PER", text=art.text[s:e])], categories=[DocCategory(label="diplomacy")]))
        report = sync.push_articles(admin, info, seeds, pre, scheme=scheme)
        assert report.ok and report.preannotated == 2
        (name_a, pw_a), (name_b, pw_b) = annotators
        with login_as(doccano_server, name_a, pw_a) as ca, login_as(doccano_server, name_b, pw_b) as cb:
            a, b = Annotator(ca, info), Annotator(cb, info)
            for i, art in enumerate(seeds):
                omap = OffsetMap(art.text, info.unit)
                (p1, p2), (o1, o2) = words(art.text, 2)
                head = a.span(art.id, *omap.span_to_unit(p1, p2), "PER")
                tail = a.span(art.id, *omap.span_to_unit(o1, o2), "ORG")
                a.relation(art.id, head, tail, "member_of")
                a.category(art.id, "weapons_testing")
                a.category(art.id, "diplomacy")
                if i % 2 == 0:
                    a.confirm(art.id)
                if i < 2:
                    b.span(art.id, *omap.span_to_unit(o1, o2), "GPE")
                    b.confirm(art.id, categories_too=False)
            ex_id = a.examples[seeds[0].id].id
            ca._request("POST", f"/v1/projects/{info.spans_project_id}/comments", params={"example": ex_id}, json={"text": "periksa lagi"})
            ca._request("POST", f"/v1/projects/{info.categories_project_id}/comments", params={"example": a.cat_examples[seeds[1].id].id}, json={"text": "kategori?"})
        admin.create_example(info.spans_project_id, "Contoh tanpa article_id.", {})
        yield info


@pytest.mark.doccano
def test_local_rows_equal_doccanos_export(doccano_client, labelled):
    info = labelled
    jobs = [(pid, approved) for pid in info.project_ids for approved in (False, True)]
    local, src_local = sync.export_projects(doccano_client, jobs, via="local")
    exported, src_export = sync.export_projects(doccano_client, jobs, via="export")
    assert (src_local, src_export) == ("local", "export")
    for job, mine, theirs in zip(jobs, local, exported):
        assert set(mine) == set(theirs), job  # one file per member
        assert _normalised(mine) == _normalised(theirs), job
    spans_all = exported[0]
    # the fixture really exercises every column: comments, confirmed subsets, a foreign example
    assert any(r["Comments"] for rows in spans_all.values() for r in rows)
    assert any(r["article_id"] is None for rows in spans_all.values() for r in rows)
    assert 0 < sum(map(len, exported[1].values())) < sum(map(len, spans_all.values()))


@pytest.mark.doccano
def test_cli_pull_files_identical_both_ways(doccano_server, labelled, seeds, tmp_path):  # noqa: F811
    articles = tmp_path / "articles.jsonl"
    write_jsonl(articles, seeds)
    env = {"DOCCANO_URL": doccano_server.url, "DOCCANO_USERNAME": doccano_server.username, "DOCCANO_PASSWORD": doccano_server.password}
    outputs = {}
    for mode, extra in (("local", []), ("export", ["--via-export"])):
        out = tmp_path / mode
        result = CliRunner().invoke(app, ["doccano", "pull", "--project", labelled.name, "--out", str(out), "--articles", str(articles), *extra], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert ("local Doccano database" in result.output) == (mode == "local"), result.output
        outputs[mode] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert outputs["local"] == outputs["export"]
    assert len(outputs["local"]) == 3  # admin (pre-annotations), annotator_a, annotator_b
    assert all(outputs["local"].values())
    # push lists what is there both ways too: nothing new either way
    for extra in ([], ["--via-export"]):
        result = CliRunner().invoke(app, ["doccano", "push", str(articles), "--project", labelled.name, *extra], env=env, catch_exceptions=False)
        assert result.exit_code == 0 and "0 created" in result.output and f"{len(seeds)} already there" in result.output, result.output


@pytest.mark.doccano
def test_local_pull_needs_export_permission(doccano_server, labelled, annotators, seeds):  # noqa: F811
    """An annotator (not a project admin) is refused on the local path exactly like the export."""
    name, pw = annotators[0]
    with login_as(doccano_server, name, pw) as c:
        for via in ("auto", "export"):
            with pytest.raises(DoccanoAuthError, match="HTTP 403"):
                sync.pull_annotations(c, labelled, seeds, via=via)


@pytest.mark.doccano
def test_wrong_database_falls_back_to_export(doccano_server, doccano_client, labelled, tmp_path):
    """A record that points at another database (no login of this user in it) is refused by the
    exporter: auto falls back to Doccano's export, 'local' fails with the reason."""
    rec = server_mod.find_server(doccano_server.url)
    assert rec is not None and rec.data_dir == doccano_server.data_dir
    with pytest.raises(LocalExportError, match="does not hold the login"):
        export_local(rec, [(labelled.spans_project_id, False)], username=doccano_server.username, token="not-a-token")
    other = tmp_path / "other"
    shutil.copytree(rec.data_dir / "settings", other / "settings")
    shutil.copyfile(rec.venv / "corpus-tools-db-template.sqlite3", other / "db.sqlite3")
    path = server_mod._record_path(rec.port)
    saved = path.read_text()
    try:
        path.write_text(json.dumps(dict(json.loads(saved), data_dir=str(other))))
        assert server_mod.find_server(doccano_server.url).data_dir == other
        files, source = sync.export_projects(doccano_client, [(labelled.spans_project_id, False)], via="auto")
        assert source == "export" and files[0]
        with pytest.raises(sync.SyncError, match="does not hold the login"):
            sync.export_projects(doccano_client, [(labelled.spans_project_id, False)], via="local")
    finally:
        path.write_text(saved)
    assert server_mod.find_server(doccano_server.url) == rec


@pytest.mark.doccano
def test_local_export_never_writes(doccano_server, doccano_client, labelled):
    """The exporter's connection is read-only: the database and its WAL are unchanged by a pull."""
    db = Path(doccano_server.data_dir) / "db.sqlite3"
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        before = con.execute("SELECT COUNT(*) FROM authtoken_token").fetchone()[0], con.execute("PRAGMA data_version").fetchone()[0]
        sync.export_projects(doccano_client, [(pid, False) for pid in labelled.project_ids], via="local")
        after = con.execute("SELECT COUNT(*) FROM authtoken_token").fetchone()[0], con.execute("PRAGMA data_version").fetchone()[0]
    finally:
        con.close()
    assert before == after  # data_version changes when any other connection commits a write


def test_unknown_via_is_refused():
    with pytest.raises(ValueError, match="via"):
        sync.export_projects(object(), [(1, False)], via="fast")

