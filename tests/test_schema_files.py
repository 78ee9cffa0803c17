"""The JSON Schema files in schema/ are generated from the models and must be current."""

import json

import pytest

from corpus_tools.schema_export import SCHEMA_DIR, render_schemas, stale_schemas


def test_schema_files_are_up_to_date():
    stale = stale_schemas()
    assert not stale, f"out of date: {stale}; run `corpus-tools schema export` and commit"


def test_a_changed_schema_file_is_detected(tmp_path):
    for name, text in render_schemas().items():
        (tmp_path / name).write_text(text)
    assert stale_schemas(tmp_path) == []
    (tmp_path / "article.schema.json").write_text("{}")
    assert stale_schemas(tmp_path) == ["article.schema.json"]


@pytest.mark.parametrize("name", sorted(render_schemas()))
def test_schema_files_are_json_schema(name):
    schema = json.loads((SCHEMA_DIR / name).read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["type"] == "object"
