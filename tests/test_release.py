"""The release stage: HF folder loads offline with the declared features, identities never cross splits,
the card matches the data, shards are bounded, bad input is refused, the swap is atomic."""
from __future__ import annotations

import glob
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from storycast.errors import StorycastError
from storycast.release import synthetic
from storycast.release.build import OUT, release
from storycast.release.layout import CONFIGS, IMAGE_ROWS, ShardWriter, content_hash, schema_of
from storycast.release.split import SPLITS, assign, check_disjoint

INPUTS = {"characters": 30, "stories": 18, "shard_size": 4, "fail_rate": 0.2}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    summary, metrics = synthetic.build(root, **INPUTS)
    return root, summary, metrics


def _params(**release_params):
    return {"seed": 7, "release": {**synthetic.PARAMS, **release_params}}


def _rows(folder: Path, config: str, split: str, columns=None) -> list[dict]:
    files = sorted((folder / "data" / config).glob(f"{split}-*.parquet"))
    return [r for f in files for r in pq.read_table(f, columns=columns).to_pylist()]


@pytest.fixture
def offline(monkeypatch):
    import datasets
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


def test_every_config_and_split_loads_offline_with_declared_features(built, offline, tmp_path):
    import datasets

    root, _, metrics = built
    for config in CONFIGS:
        schema = schema_of(config)
        for split in SPLITS:
            ds = datasets.load_dataset(str(root / OUT), config, split=split, cache_dir=str(tmp_path))
            assert ds.features == schema.features, (config, split)
            assert len(ds) == metrics["configs"][config][split]["rows"] > 0, (config, split)
            for column in schema.image_columns:
                assert isinstance(ds[0][column], Image.Image), (config, column)
                assert ds[0][column].size[0] > 0
    default = datasets.load_dataset(str(root / OUT), split="test", cache_dir=str(tmp_path))
    assert default.features == schema_of("frames").features  # frames is the default config


def test_no_identity_crosses_splits(built):
    root, summary, metrics = built
    folder = root / OUT
    chars = {s: {r["character_id"] for r in _rows(folder, "characters", s, ["character_id"])} for s in SPLITS}
    assert chars["train"] and chars["test"] and not chars["train"] & chars["test"]
    assert chars["train"] | chars["test"] == set(summary["approved"])
    stories = {}
    for split in SPLITS:
        rows = _rows(folder, "stories", split, ["story_id", "cast"])
        stories[split] = {r["story_id"]: r["cast"] for r in rows}
        for story, cast in stories[split].items():
            assert set(cast) <= chars[split], (split, story)
        for r in _rows(folder, "frames", split, ["story_id", "character_ids"]):
            assert r["story_id"] in stories[split] and set(r["character_ids"]) <= chars[split]
        for r in _rows(folder, "controls", split, ["story_id", "character_id"]):
            assert r["story_id"] in stories[split] and r["character_id"] in chars[split]
        for r in _rows(folder, "qc", split, ["story_id"]):
            assert r["story_id"] in stories[split]
    # mixed-cast stories are dropped (counted) and nothing else is lost
    kept = set(stories["train"]) | set(stories["test"])
    mixed = {s for s, cast in summary["casts"].items()
             if {c in chars["test"] for c in cast} == {True, False}}
    assert kept == set(summary["casts"]) - mixed
    assert metrics["dropped_mixed_cast"]["stories"] == len(mixed)


def test_failed_frames_left_out_of_frames_but_kept_in_qc(built, tmp_path):
    root, summary, metrics = built
    folder = root / OUT
    frames = {r["frame_id"] for s in SPLITS for r in _rows(folder, "frames", s, ["frame_id"])}
    qc = {r["frame_id"] for s in SPLITS for r in _rows(folder, "qc", s, ["frame_id"])}
    released_failed = summary["failed"] & qc
    assert released_failed and not released_failed & frames
    assert metrics["failed_frames_excluded"] == len(released_failed)
    controls = {r["frame_id"] for s in SPLITS for r in _rows(folder, "controls", s, ["frame_id"])}
    assert controls == frames  # controls follow the released frames

    other = tmp_path / "with-failed"
    synthetic.build(other, release_params={"include_failed": True}, **INPUTS)
    rows = [r for s in SPLITS for r in _rows(other / OUT, "frames", s, ["frame_id", "qc_verdict"])]
    failed = {r["frame_id"] for r in rows if r["qc_verdict"] == "fail"}
    assert failed == released_failed


def test_frames_still_showing_an_injected_fault_are_never_released(tmp_path):
    """A fault injected to measure the judge (`qc.fault_rate`) that the final image still shows
    (`qc_frames.fault`) keeps its frame out of `frames`, even with `include_failed`."""
    summary, metrics = synthetic.build(tmp_path, release_params={"include_failed": True},
                                       **{**INPUTS, "fault_kept_rate": 0.25})
    folder = tmp_path / OUT
    frames = {r["frame_id"] for s in SPLITS for r in _rows(folder, "frames", s, ["frame_id"])}
    qc = {r["frame_id"] for s in SPLITS for r in _rows(folder, "qc", s, ["frame_id"])}
    faulted = summary["faulted"] & qc                       # those of released stories
    assert len(faulted) > 1 and not faulted & frames
    assert frames == qc - faulted                           # every other frame, failed ones too
    assert metrics["faulty_frames_excluded"] == len(faulted) and metrics["failed_frames_excluded"] == 0
    assert f"{len(faulted)} frames still showing a fault injected" in (folder / "README.md").read_text()


def test_released_images_are_the_loops_where_it_changed_them_else_the_renders(built):
    """qc_frames stores an image only where the loop changed the render (null: the render's); the
    release holds the final image of every frame either way."""
    root, summary, _ = built
    qc_rows = [r for f in sorted((root / "data/qc/frames").glob("*.parquet"))
               for r in pq.read_table(f, columns=["frame_id", "image"]).to_pylist()]
    untouched = {r["frame_id"] for r in qc_rows if r["image"] is None}
    assert untouched and len(untouched) < len(qc_rows)
    rows = [r for s in SPLITS for r in _rows(root / OUT, "frames", s, ["frame_id", "image"])]
    assert rows and {r["frame_id"] for r in rows} & untouched
    for r in rows:
        assert r["image"]["bytes"] == summary["images"][r["frame_id"]], r["frame_id"]


def test_card_parses_and_its_yaml_matches_the_data(built):
    from datasets import Features
    from huggingface_hub import DatasetCard

    root, _, metrics = built
    folder = root / OUT
    card = DatasetCard.load(folder / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "cc-by-4.0"
    assert set(data["task_categories"]) == {"text-to-image", "image-to-image"}
    assert data["pretty_name"] and data["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in data["configs"]}
    assert set(configs) == set(CONFIGS)
    assert [c for c, v in configs.items() if v.get("default")] == ["frames"]
    infos = {i["config_name"]: i for i in data["dataset_info"]}
    for config in CONFIGS:
        assert Features._from_yaml_list(infos[config]["features"]) == schema_of(config).features
        for entry in configs[config]["data_files"]:
            files = sorted(glob.glob(str(folder / entry["path"])))
            assert files, entry
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            declared = {s["name"]: s["num_examples"] for s in infos[config]["splits"]}
            assert rows == declared[entry["split"]] == metrics["configs"][config][entry["split"]]["rows"]
    body = card.text
    for section in ("## Dataset Structure", "### Curation Rationale", "### Source Data", "### Annotations",
                    "### Personal and Sensitive Information", "## Bias, Risks, and Limitations",
                    "## Citation", "## Build Statistics", "2512.05557"):
        assert section in body, section
    for config in CONFIGS:  # every column of every config is documented with its schema description
        for column, decl in schema_of(config).columns.items():
            described = decl["description"].replace("|", "\\|")
            assert f"| `{column}` | `{decl['type']}` | {described}" in body
    assert "`procedural 1.0`" in body and "`measured`" in body and "`template`" in body
    assert metrics["content_hash"] in body and "{{" not in body
    for n in (1, 2):
        assert f"(assets/storyboard-{n}.png)" in body
        assert Image.open(folder / "assets" / f"storyboard-{n}.png").width > 256


def test_metrics_hash_and_determinism(built, tmp_path):
    root, _, metrics = built
    folder = root / OUT
    assert metrics["content_hash"] == content_hash(folder)
    for config in CONFIGS:
        for split in SPLITS:
            files = list((folder / "data" / config).glob(f"{split}-*.parquet"))
            assert metrics["configs"][config][split]["shards"] == len(files)
            assert metrics["configs"][config][split]["bytes"] == sum(f.stat().st_size for f in files)
    assert json.loads((root / "metrics/release.json").read_text()) == metrics
    again = tmp_path / "again"
    _, metrics2 = synthetic.build(again, **INPUTS)
    assert metrics2["content_hash"] == metrics["content_hash"]
    assert (again / OUT / "README.md").read_bytes() == (folder / "README.md").read_bytes()


def test_shards_are_bounded_with_small_row_groups(built, tmp_path):
    root, _, _ = built
    for f in (root / OUT / "data" / "frames").glob("*.parquet"):
        meta = pq.ParquetFile(f).metadata
        assert all(meta.row_group(i).num_rows <= IMAGE_ROWS for i in range(meta.num_row_groups))
        image = meta.row_group(0).column(15)
        assert image.path_in_schema == "image.bytes" and not image.is_stats_set  # no image bytes in footers
    source = pq.read_table(next((root / OUT / "data" / "frames").glob("train-*.parquet")))
    writer = ShardWriter(tmp_path, "frames", "train", max_bytes=40_000)
    writer.row_group = 4
    for i in range(0, source.num_rows, 3):
        writer.write(source.slice(i, 3))
    files = writer.close()
    assert len(files) > 2
    n = len(files)
    assert [f.name for f in files] == [f"train-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
    assert all(f.stat().st_size <= 40_000 for f in files)
    assert max(pq.ParquetFile(f).metadata.num_row_groups for f in files) > 1  # shards are packed
    assert pq.read_table(files).equals(source)


def test_split_rule_keeps_identities_apart_and_drops_only_mixed_casts():
    chars = [f"c{i}" for i in range(12)]
    casts = {f"s{i}": [chars[i], chars[(i + 1) % 12]] for i in range(12)}  # a ring: every split cuts it
    casts.update({f"solo{i}": [chars[i]] for i in range(12)})
    split = assign(3, chars, casts, 0.25)
    check_disjoint(split, casts)
    assert sum(v == "test" for v in split.characters.values()) == 3
    # greedy growth keeps the held-out identities together: a run of 3 on the ring cuts only 2 stories
    assert len(split.dropped) == 2
    assert assign(3, chars, casts, 0.25) == split
    with pytest.raises(StorycastError, match="not an approved character"):
        assign(3, chars[:-1], casts, 0.25)
    with pytest.raises(StorycastError, match="split holds no story"):
        assign(3, chars, {"s": chars}, 0.25)


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0.0", "latest", 1])
def test_non_semver_version_is_refused(built, version):
    root, _, _ = built
    with pytest.raises(StorycastError, match=r"release\.version=.* is not a semantic version"):
        release(_params(version=version), root)


def test_foreign_files_are_refused_and_left_alone(built, tmp_path):
    root, _, _ = built
    work = tmp_path / "repo"
    shutil.copytree(root, work)
    before = content_hash(work / OUT)
    stray = work / OUT / "notes.txt"
    stray.write_text("mine")
    with pytest.raises(StorycastError, match="notes.txt was not written by the release"):
        release(_params(), work)
    assert stray.read_text() == "mine" and content_hash(work / OUT) == before
    stray.unlink()
    staging = work / "data" / ".release.staging"
    (staging / "data" / "frames").mkdir(parents=True)
    (staging / "data" / "frames" / "keep.csv").write_text("x")
    with pytest.raises(StorycastError, match="keep.csv was not written by the release"):
        release(_params(), work)
    shutil.rmtree(staging)
    (work / OUT / "data" / "frames" / "train-00000-of-00009.parquet").write_bytes(b"old shard")
    release(_params(), work)  # files the release itself names are replaced, not refused
    assert not (work / OUT / "data" / "frames" / "train-00000-of-00009.parquet").exists()


@pytest.mark.parametrize("rel,stage", [("data/qc/frames", "qc"), ("data/templates/templates", "templates"),
                                       ("data/review/characters.parquet", "review"),
                                       ("data/controls/posemaps", "controls"),
                                       ("data/render/render", "render")])
def test_missing_upstream_table_names_path_and_stage(built, tmp_path, rel, stage):
    root, _, _ = built
    work = tmp_path / "repo"
    shutil.copytree(root, work)
    target = work / rel
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(StorycastError, match=rf"missing input {rel}.*run the {stage} stage"):
        release(_params(), work)


def test_failed_build_leaves_previous_release_and_no_staging(built, tmp_path):
    root, _, _ = built
    work = tmp_path / "repo"
    shutil.copytree(root, work)
    before = content_hash(work / OUT)
    shard = sorted((work / "data/qc/frames").glob("*.parquet"))[-1]
    table = pq.read_table(shard)
    pq.write_table(table.slice(1), shard)  # one frame lost its QC row
    with pytest.raises(StorycastError, match=r"frame s\d+-\d+ of .*frames.*rerun the qc stage"):
        release(_params(), work)
    assert content_hash(work / OUT) == before
    assert not (work / "data" / ".release.staging").exists()


def test_a_frame_showing_a_character_outside_its_cast_is_refused(built, tmp_path):
    from storycast.tables import load_schema, write_rows

    root, summary, _ = built
    work = tmp_path / "repo"
    shutil.copytree(root, work)
    test_chars = {r["character_id"] for r in _rows(work / OUT, "characters", "test", ["character_id"])}
    shard = sorted((work / "data/stories/frames").glob("*.parquet"))[0]
    rows = pq.read_table(shard).to_pylist()
    victim = next(r for r in rows if not set(summary["casts"][r["story_id"]]) & test_chars)
    intruder = sorted(test_chars)[0]
    victim.update(character_ids=[intruder], actions=["waves"], poses=[victim["poses"][0]],
                  expressions=[victim["expressions"][0]])
    write_rows(rows, shard, load_schema("frames"))
    with pytest.raises(StorycastError, match=rf"frame {victim['frame_id']} shows {intruder}, who is not in"):
        release(_params(), work)


def test_croissant_metadata_is_valid(built):
    root, _, metrics = built
    folder = root / OUT
    doc = json.loads((folder / "croissant.json").read_text())
    assert doc["@type"] == "sc:Dataset" and doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert doc["version"] == "1.0.0" and "2512.05557" in doc["citeAs"]
    ids = {d["@id"] for d in doc["distribution"]}
    for d in doc["distribution"]:
        if d["@type"] == "cr:FileObject":
            from storycast.release.layout import sha256_file
            assert sha256_file(folder / d["contentUrl"]) == d["sha256"]
    assert {r["@id"] for r in doc["recordSet"]} == set(CONFIGS)
    for rs in doc["recordSet"]:
        columns = [f["source"]["extract"].get("column") for f in rs["field"]]
        assert columns[1:] == list(schema_of(rs["@id"]).columns)
        assert all(f["source"]["fileSet"]["@id"] in ids for f in rs["field"])
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(folder / "croissant.json"))
    record = next(iter(dataset.records(record_set="frames")))
    assert isinstance(record["frames/image"], Image.Image)
    assert record["frames/split"] in (b"train", b"test")


def test_stage_script_through_params_yaml(built, tmp_path):
    """`python stages/release.py` (what dvc runs) reads params.yaml; bad input exits 2 with one line."""
    import subprocess
    import sys

    import yaml

    from storycast import params as params_mod

    if "release" not in params_mod.SPEC:
        pytest.skip("params.yaml has no declared `release` section yet")
    repo = Path(__file__).resolve().parents[1]
    root, _, _ = built
    work = tmp_path / "repo"
    shutil.copytree(root / "data", work / "data", ignore=shutil.ignore_patterns("release"))
    doc = yaml.safe_load((repo / "params.yaml").read_text())
    (work / "params.yaml").write_text(yaml.safe_dump(doc))
    proc = subprocess.run([sys.executable, str(repo / "stages/release.py")], cwd=work, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert (work / "data/release/README.md").is_file() and (work / "metrics/release.json").is_file()
    doc["release"]["version"] = "2.0"
    (work / "params.yaml").write_text(yaml.safe_dump(doc))
    proc = subprocess.run([sys.executable, str(repo / "stages/release.py")], cwd=work, capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert "release.version" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
