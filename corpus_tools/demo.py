"""The main job on the bundled corpus, end to end, on embedded defaults.

ingest ``corpus/raw`` -> validate -> start a local Doccano (the project's own server code) ->
set up the project -> push the articles with the gold annotations as pre-annotations -> pull
them back -> adjudicate -> build a release into a scratch folder -> verify it -> summary ->
stop the server.

Everything is written under one scratch folder (default: a fresh temp folder); the repo is
only read. The Doccano admin password comes from ``DOCCANO_PASSWORD`` or is generated for the
run; it is never printed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from .adjudicate import adjudicate
from .annotation import Annotation
from .article import Article
from .doccano.client import DoccanoClient
from .doccano.server import DoccanoServer, ensure_server_venv, find_free_port
from .doccano.sync import group_by_annotator, pull_annotations, push_articles, setup_project
from .ingest import ingest
from .labels import DEFAULT_SCHEME_PATH, load_scheme
from .records import read_models, write_jsonl
from .release.build import build_release
from .release.verify import verify_release

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "raw": REPO_ROOT / "corpus" / "raw",
    "gold": REPO_ROOT / "corpus" / "annotations" / "gold.jsonl",
    "labels": DEFAULT_SCHEME_PATH,
    "guideline": REPO_ROOT / "schema" / "guidelines.md",
    "config": REPO_ROOT / "corpus.toml",
}
PROJECT = "korea-utara-seed"


class DemoError(RuntimeError):
    """A stage failed; the message names the stage and what to look at."""


@dataclass
class StageResult:
    name: str
    seconds: float
    summary: str


@dataclass
class DemoReport:
    workdir: Path
    stages: list[StageResult] = field(default_factory=list)
    release_dir: Path | None = None
    doccano_url: str | None = None


def annotation_content(ann: Annotation) -> tuple:
    """What an annotator decided, independent of ids and bookkeeping fields."""
    spans = {s.id: (s.start, s.end, s.label) for s in ann.spans}
    return (
        sorted(spans.values()),
        sorted((spans[r.head], spans[r.tail], r.label) for r in ann.relations),
        sorted(c.label for c in ann.categories),
    )


def round_trip_differences(sent: list[Annotation], received: list[Annotation]) -> list[str]:
    """Article ids whose pulled annotation differs from the pushed one (or is missing)."""
    got = {a.article_id: annotation_content(a) for a in received}
    return [a.article_id for a in sent if got.get(a.article_id) != annotation_content(a)]


def run_demo(
    workdir: str | Path | None = None,
    *,
    raw: str | Path = DEFAULTS["raw"],
    gold: str | Path = DEFAULTS["gold"],
    labels: str | Path = DEFAULTS["labels"],
    guideline: str | Path = DEFAULTS["guideline"],
    config: str | Path = DEFAULTS["config"],
    version: str = "1.0.0",
    port: int | None = None,
    stage: Callable[[str], object] | None = None,
) -> DemoReport:
    """Run every stage; ``stage(name)`` returns a context manager shown around each stage
    (the CLI passes a rich spinner). Raises DemoError naming the failed stage."""
    workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="corpus-tools-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report = DemoReport(workdir=workdir)
    scheme = load_scheme(labels)

    @contextmanager
    def step(name: str) -> Iterator[dict]:
        info: dict = {}
        t0 = time.perf_counter()
        with stage(name) if stage else nullcontext():
            try:
                yield info
            except DemoError:
                raise
            except Exception as e:
                raise DemoError(f"stage '{name}' failed: {e}") from e
        report.stages.append(StageResult(name, time.perf_counter() - t0, info.get("summary", "")))

    articles_path = workdir / "articles.jsonl"
    with step("ingest") as info:
        ing = ingest([raw], articles_path)
        if ing.rejected:
            raise DemoError(f"{ing.rejected} raw file(s) rejected; see {ing.rejects_file}")
        info["summary"] = f"{ing.written} articles, {ing.stories} stories ({ing.multi_article_stories} with rewrites)"

    with step("validate") as info:
        articles: list[Article] = list(read_models(articles_path, Article))
        by_id = {a.id: a for a in articles}
        gold_anns = list(read_models(gold, Annotation))
        for ann in gold_anns:
            if ann.article_id not in by_id:
                raise DemoError(f"{gold}: annotation for {ann.article_id!r}, which is not in {raw}")
            Annotation.model_validate(ann.model_dump(), context={"article": by_id[ann.article_id], "scheme": scheme})
        n_spans = sum(len(a.spans) for a in gold_anns)
        n_rels = sum(len(a.relations) for a in gold_anns)
        info["summary"] = f"{len(articles)} articles + {len(gold_anns)} gold annotations ({n_spans} spans, {n_rels} relations) valid"

    username = os.environ.get("DOCCANO_USERNAME") or "admin"
    password = os.environ.get("DOCCANO_PASSWORD") or secrets.token_urlsafe(16)
    with step("Doccano server venv") as info:
        venv = ensure_server_venv()
        info["summary"] = f"doccano 1.8.4 in {venv}"
    server = DoccanoServer(workdir / "doccano", port=port or find_free_port(), username=username, password=password, venv=venv)
    try:
        with step("start Doccano") as info:
            server.start()
            report.doccano_url = server.url
            info["summary"] = f"Doccano 1.8.4 at {server.url} (user {username})"
        with DoccanoClient(server.url) as client:
            client.login(username, password)
            with step("set up project") as info:
                guide = Path(guideline).read_text(encoding="utf-8") if Path(guideline).exists() else None
                project = setup_project(client, PROJECT, scheme, guide)
                info["summary"] = f"project '{PROJECT}' (ids {', '.join(map(str, project.project_ids))}) with {len(scheme.entities)} entity, {len(scheme.relations)} relation, {len(scheme.category_names)} category types"
            with step("push") as info:
                pushed = push_articles(client, project, articles, gold_anns, scheme=scheme)
                if not pushed.ok:
                    raise DemoError(f"push reported problems: rejected={len(pushed.rejected)} import_errors={pushed.import_errors[:3]}")
                info["summary"] = f"{pushed.created} articles created, {pushed.preannotated} with pre-annotations"
            with step("pull") as info:
                pulled = pull_annotations(client, project, by_id, scheme=scheme)
                if not pulled.ok:
                    raise DemoError(f"pull reported drift in {len(pulled.drift)} and invalid labels in {len(pulled.rejected)} article(s)")
                ann_dir = workdir / "annotations"
                for user, anns in group_by_annotator(pulled.annotations).items():
                    write_jsonl(ann_dir / f"{user}.jsonl", anns)
                diff = round_trip_differences(gold_anns, pulled.annotations)
                if diff:
                    raise DemoError(f"round trip changed the annotations of {', '.join(diff)}")
                info["summary"] = f"{len(pulled.annotations)} annotations from {len(pulled.users)} annotator(s); round trip exact"
    finally:
        with step("stop Doccano") as info:
            server.stop()
            info["summary"] = "web app and worker stopped"

    with step("adjudicate") as info:
        merged, disagreements = adjudicate(pulled.annotations, scheme=scheme)
        adjudicated = workdir / "adjudicated.jsonl"
        write_jsonl(adjudicated, merged)
        info["summary"] = f"{len(merged)} adjudicated annotations, {len(disagreements)} disagreements"

    with step("build release") as info:
        built = build_release(
            version, articles=articles_path, annotations=adjudicated, scheme_path=labels,
            config=config, out_dir=workdir / "releases", annotators_dir=workdir / "annotations",
        )
        report.release_dir = built.release_dir
        rows = ", ".join(f"{cfg}: {sum(s.values())} rows" for cfg, s in built.rows.items())
        info["summary"] = f"v{built.version} ({rows})"

    with step("verify release") as info:
        verified = verify_release(built.release_dir)
        if not verified.ok:
            raise DemoError("release verification failed: " + "; ".join(f"{p.path}: {p.message}" for p in verified.problems[:5]))
        info["summary"] = "checksums, schema, load_dataset (offline) and Croissant OK"
    return report
