"""Identity retrieval: how far a character crop's descriptor is from every template reference.

Colour (`part_distances`: each part's colours against the reference's), tone (`tone_quartiles`: how
much of each part is light or dark) and, in ink and pixel art, the head's and the body's shape
(`head_shape.shape_distance`, `body_shape.body_distance`), against a `gallery` of all references
(`retrieval_distance`); a pixel-art crop against the references as its frame's palette draws them
(`pixel_art_distance`, `palette.through_palette`). The stage reports top-1 over a seeded sample of
clean crops (`qc_metrics`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from storycast.judges.body_shape import SIZE as BODY_SIZE
from storycast.judges.body_shape import body_distance, body_of
from storycast.judges.embedding import PARTS, SLICES, Descriptor
from storycast.judges.head_shape import SIZE, shape_distance, shape_of
from storycast.judges.palette import through_palette
from storycast.judges.template_sheet import Reference


class GalleryView(NamedTuple):
    """One view ("front" or "back") of every reference in a `gallery`, in the order of its ids."""
    lab: np.ndarray          # colours, V x N_POINTS x 3
    quartiles: np.ndarray    # lightness quartiles (`tone_quartiles`), 2 x V x parts
    shapes: np.ndarray       # head shapes of the front view, V x head_shape.SIZE
    bodies: np.ndarray       # body shapes of the front view, V x body_shape.SIZE
    colours: np.ndarray      # each sheet's colour count (`palette.colour_count`), V


PART_WEIGHTS = np.array([1.0, 1.0, 1.5, 0.8, 0.6, 1.0, 0.8, 0.6])


def part_distances(crop: Descriptor, views: np.ndarray, any_part: bool = False) -> np.ndarray:
    """Per reference view (V x N_POINTS x 3) and part: the median over the crop's seen points of
    the CIELAB distance to the nearest point of the same part in the view (V x parts, NaN unseen);
    with `any_part`, to the nearest point of any part (a colour foreign to the whole character)."""
    views = views.reshape(-1, views.shape[-2], 3)
    out = np.full((len(views), len(PARTS)), np.nan)
    for i, p in enumerate(PARTS):
        c = crop.lab[SLICES[p]]
        c = c[~np.isnan(c[:, 0])]
        if not crop.seen[i] or not len(c):
            continue
        t = views if any_part else views[:, SLICES[p]]           # V x n x 3
        # V x n x m distances, a channel at a time (as `lab_distances`: the same floats, ~3x faster)
        sq = (t[:, :, 0, None] - c[:, 0]) ** 2
        sq += (t[:, :, 1, None] - c[:, 1]) ** 2
        sq += (t[:, :, 2, None] - c[:, 2]) ** 2
        sq[np.isnan(sq)] = np.inf                                 # unseen template points
        near = np.sqrt(sq.min(axis=1))                            # V x m (sqrt is monotonic)
        out[:, i] = np.median(near, axis=1)
    out[~np.isfinite(out)] = np.nan
    return out


def distance(parts: np.ndarray, cap: float = 40.0) -> np.ndarray:
    """Weighted mean of capped part distances (V,) (inf where no part is shared)."""
    w = PART_WEIGHTS * ~np.isnan(parts)
    total = (np.minimum(np.nan_to_num(parts, nan=0.0), cap) * w).sum(-1)
    return np.where(w.sum(-1) > 0, total / np.maximum(w.sum(-1), 1e-9), np.inf)


def tone_quartiles(lab: np.ndarray) -> np.ndarray:
    """Lower and upper quartile of each part's lightness (2, ..., parts) from descriptor colours
    (..., N_POINTS, 3); NaN where a part is unseen. How much of a part is light or dark: in ink,
    where hatching density is a part's only colour, this is what tells two characters apart."""
    light = np.asarray(lab, dtype=np.float64)[..., 0]
    return np.stack([np.stack([nan_quantile(light[..., SLICES[p]], q) for p in PARTS], axis=-1)
                     for q in (0.25, 0.75)])


def nan_quantile(values: np.ndarray, q: float) -> np.ndarray:
    """`np.nanpercentile(values, 100 * q, axis=-1)` to the last bit (linear interpolation between the
    sorted non-NaN values, numpy's `_lerp` included; NaN where a row has none), without its Python
    loop over rows: a gallery of 2,000 templates is 16,000 rows."""
    v = np.sort(values, axis=-1)                                  # NaN sorts last
    n = (~np.isnan(values)).sum(axis=-1)
    virtual = (n - 1) * q
    below = np.floor(virtual)
    t = virtual - below
    lo = np.maximum(below, 0).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    a = np.take_along_axis(v, lo[..., None], axis=-1)[..., 0]
    b = np.take_along_axis(v, hi[..., None], axis=-1)[..., 0]
    diff = b - a
    return np.where(n > 0, np.where(t >= 0.5, b - diff * (1 - t), a + diff * t), np.nan)


def gallery(refs: dict[str, Reference], ids: list[str]) -> dict[str, GalleryView]:
    """Per view ("front", "back"), the references in the order of `ids` as `retrieval_distance` compares
    with them; head and body shapes are the front view's (a crop seen from behind shows no face and is
    not read for its torso)."""
    shapes = np.stack([shape_of(refs[i].front) for i in ids]) if ids else np.zeros((0, SIZE))
    bodies = np.stack([body_of(refs[i].front) for i in ids]) if ids else np.zeros((0, BODY_SIZE))
    colours = np.array([refs[i].colours for i in ids], dtype=np.int64)
    out = {}
    for view in ("front", "back"):
        lab = np.stack([getattr(refs[i], view).lab for i in ids])
        out[view] = GalleryView(lab, tone_quartiles(lab), shapes, bodies, colours)
    return out


def retrieval_distance(crop: Descriptor, views: GalleryView, style: str, cap: float = 60.0) -> np.ndarray:
    """Distance of a crop to each reference view (V,) of one `gallery` entry: the part colour distance
    (`distance` of `part_distances`), plus the same weighted mean over the parts' gaps between lightness
    quartiles, plus, in the art styles that need them, how unlike the heads' and torsos' shapes are
    (`head_shape.shape_distance`, `body_shape.body_distance`). The first sees which colours a part has,
    the second how much of it is light or dark, the others what colour cannot: species, hair style, the
    top, the build and the bottom (ink's hatching and pixel art's palette leave few colours to tell
    characters apart)."""
    return colour_distance(crop, views, cap) + shape_terms(crop, views, style)


def colour_distance(crop: Descriptor, views: GalleryView, cap: float = 60.0) -> np.ndarray:
    """`retrieval_distance`'s colour part (V,): part colours and the gaps between lightness quartiles."""
    gaps = np.abs(views.quartiles - tone_quartiles(crop.lab)[:, None]).mean(axis=0)     # V x parts
    gaps[:, ~crop.seen] = np.nan
    return distance(part_distances(crop, views.lab), cap=cap) + distance(gaps, cap=cap)


def shape_terms(crop: Descriptor, views: GalleryView, style: str) -> np.ndarray:
    """`retrieval_distance`'s shape part (V,): head and torso, in the styles that read them."""
    return shape_distance(crop.shape, views.shapes, style) + body_distance(crop.body, views.bodies, style)


PALETTE_COLOURS = 64    # at most this many colours: a palette drawing (`palette.colour_count`)
RAW_WEIGHT = 0.25    # the raw colour distance's share: breaks ties where the nearest colour is not the one drawn


def pixel_art_distance(crop, views: GalleryView, palette: np.ndarray, lighting: str, place: str) -> np.ndarray:
    """`retrieval_distance` of a pixel-art crop to each reference of one `gallery` entry: the colour
    distance to the references drawn through the crop's frame palette (`through_palette`), plus RAW_WEIGHT
    times that to the references as they are, plus the shape terms once. On 1,600 crops of paper-scale
    frames (before the head shape), top-1 among 2,000 templates 0.72 -> 0.81 (small characters 0.40 ->
    0.60); the mapped distance alone loses some large characters (0.90 -> 0.88), whose colours the
    frame's palette draws closely anyway."""
    drawn = through_palette(views.lab, palette, lighting, place)
    mapped = views._replace(lab=drawn, quartiles=tone_quartiles(drawn))
    return (colour_distance(crop, mapped) + RAW_WEIGHT * colour_distance(crop, views)
            + shape_terms(crop, views, "pixel_art"))


def drawn_unlike(views: GalleryView, frame_colours: int) -> np.ndarray:
    """Per reference of one `gallery` entry, inf where its sheet is not drawn like the crop's frame
    (with a palette of at most PALETTE_COLOURS colours, or not), else 0; 0 where either was not
    counted. Through a pixel-art frame's few colours, a sheet of another style in nearby colours maps
    onto the same colours: on paper crops of story shards 10-13 such sheets won 104 of 129 pixel-art
    misses, and with them out of reach top-1 rose 0.80 -> 0.88."""
    colours = views.colours
    if frame_colours <= 0:
        return np.zeros(len(colours))
    unlike = (colours > 0) & ((colours <= PALETTE_COLOURS) != (frame_colours <= PALETTE_COLOURS))
    return np.where(unlike, np.inf, 0.0)


def crop_distance(crop: Descriptor, views: dict[str, GalleryView], facing: str, style: str, drawn: tuple | None,
                  frame_colours: int) -> np.ndarray:
    """Distance of a crop to every reference of a `gallery`: to the view its facing shows, in pixel art
    through its frame's palette (`drawn`: (palette, lighting, place); None otherwise), and only to the
    sheets drawn like its frame (`drawn_unlike`; `frame_colours`: `palette.colour_count`, 0 if not counted)."""
    view = views["back" if facing == "back" else "front"]
    d = retrieval_distance(crop, view, style) if drawn is None else pixel_art_distance(crop, view, *drawn)
    return d + drawn_unlike(view, frame_colours)
