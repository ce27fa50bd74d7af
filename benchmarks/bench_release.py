"""The release stage at the paper's scale: wall time and peak memory of assembling the HF folder.

By default builds synthetic inputs shaped like the paper's data in a scratch folder (2,000 characters,
10,000 stories, 5-10 frames each: ~75,000 frames with ~60 KB images, ~200 KB template sheets), then
runs the release on them in a child process and samples its resident memory. `--scales 0.1,1` runs
several sizes to show that memory stays flat as the data grows. `--data REPO` measures a real built
repository instead (its `data/` tables are linked read-only into the scratch folder, never modified).

    python benchmarks/bench_release.py [--scales 1] [--frame-kb 60] [--data PATH] [--keep]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, run_measured

sys.path.insert(0, str(REPO))
from storycast.release import synthetic  # noqa: E402

INPUT_DIRS = ["review", "templates", "stories", "controls", "qc"]
DRIVER = """
import json, sys
from pathlib import Path
from storycast.release.build import release
metrics = release({"seed": 2025, "release": json.loads(sys.argv[1])}, Path(sys.argv[2]))
Path(sys.argv[3]).write_text(json.dumps(metrics))
"""


def synthetic_inputs(root: Path, scale: float, frame_kb: int) -> float:
    start = time.perf_counter()
    synthetic.write_inputs(root, characters=max(int(2000 * scale), 8), stories=max(int(10_000 * scale), 4),
                           shard_size=250, frames=(5, 10), frame_px=int((frame_kb * 1024 / 3) ** 0.5),
                           template_px=256, posemap_px=48, seed=2025)
    return time.perf_counter() - start


def link_inputs(root: Path, repo: Path) -> None:
    for name in INPUT_DIRS:
        src = (repo / "data" / name).resolve()
        if not src.exists():
            sys.exit(f"{src} is missing: build the pipeline first (dvc repro qc)")
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "data" / name).symlink_to(src, target_is_directory=True)


def measure(root: Path) -> tuple[float, int, dict]:
    params = dict(synthetic.PARAMS, test_fraction=0.1, storyboards=3)
    out = root / "metrics.json"
    wall, peak = run_measured([sys.executable, "-c", DRIVER, json.dumps(params), str(root), str(out)], REPO,
                              {"PYTHONPATH": str(REPO)})
    return wall, peak, json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1", help="comma-separated fractions of the paper's size")
    parser.add_argument("--frame-kb", type=int, default=60, help="bytes per frame image, in KB")
    parser.add_argument("--data", type=Path, help="a built storycast repository to measure instead")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders")
    args = parser.parse_args()
    runs = [("data", None)] if args.data else [(s, float(s)) for s in args.scales.split(",")]
    print(f"{'scale':>6} {'frames':>8} {'input GB':>9} {'setup s':>8} {'release s':>10} {'peak MB':>8} "
          f"{'frames/s':>9} {'release GB':>10} {'shards':>6}")
    for label, scale in runs:
        root = Path(tempfile.mkdtemp(prefix="storycast-bench-release-"))
        try:
            setup = 0.0
            if args.data:
                link_inputs(root, args.data)
            else:
                setup = synthetic_inputs(root, scale, args.frame_kb)
            size = sum(f.stat().st_size for f in (root / "data").rglob("*.parquet"))
            wall, peak, m = measure(root)
            frames = sum(m["configs"]["frames"][s]["rows"] for s in ("train", "test"))
            print(f"{label:>6} {frames + m['failed_frames_excluded'] + m['dropped_mixed_cast']['frames']:>8} "
                  f"{size / 2**30:>9.2f} {setup:>8.0f} {wall:>10.1f} {peak / 2**20:>8.0f} "
                  f"{frames / wall:>9.0f} {m['bytes'] / 2**30:>10.2f} {m['shards']:>6}")
            print(f"       dropped mixed-cast stories {m['dropped_mixed_cast']['stories']}, "
                  f"stories train/test {m['stories']['train']}/{m['stories']['test']}, "
                  f"characters train/test {m['characters']['train']}/{m['characters']['test']}")
        finally:
            if args.keep:
                print(f"       kept {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
