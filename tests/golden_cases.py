"""The golden cases: a handful of templates and frames across styles, poses, expressions, settings."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from storycast.characters import sample_characters
from storycast.controls import layout_frame
from storycast.render import frame_requests
from storycast.renderers.procedural import ProceduralRenderer
from storycast.seeding import rng_for

GOLDEN_DIR = Path(__file__).resolve().parent / "goldens"
SIZE = 256
PARAMS = {"width": SIZE, "height": SIZE, "pose_jitter_deg": 6.0, "position_jitter": 0.04,
          "back_facing_rate": 0.0}
# (name, cast indices, poses, expressions, setting, lighting, shot, angle, style)
FRAMES = [
    ("frame_flat_forest", [0, 1], ["waving", "pointing"], ["happy", "surprised"], "forest", "day",
     "full", "eye_level", "flat_vector"),
    ("frame_cel_castle", [2], ["fighting_stance"], ["angry"], "castle_hall", "night", "medium",
     "low_angle", "outlined_cel"),
    ("frame_pastel_beach", [3, 4, 5], ["sitting", "cheering", "lying_down"], ["sleepy", "laughing", "neutral"],
     "beach", "dusk", "wide", "high_angle", "pastel"),
    ("frame_ink_library", [6], ["thinking"], ["confused"], "classroom", "day", "close_up", "eye_level", "ink"),
    ("frame_pixel_space", [7, 8], ["running", "jumping"], ["scared", "determined"], "space_station", "night",
     "extreme_wide", "dutch_tilt", "pixel_art"),
    ("frame_painterly_market", [9, 10], ["hugging", "kneeling"], ["crying", "sad"], "market_square", "dusk",
     "medium_close", "eye_level", "painterly"),
]


def _characters() -> list[dict]:
    return sample_characters(12, seed=11, min_distance=3)


def render_cases():
    """(name, image) for every golden case, rendered now."""
    renderer = ProceduralRenderer()
    chars = _characters()
    for i in (0, 6, 7):
        yield f"template_{chars[i]['art_style']}_{chars[i]['species']}", renderer.render_template(chars[i], SIZE, i)
    by_id = {c["character_id"]: c for c in chars}
    for name, cast, poses, exprs, setting, light, shot, angle, style in FRAMES:
        ids = [chars[i]["character_id"] for i in cast]
        frame = {"frame_id": f"golden-{name}", "story_id": "golden", "frame_index": 0, "character_ids": ids,
                 "poses": poses, "expressions": exprs, "actions": ["stands"] * len(ids), "setting": setting,
                 "lighting": light, "shot_type": shot, "camera_angle": angle, "art_style": style,
                 "scene": "A golden test frame.", "narration": ""}
        controls = layout_frame(frame, {c: by_id[c]["height"] for c in ids},
                                lambda *p: rng_for(11, "controls", *p), PARAMS)
        (_, request), = frame_requests([frame], controls, by_id, 11, (SIZE, SIZE))
        yield name, renderer.render_frame(request)


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))
