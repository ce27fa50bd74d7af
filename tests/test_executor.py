"""The sharded executor: pool workers run their maths libraries on one thread each."""
import json
import os

from storycast.executor import THREAD_VARIABLES, Shard, run_shards


def threads_seen(shard: Shard) -> dict[str, bytes]:
    """A worker's view of the thread variables (module level: a spawned worker imports it)."""
    return {"env.json": json.dumps({name: os.environ.get(name) for name in THREAD_VARIABLES}).encode()}


def _run(tmp_path, tag: str) -> list[dict]:
    shards = [Shard(i, [tag, str(i)]) for i in range(2)]
    done = run_shards("threads", threads_seen, shards, {}, ["env.json"], workers=2, cache_root=str(tmp_path))
    return [json.loads(done[i]["env.json"].read_bytes()) for i in sorted(done)]


def test_pool_workers_get_one_maths_thread_unless_the_user_chose(tmp_path, monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert all(seen == {name: "1" for name in THREAD_VARIABLES} for seen in _run(tmp_path, "unset"))
    assert not any(name in os.environ for name in THREAD_VARIABLES)        # the parent's are left as they were
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert all(seen["OMP_NUM_THREADS"] == "3" and seen["OPENBLAS_NUM_THREADS"] == "1"
               for seen in _run(tmp_path, "set"))
    assert os.environ["OMP_NUM_THREADS"] == "3"
