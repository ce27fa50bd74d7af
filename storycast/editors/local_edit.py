"""Local image editing for the quality-gated loop: regenerate one box of a frame, nothing else.

`local_edit(editor, image, box, request, seed)` asks an editor for a new version of the box and
composites it back, so every pixel outside the box is the input's, byte for byte, whatever the
editor does (the loop checks this too). Two kinds of editors:

- `RerenderEditor` (the embedded default, for renderers without an inpainting model such as the
  procedural one): re-render the frame's request and take only the box;
- any `storycast.editors.LocalEditor` (`edit(image, box, prompt, seed)`, e.g. the diffusers
  inpainting editor), which regenerates the box from the prompt.
"""
from __future__ import annotations

import threading

from PIL import Image, ImageChops

from storycast.editors import edit_box
from storycast.renderers.base import FrameRequest, rgb_image


class RerenderEditor:
    """Local edit by re-rendering: the renderer draws the whole request, the box is pasted. Through
    `Redraws`, so several boxes of one frame cost one drawing (and none when the loop shares its
    `Redraws` renderer, which knows the frame's stored render)."""

    name = "renderer"   # `editor.backend: renderer`

    def __init__(self, renderer):
        self.renderer = renderer if isinstance(renderer, Redraws) else Redraws(renderer)
        self.version = f"rerender:{renderer.name}:{renderer.version}"

    def edit_request(self, image: Image.Image, box: tuple[int, int, int, int],
                     request: FrameRequest) -> Image.Image:
        """The whole frame drawn for `request`: `local_edit` keeps its box alone."""
        return self.renderer.render_frame(request)


class Redraws:
    """The renderer, answering a request it drew last, or the frame's own request, with that image
    instead of drawing it again (a procedural frame takes ~15 ms, a diffusion one seconds). The
    re-render editor redraws the request it repairs: the one prompt tuning just drew, or the frame's
    own, which the render stage drew already (`start_frame(request, stored)`). Renderers are
    deterministic in the request (`renderers.base`), so the answer is the same image. Per thread
    (a frame runs on one); the same request object, not an equal one (as the editor's own cache)."""

    def __init__(self, inner):
        self._inner, self._frame = inner, threading.local()
        # The render stage drew with `render_frame(request)` too unless the backend batches with
        # template references (`render._draw`): only then is the stored image this one's drawing.
        self.same_as_render_stage = not hasattr(inner, "render_frames")

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def start_frame(self, request, stored: Image.Image | None) -> None:
        own = (request, stored) if stored is not None and self.same_as_render_stage else None
        self._frame.own, self._frame.last = own, None

    def render_frame(self, request):
        for known in (getattr(self._frame, "own", None), getattr(self._frame, "last", None)):
            if known is not None and known[0] is request:
                return known[1]
        image = self._inner.render_frame(request)
        self._frame.last = (request, image)
        return image


def composite(original: Image.Image, generated: Image.Image, box) -> Image.Image:
    """`original` with the box's pixels taken from `generated`; every other pixel is unchanged."""
    base, new = rgb_image(original), rgb_image(generated)
    if new.size != base.size:
        raise ValueError(f"edited image is {new.width}x{new.height}, the frame is {base.width}x{base.height}")
    px = edit_box(box, *base.size)
    out = base.copy()
    out.paste(new.crop(px), px[:2])
    return out


def unchanged_outside(a: Image.Image, b: Image.Image, box) -> bool:
    """Whether `a` and `b` are byte-identical outside `box` (their difference, the box blanked, is
    black everywhere)."""
    if a.size != b.size:
        return False
    diff = ImageChops.difference(rgb_image(a), rgb_image(b))
    diff.paste((0, 0, 0), edit_box(box, *diff.size))
    return diff.getbbox() is None


def redraws_request(editor) -> bool:
    """Whether `editor` redraws a box of the frame's request (`edit_request`, the re-render editor)
    rather than regenerating the image's pixels there."""
    return hasattr(editor, "edit_request")


def local_edit(editor, image: Image.Image, box, request: FrameRequest, seed: int) -> Image.Image:
    """Regenerate only `box` of `image` with `editor`; pixels outside it stay byte-identical."""
    px = edit_box(box, *image.size)
    if redraws_request(editor):
        generated = editor.edit_request(image, px, request)
    else:
        generated = editor.edit(image, px, request.prompt, seed)
    out = composite(image, generated, px)
    if not unchanged_outside(image, out, px):  # composite guarantees it; a cheap assertion
        raise RuntimeError(f"local edit of {px} changed pixels outside its box")
    return out
