"""Indoor props. Wall props get (x, floor line, u at the wall); floor props their base on the floor."""
from __future__ import annotations

import numpy as np

from storycast.renderers.procedural.canvas import darker, ellipse_pts, lighter
from storycast.renderers.procedural.canvas import line_scale_for as ls

WOOD, GOLD, STONE = (160, 106, 62), (230, 186, 70), (184, 178, 184)


def banner(p, x, y, u, ctx) -> None:
    col = [(180, 40, 50), (50, 80, 170), (40, 120, 70)][int(ctx.rng.integers(3))]
    w, top, bot = 0.35 * u, y - 2.6 * u, y - 1.2 * u
    p.line([(x - w * 1.3, top), (x + w * 1.3, top)], max(1.0, 0.05 * u), GOLD)
    p.polygon([(x - w, top), (x + w, top), (x + w, bot), (x, bot - 0.25 * u), (x - w, bot)], col, ls(u))
    p.circle(x, top + 0.5 * u, 0.17 * u, GOLD, ls(u) * 0.7)


def torch(p, x, y, u, ctx) -> None:
    ty = y - 1.7 * u
    p.glow(x, ty - 0.2 * u, 0.7 * u, (255, 190, 90), 55)
    p.polygon([(x - 0.06 * u, ty), (x + 0.06 * u, ty), (x + 0.03 * u, ty + 0.4 * u), (x - 0.03 * u,
                                                                                      ty + 0.4 * u)],
              (110, 80, 60), ls(u))
    p.rect(x - 0.1 * u, ty + 0.3 * u, x + 0.1 * u, ty + 0.36 * u, (80, 80, 90), ls(u) * 0.7)
    p.polygon([(x - 0.1 * u, ty), (x, ty - 0.35 * u), (x + 0.1 * u, ty)], (255, 150, 40), ls(u) * 0.6,
              cel=False)
    p.polygon([(x - 0.05 * u, ty), (x, ty - 0.2 * u), (x + 0.05 * u, ty)], (255, 230, 120), 0, cel=False)


def pillar(p, x, y, u, ctx) -> None:
    w = 0.3 * u
    p.rect(x - w, -10, x + w, y - 0.12 * u, STONE, ls(u))
    for dx in (-0.5, 0.0, 0.5):
        p.line([(x + dx * w, -10), (x + dx * w, y - 0.2 * u)], max(0.6, 0.02 * u), darker(STONE, 0.82))
    p.rect(x - w * 1.3, y - 0.16 * u, x + w * 1.3, y, darker(STONE, 0.9), ls(u))


def throne(p, x, y, u, ctx) -> None:
    red = (170, 36, 52)
    p.polygon(ellipse_pts(x, y - 1.2 * u, 0.42 * u, 0.35 * u, 180, 360, 12).tolist()
              + [(x + 0.42 * u, y - 0.45 * u), (x - 0.42 * u, y - 0.45 * u)], GOLD, ls(u))
    p.polygon(ellipse_pts(x, y - 1.15 * u, 0.3 * u, 0.26 * u, 180, 360, 10).tolist()
              + [(x + 0.3 * u, y - 0.5 * u), (x - 0.3 * u, y - 0.5 * u)], red, ls(u) * 0.7)
    p.rect(x - 0.5 * u, y - 0.5 * u, x + 0.5 * u, y - 0.32 * u, red, ls(u))
    p.rect(x - 0.45 * u, y - 0.32 * u, x + 0.45 * u, y, GOLD, ls(u))
    p.dot(x, y - 1.45 * u, 0.06 * u, (80, 160, 230))


def desk(p, x, y, u, ctx) -> None:
    w = 0.55 * u
    for dx in (-0.85, 0.85):
        p.line([(x + dx * w, y), (x + dx * w, y - 0.55 * u)], max(1.0, 0.05 * u), (90, 90, 100))
    p.rect(x - w, y - 0.62 * u, x + w, y - 0.52 * u, WOOD, ls(u))
    p.rect(x - w * 0.9, y - 0.52 * u, x + w * 0.9, y - 0.4 * u, darker(WOOD, 0.8), ls(u) * 0.7)
    bk = [(220, 80, 80), (80, 140, 220), (240, 200, 80)][int(ctx.rng.integers(3))]
    p.rect(x - 0.2 * u, y - 0.68 * u, x + 0.1 * u, y - 0.62 * u, bk, ls(u) * 0.6, cel=False)


def blackboard(p, x, y, u, ctx) -> None:
    w, top, bot = 1.1 * u, y - 1.9 * u, y - 0.9 * u
    p.rect(x - w - 0.06 * u, top - 0.06 * u, x + w + 0.06 * u, bot + 0.06 * u, WOOD, ls(u))
    p.rect(x - w, top, x + w, bot, (46, 84, 66), 0, cel=False)
    chalk = (236, 240, 236)
    r = ctx.rng
    for i in range(3):
        yy = top + (0.2 + 0.25 * i) * u
        n = 5
        xs = np.linspace(x - w * 0.8, x - w * 0.8 + w * float(r.uniform(0.6, 1.4)), n)
        p.line([(xx, yy + 0.03 * u * np.sin(k * 2.1)) for k, xx in enumerate(xs)], max(0.6, 0.02 * u), chalk)
    p.line(ellipse_pts(x + 0.6 * w, top + 0.45 * u, 0.18 * u, 0.18 * u, 0, 360, 14), max(0.6, 0.02 * u),
           chalk)


def window(p, x, y, u, ctx) -> None:
    from storycast.renderers.procedural.scene import sky_colors
    w, top, bot = 0.55 * u, y - 2.1 * u, y - 1.0 * u
    frame = (240, 236, 228) if ctx.setting != "castle_hall" else (110, 100, 110)
    p.rect(x - w - 0.07 * u, top - 0.07 * u, x + w + 0.07 * u, bot + 0.07 * u, frame, ls(u))
    sky = sky_colors("forest", ctx.lighting)
    p.rect(x - w, top, x + w, bot, sky[1], 0, cel=False)
    p.rect(x - w, (top + bot) / 2, x + w, bot, sky[2], 0, cel=False)
    if ctx.night:
        p.dot(x + 0.25 * w, top + 0.25 * u, 0.1 * u, (250, 246, 220))
    else:
        p.ellipse(x - 0.3 * w, top + 0.35 * u, 0.2 * u, 0.08 * u, (255, 255, 255), 0, cel=False)
    p.line([(x, top), (x, bot)], max(1.0, 0.05 * u), frame)
    p.line([(x - w, (top + bot) / 2), (x + w, (top + bot) / 2)], max(1.0, 0.05 * u), frame)


def bookshelf(p, x, y, u, ctx) -> None:
    w, h = 0.55 * u, 1.7 * u
    p.rect(x - w, y - h, x + w, y, darker(WOOD, 0.8), ls(u))
    cols = [(200, 60, 60), (60, 110, 190), (230, 190, 70), (80, 150, 90), (150, 80, 160), (230, 230, 220)]
    r = ctx.rng
    for k in range(4):
        base = y - 0.08 * u - k * 0.42 * u
        xx = x - w * 0.88
        while xx < x + w * 0.8:
            bw = float(r.uniform(0.06, 0.11)) * u
            bh = float(r.uniform(0.24, 0.32)) * u
            p.rect(xx, base - bh, xx + bw, base, cols[int(r.integers(len(cols)))], ls(u) * 0.4, cel=False)
            xx += bw + 0.01 * u
        p.rect(x - w, base, x + w, base + 0.05 * u, WOOD, ls(u) * 0.5, cel=False)


def stove(p, x, y, u, ctx) -> None:
    w, h = 0.45 * u, 0.9 * u
    white = (232, 232, 236)
    p.rect(x - w, y - h, x + w, y, white, ls(u))
    p.rect(x - w * 0.75, y - h * 0.62, x + w * 0.75, y - h * 0.12, (70, 70, 80), ls(u) * 0.7)
    p.rect(x - w * 0.55, y - h * 0.52, x + w * 0.55, y - h * 0.3, (255, 160, 80) if ctx.night else (120,
                                                                                                    120, 130),
           0, cel=False)
    for dx in (-0.5, -0.17, 0.17, 0.5):
        p.dot(x + dx * w, y - h * 0.8, 0.04 * u, (40, 40, 50))
    pot(p, x - 0.2 * w, y - h, u, ctx)


def table(p, x, y, u, ctx) -> None:
    w = 0.75 * u
    for dx in (-0.85, 0.85):
        p.stroke([(x + dx * w, y), (x + dx * w, y - 0.7 * u)], 0.07 * u, darker(WOOD, 0.85), ls(u))
    cloth = (230, 80, 80) if ctx.rng.random() < 0.5 else (240, 240, 236)
    p.polygon([(x - w * 1.05, y - 0.75 * u), (x + w * 1.05, y - 0.75 * u), (x + w * 1.1, y - 0.55 * u),
               (x - w * 1.1, y - 0.55 * u)], cloth, ls(u))
    p.circle(x + 0.3 * w, y - 0.82 * u, 0.08 * u, (240, 120, 60), ls(u) * 0.6)


def cupboard(p, x, y, u, ctx) -> None:
    w, top, bot = 0.7 * u, y - 2.3 * u, y - 1.5 * u
    col = [(170, 210, 200), (230, 200, 150), (200, 170, 140)][int(ctx.rng.integers(3))]
    p.rect(x - w, top, x + w, bot, col, ls(u))
    p.line([(x, top), (x, bot)], max(0.8, 0.02 * u), darker(col, 0.6))
    for dx in (-0.12, 0.12):
        p.dot(x + dx * u, (top + bot) / 2, 0.035 * u, darker(col, 0.5))


def pot(p, x, y, u, ctx) -> None:
    lay = ctx.lay
    if abs(y - lay.floor) < 1e-6 and ctx.setting == "kitchen":
        y = lay.floor - 0.6 * u            # on the counter
    col = (90, 96, 110) if ctx.rng.random() < 0.5 else (200, 80, 60)
    w, h = 0.22 * u, 0.2 * u
    p.rect(x - w, y - h, x + w, y, col, ls(u))
    p.ellipse(x, y - h, w * 1.05, 0.05 * u, lighter(col, 0.2), ls(u) * 0.7)
    for sx in (-1, 1):
        p.line([(x + sx * w, y - h * 0.7), (x + sx * w * 1.4, y - h * 0.7)], max(0.8, 0.03 * u), darker(col,
                                                                                                        0.6))
    if not ctx.night:
        for dx in (-0.08, 0.06):
            p.line([(x + dx * u, y - h - 0.05 * u), (x + dx * u + 0.03 * u, y - h - 0.2 * u)], max(0.6,
                                                                                                   0.015 * u),
                   (235, 240, 245))


def porthole(p, x, y, u, ctx) -> None:
    cy, r = y - 1.7 * u, 0.4 * u
    p.circle(x, cy, r * 1.2, (150, 160, 176), ls(u))
    p.circle(x, cy, r, (12, 16, 40), 0, cel=False)
    rr = ctx.rng
    for _ in range(6):
        a, d = rr.uniform(0, 2 * np.pi), rr.uniform(0, 0.85) * r
        p.dot(x + d * np.cos(a), cy + d * np.sin(a), 0.015 * u + 0.4, (255, 255, 240))
    for a in range(0, 360, 45):
        p.dot(x + 1.1 * r * np.cos(np.radians(a)), cy + 1.1 * r * np.sin(np.radians(a)), 0.03 * u, (90, 96,
                                                                                                    110))


def console(p, x, y, u, ctx) -> None:
    w = 0.6 * u
    p.polygon([(x - w, y), (x + w, y), (x + w, y - 0.65 * u), (x - w, y - 0.85 * u)], (120, 130, 150), ls(u))
    p.polygon([(x - w * 0.8, y - 0.6 * u), (x + w * 0.8, y - 0.48 * u), (x + w * 0.8, y - 0.25 * u),
               (x - w * 0.8, y - 0.3 * u)], (40, 200, 220), ls(u) * 0.6, cel=False)
    for i, c in enumerate(((240, 70, 70), (250, 210, 60), (90, 220, 110))):
        p.dot(x - w * 0.5 + i * w * 0.4, y - 0.15 * u, 0.05 * u, c)


def pipe(p, x, y, u, ctx) -> None:
    yy = y - float(ctx.rng.uniform(1.0, 2.6)) * u
    col = (150, 156, 168)
    p.stroke([(-10, yy), (ctx.lay.width + 10, yy)], 0.16 * u, col, ls(u))
    for xx in np.arange(x % (1.5 * u) - 1.5 * u, ctx.lay.width + 1.5 * u, 1.5 * u):
        p.rect(xx - 0.05 * u, yy - 0.12 * u, xx + 0.05 * u, yy + 0.12 * u, darker(col, 0.8), ls(u) * 0.6)


def planet(p, x, y, u, ctx) -> None:
    """A wide viewport onto space with a ringed planet."""
    w, top, bot = 1.2 * u, y - 2.4 * u, y - 1.2 * u
    p.rect(x - w - 0.08 * u, top - 0.08 * u, x + w + 0.08 * u, bot + 0.08 * u, (150, 160, 176), ls(u))
    p.rect(x - w, top, x + w, bot, (14, 18, 44), 0, cel=False)
    col = [(230, 160, 90), (120, 180, 230), (200, 120, 200)][int(ctx.rng.integers(3))]
    cx, cy, r = x + 0.3 * w, (top + bot) / 2, 0.35 * u
    p.circle(cx, cy, r, col, ls(u) * 0.7)
    p.line(ellipse_pts(cx, cy, r * 1.7, r * 0.35, -20, 200, 14), max(1.0, 0.04 * u), lighter(col, 0.4))
    for k in range(5):
        p.dot(x - w * 0.8 + k * w * 0.3, top + (0.15 + 0.13 * (k % 3)) * u, 0.012 * u + 0.4, (255, 255, 240))


INDOOR_PROPS = {
    "banner": ("wall", banner), "torch": ("wall", torch), "pillar": ("ground", pillar),
    "throne": ("ground", throne), "desk": ("ground", desk), "blackboard": ("wall", blackboard),
    "window": ("wall", window), "bookshelf": ("ground", bookshelf), "stove": ("ground", stove),
    "table": ("ground", table), "cupboard": ("wall", cupboard), "pot": ("wall", pot),
    "porthole": ("wall", porthole), "console": ("ground", console), "pipe": ("wall", pipe),
    "planet": ("wall", planet),
}
