"""The shard cache: what `storycast cache gc` keeps and removes, and what keys a stage's shards."""
from storycast.cache import ShardCache, garbage_collect


def test_gc_keeps_entries_data_uses_or_the_last_run_used(tmp_path):
    root, data = tmp_path / "cache", tmp_path / "data"
    cache = ShardCache("qc", root)
    cache.put("published", {"qc.parquet": b"rows of the current run"})
    cache.put("references", {"refs.npz": b"used by the run, never copied into data/"})
    cache.put("old_params", {"qc.parquet": b"rows of an earlier fault rate"})
    cache.put("old_code", {"qc.parquet": b"rows of the current run"})   # older code, the same bytes
    other = ShardCache("render", root)                   # a stage whose runs recorded nothing
    other.put("in_data", {"render.parquet": b"frames"})
    other.put("stale", {"render.parquet": b"old frames"})
    (root / "qc" / "killed").mkdir()                        # a killed run's entry: files, no manifest
    (root / "qc" / "killed" / "qc.parquet").write_bytes(b"half")
    (data / "qc" / "qc").mkdir(parents=True)
    (data / "qc" / "qc" / "shard-00000.parquet").write_bytes(b"rows of the current run")
    (data / "render").mkdir()
    (data / "render" / "shard-00000.parquet").write_bytes(b"frames")
    cache.record_run(["published"])
    cache.record_run(["references"])                        # the same stage process: both are kept

    removed, freed = garbage_collect(data, root, dry_run=True)
    assert sorted(p.name for p in removed) == ["killed", "old_code", "old_params", "stale"]
    assert freed == sum(f.stat().st_size for e in removed for f in e.iterdir())   # manifests included
    assert len([p for p in (root / "qc").iterdir() if p.is_dir()]) == 5
    removed, _ = garbage_collect(data, root)
    assert sorted(p.name for p in removed) == ["killed", "old_code", "old_params", "stale"]
    assert {p.name for p in (root / "qc").iterdir() if p.is_dir()} == {"published", "references"}
    assert {p.name for p in (root / "render").iterdir() if p.is_dir()} == {"in_data"}
    assert cache.get("published", ["qc.parquet"]) is not None and cache.get("references", ["refs.npz"]) is not None


def test_code_version_outside_a_pipeline_covers_fitted_model_files(tmp_path, monkeypatch):
    """Used as a library (no dvc.yaml), a stage's shards are keyed by the whole package, the judge's
    fitted model file included: a refit must not reuse shards judged by the old model."""
    from storycast import cache

    monkeypatch.chdir(tmp_path)
    files = cache._code_files("qc")
    assert any(p.name == "head_model.npz" for p in files)
    assert any(p.name == "measured.py" for p in files) and not any(p.suffix == ".pyc" for p in files)


def test_file_digest_remembers_settled_files_and_rehashes_changed_ones(tmp_path, monkeypatch):
    """A settled file is hashed once (its identity and stat remembered, across processes through
    `digests.json`); a file replaced with other bytes of the same size is hashed again; a file
    written a moment ago is not remembered (a coarse clock could stamp its successor alike)."""
    import hashlib
    import json
    import os

    from storycast import cache

    monkeypatch.setenv("STORYCAST_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "frames.parquet"
    data.write_bytes(b"first frames")
    assert cache.file_digest(data) == hashlib.sha256(b"first frames").hexdigest()
    cache.save_digests()
    assert not (tmp_path / "cache" / cache.MEMO_FILE).exists()          # too fresh to remember

    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    assert cache.file_digest(data) == hashlib.sha256(b"first frames").hexdigest()
    cache.save_digests()
    saved = json.loads((tmp_path / "cache" / cache.MEMO_FILE).read_text())
    assert [v[3] for v in saved.values()] == [hashlib.sha256(b"first frames").hexdigest()]

    def no_reading(*args, **kwargs):
        raise AssertionError("a remembered file was read again")
    monkeypatch.setattr(cache, "open", no_reading, raising=False)
    assert cache.file_digest(data) == hashlib.sha256(b"first frames").hexdigest()
    monkeypatch.undo()

    monkeypatch.setenv("STORYCAST_CACHE", str(tmp_path / "cache"))
    new = tmp_path / "frames.parquet.tmp"
    new.write_bytes(b"other frames")                                     # same size, other bytes
    os.replace(new, data)
    assert cache.file_digest(data) == hashlib.sha256(b"other frames").hexdigest()
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    assert cache.file_digest(data) == hashlib.sha256(b"other frames").hexdigest()       # remembered
    mtime = data.stat().st_mtime_ns
    data.write_bytes(b"third frames")                                    # in place: same inode
    os.utime(data, ns=(mtime + 10**9, mtime + 10**9))
    assert cache.file_digest(data) == hashlib.sha256(b"third frames").hexdigest()
