"""A small convolutional net over an arm-aligned strip, weighed together with the arm model.

The arm model (`limbs`) reads each arm from a dozen summaries of the colours on and beside its bones
and of the outline beside them. Where an arm the pose asks for lies over the character's own top in
the sleeves' colour, a misplaced arm leaves the top there, which those summaries read as an arm. The
strip keeps the layout they average away: each bone sampled at STEPS points along it and ACROSS points
across (+-HALF_WIDTH body units), as planes of colour relative to the template's arm colours, distance
to the nearest of those and of the torso's, and which samples are in view. A net of two 3 x 3
convolutions sees the edges an arm has along its length and the top lacks.

Per art style the net's logit and the arm model's risk are weighed by a logistic model cut at
FALSE_ALARMS of the style's clean calibration arms: its risk replaces the arm model's in the pose
score (risk 0 is `limbs.THRESHOLD_SCORE`). Fitted by `benchmarks/calibrate_arm_net.py` on the arm
model's calibration frames, on top of the shipped `limb_model.npz`: refit this after that.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storycast import vocab
from storycast.judges.face_net import conv3x3, max_pool2
from storycast.tables import npz_bytes, write_bytes

MODEL_FILE = Path(__file__).with_name("arm_net.npz")
ARM_MODEL_FILE = Path(__file__).with_name("limb_model.npz")     # `limbs.MODEL_FILE` (limbs imports this module)
STEPS, ACROSS, HALF_WIDTH = 12, 12, 0.16        # per bone; body units either side of it
PLANES = 6                                      # L*a*b* - arm colour, distance to arm / torso colours, seen
FALSE_ALARMS = 0.003
HIDDEN = 32
LAYERS = {"c0.weight": (16, PLANES, 3, 3), "c0.bias": (16,), "c1.weight": (32, 16, 3, 3), "c1.bias": (32,),
          "h.weight": (HIDDEN, 32 * (2 * STEPS // 4) * (ACROSS // 4) + len(vocab.ART_STYLES)), "h.bias": (HIDDEN,),
          "o.weight": (1, HIDDEN), "o.bias": (1,)}


def strip_points(kp: np.ndarray, joints, scale: float) -> np.ndarray:
    """(2 STEPS ACROSS) x 2 sample points: each bone (shoulder-elbow, elbow-wrist) along, then across."""
    pts = []
    for a, b in ((joints[0], joints[1]), (joints[1], joints[2])):
        v = kp[b] - kp[a]
        n = np.array([-v[1], v[0]]) / max(float(np.hypot(*v)), 1e-9)
        ts = np.linspace(0.05, 0.95, STEPS)[:, None, None]
        us = (np.linspace(-HALF_WIDTH, HALF_WIDTH, ACROSS) * scale)[None, :, None]
        pts.append(kp[a] + v * ts + n * us)
    return np.concatenate(pts).reshape(-1, 2)


def strip_radius(scale: float) -> int:
    return max(1, int(round(0.006 * scale)))


def strip_planes(lab: np.ndarray, seen: np.ndarray, base: np.ndarray, to_arm: np.ndarray,
                 to_torso: np.ndarray) -> np.ndarray:
    """N x PLANES x 2 STEPS x ACROSS from N strips' CIELAB samples (`strip_points` order, one strip
    after another), which are in view, the template's median arm colour and each sample's distance to
    the nearest of the template's arm (sleeve and forearm) and of its torso colours (`limbs.arm_strips`)."""
    planes = np.concatenate([(lab - base) / 20.0, to_arm[:, None] / 20.0, to_torso[:, None] / 20.0,
                             seen[:, None].astype(np.float64)], axis=1)
    planes[~seen, :PLANES - 1] = 0.0
    return planes.reshape(-1, 2 * STEPS, ACROSS, PLANES).transpose(0, 3, 1, 2).astype(np.float32)


@dataclass(frozen=True)
class ArmNet:
    """The net (`LAYERS` arrays) and per art style the weighing of [arm model risk, net logit]:
    risk = ((x - mean) / scale) . weights + bias."""
    params: dict[str, np.ndarray]
    mean: dict[str, np.ndarray]
    scale: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    bias: dict[str, float]

    def logits(self, strips: np.ndarray, style: str) -> np.ndarray:
        """The net's logit (a misplaced arm: high) for each strip (N x PLANES x 2 STEPS x ACROSS)."""
        x = np.asarray(strips, dtype=np.float32)
        for i in range(2):
            x = max_pool2(np.maximum(conv3x3(x, self.params[f"c{i}.weight"], self.params[f"c{i}.bias"]), 0.0))
        style_plane = np.zeros((len(x), len(vocab.ART_STYLES)), dtype=np.float32)
        style_plane[:, vocab.ART_STYLES.index(style)] = 1.0
        x = np.concatenate([x.reshape(len(x), -1), style_plane], axis=1)
        x = np.maximum(x @ self.params["h.weight"].T + self.params["h.bias"], 0.0)
        return (x @ self.params["o.weight"].T + self.params["o.bias"])[:, 0].astype(np.float64)

    def risk(self, model_risk: float, logit: float, style: str) -> float:
        z = (np.array([model_risk, logit]) - self.mean[style]) / self.scale[style]
        return float(z @ self.weights[style] + self.bias[style])


# ---------------------------------------------------------------- the model file
def save(net: ArmNet, path: Path = MODEL_FILE, arm_model: Path = ARM_MODEL_FILE) -> None:
    """Write the net and its per-style weighing atomically, with the digest of the arm model file
    whose risks it weighs."""
    styles = list(vocab.ART_STYLES)
    arrays = {name: net.params[name].astype(np.float32) for name in LAYERS}
    arrays["arm_model_sha256"] = np.array(_digest(arm_model))
    arrays.update({"styles": np.array(styles), "bias": np.array([net.bias[s] for s in styles])})
    for field in ("mean", "scale", "weights"):
        arrays[field] = np.stack([getattr(net, field)[s] for s in styles]).astype(np.float64)
    write_bytes(path, npz_bytes(arrays))


def _digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.cache
def load(path: Path = MODEL_FILE, arm_model: Path = ARM_MODEL_FILE) -> ArmNet:
    """The net and its weighing; refused if the arm model file changed since it was weighed (the
    weighing's scale of the arm model's risk would no longer hold)."""
    with np.load(path) as data:
        if "arm_model_sha256" not in data or str(data["arm_model_sha256"]) != _digest(arm_model):
            raise ValueError(f"{path} was weighed with another {Path(arm_model).name}: "
                             "rerun benchmarks/calibrate_arm_net.py after benchmarks/calibrate_limbs.py")
        params = {name: data[name] for name in LAYERS if name in data}
        wrong = [name for name, shape in LAYERS.items() if name not in params or params[name].shape != shape]
        if wrong:
            raise ValueError(f"{path}: {wrong[0]} is missing or not of shape {LAYERS[wrong[0]]}: "
                             "rerun benchmarks/calibrate_arm_net.py")
        styles = [str(s) for s in data["styles"]]
        missing = [s for s in vocab.ART_STYLES if s not in styles]
        if missing:
            raise ValueError(f"{path} has no weighing for art style {missing[0]!r}: "
                             "rerun benchmarks/calibrate_arm_net.py")
        per = {field: {s: data[field][i] for i, s in enumerate(styles)} for field in ("mean", "scale", "weights")}
        return ArmNet(params, per["mean"], per["scale"], per["weights"],
                      {s: float(data["bias"][i]) for i, s in enumerate(styles)})
