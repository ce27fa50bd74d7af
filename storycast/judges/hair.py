"""Where a character's hair colour is read: three points of its head, moved off a hat.

A bare head's hair is read on its crown (`DEFAULT_POINTS`). A cap, a round hat, goggles or a crown
covers the crown; the character's spec says which it wears and its hair style, and `hair_points.json`
(written by `benchmarks/calibrate_hair.py` from drawings of each hat and hair style) says where that
hair still shows: below a crown, at the temples under a cap. Points are in head-radius units, y down,
x towards the facing in a three-quarter view.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

# Hats by how much of the hair they cover; a character wearing two is read as under the first.
HATS: tuple[str, ...] = ("cap", "round_hat", "goggles", "crown")
# Art styles whose hair stays read at the crown, hat or not. Ink: read beside a hat, its few hatch
# densities caught no more drifted hair and failed 0.4 % more clean ink frames (paper scale).
CROWN_ONLY_STYLES = frozenset({"ink"})
DEFAULT_POINTS = np.array([(-0.35, -0.78), (0.0, -0.78), (0.35, -0.78)])
POINTS_FILE = Path(__file__).with_name("hair_points.json")


@functools.cache
def _table() -> dict[str, dict[str, np.ndarray]]:
    """{hat: {hair style: 3 x 2 points}}, read once: `hair_points` runs for every character judged."""
    table = json.loads(POINTS_FILE.read_text()) if POINTS_FILE.exists() else {}
    return {hat: {hs: np.asarray(p, dtype=np.float64) for hs, p in styles.items()} for hat, styles in table.items()}


def hat_of(spec: dict | None) -> str:
    """The hat the hair is read under ("none" without one)."""
    worn = set((spec or {}).get("accessories") or ())
    return next((h for h in HATS if h in worn), "none")


def hair_points(spec: dict | None, facing: str) -> np.ndarray:
    """Three (x, y) head-unit points where the hair of this character shows in this view, x to the
    image's right (the table's x, towards the facing, mirrored for a character facing left). A back
    view takes the front's points: the table is measured on front and three-quarter views, as back
    views are rare (17 of 2,936 characters of a calibration frame sample)."""
    if spec is None or spec.get("art_style") in CROWN_ONLY_STYLES:
        return DEFAULT_POINTS
    points = _table().get(hat_of(spec), {}).get(spec.get("hair_style", ""))
    if points is None:
        return DEFAULT_POINTS
    return points * ((-1.0 if facing == "left" else 1.0), 1.0)
