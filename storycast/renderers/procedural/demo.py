"""Stand-in placement for tests and contact sheets (the real placement is the controls stage's).

keypoints_px = body_keypoints * scale + (x_center, ground_y - 0.46 * scale), with
scale = frame_height * SHOT_TYPES[shot] / 0.95 * HEIGHTS[height]; poses whose lowest point is not
the feet (sitting, lying) are then dropped onto the ground line.
"""
from __future__ import annotations

import numpy as np

from storycast import vocab
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.skeleton import pose_keypoints


def place(spec: dict, pose: str, expression: str, facing: str, shot: str, width: int, height: int,
          x_center: float, ground_y: float, depth: int = 0) -> CharacterControl:
    scale = height * vocab.SHOT_TYPES[shot] / 0.95 * vocab.HEIGHTS[spec["height"]]
    kp, vis = pose_keypoints(pose, facing)
    kp_px = kp * scale + np.array([x_center, ground_y - 0.46 * scale])
    lowest = kp_px[:, 1].max() + 0.03 * scale
    if lowest < ground_y:
        kp_px[:, 1] += ground_y - lowest
    vis = vis.copy()
    outside = (kp_px[:, 0] < 0) | (kp_px[:, 0] >= width) | (kp_px[:, 1] < 0) | (kp_px[:, 1] >= height)
    vis[outside] = 0
    x0, y0 = kp_px.min(axis=0) - np.array([0.12, 0.14]) * scale
    x1 = kp_px[:, 0].max() + 0.12 * scale
    y1 = kp_px[:, 1].max() + 0.03 * scale
    return CharacterControl(spec, pose, expression, facing, kp_px, vis, float(scale), depth,
                            (float(x0), float(y0), float(x1), float(y1)))


def frame(characters, *, setting="forest", lighting="day", shot="full", angle="eye_level",
          style="outlined_cel", width=512, height=512, seed=1, frame_id="demo",
          poses=None, expressions=None, facings=None) -> FrameRequest:
    """A frame with 1-4 characters spread across the width, nearest last."""
    n = len(characters)
    poses = poses or ["standing"] * n
    expressions = expressions or ["neutral"] * n
    facings = facings or ["front"] * n
    scale = height * vocab.SHOT_TYPES[shot] / 0.95
    ground = height * 0.92 if vocab.SHOT_TYPES[shot] <= 0.7 else 0.1 * height + 0.95 * scale
    controls = []
    for i, spec in enumerate(characters):
        x = width * (i + 1) / (n + 1)
        depth = (i % 2)
        g = ground - depth * 0.05 * height * (1 if vocab.SHOT_TYPES[shot] <= 0.7 else 0)
        controls.append(place(spec, poses[i], expressions[i], facings[i], shot, width, height, x, g, depth))
    return FrameRequest(frame_id, width, height, setting, lighting, shot, angle, style, tuple(controls),
                        "", seed)
