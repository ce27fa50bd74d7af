import itertools
import math

import numpy as np
import pytest

from storycast import vocab
from storycast.controls import INTERACTION_POSES, layout_frame
from storycast.posemap import draw_pose_map
from storycast.seeding import rng_for
from storycast.skeleton import KEYPOINT_NAMES, MID_HIP, NECK, NOSE, OPENPOSE_COLORS, pose_keypoints

PARAMS = {"width": 512, "height": 512, "pose_jitter_deg": 6.0, "position_jitter": 0.04,
          "back_facing_rate": 0.08}
HEIGHTS = {"a": "tall", "b": "short", "c": "medium", "d": "tall"}


def frame(poses, shot="full", angle="eye_level", fid="s000001-00", expressions=None):
    ids = list(HEIGHTS)[: len(poses)]
    return {"frame_id": fid, "story_id": "s000001", "character_ids": ids, "poses": list(poses),
            "expressions": expressions or ["happy"] * len(poses), "shot_type": shot, "camera_angle": angle}


def layout(f, **overrides):
    return layout_frame(f, HEIGHTS, lambda *p: rng_for(5, "controls", *p), {**PARAMS, **overrides})


def boxes_overlap(a, b):
    return min(a[2], b[2]) - max(a[0], b[0]) > 1e-3 and min(a[3], b[3]) - max(a[1], b[1]) > 1e-3


def test_rows_are_coco18_keypoints_in_frame_pixels():
    rows = layout(frame(["standing", "waving"]))
    assert len(KEYPOINT_NAMES) == 18 and KEYPOINT_NAMES[:2] == ("nose", "neck")
    for r in rows:
        k = np.array(r["keypoints"])
        assert k.shape == (18, 2) and len(r["keypoint_visibility"]) == 18
        assert k[NOSE, 1] < k[NECK, 1] < k[[8, 11], 1].mean()  # head above neck above hips
        x0, y0, x1, y1 = r["bbox"]
        assert (k[:, 0] >= x0).all() and (k[:, 0] <= x1).all() and (k[:, 1] >= y0).all()
        assert r["in_frame"] > 0.95


def test_full_body_shots_keep_casts_in_frame_side_by_side():
    poses = [p for p in vocab.POSES if p not in INTERACTION_POSES]
    for n in range(60):
        rng = np.random.default_rng(n)
        k = int(rng.integers(1, 5))
        shot = ["extreme_wide", "wide", "full"][n % 3]
        rows = layout(frame(rng.choice(poses, k), shot=shot, fid=f"s000002-{n:02d}"))
        assert all(r["in_frame"] > 0.9 for r in rows), [r["in_frame"] for r in rows]
        for a, b in itertools.combinations(rows, 2):
            assert not boxes_overlap(a["bbox"], b["bbox"]), (shot, a["pose"], b["pose"])


def test_interaction_may_overlap_but_not_stack():
    rows = layout(frame(["hugging", "hugging"], shot="medium"))
    a, b = (r["bbox"] for r in rows)
    centre_gap = abs((a[0] + a[2]) - (b[0] + b[2])) / 2
    assert centre_gap > 0.3 * min(a[2] - a[0], b[2] - b[0])


def test_shot_type_sets_the_scale():
    scales = [layout(frame(["standing"], shot=s))[0]["scale"] for s in vocab.SHOT_TYPES]
    assert scales == sorted(scales)


def test_depth_order_and_further_is_smaller():
    rows = layout(frame(["standing"] * 3, shot="wide"))
    assert sorted(r["depth"] for r in rows) == [0, 1, 2]
    by_depth = sorted(rows, key=lambda r: r["depth"])
    heights = [vocab.HEIGHTS[HEIGHTS[r["character_id"]]] for r in by_depth]
    assert all(r["scale"] / h > n["scale"] / hn for r, n, h, hn in
               zip(by_depth, by_depth[1:], heights, heights[1:]))


def test_dutch_tilt_rotates_the_skeleton():
    def torso_angle(angle):
        r = layout(frame(["standing"], angle=angle), pose_jitter_deg=0.0)[0]
        k = np.array(r["keypoints"])
        mid_hip = (k[8] + k[11]) / 2
        return math.degrees(math.atan2(k[NECK, 0] - mid_hip[0], mid_hip[1] - k[NECK, 1]))
    assert abs(torso_angle("eye_level")) < 0.5
    assert torso_angle("dutch_tilt") == pytest.approx(-vocab.DUTCH_TILT_DEG, abs=0.5)


def test_per_instance_variation_is_seeded_per_frame_and_character():
    a = layout(frame(["standing"], fid="s000003-00"))[0]["keypoints"]
    b = layout(frame(["standing"], fid="s000003-01"))[0]["keypoints"]
    assert a != b and a == layout(frame(["standing"], fid="s000003-00"))[0]["keypoints"]


def test_poses_are_distinct_skeletons():
    shapes = {}
    for pose in vocab.POSES:
        k, _ = pose_keypoints(pose, "front")
        shapes[pose] = k - k[NECK]
    for p, q in itertools.combinations(vocab.POSES, 2):
        assert np.abs(shapes[p] - shapes[q]).max() > 0.07, (p, q)


def test_back_facing_hides_the_face_and_only_for_neutral():
    rows = layout(frame(["standing"], expressions=["neutral"]), back_facing_rate=1.0)
    assert rows[0]["facing"] == "back" and rows[0]["keypoint_visibility"][NOSE] == 1
    assert layout(frame(["standing"]), back_facing_rate=1.0)[0]["facing"] != "back"


def test_pose_map_uses_openpose_colours_at_joints():
    rows = layout(frame(["standing"]), pose_jitter_deg=0.0)
    k = np.array(rows[0]["keypoints"])
    image = np.asarray(draw_pose_map(512, 512, [(k, np.array(rows[0]["keypoint_visibility"]))]))
    x, y = np.round(k[NECK]).astype(int)
    assert tuple(image[y, x]) == OPENPOSE_COLORS[NECK]
    assert image[0, 0].tolist() == [0, 0, 0]


def test_mid_hip_constant_is_not_a_keypoint():
    assert MID_HIP not in range(18)
