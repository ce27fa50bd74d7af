"""Fault injection: imitations of a diffusion model's failures, to measure the quality gate.

With probability `qc.fault_rate` (seeded by (global seed, frame id)) the first render of a frame
(attempt 0) gets one fault of a kind drawn from `qc.faults`:

- `identity_drift`: one region of one character drifts: the torso (top colour) or the hair is
  redrawn in a far-off colour (the frame re-rendered with that colour, pasted over that region);
- `wrong_expression`: one face is redrawn with an expression of another family (sad for happy);
- `misplaced_limb`: one arm is redrawn swung 110-160 degrees about its shoulder, away from
  where the pose control puts it;
- `artefact`: a smeared noise blotch, as a diffusion model's decoding artefact.

A fault needs a target where it is visible (a face at least `MIN_FACE_PX` wide, an arm clear of the
torso, ...); when the drawn kind has none, the next kind is tried, and a frame where none applies
stays clean. The fault's label (`kind:character:detail`) goes to the `fault` column of `qc`, so the
judge's detection rate can be measured. A repair regenerates without the fault.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from storycast import vocab
from storycast.judges.base import (
    box_fraction_inside,
    clip_box,
    grow,
    head_box,
    inside_boxes,
    nearer_boxes,
    torso_polygon,
)
from storycast.judges.conditions import coarse
from storycast.judges.embedding import srgb_to_lab
from storycast.judges.expression import other_families
from storycast.judges.limbs import LIMBS
from storycast.renderers.base import CharacterControl, FrameRequest, rgb_array, rgb_image
from storycast.renderers.procedural.geometry import hex_rgb
from storycast.seeding import rng_for
from storycast.skeleton import L_SHO, R_SHO

FAULTS: tuple[str, ...] = ("identity_drift", "wrong_expression", "misplaced_limb", "artefact")
MIN_FACE_PX = 24          # a wrong expression on a smaller face is not a visible failure
MIN_TORSO_PX = 14
MIN_ARM_PX = 48          # shorter arms are checked by nobody: too thin to read


@dataclass(frozen=True)
class Fault:
    kind: str
    character_id: str
    detail: str
    region: tuple[int, int, int, int]

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.character_id or '-'}:{self.detail}"


def face_box(c: CharacterControl) -> tuple[float, float, float, float]:
    """The region a face repair regenerates: the head with the marks beside it."""
    return head_box(c, pad=1.9)


def character_box(c: CharacterControl) -> tuple[float, float, float, float]:
    return grow(c.bbox, 0.04 * c.scale)


def visible_fraction(request: FrameRequest, c: CharacterControl, points: np.ndarray) -> float:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    inside = ((pts[:, 0] >= 0) & (pts[:, 0] < request.width) & (pts[:, 1] >= 0)
              & (pts[:, 1] < request.height))
    return float((inside & ~inside_boxes(pts, nearer_boxes(request, c))).mean())


def inject(image: Image.Image, request: FrameRequest, renderer, seed: int, rate: float,
           kinds: tuple[str, ...]) -> tuple[Image.Image, Fault | None]:
    """The attempt-0 image with a seeded fault, or unchanged (and None) for a clean frame."""
    rng = rng_for(seed, "qc-fault", request.frame_id)
    if not kinds or rng.random() >= rate:
        return image, None
    for kind in rng.permutation(list(kinds)):
        out = INJECTORS[str(kind)](image, request, renderer, rng)
        if out is not None:
            return out
    return image, None


# ---------------------------------------------------------------- helpers
def _replace(request: FrameRequest, target: CharacterControl, **changes) -> FrameRequest:
    chars = tuple(dataclasses.replace(c, **changes) if c is target else c for c in request.characters)
    return dataclasses.replace(request, characters=chars)


def _paste(image: Image.Image, source: Image.Image, box) -> Image.Image:
    out = rgb_image(image).copy()
    out.paste(rgb_image(source).crop(tuple(box)), tuple(box[:2]))
    return out


def _material(a: Image.Image, b: Image.Image, box, min_share: float = 0.06) -> bool:
    """Whether `b` differs visibly from `a` inside `box` (enough pixels moved by > 40 levels)."""
    d = np.abs(rgb_array(a.crop(box)).astype(np.int16) - rgb_array(b.crop(box)).astype(np.int16))
    return bool((d.max(axis=2) > 40).mean() >= min_share)


def _candidates(request: FrameRequest, rng, ok) -> list[CharacterControl]:
    chars = [c for c in request.characters if ok(c)]
    return [chars[i] for i in rng.permutation(len(chars))]


def _far_colour(current: str, options, ink: bool, rng) -> str:
    """A colour far from `current` (by lightness for ink, by CIELAB distance otherwise)."""
    ref = srgb_to_lab(np.array(hex_rgb(vocab.COLORS[current])))
    names = [o for o in options if o != current]
    labs = srgb_to_lab(np.array([hex_rgb(vocab.COLORS[o]) for o in names]))
    d = np.abs(labs[:, 0] - ref[0]) if ink else np.linalg.norm(labs - ref, axis=1)
    top = np.argsort(-d)[:3]
    return names[int(top[int(rng.integers(len(top)))])]


# ---------------------------------------------------------------- the four faults
def identity_drift(image, request, renderer, rng):
    def ok(c):
        pts = torso_polygon(c)
        span = np.ptp(pts, axis=0)
        return min(span) >= MIN_TORSO_PX * 0.6 and visible_fraction(request, c, pts) == 1.0
    for c in _candidates(request, rng, ok):
        ink = request.art_style == "ink"
        parts = ["torso"]
        if c.character.get("hair_color") and c.facing != "back":
            parts.append("hair")
        for part in [parts[i] for i in rng.permutation(len(parts))]:
            if part == "torso":
                attr, options = "top_color", tuple(vocab.COLORS)
                pts = torso_polygon(c)
                box = (*pts.min(axis=0), *pts.max(axis=0))
                box = grow(box, 0.05 * c.scale)
            else:
                attr, options = "hair_color", vocab.HAIR_COLORS
                x0, y0, x1, y1 = head_box(c, pad=1.3)
                box = (x0, y0, x1, (y0 + y1) / 2)
            px = clip_box(box, request.width, request.height)
            if px is None or visible_fraction(request, c, np.array([box[:2], box[2:]])) < 1.0:
                continue
            new = _far_colour(c.character[attr], options, ink, rng)
            spec = dict(c.character, **{attr: new})
            drifted = renderer.render_frame(_replace(request, c, character=spec))
            if _material(image, drifted, px):
                return _paste(image, drifted, px), Fault("identity_drift", c.character["character_id"],
                                                         f"{part}:{c.character[attr]}->{new}", px)
    return None


def wrong_expression(image, request, renderer, rng):
    def ok(c):
        box = face_box(c)
        return (c.facing != "back" and 0.2 * c.scale >= MIN_FACE_PX * coarse(request.art_style)
                and box_fraction_inside(box, request.width, request.height) == 1.0
                and visible_fraction(request, c, np.array([box[:2], box[2:], head_box(c)[:2]])) == 1.0)
    for c in _candidates(request, rng, ok):
        options = other_families(c.expression)
        new = options[int(rng.integers(len(options)))]
        px = clip_box(face_box(c), request.width, request.height)
        wrong = renderer.render_frame(_replace(request, c, expression=new))
        if px is not None and _material(image, wrong, px, 0.01):
            return _paste(image, wrong, px), Fault("wrong_expression", c.character["character_id"],
                                                   f"{c.expression}->{new}", px)
    return None


def _arm_clear(request: FrameRequest, c: CharacterControl, joints) -> bool:
    kp = np.asarray(c.keypoints, dtype=np.float64)
    vis = np.asarray(c.visibility)
    if any(vis[j] != 2 for j in joints) or visible_fraction(request, c, kp[list(joints)]) < 1.0:
        return False
    far = {"right": L_SHO, "left": R_SHO}.get(c.facing)
    if joints[0] == far or c.facing == "back":
        return False
    length = np.linalg.norm(kp[joints[1]] - kp[joints[0]]) + np.linalg.norm(kp[joints[2]] - kp[joints[1]])
    if length < MIN_ARM_PX * coarse(request.art_style):
        return False
    poly = torso_polygon(c)
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    mids = np.array([kp[joints[0]] + (kp[joints[1]] - kp[joints[0]]) * t for t in (0.6, 1.0)] + [
        kp[joints[1]] + (kp[joints[2]] - kp[joints[1]]) * t for t in (0.5, 1.0)])
    return not inside_boxes(mids, [(*lo, *hi), head_box(c, pad=1.3)]).any()


def _arm_box(c: CharacterControl, joints) -> tuple[float, float, float, float]:
    pts = np.asarray(c.keypoints, dtype=np.float64)[list(joints)]
    return grow((*pts.min(axis=0), *pts.max(axis=0)), 0.03 * c.scale)


def misplaced_limb(image, request, renderer, rng):
    for c in _candidates(request, rng, lambda c: True):
        for name in [list(LIMBS)[i] for i in rng.permutation(2)]:
            joints = LIMBS[name]
            if not _arm_clear(request, c, joints):
                continue
            kp = np.asarray(c.keypoints, dtype=np.float64)
            sho = kp[joints[0]]
            for deg in rng.permutation([110, 130, 150, -110, -130, -150]):
                a = math.radians(float(deg))
                rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
                moved = kp.copy()
                for j in joints[1:]:
                    moved[j] = sho + (kp[j] - sho) @ rot.T
                box = character_box(c)
                inside = all(box[0] <= moved[j][0] <= box[2] and box[1] <= moved[j][1] <= box[3]
                             for j in joints[1:])
                if not inside:
                    continue
                px = clip_box(box, request.width, request.height)
                old = clip_box(_arm_box(c, joints), request.width, request.height)
                wrong = renderer.render_frame(_replace(request, c, keypoints=moved))
                if px is not None and old is not None and _material(image, wrong, old, 0.12):
                    return _paste(image, wrong, px), Fault("misplaced_limb", c.character["character_id"],
                                                           f"{name}:{int(deg)}deg", px)
    return None


def artefact(image, request, renderer, rng):
    w, h = image.size
    r = int(round(float(rng.uniform(0.05, 0.085)) * min(w, h)))
    visible = [c for c in request.characters if visible_fraction(request, c, torso_polygon(c)) == 1.0]
    if visible and rng.random() < 0.5:
        cx, cy = torso_polygon(visible[int(rng.integers(len(visible)))]).mean(axis=0)
    else:
        cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
    cx, cy = int(np.clip(cx, r, w - r - 1)), int(np.clip(cy, r, h - r - 1))
    size = 2 * r + 1
    noise = rng.normal(0.0, 1.0, (size, size, 3)) * 75 + rng.uniform(60, 200, 3)
    blob = Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8), "RGB").filter(ImageFilter.GaussianBlur(0.8))
    smear = np.asarray(blob, dtype=np.float32)
    dx, dy = np.round(np.array([math.cos(t := float(rng.uniform(0, math.pi))), math.sin(t)]) * 1.5).astype(int)
    smear = (smear + np.roll(smear, (dy, dx), axis=(0, 1)) + np.roll(smear, (2 * dy, 2 * dx), axis=(0, 1))) / 3
    yy, xx = np.mgrid[0:size, 0:size] - r
    wobble = 1.0 + 0.18 * np.sin(np.arctan2(yy, xx) * int(rng.integers(2, 5)) + float(rng.uniform(0, 6.3)))
    alpha = (np.clip((1.0 - np.hypot(xx, yy) / (r * wobble)) * 3.0, 0.0, 1.0) * 0.92)[..., None]
    box = (cx - r, cy - r, cx + r + 1, cy + r + 1)
    patch = rgb_array(image.crop(box)).astype(np.float32)         # only the blob's square changes
    out = rgb_image(image).copy()
    out.paste(Image.fromarray(np.clip(np.round(patch * (1 - alpha) + smear * alpha), 0, 255).astype(np.uint8), "RGB"),
              box[:2])
    return out, Fault("artefact", "", f"{cx},{cy},r{r}", box)


INJECTORS = {"identity_drift": identity_drift, "wrong_expression": wrong_expression,
             "misplaced_limb": misplaced_limb, "artefact": artefact}
