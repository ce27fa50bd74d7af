"""The six art-style treatments.

A style acts at two moments: while drawing (how a fill or line colour is mapped, whether shapes get
outlines, in which colour, and whether they get a cel-shading band) and after the frame is composed
and downsampled (`post`: hatching, brush texture, palette reduction). Every knob that changes how
good the result looks comes from the renderer's constructor (`StyleKnobs`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

from storycast.renderers.procedural.canvas import RGB, clamp8, darker, luminance, mix

INK_PAPER = np.array([247.0, 242.0, 228.0], dtype=np.float32)
INK_COLOR = np.array([26.0, 24.0, 34.0], dtype=np.float32)
CEL_OUTLINE: RGB = (38, 30, 48)


@dataclass(frozen=True)
class StyleKnobs:
    texture_strength: float = 0.6    # painterly brush texture and edge wobble (0 = none)
    hatch_spacing: float = 4.0       # ink: hatch line spacing in pixels at 512 px
    pixel_colors: int = 32           # pixel_art: palette size after reduction
    pastel_amount: float = 0.38      # pastel: how far colours move towards soft light tones


class Style:
    name = "flat_vector"
    light_strength = 1.0     # how strongly dusk/night tint the frame
    outline_mul = 0.0
    cel = False
    pixel = False

    def __init__(self, knobs: StyleKnobs):
        self.knobs = knobs

    def map_fill(self, c: RGB) -> RGB:
        return c

    def map_line(self, c: RGB) -> RGB:
        return c

    def outline_color(self, fill: RGB) -> RGB:
        return darker(fill, 0.45)

    def post(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        return img


class FlatVector(Style):
    name = "flat_vector"

    def map_fill(self, c: RGB) -> RGB:  # a touch more saturated, as vector clip art tends to be
        g = luminance(c) * 255
        return tuple(clamp8(g + (x - g) * 1.12) for x in c)  # type: ignore[return-value]


class OutlinedCel(Style):
    name = "outlined_cel"
    outline_mul = 1.0
    cel = True

    def outline_color(self, fill: RGB) -> RGB:
        return CEL_OUTLINE


class Pastel(Style):
    name = "pastel"
    outline_mul = 0.75

    def map_fill(self, c: RGB) -> RGB:
        a = self.knobs.pastel_amount
        g = luminance(c) * 255
        soft = tuple(clamp8(g + (x - g) * 0.9) for x in c)
        return mix(soft, (255, 246, 240), a)

    def map_line(self, c: RGB) -> RGB:
        return mix(c, (120, 110, 130), 0.35)

    def outline_color(self, fill: RGB) -> RGB:
        return mix(darker(fill, 0.62), (150, 120, 150), 0.25)

    def post(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        return img.filter(ImageFilter.BoxBlur(0.6))


class Ink(Style):
    name = "ink"
    light_strength = 0.6
    outline_mul = 1.0

    def map_fill(self, c: RGB) -> RGB:
        g = clamp8(255 * (0.36 + 0.64 * luminance(c)))
        return (g, g, g)

    def map_line(self, c: RGB) -> RGB:
        g = clamp8(255 * 0.4 * luminance(c))
        return (g, g, g)

    def outline_color(self, fill: RGB) -> RGB:
        return (0, 0, 0)

    def post(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        lum = np.asarray(img.convert("L"))
        sp = self.knobs.hatch_spacing * max(0.75, min(img.width, img.height) / 512)
        hatches = _hatches(img.width, img.height, round(sp * 4) / 4)
        cover = np.zeros(lum.shape, dtype=np.uint16)
        for h, lut in zip(hatches, _tone_luts()):       # lut.take(lum): lut[lum], ~2x faster
            np.maximum(cover, h * lut.take(lum), out=cover)          # 0..255*255
        cover = np.maximum(cover >> 8, _tone_luts()[3].take(lum)).astype(np.uint8)
        return Image.fromarray(_ink_lut().take(cover, axis=0), "RGB")


@lru_cache(maxsize=1)
def _tone_luts():
    """How much of each hatch layer (and solid ink) a luminance 0..255 gets."""
    L = np.arange(256) / 255.0

    def ramp(hi, lo):
        return np.round(np.clip((hi - L) / (hi - lo), 0, 1) * 255).astype(np.uint16)

    return ramp(0.68, 0.58), ramp(0.5, 0.41), ramp(0.34, 0.26), ramp(0.15, 0.06)


@lru_cache(maxsize=1)
def _ink_lut() -> np.ndarray:
    t = (np.arange(256) / 255.0)[:, None]
    return np.round(INK_PAPER + (INK_COLOR - INK_PAPER) * t).astype(np.uint8)


@lru_cache(maxsize=8)
def _hatches(w: int, h: int, sp: float):
    """Anti-aliased hatch coverage maps (0..255): two diagonals and a horizontal set."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)

    def lines(u, width=1.0):
        d = np.abs(np.mod(u, sp) - sp / 2)
        return np.round(np.clip(0.5 + width / 2 - d, 0.0, 1.0) * 255).astype(np.uint16)

    return lines((xx + yy) * 0.7071), lines((xx - yy) * 0.7071), lines(yy + sp / 4, 0.9)


class PixelArt(Style):
    name = "pixel_art"
    outline_mul = 1.0
    pixel = True

    def map_fill(self, c: RGB) -> RGB:
        g = luminance(c) * 255
        return tuple(clamp8(g + (x - g) * 1.15) for x in c)  # type: ignore[return-value]

    def outline_color(self, fill: RGB) -> RGB:
        r, g, b = darker(fill, 0.42)
        return (r, g, clamp8(b + 20))

    def post(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        q = img.quantize(colors=self.knobs.pixel_colors, method=Image.Quantize.MEDIANCUT,
                         dither=Image.Dither.NONE)
        return q.convert("RGB")


class Painterly(Style):
    name = "painterly"
    outline_mul = 0.0

    def map_fill(self, c: RGB) -> RGB:
        return mix(c, (250, 235, 205), 0.06)

    def post(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        s = self.knobs.texture_strength
        if s <= 0:
            return img.filter(ImageFilter.GaussianBlur(0.8))
        w, h = img.size
        variant = int(rng.integers(4))
        idx, mul, add = _paint_maps(w, h, s, variant)
        # wobbly, brushed edges (`take` gathers whole pixels ~4x faster than fancy indexing)
        a = np.asarray(img).reshape(-1, 3).take(idx, axis=0).reshape(h, w, 3).astype(np.float32)
        sm = a.copy()                                                  # strokes along one diagonal
        sm[2:, 2:] += a[1:-1, 1:-1] + a[:-2, :-2]
        sm[:-2, :-2] += a[1:-1, 1:-1] + a[2:, 2:]
        # a * 0.45 + sm * 0.11, then a * mul + add (bristle streaks, canvas), in place: the same
        # float32 operations in the same order, without a temporary frame for each
        a *= 0.45
        sm *= 0.55 / 5.0
        a += sm
        a *= mul
        a += add
        return Image.fromarray(np.clip(a, 0, 255, out=a).astype(np.uint8), "RGB")


_DIAG = ImageFilter.Kernel((5, 5), [1 if i == j else 0 for i in range(5) for j in range(5)], 5)


@lru_cache(maxsize=16)
def _paint_maps(w: int, h: int, s: float, variant: int):
    """Per-size texture bank (4 variants): a displacement gather index, a multiplicative bristle
    streak map and an additive colour-variation + canvas-weave map."""
    rng = np.random.default_rng(1009 + variant)
    f = max(1.0, min(w, h) / 512)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = (_smooth_noise(rng, w, h, 10 * f) * 2.2 + _smooth_noise(rng, w, h, 3 * f) * 0.9) * s * f
    dy = (_smooth_noise(rng, w, h, 10 * f) * 2.2 + _smooth_noise(rng, w, h, 3 * f) * 0.9) * s * f
    xi = np.clip(xx + dx + 0.5, 0, w - 1).astype(np.intp)
    yi = np.clip(yy + dy + 0.5, 0, h - 1).astype(np.intp)
    noise = Image.fromarray((rng.random((h, w)) * 255).astype(np.uint8), "L")
    streak = np.asarray(noise.filter(_DIAG).filter(_DIAG), dtype=np.float32)
    streak = (streak - streak.mean()) / (streak.std() + 1e-6)
    mul = (1.0 + s * 0.06 * streak)[..., None].astype(np.float32)
    colour = np.stack([_smooth_noise(rng, w, h, 40 * f) for _ in range(3)], axis=2) * (7.0 * s)
    weave = (np.sin(xx * 2.1 / f) * np.sin(yy * 2.1 / f) * (3.0 * s))[..., None]
    return (yi * w + xi).ravel(), mul, (colour + weave).astype(np.float32)


def _smooth_noise(rng: np.random.Generator, w: int, h: int, cell: float) -> np.ndarray:
    n = rng.standard_normal((max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))).astype(np.float32)
    return np.asarray(Image.fromarray(n, "F").resize((w, h), Image.Resampling.BICUBIC))


STYLE_CLASSES = (FlatVector, OutlinedCel, Pastel, Ink, PixelArt, Painterly)


def make_styles(knobs: StyleKnobs) -> dict[str, Style]:
    return {cls.name: cls(knobs) for cls in STYLE_CLASSES}
