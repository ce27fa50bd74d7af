"""Regenerate the procedural renderer's golden images (tests/goldens/*.png).

Run after an intended change to the drawing code, look at the images, and commit them with the
change; tests/test_goldens.py compares freshly rendered pixels with these, byte for byte.

    python scripts/regenerate_goldens.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.golden_cases import GOLDEN_DIR, render_cases  # noqa: E402


def main() -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for name, image in render_cases():
        path = GOLDEN_DIR / f"{name}.png"
        image.save(path, optimize=True)
        print(f"wrote {path} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
