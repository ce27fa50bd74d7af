"""The dataset card: YAML metadata from the schemas and the build, body from `datacard.md`.

The metadata is assembled with the libraries the Hub itself uses: `datasets.DatasetInfosDict` and
`MetadataConfigs` write `dataset_info` (features per config, split sizes) and `configs` (data_files
per split, the default config) into a `huggingface_hub.DatasetCardData`. The body template uses the
`{{ name }}` placeholders of huggingface_hub's own card templates (a subset of Jinja: names only), so
rendering needs no template engine, and an unknown placeholder is an error rather than a blank.
"""
from __future__ import annotations

import re
from pathlib import Path

from storycast.errors import StorycastError
from storycast.release.layout import CONFIGS, DEFAULT_CONFIG, schema_of
from storycast.release.split import SPLITS

TEMPLATE = Path(__file__).resolve().parents[2] / "datacard.md"
PRETTY_NAME = "2K-Characters-10K-Stories (storycast reproduction)"
TAGS = ["synthetic", "story-visualization", "visual-storytelling", "character-consistency",
        "pose-control", "controlnet", "illustration", "storyboard", "multi-character"]
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_SIZES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
          (10_000_000, "1M<n<10M")]


def size_category(n: int) -> str:
    return next((label for bound, label in _SIZES if n < bound), "10M<n<100M")


def card_data(summary: dict):
    """DatasetCardData with configs, dataset_info, license, tasks, sizes and tags."""
    import datasets
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    data = DatasetCardData(
        pretty_name=PRETTY_NAME, license=summary["license"], language=["en"],
        task_categories=["text-to-image", "image-to-image"],
        size_categories=[size_category(sum(summary["rows"]["frames"].values()))],
        tags=TAGS, annotations_creators=["machine-generated", "expert-generated"],
        source_datasets=["original"])
    infos, configs = {}, {}
    for config in CONFIGS:
        splits = datasets.SplitDict()
        for split in SPLITS:
            splits.add(datasets.SplitInfo(name=split, num_bytes=summary["bytes"][config][split],
                                          num_examples=summary["rows"][config][split]))
        size = sum(summary["bytes"][config].values())
        infos[config] = datasets.DatasetInfo(features=schema_of(config).features, splits=splits,
                                             download_size=size, dataset_size=size)
        configs[config] = {"data_files": [{"split": s, "path": f"data/{config}/{s}-*.parquet"}
                                          for s in SPLITS]}
        if config == DEFAULT_CONFIG:
            configs[config]["default"] = True
    DatasetInfosDict(infos).to_dataset_card_data(data)
    MetadataConfigs(configs).to_dataset_card_data(data)
    return data


def render(template: str, values: dict[str, str], source: str = "datacard.md") -> str:
    """Substitute `{{ name }}` placeholders; an unknown name is an error naming it."""
    def sub(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise StorycastError(f"{source}: unknown placeholder {{{{ {name} }}}} "
                                 f"(known: {', '.join(sorted(values))})")
        return str(values[name])
    return _PLACEHOLDER.sub(sub, template)


def _table(header: list[str], rows: list[list]) -> str:
    cells = [header, ["---"] * len(header), *[[str(c).replace("|", "\\|") for c in r] for r in rows]]
    return "\n".join("| " + " | ".join(r) + " |" for r in cells)


def structure() -> str:
    """Every column of every config, with its type and the description from `schemas/`."""
    parts = []
    for config in CONFIGS:
        schema = schema_of(config)
        note = " (default config)" if config == DEFAULT_CONFIG else ""
        parts.append(f"#### `{config}`{note}\n\n{schema.description}\n\n" + _table(
            ["column", "type", "description"],
            [[f"`{c}`", f"`{d['type']}`", d["description"]] for c, d in schema.columns.items()]))
    return "\n\n".join(parts)


def _hist(counter: dict, total: int | None = None) -> str:
    total = total or sum(counter.values()) or 1
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return _table(["class", "count", "share"], [[f"`{k}`", v, f"{v / total:.1%}"] for k, v in rows])


def _plural(n: int, word: str) -> str:
    return word if n == 1 else ("stories" if word == "story" else word + "s")


def statistics(summary: dict) -> str:
    rows = summary["rows"]
    counts = _table(["config", *SPLITS, "shards", "MB"],
                    [[f"`{c}`", *[rows[c][s] for s in SPLITS], summary["shards"][c],
                      f"{sum(summary['bytes'][c].values()) / 2**20:.1f}"] for c in CONFIGS])
    q = summary["qc"]
    parts = [
        counts,
        f"Split: {summary['characters']['test']} of {sum(summary['characters'].values())} identities "
        f"held out for `test`; {summary['dropped_stories']} {_plural(summary['dropped_stories'], 'story')} "
        f"({summary['dropped_frames']} frames) with a mixed cast left out (see Split).",
        f"Quality gate (frames of released stories): first-pass rate **{q['first_pass_rate']:.1%}**, "
        f"final pass rate **{q['final_pass_rate']:.1%}**, mean repairs per frame {q['mean_rounds']:.2f}; "
        f"{summary['failed_excluded']} failed frames "
        + ("are included with `qc_verdict = fail`." if summary["include_failed"]
           else "are left out of `frames` (they remain in `qc`).")
        + (f" {summary['faulty_excluded']} {_plural(summary['faulty_excluded'], 'frame')} still showing a fault "
           "injected to measure the judge (`qc_frames.fault`) are left out as well." if summary["faulty_excluded"]
           else ""),
    ]
    for title, key in (("Pose classes (per character in a frame)", "poses"),
                       ("Expression classes (per character in a frame)", "expressions"),
                       ("Shot types", "shot_types"), ("Camera angles", "camera_angles")):
        parts.append(f"**{title}**\n\n" + _hist(summary["histograms"][key]))
    return "\n\n".join(parts)


def source_data(summary: dict) -> str:
    def listing(counter: dict, noun: str) -> str:
        return "; ".join(f"`{k}` ({v} {noun})" for k, v in sorted(counter.items())) or "none"
    return "\n".join([
        f"- **Planner** (story scripts): {listing(summary['backends']['planners'], 'stories')}",
        f"- **Renderer** (template sheets and frames): "
        f"{listing(summary['backends']['renderers'], 'template sheets')}",
        f"- **Judge** (quality gate): {listing(summary['backends']['judges'], 'judging attempts')}",
    ])


def storyboards(entries: list[dict]) -> str:
    if not entries:
        return "_No storyboard: the release holds no train story with a released frame._"
    return "\n\n".join(f"**{e['title']}** (`{e['story_id']}`, {e['frames']} frames)\n\n"
                       f"![storyboard of {e['story_id']}]({e['path']})" for e in entries)


def write(path: Path, summary: dict, template: Path = TEMPLATE) -> Path:
    """Render the card into `path` and check that huggingface_hub parses it back."""
    from huggingface_hub import DatasetCard

    if not template.is_file():
        raise StorycastError(f"missing card template {template}")
    values = {
        "card_data": card_data(summary).to_yaml(), "pretty_name": PRETTY_NAME,
        "version": summary["version"], "content_hash": summary["content_hash"],
        "license": summary["license"], "dataset_structure": structure(),
        "statistics": statistics(summary), "source_data": source_data(summary),
        "storyboards": storyboards(summary["storyboards"]),
        "test_fraction": summary["test_fraction"], "default_config": DEFAULT_CONFIG,
        "configs": ", ".join(f"`{c}`" for c in CONFIGS),
    }
    card = DatasetCard(render(template.read_text(), values, str(template)))
    card.save(str(path))
    return path
