"""Sample storyboards for the card: a story's released frames in order, side by side, captioned."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from storycast.release.split import TRAIN, Split
from storycast.seeding import seed_for

THUMB = 256        # frame thumbnail side in pixels
CAPTION_LINES = 6
WRAP = 34          # characters per caption line


def choose(seed: int, split: Split, count: int) -> list[str]:
    """Candidate stories (train split, seeded order): 3x `count`, since some may have no released frame."""
    kept = [s for s, side in split.stories.items() if side == TRAIN]
    kept.sort(key=lambda s: (seed_for(seed, "release-storyboard", s), s))
    return kept[: 3 * count]


def render(frames: list[tuple[int, str, bytes]], path: Path, title: str) -> Path:
    """Draw one storyboard PNG: a title line, then each frame with its index and narration below."""
    frames = sorted(frames)
    font = ImageFont.load_default(size=13)
    line_h = 16
    cap_h = line_h * (CAPTION_LINES + 1) + 8
    pad = 8
    width = pad + len(frames) * (THUMB + pad)
    height = 28 + THUMB + cap_h + pad
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((pad, 6), title, fill="black", font=ImageFont.load_default(size=15))
    for i, (index, narration, png) in enumerate(frames):
        x = pad + i * (THUMB + pad)
        img = ImageOps.contain(Image.open(io.BytesIO(png)).convert("RGB"), (THUMB, THUMB))
        sheet.paste(img, (x + (THUMB - img.width) // 2, 28 + (THUMB - img.height) // 2))
        lines = textwrap.wrap(f"{index + 1}. {narration}", WRAP)[:CAPTION_LINES]
        for j, line in enumerate(lines):
            draw.text((x, 28 + THUMB + 4 + j * line_h), line, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, format="PNG", optimize=True)
    return path


def render_all(collected: dict[str, list], titles: dict[str, str], folder: Path, count: int) -> list[dict]:
    """Render the first `count` candidate stories that have released frames; returns card entries."""
    out = []
    for story, frames in collected.items():
        if len(out) == count:
            break
        if frames:
            path = render(frames, folder / f"storyboard-{len(out) + 1}.png", f"{story}: {titles[story]}")
            out.append({"story_id": story, "title": titles[story], "frames": len(frames),
                        "path": f"assets/{path.name}"})
    return out
