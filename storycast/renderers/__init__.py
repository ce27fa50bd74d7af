"""Image renderer backends. `get_renderer(name, **knobs)` returns a backend by name."""
from __future__ import annotations

from storycast.renderers.base import (
    CharacterControl,
    FrameRequest,
    Renderer,
    check_size,
    validate_character,
    validate_request,
    validate_template,
)

__all__ = ["CharacterControl", "FrameRequest", "Renderer", "check_size", "get_renderer", "validate_character",
           "validate_request", "validate_template", "RENDERERS"]

RENDERERS = ("procedural",)


def get_renderer(name: str, **knobs) -> Renderer:
    """Build the backend called `name` with its constructor knobs."""
    if name == "procedural":
        from storycast.renderers.procedural import ProceduralRenderer
        return ProceduralRenderer(**knobs)
    raise ValueError(f"unknown renderer {name!r}; expected one of: {', '.join(RENDERERS)}")
