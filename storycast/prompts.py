"""Frame prompts assembled from the decoupled parts, in a fixed order a diffusion model can use:

    identity block (per character) | transient block (pose, expression, facing) |
    scene and composition block | style block

The identity block is the character's `identity_prompt`, verbatim, so the persistent part of every
prompt that shows a character is byte-identical across its frames; only the transient part varies.
"""
from __future__ import annotations

SHOT_WORDS = {
    "extreme_wide": "extreme wide shot", "wide": "wide shot", "full": "full shot",
    "medium": "medium shot", "medium_close": "medium close-up", "close_up": "close-up",
}
ANGLE_WORDS = {
    "eye_level": "eye-level view", "low_angle": "low-angle view", "high_angle": "high-angle view",
    "dutch_tilt": "dutch angle",
}
FACING_WORDS = {"front": "facing the viewer", "left": "turned to the left",
                "right": "turned to the right", "back": "seen from behind"}


def words(class_id: str) -> str:
    return class_id.replace("_", " ")


def transient_block(name: str, action: str, pose: str, expression: str, facing: str) -> str:
    return f"{name} {action}, {words(pose)} pose, {words(expression)} expression, {FACING_WORDS[facing]}"


def scene_block(frame: dict) -> str:
    return (f"{words(frame['setting'])}, {frame['lighting']} light, {SHOT_WORDS[frame['shot_type']]}, "
            f"{ANGLE_WORDS[frame['camera_angle']]}. {frame['scene']}")


def style_block(art_style: str) -> str:
    return f"{words(art_style)} illustration, storybook frame, consistent character design"


def frame_prompt(frame: dict, characters: dict[str, dict], controls: list[dict]) -> str:
    """The full prompt of one frame; `controls` are the frame's control rows in slot order."""
    by_id = {c["character_id"]: c for c in controls}
    identity = " | ".join(characters[cid]["identity_prompt"] for cid in frame["character_ids"])
    transient = "; ".join(
        transient_block(characters[cid]["name"], action, by_id[cid]["pose"], by_id[cid]["expression"],
                        by_id[cid]["facing"])
        for cid, action in zip(frame["character_ids"], frame["actions"]))
    return f"{identity} || {transient} || {scene_block(frame)} || {style_block(frame['art_style'])}"


def template_prompt(character: dict) -> str:
    """Prompt of a character's template sheet: full body, neutral pose and expression, plain ground."""
    return (f"{character['identity_prompt']} || character turnaround sheet, front, side and back views, "
            f"full body, standing, neutral expression || plain light gray background || "
            f"{style_block(character['art_style'])}")
