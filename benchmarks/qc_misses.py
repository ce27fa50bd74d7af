"""Where the judge misses injected faults: the qc table of a built `data/` read back, fault by fault.

    python benchmarks/qc_misses.py                  # this repo's data/ (after `dvc repro qc` or bench_qc --data)
    python benchmarks/qc_misses.py --data /path/to/data --examples 5

`metrics/qc.json` gives the flagged rate per fault kind and art style; this breaks the missed faults down
further, to choose what to work on: per kind and style (flagged / injected), then for each kind's misses
the art style, the faulted part (drifts: torso or hair), facing, lighting, shot and the character's scale
(its `controls.scale`, px per body unit), and for wrong expressions whether the face is drawn with light
marks (the procedural renderer draws brows and mouth light on a covering darker than luminance 0.33:
`renderers.procedural.face`; this reads the renderer's ground truth, which the judge never sees).
`--examples N` prints N missed frame ids per kind, to look at or to debug one frame at a time.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storycast.renderers.procedural.face import LIGHT_MARKS_BELOW  # noqa: E402
from storycast.renderers.procedural.geometry import luminance  # noqa: E402
from storycast.renderers.procedural.look import look_of  # noqa: E402


def _table(folder: Path, columns: list[str]) -> list[dict]:
    return ds.dataset(folder, format="parquet").to_table(columns=columns).to_pylist()


def light_marks(spec: dict) -> bool:
    """Whether the renderer draws this character's brows and mouth lighter than its face."""
    look = look_of(spec)
    return luminance(look.skin_light if look.species == "robot" else look.skin) <= LIGHT_MARKS_BELOW


def read(data: Path) -> tuple[list[dict], dict, dict, dict]:
    """First attempts of the qc table, frames by id, controls by (frame, character), characters by id."""
    qc = [r for r in _table(data / "qc" / "qc", ["frame_id", "attempt", "fault", "verdict"]) if r["attempt"] == 0]
    frames = {r["frame_id"]: r for r in _table(data / "stories" / "frames",
                                               ["frame_id", "art_style", "shot_type", "lighting"])}
    controls = {(r["frame_id"], r["character_id"]): r
                for r in _table(data / "controls" / "controls", ["frame_id", "character_id", "scale", "facing"])}
    chars = {r["character_id"]: r for r in pq.read_table(data / "review" / "characters.parquet").to_pylist()}
    return qc, frames, controls, chars


def misses_of(qc, frames, controls, chars) -> tuple[dict, dict]:
    """(flagged / injected per (kind, style), the missed faults per kind with what describes them)."""
    counts: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    missed: dict[str, list[dict]] = collections.defaultdict(list)
    for r in qc:
        if not r["fault"]:
            continue
        kind, cid, detail = r["fault"].split(":", 2)
        frame = frames[r["frame_id"]]
        flagged = r["verdict"] != "pass"
        counts[(kind, frame["art_style"])][0] += flagged
        counts[(kind, frame["art_style"])][1] += 1
        if flagged:
            continue
        control = controls.get((r["frame_id"], cid), {})
        missed[kind].append({"frame_id": r["frame_id"], "character_id": cid, "style": frame["art_style"],
                             "part": detail.split(":")[0] if kind == "identity_drift" else "-",
                             "facing": control.get("facing", "-"), "lighting": frame["lighting"],
                             "shot": frame["shot_type"], "scale": control.get("scale"),
                             "light_marks": light_marks(chars[cid]) if cid in chars else None})
    return counts, missed


def _expression_by_marks(qc, frames, chars) -> None:
    table: dict[tuple[str, bool], list[int]] = collections.defaultdict(lambda: [0, 0])
    for r in qc:
        if r["fault"].startswith("wrong_expression:"):
            cid = r["fault"].split(":")[1]
            key = (frames[r["frame_id"]]["art_style"], light_marks(chars[cid]))
            table[key][0] += r["verdict"] != "pass"
            table[key][1] += 1
    print("wrong_expression flagged, faces with dark marks / light marks:")
    for style in sorted({s for s, _ in table}):
        cells = [table.get((style, light), [0, 0]) for light in (False, True)]
        print(f"  {style:13s} " + " / ".join(f"{a / b:.2f} of {b}" if b else "-" for a, b in cells))


def report(data: Path, examples: int) -> None:
    qc, frames, controls, chars = read(data)
    counts, missed = misses_of(qc, frames, controls, chars)
    styles = sorted({s for _, s in counts})
    print(f"{sum(v[1] for v in counts.values())} faulty frames, {sum(len(v) for v in missed.values())} missed")
    print(f"{'kind':17s} " + " ".join(f"{s:>16s}" for s in styles))
    for kind in sorted({k for k, _ in counts}):
        cells = [counts.get((kind, s), [0, 0]) for s in styles]
        print(f"{kind:17s} " + " ".join(f"{f'{a}/{b}':>10s} {a / b if b else 0:4.0%}" for a, b in cells))
    for kind, rows in sorted(missed.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{kind}: {len(rows)} missed")
        for key in ("style", "part", "facing", "lighting", "shot"):
            top = collections.Counter(r[key] for r in rows).most_common(6)
            if top != [("-", len(rows))]:
                print(f"  by {key:8s} " + ", ".join(f"{k} {n}" for k, n in top))
        scales = np.array([r["scale"] for r in rows if r["scale"] is not None], dtype=float)
        if len(scales):
            quantiles = np.percentile(scales, [10, 25, 50, 75, 90])
            print("  scale px   10/25/50/75/90th: " + " / ".join(f"{v:.0f}" for v in quantiles))
        if examples:
            print("  e.g. " + ", ".join(f"{r['frame_id']} ({r['character_id']})" for r in rows[:examples]))
    print()
    _expression_by_marks(qc, frames, chars)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO / "data")
    ap.add_argument("--examples", type=int, default=0, help="missed frame ids printed per fault kind")
    a = ap.parse_args()
    if not (a.data / "qc" / "qc").exists():
        raise SystemExit(f"no qc table under {a.data}: run the qc stage first (dvc repro qc)")
    report(a.data, a.examples)
