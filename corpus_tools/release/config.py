"""Release settings (``corpus.toml``): everything in a release that is not data.

Kept in one validated file so a rebuild from the same inputs and settings is byte-identical:
the release date is a setting, never the clock.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..settings_file import load_settings

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")

DEFAULT_CONFIG_PATH = Path("corpus.toml")
SPLITS = ("train", "validation", "test")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetSection(_Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="Machine name (Hub repo name).")
    pretty_name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    homepage: str | None = None
    hub_repo_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    release_date: date
    language: list[str] = Field(default_factory=lambda: ["id"], min_length=1)
    annotations_creators: list[str] = Field(default_factory=lambda: ["expert-generated"])
    source_datasets: list[str] = Field(default_factory=lambda: ["original"])
    task_categories: list[str] = Field(default_factory=lambda: ["token-classification"])
    task_ids: list[str] = Field(default_factory=lambda: ["named-entity-recognition"])
    citation: str | None = None


class LicenseSection(_Section):
    annotations: str = Field(default="cc-by-4.0", description="SPDX-style id for the annotations (card `license`).")
    texts: str = Field(min_length=1, description="Plain statement of the copyright of the article texts.")


class SplitsSection(_Section):
    train: float = Field(default=0.8, ge=0, le=1)
    validation: float = Field(default=0.1, ge=0, le=1)
    test: float = Field(default=0.1, ge=0, le=1)
    salt: str = Field(default="corpus-tools-splits-v1", min_length=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> "SplitsSection":
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"split ratios sum to {total:g}, they must sum to 1")
        return self

    @property
    def ratios(self) -> dict[str, float]:
        return {s: getattr(self, s) for s in SPLITS}


class GatesSection(_Section):
    min_span_f1: float = Field(default=0.7, ge=0, le=1)
    min_category_kappa: float = Field(default=0.6, ge=-1, le=1)


class ParquetSection(_Section):
    max_shard_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    row_group_rows: int = Field(default=10_000, ge=1)
    compression: str = Field(default="zstd", pattern=r"^(zstd|snappy|gzip|none)$")
    compression_level: int | None = 3


class ReleaseConfig(_Section):
    """The validated ``corpus.toml``; ``version`` is filled in by the builder for one build."""

    dataset: DatasetSection
    licensing: LicenseSection
    splits: SplitsSection = Field(default_factory=SplitsSection)
    gates: GatesSection = Field(default_factory=GatesSection)
    parquet: ParquetSection = Field(default_factory=ParquetSection)
    notes: dict[str, str] = Field(
        default_factory=dict,
        description="Per-version note shown at the top of the card, keyed by version ('1.0.0').",
    )
    version: str | None = Field(default=None, description="Set by the builder, not in corpus.toml.")

    @model_validator(mode="after")
    def _note_keys_are_versions(self) -> "ReleaseConfig":
        bad = [k for k in self.notes if not _SEMVER.match(k)]
        if bad:
            raise ValueError(f"[notes] keys must be versions like 1.0.0, not {', '.join(map(repr, bad))}")
        return self

    # Flat aliases other modules (card, croissant) read without knowing the sections.
    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def pretty_name(self) -> str:
        return self.dataset.pretty_name

    @property
    def description(self) -> str:
        return self.dataset.description

    @property
    def homepage(self) -> str | None:
        return self.dataset.homepage

    @property
    def release_date(self) -> date:
        return self.dataset.release_date

    @property
    def hub_repo_id(self) -> str | None:
        return self.dataset.hub_repo_id

    @property
    def license(self) -> str:
        """Licence id of the annotations (the card's and Croissant's `license`)."""
        return self.licensing.annotations

    @property
    def texts_license(self) -> str:
        return self.licensing.texts

    @property
    def citation(self) -> str | None:
        return self.dataset.citation


class ConfigError(ValueError):
    """``corpus.toml`` is missing or invalid; the message names the file and the field."""


def load_config(path: str | Path = DEFAULT_CONFIG_PATH) -> ReleaseConfig:
    """Read and validate ``corpus.toml``."""
    path = Path(path)
    hint = "pass --config PATH (see corpus.toml in the repo root)"
    config = load_settings(path, ReleaseConfig, what="release settings", hint=hint, error=ConfigError)
    if config.version is not None:
        raise ConfigError(f"{path}: `version` is not a setting; pass it with --version X.Y.Z")
    return config
