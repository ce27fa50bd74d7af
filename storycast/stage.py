"""What every stage script shares: params loading, the one-line error exit, metrics files."""
from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from storycast import params as params_mod
from storycast.errors import StorycastError
from storycast.tables import atomic_path

METRICS_DIR = Path("metrics")


def write_json(path: str | Path, data: dict) -> Path:
    """Stable JSON (sorted keys), written atomically."""
    path = Path(path)
    tmp = atomic_path(path)
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def write_metrics(stage: str, data: dict) -> Path:
    return write_json(METRICS_DIR / f"{stage}.json", data)


def run_stage(name: str, body: Callable[[dict], None]) -> None:
    """Run a stage body on the validated params; bad input exits 2 with one line on stderr."""
    logging.basicConfig(level=logging.INFO, format=f"{name}: %(message)s")
    try:
        body(params_mod.load())
    except StorycastError as err:
        print(f"error: {name}: {err}", file=sys.stderr)
        sys.exit(2)
