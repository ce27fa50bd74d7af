"""A template sheet as the judge's reference: its figures located from pixels alone and described like a crop.

The sheet is reduced to about REF_SIZE a side; its figures are the column runs of foreground against the
border's colour (`_figures`); the tallest is the front view, the rightmost the back, each fitted with the
canonical standing skeleton (`_fit`) and described by `embedding.describe`, with the character's spec
saying where its parts are sampled. The front view also carries the head's and the torso's shape
(`head_shape`, `body_shape`), and the reference how many colours the sheet is drawn with
(`palette.colour_count`: a palette drawing or not).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from PIL import Image

from storycast.judges.embedding import Descriptor, describe, part_points
from storycast.skeleton import pose_keypoints

REF_SIZE = 512             # templates are described at this size (integer box reduction)
# Standing front figure: keypoint extent -> drawn extent (body units), head top to sole.
STAND_TOP, STAND_SOLE = -0.517, 0.505
FIGURE_BARS = (0.2, 0.3, 0.4, 0.5)   # share of the fullest column a figure's columns reach
MAX_FIGURE_ASPECT = 0.56             # one figure: <= 0.48 of its height (cape, round build); two: >= 0.65


@dataclass(frozen=True)
class Reference:
    """A template's appearance: front and back view descriptors, where the front view stands and how
    many colours the sheet is drawn with (`palette.colour_count`; 0: not counted)."""

    front: Descriptor
    back: Descriptor
    box: tuple[float, float, float, float]   # front view extent in REF_SIZE pixels
    colours: int = 0


def _reduce(image: Image.Image | np.ndarray) -> np.ndarray:
    """The sheet as an RGB array of about REF_SIZE a side (PIL's integer box reduction)."""
    im = Image.fromarray(image) if isinstance(image, np.ndarray) else image.convert("RGB")
    k = max(1, round(min(im.size) / REF_SIZE))
    if k > 1:
        im = im.reduce(k)
    return np.asarray(im)


def _figures(a: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Foreground mask against the border colour, and the column runs of the figures on it:
    columns holding a tall stack of foreground (thin tails, sticks and shadows do not). Where a
    cape or a wide shadow joins two figures into one run much wider than a figure, the bar for a
    column is raised until the valley between them parts them."""
    border = np.concatenate([a[0], a[:, 0], a[:, -1]]).astype(np.int16)
    bg = np.median(border, axis=0)
    # any channel more than 10 levels off the backdrop; a channel at a time in float32 (exact for
    # bytes minus a median of bytes), not a float64 copy of the whole sheet
    fg = np.zeros(a.shape[:2], dtype=bool)
    for ch in range(3):
        fg |= np.abs(a[..., ch] - np.float32(bg[ch])) > 10
    counts = fg.sum(axis=0)
    for bar in FIGURE_BARS:
        runs = _runs(counts > bar * max(int(counts.max()), 1))
        if all(x1 - x0 <= MAX_FIGURE_ASPECT * counts[x0:x1].max() for x0, x1 in runs):
            break
    return fg, runs


def _runs(strong: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True at least 4 long, bridging gaps of up to 3."""
    runs, start, gap = [], None, 0
    for x, on in enumerate(np.append(strong, [False] * 4)):
        if on:
            start, gap = (x if start is None else start), 0
        elif start is not None:
            gap += 1
            if gap > 3:
                if x - gap + 1 - start >= 4:
                    runs.append((start, x - gap + 1))
                start, gap = None, 0
    return runs


def _fit(fg: np.ndarray, run: tuple[int, int], facing: str) -> tuple[np.ndarray, float, tuple]:
    """The canonical standing skeleton placed on one figure of the sheet: sole at the lowest
    foreground row, head top at the highest row at least a head wide (ears, antennas and
    mohawks are narrower), centred between the legs."""
    x0, x1 = run
    sub = fg[:, x0:x1]
    rows = np.nonzero(sub.any(axis=1))[0]
    top, bottom = int(rows[0]), int(rows[-1])
    widest = _longest_runs(sub)
    wide = np.nonzero(widest >= 0.1 * (bottom - top))[0]
    top = int(wide[0]) if len(wide) else top
    scale = (bottom - top) / (STAND_SOLE - STAND_TOP)
    legs = sub[int(bottom - 0.3 * scale): int(bottom - 0.1 * scale)]
    full = np.nonzero(legs.mean(axis=0) > 0.6)[0] if len(legs) else np.array([], dtype=int)
    cx = x0 + (float(full[0] + full[-1]) / 2 if len(full) else (x1 - x0) / 2)
    kp, _ = pose_keypoints("standing", facing)
    kp = kp * scale + np.array([cx, bottom - STAND_SOLE * scale])
    return kp, scale, (float(x0), float(top), float(x1), float(bottom))


def _longest_runs(mask: np.ndarray) -> np.ndarray:
    """Per row, the length of the longest run of True."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    out = np.zeros(mask.shape[0], dtype=np.int64)
    np.maximum.at(out, rows, ends - starts)
    return out


def front_figure(fg: np.ndarray, runs: list[tuple[int, int]]) -> tuple[tuple[int, int], np.ndarray, float, tuple]:
    """A sheet's front view (its largest figure, of `_figures`): its column run, the standing
    skeleton fitted to it, that skeleton's scale and the figure's extent."""
    front = runs[int(np.argmax([fg[:, x0:x1].sum() for x0, x1 in runs]))]
    kp, scale, box = _fit(fg, front, "front")
    return front, kp, scale, box


def sheet_front(image: Image.Image | np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The sheet at the reference size, its front figure's standing skeleton and that skeleton's scale
    (what the calibration scripts read a sheet's head and torso from)."""
    a = _reduce(image)
    _, kp, scale, _ = front_figure(*_figures(a))
    return a, kp, scale


def template_reference(image: Image.Image | np.ndarray, spec: dict | None = None) -> Reference:
    """Describe a template sheet (an image or an RGB array): its tallest figure is the front view,
    the rightmost the back. `spec`: the character's, which says where its parts are sampled
    (`part_points`); its frames must be described with the same."""
    from storycast.judges import body_shape  # body_shape and head_shape build on embedding, as this module does
    from storycast.judges.head_shape import template_shape
    from storycast.judges.palette import colour_count

    a = _reduce(image)
    fg, runs = _figures(a)
    if not runs:
        raise ValueError("template has no figure on its backdrop")
    front, kp, s, box = front_figure(fg, runs)
    style = (spec or {}).get("art_style")
    body = body_shape.read_body(a, kp, s, "front", "template", style)
    front_d = dataclasses.replace(describe(a, kp, s, "front", points=part_points(kp, s, "front", spec)),
                                  shape=template_shape(a, kp, s), body=body)
    back_run = runs[-1] if runs[-1] != front else front
    bkp, bs, _ = _fit(fg, back_run, "back")
    back_d = describe(a, bkp, bs, "back", points=part_points(bkp, bs, "back", spec))
    return Reference(front_d, back_d, box, colour_count(image))
