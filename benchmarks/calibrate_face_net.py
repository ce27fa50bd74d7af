"""Fit the expression check's face nets (`storycast.judges.face_net`) and write storycast/judges/face_net.npz.

    python benchmarks/calibrate_face_net.py                          # painterly: fit, print, write
    python benchmarks/calibrate_face_net.py --styles ink --dry-run   # another style: fit and print only
    python benchmarks/calibrate_face_net.py --compare                # also the discriminant on the same faces

Faces: `bench_qc.calibration_faces` of one art style's casts (characters seed 105, frames seed 106,
as `calibrate_expression.py`; none of them is a build's or the fixed test sample's), 24,000 frames a
style, ~42,000 faces, ~4.5 min on 2 cores. Characters whose number is a multiple of 4 are held out. A net
is trained on the others (AdamW, one-cycle schedule, 12 epochs, the patch shifted by up to a cell at
random each batch: ~2 min on 2 cores). Each view's `scale` is set from the held-out faces, so that
CLEAN_FAIL of their clean margins fail at the shipped `qc.thresholds.expression`. The figures printed
are those held-out faces': clean faces failed, and faces asked for an expression of another family
(drawn at random, as `calibrate_expression.py` draws it) that fail. The net written is trained on all
the faces the same way, with those scales. Needs torch (the `models` extra); judging does not.
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

STYLES = ("painterly",)    # ink was tried: 76 % flagged held out, the discriminant 79 % (docs/benchmarks.md)
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
    """The same margins under a discriminant fitted on `train_rows` (a boolean mask), for --compare."""
    models = ex.fit([("s", v, vocab.EXPRESSIONS[e], f) for v, e, f, t in zip(views, y, X, train_rows) if t])
    clean, wrong = [], []
    for f, e, v, other, t in zip(X, y, views, wrong_asks(y), train_rows):
        if not t:
            W, means = models[("s", v)]
            clean.append(ex.margins(W, means, f, vocab.EXPRESSIONS[e])[0])
            wrong.append(ex.margins(W, means, f, other)[0])
    return np.array(clean), np.array(wrong)


def fit_style(style: str, frames: int, workers: int, compare: bool) -> face_net.FaceNet:
    start = time.perf_counter()
    rows = calibration_faces(workers, frames, style=style)
    X = np.stack([r[3] for r in rows])
    y = np.array([vocab.EXPRESSIONS.index(r[2]) for r in rows])
    views = np.array([r[1] for r in rows])
    held = np.array([held_out(r[4]) for r in rows])
    net = face_net.FaceNet(train(X[~held], y[~held], views[~held]), {})
    clean, wrong = held_out_margins(net, X[held], y[held], views[held])
    cut = 2.0 * (1.0 - DEFAULT_THRESHOLDS["expression"])          # score < threshold <=> margin > cut * scale
    scales = {v: float(np.quantile(clean[views[held] == v], 1.0 - CLEAN_FAIL)) / cut for v in ex.VIEWS}
    print(f"{style}: {len(rows)} faces ({held.sum()} held out), {time.perf_counter() - start:.0f}s; "
          f"held out, at qc.thresholds.expression {DEFAULT_THRESHOLDS['expression']}:")
    for v in ex.VIEWS:
        mine, at = views[held] == v, cut * scales[v]
        print(f"  net           {v:5s} {mine.sum():5d} faces: clean failed {(clean[mine] > at).mean():.4f}, "
              f"another family's expression flagged {(wrong[mine] > at).mean():.3f} (scale {scales[v]:.3f})")
        if compare:
            c, w = discriminant_margins(X[views == v], y[views == v], views[views == v], ~held[views == v])
            at = np.quantile(c, 1.0 - CLEAN_FAIL)
            print(f"  discriminant  {v:5s} {len(c):5d} faces: clean failed {(c > at).mean():.4f}, "
                  f"another family's expression flagged {(w > at).mean():.3f} (same training faces)")
    return face_net.FaceNet(train(X, y, views), scales)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--styles", default=",".join(STYLES), help="art styles to fit a net for (others keep theirs)")
    ap.add_argument("--frames", type=int, default=24_000, help="calibration frames of each style's casts")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--compare", action="store_true", help="also fit the discriminant on the same faces")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    a = ap.parse_args()
    styles = [s for s in a.styles.split(",") if s]
    unknown = [s for s in styles if s not in vocab.ART_STYLES]
    if unknown:
        raise SystemExit(f"--styles: unknown art style {unknown[0]!r}; expected one of {', '.join(vocab.ART_STYLES)}")
    nets = dict(face_net.load()) if face_net.MODEL_FILE.exists() else {}
    for style in styles:
        nets[style] = fit_style(style, a.frames, a.workers, a.compare)
    if not a.dry_run:
        face_net.save(nets)
        face_net.load.cache_clear()
        print(f"wrote {face_net.MODEL_FILE.relative_to(REPO)} ({', '.join(sorted(nets))})")


if __name__ == "__main__":
    main()
