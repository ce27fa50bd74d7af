"""The quality-gated loop for one frame: judge, repair, re-judge, up to `qc.max_rounds` repairs.

attempt 0 judges the rendered image (with an injected fault on a seeded subset, `storycast.faults`).
Every attempt is judged against the characters' templates and, where the caller gives them, their
colours in the story's other frames (`judges.story`).
While the verdict is not `pass`, a repair is chosen from the failing checks, in `qc.repair_order`:
`local_edit` when every failing check is one a local edit can fix (`qc.local_checks`) and the judge
pointed at regions (not twice in a row, nor with an editor that redraws the request on an image that
is that request drawn whole: it would redraw it as it is), else `prompt_tuning` (rewrite the request,
regenerate). A rewrite after a repair that left the image as it was, or after a whole redraw that still
fails, also draws a new sample (a new seed): restating the request again would draw the same image.
An LLM tuner (`qc.prompt_tuner`) writes the prompt when it gives a valid one; otherwise the
rule-based tuner does, and the row's reasons say why. `repair_by` names who made each repair.
Every attempt is a row of the `qc` table. A judge that raises or answers badly gives an `error`
verdict (the next repair regenerates); a repair that raises is recorded in that row's reasons and
the next kind is tried; a fatal error (a character without a template) ends the loop. A frame
that never passes is kept with qc_verdict `fail`: nothing is dropped silently.
An injected fault is there to measure the judge, not to be released: the outcome says whether the
final image still shows it (`FrameOutcome.fault_kept`: the judge let it through, or no repair
redrew all of its box), and the release leaves such frames out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops

from storycast.editors import edit_box
from storycast.editors.local_edit import local_edit, redraws_request
from storycast.editors.prompt_tuning import tune
from storycast.faults import Fault, inject
from storycast.judges.base import CHECKS, Judgement, JudgeRequest, error_judgement
from storycast.renderers.base import FrameRequest, rgb_array, rgb_image
from storycast.seeding import seed_for

REPAIRS = ("local_edit", "prompt_tuning")


@dataclass(frozen=True)
class QCSettings:
    max_rounds: int = 3
    repair_order: tuple[str, ...] = REPAIRS
    local_checks: tuple[str, ...] = ("identity", "expression", "pose", "sanity")
    fault_rate: float = 0.15
    faults: tuple[str, ...] = ("identity_drift", "wrong_expression", "misplaced_limb", "artefact")
    zoom: float = 0.85
    story_check: bool = True     # judge against the story's other frames too, where the judge can

    @classmethod
    def from_params(cls, p: dict) -> QCSettings:
        return cls(max_rounds=int(p["max_rounds"]), repair_order=tuple(p["repair_order"]),
                   local_checks=tuple(p["local_checks"]), fault_rate=float(p["fault_rate"]),
                   faults=tuple(p["faults"]), zoom=float(p["zoom"]), story_check=bool(p.get("story_check", True)))


@dataclass
class FrameOutcome:
    rows: list[dict]
    image: Image.Image
    changed: bool                 # the final image differs from the rendered one (a pixel at least)
    prompt: str
    verdict: str                  # pass | fail
    rounds: int
    fault: Fault | None
    first: Judgement | None = None
    judgements: list[Judgement] = field(default_factory=list)
    fault_kept: Fault | None = None   # the injected fault the final image still shows (None: none)


def choose_repair(j: Judgement, s: QCSettings, previous: str | None, broken: set[str],
                  edit_redraws_as_is: bool = False) -> str | None:
    """The first repair in `repair_order` that fits the failing checks (None: nothing left to try).
    `edit_redraws_as_is`: a local edit would redraw the image as it is (the editor redraws the
    request, and the image is that request drawn whole)."""
    checks = {c for c in j.failing_checks if c in CHECKS}
    for kind in s.repair_order:
        if kind in broken:
            continue
        if kind == "local_edit":
            if (j.verdict != "fail" or not checks or not checks <= set(s.local_checks) or not j.regions
                    or previous == "local_edit" or edit_redraws_as_is):
                continue
        return kind
    return None


def _judge(judge, jr: JudgeRequest) -> Judgement:
    try:
        return judge.judge(jr)
    except Exception as err:  # noqa: BLE001 - a judge failure is that attempt's recorded outcome
        return error_judgement(f"judge: -: {type(err).__name__}: {err}")


def _prompt_tuning(req: FrameRequest, j: Judgement, attempt: int, seed: int, zoom: float,
                   tuner, resample: bool = False) -> tuple[FrameRequest, str, list[str]]:
    """The tuned request, who tuned it and notes for the row: the LLM `tuner` first (when there is
    one), the rule-based tuner when it gives no valid prompt. `resample`: with a new seed as well.
    Transport errors propagate."""
    if tuner is not None:
        out = tuner.tune(req, j, attempt, seed, zoom, resample=resample)
        if out is not None:
            return out[0], tuner.name, []
        why = "; ".join(getattr(tuner, "last_errors", [])[-1:]) or "the judge gave no reasons to act on"
        note = f"repair: -: {tuner.name} tuner gave no valid prompt ({why[:300]}); the rule-based tuner rewrote it"
        return tune(req, j, attempt, seed, zoom, resample)[0], "rules", [note]
    return tune(req, j, attempt, seed, zoom, resample)[0], "rules", []


def _row(frame: dict, attempt: int, judge_name: str, j: Judgement, prompt: str, fault: str) -> dict:
    row = {"frame_id": frame["frame_id"], "story_id": frame["story_id"], "attempt": attempt, "judge": judge_name}
    for check in CHECKS:
        v = j.scores.get(check, math.nan)
        row[f"score_{check}"] = None if v is None or not math.isfinite(v) else float(v)
    row.update(verdict=j.verdict, reasons=list(j.reasons), failing_characters=list(j.failing), action="none",
               repair_by="", prompt_before=prompt, prompt_after=prompt, edited_region=[], fault=fault)
    return row


def first_attempt(image: Image.Image, pixels, request: FrameRequest, renderer, settings: QCSettings,
                  seed: int) -> tuple[Image.Image, Fault | None, np.ndarray | None]:
    """Attempt 0: the rendered image with its seeded fault (`faults.inject`), the fault, and the image
    as an RGB array (`pixels` where no fault changed it; None when neither is at hand)."""
    img, fault = inject(image, request, renderer, seed, settings.fault_rate, settings.faults)
    if img is not image:
        pixels = rgb_array(img)
    return img, fault, pixels


def run_frame(frame: dict, request: FrameRequest, image: Image.Image, *, judge, renderer, editor,
              templates, references, settings: QCSettings, seed: int, tuner=None,
              pixels=None, first=None, peers=None) -> FrameOutcome:
    """The loop for one frame; never raises for a judge or repair failure. `tuner`: an LLM prompt
    tuner (`storycast.editors.llm_tuning`), None for the rule-based one alone. `pixels`: `image`
    as an RGB array when the caller decoded it so (`render.decode_pixels`): the judge reads it
    while the image it judges is that one. `first`: `first_attempt`'s answer when the caller made
    it already; `peers`: the characters' colours in the story's other frames (`JudgeRequest.peers`),
    given to every attempt."""
    img, fault, img_pixels = first or first_attempt(image, pixels, request, renderer, settings, seed)
    rendered = image
    req, rows, judgements = request, [], []
    previous, broken = None, set()
    attempt, unchanged = 0, False
    kept = fault                    # the injected fault the current image still shows
    same = whole = False            # the last repair left the image as it was; it drew the request whole
    redraws = redraws_request(editor)
    deterministic = getattr(judge, "deterministic", False)
    while True:
        if not unchanged:       # a deterministic judge would repeat its last answer on the same image
            j = _judge(judge, JudgeRequest(img, req, templates, references, img_pixels if attempt == 0 else None,
                                           peers))
        judgements.append(j)
        row = _row(frame, attempt, getattr(judge, "label", judge.name), j, req.prompt,
                   fault.label if fault and attempt == 0 else "")
        rows.append(row)
        if j.verdict == "pass" or j.fatal or attempt >= settings.max_rounds:
            break
        kind = choose_repair(j, settings, previous, broken, edit_redraws_as_is=whole and redraws)
        if kind is None:
            break
        row["action"] = kind
        try:
            if kind == "local_edit":
                new, boxes = img, []
                for region in _distinct(j.regions):
                    new = local_edit(editor, new, region.box, req, seed_for(seed, "qc-edit", req.frame_id, attempt))
                    boxes.extend(float(v) for v in region.box)
                row["edited_region"], row["repair_by"] = boxes, editor.name
            else:
                tuned, row["repair_by"], notes = _prompt_tuning(req, j, attempt, seed, settings.zoom, tuner,
                                                                resample=same or whole)
                row["reasons"] = row["reasons"] + notes
                new = renderer.render_frame(tuned)
                req = tuned
                row["prompt_after"] = tuned.prompt
        except Exception as err:  # noqa: BLE001 - a failed repair is recorded, the next kind is tried
            row["reasons"] = row["reasons"] + [f"repair: -: {kind} failed: {type(err).__name__}: {err}"]
            broken.add(kind)
            unchanged = False
        else:
            # A local edit that redraws what is there already (a clean frame the judge rejects)
            # leaves the image as it was: the same judgement, without judging it again.
            same, whole = same_pixels(new, img), kind == "prompt_tuning"
            unchanged = deterministic and kind == "local_edit" and same
            img = img if unchanged else new
            if kept is not None and (kind == "prompt_tuning" or _covered(kept.region, boxes, img.size)):
                kept = None             # drawn again from a request without it
        previous = kind
        attempt += 1
    verdict = "pass" if judgements[-1].verdict == "pass" else "fail"
    if img is not rendered and same_pixels(img, rendered):
        img = rendered
    if kept is not None and (img is rendered or same_pixels(img.crop(kept.region), rendered.crop(kept.region))):
        kept = None                     # its box shows the render again, pixel for pixel
    return FrameOutcome(rows, img, img is not rendered, req.prompt, verdict, attempt, fault, judgements[0],
                        judgements, kept)


def same_pixels(img: Image.Image, other: Image.Image) -> bool:
    """Whether `img` is `other` pixel for pixel (compared in PIL: no copy of either into an array).
    A local edit that redraws a faulted box restores the render exactly (about half the changed frames
    at paper scale): such a frame keeps the render's image instead of a copy."""
    return img.size == other.size and ImageChops.difference(rgb_image(img), rgb_image(other)).getbbox() is None


def _covered(region, boxes: list[float], size: tuple[int, int]) -> bool:
    """Whether the edited boxes (x0, y0, x1, y1 in a row, as `edited_region` lists them) together
    cover every pixel of `region`, rounded as `local_edit` rounds them."""
    x0, y0, x1, y1 = region
    left = np.ones((y1 - y0, x1 - x0), dtype=bool)
    for i in range(0, len(boxes), 4):
        bx0, by0, bx1, by1 = edit_box(boxes[i:i + 4], *size)
        left[max(by0 - y0, 0):max(by1 - y0, 0), max(bx0 - x0, 0):max(bx1 - x0, 0)] = False
    return not left.any()


def _distinct(regions) -> list:
    """Regions to edit, dropping any box inside another one."""
    out = []
    for r in sorted(regions, key=lambda r: -(r.box[2] - r.box[0]) * (r.box[3] - r.box[1])):
        if not any(o.box[0] <= r.box[0] and o.box[1] <= r.box[1] and o.box[2] >= r.box[2] and o.box[3] >= r.box[3]
                   for o in out):
            out.append(r)
    return out
