"""Settings files (the label scheme, the outlet table, ``corpus.toml``) read into pydantic models.

One reader, so every such file fails the same way: the message names the file, then what is
wrong (missing, with what to pass instead; not parseable; or each bad field and its rule).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .records import describe_validation_error

M = TypeVar("M", bound=BaseModel)


def load_settings(
    path: Path,
    model: type[M],
    *,
    what: str,
    hint: str,
    error: type[Exception] = ValueError,
    missing: type[Exception] | None = None,
) -> M:
    """``model`` validated from the TOML (``.toml``) or YAML file at ``path``. Failures raise
    ``error`` (``missing`` for an absent file, when given) with a message naming the file."""
    toml = path.suffix == ".toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise (missing or error)(f"{path}: {what} not found; {hint}") from None
    try:
        data = tomllib.loads(text) if toml else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise error(f"{path}: not valid {'TOML' if toml else 'YAML'}: {e}") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise error(f"{path}: invalid {what}: {describe_validation_error(e)}") from None
