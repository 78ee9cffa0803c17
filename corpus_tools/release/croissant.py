"""Croissant 1.1 metadata (``croissant.json``) for a release folder.

Croissant is the MLCommons JSON-LD vocabulary that dataset search engines and ML loaders
read. Everything is derived from the files on disk (one FileObject per Parquet file with its
sha256, one FileSet and RecordSet per config, fields from the Parquet Arrow schemas), so the
metadata cannot drift from the data. Output is deterministic: sorted keys, sorted files, no
timestamps; the only date is the release date from the config.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..records import atomic_write
from .manifest import sha256_file
from .verify import CROISSANT

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"

#: The Croissant 1.1 JSON-LD context (as published with the 1.1 specification).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

#: SPDX-style licence ids used in corpus.toml -> the licence URL Croissant expects.
LICENSE_URLS = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-nc-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "mit": "https://opensource.org/licenses/MIT",
}


def _data_type(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "sc:Boolean"
    if pa.types.is_integer(t):
        return "sc:Integer"
    if pa.types.is_floating(t):
        return "sc:Float"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "sc:Date"
    return "sc:Text"


def _label_names(schema: pa.Schema) -> dict[str, list[str]]:
    """ClassLabel names per dotted column path, read from the ``huggingface`` schema metadata."""
    meta = (schema.metadata or {}).get(b"huggingface")
    if not meta:
        return {}
    try:
        features = json.loads(meta)["info"]["features"]
    except (ValueError, KeyError):
        return {}
    out: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("_type") == "ClassLabel":
                out[path] = list(node.get("names") or [])
            elif node.get("_type") in ("List", "Sequence", "LargeList"):
                walk(node.get("feature"), path)
            elif "_type" not in node:
                for k, v in node.items():
                    walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list) and node:
            walk(node[0], path)

    walk(features, "")
    return out


def _field(record_set: str, file_set: str, name: str, t: pa.DataType, path: str, labels: dict[str, list[str]], column: str) -> dict:
    """One Croissant Field for an Arrow type: structs become subFields, lists become
    ``isArray``/``arrayShape`` (Croissant 1.1's replacement for the deprecated ``repeated``)."""
    fid = f"{record_set}/{path}"
    field: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": fid}
    repeated = False
    while pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        repeated = True
        t = t.value_type
    source: dict[str, Any] = {"fileSet": {"@id": file_set}, "extract": {"column": column}}
    if path != column:
        source["transform"] = {"jsonPath": path[len(column) + 1 :]}
    if pa.types.is_struct(t):
        field["subField"] = [
            _field(record_set, file_set, f.name, f.type, f"{path}/{f.name}".replace("/", "."), labels, column)
            for f in t
        ]
        for sub in field["subField"]:
            sub["@id"] = sub["name"] = f"{fid}/{sub['name'].rsplit('.', 1)[-1]}"
        field["dataType"] = "sc:StructuredValue"
    else:
        field["dataType"] = _data_type(t)
        names = labels.get(path)
        if names:
            # No `references`: mlcroissant cannot join a list of ids against the names set.
            field["description"] = (
                f"ClassLabel index (0-based); the names are in RecordSet {_names_set_id(record_set, path)}: " + ", ".join(names)
            )
    field["source"] = source
    if repeated:
        field["isArray"] = True
        field["arrayShape"] = "-1"
    return field


def _names_set_id(record_set: str, path: str) -> str:
    return f"{record_set}-{path.replace('.', '-')}-names"


def _names_record_set(record_set: str, path: str, names: list[str]) -> dict:
    """An inline enumeration RecordSet (index -> name) that a ClassLabel field references."""
    rid = _names_set_id(record_set, path)
    return {
        "@type": "cr:RecordSet",
        "@id": rid,
        "name": rid,
        "description": f"Names of the ClassLabel ids in {record_set}/{path.replace('.', '/')} (from the label scheme).",
        "key": {"@id": f"{rid}/index"},
        "field": [
            {"@type": "cr:Field", "@id": f"{rid}/index", "name": f"{rid}/index", "dataType": "sc:Integer"},
            {"@type": "cr:Field", "@id": f"{rid}/name", "name": f"{rid}/name", "dataType": "sc:Text"},
        ],
        "data": [{f"{rid}/index": i, f"{rid}/name": n} for i, n in enumerate(names)],
    }


def _license(config: Any) -> str:
    lic = getattr(config, "license", None) or getattr(config, "licence", None) or ""
    if isinstance(lic, dict):  # e.g. {"annotations": "CC-BY-4.0", "texts": "..."}
        lic = lic.get("annotations") or lic.get("id") or next(iter(lic.values()), "")
    lic = str(lic)
    return LICENSE_URLS.get(lic.lower(), lic)


def _description(config: Any) -> str:
    """The dataset description plus the licensing split: ``license`` covers the annotations only."""
    text = str(getattr(config, "description", "") or getattr(config, "pretty_name", ""))
    texts = getattr(config, "texts_license", None)
    if texts:
        text += f"\n\nLicence: the annotations are {getattr(config, 'license', '')}. Article texts: {texts}"
    return text


def _languages(config: Any) -> str | list[str]:
    langs = list(getattr(getattr(config, "dataset", None), "language", None) or getattr(config, "language", None) or ["id"])
    return langs[0] if len(langs) == 1 else langs


def _default_citation(doc: dict) -> str:
    key = doc["name"].replace("-", "_") + "_" + doc.get("version", "").replace(".", "_")
    parts = [f"title = {{{doc['alternateName']}}}", f"version = {{{doc.get('version', '')}}}"]
    if doc.get("datePublished"):
        parts.append(f"year = {{{doc['datePublished'][:4]}}}")
    if doc.get("url"):
        parts.append(f"url = {{{doc['url']}}}")
    return f"@misc{{{key}, " + ", ".join(parts) + "}"


def build_croissant(release_dir: Path, config: Any, known_sha256: Mapping[str, str] | None = None) -> dict:
    """The Croissant document for the Parquet files under ``release_dir/data`` (see module doc);
    ``known_sha256`` (relative path -> digest) spares hashing files the caller already hashed."""
    release_dir = Path(release_dir)
    known = known_sha256 or {}
    files = sorted(p.relative_to(release_dir).as_posix() for p in (release_dir / "data").rglob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{release_dir / 'data'}: no Parquet files; build the data before the Croissant metadata")
    distribution: list[dict] = []
    record_sets: list[dict] = []
    configs: dict[str, list[str]] = {}
    for rel in files:
        configs.setdefault(rel.split("/")[1], []).append(rel)
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": rel,
                "name": rel,
                "contentUrl": rel,
                "contentSize": f"{(release_dir / rel).stat().st_size} B",
                "encodingFormat": "application/x-parquet",
                "sha256": known.get(rel) or sha256_file(release_dir / rel),
            }
        )
    for cfg, cfg_files in sorted(configs.items()):
        fs_id = f"parquet-{cfg}"
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": fs_id,
                "name": fs_id,
                "description": f"Parquet shards of the {cfg!r} config, one or more per split (train, validation, test).",
                "encodingFormat": "application/x-parquet",
                "includes": f"data/{cfg}/*.parquet",
            }
        )
        schema = pq.read_schema(release_dir / cfg_files[0])
        labels = _label_names(schema)
        fields = [_field(cfg, fs_id, f.name, f.type, f.name, labels, f.name) for f in schema]
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"{cfg}/split",
                "name": f"{cfg}/split",
                "description": "The split (train, validation or test), taken from the file name.",
                "dataType": "sc:Text",
                "source": {
                    "fileSet": {"@id": fs_id},
                    "extract": {"fileProperty": "filename"},
                    "transform": {"regex": "^([a-z]+)-\\d{5}-of-\\d{5}\\.parquet$"},
                },
            }
        )
        record_sets += [_names_record_set(cfg, path, names) for path, names in sorted(labels.items())]
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": cfg,
                "name": cfg,
                "description": f"Records of the {cfg!r} config.",
                "field": fields,
            }
        )
    version = str(getattr(config, "version", "") or "").lstrip("v")
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": str(getattr(config, "name")),
        "alternateName": str(getattr(config, "pretty_name", "") or getattr(config, "name")),
        "description": _description(config),
        "license": _license(config),
        "url": str(getattr(config, "homepage", "") or ""),
        "version": version,
        "datePublished": str(getattr(config, "release_date", "") or ""),
        "inLanguage": _languages(config),
        "isLiveDataset": False,
        "distribution": distribution,
        "recordSet": record_sets,
    }
    doc["citeAs"] = str(getattr(config, "citation", None) or _default_citation(doc))
    return {k: v for k, v in doc.items() if v != ""}


def write_croissant(release_dir: Path, config: Any, known_sha256: Mapping[str, str] | None = None) -> Path:
    """Write ``release_dir/croissant.json`` (atomically, deterministic bytes) and return its path.

    ``config`` is the release's ``ReleaseConfig`` (any object with name, pretty_name,
    description, license, homepage, version and release_date attributes).

    Example: ``write_croissant(Path("releases/v1.0.0"), load_release_config())``
    """
    doc = build_croissant(Path(release_dir), config, known_sha256)
    path = Path(release_dir) / CROISSANT
    with atomic_write(path) as fh:
        fh.write(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return path
