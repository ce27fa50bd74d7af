"""What a figure's body shows beyond its colours: its top (the garment) and its build, read from the torso.

In ink, part colours and the head's shape (`head_shape`) still leave look-alikes: at paper scale, when an
ink crop retrieved the wrong template, that template shared the crop's species 85 % of the time and its
hair style 79 %, but its top only 23 % and its build 32 %. A hoodie's pocket band, a jacket's opening,
a robe's skirt, armour's plates and a round or slim silhouette are outlines, which hatching keeps.

The torso patch (`torso_patch`) samples GRID_Y x GRID_X points in body coordinates: from the neck down the
neck-to-hips axis to below the hips, and across it wider than the widest build, so the silhouette's edges
are in it. Colours are CIELAB relative to the chest's median (the garment's shape, not its colour, which
the part colours judge already). Linear discriminants (`discriminants`) give class probabilities for
top and build, one pair per kind of image: frame torsos seen from the front and in three-quarter view,
and template sheets' front figures. A crop and a template look alike as much as their probabilities
overlap (`body_distance`), which identity retrieval adds in SHAPE_STYLES.

Fitted on calibration characters by `benchmarks/calibrate_bodies.py` and stored beside this module in
`body_model.npz`; like the head and expression models it describes the embedded renderer's drawing.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from storycast import vocab
from storycast.judges import discriminants
from storycast.judges.conditions import place_of, tone_of
from storycast.judges.embedding import box_means, light_correct, srgb_to_lab
from storycast.judges.expression import view_of
from storycast.skeleton import L_HIP, NECK, R_HIP

ATTRIBUTES: tuple[tuple[str, tuple[str, ...]], ...] = (("top", tuple(vocab.TOPS)), ("build", tuple(vocab.BUILDS)))
KINDS = ("front", "side", "template")     # frame torsos by `expression.view_of`; template sheets' front figures
SIZE = sum(len(labels) for _, labels in ATTRIBUTES)
GRID_X, GRID_Y = 16, 20
ACROSS, DOWN = 0.24, (0.0, 0.62)          # patch extent in body units (scale): half width; neck to below the hips
CHEST = slice(GRID_Y // 4, GRID_Y // 2), slice(GRID_X // 3, GRID_X - GRID_X // 3)   # symmetric about the axis
MIN_INSIDE = 0.5     # share of the patch that must be in the image
TEMPERATURE = 3.0    # softens the Gaussian posteriors; picked with WEIGHT by `calibrate_bodies.py --pick`
WEIGHT = 2.0         # per attribute, in the colour distance's units
SHAPE_STYLES = frozenset({"ink"})         # where colour leaves characters alike (head_shape.SHAPE_STYLES)
FLOOR = 1e-3         # no overlap at all costs -log(FLOOR) * WEIGHT, not infinity
MODEL_FILE = Path(__file__).with_name("body_model.npz")


def torso_patch(img, kp: np.ndarray, scale: float, facing: str, lighting: str = "day", place: str = "out",
                tone: str = "colour") -> np.ndarray | None:
    """Features (GRID_Y x GRID_X x 3 CIELAB, relative to the chest's median, / 20) of the torso in an
    RGB array or `embedding.Window`, mirrored so a three-quarter view always faces the same way. Samples
    outside the image read as the chest (0): a close-up cuts the hips off, and its chest and shoulders
    still show the garment and the build. None where the chest or most of the patch is outside."""
    kp = np.asarray(kp, dtype=np.float64)
    neck = kp[NECK]
    down = (kp[L_HIP] + kp[R_HIP]) / 2 - neck
    length = float(np.hypot(*down))
    if length < 1e-6:
        return None
    down /= length
    across = np.array([down[1], -down[0]]) * (-1.0 if facing == "left" else 1.0)
    gx, gy = np.meshgrid(np.linspace(-ACROSS, ACROSS, GRID_X), np.linspace(*DOWN, GRID_Y))
    pts = neck + scale * (across[None] * gx.reshape(-1, 1) + down[None] * gy.reshape(-1, 1))
    colours, ok = box_means(img, pts, max(0, int(round(0.012 * scale))))
    ok = ok.reshape(GRID_Y, GRID_X)
    if ok.mean() < MIN_INSIDE or not ok[CHEST].all():
        return None
    lab = srgb_to_lab(light_correct(colours, lighting, place, tone)).reshape(GRID_Y, GRID_X, 3)
    chest = np.median(lab[CHEST].reshape(-1, 3), axis=0)
    return np.where(ok[..., None], (lab - chest) / 20.0, 0.0).ravel()


# ---------------------------------------------------------------- the model
def model_key(kind: str, style: str | None = None) -> str:
    """Frame torsos have a discriminant per art style and view; template sheets one per art style."""
    if style not in vocab.ART_STYLES:
        raise ValueError(f"torsos are read per art style; got {style!r}, expected one of {vocab.ART_STYLES}")
    return f"{style}_{kind}"


MODEL_KEYS = tuple(model_key(k, s) for s in sorted(SHAPE_STYLES) for k in KINDS)


def fit(rows: list[tuple[str, dict, np.ndarray]], ridge: float = 0.1) -> dict:
    """Per model key and attribute, the discriminant (W, projected class means) from (kind, character
    spec, torso features) rows."""
    return discriminants.fit(rows, MODEL_KEYS, model_key, ATTRIBUTES, ridge)


def save(model: dict, path: Path = MODEL_FILE) -> None:
    discriminants.save(model, path)


@functools.cache
def load(path: Path = MODEL_FILE) -> dict | None:
    return discriminants.load(path, MODEL_KEYS, ATTRIBUTES, "benchmarks/calibrate_bodies.py")


# ---------------------------------------------------------------- use
def posteriors(patch: np.ndarray | None, kind: str, style: str, temperature: float = TEMPERATURE) -> np.ndarray:
    """Top then build probabilities (SIZE,) of a `torso_patch` (a frame torso of art `style` seen `kind`
    = front / side, or a template sheet's); NaN without a patch, a model or outside SHAPE_STYLES."""
    model = load()
    if patch is None or model is None or style not in SHAPE_STYLES or kind not in KINDS:
        return np.full(SIZE, np.nan)
    return discriminants.posteriors(model, model_key(kind, style), ATTRIBUTES, patch, temperature)


def crop_body(img, req, c) -> np.ndarray | None:
    """The top and build probabilities of character `c` (a `CharacterControl`) in a frame (an RGB array),
    for retrieval: None outside SHAPE_STYLES or seen from behind. Read for retrieval's sampled crops
    only (`qc_metrics.FrameStats`), not by the judge: no check uses them."""
    if req.art_style not in SHAPE_STYLES or c.facing == "back":
        return None
    patch = torso_patch(img, c.keypoints, c.scale, c.facing, req.lighting, place_of(req.setting),
                        tone_of(req.art_style))
    return posteriors(patch, view_of(c.facing), req.art_style)


def body_of(d) -> np.ndarray:
    """A descriptor's body shape, NaN where it has none."""
    body = getattr(d, "body", None)
    return body if body is not None and len(body) == SIZE else np.full(SIZE, np.nan)


def body_distance(crop: np.ndarray | None, templates: np.ndarray, style: str, weight: float = WEIGHT) -> np.ndarray:
    """Per template (V,): `weight` x -log of how much the crop's and each template's probabilities
    overlap, summed over top and build; 0 where either has none or the art style is not in SHAPE_STYLES."""
    if style not in SHAPE_STYLES or crop is None or np.isnan(crop).any():
        return np.zeros(len(templates))
    return discriminants.overlap_distance(crop, templates, ATTRIBUTES, weight, FLOOR)
