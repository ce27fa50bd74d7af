"""The `storycast` command: inspect the built tables. The pipeline itself runs with `dvc repro`."""
from __future__ import annotations

import sys
import textwrap

import click
import pyarrow.compute as pc
import pyarrow.dataset as ds

from storycast import params as params_mod
from storycast.errors import StorycastError


def _fail(err: Exception) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """Build and inspect the 2K-Characters-10K-Stories dataset (run the pipeline with `dvc repro`)."""


@main.command()
@click.option("--params", "path", default="params.yaml", show_default=True, help="params file to check")
def check(path: str) -> None:
    """Validate params.yaml against the declared keys, types and ranges."""
    try:
        doc = params_mod.load(path)
    except StorycastError as err:
        _fail(err)
    keys = sum(len(v) if isinstance(v, dict) else 1 for v in doc.values())
    click.echo(f"{path}: ok ({keys} keys in {len(doc)} sections)")


def _rows(folder: str, column: str, value: str) -> list[dict]:
    try:
        table = ds.dataset(folder, format="parquet").to_table(filter=pc.field(column) == value)
    except FileNotFoundError:
        _fail(StorycastError(f"missing table {folder}: run `dvc repro` first"))
    return table.to_pylist()


@main.command()
@click.argument("story_id")
def story(story_id: str) -> None:
    """Print a story's script: synopsis, cast, and every frame's composition and narration."""
    found = _rows("data/stories/stories", "story_id", story_id)
    if not found:
        _fail(StorycastError(f"unknown story id {story_id!r}"))
    s = found[0]
    frames = sorted(_rows("data/stories/frames", "story_id", story_id), key=lambda f: f["frame_index"])
    click.echo(f"{s['title']}  [{s['story_id']} · {s['arc']} · {s['genre']} · {s['art_style']}]")
    click.echo(textwrap.fill(s["synopsis"], 100))
    click.echo(f"cast: {', '.join(s['cast'])}\n")
    for f in frames:
        who = ", ".join(f"{c} {p}/{e}" for c, p, e in zip(f["character_ids"], f["poses"], f["expressions"]))
        click.echo(f"{f['frame_index']:>2}. [{f['beat']} · {f['setting']} · {f['lighting']} · "
                   f"{f['shot_type']} · {f['camera_angle']}] {who}")
        click.echo(textwrap.indent(textwrap.fill(f["narration"], 96), "    "))


@main.group()
def show() -> None:
    """Write a PNG contact sheet of a story or a character."""


@show.command("story")
@click.argument("story_id")
@click.option("-o", "--out", default=None, help="PNG path (default: out/<story_id>.png)")
def show_story(story_id: str, out: str | None) -> None:
    """Storyboard: the frames in order with captions, the cast's templates beside them."""
    from storycast.show import storyboard

    _save(lambda: storyboard(story_id), out or f"out/{story_id}.png")


@show.command("character")
@click.argument("character_id")
@click.option("-o", "--out", default=None, help="PNG path (default: out/<character_id>.png)")
def show_character(character_id: str, out: str | None) -> None:
    """Character sheet: the template and frames the character appears in, its box outlined."""
    from storycast.show import character_sheet

    _save(lambda: character_sheet(character_id), out or f"out/{character_id}.png")


def _save(build, out: str) -> None:
    from pathlib import Path

    try:
        image = build()
    except StorycastError as err:
        _fail(err)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    click.echo(f"wrote {out} ({image.width}x{image.height})")


@main.group()
def cache() -> None:
    """The shard cache (`.storycast/cache`, or $STORYCAST_CACHE)."""


@cache.command("gc")
@click.option("--data", "data_root", default="data", show_default=True, help="the workspace's outputs")
@click.option("--dry-run", is_flag=True, help="list what would be removed, remove nothing")
def cache_gc(data_root: str, dry_run: bool) -> None:
    """Remove cached shards the current outputs in data/ were not built from (old params, code or inputs)."""
    from pathlib import Path

    from storycast.cache import garbage_collect

    if not Path(data_root).is_dir():
        _fail(StorycastError(f"no outputs folder {data_root!r}: run `dvc repro` first (gc keeps what data/ uses)"))
    removed, freed = garbage_collect(data_root, dry_run=dry_run)
    for entry in removed:
        click.echo(f"{'would remove' if dry_run else 'removed'} {entry}")
    click.echo(f"{'would free' if dry_run else 'freed'} {freed / 1e9:.2f} GB in {len(removed)} entries")


def _register_release_commands() -> None:
    from storycast.release.commands import export, publish

    main.add_command(publish)
    main.add_command(export)


_register_release_commands()

if __name__ == "__main__":
    main()
