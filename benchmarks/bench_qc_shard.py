"""One story shard of the qc stage, in-process: time it, profile it, fingerprint its outputs.

    python benchmarks/bench_qc_shard.py --shard 0 --repeat 3        # median wall time of `qc_shard`
    python benchmarks/bench_qc_shard.py --shard 0 --profile 30      # cProfile, top 30 by cumulative time
    python benchmarks/bench_qc_shard.py --frames 300 --save /tmp/a  # first 300 frames; keep the outputs

The payload is built as `stages/qc.py` builds it (params.yaml, the calibrated thresholds of
`bench_qc.QC`, the retrieval rate over every shard), so the shard's bytes are the stage's. Template
references are computed once (`ref_shard`) and kept under --refs, keyed by the digests of the template
shard and the pool: later runs, and runs of another checkout of the code (`--data` points at this repo's
data), reuse them, so a before/after comparison measures the loop alone. The key holds no code: after a
change to how references are described (`template_sheet.template_reference`, `part_points`), use a new --refs.
Prints the sha256 of each output file: equal digests mean byte-identical `qc` rows, final images and
statistics.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

# As a stage's pool worker runs (`executor.one_thread_per_worker`): maths libraries on one thread,
# set before numpy is first imported.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pyarrow.parquet as pq  # noqa: E402
import yaml  # noqa: E402

from storycast.cache import file_digest  # noqa: E402
from storycast.executor import Shard  # noqa: E402
from storycast.judges.measured import DEFAULT_THRESHOLDS  # noqa: E402
from storycast.qc import qc_shard, ref_shard, selected_backends  # noqa: E402
from storycast.tables import shard_paths  # noqa: E402

THRESHOLDS = DEFAULT_THRESHOLDS    # the calibrated ones, as bench_qc --data --calibrated-thresholds


def references(data: Path, cache: Path) -> list[str]:
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    pool = data / "review" / "characters.parquet"
    pool_key = file_digest(pool)[:12]
    for i, t in enumerate(shard_paths(data / "templates" / "templates")):
        path = cache / f"refs-{file_digest(t)[:12]}-{pool_key}.npz"
        if not path.exists():
            path.write_bytes(ref_shard(Shard(i, [], (str(t), str(pool))))["refs.npz"])
        out.append(str(path))
    return out


def payload(data: Path, index: int, refs: list[str], frames_limit: int, tmp: Path) -> dict:
    doc = yaml.safe_load((REPO / "params.yaml").read_text())
    qc = dict(doc["qc"], thresholds=THRESHOLDS)
    p, editor = selected_backends(qc, doc["editor"])
    frames_all = shard_paths(data / "stories" / "frames")
    n_frames = sum(pq.ParquetFile(f).metadata.num_rows for f in frames_all)
    name = f"shard-{index:05d}.parquet"
    render, frames = data / "render" / "render" / name, data / "stories" / "frames" / name
    if frames_limit:
        frames, table = tmp / name, pq.read_table(frames)
        pq.write_table(table.slice(0, frames_limit), frames)
    size = pq.read_table(render, columns=["width", "height"]).slice(0, 1).to_pylist()
    return {"render": str(render), "frames": str(frames), "controls": str(data / "controls" / "controls" / name),
            "pool": str(data / "review" / "characters.parquet"), "templates": str(data / "templates" / "templates"),
            "refs": refs, "seed": doc["seed"], "renderer": doc["renderer"], "qc": p, "editor": editor,
            "retrieval_rate": min(1.0, p["retrieval_crops"] / max(1.0, 1.9 * n_frames)),
            "size": [size[0]["width"], size[0]["height"]] if size else [512, 512]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--frames", type=int, default=0, help="only the shard's first N frames (0: all)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--profile", type=int, default=0, help="cProfile the first run, print the top N")
    ap.add_argument("--save", type=Path, help="write the output files of the last run here")
    ap.add_argument("--data", type=Path, default=REPO / "data")
    ap.add_argument("--refs", type=Path, default=Path(tempfile.gettempdir()) / "storycast-qc-shard-refs")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        p = payload(a.data.resolve(), a.shard, references(a.data.resolve(), a.refs), a.frames, Path(tmp))
        if not Path(p["pool"]).exists():
            raise SystemExit(f"no approved pool at {p['pool']}: build data/ first")
        times, out = [], {}
        for run in range(a.repeat):
            prof = cProfile.Profile() if a.profile and run == 0 else None
            t = time.perf_counter()
            if prof:
                prof.enable()
            out = qc_shard(Shard(a.shard, [], p))
            if prof:
                prof.disable()
            times.append(time.perf_counter() - t)
            print(f"run {run}: {times[-1]:.2f}s" + (" (profiled)" if prof else ""), flush=True)
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(a.profile)
    timed = times[1:] if a.profile and len(times) > 1 else times
    print(f"shard {a.shard}: median {statistics.median(timed):.2f}s over {len(timed)} run(s) "
          f"{[round(x, 2) for x in timed]}")
    print(json.dumps({k: hashlib.sha256(v).hexdigest() for k, v in sorted(out.items())}, indent=1))
    if a.save:
        a.save.mkdir(parents=True, exist_ok=True)
        for k, v in out.items():
            (a.save / k).write_bytes(v)


if __name__ == "__main__":
    main()
