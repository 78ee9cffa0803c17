"""The label scheme (``schema/labels.yaml``): entity, relation and document-category types.

One file drives the Doccano project setup, the annotation validators and the release
``ClassLabel`` names, so the three can never disagree. Changing it is a versioned change:
bump ``version``; releases record the version and hash of the scheme they used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .settings_file import load_settings

DEFAULT_SCHEME_PATH = Path(__file__).resolve().parent.parent / "schema" / "labels.yaml"

_COLOR = r"^#[0-9a-fA-F]{6}$"
_SHORTCUT = r"^[a-z0-9]$"


class _Label(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = Field(min_length=1)
    color: str = Field(pattern=_COLOR)
    shortcut: str | None = Field(default=None, pattern=_SHORTCUT)


class EntityType(_Label):
    pass


class RelationType(_Label):
    head: list[str] = Field(default_factory=list, description="Allowed head entity types; empty = any.")
    tail: list[str] = Field(default_factory=list, description="Allowed tail entity types; empty = any.")


class CategoryType(_Label):
    pass


class CategoryGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str
    exclusive: bool = Field(default=False, description="At most one label of this group per article.")
    labels: list[CategoryType] = Field(min_length=1)


class LabelScheme(BaseModel):
    """Validated label scheme; names are unique within entities, relations and categories."""

    model_config = ConfigDict(extra="forbid")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    allow_overlapping_spans: bool = False
    entities: list[EntityType] = Field(min_length=1)
    relations: list[RelationType] = Field(default_factory=list)
    category_groups: list[CategoryGroup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "LabelScheme":
        for kind, names in (
            ("entity", [e.name for e in self.entities]),
            ("relation", [r.name for r in self.relations]),
            ("category", self.category_names),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"duplicate {kind} label names: {', '.join(dupes)}")
        ents = set(self.entity_names)
        for r in self.relations:
            unknown = sorted(set(r.head + r.tail) - ents)
            if unknown:
                raise ValueError(f"relation {r.name!r} names unknown entity types: {', '.join(unknown)}")
        return self

    @property
    def entity_names(self) -> list[str]:
        return [e.name for e in self.entities]

    @property
    def relation_names(self) -> list[str]:
        return [r.name for r in self.relations]

    @property
    def category_names(self) -> list[str]:
        return [c.name for g in self.category_groups for c in g.labels]

    def relation(self, name: str) -> RelationType | None:
        return next((r for r in self.relations if r.name == name), None)

    def group_of(self, category: str) -> CategoryGroup | None:
        return next((g for g in self.category_groups if any(c.name == category for c in g.labels)), None)


def load_scheme(path: str | Path | None = None) -> LabelScheme:
    """Read and validate a scheme file (default: the repo's ``schema/labels.yaml``)."""
    path = Path(path) if path else DEFAULT_SCHEME_PATH
    return load_settings(path, LabelScheme, what="label scheme", hint="pass --labels PATH", missing=FileNotFoundError)


def scheme_sha256(path: str | Path | None = None) -> str:
    """Hash of the scheme file's bytes (recorded by releases and annotation pulls)."""
    path = Path(path) if path else DEFAULT_SCHEME_PATH
    return hashlib.sha256(path.read_bytes()).hexdigest()
