"""Stage `qc`: the quality-gated loop over every rendered frame (judge -> repair -> re-judge).

Reads params `seed`, `renderer`, `editor`, `executor` and `qc.*` only (of `qc.judge_*`,
`qc.tuner_*` and `editor.*`, only the selected backends' sections reach the shards' cache keys).
Template references are computed once per template shard (cached), then each story shard runs
through the loop (cached). Outputs: data/qc/qc/shard-*.parquet (every attempt),
data/qc/frames/shard-*.parquet (final images), metrics/qc.json and plots/qc_scores.csv
(attempt-0 score histograms, clean vs faulty frames).
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from storycast.cache import file_digest, file_digests
from storycast.errors import StorycastError
from storycast.executor import Shard, publish_folder, resolve_workers, run_shards
from storycast.qc import build_backends, qc_shard, ref_shard, selected_backends
from storycast.qc_metrics import merge, metrics, plot_csv
from storycast.stage import run_stage, write_metrics
from storycast.stories import POOL
from storycast.tables import atomic_path, shard_paths

RENDER, FRAMES, CONTROLS = "data/render/render", "data/stories/frames", "data/controls/controls"
TEMPLATES, OUT, PLOT = "data/templates/templates", "data/qc", Path("plots/qc_scores.csv")
REPAIRS = ("local_edit", "prompt_tuning")


def check_settings(qc: dict) -> None:
    """Values params.py cannot check by type alone (lists of names)."""
    from storycast.faults import FAULTS
    from storycast.judges.base import CHECKS

    for key, allowed in (("repair_order", REPAIRS), ("local_checks", CHECKS), ("faults", FAULTS)):
        bad = [v for v in qc[key] if v not in allowed]
        if bad:
            raise StorycastError(f"params.yaml: qc.{key} has unknown {bad[0]!r}; expected {', '.join(allowed)}")
    if not qc["repair_order"]:
        raise StorycastError("params.yaml: qc.repair_order needs at least one repair")


def qc(params: dict) -> None:
    settings, seed = params["renderer"], params["seed"]
    check_settings(params["qc"])
    p, editor = selected_backends(params["qc"], params["editor"])
    build_backends(settings, p, editor)          # a bad backend, knob or missing model fails here, once
    workers = resolve_workers(params["executor"]["workers"])
    renders, frames, controls = shard_paths(RENDER), shard_paths(FRAMES), shard_paths(CONTROLS)
    names = [x.name for x in frames]
    for folder, found in ((RENDER, renders), (CONTROLS, controls)):
        if [x.name for x in found] != names:
            raise StorycastError(f"{folder} and {FRAMES} hold different shards: rerun the stage writing {folder}")
    templates = shard_paths(TEMPLATES)
    if not templates:
        raise StorycastError(f"no template shards in {TEMPLATES}: run the templates stage")
    pool_digest = file_digest(POOL)
    refs = run_shards("qc", ref_shard, [Shard(i, [file_digest(t), pool_digest], (str(t), POOL))
                                        for i, t in enumerate(templates)],
                      {"references": 2}, ["refs.npz"], workers=workers)
    ref_paths = [str(refs[i]["refs.npz"]) for i in sorted(refs)]
    n_frames = sum(pq.ParquetFile(f).metadata.num_rows for f in frames)
    rate = min(1.0, p["retrieval_crops"] / max(1.0, 1.9 * n_frames))
    refs_digest = ",".join(file_digest(x) for x in ref_paths)
    section = {"seed": seed, "renderer": settings, "qc": p, "editor": editor, "retrieval_rate": rate}
    digest = file_digests(renders + frames + controls, workers)     # ~7 GB before any shard starts
    shards = []
    for r, f, c in zip(renders, frames, controls):
        size = pq.read_table(r, columns=["width", "height"]).slice(0, 1).to_pylist()
        payload = {"render": str(r), "frames": str(f), "controls": str(c), "pool": POOL, "templates": TEMPLATES,
                   "refs": ref_paths, "seed": seed, "renderer": settings, "qc": p, "editor": editor,
                   "retrieval_rate": rate,
                   "size": [size[0]["width"], size[0]["height"]] if size else [512, 512]}
        shards.append(Shard(int(f.stem.split("-")[1]), [digest[r], digest[f], digest[c], pool_digest, refs_digest],
                            payload))
    done = run_shards("qc", qc_shard, shards, section, ["qc.parquet", "frames.parquet", "stats.json"],
                      workers=workers)
    publish_folder(OUT, {"qc": {i: d["qc.parquet"] for i, d in done.items()},
                         "frames": {i: d["frames.parquet"] for i, d in done.items()}})
    stats = merge([json.loads(d["stats.json"].read_text()) for _, d in sorted(done.items())])
    m = metrics(stats, p)
    m["judge"], m["shards"] = p["judge"], len(done)
    write_metrics("qc", m)
    tmp = atomic_path(PLOT)
    tmp.write_text(plot_csv(stats))
    tmp.replace(PLOT)


if __name__ == "__main__":
    run_stage("qc", qc)
