"""Accessories in the character's accessory colour: cape, backpack, satchel, scarf, bowtie (body)
and glasses, round hat, cap, hair bow, headband, crown, goggles (head)."""
from __future__ import annotations

import numpy as np

from storycast.renderers.procedural.canvas import darker, ellipse_pts, lighter

GLASS = (190, 225, 245)
GOLD = (236, 190, 70)


def behind(p, b) -> None:
    """Accessory parts behind the body (front and three-quarter views)."""
    acc, col, T, lw, t = b.look.accessories, b.look.acc_c, b.T, b.lw, b.turn
    if b.back:
        return
    if "cape" in acc:
        p.polygon(_cape(b), darker(col, 0.8), lw)
    if "backpack" in acc:
        if t:
            x0 = -t * b.ws * 0.5
            x1 = x0 - t * 0.13
            p.polygon(T.pts([(x0, 0.03), (x1, 0.05), (x1, 0.27), (x0, 0.28)]), col, lw)
        else:
            p.polygon(T.pts(ellipse_pts(0, 0.12, b.ws * 1.15, 0.14, 180, 360, 10).tolist() + [(b.ws * 1.15,
                                                                                               0.26),
                                                                                           (-b.ws * 1.15,
                                                                                            0.26)]),
                      col, lw)


def _cape(b) -> np.ndarray:
    t, ws = b.turn, b.ws
    drift = -0.12 * t
    bottom = b.L + 0.36
    return b.T.pts([(-ws * 0.8, -0.01), (ws * 0.8, -0.01), (ws * 1.9 + drift, bottom),
                    (drift * 0.5, bottom + 0.03), (-ws * 1.9 + drift, bottom)])


def body(p, b) -> None:
    """Accessory parts drawn over the torso."""
    acc, col, T, lw, t, s = b.look.accessories, b.look.acc_c, b.T, b.lw, b.turn, b.s
    f = b.look.flip
    strap = darker(col, 0.7)
    if "cape" in acc:
        if b.back:
            p.polygon(_cape(b), col, lw)
        else:
            p.circle(*T.p(0.0, 0.01), 0.022 * s, GOLD, lw * 0.6)
    if "backpack" in acc:
        if b.back:
            p.polygon(T.pts([(-b.ws * 0.8, 0.03), (b.ws * 0.8, 0.03), (b.ws * 0.85, b.L * 0.85),
                             (-b.ws * 0.85, b.L * 0.85)]), col, lw)
            p.polygon(T.pts([(-b.ws * 0.55, b.L * 0.45), (b.ws * 0.55, b.L * 0.45), (b.ws * 0.55, b.L * 0.78),
                             (-b.ws * 0.55, b.L * 0.78)]), darker(col, 0.85), lw * 0.7)
        else:
            for sx in ((-1, 1) if not t else (t,)):
                x = sx * b.ws * 0.55 if not t else -t * 0.01
                p.stroke(T.pts([(x, -0.005), (x * 1.05, b.L * 0.62)]), 0.024 * s, strap, lw * 0.6, cel=False)
    if "satchel" in acc:
        d = f if not b.back else -f
        p.stroke(T.pts([(d * b.ws * 0.7, -0.005), (-d * b.ww * 0.95, b.L - 0.05)]), 0.02 * s, strap, lw * 0.6,
                 cel=False)
        bx = -d * (b.ww + 0.01) if not t else t * 0.02
        bag = [(bx - 0.065, b.L - 0.07), (bx + 0.065, b.L - 0.07), (bx + 0.06, b.L + 0.03), (bx - 0.06,
                                                                                             b.L + 0.03)]
        p.polygon(T.pts(bag), col, lw)
        p.polygon(T.pts([(bx - 0.065, b.L - 0.07), (bx + 0.065, b.L - 0.07), (bx, b.L - 0.02)]), strap,
                  lw * 0.6,
                  cel=False)
    if "scarf" in acc:
        p.stroke(T.pts([(-0.07, -0.005), (0.07, -0.005)]), 0.055 * s, col, lw)
        tail_x = f * 0.045 if not t else -t * 0.08
        end = (tail_x + (-t * 0.06), 0.17) if t else (tail_x, 0.17)
        p.stroke(T.pts([(tail_x, 0.0), end]), 0.04 * s, darker(col, 0.9), lw)
        p.line(T.pts([(end[0] - 0.02, end[1] - 0.03), (end[0] + 0.02, end[1] - 0.03)]), 0.01 * s,
               lighter(col, 0.4))
    if "bowtie" in acc and not b.back:
        y = 0.015
        for sx in (-1, 1):
            p.polygon(T.pts([(0, y), (sx * 0.055, y - 0.03), (sx * 0.055, y + 0.03)]), col, lw * 0.8)
        p.circle(*T.p(0, y), 0.014 * s, darker(col, 0.75), lw * 0.6, cel=False)


def head(p, b, fx: float) -> None:
    acc, col, hf, lw, t = b.look.accessories, b.look.acc_c, b.hf, b.lw, b.turn
    f = b.look.flip if not b.back else -b.look.flip
    R = hf.s
    if "goggles" in acc:
        p.stroke(hf.pts(ellipse_pts(0, -0.1, 1.03, 0.9, 190, 350, 12)), 0.16 * R, (60, 56, 62), lw * 0.6,
                 cel=False)
        if not b.back:
            for sx in (-1, 1):
                x = fx * 0.8 + sx * 0.36 * (1 - 0.2 * abs(t))
                p.circle(*hf.p(x, -0.55), 0.27 * R, col, lw * 0.8, cel=False)
                p.circle(*hf.p(x, -0.55), 0.17 * R, GLASS, 0, cel=False)
                p.dot(*hf.p(x - 0.06, -0.61), 0.05 * R, (255, 255, 255))
    if "headband" in acc:
        p.stroke(hf.pts(ellipse_pts(-0.06 * t, -0.12, 1.05, 0.98, 195, 345, 14)), 0.2 * R, col, lw * 0.8)
    if "crown" in acc:
        xs = np.linspace(-0.6, 0.6, 5) - 0.1 * t
        pts = [(xs[0], -0.72)] + [(x, -1.45 if i % 2 == 0 else -1.08) for i, x in enumerate(xs)]
        pts += [(xs[-1], -0.72)]
        p.polygon(hf.pts(pts), col, lw)
        p.dot(*hf.p(-0.1 * t, -0.92), 0.1 * R, (220, 50, 70))
    if "round_hat" in acc:
        cx = -0.06 * t
        p.polygon(hf.pts(ellipse_pts(cx, -0.62, 1.55, 0.32, 0, 360, 24)), darker(col, 0.85), lw)
        dome = ellipse_pts(cx, -0.66, 0.92, 0.78, 180, 360, 16)
        p.polygon(hf.pts(dome), col, lw)
        p.stroke(hf.pts([(cx - 0.9, -0.72), (cx + 0.9, -0.72)]), 0.16 * R, darker(col, 0.6), 0, cel=False)
    if "cap" in acc:
        cx = -0.05 * t
        dome = ellipse_pts(cx, -0.25, 1.07, 0.95, 180, 360, 18)
        p.polygon(hf.pts(dome), col, lw)
        p.dot(*hf.p(cx, -1.18), 0.1 * R, darker(col, 0.7))
        if t:
            p.polygon(hf.pts(ellipse_pts(cx + t * 1.05, -0.3, 0.55, 0.14, 0, 360, 14)), darker(col, 0.8), lw)
        elif not b.back:
            p.polygon(hf.pts(ellipse_pts(cx, -0.3, 0.85, 0.2, 0, 180, 12)), darker(col, 0.8), lw)
    if "hair_bow" in acc:
        c = np.array((f * 0.7, -0.85))
        for sx in (-1, 1):
            p.polygon(hf.pts([c, c + (sx * 0.42, -0.25), c + (sx * 0.42, 0.25)]), col, lw * 0.8)
        p.circle(*hf.p(*c), 0.11 * R, darker(col, 0.75), lw * 0.6, cel=False)
    if "glasses" in acc and not b.back:
        spread = 0.36 * (1 - 0.2 * abs(t))
        frame = darker(col, 0.85)
        for sx in (-1, 1):
            far = t != 0 and sx == t
            ex = fx + sx * spread * (0.85 if far else 1.0)
            p.line(hf.pts(ellipse_pts(ex, 0.08, 0.27 * (0.72 if far else 1.0), 0.26, 0, 360, 16)),
                   0.075 * R, frame)
        p.line(hf.pts([(fx - spread + 0.25, 0.05), (fx + spread - 0.25, 0.05)]), 0.07 * R, frame)
        if t:
            p.line(hf.pts([(fx - t * (spread + 0.27), 0.05), (-t * 0.55, 0.0)]), 0.07 * R, frame)
