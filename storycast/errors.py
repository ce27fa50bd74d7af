"""The one error family the CLI and stages turn into a one-line message and a non-zero exit."""
from __future__ import annotations


class StorycastError(ValueError):
    """Bad input or an impossible request, with a message naming the key, file, row or id."""
