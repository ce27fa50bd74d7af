"""Story noise units of the `measured` judge: write STORY_NOISE into storycast/judges/calibration.py.

    python benchmarks/calibrate_story.py              # measure, print, write
    python benchmarks/calibrate_story.py --dry-run    # measure and print only

The judge compares each character's torso and hair colours with its own in the story's other frames
(`judges.story`). Clean frames of STORY_SAMPLE and of `bench_qc.py`'s BANDED_SAMPLE make pseudo-stories:
each character's frames in sample order, STORY_FRAMES at a time.
Per frame and character, the distance of its tones from the nearest of the pseudo-story's other frames'
(`story.deviations`); per noise key (`calibration.noise_key`) and part, the PERCENTILE of those over
the multiple at which the identity threshold fails, so that about (100 - PERCENTILE) % of the clean
calibration characters fail on it alone. Sample frames draw lighting and setting anew for every frame,
where a story keeps them for a scene or two; at paper scale the clean frames it rejects are measured by
`bench_qc.py --data` (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_qc  # noqa: E402

from storycast.judges import calibration as cal  # noqa: E402
from storycast.judges.measured import MeasuredJudge  # noqa: E402
from storycast.judges.story import STORY_PARTS, TONE_ROWS, deviations  # noqa: E402

STORY_FRAMES = 7          # the paper-scale stories' median length
PERCENTILE = 99.9
STORY_SAMPLE = (900, 121, 6000, 122)   # as bench_qc.CALIBRATION: ~1,000 clean characters a style or more


def story_deviations(samples) -> dict[tuple[str, str], list[float]]:
    """(noise key, part) -> deviations of every clean character in the pseudo-stories of `samples`
    ((refs, items, images) each)."""
    judge = MeasuredJudge(bench_qc.QC["thresholds"])
    out: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _, items, images in samples:
        seen: dict[str, list] = defaultdict(list)          # character id -> [(noise key, tones)]
        for (_, req), image in zip(items, images):
            tones = judge.story_tones(np.asarray(image), req)
            for c in req.characters:
                cid = c.character["character_id"]
                seen[cid].append((cal.noise_key(req.art_style, c.scale), tones[cid]))
        for frames in seen.values():
            for start in range(0, len(frames), STORY_FRAMES):
                story = frames[start:start + STORY_FRAMES]
                for i, (key, tones) in enumerate(story):
                    peers = np.array([t for j, (_, t) in enumerate(story) if j != i]).reshape(-1, len(TONE_ROWS), 3)
                    for part, d in zip(STORY_PARTS, deviations(tones, peers, key)):
                        if np.isfinite(d):
                            out[(key, part)].append(d)
    return out


def story_sample(workers: int):
    """STORY_SAMPLE: template references, frame items, decoded frames."""
    import io

    from PIL import Image

    _, refs, items, raw, _ = bench_qc.build(*STORY_SAMPLE, workers)
    return refs, items, [Image.open(io.BytesIO(b)).convert("RGB") for b in raw]


def units(dev: dict, percentile: float) -> dict[str, dict[str, float]]:
    return {key: {part: bench_qc.failing_unit(dev[(key, part)], percentile)
                  for part in STORY_PARTS if len(dev[(key, part)]) >= 100}
            for key in bench_qc._noise_keys(cal)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="print the units, do not write them")
    ap.add_argument("--percentile", type=float, default=PERCENTILE)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    a = ap.parse_args()
    dev = story_deviations([story_sample(a.workers), bench_qc.banded_sample(a.workers)])
    for (key, part), v in sorted(dev.items()):
        q = np.percentile(v, [50, 95, 99, 99.5, 99.9])
        print(f"{key:18s} {part:6s} n={len(v):5d}  p50/95/99/99.5/99.9: {' '.join(f'{x:5.1f}' for x in q)}")
    table = units(dev, a.percentile)
    print("STORY_NOISE:", table)
    if not a.dry_run:
        cal.STORY_NOISE.clear()
        cal.STORY_NOISE.update(table)
        bench_qc._write(cal)


if __name__ == "__main__":
    main()
