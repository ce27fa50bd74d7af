"""Shard cache: a shard's result stored under a key of everything that determines it.

Key = hash(stage, params section, code version, the shard's input bytes). Entries are written
atomically with a checksum beside them; an entry whose bytes no longer match is reported,
deleted and recomputed, never trusted. The cache lives outside DVC's outputs (`.storycast/cache`),
so `dvc repro` deleting a stage's outputs does not lose finished shards: a killed run resumes.

File digests are remembered by the file's identity and stat (`digests.json` beside the stage folders),
as DVC's own state database does: a file not written since it was hashed is not read again, so a
stage rerun for a params change does not re-hash gigabytes of unchanged inputs. Every write (ours are
atomic renames) changes the inode or the times, so a changed or half-written file is hashed again.
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

from storycast.tables import atomic_path

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_ROOT = Path(os.environ.get("STORYCAST_CACHE", ".storycast/cache"))
RUN_ID = f"{os.getpid()}-{time.time_ns()}"   # one per stage process: a stage may run several shard sets


@functools.cache
def code_version(stage: str) -> str:
    """Hash of the code and schemas a stage declares as deps in dvc.yaml (everything but data/).

    The same files DVC watches for the stage decide when its cached shards are stale, so a change
    to an unrelated module (another stage, the CLI) keeps this stage's cache warm.
    """
    h = hashlib.sha256()
    for path in _code_files(stage):
        h.update(str(path).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _code_files(stage: str) -> list[Path]:
    dvc_yaml = Path("dvc.yaml")
    deps: list[str] = []
    if dvc_yaml.exists():
        import yaml

        spec = (yaml.safe_load(dvc_yaml.read_text()).get("stages") or {}).get(stage) or {}
        deps = [d for d in spec.get("deps", []) if isinstance(d, str) and not d.startswith(("data/", "$"))]
    if not deps:  # used as a library, outside a pipeline checkout: the whole package, fitted models too
        return sorted(p for p in PACKAGE_DIR.rglob("*") if p.suffix in (".py", ".npz") and "__pycache__" not in p.parts)
    files = []
    for dep in deps:
        path = Path(dep)
        files.extend(sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
                     if path.is_dir() else [path])
    return files


MEMO_FILE, MEMO_SIZE = "digests.json", 20_000     # entries kept (the newest); a miss only costs a hash
SETTLED_NS = 2_000_000_000     # a file written this recently is not remembered (see `file_digest`)
_memo: dict[str, list] | None = None
_memo_file: Path | None = None
_memo_dirty = False
_memo_lock = threading.Lock()


def _identity(st: os.stat_result) -> tuple[str, list[int]]:
    """(device:inode, [size, mtime, ctime]): a renamed folder keeps its files' entries; any write,
    truncation or replacement changes the list."""
    return f"{st.st_dev}:{st.st_ino}", [st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _load_memo() -> dict[str, list]:
    """The memo of the cache in use (it follows $STORYCAST_CACHE and the working directory, as
    `ShardCache` does); the one in memory is saved first when that changed. Call under the lock."""
    global _memo, _memo_file
    where = (Path(os.environ.get("STORYCAST_CACHE", DEFAULT_ROOT)) / MEMO_FILE).resolve()
    if _memo is None or where != _memo_file:
        if _memo is None:
            atexit.register(save_digests)
        else:
            _save_memo()
        _memo_file = where
        try:
            _memo = json.loads(where.read_text())
        except (OSError, ValueError):         # none yet, or unreadable: start afresh (misses re-hash)
            _memo = {}
    return _memo


def save_digests() -> None:
    """Write the digests learnt since the last save, merged with what other processes wrote (atomic)."""
    with _memo_lock:
        _save_memo()


def _save_memo() -> None:
    global _memo_dirty
    if not _memo_dirty or _memo_file is None:
        return
    try:
        memo = {**json.loads(_memo_file.read_text()), **_memo}
    except (OSError, ValueError):
        memo = dict(_memo)
    try:
        _memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic_path(_memo_file)
        tmp.write_text(json.dumps(dict(list(memo.items())[-MEMO_SIZE:]), separators=(",", ":")))
        os.replace(tmp, _memo_file)
        _memo_dirty = False
    except OSError as err:             # a read-only cache: digests are still right, just not kept
        log.debug("digest memo not written (%s)", err)


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes, from the memo when its identity and stat are the remembered ones
    (new digests are saved at exit or by `save_digests`). Only files settled for SETTLED_NS are
    remembered: the clock that stamps files ticks coarsely, so a file replaced within a tick of
    another could take over its inode, size and times (git's racy-clean case)."""
    global _memo_dirty
    key, stat = _identity(os.stat(path))
    with _memo_lock:
        known = _load_memo().get(key)
    if known is not None and known[:3] == stat:
        return known[3]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if _identity(os.stat(path)) == (key, stat) and time.time_ns() - max(stat[1:]) > SETTLED_NS:
        with _memo_lock:
            _load_memo()[key] = [*stat, digest]
            _memo_dirty = True
    return digest


def file_digests(paths, threads: int = 4) -> dict:
    """`file_digest` of many files at once, on threads (hashlib releases the GIL while hashing):
    inputs of a few GB are hashed at disk speed rather than one core's."""
    from concurrent.futures import ThreadPoolExecutor

    paths = list(paths)
    with ThreadPoolExecutor(max(1, threads)) as pool:
        out = dict(zip(paths, pool.map(file_digest, paths)))
    save_digests()
    return out


def shard_key(stage: str, params: dict, inputs: list[str]) -> str:
    """Key of one shard: stage, its params section, the code version and its input digests."""
    blob = json.dumps({"stage": stage, "params": params, "code": code_version(stage), "inputs": inputs},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class ShardCache:
    """Files of finished shards, one folder per stage; `name` is the file within the entry."""

    def __init__(self, stage: str, root: str | Path | None = None):
        self.dir = Path(root or DEFAULT_ROOT) / stage

    def _entry(self, key: str) -> Path:
        return self.dir / key

    def get(self, key: str, names: list[str]) -> dict[str, Path] | None:
        """The entry's files if complete and intact; a corrupt entry is dropped (recomputed)."""
        entry = self._entry(key)
        manifest = entry / "manifest.json"
        if not manifest.exists():
            return None
        try:
            sums = json.loads(manifest.read_text())
            files = {n: entry / n for n in names}
            if set(sums) != set(names) or any(file_digest(p) != sums[n] for n, p in files.items()):
                raise ValueError("checksum mismatch")
        except (ValueError, OSError) as err:
            log.warning("cache entry %s is corrupt (%s): recomputing", entry, err)
            self.drop(key)
            return None
        return files

    def put(self, key: str, files: dict[str, bytes]) -> dict[str, Path]:
        """Store an entry: files first, the manifest (with checksums) last, each atomically."""
        entry = self._entry(key)
        entry.mkdir(parents=True, exist_ok=True)
        sums = {}
        for name, data in files.items():
            tmp = atomic_path(entry / name)
            tmp.write_bytes(data)
            os.replace(tmp, entry / name)
            sums[name] = hashlib.sha256(data).hexdigest()
        tmp = atomic_path(entry / "manifest.json")
        tmp.write_text(json.dumps(sums, sort_keys=True))
        os.replace(tmp, entry / "manifest.json")
        return {n: entry / n for n in files}

    def record_run(self, keys) -> None:
        """Remember the entries this stage run used (`last-run.json`), so `garbage_collect` keeps
        them even when none of their files is copied into data/ (qc's template references)."""
        path = self.dir / "last-run.json"
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            doc = {}
        prior = set(doc.get("keys", [])) if doc.get("run") == RUN_ID else set()
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = atomic_path(path)
        tmp.write_text(json.dumps({"run": RUN_ID, "keys": sorted(prior | set(keys))}))
        os.replace(tmp, path)

    def last_run(self) -> set[str]:
        try:
            return set(json.loads((self.dir / "last-run.json").read_text()).get("keys", []))
        except (OSError, ValueError):
            return set()

    def drop(self, key: str) -> None:
        entry = self._entry(key)
        for path in sorted(entry.glob("*")):
            path.unlink(missing_ok=True)
        if entry.exists():
            entry.rmdir()


def garbage_collect(data_root: str | Path = "data", root: str | Path | None = None,
                    dry_run: bool = False) -> tuple[list[Path], int]:
    """Remove the cache entries the workspace's outputs were not built from (`storycast cache gc`).

    An entry is kept when its stage's last run used it (`ShardCache.record_run`; this also keeps
    entries never copied into data/, such as qc's template references), or when one of its files
    is byte for byte a file under `data_root` that no last-run entry holds (outputs of a run that
    recorded nothing). Entries of other params, code or inputs (experiments, older code, also when
    they hold the same bytes) and incomplete ones (a killed run's) go. Returns the removed entries
    and their bytes. Not to be run while a stage runs.
    """
    used = set(file_digests(p for p in Path(data_root).rglob("*") if p.is_file()).values())
    removed, freed = [], 0
    base = Path(root or DEFAULT_ROOT)
    for stage in sorted(p for p in base.glob("*") if p.is_dir()):
        cache = ShardCache(stage.name, base)
        last = cache.last_run()
        sums = {entry: _manifest_sums(entry) for entry in sorted(p for p in stage.iterdir() if p.is_dir())}
        covered = set().union(*[v for e, v in sums.items() if e.name in last])
        for entry, entry_sums in sums.items():
            if entry.name in last or entry_sums & (used - covered):
                continue
            freed += sum(p.stat().st_size for p in entry.glob("*") if p.is_file())
            removed.append(entry)
            if not dry_run:
                cache.drop(entry.name)
    return removed, freed


def _manifest_sums(entry: Path) -> set[str]:
    try:
        return set(json.loads((entry / "manifest.json").read_text()).values())
    except (ValueError, OSError):
        return set()                     # no manifest: an entry a killed run left incomplete
