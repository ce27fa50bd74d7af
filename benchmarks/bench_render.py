"""Speed of the procedural illustrator: frames per second per core at 512², templates at 1024², and
the projected time of the paper's ~75,000 frames and 2,000 templates on this machine.

Frames are real planned frames (template planner, controls layout) in the default params; each is
timed drawing and PNG-encoding separately, one core, and the projection divides by the cores the
local executor uses.

    python benchmarks/bench_render.py [--frames 300] [--templates 20]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storycast.characters import sample_characters  # noqa: E402
from storycast.controls import layout_frame  # noqa: E402
from storycast.planners.base import StoryRequest  # noqa: E402
from storycast.planners.template import TemplatePlanner  # noqa: E402
from storycast.render import encode, frame_requests, make_renderer  # noqa: E402
from storycast.seeding import rng_for, seed_for  # noqa: E402
from storycast.stories import cast_story, story_rows  # noqa: E402

PAPER_FRAMES, PAPER_TEMPLATES = 75_000, 2_000


def planned_frames(params: dict, n_frames: int):
    """(frames, controls, characters) for about n_frames real frames."""
    chars = sample_characters(300, params["seed"], params["characters"]["min_distance"])
    by_id = {c["character_id"]: c for c in chars}
    planner, frames, controls = TemplatePlanner(), [], []
    index = 1
    while len(frames) < n_frames:
        casting = cast_story(index, chars, params["seed"], params["stories"])
        request = StoryRequest(casting.story_id, casting.cast, casting.n_frames, casting.cast[0]["art_style"],
                               casting.seed)
        _, rows = story_rows(planner.plan(request), casting, planner.name)
        for f in rows:
            controls += layout_frame(f, {c: by_id[c]["height"] for c in f["character_ids"]},
                                     lambda *p: rng_for(params["seed"], "controls", *p), params["controls"])
        frames += rows
        index += 1
    return frames[:n_frames], controls, by_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--templates", type=int, default=20)
    args = parser.parse_args()
    params = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())
    renderer = make_renderer(params["renderer"])
    size = (params["controls"]["width"], params["controls"]["height"])
    frames, controls, chars = planned_frames(params, args.frames)
    draw_ms, encode_ms, nbytes = [], [], []
    for _, request in frame_requests(frames, controls, chars, params["seed"], size):
        t0 = time.perf_counter()
        image = renderer.render_frame(request)
        t1 = time.perf_counter()
        nbytes.append(len(encode(image)["bytes"]))
        t2 = time.perf_counter()
        draw_ms.append((t1 - t0) * 1e3)
        encode_ms.append((t2 - t1) * 1e3)
    tpl_ms = []
    for char in list(chars.values())[: args.templates]:
        t0 = time.perf_counter()
        image = renderer.render_template(char, params["templates"]["size"], seed_for(params["seed"], "t"))
        encode(image)
        tpl_ms.append((time.perf_counter() - t0) * 1e3)
    cores = len(os.sched_getaffinity(0))
    frame_ms = statistics.median(a + b for a, b in zip(draw_ms, encode_ms))
    mean_frame_ms = statistics.fmean(a + b for a, b in zip(draw_ms, encode_ms))
    tpl = statistics.median(tpl_ms)
    print(f"{len(draw_ms)} frames at {size[0]}x{size[1]}, one core:")
    p90 = sorted(draw_ms)[int(0.9 * len(draw_ms))]
    kb = statistics.fmean(nbytes) / 1024
    print(f"  draw   median {statistics.median(draw_ms):6.1f} ms   p90 {p90:6.1f} ms")
    print(f"  encode median {statistics.median(encode_ms):6.1f} ms   (lossless WebP, {kb:.0f} KB/frame)")
    print(f"  total  median {frame_ms:6.1f} ms   mean {mean_frame_ms:6.1f} ms   "
          f"-> {1000 / mean_frame_ms:.1f} frames/s/core")
    print(f"{len(tpl_ms)} templates at {params['templates']['size']}², one core: median {tpl:.0f} ms (draw + encode)")
    total_s = (PAPER_FRAMES * mean_frame_ms + PAPER_TEMPLATES * statistics.fmean(tpl_ms)) / 1000 / cores
    print(f"projected paper scale ({PAPER_FRAMES:,} frames + {PAPER_TEMPLATES:,} templates) on {cores} cores: "
          f"{total_s / 60:.1f} min, {PAPER_FRAMES * statistics.fmean(nbytes) / 2**30:.1f} GB of frames")


if __name__ == "__main__":
    main()
