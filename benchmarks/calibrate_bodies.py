"""Fit the body-shape model (`storycast.judges.body_shape`) and write storycast/judges/body_model.npz.

    python benchmarks/calibrate_bodies.py             # fit, print held-out accuracy, write the model
    python benchmarks/calibrate_bodies.py --dry-run   # fit and print only

Characters of the art styles that use it (`body_shape.SHAPE_STYLES`: ink, pixel art) among 6,000
calibration characters (seed 105, so every calibration model reads the same people). Frame torsos and
legs: every character facing the camera in 15,000 calibration frames of each style (frames seed 106,
drawn like the stage's, nobody facing away), by view; template torsos and legs: the front figure of each
character's template sheet (drawn at 1024 px and stored as the templates stage stores them). ~10 min
on 2 cores. Characters
whose number is a multiple of 4 are held out for the accuracy printed; the written model is fitted on all.

    python benchmarks/calibrate_bodies.py --pick ink  # top-1 for a grid of temperature and weight (~2 min)

picks a style's posteriors' temperature and retrieval weight (`body_shape.STYLE_TERMS`) on other
characters and frames (seeds 505/506): crops of 600 ink or 1,200 pixel-art frames among those
characters' templates of the style.
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
from calibrate_heads import held_out_accuracy, pick_sample  # noqa: E402

from storycast.characters import sample_characters  # noqa: E402
from storycast.judges import body_shape  # noqa: E402

N_CHARACTERS = 6000


def _frame_bodies(items) -> list[tuple[str, str, np.ndarray | None, np.ndarray | None]]:
    """(view, character id, torso features, legs features) of every figure facing the camera in `items`'
    frames (None for a patch not read)."""
    from storycast.judges.conditions import place_of, tone_of
    from storycast.judges.expression import view_of
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, out = ProceduralRenderer(), []
    for _, req in items:
        img = np.asarray(renderer.render_frame(req))
        for c in req.characters:
            if c.facing == "back":
                continue
            look = (img, c.keypoints, c.scale, c.facing, req.lighting, place_of(req.setting), tone_of(req.art_style))
            patches = [_f32(read(*look)) for read in (body_shape.torso_patch, body_shape.legs_patch)]
            if any(p is not None for p in patches):
                out.append((view_of(c.facing), c.character["character_id"], *patches))
    return out


def _f32(patch: np.ndarray | None) -> np.ndarray | None:
    return None if patch is None else patch.astype(np.float32)


def _template_bodies(chars: list[dict]) -> list[tuple[str, np.ndarray | None, np.ndarray | None]]:
    from storycast.judges.template_sheet import sheet_front
    from storycast.render import decode, encode
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, out = ProceduralRenderer(), []
    for c in chars:
        sheet, kp, scale = sheet_front(decode(encode(renderer.render_template(c, 1024, 7))["bytes"]))
        out.append((c["character_id"], body_shape.torso_patch(sheet, kp, scale, "front"),
                    body_shape.legs_patch(sheet, kp, scale, "front")))
    return out


def rows(workers: int, n_frames: int) -> tuple[list, list]:
    """(torso rows, legs rows): (kind, character spec, features) of every patch read."""
    from storycast.qc import sample_frames

    figures, sheets, spec = [], [], {}
    for style in sorted(body_shape.SHAPE_STYLES):          # n_frames of each style's characters
        chars = [c for c in sample_characters(N_CHARACTERS, 105, 3) if c["art_style"] == style]
        spec.update((c["character_id"], c) for c in chars)
        frames = sample_frames(chars, n_frames, 106, back_facing_rate=0.0)
        start = time.perf_counter()
        with _pool(workers) as pool:
            figures += [r for part in pool.map(_frame_bodies, _split(frames, workers)) for r in part]
            print(f"{style}: {len(figures)} frame figures so far, {len(chars)} characters, "
                  f"{time.perf_counter() - start:.0f}s", flush=True)
            sheets += [r for part in pool.map(_template_bodies, _split(chars, workers)) for r in part]
    read = [(view, spec[cid], patches) for view, cid, *patches in figures]
    read += [("template", spec[cid], patches) for cid, *patches in sheets]
    return tuple([(kind, s, p[i]) for kind, s, p in read if p[i] is not None] for i in (0, 1))


# ---------------------------------------------------------------- picking STYLE_TERMS
def _patches(img, req, c) -> tuple | None:
    """A crop's (torso, legs) features (`pick_sample`'s `read`); None seen from behind."""
    from storycast.judges.conditions import place_of, tone_of

    look = (img, c.keypoints, c.scale, c.facing, req.lighting, place_of(req.setting), tone_of(req.art_style))
    return None if c.facing == "back" else (body_shape.torso_patch(*look), body_shape.legs_patch(*look))


def pick(workers: int, style: str, n_frames: int = 600) -> None:
    """Top-1 among the sample's templates of art `style` for a grid of temperatures and weights, on
    characters and frames no model was fitted on (characters seed 505, frames seed 506, as head_shape's
    were picked)."""
    from bench_qc import _templates

    from storycast.qc import sample_frames

    chars = [c for c in sample_characters(2000, 505, 3) if c["art_style"] == style]
    with _pool(workers) as pool:
        refs = {k: v for part, _ in pool.map(_templates, _split(chars, workers)) for k, v in part.items()}
        frames = sample_frames(chars, n_frames, 506)
        crops = [r for part in pool.map(pick_sample, [(x, refs, ("shape",), _patches)
                                                      for x in _split(frames, workers)]) for r in part]
        sheets = {cid: patches for part in pool.map(_template_bodies, _split(chars, workers))
                  for cid, *patches in part}
    ids = sorted(refs)
    print(f"{len(crops)} {style} crops of {n_frames} frames, {len(ids)} templates")
    for temperature in (2.0, 3.0, 6.0, 10.0):
        bodies = np.stack([body_shape.posteriors(*sheets[i], "template", style, temperature) for i in ids])
        for weight in (1.0, 2.0, 3.0, 4.0):
            hits = []
            for own, d, view, patches in crops:
                crop = None if view == "back" else body_shape.posteriors(*patches, view, style, temperature)
                total = d + body_shape.body_distance(crop, bodies, style, weight)
                hits.append(np.isfinite(total[own]) and (total < total[own]).sum() == 0)
            print(f"temperature {temperature:4.1f} weight {weight:3.1f}: top-1 {np.mean(hits):.3f}", flush=True)
    hits = [np.isfinite(d[own]) and (d < d[own]).sum() == 0 for own, d, _, _ in crops]
    print(f"without the body shape: top-1 {np.mean(hits):.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=15_000, help="calibration frames drawn for frame torsos")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--pick", choices=sorted(body_shape.SHAPE_STYLES),
                    help="only print this style's top-1 for a grid of temperature and weight (STYLE_TERMS)")
    a = ap.parse_args()
    if a.pick:
        pick(a.workers, a.pick, 600 if a.pick == "ink" else 1200)
        sys.exit()
    torsos, legs = rows(a.workers, a.frames)
    for name, data, attributes in (("torsos", torsos, body_shape.TORSO_ATTRIBUTES),
                                   ("legs", legs, body_shape.LEG_ATTRIBUTES)):
        print(f"{len(data)} {name} ({sum(k == 'template' for k, _, _ in data)} template sheets)")
        held_out_accuracy(data, body_shape, attributes)
    if not a.dry_run:
        body_shape.save(body_shape.fit(torsos, legs))
        print(f"wrote {body_shape.MODEL_FILE}")
