"""The embedded template planner and the strict story validator shared by every planner."""
from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

from storycast import vocab
from storycast.characters import sample_characters
from storycast.planners.base import PlanError, StoryRequest, validate_story
from storycast.planners.template import FRAME_RANGE, TemplatePlanner

PLANNER = TemplatePlanner()
# What a resolution may never show (the grammar's promise: endings are happy).
UNHAPPY_EXPRESSIONS = {"crying", "sad", "angry", "scared", "disgusted", "sleepy", "confused"}
UNHAPPY_POSES = {"fighting_stance", "falling", "kicking", "sneaking", "lying_down", "crouching", "kneeling"}
_WORD = re.compile(r"[a-z']+")


@pytest.fixture(scope="module")
def pool() -> list[dict]:
    return sample_characters(300, 7, 3)


def requests(pool: list[dict], count: int, seed: int = 0) -> list[StoryRequest]:
    """Random requests: 1-4 cast members, 4-12 frames, like the stories stage casts them."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        k = int(rng.integers(1, 5))
        cast = tuple(pool[int(j)] for j in rng.choice(len(pool), size=k, replace=False))
        n = int(rng.integers(FRAME_RANGE[0], FRAME_RANGE[1] + 1))
        out.append(StoryRequest(f"s{i:06d}", cast, n, cast[0]["art_style"], int(rng.integers(2**63))))
    return out


@pytest.fixture(scope="module")
def planned(pool) -> list[tuple[StoryRequest, dict]]:
    return [(r, PLANNER.plan(r)) for r in requests(pool, 2000, seed=1)]


def test_stories_validate_for_random_requests(pool):
    for req in requests(pool, 300, seed=2):
        story = validate_story(PLANNER.plan(req), req)
        assert story["story_id"] == req.story_id
        assert story["cast"] == [c["character_id"] for c in req.cast]
        assert [f["index"] for f in story["frames"]] == list(range(req.n_frames))


def test_same_request_same_story_and_seed_changes_it(pool):
    req = requests(pool, 1, seed=3)[0]
    assert PLANNER.plan(req) == PLANNER.plan(req)
    assert TemplatePlanner().plan(req) == PLANNER.plan(copy.deepcopy(req))
    other = StoryRequest(req.story_id, req.cast, req.n_frames, req.art_style, req.seed + 1)
    assert PLANNER.plan(other) != PLANNER.plan(req)


def test_story_does_not_depend_on_python_hash_seed(pool):
    code = ("import json, sys; from storycast.characters import sample_characters; "
            "from storycast.planners.base import StoryRequest; "
            "from storycast.planners.template import TemplatePlanner; "
            "cast = tuple(sample_characters(3, 5, 3)); "
            "reqs = [StoryRequest(f's{i}', cast[:1 + i % 3], 4 + i % 9, 'ink', i) for i in range(20)]; "
            "print(json.dumps([TemplatePlanner().plan(r) for r in reqs], sort_keys=True))")
    outs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        outs.append(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                   check=True).stdout)
    assert outs[0] == outs[1]
    assert len(json.loads(outs[0])) == 20


def test_frame_counts_outside_the_range_are_refused(pool):
    req = requests(pool, 1, seed=4)[0]
    for n in (FRAME_RANGE[0] - 1, FRAME_RANGE[1] + 1):
        with pytest.raises(PlanError, match="n_frames"):
            PLANNER.plan(StoryRequest(req.story_id, req.cast, n, req.art_style, req.seed))


@pytest.fixture
def valid(pool) -> tuple[StoryRequest, dict]:
    req = next(r for r in requests(pool, 50, seed=5) if len(r.cast) >= 2 and r.n_frames >= 5)
    return req, validate_story(PLANNER.plan(req), req)


def _frame_with(story: dict, min_chars: int) -> int:
    return next(i for i, f in enumerate(story["frames"]) if len(f["characters"]) >= min_chars)


def test_validator_rejects_unknown_pose(valid):
    req, story = valid
    bad = copy.deepcopy(story)
    bad["frames"][3]["characters"][0]["pose"] = "flying"
    with pytest.raises(PlanError, match=r"^frames\[3\]\.characters\[0\]\.pose: unknown pose 'flying'; "
                                        r"expected one of: standing"):
        validate_story(bad, req)


def test_validator_rejects_unknown_expression(valid):
    req, story = valid
    bad = copy.deepcopy(story)
    i = _frame_with(story, 2)
    bad["frames"][i]["characters"][1]["expression"] = "grumpy"
    with pytest.raises(PlanError, match=rf"^frames\[{i}\]\.characters\[1\]\.expression: unknown expression "
                                        r"'grumpy'"):
        validate_story(bad, req)


def test_validator_rejects_character_outside_the_cast(valid):
    req, story = valid
    bad = copy.deepcopy(story)
    bad["frames"][0]["characters"][0]["character_id"] = "c99999"
    with pytest.raises(PlanError, match=r"^frames\[0\]\.characters\[0\]\.character_id: character 'c99999' "
                                        r"is not in the cast"):
        validate_story(bad, req)


def test_validator_rejects_duplicate_character_in_a_frame(valid):
    req, story = valid
    bad = copy.deepcopy(story)
    i = _frame_with(story, 2)
    bad["frames"][i]["characters"][1]["character_id"] = bad["frames"][i]["characters"][0]["character_id"]
    with pytest.raises(PlanError, match=rf"^frames\[{i}\]\.characters\[1\]\.character_id: .* appears twice"):
        validate_story(bad, req)


def test_validator_rejects_wrong_frame_count_and_index(valid):
    req, story = valid
    short = copy.deepcopy(story)
    short["frames"].pop()
    with pytest.raises(PlanError, match=rf"^frames: expected {req.n_frames} frames, got {req.n_frames - 1}"):
        validate_story(short, req)
    shuffled = copy.deepcopy(story)
    shuffled["frames"][1]["index"] = 5
    with pytest.raises(PlanError, match=r"^frames\[1\]\.index: expected 1"):
        validate_story(shuffled, req)


def test_validator_rejects_missing_and_extra_keys(valid):
    req, story = valid
    no_title = copy.deepcopy(story)
    del no_title["title"]
    with pytest.raises(PlanError, match=r"^title: missing required key"):
        validate_story(no_title, req)
    no_narration = copy.deepcopy(story)
    del no_narration["frames"][2]["narration"]
    with pytest.raises(PlanError, match=r"^frames\[2\]\.narration: missing required key"):
        validate_story(no_narration, req)
    extra = copy.deepcopy(story)
    extra["frames"][0]["characters"][0]["mood"] = "happy"
    with pytest.raises(PlanError, match=r"^frames\[0\]\.characters\[0\]\.mood: unexpected key"):
        validate_story(extra, req)


def test_validator_rejects_bad_types_empty_text_and_lost_cast(valid):
    req, story = valid
    cases = [
        (lambda s: s["frames"][1].__setitem__("index", "1"), r"^frames\[1\]\.index: expected an int"),
        (lambda s: s["frames"][0].__setitem__("scene", "  "), r"^frames\[0\]\.scene: must be a non-empty"),
        (lambda s: s["frames"][0].__setitem__("characters", []), r"^frames\[0\]\.characters: a frame"),
        (lambda s: s["frames"][0].__setitem__("lighting", "noon"), r"^frames\[0\]\.lighting: unknown"),
        (lambda s: s.__setitem__("setting", "moon"), r"^setting: unknown setting 'moon'"),
        (lambda s: s.__setitem__("cast", s["cast"][:1]), r"^cast: missing character"),
        (lambda s: s.__setitem__("story_id", "s999999"), r"^story_id: 's999999' does not match"),
    ]
    for mutate, pattern in cases:
        bad = copy.deepcopy(story)
        mutate(bad)
        with pytest.raises(PlanError, match=pattern):
            validate_story(bad, req)
    # A cast member who appears in no frame.
    bad = copy.deepcopy(story)
    gone = req.cast[1]["character_id"]
    stand_in = dict(story["frames"][-1]["characters"][0], character_id=req.cast[0]["character_id"])
    for f in bad["frames"]:
        f["characters"] = [c for c in f["characters"] if c["character_id"] != gone] or [dict(stand_in)]
    with pytest.raises(PlanError, match=rf"^frames: cast member '{gone}' appears in no frame"):
        validate_story(bad, req)


def test_validator_error_is_one_line_and_names_the_path(valid):
    req, story = valid
    bad = copy.deepcopy(story)
    bad["frames"][2]["shot_type"] = "drone"
    with pytest.raises(PlanError) as err:
        validate_story(bad, req)
    assert err.value.path == "frames[2].shot_type"
    assert "\n" not in str(err.value)


def test_every_class_occurs_over_many_stories(planned):
    frames = [f for _, s in planned for f in s["frames"]]
    chars = [c for f in frames for c in f["characters"]]
    poses, exprs = Counter(c["pose"] for c in chars), Counter(c["expression"] for c in chars)
    assert set(poses) == set(vocab.POSES)
    assert set(exprs) == set(vocab.EXPRESSIONS)
    assert min(poses.values()) / len(chars) >= 0.005, poses.most_common()[-3:]
    assert min(exprs.values()) / len(chars) >= 0.005, exprs.most_common()[-3:]
    assert {f["setting"] for f in frames} == set(vocab.SETTINGS)
    assert {s["setting"] for _, s in planned} == set(vocab.SETTINGS)
    assert {f["shot_type"] for f in frames} == set(vocab.SHOT_TYPES)
    assert {f["camera_angle"] for f in frames} == set(vocab.CAMERA_ANGLES)
    assert {f["lighting"] for f in frames} == set(vocab.LIGHTINGS)
    assert len({s["arc"] for _, s in planned}) >= 8
    assert len({s["genre"] for _, s in planned}) >= 6


def test_resolutions_are_happy_and_rests_are_at_night(planned):
    for _, story in planned:
        assert story["frames"][-1]["beat"] == "resolution"
        for f in story["frames"]:
            if f["beat"] == "resolution":
                for c in f["characters"]:
                    assert c["expression"] not in UNHAPPY_EXPRESSIONS, (story["story_id"], c)
                    assert c["pose"] not in UNHAPPY_POSES, (story["story_id"], c)
            if f["beat"] == "rest":
                assert f["lighting"] == "night", story["story_id"]
            if f["beat"] == "climax":
                assert all(c["expression"] != "sleepy" for c in f["characters"]), story["story_id"]


def test_composition_and_cast_presence(planned):
    lead_frames = total = 0
    for req, story in planned:
        frames = story["frames"]
        settings = Counter(f["setting"] for f in frames)
        assert settings[story["setting"]] * 2 >= len(frames), story["story_id"]   # primary holds half
        assert len(settings) <= 2
        for f in frames:
            if f["shot_type"] == "close_up":
                assert len(f["characters"]) <= 2
            lead_frames += any(c["character_id"] == story["cast"][0] for c in f["characters"])
            total += 1
        if len(req.cast) > 1:   # not everyone is in every frame, but everyone in the ending
            assert {c["character_id"] for c in frames[-1]["characters"]} == set(story["cast"])
    assert lead_frames / total > 0.85
    some_frames_leave_someone_out = any(
        len(f["characters"]) < len(req.cast) for req, s in planned for f in s["frames"] if len(req.cast) > 2)
    assert some_frames_leave_someone_out


def test_text_is_filled_in_and_matches_the_frame(planned):
    leftovers = re.compile(r"[{}<>\[\]|]")
    for req, story in planned[:500]:
        specs = {c["character_id"]: c for c in req.cast}
        for text in (story["title"], story["synopsis"]):
            assert not leftovers.search(text), text
        assert story["title"][0].isupper()
        for f in story["frames"]:
            for text in (f["scene"], f["narration"], *(c["action"] for c in f["characters"])):
                assert not leftovers.search(text), text
                assert "  " not in text and text == text.strip(), text
            assert f["narration"].lstrip('"')[0].isupper() and f["scene"][0].isupper()
            for c in f["characters"]:
                spec = specs[c["character_id"]]
                assert spec["name"] in f["scene"]   # the scene says who does what
                look = re.search(rf"{spec['name']}, the (\w+)", f["scene"])
                if look and spec["species"] != "human":
                    assert look.group(1) == spec["species"], (f["scene"], spec["species"])


def test_stories_are_distinct(planned):
    sigs = Counter((s["title"], s["synopsis"], tuple(f["narration"] for f in s["frames"]))
                   for _, s in planned)
    assert max(sigs.values()) == 1
    assert len({s["title"] for _, s in planned}) > len(planned) / 2
    seen, total = set(), 0
    for _, s in planned:
        for f in s["frames"]:
            words = _WORD.findall(f["narration"].lower())
            total += len(words) - 1
            seen.update(zip(words, words[1:]))
    assert len(seen) / total > 0.15


def test_planning_is_fast(pool):
    reqs = requests(pool, 1000, seed=6)
    start = time.perf_counter()
    for r in reqs:
        PLANNER.plan(r)
    assert time.perf_counter() - start < 5.0
