"""The renderer backend interface: what every illustrator (procedural, diffusion, ...) implements.

A frame request carries *decoupled* controls: who is in the frame (the persistent identity spec),
how each character stands (pose skeleton in pixel coordinates, expression, facing, depth) and the
camera and scene (setting, lighting, shot type, camera angle, art style). A backend turns one
request into one RGB image of exactly width x height pixels, deterministically from the request.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

from storycast import vocab

MIN_SIZE, MAX_SIZE = 64, 4096


@dataclass(frozen=True)
class CharacterControl:
    """One character in one frame."""

    character: dict          # the identity spec dict (persistent identity)
    pose: str                # vocab.POSES
    expression: str          # vocab.EXPRESSIONS
    facing: str              # front | left | right | back
    keypoints: np.ndarray    # 18x2 float, pixel coordinates in the frame (COCO-18 order)
    visibility: np.ndarray   # 18 ints, 2 visible / 1 occluded / 0 outside frame
    scale: float             # pixels per body unit (includes the character's height factor)
    depth: int               # 0 = nearest the camera (drawn last), larger = further back
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels (may pass the frame edge)


@dataclass(frozen=True)
class FrameRequest:
    """Everything a backend needs to draw one frame."""

    frame_id: str
    width: int
    height: int
    setting: str
    lighting: str
    shot_type: str
    camera_angle: str
    art_style: str
    characters: tuple[CharacterControl, ...]
    prompt: str              # text prompt (ignored by procedural, used by diffusion backends)
    seed: int


@runtime_checkable
class Renderer(Protocol):
    name: str
    version: str

    def render_template(self, character: dict, size: int, seed: int) -> Image.Image: ...

    def render_frame(self, request: FrameRequest) -> Image.Image: ...


# ---------------------------------------------------------------- images
def rgb_image(image: Image.Image) -> Image.Image:
    """The image in RGB mode: itself when it is already (`convert("RGB")` would copy it)."""
    return image if image.mode == "RGB" else image.convert("RGB")


def rgb_array(image: Image.Image) -> np.ndarray:
    """An image's RGB pixels (h x w x 3 uint8). A copy out of PIL's 4-byte pixels (~0.5 ms for a
    512 x 512 frame): where only a box or a comparison is needed, crop or compare in PIL first."""
    return np.asarray(rgb_image(image))


# ---------------------------------------------------------------- validation
def _member(value, allowed, field: str, where: str) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{where}: unknown {field} {value!r}; expected one of: {', '.join(allowed)}")


def check_size(width: int, height: int, where: str) -> None:
    """Raise unless both sides are integers within [MIN_SIZE, MAX_SIZE]."""
    for field, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not MIN_SIZE <= v <= MAX_SIZE:
            raise ValueError(f"{where}: {field} {v!r} out of range; expected an integer in "
                             f"[{MIN_SIZE}, {MAX_SIZE}] pixels")


def validate_character(spec: dict, where: str) -> None:
    """The appearance fields a renderer reads from an identity spec."""
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: character spec must be a dict, got {type(spec).__name__}")
    cid = spec.get("character_id", "?")
    here = f"{where} character {cid}"
    species = spec.get("species")
    _member(species, tuple(vocab.SPECIES), "species", here)
    covering = vocab.SPECIES[species]["covering"]
    _member(spec.get("covering_color"), tuple(vocab.COVERING_COLORS[covering]), "covering_color", here)
    _member(spec.get("art_style"), vocab.ART_STYLES, "art_style", here)
    _member(spec.get("build"), vocab.BUILDS, "build", here)
    _member(spec.get("height"), tuple(vocab.HEIGHTS), "height", here)
    _member(spec.get("hair_style"), vocab.HAIR_STYLES, "hair_style", here)
    _member(spec.get("top"), vocab.TOPS, "top", here)
    _member(spec.get("pattern"), vocab.PATTERNS, "pattern", here)
    _member(spec.get("shoes"), vocab.SHOES, "shoes", here)
    if spec.get("bottom"):
        _member(spec["bottom"], vocab.BOTTOMS, "bottom", here)
    for acc in spec.get("accessories", ()):
        _member(acc, vocab.ACCESSORIES, "accessory", here)
    colours = tuple(vocab.COLORS)
    for field in ("eye_color", "top_color", "shoes_color"):
        _member(spec.get(field), colours, field, here)
    for field in ("hair_color", "bottom_color", "accessory_color"):
        if spec.get(field):
            _member(spec[field], colours, field, here)


def validate_control(c: CharacterControl, where: str) -> None:
    validate_character(c.character, where)
    here = f"{where} character {c.character.get('character_id', '?')}"
    _member(c.pose, vocab.POSES, "pose", here)
    _member(c.expression, vocab.EXPRESSIONS, "expression", here)
    _member(c.facing, vocab.FACINGS, "facing", here)
    kp = np.asarray(c.keypoints)
    if kp.shape != (18, 2) or not np.all(np.isfinite(kp)):
        raise ValueError(f"{here}: keypoints must be a finite 18x2 array, got shape {kp.shape}")
    if np.asarray(c.visibility).shape != (18,):
        raise ValueError(f"{here}: visibility must hold 18 flags")
    if not (np.isfinite(c.scale) and c.scale > 0):
        raise ValueError(f"{here}: scale {c.scale!r} must be a positive number of pixels")


def validate_request(r: FrameRequest) -> None:
    """Raise a ValueError naming the frame, the field and the bad value."""
    where = f"frame {r.frame_id}"
    check_size(r.width, r.height, where)
    _member(r.art_style, vocab.ART_STYLES, "art_style", where)
    _member(r.setting, tuple(vocab.SETTINGS), "setting", where)
    _member(r.lighting, vocab.LIGHTINGS, "lighting", where)
    _member(r.shot_type, tuple(vocab.SHOT_TYPES), "shot_type", where)
    _member(r.camera_angle, vocab.CAMERA_ANGLES, "camera_angle", where)
    for c in r.characters:
        validate_control(c, where)


def validate_template(character: dict, size: int) -> None:
    where = f"template {character.get('character_id', '?') if isinstance(character, dict) else '?'}"
    check_size(size, size, where)
    validate_character(character, where)
