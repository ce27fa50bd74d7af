"""OpenPose-style pose maps: the image a pose ControlNet consumes.

Drawn the way ControlNet's openpose annotator draws them (black canvas, coloured limb ellipses at
60% intensity, full-colour joint dots) so a stock OpenPose ControlNet reads them unchanged.
"""
from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw

from storycast.skeleton import LIMBS, OPENPOSE_COLORS


def _limb_polygon(a, b, width: float) -> list[tuple[float, float]]:
    """An ellipse between two points as a polygon (what cv2.ellipse2Poly draws in the annotator)."""
    (x0, y0), (x1, y1) = a, b
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = math.hypot(x1 - x0, y1 - y0) / 2
    ang = math.atan2(y1 - y0, x1 - x0)
    ca, sa = math.cos(ang), math.sin(ang)
    pts = []
    for i in range(0, 360, 15):
        t = math.radians(i)
        ex, ey = half * math.cos(t), width * math.sin(t)
        pts.append((cx + ex * ca - ey * sa, cy + ex * sa + ey * ca))
    return pts


def draw_pose_map(width: int, height: int, skeletons: list[tuple[np.ndarray, np.ndarray]],
                  stick_width: float | None = None) -> Image.Image:
    """Render skeletons (18x2 pixel keypoints, 18 visibility flags) onto a black RGB canvas.

    Keypoints with visibility 0 (outside the frame) are left out with every limb that touches
    them, as OpenPose does for undetected joints. Self-occluded joints (1) are still drawn: a
    ControlNet needs the full skeleton to place the limb.
    """
    scale = stick_width if stick_width is not None else max(2.0, min(width, height) / 128)
    canvas = Image.new("RGB", (width, height), (0, 0, 0))
    limbs = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(limbs)
    for points, vis in skeletons:
        for i, (a, b) in enumerate(LIMBS):
            if vis[a] == 0 or vis[b] == 0:
                continue
            colour = tuple(int(c * 0.6) for c in OPENPOSE_COLORS[i])
            draw.polygon(_limb_polygon(points[a], points[b], scale), fill=colour)
    canvas = Image.blend(canvas, limbs, 1.0)
    draw = ImageDraw.Draw(canvas)
    r = scale
    for points, vis in skeletons:
        for j, (x, y) in enumerate(points):
            if vis[j] == 0:
                continue
            draw.ellipse((x - r, y - r, x + r, y + r), fill=OPENPOSE_COLORS[j])
    return canvas


def png_bytes(image: Image.Image, compress_level: int = 1) -> bytes:
    """Deterministic PNG encoding (no timestamps or text chunks)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
