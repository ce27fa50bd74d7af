"""The planner interface shared by every backend, and the strict story validator.

A planner turns a `StoryRequest` (story id, cast, frame count, art style, seed) into a story dict.
`validate_story` checks that dict strictly -- it is also what LLM backends' JSON goes through -- and
names the JSON path of the first problem in a one-line `PlanError`. It never repairs anything.

Story format::

    {"story_id", "title", "genre", "arc", "synopsis", "setting", "cast": [character_id, ...],
     "frames": [{"index", "beat", "setting", "lighting", "shot_type", "camera_angle", "scene",
                 "narration", "characters": [{"character_id", "action", "pose", "expression"}]}]}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from storycast import vocab

# A close-up is about one face: more than this many characters cannot be framed by it.
CLOSE_UP_MAX_CHARACTERS = 2

STORY_KEYS: tuple[str, ...] = ("story_id", "title", "genre", "arc", "synopsis", "setting", "cast", "frames")
FRAME_KEYS: tuple[str, ...] = ("index", "beat", "setting", "lighting", "shot_type", "camera_angle",
                               "scene", "narration", "characters")
CHARACTER_KEYS: tuple[str, ...] = ("character_id", "action", "pose", "expression")


@dataclass(frozen=True)
class StoryRequest:
    """What a planner is asked for. `cast[0]` is the lead; `seed` is this story's own seed."""
    story_id: str
    cast: tuple[dict, ...]
    n_frames: int
    art_style: str
    seed: int


class Planner(Protocol):
    name: str
    frame_range: tuple[int, int]   # the frame counts this backend can write (inclusive)

    def plan(self, request: StoryRequest) -> dict: ...


class PlanError(ValueError):
    """A story that breaks the format: `path` is the JSON path of the problem."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def _type_name(value) -> str:
    return "null" if value is None else type(value).__name__


def _keys(obj, path: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(obj, dict):
        raise PlanError(path or "story", f"expected an object, got {_type_name(obj)}")
    prefix = f"{path}." if path else ""
    for key in keys:
        if key not in obj:
            raise PlanError(f"{prefix}{key}", "missing required key")
    extra = [k for k in obj if k not in keys]
    if extra:
        raise PlanError(f"{prefix}{extra[0]}", f"unexpected key; expected only: {', '.join(keys)}")
    return obj


def _text(obj: dict, key: str, path: str) -> str:
    value = obj[key]
    where = f"{path}.{key}" if path else key
    if not isinstance(value, str):
        raise PlanError(where, f"expected a string, got {_type_name(value)}")
    if not value.strip():
        raise PlanError(where, "must be a non-empty string")
    return value


def _member(obj: dict, key: str, path: str, choices, what: str) -> str:
    value = _text(obj, key, path)
    try:
        return vocab.check_member(value, choices, what)
    except ValueError as err:
        raise PlanError(f"{path}.{key}" if path else key, str(err)) from None


def _list(obj: dict, key: str, path: str) -> list:
    value = obj[key]
    if not isinstance(value, list):
        raise PlanError(f"{path}.{key}" if path else key, f"expected a list, got {_type_name(value)}")
    return value


def validate_story(story: dict, request: StoryRequest) -> dict:
    """Return `story` unchanged if it is a well-formed story for `request`, else raise `PlanError`."""
    _keys(story, "", STORY_KEYS)
    for key in ("story_id", "title", "genre", "arc", "synopsis"):
        _text(story, key, "")
    if story["story_id"] != request.story_id:
        raise PlanError("story_id", f"{story['story_id']!r} does not match the request's "
                                    f"{request.story_id!r}")
    _member(story, "setting", "", vocab.SETTINGS, "setting")

    cast_ids = [c["character_id"] for c in request.cast]
    cast = _list(story, "cast", "")
    seen: set[str] = set()
    for i, cid in enumerate(cast):
        if not isinstance(cid, str):
            raise PlanError(f"cast[{i}]", f"expected a character_id string, got {_type_name(cid)}")
        if cid not in cast_ids:
            raise PlanError(f"cast[{i}]", f"character {cid!r} is not in the request's cast "
                                          f"({', '.join(cast_ids)})")
        if cid in seen:
            raise PlanError(f"cast[{i}]", f"duplicate character {cid!r}")
        seen.add(cid)
    for cid in cast_ids:
        if cid not in seen:
            raise PlanError("cast", f"missing character {cid!r} of the request's cast")

    frames = _list(story, "frames", "")
    if len(frames) != request.n_frames:
        raise PlanError("frames", f"expected {request.n_frames} frames, got {len(frames)}")
    appears: set[str] = set()
    for i, frame in enumerate(frames):
        fp = f"frames[{i}]"
        _keys(frame, fp, FRAME_KEYS)
        index = frame["index"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise PlanError(f"{fp}.index", f"expected an int, got {_type_name(index)}")
        if index != i:
            raise PlanError(f"{fp}.index", f"expected {i} (frames are indexed 0..n-1 in order), got {index}")
        for key in ("beat", "scene", "narration"):
            _text(frame, key, fp)
        _member(frame, "setting", fp, vocab.SETTINGS, "setting")
        _member(frame, "lighting", fp, vocab.LIGHTINGS, "lighting")
        _member(frame, "shot_type", fp, vocab.SHOT_TYPES, "shot type")
        _member(frame, "camera_angle", fp, vocab.CAMERA_ANGLES, "camera angle")
        chars = _list(frame, "characters", fp)
        if not chars:
            raise PlanError(f"{fp}.characters", "a frame needs at least one character")
        if frame["shot_type"] == "close_up" and len(chars) > CLOSE_UP_MAX_CHARACTERS:
            raise PlanError(f"{fp}.characters", f"a close_up shows at most {CLOSE_UP_MAX_CHARACTERS} "
                                                f"characters, got {len(chars)}")
        in_frame: set[str] = set()
        for j, char in enumerate(chars):
            cp = f"{fp}.characters[{j}]"
            _keys(char, cp, CHARACTER_KEYS)
            cid = _text(char, "character_id", cp)
            if cid not in seen:
                raise PlanError(f"{cp}.character_id", f"character {cid!r} is not in the cast "
                                                      f"({', '.join(cast_ids)})")
            if cid in in_frame:
                raise PlanError(f"{cp}.character_id", f"character {cid!r} appears twice in this frame")
            in_frame.add(cid)
            _text(char, "action", cp)
            _member(char, "pose", cp, vocab.POSES, "pose")
            _member(char, "expression", cp, vocab.EXPRESSIONS, "expression")
        appears |= in_frame
    for cid in cast_ids:
        if cid not in appears:
            raise PlanError("frames", f"cast member {cid!r} appears in no frame")
    if not any(f["setting"] == story["setting"] for f in frames):
        raise PlanError("setting", f"primary setting {story['setting']!r} is used by no frame")
    return story
