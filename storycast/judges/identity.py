"""The identity check of the `measured` judge: a character's part colours against its template sheet.

`identity_score` weighs, per part, the distance of the crop's sampled colours to the nearest colour
anywhere on the template and to that part's own colours there (`template_distances`), in the noise units
of `calibration` (per art style, and in pixel art per size band); in ink and pixel art also the part's
median colour against the template part's (`torso.part_shift`). `views_agree` says where a part's own
template colours can be trusted. The comparison with the story's other frames is `judges.story`.
"""
from __future__ import annotations

import numpy as np

from storycast.judges import embedding as emb
from storycast.judges.calibration import PART_NOISE, PART_SHIFT_NOISE, SAME_PART_NOISE
from storycast.judges.torso import part_shift

IDENTITY_PARTS = np.isin(emb.PARTS, ("hair", "face", "torso"))
VIEWS_AGREE_DE = 15.0     # a part's own template colour is trusted where front and back agree this well
SCORE_SPAN = 6.0          # noise units at which an identity score reaches 0


def score_of(multiple: float) -> float:
    """The identity score of a part `multiple` noise units from where it should be."""
    return float(1.0 - multiple / SCORE_SPAN)


def failing_multiple(threshold: float) -> float:
    """The multiple of its noise unit at which a part fails an identity `threshold`."""
    return SCORE_SPAN * (1.0 - threshold)


def identity_score(desc, ref, key: str, trusted: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, str]:
    """(score, any-part and same-part distances, note). A part has drifted when its colours appear
    nowhere on the template, or far from that part's own colours there (a torso recoloured in the
    hair's colour); in units of the clean 95th percentile of the noise tables' `key`: the art style,
    and in pixel art the character's size band (`calibration.noise_key`). A part's own colours count only
    where `trusted` (`views_agree`). In ink and pixel art also when a part's median colour moved
    from the template part's (`torso.part_shift`)."""
    parts = same = np.full(len(emb.PARTS), np.nan)
    if not desc.seen.any():
        return 1.0, parts, same, ""
    parts, same = template_distances(desc, ref)
    unit = np.asarray(PART_NOISE.get(key, (10.0,) * len(emb.PARTS)))
    same_unit = np.asarray(SAME_PART_NOISE.get(key, (20.0,) * len(emb.PARTS)))
    z = np.fmax(parts / unit, np.where(trusted, same / same_unit, np.nan))
    z[~IDENTITY_PARTS] = np.nan            # limbs and feet shade with the pose: retrieval only
    found = []                                            # (multiple of the noise unit, note)
    if np.isfinite(z).any():
        w = int(np.nanargmax(z))
        found.append((z[w], f"{emb.PARTS[w]} colour is {parts[w]:.0f} dE from any colour of the template, "
                            f"{same[w]:.0f} dE from its own ({z[w]:.1f}x the usual)"))
    for part, noise in PART_SHIFT_NOISE.get(key, {}).items():
        v = part_shift(desc, ref, part) / noise
        if np.isfinite(v):
            found.append((v, f"{part} colour is {v * noise:.0f} dE from the template {part}'s ({v:.1f}x the usual)"))
    if not found:
        return 1.0, parts, same, ""
    worst, note = max(found, key=lambda f: f[0])           # the first of equals: the template's
    return score_of(worst), parts, same, note


def template_distances(desc, ref) -> tuple[np.ndarray, np.ndarray]:
    """Per part, the median over the crop's seen points of the distance to the nearest template
    colour of any part, and of the same part in the closer view (as `retrieval.part_distances`, from
    one distance matrix). All parts at once: a loop over them was ~100 small numpy calls a character."""
    views = np.vstack([ref.front.lab, ref.back.lab])                       # 2N x 3
    d = emb.lab_distances(desc.lab, views)                                 # N x 2N
    d = np.where(np.isnan(d), np.inf, d)
    # Per point: nearest colour of any part, of its own part in the front view, in the back view.
    own = [np.minimum.reduceat(d[:, v * emb.N_POINTS:(v + 1) * emb.N_POINTS], _PART_STARTS, axis=1)
           [_POINTS, emb.PART_OF] for v in (0, 1)]
    seen = ~np.isnan(desc.lab[:, 0]) & desc.seen[emb.PART_OF]
    med = _part_medians(np.stack([d.min(axis=1), *own]), seen)
    parts, same = med[0], np.minimum(med[1], med[2])
    parts[~np.isfinite(parts)] = np.nan
    same[~np.isfinite(same)] = np.nan
    return parts, same


_PART_STARTS = np.cumsum((0,) + emb.SIZES[:-1])
_POINTS = np.arange(emb.N_POINTS)
# Points of each part as rows (parts x largest part), padded with -1.
_PART_ROWS = np.array([np.pad(np.arange(emb.N_POINTS)[emb.SLICES[p]], (0, max(emb.SIZES) - n), constant_values=-1)
                       for p, n in zip(emb.PARTS, emb.SIZES)])


def _part_medians(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Per row of `values` (R x N_POINTS) and part, the median of the part's points where `keep`
    (NaN where none): sorted with +inf padding, the middle one or the mean of the middle two, the
    same float operations as np.median."""
    keep = keep[_PART_ROWS] & (_PART_ROWS >= 0)                            # parts x width
    v = np.sort(np.where(keep, values[:, _PART_ROWS], np.inf), axis=-1)    # R x parts x width
    n = keep.sum(axis=1)
    hi = n // 2
    lo = np.maximum(hi - 1 + n % 2, 0)
    rows = np.arange(len(emb.PARTS))
    a, b = v[:, rows, lo], v[:, rows, np.minimum(hi, v.shape[-1] - 1)]
    return np.where(n == 0, np.nan, np.where(n % 2 == 1, b, (a + b) / 2))


def views_agree(ref) -> np.ndarray:
    """Per part: whether the median colours of the sheet's front and back views are close. Where
    they differ, samples land on an open jacket, a strap or a cape, and a clean frame differs too."""
    out = np.zeros(len(emb.PARTS), dtype=bool)
    for i, p in enumerate(emb.PARTS):
        f, b = ref.front.lab[emb.SLICES[p]], ref.back.lab[emb.SLICES[p]]
        f, b = f[~np.isnan(f[:, 0])], b[~np.isnan(b[:, 0])]
        if len(f) and len(b):
            out[i] = float(np.linalg.norm(np.median(f, axis=0) - np.median(b, axis=0))) < VIEWS_AGREE_DE
    return out
