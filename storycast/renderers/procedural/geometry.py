"""Colours and small geometry shared by the drawing modules (pure functions, no drawing)."""
from __future__ import annotations

import math
from functools import cache

import numpy as np

RGB = tuple[int, int, int]


# ---------------------------------------------------------------- colours
@cache
def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def clamp8(x: float) -> int:
    return 0 if x < 0 else 255 if x > 255 else int(round(x))


def mix(a, b, t: float) -> RGB:
    return tuple(clamp8(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def darker(c, f: float = 0.7) -> RGB:
    return tuple(clamp8(x * f) for x in c)  # type: ignore[return-value]


def lighter(c, t: float = 0.3) -> RGB:
    return mix(c, (255, 255, 255), t)


def luminance(c) -> float:
    return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255.0


def shadow_of(c, strength: float = 0.75) -> RGB:
    """Cel shadow: darker with a cool hue shift."""
    r, g, b = c
    return (clamp8(r * strength * 0.92), clamp8(g * strength * 0.95), clamp8(b * strength + 18))


def contrast_of(c) -> RGB:
    """A pattern colour that reads on top of `c`."""
    return mix(c, (255, 250, 240), 0.55) if luminance(c) < 0.55 else mix(c, (40, 30, 50), 0.45)


def line_scale_for(s: float) -> float:
    """Outline width relative to the reference: something drawn at 300 px per body unit."""
    return float(min(2.4, max(0.55, (s / 300.0) ** 0.6)))


# ---------------------------------------------------------------- geometry
def ellipse_pts(cx: float, cy: float, rx: float, ry: float, a0: float = 0.0, a1: float = 360.0,
                n: int = 24) -> np.ndarray:
    """Points along an (axis-aligned) ellipse arc, angles in degrees, 0 = +x, 90 = +y (down)."""
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def smooth_path(points, n: int = 6, closed: bool = False) -> np.ndarray:
    """Catmull-Rom spline through `points` (n samples per segment): organic curves from few points."""
    p = np.asarray(points, dtype=float)
    if len(p) < 3:
        return p
    ext = np.vstack([p[-1:], p, p[:2]]) if closed else np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    segs = len(p) if closed else len(p) - 1
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    out = []
    for i in range(segs):
        p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    if not closed:
        out.append(p[-1:])
    return np.vstack(out)


def convex_hull(points) -> np.ndarray:
    pts = sorted({(round(float(x), 3), round(float(y), 3)) for x, y in points})
    if len(pts) < 3:
        return np.array(pts, dtype=float)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=float)


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    n = math.hypot(v[0], v[1])
    return v / n if n > 1e-9 else np.array([0.0, 1.0])


class Local:
    """A 2-D frame: origin, unit vectors `ux` (across) and `uy` (down), scaled by `s` pixels."""

    def __init__(self, origin, uy, s: float, mirror: bool = False):
        self.o = np.asarray(origin, dtype=float)
        self.uy = unit(uy)
        self.ux = np.array([self.uy[1], -self.uy[0]]) * (-1.0 if mirror else 1.0)
        self.s = s

    def p(self, x: float, y: float) -> np.ndarray:
        return self.o + self.s * (x * self.ux + y * self.uy)

    def pts(self, local) -> np.ndarray:
        local = np.asarray(local, dtype=float)
        return self.o + self.s * (local[:, :1] * self.ux + local[:, 1:2] * self.uy)
