"""Fit the pose check's per-style arm model (`storycast.judges.limbs`) and write storycast/judges/limb_model.npz.

    python benchmarks/calibrate_limbs.py                  # fit, print held-out figures, write the model
    python benchmarks/calibrate_limbs.py --dry-run        # fit and print only
    python benchmarks/calibrate_limbs.py --false-alarms 0.003

Calibration frames: 300 characters (seed 101) in 1,500 frames (seed 102), as `bench_qc.py --calibrate`,
300 more (seed 301) in 3,000 frames (seed 302), 600 more (seed 401) in 6,000 frames (seed 402) and 600
more (seed 501) in 6,000 frames (seed 502; the quadratic model wants the data: held-out figures improved
with each, docs/benchmarks.md), 16,500 frames, ~9 min on 2 cores; none of them is the fixed test
sample's (202/203) or the pipeline's. Every readable arm of a clean frame is a negative; the arm that
`faults.misplaced_limb` swings in the same frame is a positive. A logistic model per art style (L2, on
standardised `FEATURES` and their pairwise products: an arm's evidence adds up differently where, e.g.,
its outline is hidden);
a style with fewer than 100 positives (pixel art: few arms are long enough to read) takes the model of
all colour styles pooled. Each style's intercept is then set so that `--false-alarms` of its clean
arms score under 0.6. Characters whose number is a multiple of 4 are held out for the figures printed;
the written model is fitted on all. The judge weighs this model's risk with the arm net's logit
(`judges.arm_net`): after a refit here, refit that weighing with `calibrate_arm_net.py`.
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_qc import CALIBRATION, _pool, _split, build, held_out  # noqa: E402

from storycast import vocab  # noqa: E402
from storycast.judges import limbs  # noqa: E402

# (characters, their seed, frames, their seed)
SAMPLES = (CALIBRATION, (300, 301, 3000, 302), (600, 401, 6000, 402), (600, 501, 6000, 502))
MIN_POSITIVES = 100


def _arm_rows(args) -> list[tuple[str, str, int, np.ndarray]]:
    """(style, character, label, features) of every readable arm, clean and misplaced."""
    from PIL import Image

    from storycast.faults import misplaced_limb
    from storycast.judges.base import inside_boxes, nearer_boxes
    from storycast.renderers.procedural import ProceduralRenderer
    from storycast.seeding import rng_for

    items, images, refs = args
    renderer, rows = ProceduralRenderer(), []

    def arms(img, req, c):
        near = nearer_boxes(req, c)                 # as the judge reads them (`measured`)
        keep = (lambda p: ~inside_boxes(p, near)) if near else None
        return limbs.read_arms(img, req, c, refs[c.character["character_id"]], keep)

    for (_, req), raw in zip(items, images):
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        img = np.asarray(image)
        for c in req.characters:
            rows.extend((req.art_style, c.character["character_id"], 0, x) for _, x in arms(img, req, c))
        out = misplaced_limb(image, req, renderer, rng_for(7, "calibrate", req.frame_id, "misplaced_limb"))
        if out is not None:
            c = next(c for c in req.characters if c.character["character_id"] == out[1].character_id)
            x = dict(arms(np.asarray(out[0]), req, c)).get(out[1].detail.split(":")[0])
            if x is not None:
                rows.append((req.art_style, c.character["character_id"], 1, x))
    return rows


def collect(workers: int, read=_arm_rows) -> list[tuple]:
    """The rows `read` gives for each of SAMPLES' frames, split over `workers` processes (`read` takes
    (items, images, references) and is a module-level function: `calibrate_arm_net` reads strips too)."""
    rows = []
    for n_chars, char_seed, n_frames, frame_seed in SAMPLES:
        _, refs, items, images, _ = build(n_chars, char_seed, n_frames, frame_seed, workers)
        with _pool(workers) as ex:
            parts = ex.map(read, [(i, im, refs) for i, im in zip(_split(items, workers), _split(images, workers))])
            rows.extend(r for part in parts for r in part)
        print(f"arms: {len(rows)} after {n_frames} frames of seed {frame_seed}", flush=True)
    return rows


def logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Weights (last: intercept) of an L2-penalised logistic regression, by Newton's method."""
    z = np.hstack([x, np.ones((len(x), 1))])
    w, penalty = np.zeros(z.shape[1]), np.r_[np.full(x.shape[1], l2), 0.0]
    for _ in range(40):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        step = np.linalg.solve((z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty), z.T @ (p - y) + penalty * w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _quadratic_logistic(z: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Linear weights and the upper-triangular quadratic matrix of a logistic regression on `z` and
    its pairwise products (each standardised for the fit, folded back so the model reads raw z)."""
    n = z.shape[1]
    upper = np.triu_indices(n)
    expanded = np.hstack([z, (z[:, :, None] * z[:, None, :])[:, upper[0], upper[1]]])
    mean, scale = expanded.mean(axis=0), expanded.std(axis=0) + 1e-6
    coef = logistic((expanded - mean) / scale, y, l2)[:-1] / scale   # the intercept is set afterwards
    quadratic = np.zeros((n, n))
    quadratic[upper] = coef[n:]
    return coef[:n], quadratic


def fit(rows, false_alarms: float, l2: float) -> dict[str, limbs.LimbModel]:
    def arrays(keep):
        sel = [r for r in rows if keep(r)]
        return np.stack([r[3] for r in sel]), np.array([r[2] for r in sel], dtype=np.float64)

    models = {}
    for style in vocab.ART_STYLES:
        x, y = arrays(lambda r, s=style: r[0] == s)
        if y.sum() < MIN_POSITIVES:
            px, py = arrays(lambda r: r[0] != "ink")
        else:
            px, py = x, y
        fill = np.nanmedian(px, axis=0)
        filled = np.where(np.isnan(px), fill, px)
        mean, scale = filled.mean(axis=0), filled.std(axis=0) + 1e-6
        weights, quadratic = _quadratic_logistic((filled - mean) / scale, py, l2)
        model = limbs.LimbModel(fill, mean, scale, weights, 0.0, quadratic)
        clean = np.array([model.risk(v) for v in x[y == 0]])
        # Risk 0 (score 0.6) at the style's own clean-arm quantile: the false alarms asked for.
        models[style] = dataclasses.replace(model, bias=-float(np.quantile(clean, 1 - false_alarms)))
    return models


def report(models, rows, title: str) -> None:
    print(title)
    for style in vocab.ART_STYLES:
        sel = [r for r in rows if r[0] == style]
        risk = np.array([models[style].risk(r[3]) for r in sel])
        y = np.array([r[2] for r in sel])
        print(f"  {style:13s} clean arms {int((y == 0).sum()):5d} alarmed {np.mean(risk[y == 0] > 0):.4f} | "
              f"misplaced {int(y.sum()):4d} flagged {np.mean(risk[y == 1] > 0):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--false-alarms", type=float, default=0.004, help="share of clean arms scored under 0.6")
    ap.add_argument("--l2", type=float, default=3.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    rows = collect(a.workers)
    held = [r for r in rows if held_out(r[1])]
    report(fit([r for r in rows if not held_out(r[1])], a.false_alarms, a.l2), held, "held-out characters:")
    models = fit(rows, a.false_alarms, a.l2)
    report(models, rows, "all (the written model):")
    if not a.dry_run:
        limbs.save(models)
        print(f"wrote {limbs.MODEL_FILE}")


if __name__ == "__main__":
    main()
