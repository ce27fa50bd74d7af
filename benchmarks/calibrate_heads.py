"""Fit the head-shape model (`storycast.judges.head_shape`) and write storycast/judges/head_model.npz.

    python benchmarks/calibrate_heads.py             # fit, print held-out accuracy, write the model
    python benchmarks/calibrate_heads.py --dry-run   # fit and print only

Frame heads: the calibration faces of the expression model (`bench_qc.calibration_faces`: 120,000
frames over 2,000 characters, seeds 105/106, nobody facing away, ~25 min on 2 cores), by art style and
view. Template heads: the front figure of 1,200 template sheets (characters
seed 105, drawn at 1024 px and stored as the templates stage stores them). Characters whose number
is a multiple of 4 are held out for the accuracy printed; the written model is fitted on all.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_qc import _pool, _split, calibration_faces, held_out  # noqa: E402

from storycast.characters import sample_characters  # noqa: E402
from storycast.judges import head_shape  # noqa: E402


def _template_heads(chars: list[dict]) -> list[tuple[str, np.ndarray | None]]:
    from storycast.judges.template_sheet import sheet_front
    from storycast.render import decode, encode
    from storycast.renderers.procedural import ProceduralRenderer

    renderer, out = ProceduralRenderer(), []
    for c in chars:
        sheet, kp, scale = sheet_front(decode(encode(renderer.render_template(c, 1024, 7))["bytes"]))
        out.append((c["character_id"], head_shape.template_face(sheet, kp, scale)))
    return out


def rows(workers: int, n_frames: int) -> list[tuple[str, dict, np.ndarray]]:
    spec = {c["character_id"]: c for c in sample_characters(2000, 105, 3)}
    faces = calibration_faces(workers, n_frames, len(spec))
    with _pool(workers) as pool:
        sheets = [r for part in pool.map(_template_heads, _split(list(spec.values())[:1200], workers)) for r in part]
    out = [(view, spec[cid], f) for _, view, _, f, cid in faces]
    out += [("template", spec[cid], f) for cid, f in sheets if f is not None]
    return out


def held_out_accuracy(data: list[tuple[str, dict, np.ndarray]], reader=head_shape) -> None:
    """Accuracy per kind, attribute and art style on held-out characters of a model fitted on the others;
    `reader`: the module whose discriminants are fitted (`head_shape`, `body_shape`)."""
    held = [(k, s, f) for k, s, f in data if held_out(s["character_id"])]
    model = reader.fit([(k, s, f) for k, s, f in data if not held_out(s["character_id"])])
    hits = defaultdict(list)
    for kind, spec, f in held:
        for attr, labels in reader.ATTRIBUTES:
            W, means = model[f"{reader.model_key(kind, spec['art_style'])}_{attr}"]
            best = labels[int(np.argmin(((means - f @ W) ** 2).sum(axis=1)))]
            hits[(kind, attr, spec["art_style"])].append(best == spec[attr])
    for kind in reader.KINDS:
        for attr, _ in reader.ATTRIBUTES:
            mine = {s: v for (k, a, s), v in sorted(hits.items()) if (k, a) == (kind, attr)}
            by_style = {s: round(float(np.mean(v)), 2) for s, v in mine.items()}
            n = sum(len(v) for v in mine.values())
            print(f"held out {kind:8s} {attr:10s} {n:4d}: {by_style}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=120_000, help="calibration frames drawn for frame heads")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    data = rows(a.workers, a.frames)
    print(f"{len(data)} heads ({sum(k == 'template' for k, _, _ in data)} template sheets)")
    held_out_accuracy(data)
    if not a.dry_run:
        head_shape.save(head_shape.fit(data))
        print(f"wrote {head_shape.MODEL_FILE}")
