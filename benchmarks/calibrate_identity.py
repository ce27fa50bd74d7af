"""Fit the identity nets of ink and pixel art: write storycast/judges/identity_model.npz.

    python benchmarks/calibrate_identity.py                      # build calibration stories, fit, write
    python benchmarks/calibrate_identity.py --data DIR --dry-run # stories built already; fit and print only

The `measured` judge weighs a torso's and hair's colour readings and samples together in the styles
whose readings are each weak alone (`judges.identity_model`). The nets are fitted on stories of another
seed than the shipped build's (CALIBRATION_BUILD: the pipeline run from `characters` to `render` in a
scratch copy, ~8 minutes on 2 cores; or `--data`, a `data/` folder built so). Every frame of an ink or
pixel-art story gives its characters as clean examples and, redrawn by `faults.identity_drift`, its
drifted torso or hair as a positive one; each is read against the story's other (clean) frames, as the
qc stage reads a story. Per style and part a net (torch, the `models` extra), trained on the rows whose
part the story reads, of two thirds of the stories (the ink torso's over the dense grid's inputs too,
`identity_model.reads_grid`; the others without them, which they only ever see unread); then per style
the parts' cut, on the clean characters of the other third, so that as many clean characters fail identity as under the
worst-reading rule (so the clean frames rejected stay where they were). Parts the story does not read
stay under the rule.
Prints, per style, held-out figures first (fitted on half the stories, read on the other half) and
writes the nets fitted on all of them.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import pickle
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

from storycast.judges import identity_model as im  # noqa: E402
from storycast.judges.identity import failing_multiple  # noqa: E402

STYLES = im.NET_STYLES
CALIBRATION_BUILD = {"seed": 2026, "stories": {"count": 4000}}   # the shipped build is seed 2025
STAGES = ("characters", "templates", "review", "stories", "controls", "render")
THRESHOLD = im.THRESHOLD_SCORE
EPOCHS, SEED, WEIGHT_DECAY = 300, 0, 1e-3


class Row(NamedTuple):
    """One character of a calibration frame: label 1 where its `part` was drifted (0: clean)."""
    style: str
    label: int
    part: str
    readings: dict          # part -> `identity_model.part_readings`
    inputs: dict            # part -> `identity_model.part_inputs` (absent: the story does not read it)
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
    """Row(style, label, part, readings, inputs, rule multiples, face multiple, frame id) of each character of some
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
        story = deviations(tones, peers.get(cid), key)
        told = min(alone, story_score(story, key)[0])
        readings = im.part_readings(desc, ref, key, trusted, parts, same, story)
        inputs = {p: x for p, r in readings.items()
                  if (x := im.part_inputs(desc, ref, p, r, c.scale, tones, peers.get(cid), key)) is not None}
        face = im.face_multiple(key, trusted, parts, same)
        return readings, inputs, (told, alone), face

    rows, stories = [], {}
    size = (params["controls"]["width"], params["controls"]["height"])
    for frame, req in frame_requests(frames, controls, chars, params["seed"], size):
        stories.setdefault(frame["story_id"], []).append((req, decode_pixels(raw[frame["frame_id"]])))
    for items in stories.values():
        peers = story_peers([judge.story_tones(px, req) for req, px in items])
        for (req, px), own in zip(items, peers):
            for c in req.characters:
                readings, inputs, rule, face = read(px, req, c, own)
                rows.append(Row(req.art_style, 0, "", readings, inputs, c.scale, rule, face, req.frame_id))
            out = identity_drift(Image.fromarray(px), req, renderer, rng_for(7, "calibrate-identity", req.frame_id))
            if out is None:
                continue
            c = next(c for c in req.characters if c.character["character_id"] == out[1].character_id)
            part = out[1].detail.split(":")[0]
            readings, inputs, rule, face = read(np.asarray(out[0]), req, c, own)
            rows.append(Row(req.art_style, 1, part, readings, inputs, c.scale, rule, face, req.frame_id))
    return rows


def collect(data: Path, workers: int) -> list[tuple]:
    import pyarrow.dataset as ds

    frames = ds.dataset(data / "stories" / "frames").to_table(columns=["story_id", "art_style"]).to_pylist()
    stories = sorted({f["story_id"] for f in frames if f["art_style"] in STYLES})
    chunks = [(str(data), stories[i::workers * 8]) for i in range(workers * 8)]
    with ProcessPoolExecutor(workers) as ex:
        return [r for part in ex.map(_story_rows, chunks) for r in part]


def train(x: np.ndarray, y: np.ndarray, width: int = im.INPUTS) -> im.IdentityNet:
    """An `im.IdentityNet` (cut 0) fitted to inputs `x` and labels `y`: full-batch Adam, seeded. Only the
    first `width` inputs are fitted; the others (the grid's, where the net does not read it: constant)
    get zero weights, so a net's training does not depend on inputs it never sees."""
    import torch

    x = x[:, :width]
    torch.manual_seed(SEED)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    xt = torch.tensor((x - mean) / scale, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32)
    net = torch.nn.Sequential(torch.nn.Linear(width, im.HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(im.HIDDEN, im.HIDDEN), torch.nn.ReLU(), torch.nn.Linear(im.HIDDEN, 1))
    opt = torch.optim.Adam(net.parameters(), 3e-3, weight_decay=WEIGHT_DECAY)
    for _ in range(EPOCHS):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(xt)[:, 0], yt).backward()
        opt.step()
    # Sequential's keys are "0.", "2.", "4.": the linear layers, renamed as `im.LAYERS`
    state = {k: v.detach().numpy().astype(np.float64) for k, v in net.state_dict().items()}
    layers = {f"l{i}.{kind}": state[f"{2 * i}.{kind}"] for i in range(3) for kind in ("weight", "bias")}
    pad = im.INPUTS - width
    layers["l0.weight"] = np.pad(layers["l0.weight"], ((0, 0), (0, pad)))
    return im.IdentityNet(np.r_[mean, np.zeros(pad)], np.r_[scale, np.ones(pad)], layers, 0.0)


def _training_set(rows, part: str) -> tuple[np.ndarray, np.ndarray]:
    """Every row whose `part` the story reads (clean, or with that part drifted)."""
    use = [r for r in rows if part in r.inputs and (r.label == 0 or r.part == part)]
    return np.stack([r.inputs[part] for r in use]), np.array([r.label for r in use], dtype=np.float64)


def _logits(nets, rows) -> np.ndarray:
    """rows x MODEL_PARTS: each part's net logit (NaN where the story does not read the part)."""
    return np.array([[nets[p].logit(r.inputs[p]) if p in r.inputs else np.nan for p in im.MODEL_PARTS]
                     for r in rows]).reshape(-1, len(im.MODEL_PARTS))


def _rule_risks(rows) -> np.ndarray:
    """rows x MODEL_PARTS: how far the worst-reading rule's score (`identity_model.rule_score`, as the
    judge reads a part the story does not) falls under the threshold (> 0: fails; < 0 where unread)."""
    return np.array([[THRESHOLD - im.rule_score(r.readings[p]) for p in im.MODEL_PARTS] for r in rows]
                    ).reshape(-1, len(im.MODEL_PARTS))


def _risks(nets, rows) -> np.ndarray:
    """rows x MODEL_PARTS: each part's risk as the judge weighs it: the net's where the story reads
    the part, the rule's margin elsewhere."""
    logits = _logits(nets, rows)
    cuts = np.array([nets[p].cut for p in im.MODEL_PARTS])
    return np.where(np.isfinite(logits), logits - cuts, _rule_risks(rows))


def _face_fails(rows) -> np.ndarray:
    return np.array([r.face > failing_multiple(THRESHOLD) for r in rows], dtype=bool)


def _fails(nets, rows) -> np.ndarray:
    """Which rows the nets and the rule (parts the story does not read, the face) fail."""
    return _face_fails(rows) | (_risks(nets, rows) > 0).any(axis=1)


def _cut(nets, clean, rate: float) -> dict[str, im.IdentityNet]:
    """The nets with one clean quantile as both parts' cuts: the largest whose clean characters fail
    (either part, or the face, by the nets or the rule) no more often than `rate`."""
    logits, base, face = _logits(nets, clean), _rule_risks(clean), _face_fails(clean)
    best = np.nanmax(logits, axis=0)                                     # no clean row failed by them
    for q in np.linspace(0.0005, 0.05, 200):
        cuts = np.nanquantile(logits, 1 - q, axis=0)
        risk = np.where(np.isfinite(logits), logits - cuts, base)
        if (face | (risk > 0).any(axis=1)).mean() > rate:
            break
        best = cuts
    return {p: dataclasses.replace(nets[p], cut=float(best[k])) for k, p in enumerate(im.MODEL_PARTS)}


def fit(rows, styles=None) -> dict[str, dict[str, im.IdentityNet]]:
    """Per style and part the net, trained on two thirds of the stories; per style the cuts, on the
    clean characters of the other third (a net's own training rows read cleaner than new ones), at the
    worst-reading rule's clean rate."""
    out = {}
    for style in styles or STYLES:
        sel = [r for r in rows if r.style == style]
        for_cut = [_story_hash(r.frame_id) // 7 % 3 == 0 for r in sel]     # a third, across main()'s halves
        nets = {part: train(*_training_set([r for r, c in zip(sel, for_cut) if not c], part),
                            im.INPUTS if im.reads_grid(style, part) else im.INPUTS - im.GRID_INPUTS)
                for part in im.MODEL_PARTS}
        rate = np.mean([r.rule[0] < THRESHOLD for r in sel if r.label == 0])
        out[style] = _cut(nets, [r for r, c in zip(sel, for_cut) if c and r.label == 0], rate)
    return out


def shipped_nets(styles, path: Path = im.MODEL_FILE) -> dict[str, dict[str, im.IdentityNet]]:
    """The shipped file's nets of `styles` (`identity_model.load_before_grid`: a file fitted before the
    grid inputs existed too, its nets answering as they did)."""
    return {style: parts for style, parts in im.load_before_grid(path).items() if style in styles}


def _story_hash(frame_id: str) -> int:
    return zlib.crc32(frame_id.split("-")[0].encode())


def report(nets, rows, title: str) -> None:
    print(title)
    for style in [s for s in STYLES if s in nets]:
        sel = [r for r in rows if r.style == style]
        fails = _fails(nets[style], sel)
        for label, name in ((0, "clean characters failed"), (1, "drifted parts flagged")):
            for told, where in ((None, "all"), (True, "the story reads the part"), (False, "it does not")):
                keep = [i for i, r in enumerate(sel) if r.label == label and (
                    told is None or (label == 1 and (r.part in r.inputs) == told)
                    or (label == 0 and bool(r.inputs) == told))]
                if keep:
                    print(f"  {style:9s} {name:24s} {where:25s} n={len(keep):6d}  worst reading "
                          f"{np.mean([sel[i].rule[0] < THRESHOLD for i in keep]):.4f}  nets {fails[keep].mean():.4f}",
                          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="a data/ folder built with another seed than the shipped build")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    ap.add_argument("--cache", type=Path, help="keep the collected rows here (pickle) and reuse them")
    ap.add_argument("--styles", default=",".join(STYLES),
                    help="refit these styles' nets only; the others' are kept from the shipped file")
    args = ap.parse_args()
    styles = tuple(s for s in STYLES if s in args.styles.split(","))
    if not styles:
        ap.error(f"--styles: none of {args.styles!r} is one of {', '.join(STYLES)}")
    if args.cache and args.cache.exists():
        rows = [Row(*r) for r in pickle.loads(args.cache.read_bytes())]
    else:
        rows = collect(args.data or build(args.workers), args.workers)
        if args.cache:
            args.cache.write_bytes(pickle.dumps([tuple(r) for r in rows]))   # plain tuples: any importer reads them
    half = [_story_hash(r.frame_id) % 2 for r in rows]                             # by story
    report(fit([r for r, h in zip(rows, half) if h == 0], styles), [r for r, h in zip(rows, half) if h == 1],
           "held out (fitted on half the stories, read on the other half):")
    models = {**shipped_nets(set(STYLES) - set(styles)), **fit(rows, styles)}
    report(models, rows, "fitted on all (kept from the shipped file: "
           f"{', '.join(sorted(set(STYLES) - set(styles))) or 'none'}):")
    if not args.dry_run:
        im.save(models)
        print(f"wrote {im.MODEL_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
