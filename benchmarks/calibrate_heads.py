"""Fit the head-shape model (`storycast.judges.head_shape`) and write storycast/judges/head_model.npz.

    python benchmarks/calibrate_heads.py             # fit, print held-out accuracy, write the model
    python benchmarks/calibrate_heads.py --dry-run   # fit and print only
    python benchmarks/calibrate_heads.py --pick      # pixel art's temperature and weight (STYLE_TERMS)

Frame heads: the calibration faces of the expression model (`bench_qc.calibration_faces`: 120,000
frames over 2,000 characters, seeds 105/106, nobody facing away, ~25 min on 2 cores), by art style and
view; in pixel art, whose retrieval reads heads of every size (`head_shape.crop_head`), the faces of
every width in 45,000 frames of the pixel-art characters among 6,000 (seeds 105/106, ~3 min) in their
place. Template heads: the front figure of 1,200 template sheets (characters
seed 105, drawn at 1024 px and stored as the templates stage stores them). Characters whose number
is a multiple of 4 are held out for the accuracy printed; the written model is fitted on all.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_qc import _pool, _split, calibration_faces, held_out  # noqa: E402

from storycast.characters import sample_characters  # noqa: E402
from storycast.judges import head_shape  # noqa: E402


def _template_heads(chars: list[dict]) -> list[tuple[str, np.ndarray | None]]:
    from storycast.judges.template_sheet import sheet_front
    from storycast.render import decode, encode
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, out = ProceduralRenderer(), []
    for c in chars:
        sheet, kp, scale = sheet_front(decode(encode(renderer.render_template(c, 1024, 7))["bytes"]))
        out.append((c["character_id"], head_shape.template_face(sheet, kp, scale)))
    return out


ANY_SIZE_STYLES = ("pixel_art",)     # frame heads read at every size by retrieval (`head_shape.crop_head`)
ANY_SIZE_CHARACTERS, ANY_SIZE_FRAMES = 6000, 45_000


def rows(workers: int, n_frames: int) -> list[tuple[str, dict, np.ndarray]]:
    chars = sample_characters(2000, 105, 3)
    faces = [f for f in calibration_faces(workers, n_frames, len(chars)) if f[0] not in ANY_SIZE_STYLES]
    for style in ANY_SIZE_STYLES:
        faces += calibration_faces(workers, ANY_SIZE_FRAMES, ANY_SIZE_CHARACTERS, style=style, min_face_px=0)
    with _pool(workers) as pool:
        sheets = [r for part in pool.map(_template_heads, _split(chars[:1200], workers)) for r in part]
    # the first 2,000 of the 6,000 characters are the 2,000 (one seed, drawn in order)
    spec = {c["character_id"]: c for c in sample_characters(ANY_SIZE_CHARACTERS, 105, 3)}
    out = [(view, spec[cid], f) for _, view, _, f, cid in faces]
    out += [("template", spec[cid], f) for cid, f in sheets if f is not None]
    return out


def held_out_accuracy(data: list[tuple[str, dict, np.ndarray]], reader=head_shape, attributes=None) -> None:
    """Accuracy per kind, attribute and art style on held-out characters of a model fitted on the others;
    `reader`: the module whose discriminants are fitted (`head_shape`, `body_shape`), `attributes` those
    the rows' features read (default: all of the reader's)."""
    from storycast.judges import discriminants

    attributes = attributes or reader.ATTRIBUTES
    held = [(k, s, f) for k, s, f in data if held_out(s["character_id"])]
    model = discriminants.fit([(k, s, f) for k, s, f in data if not held_out(s["character_id"])],
                              reader.MODEL_KEYS, reader.model_key, attributes)
    hits = defaultdict(list)
    for kind, spec, f in held:
        for attr, labels in attributes:
            W, means = model[f"{reader.model_key(kind, spec['art_style'])}_{attr}"]
            best = labels[int(np.argmin(((means - f @ W) ** 2).sum(axis=1)))]
            hits[(kind, attr, spec["art_style"])].append(best == spec[attr])
    for kind in reader.KINDS:
        for attr, _ in attributes:
            mine = {s: v for (k, a, s), v in sorted(hits.items()) if (k, a) == (kind, attr)}
            by_style = {s: round(float(np.mean(v)), 2) for s, v in mine.items()}
            n = sum(len(v) for v in mine.values())
            print(f"held out {kind:8s} {attr:10s} {n:4d}: {by_style}")


# ---------------------------------------------------------------- picking pixel art's temperature and weight
def pick_sample(arg) -> list[tuple]:
    """(template index, distance to every template, view, `read(img, req, c)`) of every crop of the frames,
    retrieved as the stage retrieves them (WebP round trip; in pixel art through the frame's palette) with
    only the shapes named in `keep` ("shape": the head's, "body"; `qc_metrics.read_shapes`). `arg`:
    (frames, references, keep, read); `read` a module-level function, so that workers can be sent it."""
    import dataclasses

    from storycast.judges.base import JudgeRequest
    from storycast.judges.conditions import place_of
    from storycast.judges.expression import view_of
    from storycast.judges.measured import MeasuredJudge
    from storycast.judges.palette import colour_count, frame_palette
    from storycast.judges.retrieval import crop_distance, gallery
    from storycast.qc_metrics import read_shapes
    from storycast.render import decode_pixels, encode
    from storycast.renderers.procedural import ProceduralRenderer

    items, refs, keep, read = arg
    ids = sorted(refs)
    views, renderer, judge, out = gallery(refs, ids), ProceduralRenderer(), MeasuredJudge(), []
    for _, req in items:
        img = decode_pixels(encode(renderer.render_frame(req))["bytes"])
        j = judge.judge(JudgeRequest(None, req, {}, refs, img))
        drawn = (frame_palette(img), req.lighting, place_of(req.setting)) if req.art_style == "pixel_art" else None
        for c in req.characters:
            desc = j.details["characters"][c.character["character_id"]]["descriptor"]
            if desc.seen.sum() < 2:
                continue
            desc = dataclasses.replace(read_shapes(desc, img, req, c),
                                       **{name: None for name in ("shape", "body") if name not in keep})
            out.append((ids.index(c.character["character_id"]),
                        crop_distance(desc, views, c.facing, req.art_style, drawn, colour_count(img)),
                        "back" if c.facing == "back" else view_of(c.facing), read(img, req, c)))
    return out


def pick(workers: int, n_frames: int = 1200) -> None:
    """Pixel art's frame-head temperature and weight (`head_shape.STYLE_TERMS`): top-1 among the sample's
    templates for a grid of both, on characters and frames no model was fitted on (characters seed 505,
    frames seed 506, as ink's were picked), with the written model."""
    from bench_qc import _templates

    from storycast.judges import discriminants
    from storycast.judges.retrieval import gallery
    from storycast.qc import sample_frames

    chars = [c for c in sample_characters(2000, 505, 3) if c["art_style"] == "pixel_art"]
    with _pool(workers) as pool:
        refs = {k: v for part, _ in pool.map(_templates, _split(chars, workers)) for k, v in part.items()}
        frames = sample_frames(chars, n_frames, 506)
        crops = [r for part in pool.map(pick_sample, [(x, refs, (), head_shape.crop_face)
                                                      for x in _split(frames, workers)]) for r in part]
    templates, model = gallery(refs, sorted(refs))["front"].shapes, head_shape.load()
    print(f"{len(crops)} pixel-art crops of {n_frames} frames, {len(refs)} templates, "
          f"{np.mean([f is not None for *_, f in crops]):.2f} with a face")

    def top1(extra) -> float:
        return float(np.mean([np.isfinite(d[own]) and ((d + e) < (d + e)[own]).sum() == 0
                              for (own, d, _, _), e in zip(crops, extra)]))
    print(f"colour alone: top-1 {top1([0.0] * len(crops)):.3f}")
    for temperature in (1.5, 2.0, 3.0, 6.0):
        read = [None if f is None else discriminants.posteriors(model, head_shape.model_key(view, "pixel_art"),
                                                                head_shape.ATTRIBUTES, f, temperature)
                for _, _, view, f in crops]
        for weight in (1.0, 2.0, 3.0):
            extra = [0.0 if p is None else discriminants.overlap_distance(p, templates, head_shape.ATTRIBUTES,
                                                                          weight, head_shape.FLOOR) for p in read]
            print(f"temperature {temperature:4.1f} weight {weight:3.1f}: top-1 {top1(extra):.3f}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=120_000, help="calibration frames drawn for frame heads")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--pick", action="store_true", help="only print pixel-art top-1 for a grid of temperature "
                    "and weight (~2 min)")
    a = ap.parse_args()
    if a.pick:
        raise SystemExit(pick(a.workers))
    data = rows(a.workers, a.frames)
    print(f"{len(data)} heads ({sum(k == 'template' for k, _, _ in data)} template sheets)")
    held_out_accuracy(data)
    if not a.dry_run:
        head_shape.save(head_shape.fit(data))
        print(f"wrote {head_shape.MODEL_FILE}")
