"""Decoupled control signals: per frame and character, pose skeleton, facing, box and depth.

A small composition planner places the cast: the shot type sets the body scale, characters stand
side by side without overlapping (a hug, a carry or a fight may overlap), further characters
stand higher and smaller, the camera angle moves the ground line, a dutch tilt rotates the frame.
Everything is seeded per (frame, character), so a frame's layout never depends on its shard.
"""
from __future__ import annotations

import math

import numpy as np

from storycast import vocab
from storycast.skeleton import apply_facing, forward_kinematics, pose_angles, vary

MOTION_POSES = {"walking", "running", "sneaking", "pushing", "kicking", "throwing", "climbing"}
INTERACTION_POSES = {"hugging", "carrying", "pushing", "fighting_stance", "dancing"}
HEAD_TOP, SIDE_MARGIN, SOLE = 0.11, 0.09, 0.035  # body units beyond the keypoints
STANDING_HEIGHT = 0.95  # body units from head top to sole of a standing figure
FULL_BODY_SHOTS = {"extreme_wide", "wide", "full"}


def _facing(pose: str, expression: str, slot: int, xs: list[float], rng, back_rate: float) -> str:
    """Motion faces along the motion; in company, characters often turn to each other."""
    k = len(xs)
    toward = None
    if k > 1:
        others = [x for j, x in enumerate(xs) if j != slot]
        nearest = min(others, key=lambda x: abs(x - xs[slot]))
        toward = "right" if nearest > xs[slot] else "left"
    if pose in MOTION_POSES:
        return toward or ("right" if rng.random() < 0.5 else "left")
    if expression == "neutral" and rng.random() < back_rate:
        return "back"
    if toward and rng.random() < 0.45:
        return toward
    return "front"


def _extent(points: np.ndarray) -> tuple[float, float, float, float]:
    """Body-unit box of a skeleton with room for head, hair, clothes and soles."""
    return (points[:, 0].min() - SIDE_MARGIN, points[:, 1].min() - HEAD_TOP,
            points[:, 0].max() + SIDE_MARGIN, points[:, 1].max() + SOLE)


def _rotate(points: np.ndarray, centre: tuple[float, float], degrees: float) -> np.ndarray:
    """Rotate pixel points counter-clockwise on screen (y points down) about `centre`."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    d = points - np.asarray(centre)
    return np.stack([d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c], axis=1) + centre


def layout_frame(frame: dict, heights: dict[str, str], rng_of, params: dict) -> list[dict]:
    """Control rows for one frame. `rng_of(*parts)` gives the seeded generator of a sub-entity."""
    width, height = params["width"], params["height"]
    ids, poses, exprs = frame["character_ids"], frame["poses"], frame["expressions"]
    k = len(ids)
    rng = rng_of(frame["frame_id"])
    shot, angle = frame["shot_type"], frame["camera_angle"]
    camera_scale = {"low_angle": 1.08, "high_angle": 0.92}.get(angle, 1.0)
    base = height * vocab.SHOT_TYPES[shot] / STANDING_HEIGHT * camera_scale
    depth = list(rng.permutation(k)) if k > 1 else [0]
    bodies = [forward_kinematics(vary(pose_angles(p), rng_of(frame["frame_id"], cid),
                                      params["pose_jitter_deg"]))
              for cid, p in zip(ids, poses)]
    scales = [base * vocab.HEIGHTS[heights[cid]] * 0.9 ** d for cid, d in zip(ids, depth)]
    widths = [(_extent(b)[2] - _extent(b)[0]) * s for b, s in zip(bodies, scales)]
    overlap = 0.3 if any(p in INTERACTION_POSES for p in poses) and k > 1 else 0.0
    fit = width * 0.96 / max(sum(widths) * (1 - overlap), 1e-6)
    if fit < 1:  # the cast does not fit side by side at this shot size: zoom out, never stack
        scales, widths = [s * fit for s in scales], [w * fit for w in widths]
    gap = (width * 0.96 - sum(widths) * (1 - overlap)) / (k + 1)
    xs, cursor = [], width * 0.02 + gap
    for w in widths:
        xs.append(cursor + w * (1 - overlap) / 2)
        cursor += w * (1 - overlap) + gap
    jitter = params["position_jitter"] * width
    xs = [x + float(rng.uniform(-1, 1)) * min(jitter, gap / 2 + 1e-6) for x in xs]
    ground = height * ({"low_angle": 0.93, "high_angle": 0.80}.get(angle, 0.88)
                       + float(rng.uniform(-0.02, 0.02)))
    rows = []
    for slot, (cid, pose, expr) in enumerate(zip(ids, poses, exprs)):
        facing = _facing(pose, expr, slot, xs, rng, params["back_facing_rate"])
        points, vis = apply_facing(bodies[slot], facing)
        x0, y0, x1, y1 = _extent(points)
        s = scales[slot]
        if shot in FULL_BODY_SHOTS:  # feet on the ground line; further back stands higher
            dy = ground - height * 0.05 * depth[slot] - y1 * s
        else:  # the figure is taller than the frame: hang it from the top, head in view
            dy = height * (0.07 + 0.03 * depth[slot]) - y0 * s
        offset = np.array([xs[slot] - (x0 + x1) / 2 * s, dy])
        rows.append({"character_id": cid, "slot": slot, "pose": pose, "expression": expr,
                     "facing": facing, "points": points * s + offset, "vis": vis,
                     "depth": int(depth[slot]), "scale": float(s),
                     "box": (x0 * s + offset[0], y0 * s + dy, x1 * s + offset[0], y1 * s + dy)})
    if angle == "dutch_tilt":
        centre = (width / 2, height / 2)
        for r in rows:
            r["points"] = _rotate(r["points"], centre, vocab.DUTCH_TILT_DEG)
            corners = np.array([[r["box"][0], r["box"][1]], [r["box"][2], r["box"][1]],
                                [r["box"][0], r["box"][3]], [r["box"][2], r["box"][3]]])
            rc = _rotate(corners, centre, vocab.DUTCH_TILT_DEG)
            r["box"] = (rc[:, 0].min(), rc[:, 1].min(), rc[:, 0].max(), rc[:, 1].max())
    _mark_visibility(rows, width, height)
    return [_row(frame, r, width, height) for r in rows]


def _inside(p: np.ndarray, box) -> np.ndarray:
    return (p[:, 0] >= box[0]) & (p[:, 0] <= box[2]) & (p[:, 1] >= box[1]) & (p[:, 1] <= box[3])


def _mark_visibility(rows: list[dict], width: int, height: int) -> None:
    """0 outside the frame; 1 hidden behind a nearer character's box (or self-occluded)."""
    for r in rows:
        vis = r["vis"].copy()
        for other in rows:
            if other["depth"] < r["depth"]:
                vis[(vis == 2) & _inside(r["points"], other["box"])] = 1
        outside = ~_inside(r["points"], (0, 0, width - 1, height - 1))
        vis[outside] = 0
        r["vis"] = vis


def _row(frame: dict, r: dict, width: int, height: int) -> dict:
    x0, y0, x1, y1 = r["box"]
    area = max((x1 - x0) * (y1 - y0), 1e-9)
    inside = max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(y1, height) - max(y0, 0))
    return {
        "frame_id": frame["frame_id"], "story_id": frame["story_id"],
        "character_id": r["character_id"], "slot": r["slot"], "pose": r["pose"],
        "expression": r["expression"], "facing": r["facing"],
        "keypoints": np.round(r["points"], 2).astype(np.float32).tolist(),
        "keypoint_visibility": r["vis"].astype(int).tolist(),
        "bbox": [round(float(v), 2) for v in (x0, y0, x1, y1)],
        "depth": r["depth"], "scale": round(r["scale"], 3), "in_frame": round(inside / area, 4),
    }


def control_shard(shard) -> dict[str, bytes]:
    """Controls and pose maps of one shard of frames (runs in a worker process)."""
    import pyarrow.parquet as pq

    from storycast.posemap import draw_pose_map, fast_png_bytes
    from storycast.seeding import rng_for
    from storycast.tables import load_schema, table_bytes

    frames_path, pool_path, seed, params = shard.payload
    heights = {r["character_id"]: r["height"]
               for r in pq.read_table(pool_path, columns=["character_id", "height"]).to_pylist()}
    frames = pq.read_table(frames_path, columns=["frame_id", "story_id", "character_ids", "poses",
                                                  "expressions", "shot_type", "camera_angle"]).to_pylist()
    control_rows, map_rows = [], []
    for frame in frames:
        rows = layout_frame(frame, heights, lambda *parts: rng_for(seed, "controls", *parts), params)
        control_rows.extend(rows)
        skeletons = [(np.asarray(r["keypoints"]), np.asarray(r["keypoint_visibility"]))
                     for r in sorted(rows, key=lambda r: -r["depth"])]
        image = draw_pose_map(params["width"], params["height"], skeletons)
        map_rows.append({"frame_id": frame["frame_id"], "width": params["width"],
                         "height": params["height"],
                         "pose_map": {"bytes": fast_png_bytes(image), "path": None}})
    return {"controls.parquet": table_bytes(control_rows, load_schema("controls")),
            "posemaps.parquet": table_bytes(map_rows, load_schema("posemaps"), row_group_size=100)}
