"""The planning half of the pipeline (characters, review, stories, controls) at the paper's scale.

Runs each stage on the shipped params.yaml (2,000 characters, 10,000 stories, ~75,000 frames) in a
scratch copy with an empty shard cache, and prints wall time and the peak memory of the stage's
whole process tree (pool workers included). Then re-runs stories and controls on the warm cache.

    python benchmarks/bench_planning.py [--workers N]
"""
from __future__ import annotations

import argparse
import os
import shutil

from common import report, run_stage, scratch_repo

STAGES = ["characters", "review", "stories", "controls"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=0, help="executor.workers (0 = all cores)")
    args = parser.parse_args()
    repo = scratch_repo({"executor": {"kind": "local", "workers": args.workers}})
    print(f"scratch repo {repo}, {os.cpu_count()} cores, workers={args.workers or 'all'}")
    try:
        cold = [(name, *run_stage(name, repo)) for name in STAGES]
        print("\ncold cache (everything computed):")
        report(cold)
        warm = [(name, *run_stage(name, repo)) for name in STAGES[2:]]
        print("\nwarm cache (every shard reused):")
        report(warm)
        size = sum(f.stat().st_size for f in (repo / "data").rglob("*.parquet"))
        print(f"\noutputs: {size / 2**20:.0f} MB of Parquet")
    finally:
        shutil.rmtree(repo, ignore_errors=True)


if __name__ == "__main__":
    main()
