"""Send a verified release to the Hugging Face Hub, or mirror it to a directory/fsspec URL.

Hub publishing uses ``huggingface_hub.HfApi`` as is: create the dataset repo if needed,
refuse if the tag ``vX.Y.Z`` exists (releases are immutable), upload the whole folder in ONE
commit whose message names the version (files of an older release that this one no longer
has are deleted in the same commit, so the repo's main branch is exactly this release), then
tag that commit. The token comes from the caller or ``HF_TOKEN`` and is never printed.

The Hub is unreachable from the development machine, so the test suite runs this real code
path against a RECORDED HTTP contract (tests/contracts/, replayed by a loopback server with
``HfApi(endpoint=...)``); that contract is written from the Hub API shapes the installed
``huggingface_hub`` uses, it is not the live Hub.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .verify import MANIFEST, verify_release

_VERSION_RE = re.compile(r"^v?(\d+\.\d+\.\d+)$")
#: Files on the Hub that a release upload must never delete.
KEEP_REMOTE = {".gitattributes"}


class PublishError(RuntimeError):
    """Publishing was refused or failed; the message says why and what to do."""


@dataclass
class PublishPlan:
    """What a publish would send: the version, its tag, the commit message and the files."""

    release_dir: Path
    version: str
    files: list[tuple[str, int]]  # (path in repo, bytes), manifest.json last

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def commit_message(self) -> str:
        return f"Release v{self.version}"

    @property
    def total_bytes(self) -> int:
        return sum(n for _, n in self.files)


@dataclass
class PublishResult:
    plan: PublishPlan
    target: str
    dry_run: bool = False
    commit_url: str | None = None
    commit_oid: str | None = None
    deleted: list[str] = field(default_factory=list)
    skipped: bool = False  # mirror already held this exact version


def release_version(release_dir: Path, manifest: dict | None = None) -> str:
    """``X.Y.Z`` from the manifest's version, else from the folder name ``vX.Y.Z``."""
    raw = (manifest or {}).get("version") or release_dir.name
    m = _VERSION_RE.match(str(raw))
    if not m:
        raise PublishError(f"{release_dir}: cannot tell the release version (folder should be named vX.Y.Z, got {release_dir.name!r})")
    return m.group(1)


def plan_release(release_dir: str | os.PathLike, *, check: bool = True) -> PublishPlan:
    """Read the manifest and list the files to send; with ``check`` refuse a release that does
    not verify (checksums, card, schemas, rows; the slower load_dataset and Croissant checks
    are left to ``release verify``, which CI runs first)."""
    release_dir = Path(release_dir)
    if check:
        report = verify_release(release_dir, load_dataset=False, croissant=False)
        if not report.ok:
            listing = "\n".join(f"  {p}" for p in report.problems[:20])
            raise PublishError(f"{release_dir}: does not verify, refusing to publish:\n{listing}\nRun `corpus-tools release verify {release_dir}`.")
    try:
        manifest = json.loads((release_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishError(f"{release_dir}: no {MANIFEST}; build the release first") from None
    files = [(e["path"], int(e["bytes"])) for e in manifest["files"]]
    files.append((MANIFEST, (release_dir / MANIFEST).stat().st_size))
    return PublishPlan(release_dir, release_version(release_dir, manifest), files)


def resolve_token(token: str | None = None) -> str | None:
    """The caller's token, else ``HF_TOKEN`` from the environment (never logged)."""
    return token or os.environ.get("HF_TOKEN") or None


def publish_release(
    release_dir: str | os.PathLike,
    *,
    repo_id: str,
    token: str | None = None,
    dry_run: bool = False,
    api: Any = None,
) -> PublishResult:
    """Publish ``release_dir`` to the Hub dataset repo ``repo_id`` as one commit plus tag ``vX.Y.Z``.

    ``dry_run`` only plans (no network). ``api`` is an ``HfApi`` (default: one on
    ``HF_ENDPOINT`` as set when called, else the public Hub). Raises PublishError when the tag exists, the release does not
    verify, or no token is available.

    Example: ``publish_release("releases/v1.0.0", repo_id="org/name", dry_run=True)``
    """
    if not re.match(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", repo_id or ""):
        raise PublishError(f"repo id {repo_id!r} is not of the form ORG/NAME")
    plan = plan_release(release_dir)
    target = f"hf://datasets/{repo_id}"
    if dry_run:
        return PublishResult(plan, target, dry_run=True)
    token = resolve_token(token)
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN (a write token) or pass one")

    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = api or HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None)  # read now, not at import
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True, token=token)
        refs = api.list_repo_refs(repo_id, repo_type="dataset", token=token)
        if any(t.name == plan.tag for t in refs.tags):
            raise PublishError(f"{repo_id} already has tag {plan.tag}: releases are immutable, build a new version instead")
        release_paths = {p for p, _ in plan.files}
        remote = api.list_repo_files(repo_id, repo_type="dataset", token=token)
        stale = sorted(p for p in remote if p not in release_paths and p not in KEEP_REMOTE)
        operations: list[Any] = [CommitOperationDelete(path_in_repo=p) for p in stale]
        operations += [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(plan.release_dir / p)) for p, _ in plan.files]
        commit = api.create_commit(
            repo_id,
            repo_type="dataset",
            operations=operations,
            commit_message=plan.commit_message,
            commit_description=f"Dataset release v{plan.version}: {len(plan.files)} files, {plan.total_bytes} bytes (see CHANGELOG.md).",
            token=token,
        )
        api.create_tag(repo_id, repo_type="dataset", tag=plan.tag, tag_message=plan.commit_message, revision=commit.oid, token=token)
    except HfHubHTTPError as e:
        status = getattr(getattr(e, "response", None), "status_code", "?")
        raise PublishError(f"the Hub refused the request (HTTP {status}): {_scrub(str(e), token)}") from None
    return PublishResult(plan, target, commit_url=str(commit.commit_url), commit_oid=commit.oid, deleted=stale)


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


# ----------------------------------------------------------------------------- mirrors


def _fs_sha256(fs, path: str) -> str:
    h = hashlib.sha256()
    with fs.open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def publish_to(release_dir: str | os.PathLike, url: str, *, dry_run: bool = False) -> PublishResult:
    """Mirror the release to ``<url>/vX.Y.Z/`` (a plain directory or any fsspec URL such as
    ``file:///srv/mirror``). Each file is written under a temporary name and moved into place,
    the manifest last; every copy is read back and checked against its sha256. A mirror that
    already holds the same version unchanged is left alone; a different one is refused.

    Example: ``publish_to("releases/v1.0.0", "file:///srv/mirror/corpus")``
    """
    import fsspec

    plan = plan_release(release_dir)
    fs, root = fsspec.core.url_to_fs(str(url))
    dest = f"{root.rstrip('/')}/{plan.tag}"
    target = f"{url.rstrip('/')}/{plan.tag}"
    local_manifest = (plan.release_dir / MANIFEST).read_bytes()
    remote_manifest = f"{dest}/{MANIFEST}"
    if fs.exists(remote_manifest):
        with fs.open(remote_manifest, "rb") as fh:
            if fh.read() == local_manifest:
                return PublishResult(plan, target, dry_run=dry_run, skipped=True)
        raise PublishError(f"{target} already holds a different {plan.tag}: releases are immutable, refusing to overwrite")
    if dry_run:
        return PublishResult(plan, target, dry_run=True)
    manifest = json.loads(local_manifest)
    want = {e["path"]: e["sha256"] for e in manifest["files"]}
    want[MANIFEST] = hashlib.sha256(local_manifest).hexdigest()
    for rel, _ in plan.files:  # manifest.json is last in plan.files
        final = f"{dest}/{rel}"
        tmp = f"{dest}/{rel}.{uuid.uuid4().hex[:8]}.tmp"
        fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(str(plan.release_dir / rel), tmp)
        got = _fs_sha256(fs, tmp)
        if got != want[rel]:
            fs.rm(tmp)
            raise PublishError(f"{target}/{rel}: copy has sha256 {got[:12]}..., expected {want[rel][:12]}...; nothing was overwritten")
        fs.mv(tmp, final)
    return PublishResult(plan, target)
