"""Image stages' shard work: template sheets per character shard, frame images per story shard.

The renderer backend is chosen by `renderer.backend`; its knobs come from params. A shard loads its
inputs from the tables, builds the decoupled requests (identity spec + controls + scene + style),
asks the backend for images and returns Parquet bytes with the images as the `Image` feature.
"""
from __future__ import annotations

import importlib

import numpy as np
import pyarrow.parquet as pq

from storycast.errors import StorycastError
from storycast.prompts import frame_prompt, template_prompt
from storycast.seeding import seed_for
from storycast.tables import load_schema, table_bytes

RENDERERS = {
    "procedural": ("storycast.renderers.procedural", "ProceduralRenderer"),
    "diffusers": ("storycast.renderers.diffusers_backend", "DiffusersRenderer"),
}
TEMPLATE_TABLE, FRAME_TABLE = "templates", "render"


def make_renderer(settings: dict):
    """The backend named by `renderer.backend`, built with its own params sub-section."""
    name = settings["backend"]
    if name not in RENDERERS:
        raise StorycastError(f"unknown renderer.backend {name!r}; expected one of {', '.join(RENDERERS)}")
    module, cls = RENDERERS[name]
    return getattr(importlib.import_module(module), cls)(**settings.get(name, {}))


def encode(image) -> dict:
    """An `Image` feature value: lossless WebP (method 0). Pixel-exact like PNG, so pixel-level checks
    hold in the release, but 2-4x faster to encode than PNG and ~20% smaller on these illustrations."""
    import io

    buf = io.BytesIO()
    image.save(buf, format="WEBP", lossless=True, quality=0, method=0, exact=True)
    return {"bytes": buf.getvalue(), "path": None}


def decode(data: bytes):
    """The RGB image of an `Image` feature's bytes, decoded now. A frame stored by `encode` decodes
    as RGB already and is returned as is: `convert("RGB")` would only copy it."""
    import io

    from PIL import Image

    from storycast.renderers.base import rgb_image

    image = Image.open(io.BytesIO(data))
    image.load()
    return rgb_image(image)


def decode_pixels(data: bytes) -> np.ndarray:
    """The RGB pixels (h x w x 3 uint8, read-only) of an `Image` feature's bytes, as `decode` gives
    them. A lossless WebP without alpha (what `encode` writes) is decoded by libwebp straight into
    an array (imagecodecs): ~40% faster than PIL's decoder, and no PIL image to copy the pixels out
    of; lossless means both give the same bytes. Anything else goes through `decode`."""
    pixels = None
    if data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8L":
        import imagecodecs

        pixels = imagecodecs.webp_decode(data)
    if pixels is None or pixels.ndim != 3 or pixels.shape[2] != 3:
        pixels = np.array(decode(data))
    pixels.flags.writeable = False      # shared by the judge's attempts: nobody may draw on it
    return pixels


def template_shard(shard) -> dict[str, bytes]:
    """Template sheets of one range of characters (runs in a worker process)."""
    characters_path, ids, seed, size, settings = shard.payload
    renderer = make_renderer(settings)
    chars = {r["character_id"]: r for r in pq.read_table(characters_path).to_pylist()}
    rows = []
    for cid in ids:
        char = chars[cid]
        s = seed_for(seed, "templates", cid) % 2**32
        try:
            image = renderer.render_template(char, size, s)
        except ValueError as err:
            raise StorycastError(f"{characters_path}: character {cid}: {err}") from None
        rows.append({"character_id": cid, "image": encode(image), "prompt": template_prompt(char),
                     "seed": s, "renderer": renderer.name, "renderer_version": renderer.version,
                     "width": image.width, "height": image.height})
    return {"templates.parquet": table_bytes(rows, load_schema(TEMPLATE_TABLE), row_group_size=20)}


def frame_requests(frames: list[dict], controls: list[dict], chars: dict[str, dict], seed: int,
                   size: tuple[int, int]):
    """(frame, request, prompt) for each frame, controls joined by frame and ordered by slot."""
    from storycast.renderers.base import CharacterControl, FrameRequest

    by_frame: dict[str, list[dict]] = {}
    for c in controls:
        by_frame.setdefault(c["frame_id"], []).append(c)
    for frame in frames:
        rows = sorted(by_frame.get(frame["frame_id"], []), key=lambda c: c["slot"])
        if [c["character_id"] for c in rows] != list(frame["character_ids"]):
            raise StorycastError(f"frame {frame['frame_id']}: controls do not match the frame's characters")
        missing = [cid for cid in frame["character_ids"] if cid not in chars]
        if missing:
            raise StorycastError(f"frame {frame['frame_id']}: characters {missing} are not approved")
        prompt = frame_prompt(frame, chars, rows)
        request = FrameRequest(
            frame_id=frame["frame_id"], width=size[0], height=size[1], setting=frame["setting"],
            lighting=frame["lighting"], shot_type=frame["shot_type"], camera_angle=frame["camera_angle"],
            art_style=frame["art_style"], prompt=prompt,
            seed=seed_for(seed, "render", frame["frame_id"]) % 2**32,
            characters=tuple(CharacterControl(
                character=chars[c["character_id"]], pose=c["pose"], expression=c["expression"],
                facing=c["facing"], keypoints=np.asarray(c["keypoints"], dtype=np.float64),
                visibility=np.asarray(c["keypoint_visibility"]), scale=float(c["scale"]),
                depth=int(c["depth"]), bbox=tuple(c["bbox"])) for c in rows))
        yield frame, request


def load_templates(folder: str, character_ids: set[str]) -> dict:
    """Template sheets (PIL images) of the given characters: the identity references."""
    import io

    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    from PIL import Image

    table = ds.dataset(folder, format="parquet").to_table(
        columns=["character_id", "image"], filter=pc.field("character_id").isin(sorted(character_ids)))
    return {r["character_id"]: Image.open(io.BytesIO(r["image"]["bytes"])).convert("RGB")
            for r in table.to_pylist()}


def _draw(renderer, items: list, templates_dir: str) -> list:
    """Images for (frame, request) items: batched with template references where the backend can."""
    requests = [request for _, request in items]
    if hasattr(renderer, "render_frames"):
        ids = {c.character["character_id"] for r in requests for c in r.characters}
        return renderer.render_frames(requests, references=load_templates(templates_dir, ids))
    images = []
    for frame, request in items:
        try:
            images.append(renderer.render_frame(request))
        except ValueError as err:  # a bad class id or size in the inputs: name the frame, stop cleanly
            raise StorycastError(f"frame {frame['frame_id']}: {err}") from None
    return images


def frame_shard(shard) -> dict[str, bytes]:
    """Frame images of one story shard (runs in a worker process)."""
    frames_path, controls_path, pool_path, templates_dir, seed, size, settings = shard.payload
    renderer = make_renderer(settings)
    chars = {r["character_id"]: r for r in pq.read_table(pool_path).to_pylist()
             if r["review_status"] == "approved"}
    frames = pq.read_table(frames_path).to_pylist()
    controls = pq.read_table(controls_path).to_pylist()
    items = list(frame_requests(frames, controls, chars, seed, size))
    rows = []
    for (frame, request), image in zip(items, _draw(renderer, items, templates_dir), strict=True):
        rows.append({"frame_id": frame["frame_id"], "story_id": frame["story_id"],
                     "frame_index": frame["frame_index"], "image": encode(image), "prompt": request.prompt,
                     "seed": request.seed, "renderer": renderer.name,
                     "renderer_version": renderer.version, "width": image.width, "height": image.height})
    return {"render.parquet": table_bytes(rows, load_schema(FRAME_TABLE), row_group_size=50)}
