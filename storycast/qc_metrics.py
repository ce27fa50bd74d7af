"""Statistics of the quality-gated loop: per shard (JSON, merged by the stage) -> metrics/qc.json
and the score distributions for `dvc plots`.

Detection is measured against the injected faults (`storycast.faults`): a faulty frame is flagged
when its first attempt is not `pass`; a clean frame is rejected when its first attempt is not
`pass`. Identity retrieval: for a seeded sample of clean first renders, each character crop's
descriptor (with the head's and body's shapes the judge did not read, `read_shapes`) is compared with
every template reference (`retrieval.crop_distance`: in pixel art through the frame's palette, among
the sheets drawn like the frame); top-1 is right when its own is closest.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from storycast.judges.base import CHECKS
from storycast.judges.body_shape import crop_body
from storycast.judges.conditions import place_of
from storycast.judges.head_shape import crop_head
from storycast.judges.palette import colour_count, frame_palette
from storycast.judges.retrieval import crop_distance, gallery

BINS = 20


@dataclass
class FrameStats:
    first: str
    final: str
    rounds: int
    fault: str                                  # fault kind, "" for a clean frame
    first_failing: tuple[str, ...]
    actions: tuple[str, ...]
    scores: dict[str, float]
    style: str = ""                             # the frame's art style
    by_story_alone: bool = False                # the first attempt would have passed without the story's frames
    fault_kept: bool = False                    # the final image still shows the injected fault
    # (character id, art style, facing, Descriptor, pixel art: (frame palette, lighting, place), else None,
    #  the frame's colour count: `palette.colour_count`, 0 if not counted)
    crops: list = field(default_factory=list)

    @classmethod
    def of(cls, out, request, sample: bool, pixels=None) -> FrameStats:
        """`pixels`: the first render's RGB array (in pixel art, its palette is what retrieval compares
        through, and the shapes the judge did not read are read from it, `read_shapes`; without it,
        pixel-art crops are retrieved by their raw colours and with the shapes the judge read)."""
        first = out.first
        crops = []
        if sample and out.fault is None and first is not None:
            for c in request.characters:
                info = first.details.get("characters", {}).get(c.character["character_id"])
                if info is not None and info["descriptor"].seen.sum() >= 2:
                    crops.append((c.character["character_id"], request.art_style, c.facing, info["descriptor"],
                                  None, 0))
        if crops and pixels is not None:
            drawn = ((frame_palette(pixels), request.lighting, place_of(request.setting))
                     if request.art_style == "pixel_art" else None)
            controls = {c.character["character_id"]: c for c in request.characters}
            count = colour_count(pixels)
            crops = [(cid, style, facing, read_shapes(desc, pixels, request, controls[cid]), drawn, count)
                     for cid, style, facing, desc, _, _ in crops]
        return cls(first=out.rows[0]["verdict"], final=out.verdict, rounds=out.rounds,
                   fault=out.fault.kind if out.fault else "",
                   first_failing=tuple(c for c in first.failing_checks if c in CHECKS) if first else (),
                   actions=tuple(r["action"] for r in out.rows if r["action"] != "none"),
                   scores={c: out.rows[0][f"score_{c}"] for c in CHECKS}, style=request.art_style, crops=crops,
                   by_story_alone=bool(first is not None and first.details.get("failed_on_story_alone")),
                   fault_kept=out.fault_kept is not None)


def read_shapes(desc, pixels, request, c):
    """A sampled crop's descriptor with its body's shape (`body_shape.crop_body`) and, where the judge read
    no face (too small for the expression check), its head's (`head_shape.crop_head`): for retrieval only."""
    shape = desc.shape
    if shape is None or np.isnan(shape).any():
        shape = crop_head(pixels, request, c)
    return dataclasses.replace(desc, body=crop_body(pixels, request, c), shape=shape)


class ShardStats:
    def __init__(self):
        self.c: Counter = Counter()
        self.hist = {f"{c}_{kind}": [0] * BINS for c in CHECKS for kind in ("clean", "faulty")}
        self.gallery = None

    @classmethod
    def for_gallery(cls, refs, made: tuple | None = None) -> ShardStats:
        """Stats retrieving crops among `refs`; `made`: their `gallery_of`, when made already."""
        s = cls()
        s.gallery = cls.gallery_of(refs) if made is None else made
        return s

    @staticmethod
    def gallery_of(refs) -> tuple:
        """(sorted ids, `retrieval.gallery` of them): read only, so shards may share it."""
        ids = sorted(refs)
        return ids, gallery(refs, ids) if ids else {}

    def add(self, f: FrameStats) -> None:
        c = self.c
        c["frames"] += 1
        c["first_pass"] += f.first == "pass"
        c["final_pass"] += f.final == "pass"
        c[f"rounds:{f.rounds}"] += 1
        c["errors"] += f.first == "error"
        for check in f.first_failing:
            c[f"first_fail:{check}"] += 1
        for a in f.actions:
            c[f"repair:{a}"] += 1
        kind = "faulty" if f.fault else "clean"
        c[f"{kind}"] += 1
        c[f"{kind}_flagged"] += f.first != "pass"
        c[f"{kind}_flagged_by_story_alone"] += f.by_story_alone
        c[f"style:{f.style}:{f.fault or 'clean'}"] += 1          # detection per art style
        c[f"style_flagged:{f.style}:{f.fault or 'clean'}"] += f.first != "pass"
        if f.fault:
            c[f"fault:{f.fault}"] += 1
            c[f"fault_flagged:{f.fault}"] += f.first != "pass"
            # repaired: flagged, passed at the end and the fault gone (a judge can pass a remnant)
            c[f"fault_repaired:{f.fault}"] += f.first != "pass" and f.final == "pass" and not f.fault_kept
            c[f"fault_kept:{f.fault}"] += f.fault_kept
            c["faulty_kept"] += f.fault_kept
        else:
            for check in f.first_failing:
                c[f"clean_fail:{check}"] += 1
        for check, v in f.scores.items():
            if v is not None and np.isfinite(v):
                self.hist[f"{check}_{kind}"][min(BINS - 1, int(v * BINS))] += 1
        for crop in f.crops:
            self._retrieve(*crop)

    def _retrieve(self, cid, style, facing, desc, drawn=None, frame_colours: int = 0) -> None:
        ids, views = self.gallery or ([], {})
        if cid not in ids:
            return
        d = crop_distance(desc, views, facing, style, drawn, frame_colours)
        own = d[ids.index(cid)]
        hit = bool(np.isfinite(own) and (d < own).sum() == 0)
        self.c["retrieval_crops"] += 1
        self.c["retrieval_top1"] += hit
        self.c[f"retrieval_crops:{style}"] += 1
        self.c[f"retrieval_top1:{style}"] += hit

    def to_json(self) -> dict:
        return {"counts": dict(self.c), "hist": self.hist}


def merge(parts: list[dict]) -> dict:
    counts: Counter = Counter()
    hist = {k: [0] * BINS for k in (parts[0]["hist"] if parts else {})}
    for p in parts:
        counts.update(p["counts"])
        for k, v in p["hist"].items():
            hist[k] = [a + b for a, b in zip(hist.setdefault(k, [0] * BINS), v)]
    return {"counts": dict(counts), "hist": hist}


def _rate(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def metrics(stats: dict, params: dict) -> dict:
    c = Counter(stats["counts"])
    n = c["frames"]
    kinds = sorted({k.split(":", 1)[1] for k in c if k.startswith("fault:")})
    styles = sorted({k.split(":", 1)[1] for k in c if k.startswith("retrieval_crops:")})
    return {
        "frames": n,
        "first_pass_rate": _rate(c["first_pass"], n),
        "final_pass_rate": _rate(c["final_pass"], n),
        "failed_frames": n - c["final_pass"],
        "judge_errors_first_attempt": c["errors"],
        "rounds": {str(r): c[f"rounds:{r}"] for r in range(params["max_rounds"] + 1)},
        "first_attempt_failures": {k: c[f"first_fail:{k}"] for k in CHECKS},
        "repairs": {k: c[f"repair:{k}"] for k in ("local_edit", "prompt_tuning")},
        "detection": {
            "fault_rate": params["fault_rate"],
            "faulty_frames": c["faulty"],
            "faulty_flagged_rate": _rate(c["faulty_flagged"], c["faulty"]),
            "clean_frames": c["clean"],
            "clean_rejected_rate": _rate(c["clean_flagged"], c["clean"]),
            "clean_rejections_by_check": {k: c[f"clean_fail:{k}"] for k in CHECKS},
            # faulty frames whose final image still shows the fault (missed, or not redrawn): the
            # release leaves them out (`qc_frames.fault`)
            "faulty_kept": c["faulty_kept"],
            # what `qc.story_check` adds: frames that fail but would pass without comparing characters
            # with their own colours in the story's other frames (`judges.story`)
            "flagged_by_story_alone": {"faulty": c["faulty_flagged_by_story_alone"],
                                       "clean": c["clean_flagged_by_story_alone"]},
            "by_fault": {k: {"frames": c[f"fault:{k}"],
                             "flagged_rate": _rate(c[f"fault_flagged:{k}"], c[f"fault:{k}"]),
                             "repaired_rate": _rate(c[f"fault_repaired:{k}"], c[f"fault_flagged:{k}"]),
                             "kept": c[f"fault_kept:{k}"]}
                         for k in kinds},
            "by_style": _detection_by_style(c, kinds),
        },
        "identity_retrieval": {
            "crops": c["retrieval_crops"],
            "top1": _rate(c["retrieval_top1"], c["retrieval_crops"]),
            "by_style": {s: {"crops": c[f"retrieval_crops:{s}"],
                             "top1": _rate(c[f"retrieval_top1:{s}"], c[f"retrieval_crops:{s}"])} for s in styles},
        },
    }


def _detection_by_style(c: Counter, kinds: list[str]) -> dict:
    """Per art style: clean frames rejected, faulty frames flagged, and flagged per fault kind."""
    styles = sorted({k.split(":")[1] for k in c if k.startswith("style:")})
    out = {}
    for s in styles:
        faulty = sum(c[f"style:{s}:{k}"] for k in kinds)
        out[s] = {"clean_frames": c[f"style:{s}:clean"],
                  "clean_rejected_rate": _rate(c[f"style_flagged:{s}:clean"], c[f"style:{s}:clean"]),
                  "faulty_frames": faulty,
                  "faulty_flagged_rate": _rate(sum(c[f"style_flagged:{s}:{k}"] for k in kinds), faulty),
                  "flagged_rate_by_fault": {k: _rate(c[f"style_flagged:{s}:{k}"], c[f"style:{s}:{k}"])
                                            for k in kinds}}
    return out


def plot_csv(stats: dict) -> str:
    """Attempt-0 score histograms per check (clean and faulty frames), one row per score bin."""
    keys = [f"{c}_{k}" for c in CHECKS for k in ("clean", "faulty")]
    lines = ["score," + ",".join(keys)]
    for b in range(BINS):
        lines.append(f"{(b + 0.5) / BINS:.3f}," + ",".join(str(stats["hist"].get(k, [0] * BINS)[b]) for k in keys))
    return "\n".join(lines) + "\n"
