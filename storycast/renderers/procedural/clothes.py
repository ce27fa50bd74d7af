"""Clothing on the torso: the top (10 types, with its pattern), skirts, dresses and robes whose
hem follows the knees, and the waist of the bottom garment."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from storycast.renderers.procedural.canvas import (
    Painter,
    contrast_of,
    convex_hull,
    darker,
    ellipse_pts,
    lighter,
    mix,
    unit,
)
from storycast.skeleton import L_ANK, L_HIP, L_KNE, NECK, R_ANK, R_HIP, R_KNE

UNDERSHIRT = (242, 238, 228)


def half_width(b, y: float, bottom: float) -> float:
    """Torso half width (body units) at depth y below the neck: shoulders, waist, hips, smoothly."""
    wb = b.wh * (1.04 if bottom > b.L else 1.0)
    y0, y1, y2 = 0.06, 0.6 * b.L, max(bottom, 0.6 * b.L + 0.05)
    w0, w1, w2 = b.ws, b.ww, wb
    l0 = (y - y1) * (y - y2) / ((y0 - y1) * (y0 - y2))
    l1 = (y - y0) * (y - y2) / ((y1 - y0) * (y1 - y2))
    l2 = (y - y0) * (y - y1) / ((y2 - y0) * (y2 - y1))
    return float(w0 * l0 + w1 * l1 + w2 * l2)


def _torso_outline(b, bottom: float) -> np.ndarray:
    ws, rr = b.ws, 0.05
    half = [(0.42 * ws, -0.004)]
    half += [(ws - rr + rr * np.cos(a), rr - 0.004 + rr * np.sin(a))
             for a in np.radians(np.linspace(265, 360, 5))]
    for y in np.linspace(0.1, bottom - 0.025, 6):
        half.append((half_width(b, y, bottom), y))
    wb = half_width(b, bottom, bottom)
    half += [(wb * 0.97, bottom - 0.004), (wb * 0.5, bottom + 0.008)]
    left = [(-x, y) for x, y in half]
    right = [(x, y) for x, y in reversed(half)]
    return b.T.pts(left + right)


def torso(p: Painter, b) -> None:
    look = b.look
    top, col = look.top, look.top_c
    if top == "armor":
        col = mix(col, (200, 205, 215), 0.35)
    if top == "overalls":
        p.polygon(_torso_outline(b, b.L + 0.02), UNDERSHIRT, b.lw)
        if b.back:
            for sx in (-1, 1):
                p.stroke([b.T.p(sx * 0.6 * b.ws, 0.0), b.T.p(-sx * 0.3 * b.ww, b.L - 0.05)], 0.025 * b.s, col,
                         b.lw * 0.7, cel=False)
            return
        bib = b.T.pts([(-0.7 * b.ww, 0.12), (0.7 * b.ww, 0.12), (0.95 * b.ww, b.L - 0.04),
                       (-0.95 * b.ww, b.L - 0.04)])
        p.polygon(bib, col, b.lw)
        _pattern(p, b, [bib], col)
        for sx in (-1, 1):
            p.stroke([b.T.p(sx * 0.6 * b.ws, 0.0), b.T.p(sx * 0.55 * b.ww, 0.13)], 0.025 * b.s, col,
                     b.lw * 0.7, cel=False)
            p.dot(*b.T.p(sx * 0.5 * b.ww, 0.15), 0.009 * b.s, darker(col, 0.5))
        return
    body = _torso_outline(b, b.hem)
    p.polygon(body, col, b.lw)
    polys = [body]
    if top in ("dress", "robe"):
        polys.append(_skirt(p, b, col, "robe" if top == "robe" else "dress"))
    _pattern(p, b, polys, col)
    dark = darker(col, 0.62)
    T, s, lw = b.T, b.s, b.lw
    if top == "jacket" and not b.back:
        p.polygon(T.pts([(-0.05, -0.02), (0.05, -0.02), (0.035, b.hem), (-0.035, b.hem)]), UNDERSHIRT,
                  lw * 0.7, cel=False)
        for sx in (-1, 1):
            p.line(T.pts([(sx * 0.05, -0.02), (sx * 0.1, 0.09), (sx * 0.04, 0.12)]), 0.012 * s, dark)
    elif top == "hoodie":
        if not b.back:
            p.polygon(T.pts([(-0.6 * b.ww, b.L - 0.11), (0.6 * b.ww, b.L - 0.11), (0.7 * b.ww, b.L - 0.01),
                             (-0.7 * b.ww, b.L - 0.01)]), darker(col, 0.85), lw * 0.6, cel=False)
            for sx in (-1, 1):
                p.line(T.pts([(sx * 0.03, 0.0), (sx * 0.035, 0.1)]), 0.01 * s, UNDERSHIRT)
        _band(p, b, darker(col, 0.8))
    elif top == "sweater":
        _band(p, b, darker(col, 0.82))
        p.stroke(T.pts([(-0.045, -0.01), (0.045, -0.01)]), 0.03 * s, darker(col, 0.82), 0, cel=False)
    elif top in ("tunic", "robe"):
        belt = darker(col, 0.55) if top == "tunic" else lighter(col, 0.45)
        bw = half_width(b, b.L - 0.06, b.hem) * 0.98
        p.polygon(T.pts([(-bw, b.L - 0.075), (bw, b.L - 0.075), (bw, b.L - 0.045), (-bw, b.L - 0.045)]), belt,
                  lw * 0.6, cel=False)
    elif top == "armor":
        for y in (0.12, 0.2):
            p.line(T.pts([(-b.ww * 0.9, y), (b.ww * 0.9, y)]), 0.01 * s, dark)
        bw = half_width(b, b.L - 0.05, b.hem) * 0.98
        p.polygon(T.pts([(-bw, b.L - 0.065), (bw, b.L - 0.065), (bw, b.L - 0.035), (-bw, b.L - 0.035)]),
                  (120, 84, 50), lw * 0.6, cel=False)
    elif top == "vest" and not b.back:
        p.polygon(T.pts([(-0.045, -0.02), (0.045, -0.02), (0.0, 0.16)]), UNDERSHIRT, lw * 0.6, cel=False)
        for y in (0.18, 0.24):
            p.dot(*T.p(0.0, y), 0.008 * s, dark)
    if top == "tshirt" and not b.back:
        p.line(T.pts(ellipse_pts(0, -0.015, 0.05, 0.035, 20, 160, 9)), 0.011 * s, dark)


def _band(p: Painter, b, col) -> None:
    """A ribbed hem band (hoodie, sweater)."""
    y0, y1 = b.hem - 0.035, b.hem
    w0, w1 = half_width(b, y0, b.hem), half_width(b, y1, b.hem)
    p.polygon(b.T.pts([(-w0, y0), (w0, y0), (w1 * 0.97, y1), (-w1 * 0.97, y1)]), col, b.lw * 0.6, cel=False)


def _skirt(p: Painter, b, col, kind: str) -> np.ndarray:
    """A garment from the waist down over the legs: dress (to the knee), robe (to the shin),
    skirt; its hem follows the knees so it moves with the pose, and always flares a little."""
    kp, T = b.kp, b.T
    top = b.L - 0.1
    wt = half_width(b, top, b.hem) * 0.98
    pts = [T.p(-wt, top), T.p(wt, top)]
    flare = {"dress": 0.075, "robe": 0.06, "skirt": 0.07}[kind] * b.s
    mid = b.mid_hip
    ends = []
    for sgn, (hip, kne, ank) in ((-1, (R_HIP, R_KNE, R_ANK)), (1, (L_HIP, L_KNE, L_ANK))):
        if kind == "robe":
            end = kp[kne] + 0.75 * (kp[ank] - kp[kne])
        else:
            end = kp[hip] + (0.95 if kind == "dress" else 0.78) * (kp[kne] - kp[hip])
        across = float(np.dot(end - mid, T.ux))
        side = np.sign(across) if abs(across) > 0.01 * b.s else (sgn if not b.back else -sgn)
        reach = max(abs(across) + flare, (1.35 if kind != "robe" else 1.2) * wt * b.s)
        down = unit(end - kp[hip])
        base = end - T.ux * across + down * 0.02 * b.s
        pts += [base + T.ux * side * reach, base - T.ux * side * 0.01 * b.s]
        ends.append(base)
    low = max(ends, key=lambda e: float(np.dot(e - mid, T.uy)))
    pts.append(low + T.uy * 0.015 * b.s)
    hull = convex_hull(pts)
    p.polygon(hull, col, b.lw)
    hem = darker(col, 0.7)
    lo = hull[np.argsort(-(hull - mid) @ T.uy)[:3]]
    lo = lo[np.argsort(lo @ T.ux)]
    p.line(lo, 0.012 * b.s, hem)
    return hull


def lower_garment(p: Painter, b) -> None:
    look = b.look
    if look.bottom in ("trousers", "shorts", "leggings"):
        p.polygon(b.T.pts([(-b.wh, b.L - 0.08), (b.wh, b.L - 0.08), (b.wh * 1.02, b.L + 0.06),
                           (-b.wh * 1.02, b.L + 0.06)]), look.bottom_c, b.lw)
    elif look.bottom == "skirt":
        _skirt(p, b, look.bottom_c, "skirt")


def _pattern(p: Painter, b, polys, base) -> None:
    pattern = b.look.pattern
    k = p.k
    cell = 0.05 * b.s * k
    if pattern == "plain" or cell < 3:
        return
    allp = np.vstack(polys) * k
    x0, y0 = np.floor(allp.min(axis=0)).astype(int)
    x1, y1 = np.ceil(allp.max(axis=0)).astype(int) + 1
    w, h = x1 - x0, y1 - y0
    if w <= 1 or h <= 1 or w * h > 4_000_000:
        return
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    for poly in polys:
        md.polygon((np.asarray(poly) * k - (x0, y0)).ravel().tolist(), fill=255)
    pat = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(pat)
    ox, oy = b.kp[NECK] * k - (x0, y0)           # anchor on the neck: moves with the body
    ox, oy = ox % cell - cell, oy % (2 * cell) - 2 * cell
    nx, ny = int(w / cell) + 3, int(h / cell) + 3
    if pattern == "striped":
        for j in range(ny):
            y = oy + j * cell
            d.rectangle((0, y, w, y + cell * 0.45), fill=255)
    elif pattern == "checked":
        for j in range(ny):
            for i in range(nx):
                if (i + j) % 2 == 0:
                    d.rectangle((ox + i * cell, oy + j * cell, ox + (i + 1) * cell, oy + (j + 1) * cell),
                                fill=255)
    elif pattern == "dotted":
        r = cell * 0.22
        for j in range(ny):
            for i in range(nx):
                cx, cy = ox + (i + 0.5 * (j % 2)) * cell, oy + j * cell
                d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    elif pattern == "zigzag":
        for j in range(0, ny, 2):
            y = oy + j * cell
            pts = [(ox + i * cell * 0.6, y + (cell * 0.5 if i % 2 else 0)) for i in range(int(nx / 0.6) + 2)]
            d.line(sum(pts, ()), fill=255, width=max(1, int(cell * 0.22)), joint="curve")
    elif pattern == "stars":
        star = _star_pts(cell * 0.38)
        for j in range(0, ny, 2):
            for i in range(0, nx, 2):
                cx, cy = ox + (i + (j // 2) % 2) * cell, oy + j * cell
                d.polygon((star + (cx, cy)).ravel().tolist(), fill=255)
    p.paste_mask(contrast_of(base), ImageChops.multiply(mask, pat), (int(x0), int(y0)))


def _star_pts(r: float) -> np.ndarray:
    a = np.radians(np.arange(10) * 36 - 90)
    rad = np.where(np.arange(10) % 2 == 0, r, r * 0.45)
    return np.stack([rad * np.cos(a), rad * np.sin(a)], axis=1)
