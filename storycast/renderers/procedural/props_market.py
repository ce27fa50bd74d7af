"""Market-square props: stalls, a fountain, crates and shopfronts with awnings."""
from __future__ import annotations

from storycast.renderers.procedural.canvas import darker, ellipse_pts, lighter
from storycast.renderers.procedural.canvas import line_scale_for as ls

WOOD = (170, 120, 74)
STRIPES = [((220, 60, 60), (250, 244, 230)), ((60, 130, 200), (250, 244, 230)), ((60, 150, 90), (250, 230,
                                                                                                 130))]


def stall(p, x, y, u, ctx) -> None:
    from storycast.renderers.procedural.props_out import awning_band
    w = 0.8 * u
    cols = STRIPES[int(ctx.rng.integers(len(STRIPES)))]
    for dx in (-w, w):
        p.stroke([(x + dx, y), (x + dx, y - 1.5 * u)], 0.06 * u, WOOD, ls(u))
    p.rect(x - w * 1.05, y - 0.75 * u, x + w * 1.05, y, darker(WOOD, 0.9), ls(u))
    fruit = [(230, 70, 60), (250, 180, 50), (120, 190, 70), (160, 80, 160)]
    for i in range(6):
        fx = x - w * 0.8 + i * w * 0.32
        p.circle(fx, y - 0.8 * u, 0.08 * u, fruit[(i + int(ctx.rng.integers(4))) % 4], ls(u) * 0.6, cel=False)
    awning_band(p, x - w * 1.15, x + w * 1.15, y - 1.45 * u, u, cols)


def fountain(p, x, y, u, ctx) -> None:
    stone, water = (196, 192, 186), (120, 190, 235)
    w = 0.9 * u
    p.polygon(ellipse_pts(x, y - 0.3 * u, w, 0.22 * u, 0, 180, 12).tolist()
              + [(x - w, y - 0.3 * u), (x + w, y - 0.3 * u)], stone, ls(u))
    p.rect(x - w, y - 0.3 * u, x + w, y - 0.05 * u, stone, ls(u))
    p.ellipse(x, y - 0.32 * u, w * 0.92, 0.15 * u, water, 0, cel=False)
    p.rect(x - 0.08 * u, y - 1.0 * u, x + 0.08 * u, y - 0.3 * u, stone, ls(u))
    p.ellipse(x, y - 1.0 * u, 0.3 * u, 0.08 * u, stone, ls(u))
    for sx in (-1, 1):
        arc = ellipse_pts(x + sx * 0.35 * u, y - 1.0 * u, 0.35 * u, 0.6 * u, 180 if sx > 0 else 270,
                          270 if sx > 0 else 360, 8)
        arc[:, 1] = y - 1.0 * u - (arc[:, 1] - (y - 1.0 * u))
        p.line(arc[::-1] if sx > 0 else arc, max(0.8, 0.035 * u), lighter(water, 0.3))


def crate(p, x, y, u, ctx) -> None:
    s = u * float(ctx.rng.uniform(0.3, 0.45))
    p.rect(x - s / 2, y - s, x + s / 2, y, WOOD, ls(u))
    d = darker(WOOD, 0.7)
    lw = max(0.6, 0.03 * u)
    p.line([(x - s / 2, y - s), (x + s / 2, y)], lw, d)
    p.line([(x - s / 2, y), (x + s / 2, y - s)], lw, d)
    p.line([(x - s / 2, y - s * 0.5), (x + s / 2, y - s * 0.5)], lw, d)


def awning(p, x, y, u, ctx) -> None:
    """A shopfront: a facade with a door, a window and a striped awning."""
    from storycast.renderers.procedural.props_out import awning_band
    w, h = 1.1 * u, 2.2 * u
    col = [(236, 214, 170), (214, 160, 140), (190, 200, 214)][int(ctx.rng.integers(3))]
    p.rect(x - w, y - h, x + w, y, col, ls(u))
    p.rect(x - 0.75 * w, y - 0.85 * u, x - 0.25 * w, y, darker(col, 0.6), ls(u) * 0.7)
    win = (255, 220, 120) if ctx.night else (170, 210, 235)
    p.rect(x + 0.05 * w, y - 0.95 * u, x + 0.8 * w, y - 0.35 * u, win, ls(u) * 0.7, cel=False)
    awning_band(p, x - w * 1.05, x + w * 1.05, y - 1.1 * u, u, STRIPES[int(ctx.rng.integers(len(STRIPES)))])
