"""Heads: species head shapes and ears, the 12 hair styles (front, three-quarter and back views).

Everything is drawn in the head frame `b.hf` (origin at the head centre, unit = head radius, y
down the face) so heads tilt with the pose. `fx` shifts the face towards the facing side in
three-quarter views; hair and ears shift the other way.
"""
from __future__ import annotations

import numpy as np

from storycast.renderers.procedural import accessories, face
from storycast.renderers.procedural.canvas import darker, ellipse_pts, lighter, mix, smooth_path
from storycast.renderers.procedural.look import INNER_EAR, MUZZLE

BACK_HAIR_BEHIND = {"long", "wavy", "bob", "twin_tails", "ponytail"}


def _hair_c(b):
    return b.look.hair


def behind(p, b) -> None:
    """Head parts behind the body: long hair, tails of hair, a hood."""
    look, hf, lw = b.look, b.hf, b.lw
    if look.top == "hoodie":
        p.polygon(hf.pts(ellipse_pts(-0.05 * b.turn, 0.55, 1.25, 0.75, 0, 360, 20)), darker(look.top_c, 0.85),
                  lw)
    if b.back or look.hair_style not in BACK_HAIR_BEHIND:
        return
    _back_hair(p, b, behind_body=True)


def _back_hair(p, b, behind_body: bool) -> None:
    hs, hf, lw, t = b.look.hair_style, b.hf, b.lw, b.turn
    col = _hair_c(b)
    fl = b.look.flip
    hx = -0.12 * t
    if hs in ("long", "wavy"):
        bottom = 2.3 if hs == "long" else 1.8
        n = 9
        ys = np.linspace(0.0, bottom, n)
        wav = (0.12 * np.sin(np.arange(n) * 2.4)) if hs == "wavy" else np.zeros(n)
        right = [(hx + 1.2 + 0.1 * y / bottom + w, y) for y, w in zip(ys, wav)]
        left = [(hx - 1.2 - 0.1 * y / bottom - w, y) for y, w in zip(ys[::-1], wav[::-1])]
        top = [(hx + x, y) for x, y in ellipse_pts(0, -0.02, 1.18, 1.1, 180, 360, 12)]
        tip = [(hx + 0.6, bottom + 0.15), (hx, bottom + 0.22), (hx - 0.6, bottom + 0.15)]
        p.polygon(hf.pts(top + right + tip + left), col, lw)
    elif hs == "bob":
        pts = [(hx + x, y) for x, y in ellipse_pts(0, -0.05, 1.22, 1.12, 180, 360, 14)]
        pts += [(hx + 1.25, 0.78), (hx - 1.25, 0.78)]
        p.polygon(hf.pts(pts), col, lw)
    elif hs == "twin_tails":
        for sx in ((-1, 1) if not t else (-t,)):
            _tail_of_hair(p, b, (sx * 0.8, -0.55), (sx * 1.55, 0.4), (sx * 1.35, 1.6), 0.42)
    elif hs == "ponytail":
        if b.back:
            _tail_of_hair(p, b, (0.0, -0.3), (0.15 * fl, 0.8), (0.0, 1.9), 0.4)
        elif t:
            _tail_of_hair(p, b, (-t * 0.85, -0.55), (-t * 1.5, 0.3), (-t * 1.35, 1.3), 0.42)
        else:
            _tail_of_hair(p, b, (fl * 0.75, -0.7), (fl * 1.45, 0.15), (fl * 1.25, 1.2), 0.4)
    del behind_body


def _tail_of_hair(p, b, root, mid, tip, width) -> None:
    """A bunch of hair (ponytail, twin tail): a smooth teardrop from root through mid to tip."""
    hf, col = b.hf, _hair_c(b)
    root, mid, tip = (np.array(v, dtype=float) for v in (root, mid, tip))
    d1 = mid - root
    n = np.array([-d1[1], d1[0]]) / (np.linalg.norm(d1) + 1e-9)
    d2 = tip - mid
    n2 = np.array([-d2[1], d2[0]]) / (np.linalg.norm(d2) + 1e-9)
    ctrl = [root + n * width * 0.35, mid + n * width * 0.9, mid + d2 * 0.6 + n2 * width * 0.45, tip,
            mid + d2 * 0.6 - n2 * width * 0.45, mid - n * width * 0.9, root - n * width * 0.35]
    p.polygon(hf.pts(smooth_path(ctrl, 5, closed=True)), col, b.lw)
    p.line(hf.pts(smooth_path([root + d1 * 0.3, mid + n * width * 0.2, mid + d2 * 0.6], 4)), 0.05 * hf.s,
           lighter(col, 0.3))
    tie = hf.p(*(root + (mid - root) * 0.12))
    p.circle(*tie, 0.17 * hf.s, b.look.acc_c, b.lw * 0.6, cel=False)


def draw(p, b, expression: str) -> None:
    look, hf, lw, t = b.look, b.hf, b.lw, b.turn
    fx = 0.33 * t
    _ears(p, b, behind_head=True)
    _head_shape(p, b)
    _ears(p, b, behind_head=False)
    if not b.back:
        _species_face(p, b, fx)
        face.draw(p, b, fx, expression)
    _front_hair(p, b)
    if b.back and look.hair_style in BACK_HAIR_BEHIND | {"braids"}:
        _back_hair(p, b, behind_body=False)
    if look.hair_style == "braids":
        _braids(p, b)
    accessories.head(p, b, fx)
    del lw, hf


def _head_shape(p, b) -> None:
    look, hf, lw = b.look, b.hf, b.lw
    sp = look.species
    if sp == "robot":
        a = np.radians(np.linspace(0, 360, 28, endpoint=False))
        c, s = np.cos(a), np.sin(a)
        pts = np.stack([np.sign(c) * np.abs(c) ** 0.45 * 0.98, np.sign(s) * np.abs(s) ** 0.45 * 0.92], 1)
        p.polygon(hf.pts(pts), look.skin, lw)
        return
    rx, ry = {"cat": (1.08, 0.95), "bear": (1.06, 0.98), "lizard": (1.04, 0.9), "owl": (1.06, 1.0)}.get(
        sp, (1.0, 0.97))
    pts = ellipse_pts(0, 0, rx, ry, 0, 360, 48)[:-1]
    if sp == "fox":           # cheek fluff: two soft points low on each side
        a = np.degrees(np.arctan2(pts[:, 1], pts[:, 0]))
        bump = np.zeros(len(a))
        for c in (22, 158, 42, 138):
            bump = np.maximum(bump, np.clip(1 - np.abs(a - c) / 11, 0, 1) * (0.16 if c in (22, 158) else 0.1))
        pts = pts * (1 + bump)[:, None]
    p.polygon(hf.pts(pts), look.skin, lw, band=0.1)


def _ears(p, b, behind_head: bool) -> None:
    look, hf, lw, t = b.look, b.hf, b.lw, b.turn
    ears, skin = look.ears, look.skin
    inner = INNER_EAR if look.covering == "fur" else lighter(skin, 0.3)
    shift = -0.15 * t
    if ears in ("round", "pointed"):
        sides = (-1, 1) if not t else (-t,)
        for sx in sides:
            if t and behind_head:
                continue
            if not t and not behind_head:
                continue
            x = sx * 0.97 if not t else -t * 0.7
            if ears == "round":
                r = (0.2, 0.26) if not t else (0.15, 0.22)
                p.polygon(hf.pts(ellipse_pts(x, 0.12, r[0], r[1], 0, 360, 14)), skin, lw)
            else:
                p.polygon(hf.pts([(x, -0.05), (x + sx * 0.75, -0.62), (x + sx * 0.12, 0.3)]), skin, lw)
        return
    if not behind_head:
        return
    if ears in ("cat", "fox"):
        tip = 1.5 if ears == "cat" else 1.7
        for sx in (-1, 1):
            base = [(shift + sx * 0.25, -0.75), (shift + sx * 0.95, -0.4)]
            apex = (shift + sx * 0.78, -tip)
            p.polygon(hf.pts(base + [apex]), skin, lw)
            ins = [(shift + sx * 0.42, -0.75), (shift + sx * 0.82, -0.55), (shift + sx * 0.74, -tip + 0.3)]
            p.polygon(hf.pts(ins), inner if ears == "cat" else darker(skin, 0.6), 0, cel=False)
    elif ears in ("bear", "mouse"):
        r, x, y = (0.32, 0.72, -0.78) if ears == "bear" else (0.5, 0.88, -0.72)
        for sx in (-1, 1):
            p.circle(*hf.p(shift + sx * x, y), r * hf.s, skin, lw)
            p.circle(*hf.p(shift + sx * x, y), r * 0.6 * hf.s, inner, 0, cel=False)
    elif ears == "rabbit":
        for sx in (-1, 1):
            flop = 0.35 if sx == b.look.flip else 0.0
            pts = ellipse_pts(shift + sx * (0.38 + flop), -1.5 + flop * 0.3, 0.22, 0.68, 0, 360, 18)
            p.polygon(hf.pts(pts), skin, lw)
            p.polygon(hf.pts(ellipse_pts(shift + sx * (0.38 + flop), -1.45 + flop * 0.3, 0.1, 0.5, 0, 360,
                                         14)), inner, 0, cel=False)
    elif ears == "tufts":          # owl: feather tufts fanning up and out
        for sx in (-1, 1):
            x = shift + sx * 0.55
            pts = [(x - sx * 0.25, -0.8), (x + sx * 0.2, -1.25), (x + sx * 0.22, -1.05), (x + sx * 0.5,
                                                                                          -1.32),
                   (x + sx * 0.42, -1.0), (x + sx * 0.68, -1.12), (x + sx * 0.45, -0.6)]
            p.polygon(hf.pts(pts), darker(skin, 0.78), lw)
    elif ears == "antenna":
        p.stroke(hf.pts([(0, -0.8), (0, -1.45)]), 0.08 * hf.s, darker(skin, 0.7), lw)
        p.circle(*hf.p(0, -1.5), 0.16 * hf.s, (235, 80, 70), lw)
        for sx in ((-1, 1) if not t else (-t,)):
            p.circle(*hf.p(sx * 0.98 if not t else -t * 0.7, 0.05), 0.2 * hf.s, darker(skin, 0.75), lw)


def _species_face(p, b, fx: float) -> None:
    look, hf, lw, t = b.look, b.hf, b.lw, b.turn
    sp, s = look.species, hf.s
    if sp == "robot":
        pts = ellipse_pts(fx, 0.1, 0.74, 0.56, 0, 360, 24)
        pts = np.stack([fx + np.clip((pts[:, 0] - fx) * 1.25, -0.74, 0.74),
                        0.1 + np.clip((pts[:, 1] - 0.1) * 1.25, -0.56, 0.56)], 1)
        p.polygon(hf.pts(pts), look.skin_light, lw * 0.6, cel=False)
    elif sp in MUZZLE:
        p.polygon(hf.pts(ellipse_pts(fx * 1.15, 0.5, 0.46, 0.33, 0, 360, 20)), look.skin_light, 0, cel=False)
        nose = (225, 120, 135) if sp in ("cat", "rabbit", "mouse") else (45, 32, 36)
        p.polygon(hf.pts([(fx * 1.25 - 0.12, 0.27), (fx * 1.25 + 0.12, 0.27), (fx * 1.25, 0.38)]), nose,
                  lw * 0.5, cel=False)
        if sp in ("cat", "mouse", "rabbit"):
            for sx in (-1, 1):
                x0 = fx * 1.15 + sx * 0.3
                for dy in (-0.05, 0.07):
                    p.line(hf.pts([(x0, 0.45 + dy), (x0 + sx * 0.5, 0.4 + dy * 1.6)]), 0.035 * s,
                           darker(look.skin_light, 0.5))
    elif sp == "lizard":
        p.polygon(hf.pts(ellipse_pts(fx * 1.6, 0.42, 0.62, 0.4, 0, 360, 20)), mix(look.skin, look.skin_light,
                                                                                    0.5), lw)
        for sx in (-1, 1):
            p.dot(*hf.p(fx * 1.6 + sx * 0.16 + 0.25 * t, 0.3), 0.04 * s, darker(look.skin, 0.45))
        for x, y in ((-0.6, -0.5), (-0.3, -0.7), (0.2, -0.65), (0.55, -0.45), (0.0, -0.45)):
            p.dot(*hf.p(x - 0.1 * t, y), 0.07 * s, darker(look.skin, 0.8))
    elif sp == "owl":
        for sx in (-1, 1):
            p.circle(*hf.p(fx + sx * 0.4, 0.08), 0.44 * s, look.skin_light, 0, cel=False)
        p.line(hf.pts([(fx - 0.75, -0.3), (fx, 0.05), (fx + 0.75, -0.3)]), 0.09 * s, darker(look.skin, 0.7))
        p.polygon(hf.pts([(fx * 1.2 - 0.13, 0.3), (fx * 1.2 + 0.13, 0.3), (fx * 1.2 + 0.05 * t, 0.58)]),
                  (238, 170, 60), lw * 0.6, cel=False)
    elif sp in ("human", "elf"):
        p.line(hf.pts([(fx * 1.3, 0.25), (fx * 1.3 + 0.05 + 0.06 * t, 0.35)]), 0.06 * s,
               darker(look.skin, 0.72))


def _cap(b, fringe: str) -> list:
    """Top-of-head hair: an arc over the skull and a fringe edge across the forehead."""
    hx = -0.08 * b.turn
    arc = [(hx + x, y) for x, y in ellipse_pts(0, -0.04, 1.1, 1.08, 165, 375, 20)]
    if fringe == "part":       # centre parting: curtains down the sides
        edge = [(1.08, 0.3), (0.55, -0.32), (0.1, -0.72), (-0.1, -0.72), (-0.55, -0.32), (-1.08, 0.3)]
    elif fringe == "blunt":
        edge = [(1.1, 0.3), (0.92, -0.28), (-0.92, -0.28), (-1.1, 0.3)]
    elif fringe == "swept":
        f = b.look.flip
        edge = [(1.08, 0.1), (0.6 * f, -0.3), (0.0, -0.45 + 0.1 * f), (-0.6 * f, -0.62), (-1.08, 0.0)]
        if f < 0:
            edge = [(1.08, 0.0), (0.6, -0.62), (0.0, -0.55), (-0.6, -0.3), (-1.08, 0.1)]
    else:                      # scalloped
        edge = [(1.06, 0.05)] + [(x, -0.32 - 0.12 * (i % 2)) for i, x in enumerate(np.linspace(0.8, -0.8, 7))]
        edge += [(-1.06, 0.05)]
    return arc + [(hx * 0.5 + x, y) for x, y in edge]


def _front_hair(p, b) -> None:
    look, hf, lw, t = b.look, b.hf, b.lw, b.turn
    hs = look.hair_style
    col = _hair_c(b)
    if hs == "bald":
        return
    if b.back and hs not in ("mohawk", "curly", "spiky"):
        if hs == "bun":
            p.circle(*hf.p(0, -0.95), 0.46 * hf.s, col, lw)
        pts = ellipse_pts(0, -0.04, 1.1, 1.08, 0, 360, 28)
        pts[:, 1] = np.minimum(pts[:, 1], 0.72)
        p.polygon(hf.pts(pts), col, lw)
        return
    if hs == "mohawk":
        if t:                       # side view: a fin from forehead to nape
            fin = []
            angles = np.linspace(200, 340, 11)
            for i, a in enumerate(angles):
                rise = 0.5 * np.sin(np.radians((a - 200) * 180 / 140)) ** 0.6
                r = 1.02 + rise * (1.0 if i % 2 else 0.75)
                fin.append((r * np.cos(np.radians(a)) - 0.05 * t, r * np.sin(np.radians(a))))
            fin += [(0.9 * np.cos(np.radians(a)) - 0.05 * t,
                     0.9 * np.sin(np.radians(a))) for a in angles[::-1]]
            p.polygon(hf.pts(fin), col, lw)
        else:
            pts = [(-0.22, -0.75), (-0.3, -1.15), (-0.12, -1.08), (0.0, -1.6), (0.12, -1.08), (0.3, -1.15),
                   (0.22, -0.75)]
            p.polygon(hf.pts(pts), col, lw)
        return
    if hs == "curly":
        circles = []
        for a in np.linspace(150, 390, 11):
            ang = np.radians(a)
            circles.append((1.0 * np.cos(ang) - 0.08 * t, 0.98 * np.sin(ang) - 0.05, 0.34))
        if not b.back:
            circles += [(x - 0.05 * t, -0.5 - 0.06 * (i % 2), 0.28) for i, x in enumerate((-0.5, 0.0, 0.5))]
        else:
            circles += [(x, y, 0.45) for x in (-0.4, 0.0, 0.4) for y in (-0.35, 0.1, 0.5)]
        p.blob([(*hf.p(x, y), r * hf.s) for x, y, r in circles], col, lw)
        return
    if hs == "spiky":
        pts = []
        for i, a in enumerate(np.linspace(165, 375, 15)):
            ang = np.radians(a)
            r = 1.55 if (i % 2 and 190 < a < 350) else 1.08
            pts.append((r * np.cos(ang) - 0.08 * t, r * np.sin(ang) - 0.04))
        if not b.back:
            pts += [(0.9, -0.2), (0.5, -0.45), (0.2, -0.25), (-0.1, -0.5), (-0.45, -0.25), (-0.9, -0.2)]
        else:
            pts += [(0.9, 0.6), (-0.9, 0.6)]
        p.polygon(hf.pts(pts), col, lw)
        return
    if hs == "bun":
        p.circle(*hf.p(-0.45 * t, -1.0), 0.46 * hf.s, col, lw)
    fringe = {"long": "part", "braids": "part", "twin_tails": "part", "bob": "blunt", "wavy": "swept",
              "ponytail": "swept"}.get(hs, "scallop")
    p.polygon(hf.pts(_cap(b, fringe)), col, lw)
    if hs in ("long", "wavy") and not t:
        for sx in (-1, 1):
            p.stroke(hf.pts([(sx * 0.98, 0.1), (sx * 1.08, 1.0), (sx * 1.05, 1.6)]), 0.34 * hf.s, col, lw)
    p.line(hf.pts(ellipse_pts(-0.35, -0.55, 0.35, 0.25, 200, 290, 6)), 0.08 * hf.s, lighter(col, 0.35))


def _braids(p, b) -> None:
    hf, col, lw, t = b.hf, _hair_c(b), b.lw, b.turn
    sides = (-1, 1) if not t else (-t,)
    for sx in sides:
        x0 = sx * (0.88 if not b.back else 0.45) if not t else -t * 0.6
        for i in range(5):
            p.circle(*hf.p(x0 + sx * 0.04 * i, 0.35 + 0.36 * i), 0.24 * hf.s, col, lw)
        p.circle(*hf.p(x0 + sx * 0.2, 0.35 + 0.36 * 4.6), 0.13 * hf.s, b.look.acc_c, lw * 0.6, cel=False)
