"""Typed views of the Doccano 1.8.4 REST payloads the client reads.

Field names follow the server's JSON (e.g. ``start_offset``, ``from_id``) so a model can be
checked against the Doccano source at a glance. Unknown fields are ignored (``extra="ignore"``)
so a harmless server-side addition does not break the bridge; missing required fields raise.
Offsets here are Doccano's own units (see the sync code for conversion to code points).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LabelKind = Literal["span", "relation", "category"]
LABEL_KINDS: tuple[str, ...] = ("span", "relation", "category")

# Doccano's project types (projects.models.ProjectType) and the polymorphic ``resourcetype``
# the project endpoint needs for each.
PROJECT_RESOURCE_TYPES: dict[str, str] = {
    "DocumentClassification": "TextClassificationProject",
    "SequenceLabeling": "SequenceLabelingProject",
    "Seq2seq": "Seq2seqProject",
    "IntentDetectionAndSlotFilling": "IntentDetectionAndSlotFillingProject",
    "Speech2text": "Speech2textProject",
    "ImageClassification": "ImageClassificationProject",
    "BoundingBox": "BoundingBoxProject",
    "Segmentation": "SegmentationProject",
    "ImageCaptioning": "ImageCaptioningProject",
}

# Upload "task" values accepted by /v1/projects/{id}/upload (data_import.datasets.select_dataset).
RELATION_EXTRACTION = "RelationExtraction"
ROLE_NAMES = ("project_admin", "annotator", "annotation_approver")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class User(_Model):
    id: int
    username: str
    is_superuser: bool = False
    is_staff: bool = False


class Role(_Model):
    id: int
    name: str


class Member(_Model):
    id: int
    user: int
    role: int
    username: str | None = None
    rolename: str | None = None


class Project(_Model):
    id: int
    name: str
    description: str = ""
    guideline: str = ""
    project_type: str
    resourcetype: str | None = None
    random_order: bool = False
    collaborative_annotation: bool = False
    single_class_classification: bool = False
    allow_member_to_create_label_type: bool = False
    # Only SequenceLabeling projects carry these three.
    allow_overlapping: bool | None = None
    grapheme_mode: bool | None = None
    use_relation: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None


class LabelType(_Model):
    """A span, relation or category type (same fields for all three kinds)."""

    id: int
    text: str
    prefix_key: str | None = None
    suffix_key: str | None = None
    background_color: str = "#209cee"
    text_color: str = "#ffffff"


class Example(_Model):
    id: int
    text: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    is_confirmed: bool = False
    upload_name: str | None = None
    filename: str | None = None
    annotation_approver: str | None = None
    comment_count: int = 0
    score: float | None = None


class ExampleState(_Model):
    id: int
    example: int
    confirmed_by: int
    confirmed_at: datetime | None = None


class Span(_Model):
    id: int
    example: int
    label: int
    start_offset: int
    end_offset: int
    user: int | None = None
    prob: float = 0.0
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Relation(_Model):
    id: int
    example: int
    from_id: int
    to_id: int
    type: int
    user: int | None = None
    prob: float = 0.0
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Category(_Model):
    id: int
    example: int
    label: int
    user: int | None = None
    prob: float = 0.0
    created_at: datetime | None = None
    updated_at: datetime | None = None


class TaskResult(_Model):
    """The end state of a Celery task (``/v1/tasks/status/{id}``)."""

    task_id: str
    ready: bool
    result: Any = None
    error: dict[str, Any] | None = None


class UploadResult(_Model):
    """What an import left behind: per-line errors from Doccano's import task."""

    task_id: str
    errors: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
