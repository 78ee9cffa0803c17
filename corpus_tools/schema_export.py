"""JSON Schema files in ``schema/`` generated from the pydantic models (the source of truth)."""

from __future__ import annotations

import json
from pathlib import Path

from .annotation import Annotation
from .article import Article
from .labels import LabelScheme
from .records import atomic_write

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"

#: file name -> model; adding a public record type means adding it here.
SCHEMAS = {
    "article.schema.json": Article,
    "annotation.schema.json": Annotation,
    "labels.schema.json": LabelScheme,
}


def render_schemas() -> dict[str, str]:
    """File name -> JSON text (stable key order, trailing newline)."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema(mode="validation")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name, **schema}
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def export_schemas(out_dir: str | Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file atomically; returns the paths written."""
    out_dir = Path(out_dir)
    written = []
    for name, text in render_schemas().items():
        path = out_dir / name
        with atomic_write(path) as fh:
            fh.write(text)
        written.append(path)
    return written


def stale_schemas(out_dir: str | Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that are missing or differ from what the models generate."""
    out_dir = Path(out_dir)
    stale = []
    for name, text in render_schemas().items():
        path = out_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
