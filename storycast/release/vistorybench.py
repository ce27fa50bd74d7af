"""Export released stories in the ViStoryBench dataset layout, to run its evaluation on them.

Layout (as ViStoryBench's `StoryDataset` loader reads it: story folders are the *numeric* names it
lists, `story.json` per story, references under `image/<character key>/`)::

    OUT/index.json                          {"01": {"story_id": "s000123", "frames": [...]}, ...}
    OUT/01/story.json                       Story_type, Characters, Shots (see below)
    OUT/01/image/<character key>/00.png     the character's template sheet

`story.json`: `Story_type` {"en"}; `Characters` {key: {name_en, prompt_en, tag, num_of_appearances}};
`Shots` [{index (from 1), "Setting Description", "Plot Correspondence", "Characters Appearing",
"Static Shot Description", "Shot Perspective Design"}], each a {"en": ...} mapping.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from storycast.errors import StorycastError
from storycast.release.layout import IMAGE_ROWS

SHOTS = {"extreme_wide": "Extreme wide shot", "wide": "Wide shot", "full": "Full shot",
         "medium": "Medium shot", "medium_close": "Medium close-up shot", "close_up": "Close-up shot"}
ANGLES = {"eye_level": "eye level shot", "low_angle": "low angle shot", "high_angle": "high angle shot",
          "dutch_tilt": "dutch angle shot"}
LIGHT = {"day": "daytime", "dusk": "at dusk", "night": "at night"}
SCRIPT_COLUMNS = ["frame_id", "story_id", "frame_index", "setting", "lighting", "shot_type", "camera_angle",
                  "scene", "narration", "character_ids"]


def _files(release_dir: Path, config: str, split: str) -> list[Path]:
    files = sorted((release_dir / "data" / config).glob(f"{split}-*.parquet"))
    if not files:
        raise StorycastError(f"no {config} shards for split {split!r} in {release_dir / 'data' / config}: "
                             "build the release first (dvc repro release)")
    return files


def _read(files: list[Path], columns: list[str]) -> pa.Table:
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in files])


def _human(word: str) -> str:
    return word.replace("_", " ")


def tag(species: str) -> str:
    """ViStoryBench's character tag: stylised humans are `unrealistic_human`, everyone else `non_human`."""
    return "unrealistic_human" if species == "human" else "non_human"


def export(release_dir: Path, out: Path, split: str = "test", limit: int | None = None) -> list[Path]:
    """Write one ViStoryBench story folder per released story of `split` (first `limit`); return them."""
    if out.exists() and any(out.iterdir()):
        raise StorycastError(f"{out} exists and is not empty: choose a new folder")
    stories = _read(_files(release_dir, "stories", split), ["story_id", "genre", "cast"]).to_pylist()
    frames = _read(_files(release_dir, "frames", split), SCRIPT_COLUMNS)
    story_ids = frames["story_id"].unique().to_pylist()
    stories = [s for s in stories if s["story_id"] in set(story_ids)][: limit if limit else None]
    if not stories:
        raise StorycastError(f"the {split} split of {release_dir} holds no story with a released frame")
    width = max(2, len(str(len(stories))))
    wanted = {c for s in stories for c in s["cast"]}
    chars = {}
    for f in _files(release_dir, "characters", split):
        t = pq.read_table(f, columns=["character_id", "name", "species", "identity_prompt"])
        chars.update({r["character_id"]: r for r in t.to_pylist() if r["character_id"] in wanted})
    tmp = out.with_name(f".{out.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    index, keys_of, folders = {}, {}, []
    for i, story in enumerate(stories, 1):
        folder = f"{i:0{width}d}"
        keys = _keys(story["cast"], chars)
        keys_of[story["story_id"]] = (folder, keys)
        rows = frames.filter(pc.equal(frames["story_id"], story["story_id"])).to_pylist()
        rows.sort(key=lambda r: r["frame_index"])
        doc = _story_json(story, rows, keys, chars)
        (tmp / folder).mkdir(parents=True)
        (tmp / folder / "story.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        index[folder] = {"story_id": story["story_id"], "frames": [r["frame_id"] for r in rows]}
        folders.append(out / folder)
    _templates(release_dir, split, tmp, keys_of)
    (tmp / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.rmdir()  # checked empty above
    os.replace(tmp, out)
    return folders


def _keys(cast: list[str], chars: dict) -> dict[str, str]:
    """Character id -> ViStoryBench key (the English name; made unique within the story)."""
    names = Counter(chars[c]["name"] for c in cast)
    return {c: chars[c]["name"] if names[chars[c]["name"]] == 1 else f"{chars[c]['name']} ({c})"
            for c in cast}


def _story_json(story: dict, rows: list[dict], keys: dict[str, str], chars: dict) -> dict:
    appearances = Counter(c for r in rows for c in set(r["character_ids"]))
    shots = [{
        "index": n,
        "Setting Description": {"en": f"{_human(r['setting']).capitalize()}, "
                                      f"{LIGHT.get(r['lighting'], r['lighting'])}"},
        "Plot Correspondence": {"en": r["narration"]},
        "Characters Appearing": {"en": [keys[c] for c in r["character_ids"]]},
        "Static Shot Description": {"en": r["scene"]},
        "Shot Perspective Design": {"en": f"{SHOTS.get(r['shot_type'], _human(r['shot_type']))}, "
                                          f"{ANGLES.get(r['camera_angle'], _human(r['camera_angle']))}"},
    } for n, r in enumerate(rows, 1)]
    characters = {keys[c]: {"name_en": keys[c], "prompt_en": chars[c]["identity_prompt"],
                            "tag": tag(chars[c]["species"]), "num_of_appearances": appearances[c]}
                  for c in story["cast"]}
    return {"Story_type": {"en": story["genre"]}, "Characters": characters, "Shots": shots}


def _templates(release_dir: Path, split: str, tmp: Path, keys_of: dict) -> None:
    """Stream the characters' template sheets into every exported story that casts them."""
    users: dict[str, list[tuple[str, str]]] = {}
    for folder, keys in keys_of.values():
        for c, key in keys.items():
            users.setdefault(c, []).append((folder, key))
    for f in _files(release_dir, "characters", split):
        for batch in pq.ParquetFile(f).iter_batches(batch_size=IMAGE_ROWS,
                                                    columns=["character_id", "template"]):
            for row in batch.to_pylist():
                for folder, key in users.get(row["character_id"], []):
                    path = tmp / folder / "image" / key / "00.png"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(row["template"]["bytes"])
