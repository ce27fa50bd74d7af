"""The judge interface of the quality-gated loop, the strict answer validator, and spec geometry.

A judge scores one frame image against what was asked for (the frame's `FrameRequest`: identities,
poses, expressions, layout, scene) and the characters' template sheets. It returns a `Judgement`:
a score in [0, 1] per check, a verdict, reasons (`check: character_id: detail`), the characters the
failing checks point at and regions a local edit could regenerate. Any backend (the embedded
`measured` judge, a VLM answering JSON) implements `Judge`; a model's JSON answer goes through
`parse_judgement`, which rejects anything malformed with a message the loop records as an `error`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from PIL import Image

from storycast.errors import StorycastError
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.skeleton import (
    L_EAR,
    L_ELB,
    L_EYE,
    L_HIP,
    L_SHO,
    L_WRI,
    NECK,
    NOSE,
    R_EAR,
    R_ELB,
    R_EYE,
    R_HIP,
    R_SHO,
    R_WRI,
)

CHECKS: tuple[str, ...] = ("identity", "pose", "expression", "visibility", "in_frame", "sanity")
VERDICTS: tuple[str, ...] = ("pass", "fail", "error")
REGION_KINDS: tuple[str, ...] = ("character", "face", "artefact", "frame")


class JudgeAnswerError(StorycastError):
    """A judge's answer is malformed (missing, non-numeric or out-of-range scores, bad fields)."""


@dataclass(frozen=True)
class Region:
    """A box [x0, y0, x1, y1) in frame pixels that a local edit may regenerate."""

    box: tuple[int, int, int, int]
    kind: str = "character"          # REGION_KINDS
    character_id: str = ""
    check: str = ""


@dataclass(frozen=True)
class JudgeRequest:
    """What a judge sees: the image, the frame's request (controls + scene) and the templates."""

    image: Image.Image
    request: FrameRequest
    templates: Mapping[str, Image.Image]     # character id -> template sheet (may load lazily)
    references: Mapping[str, Any] | None = None  # judge-specific precomputed template features
    # `image` as an RGB uint8 array when the caller has one already (the decoded render): judges
    # reading pixels take it instead of copying them out of the PIL image again.
    pixels: np.ndarray | None = field(default=None, compare=False)
    # Per character id, its colours in the story's other frames (`story.story_peers`), from a judge
    # that describes frames (`story_tones`); None outside a story or for other judges.
    peers: Mapping[str, np.ndarray] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Judgement:
    scores: dict[str, float]                 # check -> [0, 1] (NaN when the judge gave none)
    verdict: str                             # VERDICTS
    reasons: tuple[str, ...] = ()            # "check: character_id: detail" ("-" for the frame)
    failing: tuple[str, ...] = ()            # character ids the failing checks point at
    regions: tuple[Region, ...] = ()
    fatal: bool = False                      # no repair can help (e.g. a character has no template)
    details: dict = field(default_factory=dict, compare=False)  # per-character scores, diagnostics

    @property
    def failing_checks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.split(":", 1)[0].strip() for r in self.reasons))


@runtime_checkable
class Judge(Protocol):
    name: str

    def judge(self, request: JudgeRequest) -> Judgement: ...


def error_judgement(reason: str, fatal: bool = False) -> Judgement:
    """The recorded outcome of an attempt the judge could not score."""
    return Judgement({c: math.nan for c in CHECKS}, "error", (reason,), (), (), fatal)


def verdict_of(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> str:
    return "fail" if any(scores[c] < thresholds[c] for c in thresholds if c in scores) else "pass"


def score_of_risk(risk: float, at_zero: float) -> float:
    """A fitted logistic model's risk as a check score: `at_zero` at risk 0 (the model's calibrated
    operating point), towards 0 as the risk grows and 1 as it falls (no overflow for any risk)."""
    return 1.0 / (1.0 + math.exp(min(risk - math.log(at_zero / (1 - at_zero)), 700.0)))


# ---------------------------------------------------------------- strict answer validation
def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JudgeAnswerError(f"{where} must be a number in [0, 1], got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise JudgeAnswerError(f"{where} = {value!r} is out of range [0, 1]")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise JudgeAnswerError(f"{where} must be a list of strings, got {value!r}")
    return tuple(value)


def parse_judgement(answer: Any, thresholds: Mapping[str, float] | None = None,
                    checks: tuple[str, ...] = CHECKS, frame: tuple[int, int] | None = None) -> Judgement:
    """Validate a judge's JSON answer: {"scores": {check: number in [0, 1], ...}, "verdict"?,
    "reasons"?, "failing_characters"?, "regions"?: [{"box": [x0, y0, x1, y1], "kind"?,
    "character_id"?, "check"?}]}. Every check needs a score. With `thresholds` the verdict is
    computed from the scores (a stated verdict must agree); without, "verdict" is required."""
    if not isinstance(answer, Mapping):
        raise JudgeAnswerError(f"answer must be a JSON object, got {type(answer).__name__}")
    unknown = sorted(set(answer) - {"scores", "verdict", "reasons", "failing_characters", "regions"})
    if unknown:
        raise JudgeAnswerError(f"answer has unknown field {unknown[0]!r}")
    scores = answer.get("scores")
    if not isinstance(scores, Mapping):
        raise JudgeAnswerError("answer.scores is missing or not an object")
    missing = [c for c in checks if c not in scores]
    if missing:
        raise JudgeAnswerError(f"answer.scores is missing {', '.join(missing)}")
    extra = sorted(set(scores) - set(checks))
    if extra:
        raise JudgeAnswerError(f"answer.scores has unknown check {extra[0]!r}")
    parsed = {c: _number(scores[c], f"answer.scores.{c}") for c in checks}
    stated = answer.get("verdict")
    if stated is not None and stated not in ("pass", "fail"):
        raise JudgeAnswerError(f"answer.verdict must be 'pass' or 'fail', got {stated!r}")
    if thresholds is not None:
        verdict = verdict_of(parsed, thresholds)
        if stated is not None and stated != verdict:
            raise JudgeAnswerError(f"answer.verdict {stated!r} contradicts its scores ({verdict} at the "
                                   "thresholds)")
    elif stated is None:
        raise JudgeAnswerError("answer.verdict is missing")
    else:
        verdict = stated
    reasons = _strings(answer.get("reasons", []), "answer.reasons")
    failing = _strings(answer.get("failing_characters", []), "answer.failing_characters")
    if verdict == "fail" and not reasons:
        reasons = tuple(f"{c}: -: score {parsed[c]:.2f}" for c in checks
                        if thresholds is not None and parsed[c] < thresholds[c])
    return Judgement(parsed, verdict, reasons, failing, _regions(answer.get("regions", []), frame))


def _regions(value: Any, frame: tuple[int, int] | None) -> tuple[Region, ...]:
    if not isinstance(value, (list, tuple)):
        raise JudgeAnswerError(f"answer.regions must be a list, got {value!r}")
    out = []
    for i, r in enumerate(value):
        where = f"answer.regions[{i}]"
        if not isinstance(r, Mapping) or "box" not in r:
            raise JudgeAnswerError(f"{where} must be an object with a box")
        box = r["box"]
        if not isinstance(box, (list, tuple)) or len(box) != 4 or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in box):
            raise JudgeAnswerError(f"{where}.box must be 4 finite numbers [x0, y0, x1, y1], got {box!r}")
        kind = r.get("kind", "character")
        if kind not in REGION_KINDS:
            raise JudgeAnswerError(f"{where}.kind {kind!r} is not one of {', '.join(REGION_KINDS)}")
        px = clip_box(box, *(frame or (10**9, 10**9)))
        if px is None:
            raise JudgeAnswerError(f"{where}.box {list(box)} has no area inside the frame")
        out.append(Region(px, kind, str(r.get("character_id", "")), str(r.get("check", ""))))
    return tuple(out)


# ---------------------------------------------------------------- control-spec geometry
def clip_box(box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """Integer pixel box inside the frame (outward rounding), or None when it has no area."""
    x0, y0 = max(0, int(math.floor(box[0]))), max(0, int(math.floor(box[1])))
    x1, y1 = min(width, int(math.ceil(box[2]))), min(height, int(math.ceil(box[3])))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def grow(box, margin: float) -> tuple[float, float, float, float]:
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)


def head_up(kp: np.ndarray, scale: float, facing: str) -> np.ndarray:
    """Unit vector from the neck up through the head. A three-quarter view shifts the nose 0.03
    body units towards the facing (`skeleton.apply_facing`); that shift is not a head tilt."""
    turn = {"left": -1.0, "right": 1.0}.get(facing, 0.0)
    up = kp[NOSE] - np.array([0.03 * scale * turn, 0.0]) - kp[NECK]
    n = float(np.hypot(*up))
    return up / n if n > 1e-9 else np.array([0.0, -1.0])


def head_centre(c: CharacterControl) -> tuple[np.ndarray, np.ndarray]:
    """Head centre (pixels) and the head's up direction; the head is ~0.1 body units in radius."""
    kp = np.asarray(c.keypoints, dtype=np.float64)
    up = head_up(kp, c.scale, c.facing)
    return kp[NECK] + up * 0.108 * c.scale, up


def head_box(c: CharacterControl, pad: float = 1.25) -> tuple[float, float, float, float]:
    """Box around the head (face, hair, ears), `pad` head radii from its centre."""
    centre, _ = head_centre(c)
    kp = np.asarray(c.keypoints, dtype=np.float64)[[NOSE, R_EYE, L_EYE, R_EAR, L_EAR]]
    r = 0.1 * c.scale * pad
    xs, ys = np.append(kp[:, 0], centre[0]), np.append(kp[:, 1], centre[1])
    return (min(xs.min(), centre[0] - r), min(ys.min(), centre[1] - r),
            max(xs.max(), centre[0] + r), max(ys.max(), centre[1] + r))


def face_shown(request: FrameRequest, c: CharacterControl, near: list) -> float:
    """How much of the head is shown: the share of its box inside the frame times the share of its
    corners and centre not behind the `near` boxes (`nearer_boxes`). Below 1, its face is not read."""
    hb = head_box(c)
    corners = np.array([[hb[0], hb[1]], [hb[2], hb[1]], [hb[0], hb[3]], [hb[2], hb[3]],
                        [(hb[0] + hb[2]) / 2, (hb[1] + hb[3]) / 2]])
    return box_fraction_inside(hb, request.width, request.height) * float((~inside_boxes(corners, near)).mean())


def torso_polygon(c: CharacterControl) -> np.ndarray:
    kp = np.asarray(c.keypoints, dtype=np.float64)
    return kp[[R_SHO, L_SHO, L_HIP, R_HIP]]


def inside_boxes(points: np.ndarray, boxes) -> np.ndarray:
    """Which points fall inside any of the boxes."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    hit = np.zeros(len(points), dtype=bool)
    for b in boxes:
        hit |= ((points[:, 0] >= b[0]) & (points[:, 0] <= b[2]) & (points[:, 1] >= b[1])
                & (points[:, 1] <= b[3]))
    return hit


def nearer_boxes(request: FrameRequest, c: CharacterControl) -> list:
    """Boxes of the characters drawn in front of `c` (smaller depth)."""
    return [o.bbox for o in request.characters if o.depth < c.depth]


def box_fraction_inside(box, width: int, height: int) -> float:
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-9)
    w = max(0.0, min(box[2], width) - max(box[0], 0.0))
    h = max(0.0, min(box[3], height) - max(box[1], 0.0))
    return float(w * h / area)


# An arm in front of the body hides what is behind it: a sleeve is about 0.05-0.065 body units wide
# with its outline, a hand about 0.06; a held prop sits between or above the hands.
ARM_REACH = 0.045          # body units from the bone (half a sleeve, its outline, a sample's box)
HAND_REACH = 0.05
PROP_REACH = {"carrying": 0.14, "holding_object": 0.1, "throwing": 0.08}


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    v = b - a
    t = np.clip(((points - a) @ v) / max(float(v @ v), 1e-9), 0.0, 1.0)
    return np.hypot(*(points - (a + t[:, None] * v)).T)


def front_arms(c: CharacterControl) -> list[tuple[int, int, int]]:
    """The arms drawn in front of the body: both from the front, the near one in a three-quarter
    view, none from behind."""
    if c.facing == "back":
        return []
    arms = {"right": [(R_SHO, R_ELB, R_WRI)], "left": [(L_SHO, L_ELB, L_WRI)]}
    return arms.get(c.facing, [(R_SHO, R_ELB, R_WRI), (L_SHO, L_ELB, L_WRI)])


def own_cover(c: CharacterControl, points: np.ndarray) -> np.ndarray:
    """Which points lie under the character's own front arms, hands or held prop (from the pose
    control alone): samples there show the arm, not the part behind it."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    kp = np.asarray(c.keypoints, dtype=np.float64)
    s = float(c.scale)
    hit = np.zeros(len(pts), dtype=bool)
    for sho, elb, wri in front_arms(c):
        hit |= _segment_distance(pts, kp[sho], kp[elb]) < ARM_REACH * s
        hit |= _segment_distance(pts, kp[elb], kp[wri]) < ARM_REACH * s
        hit |= np.hypot(*(pts - kp[wri]).T) < HAND_REACH * s
    if c.pose in PROP_REACH and c.facing != "back":
        centre = (kp[R_WRI] + kp[L_WRI]) / 2 - np.array([0.0, 0.05 * s])
        reach = PROP_REACH[c.pose] * s
        hands = [centre] if c.pose != "throwing" else [kp[R_WRI], kp[L_WRI]]
        for h in hands:
            hit |= np.hypot(*(pts - h).T) < reach
    return hit
