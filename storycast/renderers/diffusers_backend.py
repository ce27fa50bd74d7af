"""The `diffusers` renderer: text-to-image with a pose ControlNet, identity from the template.

Per frame: the OpenPose pose map drawn from the request's keypoints (`storycast.posemap`, the same
drawing the controls stage stores) conditions a ControlNet; the prompt is the request's, already
assembled from the decoupled blocks (identity | transient | scene+composition | style). With
`ip_adapter` set, each character's template image conditions an IP-Adapter through a mask of that
character's box (`IPAdapterMaskProcessor`), so several identities share one frame without mixing.

Frames of a shard are generated `batch_size` at a time (IP-Adapter frames one at a time: their
per-character masks cannot be batched), each from its own seeded CPU generator. Models load lazily
on the first image, from a local folder or the HF cache only; the constructor resolves every model
first, so a missing one fails when the stage builds the backend.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from storycast.posemap import draw_pose_map
from storycast.prompts import template_prompt
from storycast.renderers import diffusers_pipes as dp
from storycast.renderers.base import FrameRequest, validate_request, validate_template
from storycast.renderers.long_prompts import prompt_kwargs, prompt_windows
from storycast.seeding import seed_for
from storycast.skeleton import pose_keypoints
from storycast.weights import resolve_model

PREFIX = "renderer.diffusers"
TEMPLATE_FIGURE = 0.82     # a template's standing figure fills this fraction of the sheet height
NEUTRAL_REFERENCE = (128, 128, 128)


def standing_pose_map(size: int) -> Image.Image:
    """The neutral pose of a template sheet: one front-facing standing figure, centred, feet down."""
    points, vis = pose_keypoints("standing", "front")
    top, bottom = points[:, 1].min(), points[:, 1].max()
    scale = size * TEMPLATE_FIGURE / (bottom - top)
    offset = np.array([size / 2 - points[:, 0].mean() * scale, size * 0.93 - bottom * scale])
    return draw_pose_map(size, size, [(points * scale + offset, vis)])


def frame_pose_map(request: FrameRequest, width: int | None = None, height: int | None = None) -> Image.Image:
    """The request's skeletons drawn far to near, as the controls stage draws its pose maps."""
    w, h = width or request.width, height or request.height
    sx, sy = w / request.width, h / request.height
    chars = sorted(request.characters, key=lambda c: -c.depth)
    return draw_pose_map(w, h, [(np.asarray(c.keypoints, float) * (sx, sy), np.asarray(c.visibility))
                                for c in chars])


def character_masks(request: FrameRequest, width: int, height: int) -> list[Image.Image]:
    """One binary mask per character (request order): its box, nearer characters win overlaps."""
    sx, sy = width / request.width, height / request.height
    owner = np.full((height, width), -1, dtype=np.int16)
    for i in sorted(range(len(request.characters)), key=lambda i: -request.characters[i].depth):
        x0, y0, x1, y1 = request.characters[i].bbox
        c0, r0 = max(0, int(np.floor(x0 * sx))), max(0, int(np.floor(y0 * sy)))
        c1, r1 = min(width, int(np.ceil(x1 * sx))), min(height, int(np.ceil(y1 * sy)))
        owner[r0:r1, c0:c1] = i
    return [Image.fromarray(((owner == i) * 255).astype(np.uint8), "L")
            for i in range(len(request.characters))]


class DiffusersRenderer:
    """Pose-ControlNet diffusion renderer (Stable Diffusion 1.x/2.x or SDXL checkpoints)."""

    name = "diffusers"

    def __init__(self, model: str, controlnet: str, pipeline: str = "sdxl", revision: str = "",
                 controlnet_revision: str = "", variant: str = "", dtype: str = "float16",
                 device: str = "cuda", steps: int = 30, guidance: float = 6.0, controlnet_scale: float = 1.0,
                 scheduler: str = "default", negative_prompt: str = "", batch_size: int = 1,
                 compile: bool = False, trust_remote_code: bool = False, ip_adapter: str = "",
                 ip_adapter_revision: str = "", ip_adapter_subfolder: str = "", ip_adapter_weight: str = "",
                 ip_adapter_image_encoder: str = "image_encoder", ip_adapter_scale: float = 0.6,
                 cpu_threads: int = 0):
        dp.check_choice(f"{PREFIX}.pipeline", pipeline, dp.KINDS)
        dp.check_choice(f"{PREFIX}.scheduler", scheduler, tuple(dp.SCHEDULERS))
        dp.check_range(f"{PREFIX}.steps", steps, 1, 500, integer=True)
        dp.check_range(f"{PREFIX}.batch_size", batch_size, 1, 256, integer=True)
        dp.check_range(f"{PREFIX}.guidance", guidance, 0.0, 50.0)
        dp.check_range(f"{PREFIX}.controlnet_scale", controlnet_scale, 0.0, 5.0)
        dp.check_range(f"{PREFIX}.ip_adapter_scale", ip_adapter_scale, 0.0, 5.0)
        if ip_adapter and not ip_adapter_weight:
            raise dp.BackendError(f"{PREFIX}.ip_adapter is set but {PREFIX}.ip_adapter_weight is empty "
                                  f"(the .safetensors file name, e.g. "
                                  f"ip-adapter-plus_sdxl_vit-h.safetensors)")
        self.kind, self.steps, self.guidance = pipeline, int(steps), float(guidance)
        self.controlnet_scale, self.scheduler = float(controlnet_scale), scheduler
        self.negative_prompt, self.batch_size = negative_prompt, int(batch_size)
        self.runtime = dp.make_runtime(PREFIX, device, dtype, compile, trust_remote_code, variant,
                                       cpu_threads)
        self.refs = {"model": model, "controlnet": controlnet}
        self.paths = {"model": resolve_model(model, revision, key=f"{PREFIX}.model"),
                      "controlnet": resolve_model(controlnet, controlnet_revision,
                                                  key=f"{PREFIX}.controlnet")}
        self.ip = None
        if ip_adapter:
            resolve_model(ip_adapter, ip_adapter_revision, key=f"{PREFIX}.ip_adapter")
            self.ip = dict(ref=ip_adapter, revision=ip_adapter_revision, subfolder=ip_adapter_subfolder,
                           weight=ip_adapter_weight, image_encoder=ip_adapter_image_encoder)
        self.ip_scale = float(ip_adapter_scale)
        ident = lambda ref, rev: f"{ref}@{rev}" if rev else ref  # noqa: E731
        self.version = "1:" + "+".join([ident(model, revision), ident(controlnet, controlnet_revision)]
                                       + ([ident(ip_adapter, ip_adapter_revision)] if ip_adapter else []))
        self._pipe = None
        self._self_templates: dict[str, Image.Image] = {}

    # ------------------------------------------------------------------ pipeline
    @property
    def pipe(self):
        """The loaded pipeline (first use loads it; tests may replace it with a wrapper)."""
        if self._pipe is None:
            pipe = dp.load_controlnet_pipeline(self.kind, self.paths["model"], self.paths["controlnet"],
                                               self.runtime, prefix=PREFIX, model_ref=self.refs["model"],
                                               controlnet_ref=self.refs["controlnet"])
            dp.set_scheduler(pipe, self.scheduler)
            if self.ip:
                dp.load_ip_adapter(pipe, self.ip["ref"], self.ip["revision"], self.ip["subfolder"],
                                   self.ip["weight"], self.ip["image_encoder"], prefix=PREFIX)
            self._pipe = pipe
        return self._pipe

    @pipe.setter
    def pipe(self, value) -> None:
        self._pipe = value

    def _call(self, prompts: list[str], controls: list[Image.Image], seeds: list[int], width: int,
              height: int, ip: tuple | None = None) -> list[Image.Image]:
        kwargs = dict(image=controls, height=height, width=width,
                      num_inference_steps=self.steps, guidance_scale=self.guidance,
                      controlnet_conditioning_scale=self.controlnet_scale,
                      generator=dp.generators(seeds), output_type="pil",
                      **prompt_kwargs(self.pipe, prompts, self.negative_prompt))   # whole, past 77 tokens
        if self.ip:
            refs, masks = ip if ip else ([Image.new("RGB", (64, 64), NEUTRAL_REFERENCE)], None)
            from diffusers.image_processor import IPAdapterMaskProcessor

            self.pipe.set_ip_adapter_scale([[self.ip_scale if masks else 0.0] * len(refs)])
            kwargs["ip_adapter_image"] = [list(refs)]
            if masks:
                m = IPAdapterMaskProcessor().preprocess(masks, height=height, width=width)
                m = m.reshape(1, m.shape[0], *m.shape[2:])   # one adapter: (1, characters, H, W)
                kwargs["cross_attention_kwargs"] = {"ip_adapter_masks": [m]}
        return list(self.pipe(**kwargs).images)

    # ------------------------------------------------------------------ templates
    def render_template(self, character: dict, size: int, seed: int) -> Image.Image:
        """The identity prompt at `size` x `size`, posed by a neutral standing pose map."""
        validate_template(character, size)
        gw, gh = dp.generation_size(size, size)
        image = self._call([template_prompt(character)], [standing_pose_map(gw)], [seed], gw, gh)[0]
        return dp.to_size(image, size, size)

    def _reference(self, character: dict, references: Mapping[str, Image.Image] | None,
                   size: int) -> Image.Image:
        """A character's template: from `references` (the templates stage), else drawn here once at
        `size` (the frame's short side), with a seed of its own id."""
        cid = character["character_id"]
        if references is not None and cid in references:
            return references[cid].convert("RGB")
        if cid not in self._self_templates:
            seed = seed_for(0, "templates", cid) % 2**32
            self._self_templates[cid] = self.render_template(character, size, seed)
        return self._self_templates[cid]

    # ------------------------------------------------------------------ frames
    def render_frame(self, request: FrameRequest,
                     references: Mapping[str, Image.Image] | None = None) -> Image.Image:
        return self.render_frames([request], references)[0]

    def render_frames(self, requests: Sequence[FrameRequest],
                      references: Mapping[str, Image.Image] | None = None) -> list[Image.Image]:
        """Images of `requests`, in order; generated `batch_size` frames per pipeline call. A batch
        holds frames of one size whose prompts span as many 77-token windows, so a frame's image
        never depends on which frames share its batch (its embeddings are not padded for them)."""
        for r in requests:
            validate_request(r)
        size = 1 if self.ip else self.batch_size
        groups: dict[tuple, list[int]] = {}
        for i, r in enumerate(requests):
            key = (r.width, r.height, prompt_windows(self.pipe, r.prompt, self.negative_prompt))
            groups.setdefault(key, []).append(i)
        out: list[Image.Image | None] = [None] * len(requests)
        for (width, height, _), members in groups.items():
            for start in range(0, len(members), size):
                chunk = [requests[i] for i in members[start:start + size]]
                for i, image in zip(members[start:start + size], self._draw(chunk, width, height, references)):
                    out[i] = image
        return out

    def _draw(self, chunk: list[FrameRequest], width: int, height: int,
              references: Mapping[str, Image.Image] | None) -> list[Image.Image]:
        """One pipeline call for frames of one size."""
        gw, gh = dp.generation_size(width, height)
        first, ip = chunk[0], None
        if self.ip and first.characters:
            side = max(64, min(width, height))
            ip = ([self._reference(c.character, references, side) for c in first.characters],
                  character_masks(first, gw, gh))
        images = self._call([r.prompt for r in chunk], [frame_pose_map(r, gw, gh) for r in chunk],
                            [r.seed for r in chunk], gw, gh, ip)
        return [dp.to_size(im, r.width, r.height) for im, r in zip(images, chunk)]
