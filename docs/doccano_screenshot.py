"""Screenshot of a seed article in Doccano's annotation UI (the README's picture).

Starts a local Doccano with the project's own server code, sets up the project, pushes one
seed article with its gold annotations as pre-annotations, logs in through the browser UI in
headless Chromium and saves the annotation page as a PNG. Not part of the package or the
tests: it needs Debian's ``chromium`` and the ``playwright`` Python package (driving
``/usr/bin/chromium``; no browser download), e.g.::

    apt-get install chromium && python3.11 -m venv /tmp/pw && /tmp/pw/bin/pip install playwright -e .
    /tmp/pw/bin/python docs/doccano_screenshot.py docs/doccano-annotation.png
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from corpus_tools.annotation import Annotation
from corpus_tools.article import Article
from corpus_tools.demo import DEFAULTS, PROJECT
from corpus_tools.doccano.client import DoccanoClient
from corpus_tools.doccano.server import DoccanoServer, ensure_server_venv, find_free_port
from corpus_tools.doccano.sync import push_articles, setup_project
from corpus_tools.ingest import ingest
from corpus_tools.labels import load_scheme
from corpus_tools.records import read_models

ARTICLE = "004_ce57878dbcbbf1ea"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(out: str) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="doccano-shot-"))
    ingest([DEFAULTS["raw"]], scratch / "articles.jsonl")
    articles = {a.id: a for a in read_models(scratch / "articles.jsonl", Article)}
    gold = [a for a in read_models(DEFAULTS["gold"], Annotation) if a.article_id == ARTICLE]
    scheme = load_scheme()
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp:
        server = DoccanoServer(Path(tmp) / "doccano", port=find_free_port(), username="admin", password=password, venv=ensure_server_venv())
        with server:
            with DoccanoClient(server.url) as client:
                client.login("admin", password)
                project = setup_project(client, PROJECT, scheme, DEFAULTS["guideline"].read_text(encoding="utf-8"))
                push_articles(client, project, [articles[ARTICLE]], gold, scheme=scheme)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{server.url}/auth")
                page.fill("input[type=text]", "admin")
                page.fill("input[type=password]", password)
                page.keyboard.press("Enter")
                page.wait_for_url("**/projects**", timeout=30000)
                # Loopback only: the UI asks for web fonts and analytics elsewhere; refuse those.
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.url) else route.abort())
                page.goto(f"{server.url}/projects/{project.spans_project_id}")
                page.wait_for_timeout(3000)
                page.get_by_text("Start Annotation").click()
                page.wait_for_timeout(8000)
                print(f"annotation page: {page.url.replace(server.url, '')}")
                page.screenshot(path=out, full_page=False)
                browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/doccano-annotation.png")
