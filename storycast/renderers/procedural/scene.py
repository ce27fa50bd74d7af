"""Scenes: camera layout (horizon, ground perspective), sky or walls, ground or floor, the props of
each setting placed from the frame seed, lighting (sky objects and a whole-frame tint), the dutch
tilt and the close-up background blur."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

from storycast import vocab
from storycast.renderers.base import FrameRequest
from storycast.renderers.procedural import backdrops
from storycast.renderers.procedural.canvas import Painter, mix
from storycast.renderers.procedural.props_in import INDOOR_PROPS
from storycast.renderers.procedural.props_out import OUTDOOR_PROPS

PROP_COUNT = {"extreme_wide": 9, "wide": 8, "full": 6, "medium": 5, "medium_close": 4, "close_up": 3}
HORIZON_DROP = {"extreme_wide": -1.0, "wide": -0.45, "full": 0.0, "medium": 0.18, "medium_close": 0.25,
                "close_up": 0.3}
ANGLE_SHIFT = {"eye_level": 0.0, "low_angle": 0.28, "high_angle": -0.25, "dutch_tilt": 0.0}
# multiply, add: the whole frame (characters included) under each light
TINTS = {"day": ((1.0, 1.0, 1.0), (0, 0, 0)), "dusk": ((1.02, 0.84, 0.76), (14, 0, 16)),
         "night": ((0.42, 0.48, 0.74), (6, 8, 22))}
INDOOR_NIGHT = ((0.6, 0.6, 0.74), (8, 6, 18))


@dataclass
class Layout:
    width: int
    height: int
    horizon: float      # y of the horizon (may lie outside the frame)
    ground_y: float     # y where the nearest character stands
    s_ref: float        # pixels per body unit at ground_y
    floor: float        # indoor: y of the wall base
    indoor: bool

    def unit_at(self, y: float) -> float:
        """Pixels per body unit for something standing on the ground at height y (perspective)."""
        return self.s_ref * max(y - self.horizon, 0.0) / max(self.ground_y - self.horizon, 1e-6)


def layout(req: FrameRequest) -> Layout:
    W, H = req.width, req.height
    if req.characters:
        near = min(enumerate(req.characters), key=lambda ic: (ic[1].depth, ic[0]))[1]
        s_ref, gy = float(near.scale), float(near.bbox[3])
    else:
        s_ref = H * vocab.SHOT_TYPES[req.shot_type] / 0.95
        gy = max(0.9 * H, 0.1 * H + 0.95 * s_ref)
    ch = 0.95 * s_ref
    h = gy - 0.85 * ch + HORIZON_DROP[req.shot_type] * ch + ANGLE_SHIFT[req.camera_angle] * H
    h = min(h, gy - 0.06 * ch)
    indoor = vocab.SETTINGS[req.setting]["indoor"]
    floor = h + 0.4 * (gy - h) if indoor else h
    return Layout(W, H, h, gy, s_ref, floor, indoor)


def dutch_tilt_degrees(seed: int) -> float:
    """The tilt of a dutch-angle frame. The controls stage rotates the skeletons by the same shared
    angle (vocab.DUTCH_TILT_DEG, counter-clockwise), so the tilted ground meets the characters' feet."""
    del seed  # one angle for every frame: keypoints and pixels must agree without passing it around
    return vocab.DUTCH_TILT_DEG


def draw_background(p: Painter, req: FrameRequest, lay: Layout, rng: np.random.Generator) -> None:
    setting, light = req.setting, req.lighting
    if lay.indoor:
        backdrops.walls(p, setting, lay, light, rng)
    else:
        backdrops.sky(p, setting, lay, light, rng)
        backdrops.distance(p, setting, lay, light, rng)
        backdrops.ground(p, setting, lay, light, rng)
    _props(p, req, lay, rng)
    if not lay.indoor and setting == "snowy_village":
        backdrops.snowfall(p, lay, rng)


def _props(p: Painter, req: FrameRequest, lay: Layout, rng: np.random.Generator) -> None:
    table = INDOOR_PROPS if lay.indoor else OUTDOOR_PROPS
    names = vocab.SETTINGS[req.setting]["props"]
    n = PROP_COUNT[req.shot_type] + int(rng.integers(0, 3))
    placed = []
    W, H = lay.width, lay.height
    for _ in range(n):
        name = names[int(rng.integers(len(names)))]
        kind, fn = table[name]
        x = float(rng.uniform(-0.08, 1.08)) * W
        if kind == "ground":
            top = lay.floor if lay.indoor else lay.horizon
            lo = top + 0.03 * (lay.ground_y - top)
            hi = lay.ground_y - 0.03 * (lay.ground_y - top)
            if hi <= lo or lo > H * 1.05:
                continue
            t = float(rng.uniform()) ** 1.5       # most props stand well behind the cast
            y = lo + t * (min(hi, H * 1.02) - lo)
            u = lay.unit_at(y)
            if t > 0.3:                            # near props step aside from the characters
                x = _aside(x, req, u)
        elif kind == "wall":
            if lay.floor < 0:
                continue
            y, u = lay.floor, lay.unit_at(lay.floor)
        elif kind == "sky":
            if lay.horizon < 0.12 * H:
                continue
            y, u = float(rng.uniform(0.06, 0.9)) * min(lay.horizon, H) * 0.75, lay.s_ref
        elif kind == "backdrop":
            if not -0.1 * H < lay.horizon < 1.1 * H:
                continue
            y, u = lay.horizon, lay.s_ref
        else:  # float (underwater)
            y, u = float(rng.uniform(0.05, 0.95)) * min(lay.ground_y, H), lay.s_ref * float(rng.uniform(0.3,
                                                                                                        0.8))
        if u < 2:
            continue
        order = {"sky": 0, "backdrop": 1, "wall": 2}.get(kind, 3)
        placed.append((order, y, x, u, fn, int(rng.integers(1 << 30))))
    placed.sort(key=lambda t: (t[0], t[1], t[2]))
    for _, y, x, u, fn, sub in placed:
        fn(p, x, y, u, _Ctx(req.lighting, np.random.default_rng(sub), lay, req.setting))


def _aside(x: float, req: FrameRequest, u: float) -> float:
    for c in req.characters:
        x0, _, x1, _ = c.bbox
        if x0 - 0.4 * u < x < x1 + 0.4 * u:
            x = x0 - 0.5 * u if x < (x0 + x1) / 2 else x1 + 0.5 * u
    return x


@dataclass
class _Ctx:
    lighting: str
    rng: np.random.Generator
    lay: Layout
    setting: str

    @property
    def night(self) -> bool:
        return self.lighting == "night"


def ground_shadow(p: Painter, c, lay: Layout) -> None:
    x0, _, x1, y1 = c.bbox
    if y1 < lay.floor or y1 > lay.height * 1.3:
        return
    cx = (x0 + x1) / 2
    rx, ry = max(0.2 * c.scale, (x1 - x0) * 0.45), 0.045 * c.scale
    k = p.k
    p.adraw.ellipse(((cx - rx) * k, (y1 - ry) * k, (cx + rx) * k, (y1 + ry) * k), fill=(20, 10, 30, 60))


def seat(p: Painter, c, lay: Layout, setting: str) -> None:
    """Something to sit on under a sitting character: a stool indoors, a rock or log outdoors."""
    from storycast.skeleton import L_ANK, L_HIP, R_ANK, R_HIP
    kp, s = np.asarray(c.keypoints, dtype=float), float(c.scale)
    hip = (kp[R_HIP] + kp[L_HIP]) / 2
    top = hip[1] + 0.03 * s
    bottom = max(c.bbox[3], kp[R_ANK][1], kp[L_ANK][1])
    if bottom - top < 0.04 * s:
        return
    w = 0.17 * s
    from storycast.renderers.procedural.canvas import line_scale_for
    lw = line_scale_for(s)
    if lay.indoor:
        wood = (150, 100, 60)
        for dx in (-0.8, 0.8):
            p.stroke([(hip[0] + dx * w, top), (hip[0] + dx * w * 1.1, bottom)], 0.04 * s, wood, lw)
        p.rect(hip[0] - w * 1.1, top - 0.02 * s, hip[0] + w * 1.1, top + 0.04 * s, wood, lw)
    elif setting in ("forest", "snowy_village"):
        p.rect(hip[0] - w * 1.2, top - 0.01 * s, hip[0] + w * 1.2, bottom, (128, 86, 52), lw)
        p.ellipse(hip[0] + w * 1.2, (top + bottom) / 2, 0.25 * (bottom - top), (bottom - top) / 2,
                  (200, 160, 110), lw)
    else:
        p.polygon([(hip[0] - w * 1.4, bottom), (hip[0] - w * 1.2, top + 0.01 * s), (hip[0] - w * 0.3,
                                                                                    top - 0.02 * s),
                   (hip[0] + w, top), (hip[0] + w * 1.4, bottom)], (150, 146, 140), lw)


def tilt(img: Image.Image, deg: float, smooth: bool = True) -> Image.Image:
    """Rotate about the centre and zoom just enough that no empty corner shows. On a supersampled
    canvas nearest-neighbour sampling is enough (the downsample anti-aliases it) and 10x faster."""
    w, h = img.size
    a = math.radians(deg)
    zoom = abs(math.cos(a)) + abs(math.sin(a)) * max(w / h, h / w)
    ca, sa = math.cos(a) / zoom, math.sin(a) / zoom
    cx, cy = w / 2, h / 2
    data = (ca, -sa, cx - ca * cx + sa * cy, sa, ca, cy - sa * cx - ca * cy)
    resample = Image.Resampling.BILINEAR if smooth else Image.Resampling.NEAREST
    return img.transform((w, h), Image.Transform.AFFINE, data, resample=resample)


def blur_background(img: Image.Image, radius: float) -> Image.Image:
    """Cheap depth of field for close shots: blur at quarter resolution and scale back up."""
    w, h = img.size
    small = img.reduce(4) if min(w, h) >= 64 else img
    small = small.filter(ImageFilter.GaussianBlur(radius))
    if w % 2 == 0 and h % 2 == 0:     # smooth content: bilinear to half size, then pixel doubling
        return small.resize((w // 2, h // 2), Image.Resampling.BILINEAR).resize((w, h),
                                                                                Image.Resampling.NEAREST)
    return small.resize((w, h), Image.Resampling.BILINEAR)


def apply_lighting(img: Image.Image, lighting: str, setting: str, strength: float = 1.0) -> Image.Image:
    """Tint the whole frame; the brightest pixels (stars, lamps, lit windows) keep their glow.
    Under water everything also takes a blue-green cast. Per-channel lookup tables: fast.
    `strength` < 1 tints less (line-art styles stay readable at night)."""
    water = setting == "underwater_reef"
    if lighting == "day" and not water:
        return img
    return img.point(_light_lut(lighting, vocab.SETTINGS[setting]["indoor"], water, round(strength, 3)))


@lru_cache(maxsize=64)
def _light_lut(lighting: str, indoor: bool, water: bool, strength: float) -> list:
    mul, add = INDOOR_NIGHT if (indoor and lighting == "night") else TINTS[lighting]
    mul, add = np.asarray(mul, dtype=np.float64), np.asarray(add, dtype=np.float64)
    if water:
        mul, add = mul * np.array([0.8, 0.95, 1.02]), add + np.array([0.0, 12.0, 26.0])
    x = np.arange(256, dtype=np.float64)[None, :]
    out = x * mul[:, None] + add[:, None]
    if lighting == "night":
        out += (x - out) * (x / 255.0) ** 8 * 0.9
    out = x + (out - x) * strength
    return np.clip(np.round(out), 0, 255).astype(int).ravel().tolist()


def sky_colors(setting: str, light: str) -> list:
    if setting == "underwater_reef":
        return {"day": [(60, 170, 215), (30, 110, 180)], "dusk": [(70, 150, 200), (40, 90, 160)],
                "night": [(40, 110, 170), (20, 60, 130)]}[light]
    base = {"day": [(88, 158, 228), (150, 200, 240), (205, 230, 245)],
            "dusk": [(96, 86, 170), (220, 120, 130), (255, 196, 120)],
            "night": [(36, 44, 110), (60, 70, 140), (95, 100, 160)]}[light]
    if setting == "snowy_village" and light == "day":
        base = [mix(c, (235, 240, 248), 0.35) for c in base]
    if setting == "desert" and light == "day":
        base = [base[0], base[1], (245, 225, 190)]
    return base
