"""`storycast publish` against a local stand-in for the Hub, with the real huggingface_hub client:
one commit (files added, stale shards deleted), the version tag, every refusal, the token never shown."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hub_server import FakeHub

from storycast.release import synthetic
from storycast.release.layout import content_hash

TOKEN = "hf_TESTtoken_d0n0tleak_8c41f"
REPO_ID = "storycast/2k-characters"
INPUTS = {"characters": 16, "stories": 8, "shard_size": 4}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    """A committed git + DVC repo holding a built release (data/ ignored, as in the project)."""
    root = tmp_path / "repo"
    synthetic.build(root, **INPUTS)
    (root / ".gitignore").write_text("/data/\n")
    _git(root, "init", "-q")
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=root, check=True, capture_output=True)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "build")
    return root


@pytest.fixture
def hub():
    with FakeHub(TOKEN) as server:
        yield server


class Runner:
    """Runs the publish command in a subprocess and keeps everything it printed."""

    def __init__(self, repo: Path, hub: FakeHub, home: Path):
        self.repo, self.hub, self.home, self.outputs = repo, hub, home, []

    def __call__(self, *args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
        env.update(HF_HUB_DISABLE_XET="1", HF_HOME=str(self.home), DVC_NO_ANALYTICS="1")
        if token is not None:
            env["HF_TOKEN"] = token
        proc = subprocess.run([sys.executable, "-m", "storycast.release.commands", "publish", "--repo-id",
                               REPO_ID, "--endpoint", self.hub.url, *args], cwd=self.repo, env=env,
                              capture_output=True, text=True, timeout=300)
        self.outputs += [proc.stdout, proc.stderr]
        return proc


@pytest.fixture
def publish(repo, hub, tmp_path):
    runner = Runner(repo, hub, tmp_path / "hf-home")
    yield runner
    # the token never appears in anything printed or any file the client side wrote
    for text in runner.outputs:
        assert TOKEN not in text
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert TOKEN.encode() not in path.read_bytes(), path


def _local(repo: Path) -> dict[str, bytes]:
    folder = repo / "data/release"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _hub_repo(hub: FakeHub):
    return hub.repos[f"datasets/{REPO_ID}"]


def test_publish_pushes_one_commit_and_tags_the_version(repo, hub, publish):
    proc = publish()
    assert proc.returncode == 0, proc.stderr
    remote = _hub_repo(hub)
    local = _local(repo)
    assert {p: remote.files[p] for p in local} == local
    assert set(remote.files) == set(local) | {".gitattributes"}
    assert all(p in remote.lfs_paths for p in local if p.endswith((".parquet", ".png")))
    release_commits = remote.commits[1:]  # after the Hub's initial commit
    assert len(release_commits) == 1
    commit = release_commits[0]
    head, digest = _git(repo, "rev-parse", "HEAD"), content_hash(repo / "data/release")
    assert commit["summary"] == f"Release v1.0.0 (storycast {head[:12]}, data sha256:{digest[:16]})"
    assert f"git commit: {head}" in commit["description"]
    assert f"data content hash: sha256:{digest}" in commit["description"]
    assert remote.tags == {"v1.0.0": commit["oid"]}
    assert f"published {REPO_ID}@v1.0.0" in proc.stdout


def test_stale_shards_are_deleted_in_the_same_commit(repo, hub, publish):
    assert publish().returncode == 0
    remote = _hub_repo(hub)
    hub.commit(f"datasets/{REPO_ID}", "old layout", "", [
        {"key": "file", "value": {"path": "data/frames/train-00000-of-00007.parquet", "content": "b2xk"}},
        {"key": "file", "value": {"path": "assets/storyboard-9.png", "content": "b2xk"}},
        {"key": "file", "value": {"path": "LICENSE.txt", "content": "b2xk"}}])
    params = synthetic.PARAMS | {"version": "1.1.0"}
    synthetic.build(repo, release_params=params, **INPUTS)  # rebuild as 1.1.0 (data/ is git-ignored)
    _git(repo, "commit", "-qam", "release 1.1.0")  # metrics/release.json changed
    before = len(remote.commits)
    proc = publish()
    assert proc.returncode == 0, proc.stderr
    assert len(remote.commits) == before + 1
    ops = remote.commits[-1]["ops"]
    deleted = sorted(op["value"]["path"] for op in ops if op["key"] == "deletedFile")
    assert deleted == ["assets/storyboard-9.png", "data/frames/train-00000-of-00007.parquet"]
    assert "LICENSE.txt" in remote.files  # not a folder the release owns: kept
    assert set(remote.files) == set(_local(repo)) | {".gitattributes", "LICENSE.txt"}
    assert set(remote.tags) == {"v1.0.0", "v1.1.0"} and remote.tags["v1.1.0"] == remote.commits[-1]["oid"]


def test_existing_tag_is_never_overwritten(hub, publish):
    assert publish().returncode == 0
    commits = len(_hub_repo(hub).commits)
    proc = publish()
    assert proc.returncode == 2
    assert "tag v1.0.0 already exists" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert len(_hub_repo(hub).commits) == commits


def test_dirty_git_tree_is_refused(repo, hub, publish):
    (repo / "scratch.py").write_text("x = 1\n")
    proc = publish()
    assert proc.returncode == 2 and "git tree is dirty" in proc.stderr
    assert not hub.repos and not any(m == "POST" for m, _ in hub.requests)


def test_out_of_date_pipeline_is_refused(repo, hub, publish):
    (repo / "input.txt").write_text("1\n")
    (repo / "dvc.yaml").write_text("stages:\n  copy:\n    cmd: cp input.txt output.txt\n"
                                   "    deps: [input.txt]\n    outs: [output.txt]\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a stage never reproduced")
    proc = publish()
    assert proc.returncode == 2 and "pipeline is out of date" in proc.stderr and "copy" in proc.stderr
    assert not hub.repos


def test_missing_token_is_refused(hub, publish):
    proc = publish(token=None)
    assert proc.returncode == 2 and "no Hub token: set the environment variable HF_TOKEN" in proc.stderr
    assert hub.requests == []


def test_rejected_token_error_does_not_show_it(hub, publish):
    wrong = TOKEN[::-1]
    proc = publish(token=wrong)
    assert proc.returncode == 2 and "401" in proc.stderr
    assert wrong not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_dry_run_lists_uploads_deletions_and_tag_without_a_token(repo, hub, publish):
    assert publish().returncode == 0
    hub.commit(f"datasets/{REPO_ID}", "stale", "", [
        {"key": "file", "value": {"path": "data/qc/test-00003-of-00004.parquet", "content": "b2xk"}}])
    commits = len(_hub_repo(hub).commits)
    proc = publish("--dry-run", token=None)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    uploads = sorted(line.split()[1] for line in lines if line.strip().startswith("upload "))
    assert uploads == sorted(_local(repo))
    assert "  delete  data/qc/test-00003-of-00004.parquet" in lines
    assert "  tag     v1.0.0" in lines
    assert "  would refuse: tag v1.0.0 already exists" in lines
    assert len(_hub_repo(hub).commits) == commits and not any(m == "PUT" for m, _ in hub.requests[-5:])


def test_missing_or_polluted_release_is_refused(repo, publish, tmp_path):
    proc = publish("--release-dir", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "is not a built release" in proc.stderr
    (repo / "data/release/notes.txt").write_text("mine")
    proc = publish()
    assert proc.returncode == 2 and "notes.txt is not part of the release" in proc.stderr
