"""Character bodies: torso, clothing, limbs following the pose skeleton, hands, shoes, tails.

Limbs are thick rounded strokes along the keypoints (shoulder -> elbow -> wrist, hip -> knee ->
ankle) so the drawing always agrees with the pose map. Draw order gives natural self-occlusion:
far limbs behind the torso in three-quarter views, arms behind the back in back views.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from storycast.renderers.base import CharacterControl
from storycast.renderers.procedural import accessories, clothes, head
from storycast.renderers.procedural.canvas import (
    Local,
    Painter,
    darker,
    ellipse_pts,
    lighter,
    line_scale_for,
    mix,
    smooth_path,
    unit,
)
from storycast.renderers.procedural.look import LONG_SLEEVES, SHORT_SLEEVES, Look, look_of
from storycast.skeleton import (
    L_ANK,
    L_ELB,
    L_HIP,
    L_KNE,
    L_SHO,
    L_WRI,
    NECK,
    NOSE,
    R_ANK,
    R_ELB,
    R_HIP,
    R_KNE,
    R_SHO,
    R_WRI,
)

TURN = {"front": 0, "back": 0, "right": 1, "left": -1}


@dataclass
class Body:
    look: Look
    kp: np.ndarray
    s: float
    lw: float
    turn: int
    back: bool
    T: Local           # torso frame: origin at the neck, y along the spine, unit = body unit
    L: float           # spine length (body units)
    ws: float          # half widths at shoulder, waist, hip (body units)
    ww: float
    wh: float
    ta: float          # arm / leg thickness (pixels)
    tl: float
    hf: Local          # head frame: origin at the head centre, unit = head radius
    hem: float         # where the top ends (body units below the neck)

    @property
    def mid_hip(self) -> np.ndarray:
        return (self.kp[R_HIP] + self.kp[L_HIP]) / 2


def build_body(c: CharacterControl) -> Body:
    look = look_of(c.character)
    kp = np.asarray(c.keypoints, dtype=float)
    s = float(c.scale)
    turn = TURN[c.facing]
    neck, mid = kp[NECK], (kp[R_HIP] + kp[L_HIP]) / 2
    T = Local(neck, mid - neck if np.linalg.norm(mid - neck) > 1e-6 else (0, 1), s)
    L = max(0.18, float(np.linalg.norm(mid - neck)) / s)
    sw = float(np.linalg.norm(kp[R_SHO] - kp[L_SHO])) / (2 * s)
    hw = float(np.linalg.norm(kp[R_HIP] - kp[L_HIP])) / (2 * s)
    ws = (max(sw, 0.062) + 0.03) * look.width
    wh = (max(hw, 0.04) + 0.048) * look.width
    ww = (ws + wh) / 2 * look.belly
    nose = kp[NOSE] - np.array([0.03 * s * turn, 0.0])
    up = unit(nose - neck)
    hf = Local(neck + up * 0.108 * s, -up, 0.1 * s)
    hem = {"tunic": L + 0.1, "hoodie": L + 0.05, "sweater": L + 0.05, "armor": L + 0.04,
           "vest": L - 0.01, "jacket": L + 0.05}.get(look.top, L + 0.02)
    return Body(look, kp, s, line_scale_for(s), turn, c.facing == "back", T, L, ws, ww, wh,
                0.05 * s * look.limb, 0.066 * s * look.limb, hf, hem)


def draw_character(p: Painter, c: CharacterControl) -> None:
    b = build_body(c)
    look, kp = b.look, b.kp
    far_side = {1: "L", -1: "R"}.get(b.turn)
    accessories.behind(p, b)
    head.behind(p, b)
    if not b.back:
        _tail(p, b)
    if far_side:
        _arm(p, b, far_side, behind=True)
    if b.back:
        _arm(p, b, "R", behind=True)
        _arm(p, b, "L", behind=True)
    legs = ("L", "R") if far_side == "L" else ("R", "L")
    for side in legs:
        _leg(p, b, side)
    clothes.lower_garment(p, b)
    clothes.torso(p, b)
    if b.back:
        _tail(p, b)
    accessories.body(p, b)
    # neck
    p.stroke([kp[NECK] + b.T.uy * 0.02 * b.s, b.hf.p(0, 0.55)], 0.055 * b.s * look.limb, look.skin,
             b.lw, cel=False)
    if not b.back:
        for side in ("R", "L"):
            if side != far_side:
                _arm(p, b, side)
    _held_object(p, b, c.pose)
    head.draw(p, b, c.expression)


# ---------------------------------------------------------------- limbs
def _sides(side: str):
    return (R_SHO, R_ELB, R_WRI) if side == "R" else (L_SHO, L_ELB, L_WRI)


def _arm(p: Painter, b: Body, side: str, behind: bool = False) -> None:
    look, kp, s, lw = b.look, b.kp, b.s, b.lw
    sho, elb, wri = (kp[i] for i in _sides(side))
    sho = sho + (kp[NECK] - sho) * 0.1 + b.T.uy * 0.035 * s
    ta = b.ta
    top = look.top
    sleeve = look.top_c if top != "armor" else mix(look.top_c, (200, 205, 215), 0.35)
    fdir = unit(wri - elb)
    hand = wri + fdir * 0.018 * s
    op = 0.0 if behind else 0.55      # no seam where the arm leaves the torso
    if top in LONG_SLEEVES:
        if top == "robe":
            p.stroke([sho, elb], ta * 1.3, sleeve, lw, open_start=op)
            n = np.array([-fdir[1], fdir[0]])
            end = wri - fdir * 0.01 * s
            p.polygon([elb + n * ta * 0.62, end + n * ta * 1.0, end - n * ta * 1.0, elb - n * ta * 0.62],
                      sleeve, lw)
        else:
            end = wri - fdir * 0.012 * s
            p.stroke([sho, elb, end], ta * 1.25, sleeve, lw, open_start=op)
            if top in ("sweater", "hoodie"):
                p.stroke([end - fdir * 0.012 * s, end], ta * 1.3, darker(sleeve, 0.82), lw * 0.6, cel=False)
            if top == "armor":
                p.ellipse(*sho, ta * 1.0, ta * 0.8, darker(sleeve, 0.85), lw)
    else:
        p.stroke([sho, elb, wri], ta, look.skin, lw, open_start=op)
        if top in SHORT_SLEEVES:
            reach = 0.55 if top != "tunic" else 1.3
            tip = sho + (elb - sho) * reach if reach <= 1 else elb + (wri - elb) * (reach - 1)
            pts = [sho, tip] if reach <= 1 else [sho, elb, tip]
            p.stroke(pts, ta * 1.3, look.top_c, lw, open_start=op / reach if reach <= 1 else op)
        elif top == "overalls":
            p.stroke([sho, sho + (elb - sho) * 0.45], ta * 1.28, clothes.UNDERSHIRT, lw, open_start=1.0)
    p.circle(*hand, 0.031 * s * math.sqrt(look.limb), look.skin, lw)


def _leg(p: Painter, b: Body, side: str) -> None:
    look, kp, lw = b.look, b.kp, b.lw
    hip, kne, ank = (kp[i] for i in ((R_HIP, R_KNE, R_ANK) if side == "R" else (L_HIP, L_KNE, L_ANK)))
    hip = hip + (b.mid_hip - hip) * 0.1
    tl = b.tl
    bottom = look.bottom
    if bottom in ("trousers", "leggings"):
        p.stroke([hip, kne, ank], tl * (1.22 if bottom == "trousers" else 1.02), look.bottom_c, lw)
    else:
        p.stroke([hip, kne, ank], tl, look.skin, lw)
        if bottom == "shorts":
            p.stroke([hip, hip + (kne - hip) * 0.55], tl * 1.3, look.bottom_c, lw)
    _shoe(p, b, kne, ank)


def _shoe(p: Painter, b: Body, kne, ank) -> None:
    look, s, lw = b.look, b.s, b.lw
    F = Local(ank, ank - kne if np.linalg.norm(ank - kne) > 1e-6 else (0, 1), s)
    t = b.turn
    kind, col = look.shoes, look.shoes_c
    rx, ry = (0.062, 0.032) if t else (0.044, 0.034)
    cx, cy = 0.028 * t, 0.03
    if kind == "boots":
        p.stroke([F.p(0, -0.07), F.p(0, 0.0)], b.tl * 1.3, col, lw)
    if kind == "clogs":
        rx, ry = rx * 1.12, ry * 1.2
    if kind == "slippers":
        rx, ry = rx * 1.1, ry * 1.12
    if kind == "sandals":
        p.polygon(F.pts(ellipse_pts(cx, cy, rx * 0.95, ry * 0.9)), look.skin, lw)
        p.polygon(F.pts(ellipse_pts(cx, cy + ry * 0.55, rx * 1.05, ry * 0.45)), col, lw * 0.7, cel=False)
        p.line(F.pts([(-rx * 0.8, cy - ry * 0.1), (rx * 0.8, cy - ry * 0.1)]), 0.012 * s, col)
        return
    if kind == "sneakers":
        p.polygon(F.pts(ellipse_pts(cx, cy + 0.008, rx * 1.02, ry)), (246, 246, 242), lw)
    p.polygon(F.pts(ellipse_pts(cx, cy, rx, ry)), col, lw)
    if kind == "sneakers":
        p.line(F.pts([(cx - rx * 0.3 + t * 0.01, cy - ry * 0.3), (cx + rx * 0.3 + t * 0.01, cy - ry * 0.3)]),
               0.008 * s, (246, 246, 242))
    elif kind == "slippers":
        p.dot(*F.p(cx + t * rx * 0.4, cy - ry * 0.3), 0.016 * s, lighter(col, 0.5))
    elif kind == "clogs":
        p.line(F.pts([(cx - rx, cy + ry * 0.6), (cx + rx, cy + ry * 0.6)]), 0.012 * s, darker(col, 0.5))


def _tail(p: Painter, b: Body) -> None:
    look, s, lw = b.look, b.s, b.lw
    sp = look.species
    if sp not in ("cat", "fox", "mouse", "lizard", "rabbit", "bear"):
        return
    side = -b.turn if b.turn else look.flip
    base = b.mid_hip + b.T.uy * 0.02 * s
    T = Local(base, b.T.uy, s)
    if sp == "cat":
        p.stroke(T.pts(smooth_path([(0, 0), (side * 0.12, 0.02), (side * 0.2, -0.06), (side * 0.2, -0.16)])),
                 0.03 * s, look.skin, lw)
    elif sp == "mouse":
        p.stroke(T.pts(smooth_path([(0, 0), (side * 0.15, 0.08), (side * 0.27, 0.02), (side * 0.3, -0.06)])),
                 0.014 * s, (230, 160, 170), lw)
    elif sp == "fox":
        tail = [(0, 0.02), (0.1, 0.05), (0.22, 0.01), (0.3, -0.1), (0.27, -0.19), (0.2, -0.13),
                (0.12, -0.05), (0.02, -0.03)]
        p.polygon(T.pts(smooth_path([(side * x, y) for x, y in tail], 4, closed=True)), look.skin, lw)
        tip = [(0.3, -0.1), (0.3, -0.16), (0.26, -0.19), (0.21, -0.15), (0.25, -0.1)]
        p.polygon(T.pts(smooth_path([(side * x, y) for x, y in tip], 4, closed=True)), (250, 246, 238),
                  lw * 0.6, cel=False)
    elif sp == "lizard":
        p.polygon(T.pts([(-0.04, -0.03), (0.04, -0.03), (side * 0.3, 0.14)]), look.skin, lw)
    elif sp in ("rabbit", "bear"):
        p.circle(*T.p(side * 0.07, -0.02), 0.035 * s if sp == "rabbit" else 0.025 * s,
                 look.skin_light if sp == "rabbit" else look.skin, lw)


def _held_object(p: Painter, b: Body, pose: str) -> None:
    kp, s, lw = b.kp, b.s, b.lw
    if pose == "carrying":
        c = (kp[R_WRI] + kp[L_WRI]) / 2 + np.array([0.0, -0.07 * s])
        p.rect(c[0] - 0.1 * s, c[1] - 0.07 * s, c[0] + 0.1 * s, c[1] + 0.07 * s, (196, 150, 96), lw)
        p.line([(c[0] - 0.1 * s, c[1] - 0.02 * s), (c[0] + 0.1 * s, c[1] - 0.02 * s)], 0.012 * s,
               (150, 105, 60))
    elif pose == "holding_object":
        c = (kp[R_WRI] + kp[L_WRI]) / 2 + np.array([0.0, -0.03 * s])
        p.rect(c[0] - 0.06 * s, c[1] - 0.075 * s, c[0] + 0.06 * s, c[1] + 0.03 * s, (178, 52, 60), lw)
        p.rect(c[0] - 0.05 * s, c[1] - 0.065 * s, c[0] + 0.05 * s, c[1] - 0.05 * s, (245, 236, 210), 0,
               cel=False)
    elif pose == "throwing":
        hand = kp[R_WRI] if kp[R_WRI][1] < kp[L_WRI][1] else kp[L_WRI]
        p.circle(hand[0], hand[1] - 0.035 * s, 0.035 * s, (240, 90, 70), lw)
