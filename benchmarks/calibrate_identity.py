"""Fit the identity models of ink and pixel art: write storycast/judges/identity_model.npz.

    python benchmarks/calibrate_identity.py                      # build calibration stories, fit, write
    python benchmarks/calibrate_identity.py --data DIR --dry-run # stories built already; fit and print only

The `measured` judge weighs a torso's and hair's four colour readings together in the styles whose
readings are each weak alone (`judges.identity_model`). The model is fitted on stories of another seed
than the shipped build's (CALIBRATION_BUILD: the pipeline run from `characters` to `render` in a scratch
copy, ~8 minutes on 2 cores; or `--data`, a `data/` folder built so). Every frame of an ink or pixel-art
story gives its characters as clean examples and, redrawn by `faults.identity_drift`, its drifted
torso or hair as a positive one; each is read against the story's other (clean) frames, as the qc stage
reads a story. Per style and part a logistic model (`calibrate_limbs.logistic`), cut so that as many
clean characters fail identity as under the worst-reading rule it replaces (so the clean frames rejected
stay where they were). Prints, per style, held-out figures first (fitted on half the stories, read on
the other half) and writes the model fitted on all of them.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from calibrate_limbs import logistic  # noqa: E402

from storycast.judges import identity_model as im  # noqa: E402
from storycast.judges.identity import failing_multiple  # noqa: E402

STYLES = ("ink", "pixel_art")
CALIBRATION_BUILD = {"seed": 2026, "stories": {"count": 4000}}   # the shipped build is seed 2025
STAGES = ("characters", "templates", "review", "stories", "controls", "render")
THRESHOLD = im.THRESHOLD_SCORE
L2 = 1.0
STORY = im.READINGS.index("story")


class Row(NamedTuple):
    """One character of a calibration frame: label 1 where its `part` was drifted (0: clean)."""
    style: str
    label: int
    part: str
    readings: dict          # part -> `identity_model.part_readings`
    scale: float
    rule: tuple             # the worst-reading rule's identity score with, and without, the story
    face: float             # `identity_model.face_multiple`
    frame_id: str


def build(workers: int) -> Path:
    """A scratch copy of the pipeline run from characters to render with CALIBRATION_BUILD's params."""
    from common import scratch_repo

    repo = scratch_repo(CALIBRATION_BUILD)
    print(f"building calibration stories in {repo}", flush=True)
    for stage in STAGES:
        subprocess.run([sys.executable, f"stages/{stage}.py"], cwd=repo, check=True)
    return repo / "data"


def _story_rows(job) -> list[tuple]:
    """Row(style, label, part, readings, rule multiples, face multiple, frame id) of each character of some
    stories: label 0 for every character of a clean frame, 1 for a frame's drifted torso or hair."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    import yaml
    from PIL import Image

    from storycast.faults import identity_drift
    from storycast.judges import embedding as emb
    from storycast.judges.base import JudgeRequest
    from storycast.judges.calibration import noise_key
    from storycast.judges.identity import identity_score
    from storycast.judges.measured import MeasuredJudge
    from storycast.judges.story import deviations, story_peers, story_score
    from storycast.qc import LazyTemplates
    from storycast.render import decode_pixels, frame_requests, make_renderer
    from storycast.seeding import rng_for

    data, story_ids = Path(job[0]), set(job[1])
    params = yaml.safe_load((data.parent / "params.yaml").read_text())
    frames = [f for f in ds.dataset(data / "stories" / "frames").to_table().to_pylist() if f["story_id"] in story_ids]
    ids = [f["frame_id"] for f in frames]
    controls = ds.dataset(data / "controls" / "controls").to_table(filter=ds.field("frame_id").isin(ids)).to_pylist()
    chars = {r["character_id"]: r for r in pq.read_table(data / "review" / "characters.parquet").to_pylist()}
    raw = {r["frame_id"]: r["image"]["bytes"] for r in ds.dataset(data / "render").to_table(
        columns=["frame_id", "image"], filter=ds.field("frame_id").isin(ids)).to_pylist()}
    renderer, judge = make_renderer(params["renderer"]), MeasuredJudge()
    templates = LazyTemplates(str(data / "templates" / "templates"), set(chars))

    def read(pixels, req, c, peers):
        cid = c.character["character_id"]
        ref = judge.reference(JudgeRequest(None, req, templates, None, pixels), cid, c.character)
        desc, _, _, _, tones = judge._describe(emb.Window(pixels, (0, 0, req.width, req.height)), req, c)
        key, trusted = noise_key(req.art_style, c.scale), judge._trusted(ref)
        alone, parts, same, _ = identity_score(desc, ref, key, trusted)
        story = deviations(tones, peers.get(cid))
        told = min(alone, story_score(story, key)[0])
        readings = im.part_readings(desc, ref, key, trusted, parts, same, story)
        face = im.face_multiple(key, trusted, parts, same)
        return readings, (told, alone), face

    rows, stories = [], {}
    size = (params["controls"]["width"], params["controls"]["height"])
    for frame, req in frame_requests(frames, controls, chars, params["seed"], size):
        stories.setdefault(frame["story_id"], []).append((req, decode_pixels(raw[frame["frame_id"]])))
    for items in stories.values():
        peers = story_peers([judge.story_tones(px, req) for req, px in items])
        for (req, px), own in zip(items, peers):
            for c in req.characters:
                readings, rule, face = read(px, req, c, own)
                rows.append(Row(req.art_style, 0, "", readings, c.scale, rule, face, req.frame_id))
            out = identity_drift(Image.fromarray(px), req, renderer, rng_for(7, "calibrate-identity", req.frame_id))
            if out is None:
                continue
            c = next(c for c in req.characters if c.character["character_id"] == out[1].character_id)
            part = out[1].detail.split(":")[0]
            readings, rule, face = read(np.asarray(out[0]), req, c, own)
            rows.append(Row(req.art_style, 1, part, readings, c.scale, rule, face, req.frame_id))
    return rows


def collect(data: Path, workers: int) -> list[tuple]:
    import pyarrow.dataset as ds

    frames = ds.dataset(data / "stories" / "frames").to_table(columns=["story_id", "art_style"]).to_pylist()
    stories = sorted({f["story_id"] for f in frames if f["art_style"] in STYLES})
    chunks = [(str(data), stories[i::workers * 8]) for i in range(workers * 8)]
    with ProcessPoolExecutor(workers) as ex:
        return [r for part in ex.map(_story_rows, chunks) for r in part]


def _design(rows, part: str, regime: str) -> np.ndarray:
    """The models' inputs: each row's `part` readings, without the story reading in the `alone` regime."""
    out = []
    for r in rows:
        x = r.readings[part].copy()
        if regime == "alone":
            x[STORY] = np.nan
        out.append(im.features(x, r.scale))
    return np.stack(out)


def _risks(models, rows) -> np.ndarray:
    """rows x MODEL_PARTS: each part's risk by the model the judge would use (`weighed_identity`):
    its `story` one where the story reads the part, else its `alone` one (-inf where unread)."""
    out = np.full((len(rows), len(im.MODEL_PARTS)), -np.inf)
    for k, part in enumerate(im.MODEL_PARTS):
        risk = _one(models[part]["alone"], rows, part, "alone")
        if "story" in models[part]:
            told = _one(models[part]["story"], rows, part, "story")
            risk = np.where(np.isfinite(told), told, risk)
        out[np.isfinite(risk), k] = risk[np.isfinite(risk)]
    return out


def _fails(models, rows) -> np.ndarray:
    """Which rows the models (and the face by the worst-reading rule) fail."""
    face = np.array([r.face > failing_multiple(THRESHOLD) for r in rows], dtype=bool)
    return face | (_risks(models, rows) > 0).any(axis=1)


def fit(rows) -> dict[str, dict[str, dict[str, im.IdentityModel]]]:
    """Per style, part and regime the logistic model, cut so that clean characters fail as often as
    under the worst-reading rule: first `alone` (every row read without its story reading), against
    the rule without the story, then `story` (rows whose part the story reads), against the rule with it."""
    out = {}
    for style in STYLES:
        sel = [r for r in rows if r.style == style]
        clean = [r for r in sel if r.label == 0]
        models: dict[str, dict[str, im.IdentityModel]] = {p: {} for p in im.MODEL_PARTS}
        for regime, rule in (("alone", 1), ("story", 0)):
            for part in im.MODEL_PARTS:
                use = [r for r in sel if (r.label == 0 or r.part == part)
                       and (regime == "alone" or np.isfinite(r.readings[part][STORY]))]
                x, y = _design(use, part, regime), np.array([r.label for r in use], dtype=np.float64)
                mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
                weights, bias = _monotone_logistic((x - mean) / scale, y)
                models[part][regime] = im.IdentityModel(mean, scale, weights, bias)
            view = clean if regime == "story" else [_without_story(r) for r in clean]
            rate = np.mean([r.rule[rule] < THRESHOLD for r in clean])
            _cut(models, regime, view, rate)
        out[style] = models
    return out


def _without_story(r: Row) -> Row:
    readings = {p: v.copy() for p, v in r.readings.items()}
    for v in readings.values():
        v[STORY] = np.nan
    return r._replace(readings=readings)


def _monotone_logistic(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression whose readings never lower the risk: a reading
    fitted with a negative weight (it moves with a stronger one, as the any-colour distance with the
    part's own) is left out and the rest fitted again, so a part further off on any reading never
    looks cleaner."""
    active = list(range(z.shape[1]))
    while True:
        w = logistic(z[:, active], y, L2)
        negative = [(w[k], i) for k, i in enumerate(active) if i < len(im.READINGS) and w[k] < 0]
        if not negative:
            break
        active.remove(min(negative)[1])
    weights = np.zeros(z.shape[1])
    weights[active] = w[:-1]
    return weights, float(w[-1])


def _cut(models, regime: str, clean, rate: float) -> None:
    """Set the `regime` models' biases at one clean quantile for both parts: the largest whose clean
    characters fail (either part, or the face by the rule) no more often than `rate`."""
    fitted = {p: models[p][regime] for p in im.MODEL_PARTS}
    raw = np.stack([_one(fitted[p], clean, p, regime) for p in im.MODEL_PARTS], axis=1)   # NaN: not this regime's
    base = _risks(models, clean)               # the other regime's (cut) risks where this one does not decide
    face = np.array([r.face > failing_multiple(THRESHOLD) for r in clean], dtype=bool)
    best = -np.nanmax(raw, axis=0)                                       # no clean row failed by them
    for q in np.linspace(0.0005, 0.05, 200):
        biases = -np.nanquantile(raw, 1 - q, axis=0)
        risk = np.where(np.isfinite(raw), raw + biases, base)
        if (face | (risk > 0).any(axis=1)).mean() > rate:
            break
        best = biases
    for k, p in enumerate(im.MODEL_PARTS):
        models[p][regime] = dataclasses.replace(fitted[p], bias=fitted[p].bias + float(best[k]))


def _one(model, rows, part: str, regime: str) -> np.ndarray:
    """A model's risk for every row (NaN where the part is unread, or unread by the story)."""
    out = np.full(len(rows), np.nan)
    use = np.array([np.isfinite(r.readings[part]).any() and (regime == "alone" or np.isfinite(r.readings[part][STORY]))
                    for r in rows], dtype=bool)
    if use.any():
        out[use] = ((_design([r for r, u in zip(rows, use) if u], part, regime) - model.mean) / model.scale) \
            @ model.weights + model.bias
    return out


def report(models, rows, title: str) -> None:
    print(title)
    for style in STYLES:
        for regime, rule in (("with", 0), ("without", 1)):
            sel = [r for r in rows if r.style == style]
            view = sel if regime == "with" else [_without_story(r) for r in sel]
            fails = _fails(models[style], view)
            for label, name in ((0, "clean characters failed"), (1, "drifted parts flagged")):
                keep = [i for i, r in enumerate(sel) if r.label == label]
                print(f"  {style:9s} {regime:7s} the story: {name:24s} n={len(keep):6d}  worst reading "
                      f"{np.mean([sel[i].rule[rule] < THRESHOLD for i in keep]):.4f}  model {fails[keep].mean():.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="a data/ folder built with another seed than the shipped build")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = ap.parse_args()
    data = args.data or build(args.workers)
    rows = collect(data, args.workers)
    half = [zlib.crc32(r.frame_id.split("-")[0].encode()) % 2 for r in rows]      # by story
    report(fit([r for r, h in zip(rows, half) if h == 0]), [r for r, h in zip(rows, half) if h == 1],
           "held out (fitted on half the stories, read on the other half):")
    models = fit(rows)
    report(models, rows, "fitted on all:")
    if not args.dry_run:
        im.save(models)
        print(f"wrote {im.MODEL_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
