"""Sharded, cached, parallel stage execution.

A stage cuts its work into shards (ranges of stories). Each shard's result goes to the shard
cache under a key of its inputs, so a re-run computes only shards whose key changed and a run
killed mid-way resumes where it stopped. Outputs are assembled from the cache into the stage's
folders in one swap at the end: a failed stage leaves the previous outputs or none, never half.
The executor (process count, in-process or pool) never changes the output bytes.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from storycast.cache import ShardCache, shard_key
from storycast.tables import shard_name


@dataclass(frozen=True)
class Shard:
    """One unit of work: `inputs` are digests that (with params and code) fully determine it;
    `payload` is what the worker function needs to compute it (small and picklable)."""
    index: int
    inputs: list[str]
    payload: Any = field(default=None, compare=False)


def resolve_workers(workers: int) -> int:
    """0 means every core this process may use."""
    if workers > 0:
        return workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _compute_into_cache(fn: Callable, shard: Shard, stage: str, key: str, cache_root: str | None):
    files = fn(shard)
    ShardCache(stage, cache_root).put(key, files)
    return shard.index


def run_shards(stage: str, fn: Callable[[Shard], dict[str, bytes]], shards: list[Shard],
               params: dict, names: list[str], workers: int = 0,
               cache_root: str | None = None) -> dict[int, dict[str, Path]]:
    """Compute missing shards (in a process pool), return every shard's cached files by index.

    `fn(shard)` returns {file name: bytes} for each of `names`; it must be a module-level function.
    """
    cache = ShardCache(stage, cache_root)
    keys = {s.index: shard_key(stage, params, s.inputs) for s in shards}
    todo = [s for s in shards if cache.get(keys[s.index], names) is None]
    n = min(resolve_workers(workers), max(len(todo), 1))
    bar = tqdm(total=len(shards), initial=len(shards) - len(todo), desc=stage, unit="shard",
               disable=not sys.stderr.isatty())
    if n <= 1:
        for s in todo:
            _compute_into_cache(fn, s, stage, keys[s.index], cache_root)
            bar.update()
    else:
        ctx = multiprocessing.get_context("spawn")  # no forked locks or threads from the parent
        with one_thread_per_worker(), ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            futures = [pool.submit(_compute_into_cache, fn, s, stage, keys[s.index], cache_root)
                       for s in todo]
            for future in as_completed(futures):
                future.result()  # re-raise a worker's error here, with its traceback
                bar.update()
    bar.close()
    out = {}
    for s in shards:
        files = cache.get(keys[s.index], names)
        if files is None:
            raise RuntimeError(f"{stage}: shard {s.index} vanished from the cache during the run")
        out[s.index] = files
    cache.record_run(keys.values())
    return out


# Maths libraries' own thread pools, read when a worker first imports them.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_thread_per_worker():
    """Workers started inside this block run their maths libraries on one thread, unless the user set
    the variables. Each worker is one core already: BLAS threads of their own only contend with the
    other workers (the face net's forward pass, two processes side by side on 2 cores: 0.7 ms on one
    BLAS thread each, 2.7-5.5 ms on the default two)."""
    unset = [name for name in THREAD_VARIABLES if name not in os.environ]
    os.environ.update({name: "1" for name in unset})
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


def publish_folder(target: str | Path, tables: dict[str, dict[int, Path]]) -> None:
    """Copy shard files into `target/<table>/shard-NNNNN.parquet` and swap it into place at once."""
    target = Path(target)
    staging = target.with_name(f".{target.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    for table, shards in tables.items():
        folder = staging / table
        folder.mkdir(parents=True)
        for index, path in sorted(shards.items()):
            shutil.copyfile(path, folder / shard_name(index))
    swap_into_place(staging, target)


def swap_into_place(staging: Path, target: Path) -> None:
    """Replace `target` with the finished `staging` folder (rename, so never half of each)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
