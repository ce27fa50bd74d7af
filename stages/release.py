"""Stage `release`: the Hugging Face dataset folder (configs, splits, card, Croissant) and its metrics."""
from __future__ import annotations

from storycast.release.build import release
from storycast.stage import run_stage

if __name__ == "__main__":
    run_stage("release", release)
