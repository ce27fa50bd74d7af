"""Character attributes read by linear discriminants over a patch's features, and how alike two readings
are: what `head_shape` (species, hair style from the face) and `body_shape` (top, build from the torso;
bottom from the legs) share. A model is a dict {"<key>_<attribute>": (W, projected class means)}, one
key per kind of image (an art style and view, or template sheets), stored as float16 in an .npz beside
the judge's modules.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from storycast.judges.expression import lda
from storycast.tables import npz_bytes, write_bytes

Attributes = tuple[tuple[str, tuple[str, ...]], ...]    # (attribute, its labels) in reading order


def fit(rows: list[tuple[str, dict, np.ndarray]], keys: tuple[str, ...], key_of: Callable[[str, str], str],
        attributes: Attributes, ridge: float = 0.1) -> dict:
    """Per model key and attribute, the discriminant (W, projected class means) from (kind, character
    spec, features) rows; `key_of(kind, art style)` names a row's model key."""
    model = {}
    for key in keys:
        mine = [(spec, f) for kind, spec, f in rows if key_of(kind, spec["art_style"]) == key]
        X = np.stack([f for _, f in mine])
        for attr, labels in attributes:
            y = np.array([labels.index(spec[attr]) for spec, _ in mine])
            W, means = lda(X, y, len(labels), ridge)
            model[f"{key}_{attr}"] = (W.astype(np.float32), means.astype(np.float32))
    return model


def save(model: dict, path: Path) -> None:
    """Write a model (float16) atomically: a half-written file never replaces a good one."""
    arrays = {f"{key}_{part}": value.astype(np.float16)
              for key, pair in model.items() for part, value in zip(("W", "means"), pair)}
    write_bytes(path, npz_bytes(arrays))


def load(path: Path, keys: tuple[str, ...], attributes: Attributes, refit: str) -> dict | None:
    """A saved model (None where there is no file); a file lacking a key names `refit`, the script to rerun."""
    if not path.exists():
        return None
    with np.load(path) as data:
        missing = [key for key in keys if f"{key}_{attributes[0][0]}_W" not in data]
        if missing:
            raise ValueError(f"{path} has no discriminant for {missing[0]!r}: rerun {refit}")
        return {f"{key}_{attr}": (data[f"{key}_{attr}_W"].astype(np.float32),
                                  data[f"{key}_{attr}_means"].astype(np.float32))
                for key in keys for attr, _ in attributes}


def posteriors(model: dict, key: str, attributes: Attributes, features: np.ndarray,
               temperature: float) -> np.ndarray:
    """Each attribute's class probabilities, concatenated: Gaussian posteriors in the discriminant's
    space, softened by `temperature` (classes overlap more than they say)."""
    out = []
    for attr, _ in attributes:
        W, means = model[f"{key}_{attr}"]
        z = features.astype(np.float32) @ W
        logit = -0.5 * ((means - z) ** 2).sum(axis=1).astype(np.float64) / temperature
        p = np.exp(logit - logit.max())
        out.append(p / p.sum())
    return np.concatenate(out)


def overlap_distance(crop: np.ndarray, templates: np.ndarray, attributes: Attributes, weight: float,
                     floor: float = 1e-3) -> np.ndarray:
    """Per template (V,): `weight` x -log of how much the crop's and each template's probabilities
    overlap, summed over the attributes (no overlap at all costs -log(floor), not infinity); 0 where
    the template has none. The caller checks that the crop has a reading."""
    out = np.zeros(len(templates))
    start = 0
    for _, labels in attributes:
        part = slice(start, start + len(labels))
        overlap = templates[:, part] @ crop[part]
        known = ~np.isnan(overlap)
        out[known] -= np.log(np.maximum(overlap[known], 0.0) + floor)
        start += len(labels)
    return weight * out
