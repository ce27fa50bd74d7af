"""`storycast export vistorybench`: the layout ViStoryBench's `StoryDataset` loader reads."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from storycast.release import synthetic
from storycast.release.vistorybench import export

SHOT_FIELDS = ["Setting Description", "Plot Correspondence", "Characters Appearing",
               "Static Shot Description", "Shot Perspective Design"]


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    synthetic.build(root, characters=30, stories=18, shard_size=4)
    return root / "data/release"


def _table(release_dir: Path, config: str, split: str) -> list[dict]:
    return [r for f in sorted((release_dir / "data" / config).glob(f"{split}-*.parquet"))
            for r in pq.read_table(f).to_pylist()]


def _load_like_vistorybench(root: Path) -> dict:
    """What ViStoryBench's StoryDataset does: numeric story folders, story.json, image/<key>/*.png."""
    stories = {}
    for name in sorted((p.name for p in root.iterdir() if p.is_dir() and p.name.isdigit()), key=int):
        doc = json.loads((root / name / "story.json").read_text(encoding="utf-8-sig"))
        shots = []
        for shot in doc["Shots"]:
            assert all(field in shot for field in SHOT_FIELDS), shot
            shots.append({"index": shot["index"], **{f: shot[f]["en"] for f in SHOT_FIELDS}})
        chars = {key: {**c, "images": sorted((root / name / "image" / key).glob("*.png"))}
                 for key, c in doc["Characters"].items()}
        stories[name] = {"type": doc["Story_type"]["en"], "shots": shots, "characters": chars}
    return stories


def test_export_follows_the_vistorybench_layout(release_dir, tmp_path):
    out = tmp_path / "vistory"
    folders = export(release_dir, out, split="test")
    stories = {s["story_id"]: s for s in _table(release_dir, "stories", "test")}
    frames = _table(release_dir, "frames", "test")
    chars = {c["character_id"]: c for c in _table(release_dir, "characters", "test")}
    index = json.loads((out / "index.json").read_text())
    loaded = _load_like_vistorybench(out)
    assert sorted(index) == sorted(loaded) == [f.name for f in folders]
    assert {v["story_id"] for v in index.values()} == {f["story_id"] for f in frames}
    for name, story in loaded.items():
        sid = index[name]["story_id"]
        rows = sorted((f for f in frames if f["story_id"] == sid), key=lambda f: f["frame_index"])
        assert index[name]["frames"] == [f["frame_id"] for f in rows]
        assert story["type"] == stories[sid]["genre"]
        assert [s["index"] for s in story["shots"]] == list(range(1, len(rows) + 1))
        key_of = {}
        for cid in stories[sid]["cast"]:
            key = chars[cid]["name"]
            key_of[cid] = key
            c = story["characters"][key]
            assert set(c) == {"name_en", "prompt_en", "tag", "num_of_appearances", "images"}
            assert c["name_en"] == key and c["prompt_en"] == chars[cid]["identity_prompt"]
            assert c["tag"] == ("unrealistic_human" if chars[cid]["species"] == "human" else "non_human")
            assert c["num_of_appearances"] == sum(cid in r["character_ids"] for r in rows)
            assert [p.name for p in c["images"]] == ["00.png"]
            assert c["images"][0].read_bytes() == chars[cid]["template"]["bytes"]
        for shot, row in zip(story["shots"], rows):
            assert shot["Plot Correspondence"] == row["narration"]
            assert shot["Static Shot Description"] == row["scene"]
            assert shot["Characters Appearing"] == [key_of[c] for c in row["character_ids"]]
            assert shot["Shot Perspective Design"].endswith(" shot")


def test_export_cli_limit_and_refusals(release_dir, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "storycast.release.commands", "export", "vistorybench",
                               *args, "--release-dir", str(release_dir)], capture_output=True, text=True)

    out = tmp_path / "one"
    proc = cli(str(out), "--split", "train", "--limit", "1")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["01", "index.json"]
    proc = cli(str(out))
    assert proc.returncode == 2 and "exists and is not empty" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "storycast.release.commands", "export", "vistorybench",
                           str(tmp_path / "two"), "--release-dir", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "build the release first" in proc.stderr
    assert not (tmp_path / "two").exists()
