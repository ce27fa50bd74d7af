"""`measured`: the embedded judge. Pixels and the control spec only, never renderer internals.

Per character (its box, skeleton, facing, depth from the request):
- identity: colours of its body parts (`embedding`) against its template sheet: the worst part
  (a drifted torso or hair) and the whole, in units of the art style's measured noise;
- pose: each limb of the skeleton must show the character's own colours (template palette), not
  the background: an arm drawn elsewhere leaves background where the pose control puts it;
- expression: the face must be visible where an expression is asked (not from behind, head in the
  frame and not covered) and, where it is large enough to read, look like the asked expression
  family (`expression` model, measured on calibration faces);
- visibility: the share of its body not covered by nearer characters' boxes;
- in_frame: the share of its box (full-body shots) or head (closer shots) inside the frame.
Per frame, sanity: right size, not blank or flat, no noise blotch (blocks with many distinct colours).
A frame's score per check is its worst character's; a check fails under `qc.thresholds`.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PIL import Image

from storycast import vocab
from storycast.judges import embedding as emb
from storycast.judges.base import (
    CHECKS,
    Judgement,
    JudgeRequest,
    Region,
    box_fraction_inside,
    clip_box,
    error_judgement,
    grow,
    head_box,
    inside_boxes,
    nearer_boxes,
)
from storycast.judges.calibration import PART_NOISE
from storycast.judges.expression import expression_fit
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.skeleton import L_ANK, L_ELB, L_HIP, L_KNE, L_SHO, L_WRI, R_ANK, R_ELB, R_HIP, R_KNE, R_SHO, R_WRI

FULL_BODY_SHOTS = {"extreme_wide", "wide", "full"}
LIMBS = {"right_arm": (R_SHO, R_ELB, R_WRI), "left_arm": (L_SHO, L_ELB, L_WRI),
         "right_leg": (R_HIP, R_KNE, R_ANK), "left_leg": (L_HIP, L_KNE, L_ANK)}
MIN_FACE_PX = 24          # faces narrower than this are checked for visibility only
IDENTITY_PARTS = np.isin(emb.PARTS, ("hair", "face", "torso"))
MIN_LIMB_PX = 40          # limbs shorter than this on screen are not checked
BLOTCH_LEVELS, BLOTCH_BLOCK, BLOTCH_WINDOW = 24, 8, 5
DEFAULT_THRESHOLDS = {"identity": 0.52, "pose": 0.1, "expression": 0.15, "visibility": 0.05,  # calibrated:
                      "in_frame": 0.5, "sanity": 0.45}                                # bench_qc --calibrate


def place_of(setting: str) -> str:
    if setting == "underwater_reef":
        return "water"
    return "in" if vocab.SETTINGS[setting]["indoor"] else "out"


def coarse(style: str) -> float:
    """How much bigger a detail must be to read in this style (pixel art draws 4-pixel blocks)."""
    return 4.0 if style == "pixel_art" else 1.0


def tone_of(style: str) -> str:
    return "ink" if style == "ink" else "colour"


class MeasuredJudge:
    """Scores from pixels and controls; `thresholds` per check (params `qc.thresholds`)."""

    name = "measured"

    def __init__(self, thresholds: dict[str, float] | None = None, min_face_px: int = MIN_FACE_PX,
                 cache_size: int = 4096):
        self.thresholds = dict(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
        unknown = sorted(set(self.thresholds) - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown check {unknown[0]!r} in thresholds; expected {', '.join(CHECKS)}")
        self.min_face_px = int(min_face_px)
        self._refs: OrderedDict = OrderedDict()
        self._cache_size = cache_size

    # ------------------------------------------------------------------ references
    def reference(self, jr: JudgeRequest, cid: str):
        if jr.references is not None and cid in jr.references:
            return jr.references[cid]
        if cid in self._refs:
            self._refs.move_to_end(cid)
            return self._refs[cid]
        template = jr.templates.get(cid) if jr.templates is not None else None
        if template is None:
            return None
        ref = emb.template_reference(template)
        self._refs[cid] = ref
        if len(self._refs) > self._cache_size:
            self._refs.popitem(last=False)
        return ref

    # ------------------------------------------------------------------ judging
    def judge(self, jr: JudgeRequest) -> Judgement:
        req = jr.request
        img = np.asarray(jr.image.convert("RGB")) if isinstance(jr.image, Image.Image) else None
        if img is None:
            return error_judgement(f"sanity: -: the image is a {type(jr.image).__name__}, not an image")
        refs = {}
        for c in req.characters:
            cid = c.character["character_id"]
            try:
                refs[cid] = self.reference(jr, cid)
            except ValueError as err:
                return error_judgement(f"identity: {cid}: unreadable template ({err})", fatal=True)
            if refs[cid] is None:
                return error_judgement(f"identity: {cid}: no template for this character", fatal=True)
        per: dict[str, dict[str, float]] = {}
        reasons, regions, failing, details = [], [], [], {"characters": {}}
        sanity, why, blotch = sanity_check(img, req)
        if sanity < self.thresholds["sanity"]:
            reasons.append(f"sanity: -: {why}")
            if blotch is not None:
                regions.append(Region(blotch, "artefact", "", "sanity"))
        if img.shape[:2] != (req.height, req.width):
            return self._finish({c: (sanity if c == "sanity" else np.nan) for c in CHECKS}, reasons, failing,
                                regions, details)
        table = emb.Integral(img, _union_box(req))
        for c in req.characters:
            cid = c.character["character_id"]
            scores, notes, desc = self._character(table, req, c, refs[cid])
            per[cid] = scores
            details["characters"][cid] = {"scores": scores, "descriptor": desc, "parts": notes.pop("parts"),
                                          "notes": notes}
            bad = [k for k, v in scores.items() if v < self.thresholds[k]]
            for k in bad:
                reasons.append(f"{k}: {cid}: {notes.get(k, f'score {scores[k]:.2f}')}")
            if bad:
                failing.append(cid)
            if any(k in ("identity", "pose") for k in bad):
                box = clip_box(grow(c.bbox, 0.04 * c.scale), req.width, req.height)
                if box:
                    regions.append(Region(box, "character", cid, "identity" if "identity" in bad else "pose"))
            if "expression" in bad and c.facing != "back":
                box = clip_box(head_box(c, pad=1.9), req.width, req.height)
                if box:
                    regions.append(Region(box, "face", cid, "expression"))
        scores = {k: min([p[k] for p in per.values()], default=1.0) for k in CHECKS if k != "sanity"}
        scores["sanity"] = sanity
        return self._finish(scores, reasons, failing, regions, details)

    def _finish(self, scores, reasons, failing, regions, details) -> Judgement:
        scores = {k: float(np.clip(scores[k], 0.0, 1.0)) if np.isfinite(scores[k]) else float("nan")
                  for k in CHECKS}
        verdict = "fail" if reasons else "pass"
        return Judgement(scores, verdict, tuple(reasons), tuple(dict.fromkeys(failing)), tuple(regions),
                         False, details)

    def _character(self, img, req: FrameRequest, c: CharacterControl, ref):
        notes: dict[str, str] = {}
        near = nearer_boxes(req, c)
        keep = (lambda p: ~inside_boxes(p, near)) if near else None
        light, place, tone = req.lighting, place_of(req.setting), tone_of(req.art_style)
        desc = emb.describe(img, c.keypoints, c.scale, c.facing, keep, light, place, tone)
        noise = np.asarray(PART_NOISE.get(req.art_style, (10.0,) * len(emb.PARTS)))
        identity = 1.0
        parts = np.full(len(emb.PARTS), np.nan)
        if desc.seen.any():
            # a part whose colours appear nowhere on the character's template has drifted
            both = np.vstack([ref.front.lab, ref.back.lab])[None]
            parts = emb.part_distances(desc, both, any_part=True)[0]
            z = parts / noise                      # in units of the style's clean 95th percentile
            z[~IDENTITY_PARTS] = np.nan            # limbs and feet shade with the pose: retrieval only
            if np.isfinite(z).any():
                worst = int(np.nanargmax(z))
                identity = float(1.0 - z[worst] / 6.0)
                notes["identity"] = (f"{emb.PARTS[worst]} colour is {parts[worst]:.0f} dE from any colour of "
                                     f"the template ({z[worst]:.1f}x the usual)")
        pose, limb = limb_score(img, req, c, ref, keep, float(np.median(noise)) / 5.0)
        notes["pose"] = f"{limb} does not show the character's colours where the pose puts it"
        expression, why = self._expression(img, req, c, near)
        notes["expression"] = why
        body = np.vstack(list(emb.part_points(c.keypoints, c.scale, c.facing).values()))
        in_img = ((body[:, 0] >= 0) & (body[:, 0] < req.width) & (body[:, 1] >= 0) & (body[:, 1] < req.height))
        visible = float((~inside_boxes(body[in_img], near)).mean()) if in_img.any() else 0.0
        notes["visibility"] = f"{1 - visible:.0%} of the body is behind nearer characters"
        if req.shot_type in FULL_BODY_SHOTS:
            in_frame = box_fraction_inside(c.bbox, req.width, req.height)
            notes["in_frame"] = f"only {in_frame:.0%} of the body is inside the frame"
        else:
            in_frame = box_fraction_inside(head_box(c), req.width, req.height)
            notes["in_frame"] = f"only {in_frame:.0%} of the head is inside the frame"
        scores = {"identity": identity, "pose": pose, "expression": expression, "visibility": visible,
                  "in_frame": in_frame}
        notes["parts"] = parts  # moved to details by judge()
        return {k: float(np.clip(v, 0.0, 1.0)) for k, v in scores.items()}, notes, desc

    def _expression(self, img, req, c, near) -> tuple[float, str]:
        hb = head_box(c)
        corners = np.array([[hb[0], hb[1]], [hb[2], hb[1]], [hb[0], hb[3]], [hb[2], hb[3]],
                            [(hb[0] + hb[2]) / 2, (hb[1] + hb[3]) / 2]])
        shown = box_fraction_inside(hb, req.width, req.height) * float((~inside_boxes(corners, near)).mean())
        if c.facing == "back":
            return (1.0, "") if c.expression == "neutral" else (0.0, f"{c.expression} asked but seen from behind")
        if shown < 1.0 or 0.2 * c.scale < self.min_face_px * coarse(req.art_style):
            return shown, f"face not visible ({shown:.0%} of the head shown)"
        fit, best = expression_fit(img, c, req.lighting, place_of(req.setting), tone_of(req.art_style))
        return min(shown, fit), f"face reads {best}, not {c.expression}"


def _union_box(req: FrameRequest) -> tuple[int, int, int, int]:
    """Where any sample of any character can fall: the boxes grown by a head (marks, probes)."""
    boxes = [grow(c.bbox, 0.3 * c.scale) for c in req.characters]
    if not boxes:
        return 0, 0, req.width, req.height
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return clip_box(box, req.width, req.height) or (0, 0, 1, 1)


# ---------------------------------------------------------------- pose: limbs show the character
LIMB_PARTS = {"arm": ("upper_arms", "forearms"), "leg": ("thighs", "shins", "feet")}
FAR_ARM = {"right": "left_arm", "left": "right_arm"}   # drawn behind the body in a three-quarter view


def _palette(ref, kind: str) -> np.ndarray:
    rows = [getattr(ref, v).lab[emb.SLICES[p]] for v in ("front", "back") for p in LIMB_PARTS[kind]]
    pal = np.vstack(rows)
    return pal[~np.isnan(pal[:, 0])]


def limb_score(img, req: FrameRequest, c: CharacterControl, ref, keep,
               noise: float, margin: float = 6.0) -> tuple[float, str]:
    """Worst limb's share of skeleton samples that look like the character rather than what
    surrounds the limb: a sample counts when its colour is at least as close to the character's
    own limb colours (template) as to the probes two limb widths to either side."""
    kp = np.asarray(c.keypoints, dtype=np.float64)
    radius = emb.sample_radius(c.scale)
    place, tone = place_of(req.setting), tone_of(req.art_style)
    worst, name = 1.0, ""
    for limb, (a, b, d) in LIMBS.items():
        if limb == FAR_ARM.get(c.facing) or (c.facing == "back" and limb.endswith("arm")):
            continue
        if np.linalg.norm(kp[b] - kp[a]) + np.linalg.norm(kp[d] - kp[b]) < MIN_LIMB_PX * coarse(req.art_style):
            continue                     # too thin to read on screen
        palette = _palette(ref, limb.split("_")[1])
        segs = [(kp[a], kp[b]), (kp[b], kp[d])]
        pts, probes = [], []
        for p0, p1 in segs:
            v = p1 - p0
            n = np.array([-v[1], v[0]]) / max(float(np.hypot(*v)), 1e-9)
            for t in (0.3, 0.5, 0.7):
                q = p0 + v * t
                pts.append(q)
                probes.extend([q + n * 0.11 * c.scale, q - n * 0.11 * c.scale])
        pts, probes = np.array(pts), np.array(probes)
        colours, ok = emb.box_means(img, pts, radius)
        if keep is not None:
            ok &= keep(pts)
        if ok.sum() < 3 or not len(palette):
            continue
        pc, pok = emb.box_means(img, probes, radius)
        lab = emb.srgb_to_lab(emb.light_correct(colours, req.lighting, place, tone))
        plab = emb.srgb_to_lab(emb.light_correct(pc, req.lighting, place, tone)).reshape(-1, 2, 3)
        d_pal = np.sqrt(((lab[:, None] - palette[None]) ** 2).sum(-1)).min(axis=1)
        d_bg = np.where(pok.reshape(-1, 2), np.sqrt(((plab - lab[:, None]) ** 2).sum(-1)), np.inf).min(axis=1)
        present = (d_pal <= d_bg + margin * noise)[ok]
        share = float(present.mean())
        if share < worst:
            worst, name = share, limb
    return worst, name


# ---------------------------------------------------------------- sanity
def sanity_check(img: np.ndarray, req: FrameRequest) -> tuple[float, str, tuple | None]:
    """(score, why, blotch box) for size, blank/flat images and noise blotches."""
    h, w = img.shape[:2]
    if (w, h) != (req.width, req.height):
        return 0.0, f"image is {w}x{h}, the request asks for {req.width}x{req.height}", None
    lum = img[::4, ::4] @ np.array([0.299, 0.587, 0.114])
    if float(lum.std()) < 2.0:
        return 0.0, "blank image (no contrast)", None
    small = img[::8, ::8].reshape(-1, 3).astype(np.int32)
    if len(np.unique(small[:, 0] // 8 * 1024 + small[:, 1] // 8 * 32 + small[:, 2] // 8)) < 6:
        return 0.0, "flat image (almost no distinct colours)", None
    count, box = blotch(img)
    score = 1.0 - count / (2.0 * 16)
    return score, f"noise blotch around {list(box)} ({count} noisy blocks)", box


def blotch(img: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """Largest count of 'noisy' 8x8 blocks (more than BLOTCH_LEVELS distinct colours at 4 bits per
    channel) in any 5x5-block window, and that window's box in pixels."""
    q = (img >> 4).astype(np.int32)
    code = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    b = BLOTCH_BLOCK
    hb, wb = code.shape[0] // b, code.shape[1] // b
    blocks = code[: hb * b, : wb * b].reshape(hb, b, wb, b).transpose(0, 2, 1, 3).reshape(hb, wb, b * b)
    blocks = np.sort(blocks, axis=2)
    noisy = ((np.diff(blocks, axis=2) != 0).sum(axis=2) + 1 > BLOTCH_LEVELS).astype(np.int32)
    k = BLOTCH_WINDOW
    if hb < k or wb < k:
        return 0, (0, 0, img.shape[1], img.shape[0])
    ii = np.zeros((hb + 1, wb + 1), dtype=np.int32)
    ii[1:, 1:] = noisy.cumsum(0).cumsum(1)
    win = ii[k:, k:] - ii[:-k, k:] - ii[k:, :-k] + ii[:-k, :-k]
    y, x = np.unravel_index(int(np.argmax(win)), win.shape)
    box = (int(x * b - b), int(y * b - b), int(min(img.shape[1], (x + k + 1) * b)),
           int(min(img.shape[0], (y + k + 1) * b)))
    return int(win[y, x]), (max(box[0], 0), max(box[1], 0), box[2], box[3])
