"""A small convolutional network over the face patch, one per art style, blended with the style's
linear discriminant.

The expression check (`expression`) reads a GRID x GRID CIELAB patch of the face. A linear
discriminant over its 3,072 numbers tells the expression families apart where a mouth and brows land
on the same grid cells in every frame. They do not quite: painterly brushwork shifts every edge by up
to ~3 px, a pixel grid snaps a mouth by a block, outlines and cel shading thicken it by one, and a
linear map of the cells cannot follow a stroke that moved. Three 3 x 3 convolutions with max-pooling
can, because they respond to a stroke wherever it falls by a cell or two. The two miss different
faces: blended, they flag more than either.

The nets are fitted by `benchmarks/calibrate_face_net.py` on calibration faces (another seed than any
build) and stored as plain arrays in `face_net.npz`. The forward pass here is numpy (im2col and one
matrix product a layer), so judging needs no deep-learning framework. It gives log-probabilities of
the 12 expressions. The family margin is then read as `expression.margins` reads the discriminant's
distances: the asked family's best against the best of all. Each style and view has its own `scale`,
set so that as many held-out clean faces fail as under the discriminant, and a blend (`FaceNet.blended`):
the net's and the discriminant's margins, each in its own scale, weighed by `weights` and scaled again
(`blends`) to that clean rate. Held out, the blend flags 82-86 % of faces asked for another family's
expression in painterly (discriminant alone 58-60 %), 84 % in ink (72-75 %), 70-79 % in pixel art
(56-72 %) and 98-99 % in the flat, outlined and pastel styles (88-93 %).

Layers (`LAYERS`): conv 4->16, conv 16->32, conv 32->64 (3 x 3, padding 1, ReLU, 2 x 2 max-pool each),
then 1024 -> 64 (ReLU) -> 12. The input's 4th channel is 1 for a three-quarter view, 0 for a front one.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storycast import vocab
from storycast.judges.expression import GRID, VIEWS, family_gap
from storycast.tables import npz_bytes, write_bytes

MODEL_FILE = Path(__file__).with_name("face_net.npz")
CHANNELS = (4, 16, 32, 64)
HIDDEN = 64
# name -> shape; the order the arrays are stored and a torch `Sequential` lists them in
LAYERS = {**{f"conv{i}.{k}": ((CHANNELS[i + 1], CHANNELS[i], 3, 3) if k == "weight" else (CHANNELS[i + 1],))
             for i in range(3) for k in ("weight", "bias")},
          "hidden.weight": (HIDDEN, CHANNELS[3] * (GRID // 8) ** 2), "hidden.bias": (HIDDEN,),
          "out.weight": (len(vocab.EXPRESSIONS), HIDDEN), "out.bias": (len(vocab.EXPRESSIONS),)}


@dataclass(frozen=True)
class FaceNet:
    """One art style's network (`LAYERS` arrays, float32) and per view: the net's margin scored 0.5
    (`scales`), the discriminant's weight in the blend of the two margins, each in its own scale
    (`weights`: 0, the net alone), and the blend's margin scored 0.5 (`blends`)."""
    params: dict[str, np.ndarray]
    scales: dict[str, float]
    weights: dict[str, float] = dataclasses.field(default_factory=lambda: dict.fromkeys(VIEWS, 0.0))
    blends: dict[str, float] = dataclasses.field(default_factory=lambda: dict.fromkeys(VIEWS, 1.0))

    def blended(self, net_margin: float, discriminant_margin: float, view: str) -> float:
        """The margin in units of the blend's scale (> 2 (1 - threshold): the face fails)."""
        w = self.weights[view]
        return ((1.0 - w) * net_margin / self.scales[view] + w * discriminant_margin) / self.blends[view]

    def log_probs(self, features: np.ndarray, view: str) -> np.ndarray:
        """Log-probabilities of the 12 expressions for `expression.features` of one face."""
        x = net_input(np.asarray(features, dtype=np.float32)[None], np.array([view]))
        for i in range(3):
            x = max_pool2(np.maximum(conv3x3(x, self.params[f"conv{i}.weight"], self.params[f"conv{i}.bias"]), 0.0))
        x = x.reshape(len(x), -1)
        x = np.maximum(x @ self.params["hidden.weight"].T + self.params["hidden.bias"], 0.0)
        logits = (x @ self.params["out.weight"].T + self.params["out.bias"])[0].astype(np.float64)
        return logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))


def net_input(features: np.ndarray, views: np.ndarray) -> np.ndarray:
    """N x 4 x GRID x GRID: the patches' L*a*b* planes and a view plane (1: three-quarter)."""
    planes = features.reshape(-1, GRID, GRID, 3).transpose(0, 3, 1, 2)
    side = np.broadcast_to((views == "side").astype(np.float32)[:, None, None, None], (len(planes), 1, GRID, GRID))
    return np.ascontiguousarray(np.concatenate([planes, side], axis=1), dtype=np.float32)


def family_margin(log_probs: np.ndarray, asked: str) -> tuple[float, str]:
    """(the best expression's log-probability minus the asked family's best, the best expression): the
    discriminant's `expression.family_gap`, of the log-probabilities negated (the same floats)."""
    return family_gap(-np.asarray(log_probs), asked)


def conv3x3(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """3 x 3 convolution, padding 1 (N x C x H x W -> N x O x H x W), as one matrix product (im2col);
    also the arm net's (`arm_net`). The columns are filled by nine shifted copies, 1.3-1.9x faster
    than a sliding-window view's reshape, the same matrix."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((n, h, w, c, 9), dtype=x.dtype)
    for k in range(9):
        dy, dx = divmod(k, 3)
        cols[..., k] = padded[:, :, dy:dy + h, dx:dx + w].transpose(0, 2, 3, 1)
    out = cols.reshape(n * h * w, c * 9) @ weight.reshape(len(weight), -1).T + bias
    return out.reshape(n, h, w, -1).transpose(0, 3, 1, 2)


def max_pool2(x: np.ndarray) -> np.ndarray:
    """2 x 2 max-pooling of N x C x H x W (H and W even)."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


# ---------------------------------------------------------------- the model file
def save(nets: dict[str, FaceNet], path: Path = MODEL_FILE) -> None:
    """Write the nets atomically: a half-written file never replaces a good one."""
    arrays = {"styles": np.array(sorted(nets))}
    for style in sorted(nets):
        for name in LAYERS:
            arrays[f"{style}/{name}"] = nets[style].params[name].astype(np.float32)
        for field in ("scales", "weights", "blends"):
            arrays[f"{style}/{field}"] = np.array([getattr(nets[style], field)[v] for v in VIEWS], dtype=np.float64)
    write_bytes(path, npz_bytes(arrays))


@functools.cache
def load(path: Path = MODEL_FILE) -> dict[str, FaceNet]:
    """art style -> its net, for the styles one was fitted for."""
    with np.load(path) as data:
        nets = {}
        for style in (str(s) for s in data["styles"]):
            params = {name: data[f"{style}/{name}"] for name in LAYERS}
            wrong = [name for name, shape in LAYERS.items() if params[name].shape != shape]
            if wrong:
                raise ValueError(f"{path}: {style}'s {wrong[0]} has shape {params[wrong[0]].shape}, not "
                                 f"{LAYERS[wrong[0]]}: rerun benchmarks/calibrate_face_net.py")
            missing = [f for f in ("scales", "weights", "blends") if f"{style}/{f}" not in data]
            if missing:
                raise ValueError(f"{path}: {style} has no {missing[0]}: rerun benchmarks/calibrate_face_net.py")
            per_view = {field: dict(zip(VIEWS, (float(s) for s in data[f"{style}/{field}"])))
                        for field in ("scales", "weights", "blends")}
            nets[style] = FaceNet(params, **per_view)
    return nets
