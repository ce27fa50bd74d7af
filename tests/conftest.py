"""Shared fixtures: a tiny params profile run through the real `dvc repro` in a copy of the repo."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# What a user's clone holds that the pipeline needs (data/ and caches are built, never copied).
REPO_FILES = ["dvc.yaml", "params.yaml", ".dvcignore", ".gitignore", ".dvc/config", ".dvc/.gitignore",
              "stages", "storycast", "schemas", "reviews", "pyproject.toml", "datacard.md"]

# The tiny profile: every stage, a few seconds in all.
TINY = {
    "characters": {"count": 24},
    "stories": {"count": 12, "shard_size": 4, "frames_min": 4, "frames_max": 6},
    "templates": {"size": 256, "shard_size": 8},
    "controls": {"width": 128, "height": 128},
    "executor": {"workers": 2},
}


def merge(doc: dict, overrides: dict) -> dict:
    out = dict(doc)
    for key, value in overrides.items():
        out[key] = merge(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def write_params(repo: Path, overrides: dict) -> None:
    path = repo / "params.yaml"
    path.write_text(yaml.safe_dump(merge(yaml.safe_load(path.read_text()), overrides), sort_keys=False))


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "random", "DVC_NO_ANALYTICS": "1"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def dvc(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "dvc", *args], cwd, check)


def stage(name: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess:
    """Run one stage script directly (what `dvc repro` runs), for error-path tests."""
    return run([sys.executable, f"stages/{name}.py"], cwd, check)


def make_repo(dest: Path, overrides: dict | None = None) -> Path:
    """A fresh git + DVC repo holding this project's pipeline and a tiny params profile."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel in REPO_FILES:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    write_params(dest, merge(TINY, overrides or {}))
    run(["git", "init", "-q"], dest)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], dest)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"], dest)
    return dest


def commit_all(repo: Path, message: str) -> None:
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], repo)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message], repo)


@pytest.fixture(scope="session")
def built_repo(tmp_path_factory) -> Path:
    """The tiny profile after one full `dvc repro` (shared: tests must not modify it)."""
    repo = make_repo(tmp_path_factory.mktemp("built") / "repo")
    dvc("repro", cwd=repo)
    commit_all(repo, "built")
    return repo


@pytest.fixture
def tiny_repo(tmp_path) -> Path:
    """A fresh, unbuilt tiny repo of this test's own."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def built_copy(built_repo, tmp_path) -> Path:
    """A private copy of the built tiny repo, for tests that change params or inputs."""
    dest = tmp_path / "repo"
    shutil.copytree(built_repo, dest, symlinks=True)
    return dest


@pytest.fixture
def server():
    """A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (tests/chat_server.py)."""
    from chat_server import ChatServer

    srv = ChatServer().start()
    yield srv
    srv.stop()
