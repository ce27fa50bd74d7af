"""The shard cache's garbage collection: what `storycast cache gc` keeps and removes."""
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
