"""The dataset card (``README.md``): Hugging Face YAML header plus an honest prose body.

The YAML header is what ``datasets.load_dataset(<folder>)`` and the Hub read: ``configs``
maps each config to its Parquet files, ``dataset_info`` declares the features (ClassLabel
names included) and row counts. Everything is rendered from the build's counts and the
settings in ``corpus.toml``, in a fixed order, so the card is byte-stable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..labels import LabelScheme
from .config import SPLITS, ReleaseConfig
from .features import CONFIGS, DEFAULT_CONFIG, features_for

CHART_NAME = "label_distribution.svg"


@dataclass
class ReleaseStats:
    """Counts gathered while streaming the articles (all small: per label, outlet, split)."""

    articles: int = 0
    annotated: int = 0
    outlets: Counter = field(default_factory=Counter)
    domains: dict[str, str] = field(default_factory=dict)
    entities: Counter = field(default_factory=Counter)
    relations: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    entities_left_out_of_ner: int = 0
    annotators: Counter = field(default_factory=Counter)


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def card_header(
    config: ReleaseConfig, scheme: LabelScheme, rows: dict[str, dict[str, int]], split_bytes: dict[str, dict[str, int]] | None = None
) -> dict[str, Any]:
    """The YAML header. ``split_bytes`` (uncompressed bytes per config and split) fills each
    split's ``num_bytes``: without it ``datasets`` warns that the splits are malformed."""
    ds = config.dataset
    split_bytes = split_bytes or {}
    return {
        "pretty_name": ds.pretty_name,
        "language": list(ds.language),
        "license": config.license,
        "multilinguality": ["monolingual"],
        "language_creators": ["found"],
        "annotations_creators": list(ds.annotations_creators),
        "source_datasets": list(ds.source_datasets),
        "task_categories": list(ds.task_categories),
        "task_ids": list(ds.task_ids),
        "size_categories": [size_category(sum(rows.get(DEFAULT_CONFIG, {}).values()))],
        "configs": [
            {
                "config_name": c,
                **({"default": True} if c == DEFAULT_CONFIG else {}),
                "data_files": [{"split": s, "path": f"data/{c}/{s}-*.parquet"} for s in _loadable(rows, c)],
            }
            for c in CONFIGS
            if _loadable(rows, c)
        ],
        "dataset_info": [
            {
                "config_name": c,
                "features": features_for(c, scheme)._to_yaml_list(),
                "splits": [
                    {"name": s, "num_bytes": split_bytes.get(c, {}).get(s, 0), "num_examples": rows[c][s]}
                    for s in _loadable(rows, c)
                ],
            }
            for c in CONFIGS
            if _loadable(rows, c)
        ],
    }


def _loadable(rows: dict[str, dict[str, int]], config: str) -> list[str]:
    """Splits the card declares: the non-empty ones. ``datasets`` cannot load a zero-row split,
    so an empty split keeps its (schema-only) Parquet file but is left out of the YAML header."""
    return [s for s in SPLITS if rows.get(config, {}).get(s, 0) > 0]


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _agreement_section(agreement: Any) -> str:
    if agreement is None:
        return "Single annotator (or no per-annotator files given): agreement not measured.\n"
    if not agreement.measurable:
        if len(agreement.annotators) <= 1:
            who = f" ({agreement.annotators[0]})" if agreement.annotators else ""
            return f"Single annotator{who}: agreement not measured.\n"
        return f"Annotators: {', '.join(agreement.annotators)}. Agreement not measured ({agreement.note or 'not measurable'}).\n"

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    return "\n".join([
        f"Annotators: {', '.join(agreement.annotators)}; articles compared: {agreement.articles_compared} "
        f"(annotated by all: {agreement.articles_by_all}).",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Span F1, exact match (micro, pairwise) | {fmt(agreement.spans_exact.f1)} |",
        f"| Span F1, overlap match | {fmt(agreement.spans_overlap.f1)} |",
        f"| Relation F1 | {fmt(agreement.relations.f1)} |",
        f"| Category kappa (Fleiss, pooled) | {fmt(agreement.categories_pooled.fleiss.kappa)} |",
        "",
    ])


def render_card(
    config: ReleaseConfig,
    scheme: LabelScheme,
    *,
    version: str,
    rows: dict[str, dict[str, int]],
    stats: ReleaseStats,
    partial: bool,
    agreement: Any,
    changes_md: str,
    split_bytes: dict[str, dict[str, int]] | None = None,
) -> str:
    """The full README.md text."""
    ds = config.dataset
    header = yaml.safe_dump(card_header(config, scheme, rows, split_bytes), sort_keys=False, allow_unicode=True, width=1000)
    doc_rows = rows.get("documents", {})
    out: list[str] = ["---", header.rstrip("\n"), "---", "", f"# {ds.pretty_name}", ""]
    out += [f"Version {version}, released {config.release_date.isoformat()}.", ""]
    if config.notes.get(version):
        out += [f"> **About this version**: {config.notes[version].strip()}", ""]
    if partial:
        out += [
            f"> **Partial release**: {stats.articles - stats.annotated} of {stats.articles} articles have no adjudicated "
            "annotation yet. They are in the `documents` config with `annotated = false` and empty "
            "entities/relations/categories, and are left out of the `ner` config.",
            "",
        ]
    out += [ds.description, ""]
    if ds.homepage:
        out += [f"Homepage: {ds.homepage}", ""]
    out += [
        "## Configs and splits",
        "",
        "- `documents` (default): one row per article: `id`, `title`, `text`, `outlet`, `domain`, `published_at` "
        "(ISO 8601 string with the outlet's UTC offset), `dateline`, `lang`, `story_id`, `annotated`, `entities` "
        "(`start`/`end` are code-point offsets into `text`, `label`, `text`), `relations` (`head`/`tail` are indices "
        "into `entities`, `label`), `categories`.",
        "- `ner`: one row per paragraph of an annotated article: `tokens`, `token_starts`/`token_ends` (code-point "
        "offsets into the article `text`), BIO `ner_tags`. Tokens are maximal runs of letters/digits/marks (hyphens "
        "and apostrophes inside words, and `.`/`,` inside numbers, stay in the token); every other non-space "
        "character is its own token; entity boundaries always split tokens.",
        "",
        "Splits are assigned per story (rewrites of one story share a split, so no story leaks between train and "
        "test), deterministically from a hash of the story id, and never change between versions.",
        "",
        "| Config | " + " | ".join(SPLITS) + " |",
        "|---|" + "---|" * len(SPLITS),
    ]
    for c in CONFIGS:
        out.append(f"| {c} | " + " | ".join(str(rows.get(c, {}).get(s, 0)) for s in SPLITS) + " |")
    empty = [s for s in SPLITS if not any(rows.get(c, {}).get(s, 0) for c in CONFIGS)]
    if empty:
        names = ", ".join(f"`{s}`" for s in empty)
        out += ["", f"Empty split(s) {names}: no story has been assigned there yet. Their schema-only Parquet files "
                "are in `data/`, but they are not declared in the header, because `datasets` cannot load a zero-row split."]
    out += ["", "```python", "from datasets import load_dataset", "", f'docs = load_dataset("{config.hub_repo_id or "<folder>"}")',
            f'ner = load_dataset("{config.hub_repo_id or "<folder>"}", "ner")', "```", ""]

    out += ["## Sources", "", "| Outlet | Domain | Articles |", "|---|---|---|"]
    for outlet, n in sorted(stats.outlets.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"| {_md_cell(outlet)} | {_md_cell(stats.domains.get(outlet) or '')} | {n} |")
    out += ["", f"Articles: {stats.articles}; annotated: {stats.annotated}; documents rows: {sum(doc_rows.values())}.", ""]

    out += [f"## Label scheme (version {scheme.version})", "", f"![Label distribution]({CHART_NAME})", "",
            "| Entity type | Description | Count |", "|---|---|---|"]
    out += [f"| {e.name} | {_md_cell(e.description)} | {stats.entities.get(e.name, 0)} |" for e in scheme.entities]
    if scheme.relations:
        out += ["", "| Relation | Description | Count |", "|---|---|---|"]
        out += [f"| {r.name} | {_md_cell(r.description)} | {stats.relations.get(r.name, 0)} |" for r in scheme.relations]
    if scheme.category_groups:
        out += ["", "| Category | Group | Description | Count |", "|---|---|---|---|"]
        out += [
            f"| {c.name} | {g.name} | {_md_cell(c.description)} | {stats.categories.get(c.name, 0)} |"
            for g in scheme.category_groups for c in g.labels
        ]
    out += [""]

    out += ["## Annotation process", "",
            "Articles are annotated following the written guideline for the label scheme (`schema/guidelines.md` in "
            "the tool repository), in Doccano through corpus-tools or directly as annotation records. Each released "
            "annotation is the single adjudicated one for its article (disagreements resolved by majority or by an "
            "adjudicator); every annotation is checked against the article text (offsets and a hash of the text) and "
            "the scheme before release.", "",
            "Released annotations by record author: "
            + (", ".join(f"`{_md_cell(a)}` ({n})" for a, n in sorted(stats.annotators.items())) or "none") + ".", "",
            "### Agreement", "", _agreement_section(agreement)]

    out += ["## Limitations", "",
            "- Small, topical corpus: Indonesian online news on one subject; not representative of Indonesian text in general.",
            "- Labels reflect the guideline and its annotators; the agreement figures above bound their reliability.",
            "- The `ner` config is BIO: overlapping entities cannot be expressed there"
            + (f" ({stats.entities_left_out_of_ner} overlapping entities are only in `documents`)." if stats.entities_left_out_of_ner else "."),
            "- Outlets rewrite agency copy; near-duplicate articles share a story and therefore a split.",
            "- Article texts are as published (after boilerplate removal) and may contain errors of the source.",
            ""]
    if partial:
        out += ["- This is a partial release: unannotated articles have empty annotations (see `annotated`).", ""]

    out += ["## Licence and copyright", "",
            f"The annotations (entities, relations, categories) and the metadata are released under **{config.license}**.", "",
            config.licensing.texts, ""]
    if config.citation:
        out += ["## Citation", "", "```bibtex", config.citation.rstrip("\n"), "```", ""]
    out += ["## Changelog", "", changes_md.rstrip("\n"), "", "The full history is in `CHANGELOG.md`.", ""]
    return "\n".join(out)
