"""Where the measured judge reads a character's torso, and what a part's median colour says.

`torso_samples`: the embedding's torso grid lies between the shoulder and hip keypoints (an open
jacket's on its panels, `embedding.torso_grid`); where the character's own arms hide most of it
(`base.own_cover`), the torso is sampled where they leave it. `unreadable_torso`: where a jacket's panels
are too narrow to read, the torso is not judged.
`torso_grid_colours`: a denser grid over the torso than the embedding's dozen samples, which the ink
torso's identity net reads (`identity_model.GRID_STYLES`).
`part_shift`: in styles whose fills are a few hatch densities (ink) or a frame's few dozen colours
(pixel art), a part's (torso, hair) median colour against the template part's, which the identity
check weighs in units of `calibration.PART_SHIFT_NOISE`.
"""
from __future__ import annotations

import numpy as np

from storycast.judges import embedding as emb
from storycast.judges.base import inside_boxes, own_cover
from storycast.judges.conditions import coarse, place_of, tone_of
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.skeleton import L_HIP, L_SHO, R_HIP, R_SHO

# Torso samples clear of the arms (`torso_samples`): body units across from the torso's middle line,
# nearest first (a three-quarter view takes the far side's, >= 0).
TORSO_OFFSETS = (0.0, 0.015, -0.015, 0.03, -0.03, 0.045, -0.045, 0.06, -0.06)
# The dense grid (`torso_grid_colours`): rows down from the shoulder line to the hip line, columns across.
GRID_ROWS, GRID_COLUMNS = np.linspace(0.12, 0.88, 8), np.linspace(0.2, 0.8, 5)
MIN_GRID_POINTS = 8


def torso_samples(c: CharacterControl, torso: np.ndarray, keep) -> np.ndarray:
    """The torso's sample points, moved clear of the character's own arms where they would hide
    most of them (a drifted top went unjudged there). From the front, an arm hanging close to the
    body covers the grid's side columns: the torso is sampled either side of its middle line,
    where the arms leave it. In a three-quarter view the shoulder and hip keypoints span less than
    the drawn torso and the near arm hangs over the middle of that span: the torso is sampled on
    its far half. Half a torso is at least ~0.07 body units wide at the waist. An open jacket is
    sampled on its panels only (`embedding.JACKET_PANEL`)."""
    if c.facing not in ("front", "left", "right"):
        return torso
    free = ~own_cover(c, torso) & (keep(torso) if keep is not None else True)
    if free.sum() >= emb.MIN_SEEN * len(torso):
        return torso
    kp = np.asarray(c.keypoints, dtype=np.float64)
    shoulders, down, across = emb.torso_axes(kp)
    panel = emb.jacket_panel(c.character, c.facing)
    offsets = TORSO_OFFSETS if panel is None else (panel, -panel)     # a jacket's panels, not the shirt
    if c.facing != "front":
        far = (R_SHO, L_SHO) if c.facing == "left" else (L_SHO, R_SHO)
        if (kp[far[0]] - kp[far[1]]) @ across < 0:
            across = -across
        offsets = tuple(o for o in offsets if o >= 0)
    grid = np.array([shoulders + down * v + across * a * c.scale for a in offsets for v in (0.2, 0.4, 0.6, 0.8)])
    ok = ~own_cover(c, grid) & (keep(grid) if keep is not None else True)
    if ok.sum() <= free.sum():
        return torso
    chosen = grid[ok][:len(torso)]
    return np.vstack([chosen, torso[: len(torso) - len(chosen)]])


def torso_grid_colours(img, req: FrameRequest, c: CharacterControl, near: list) -> np.ndarray | None:
    """CIELAB colours (daylight-corrected) of a 40-point grid between the shoulder and hip keypoints,
    less the points under the character's own arms or `near` (`base.nearer_boxes`); None for an open
    jacket (its panels are narrower than the grid) or fewer than MIN_GRID_POINTS left. In ink a fill is
    a hatch density that a dozen sample boxes, each on or between lines, read loosely; forty average it
    out: held out on calibration stories, the ink torso net with this grid's readings flagged 5 points
    more drifted tops at the same clean rate (pixel art: 1.6, less than its refits vary: not read there)."""
    if emb.jacket_panel(c.character, c.facing) is not None:
        return None
    kp = np.asarray(c.keypoints, dtype=np.float64)
    left = kp[R_SHO] + (kp[R_HIP] - kp[R_SHO]) * GRID_ROWS[:, None]             # rows x 2
    right = kp[L_SHO] + (kp[L_HIP] - kp[L_SHO]) * GRID_ROWS[:, None]
    pts = (left[:, None] + (right - left)[:, None] * GRID_COLUMNS[None, :, None]).reshape(-1, 2)
    colours, ok = emb.box_means(img, pts, emb.sample_radius(c.scale))
    ok &= ~own_cover(c, pts)
    if near:
        ok &= ~inside_boxes(pts, near)
    if ok.sum() < MIN_GRID_POINTS:
        return None
    return emb.srgb_to_lab(emb.light_correct(colours[ok], req.lighting, place_of(req.setting), tone_of(req.art_style)))


def unreadable_torso(c: CharacterControl, style: str) -> bool:
    """Whether the torso's samples cannot be told from what lies beside them: an open jacket's panels
    (`embedding.JACKET_PANEL`) on a slim build, where a sample box and the outlines either side fill the
    panel (a clean frame read the outlines, its sheet did not); in ink, where the panels' median tone
    is the outlines' as much as the jacket's (one sturdy jacket widened every character's torso noise
    unit, `calibration.PART_SHIFT_NOISE`, by a fifth, and caught 1 of 50 jacket drifts); or on a
    character so small that the panel is narrower than two of the style's smallest details
    (`conditions.coarse`: pixel art's blocks), where its samples fall on the shirt, the arm or a strap
    as often as on the panel."""
    if emb.jacket_panel(c.character, c.facing) is None:
        return False
    return (c.character.get("build") == "slim" or style == "ink"
            or emb.JACKET_PANEL_WIDTH * c.scale < 2 * coarse(style))


def part_shift(desc, ref, part: str) -> float:
    """CIELAB distance from a part's median colour (per channel) to the template part's, in the closer
    view (NaN where either is unseen). In ink every fill is one of a few hatch densities and in pixel
    art one of the frame's few dozen colours, which other parts of the template share: a recoloured
    top or hair still lies near "a template colour", but its median moves away from the template
    part's (`calibration.PART_SHIFT_NOISE`). Not through the frame's palette, as retrieval sees pixel art:
    a part redrawn in another colour takes its own colour out of the frame's palette, and the template
    part's colour then maps to whatever is nearest, often the new one."""
    rows = emb.SLICES[part]
    crop = desc.lab[rows]
    if not desc.seen[emb.PARTS.index(part)] or not np.isfinite(crop[:, 0]).any():
        return np.nan
    mid = _median_colour(crop)
    shifts = [float(np.linalg.norm(mid - _median_colour(view.lab[rows])))
              for view in (ref.front, ref.back) if np.isfinite(view.lab[rows, 0]).any()]
    return min(shifts) if shifts else np.nan


def _median_colour(lab: np.ndarray) -> np.ndarray:
    """Per channel, the median of the seen (finite) samples (n x 3)."""
    seen = lab[np.isfinite(lab[:, 0])]
    return np.array([emb.small_median(seen[:, ch]) for ch in range(3)])
