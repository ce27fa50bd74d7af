"""The image stages: kill-and-resume, the shard cache, bad inputs."""
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from storycast.tables import load_schema, write_table
from tests.conftest import dvc, make_repo, stage, write_params

BIGGER = {"stories": {"count": 40, "shard_size": 4}, "controls": {"width": 256, "height": 256}}


def shard_bytes(repo, table="render/render"):
    return {p.name: p.read_bytes() for p in sorted((repo / "data" / table).glob("*.parquet"))}


def manifests(repo):
    return list((repo / ".storycast/cache/render").glob("*/manifest.json"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The bigger profile rendered in one uninterrupted run."""
    repo = make_repo(tmp_path_factory.mktemp("ref") / "repo", BIGGER)
    dvc("repro", cwd=repo)
    return repo


def test_killed_render_resumes_to_identical_bytes(reference, tmp_path):
    repo = make_repo(tmp_path / "repo", BIGGER)
    dvc("repro", "controls", cwd=repo)
    proc = subprocess.Popen([sys.executable, "stages/render.py"], cwd=repo, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(manifests(repo)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the stage and its pool workers, mid-run
    proc.wait()
    done_before = len(manifests(repo))
    assert 0 < done_before < 10, "the kill must land mid-run"
    assert not (repo / "data/render").exists()  # nothing published half-way
    stage("render", repo, check=True)
    assert shard_bytes(repo) == shard_bytes(reference)
    assert len(shard_bytes(repo)) == 10  # every shard once: none lost, none duplicated
    ids = [r["frame_id"] for p in sorted((repo / "data/render/render").glob("*.parquet"))
           for r in pq.read_table(p, columns=["frame_id"]).to_pylist()]
    assert len(ids) == len(set(ids))


def test_rerun_recomputes_only_changed_or_corrupt_shards(reference, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(reference), str(repo)], check=True)
    entries = sorted((repo / ".storycast/cache/render").glob("*/render.parquet"))
    mtimes = {p: p.stat().st_mtime_ns for p in entries}
    entries[3].write_bytes(b"garbage")  # a corrupt cache entry is detected, not trusted
    proc = stage("render", repo, check=True)
    assert "corrupt" in proc.stderr
    assert shard_bytes(repo) == shard_bytes(reference)
    rewritten = [p for p in entries if p.stat().st_mtime_ns != mtimes[p]]
    assert rewritten == [entries[3]]


def test_unknown_class_ids_in_inputs_fail_naming_the_frame(reference, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(reference), str(repo)], check=True)
    path = sorted((repo / "data/controls/controls").glob("*.parquet"))[0]
    table = pq.read_table(path)
    poses = table.column("pose").to_pylist()
    bad_frame = table.column("frame_id")[0].as_py()
    poses[0] = "moonwalk"
    write_table(table.set_column(table.schema.get_field_index("pose"), "pose", [poses]), path,
                load_schema("controls"))
    proc = stage("render", repo)
    assert proc.returncode == 2
    assert f"frame {bad_frame}" in proc.stderr and "'moonwalk'" in proc.stderr


def test_frame_size_out_of_range_is_rejected(tiny_repo):
    write_params(tiny_repo, {"controls": {"width": 5000}})
    proc = stage("controls", tiny_repo)
    assert proc.returncode == 2 and "controls.width=5000 is out of range" in proc.stderr


def test_unknown_renderer_backend_is_rejected(tiny_repo):
    write_params(tiny_repo, {"renderer": {"backend": "crayon"}})
    proc = stage("templates", tiny_repo)
    assert proc.returncode == 2 and "renderer.backend='crayon'" in proc.stderr


def test_show_writes_storyboard_and_character_sheet(reference, tmp_path):
    out = tmp_path / "board.png"
    cli = [sys.executable, "-m", "storycast.cli"]
    proc = subprocess.run([*cli, "show", "story", "s000002", "-o", str(out)], cwd=reference,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    from PIL import Image

    board = Image.open(out)
    assert board.width > 1000 and board.height > 300
    proc = subprocess.run([*cli, "show", "character", "c00001", "-o", str(tmp_path / "c.png")], cwd=reference,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and (tmp_path / "c.png").exists()
    proc = subprocess.run([*cli, "show", "story", "s999999"], cwd=reference, capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown story id 's999999'" in proc.stderr
