"""How well can any colour descriptor retrieve a character's template? An upper bound per art style.

    python benchmarks/bench_retrieval_ceiling.py                # this repo's data/characters, else a sample
    python benchmarks/bench_retrieval_ceiling.py --sample 2000  # 2,000 characters drawn as the stage draws them

The judge's identity embedding (`storycast.judges.embedding`) sees the colour of each body part. An
oracle that reads each part's drawn fill exactly, and breaks ties between characters that look alike
at random, retrieves a crop's template with probability 1/(characters sharing its part colours); the
mean over characters is the ceiling printed for "part colours". In ink every fill becomes a grey
(`Ink.map_fill`) and then only its hatch density reads (`hatch layers`: how much of each hatch layer
the grey gets, in quarter steps, or exactly), so characters of different hues share a signature; the
last row reads ink's greys before hatching, which no measurement of the drawn frame can. The last columns
add what colour cannot see, species, hair style and top, to show how far shape would lift the bound.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storycast import vocab  # noqa: E402
from storycast.renderers.procedural.geometry import luminance  # noqa: E402
from storycast.renderers.procedural.look import look_of  # noqa: E402
from storycast.renderers.procedural.styles import StyleKnobs, _tone_luts, make_styles  # noqa: E402

INK_LABELS = {4: "ink (hatch, 1/4)", 255: "ink (hatch, exact)", 0: "ink (exact greys)"}


def part_fills(spec: dict) -> tuple:
    """The drawn fill of each part the descriptor samples: face, hair, top, bottom, shoes."""
    look = look_of(spec)
    return look.skin, look.hair, look.top_c, look.bottom_c, look.shoes_c


def signature(spec: dict, style, hatch_steps: int) -> tuple:
    """The parts' fills as the style draws them; with `hatch_steps`, only each hatch layer's
    coverage of each fill, read in that many steps (ink: what survives of a grey)."""
    greys = tuple(style.map_fill(c) for c in part_fills(spec))
    if not hatch_steps:
        return greys
    luts = _tone_luts()
    return tuple(tuple(int(round(lut[int(round(255 * luminance(g)))] / 255 * hatch_steps)) for lut in luts)
                 for g in greys)


def ceiling(chars: list[dict], key) -> float:
    counts = Counter(key(c) for c in chars)
    return float(np.mean([1.0 / counts[key(c)] for c in chars])) if chars else float("nan")


def characters(a) -> list[dict]:
    table = REPO / "data" / "characters" / "characters.parquet"
    if a.sample or not table.exists():
        from storycast.characters import sample_characters
        return sample_characters(a.sample or 2000, a.seed, 3)
    import pyarrow.parquet as pq
    return pq.read_table(table).to_pylist()


def main(a) -> None:
    chars = characters(a)
    print(f"{len(chars)} characters; expected top-1 of an oracle that reads only ...")
    print(f"{'style':19s} {'chars':>5s} {'part colours':>13s} {'+ species':>10s} {'+ hair style':>13s} {'+ top':>7s}")
    styles = make_styles(StyleKnobs())
    rows = [(name, 4 if name == "ink" else 0) for name in vocab.ART_STYLES] + [("ink", 255), ("ink", 0)]
    best = {}
    for name, steps in rows:
        style = styles[name]
        mine = [c for c in chars if c["art_style"] == name]
        figures = [ceiling(mine, lambda c, e=extra, s=style, n=steps: signature(c, s, n) + tuple(c[k] for k in e))
                   for extra in ((), ("species",), ("species", "hair_style"), ("species", "hair_style", "top"))]
        label = name if name != "ink" else INK_LABELS[steps]
        print(f"{label:19s} {len(mine):5d} " + " ".join(f"{f:>{w}.3f}" for f, w in zip(figures, (13, 10, 13, 7))))
        if steps != 0 or name != "ink":                        # the drawn frame, read as well as it can be
            best[name] = (max(best.get(name, (0.0, 0))[0], figures[0]), len(mine))
    total = sum(rate * n for rate, n in best.values()) / max(len(chars), 1)
    print(f"all styles, part colours read exactly from the drawn frames: {total:.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=0, help="draw this many characters instead of reading data/")
    ap.add_argument("--seed", type=int, default=2025)
    main(ap.parse_args())
