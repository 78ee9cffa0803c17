"""The two consoles every command prints to: results on stdout, progress and errors on stderr."""

from rich.console import Console

console = Console()
#: Messages name files, lines and URLs: never wrap them, so they can be copied whole.
err = Console(stderr=True, soft_wrap=True)
