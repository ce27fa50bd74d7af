"""Sky, distant scenery, ground and interior walls/floors of the 12 settings."""
from __future__ import annotations

import numpy as np

from storycast.renderers.procedural.canvas import darker, lighter, line_scale_for, mix

GROUND = {  # far colour, near colour
    "forest": ((122, 170, 92), (74, 136, 60)), "beach": ((236, 216, 166), (226, 198, 140)),
    "city_street": ((178, 176, 174), (120, 122, 130)), "mountain_pass": ((150, 158, 120), (118, 120, 92)),
    "underwater_reef": ((200, 190, 150), (214, 196, 146)), "desert": ((238, 204, 140), (222, 172, 104)),
    "snowy_village": ((226, 234, 244), (246, 248, 252)), "market_square": ((196, 176, 150), (168, 142, 118)),
}
WALLS = {  # wall, floor, trim
    "castle_hall": ((150, 146, 156), (118, 92, 82), (96, 90, 104)),
    "classroom": ((238, 226, 186), (196, 148, 96), (150, 104, 66)),
    "kitchen": ((214, 236, 232), (238, 236, 230), (120, 150, 160)),
    "space_station": ((78, 90, 112), (112, 120, 134), (60, 200, 220)),
}


def sky(p, setting, lay, light, rng) -> None:
    from storycast.renderers.procedural.scene import sky_colors
    W, H, h = lay.width, lay.height, lay.horizon
    cols = sky_colors(setting, light)
    p.flat_rect(0, 0, W, H, cols[-1])
    if h <= 0:
        return
    p.gradient(0, h, cols)
    m = min(W, H)
    if setting == "underwater_reef":
        for _ in range(4):
            x = float(rng.uniform(0, W))
            p.adraw.polygon([(x * p.k, 0), ((x + 0.08 * m) * p.k, 0), ((x - 0.1 * m) * p.k, h * p.k),
                             ((x - 0.25 * m) * p.k, h * p.k)], fill=(255, 255, 255, 28))
        return
    if light == "night":
        n = int(60 * W * min(h, H) / (512 * 512)) + 10
        xs, ys = rng.uniform(0, W, n), rng.uniform(0, min(h, H) * 0.95, n)
        rs = rng.uniform(0.6, 1.6, n) * m / 512
        for x, y, r in zip(xs, ys, rs):
            p.dot(x, y, r, (255, 250, 220))
        mx, my, mr = W * float(rng.uniform(0.6, 0.85)), min(0.16 * H, 0.5 * h), 0.055 * m
        p.glow(mx, my, mr * 2.2, (255, 255, 230), 40)
        p.circle(mx, my, mr, (250, 246, 220), 0, cel=False)
        p.circle(mx + mr * 0.45, my - mr * 0.2, mr * 0.85, cols[0], 0, cel=False)
        return
    if light == "dusk":
        sx, r = W * float(rng.uniform(0.15, 0.85)), 0.09 * m
        sy = h - 0.35 * r
        p.glow(sx, sy, r * 2.6, (255, 200, 120), 60)
        p.circle(sx, sy, r, (255, 150, 80), 0, cel=False)
    else:
        sx, sy, r = W * float(rng.uniform(0.7, 0.9)), min(0.14 * H, 0.45 * h), 0.055 * m
        p.glow(sx, sy, r * 2.2, (255, 250, 200), 50)
        p.circle(sx, sy, r, (255, 226, 90), 0, cel=False)
    for _ in range(int(rng.integers(1, 4))):
        cloud(p, W * float(rng.uniform(0, 1)), min(h, H) * float(rng.uniform(0.1, 0.6)), 0.05 * m,
              (255, 230, 225) if light == "dusk" else (255, 255, 255), rng)


def cloud(p, x, y, r, col, rng) -> None:
    circles = [(x + dx * r, y + dy * r, rr * r) for dx, dy, rr in
               ((-1.4, 0.2, 0.9), (-0.5, -0.3, 1.2), (0.6, -0.1, 1.0), (1.5, 0.25, 0.75))]
    p.blob(circles, col, 0.5 * line_scale_for(r * 6), cel=False)
    del rng


def distance(p, setting, lay, light, rng) -> None:
    """Far scenery along the horizon."""
    W, H, h = lay.width, lay.height, lay.horizon
    if h <= 0 or h > H * 1.3:
        return
    m = min(W, H)
    if setting in ("forest", "snowy_village"):
        col = (58, 112, 76) if setting == "forest" else (200, 214, 230)
        r = 0.05 * m
        circles = [(x, h - r * float(rng.uniform(0.1, 0.9)), r * float(rng.uniform(0.8, 1.4)))
                   for x in np.arange(-r, W + 2 * r, r * 1.3)]
        p.blob(circles + [(x, h + r * 0.5, r) for x in np.arange(-r, W + 2 * r, r * 1.5)], col, 0, cel=False)
    elif setting == "mountain_pass":
        x = -0.1 * W
        while x < W * 1.1:
            w = m * float(rng.uniform(0.35, 0.6))
            ht = w * float(rng.uniform(0.45, 0.75))
            peak = (x + w / 2, h - ht)
            p.polygon([(x, h + 2), peak, (x + w, h + 2)], (120, 128, 160), 0.6)
            p.polygon([peak, (peak[0] - w * 0.13, peak[1] + ht * 0.28), (peak[0], peak[1] + ht * 0.2),
                       (peak[0] + w * 0.13, peak[1] + ht * 0.28)], (245, 248, 252), 0, cel=False)
            x += w * 0.6
    elif setting in ("city_street", "market_square"):
        x = -0.05 * W
        unit = max(lay.unit_at(h + 0.1 * (lay.ground_y - h)), 0.02 * m)
        while x < W:
            w = unit * float(rng.uniform(1.5, 2.8))
            ht = unit * float(rng.uniform(2.5, 5.5)) * (1.0 if setting == "city_street" else 0.7)
            col = (150, 164, 190) if setting == "city_street" else [(226, 190, 150), (210, 150, 130),
                                                                   (236, 214, 170)][int(rng.integers(3))]
            p.rect(x, h - ht, x + w, h + 1, col, 0.6)
            win = (255, 230, 140) if light == "night" else lighter(col, 0.35)
            for wy in np.arange(h - ht + 0.3 * unit, h - 0.5 * unit, 0.7 * unit):
                for wx in np.arange(x + 0.25 * unit, x + w - 0.4 * unit, 0.6 * unit):
                    p.flat_rect(wx, wy, wx + 0.25 * unit, wy + 0.35 * unit, win)
            x += w + unit * float(rng.uniform(0.0, 0.4))
    elif setting == "desert":
        for i in range(3):
            cx = W * float(rng.uniform(0, 1))
            p.ellipse(cx, h + 2, m * float(rng.uniform(0.3, 0.6)), m * 0.08, (236, 200, 140) if i % 2
                      else (226, 186, 124), 0.5)
    elif setting == "underwater_reef":
        r = 0.06 * m
        circles = [(x, h - r * float(rng.uniform(0, 0.8)), r * float(rng.uniform(0.6, 1.3)))
                   for x in np.arange(-r, W + 2 * r, r * 1.6)]
        p.blob(circles, (40, 110, 140), 0, cel=False)


def ground(p, setting, lay, light, rng) -> None:
    W, H, h, gy = lay.width, lay.height, lay.horizon, lay.ground_y
    far, near = GROUND[setting]
    top = max(h, 0.0)
    if top >= H:
        return
    p.gradient(top, H, [far, near])
    span = max(gy - h, 1.0)
    if setting == "beach":
        shore = h + 0.16 * span
        p.gradient(top, shore, [(96, 170, 214), (70, 150, 200)])
        for i in range(4):
            y = h + (shore - h) * (i + 0.6) / 4.5
            p.line([(0, y), (W, y)], max(0.6, (y - h) * 0.04), (160, 210, 235))
        p.line([(x, shore + 2 * np.sin(x / 9.0)) for x in np.linspace(0, W, 40)], max(1.0, span * 0.015),
               (250, 250, 245))
    elif setting == "city_street":
        curb = h + 0.55 * span
        p.flat_rect(0, curb, W, H, (96, 98, 108))
        p.line([(0, curb), (W, curb)], max(1.0, span * 0.02), (200, 196, 190))
        lane = curb + 0.45 * (H + span - curb)
        for x in np.arange(-20, W, 60):
            p.line([(x, lane), (x + 30, lane)], max(1.0, span * 0.012), (240, 230, 170))
    n = int(40 * W / 512)
    ys = h + span * rng.uniform(0.05, 1.4, n) ** 1.5
    xs = rng.uniform(0, W, n)
    for x, y in zip(xs, ys):
        if y > H + 5:
            continue
        u = min(lay.unit_at(y), 0.5 * lay.s_ref, 0.6 * H)
        if setting in ("forest", "mountain_pass"):
            c = darker(near, 0.8)
            for dx in (-1, 0, 1):
                p.line([(x + dx * 0.03 * u, y), (x + dx * 0.06 * u, y - 0.07 * u)], max(0.7, 0.015 * u), c)
        elif setting in ("beach", "desert", "underwater_reef"):
            if y > h + 0.2 * span:
                p.line([(x - 0.15 * u, y), (x, y - 0.015 * u), (x + 0.15 * u, y)], max(0.6, 0.012 * u),
                       darker(near, 0.88))
        elif setting == "snowy_village":
            p.ellipse(x, y, 0.3 * u, 0.04 * u, (214, 226, 242), 0, cel=False)
        elif setting == "market_square":
            p.ellipse(x, y, 0.12 * u, 0.045 * u, darker(near, 0.86), 0, cel=False)


def snowfall(p, lay, rng) -> None:
    n = int(50 * lay.width * lay.height / (512 * 512))
    xs, ys = rng.uniform(0, lay.width, n), rng.uniform(0, lay.height, n)
    rs = rng.uniform(0.8, 2.2, n) * min(lay.width, lay.height) / 512
    for x, y, r in zip(xs, ys, rs):
        p.dot(x, y, r, (255, 255, 255))


def walls(p, setting, lay, light, rng) -> None:
    W, H, h, fl = lay.width, lay.height, lay.horizon, lay.floor
    wall, floor, trim = WALLS[setting]
    p.flat_rect(0, 0, W, H, wall)
    u = max(lay.unit_at(fl), 1.0)
    if setting == "castle_hall":
        row = 0.22 * u
        for i, y in enumerate(np.arange(fl, -row, -row)):
            p.line([(0, y), (W, y)], max(0.6, 0.012 * u), darker(wall, 0.8))
            for x in np.arange((i % 2) * 0.25 * u, W, 0.5 * u):
                p.line([(x, y), (x, y - row)], max(0.6, 0.012 * u), darker(wall, 0.8))
    elif setting == "classroom":
        p.flat_rect(0, fl - 0.45 * u, W, fl, mix(trim, wall, 0.3))
        p.line([(0, fl - 0.45 * u), (W, fl - 0.45 * u)], max(1.0, 0.03 * u), trim)
    elif setting == "kitchen":
        t = 0.16 * u
        for y in np.arange(fl, -t, -t):
            p.line([(0, y), (W, y)], max(0.5, 0.008 * u), darker(wall, 0.88))
        for x in np.arange(0, W, t):
            p.line([(x, 0), (x, fl)], max(0.5, 0.008 * u), darker(wall, 0.88))
        p.rect(-5, fl - 0.55 * u, W + 5, fl, (170, 120, 84), line_scale_for(u) * 0.6)
        p.rect(-5, fl - 0.6 * u, W + 5, fl - 0.52 * u, (236, 232, 224), line_scale_for(u) * 0.6)
    elif setting == "space_station":
        pw = 0.9 * u
        for x in np.arange(-pw / 2, W + pw, pw):
            p.line([(x, 0), (x, fl)], max(0.8, 0.02 * u), darker(wall, 0.7))
        for y in (fl - 1.4 * u, fl - 0.35 * u):
            p.line([(0, y), (W, y)], max(1.0, 0.04 * u), trim)
    if fl >= H:
        return
    p.gradient(fl, H, [darker(floor, 0.9), floor])
    vx = W / 2
    depth = max(fl - h, 1.0)
    lw = max(0.6, 0.012 * u)
    if setting == "castle_hall":
        half = 0.7 * u
        bot = (H - h) / depth
        p.polygon([(vx - half, fl), (vx + half, fl), (vx + half * bot, H), (vx - half * bot, H)], (166, 40,
                                                                                                   52),
                  0, cel=False)
    step = 0.6 * u if setting != "kitchen" else 0.4 * u
    for x in np.arange(vx - step * 40, vx + step * 40, step):
        xb = vx + (x - vx) * (H - h) / depth
        if (x < -step and xb < 0) or (x > W + step and xb > W):
            continue
        p.line([(x, fl), (xb, H)], lw, darker(floor, 0.82))
    y = fl
    d = depth * 0.25
    while y < H:
        p.line([(0, y), (W, y)], lw, darker(floor, 0.82))
        d *= 1.45
        y += d
    p.line([(0, fl), (W, fl)], max(1.0, 0.03 * u), darker(trim, 0.9))
