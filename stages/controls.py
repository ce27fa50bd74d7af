"""Stage `controls`: decoupled control signals and pose maps for every frame, in cached shards."""
from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq

from storycast.cache import file_digest
from storycast.controls import control_shard
from storycast.executor import Shard, publish_folder, resolve_workers, run_shards
from storycast.stage import run_stage, write_metrics
from storycast.stories import POOL
from storycast.tables import shard_paths

FRAMES = "data/stories/frames"
OUT = "data/controls"
NAMES = ["controls.parquet", "posemaps.parquet"]


def controls(params: dict) -> None:
    p = params["controls"]
    pool_digest = file_digest(POOL)
    shards = [Shard(int(path.stem.split("-")[1]), [file_digest(path), pool_digest],
                    (str(path), POOL, params["seed"], p))
              for path in shard_paths(FRAMES)]
    done = run_shards("controls", control_shard, shards, {"seed": params["seed"], **p}, NAMES,
                      workers=resolve_workers(params["executor"]["workers"]))
    publish_folder(OUT, {"controls": {i: f["controls.parquet"] for i, f in done.items()},
                         "posemaps": {i: f["posemaps.parquet"] for i, f in done.items()}})
    rows = [r for f in done.values() for r in pq.read_table(
        f["controls.parquet"], columns=["facing", "depth", "in_frame", "keypoint_visibility"]).to_pylist()]
    visible = [v for r in rows for v in r["keypoint_visibility"]]
    write_metrics("controls", {
        "rows": len(rows),
        "frames": sum(pq.ParquetFile(f["posemaps.parquet"]).metadata.num_rows for f in done.values()),
        "facing": dict(sorted(Counter(r["facing"] for r in rows).items())),
        "mean_in_frame": round(sum(r["in_frame"] for r in rows) / max(len(rows), 1), 4),
        "keypoints_visible": round(visible.count(2) / max(len(visible), 1), 4),
        "keypoints_occluded": round(visible.count(1) / max(len(visible), 1), 4),
        "keypoints_outside": round(visible.count(0) / max(len(visible), 1), 4),
        "posemap_bytes": sum(f["posemaps.parquet"].stat().st_size for f in done.values()),
    })


if __name__ == "__main__":
    run_stage("controls", controls)
