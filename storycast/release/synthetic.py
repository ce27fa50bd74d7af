"""Synthetic upstream tables for testing and benchmarking the release without running the pipeline.

Every table is written through its schema (`write_rows`), so the release reads exactly what the
stages write. Images are valid PNGs of random noise (stored uncompressed, so a chosen byte size is
hit cheaply and no two images share bytes).
"""
from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
from PIL import Image

from storycast import vocab
from storycast.tables import load_schema, shard_name, write_rows


def noise_png(rng: np.random.Generator, side: int) -> bytes:
    """A `side`² RGB PNG of noise (~3·side² bytes; zlib level 0 keeps encoding fast)."""
    pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=0)
    return buf.getvalue()


def _character(i: int, rng: random.Random) -> dict:
    species = rng.choice(list(vocab.SPECIES))
    return {
        "character_id": f"c{i:05d}", "name": f"Name{i}", "species": species,
        "build": rng.choice(vocab.BUILDS), "height": rng.choice(list(vocab.HEIGHTS)),
        "covering_color": "tan", "hair_style": rng.choice(vocab.HAIR_STYLES),
        "hair_color": rng.choice(vocab.HAIR_COLORS), "eye_color": rng.choice(vocab.EYE_COLORS),
        "top": rng.choice(vocab.TOPS), "top_color": "red", "pattern": rng.choice(vocab.PATTERNS),
        "bottom": rng.choice(vocab.BOTTOMS), "bottom_color": "blue", "shoes": rng.choice(vocab.SHOES),
        "shoes_color": "black", "accessories": sorted(rng.sample(vocab.ACCESSORIES, rng.randint(0, 2))),
        "accessory_color": "gold", "art_style": vocab.ART_STYLES[i % len(vocab.ART_STYLES)],
        "palette": "warm", "identity_prompt": f"a {species} called Name{i}",
    }


def write_inputs(root: Path, characters: int = 24, stories: int = 12, shard_size: int = 4,
                 frames: tuple[int, int] = (3, 5), frame_px: int = 16, template_px: int = 24,
                 posemap_px: int = 8, reject_every: int = 7, fail_rate: float = 0.15,
                 fault_kept_rate: float = 0.0, seed: int = 0) -> dict:
    """Write every table the release reads under `root/data/`; return a summary (ids, counts)."""
    rng, nprng = random.Random(seed), np.random.default_rng(seed)
    chars = [_character(i, rng) for i in range(1, characters + 1)]
    review = [{**c, "review_status": "rejected" if i % reject_every == 0 else "approved",
               "review_source": "expert" if i % 2 else "policy", "reviewer": "ann" if i % 2 else "",
               "review_note": ""} for i, c in enumerate(chars, 1)]
    approved = [c for c in review if c["review_status"] == "approved"]
    write_rows(review, root / "data/review/characters.parquet", load_schema("review"))
    tdir = root / "data/templates/templates"
    for j in range(0, len(chars), 50):
        write_rows([{"character_id": c["character_id"], "image": {"bytes": noise_png(nprng, template_px),
                     "path": None}, "prompt": f"sheet of {c['name']}", "seed": k, "renderer": "procedural",
                     "renderer_version": "1.0", "width": template_px, "height": template_px}
                    for k, c in enumerate(chars[j:j + 50], j)],
                   tdir / shard_name(j // 50), load_schema("templates"), row_group_size=100)
    by_style: dict[str, list[str]] = {}
    for c in approved:
        by_style.setdefault(c["art_style"], []).append(c["character_id"])
    style_of = {c["character_id"]: c["art_style"] for c in approved}
    summary = {"approved": [c["character_id"] for c in approved], "casts": {}, "failed": set(), "frames": 0,
               "images": {}, "faulted": set()}
    for shard, start in enumerate(range(0, stories, shard_size)):
        rows = {k: [] for k in ("stories", "frames", "controls", "posemaps", "render", "qc", "qc_frames")}
        for j in range(start + 1, min(start + shard_size, stories) + 1):
            _story(j, approved, by_style, style_of, rng, nprng, frames, frame_px, posemap_px,
                   fail_rate, rows, summary, fault_kept_rate)
        for name, folder, schema in (("stories", "stories/stories", "stories"),
                                     ("frames", "stories/frames", "frames"),
                                     ("controls", "controls/controls", "controls"),
                                     ("posemaps", "controls/posemaps", "posemaps"),
                                     ("render", "render/render", "render"),
                                     ("qc", "qc/qc", "qc"), ("qc_frames", "qc/frames", "qc_frames")):
            write_rows(rows[name], root / "data" / folder / shard_name(shard), load_schema(schema),
                       row_group_size=100)
    return summary


def _story(j, approved, by_style, style_of, rng, nprng, nframes, frame_px, posemap_px, fail_rate,
           rows, summary, fault_kept_rate: float = 0.0) -> None:
    sid = f"s{j:06d}"
    lead = approved[(j - 1) % len(approved)]["character_id"]
    pool = [c for c in by_style[style_of[lead]] if c != lead]
    k = min(rng.choices([1, 2, 3, 4], [0.3, 0.45, 0.2, 0.05])[0] - 1, len(pool))
    cast = [lead, *rng.sample(pool, k)]
    summary["casts"][sid] = cast
    n = rng.randint(*nframes)
    rows["stories"].append({
        "story_id": sid, "title": f"Story {j}", "genre": "adventure", "arc": "quest",
        "synopsis": f"{' and '.join(cast)} go on a quest.", "setting": "forest", "settings": ["forest"],
        "art_style": style_of[lead], "cast": cast, "num_frames": n, "planner": "template",
        "planner_seed": j})
    for f in range(n):
        fid = f"{sid}-{f:02d}"
        present = cast[: rng.randint(1, len(cast))]
        poses = [rng.choice(vocab.POSES) for _ in present]
        exprs = [rng.choice(vocab.EXPRESSIONS) for _ in present]
        rows["frames"].append({
            "frame_id": fid, "story_id": sid, "frame_index": f, "beat": "rising", "setting": "forest",
            "lighting": rng.choice(vocab.LIGHTINGS), "shot_type": rng.choice(list(vocab.SHOT_TYPES)),
            "camera_angle": rng.choice(vocab.CAMERA_ANGLES), "scene": f"scene {fid}",
            "narration": f"Narration of frame {f} in story {j}.", "character_ids": present,
            "actions": ["walks"] * len(present), "poses": poses, "expressions": exprs,
            "art_style": style_of[lead]})
        for slot, (c, p, e) in enumerate(zip(present, poses, exprs)):
            rows["controls"].append({
                "frame_id": fid, "story_id": sid, "character_id": c, "slot": slot, "pose": p,
                "expression": e, "facing": "front", "keypoints": [[float(i), float(i)] for i in range(18)],
                "keypoint_visibility": [2] * 18, "bbox": [0.0, 0.0, 8.0, 8.0], "depth": slot,
                "scale": 10.0, "in_frame": 1.0})
        rows["posemaps"].append({"frame_id": fid, "width": frame_px, "height": frame_px,
                                 "pose_map": {"bytes": noise_png(nprng, posemap_px), "path": None}})
        fail = rng.random() < fail_rate
        rounds = 2 if fail else rng.choice([0, 0, 0, 1])
        # an injected fault the judge let through (drawn only when asked: other builds keep their draws)
        kept = fault_kept_rate and rng.random() < fault_kept_rate
        fault = f"identity_drift:{present[0]}:torso:red->blue" if kept else ""
        for a in range(rounds + 1):
            ok = not fail and a == rounds
            rows["qc"].append({
                "frame_id": fid, "story_id": sid, "attempt": a, "judge": "measured",
                "score_identity": 0.9, "score_pose": 0.9, "score_expression": 0.9, "score_visibility": 1.0,
                "score_in_frame": 1.0, "score_sanity": 1.0, "verdict": "pass" if ok else "fail",
                "reasons": [] if ok else [f"identity: {present[0]}: off"],
                "failing_characters": [] if ok else [present[0]],
                "action": "none" if ok or a == rounds else "prompt_tuning",
                "repair_by": "" if ok or a == rounds else "rules", "prompt_before": f"p{a}",
                "prompt_after": f"p{a + 1}", "edited_region": [], "fault": fault if a == 0 else ""})
        drawn = noise_png(nprng, frame_px)
        rows["render"].append({"frame_id": fid, "story_id": sid, "frame_index": f,
                               "image": {"bytes": drawn, "path": None}, "prompt": f"p{fid}", "seed": j,
                               "renderer": "procedural", "renderer_version": "1", "width": frame_px,
                               "height": frame_px})
        # The loop stores an image only where it changed the rendered one (null: the render's).
        final = drawn if rounds == 0 else noise_png(nprng, frame_px)
        rows["qc_frames"].append({"frame_id": fid, "story_id": sid, "prompt": f"prompt of {fid}",
                                  "image": None if rounds == 0 else {"bytes": final, "path": None},
                                  "qc_verdict": "fail" if fail else "pass", "qc_rounds": rounds, "fault": fault})
        summary["images"][fid] = final
        summary["frames"] += 1
        if fail:
            summary["failed"].add(fid)
        if fault:
            summary["faulted"].add(fid)


PARAMS = {"version": "1.0.0", "test_fraction": 0.2, "max_shard_mb": 500, "include_failed": False,
          "license": "cc-by-4.0", "storyboards": 2}


def build(root: Path, seed: int = 7, release_params: dict | None = None, **inputs) -> tuple[dict, dict]:
    """Synthetic inputs under `root`, then the real release stage on them: (input summary, metrics)."""
    from storycast.release.build import release

    summary = write_inputs(root, seed=seed, **inputs)
    metrics = release({"seed": seed, "release": {**PARAMS, **(release_params or {})}}, root)
    return summary, metrics
