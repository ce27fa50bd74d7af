"""Procedural renderer output compared with committed golden images, pixel byte for pixel byte.
After an intended drawing change: `python scripts/regenerate_goldens.py`, look, commit."""
import numpy as np
import pytest
from PIL import Image

from tests.golden_cases import GOLDEN_DIR, pixels, render_cases

CASES = list(render_cases())


@pytest.mark.parametrize("name, image", CASES, ids=[c[0] for c in CASES])
def test_matches_golden(name, image):
    path = GOLDEN_DIR / f"{name}.png"
    assert path.exists(), f"no golden for {name}: run scripts/regenerate_goldens.py"
    expected = pixels(Image.open(path))
    actual = pixels(image)
    assert actual.shape == expected.shape
    differing = int((actual != expected).any(axis=2).sum())
    assert differing == 0, f"{name}: {differing} pixels differ from {path}"


def test_goldens_cover_styles_and_settings():
    names = [n for n, _ in CASES]
    assert len({n.split("_")[1] for n in names if n.startswith("frame_")}) == 6
    assert sum(n.startswith("template_") for n in names) == 3
    assert all(np.asarray(img).std() > 10 for _, img in CASES)  # none blank
