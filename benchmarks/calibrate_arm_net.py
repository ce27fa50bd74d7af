"""Fit the arm net (`storycast.judges.arm_net`) and its weighing with the arm model; write storycast/judges/arm_net.npz.

    python benchmarks/calibrate_arm_net.py                            # draw, fit, print held-out figures, write
    python benchmarks/calibrate_arm_net.py --cache /tmp/arms.npz      # keep the drawn arms (reused if present)
    python benchmarks/calibrate_arm_net.py --cache /tmp/arms.npz --dry-run

The arm model's calibration frames (`calibrate_limbs.SAMPLES`: 16,500 frames, ~9 min on 2 cores to draw
and read): every readable arm of a clean frame is a negative, the arm `faults.misplaced_limb` swings in
the same frame a positive; each is read as the judge reads it (`limbs.read_arms` and `limbs.arm_strips`).
Characters whose number is a multiple of 4 are held out for the figures printed: the arm model refitted
on the others (`calibrate_limbs.fit`), the net trained on them (AdamW, one-cycle schedule, 15 epochs,
positives weighted up to the negatives' count; ~20 s on 2 cores) and the weighing fitted on them, all
read on the held-out arms. What is written: the net trained on all arms, weighed with the shipped arm
model (`limb_model.npz`, fitted on the same frames) per art style, cut at `arm_net.FALSE_ALARMS` of the
style's clean arms. Needs torch (the `models` extra); judging does not.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_qc import held_out  # noqa: E402
from calibrate_limbs import MIN_POSITIVES, logistic  # noqa: E402
from calibrate_limbs import collect as collect_arms  # noqa: E402
from calibrate_limbs import fit as fit_arm_model  # noqa: E402

from storycast import vocab  # noqa: E402
from storycast.judges import arm_net, limbs  # noqa: E402

EPOCHS, BATCH, SEED = 15, 256, 0


def _arms(args) -> list[tuple]:
    """(style, character, label, arm model features, strip) of every readable arm, clean and misplaced."""
    from PIL import Image

    from storycast.faults import misplaced_limb
    from storycast.judges.base import inside_boxes, nearer_boxes
    from storycast.renderers.procedural import ProceduralRenderer
    from storycast.seeding import rng_for

    items, images, refs = args
    renderer, rows = ProceduralRenderer(), []

    def read(img, req, c):
        near = nearer_boxes(req, c)                 # as the judge reads them (`measured`)
        keep = (lambda p: ~inside_boxes(p, near)) if near else None
        ref = refs[c.character["character_id"]]
        arms = limbs.read_arms(img, req, c, ref, keep)
        strips = limbs.arm_strips(img, req, c, ref, keep, [n for n, _ in arms]) if arms else []
        return {name: (x, s) for (name, x), s in zip(arms, strips)}

    for (_, req), raw in zip(items, images):
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        img = np.asarray(image)
        for c in req.characters:
            rows.extend((req.art_style, c.character["character_id"], 0, x, s) for x, s in read(img, req, c).values())
        out = misplaced_limb(image, req, renderer, rng_for(7, "calibrate", req.frame_id, "misplaced_limb"))
        if out is not None:
            c = next(c for c in req.characters if c.character["character_id"] == out[1].character_id)
            got = read(np.asarray(out[0]), req, c).get(out[1].detail.split(":")[0])
            if got is not None:
                rows.append((req.art_style, c.character["character_id"], 1, *got))
    return rows


def collect(workers: int, cache: Path | None) -> dict[str, np.ndarray]:
    """The arms as arrays (styles, characters, labels, features, strips), from `cache` if it exists."""
    if cache is not None and cache.exists():
        with np.load(cache) as data:
            return dict(data)
    rows = collect_arms(workers, _arms)
    arms = {"styles": np.array([r[0] for r in rows]), "characters": np.array([r[1] for r in rows]),
            "labels": np.array([r[2] for r in rows]), "features": np.stack([r[3] for r in rows]),
            "strips": np.stack([r[4] for r in rows]).astype(np.float32)}
    if cache is not None:
        np.savez(cache, **arms)
    return arms


def torch_net():
    """The `arm_net.LAYERS` network as a torch module: its state_dict keys are those names."""
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c0 = nn.Conv2d(arm_net.PLANES, 16, 3, padding=1)
            self.c1 = nn.Conv2d(16, 32, 3, padding=1)
            self.h = nn.Linear(arm_net.LAYERS["h.weight"][1], arm_net.HIDDEN)
            self.o = nn.Linear(arm_net.HIDDEN, 1)
            self.drop = nn.Dropout(0.3)

        def forward(self, x, style):
            for conv in (self.c0, self.c1):
                x = nn.functional.max_pool2d(nn.functional.relu(conv(x)), 2)
            return self.o(nn.functional.relu(self.h(torch.cat([self.drop(x.flatten(1)), style], 1))))[:, 0]

    return Net()


def one_hot(styles: np.ndarray) -> np.ndarray:
    return np.eye(len(vocab.ART_STYLES), dtype=np.float32)[[vocab.ART_STYLES.index(s) for s in styles]]


def train(strips: np.ndarray, styles: np.ndarray, labels: np.ndarray, epochs: int = EPOCHS) -> dict[str, np.ndarray]:
    """`arm_net.LAYERS` arrays of a net trained to tell misplaced arms (label 1) from clean ones."""
    import torch

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    x, s = torch.from_numpy(strips), torch.from_numpy(one_hot(styles))
    y = torch.from_numpy(labels.astype(np.float32))
    net = torch_net()
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * -(-len(x) // BATCH))
    weight = torch.tensor((1 - labels.mean()) / max(labels.mean(), 1e-9))       # positives count as much
    net.train()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(x)))
        for i in range(0, len(x), BATCH):
            idx = order[i:i + BATCH]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[idx], s[idx]), y[idx], pos_weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    return {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}


def net_logits(params, arms: dict) -> np.ndarray:
    """The net's logit for every arm, its style's one-hot with it (2,048 strips a forward pass)."""
    bare, logits = arm_net.ArmNet(params, {}, {}, {}, {}), np.zeros(len(arms["labels"]))
    for style in vocab.ART_STYLES:
        mine = arms["styles"] == style
        logits[mine] = np.concatenate([bare.logits(arms["strips"][mine][i:i + 2048], style)
                                       for i in range(0, int(mine.sum()), 2048)] or [np.zeros(0)])
    return logits


def weigh(params, model_risks: np.ndarray, logits: np.ndarray, arms: dict, sel: np.ndarray) -> arm_net.ArmNet:
    """Per art style a logistic model over [arm model risk, net logit] on the `sel` arms, cut at
    FALSE_ALARMS of the style's clean ones (a style with few positives takes the colour styles' weights)."""
    z = np.stack([model_risks, logits], axis=1)
    out = {f: {} for f in ("mean", "scale", "weights", "bias")}
    y = arms["labels"]
    for style in vocab.ART_STYLES:
        mine = sel & (arms["styles"] == style)
        fit_on = mine if y[mine].sum() >= MIN_POSITIVES else sel & (arms["styles"] != "ink")
        mean, scale = z[fit_on].mean(axis=0), z[fit_on].std(axis=0) + 1e-6
        weights = logistic((z[fit_on] - mean) / scale, y[fit_on].astype(np.float64), 1.0)[:-1]
        clean = ((z[mine & (y == 0)] - mean) / scale) @ weights
        out["mean"][style], out["scale"][style], out["weights"][style] = mean, scale, weights
        out["bias"][style] = -float(np.quantile(clean, 1 - arm_net.FALSE_ALARMS))
    return arm_net.ArmNet(params, out["mean"], out["scale"], out["weights"], out["bias"])


def report(net: arm_net.ArmNet, model_risks: np.ndarray, logits: np.ndarray, arms: dict, sel: np.ndarray,
           title: str) -> None:
    print(title)
    y, totals = arms["labels"], np.zeros(3)
    for style in vocab.ART_STYLES:
        mine = sel & (arms["styles"] == style)
        risks = np.array([net.risk(r, g, style) for r, g in zip(model_risks[mine], logits[mine])])
        alone, label = model_risks[mine] > 0, y[mine] == 1
        totals += (alone[label].sum(), (risks > 0)[label].sum(), label.sum())
        print(f"  {style:13s} clean arms {int((~label).sum()):5d} alarmed {alone[~label].mean():.4f} -> "
              f"{(risks > 0)[~label].mean():.4f} | misplaced {int(label.sum()):4d} flagged "
              f"{alone[label].mean():.3f} -> {(risks > 0)[label].mean():.3f}")
    print(f"  all misplaced arms flagged: arm model {totals[0] / totals[2]:.3f}, weighed with the net "
          f"{totals[1] / totals[2]:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--cache", type=Path, help="an .npz of the drawn arms: read if present, else written")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    a = ap.parse_args()
    arms = collect(a.workers, a.cache)
    held = np.array([held_out(c) for c in arms["characters"]])
    rows = list(zip(arms["styles"], arms["characters"], arms["labels"], arms["features"]))
    refit = fit_arm_model([r for r, h in zip(rows, held) if not h], 0.004, 3.0)
    risks = np.array([refit[s].risk(x) for s, _, _, x in rows])
    params = train(arms["strips"][~held], arms["styles"][~held], arms["labels"][~held])
    logits = net_logits(params, arms)
    report(weigh(params, risks, logits, arms, ~held), risks, logits, arms, held,
           "held out (every fourth character; the arm model, the net and the weighing fitted on the others):")
    shipped = limbs.load()
    risks = np.array([shipped[s].risk(x) for s, _, _, x in rows])
    params = train(arms["strips"], arms["styles"], arms["labels"])
    logits, every = net_logits(params, arms), np.ones(len(rows), dtype=bool)
    net = weigh(params, risks, logits, arms, every)
    report(net, risks, logits, arms, every, "fitted on all, with the shipped arm model:")
    if not a.dry_run:
        arm_net.save(net)
        arm_net.load.cache_clear()
        print(f"wrote {arm_net.MODEL_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
