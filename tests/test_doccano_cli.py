"""``corpus-tools doccano setup|push|pull|status`` through the CLI against the real Doccano."""

from __future__ import annotations

import secrets
import uuid

import pytest
from typer.testing import CliRunner

from corpus_tools.annotation import Annotation
from corpus_tools.cli import app
from corpus_tools.doccano.client import DoccanoClient
from corpus_tools.doccano.offsets import OffsetMap
from corpus_tools.doccano.sync import get_project
from corpus_tools.doccano.server import find_free_port
from corpus_tools.records import read_models, write_jsonl

from test_doccano_sync import Annotator, load_seed_articles  # noqa: E402  (tests/ is on sys.path)

pytestmark = pytest.mark.doccano


def run(args: list[str], env: dict) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr together


@pytest.fixture
def env(doccano_server):
    return {"DOCCANO_URL": doccano_server.url, "DOCCANO_USERNAME": doccano_server.username, "DOCCANO_PASSWORD": doccano_server.password}


@pytest.fixture(scope="module")
def articles_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "articles.jsonl"
    write_jsonl(path, load_seed_articles())
    return path


def test_setup_push_pull_status(doccano_server, env, articles_file, tmp_path):
    project = f"cli-{uuid.uuid4().hex[:8]}"
    code, out = run(["doccano", "setup", "--project", project], env)
    assert code == 0, out
    assert "created project" in out
    code, out = run(["doccano", "setup", "--project", project], env)
    assert code == 0 and "0 created, 0 updated" in out, out

    code, out = run(["doccano", "push", str(articles_file), "--project", project], env)
    assert code == 0, out
    assert "5 created" in out
    code, out = run(["doccano", "push", str(articles_file), "--project", project], env)
    assert code == 0 and "0 created" in out and "5 already there" in out, out

    # one annotator labels the first article (real user, REST, Doccano units)
    name, pw = f"cli_{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(12)
    doccano_server.create_user(name, pw)
    with DoccanoClient(doccano_server.url) as admin:
        admin.login(doccano_server.username, doccano_server.password)
        info = get_project(admin, project)
        for pid in info.project_ids:
            admin.add_member(pid, name, "annotator")
    art = load_seed_articles()[0]
    with DoccanoClient(doccano_server.url) as c:
        c.login(name, pw)
        a = Annotator(c, info)
        start = art.text.index("Korea")
        a.span(art.id, *OffsetMap(art.text, info.unit).span_to_unit(start, start + 5), "GPE")
        a.category(art.id, "diplomacy")
        a.confirm(art.id)

    out_dir = tmp_path / "annotations"
    code, out = run(["doccano", "pull", "--project", project, "--out", str(out_dir), "--articles", str(articles_file)], env)
    assert code == 0, out
    (ann,) = list(read_models(out_dir / f"{name}.jsonl", Annotation))
    assert ann.article_id == art.id and ann.confirmed
    assert [(s.text, s.label) for s in ann.spans] == [(art.text[start : start + 5], "GPE")]
    assert [c.label for c in ann.categories] == ["diplomacy"]
    assert not (out_dir / "doccano_pull.rejects.jsonl").exists()

    code, out = run(["doccano", "status", "--project", project], env)
    assert code == 0, out
    assert name in out and "Doccano project" in out
    assert doccano_server.password not in out


def test_wrong_password_fails_cleanly(env, articles_file, tmp_path):
    bad = dict(env, DOCCANO_PASSWORD="not-the-password-" + secrets.token_hex(4))
    out_dir = tmp_path / "out"
    for args in (["doccano", "setup", "--project", "x"], ["doccano", "pull", "--project", "x", "--out", str(out_dir), "--articles", str(articles_file)]):
        code, out = run(args, bad)
        assert code == 1, out
        assert "wrong username or password" in out
        assert bad["DOCCANO_PASSWORD"] not in out
    assert not out_dir.exists()


def test_unknown_project_fails_cleanly(env, articles_file, tmp_path):
    out_dir = tmp_path / "out"
    name = f"missing-{uuid.uuid4().hex[:8]}"
    code, out = run(["doccano", "pull", "--project", name, "--out", str(out_dir), "--articles", str(articles_file)], env)
    assert code == 1 and "not found" in out and "doccano setup" in out, out
    code, out = run(["doccano", "push", str(articles_file), "--project", name], env)
    assert code == 1 and "not found" in out, out
    assert not out_dir.exists()
    assert not articles_file.with_name("doccano_push.rejects.jsonl").exists()


def test_server_down_fails_cleanly(env, articles_file, tmp_path):
    down = dict(env, DOCCANO_URL=f"http://127.0.0.1:{find_free_port()}")
    out_dir = tmp_path / "out"
    code, out = run(["doccano", "pull", "--project", "x", "--out", str(out_dir), "--articles", str(articles_file)], down)
    assert code == 1, out
    assert down["DOCCANO_URL"] in out and "doccano serve" in out
    assert env["DOCCANO_PASSWORD"] not in out
    assert not out_dir.exists()


def test_missing_password_is_a_usage_error(env):
    code, out = run(["doccano", "status", "--project", "x"], {k: v for k, v in env.items() if k != "DOCCANO_PASSWORD"} | {"DOCCANO_PASSWORD": ""})
    assert code == 2 and "DOCCANO_PASSWORD" in out, out
