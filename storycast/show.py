"""Contact sheets for people who would rather look than read: a story's storyboard, a character's sheet.

Images come from the built tables: frames from the QC stage where it changed them (the released
images), else straight from `render`; templates from `templates`.
"""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds
from PIL import Image, ImageDraw, ImageFont

from storycast.errors import StorycastError

FRAME_SOURCES = ("data/qc/frames", "data/render/render")
TEMPLATES = "data/templates/templates"
BACKGROUND, INK = (250, 248, 243), (40, 38, 36)


def _table(folder: str, column: str, values: list[str], columns: list[str] | None = None) -> list[dict]:
    if not Path(folder).exists():
        raise StorycastError(f"missing table {folder}: run `dvc repro` first")
    dataset = ds.dataset(folder, format="parquet")
    return dataset.to_table(columns=columns, filter=pc.field(column).isin(values)).to_pylist()


def _images(folder: str, key: str, ids: list[str]) -> dict[str, Image.Image]:
    """Decoded images by id; an id whose image is null (qc_frames: the render's) is left out."""
    rows = _table(folder, key, ids, [key, "image"])
    return {r[key]: Image.open(io.BytesIO(r["image"]["bytes"])).convert("RGB") for r in rows if r["image"]}


def _frame_images(frame_ids: list[str]) -> dict[str, Image.Image]:
    """The released image of each frame: the QC stage's where it changed it, else the render's."""
    if not any(Path(f).is_dir() for f in FRAME_SOURCES):
        raise StorycastError(f"missing table {FRAME_SOURCES[-1]}: run `dvc repro` first")
    out: dict[str, Image.Image] = {}
    for folder in FRAME_SOURCES:
        missing = [f for f in frame_ids if f not in out]
        if missing and Path(folder).is_dir():
            out.update(_images(folder, "frame_id", missing))
    return out


def _templates(character_ids: list[str]) -> dict[str, Image.Image]:
    return _images(TEMPLATES, "character_id", character_ids)


def _one(folder: str, key: str, value: str, what: str) -> dict:
    """The row of an id, or a clear error naming it."""
    rows = _table(folder, key, [value])
    if not rows:
        raise StorycastError(f"unknown {what} id {value!r}")
    return rows[0]


def _font(size: int):
    return ImageFont.load_default(size=size)


def _caption(draw: ImageDraw.ImageDraw, xy, text: str, width_chars: int, size: int = 14) -> None:
    draw.multiline_text(xy, "\n".join(textwrap.wrap(text, width_chars)[:5]), fill=INK, font=_font(size),
                        spacing=3)


def _cast_column(templates: dict[str, Image.Image], names: dict[str, str], ids: list[str],
                 tile: int) -> Image.Image:
    column = Image.new("RGB", (tile, len(ids) * (tile + 24) + 8), BACKGROUND)
    draw = ImageDraw.Draw(column)
    for i, cid in enumerate(ids):
        y = 8 + i * (tile + 24)
        if cid in templates:
            column.paste(templates[cid].resize((tile, tile), Image.LANCZOS), (0, y))
        draw.text((4, y + tile + 2), f"{names.get(cid, cid)} ({cid})", fill=INK, font=_font(14))
    return column


def storyboard(story_id: str, columns: int = 4, tile: int = 256) -> Image.Image:
    """The story's frames in order with their captions, the cast's templates beside them."""
    story = _one("data/stories/stories", "story_id", story_id, "story")
    frames = sorted(_table("data/stories/frames", "story_id", [story_id]), key=lambda f: f["frame_index"])
    images = _frame_images([f["frame_id"] for f in frames])
    names = {r["character_id"]: r["name"] for r in _table("data/review/characters.parquet", "character_id",
                                                          story["cast"], ["character_id", "name"])}
    cast = _cast_column(_templates(story["cast"]), names, story["cast"], tile // 2 + 64)
    rows = -(-len(frames) // columns)
    cell_h = tile + 110
    sheet = Image.new("RGB", (cast.width + 24 + columns * (tile + 12), max(rows * cell_h, cast.height) + 60),
                      BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((12, 12), f"{story['title']}  -  {story_id} · {story['arc']} · {story['art_style']}",
              fill=INK, font=_font(20))
    sheet.paste(cast, (12, 48))
    for n, frame in enumerate(frames):
        x = cast.width + 24 + (n % columns) * (tile + 12)
        y = 48 + (n // columns) * cell_h
        image = images.get(frame["frame_id"])
        if image is not None:
            sheet.paste(image.resize((tile, tile), Image.LANCZOS), (x, y))
        else:
            draw.rectangle((x, y, x + tile, y + tile), outline=INK)
            draw.text((x + 8, y + 8), "not rendered", fill=INK, font=_font(14))
        tag = f"{frame['frame_index']}. {frame['shot_type']} · {frame['camera_angle']}"
        draw.text((x, y + tile + 4), tag, fill=(110, 100, 90), font=_font(12))
        _caption(draw, (x, y + tile + 20), frame["narration"], tile // 7)
    return sheet


def character_sheet(character_id: str, max_frames: int = 8, tile: int = 256) -> Image.Image:
    """A character's template with frames it appears in, its box outlined in each."""
    char = _one("data/review/characters.parquet", "character_id", character_id, "character")
    rows = _table("data/controls/controls", "character_id", [character_id],
                  ["frame_id", "bbox", "pose", "expression"])[:max_frames]
    images = _frame_images([r["frame_id"] for r in rows])
    template = _templates([character_id]).get(character_id)
    big = tile * 2
    sheet = Image.new("RGB", (big + 36 + 4 * (tile + 12), big + 150), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    title = f"{char['name']} ({character_id}) - {char['review_status']}"
    draw.text((12, 10), title, fill=INK, font=_font(20))
    if template is not None:
        sheet.paste(template.resize((big, big), Image.LANCZOS), (12, 40))
    _caption(draw, (12, big + 48), char["identity_prompt"], big // 7, 13)
    for n, r in enumerate(rows):
        image = images.get(r["frame_id"])
        if image is None:
            continue
        scale = tile / image.width
        framed = image.resize((tile, tile), Image.LANCZOS)
        ImageDraw.Draw(framed).rectangle([v * scale for v in r["bbox"]], outline=(230, 40, 60), width=2)
        x, y = big + 36 + (n % 4) * (tile + 12), 40 + (n // 4) * (tile + 40)
        sheet.paste(framed, (x, y))
        label = f"{r['frame_id']} {r['pose']}/{r['expression']}"
        draw.text((x, y + tile + 4), label, fill=INK, font=_font(12))
    return sheet
