"""The style-aware `Painter`: every shape of a frame goes through it.

All geometry is computed in *frame pixel* coordinates (floats); the painter multiplies by `k`
(the supersampling factor, or 1/pixel_size for pixel art) when it hands shapes to ImageDraw, and
applies the art style per shape: colour mapping, outlines (drawn as a slightly larger shape first)
and cel shading (a shadow fill with a lit fill offset towards the light on top).
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from storycast.renderers.procedural.geometry import (  # noqa: F401  (re-exported for the drawers)
    RGB,
    Local,
    clamp8,
    contrast_of,
    convex_hull,
    darker,
    ellipse_pts,
    hex_rgb,
    lighter,
    line_scale_for,
    luminance,
    mix,
    shadow_of,
    smooth_path,
    unit,
)

LIGHT_DIR = np.array([-0.55, -0.83])  # light comes from the upper left


# ---------------------------------------------------------------- painter
class Painter:
    """Draws style-aware shapes on a (supersampled) RGB canvas."""

    def __init__(self, width: int, height: int, k: float, style, outline_px: float,
                 cel_strength: float, bg: RGB = (0, 0, 0)):
        self.width, self.height, self.k = width, height, k
        self.cw, self.ch = max(1, math.ceil(width * k - 1e-9)), max(1, math.ceil(height * k - 1e-9))
        self.img = Image.new("RGB", (self.cw, self.ch), bg)
        self.draw = ImageDraw.Draw(self.img)
        self.adraw = ImageDraw.Draw(self.img, "RGBA")
        self.style = style
        self.outline_px = outline_px * style.outline_mul
        self.cel = style.cel
        self.cel_strength = cel_strength
        self.pixel = style.pixel
        self._fill: dict = {}
        self._line: dict = {}

    def reset_image(self, img: Image.Image) -> None:
        self.img = img
        self.draw = ImageDraw.Draw(img)
        self.adraw = ImageDraw.Draw(img, "RGBA")

    # colours through the style
    def fc(self, c) -> RGB:
        out = self._fill.get(c)
        if out is None:
            out = self._fill[c] = self.style.map_fill(tuple(c))
        return out

    def lc(self, c) -> RGB:
        out = self._line.get(c)
        if out is None:
            out = self._line[c] = self.style.map_line(tuple(c))
        return out

    def _ow(self, lw: float) -> float:
        """Outline width in canvas pixels (0 = none)."""
        if lw <= 0 or self.outline_px <= 0:
            return 0.0
        w = lw * self.outline_px * self.k
        return max(w, 1.0) if self.pixel else max(w, 0.8)

    def _w(self, w: float) -> int:
        return max(1, int(round(w * self.k)))

    # primitives ------------------------------------------------------------------
    def ellipse(self, cx, cy, rx, ry, color, lw: float = 0.0, cel: bool = True) -> None:
        k = self.k
        x0, y0, x1, y1 = (cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k
        if x1 - x0 < 0.5 or y1 - y0 < 0.5:
            return
        fill = self.fc(color)
        o = self._ow(lw)
        d = self.draw
        if o:
            d.ellipse((x0 - o, y0 - o, x1 + o, y1 + o), fill=self.style.outline_color(fill))
        if self.cel and cel and x1 - x0 > 6:
            d.ellipse((x0, y0, x1, y1), fill=shadow_of(fill, self.cel_strength))
            sx, sy = 0.22 * (x1 - x0), 0.22 * (y1 - y0)
            d.ellipse((x0, y0, x1 - sx, y1 - sy), fill=fill)
        else:
            d.ellipse((x0, y0, x1, y1), fill=fill)

    def circle(self, cx, cy, r, color, lw: float = 0.0, cel: bool = True) -> None:
        self.ellipse(cx, cy, r, r, color, lw, cel)

    def polygon(self, pts, color, lw: float = 0.0, cel: bool = True, band: float = 0.2) -> None:
        p = np.asarray(pts, dtype=float) * self.k
        if len(p) < 3:
            return
        fill = self.fc(color)
        o = self._ow(lw)
        d = self.draw
        flat = p.ravel().tolist()
        if o:
            oc = self.style.outline_color(fill)
            d.polygon(flat, fill=oc)
            d.line(flat + flat[:2], fill=oc, width=max(1, int(round(2 * o))), joint="curve")
        if self.cel and cel:
            x0, y0 = p.min(axis=0)
            x1, y1 = p.max(axis=0)
        if self.cel and cel and min(x1 - x0, y1 - y0) > 6:
            d.polygon(flat, fill=shadow_of(fill, self.cel_strength))
            f = 1.0 - band
            q = np.stack([x0 + (p[:, 0] - x0) * f, y0 + (p[:, 1] - y0) * f], axis=1)
            d.polygon(q.ravel().tolist(), fill=fill)
        else:
            d.polygon(flat, fill=fill)

    def blob(self, circles, color, lw: float = 0.0, cel: bool = True) -> None:
        """A union of circles (x, y, r) with one shared outline: curls, foliage, clouds."""
        k = self.k
        boxes = [((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k) for x, y, r in circles]
        fill = self.fc(color)
        o = self._ow(lw)
        d = self.draw
        if o:
            oc = self.style.outline_color(fill)
            for x0, y0, x1, y1 in boxes:
                d.ellipse((x0 - o, y0 - o, x1 + o, y1 + o), fill=oc)
        if self.cel and cel:
            sh = shadow_of(fill, self.cel_strength)
            for b in boxes:
                d.ellipse(b, fill=sh)
            for x0, y0, x1, y1 in boxes:
                d.ellipse((x0, y0, x1 - 0.25 * (x1 - x0), y1 - 0.25 * (y1 - y0)), fill=fill)
        else:
            for b in boxes:
                d.ellipse(b, fill=fill)

    def rect(self, x0, y0, x1, y1, color, lw: float = 0.0, cel: bool = True) -> None:
        self.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], color, lw, cel)

    def stroke(self, pts, width: float, color, lw: float = 0.0, cel: bool = True,
               open_start: float = 0.0) -> None:
        """A thick polyline with round caps and joints (limbs, tails, straps). `open_start` > 0
        leaves that fraction of the first segment without outline, so a limb grows out of the
        body it is attached to instead of showing a seam."""
        p = np.asarray(pts, dtype=float) * self.k
        w = width * self.k
        if w < 0.5:
            return
        fill = self.fc(color)
        o = self._ow(lw)
        d = self.draw
        if o:
            q = p
            if open_start > 0 and len(p) >= 2:
                q = np.vstack([p[0] + (p[1] - p[0]) * open_start, p[1:]])
                if open_start >= 1 and len(p) == 2:
                    q = p[1:]
            if len(q) >= 2:
                self._capsule(q, w + 2 * o, self.style.outline_color(fill))
            elif len(q) == 1:
                r = w / 2 + o
                d.ellipse((q[0][0] - r, q[0][1] - r, q[0][0] + r, q[0][1] + r),
                          fill=self.style.outline_color(fill))
        if self.cel and cel and w > 5:
            self._capsule(p, w, shadow_of(fill, self.cel_strength))
            self._capsule(p + LIGHT_DIR * 0.2 * w, w * 0.55, fill)
        else:
            self._capsule(p, w, fill)
        del d

    def _capsule(self, p: np.ndarray, w: float, fill) -> None:
        d = self.draw
        r = w / 2
        if len(p) >= 2:
            d.line(p.ravel().tolist(), fill=fill, width=max(1, int(round(w))), joint="curve")
        for x, y in (p[0], p[-1]):
            d.ellipse((x - r, y - r, x + r, y + r), fill=fill)

    def line(self, pts, width: float, color, closed: bool = False) -> None:
        """A thin detail line (mouth, brows, hatching) in a line colour, no outline or shading."""
        p = np.asarray(pts, dtype=float) * self.k
        if closed:
            p = np.vstack([p, p[:1]])
        w = max(1, int(round(width * self.k)))
        c = self.lc(color)
        self.draw.line(p.ravel().tolist(), fill=c, width=w, joint="curve")
        if w >= 3:
            r = w / 2
            for x, y in (p[0], p[-1]):
                self.draw.ellipse((x - r, y - r, x + r, y + r), fill=c)

    def dot(self, cx, cy, r, color) -> None:
        """A flat detail dot (pupils, highlights, stars): no outline, no shading."""
        k = self.k
        r = max(r * k, 0.5)
        self.draw.ellipse((cx * k - r, cy * k - r, cx * k + r, cy * k + r), fill=self.lc(color))

    def flat_polygon(self, pts, color) -> None:
        p = np.asarray(pts, dtype=float) * self.k
        if len(p) >= 3:
            self.draw.polygon(p.ravel().tolist(), fill=self.fc(color))

    def flat_rect(self, x0, y0, x1, y1, color) -> None:
        k = self.k
        x0, y0 = max(x0 * k, -1.0), max(y0 * k, -1.0)
        x1, y1 = min(x1 * k, self.cw + 1.0), min(y1 * k, self.ch + 1.0)
        if x1 - 1 >= x0 and y1 - 1 >= y0:
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=self.fc(color))

    def gradient(self, y0: float, y1: float, colors) -> None:
        """A vertical gradient through `colors` over the full width between frame rows y0 and y1."""
        k = self.k
        a, b = max(0, int(math.floor(y0 * k))), min(self.ch, int(math.ceil(y1 * k)))
        if b <= a:
            return
        cols = np.array([self.fc(tuple(c)) for c in colors], dtype=np.float32)
        rows = np.arange(a, b, dtype=np.float32) + 0.5
        t = np.clip((rows / k - y0) / max(y1 - y0, 1e-6), 0, 1) * (len(cols) - 1)
        i = np.minimum(t.astype(int), len(cols) - 2) if len(cols) > 1 else np.zeros_like(t, dtype=int)
        f = (t - i)[:, None] if len(cols) > 1 else np.zeros((len(t), 1), np.float32)
        j = np.minimum(i + 1, len(cols) - 1)
        col = cols[i] * (1 - f) + cols[j] * f
        strip = Image.fromarray(np.clip(col + 0.5, 0, 255).astype(np.uint8)[:, None, :], "RGB")
        self.img.paste(strip.resize((self.cw, b - a), Image.Resampling.NEAREST), (0, a))

    def glow(self, cx, cy, r, color, alpha: int) -> None:
        """A translucent disc (lamp light, sun haze, shadows)."""
        k = self.k
        self.adraw.ellipse(((cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k),
                           fill=(*self.fc(tuple(color)), int(alpha)))

    def paste_mask(self, color, mask: Image.Image, box_px: tuple[int, int]) -> None:
        """Fill `color` through an L mask whose top-left is at canvas pixel `box_px`."""
        self.img.paste(self.fc(color), (box_px[0], box_px[1], box_px[0] + mask.width,
                                        box_px[1] + mask.height), mask)
