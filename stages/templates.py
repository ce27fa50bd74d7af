"""Stage `templates`: draw every character's template sheet with the image backend, in cached shards."""
from __future__ import annotations

import pyarrow.parquet as pq

from storycast.cache import file_digest
from storycast.executor import Shard, publish_folder, resolve_workers, run_shards
from storycast.render import make_renderer, template_shard
from storycast.stage import run_stage, write_metrics

IN = "data/characters/characters.parquet"
OUT = "data/templates"


def templates(params: dict) -> None:
    p, settings = params["templates"], params["renderer"]
    make_renderer(settings)  # a bad backend or knob fails here, once, not in every worker
    ids = pq.read_table(IN, columns=["character_id"]).column(0).to_pylist()
    digest = file_digest(IN)
    size = p["shard_size"]
    shards = [Shard(i, [digest, ids[j], ids[min(j + size, len(ids)) - 1]],
                    (IN, ids[j:j + size], params["seed"], p["size"], settings))
              for i, j in enumerate(range(0, len(ids), size))]
    section = {"seed": params["seed"], "size": p["size"], "renderer": settings}
    done = run_shards("templates", template_shard, shards, section, ["templates.parquet"],
                      workers=resolve_workers(params["executor"]["workers"]))
    publish_folder(OUT, {"templates": {i: f["templates.parquet"] for i, f in done.items()}})
    write_metrics("templates", {
        "templates": sum(pq.ParquetFile(f["templates.parquet"]).metadata.num_rows for f in done.values()),
        "shards": len(done),
        "bytes": sum(f["templates.parquet"].stat().st_size for f in done.values()),
        "size": p["size"],
        "renderer": settings["backend"],
    })


if __name__ == "__main__":
    run_stage("templates", templates)
