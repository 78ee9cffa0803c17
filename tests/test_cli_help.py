"""Every command and group documents itself with at least one example."""

import pytest
import typer
from typer.testing import CliRunner

from corpus_tools.cli import app


def command_paths(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name)
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            yield from command_paths(cmd, (*prefix, name))


PATHS = [()] + list(command_paths(typer.main.get_command(app)))


def test_the_command_tree_is_complete():
    names = {" ".join(p) for p in PATHS}
    assert {"demo", "ingest", "validate", "stats", "schema export", "doccano serve", "doccano push", "doccano pull",
            "agreement", "adjudicate", "release build", "release verify", "release diff", "release publish"} <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "corpus-tools")
def test_help_has_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
