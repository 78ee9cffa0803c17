"""``release publish`` against a RECORDED Hugging Face Hub HTTP contract, and mirrors.

NOT THE LIVE HUB: the Hub is unreachable here, so a small HTTP server on 127.0.0.1 replays the
exchanges recorded in ``tests/contracts/hub_publish_*.json`` (written from the Hub API shapes
that the installed ``huggingface_hub`` sends and parses; see tests/contracts/README.md). The
code under test is the real one: ``publish_release`` with a real ``huggingface_hub.HfApi``
pointed at the loopback server, real HTTP, real file uploads. The server checks that every
request is the next one the contract allows and records it; the tests then assert what was
sent (repo creation, one commit naming the version with every file, the tag, the refusal
when the tag exists). The legacy LFS transfer is used (Xet disabled) because the Xet CAS
protocol is not replayed.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_tools.cli import app
from corpus_tools.release.publish import PublishError, plan_release, publish_release, publish_to
from test_release_verify import make_release

CONTRACTS = Path(__file__).parent / "contracts"
REPO_ID = "corpus-tools-test/indonesian-news"
TOKEN = "hf_test_Zq8vX1secretTOKENvalue"


@dataclass
class Seen:
    name: str
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class ContractServer:
    """Replays one contract file; ``seen`` lists the requests in arrival order, ``errors`` what did not fit."""

    contract: dict
    seen: list[Seen] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    endpoint: str = ""

    def __post_init__(self):
        self.lock = threading.Lock()
        self.pos = 0

    def _fill(self, value):
        if isinstance(value, str):
            return value.replace("{endpoint}", self.endpoint).replace("{repo_id}", REPO_ID)
        if isinstance(value, list):
            return [self._fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self._fill(v) for k, v in value.items()}
        return value

    def _matches(self, ex, method, path, body) -> bool:
        req = ex["request"]
        if req["method"] != method or not re.search(self._fill(req["path"]).replace(REPO_ID, re.escape(REPO_ID)), path):
            return False
        want = req.get("json")
        if want:
            try:
                got = json.loads(body)
            except ValueError:
                return False
            return all(got.get(k) == v for k, v in want.items())
        return True

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, object]:
        with self.lock:
            exchanges = self.contract["exchanges"]
            # Allowed now: the repeatable exchanges just passed, then everything up to and
            # including the next required one (repeatable ones may occur 0..n times, in any
            # order among themselves: parallel LFS uploads).
            back = self.pos
            while back > 0 and exchanges[back - 1].get("repeat"):
                back -= 1
            fwd = self.pos
            while fwd < len(exchanges) - 1 and exchanges[fwd].get("repeat"):
                fwd += 1
            for i in range(back, min(fwd + 1, len(exchanges))):
                ex = exchanges[i]
                if self._matches(ex, method, path, body):
                    self.pos = max(self.pos, i) if ex.get("repeat") else i + 1
                    break
            else:
                expected = exchanges[self.pos]["name"] if self.pos < len(exchanges) else "(end of contract)"
                self.errors.append(f"unexpected {method} {path}; the contract expects {expected} next")
                return 599, {"error": "not in the recorded contract"}
            self.seen.append(Seen(ex["name"], method, path, headers, body))
            if ex.get("dynamic") == "preupload":
                files = json.loads(body)["files"]
                return 200, {"files": [
                    {"path": f["path"], "uploadMode": "lfs" if any(fnmatch.fnmatch(f["path"], p) for p in ex["lfs_patterns"]) else "regular",
                     "shouldIgnore": False, "oid": None} for f in files]}
            if ex.get("dynamic") == "lfs_batch":
                objs = json.loads(body)["objects"]
                return 200, {"transfer": "basic", "objects": [
                    {"oid": o["oid"], "size": o["size"], "authenticated": True,
                     "actions": {"upload": {"href": f"{self.endpoint}/lfs-upload/{o['oid']}", "expires_in": 86400},
                                 "verify": {"href": f"{self.endpoint}/lfs-verify", "expires_in": 86400}}} for o in objs]}
            if ex["name"] == "lfs_upload":
                self.uploads[path.rsplit("/", 1)[1]] = body
            resp = ex["response"]
            return resp["status"], self._fill(resp["json"])


def _serve(contract_server: ContractServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            status, payload = contract_server.handle(self.command, self.path, dict(self.headers), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    contract_server.endpoint = f"http://127.0.0.1:{httpd.server_port}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def hub(request, monkeypatch):
    """Start a replay server for the contract named by the test's ``contract`` marker-less param."""
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)  # legacy LFS transfer, see module doc
    servers = []

    def start(name: str):
        cs = ContractServer(json.loads((CONTRACTS / f"{name}.json").read_text()))
        servers.append(_serve(cs))
        monkeypatch.setenv("HF_ENDPOINT", cs.endpoint)
        return cs

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _api(cs):
    from huggingface_hub import HfApi

    return HfApi(endpoint=cs.endpoint)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return make_release(tmp_path_factory.mktemp("pub"))


def _commit_lines(seen: list[Seen]) -> list[dict]:
    commit = next(s for s in seen if s.name == "commit")
    return [json.loads(line) for line in commit.body.decode().splitlines() if line.strip()]


def test_first_publish_creates_repo_commits_every_file_once_and_tags(hub, release):
    cs = hub("hub_publish_new_repo")
    result = publish_release(release, repo_id=REPO_ID, token=TOKEN, api=_api(cs))
    assert not cs.errors, cs.errors
    names = [s.name for s in cs.seen]
    assert names[:5] == ["create_repo", "list_refs", "list_tree", "validate_yaml", "preupload"]
    assert names[-2:] == ["commit", "create_tag"]
    assert names.count("commit") == 1
    assert cs.seen[0].json() == {"name": REPO_ID.split("/")[1], "organization": REPO_ID.split("/")[0], "type": "dataset"}
    assert all(s.headers.get("authorization") == f"Bearer {TOKEN}" for s in cs.seen if s.name not in ("lfs_upload",))

    lines = _commit_lines(cs.seen)
    assert lines[0] == {"key": "header", "value": {"summary": "Release v1.0.0", "description": lines[0]["value"]["description"]}}
    manifest = json.loads((release / "manifest.json").read_text())
    want = {e["path"]: e for e in manifest["files"]}
    regular = {l["value"]["path"]: base64.b64decode(l["value"]["content"]) for l in lines if l["key"] == "file"}
    lfs = {l["value"]["path"]: l["value"] for l in lines if l["key"] == "lfsFile"}
    assert set(regular) | set(lfs) == set(want) | {"manifest.json"}
    assert not [l for l in lines if l["key"] == "deletedFile"]
    for path, content in regular.items():
        assert content == (release / path).read_bytes()
    assert set(lfs) == {p for p in want if p.endswith(".parquet")}
    for path, value in lfs.items():
        assert value["oid"] == want[path]["sha256"] and value["size"] == want[path]["bytes"]
        assert cs.uploads[value["oid"]] == (release / path).read_bytes()  # the bytes really went over the wire

    tag = cs.seen[-1]
    assert tag.json() == {"tag": "v1.0.0", "message": "Release v1.0.0"}
    assert result.commit_oid == "9b3f5c1e2d4a6b8c0e1f2a3b4c5d6e7f80912a3b" and tag.path.endswith(result.commit_oid)


def test_next_release_deletes_stale_files_of_the_older_one_in_the_same_commit(hub, release):
    cs = hub("hub_publish_existing_repo")
    result = publish_release(release, repo_id=REPO_ID, token=TOKEN, api=_api(cs))
    assert not cs.errors, cs.errors
    deleted = [l["value"]["path"] for l in _commit_lines(cs.seen) if l["key"] == "deletedFile"]
    assert deleted == ["data/documents/train-00001-of-00002.parquet"] == result.deleted
    assert [s.name for s in cs.seen].count("commit") == 1
    assert cs.seen[-1].name == "create_tag"


def test_existing_tag_is_refused_before_anything_is_uploaded(hub, release):
    cs = hub("hub_publish_tag_exists")
    with pytest.raises(PublishError, match="already has tag v1.0.0"):
        publish_release(release, repo_id=REPO_ID, token=TOKEN, api=_api(cs))
    assert [s.name for s in cs.seen] == ["create_repo", "list_refs"]
    assert not cs.errors


def test_cli_publish_reads_the_token_from_the_env_and_never_prints_it(hub, release, monkeypatch):
    cs = hub("hub_publish_tag_exists")  # HF_ENDPOINT now points at the replay server
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    result = CliRunner().invoke(app, ["release", "publish", str(release), "--repo-id", REPO_ID], terminal_width=200)
    assert result.exit_code == 1
    assert "already has tag v1.0.0" in result.output
    assert TOKEN not in result.output
    assert cs.seen and cs.seen[0].headers.get("authorization") == f"Bearer {TOKEN}"


def test_missing_token_is_refused_without_network(release, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(PublishError, match="HF_TOKEN"):
        publish_release(release, repo_id=REPO_ID, api=object())


def test_dry_run_lists_files_and_bytes_without_network(release, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens; a request would fail
    result = CliRunner().invoke(app, ["release", "publish", str(release), "--repo-id", REPO_ID, "--dry-run"], terminal_width=200)
    assert result.exit_code == 0, result.output
    plan = plan_release(release)
    assert plan.files[-1][0] == "manifest.json"
    for path, size in plan.files:
        assert path in result.output and str(size) in result.output
    assert f"{plan.total_bytes} bytes" in result.output and "Release v1.0.0" in result.output


def test_a_release_that_does_not_verify_is_not_published(release, tmp_path):
    import shutil

    broken = Path(shutil.copytree(release, tmp_path / release.name))
    (broken / "stray.txt").write_text("x")
    with pytest.raises(PublishError, match="stray.txt"):
        publish_release(broken, repo_id=REPO_ID, token=TOKEN, dry_run=True)


def test_bad_repo_id_is_refused(release):
    with pytest.raises(PublishError, match="ORG/NAME"):
        publish_release(release, repo_id="no-slash", dry_run=True)


# ----------------------------------------------------------------------------- mirrors


def test_publish_to_a_file_url_copies_verifies_and_is_idempotent(release, tmp_path):
    url = (tmp_path / "mirror").as_uri()
    result = publish_to(release, url)
    dest = tmp_path / "mirror" / "v1.0.0"
    from corpus_tools.release.verify import verify_release

    assert verify_release(dest, load_dataset=False).ok
    assert sorted(p.name for p in dest.rglob("*.tmp")) == []
    assert not result.skipped
    again = publish_to(release, url)
    assert again.skipped


def test_cli_publish_to_a_plain_directory(release, tmp_path):
    mirror = tmp_path / "plain-mirror"
    result = CliRunner().invoke(app, ["release", "publish", str(release), "--to", str(mirror)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "published v1.0.0" in result.output
    assert (mirror / "v1.0.0" / "manifest.json").read_bytes() == (release / "manifest.json").read_bytes()
    again = CliRunner().invoke(app, ["release", "publish", str(release), "--to", str(mirror)], terminal_width=200)
    assert again.exit_code == 0 and "up to date" in again.output


def test_publish_to_refuses_a_different_copy_of_the_same_version(release, tmp_path):
    dest = tmp_path / "mirror" / "v1.0.0"
    dest.mkdir(parents=True)
    (dest / "manifest.json").write_text("{}")
    result = CliRunner().invoke(app, ["release", "publish", str(release), "--to", str(tmp_path / "mirror")], terminal_width=200)
    assert result.exit_code == 1
    assert "already holds a different v1.0.0" in result.output
    assert (dest / "manifest.json").read_text() == "{}"


def test_publish_to_fsspec_memory_url(release):
    import fsspec

    publish_to(release, "memory://mirror-test")
    fs = fsspec.filesystem("memory")
    got = fs.cat("/mirror-test/v1.0.0/manifest.json")
    assert got == (release / "manifest.json").read_bytes()
    sha = hashlib.sha256(fs.cat("/mirror-test/v1.0.0/data/documents/train-00000-of-00001.parquet")).hexdigest()
    assert sha == hashlib.sha256((release / "data/documents/train-00000-of-00001.parquet").read_bytes()).hexdigest()
