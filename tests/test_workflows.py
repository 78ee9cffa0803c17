"""The GitHub workflows: valid under the GitHub-workflow JSON schema (check-jsonschema's
vendored copy, offline), shell steps that parse, and the release pipeline in the right order."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
CHECK = Path(sys.executable).with_name("check-jsonschema")


def _check(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )


def _load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


def _steps(doc: dict) -> list[dict]:
    (job,) = doc["jobs"].values()
    return job["steps"]


def test_both_workflows_validate_against_the_github_workflow_schema():
    proc = _check(WORKFLOWS / "ci.yml", WORKFLOWS / "release.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\non: push\njobs:\n  test:\n    steps:\n      - run: make test\n")  # no runs-on
    proc = _check(broken)
    assert proc.returncode != 0
    assert "runs-on" in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_every_shell_step_parses(name, tmp_path):
    bash = shutil.which("bash")
    for step in _steps(_load(name)):
        if "run" not in step:
            continue
        script = re.sub(r"\$\{\{[^}]*\}\}", "PLACEHOLDER", step["run"])
        path = tmp_path / "step.sh"
        path.write_text(script)
        proc = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{name} step {step.get('name')!r}: {proc.stderr}"


def test_ci_runs_make_test_on_push_and_pull_request_with_python_311():
    doc = _load("ci.yml")
    assert "push" in doc["on"] and "pull_request" in doc["on"]
    (job,) = doc["jobs"].values()
    assert job["runs-on"].startswith("ubuntu")
    steps = _steps(doc)
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11"
    assert any(s.get("run", "").startswith("make test") for s in steps)
    assert any("release verify" in s.get("run", "") for s in steps)


def test_release_runs_on_version_tags_in_order_and_keeps_the_token_in_one_step():
    doc = _load("release.yml")
    assert doc["on"]["push"]["tags"] == ["v*"]
    assert doc["permissions"]["contents"] == "write"
    runs = [s.get("run", "") for s in _steps(doc)]
    order = ["make install", "make test", "release build", "release verify", "release publish", "gh release create"]
    positions = [next(i for i, r in enumerate(runs) if key in r) for key in order]
    assert positions == sorted(positions), dict(zip(order, positions))
    using_secret = [s for s in _steps(doc) if "secrets.HF_TOKEN" in yaml.safe_dump(s)]
    assert [s["name"] for s in using_secret] == ["Publish to the Hugging Face Hub"]
    assert using_secret[0]["env"]["HF_TOKEN"] == "${{ secrets.HF_TOKEN }}"
    gh = next(r for r in runs if "gh release create" in r)
    assert ".parquet" in gh and "manifest.json" in gh and "GITHUB_SHA" in gh


def test_release_asset_step_attaches_every_parquet_file_under_a_unique_name(tmp_path):
    """Run the real asset step of release.yml on a built release; ``gh`` is a stand-in on PATH
    that records its arguments (the GitHub API is not reachable here)."""
    from test_release_verify import make_release

    release = make_release(tmp_path / "work")
    repo = tmp_path / "repo"
    (repo / "releases").mkdir(parents=True)
    shutil.copytree(release, repo / "releases" / "v1.0.0")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "gh-args.txt"
    (bin_dir / "gh").write_text(f'#!/bin/sh\nfor a in "$@"; do echo "$a"; done > {record}\n')
    (bin_dir / "gh").chmod(0o755)
    step = next(s for s in _steps(_load("release.yml")) if "gh release create" in s.get("run", ""))
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "TAG": "v1.0.0", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
           "RUNNER_TEMP": str(runner_temp), "GH_TOKEN": "unused"}
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    args = record.read_text().splitlines()
    assert args[:3] == ["release", "create", "v1.0.0"]
    assets = sorted(Path(a).name for a in args if a.startswith(str(runner_temp / "assets")))
    parquet = sorted(f"{p.parent.name}-{p.name}" for p in (release / "data").glob("*/*.parquet"))
    assert assets == sorted(parquet + ["manifest.json"])
    notes = (runner_temp / "notes.md").read_text()
    assert "0123456789abcdef0123456789abcdef01234567" in notes
    assert (release / "CHANGELOG.md").read_text() in notes
