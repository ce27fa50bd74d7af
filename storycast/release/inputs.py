"""The pipeline tables the release reads, where they live and which stage writes each."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from storycast.errors import StorycastError
from storycast.tables import check_arrow, load_schema, read_table, shard_paths

# name -> (path under the repo, schema, stage that writes it, sharded by story range?)
INPUTS = {
    "review": ("data/review/characters.parquet", "review", "review", False),
    "templates": ("data/templates/templates", "templates", "templates", True),
    "stories": ("data/stories/stories", "stories", "stories", True),
    "frames": ("data/stories/frames", "frames", "stories", True),
    "controls": ("data/controls/controls", "controls", "controls", True),
    "posemaps": ("data/controls/posemaps", "posemaps", "controls", True),
    "qc": ("data/qc/qc", "qc", "qc", True),
    "render": ("data/render/render", "render", "render", True),
    "qc_frames": ("data/qc/frames", "qc_frames", "qc", True),
}
STORY_TABLES = ["stories", "frames", "controls", "posemaps", "render", "qc", "qc_frames"]


@dataclass(frozen=True)
class Inputs:
    root: Path
    shards: dict[str, list[Path]]  # sharded table -> its shard files in order

    def path(self, name: str) -> Path:
        return self.root / INPUTS[name][0]

    def story_shards(self) -> list[dict[str, Path]]:
        """Per story shard, the file of every story-sharded table."""
        return [{name: self.shards[name][i] for name in STORY_TABLES}
                for i in range(len(self.shards["stories"]))]


def locate(root: Path) -> Inputs:
    """Find every input table; a missing one is an error naming its path and the stage that writes it."""
    shards = {}
    for name, (rel, _schema, stage, sharded) in INPUTS.items():
        path = root / rel
        if not sharded:
            if not path.is_file():
                raise StorycastError(f"missing input {rel}: run the {stage} stage first (dvc repro {stage})")
            continue
        found = shard_paths(path) if path.is_dir() else []
        if not found:
            raise StorycastError(f"missing input {rel}/shard-*.parquet: run the {stage} stage first "
                                 f"(dvc repro {stage})")
        shards[name] = found
    names = [p.name for p in shards["stories"]]
    for name in STORY_TABLES:
        if [p.name for p in shards[name]] != names:
            rel, stage = INPUTS[name][0], INPUTS[name][2]
            raise StorycastError(f"{rel} holds shards {[p.name for p in shards[name]]} but "
                                 f"{INPUTS['stories'][0]} holds {names}: rerun the {stage} stage")
    return Inputs(root, shards)


def read(inputs: Inputs, name: str, path: Path | None = None, columns: list[str] | None = None):
    """Read one input file (a shard, or the unsharded table), checked against its schema."""
    return read_table(path or inputs.path(name), load_schema(INPUTS[name][1]), columns)


def batches(path: Path, name: str, batch_size: int, columns: list[str] | None = None):
    """Stream a table's record batches (schema checked first): never the whole file in memory."""
    pf = pq.ParquetFile(path)
    check_arrow(pf.schema_arrow.empty_table(), load_schema(INPUTS[name][1]), str(path))
    yield from pf.iter_batches(batch_size=batch_size, columns=columns)


def approved(inputs: Inputs):
    """The review table's approved characters (Arrow table, review columns)."""
    table = read(inputs, "review")
    return table.filter(pc.equal(table["review_status"], "approved"))


def casts(inputs: Inputs) -> dict[str, list[str]]:
    """Every story's cast, over all story shards (small: ids only)."""
    out: dict[str, list[str]] = {}
    for path in inputs.shards["stories"]:
        t = read(inputs, "stories", path, ["story_id", "cast"])
        for story, cast in zip(t["story_id"].to_pylist(), t["cast"].to_pylist()):
            if story in out:
                raise StorycastError(f"{path}: story {story} appears in more than one row")
            out[story] = cast
    return out
