"""What a figure's body shows beyond its colours: its top (the garment) and build, read from the torso,
and what it wears below, read from the legs.

In ink, part colours and the head's shape (`head_shape`) still leave look-alikes: at paper scale, when an
ink crop retrieved the wrong template, that template shared the crop's species 85 % of the time and its
hair style 79 %, but its top only 23 % and its build 32 %. A hoodie's pocket band, a jacket's opening,
a robe's skirt, armour's plates and a round or slim silhouette are outlines, which hatching keeps. With
the torso read, the misses left shared the bottom a third of the time: shorts end at mid-thigh, a
skirt flares, trousers are wider than leggings.

The torso patch (`torso_patch`) samples GRID_Y x GRID_X points in body coordinates: from the neck down the
neck-to-hips axis to below the hips, and across it wider than the widest build, so the silhouette's edges
are in it. The legs patch (`legs_patch`) samples across each leg's thigh and shin, along the bones. Colours
are CIELAB relative to the chest's median (the garment's shape, not its colour, which the part colours
judge already). Linear discriminants (`discriminants`) give class probabilities for top and build (from
the torso) and bottom (from the legs), per kind of image: frame figures seen from the front and in
three-quarter view, and template sheets' front figures. A crop and a template look alike as much as
their probabilities overlap (`body_distance`), which identity retrieval adds in SHAPE_STYLES.

Fitted on calibration characters by `benchmarks/calibrate_bodies.py` and stored beside this module in
`body_model.npz`; like the head and expression models it describes the embedded renderer's drawing.
In pixel art, with the head's shape read at every size, a miss's winner shared the crop's top 16 % of
the time: the torso tells what the frame's few colours do not, even at 4-pixel blocks.
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
from storycast.skeleton import L_ANK, L_HIP, L_KNE, NECK, R_ANK, R_HIP, R_KNE

TORSO_ATTRIBUTES: discriminants.Attributes = (("top", tuple(vocab.TOPS)), ("build", tuple(vocab.BUILDS)))
LEG_ATTRIBUTES: discriminants.Attributes = (("bottom", ("",) + tuple(vocab.BOTTOMS)),)   # "": under a dress or robe
ATTRIBUTES = TORSO_ATTRIBUTES + LEG_ATTRIBUTES      # a reading's order: top, build, bottom
KINDS = ("front", "side", "template")     # frame torsos by `expression.view_of`; template sheets' front figures
SIZE = sum(len(labels) for _, labels in ATTRIBUTES)
GRID_X, GRID_Y = 16, 20
ACROSS, DOWN = 0.24, (0.0, 0.62)          # patch extent in body units (scale): half width; neck to below the hips
CHEST = slice(GRID_Y // 4, GRID_Y // 2), slice(GRID_X // 3, GRID_X - GRID_X // 3)   # symmetric about the axis
MIN_INSIDE = 0.5     # share of the patch that must be in the image
LEG_ALONG, LEG_ACROSS, LEG_HALF = 6, 7, 0.08    # per bone: samples along, across; half width in body units
LEG_MIN_INSIDE = 0.9     # share of the legs' samples in the image: a leg cut off by the frame reads as something else
# Per art style whose retrieval adds the body's shape, where colour leaves characters alike (as
# head_shape.STYLE_TERMS): (temperature softening the Gaussian posteriors, weight per attribute in the
# colour distance's units), both picked by `calibrate_bodies.py --pick`.
STYLE_TERMS = {"ink": (3.0, 2.0), "pixel_art": (2.0, 3.0)}
SHAPE_STYLES = frozenset(STYLE_TERMS)
FLOOR = 1e-3         # no overlap at all costs -log(FLOOR) x the weight, not infinity
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


def legs_patch(img, kp: np.ndarray, scale: float, facing: str, lighting: str = "day", place: str = "out",
               tone: str = "colour") -> np.ndarray | None:
    """Features (2 legs x 2 bones x LEG_ALONG x LEG_ACROSS x 3 CIELAB, relative to the chest's median, / 20)
    across each thigh and shin, along the bone; mirrored for a figure facing left (legs swapped). None
    where a bone has no length, the chest is off the image or under LEG_MIN_INSIDE of the samples are in it."""
    kp = np.asarray(kp, dtype=np.float64)
    legs = [(R_HIP, R_KNE, R_ANK), (L_HIP, L_KNE, L_ANK)]
    mirror = -1.0 if facing == "left" else 1.0
    t = (np.arange(LEG_ALONG) + 0.5) / LEG_ALONG
    offsets = np.linspace(-LEG_HALF, LEG_HALF, LEG_ACROSS) * scale * mirror
    pts = []
    for hip, knee, ankle in legs[::-1] if facing == "left" else legs:
        for a, b in ((kp[hip], kp[knee]), (kp[knee], kp[ankle])):
            length = float(np.hypot(*(b - a)))
            if length < 1e-6:
                return None
            across = np.array([b[1] - a[1], a[0] - b[0]]) / length
            pts.append((a + t[:, None] * (b - a))[:, None] + offsets[None, :, None] * across)
    colours, ok = box_means(img, np.concatenate(pts).reshape(-1, 2), max(0, int(round(0.008 * scale))))
    chest = _chest(img, kp, scale, lighting, place, tone)
    if chest is None or ok.mean() < LEG_MIN_INSIDE:
        return None
    lab = srgb_to_lab(light_correct(colours, lighting, place, tone))
    return np.where(ok[:, None], (lab - chest) / 20.0, 0.0).ravel()


def _chest(img, kp: np.ndarray, scale: float, lighting: str, place: str, tone: str) -> np.ndarray | None:
    """The chest's median CIELAB: five samples from 0.3 to 0.6 of the way from the neck to the hips."""
    pts = kp[NECK] + np.linspace(0.3, 0.6, 5)[:, None] * ((kp[L_HIP] + kp[R_HIP]) / 2 - kp[NECK])
    colours, ok = box_means(img, pts, max(0, int(round(0.01 * scale))))
    return np.median(srgb_to_lab(light_correct(colours, lighting, place, tone)), axis=0) if ok.all() else None


# ---------------------------------------------------------------- the model
def model_key(kind: str, style: str | None = None) -> str:
    """Frame torsos have a discriminant per art style and view; template sheets one per art style."""
    if style not in vocab.ART_STYLES:
        raise ValueError(f"torsos are read per art style; got {style!r}, expected one of {vocab.ART_STYLES}")
    return f"{style}_{kind}"


MODEL_KEYS = tuple(model_key(k, s) for s in sorted(SHAPE_STYLES) for k in KINDS)


def fit(torsos: list[tuple[str, dict, np.ndarray]], legs: list[tuple[str, dict, np.ndarray]],
        ridge: float = 0.1) -> dict:
    """Per model key and attribute, the discriminant (W, projected class means): top and build from
    (kind, character spec, `torso_patch`) rows, bottom from (kind, character spec, `legs_patch`) rows."""
    return {**discriminants.fit(torsos, MODEL_KEYS, model_key, TORSO_ATTRIBUTES, ridge),
            **discriminants.fit(legs, MODEL_KEYS, model_key, LEG_ATTRIBUTES, ridge)}


def save(model: dict, path: Path = MODEL_FILE) -> None:
    discriminants.save(model, path)


@functools.cache
def load(path: Path = MODEL_FILE) -> dict | None:
    return discriminants.load(path, MODEL_KEYS, ATTRIBUTES, "benchmarks/calibrate_bodies.py")


# ---------------------------------------------------------------- use
def posteriors(torso: np.ndarray | None, legs: np.ndarray | None, kind: str, style: str,
               temperature: float | None = None) -> np.ndarray:
    """Top, build, then bottom probabilities (SIZE,) of a `torso_patch` and a `legs_patch` (a frame figure
    of art `style` seen `kind` = front / side, or a template sheet's); NaN where a patch is None, and
    throughout without a model or outside SHAPE_STYLES; `temperature`: the style's (STYLE_TERMS) if None."""
    return np.concatenate([_read(torso, kind, style, TORSO_ATTRIBUTES, temperature),
                           _read(legs, kind, style, LEG_ATTRIBUTES, temperature)])


def _read(patch: np.ndarray | None, kind: str, style: str, attributes, temperature: float | None) -> np.ndarray:
    model = load()
    if patch is None or model is None or style not in SHAPE_STYLES or kind not in KINDS:
        return np.full(sum(len(labels) for _, labels in attributes), np.nan)
    temperature = STYLE_TERMS[style][0] if temperature is None else temperature
    return discriminants.posteriors(model, model_key(kind, style), attributes, patch, temperature)


def read_body(img, kp: np.ndarray, scale: float, facing: str, kind: str, style: str, lighting: str = "day",
              place: str = "out", tone: str = "colour") -> np.ndarray:
    """`posteriors` of a figure's torso and legs in an RGB array or `embedding.Window`."""
    return posteriors(torso_patch(img, kp, scale, facing, lighting, place, tone),
                      legs_patch(img, kp, scale, facing, lighting, place, tone), kind, style)


def crop_body(img, req, c) -> np.ndarray | None:
    """The top, build and bottom probabilities of character `c` (a `CharacterControl`) in a frame (an RGB
    array), for retrieval: None outside SHAPE_STYLES or seen from behind. Read for retrieval's sampled
    crops only (`qc_metrics.read_shapes`), not by the judge: no check uses them."""
    if req.art_style not in SHAPE_STYLES or c.facing == "back":
        return None
    return read_body(img, c.keypoints, c.scale, c.facing, view_of(c.facing), req.art_style, req.lighting,
                     place_of(req.setting), tone_of(req.art_style))


def body_of(d) -> np.ndarray:
    """A descriptor's body shape, NaN where it has none."""
    body = getattr(d, "body", None)
    return body if body is not None and len(body) == SIZE else np.full(SIZE, np.nan)


def body_distance(crop: np.ndarray | None, templates: np.ndarray, style: str,
                  weight: float | None = None) -> np.ndarray:
    """Per template (V,): `weight` (the style's, STYLE_TERMS, if None) x -log of how much the crop's and
    each template's probabilities overlap, summed over the attributes both read; 0 where the art style
    is not in SHAPE_STYLES."""
    if style not in SHAPE_STYLES or crop is None or np.isnan(crop).all():
        return np.zeros(len(templates))
    weight = STYLE_TERMS[style][1] if weight is None else weight
    return discriminants.overlap_distance(crop, templates, ATTRIBUTES, weight, FLOOR)
