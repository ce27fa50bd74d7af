"""The `release` stage body: check, split, stream the configs into a staging folder, card, swap."""
from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path

from tqdm import tqdm

from storycast.errors import StorycastError
from storycast.executor import swap_into_place
from storycast.release import card, croissant, storyboard
from storycast.release import inputs as inp
from storycast.release.assemble import Assembler, Stats
from storycast.release.layout import CONFIGS, check_output, content_hash
from storycast.release.split import SPLITS, Split, assign
from storycast.stage import write_json

log = logging.getLogger(__name__)
OUT = Path("data/release")
METRICS = Path("metrics/release.json")
# semver.org's regular expression: MAJOR.MINOR.PATCH[-pre-release][+build]
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
LICENSE = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
DEFAULTS = {"storyboards": 3}


def check_params(p: dict) -> dict:
    """The `release` section, checked beyond its types: a bad value is an error naming the key."""
    p = {**DEFAULTS, **p}
    for key in ("version", "test_fraction", "max_shard_mb", "include_failed", "license"):
        if key not in p:
            raise StorycastError(f"params.yaml: missing key release.{key}")
    if not isinstance(p["version"], str) or not SEMVER.match(p["version"]):
        raise StorycastError(f"params.yaml: release.version={p['version']!r} is not a semantic version "
                             "(MAJOR.MINOR.PATCH, e.g. 1.0.0)")
    if not 0 < p["test_fraction"] < 1:
        raise StorycastError(f"params.yaml: release.test_fraction={p['test_fraction']!r} must be "
                             "between 0 and 1 (exclusive)")
    if not isinstance(p["max_shard_mb"], int) or p["max_shard_mb"] < 1:
        raise StorycastError(f"params.yaml: release.max_shard_mb={p['max_shard_mb']!r} must be an "
                             "integer >= 1")
    if not isinstance(p["license"], str) or not LICENSE.match(p["license"]):
        raise StorycastError(f"params.yaml: release.license={p['license']!r} is not a Hub license id "
                             "(lowercase, e.g. cc-by-4.0)")
    return p


def release(params: dict, root: Path = Path(".")) -> dict:
    """Build `data/release/` and `metrics/release.json` under `root`; returns the metrics."""
    p = check_params(params["release"])
    target = root / OUT
    staging = target.with_name(f".{target.name}.staging")
    inputs = inp.locate(root)
    check_output(target, staging)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        metrics = _build(params["seed"], p, inputs, staging)
        swap_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_json(root / METRICS, metrics)
    log.info("release %s: %s", p["version"], ", ".join(
        f"{c} {metrics['configs'][c]['train']['rows']}/{metrics['configs'][c]['test']['rows']}"
        for c in CONFIGS))
    return metrics


def _build(seed: int, p: dict, inputs: inp.Inputs, staging: Path) -> dict:
    approved = inp.approved(inputs)["character_id"].to_pylist()
    casts = inp.casts(inputs)
    split = assign(seed, approved, casts, p["test_fraction"])
    asm = Assembler(staging, split, p["max_shard_mb"] * 2**20, p["include_failed"],
                    storyboard.choose(seed, split, p["storyboards"]))
    asm.characters(inputs)
    for files in tqdm(inputs.story_shards(), desc="release", unit="shard", disable=not sys.stderr.isatty()):
        asm.story_shard(inputs, files)
    shards = asm.close()
    summary = _summary(p, split, asm.rows(), shards, asm.stats, staging)
    summary["storyboards"] = storyboard.render_all(asm.stats.storyboards, asm.stats.titles,
                                                   staging / "assets", p["storyboards"])
    card.write(staging / "README.md", summary)
    croissant.write(staging, summary)
    return _metrics(summary)


def _summary(p: dict, split: Split, rows: dict, shards: dict, stats: Stats, staging: Path) -> dict:
    dropped = split.dropped
    frames = stats.qc_frames or 1
    return {
        "version": p["version"], "license": p["license"], "test_fraction": p["test_fraction"],
        "include_failed": p["include_failed"], "content_hash": content_hash(staging),
        "rows": {c: {s: rows[(c, s)] for s in SPLITS} for c in CONFIGS},
        "bytes": {c: {s: sum(f.stat().st_size for f in shards[(c, s)]) for s in SPLITS} for c in CONFIGS},
        "files": {c: {s: len(shards[(c, s)]) for s in SPLITS} for c in CONFIGS},
        "shards": {c: sum(len(shards[(c, s)]) for s in SPLITS) for c in CONFIGS},
        "characters": {s: split.count(s)[0] for s in SPLITS},
        "stories": {s: split.count(s)[1] for s in SPLITS},
        "dropped_stories": len(dropped), "dropped_frames": stats.dropped_frames,
        "failed_excluded": stats.failed_excluded, "faulty_excluded": stats.faulty_excluded,
        "qc": {"frames": stats.qc_frames, "first_pass_rate": stats.qc_first_pass / frames,
               "final_pass_rate": stats.qc_final_pass / frames, "mean_rounds": stats.qc_rounds / frames},
        "histograms": {"poses": dict(stats.poses), "expressions": dict(stats.expressions),
                       "shot_types": dict(stats.shot_types), "camera_angles": dict(stats.camera_angles)},
        "backends": {"planners": dict(stats.planners), "renderers": dict(stats.renderers),
                     "judges": dict(stats.judges)},
    }


def _metrics(s: dict) -> dict:
    return {
        "version": s["version"], "content_hash": s["content_hash"],
        "configs": {c: {sp: {"rows": s["rows"][c][sp], "bytes": s["bytes"][c][sp],
                             "shards": s["files"][c][sp]} for sp in SPLITS} for c in CONFIGS},
        "bytes": sum(sum(v.values()) for v in s["bytes"].values()),
        "shards": sum(s["shards"].values()),
        "characters": s["characters"], "stories": s["stories"],
        "dropped_mixed_cast": {"stories": s["dropped_stories"], "frames": s["dropped_frames"]},
        "failed_frames_excluded": s["failed_excluded"],
        "faulty_frames_excluded": s["faulty_excluded"],
        "qc": {k: round(v, 4) if isinstance(v, float) else v for k, v in s["qc"].items()},
        "storyboards": [e["story_id"] for e in s["storyboards"]],
    }
