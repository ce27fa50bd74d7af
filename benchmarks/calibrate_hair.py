"""Where the `measured` judge samples hair under a hat: write storycast/judges/hair_points.json.

    python benchmarks/calibrate_hair.py             # measure, print the choices, write the file
    python benchmarks/calibrate_hair.py --dry-run   # measure and print only

The judge reads a character's hair colour at three points of its head (`embedding.part_points`). With
no hat they sit on the crown of the head; a cap, a round hat, goggles or a crown covers that, and the
points read the hat (a recoloured hair was never seen: 0 of 144 hair drifts under those hats flagged at
paper scale). Here every character of a frame sample is drawn twice with its hair in two far-apart
colours, each time with one hat (or none) and one hair style; the pixels that change are its visible
hair. Mapped into the judge's head coordinates (head radius units, y down, x towards the facing in a
three-quarter view), that gives per hat, hair style and view the share of drawings whose hair covers
each point of a grid. The chosen triple (two points mirrored across the head's axis and one more) is
the one most often read as hair: at least two of three points on hair, the median the judge takes,
averaged over the art styles, among points above the head's middle (`LOWEST`: hair hanging below it,
beside the face, is outside the region the identity-drift fault redraws, the head box's top half).
The default triple is kept unless another reads hair clearly more often (`MARGIN`), so characters
whose hair was already read keep their calibration. Ink does not use the table (`hair.CROWN_ONLY_STYLES`).
"""
from __future__ import annotations

import argparse
import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storycast import faults, vocab  # noqa: E402
from storycast.judges import hair as hair_mod  # noqa: E402
from storycast.judges.base import head_centre  # noqa: E402

STYLES = ("flat_vector", "outlined_cel", "pastel", "ink", "pixel_art", "painterly")
FRAMES = 1500         # per art style
MARGIN = 0.1           # how much more often a new triple must read hair than the default one
LOWEST = -0.1          # points above the head's middle: the identity-drift fault redraws the top half
XS = np.round(np.arange(-1.2, 1.21, 0.1), 1)
YS = np.round(np.arange(-1.5, 0.61, 0.1), 1)


def _grid_visibility(mask: np.ndarray, c) -> np.ndarray:
    """Whether each grid point (head units, as the judge places them) lies on the changed pixels."""
    centre, up = head_centre(c)
    across = np.array([-up[1], up[0]])
    turn = -1.0 if c.facing == "left" else 1.0          # the table's x runs towards the facing
    r = 0.1 * c.scale
    X, Y = np.meshgrid(XS, YS)
    p = np.rint(centre + r * (-up * Y[..., None] + across * X[..., None] * turn)).astype(int)
    inside = (p[..., 0] >= 0) & (p[..., 0] < mask.shape[1]) & (p[..., 1] >= 0) & (p[..., 1] < mask.shape[0])
    out = np.zeros(X.shape)
    out[inside] = mask[p[..., 1][inside], p[..., 0][inside]]
    return out


def measure(style: str) -> dict:
    """{(hat, hair style, view): [sum of visibility grids, count]} over FRAMES frames of `style`."""
    from storycast.characters import sample_characters
    from storycast.qc import sample_frames
    from storycast.renderers.procedural import ProceduralRenderer

    chars = [c for c in sample_characters(600, 11, 3) if c["art_style"] == style and c.get("hair_color")]
    renderer, acc = ProceduralRenderer(), {}
    hats = ("none",) + hair_mod.HATS
    for k, (_, req) in enumerate(sample_frames(chars, FRAMES, 12)):
        for i, c in enumerate(req.characters):
            if c.facing == "back" or faults.visible_fraction(req, c, faults.torso_polygon(c)) < 1.0:
                continue
            hat = hats[(k + i) % len(hats)]
            style_name = vocab.HAIR_STYLES[(k // len(hats) * 3 + i) % len(vocab.HAIR_STYLES)]
            if style_name == "bald":
                continue
            spec = dict(c.character, hair_style=style_name,
                        accessories=[a for a in c.character["accessories"] if a not in hats] + [hat] * (hat != "none"))
            other = faults._far_colour(spec["hair_color"], vocab.HAIR_COLORS, style == "ink", np.random.default_rng(k))
            a, b = (np.asarray(renderer.render_frame(faults._replace(req, c, character=s)).convert("RGB"), np.int16)
                    for s in (spec, dict(spec, hair_color=other)))
            mask = np.abs(a - b).max(axis=2) > 40
            view = "side" if c.facing in ("left", "right") else "front"
            cell = acc.setdefault((hat, style_name, view), [np.zeros((len(YS), len(XS))), 0])
            cell[0] += _grid_visibility(mask, c)
            cell[1] += 1
    return acc


def _two_of_three(a, b, c):
    return a * b + a * c + b * c - 2 * a * b * c


def best_triple(maps: list[np.ndarray]) -> tuple[float, list[tuple[float, float]]]:
    """The mirrored pair plus one point most often read as hair (>= 2 of 3), averaged over `maps`."""
    X, Y = np.meshgrid(XS, YS)
    near = (np.abs(X) <= 1.1) & (Y <= LOWEST + 1e-9)
    xs, ys = X[near], Y[near]
    V = np.array(maps)[:, near]                          # styles x candidate points
    best = (-1.0, [])
    for i in np.flatnonzero(xs >= 0.2):
        mirror = np.flatnonzero(np.isclose(xs, -xs[i]) & np.isclose(ys, ys[i]))[0]
        score = _two_of_three(V[:, [i]], V[:, [mirror]], V).mean(axis=0)
        score[np.minimum(np.hypot(xs - xs[i], ys - ys[i]), np.hypot(xs + xs[i], ys - ys[i])) < 0.3] = -1.0
        k = int(np.argmax(score))
        if score[k] > best[0]:
            best = (float(score[k]), [(-float(xs[i]), float(ys[i])), (float(xs[i]), float(ys[i])),
                                      (float(xs[k]), float(ys[k]))])
    return best


def triple_score(maps: list[np.ndarray], points) -> float:
    V = np.array(maps)
    a, b, c = (V[:, int(np.argmin(abs(YS - y))), int(np.argmin(abs(XS - x)))] for x, y in points)
    return float(_two_of_three(a, b, c).mean())


def choose(per_style: list[dict]) -> dict:
    """{hat: {hair style: [[x, y] x 3]}}, only where the default triple is beaten by MARGIN. Points
    must read hair in the front and the three-quarter views alike (a frame's character is compared
    with the sheet's front figure)."""
    out: dict = {}
    default = [tuple(p) for p in hair_mod.DEFAULT_POINTS]
    for hat, hs in sorted({k[:2] for acc in per_style for k in acc}):
        maps = []
        for acc in per_style:
            cells = [acc.get((hat, hs, v)) for v in ("front", "side")]
            if all(c is not None and c[1] >= 3 for c in cells):
                maps.append(np.minimum(*[c[0] / c[1] for c in cells]))
        if not maps:
            continue
        old = triple_score(maps, default)
        new, points = best_triple(maps)
        used = new >= old + MARGIN
        if used:
            out.setdefault(hat, {})[hs] = [[x, y] for x, y in points]
        print(f"{hat:9s} {hs:10s} default {old:.2f}  best {new:.2f} {points}" + ("  <- used" * used))
    return out


def dump(table: dict) -> str:
    """The table as JSON, one hair style a line."""
    hats = [f' "{hat}": {{\n' + ",\n".join(f'  "{hs}": {json.dumps(pts)}' for hs, pts in sorted(styles.items()))
            + "\n }" for hat, styles in sorted(table.items())]
    return "{\n" + ",\n".join(hats) + "\n}\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with Pool(args.workers) as pool:
        per_style = pool.map(measure, STYLES)
    table = choose(per_style)
    if not args.dry_run:
        hair_mod.POINTS_FILE.write_text(dump(table))
        print("wrote", hair_mod.POINTS_FILE)


if __name__ == "__main__":
    main()
