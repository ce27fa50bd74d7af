"""Fit the body-shape model (`storycast.judges.body_shape`) and write storycast/judges/body_model.npz.

    python benchmarks/calibrate_bodies.py             # fit, print held-out accuracy, write the model
    python benchmarks/calibrate_bodies.py --dry-run   # fit and print only

Characters of the art styles that use it (`body_shape.SHAPE_STYLES`: ink) among 6,000 calibration
characters (seed 105, so every calibration model reads the same people). Frame torsos: every
character facing the camera in 15,000 of their calibration frames (frames seed 106, drawn like the
stage's, nobody facing away), by view; template torsos: the front figure of each character's template
sheet (drawn at 1024 px and stored as the templates stage stores them). ~6 min on 2 cores. Characters
whose number is a multiple of 4 are held out for the accuracy printed; the written model is fitted on all.

    python benchmarks/calibrate_bodies.py --pick      # top-1 for a grid of TEMPERATURE and WEIGHT (~2 min)

picks the posteriors' temperature and the retrieval weight on other characters and frames (seeds 505/506):
ink crops of 600 frames among those characters' ink templates.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_qc import _pool, _split  # noqa: E402
from calibrate_heads import held_out_accuracy  # noqa: E402

from storycast.characters import sample_characters  # noqa: E402
from storycast.judges import body_shape  # noqa: E402

N_CHARACTERS = 6000


def _frame_torsos(items) -> list[tuple[str, str, np.ndarray]]:
    """(view, character id, torso features) of every torso facing the camera in `items`' frames."""
    from storycast.judges.conditions import place_of, tone_of
    from storycast.judges.expression import view_of
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, out = ProceduralRenderer(), []
    for _, req in items:
        img = np.asarray(renderer.render_frame(req))
        for c in req.characters:
            if c.facing == "back":
                continue
            patch = body_shape.torso_patch(img, c.keypoints, c.scale, c.facing, req.lighting,
                                           place_of(req.setting), tone_of(req.art_style))
            if patch is not None:
                out.append((view_of(c.facing), c.character["character_id"], patch.astype(np.float32)))
    return out


def _template_torsos(chars: list[dict]) -> list[tuple[str, np.ndarray | None]]:
    from storycast.judges.template_sheet import sheet_front
    from storycast.render import decode, encode
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, out = ProceduralRenderer(), []
    for c in chars:
        sheet, kp, scale = sheet_front(decode(encode(renderer.render_template(c, 1024, 7))["bytes"]))
        out.append((c["character_id"], body_shape.torso_patch(sheet, kp, scale, "front")))
    return out


def rows(workers: int, n_frames: int) -> list[tuple[str, dict, np.ndarray]]:
    from storycast.qc import sample_frames

    chars = [c for c in sample_characters(N_CHARACTERS, 105, 3) if c["art_style"] in body_shape.SHAPE_STYLES]
    spec = {c["character_id"]: c for c in chars}
    frames = sample_frames(chars, n_frames, 106, back_facing_rate=0.0)
    start = time.perf_counter()
    with _pool(workers) as pool:
        torsos = [r for part in pool.map(_frame_torsos, _split(frames, workers)) for r in part]
        print(f"{len(torsos)} frame torsos of {len(chars)} characters, {time.perf_counter() - start:.0f}s", flush=True)
        sheets = [r for part in pool.map(_template_torsos, _split(chars, workers)) for r in part]
    out = [(view, spec[cid], f) for view, cid, f in torsos]
    out += [("template", spec[cid], f) for cid, f in sheets if f is not None]
    return out


# ---------------------------------------------------------------- picking TEMPERATURE and WEIGHT
def _pick_sample(items) -> list[tuple]:
    """(character id, view, crop descriptor, torso features or None) of every ink crop in `items`."""
    from storycast.judges.base import JudgeRequest
    from storycast.judges.conditions import place_of, tone_of
    from storycast.judges.expression import view_of
    from storycast.judges.measured import MeasuredJudge
    from storycast.renderers.procedural import ProceduralRenderer

    items, refs = items
    renderer, judge, out = ProceduralRenderer(), MeasuredJudge(), []
    for _, req in items:
        img = np.asarray(renderer.render_frame(req))
        j = judge.judge(JudgeRequest(None, req, {}, refs, img))
        for c in req.characters:
            desc = j.details["characters"][c.character["character_id"]]["descriptor"]
            if desc.seen.sum() < 2:
                continue
            patch = None if c.facing == "back" else body_shape.torso_patch(
                img, c.keypoints, c.scale, c.facing, req.lighting, place_of(req.setting), tone_of(req.art_style))
            out.append((c.character["character_id"], "back" if c.facing == "back" else view_of(c.facing),
                        desc, patch))
    return out


def pick(workers: int, n_frames: int = 600) -> None:
    """Top-1 among the sample's templates for a grid of temperatures and weights, on characters and
    frames no model was fitted on (characters seed 505, frames seed 506, as head_shape's were picked)."""
    import dataclasses

    from bench_qc import _templates

    from storycast.judges.retrieval import gallery, retrieval_distance
    from storycast.qc import sample_frames

    chars = [c for c in sample_characters(2000, 505, 3) if c["art_style"] in body_shape.SHAPE_STYLES]
    with _pool(workers) as pool:
        refs = {k: v for part, _ in pool.map(_templates, _split(chars, workers)) for k, v in part.items()}
        frames = sample_frames(chars, n_frames, 506)
        crops = [r for part in pool.map(_pick_sample, [(x, refs) for x in _split(frames, workers)]) for r in part]
        sheets = dict(r for part in pool.map(_template_torsos, _split(chars, workers)) for r in part)
    ids = sorted(refs)
    plain = {cid: dataclasses.replace(r, front=dataclasses.replace(r.front, body=None)) for cid, r in refs.items()}
    views = gallery(plain, ids)
    base = [(ids.index(cid), view, retrieval_distance(d, views["back" if view == "back" else "front"], "ink"), patch)
            for cid, view, d, patch in crops]         # the judge's descriptors carry no body shape
    print(f"{len(base)} ink crops of {n_frames} frames, {len(ids)} templates")
    for temperature in (3.0, 6.0, 10.0, 15.0):
        bodies = np.stack([body_shape.posteriors(sheets[i], "template", "ink", temperature) for i in ids])
        for weight in (1.0, 2.0, 3.0):
            hits = []
            for own, view, d, patch in base:
                crop = None if view == "back" else body_shape.posteriors(patch, view, "ink", temperature)
                total = d + body_shape.body_distance(crop, bodies, "ink", weight)
                hits.append(np.isfinite(total[own]) and (total < total[own]).sum() == 0)
            print(f"temperature {temperature:4.1f} weight {weight:3.1f}: top-1 {np.mean(hits):.3f}", flush=True)
    hits = [np.isfinite(d[own]) and (d < d[own]).sum() == 0 for own, _, d, _ in base]
    print(f"without the body shape: top-1 {np.mean(hits):.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=15_000, help="calibration frames drawn for frame torsos")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--pick", action="store_true", help="only print top-1 for a grid of TEMPERATURE and WEIGHT")
    a = ap.parse_args()
    if a.pick:
        pick(a.workers)
        sys.exit()
    data = rows(a.workers, a.frames)
    print(f"{len(data)} torsos ({sum(k == 'template' for k, _, _ in data)} template sheets)")
    held_out_accuracy(data, body_shape)
    if not a.dry_run:
        body_shape.save(body_shape.fit(data))
        print(f"wrote {body_shape.MODEL_FILE}")
