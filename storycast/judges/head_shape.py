"""What a head shows beyond its colours: its species and hair style, read from the face patch.

In ink every colour becomes one of a few hatch densities, so part colours leave about half of the ink
characters alike (`benchmarks/bench_retrieval_ceiling.py`); ears, beak, snout and the hair's outline
tell them apart. Linear discriminants over the face patch's `expression.features` give class
probabilities for species and for hair style, one pair per kind of image: frame heads per art style
seen from the front and in three-quarter view (hatching or a pixel grid draw an ear differently), and
template sheets' front heads (daylight, plain backdrop, drawn larger). A crop and a template look
alike as much as their probabilities overlap (`shape_distance`), which identity retrieval adds to the
colour distance in ink and pixel art. In pixel art the frame heads' discriminants are fitted on faces
of every size: retrieval reads the heads too small for the judge's expression check (`crop_head`), where
a 4-pixel grid still draws a rabbit's ears or an owl's tufts.

Fitted on calibration characters by `benchmarks/calibrate_heads.py` and stored beside this module in
`head_model.npz` (float16; too large for a constant in `calibration.py`); like the expression model
it describes the embedded renderer's drawing.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from storycast import vocab
from storycast.judges import discriminants
from storycast.judges.base import face_shown, nearer_boxes
from storycast.judges.conditions import place_of, tone_of
from storycast.judges.expression import face_patch, features, view_of

ATTRIBUTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("species", tuple(vocab.SPECIES)), ("hair_style", tuple(vocab.HAIR_STYLES)))
KINDS = ("front", "side", "template")        # frame heads by `expression.view_of`, template sheets' front heads
SIZE = sum(len(labels) for _, labels in ATTRIBUTES)
TEMPERATURE = 6.0    # softens the Gaussian posteriors: classes overlap more than they say (3 -> 6: ink 0.662 -> 0.674)
# Per art style whose retrieval adds the head shape: (frame heads' temperature, weight per attribute in the
# colour distance's units), both picked on calibration samples (calibrate_heads.py --pick). Ink: where
# colour cannot tell characters apart (benchmarks/bench_retrieval_ceiling.py). Pixel art: where its
# misses are small characters of another species, in colours the frame's palette draws alike. Elsewhere
# colour already tells them apart, and at paper scale the shape term cost 0.7-2 points.
STYLE_TERMS = {"ink": (TEMPERATURE, 3.0), "pixel_art": (2.0, 2.0)}
SHAPE_STYLES = frozenset(STYLE_TERMS)
FLOOR = 1e-3         # no overlap at all costs -log(FLOOR) x the weight, not infinity


# ---------------------------------------------------------------- the model
def model_key(kind: str, style: str | None = None) -> str:
    """Frame heads have a discriminant per art style and view; template sheets one for all styles."""
    if kind == "template":
        return kind
    if style not in vocab.ART_STYLES:
        raise ValueError(f"frame heads are read per art style; got {style!r}, expected one of {vocab.ART_STYLES}")
    return f"{style}_{kind}"


MODEL_KEYS = tuple(model_key(k, s) for k in KINDS for s in (vocab.ART_STYLES if k != "template" else (None,)))


def fit(rows: list[tuple[str, dict, np.ndarray]], ridge: float = 0.1) -> dict:
    """Per model key and attribute, the discriminant (W, projected class means) from (kind, character
    spec, face features) rows."""
    return discriminants.fit(rows, MODEL_KEYS, model_key, ATTRIBUTES, ridge)


MODEL_FILE = Path(__file__).with_name("head_model.npz")


def save(model: dict, path: Path = MODEL_FILE) -> None:
    discriminants.save(model, path)


@functools.cache
def load(path: Path = MODEL_FILE) -> dict | None:
    return discriminants.load(path, MODEL_KEYS, ATTRIBUTES, "benchmarks/calibrate_heads.py")


# ---------------------------------------------------------------- use
def posteriors(face: np.ndarray | None, kind: str, style: str | None = None) -> np.ndarray:
    """Species then hair-style probabilities (SIZE,) of a face's `expression.features` (a frame head
    of art `style` seen `kind` = front / side, or a template sheet's); NaN where there is no face or
    no model."""
    model = load()
    if face is None or model is None:
        return np.full(SIZE, np.nan)
    temperature = TEMPERATURE if kind == "template" or style not in STYLE_TERMS else STYLE_TERMS[style][0]
    return discriminants.posteriors(model, model_key(kind, style), ATTRIBUTES, face, temperature)


def shape_of(d) -> np.ndarray:
    """A descriptor's head shape, NaN where it has none (no measurable face)."""
    return d.shape if d.shape is not None and len(d.shape) == SIZE else np.full(SIZE, np.nan)


def template_face(sheet: np.ndarray, kp: np.ndarray, scale: float) -> np.ndarray | None:
    """The face features of a template sheet's front figure (RGB array at the reference size, the
    standing skeleton fitted to it); None where the head runs off the sheet."""
    from types import SimpleNamespace

    patch = face_patch(sheet, SimpleNamespace(keypoints=kp, scale=scale, facing="front"))
    return None if patch is None else features(patch)


def template_shape(sheet: np.ndarray, kp: np.ndarray, scale: float) -> np.ndarray:
    """Posteriors of a template sheet's front figure."""
    return posteriors(template_face(sheet, kp, scale), "template")


def crop_face(img: np.ndarray, req, c) -> np.ndarray | None:
    """The face features of character `c` (a `CharacterControl`) in a frame (an RGB array), at any size:
    None seen from behind, where the head is not all shown (`base.face_shown`) or runs off the image."""
    if c.facing == "back" or face_shown(req, c, nearer_boxes(req, c)) < 1.0:
        return None
    patch = face_patch(img, c, req.lighting, place_of(req.setting), tone_of(req.art_style))
    return None if patch is None else features(patch)


def crop_head(img: np.ndarray, req, c) -> np.ndarray:
    """The head shape of `c` in a frame read for retrieval (`crop_face`; NaN outside SHAPE_STYLES or where
    there is no face). The judge reads only faces wide enough for their expression
    (`MeasuredJudge._expression`); retrieval's sampled crops read the smaller ones here (`qc_metrics`)."""
    if req.art_style not in SHAPE_STYLES:
        return np.full(SIZE, np.nan)
    return posteriors(crop_face(img, req, c), view_of(c.facing), req.art_style)


def shape_distance(crop: np.ndarray, templates: np.ndarray, style: str) -> np.ndarray:
    """Per template (V,): the style's weight (STYLE_TERMS) x -log of how much the crop's and each
    template's probabilities overlap, summed over species and hair style; 0 where either has no face
    or the crop's art style is not in SHAPE_STYLES."""
    if style not in SHAPE_STYLES or crop is None or np.isnan(crop).any():
        return np.zeros(len(templates))
    return discriminants.overlap_distance(crop, templates, ATTRIBUTES, STYLE_TERMS[style][1], FLOOR)
