"""Faces: eyes (with the eye colour), brows and mouths for the 12 expressions, plus the cartoon
marks (tears, sweat drop, blush, zzz, ?, !, anger vein) that make an expression readable at frame
scale. Coordinates are in the head frame (unit = head radius)."""
from __future__ import annotations

import numpy as np

from storycast.renderers.procedural.canvas import darker, ellipse_pts, lighter, luminance, mix
from storycast.renderers.procedural.look import MUZZLE

WHITE = (250, 250, 246)
MOUTH_IN = (128, 38, 52)
TONGUE = (232, 112, 124)
TEAR = (110, 180, 246)
BLUSH = (244, 120, 140)
LIGHT_MARKS_BELOW = 0.33   # brows and mouth are drawn light on a covering no brighter than this

# eyes, brow (raise, inner tilt: + = inner end down), mouth, marks
EXPRESSIONS: dict[str, tuple] = {
    "neutral": ("open", (0.0, 0.0), "flat", ()),
    "happy": ("open", (-0.05, -0.05), "smile", ("blush",)),
    "sad": ("droop", (0.02, -0.16), "frown", ()),
    "angry": ("glare", (0.08, 0.2), "gritted", ("vein",)),
    "surprised": ("wide", (-0.18, -0.02), "o_big", ("bang",)),
    "scared": ("wide", (-0.1, -0.16), "wavy", ("sweat", "pale")),
    "disgusted": ("squint", (0.04, 0.12), "skew", ("green",)),
    "laughing": ("arc", (-0.1, -0.04), "grin", ("blush",)),
    "crying": ("shut", (0.0, -0.18), "wail", ("tears",)),
    "determined": ("glare_soft", (0.04, 0.12), "firm", ()),
    "confused": ("open", (0.0, 0.0), "wavy_small", ("question",)),
    "sleepy": ("half", (0.06, -0.04), "o_small", ("zzz",)),
}


def draw(p, b, fx: float, expression: str) -> None:
    look, hf, t = b.look, b.hf, b.turn
    eyes, (raise_, tilt), mouth, marks = EXPRESSIONS[expression]
    sp = look.species
    skin = look.skin_light if sp == "robot" else look.skin
    ink = (44, 32, 40) if luminance(skin) > LIGHT_MARKS_BELOW else (236, 226, 214)
    if sp == "robot":
        ink = lighter(look.eye, 0.55)
    under_mouth = look.skin_light if (sp in MUZZLE or sp == "robot") else skin
    mink = (44, 32, 40) if luminance(under_mouth) > LIGHT_MARKS_BELOW else (236, 226, 214)
    if sp == "robot":
        mink = ink
    w = hf.s * 0.085  # face line width in pixels
    big = {"owl": 1.3, "robot": 1.1}.get(sp, 1.0)
    spread = 0.36 * (1 - 0.2 * abs(t)) * (1.1 if sp == "owl" else 1.0)
    for sx in (-1, 1):
        far = t != 0 and sx == t
        ex, ey = fx + sx * spread * (0.85 if far else 1.0), 0.08
        sqz = 0.72 if far else 1.0
        _eye(p, b, ex, ey, sx, sqz, big, eyes, skin, ink, w, sp == "robot")
        _brow(p, b, ex, ey, sx, sqz, big, raise_, tilt, ink, w, expression == "confused")
    _mouth(p, b, fx * 1.12, 0.58 if sp in MUZZLE else 0.55, mouth, mink, w, 0.8 if t else 1.0)
    for m in marks:
        _mark(p, b, fx, m, skin, w)


def _eye(p, b, ex, ey, sx, sqz, big, kind, skin, ink, w, robot) -> None:
    hf = b.hf
    rx, ry = 0.16 * big * sqz, 0.21 * big
    t = b.turn
    if kind == "arc":       # happy closed eyes: upward arcs
        p.line(hf.pts(ellipse_pts(ex, ey + 0.06, rx * 1.1, ry * 0.9, 200, 340, 9)), w * 1.1, ink)
        return
    if kind == "shut":      # squeezed shut: > <
        d = -sx
        p.line(hf.pts([(ex - d * rx, ey - ry * 0.7), (ex + d * rx * 0.9, ey), (ex - d * rx, ey + ry * 0.6)]),
               w * 1.1, ink)
        return
    if kind == "wide":
        rx, ry = rx * 1.25, ry * 1.22
    eye_col = b.look.eye
    if robot:
        p.ellipse(*hf.p(ex, ey), rx * hf.s * 1.1, ry * hf.s * 0.9, lighter(eye_col, 0.25), b.lw * 0.5,
                  cel=False)
        p.dot(*hf.p(ex - 0.04, ey - 0.06), 0.05 * hf.s, WHITE)
    else:
        p.ellipse(*hf.p(ex, ey), rx * hf.s, ry * hf.s, WHITE, b.lw * 0.55, cel=False)
        ir = (0.55 if kind == "wide" else 0.8)
        ix = ex + 0.3 * rx * t
        p.dot(*hf.p(ix, ey + 0.02), rx * ir * hf.s, eye_col)
        p.dot(*hf.p(ix, ey + 0.02), rx * ir * 0.5 * hf.s, (24, 20, 26))
        p.dot(*hf.p(ix - rx * 0.3, ey - ry * 0.3), rx * 0.26 * hf.s, WHITE)
    lid = {"half": (0.55, 0.0), "glare": (0.45, 0.35), "glare_soft": (0.3, 0.25), "squint": (0.5, 0.2),
           "droop": (0.3, -0.35)}.get(kind)
    if lid:
        cover, slant = lid                  # slant > 0: inner corner lower (angry)
        x_in, x_out = ex - sx * rx * 1.3, ex + sx * rx * 1.3
        y_base = ey - ry * 1.2
        y_line = ey - ry + 2 * ry * cover
        y_in, y_out = y_line + slant * ry, y_line - slant * ry
        p.flat_polygon(hf.pts([(x_in, y_base), (x_out, y_base), (x_out, y_out), (x_in, y_in)]), skin)
        p.line(hf.pts([(x_in, y_in), (x_out, y_out)]), w, ink)
        if kind == "squint":
            p.flat_polygon(hf.pts([(x_in, ey + ry * 1.2), (x_out, ey + ry * 1.2), (x_out, ey + ry * 0.45),
                                   (x_in, ey + ry * 0.45)]), skin)


def _brow(p, b, ex, ey, sx, sqz, big, raise_, tilt, ink, w, confused) -> None:
    hf = b.hf
    if confused:
        raise_, tilt = (-0.16, -0.05) if sx == b.look.flip else (0.04, 0.1)
    y = ey - 0.36 * big + raise_
    half = 0.17 * sqz
    x_in, x_out = ex - sx * half, ex + sx * half
    mid = ((x_in + x_out) / 2, y - 0.04 - (0.03 if raise_ < -0.1 else 0))
    p.line(hf.pts([(x_in, y + tilt), mid, (x_out, y - tilt * 0.4)]), w * 1.25, ink)


def _mouth(p, b, mx, my, kind, ink, w, narrow) -> None:
    hf = b.hf
    mw = 0.26 * narrow
    if kind == "flat":
        p.line(hf.pts([(mx - mw * 0.55, my), (mx, my + 0.02), (mx + mw * 0.55, my)]), w, ink)
    elif kind == "smile":
        p.line(hf.pts(ellipse_pts(mx, my - 0.06, mw * 0.85, 0.16, 15, 165, 9)), w * 1.1, ink)
    elif kind == "frown":
        p.line(hf.pts(ellipse_pts(mx, my + 0.1, mw * 0.7, 0.13, 200, 340, 9)), w * 1.1, ink)
    elif kind == "firm":
        p.line(hf.pts([(mx - mw * 0.6, my + 0.03), (mx + mw * 0.45, my), (mx + mw * 0.65, my - 0.05)]),
               w * 1.2, ink)
    elif kind in ("o_big", "o_small"):
        r = (0.13, 0.18) if kind == "o_big" else (0.08, 0.09)
        p.ellipse(*hf.p(mx, my + 0.04), r[0] * hf.s, r[1] * hf.s, MOUTH_IN, b.lw * 0.5, cel=False)
    elif kind in ("grin", "wail"):
        if kind == "grin":
            pts = ellipse_pts(mx, my - 0.06, mw * 1.05, 0.3, 0, 180, 14)
        else:
            pts = ellipse_pts(mx, my + 0.2, mw * 0.8, 0.26, 180, 360, 14)
        p.polygon(hf.pts(pts), MOUTH_IN, b.lw * 0.5, cel=False)
        ty = my + (0.14 if kind == "grin" else 0.11)
        p.ellipse(*hf.p(mx, ty), mw * 0.5 * hf.s, 0.07 * hf.s, TONGUE, 0, cel=False)
        if kind == "grin":
            p.flat_polygon(hf.pts([(mx - mw * 0.85, my - 0.055), (mx + mw * 0.85, my - 0.055),
                                   (mx + mw * 0.75, my + 0.02), (mx - mw * 0.75, my + 0.02)]), WHITE)
    elif kind == "gritted":
        x0, x1, y0, y1 = mx - mw * 0.8, mx + mw * 0.8, my - 0.06, my + 0.1
        p.polygon(hf.pts([(x0, y0 + 0.03), (x1, y0 + 0.03), (x1, y1), (x0, y1)]), WHITE, b.lw * 0.6,
                  cel=False)
        p.line(hf.pts([(x0, (y0 + y1) / 2 + 0.015), (x1, (y0 + y1) / 2 + 0.015)]), w * 0.7, ink)
        for x in np.linspace(x0, x1, 5)[1:-1]:
            p.line(hf.pts([(x, y0 + 0.03), (x, y1)]), w * 0.6, ink)
    elif kind in ("wavy", "wavy_small"):
        n, amp = (7, 0.05) if kind == "wavy" else (5, 0.035)
        xs = np.linspace(mx - mw * 0.75, mx + mw * 0.75, n) if kind == "wavy" else np.linspace(
            mx - mw * 0.5, mx + mw * 0.5, n)
        p.line(hf.pts([(x, my + (amp if i % 2 else -amp)) for i, x in enumerate(xs)]), w, ink)
    elif kind == "skew":
        f = b.look.flip
        p.line(hf.pts([(mx - f * mw * 0.7, my + 0.07), (mx - f * mw * 0.2, my - 0.01), (mx + f * mw * 0.2,
                                                                                        my + 0.04),
                       (mx + f * mw * 0.7, my - 0.06)]), w * 1.1, ink)
        p.ellipse(*hf.p(mx + f * mw * 0.35, my + 0.1), 0.09 * hf.s, 0.09 * hf.s, TONGUE, b.lw * 0.4,
                  cel=False)


def _mark(p, b, fx, kind, skin, w) -> None:
    hf, s, t = b.hf, b.hf.s, b.turn
    side = b.look.flip if not t else t
    if kind == "blush":
        for sx in (-1, 1):
            if t and sx == t:
                continue
            p.ellipse(*hf.p(fx + sx * 0.55, 0.38), 0.17 * s, 0.09 * s, mix(skin, BLUSH, 0.6), 0, cel=False)
    elif kind == "tears":
        for sx in (-1, 1):
            x = fx + sx * 0.36
            p.stroke(hf.pts([(x, 0.22), (x + sx * 0.05, 0.55), (x + sx * 0.03, 0.85)]), 0.12 * s, TEAR, 0,
                     cel=False)
            p.circle(*hf.p(x + sx * 0.1, 1.05), 0.08 * s, TEAR, 0, cel=False)
    elif kind == "sweat":
        x, y = side * 0.95, -0.45
        drop = [(x, y - 0.3), (x + 0.14, y + 0.02), (x, y + 0.14), (x - 0.14, y + 0.02)]
        p.polygon(hf.pts(drop), (160, 214, 250), b.lw * 0.5, cel=False)
    elif kind == "pale":
        for i in range(3):
            x = fx - 0.3 + 0.3 * i
            p.line(hf.pts([(x, -0.6), (x, -0.3)]), w * 0.8, (120, 140, 220))
    elif kind == "green":
        for sx in (-1, 1):
            p.line(hf.pts([(fx + sx * 0.2, 0.3), (fx + sx * 0.55, 0.3)]), w * 0.8, (110, 170, 80))
    elif kind == "vein":
        c = hf.p(-side * 0.55, -0.62)
        r = 0.14 * s
        for a in (45, 135, 225, 315):
            d = np.array([np.cos(np.radians(a)), np.sin(np.radians(a))])
            n = np.array([-d[1], d[0]])
            p.line([c + d * r * 0.4 + n * r * 0.5, c + d * r * 1.1, c + d * r * 0.4 - n * r * 0.5], w,
                   (210, 40, 50))
    else:                    # symbols beside the head, upright on screen
        base = hf.o + np.array([side * 1.35 * s, -1.15 * s])
        col = darker((60, 60, 120), 1.0)
        sz = 0.5 * s
        lwid = max(w * 1.2, 1.0)
        if kind == "zzz":
            for i, k in enumerate((0.6, 0.85)):
                o = base + np.array([side * i * 0.45 * s, -i * 0.5 * s])
                z = sz * k
                p.line([o, o + (z, 0), o + (0, z), o + (z, z)], lwid, col)
        elif kind == "question":
            pts = ellipse_pts(base[0], base[1], sz * 0.4, sz * 0.35, 180, 400, 10)
            pts = np.vstack([pts, [(base[0], base[1] + sz * 0.6)]])
            p.line(pts, lwid * 1.2, col)
            p.dot(base[0], base[1] + sz * 0.95, lwid * 0.8, col)
        elif kind == "bang":
            p.line([base + (0, -sz * 0.3), base + (0, sz * 0.55)], lwid * 1.4, (210, 60, 50))
            p.dot(base[0], base[1] + sz * 0.9, lwid * 0.8, (210, 60, 50))
