"""`measured`: the embedded judge. Pixels and the control spec only, never renderer internals.

Per character (its box, skeleton, facing, depth from the request):
- identity (`identity`): colours of its hair, face and torso (`embedding`) against its template sheet: the worst
  part's distance to any colour of the template and to that part's own colours (a torso recoloured
  in the hair's colour), in units of the art style's measured noise; samples the pose puts under the
  character's own front arms, hands or held prop (`base.own_cover`) show the arm and are left out;
  where the arms hide most of the torso's samples, it is sampled where they leave it (`judges.torso`);
  in ink and pixel art, whose fills are a few hatch densities or a frame's few dozen colours, also the
  torso's and the hair's median colours against the template's (`judges.torso`); where the loop gives
  the character's colours in the story's other frames (`JudgeRequest.peers`), its torso and hair
  against the nearest of those too (`judges.story`: the same art style, a far narrower noise). The
  worst of these readings decides, but in ink and pixel art, where each is weak alone, a small
  net per part weighs the torso's and the hair's together with their samples where the story's
  frames read the part (`identity_model`);
- pose (`limbs`): each arm must be drawn where the skeleton puts it: an arm drawn elsewhere leaves
  what is behind it on the bone (the background continuing from beside the bone, or the torso), no
  skin at the hand and no outline beside the bones; a per-style model fitted on calibration arms
  weighs the evidence. Legs are not
  checked: they cross each other and the lower garment, and no measured failure moves them;
- expression: the face must be visible where an expression is asked (not from behind, head in the
  frame and not covered) and, where it is large enough to read, look like the asked expression
  family (`expression` model, measured on calibration faces);
- visibility: the share of its body not covered by nearer characters' boxes;
- in_frame: the share of its box (full-body shots) or head (closer shots) inside the frame.
Per frame, sanity (`sanity`): right size, not blank or flat, no noise blotch (blocks with many distinct
colours).
A frame's score per check is its worst character's; a check fails under `qc.thresholds`.
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict

import numpy as np
from PIL import Image

from storycast.judges import embedding as emb
from storycast.judges import head_shape, identity_model, template_sheet
from storycast.judges.base import (
    CHECKS,
    Judgement,
    JudgeRequest,
    Region,
    box_fraction_inside,
    clip_box,
    error_judgement,
    face_shown,
    grow,
    head_box,
    inside_boxes,
    nearer_boxes,
    own_cover,
)
from storycast.judges.calibration import noise_key
from storycast.judges.conditions import coarse, place_of, tone_of
from storycast.judges.expression import expression_fit, face_patch, features, view_of
from storycast.judges.identity import IDENTITY_PARTS, identity_score, template_distances, views_agree
from storycast.judges.limbs import limb_score
from storycast.judges.sanity import sanity_check
from storycast.judges.story import deviations, part_tones, story_score
from storycast.judges.torso import torso_grid_colours, torso_samples, unreadable_torso
from storycast.renderers.base import CharacterControl, FrameRequest, rgb_array

FULL_BODY_SHOTS = {"extreme_wide", "wide", "full"}
MIN_FACE_PX = 24          # faces narrower than this are checked for visibility only
IDENTITY_ROWS = IDENTITY_PARTS[emb.PART_OF]                # their sample points, in `describe` order
TORSO_ROWS = emb.PART_OF == emb.PARTS.index("torso")
DEFAULT_THRESHOLDS = {"identity": 0.52, "pose": 0.6, "expression": 0.15, "visibility": 0.05,  # calibrated:
                      "in_frame": 0.5, "sanity": 0.45}                  # bench_qc --calibrate, --thresholds


class MeasuredJudge:
    """Scores from pixels and controls; `thresholds` per check (params `qc.thresholds`)."""

    name = "measured"
    # Answers the same pixels and request the same way every time: the loop does not judge again an
    # image a repair left pixel for pixel as it was (`qc_loop.run_frame`).
    deterministic = True

    def __init__(self, thresholds: dict[str, float] | None = None, min_face_px: int = MIN_FACE_PX,
                 cache_size: int = 4096):
        self.thresholds = dict(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
        unknown = sorted(set(self.thresholds) - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown check {unknown[0]!r} in thresholds; expected {', '.join(CHECKS)}")
        self.min_face_px = int(min_face_px)
        self._refs: OrderedDict = OrderedDict()
        self._agree: OrderedDict = OrderedDict()
        self._cache_size = cache_size
        self._described: OrderedDict = OrderedDict()     # id(pixels) -> (pixels, {cid: `_describe`})

    # ------------------------------------------------------------------ references
    def reference(self, jr: JudgeRequest, cid: str, spec: dict | None = None):
        if jr.references is not None and cid in jr.references:
            return jr.references[cid]
        if cid in self._refs:
            self._refs.move_to_end(cid)
            return self._refs[cid]
        template = jr.templates.get(cid) if jr.templates is not None else None
        if template is None:
            return None
        ref = template_sheet.template_reference(template, spec)
        self._refs[cid] = ref
        if len(self._refs) > self._cache_size:
            self._refs.popitem(last=False)
        return ref

    def _trusted(self, ref) -> np.ndarray:
        """`views_agree` of a reference, computed once per reference object."""
        key = id(ref)
        if key not in self._agree or self._agree[key][0] is not ref:
            self._agree[key] = (ref, views_agree(ref))
            if len(self._agree) > self._cache_size:
                self._agree.popitem(last=False)
        return self._agree[key][1]

    # ------------------------------------------------------------------ story tones
    def story_tones(self, pixels: np.ndarray, req: FrameRequest) -> dict[str, np.ndarray]:
        """Each character's story tones in this frame (an RGB array; `story.part_tones` of its samples,
        the torso read even where the template comparison leaves it out, `_describe`). The descriptions
        are kept for a later `judge` of the same array, which then does not sample it again. An image
        of the wrong size has none (the judge fails it on sanity; its colours would mislead the story's
        other frames)."""
        if pixels.ndim != 3 or pixels.shape[:2] != (req.height, req.width):
            return {}
        table = emb.Window(pixels, _union_box(req))
        described = {c.character["character_id"]: self._describe(table, req, c) for c in req.characters}
        self._described[id(pixels)] = (pixels, described)
        if len(self._described) > 64:
            self._described.popitem(last=False)
        return {cid: d[4] for cid, d in described.items()}

    # ------------------------------------------------------------------ judging
    def judge(self, jr: JudgeRequest) -> Judgement:
        req = jr.request
        img = jr.pixels
        if img is None and isinstance(jr.image, Image.Image):
            img = rgb_array(jr.image)
        if img is None:
            return error_judgement(f"sanity: -: the image is a {type(jr.image).__name__}, not an image")
        refs = {}
        for c in req.characters:
            cid = c.character["character_id"]
            try:
                refs[cid] = self.reference(jr, cid, c.character)
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
        table = emb.Window(img, _union_box(req))
        by_story = not reasons
        known = self._described.pop(id(img), (None, {}))
        described = known[1] if known[0] is img else {}
        for c in req.characters:
            cid = c.character["character_id"]
            peers = jr.peers.get(cid) if jr.peers is not None else None
            scores, notes, desc = self._character(table, req, c, refs[cid], described.get(cid), peers)
            per[cid] = scores
            details["characters"][cid] = {"scores": scores, "descriptor": desc, "parts": notes.pop("parts"),
                                          "same_parts": notes.pop("same_parts"),
                                          "identity_without_story": notes.pop("identity_without_story"),
                                          "notes": notes}
            bad = [k for k, v in scores.items() if v < self.thresholds[k]]
            # failing on the story's other frames alone: identity only, and passing without them
            by_story &= not bad or (bad == ["identity"] and details["characters"][cid]["identity_without_story"]
                                    >= self.thresholds["identity"])
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
        details["failed_on_story_alone"] = bool(reasons) and by_story
        return self._finish(scores, reasons, failing, regions, details)

    def _finish(self, scores, reasons, failing, regions, details) -> Judgement:
        scores = {k: float(np.clip(scores[k], 0.0, 1.0)) if np.isfinite(scores[k]) else float("nan")
                  for k in CHECKS}
        verdict = "fail" if reasons else "pass"
        return Judgement(scores, verdict, tuple(reasons), tuple(dict.fromkeys(failing)), tuple(regions),
                         False, details)

    def _describe(self, img, req: FrameRequest, c: CharacterControl):
        """(descriptor, part points, nearer boxes, their keep mask, story tones) of one character. The
        story tones read a torso the template comparison cannot (`unreadable_torso`): a jacket's panels
        and outlines are drawn alike in every frame of the story."""
        near = nearer_boxes(req, c)
        keep = (lambda p: ~inside_boxes(p, near)) if near else None
        points = emb.part_points(c.keypoints, c.scale, c.facing, c.character)
        sampled = dict(points, torso=torso_samples(c, points["torso"], keep))
        # Hair, face and torso samples under the character's own arms show the arm: not judged.
        hidden = own_cover(c, np.vstack([sampled[p] for p in emb.PARTS])) & IDENTITY_ROWS

        def unhidden(p):
            return ~hidden & (keep(p) if keep is not None else True)
        desc = emb.describe(img, c.keypoints, c.scale, c.facing, unhidden, req.lighting, place_of(req.setting),
                            tone_of(req.art_style), points=sampled)
        if req.art_style in identity_model.GRID_STYLES:    # the ink torso net reads a dense grid
            desc = dataclasses.replace(desc, grid=torso_grid_colours(img, req, c, near))
        tones = part_tones(desc)
        if unreadable_torso(c, req.art_style):         # the torso unseen, as if its samples were hidden
            lab, seen = desc.lab.copy(), desc.seen.copy()
            lab[TORSO_ROWS] = np.nan
            seen[emb.PARTS.index("torso")] = False
            desc = dataclasses.replace(desc, lab=lab, seen=seen)
        return desc, points, near, keep, tones

    def _character(self, img, req: FrameRequest, c: CharacterControl, ref, described=None, peers=None):
        """Scores, notes and descriptor of one character; `described`: its `_describe` when made already."""
        notes: dict[str, str] = {}
        desc, points, near, keep, tones = described or self._describe(img, req, c)
        body = np.vstack([points[p] for p in emb.PARTS])
        key = noise_key(req.art_style, c.scale)
        identity, parts, same = self._identity(desc, tones, ref, key, c, req.art_style, peers, notes)
        pose, limb = limb_score(img, req, c, ref, keep)
        notes["pose"] = f"{limb} is not drawn where the pose puts it"
        expression, why, face = self._expression(img, req, c, near)
        notes["expression"] = why
        desc = dataclasses.replace(desc, shape=head_shape.posteriors(face, view_of(c.facing), req.art_style))
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
        notes["parts"], notes["same_parts"] = parts, same  # moved to details by judge()
        return {k: float(np.clip(v, 0.0, 1.0)) for k, v in scores.items()}, notes, desc

    def _identity(self, desc, tones, ref, key: str, c: CharacterControl, style: str, peers,
                  notes: dict) -> tuple[float, np.ndarray, np.ndarray]:
        """The identity score (its reasons in `notes`) and the part distances to the template
        (`identity.template_distances`): in the styles with identity nets (`identity_model`), their
        weighing of the torso's and hair's readings and samples; elsewhere the worst reading against the
        template (`identity_score`) and the story's other frames."""
        trusted = self._trusted(ref)
        story = deviations(tones, peers, key) if peers is not None else None
        if style in identity_model.load():
            parts, same = template_distances(desc, ref)
            readings = identity_model.part_readings(desc, ref, key, trusted, parts, same, story)
            inputs = {part: identity_model.part_inputs(desc, ref, part, r, c.scale, tones, peers, key)
                      for part, r in readings.items()}
            identity, notes["identity"], notes["identity_without_story"] = identity_model.weighed_identity(
                style, inputs, readings, identity_model.face_multiple(key, trusted, parts, same))
            return identity, parts, same
        identity, parts, same, notes["identity"] = identity_score(desc, ref, key, trusted)
        notes["identity_without_story"] = identity                      # moved to details by judge()
        if story is not None:
            told, note = story_score(story, key)
            if told < identity:
                identity, notes["identity"] = told, note
        return identity, parts, same

    def _expression(self, img, req, c, near) -> tuple[float, str, np.ndarray | None]:
        """The expression score, why it is low, and the face's features (None: not measurable)."""
        shown = face_shown(req, c, near)
        if c.facing == "back":
            if c.expression == "neutral":
                return 1.0, "", None
            return 0.0, f"{c.expression} asked but seen from behind", None
        if shown < 1.0 or 0.2 * c.scale < self.min_face_px * coarse(req.art_style):
            return shown, f"face not visible ({shown:.0%} of the head shown)", None
        patch = face_patch(img, c, req.lighting, place_of(req.setting), tone_of(req.art_style))
        face = None if patch is None else features(patch)
        fit, best = expression_fit(face, c, req.art_style)
        return min(shown, fit), f"face reads {best}, not {c.expression}", face


def _union_box(req: FrameRequest) -> tuple[int, int, int, int]:
    """Where any sample of any character can fall: the boxes grown by a head (marks, probes)."""
    boxes = [grow(c.bbox, 0.3 * c.scale) for c in req.characters]
    if not boxes:
        return 0, 0, req.width, req.height
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return clip_box(box, req.width, req.height) or (0, 0, 1, 1)
