"""Auto-prompt tuning: rewrite a frame's request from the judge's feedback, then regenerate it.

From the failing checks of a `Judgement`:
- identity: the drifted part's identity attributes are restated ("Kalo's top is a striped mustard
  vest, exactly as in the reference sheet");
- expression / pose: the asked expression or pose is restated for that character;
- visibility: the covered character is moved clear of the characters in front of it;
- in_frame: the whole cast is zoomed out (`zoom`) about the ground line (full-body shots) or the
  top edge (closer shots) and pulled back inside the frame;
- sanity: a clean-image clause, and a fresh seed (a new sample), as after a judge error, and where the
  loop asks for one (`resample`: restating the request would draw the image it has already).
The additions go in a `repair:` block at the end of the prompt; the layout edits change keypoints,
boxes, scales and visibility consistently, so controls and image stay in agreement.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from storycast.judges.base import Judgement, inside_boxes
from storycast.prompts import words
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.seeding import seed_for
from storycast.skeleton import apply_facing

FULL_BODY_SHOTS = {"extreme_wide", "wide", "full"}
PART_ATTRIBUTES = {
    "torso": ("pattern", "top_color", "top"), "upper_arms": ("top_color", "top"),
    "forearms": ("covering_color",), "hair": ("hair_color", "hair_style"), "face": ("covering_color",),
    "thighs": ("bottom_color", "bottom"), "shins": ("bottom_color", "bottom"),
    "feet": ("shoes_color", "shoes"),
}


def _character_reasons(judgement: Judgement) -> list[tuple[str, str, str]]:
    out = []
    for reason in judgement.reasons:
        parts = [p.strip() for p in reason.split(":", 2)]
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
    return out


def _attribute_phrase(spec: dict, part: str) -> str:
    fields = PART_ATTRIBUTES.get(part, ("top_color", "top"))
    values = [words(str(spec[f])) for f in fields if spec.get(f)]
    if part in ("torso", "upper_arms") and spec.get("pattern") == "plain":
        values = [v for v in values if v != "plain"]
    label = {"torso": "top", "upper_arms": "sleeves", "forearms": "arms", "hair": "hair", "face": "face",
             "thighs": "legs", "shins": "legs", "feet": "shoes"}.get(part, "outfit")
    return f"{label} {' '.join(values)}".strip()


def tune(request: FrameRequest, judgement: Judgement, attempt: int, seed: int,
         zoom: float = 0.85, resample: bool = False) -> tuple[FrameRequest, str]:
    """The rewritten request and a one-line summary of what changed; `resample`: with a new seed."""
    by_id = {c.character["character_id"]: c for c in request.characters}
    clauses, changes = [], []
    chars = list(request.characters)
    checks = set(judgement.failing_checks)
    for check, cid, detail in _character_reasons(judgement):
        c = by_id.get(cid)
        name = c.character.get("name", cid) if c is not None else ""
        if check == "identity" and c is not None:
            part = detail.split(" ", 1)[0]
            clauses.append(f"{name}'s {_attribute_phrase(c.character, part)}, exactly as in the reference sheet")
        elif check == "expression" and c is not None:
            clauses.append(f"{name} clearly {words(c.expression)}, face toward the viewer")
        elif check == "pose" and c is not None:
            clauses.append(f"{name} in a {words(c.pose)} pose, arms and legs exactly as in the pose map")
        elif check == "visibility" and c is not None:
            chars = _clear(chars, request, cid)
            clauses.append(f"{name} fully visible, not hidden behind anyone")
            changes.append(f"moved {cid} clear of nearer characters")
        elif check == "in_frame" and c is not None and "zoomed out" not in changes:
            chars = _zoom(chars, request, zoom)
            clauses.append("the whole cast inside the frame")
            changes.append("zoomed out")
    if "sanity" in checks:
        clauses.append("clean image, no artefacts, smudges or noise")
    new_seed = request.seed
    if "sanity" in checks or judgement.verdict == "error" or resample:
        new_seed = seed_for(seed, "qc-regenerate", request.frame_id, attempt) % 2**32
        changes.append("new seed")
    if any(c.startswith(("moved", "zoomed")) for c in changes):
        chars = _revisibility(chars, request)
    base = request.prompt.split(" || repair: ", 1)[0]
    prompt = base + (" || repair: " + "; ".join(dict.fromkeys(clauses)) if clauses else "")
    tuned = dataclasses.replace(request, prompt=prompt, seed=new_seed, characters=tuple(chars))
    return tuned, ", ".join(changes) or "prompt only"


def _moved(c: CharacterControl, scale: float, anchor: np.ndarray, shift: np.ndarray) -> CharacterControl:
    kp = (np.asarray(c.keypoints, dtype=np.float64) - anchor) * scale + anchor + shift
    b = np.array(c.bbox, dtype=np.float64).reshape(2, 2)
    b = (b - anchor) * scale + anchor + shift
    return dataclasses.replace(c, keypoints=kp, bbox=tuple(float(v) for v in b.ravel()), scale=c.scale * scale)


def _zoom(chars: list[CharacterControl], request: FrameRequest, factor: float) -> list[CharacterControl]:
    """Scale the cast about the ground line (or the top edge for close shots), then pull each
    character horizontally back into the frame."""
    w, h = request.width, request.height
    ground = max(c.bbox[3] for c in chars)
    anchor = np.array([w / 2, min(ground, h * 0.95) if request.shot_type in FULL_BODY_SHOTS else 0.0])
    out = []
    for c in chars:
        z = _moved(c, factor, anchor, np.zeros(2))
        dx = max(0.0, -z.bbox[0]) - max(0.0, z.bbox[2] - w)
        dy = max(0.0, -z.bbox[1]) if request.shot_type in FULL_BODY_SHOTS else 0.0
        out.append(_moved(z, 1.0, anchor, np.array([dx, dy])) if dx or dy else z)
    return out


def _clear(chars: list[CharacterControl], request: FrameRequest, cid: str) -> list[CharacterControl]:
    """Move character `cid` sideways, away from the nearer characters covering it."""
    target = next(c for c in chars if c.character["character_id"] == cid)
    nearer = [c for c in chars if c.depth < target.depth]
    if not nearer:
        return chars
    x0, _, x1, _ = target.bbox
    centre = (x0 + x1) / 2
    left = [c for c in nearer if (c.bbox[0] + c.bbox[2]) / 2 <= centre]
    right = [c for c in nearer if (c.bbox[0] + c.bbox[2]) / 2 > centre]
    push_right = max([c.bbox[2] - x0 for c in left] + [0.0])
    push_left = max([x1 - c.bbox[0] for c in right] + [0.0])
    room_right, room_left = request.width - x1, x0
    dx = push_right if (push_right and push_right <= room_right) or not push_left else -push_left
    dx = float(np.clip(dx, -room_left - (x1 - x0) * 0.2, room_right + (x1 - x0) * 0.2))
    moved = _moved(target, 1.0, np.zeros(2), np.array([dx, 0.0]))
    return [moved if c is target else c for c in chars]


def _revisibility(chars: list[CharacterControl], request: FrameRequest) -> list[CharacterControl]:
    """Keypoint flags after a layout change: 0 outside the frame, 1 behind a nearer box or turned
    away (from the facing), else 2."""
    out = []
    for c in chars:
        kp = np.asarray(c.keypoints, dtype=np.float64)
        _, facing_vis = apply_facing(np.zeros((18, 2)), c.facing)
        vis = facing_vis.copy()
        vis[(vis == 2) & inside_boxes(kp, [o.bbox for o in chars if o.depth < c.depth])] = 1
        outside = (kp[:, 0] < 0) | (kp[:, 0] > request.width - 1) | (kp[:, 1] < 0) | (kp[:, 1] > request.height - 1)
        vis[outside] = 0
        out.append(dataclasses.replace(c, visibility=vis))
    return out
