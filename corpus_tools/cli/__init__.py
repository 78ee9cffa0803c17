"""The ``corpus-tools`` command line: a thin layer over the documented Python functions.

Each stage registers its commands from its own module, so a stage's CLI lives next to
nothing else. Exit codes everywhere: 0 all good, 1 some inputs rejected or a run failed,
2 usage errors.
"""

from __future__ import annotations

import typer

from . import annotations_cmd, demo_cmd, doccano_cmd, doccano_sync_cmd, ingest_cmd, release_cmd, release_verify_cmd, schema_cmd

app = typer.Typer(
    name="corpus-tools",
    help=(
        "Turn raw news articles into an annotated, versioned dataset.\n\n"
        "Stages: ingest -> (Doccano) annotate -> adjudicate -> release.\n\n"
        "Example: corpus-tools ingest corpus/raw --out corpus/articles.jsonl"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)

# doccano_sync_cmd and release_verify_cmd add commands to the `doccano` and `release` groups
# that doccano_cmd and release_cmd create.
for module in (demo_cmd, ingest_cmd, schema_cmd, doccano_cmd, doccano_sync_cmd, annotations_cmd, release_cmd, release_verify_cmd):
    module.register(app)


def main() -> None:
    app()
