"""Stage `qc` work: template references once, then the quality-gated loop per story shard.

`ref_shard` describes one shard of template sheets for the judge (`template_sheet.template_reference`),
cached like any shard. `build_backends` makes the renderer, judge, prompt tuner and local editor
the params select (once per worker process); the renderer answers a redraw of the frame being
repaired without drawing it again (`editors.local_edit.Redraws`). `qc_shard` reads a story shard's rendered frames,
frames, controls and the approved pool, rebuilds each frame's request
(`storycast.render.frame_requests`), runs the loop (`storycast.qc_loop.run_frame`) a story at a time
(every first attempt made and described before any is judged, so that each frame is judged against its
characters' colours in the story's other frames: `judges.story`) and returns the
`qc` rows (every attempt), the `qc_frames` rows (the final image when the loop changed it,
repaired or faulted; null when the rendered image passed untouched, so the render table's bytes
are not stored twice; the injected fault it still shows, if any) and the shard's statistics
(`storycast.qc_metrics`).
`sample_frames` builds frames without a pipeline (tests, calibration, benchmarks).
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from storycast import vocab
from storycast.editors.local_edit import Redraws
from storycast.errors import StorycastError
from storycast.judges import body_shape, head_shape, make_judge
from storycast.judges.embedding import Descriptor
from storycast.judges.story import story_peers
from storycast.judges.template_sheet import Reference, template_reference
from storycast.qc_loop import QCSettings, first_attempt, run_frame
from storycast.qc_metrics import FrameStats, ShardStats
from storycast.renderers.base import rgb_array
from storycast.seeding import rng_for, seed_for
from storycast.tables import load_schema, npz_bytes, table_bytes


# ---------------------------------------------------------------- template references
def references_bytes(refs: dict[str, Reference]) -> bytes:
    ids = sorted(refs)
    arrays = {"ids": np.array(ids, dtype=object).astype(str),
              "box": np.array([refs[i].box for i in ids], dtype=np.float32).reshape(-1, 4),
              "colours": np.array([refs[i].colours for i in ids], dtype=np.int32)}
    for view in ("front", "back"):
        arrays[f"{view}_lab"] = np.array([getattr(refs[i], view).lab for i in ids], dtype=np.float32)
        arrays[f"{view}_seen"] = np.array([getattr(refs[i], view).seen for i in ids], dtype=bool)
    arrays["front_shape"] = np.array([head_shape.shape_of(refs[i].front) for i in ids],
                                     dtype=np.float32).reshape(len(ids), -1)
    arrays["front_body"] = np.array([body_shape.body_of(refs[i].front) for i in ids],
                                    dtype=np.float32).reshape(len(ids), -1)
    return npz_bytes(arrays)


def references_load(paths) -> dict[str, Reference]:
    out = {}
    for path in paths:
        with np.load(path) as npz:
            data = {k: npz[k] for k in npz.files}      # each `npz[k]` inflates the whole array again
        for k, cid in enumerate(data["ids"].tolist()):
            views = [Descriptor(data[f"{v}_lab"][k].astype(np.float64), data[f"{v}_seen"][k])
                     for v in ("front", "back")]
            views[0] = dataclasses.replace(views[0], shape=data["front_shape"][k].astype(np.float64),
                                           body=data["front_body"][k].astype(np.float64))
            out[cid] = Reference(views[0], views[1], tuple(float(x) for x in data["box"][k]), int(data["colours"][k]))
    return out


def ref_shard(shard) -> dict[str, bytes]:
    """Judge references of one shard of template sheets (runs in a worker process)."""
    from storycast.render import decode_pixels

    path, pool = shard.payload
    table = pq.read_table(path, columns=["character_id", "image"], use_threads=False)   # see qc_shard
    # each character's spec, as its frames carry it: it says where its parts are sampled (`part_points`)
    specs = {r["character_id"]: r for r in pq.read_table(pool).to_pylist()}
    refs = {}
    for cid, image in zip(table["character_id"].to_pylist(), table["image"].to_pylist()):
        try:
            refs[cid] = template_reference(decode_pixels(image["bytes"]), specs.get(cid))
        except (ValueError, OSError, RuntimeError):    # no figure; not an image (PIL); bad WebP data
            continue          # an unreadable sheet: frames showing this character fail with a reason
    return {"refs.npz": references_bytes(refs)}


class LazyTemplates(Mapping):
    """Template sheets by character id, decoded from the templates table only when asked for."""

    def __init__(self, folder: str | None, ids: set[str]):
        self.folder, self.ids, self._cache = folder, set(ids), {}

    def __getitem__(self, cid: str) -> Image.Image:
        if cid not in self._cache:
            from storycast.render import load_templates

            found = load_templates(self.folder, {cid}) if self.folder else {}
            if cid not in found:
                raise KeyError(cid)
            self._cache[cid] = found[cid]
        return self._cache[cid]

    def __iter__(self):
        return iter(sorted(self.ids))

    def __len__(self) -> int:
        return len(self.ids)


# ---------------------------------------------------------------- the backends
def selected_backends(qc: dict, editor: dict) -> tuple[dict, dict]:
    """`qc` and `editor` params without the sub-sections of backends not selected: what the loop
    is built from, so that editing an unused backend's section changes no shard's cache key."""
    keep = {f"judge_{qc['judge']}", f"tuner_{qc.get('prompt_tuner', 'rules')}"}
    qc = {k: v for k, v in qc.items() if not k.startswith(("judge_", "tuner_")) or k in keep}
    editor = {k: v for k, v in editor.items() if k == "backend" or k == editor["backend"]}
    return qc, editor


def build_backends(renderer_settings: dict, qc: dict, editor: dict) -> tuple:
    """(renderer, judge, tuner, editor) from params; model weights load lazily, on first use."""
    from storycast.editors import make_editor, make_tuner
    from storycast.render import make_renderer

    renderer = Redraws(make_renderer(renderer_settings))
    judge = make_judge(qc["judge"], qc["thresholds"], **qc.get(f"judge_{qc['judge']}", {}))
    tuner_name = qc.get("prompt_tuner", "rules")
    tuner = make_tuner(tuner_name, qc.get(f"tuner_{tuner_name}"))
    return renderer, judge, tuner, make_editor(editor, renderer)


_MEMO: dict[str, tuple[str, object]] = {}


def per_worker(kind: str, key: str, build):
    """`build()` once per worker process for as long as `key` stays the same: the shards of a run
    share loaded models and template references instead of loading them again for each shard."""
    if kind not in _MEMO or _MEMO[kind][0] != key:
        _MEMO[kind] = (key, build())
    return _MEMO[kind][1]


def _backends(p: dict) -> tuple:
    key = json.dumps([p["renderer"], p["qc"], p["editor"]], sort_keys=True, default=str)
    return per_worker("backends", key, lambda: build_backends(p["renderer"], p["qc"], p["editor"]))


class Serialized:
    """A backend shared by the loop's threads one call at a time: diffusion pipelines are not
    thread-safe; a remote judge's waiting is what overlaps.
    The renderer and the editor share one lock (the re-render editor draws with the renderer)."""

    def __init__(self, inner, lock: threading.Lock):
        self._inner, self._lock = inner, lock

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def locked(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)
        return locked


def _in_order(fn, items, threads: int):
    """`fn` over `items`, results in order: on `threads` threads when the judge answers over the
    network (`max_concurrency` requests in flight), one by one otherwise. Frames are independent
    (each draws its own seeds), so the results do not depend on the thread count."""
    if threads <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="qc-frame") as pool:
        yield from pool.map(fn, items)


# ---------------------------------------------------------------- the shard
def story_peers_of(judge, jobs) -> list:
    """Per prepared frame of one story, its characters' colours in the story's other frames
    (`judges.story.story_peers`) from the first attempts; None for each where the judge does not
    describe frames (`story_tones`: the measured judge does, a VLM does not)."""
    if not hasattr(judge, "story_tones"):
        return [None] * len(jobs)
    tones = []
    for _, request, _, _, (img, _, img_pixels) in jobs:
        try:
            tones.append(judge.story_tones(img_pixels if img_pixels is not None else rgb_array(img),
                                           request))
        except Exception:  # noqa: BLE001 - the frame's own judging records what is wrong with it
            tones.append({})
    return story_peers(tones)


def qc_shard(shard) -> dict[str, bytes]:
    """The loop over one story shard (runs in a worker process)."""
    from storycast.render import decode_pixels, encode, frame_requests

    p = shard.payload
    qc = p["qc"]
    renderer, judge, tuner, editor = _backends(p)
    if getattr(judge, "concurrency", 1) > 1:
        lock = threading.Lock()
        renderer, editor = Serialized(renderer, lock), Serialized(editor, lock)
    settings = QCSettings.from_params(qc)
    refs = per_worker("references", json.dumps(p["refs"]), lambda: references_load(p["refs"]))   # read-only
    # The retrieval gallery of all references (~1.3 s at paper scale): once per worker as well.
    made = per_worker("gallery", json.dumps(p["refs"]), lambda: ShardStats.gallery_of(refs))
    chars = {r["character_id"]: r for r in pq.read_table(p["pool"]).to_pylist() if r["review_status"] == "approved"}
    templates = LazyTemplates(p["templates"], set(chars))
    frames = pq.read_table(p["frames"]).to_pylist()
    controls = pq.read_table(p["controls"]).to_pylist()
    # One worker process per core already: Arrow's reader threads would only contend with the other
    # workers (a 160 MB shard read: 0.39 CPU-s on threads, 0.22 without).
    rendered = pq.read_table(p["render"], columns=["frame_id", "image"], use_threads=False)
    images = dict(zip(rendered["frame_id"].to_pylist(), rendered["image"].to_pylist()))
    stats = ShardStats.for_gallery(refs, made)
    qc_rows, frame_rows = [], []

    def prepare(item):
        """Decode a frame's render and make its first attempt (the seeded fault, if any)."""
        frame, request = item
        raw = images.get(frame["frame_id"])
        if raw is None:
            raise StorycastError(f"{p['render']} has no image for frame {frame['frame_id']}: rerun the render stage")
        # Decoded to an array for the judge; the PIL image (for faults, repairs and the renderer's
        # memory of this frame) is made from it, cheaper than copying a PIL decode's pixels out.
        try:
            pixels = decode_pixels(raw["bytes"])
        except (ValueError, OSError, RuntimeError) as err:      # PIL; libwebp's WebpError is a RuntimeError
            raise StorycastError(f"{p['render']}: the image of frame {frame['frame_id']} cannot be decoded "
                                 f"({type(err).__name__}: {err}): rerun the render stage") from err
        image = Image.fromarray(pixels)
        renderer.start_frame(request, image)
        return frame, request, image, pixels, first_attempt(image, pixels, request, renderer, settings, p["seed"])

    def loop(job):
        (frame, request, image, pixels, first), peers = job
        renderer.start_frame(request, image)
        out = run_frame(frame, request, image, judge=judge, renderer=renderer, editor=editor, tuner=tuner,
                        templates=templates, references=refs, settings=settings, seed=p["seed"], pixels=pixels,
                        first=first, peers=peers)
        # Its statistics here, while the render's pixels are at hand (a pixel-art crop is retrieved
        # through the frame's palette); a seeded sample of frames gives the retrieval crops.
        sample = rng_for(p["seed"], "qc-retrieval", frame["frame_id"]).random() < p["retrieval_rate"]
        return frame, out, FrameStats.of(out, request, sample, pixels)

    # A story at a time: every first attempt is made and described before any frame is judged, so
    # each frame is judged against its characters' colours in the story's other frames. The stories
    # stage writes a story's frames together; a story split in a shard would be judged in parts.
    items = frame_requests(frames, controls, chars, p["seed"], tuple(p["size"]))
    for _, story in itertools.groupby(items, key=lambda item: item[0]["story_id"]):
        jobs = [prepare(item) for item in story]
        peers = story_peers_of(judge, jobs) if settings.story_check else [None] * len(jobs)
        for frame, out, frame_stats in _in_order(loop, list(zip(jobs, peers)), getattr(judge, "concurrency", 1)):
            qc_rows.extend(out.rows)
            frame_rows.append({"frame_id": frame["frame_id"], "story_id": frame["story_id"],
                               "image": encode(out.image) if out.changed else None,
                               "prompt": out.prompt, "qc_verdict": out.verdict, "qc_rounds": out.rounds,
                               "fault": out.fault_kept.label if out.fault_kept else ""})
            stats.add(frame_stats)
    return {"qc.parquet": table_bytes(qc_rows, load_schema("qc"), row_group_size=500),
            "frames.parquet": table_bytes(frame_rows, load_schema("qc_frames"), row_group_size=50),
            "stats.json": json.dumps(stats.to_json(), sort_keys=True).encode()}


# ---------------------------------------------------------------- samples without a pipeline
def sample_frames(characters: list[dict], n: int, seed: int, size: tuple[int, int] = (512, 512),
                  cast_weights=(0.3, 0.45, 0.2, 0.05), back_facing_rate: float = 0.08) -> list:
    """`n` (frame, FrameRequest) pairs over `characters`: casts of one art style, every pose,
    expression, setting, lighting, shot and camera angle drawn uniformly, laid out by the controls
    stage's `layout_frame` (deterministic in `seed`)."""
    from storycast.controls import layout_frame
    from storycast.render import frame_requests

    by_style: dict[str, list[dict]] = {}
    for c in characters:
        by_style.setdefault(c["art_style"], []).append(c)
    pool = {c["character_id"]: c for c in characters}
    heights = {c["character_id"]: c["height"] for c in characters}
    params = {"width": size[0], "height": size[1], "pose_jitter_deg": 6.0, "position_jitter": 0.04,
              "back_facing_rate": back_facing_rate}
    out = []
    for i in range(n):
        rng = rng_for(seed, "qc-sample", str(i))
        lead = characters[int(rng.integers(len(characters)))]
        same = [c for c in by_style[lead["art_style"]] if c is not lead]
        k = min(1 + int(rng.choice(len(cast_weights), p=np.asarray(cast_weights) / sum(cast_weights))), len(same) + 1)
        cast = [lead] + [same[j] for j in rng.choice(len(same), k - 1, replace=False)] if k > 1 else [lead]
        ids = [c["character_id"] for c in cast]
        frame = {"frame_id": f"q{seed}-{i:05d}", "story_id": f"q{seed}", "frame_index": i,
                 "setting": str(rng.choice(list(vocab.SETTINGS))), "lighting": str(rng.choice(vocab.LIGHTINGS)),
                 "shot_type": str(rng.choice(list(vocab.SHOT_TYPES))),
                 "camera_angle": str(rng.choice(vocab.CAMERA_ANGLES)), "character_ids": ids,
                 "poses": [str(rng.choice(vocab.POSES)) for _ in ids],
                 "expressions": [str(rng.choice(vocab.EXPRESSIONS)) for _ in ids],
                 "actions": ["is here"] * len(ids), "scene": "A scene.", "narration": "",
                 "art_style": lead["art_style"], "beat": "setup"}
        rows = layout_frame(frame, heights, lambda *parts: rng_for(seed, "controls", *parts), params)
        out.extend(frame_requests([frame], rows, pool, seed_for(seed, "qc-sample") % 2**31, size))
    return out
