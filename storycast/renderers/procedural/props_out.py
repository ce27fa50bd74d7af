"""Outdoor props. Each draws with its base (bottom centre) at (x, y), sized by `u` pixels per body
unit (the ground perspective at y), through the painter so the art style applies."""
from __future__ import annotations

import numpy as np

from storycast.renderers.procedural.canvas import convex_hull, darker, ellipse_pts, lighter
from storycast.renderers.procedural.canvas import line_scale_for as ls

BARK, LEAF, LEAF2 = (122, 84, 52), (70, 150, 70), (50, 124, 64)


def tree(p, x, y, u, ctx) -> None:
    r = ctx.rng
    h = u * float(r.uniform(1.8, 2.5))
    p.polygon([(x - 0.1 * u, y), (x - 0.07 * u, y - h * 0.55), (x + 0.07 * u, y - h * 0.55), (x + 0.1 * u,
                                                                                              y)],
              BARK, ls(u))
    cy, rr = y - h * 0.68, h * 0.25
    col = LEAF if r.random() < 0.5 else LEAF2
    p.blob([(x + dx * rr, cy + dy * rr, k * rr) for dx, dy, k in
            ((0, -0.5, 0.85), (-0.7, 0.0, 0.75), (0.7, 0.05, 0.75), (-0.3, 0.4, 0.7), (0.35, 0.4,
                                                                                       0.7))], col, ls(u))


def bush(p, x, y, u, ctx) -> None:
    rr = u * float(ctx.rng.uniform(0.2, 0.3))
    p.blob([(x - rr, y - rr * 0.7, rr), (x + rr * 0.9, y - rr * 0.7, rr * 0.9), (x, y - rr * 1.3, rr * 1.05)],
           LEAF2, ls(u))
    if ctx.rng.random() < 0.5:
        for dx, dy in ((-0.6, -1.2), (0.4, -1.6), (0.9, -0.9)):
            p.dot(x + dx * rr, y + dy * rr, 0.12 * rr, (230, 60, 80))


def mushroom(p, x, y, u, ctx) -> None:
    s = u * float(ctx.rng.uniform(0.14, 0.24))
    p.rect(x - 0.18 * s, y - 0.8 * s, x + 0.18 * s, y, (240, 230, 205), ls(u))
    p.polygon(ellipse_pts(x, y - 0.75 * s, 0.6 * s, 0.55 * s, 180, 360, 14), (214, 60, 50), ls(u))
    for dx, dy in ((-0.3, -1.0), (0.1, -1.15), (0.35, -0.9)):
        p.dot(x + dx * s, y + dy * s, 0.09 * s, (250, 245, 235))


def log(p, x, y, u, ctx) -> None:
    w, h = 0.5 * u, 0.12 * u
    p.rect(x - w, y - 2 * h, x + w, y, BARK, ls(u))
    p.ellipse(x + w, y - h, 0.5 * h, h, (200, 160, 110), ls(u))
    p.line([(x - w * 0.7, y - h), (x + w * 0.4, y - h)], max(0.6, 0.02 * u), darker(BARK, 0.7))


def palm(p, x, y, u, ctx) -> None:
    h = u * float(ctx.rng.uniform(2.0, 2.6))
    lean = float(ctx.rng.uniform(-0.35, 0.35)) * u
    pts = [(x + lean * t * t, y - h * t) for t in np.linspace(0, 1, 6)]
    p.stroke(pts, 0.13 * u, (176, 136, 90), ls(u))
    tx, ty = pts[-1]
    for a in (200, 235, 270, 305, 340):
        ang = np.radians(a)
        tip = (tx + np.cos(ang) * 0.9 * u, ty + np.sin(ang) * 0.45 * u + 0.35 * u)
        mid = (tx + np.cos(ang) * 0.5 * u, ty + np.sin(ang) * 0.5 * u)
        n = np.array([-np.sin(ang), np.cos(ang)]) * 0.1 * u
        p.polygon([(tx, ty), (mid[0] + n[0], mid[1] + n[1]), tip, (mid[0] - n[0], mid[1] - n[1])], LEAF,
                  ls(u))
    for dx in (-0.08, 0.08):
        p.circle(tx + dx * u, ty + 0.08 * u, 0.06 * u, (120, 80, 40), ls(u) * 0.6)


def shell(p, x, y, u, ctx) -> None:
    s = 0.12 * u
    p.polygon(ellipse_pts(x, y, s, s * 0.9, 180, 360, 10).tolist() + [(x, y + 0.1 * s)], (246, 190, 180),
              ls(u))
    for dx in (-0.5, 0.0, 0.5):
        p.line([(x, y), (x + dx * s, y - 0.8 * s)], max(0.5, 0.01 * u), (220, 140, 130))


def umbrella(p, x, y, u, ctx) -> None:
    h, w = 1.5 * u, 0.8 * u
    p.line([(x, y), (x, y - h)], max(1.0, 0.04 * u), (90, 80, 80))
    cols = [(230, 70, 70), (250, 245, 235)] if ctx.rng.random() < 0.5 else [(60, 120, 210), (250, 240, 120)]
    for i in range(6):
        a0, a1 = 180 + 30 * i, 210 + 30 * i
        pts = [(x, y - h)] + ellipse_pts(x, y - h + 0.18 * u, w, 0.55 * u, a0, a1, 5).tolist()
        p.polygon(pts, cols[i % 2], ls(u) * 0.8, cel=False)


def wave(p, x, y, u, ctx) -> None:
    lay = ctx.lay
    yy = lay.horizon + 0.1 * (lay.ground_y - lay.horizon)
    uu = max(lay.unit_at(yy), 2.0)
    w = 1.2 * uu
    p.polygon(ellipse_pts(x, yy, w, 0.25 * uu, 180, 360, 12), (90, 170, 215), ls(uu))
    p.line(ellipse_pts(x + 0.2 * w, yy - 0.18 * uu, w * 0.7, 0.12 * uu, 190, 350, 8), max(0.8, 0.05 * uu),
           (250, 252, 250))
    del y, u


def building(p, x, y, u, ctx) -> None:
    r = ctx.rng
    w, h = u * float(r.uniform(1.6, 2.6)), u * float(r.uniform(3.0, 5.5))
    col = [(200, 120, 100), (170, 180, 200), (220, 200, 160), (140, 160, 150)][int(r.integers(4))]
    p.rect(x - w / 2, y - h, x + w / 2, y, col, ls(u))
    p.rect(x - w / 2 - 0.05 * u, y - h - 0.12 * u, x + w / 2 + 0.05 * u, y - h, darker(col, 0.75), ls(u))
    win = (255, 226, 120) if ctx.night else (170, 210, 235)
    for wy in np.arange(y - h + 0.35 * u, y - 0.9 * u, 0.6 * u):
        for wx in np.arange(x - w / 2 + 0.25 * u, x + w / 2 - 0.35 * u, 0.5 * u):
            p.rect(wx, wy, wx + 0.28 * u, wy + 0.36 * u, win, ls(u) * 0.5, cel=False)
    p.rect(x - 0.22 * u, y - 0.7 * u, x + 0.22 * u, y, darker(col, 0.6), ls(u) * 0.7)


def lamp_post(p, x, y, u, ctx) -> None:
    h = 1.9 * u
    p.stroke([(x, y), (x, y - h)], 0.06 * u, (50, 56, 66), ls(u))
    p.rect(x - 0.05 * u, y - 0.08 * u, x + 0.05 * u, y, (50, 56, 66), ls(u))
    if ctx.night or ctx.lighting == "dusk":
        p.glow(x, y - h - 0.1 * u, 0.6 * u, (255, 220, 120), 70)
    p.polygon([(x - 0.14 * u, y - h), (x + 0.14 * u, y - h), (x + 0.08 * u, y - h - 0.25 * u),
               (x - 0.08 * u, y - h - 0.25 * u)], (255, 236, 150), ls(u))


def bench(p, x, y, u, ctx) -> None:
    w = 0.6 * u
    wood = (170, 110, 60)
    for dx in (-0.8, 0.8):
        p.line([(x + dx * w, y), (x + dx * w, y - 0.42 * u)], max(1.0, 0.05 * u), (60, 60, 66))
    p.rect(x - w, y - 0.45 * u, x + w, y - 0.37 * u, wood, ls(u))
    for k in (0.62, 0.78):
        p.rect(x - w, y - k * u - 0.06 * u, x + w, y - k * u, wood, ls(u))


def sign(p, x, y, u, ctx) -> None:
    h = 1.3 * u
    p.stroke([(x, y), (x, y - h)], 0.05 * u, (120, 124, 130), ls(u))
    if ctx.rng.random() < 0.5:
        p.circle(x, y - h, 0.25 * u, (210, 50, 50), ls(u))
        p.rect(x - 0.16 * u, y - h - 0.04 * u, x + 0.16 * u, y - h + 0.04 * u, (250, 250, 250), 0, cel=False)
    else:
        p.rect(x - 0.4 * u, y - h - 0.2 * u, x + 0.4 * u, y - h + 0.1 * u, (50, 130, 80), ls(u))
        p.line([(x - 0.28 * u, y - h - 0.05 * u), (x + 0.25 * u, y - h - 0.05 * u)], max(0.8, 0.04 * u),
               (240, 240, 240))


def mountain(p, x, y, u, ctx) -> None:
    lay = ctx.lay
    h = lay.horizon
    w = min(lay.width, lay.height) * float(ctx.rng.uniform(0.4, 0.7))
    ht = w * float(ctx.rng.uniform(0.5, 0.8))
    peak = (x, h - ht)
    p.polygon([(x - w / 2, h + 2), peak, (x + w / 2, h + 2)], (104, 112, 146), ls(w / 3))
    p.polygon([peak, (x - w * 0.14, h - ht * 0.7), (x - w * 0.03, h - ht * 0.76), (x + w * 0.14,
                                                                                   h - ht * 0.7)],
              (246, 248, 252), 0, cel=False)
    del y, u


def rock(p, x, y, u, ctx) -> None:
    s = u * float(ctx.rng.uniform(0.2, 0.4))
    a = np.sort(ctx.rng.uniform(0, 2 * np.pi, 7))
    pts = np.stack([x + s * np.cos(a) * 1.3, y - s * 0.6 + s * 0.7 * np.sin(a)], 1)
    pts[:, 1] = np.minimum(pts[:, 1], y)
    p.polygon(convex_hull(pts), (140, 138, 134), ls(u))


def pine(p, x, y, u, ctx) -> None:
    h = u * float(ctx.rng.uniform(1.6, 2.3))
    snowy = ctx.setting == "snowy_village"
    p.rect(x - 0.07 * u, y - 0.3 * u, x + 0.07 * u, y, BARK, ls(u))
    for i, (w, top) in enumerate(((0.6, 0.55), (0.48, 0.78), (0.34, 1.0))):
        yb = y - 0.25 * u - (h * 0.28) * i
        apex = (x, y - h * top - 0.1 * u)
        p.polygon([(x - w * u, yb), apex, (x + w * u, yb)], (40, 110, 72), ls(u))
        if snowy:
            p.polygon([(apex[0] - 0.45 * w * u, apex[1] + 0.35 * (yb - apex[1])), apex,
                       (apex[0] + 0.45 * w * u, apex[1] + 0.35 * (yb - apex[1]))], (248, 250,
                                                                                    255), 0, cel=False)


def cloud(p, x, y, u, ctx) -> None:
    from storycast.renderers.procedural.backdrops import cloud as draw_cloud
    draw_cloud(p, x, y, 0.045 * min(ctx.lay.width, ctx.lay.height) * float(ctx.rng.uniform(0.8, 1.4)),
               (255, 240, 235) if ctx.lighting == "dusk" else (255, 255, 255), ctx.rng)
    del u


def coral(p, x, y, u, ctx) -> None:
    col = [(240, 110, 130), (250, 150, 80), (170, 110, 220)][int(ctx.rng.integers(3))]
    s = u * float(ctx.rng.uniform(0.4, 0.7))
    for a in (-40, -15, 10, 35):
        ang = np.radians(a)
        tip = (x + np.sin(ang) * s, y - np.cos(ang) * s)
        p.stroke([(x, y), ((x + tip[0]) / 2 + 0.05 * s, (y + tip[1]) / 2), tip], 0.1 * s + 1, col, ls(u))
        p.circle(*tip, 0.08 * s + 1, lighter(col, 0.3), 0, cel=False)


def seaweed(p, x, y, u, ctx) -> None:
    for k in range(3):
        h = u * float(ctx.rng.uniform(0.7, 1.3))
        pts = [(x + (k - 1) * 0.12 * u + 0.08 * u * np.sin(t * 7 + k), y - h * t) for t in np.linspace(0, 1,
                                                                                                       7)]
        p.stroke(pts, 0.07 * u, (60, 160, 90), ls(u))


def bubble(p, x, y, u, ctx) -> None:
    for _ in range(4):
        dx, dy, r = ctx.rng.uniform(-0.3, 0.3) * u, ctx.rng.uniform(-0.6, 0) * u, ctx.rng.uniform(0.03,
                                                                                                  0.08) * u
        p.line(ellipse_pts(x + dx, y + dy, r, r, 0, 360, 12), max(0.6, 0.012 * u), (220, 245, 255))
        p.dot(x + dx - r * 0.35, y + dy - r * 0.35, r * 0.2, (255, 255, 255))


def fish(p, x, y, u, ctx) -> None:
    col = [(250, 150, 60), (250, 220, 80), (90, 170, 240), (240, 100, 150)][int(ctx.rng.integers(4))]
    d = 1 if ctx.rng.random() < 0.5 else -1
    s = 0.25 * u
    p.polygon([(x - d * s * 0.8, y), (x - d * s * 1.4, y - s * 0.45), (x - d * s * 1.4, y + s * 0.45)],
              darker(col),
              ls(u))
    p.ellipse(x, y, s, s * 0.55, col, ls(u))
    p.dot(x + d * s * 0.55, y - s * 0.12, s * 0.1, (20, 20, 30))


def dune(p, x, y, u, ctx) -> None:
    lay = ctx.lay
    w = min(lay.width, lay.height) * float(ctx.rng.uniform(0.3, 0.6))
    p.polygon(ellipse_pts(x, lay.horizon + 3, w, w * 0.25, 180, 360, 16), (240, 206, 146), ls(w / 4) * 0.6)
    del y, u


def cactus(p, x, y, u, ctx) -> None:
    h = u * float(ctx.rng.uniform(1.0, 1.6))
    g, t = (70, 150, 80), 0.2 * u
    p.stroke([(x - 0.28 * u, y - 0.55 * h), (x - 0.3 * u, y - 0.75 * h)], t * 0.7, g, ls(u))
    p.stroke([(x - 0.05 * u, y - 0.45 * h), (x - 0.28 * u, y - 0.55 * h)], t * 0.7, g, ls(u))
    p.stroke([(x + 0.28 * u, y - 0.4 * h), (x + 0.3 * u, y - 0.62 * h)], t * 0.7, g, ls(u))
    p.stroke([(x + 0.05 * u, y - 0.3 * h), (x + 0.28 * u, y - 0.4 * h)], t * 0.7, g, ls(u))
    p.stroke([(x, y), (x, y - h)], t, g, ls(u))
    p.dot(x, y - h - t * 0.4, t * 0.25, (240, 100, 140))


def sun(p, x, y, u, ctx) -> None:
    if ctx.night:
        return
    lay = ctx.lay
    r = 0.08 * min(lay.width, lay.height)
    col = (255, 170, 90) if ctx.lighting == "dusk" else (255, 224, 100)
    p.glow(x, y, r * 1.8, col, 60)
    p.circle(x, y, r, col, 0, cel=False)
    del u


def cottage(p, x, y, u, ctx) -> None:
    w, h = u * 1.2, u * 1.1
    col = [(190, 110, 80), (220, 200, 160), (150, 120, 100)][int(ctx.rng.integers(3))]
    p.rect(x + 0.35 * w, y - h - 0.7 * u, x + 0.55 * w, y - h - 0.2 * u, (140, 90, 80), ls(u))
    p.rect(x - w, y - h, x + w, y, col, ls(u))
    p.polygon([(x - w * 1.15, y - h), (x, y - h - 0.9 * u), (x + w * 1.15, y - h)], (120, 60, 60), ls(u))
    p.polygon([(x - w * 1.15, y - h), (x - w * 0.6, y - h - 0.45 * u), (x, y - h - 0.9 * u),
               (x + w * 0.6, y - h - 0.45 * u), (x + w * 1.15, y - h), (x + w * 0.9, y - h - 0.12 * u),
               (x - w * 0.9, y - h - 0.12 * u)], (248, 250, 255), 0, cel=False)
    p.rect(x - 0.2 * u, y - 0.65 * u, x + 0.2 * u, y, darker(col, 0.55), ls(u) * 0.7)
    win = (255, 220, 110) if ctx.night or ctx.lighting == "dusk" else (170, 210, 235)
    p.rect(x + 0.45 * u, y - 0.75 * u, x + 0.85 * u, y - 0.4 * u, win, ls(u) * 0.7, cel=False)


def snowman(p, x, y, u, ctx) -> None:
    white = (248, 250, 255)
    for r, cy in ((0.32, 0.3), (0.24, 0.78), (0.17, 1.12)):
        p.circle(x, y - cy * u, r * u, white, ls(u))
    p.polygon([(x, y - 1.12 * u), (x + 0.2 * u, y - 1.09 * u), (x, y - 1.07 * u)], (240, 130, 40), 0,
              cel=False)
    for dx in (-0.06, 0.06):
        p.dot(x + dx * u, y - 1.17 * u, 0.02 * u, (20, 20, 20))
    p.rect(x - 0.13 * u, y - 1.5 * u, x + 0.13 * u, y - 1.26 * u, (40, 40, 50), ls(u))
    p.rect(x - 0.2 * u, y - 1.29 * u, x + 0.2 * u, y - 1.24 * u, (40, 40, 50), ls(u))
    for sx in (-1, 1):
        p.line([(x + sx * 0.22 * u, y - 0.82 * u), (x + sx * 0.55 * u, y - 1.0 * u)], max(0.8, 0.03 * u),
               BARK)


def fence(p, x, y, u, ctx) -> None:
    w = 1.0 * u
    col = (250, 250, 250) if ctx.rng.random() < 0.5 else (160, 110, 70)
    for k in (0.25, 0.45):
        p.rect(x - w, y - k * u - 0.05 * u, x + w, y - k * u, col, ls(u))
    for px in np.linspace(x - w, x + w, 5):
        p.polygon([(px - 0.05 * u, y), (px - 0.05 * u, y - 0.55 * u), (px, y - 0.62 * u),
                   (px + 0.05 * u, y - 0.55 * u), (px + 0.05 * u, y)], col, ls(u))


def awning_band(p, x0, x1, y, u, cols) -> None:
    n = max(3, int((x1 - x0) / (0.25 * u)))
    xs = np.linspace(x0, x1, n + 1)
    for i in range(n):
        p.polygon([(xs[i], y - 0.3 * u), (xs[i + 1], y - 0.3 * u), (xs[i + 1], y),
                   ((xs[i] + xs[i + 1]) / 2, y + 0.1 * u), (xs[i], y)], cols[i % 2], ls(u) * 0.7, cel=False)


from storycast.renderers.procedural.props_market import awning, crate, fountain, stall  # noqa: E402

OUTDOOR_PROPS = {
    "tree": ("ground", tree), "bush": ("ground", bush), "mushroom": ("ground", mushroom), "log": ("ground",
                                                                                                  log),
    "palm": ("ground", palm), "shell": ("ground", shell), "umbrella": ("ground", umbrella),
    "wave": ("backdrop", wave), "building": ("ground", building), "lamp_post": ("ground", lamp_post),
    "bench": ("ground", bench), "sign": ("ground", sign), "mountain": ("backdrop", mountain),
    "rock": ("ground", rock), "pine": ("ground", pine), "cloud": ("sky", cloud), "coral": ("ground", coral),
    "seaweed": ("ground", seaweed), "bubble": ("float", bubble), "fish": ("float", fish),
    "dune": ("backdrop", dune), "cactus": ("ground", cactus), "sun": ("sky", sun), "cottage": ("ground",
                                                                                               cottage),
    "snowman": ("ground", snowman), "fence": ("ground", fence), "stall": ("ground", stall),
    "fountain": ("ground", fountain), "crate": ("ground", crate), "awning": ("ground", awning),
}
