"""The README's main job, end to end against a real Doccano (its own server, like `make demo`)."""

import os
from contextlib import nullcontext
import subprocess
from pathlib import Path

import pytest

from corpus_tools.demo import run_demo

REPO = Path(__file__).resolve().parent.parent


def git_status() -> str:
    try:
        return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. an sdist)
        return ""


@pytest.mark.doccano
def test_demo_runs_every_stage_and_leaves_nothing_behind(tmp_path):
    before = git_status()
    seen = []
    report = run_demo(tmp_path / "demo", stage=lambda name: seen.append(name) or nullcontext())
    names = [s.name for s in report.stages]
    assert names == ["ingest", "validate", "Doccano server venv", "start Doccano", "set up project", "push", "pull",
                     "stop Doccano", "adjudicate", "build release", "verify release"]
    assert seen == names
    summary = {s.name: s.summary for s in report.stages}
    assert "5 articles" in summary["ingest"] and "round trip exact" in summary["pull"]
    assert (report.release_dir / "manifest.json").is_file()
    assert report.release_dir.is_relative_to(tmp_path)
    # the server's processes are gone: the pid file's process ids no longer exist
    for pid_file in (tmp_path / "demo" / "doccano").rglob("*.pid"):
        for pid in pid_file.read_text().split():
            if pid.isdigit():
                with pytest.raises(ProcessLookupError):
                    os.kill(int(pid), 0)
    assert git_status() == before, "the demo changed files in the repo"
