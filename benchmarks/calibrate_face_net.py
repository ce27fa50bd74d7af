"""Fit the expression check's face nets (`storycast.judges.face_net`) and write storycast/judges/face_net.npz.

    python benchmarks/calibrate_face_net.py                           # every art style: fit, print, write
    python benchmarks/calibrate_face_net.py --styles ink --dry-run    # one style: fit and print only
    python benchmarks/calibrate_face_net.py --faces /tmp/faces        # keep (and reuse) the collected faces

Faces: `bench_qc.calibration_faces` of one art style's casts (characters seed 105, frames seed 106,
as `calibrate_expression.py`; none of them is a build's or the fixed test sample's), 24,000 frames a
style, ~42,000 faces, ~4 min on 2 cores. Characters whose number is a multiple of 4 are held out. A net
is trained on the others (AdamW, one-cycle schedule, 12 epochs, the patch shifted by up to a cell at
random each batch: ~1.5 min on 2 cores). Each view's `scale` is set from the held-out faces, so that
CLEAN_FAIL of their clean margins fail at the shipped `qc.thresholds.expression`. A discriminant fitted
on the same training faces gives the held-out faces' linear margins too (in its own such scale); each
view's blend of the two (`blend`: the discriminant's weight among BLEND_WEIGHTS, chosen on those faces)
is scaled the same way. The figures printed are the held-out faces': clean faces failed, and faces asked
for an expression of another family (drawn at random, as `calibrate_expression.py` draws it) that fail.
The net written is trained on all the faces the same way, with those scales and weights; the judge
blends it with the shipped discriminant (`expression_model.npz`). Needs torch (the `models` extra);
judging does not.
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

from bench_qc import calibration_faces, held_out  # noqa: E402
from calibrate_expression import other_family  # noqa: E402

from storycast import vocab  # noqa: E402
from storycast.judges import expression as ex  # noqa: E402
from storycast.judges import face_net  # noqa: E402
from storycast.judges.measured import DEFAULT_THRESHOLDS  # noqa: E402

STYLES = vocab.ART_STYLES
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 0.75)      # the discriminant's weights tried in the blend (1: it alone)
CLEAN_FAIL = 0.0013        # the discriminant's held-out clean faces failed (`calibrate_expression.FAIL_AT`)
EPOCHS, BATCH, SEED = 12, 256, 0


def torch_net():
    """The `face_net.LAYERS` network as a torch module: its state_dict keys are those names."""
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            for i in range(3):
                setattr(self, f"conv{i}", nn.Conv2d(face_net.CHANNELS[i], face_net.CHANNELS[i + 1], 3, padding=1))
            self.hidden = nn.Linear(face_net.LAYERS["hidden.weight"][1], face_net.HIDDEN)
            self.out = nn.Linear(face_net.HIDDEN, len(vocab.EXPRESSIONS))
            self.drop = nn.Dropout(0.3)

        def forward(self, x):
            for i in range(3):
                x = nn.functional.max_pool2d(nn.functional.relu(getattr(self, f"conv{i}")(x)), 2)
            return self.out(nn.functional.relu(self.hidden(self.drop(x.flatten(1)))))

    return Net()


def train(X: np.ndarray, y: np.ndarray, views: np.ndarray, epochs: int = EPOCHS) -> dict[str, np.ndarray]:
    """`face_net.LAYERS` arrays of a net trained on faces' `expression.features`, their expressions
    (indices into vocab.EXPRESSIONS) and views."""
    import torch

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    inputs, labels = torch.from_numpy(face_net.net_input(X, views)), torch.from_numpy(y).long()
    net = torch_net()
    steps = epochs * -(-len(inputs) // BATCH)
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    net.train()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(inputs)))
        for i in range(0, len(inputs), BATCH):
            idx = order[i:i + BATCH]
            dy, dx = (int(v) for v in rng.integers(-1, 2, 2))        # the patch a cell off: strokes move
            batch = torch.roll(inputs[idx], shifts=(dy, dx), dims=(2, 3))
            loss = torch.nn.functional.cross_entropy(net(batch), labels[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    return {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}


def wrong_asks(y: np.ndarray) -> list[str]:
    """For each face, an expression of another family, drawn as `calibrate_expression.py` draws it."""
    rng = np.random.default_rng(0)
    return [other_family(vocab.EXPRESSIONS[e], rng) for e in y]


def held_out_margins(net: face_net.FaceNet, X, y, views) -> tuple[np.ndarray, np.ndarray]:
    """Margins of faces for their own expression and for one of another family."""
    clean, wrong = [], []
    for f, e, v, other in zip(X, y, views, wrong_asks(y)):
        lp = net.log_probs(f, v)
        clean.append(face_net.family_margin(lp, vocab.EXPRESSIONS[e])[0])
        wrong.append(face_net.family_margin(lp, other)[0])
    return np.array(clean), np.array(wrong)


def discriminant_margins(X, y, views, train_rows) -> tuple[np.ndarray, np.ndarray]:
    """The same margins under a discriminant fitted on `train_rows` (a boolean mask): for the blend."""
    models = ex.fit([("s", v, vocab.EXPRESSIONS[e], f) for v, e, f, t in zip(views, y, X, train_rows) if t])
    clean, wrong = [], []
    for f, e, v, other, t in zip(X, y, views, wrong_asks(y), train_rows):
        if not t:
            W, means = models[("s", v)]
            clean.append(ex.margins(W, means, f, vocab.EXPRESSIONS[e])[0])
            wrong.append(ex.margins(W, means, f, other)[0])
    return np.array(clean), np.array(wrong)


def faces(style: str, frames: int, workers: int, cache: Path | None):
    """(features, expression indices, views, held-out mask) of one style's calibration faces, kept in
    `cache`/faces_<style>.npz when given (collecting them takes ~4 minutes)."""
    path = cache / f"faces_{style}.npz" if cache else None
    if path is not None and path.exists():
        with np.load(path) as d:
            return d["X"], d["y"], d["views"], d["held"]
    rows = calibration_faces(workers, frames, style=style)
    out = (np.stack([r[3] for r in rows]), np.array([vocab.EXPRESSIONS.index(r[2]) for r in rows]),
           np.array([r[1] for r in rows]), np.array([held_out(r[4]) for r in rows]))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, X=out[0], y=out[1], views=out[2], held=out[3])
    return out


def blend(net_clean, net_wrong, lin_clean, lin_wrong, cut: float) -> tuple[float, float, float]:
    """(discriminant weight, blend scale, wrong flagged) of the BLEND_WEIGHTS blend of the two margins
    (each in units of its own clean quantile) that flags the most held-out faces of another family
    with CLEAN_FAIL of the clean ones failing; the smaller weight of equals."""
    best = None
    for w in BLEND_WEIGHTS:
        clean = (1 - w) * net_clean + w * lin_clean
        scale = float(np.quantile(clean, 1.0 - CLEAN_FAIL)) / cut
        flagged = float(((1 - w) * net_wrong + w * lin_wrong > cut * scale).mean())
        if best is None or flagged > best[2]:
            best = (w, scale, flagged)
    return best


def fit_style(style: str, frames: int, workers: int, cache: Path | None) -> face_net.FaceNet:
    start = time.perf_counter()
    X, y, views, held = faces(style, frames, workers, cache)
    net = face_net.FaceNet(train(X[~held], y[~held], views[~held]), {})
    clean, wrong = held_out_margins(net, X[held], y[held], views[held])
    cut = 2.0 * (1.0 - DEFAULT_THRESHOLDS["expression"])          # score < threshold <=> margin > cut * scale
    scales = {v: float(np.quantile(clean[views[held] == v], 1.0 - CLEAN_FAIL)) / cut for v in ex.VIEWS}
    weights, blends = {}, {}
    print(f"{style}: {len(X)} faces ({held.sum()} held out), {time.perf_counter() - start:.0f}s; "
          f"held out, at qc.thresholds.expression {DEFAULT_THRESHOLDS['expression']}:")
    for v in ex.VIEWS:
        mine, at = views[held] == v, cut * scales[v]
        print(f"  net           {v:5s} {mine.sum():5d} faces: clean failed {(clean[mine] > at).mean():.4f}, "
              f"another family's expression flagged {(wrong[mine] > at).mean():.3f} (scale {scales[v]:.3f})")
        c, w = discriminant_margins(X[views == v], y[views == v], views[views == v], ~held[views == v])
        lin = float(np.quantile(c, 1.0 - CLEAN_FAIL)) / cut
        print(f"  discriminant  {v:5s} {len(c):5d} faces: clean failed {(c > cut * lin).mean():.4f}, "
              f"another family's expression flagged {(w > cut * lin).mean():.3f} (same training faces)")
        weights[v], blends[v], flagged = blend(clean[mine] / scales[v], wrong[mine] / scales[v], c / lin, w / lin, cut)
        print(f"  blend         {v:5s} discriminant weight {weights[v]:.2f}: another family's expression "
              f"flagged {flagged:.3f} (blend scale {blends[v]:.3f})", flush=True)
    return face_net.FaceNet(train(X, y, views), scales, weights, blends)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--styles", default=",".join(STYLES), help="art styles to fit a net for (others keep theirs)")
    ap.add_argument("--frames", type=int, default=24_000, help="calibration frames of each style's casts")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--faces", type=Path, help="keep each style's calibration faces in this folder and reuse them")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    a = ap.parse_args()
    styles = [s for s in a.styles.split(",") if s]
    unknown = [s for s in styles if s not in vocab.ART_STYLES]
    if unknown:
        raise SystemExit(f"--styles: unknown art style {unknown[0]!r}; expected one of {', '.join(vocab.ART_STYLES)}")
    try:                                             # the other styles' nets are kept
        nets = dict(face_net.load())
    except (FileNotFoundError, ValueError) as e:
        if not set(STYLES) <= set(styles) and not a.dry_run:      # writing would lose the others
            raise SystemExit(f"{e}; fit every style at once: --styles {','.join(STYLES)}") from None
        nets = {}
    for style in styles:
        nets[style] = fit_style(style, a.frames, a.workers, a.faces)
    if not a.dry_run:
        face_net.save(nets)
        face_net.load.cache_clear()
        print(f"wrote {face_net.MODEL_FILE.relative_to(REPO)} ({', '.join(sorted(nets))})")


if __name__ == "__main__":
    main()
