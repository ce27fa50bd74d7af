"""Local image editors: regenerate one region of a frame (a character box or a face box) in place.

The quality-gated loop uses an editor to repair a frame without redrawing all of it. Every editor
keeps the pixels outside the region byte-identical to the input, so a repair never touches what
the judge already accepted. Backends are chosen by name; heavy imports happen only when built.
"""
from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

from PIL import Image

from storycast.errors import StorycastError

EDITORS = {"inpaint": ("storycast.editors.inpaint", "DiffusersInpaintEditor")}


@runtime_checkable
class LocalEditor(Protocol):
    name: str
    version: str

    def edit(self, image: Image.Image, box: tuple[int, int, int, int], prompt: str,
             seed: int) -> Image.Image: ...


def make_editor(settings: dict, key: str = "editor"):
    """The editor named by `settings["backend"]`, built with its own sub-section of params."""
    name = settings["backend"]
    if name not in EDITORS:
        raise StorycastError(f"unknown {key}.backend {name!r}; expected one of {', '.join(EDITORS)}")
    module, cls = EDITORS[name]
    return getattr(importlib.import_module(module), cls)(**settings.get(name, {}))
