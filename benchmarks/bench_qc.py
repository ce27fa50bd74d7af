"""The qc stage: speed at paper scale, detection and identity figures, and the judge's calibration.

    python benchmarks/bench_qc.py                 # measured sample + projection to paper scale
    python benchmarks/bench_qc.py --data          # the real stage on this repo's built data/ (paper
                                                  #   scale after `dvc repro render`); writes data/qc
    python benchmarks/bench_qc.py --calibrate     # refit storycast/judges/calibration.py and the
                                                  #   expression model (~35 min), print thresholds
    python benchmarks/bench_qc.py --thresholds    # refit qc.thresholds alone (after one check changed)
    python benchmarks/bench_qc.py --part-noise    # refit the identity noise units alone (after sampling changed)

The sample: characters and frames drawn without a pipeline (`storycast.qc.sample_frames`, layout by
the controls stage's `layout_frame`), templates at 1024 px, frames at 512 px stored as lossless WebP
like the render stage, the default fault rate; the loop runs in a process pool like the stage.
Calibration uses its own seeds (characters 101, frames 102, faces 105/106); tests use others.
"""
from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storycast import vocab  # noqa: E402
from storycast.characters import sample_characters  # noqa: E402
from storycast.judges.base import CHECKS  # noqa: E402
from storycast.judges.measured import DEFAULT_THRESHOLDS  # noqa: E402

PAPER_FRAMES, PAPER_TEMPLATES = 75_008, 2_000
# Per style (and size band, `calibration.noise_key`), clean part shifts (`torso.part_shift`) past this
# percentile of the calibration samples' fail identity on their own, for SHIFT_PARTS. Pixel art at 99.8
# per size band: at the 99.5th its clean frames rejected at paper scale rose 1.56 -> 2.65 % (123 more to
# flag 55 more faulty ones). Ink keeps the largest: there 99.5 rejected ~138 more clean frames
# (1.92 -> 3.26 %) to flag 34 more faulty ones (docs/benchmarks.md).
SHIFT_PERCENTILE = {"ink": 100.0, "pixel_art": 99.8}
SHIFT_PARTS = ("torso", "hair")
CALIBRATION = (300, 101, 1500, 102)   # the calibration sample: characters, their seed, frames, their seed
BANDED_SAMPLE = (1200, 111, 3000, 112)  # as CALIBRATION: of its characters, those of the size-banded styles
QC = {"judge": "measured",
      "thresholds": dict(DEFAULT_THRESHOLDS),     # calibrated (--calibrate prints new ones)
      "max_rounds": 3, "repair_order": ["local_edit", "prompt_tuning"],
      "local_checks": ["identity", "expression", "pose", "sanity"], "zoom": 0.85, "fault_rate": 0.15,
      "faults": ["identity_drift", "wrong_expression", "misplaced_limb", "artefact"], "retrieval_crops": 2000}


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _split(seq, n):
    return [seq[i::n] for i in range(n)]


# ---------------------------------------------------------------- building a sample
def _templates(chars):
    from PIL import Image

    from storycast.judges.template_sheet import template_reference
    from storycast.render import encode
    from storycast.renderers.procedural import ProceduralRenderer

    r, out, spent = ProceduralRenderer(), {}, 0.0
    for c in chars:
        sheet = Image.open(io.BytesIO(encode(r.render_template(c, 1024, 7))["bytes"]))
        t = time.perf_counter()
        out[c["character_id"]] = template_reference(sheet, c)    # decode + describe: what the stage pays
        spent += time.perf_counter() - t
    return out, spent


def _render(items):
    from storycast.render import encode
    from storycast.renderers.procedural import ProceduralRenderer
    r = ProceduralRenderer()
    return [encode(r.render_frame(req))["bytes"] for _, req in items]


def build(n_chars: int, char_seed: int, n_frames: int, frame_seed: int, workers: int, styles=None):
    from storycast.qc import sample_frames
    chars = [c for c in sample_characters(n_chars, char_seed, 3) if styles is None or c["art_style"] in styles]
    items = sample_frames(chars, n_frames, frame_seed)
    with _pool(workers) as ex:
        parts = list(ex.map(_templates, _split(chars, workers)))
        renders = list(ex.map(_render, _split(items, workers)))
    refs = {k: v for p, _ in parts for k, v in p.items()}
    images = [None] * len(items)
    for w, chunk in enumerate(renders):
        images[w::workers] = chunk
    return chars, refs, items, images, sum(s for _, s in parts)


# ---------------------------------------------------------------- the loop on a sample
def _loop(args):
    from PIL import Image

    from storycast.editors.local_edit import RerenderEditor
    from storycast.judges import make_judge
    from storycast.qc_loop import QCSettings, run_frame
    from storycast.qc_metrics import FrameStats, ShardStats
    from storycast.render import encode
    from storycast.renderers.procedural import ProceduralRenderer
    items, images, refs, qc, seed = args
    renderer, judge = ProceduralRenderer(), make_judge(qc["judge"], qc["thresholds"])
    settings = QCSettings.from_params(qc)
    stats = ShardStats.for_gallery(refs)
    start = time.perf_counter()
    for (frame, req), raw in zip(items, images):
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        out = run_frame(frame, req, image, judge=judge, renderer=renderer, editor=RerenderEditor(renderer),
                        templates={}, references=refs, settings=settings, seed=seed)
        if out.changed:
            encode(out.image)
        stats.add(FrameStats.of(out, req, True, np.asarray(image)))
    return time.perf_counter() - start, stats.to_json()


def bench(a) -> None:
    from storycast.qc_metrics import merge, metrics
    t0 = time.perf_counter()
    chars, refs, items, images, ref_cpu = build(a.characters, 909, a.frames, 910, a.workers)
    print(f"sample: {len(chars)} characters, {len(items)} frames built in {time.perf_counter() - t0:.0f}s")
    qc = {**QC, "fault_rate": a.fault_rate}
    t1 = time.perf_counter()
    with _pool(a.workers) as ex:
        parts = list(ex.map(_loop, [(items[i::a.workers], images[i::a.workers], refs, qc, 2025)
                                    for i in range(a.workers)]))
    wall = time.perf_counter() - t1
    cpu = sum(p[0] for p in parts)
    m = metrics(merge([p[1] for p in parts]), qc)
    per_frame, per_ref = cpu / len(items), ref_cpu / len(chars)
    projected = (PAPER_FRAMES * per_frame + PAPER_TEMPLATES * per_ref) / a.workers
    print(f"loop: {len(items)} frames, wall {wall:.1f}s on {a.workers} workers, {per_frame * 1000:.1f} ms/frame "
          f"(cpu); template reference {per_ref * 1000:.0f} ms each")
    print(f"projection to paper scale ({PAPER_FRAMES} frames, {PAPER_TEMPLATES} templates, {a.workers} workers): "
          f"{projected:.0f}s = {projected / 60:.1f} min (target: 5 min)")
    _report(m)


def _report(m: dict) -> None:
    d, r = m["detection"], m["identity_retrieval"]
    print(f"first-pass {m['first_pass_rate']}, final pass {m['final_pass_rate']}, rounds {m['rounds']}, "
          f"repairs {m['repairs']}")
    print(f"detection: faulty frames flagged {d['faulty_flagged_rate']} of {d['faulty_frames']}, clean frames "
          f"rejected {d['clean_rejected_rate']} of {d['clean_frames']}; {d.get('faulty_kept')} faulty frames "
          "still show their fault at the end (left out of the release)")
    alone = d.get("flagged_by_story_alone", {})
    print(f"  flagged by the story comparison alone: {alone.get('faulty')} faulty, {alone.get('clean')} clean frames")
    for k, v in d["by_fault"].items():
        print(f"  {k:17s} {v['frames']:5d} frames, flagged {v['flagged_rate']}, "
              f"repaired when flagged {v['repaired_rate']}, still shown in the final image {v.get('kept')}")
    for style, v in d.get("by_style", {}).items():
        kinds = ", ".join(f"{k} {x}" for k, x in v["flagged_rate_by_fault"].items())
        print(f"  {style:13s} clean rejected {v['clean_rejected_rate']} of {v['clean_frames']}, faulty flagged "
              f"{v['faulty_flagged_rate']} of {v['faulty_frames']} ({kinds})")
    print(f"identity retrieval top-1 {r['top1']} over {r['crops']} crops; by style "
          f"{ {s: v['top1'] for s, v in r['by_style'].items()} }")


def data_mode(a) -> None:
    """The stage itself on this repository's data (run from the repo root)."""
    import importlib.util

    import yaml
    os.chdir(REPO)
    doc = yaml.safe_load((REPO / "params.yaml").read_text())
    params = {k: doc[k] for k in ("seed", "renderer", "editor", "executor")}
    params["qc"] = dict(doc.get("qc") or QC)
    if a.calibrated_thresholds:
        params["qc"]["thresholds"] = QC["thresholds"]
    spec = importlib.util.spec_from_file_location("stage_qc", REPO / "stages" / "qc.py")
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    t = time.perf_counter()
    stage.qc(params)
    print(f"stage qc on {REPO / 'data'}: {time.perf_counter() - t:.0f}s wall; thresholds {params['qc']['thresholds']}")
    _report(json.loads((REPO / "metrics" / "qc.json").read_text()))


# ---------------------------------------------------------------- calibration
def _fit_curve(x: np.ndarray, y: np.ndarray, knots: np.ndarray) -> list[float]:
    """Piecewise-linear y = f(x) on `knots`: least squares pulled to the identity where data is thin
    and kept smooth, refitted twice without the worst 30% (robust)."""
    step = knots[1] - knots[0]
    A = np.clip(1 - np.abs(x[:, None] - knots[None]) / step, 0, 1)
    D = np.diff(np.eye(len(knots)), 2, axis=0)
    keep = np.ones(len(x), dtype=bool)
    for _ in range(3):
        Ak, n = A[keep], int(keep.sum())
        M = Ak.T @ Ak + 0.02 * n / len(knots) * np.eye(len(knots)) + 0.05 * n * D.T @ D
        w = np.linalg.solve(M, Ak.T @ y[keep] + 0.02 * n / len(knots) * knots)
        res = np.abs(A @ w - y)
        keep = res <= np.percentile(res, 70)
    return [round(float(v), 1) for v in w]


def _faces(items, min_face_px: int = 24):
    """(art style, view, expression, features as float32, character id) of every face the judge reads
    in `items`' frames (facing the camera, wide enough, not covered); `min_face_px` 0: of any width."""
    from storycast.judges import expression as ex
    from storycast.judges.base import inside_boxes, nearer_boxes
    from storycast.judges.conditions import coarse, place_of, tone_of
    from storycast.renderers.procedural import ProceduralRenderer
    r, rows = ProceduralRenderer(), []
    for _, req in items:
        img = np.asarray(r.render_frame(req))
        for c in req.characters:
            if c.facing == "back" or 0.2 * c.scale < min_face_px * coarse(req.art_style):
                continue
            hb = [(c.keypoints[0][0] + dx * c.scale, c.keypoints[0][1] + dy * c.scale)
                  for dx in (-0.15, 0.15) for dy in (-0.2, 0.1)]
            if inside_boxes(np.array(hb), nearer_boxes(req, c)).any():
                continue
            patch = ex.face_patch(img, c, req.lighting, place_of(req.setting), tone_of(req.art_style))
            if patch is not None:
                rows.append((req.art_style, ex.view_of(c.facing), c.expression,
                             ex.features(patch).astype(np.float32), c.character["character_id"]))
    return rows


def held_out(character_id: str) -> bool:
    """Calibration characters whose number is a multiple of 4 are held out of every fit."""
    return int(character_id[1:]) % 4 == 0


def calibration_faces(workers: int, n_frames: int, n_characters: int = 2000, chunk: int = 2000,
                      style: str | None = None, frame_seed: int = 106, min_face_px: int = 24) -> list[tuple]:
    """`_faces` of `n_frames` calibration frames (characters seed 105, frames `frame_seed`, nobody
    facing away) over `n_characters` (those of art `style` only, if given), in order, `chunk` frames at
    a time: ~1.5 faces a frame over all styles, ~25 s per 1,000 frames on one core."""
    import functools

    from storycast.qc import sample_frames

    chars = [c for c in sample_characters(n_characters, 105, 3) if style in (None, c["art_style"])]
    frames = sample_frames(chars, n_frames, frame_seed, back_facing_rate=0.0)
    rows, start = [], time.perf_counter()
    with _pool(workers) as pool:
        for i in range(0, len(frames), chunk):
            rows += [r for part in pool.map(functools.partial(_faces, min_face_px=min_face_px),
                                            _split(frames[i:i + chunk], workers)) for r in part]
            print(f"faces: {min(i + chunk, len(frames))} frames, {len(rows)} faces, "
                  f"{time.perf_counter() - start:.0f}s", flush=True)
    return rows


def _noise_keys(cal) -> list[str]:
    """Every key of the noise tables, style by style (`calibration.noise_keys`)."""
    return [k for style in vocab.ART_STYLES for k in cal.noise_keys(style)]


def _part_noise(cal, samples) -> None:
    """PART_NOISE and SAME_PART_NOISE: per noise key (`calibration.noise_key`: art style, and size band
    where the style has them) and part, the 95th percentile over clean crops of the distance to the
    nearest template colour of any part, and of the same part (floor 2 dE); PART_SHIFT_NOISE: per key
    and part, the style's SHIFT_PERCENTILE of clean `part_shift` over the multiple at which identity
    fails. `samples`: (refs, items, images) of the calibration sample and `banded_sample`."""
    from storycast.judges import embedding as emb
    from storycast.judges.base import JudgeRequest
    from storycast.judges.measured import MeasuredJudge
    from storycast.judges.torso import part_shift

    keys = _noise_keys(cal)
    for table in (cal.PART_NOISE, cal.SAME_PART_NOISE):
        table.clear()
        table.update({k: (1.0,) * len(emb.PARTS) for k in keys})
    judge, dist = MeasuredJudge(QC["thresholds"]), defaultdict(list)
    for (_, req), image, refs in ((item, image, refs) for refs, items, images in samples
                                  for item, image in zip(items, images)):
        scale = {c.character["character_id"]: c.scale for c in req.characters}
        for cid, info in judge.judge(JudgeRequest(image, req, {}, refs)).details.get("characters", {}).items():
            key = cal.noise_key(req.art_style, scale[cid])
            for name in ("parts", "same_parts"):
                for i, v in enumerate(info[name]):
                    if np.isfinite(v):
                        dist[(name, key, i)].append(v)
            for part in SHIFT_PARTS if req.art_style in SHIFT_PERCENTILE else ():
                dist[("shift", key, part)].append(part_shift(info["descriptor"], refs[cid], part))
    for name, table in (("parts", cal.PART_NOISE), ("same_parts", cal.SAME_PART_NOISE)):
        for key in keys:
            table[key] = tuple(round(max(2.0, float(np.percentile(dist[(name, key, i)], 95))), 1)
                               if dist[(name, key, i)] else 10.0 for i in range(len(emb.PARTS)))
    cal.PART_SHIFT_NOISE.clear()
    for style, pct in SHIFT_PERCENTILE.items():
        for key in cal.noise_keys(style):
            cal.PART_SHIFT_NOISE[key] = {part: failing_unit(dist[("shift", key, part)], pct) for part in SHIFT_PARTS}


def failing_unit(values, percentile: float) -> float:
    """A noise unit (2 decimals, rounded up) that puts the `percentile` of clean `values` where the
    identity threshold fails: about (100 - percentile) % of them fail on it alone."""
    from storycast.judges.identity import failing_multiple

    z = failing_multiple(QC["thresholds"]["identity"])
    return round(float(np.nanpercentile(values, percentile)) / z + 0.005, 2)


def banded_sample(workers: int):
    """`BANDED_SAMPLE`: frames of the art styles with size bands (`calibration.SCALE_BANDS`) only, so
    that each band's high percentiles rest on ~1,000 characters or more."""
    from PIL import Image

    from storycast.judges.calibration import SCALE_BANDS

    _, refs, items, raw, _ = build(*BANDED_SAMPLE, workers, styles=set(SCALE_BANDS))
    return refs, items, [Image.open(io.BytesIO(b)).convert("RGB") for b in raw]


def calibrate(a) -> None:
    import calibrate_expression

    from storycast.judges import calibration as cal
    from storycast.judges import embedding as emb
    from storycast.judges.base import inside_boxes, nearer_boxes
    from storycast.judges.conditions import place_of, tone_of
    from storycast.judges.palette import lab_to_srgb

    cal.LIGHT_CURVES.clear()
    refs, items, images = calibration_sample(a.workers)
    pairs = defaultdict(list)                          # 1. daylight curves
    for (_, req), image in zip(items, images):
        img = np.asarray(image)
        for c in req.characters:
            ref = refs[c.character["character_id"]]
            view = ref.back if c.facing == "back" else ref.front
            pts = emb.part_points(c.keypoints, c.scale, c.facing, c.character)
            for i, part in enumerate(emb.PARTS):
                col, ok = emb.box_means(img, pts[part], emb.sample_radius(c.scale))
                ok &= ~inside_boxes(pts[part], nearer_boxes(req, c))
                if ok.sum() >= max(1, 0.5 * len(ok)) and view.seen[i]:
                    key = (req.lighting, place_of(req.setting), tone_of(req.art_style))
                    pairs[key].append((np.median(col[ok], axis=0),
                                       lab_to_srgb(np.nanmedian(view.lab[emb.SLICES[part]], axis=0))))
    curves = {}
    for key, pr in sorted(pairs.items()):
        x, y = np.array([p[0] for p in pr]), np.array([p[1] for p in pr])
        if key[2] == "colour" and key[0] == "day" and key[1] != "water" or len(pr) < 30:
            continue
        curves[key] = tuple(tuple(_fit_curve(x[:, ch], y[:, ch], emb.KNOTS)) for ch in range(3))
    cal.LIGHT_CURVES.update(curves)
    _part_noise(cal, [(refs, items, images), banded_sample(a.workers)])   # 2. part noise on clean frames
    faces = calibrate_expression.draw_faces(a.workers, a.face_frames)   # 3. expression model (new light curves)
    calibrate_expression.write(calibrate_expression.fit_with_scales(faces))
    fit_thresholds(items, images, refs, a.budget)             # 4. thresholds
    _write(cal)


def fit_thresholds(items, images, refs, budget: float) -> dict[str, float]:
    """`qc.thresholds` that flag the most injected faults (mean over kinds) on the calibration sample
    while rejecting at most `budget` of its clean frames: a grid over identity, pose and expression."""
    from storycast.faults import FAULTS, INJECTORS
    from storycast.judges.base import JudgeRequest
    from storycast.judges.measured import MeasuredJudge
    from storycast.renderers.procedural import ProceduralRenderer
    from storycast.seeding import rng_for

    renderer, judge = ProceduralRenderer(), MeasuredJudge(QC["thresholds"])
    clean, faulty = [], defaultdict(list)
    for (_, req), image in zip(items, images):
        clean.append([judge.judge(JudgeRequest(image, req, {}, refs)).scores[c] for c in CHECKS])
        for kind in FAULTS:
            out = INJECTORS[kind](image, req, renderer, rng_for(7, "calibrate", req.frame_id, kind))
            if out is not None:
                faulty[kind].append([judge.judge(JudgeRequest(out[0], req, {}, refs)).scores[c] for c in CHECKS])
    clean, faulty = np.array(clean), {k: np.array(v) for k, v in faulty.items()}
    grid = {"identity": np.arange(0.3, 0.71, 0.02), "pose": np.arange(0.5, 0.81, 0.05),
            "expression": np.arange(0.0, 0.51, 0.05), "visibility": (0.05,), "in_frame": (0.5,), "sanity": (0.45,)}
    best = None
    for t in itertools.product(*[grid[c] for c in CHECKS]):
        t = np.array(t)
        rejected = float(np.mean((clean < t).any(axis=1)))
        if rejected <= budget:
            found = {k: float(np.mean((v < t).any(axis=1))) for k, v in faulty.items()}
            if best is None or np.mean(list(found.values())) > best[0]:
                best = (np.mean(list(found.values())), t, rejected, found)
    _, t, rejected, found = best
    thresholds = {c: round(float(v), 2) for c, v in zip(CHECKS, t)}
    print("qc.thresholds:", json.dumps(thresholds))
    print(f"calibration sample: clean rejected {rejected:.4f}, flagged {({k: round(v, 3) for k, v in found.items()})}")
    return thresholds


def calibration_sample(workers: int):
    """The calibration sample (`CALIBRATION`): template references, frame items, decoded frames."""
    from PIL import Image

    _, refs, items, raw, _ = build(*CALIBRATION, workers)
    return refs, items, [Image.open(io.BytesIO(b)).convert("RGB") for b in raw]


def thresholds_only(a) -> None:
    """Refit `qc.thresholds` alone, on the calibration sample, with the judge's constants as they are
    (after a change to one check, without refitting `calibration.py`)."""
    refs, items, images = calibration_sample(a.workers)
    fit_thresholds(items, images, refs, a.budget)


def part_noise_only(a) -> None:
    """Refit PART_NOISE and SAME_PART_NOISE alone, on the calibration sample (after a change to where
    the parts are sampled); the light curves and the expression model stay as they are."""
    from storycast.judges import calibration as cal

    _part_noise(cal, [calibration_sample(a.workers), banded_sample(a.workers)])
    _write(cal)


def _write(cal) -> None:
    path = REPO / "storycast" / "judges" / "calibration.py"
    head = path.read_text().split("KNOTS = ", 1)[0]
    out = [head + "KNOTS = np.linspace(0.0, 256.0, 9)",
           "LIGHT_CURVES: dict[tuple[str, str, str], tuple[tuple[float, ...], ...]] = {"]
    for key, curves in sorted(cal.LIGHT_CURVES.items()):
        out.append(f"    {key!r}: (")
        out.extend(f"        ({', '.join(f'{v:.1f}' for v in ch)})," for ch in curves)
        out.append("    ),")
    out.append("}")
    keys = _noise_keys(cal)
    out.append("PART_NOISE: dict[str, tuple[float, ...]] = {  # per noise_key, per embedding.PARTS")
    out.extend(f'    "{k}": ({", ".join(f"{v:.1f}" for v in cal.PART_NOISE[k])}),' for k in keys)
    out.append("}")
    out.append("SAME_PART_NOISE: dict[str, tuple[float, ...]] = {  # per noise_key, per embedding.PARTS")
    out.extend(f'    "{k}": ({", ".join(f"{v:.1f}" for v in cal.SAME_PART_NOISE[k])}),' for k in keys)
    out.append("}")
    out.append("PART_SHIFT_NOISE: dict[str, dict[str, float]] = {  # per noise_key of the styles judged by part shift")
    out.extend(f'    "{s}": {json.dumps(parts)},' for s, parts in cal.PART_SHIFT_NOISE.items())
    out.append("}")
    out.append("STORY_NOISE: dict[str, dict[str, float]] = {  # per noise_key and story.STORY_PARTS")
    out.extend(f'    "{k}": {json.dumps(parts)},' for k, parts in cal.STORY_NOISE.items())
    out.append("}")
    path.write_text("\n".join(out) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="store_true", help="run the stage on this repo's data")
    ap.add_argument("--calibrate", action="store_true", help="refit the judge's measured constants")
    ap.add_argument("--thresholds", action="store_true",
                    help="refit qc.thresholds alone on the calibration sample (the judge's constants as they are)")
    ap.add_argument("--part-noise", action="store_true",
                    help="refit the identity noise units alone on the calibration sample")
    ap.add_argument("--calibrated-thresholds", action="store_true",
                    help="--data: use this file's calibrated qc.thresholds instead of params.yaml's")
    ap.add_argument("--characters", type=int, default=200)
    ap.add_argument("--frames", type=int, default=800)
    ap.add_argument("--face-frames", type=int, default=120_000, help="calibration: frames drawn for faces")
    ap.add_argument("--budget", type=float, default=0.015, help="calibration: clean frames rejected at most")
    ap.add_argument("--fault-rate", type=float, default=0.15)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = ap.parse_args()
    if args.thresholds:
        thresholds_only(args)
    elif args.part_noise:
        part_noise_only(args)
    elif args.calibrate:
        calibrate(args)
    elif args.data:
        data_mode(args)
    else:
        bench(args)
