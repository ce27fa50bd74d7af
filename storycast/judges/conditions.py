"""How a frame's drawing conditions change what the judge sees: the setting's light (`place_of`,
for the light curves), the style's tone (`tone_of`: ink is monochrome) and the smallest detail the
style can show (`coarse`: pixel art draws 4-pixel blocks)."""
from __future__ import annotations

from storycast import vocab


def place_of(setting: str) -> str:
    if setting == "underwater_reef":
        return "water"
    return "in" if vocab.SETTINGS[setting]["indoor"] else "out"


def coarse(style: str) -> float:
    """How much bigger a detail must be to read in this style (pixel art draws 4-pixel blocks)."""
    return 4.0 if style == "pixel_art" else 1.0


def tone_of(style: str) -> str:
    return "ink" if style == "ink" else "colour"
