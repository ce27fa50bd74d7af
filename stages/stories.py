"""Stage `stories`: plan the stories over the approved pool, in cached shards."""
from __future__ import annotations

import pyarrow.parquet as pq

from storycast.cache import file_digest
from storycast.executor import Shard, publish_folder, resolve_workers, run_shards
from storycast.stage import run_stage, write_metrics
from storycast.stories import (
    POOL,
    approved_pool,
    cast_story,
    check_frame_range,
    diversity_metrics,
    plan_shard,
    planner_class,
)

OUT = "data/stories"
NAMES = ["stories.parquet", "frames.parquet", "failures.parquet"]


def stories(params: dict) -> None:
    p = params["stories"]
    check_frame_range(p["frames_min"], p["frames_max"], planner_class(p["planner"]).frame_range)
    pool = approved_pool()
    cast_story(1, pool, params["seed"], p)  # fail now, not in every worker, on an empty pool
    digest = file_digest(POOL)
    size = p["shard_size"]
    shards = []
    for i, first in enumerate(range(1, p["count"] + 1, size)):
        last = min(first + size - 1, p["count"])
        shards.append(Shard(i, [digest, f"{first}-{last}"], (first, last, params["seed"], p)))
    section = {"seed": params["seed"], **{k: v for k, v in p.items() if k != "shard_size"}}
    done = run_shards("stories", plan_shard, shards, section, NAMES,
                      workers=resolve_workers(params["executor"]["workers"]))
    publish_folder(OUT, {"stories": {i: f["stories.parquet"] for i, f in done.items()},
                         "frames": {i: f["frames.parquet"] for i, f in done.items()},
                         "failures": {i: f["failures.parquet"] for i, f in done.items()}})
    srows = [r for f in done.values() for r in pq.read_table(f["stories.parquet"]).to_pylist()]
    frows = [r for f in done.values()
             for r in pq.read_table(f["frames.parquet"], columns=["story_id", "narration", "scene", "setting",
                                                                  "lighting", "shot_type", "camera_angle",
                                                                  "poses", "expressions"]).to_pylist()]
    failed = sum(pq.ParquetFile(f["failures.parquet"]).metadata.num_rows for f in done.values())
    write_metrics("stories", {**diversity_metrics(srows, frows), "failed_stories": failed,
                              "planner": p["planner"]})


if __name__ == "__main__":
    run_stage("stories", stories)
