"""Stage `render`: draw every frame from its identity references, controls, scene and style."""
from __future__ import annotations

import pyarrow.parquet as pq

from storycast.cache import file_digest
from storycast.errors import StorycastError
from storycast.executor import Shard, publish_folder, resolve_workers, run_shards
from storycast.render import frame_shard, make_renderer
from storycast.stage import run_stage, write_metrics
from storycast.stories import POOL
from storycast.tables import shard_paths

FRAMES, CONTROLS, POSEMAPS = "data/stories/frames", "data/controls/controls", "data/controls/posemaps"
TEMPLATES = "data/templates/templates"
OUT = "data/render"


def frame_size() -> tuple[int, int]:
    """The frame size the controls were laid out for (the pose maps carry it)."""
    first = shard_paths(POSEMAPS)[0]
    row = pq.read_table(first, columns=["width", "height"]).slice(0, 1).to_pylist()
    if not row:
        raise StorycastError(f"{first} is empty: rerun the controls stage")
    return row[0]["width"], row[0]["height"]


def render(params: dict) -> None:
    settings = params["renderer"]
    make_renderer(settings)  # a bad backend or knob fails here, once, not in every worker
    size = frame_size()
    pool_digest = file_digest(POOL)
    # Backends that take the template sheets as identity references see them change: part of the key.
    templates_digest = ",".join(file_digest(p) for p in shard_paths(TEMPLATES))
    frames, controls = shard_paths(FRAMES), shard_paths(CONTROLS)
    if [p.name for p in frames] != [p.name for p in controls]:
        raise StorycastError(f"{FRAMES} and {CONTROLS} hold different shards: rerun the controls stage")
    shards = [Shard(int(f.stem.split("-")[1]), [file_digest(f), file_digest(c), pool_digest, templates_digest],
                    (str(f), str(c), POOL, TEMPLATES, params["seed"], size, settings))
              for f, c in zip(frames, controls)]
    section = {"seed": params["seed"], "size": list(size), "renderer": settings}
    done = run_shards("render", frame_shard, shards, section, ["render.parquet"],
                      workers=resolve_workers(params["executor"]["workers"]))
    publish_folder(OUT, {"render": {i: f["render.parquet"] for i, f in done.items()}})
    n = sum(pq.ParquetFile(f["render.parquet"]).metadata.num_rows for f in done.values())
    size_bytes = sum(f["render.parquet"].stat().st_size for f in done.values())
    write_metrics("render", {"frames": n, "shards": len(done), "bytes": size_bytes,
                             "bytes_per_frame": round(size_bytes / max(n, 1)),
                             "width": size[0], "height": size[1], "renderer": settings["backend"]})


if __name__ == "__main__":
    run_stage("render", render)
