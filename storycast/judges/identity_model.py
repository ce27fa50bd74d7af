"""Identity evidence weighed together where each reading alone is weak: ink and pixel art.

The identity check reads a torso's or hair's colour four ways, each in units of its clean noise
(`calibration`): its distance to any colour of the template, to the template part's own colours (where
the sheet's views agree), its median's shift from the template part's (`torso.part_shift`) and its
distance from the character's colours in the story's other frames (`judges.story`). In the colour
styles the worst reading decides. In ink (a fill is a hatch density, read through a dozen samples that
land on lines or on paper) and pixel art (a frame's own palette; samples on outlines and shading) the
noise units are wide: a redrawn top raises two or three readings to about twice their noise, where a
clean part raises one, and the worst reading alone cannot tell the two apart. There a logistic model
per style, part and regime (REGIMES: with the story reading, or without it where too few of the
story's frames show the part or `qc.story_check` is off) weighs them (`identity_model.npz`, fitted on
calibration stories with drifted parts by `benchmarks/calibrate_identity.py`); its risk maps to a
score as the arm model's does (`limbs`): risk 0 is THRESHOLD_SCORE, the threshold it was cut for.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storycast.judges import embedding as emb
from storycast.judges.base import score_of_risk
from storycast.judges.calibration import PART_NOISE, PART_SHIFT_NOISE, SAME_PART_NOISE, STORY_NOISE
from storycast.judges.identity import score_of
from storycast.judges.story import STORY_PARTS
from storycast.judges.torso import part_shift
from storycast.tables import npz_bytes, write_bytes

READINGS = ("any_colour", "own_colour", "median_shift", "story")
FEATURES = READINGS + tuple(f"{r}_unread" for r in READINGS) + ("log_scale",)
MODEL_PARTS = ("torso", "hair")
REGIMES = ("story", "alone")       # read against the story's other frames too, or without them
MAX_MULTIPLE = 8.0                 # readings are clipped here: a far outlier says no more than this
MODEL_FILE = Path(__file__).with_name("identity_model.npz")
THRESHOLD_SCORE = 0.52             # the score where risk = 0: qc.thresholds.identity when the model was cut


@dataclass(frozen=True)
class IdentityModel:
    """One style's, part's and regime's logistic model: risk = ((x - mean) / scale) . weights + bias."""
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def risk(self, x: np.ndarray) -> float:
        return float(((x - self.mean) / self.scale) @ self.weights + self.bias)


def part_readings(desc, ref, key: str, trusted: np.ndarray, parts: np.ndarray, same: np.ndarray,
                  story: np.ndarray | None) -> dict[str, np.ndarray]:
    """Per MODEL_PARTS part, its READINGS in units of the noise tables' `key`: `parts` / `same` are
    `identity.template_distances`, `story` the `story.deviations` (None: no story frames given)."""
    unit, same_unit = PART_NOISE.get(key), SAME_PART_NOISE.get(key)
    out = {}
    for part in MODEL_PARTS:
        i = emb.PARTS.index(part)
        shift_unit = PART_SHIFT_NOISE.get(key, {}).get(part)
        story_unit = STORY_NOISE.get(key, {}).get(part)
        out[part] = np.array([
            parts[i] / unit[i] if unit else np.nan,
            same[i] / same_unit[i] if same_unit and trusted[i] else np.nan,
            part_shift(desc, ref, part) / shift_unit if shift_unit else np.nan,
            story[STORY_PARTS.index(part)] / story_unit if story is not None and story_unit else np.nan])
    return out


def face_multiple(key: str, trusted: np.ndarray, parts: np.ndarray, same: np.ndarray) -> float:
    """The face's colour reading as the worst-reading rule takes it (NaN where unread): the model
    weighs torso and hair, which faults redraw; the face stays under the rule."""
    i = emb.PARTS.index("face")
    unit, same_unit = PART_NOISE.get(key), SAME_PART_NOISE.get(key)
    return float(np.fmax(parts[i] / unit[i] if unit else np.nan,
                         same[i] / same_unit[i] if same_unit and trusted[i] else np.nan))


def features(readings: np.ndarray, scale: float) -> np.ndarray:
    """The model's input from one part's READINGS (multiples of their noise units, NaN where unread)
    and the character's scale (px per body unit)."""
    unread = ~np.isfinite(readings)
    return np.concatenate([np.where(unread, 0.0, np.clip(readings, 0.0, MAX_MULTIPLE)), unread.astype(np.float64),
                           [math.log(max(scale, 1.0))]])


def weighed_identity(style: str, scale: float, readings: dict[str, np.ndarray],
                     face: float) -> tuple[float, str, float] | None:
    """(score, note, score without the story reading) by the style's models: the worst of the
    modelled parts and the face's `face_multiple`; None where the style has no model (the worst
    reading decides there). A part read against the story's other frames is weighed by its `story`
    model, one without them (too few frames show it, or `qc.story_check: false`) by its `alone` one."""
    models = load().get(style)
    if models is None:
        return None
    found = [(1.0, "", 1.0)]
    if np.isfinite(face):
        face_score = score_of(face)
        found.append((face_score, f"face colour is {face:.1f}x its usual distance from the template's", face_score))
    story = READINGS.index("story")
    for part in MODEL_PARTS:
        r = readings[part]
        if not np.isfinite(r).any():
            continue
        alone = r.copy()
        alone[story] = np.nan
        without = score_of_risk(models[part]["alone"].risk(features(alone, scale)), THRESHOLD_SCORE)
        told = (score_of_risk(models[part]["story"].risk(features(r, scale)), THRESHOLD_SCORE)
                if np.isfinite(r[story]) else without)
        found.append((told, _note(part, r), without))
    worst = min(found, key=lambda f: f[0])
    return worst[0], worst[1], min(f[2] for f in found)


def _note(part: str, r: np.ndarray) -> str:
    where = {"any_colour": "from any template colour", "own_colour": f"from the template {part}'s",
             "median_shift": "in its median", "story": "from the story's other frames"}
    shown = ", ".join(f"{v:.1f}x {where[name]}" for name, v in zip(READINGS, r) if np.isfinite(v))
    return f"{part} colour looks redrawn: the usual distance {shown}"


# ---------------------------------------------------------------- the model file
def save(models: dict[str, dict[str, dict[str, IdentityModel]]], path: Path = MODEL_FILE) -> None:
    """Write style -> part -> regime -> model atomically: a half-written file never replaces a good one."""
    keys = [(s, p, r) for s in sorted(models) for p in MODEL_PARTS for r in REGIMES]
    arrays = {"styles": np.array([k[0] for k in keys]), "parts": np.array([k[1] for k in keys]),
              "regimes": np.array([k[2] for k in keys]), "features": np.array(FEATURES),
              "bias": np.array([models[s][p][r].bias for s, p, r in keys])}
    for field in ("mean", "scale", "weights"):
        arrays[field] = np.stack([getattr(models[s][p][r], field) for s, p, r in keys])
    write_bytes(path, npz_bytes(arrays))


@functools.cache
def load(path: Path = MODEL_FILE) -> dict[str, dict[str, dict[str, IdentityModel]]]:
    """style -> part -> regime -> model, for the styles a model was fitted for."""
    with np.load(path) as data:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path} was fitted on features {tuple(data['features'])}, not {FEATURES}: "
                             "rerun benchmarks/calibrate_identity.py")
        out: dict[str, dict[str, dict[str, IdentityModel]]] = {}
        for i, key in enumerate(zip(data["styles"], data["parts"], data["regimes"])):
            style, part, regime = (str(k) for k in key)
            out.setdefault(style, {}).setdefault(part, {})[regime] = IdentityModel(
                *(data[k][i].astype(np.float64) for k in ("mean", "scale", "weights")), float(data["bias"][i]))
    for style, parts in out.items():
        if set(parts) != set(MODEL_PARTS) or any(set(r) != set(REGIMES) for r in parts.values()):
            raise ValueError(f"{path}: art style {style!r} lacks one of its {len(MODEL_PARTS) * len(REGIMES)} "
                             "models: rerun benchmarks/calibrate_identity.py")
    return out
