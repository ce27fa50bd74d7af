"""CLI commands `storycast publish` and `storycast export` (registered into `storycast.cli.main`).

    storycast publish --repo-id ORG/NAME [--dry-run] [--release-dir data/release] [--token-env HF_TOKEN]
                      [--endpoint URL] [--no-dvc-push]
    storycast export vistorybench OUT [--release-dir data/release] [--split test] [--limit N]
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from storycast.errors import StorycastError

RELEASE_DIR = "data/release"


def _fail(err: Exception) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(2)


@click.command()
@click.option("--repo-id", required=True, help="Hub dataset repository, ORG/NAME")
@click.option("--dry-run", is_flag=True, help="list what would be uploaded, deleted and tagged; push nothing")
@click.option("--release-dir", default=RELEASE_DIR, show_default=True, type=click.Path(path_type=Path))
@click.option("--token-env", default="HF_TOKEN", show_default=True,
              help="environment variable holding the Hub token (never printed)")
@click.option("--endpoint", default=None, help="Hub endpoint URL (default: HF_ENDPOINT or huggingface.co)")
@click.option("--dvc-push/--no-dvc-push", default=True, show_default=True,
              help="dvc push the pipeline outputs to the default DVC remote before publishing")
def publish(repo_id: str, dry_run: bool, release_dir: Path, token_env: str, endpoint: str | None,
            dvc_push: bool) -> None:
    """Push the built release to the Hub in one commit and tag it v<release.version>."""
    from storycast.release.publish import publish as do_publish

    try:
        do_publish(repo_id, release_dir, Path.cwd(), token_env=token_env, endpoint=endpoint,
                   dry_run=dry_run, dvc_push=dvc_push, echo=click.echo)
    except StorycastError as err:
        _fail(err)


@click.group()
def export() -> None:
    """Export the release to other tools' layouts."""


@export.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--release-dir", default=RELEASE_DIR, show_default=True, type=click.Path(path_type=Path))
@click.option("--split", type=click.Choice(["train", "test"]), default="test", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="export the first N stories only")
def vistorybench(out: Path, release_dir: Path, split: str, limit: int | None) -> None:
    """One ViStoryBench story folder per released story (story.json + character references)."""
    from storycast.release.vistorybench import export as do_export

    try:
        folders = do_export(release_dir, out, split=split, limit=limit)
    except StorycastError as err:
        _fail(err)
    click.echo(f"exported {len(folders)} stories of the {split} split to {out} (index: {out / 'index.json'})")


@click.group()
def commands() -> None:
    """The release commands on their own (`python -m storycast.release.commands`)."""


commands.add_command(publish)
commands.add_command(export)

if __name__ == "__main__":
    commands()
