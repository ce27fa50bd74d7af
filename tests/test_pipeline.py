"""The tiny profile through the real `dvc repro`: caching, params diff, determinism, loading."""
import json
import os
import subprocess
import sys

import datasets
import pyarrow.parquet as pq
import pytest
import yaml

from storycast.cache import file_digest
from storycast.tables import load_schema
from tests.conftest import dvc, make_repo, stage, write_params

TABLES = {  # table -> (schema, data files glob)
    "characters": ("characters", "data/characters/characters.parquet"),
    "review": ("review", "data/review/characters.parquet"),
    "templates": ("templates", "data/templates/templates/*.parquet"),
    "stories": ("stories", "data/stories/stories/*.parquet"),
    "frames": ("frames", "data/stories/frames/*.parquet"),
    "controls": ("controls", "data/controls/controls/*.parquet"),
    "posemaps": ("posemaps", "data/controls/posemaps/*.parquet"),
    "render": ("render", "data/render/render/*.parquet"),
}


def lock_outs(repo) -> dict[str, str]:
    """Each stage's output hashes from dvc.lock: equal hashes mean byte-identical outputs."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    return {name: [o["md5"] for o in spec.get("outs", [])] for name, spec in lock.items()}


def test_repro_builds_every_stage_and_is_then_up_to_date(built_repo):
    assert set(lock_outs(built_repo)) == {"characters", "templates", "review", "stories", "controls", "render",
                                          "qc", "release"}
    status = dvc("status", "--json", cwd=built_repo).stdout
    assert status.strip() in ("{}", "")
    metrics = dvc("metrics", "show", "--json", cwd=built_repo).stdout
    assert "distinct_2_narration" in metrics and "keypoints_visible" in metrics


@pytest.mark.parametrize("table", list(TABLES))
def test_tables_load_with_declared_features(built_repo, table):
    schema_name, pattern = TABLES[table]
    ds = datasets.load_dataset("parquet", data_files=str(built_repo / pattern), split="train",
                               cache_dir=str(built_repo / ".hf-cache"))
    schema = load_schema(schema_name)
    assert ds.features == schema.features
    assert len(ds) > 0
    row = ds[0]
    for column in schema.image_columns:
        assert row[column].size[0] >= 64  # decoded to a PIL image


def test_changing_a_stories_param_reruns_only_downstream(built_copy):
    write_params(built_copy, {"stories": {"count": 13}})
    diff = dvc("params", "diff", "--json", cwd=built_copy).stdout
    changed = {f"{k}" for per_file in yaml.safe_load(diff).values() for k in per_file}
    assert changed == {"stories.count"}
    status = yaml.safe_load(dvc("status", "--json", cwd=built_copy).stdout)
    assert "stories" in status and not {"characters", "templates", "review"} & set(status)
    out = dvc("repro", cwd=built_copy).stdout
    for name in ("characters", "templates", "review"):
        assert f"Stage '{name}' didn't change, skipping" in out
    for name in ("stories", "controls", "render"):  # downstream of the changed stories output
        assert f"Running stage '{name}'" in out
    assert pq.read_metadata(next((built_copy / "data/stories/stories").glob("*00003.parquet"))).num_rows == 1


def test_changing_a_qc_param_reruns_qc_and_release_only(built_copy):
    def faulted() -> int:
        return sum(bool(r["fault"]) for p in sorted((built_copy / "data/qc/qc").glob("*.parquet"))
                   for r in pq.read_table(p, columns=["fault"]).to_pylist())

    before = faulted()
    write_params(built_copy, {"qc": {"fault_rate": 0.6}})
    diff = dvc("params", "diff", "--json", cwd=built_copy).stdout
    assert {k for per_file in yaml.safe_load(diff).values() for k in per_file} == {"qc.fault_rate"}
    status = yaml.safe_load(dvc("status", "--json", cwd=built_copy).stdout)
    assert set(status) == {"qc"}                  # release follows once qc's outputs change
    out = dvc("repro", cwd=built_copy).stdout
    for name in ("characters", "templates", "review", "stories", "controls", "render"):
        assert f"Stage '{name}' didn't change, skipping" in out
    assert "Running stage 'qc'" in out and "Running stage 'release'" in out
    assert faulted() > before

    # The old fault rate's qc shards are still cached; `storycast cache gc` removes what data/ does not use.
    qc_cache = built_copy / ".storycast/cache/qc"
    entries = {p.name for p in qc_cache.iterdir() if p.is_dir()}
    refs = {p.parent.name for p in qc_cache.glob("*/refs.npz")}      # used by the run, never copied to data/
    dry = subprocess.run([sys.executable, "-m", "storycast.cli", "cache", "gc", "--dry-run"], cwd=built_copy,
                         capture_output=True, text=True, check=True).stdout
    assert "would remove" in dry and {p.name for p in qc_cache.iterdir() if p.is_dir()} == entries
    subprocess.run([sys.executable, "-m", "storycast.cli", "cache", "gc"], cwd=built_copy, check=True,
                   capture_output=True)
    kept = {p.name for p in qc_cache.iterdir() if p.is_dir()}
    assert kept < entries and refs <= kept
    kept_sums = {v for e in kept for v in json.loads((qc_cache / e / "manifest.json").read_text()).values()}
    assert {file_digest(p) for p in (built_copy / "data/qc/qc").glob("*.parquet")} <= kept_sums
    assert "Stage 'qc' didn't change" in dvc("repro", "qc", cwd=built_copy).stdout


def test_two_runs_and_worker_counts_give_identical_bytes(built_repo, tmp_path):
    other = make_repo(tmp_path / "other", {"executor": {"workers": 1}})
    dvc("repro", cwd=other)
    assert lock_outs(other) == lock_outs(built_repo)


def test_growing_the_character_count_keeps_earlier_rows(built_copy):
    before = pq.read_table(built_copy / "data/characters/characters.parquet").to_pylist()
    write_params(built_copy, {"characters": {"count": 40}})
    assert stage("characters", built_copy, check=True).returncode == 0
    after = pq.read_table(built_copy / "data/characters/characters.parquet").to_pylist()
    assert len(after) == 40 and after[: len(before)] == before


def test_impossible_frame_range_is_a_clear_error(tiny_repo):
    write_params(tiny_repo, {"stories": {"frames_min": 9, "frames_max": 5}})
    for name in ("characters", "templates", "review"):
        stage(name, tiny_repo, check=True)
    proc = stage("stories", tiny_repo)
    assert proc.returncode == 2
    assert "stories.frames_min=9 is larger than stories.frames_max=5" in proc.stderr
    write_params(tiny_repo, {"stories": {"frames_min": 2, "frames_max": 5}})
    proc = stage("stories", tiny_repo)
    assert proc.returncode == 2 and "outside what the planner can write (4..12 frames)" in proc.stderr
    assert not (tiny_repo / "data/stories").exists()
    assert not any(p.name.startswith(".") for p in (tiny_repo / "data").iterdir())


def test_no_half_written_outputs_after_a_failed_stage(built_copy):
    (built_copy / "reviews/characters.csv").write_text("character_id,verdict,reviewer,note\nc00001,yes,a,\n")
    proc = dvc("repro", cwd=built_copy, check=False)
    assert proc.returncode != 0
    assert "reviews/characters.csv:2: verdict 'yes'" in proc.stderr + proc.stdout
    leftovers = [p for p in (built_copy / "data").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == [] and not (built_copy / "data/review").exists()
    assert os.listdir(built_copy / "data/stories")  # untouched downstream output is still whole


def test_dvc_push_works_out_of_the_box_to_the_local_remote(built_copy):
    remote = built_copy.parent / "storycast-dvc-remote"
    proc = dvc("push", cwd=built_copy)
    assert "pushed" in proc.stdout.lower() or "everything is up to date" in proc.stdout.lower()
    assert sum(1 for p in remote.rglob("*") if p.is_file()) > 0


@pytest.mark.parametrize("config", ["frames", "characters", "stories", "controls", "qc"])
def test_release_of_the_tiny_build_loads_offline(built_repo, config, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    release = built_repo / "data/release"
    loaded = {split: datasets.load_dataset(str(release), config, split=split, cache_dir=str(built_repo / ".hf"))
              for split in ("train", "test")}
    assert all(len(d) > 0 for d in loaded.values())
    if config == "frames":
        row = loaded["train"][0]
        assert row["image"].size == (128, 128) and row["pose_map"].size == (128, 128)
    if config == "characters":
        train, test = ({r["character_id"] for r in loaded[s]} for s in ("train", "test"))
        assert train and test and not train & test
