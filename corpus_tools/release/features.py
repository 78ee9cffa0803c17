"""The declared columns of both release configs, as ``datasets.Features`` and Arrow schemas.

Declared, never inferred: an empty split gets the same types as a full one, and the
``ClassLabel`` names come from the label scheme, so they travel inside every Parquet file
(the ``huggingface`` schema-metadata key that ``datasets.load_dataset`` reads back).

``published_at`` is an ISO 8601 string with the outlet's own UTC offset (e.g.
``2024-05-02T14:03:00+07:00``): an Arrow timestamp column holds one time zone, so it would
lose the offset, while the string loads unchanged in datasets, pandas, DuckDB and Polars
(each parses it with its own ISO parser when asked).
"""

from __future__ import annotations

import datasets
import pyarrow as pa

from ..labels import LabelScheme

CONFIGS = ("documents", "ner")
DEFAULT_CONFIG = "documents"


def bio_tag_names(scheme: LabelScheme) -> list[str]:
    """``O`` then ``B-X``, ``I-X`` for each entity type X in scheme order (tag id = index)."""
    names = ["O"]
    for e in scheme.entity_names:
        names += [f"B-{e}", f"I-{e}"]
    return names


def documents_features(scheme: LabelScheme) -> datasets.Features:
    """One row per article: metadata, text, entities, relations (indices into entities), categories."""
    string = datasets.Value("string")
    return datasets.Features(
        {
            "id": string,
            "title": string,
            "text": string,
            "outlet": string,
            "domain": string,
            "published_at": string,
            "dateline": string,
            "lang": string,
            "story_id": string,
            "annotated": datasets.Value("bool"),
            "entities": datasets.List(
                {
                    "start": datasets.Value("int32"),
                    "end": datasets.Value("int32"),
                    "label": datasets.ClassLabel(names=scheme.entity_names),
                    "text": string,
                }
            ),
            "relations": datasets.List(
                {
                    "head": datasets.Value("int32"),
                    "tail": datasets.Value("int32"),
                    "label": datasets.ClassLabel(names=scheme.relation_names),
                }
            ),
            "categories": datasets.List(datasets.ClassLabel(names=scheme.category_names)),
        }
    )


def ner_features(scheme: LabelScheme) -> datasets.Features:
    """One row per paragraph (block): tokens, their code-point offsets into the article text, BIO tags."""
    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "article_id": datasets.Value("string"),
            "paragraph_index": datasets.Value("int32"),
            "tokens": datasets.List(datasets.Value("string")),
            "token_starts": datasets.List(datasets.Value("int32")),
            "token_ends": datasets.List(datasets.Value("int32")),
            "ner_tags": datasets.List(datasets.ClassLabel(names=bio_tag_names(scheme))),
        }
    )


def features_for(config: str, scheme: LabelScheme) -> datasets.Features:
    if config == "documents":
        return documents_features(scheme)
    if config == "ner":
        return ner_features(scheme)
    raise ValueError(f"unknown config {config!r}; known: {', '.join(CONFIGS)}")


def arrow_schema(config: str, scheme: LabelScheme) -> pa.Schema:
    """The explicit Arrow schema of a config, with the ``huggingface`` features metadata."""
    return features_for(config, scheme).arrow_schema
