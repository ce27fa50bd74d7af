"""Pose classes as 2-D skeletons in COCO-18 / OpenPose keypoint order.

A pose is a small set of joint angles; forward kinematics turns it into 18 keypoints in *body
units* (a standing figure is about 1.0 tall, mid-hip at the origin, y pointing down). Angles make
per-instance variation natural (jitter the angles, not the points) and keep limbs their length.
"""
from __future__ import annotations

import math

import numpy as np

from storycast.vocab import POSES

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
    "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear", "l_ear",
)
NOSE, NECK, R_SHO, R_ELB, R_WRI, L_SHO, L_ELB, L_WRI = range(8)
MID_HIP = -1  # not a COCO-18 keypoint: the body origin (mean of the hips)
R_HIP, R_KNE, R_ANK, L_HIP, L_KNE, L_ANK, R_EYE, L_EYE, R_EAR, L_EAR = range(8, 18)

# OpenPose limb pairs (0-based) and colours, as ControlNet's openpose annotator draws them.
LIMBS: tuple[tuple[int, int], ...] = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11),
    (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)
OPENPOSE_COLORS: tuple[tuple[int, int, int], ...] = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
    (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
    (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)

# Body proportions in body units.
TORSO, NECK_LEN, UPPER_ARM, FOREARM, THIGH, SHIN = 0.30, 0.10, 0.15, 0.14, 0.22, 0.22
SHOULDER_HALF, HIP_HALF = 0.085, 0.055

# Joint angles in degrees. Arms and legs use an *outward-positive* convention so a symmetric pose
# has equal numbers on both sides: 0 = hanging straight down, 90 = out to the side, 180 = up,
# negative = across the body. Arm angles are relative to the torso, leg angles to the vertical.
# Fields: torso lean, head tilt, r_upper, r_fore, l_upper, l_fore, r_thigh, r_shin, l_thigh,
# l_shin; optional: thigh_scale (foreshortening towards the camera), shin_scale, rotate (whole
# body), lift (off the ground, body units).
_ANGLE_FIELDS = ("torso", "head", "r_upper", "r_fore", "l_upper", "l_fore",
                 "r_thigh", "r_shin", "l_thigh", "l_shin")
_POSE_TABLE: dict[str, tuple] = {
    "standing":        (0, 0, 8, 4, 8, 4, 3, 2, 3, 2),
    "walking":         (3, 0, 28, 18, -12, -22, 20, 10, -10, -2),
    "running":         (12, 5, 60, 130, -35, 30, 45, -20, -25, -60),
    "jumping":         (0, -10, 150, 165, 150, 165, 35, -15, 35, -15, {"lift": 0.18}),
    "sitting":         (0, 0, 20, -30, 20, -30, 70, 4, 70, 4, {"thigh_scale": 0.45}),
    "kneeling":        (0, 0, 12, 6, 12, 6, 8, 0, 8, 0, {"shin_scale": 0.25}),
    "crouching":       (15, -5, 30, 60, 30, 60, 60, -40, 60, -40, {"thigh_scale": 0.7}),
    "lying_down":      (0, 0, 12, 6, 12, 6, 4, 2, 4, 2, {"rotate": 90}),
    "waving":          (0, 5, 120, 170, 8, 4, 3, 2, 3, 2),
    "pointing":        (0, 0, 90, 90, 8, 4, 5, 2, 3, 2),
    "arms_crossed":    (0, 0, 20, -80, 20, -80, 4, 2, 4, 2),
    "hands_on_hips":   (0, 0, 50, -40, 50, -40, 7, 3, 7, 3),
    "reaching_up":     (0, -15, 172, 178, 162, 172, 3, 2, 3, 2),
    "carrying":        (0, 0, 135, 200, 135, 200, 6, 3, 6, 3),
    "pushing":         (25, -10, 80, 85, 80, 85, 25, 20, -15, -10),
    "climbing":        (0, -10, 160, 175, 120, 100, 60, -10, 5, 2),
    "dancing":         (10, 10, 135, 100, 60, 20, 35, 60, 0, 0),
    "fighting_stance": (5, 0, 40, -100, 50, -110, 22, 15, 22, 15),
    "kicking":         (-10, 0, 30, 60, 40, 70, 85, 80, 0, 0),
    "throwing":        (-10, 0, 150, 200, 70, 60, 20, 10, -10, -5),
    "hugging":         (0, 5, 80, 35, 80, 35, 3, 2, 3, 2),
    "bowing":          (55, 15, 5, 0, 5, 0, 3, 2, 3, 2),
    "thinking":        (0, 10, 30, -160, 20, -70, 3, 2, 3, 2),
    "cheering":        (0, -10, 140, 160, 140, 160, 12, 8, 12, 8),
    "holding_object":  (0, 15, 10, -120, 10, -120, 3, 2, 3, 2),
    "leaning":         (-12, 0, 30, -10, 8, 4, 25, 15, -10, -20),
    "sneaking":        (20, 10, 50, 100, 40, 80, 50, -30, 15, -10, {"thigh_scale": 0.7}),
    "falling":         (0, -20, 120, 150, 130, 160, 30, 50, -20, -40, {"rotate": 35}),
}
assert tuple(_POSE_TABLE) == POSES, "pose table and vocab.POSES must list the same classes"


def pose_angles(pose: str) -> dict[str, float]:
    """The canonical joint angles of a pose class."""
    if pose not in _POSE_TABLE:
        raise ValueError(f"unknown pose {pose!r}; expected one of: {', '.join(POSES)}")
    row = _POSE_TABLE[pose]
    angles = dict(zip(_ANGLE_FIELDS, map(float, row[:10])))
    extras = {"thigh_scale": 1.0, "shin_scale": 1.0, "rotate": 0.0, "lift": 0.0}
    extras.update(row[10] if len(row) > 10 else {})
    return {**angles, **{k: float(v) for k, v in extras.items()}}


def _step(origin: np.ndarray, screen_deg: float, length: float) -> np.ndarray:
    a = math.radians(screen_deg)
    return origin + length * np.array([math.sin(a), math.cos(a)])


def forward_kinematics(angles: dict[str, float]) -> np.ndarray:
    """18x2 keypoints in body units for a front-facing figure (mid-hip at origin, y down)."""
    k = np.zeros((18, 2))
    t = angles["torso"]
    up = np.array([math.sin(math.radians(t)), -math.cos(math.radians(t))])
    across = np.array([-up[1], up[0]])  # points to screen-right, perpendicular to the torso
    k[NECK] = TORSO * up
    k[R_SHO], k[L_SHO] = k[NECK] - SHOULDER_HALF * across, k[NECK] + SHOULDER_HALF * across
    k[R_HIP], k[L_HIP] = -HIP_HALF * across, HIP_HALF * across
    # Arms hang from the torso: their angles rotate with the lean. The figure's right is screen-left.
    for sho, elb, wri, side, u, f in ((R_SHO, R_ELB, R_WRI, -1, "r_upper", "r_fore"),
                                      (L_SHO, L_ELB, L_WRI, 1, "l_upper", "l_fore")):
        k[elb] = _step(k[sho], side * angles[u] + t, UPPER_ARM)
        k[wri] = _step(k[elb], side * angles[f] + t, FOREARM)
    for hip, kne, ank, side, th, sh in ((R_HIP, R_KNE, R_ANK, -1, "r_thigh", "r_shin"),
                                        (L_HIP, L_KNE, L_ANK, 1, "l_thigh", "l_shin")):
        k[kne] = _step(k[hip], side * angles[th], THIGH * angles["thigh_scale"])
        k[ank] = _step(k[kne], side * angles[sh], SHIN * angles["shin_scale"])
    h = math.radians(t + angles["head"])
    head_up = np.array([math.sin(h), -math.cos(h)])
    head_across = np.array([-head_up[1], head_up[0]])
    k[NOSE] = k[NECK] + NECK_LEN * head_up
    k[R_EYE] = k[NOSE] + 0.028 * head_up - 0.026 * head_across
    k[L_EYE] = k[NOSE] + 0.028 * head_up + 0.026 * head_across
    k[R_EAR] = k[NOSE] + 0.012 * head_up - 0.058 * head_across
    k[L_EAR] = k[NOSE] + 0.012 * head_up + 0.058 * head_across
    if angles["rotate"]:
        r = math.radians(angles["rotate"])
        rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
        k = k @ rot.T
    k[:, 1] -= angles["lift"]
    return k


def vary(angles: dict[str, float], rng: np.random.Generator, jitter_deg: float) -> dict[str, float]:
    """Per-instance variation: Gaussian jitter on every joint angle, never on the extras."""
    out = dict(angles)
    for name in _ANGLE_FIELDS:
        out[name] += float(rng.normal(0.0, jitter_deg))
    return out


def apply_facing(k: np.ndarray, facing: str) -> tuple[np.ndarray, np.ndarray]:
    """Turn a front-facing skeleton to `facing`; returns keypoints and COCO visibility (2 visible,
    1 self-occluded). Side facings are three-quarter views: widths shrink, the far ear hides."""
    k = k.copy()
    vis = np.full(18, 2, dtype=np.int8)
    if facing == "front":
        return k, vis
    if facing == "back":
        k[:, 0] = -k[:, 0]  # the figure's right side is now on screen-right
        vis[[NOSE, R_EYE, L_EYE]] = 1
        return k, vis
    if facing not in ("left", "right"):
        raise ValueError(f"unknown facing {facing!r}; expected front, left, right or back")
    sign = 1.0 if facing == "right" else -1.0
    centre_x = k[[NECK]][:, 0]
    k[:, 0] = centre_x + (k[:, 0] - centre_x) * 0.55
    k[[NOSE, R_EYE, L_EYE]] += np.array([sign * 0.03, 0.0])
    vis[R_EAR if facing == "right" else L_EAR] = 1
    return k, vis


def pose_keypoints(pose: str, facing: str, rng: np.random.Generator | None = None,
                   jitter_deg: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Keypoints (body units) and visibility of one posed instance."""
    angles = pose_angles(pose)
    if rng is not None and jitter_deg > 0:
        angles = vary(angles, rng, jitter_deg)
    return apply_facing(forward_kinematics(angles), facing)
