"""Benchmark helpers: run a stage in a scratch copy of the repo, sampling the process tree's memory."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
COPY = ["dvc.yaml", "params.yaml", "stages", "storycast", "schemas", "reviews", "datacard.md"]


def scratch_repo(overrides: dict | None = None) -> Path:
    """A temporary copy of the pipeline with the shipped params (plus overrides), no cache."""
    dest = Path(tempfile.mkdtemp(prefix="storycast-bench-"))
    for rel in COPY:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / rel)
    if overrides:
        doc = yaml.safe_load((dest / "params.yaml").read_text())
        for section, values in overrides.items():
            doc[section].update(values) if isinstance(values, dict) else doc.__setitem__(section, values)
        (dest / "params.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return dest


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of a command and all its child processes."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(ps))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{err}")
    return time.perf_counter() - start, peak


def run_stage(name: str, repo: Path) -> tuple[float, int]:
    return run_measured([sys.executable, f"stages/{name}.py"], repo,
                        {"STORYCAST_CACHE": str(repo / ".storycast/cache")})


def report(rows: list[tuple[str, float, int]]) -> None:
    print(f"{'stage':<12} {'wall s':>8} {'peak MB':>9}")
    for name, wall, peak in rows:
        print(f"{name:<12} {wall:>8.1f} {peak / 2**20:>9.0f}")
    print(f"{'total':<12} {sum(r[1] for r in rows):>8.1f} {max(r[2] for r in rows) / 2**20:>9.0f}")
