"""The local Doccano server: venv stamp, start/health/UI, users, failures, stop by pid."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from corpus_tools.doccano.client import DoccanoAuthError, DoccanoClient, DoccanoUnavailable
from corpus_tools.doccano.server import (
    SETTINGS_MODULE,
    DoccanoServer,
    DoccanoServerError,
    _record_path,
    _stamp_text,
    ensure_server_venv,
    find_free_port,
    find_server,
    venv_is_ready,
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _group_members(pgid: int) -> list[int]:
    """Live processes whose process group is ``pgid`` (gunicorn/celery forked workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_venv_stamp_marks_a_complete_install(tmp_path):
    venv = tmp_path / "v"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "doccano").write_text("")
    assert not venv_is_ready(venv)  # no stamp: a half-done install
    (venv / ".corpus-tools-installed").write_text("doccano==0.0 other\n")
    assert not venv_is_ready(venv)  # stamp of other requirements: redo
    (venv / ".corpus-tools-installed").write_text(_stamp_text())
    assert venv_is_ready(venv)
    assert ensure_server_venv(venv) == venv  # idempotent: nothing to do


def _fake_venv(tmp_path, script: str, **scripts: str):
    """A 'venv' whose commands fail like a broken install would (``scripts`` per command)."""
    venv = tmp_path / "fakevenv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib/python3.11/site-packages/backend").mkdir(parents=True)
    for name in ("doccano", "gunicorn", "python"):
        exe = venv / "bin" / name
        exe.write_text(scripts.get(name, script))
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    (venv / ".corpus-tools-installed").write_text(_stamp_text())
    return venv


def test_failed_start_names_the_log_and_shows_its_tail(tmp_path):
    venv = _fake_venv(tmp_path, "#!/bin/sh\necho 'simulated: database is broken' >&2\nexit 3\n")
    srv = DoccanoServer(tmp_path / "data", port=find_free_port(), username="admin", password="Pw-never-shown-1", venv=venv)
    with pytest.raises(DoccanoServerError) as err:
        srv.start()
    msg = str(err.value)
    assert "init.log" in msg and "simulated: database is broken" in msg and "exit code 3" in msg
    assert "Pw-never-shown-1" not in msg and "Pw-never-shown-1" not in repr(srv)


def test_web_app_dying_at_start_names_its_log_and_stops_the_worker(tmp_path):
    venv = _fake_venv(
        tmp_path,
        "#!/bin/sh\nexit 0\n",
        gunicorn="#!/bin/sh\necho 'simulated: no module named config.wsgi'\nexit 1\n",
        doccano="#!/bin/sh\nexec sleep 60\n",
    )
    srv = DoccanoServer(tmp_path / "data", port=find_free_port(), username="admin", password="Pw-never-shown-1", venv=venv)
    with pytest.raises(DoccanoServerError) as err:
        srv.start()
    msg = str(err.value)
    assert "the web app exited with code 1" in msg and "gunicorn.log" in msg and "simulated: no module named config.wsgi" in msg
    assert not srv.is_running() and srv.pids == {} and not srv.pid_file.exists()


def test_missing_venv_and_missing_password_are_clear(tmp_path):
    with pytest.raises(DoccanoServerError, match="DOCCANO_PASSWORD"):
        DoccanoServer(tmp_path, username="admin", password="")
    srv = DoccanoServer(tmp_path, port=find_free_port(), username="admin", password="x", venv=tmp_path / "nope")
    with pytest.raises(DoccanoServerError, match="corpus-tools doccano install"):
        srv.start()


@pytest.mark.doccano
def test_server_is_healthy_on_loopback_and_serves_the_ui(doccano_server):
    assert doccano_server.url.startswith("http://127.0.0.1:")
    assert doccano_server.is_running() and all(_alive(p) for p in doccano_server.pids.values())
    print(f"Doccano start time: {doccano_server.start_seconds:.1f} s")
    r = httpx.get(f"{doccano_server.url}/v1/health/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert set(r.json().values()) == {"OK"} and any("Celery" in k for k in r.json()), r.json()
    # The annotators' UI: the page and the JS bundles it loads, served by whitenoise.
    page = httpx.get(f"{doccano_server.url}/projects")
    assert page.status_code == 200 and "<title>doccano" in page.text
    assets = re.findall(r'src="(/static/_nuxt/[^"]+\.js)"', page.text)
    assert assets
    for asset in assets[:3]:
        assert httpx.get(doccano_server.url + asset).status_code == 200
    assert httpx.get(f"{doccano_server.url}/favicon.ico").status_code == 200


@pytest.mark.doccano
def test_data_and_uploads_stay_in_the_data_dir_and_no_secret_on_disk(doccano_server):
    data = doccano_server.data_dir
    assert (data / "db.sqlite3").exists() and (data / "settings" / f"{SETTINGS_MODULE}.py").exists()
    assert (data / "logs" / "gunicorn.log").exists() and (data / "logs" / "celery.log").exists()
    for path in data.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".log", ".txt", ".json", ".jsonl"}:
            assert doccano_server.password not in path.read_text(errors="replace"), path
    # The server venv itself is never written to by uploads.
    assert not list(doccano_server.venv.glob("lib/python3*/site-packages/backend/filepond-temp-uploads/*"))


@pytest.mark.doccano
def test_broker_queue_is_declared_before_the_processes_start(doccano_server, tmp_path):
    """The bootstrap (run before the web app and the worker start) declares Celery's default
    queue in the SQLite broker, so the two never race to insert its row (a lost race once
    stopped a start in CI)."""
    import sqlite3

    server = DoccanoServer(tmp_path / "dc", username="admin", password="test-only-pass-1", venv=doccano_server.venv)
    server._secret_key = "test-only-key"
    server._prepare_data_dir()
    server._bootstrap(server._env())  # no process started
    con = sqlite3.connect(server.data_dir / "db.sqlite3", timeout=60)
    try:
        assert con.execute("SELECT name FROM kombu_queue").fetchall() == [("celery",)]
    finally:
        con.close()


@pytest.mark.doccano
def test_port_in_use_is_refused(doccano_server, tmp_path):
    other = DoccanoServer(tmp_path, port=doccano_server.port, username="admin", password="x", venv=doccano_server.venv)
    with pytest.raises(DoccanoServerError, match=f"port {doccano_server.port} .* already in use"):
        other.start()


@pytest.mark.doccano
def test_second_server_on_the_same_data_dir_is_refused(doccano_server):
    assert doccano_server.pid_file.read_text().split()[:2] == [str(doccano_server.pids["web"]), str(doccano_server.pids["worker"])]
    twin = DoccanoServer(doccano_server.data_dir, port=find_free_port(), username="admin", password="x", venv=doccano_server.venv)
    with pytest.raises(DoccanoServerError, match="already running on .*stop it first"):
        twin.start()
    assert doccano_server.is_running()


@pytest.mark.doccano
def test_create_user_can_log_in(doccano_server):
    doccano_server.create_user("annotator-x", "Annot-pass-456")
    with DoccanoClient(doccano_server.url) as dc:
        me = dc.login("annotator-x", "Annot-pass-456")
        assert me.username == "annotator-x" and not me.is_superuser
    assert "Annot-pass" not in (doccano_server.log_dir / "users.log").read_text()


@pytest.mark.doccano
@pytest.mark.slow
def test_stop_by_pid_then_cli_serve_restarts_on_the_same_data(tmp_path, doccano_server):
    """A second server (own port and data): stop ends both process groups; then
    `corpus-tools doccano serve` restarts it on the same data and stops cleanly on Ctrl-C."""
    port = find_free_port()
    with DoccanoServer(tmp_path / "d", port=port, username="boss", password="Boss-pass-987", venv=doccano_server.venv) as srv:
        pids = dict(srv.pids)
        assert len(_group_members(pids["web"])) >= 2  # master + workers
        rec = find_server(srv.url)  # registered for the local pull path, without any secret
        assert (rec.data_dir, rec.web_pid, rec.venv) == (srv.data_dir, pids["web"], srv.venv.resolve())
        assert "Boss-pass" not in _record_path(port).read_text()
        with DoccanoClient(srv.url) as dc:
            dc.login("boss", "Boss-pass-987")
            dc.create_project("kept", "SequenceLabeling", use_relation=True)
    assert not srv.is_running() and not srv.pid_file.exists()
    assert find_server(srv.url) is None and not _record_path(port).exists()
    assert not any(_alive(p) for p in pids.values())
    assert not any(_group_members(p) for p in pids.values())

    env = {**os.environ, "DOCCANO_USERNAME": "boss", "DOCCANO_PASSWORD": "Boss-pass-654", "CORPUS_TOOLS_CACHE": str(doccano_server.venv.parent)}
    cmd = [str(Path(sys.executable).parent / "corpus-tools"), "doccano", "serve", "--port", str(port), "--data-dir", str(tmp_path / "d"), "--venv", str(doccano_server.venv)]
    out_file = tmp_path / "serve.out"
    with open(out_file, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 180
        while "Press Ctrl-C" not in out_file.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        text = out_file.read_text()
        assert f"http://127.0.0.1:{port}" in text and "boss" in text, text
        with DoccanoClient(f"http://127.0.0.1:{port}") as dc:
            with pytest.raises(DoccanoAuthError):  # the restart reset the admin password from the env
                dc.login("boss", "Boss-pass-987")
            dc.login("boss", "Boss-pass-654")
            assert dc.find_project("kept") is not None
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(60)
    text = out_file.read_text()
    assert rc == 0 and "Doccano stopped." in text, text
    assert "Boss-pass" not in text
    with pytest.raises(DoccanoUnavailable):
        DoccanoClient(f"http://127.0.0.1:{port}", retries=0).health()


def test_cli_serve_without_password_is_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from corpus_tools.cli import app

    result = CliRunner().invoke(app, ["doccano", "serve", "--data-dir", str(tmp_path)], env={"DOCCANO_PASSWORD": None})
    assert result.exit_code == 2 and "DOCCANO_PASSWORD" in result.output


@pytest.mark.doccano
def test_browser_style_session_login_and_csrf_post_work(doccano_server):
    """What the UI does: session login, then a POST carrying the CSRF cookie as a header."""
    with httpx.Client(base_url=doccano_server.url, headers={"Origin": doccano_server.url, "Referer": doccano_server.url + "/auth"}) as browser:
        r = browser.post("/v1/auth/login/", json={"username": doccano_server.username, "password": doccano_server.password})
        assert r.status_code == 200 and "sessionid" in browser.cookies and "csrftoken" in browser.cookies
        assert browser.get("/v1/me").json()["username"] == doccano_server.username
        payload = {"name": "ui-made", "description": "d", "project_type": "DocumentClassification", "resourcetype": "TextClassificationProject"}
        assert browser.post("/v1/projects", json=payload).status_code == 403  # no CSRF header: refused
        r = browser.post("/v1/projects", json=payload, headers={"X-CSRFToken": browser.cookies["csrftoken"]})
        assert r.status_code == 201, r.text
