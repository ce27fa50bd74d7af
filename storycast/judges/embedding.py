"""A weightless appearance embedding: colours of body parts located by the pose skeleton.

A character crop is described by the colour of its body parts (hair, face, torso, arms, legs,
feet) in CIELAB, each part sampled at points laid out along the control skeleton (body units, so
the pattern follows the pose, the facing and the scale) and box-averaged over a small window
(smoothing hatching, texture and patterns). The reference is the template sheet's front (and back)
view, described the same way (`template_sheet`). Frames lit at dusk or night are brought back to daylight with a
per-channel colour transform measured on calibration frames (`LIGHT_CORRECTION`). Where the face is
measurable, the descriptor also carries the head's shape (`head_shape`: species and hair style), which
identity retrieval needs where colours are few (ink, pixel art).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storycast.judges.base import head_up
from storycast.judges.calibration import KNOTS, LIGHT_CURVES
from storycast.judges.hair import hair_points
from storycast.skeleton import (
    L_ANK,
    L_ELB,
    L_HIP,
    L_KNE,
    L_SHO,
    L_WRI,
    NECK,
    R_ANK,
    R_ELB,
    R_HIP,
    R_KNE,
    R_SHO,
    R_WRI,
)

PARTS: tuple[str, ...] = ("hair", "face", "torso", "upper_arms", "forearms", "thighs", "shins", "feet")
SIZES: tuple[int, ...] = (3, 6, 12, 6, 6, 6, 6, 2)          # sample points per part
SLICES = {p: slice(sum(SIZES[:i]), sum(SIZES[: i + 1])) for i, p in enumerate(PARTS)}
N_POINTS = sum(SIZES)
PART_OF = np.repeat(np.arange(len(PARTS)), SIZES)          # each sample point's part, in `describe` order
# Face sample points in head radii (x across towards the facing, y down): clear of eyes and mouth.
FACE_FRONT = ((0.0, 0.32), (-0.78, 0.12), (0.78, 0.12), (0.0, 0.85), (-0.6, 0.7), (0.6, 0.7))
FACE_SIDE = ((0.3, 0.32), (-0.45, 0.25), (-0.45, -0.1), (0.2, 0.85), (-0.5, 0.6), (-0.7, 0.2))
# An open jacket seen from the front shows the shirt in a strip down the torso's middle line (+-0.05 body
# units), where the torso grid lies: its samples go on the jacket's panels either side instead, this many
# body units from the middle line (sample boxes clear of the strip's outline), at these shares of the way
# from the shoulders to the hips (clear of the lapels above). Frames and template sheets alike, from the
# character's spec (`part_points`). A slim build's panel (to ~0.085) has no room for them
# (`torso.unreadable_torso`); further out, towards a wide build's side, they met the arms more often.
JACKET_PANEL = 0.075
JACKET_PANEL_WIDTH = 0.035           # what must span two of the style's smallest details (pixel art: from 229 px)
JACKET_ROWS = (0.45, 0.55, 0.65, 0.75, 0.85, 0.95)
MIN_SEEN = 0.5             # a part counts as seen with at least this share of its samples in view
# ---------------------------------------------------------------- colour
RGB_TO_XYZ = np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, last axis 3) to CIELAB (D65)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = c @ RGB_TO_XYZ
    xyz /= D65_WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]),
                     200.0 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances (N x M) between colours a (N x 3) and b (M x 3): the same floats as
    `np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))`, whose sum over the last axis adds the three
    squares left to right, but a channel at a time: numpy is slow on arrays whose last axis is 3."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    sq = (a[:, 0, None] - b[:, 0]) ** 2 + (a[:, 1, None] - b[:, 1]) ** 2 + (a[:, 2, None] - b[:, 2]) ** 2
    return np.sqrt(sq)


def small_median(values: np.ndarray) -> float:
    """np.median of a few values, the same float, without its ~30 us of overhead per call."""
    v = sorted(values.tolist())
    half = len(v) // 2
    return float(v[half]) if len(v) % 2 else (v[half - 1] + v[half]) / 2


def light_correct(rgb: np.ndarray, lighting: str, place: str, tone: str = "colour") -> np.ndarray:
    """Undo a frame's lighting on sRGB colours (..., 3) with the measured per-channel curves."""
    curves = LIGHT_CURVES.get((lighting, place, tone))
    rgb = np.asarray(rgb, dtype=np.float64)
    if curves is None:
        return rgb
    return np.stack([np.interp(rgb[..., ch], KNOTS, curves[ch]) for ch in range(3)], axis=-1).clip(0, 255)


# ---------------------------------------------------------------- sampling pattern
def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(*v))
    return v / n if n > 1e-9 else np.array([0.0, -1.0])


def _along(a: np.ndarray, b: np.ndarray, ts) -> np.ndarray:
    return np.array([a + (b - a) * t for t in ts])


def part_points(kp: np.ndarray, scale: float, facing: str, spec: dict | None = None) -> dict[str, np.ndarray]:
    """Pixel sample points of each body part (n x 2) from COCO-18 keypoints in pixels; `spec`, the
    character's, says where its clothes put a part's colour (`torso_grid`) and where a hat leaves
    its hair showing (`hair.hair_points`)."""
    kp = np.asarray(kp, dtype=np.float64)
    neck = kp[NECK]
    up = head_up(kp, scale, facing)
    across = np.array([-up[1], up[0]])
    centre = neck + up * 0.108 * scale           # head centre; head radius ~0.1 body units
    r = 0.1 * scale
    turn = {"left": -1.0, "right": 1.0}.get(facing, 0.0)
    hair = [centre + up * r * -y + across * r * x for x, y in hair_points(spec, facing)]
    if facing == "back":
        face = [centre + up * r * y + across * r * x for x in (-0.4, 0.0, 0.4) for y in (-0.2, 0.2)]
    else:
        grid = FACE_SIDE if turn else FACE_FRONT
        face = [centre + r * (-up * y + across * x * (turn or 1.0)) for x, y in grid]
    torso = torso_grid(kp, scale, facing, spec)
    ts = (0.3, 0.5, 0.7)
    upper = np.vstack([_along(kp[R_SHO], kp[R_ELB], ts), _along(kp[L_SHO], kp[L_ELB], ts)])
    fore = np.vstack([_along(kp[R_ELB], kp[R_WRI], ts), _along(kp[L_ELB], kp[L_WRI], ts)])
    thighs = np.vstack([_along(kp[R_HIP], kp[R_KNE], (0.25, 0.5, 0.75)),
                        _along(kp[L_HIP], kp[L_KNE], (0.25, 0.5, 0.75))])
    shins = np.vstack([_along(kp[R_KNE], kp[R_ANK], (0.3, 0.5, 0.7)),
                       _along(kp[L_KNE], kp[L_ANK], (0.3, 0.5, 0.7))])
    feet = np.array([kp[a] + _unit(kp[a] - kp[k]) * 0.03 * scale for a, k in ((R_ANK, R_KNE), (L_ANK, L_KNE))])
    return {"hair": np.array(hair), "face": np.array(face), "torso": torso, "upper_arms": upper,
            "forearms": fore, "thighs": thighs, "shins": shins, "feet": feet}


def jacket_panel(spec: dict | None, facing: str) -> float | None:
    """Where an open jacket's panels are (`JACKET_PANEL`), if the character shows one; else None."""
    if spec is None or spec.get("top") != "jacket" or facing == "back":
        return None
    return JACKET_PANEL


def torso_axes(kp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The torso's middle line: its top (between the shoulders), the vector from there to between the
    hips, and the unit vector across it."""
    top = (kp[R_SHO] + kp[L_SHO]) / 2
    down = (kp[R_HIP] + kp[L_HIP]) / 2 - top
    return top, down, np.array([-down[1], down[0]]) / max(float(np.hypot(*down)), 1e-9)


def torso_grid(kp: np.ndarray, scale: float, facing: str, spec: dict | None = None) -> np.ndarray:
    """The torso's 12 sample points: a grid between the shoulder and hip keypoints, or, for an open
    jacket seen from the front or three-quarter, two columns on its panels (`JACKET_PANEL`)."""
    panel = jacket_panel(spec, facing)
    if panel is not None:
        top, down, across = torso_axes(kp)
        return np.array([top + down * v + across * side * panel * scale
                         for v in JACKET_ROWS for side in (-1.0, 1.0)])
    shoulders, hips = (kp[R_SHO], kp[L_SHO]), (kp[R_HIP], kp[L_HIP])
    torso = []
    for v in (0.2, 0.4, 0.6, 0.8):
        left = shoulders[0] + (hips[0] - shoulders[0]) * v
        right = shoulders[1] + (hips[1] - shoulders[1]) * v
        torso.extend(left + (right - left) * u for u in (0.3, 0.5, 0.7))
    return np.array(torso)


class Window:
    """The part of an image inside `box` (x0, y0, x1, y1): sample boxes are clipped to it, and
    points outside it read as outside the image (a frame's characters never sample beyond it)."""

    def __init__(self, img: np.ndarray, box: tuple[int, int, int, int] | None = None):
        self.img = np.asarray(img)
        self.box = box or (0, 0, self.img.shape[1], self.img.shape[0])
        self.pixels = self.img.reshape(-1, self.img.shape[-1])     # one row per pixel, for `take`


def box_means(img, pts: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour of the (2r+1)^2 box around each point (clipped to the image) and an in-image
    flag. `img` is an image array or a `Window` of one. The boxes' pixels are gathered directly:
    a frame is sampled at a few hundred points, far cheaper than a summed-area table of it."""
    view = img if isinstance(img, Window) else Window(img)
    bx0, by0, bx1, by1 = view.box
    xy = np.round(np.asarray(pts, dtype=np.float64).reshape(-1, 2)).astype(np.int64)
    n = len(xy)
    # Offsets first (K x 2 x N), points last: numpy is slow on arrays whose last axis is short,
    # and a call samples up to ~1000 points with boxes of 1 to ~15 pixels a side.
    along = np.arange(-radius, radius + 1)[:, None, None] + xy.T
    clipped = np.empty_like(along)
    for axis, lo, hi in ((0, bx0, bx1 - 1), (1, by0, by1 - 1)):          # scalar bounds: numpy's fast loops
        np.minimum(np.maximum(along[:, axis], lo), hi, out=clipped[:, axis])
    valid = clipped == along                                             # inside the window
    inside = valid[radius].all(axis=0)                                   # the point itself
    # Flat pixel indices (K rows x K columns x N) and `take`: several times faster than (ys, xs).
    flat = (clipped[:, 1] * view.img.shape[1])[:, None] + clipped[None, :, 0]
    ch = view.pixels.shape[1]
    pix = view.pixels.take(flat.reshape(-1), axis=0).reshape(-1, n * ch)  # K^2 x 3N
    if not valid.all():                                                 # boxes cut by the edge
        pix = pix * (valid[:, None, 1] & valid[None, :, 0]).reshape(-1, n).repeat(ch, axis=1)
    # Summed as float64 along the first axis (fast); every partial sum is an integer far below
    # 2^53, so the totals are exact, in any order.
    total = pix.astype(np.float64).sum(axis=0)                          # 3N: r g b of each point
    area = np.maximum(valid.sum(axis=0).prod(axis=0), 1).repeat(ch)
    out = np.where(inside.repeat(ch), total / area, 0.0).reshape(n, ch)
    return out, inside


def sample_radius(scale: float) -> int:
    return int(max(1, round(0.012 * scale)))


# ---------------------------------------------------------------- descriptors
@dataclass(frozen=True)
class Descriptor:
    """CIELAB colour (daylight-corrected) of every sample point (N_POINTS x 3, NaN where unseen),
    per part whether it was seen (enough of its points visible), what the head's shape says
    (`head_shape.posteriors`: species and hair-style probabilities; NaN without a measurable face) and,
    in ink and pixel art, what the torso and legs do (`body_shape.posteriors`: top, build and bottom, on
    template sheets and on retrieval's crops, `body_shape.crop_body`; None or NaN elsewhere) and, where
    the measured judge reads it (ink frames, `identity_model.GRID_STYLES`), the torso's dense grid
    (`torso.torso_grid_colours`; None elsewhere)."""

    lab: np.ndarray
    seen: np.ndarray
    shape: np.ndarray | None = None
    body: np.ndarray | None = None
    grid: np.ndarray | None = None

    def part_median(self) -> np.ndarray:
        return np.array([np.nanmedian(self.lab[SLICES[p]], axis=0) if self.seen[i] else [np.nan] * 3
                         for i, p in enumerate(PARTS)])


def describe(img, kp: np.ndarray, scale: float, facing: str, keep=None,
             lighting: str = "day", place: str = "out", tone: str = "colour",
             min_seen: float = MIN_SEEN, radius: int | None = None, points: dict | None = None) -> Descriptor:
    """Descriptor of one character in an RGB array (or a `Window` of one). `keep(points) -> bool
    mask` drops samples hidden by nearer characters; samples outside the image are dropped; a part
    needs `min_seen` of its samples. `points`: `part_points(kp, scale, facing)` if already made."""
    pts = part_points(kp, scale, facing) if points is None else points
    allp = np.vstack([pts[p] for p in PARTS])
    colours, ok = box_means(img, allp, sample_radius(scale) if radius is None else radius)
    if keep is not None:
        ok &= keep(allp)
    lab = np.full((N_POINTS, 3), np.nan)
    if ok.any():
        lab[ok] = srgb_to_lab(light_correct(colours[ok], lighting, place, tone))
    seen = np.array([ok[SLICES[p]].sum() >= max(1, min_seen * n) for p, n in zip(PARTS, SIZES)])
    for p, s in zip(PARTS, seen):
        if not s:
            lab[SLICES[p]] = np.nan
    return Descriptor(lab, seen)
