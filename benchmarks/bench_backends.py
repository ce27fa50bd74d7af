"""The model backends' own overhead and batching, on tiny in-process models (CPU, no weights needed).

1. Render-stage overhead: a shard's work as `storycast.render.frame_shard` does it (frame requests
   from frame + control rows, pose maps, pipeline calls, PNG encoding) with the diffusers renderer;
   everything but the time inside the pipeline calls is overhead. Reported as a fraction of the
   stage time (target < 5 %); with real models the model share only grows, so this is an upper bound.
2. Batching: the same frames at batch_size 1 and 4; frames per second and the speed-up.
3. LLM client: round-trip time of `OpenAIChatClient.chat` against the local scripted server, and
   JSON extraction + `validate_story` of one story (the planner's own cost per answer).
4. VLM judge overhead: `TransformersJudge.judge` on procedural frames with a tiny LLaVA; everything but
   the model call (rubric and spec text, image fitting, the chat template, parsing) is overhead, as a
   share of the judge's time (target < 5 %); and the same judge over HTTP (`OpenAIJudge`, local
   server answering a valid verdict): the client's own milliseconds per frame.

Medians over --repeats runs. `--threads` torch threads (1 keeps figures stable on a busy machine).

    python benchmarks/bench_backends.py [--frames 16] [--size 128] [--steps 4] [--repeats 3] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from chat_server import ChatServer, Reply  # noqa: E402
from tiny_models import build_controlnet, build_sd, build_vlm  # noqa: E402

from storycast.characters import sample_characters  # noqa: E402
from storycast.controls import layout_frame  # noqa: E402
from storycast.llm import extract_json  # noqa: E402
from storycast.llm.openai_client import OpenAIChatClient  # noqa: E402
from storycast.planners.base import StoryRequest, validate_story  # noqa: E402
from storycast.planners.template import TemplatePlanner  # noqa: E402
from storycast.render import encode, frame_requests  # noqa: E402
from storycast.seeding import rng_for, seed_for  # noqa: E402
from storycast.stories import Casting, story_rows  # noqa: E402

CONTROL = {"pose_jitter_deg": 6.0, "position_jitter": 0.04, "back_facing_rate": 0.08}


class Timed:
    """Wraps a pipeline and adds up the seconds spent inside its calls."""

    def __init__(self, pipe):
        self.pipe, self.seconds = pipe, 0.0

    def __call__(self, **kwargs):
        start = time.perf_counter()
        try:
            return self.pipe(**kwargs)
        finally:
            self.seconds += time.perf_counter() - start

    def __getattr__(self, name):
        return getattr(self.pipe, name)


def shard_rows(n_frames: int, size: int):
    """Frame rows, control rows and characters of enough planned stories for `n_frames` frames."""
    cast = sample_characters(12, 7, 3)
    frames, controls = [], []
    heights = {c["character_id"]: c["height"] for c in cast}
    params = {"width": size, "height": size, **CONTROL}
    index = 0
    while len(frames) < n_frames:
        index += 1
        sid = f"s{index:06d}"
        members = tuple(cast[(index + k) % len(cast)] for k in range(1 + index % 3))
        request = StoryRequest(sid, members, 6, members[0]["art_style"], seed_for(3, sid))
        story = TemplatePlanner().plan(request)
        _, rows = story_rows(story, Casting(sid, members, 6, request.seed), "template")
        for f in rows:
            frames.append(f)
            controls.extend(layout_frame(f, heights, lambda *p: rng_for(5, "controls", *p), params))
    keep = {f["frame_id"] for f in frames[:n_frames]}
    chars = {c["character_id"]: c for c in cast}
    return frames[:n_frames], [c for c in controls if c["frame_id"] in keep], chars


def render_shard(renderer, frames, controls, chars, size) -> tuple[float, float]:
    """(stage seconds, seconds inside the pipeline) for one shard, as frame_shard does it."""
    pipe = renderer.pipe.pipe if isinstance(renderer.pipe, Timed) else renderer.pipe
    timed = renderer.pipe = Timed(pipe)
    start = time.perf_counter()
    requests = [r for _, r in frame_requests(frames, controls, chars, 2025, (size, size))]
    images = renderer.render_frames(requests)
    rows = [{"frame_id": r.frame_id, "image": encode(im)} for r, im in zip(requests, images)]
    total = time.perf_counter() - start
    assert len(rows) == len(frames)
    return total, timed.seconds


def bench_render(args, models: dict) -> None:
    from storycast.renderers.diffusers_backend import DiffusersRenderer

    frames, controls, chars = shard_rows(args.frames, args.size)
    settings = dict(model=models["sd"], controlnet=models["controlnet"], pipeline="sd", dtype="float32",
                    device="cpu", steps=args.steps, guidance=5.0, scheduler="ddim", cpu_threads=args.threads)
    results = {}
    for batch in (1, 4):
        renderer = DiffusersRenderer(batch_size=batch, **settings)
        render_shard(renderer, frames[:4], controls, chars, args.size)      # warm-up (first-call costs)
        runs = [render_shard(renderer, frames, controls, chars, args.size) for _ in range(args.repeats)]
        results[batch] = runs
        total = statistics.median(t for t, _ in runs)
        overhead = statistics.median(t - m for t, m in runs)
        print(f"batch_size {batch}: stage {total:.3f} s for {len(frames)} frames "
              f"({len(frames) / total:.1f} frames/s); overhead {overhead * 1000 / len(frames):.2f} ms/frame "
              f"= {100 * statistics.median((t - m) / t for t, m in runs):.2f} % of stage time")
    speedup = statistics.median(t for t, _ in results[1]) / statistics.median(t for t, _ in results[4])
    print(f"batching speed-up (batch 4 vs 1): {speedup:.2f}x")


def bench_llm(args) -> None:
    cast = sample_characters(3, 11, 3)
    request = StoryRequest("s000001", tuple(cast[:2]), 8, cast[0]["art_style"], 5)
    story = TemplatePlanner().plan(request)
    answer = f"Here it is:\n```json\n{json.dumps(story)}\n```"
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        validate_story(extract_json(answer), request)
    parse = (time.perf_counter() - start) / n
    with ChatServer([Reply(content=answer)] * 50) as server:
        chat = OpenAIChatClient(base_url=server.base_url, model="m", api_key_env="", http_retries=0)
        times = []
        for _ in range(50):
            start = time.perf_counter()
            chat.chat([{"role": "user", "content": "x"}])
            times.append(time.perf_counter() - start)
    print(f"openai client round trip (local server, {len(answer)} B answer): median "
          f"{statistics.median(times) * 1000:.2f} ms; JSON extraction + validate_story: "
          f"{parse * 1000:.3f} ms/story")


def _judge_requests(n: int, size: int):
    from storycast.judges.base import JudgeRequest
    from storycast.qc import sample_frames
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, cast = ProceduralRenderer(), sample_characters(12, 11, 3)
    templates = {c["character_id"]: renderer.render_template(c, 256, 0) for c in cast}
    return [JudgeRequest(renderer.render_frame(req), req, templates)
            for _, req in sample_frames(cast, n, 5, (size, size))]


def _timed(obj, name: str, spent: list) -> None:
    """Wrap `obj.name` so its time is added to spent[0]."""
    inner = getattr(obj, name)

    def wrapper(*a, **kw):
        start = time.perf_counter()
        try:
            return inner(*a, **kw)
        finally:
            spent[0] += time.perf_counter() - start
    setattr(obj, name, wrapper)


def bench_judge(args, root: Path) -> None:
    from storycast.judges.base import CHECKS
    from storycast.judges.vlm import OpenAIJudge, TransformersJudge

    thresholds = {c: 0.5 for c in CHECKS}
    jrs = _judge_requests(args.frames, 512)
    judge = TransformersJudge(model=str(build_vlm(root / "vlm")), thresholds=thresholds, max_new_tokens=8,
                              max_retries=0, max_image_px=1024, cpu_threads=args.threads)
    _, model = judge.client._load()
    chat, generate = [0.0], [0.0]
    _timed(judge.client, "chat", chat)       # the model call: chat template, processor, generate, decode
    _timed(model, "generate", generate)
    ours, prep = [], []
    for _ in range(args.repeats):
        chat[0] = generate[0] = 0.0
        start = time.perf_counter()
        for jr in jrs:
            judge.judge(jr)
        total = time.perf_counter() - start
        ours.append((total - chat[0]) / total)
        prep.append((chat[0] - generate[0]) / total)
    print(f"VLM judge (tiny LLaVA, {len(jrs)} frames 512² + 256² templates): storycast's own work (rubric, "
          f"spec, images, parsing) {statistics.median(ours) * 100:.1f} % of the judge's time; transformers' "
          f"chat template + processor {statistics.median(prep) * 100:.1f} %; the rest is generate")
    ok = json.dumps({"scores": {c: 0.9 for c in CHECKS}, "verdict": "pass", "reasons": [],
                     "failing_characters": [], "regions": []})
    with ChatServer([Reply(content=ok)] * (len(jrs) * args.repeats)) as server:
        remote = OpenAIJudge(base_url=server.base_url, model="m", api_key_env="", http_retries=0,
                             thresholds=thresholds, max_image_px=512)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for jr in jrs:
                assert remote.judge(jr).verdict == "pass"
            times.append((time.perf_counter() - start) / len(jrs))
    print(f"openai judge (local server, frame + templates as PNG data URLs at 512): "
          f"median {statistics.median(times) * 1000:.1f} ms/frame on the client side and the local server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch cpu threads (0 = torch default)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="storycast-tiny-"))
    models = {"sd": str(build_sd(root / "sd")), "controlnet": str(build_controlnet(root / "controlnet"))}
    print(f"tiny SD + ControlNet, {args.frames} frames of {args.size}x{args.size}, {args.steps} steps, "
          f"{args.threads or 'default'} torch threads, medians of {args.repeats} runs")
    bench_render(args, models)
    bench_llm(args)
    bench_judge(args, root)


if __name__ == "__main__":
    main()
