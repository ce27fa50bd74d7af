"""Narrative planning over the approved cast pool: casting, planning shards, story rows, diversity.

Story j's lead is the approved pool's j-th character in a seeded order, so every approved identity
leads about the same number of stories; the rest of the cast shares the lead's art style, so every
frame of a story is drawn in one style. A story depends only on (seed, its id, the pool, params).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from storycast.errors import StorycastError
from storycast.executor import Shard
from storycast.seeding import rng_for, seed_for
from storycast.tables import load_schema, read_rows, table_bytes

POOL = "data/review/characters.parquet"
PLANNERS = {
    "template": ("storycast.planners.template", "TemplatePlanner"),
    "transformers": ("storycast.planners.llm", "TransformersPlanner"),
    "openai": ("storycast.planners.llm", "OpenAIPlanner"),
}


class CastingError(StorycastError):
    """The approved pool or the params make casting impossible."""


def planner_class(name: str):
    """The planner class named in params (heavy backends import only when chosen)."""
    import importlib

    if name not in PLANNERS:
        raise StorycastError(f"unknown stories.planner {name!r}; expected one of {', '.join(PLANNERS)}")
    module, cls = PLANNERS[name]
    return getattr(importlib.import_module(module), cls)


def make_planner(settings: dict):
    """The planner backend of the `stories` params section, built with its own sub-section."""
    name = settings["planner"]
    return planner_class(name)(**settings.get(name, {}))


def story_id(index: int) -> str:
    return f"s{index:06d}"


def frame_id(sid: str, index: int) -> str:
    return f"{sid}-{index:02d}"


@dataclass(frozen=True)
class Casting:
    story_id: str
    cast: tuple[dict, ...]
    n_frames: int
    seed: int


def check_frame_range(frames_min: int, frames_max: int, supported: tuple[int, int]) -> None:
    lo, hi = supported
    if frames_min > frames_max:
        raise CastingError(f"stories.frames_min={frames_min} is larger than stories.frames_max={frames_max}")
    if frames_min < lo or frames_max > hi:
        raise CastingError(f"stories.frames_min..frames_max = {frames_min}..{frames_max} is outside "
                           f"what the planner can write ({lo}..{hi} frames)")


def cast_story(index: int, pool: list[dict], seed: int, params: dict) -> Casting:
    """Cast and size story `index` (1-based) from the approved pool (sorted by id)."""
    if not pool:
        raise CastingError("the approved pool is empty: review approved no characters "
                           "(check review.verdicts and review.unreviewed)")
    sid = story_id(index)
    order = rng_for(seed, "stories", "lead-order", str(len(pool))).permutation(len(pool))
    lead = pool[int(order[(index - 1) % len(pool)])]
    rng = rng_for(seed, "stories", sid)
    weights = np.asarray(params["cast_weights"], dtype=float)
    if weights.sum() <= 0:
        raise CastingError("stories.cast_weights must have a positive sum")
    size = 1 + int(rng.choice(len(weights), p=weights / weights.sum()))
    same_style = [c for c in pool if c["art_style"] == lead["art_style"] and c is not lead]
    picks = rng.choice(len(same_style), size=min(size - 1, len(same_style)), replace=False)
    cast = (lead, *(same_style[int(i)] for i in sorted(picks)))
    n_frames = int(rng.integers(params["frames_min"], params["frames_max"] + 1))
    return Casting(sid, cast, n_frames, seed_for(seed, "stories", sid, "planner"))


def story_rows(story: dict, casting: Casting, planner_name: str) -> tuple[dict, list[dict]]:
    """A validated planner story as one `stories` row and its `frames` rows."""
    style = casting.cast[0]["art_style"]
    settings = list(dict.fromkeys(f["setting"] for f in story["frames"]))
    srow = {
        "story_id": casting.story_id, "title": story["title"], "genre": story["genre"],
        "arc": story["arc"], "synopsis": story["synopsis"], "setting": story["setting"],
        "settings": settings, "art_style": style, "cast": [c["character_id"] for c in casting.cast],
        "num_frames": len(story["frames"]), "planner": planner_name, "planner_seed": casting.seed,
    }
    frows = []
    for f in story["frames"]:
        chars = f["characters"]
        frows.append({
            "frame_id": frame_id(casting.story_id, f["index"]), "story_id": casting.story_id,
            "frame_index": f["index"], "beat": f["beat"], "setting": f["setting"],
            "lighting": f["lighting"], "shot_type": f["shot_type"], "camera_angle": f["camera_angle"],
            "scene": f["scene"], "narration": f["narration"],
            "character_ids": [c["character_id"] for c in chars],
            "actions": [c["action"] for c in chars], "poses": [c["pose"] for c in chars],
            "expressions": [c["expression"] for c in chars], "art_style": style,
        })
    return srow, frows


def approved_pool(path: str = POOL) -> list[dict]:
    rows = read_rows(path, load_schema("review"))
    return sorted((r for r in rows if r["review_status"] == "approved"), key=lambda r: r["character_id"])


def plan_shard(shard: Shard) -> dict[str, bytes]:
    """Plan stories [first, last] of one shard (runs in a worker process). A story the planner
    cannot write (an invalid answer after its retries) becomes a `story_failures` row."""
    from storycast.llm import backend_label
    from storycast.planners.base import PlanError, StoryRequest, validate_story

    first, last, seed, params = shard.payload
    pool = approved_pool()
    planner = make_planner(params)
    name = backend_label(planner.name, getattr(planner, "client", None))   # what the tables record
    srows, frows, failures = [], [], []
    for index in range(first, last + 1):
        casting = cast_story(index, pool, seed, params)
        request = StoryRequest(story_id=casting.story_id, cast=casting.cast, n_frames=casting.n_frames,
                               art_style=casting.cast[0]["art_style"], seed=casting.seed)
        try:
            story = validate_story(planner.plan(request), request)
        except PlanError as err:
            failures.append({"story_id": casting.story_id, "planner": name, "error": str(err),
                             "attempts": len(getattr(err, "attempts", None) or [err])})
            continue
        srow, fr = story_rows(story, casting, name)
        srows.append(srow)
        frows.extend(fr)
    return {"stories.parquet": table_bytes(srows, load_schema("stories")),
            "frames.parquet": table_bytes(frows, load_schema("frames")),
            "failures.parquet": table_bytes(failures, load_schema("story_failures"))}


_WORD = re.compile(r"[a-z']+")


def distinct_n(texts: list[str], n: int = 2) -> float:
    """Unique n-grams over all n-grams (lower-cased words): the usual text diversity figure."""
    seen: set[tuple] = set()
    total = 0
    for text in texts:
        words = _WORD.findall(text.lower())
        grams = list(zip(*(words[i:] for i in range(n))))
        total += len(grams)
        seen.update(grams)
    return round(len(seen) / total, 4) if total else 0.0


def _histogram(values) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def diversity_metrics(stories: list[dict], frames: list[dict]) -> dict:
    """What `metrics/stories.json` reports: diversity, duplicates, class histograms."""
    text_of = {}
    for f in frames:
        text_of.setdefault(f["story_id"], []).append(f["narration"])
    signatures = Counter((s["title"], s["synopsis"], tuple(text_of[s["story_id"]])) for s in stories)
    combos = {(s["arc"], s["setting"], tuple(sorted(s["cast"]))) for s in stories}
    per_story = [s["num_frames"] for s in stories]
    return {
        "stories": len(stories),
        "frames": len(frames),
        "frames_per_story_mean": round(float(np.mean(per_story)), 3) if per_story else 0.0,
        "duplicate_stories": sum(n - 1 for n in signatures.values()),
        "distinct_1_narration": distinct_n([f["narration"] for f in frames], 1),
        "distinct_2_narration": distinct_n([f["narration"] for f in frames], 2),
        "distinct_2_scene": distinct_n([f["scene"] for f in frames], 2),
        "unique_arc_setting_cast": len(combos),
        "unique_titles": len({s["title"] for s in stories}),
        "cast_size": _histogram(str(len(s["cast"])) for s in stories),
        "arc": _histogram(s["arc"] for s in stories),
        "setting": _histogram(f["setting"] for f in frames),
        "lighting": _histogram(f["lighting"] for f in frames),
        "shot_type": _histogram(f["shot_type"] for f in frames),
        "camera_angle": _histogram(f["camera_angle"] for f in frames),
        "pose": _histogram(p for f in frames for p in f["poses"]),
        "expression": _histogram(e for f in frames for e in f["expressions"]),
        "characters_cast": len({c for s in stories for c in s["cast"]}),
    }
