"""Template colours seen through a pixel-art frame's palette.

Pixel art reduces each frame to a few dozen colours (a median cut over the whole frame), so a
character's drawn colours move by 20-30 dE from its template sheet's, and which way they move
depends on everything else in the frame. Identity retrieval (`retrieval.pixel_art_distance`)
compares a pixel-art crop with each template as that frame would have drawn it: the template's
daylight colour is lit like the frame (the inverse of `embedding.light_correct`), replaced by the
nearest colour the frame actually holds, and brought back to daylight like the crop's own samples.
"""
from __future__ import annotations

import numpy as np

from storycast.judges.calibration import KNOTS, LIGHT_CURVES
from storycast.judges.embedding import D65_WHITE, RGB_TO_XYZ, light_correct, srgb_to_lab
from storycast.renderers.base import rgb_array


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (D65, last axis 3) to sRGB 0..255 (clipped): the inverse of `embedding.srgb_to_lab`."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f > 0.206893, f ** 3, (f - 16 / 116) / 7.787) * D65_WHITE
    lin = xyz @ np.linalg.inv(RGB_TO_XYZ)
    c = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.clip(lin, 0, None) ** (1 / 2.4) - 0.055)
    return np.clip(c * 255, 0, 255)


def light_frame(rgb: np.ndarray, lighting: str, place: str, tone: str = "colour") -> np.ndarray:
    """Daylight sRGB colours (..., 3) as a frame lit by `lighting` shows them: the inverse of
    `embedding.light_correct` (its curves rise, so each inverts by swapping the interpolation axes)."""
    curves = LIGHT_CURVES.get((lighting, place, tone))
    rgb = np.asarray(rgb, dtype=np.float64)
    if curves is None:
        return rgb
    return np.stack([np.interp(rgb[..., ch], curves[ch], KNOTS) for ch in range(3)], axis=-1).clip(0, 255)


def frame_palette(pixels: np.ndarray) -> np.ndarray:
    """The distinct colours of an RGB uint8 image (P x 3, uint8)."""
    flat = np.asarray(pixels, dtype=np.uint8).reshape(-1, 3).astype(np.uint32)
    codes = np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2])
    return np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=-1).astype(np.uint8)


def colour_count(image, step: int = 3) -> int:
    """Distinct colours of an RGB image (array or PIL) on every `step`-th row and column: enough to
    tell a palette drawing (pixel art: 22-32 on a template sheet, 29-48 in a frame) from any other
    style (flat vector, the fewest: 89 or more on a sheet), in ~4 ms for a 1024-px sheet."""
    pixels = image if isinstance(image, np.ndarray) else rgb_array(image)
    return len(frame_palette(pixels[::step, ::step]))


def through_palette(lab: np.ndarray, palette: np.ndarray, lighting: str, place: str) -> np.ndarray:
    """Daylight CIELAB colours (..., 3; NaN rows stay NaN) as drawn into a frame holding only
    `palette` (P x 3 sRGB) under `lighting` and read back as the judge reads the frame's own."""
    out = np.full(np.shape(lab), np.nan)
    seen, rgb = _daylight_srgb(lab)
    if not len(rgb) or not len(palette):
        return out
    pal = np.asarray(palette, dtype=np.float64)
    read = srgb_to_lab(light_correct(pal, lighting, place))           # the palette as the judge reads it
    out[seen] = read[nearest(light_frame(rgb, lighting, place), pal)]
    return out


def nearest(colours: np.ndarray, palette: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Index of the nearest palette colour (squared RGB distance, first of equals) of each colour
    (M x 3): in chunks whose distance matrices stay in cache, a channel at a time, in place."""
    out = np.empty(len(colours), dtype=np.int64)
    for s in range(0, len(colours), chunk):
        x = colours[s:s + chunk]
        d = np.subtract.outer(x[:, 0], palette[:, 0])
        d *= d
        t = np.subtract.outer(x[:, 1], palette[:, 1])
        t *= t
        d += t
        np.subtract.outer(x[:, 2], palette[:, 2], out=t)
        t *= t
        d += t
        out[s:s + chunk] = d.argmin(axis=1)
    return out


_SRGB_HELD: list = []    # (colours, seen mask, their sRGB) of the last two galleries' views


def _daylight_srgb(lab) -> tuple[np.ndarray, np.ndarray]:
    """Where `lab` (..., 3) is seen, and its seen colours in sRGB (M x 3). A worker retrieves every
    sampled crop among the same gallery: its front and back views are converted once."""
    for held, seen, rgb in _SRGB_HELD:
        if held is lab:
            return seen, rgb
    lab = np.asarray(lab, dtype=np.float64)
    seen = ~np.isnan(lab[..., 0])
    rgb = lab_to_srgb(lab[seen])
    _SRGB_HELD[:] = [*_SRGB_HELD[-1:], (lab, seen, rgb)]
    return seen, rgb
