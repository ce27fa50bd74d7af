"""Local image editors: regenerate one region of a frame (a character box or a face box) in place.

The quality-gated loop uses an editor to repair a frame without redrawing all of it. Every editor
keeps the pixels outside the region byte-identical to the input, so a repair never touches what
the judge already accepted. Backends are chosen by name (`editor.backend`: `renderer` redraws the
frame with the stage's renderer and keeps the box, `inpaint` regenerates the box with a diffusers
inpainting model); heavy imports happen only when built.

Prompt tuners (`qc.prompt_tuner`) live here too: `rules` (`prompt_tuning.tune`, embedded) or an
LLM (`llm_tuning`), built by `make_tuner` with its params sub-section `qc.tuner_<name>`.
"""
from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

from PIL import Image

from storycast.errors import StorycastError

EDITORS = {"renderer": ("storycast.editors.local_edit", "RerenderEditor"),
           "inpaint": ("storycast.editors.inpaint", "DiffusersInpaintEditor")}
TUNERS = {"rules": None,
          "transformers": ("storycast.editors.llm_tuning", "TransformersPromptTuner"),
          "openai": ("storycast.editors.llm_tuning", "OpenAIPromptTuner")}


@runtime_checkable
class LocalEditor(Protocol):
    name: str
    version: str

    def edit(self, image: Image.Image, box: tuple[int, int, int, int], prompt: str,
             seed: int) -> Image.Image: ...


def edit_box(box, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer pixel box [x0, x1) x [y0, y1) inside the image; a box without area is an error
    (an editor must regenerate something)."""
    from storycast.judges.base import clip_box

    if len(box) != 4:
        raise ValueError(f"box {box!r} must be (x0, y0, x1, y1)")
    px = clip_box(box, width, height)
    if px is None:
        raise ValueError(f"box {tuple(box)} has no area inside the {width}x{height} image")
    return px


def make_editor(settings: dict, renderer=None, key: str = "editor"):
    """The editor named by `settings["backend"]`, built with its own sub-section of params
    (`renderer` redraws with the given renderer)."""
    name = settings["backend"]
    if name not in EDITORS:
        raise StorycastError(f"unknown {key}.backend {name!r}; expected one of {', '.join(EDITORS)}")
    module, cls = EDITORS[name]
    built = getattr(importlib.import_module(module), cls)
    if name == "renderer":
        if renderer is None:
            raise StorycastError(f"{key}.backend: renderer needs the stage's renderer")
        return built(renderer)
    return built(**settings.get(name, {}))


def make_tuner(name: str, settings: dict | None = None):
    """The LLM prompt tuner called `name` (`qc.prompt_tuner`) built from `settings`
    (`qc.tuner_<name>`), or None for `rules` (the loop's rule-based tuner)."""
    if name not in TUNERS:
        raise StorycastError(f"unknown qc.prompt_tuner {name!r}; expected one of {', '.join(TUNERS)}")
    if TUNERS[name] is None:
        return None
    module, cls = TUNERS[name]
    return getattr(importlib.import_module(module), cls)(**(settings or {}))
