"""`inpaint`: a diffusers inpainting pipeline that regenerates one box of a frame.

The pipeline sees the whole frame and a binary mask of the box; its output is then composited
back with that same binary mask, so every pixel outside the box is the input's pixel, byte for
byte (the VAE round trip would otherwise shift colours everywhere). Deterministic per seed.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from storycast.editors import edit_box
from storycast.editors.local_edit import composite
from storycast.renderers import diffusers_pipes as dp
from storycast.renderers.long_prompts import prompt_kwargs
from storycast.weights import resolve_model

PREFIX = "editor.inpaint"


class DiffusersInpaintEditor:
    """`edit(image, box, prompt, seed)` -> the image with only `box` regenerated."""

    name = "inpaint"

    def __init__(self, model: str, pipeline: str = "sdxl", revision: str = "", variant: str = "",
                 dtype: str = "float16", device: str = "cuda", steps: int = 30, guidance: float = 6.0,
                 strength: float = 0.99, scheduler: str = "default", negative_prompt: str = "",
                 compile: bool = False, trust_remote_code: bool = False, cpu_threads: int = 0):
        dp.check_choice(f"{PREFIX}.pipeline", pipeline, dp.KINDS)
        dp.check_choice(f"{PREFIX}.scheduler", scheduler, tuple(dp.SCHEDULERS))
        dp.check_range(f"{PREFIX}.steps", steps, 1, 500, integer=True)
        dp.check_range(f"{PREFIX}.guidance", guidance, 0.0, 50.0)
        dp.check_range(f"{PREFIX}.strength", strength, 0.01, 1.0)
        self.kind, self.steps = pipeline, int(steps)
        self.guidance, self.strength = float(guidance), float(strength)
        self.scheduler, self.negative_prompt = scheduler, negative_prompt
        self.runtime = dp.make_runtime(PREFIX, device, dtype, compile, trust_remote_code, variant,
                                       cpu_threads)
        self.ref = model
        self.path = resolve_model(model, revision, key=f"{PREFIX}.model")
        self.version = "1:" + (f"{model}@{revision}" if revision else model)
        self._pipe = None

    @property
    def pipe(self):
        if self._pipe is None:
            pipe = dp.load_inpaint_pipeline(self.kind, self.path, self.runtime, prefix=PREFIX,
                                            model_ref=self.ref)
            dp.set_scheduler(pipe, self.scheduler)
            self._pipe = pipe
        return self._pipe

    @pipe.setter
    def pipe(self, value) -> None:
        self._pipe = value

    def edit(self, image: Image.Image, box: tuple[int, int, int, int], prompt: str, seed: int) -> Image.Image:
        original = image.convert("RGB")
        width, height = original.size
        px = edit_box(box, width, height)
        gw, gh = dp.generation_size(width, height)
        mask = np.zeros((height, width), dtype=np.uint8)
        mask[px[1]:px[3], px[0]:px[2]] = 255
        kwargs = dict(image=dp.to_size(original, gw, gh),
                      mask_image=Image.fromarray(mask, "L").resize((gw, gh), Image.NEAREST),
                      height=gh, width=gw, num_inference_steps=self.steps, guidance_scale=self.guidance,
                      strength=self.strength, generator=dp.generators([seed])[0], output_type="pil",
                      **prompt_kwargs(self.pipe, [prompt], self.negative_prompt))   # whole, past 77 tokens
        generated = dp.to_size(self.pipe(**kwargs).images[0], width, height)
        return composite(original, generated, px)
