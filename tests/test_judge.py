"""The judge: strict answer validation, the measured judge's detection of injected faults on a fixed
sample (calibrated on a different sample), and identity retrieval among all templates."""
from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from storycast import vocab
from storycast.characters import sample_characters
from storycast.faults import FAULTS, INJECTORS, inject
from storycast.judges import (
    CHECKS,
    Judge,
    JudgeAnswerError,
    JudgeRequest,
    arm_net,
    hair,
    limbs,
    make_judge,
    measured,
    parse_judgement,
)
from storycast.judges import expression as ex
from storycast.judges.base import front_arms, nearer_boxes, own_cover, score_of_risk
from storycast.judges.calibration import (
    LIGHT_CURVES,
    PART_NOISE,
    PART_SHIFT_NOISE,
    SAME_PART_NOISE,
    SCALE_BANDS,
    noise_key,
    noise_keys,
)
from storycast.judges.conditions import place_of
from storycast.judges.embedding import (
    SLICES,
    Descriptor,
    Window,
    box_means,
    lab_distances,
    light_correct,
    part_points,
    srgb_to_lab,
)
from storycast.judges.identity import template_distances
from storycast.judges.measured import DEFAULT_THRESHOLDS, MeasuredJudge
from storycast.judges.palette import colour_count, frame_palette, lab_to_srgb, light_frame, nearest, through_palette
from storycast.judges.retrieval import (
    crop_distance,
    drawn_unlike,
    gallery,
    nan_quantile,
    part_distances,
)
from storycast.judges.sanity import BLOTCH_BLOCK, BLOTCH_LEVELS, blotch, colour_codes, noisy_blocks
from storycast.judges.template_sheet import _figures, _reduce, template_reference
from storycast.judges.torso import torso_samples
from storycast.qc import sample_frames
from storycast.qc_metrics import read_shapes
from storycast.renderers.base import CharacterControl
from storycast.renderers.procedural import ProceduralRenderer
from storycast.renderers.procedural.clothes import UNDERSHIRT
from storycast.skeleton import L_HIP, L_SHO, R_HIP, R_SHO, pose_keypoints

THRESHOLDS = dict(DEFAULT_THRESHOLDS)   # the calibrated ones, as params.yaml
COLOUR_STYLES = {"flat_vector", "outlined_cel", "pastel", "painterly"}
GOOD = {"scores": {c: 0.9 for c in CHECKS}}


# ---------------------------------------------------------------- answer validation
def test_parse_valid_answer():
    j = parse_judgement({**GOOD, "reasons": [], "regions": [{"box": [1, 2, 30.5, 40], "kind": "face",
                                                          "character_id": "c00001"}]}, THRESHOLDS, frame=(64, 64))
    assert j.verdict == "pass" and j.scores["identity"] == 0.9
    assert j.regions[0].box == (1, 2, 31, 40) and j.regions[0].kind == "face"
    low = parse_judgement({"scores": {**GOOD["scores"], "pose": 0.05}}, THRESHOLDS)
    assert low.verdict == "fail" and low.reasons == ("pose: -: score 0.05",)


@pytest.mark.parametrize("answer, message", [
    ({"scores": {c: 0.9 for c in CHECKS if c != "pose"}}, "missing pose"),
    ({"scores": {**GOOD["scores"], "identity": 1.5}}, r"identity = 1.5 is out of range"),
    ({"scores": {**GOOD["scores"], "identity": -0.1}}, "out of range"),
    ({"scores": {**GOOD["scores"], "sanity": float("nan")}}, "out of range"),
    ({"scores": {**GOOD["scores"], "expression": "high"}}, "expression must be a number"),
    ({"scores": {**GOOD["scores"], "expression": True}}, "must be a number"),
    ({"scores": {**GOOD["scores"], "beauty": 0.5}}, "unknown check 'beauty'"),
    ({"scores": [0.9] * 6}, "scores is missing or not an object"),
    ({**GOOD, "verdict": "fail"}, "contradicts its scores"),
    ({**GOOD, "verdict": "maybe"}, "must be 'pass' or 'fail'"),
    ({**GOOD, "reasons": "bad"}, "reasons must be a list"),
    ({**GOOD, "regions": [{"box": [0, 0, 5]}]}, "4 finite numbers"),
    ({**GOOD, "regions": [{"box": [70, 70, 90, 90]}]}, "no area inside the frame"),
    ({**GOOD, "mood": "ok"}, "unknown field 'mood'"),
    ("pass", "must be a JSON object"),
])
def test_parse_rejects_bad_answers(answer, message):
    with pytest.raises(JudgeAnswerError, match=message):
        parse_judgement(answer, THRESHOLDS, frame=(64, 64))


def test_parse_without_thresholds_needs_verdict():
    with pytest.raises(JudgeAnswerError, match="verdict is missing"):
        parse_judgement(GOOD)
    assert parse_judgement({**GOOD, "verdict": "fail", "reasons": ["pose: c1: arm"]}).verdict == "fail"


def test_make_judge():
    judge = make_judge("measured", THRESHOLDS)
    assert isinstance(judge, Judge) and judge.name == "measured"
    with pytest.raises(ValueError, match="unknown qc.judge 'vlm'"):
        make_judge("vlm", THRESHOLDS)
    with pytest.raises(ValueError, match="missing sanity"):
        make_judge("measured", {k: v for k, v in THRESHOLDS.items() if k != "sanity"})


# ---------------------------------------------------------------- a fixed sample (not the calibration one)
@pytest.fixture(scope="module")
def sample():
    """240 frames over 80 characters (seeds 202/203; calibration used 101/102), their templates."""
    chars = sample_characters(80, 202, 3)
    renderer = ProceduralRenderer()
    refs = {c["character_id"]: template_reference(renderer.render_template(c, 1024, 7), c) for c in chars}
    items = sample_frames(chars, 240, 203)
    images = [renderer.render_frame(req) for _, req in items]
    return chars, refs, items, images, renderer


def test_detects_injected_faults_and_passes_clean_frames(sample):
    _, refs, items, images, renderer = sample
    judge = MeasuredJudge(THRESHOLDS)
    start = time.perf_counter()
    clean_rejected, flagged, kinds = [], Counter(), Counter()
    for (_, req), image in zip(items, images):
        clean = judge.judge(JudgeRequest(image, req, {}, refs))
        clean_rejected.append(clean.verdict != "pass")
        faulty, fault = inject(image, req, renderer, 11, 1.0, FAULTS)
        assert fault is not None and faulty.tobytes() != image.tobytes()
        kinds[fault.kind] += 1
        flagged[fault.kind] += judge.judge(JudgeRequest(faulty, req, {}, refs)).verdict != "pass"
    rates = {k: flagged[k] / kinds[k] for k in kinds}
    overall = sum(flagged.values()) / len(items)
    print(f"clean rejected {np.mean(clean_rejected):.3f}, faulty flagged {overall:.3f}, by kind "
          f"{ {k: round(v, 3) for k, v in rates.items()} } ({time.perf_counter() - start:.0f}s)")
    assert min(kinds.values()) >= 20                   # every kind is exercised
    assert np.mean(clean_rejected) <= 0.02             # measured 0.017 (4 of 240)
    assert rates["artefact"] >= 0.95
    assert rates["misplaced_limb"] >= 0.6 and rates["identity_drift"] >= 0.4   # measured 0.913, 0.617
    assert rates["wrong_expression"] >= 0.75           # measured 0.882 (a face net in every style; 0.804 before)
    assert overall >= 0.7                              # measured 0.838: see the xfail below


@pytest.mark.xfail(strict=True, reason="target not met: the measured judge flags ~84% of injected faults "
                                       "(artefacts 100%, drift ~62%, expression ~88%, limbs ~91%)")
def test_detection_target_95_percent(sample):
    _, refs, items, images, renderer = sample
    judge = MeasuredJudge(THRESHOLDS)
    flagged = [judge.judge(JudgeRequest(inject(image, req, renderer, 11, 1.0, FAULTS)[0], req, {}, refs)).verdict
               != "pass" for (_, req), image in zip(items, images)]
    assert np.mean(flagged) >= 0.95


def _posed(pose: str, facing: str, scale: float = 300.0) -> CharacterControl:
    kp, vis = pose_keypoints(pose, facing)
    kp = kp * scale + np.array([256.0, 200.0])
    box = (*kp.min(axis=0), *kp.max(axis=0))
    return CharacterControl({"character_id": "c1"}, pose, "neutral", facing, kp, vis, scale, 0, box)


def test_samples_under_the_characters_own_arms_are_not_judged():
    """The identity check must not read a forearm lying across the torso as a recoloured torso:
    points on a front arm are covered, the torso beside it and every point seen from behind are not."""
    for facing in ("front", "left", "right"):
        c = _posed("arms_crossed", facing)
        kp = np.asarray(c.keypoints)
        near = front_arms(c)
        # As the pose check reads them:
        assert near == [joints for name, joints in limbs.LIMBS.items() if name != limbs.FAR_ARM.get(facing)]
        for sho, elb, wri in near:
            on_arm = np.array([(kp[sho] + kp[elb]) / 2, (kp[elb] + kp[wri]) / 2, kp[wri]])
            assert own_cover(c, on_arm).all()
            away = kp[elb] + (kp[elb] - kp[sho]) / np.linalg.norm(kp[elb] - kp[sho]) * 0.2 * c.scale
            assert not own_cover(c, away[None]).any()
    back = _posed("arms_crossed", "back")
    assert not own_cover(back, np.asarray(back.keypoints)).any()
    assert not own_cover(_posed("standing", "front"), np.array([[256.0, 200.0 + 0.3 * 300]])).any()


_COLOURS = sorted(vocab.COLORS)
_COLOUR_LABS = srgb_to_lab(np.array([[int(vocab.COLORS[k][i:i + 2], 16) for i in (1, 3, 5)] for k in _COLOURS]))


def _identity_with_top_recoloured(sample, req, image, c, by_lightness: bool = False,
                                  attr: str = "top_color") -> list[float]:
    """The character's identity score as drawn, then with its top (or `attr`) redrawn in the colour
    farthest from its own (by CIELAB distance, or by lightness)."""
    _, refs, _, _, renderer = sample
    names = _COLOURS if attr == "top_color" else sorted(vocab.HAIR_COLORS)
    labs = _COLOUR_LABS[[_COLOURS.index(n) for n in names]]
    gap = labs - _COLOUR_LABS[_COLOURS.index(c.character[attr])]
    far = names[int(np.argmax(np.abs(gap[:, 0]) if by_lightness else np.linalg.norm(gap, axis=1)))]
    drifted = dataclasses.replace(c, character=dict(c.character, **{attr: far}))
    recoloured = renderer.render_frame(dataclasses.replace(
        req, characters=tuple(drifted if o is c else o for o in req.characters)))
    judge, cid = MeasuredJudge(THRESHOLDS), c.character["character_id"]
    return [judge.judge(JudgeRequest(im, req, {}, refs)).details["characters"][cid]["scores"]["identity"]
            for im in (image, recoloured)]


def test_torso_is_judged_beside_the_characters_own_arms(sample):
    """Where the character's own arms hide most of the torso's sample grid (an arm hanging close to
    the body from the front, the near arm over the middle of a three-quarter torso), the torso is
    sampled where the arms leave it: a recoloured top there fails the identity check, and the
    character as drawn does not."""
    _, _, items, images, _ = sample
    scores = []
    for (_, req), image in zip(items, images):
        for c in req.characters:
            torso = part_points(c.keypoints, c.scale, c.facing, c.character)["torso"]
            if c.facing == "back" or req.art_style in ("ink", "pixel_art") or c.character["top"] == "jacket" \
                    or (~own_cover(c, torso)).sum() >= len(torso) / 2:
                continue
            moved = torso_samples(c, torso, None)
            assert (~own_cover(c, moved)).sum() >= len(torso) / 2
            middle = (np.asarray(c.keypoints)[[R_SHO, L_SHO, R_HIP, L_HIP]]).mean(axis=0)
            assert np.abs(moved[:, 0] - middle[0]).max() < 0.15 * c.scale
            scores.append(_identity_with_top_recoloured(sample, req, image, c))
    scores = np.array(scores)
    print(f"{(scores[:, 1] < THRESHOLDS['identity']).sum()} of {len(scores)} recoloured tops fail identity")
    assert len(scores) >= 15            # 16, jacket wearers left out (`test_an_open_jacket_is_judged_on_its_panels`)
    assert (scores[:, 0] >= THRESHOLDS["identity"]).all()
    assert (scores[:, 1] < THRESHOLDS["identity"]).mean() >= 0.5     # measured 15 of 16; unjudged before


@pytest.mark.parametrize("style, by_lightness, at_least", [("ink", True, 0.15), ("pixel_art", False, 0.2)])
def test_top_redrawn_far_away_fails_on_the_torso_median(sample, style, by_lightness, at_least):
    """In ink a recoloured top becomes another hatch density, in pixel art another of the frame's
    few dozen colours, that some other part of the template shows too: the torso's median against
    the template torso's (`part_shift`) tells it apart. The top is redrawn in the colour farthest
    from its own (by lightness in ink)."""
    _, _, items, images, _ = sample
    scores = np.array([_identity_with_top_recoloured(sample, req, image, c, by_lightness)
                       for (_, req), image in zip(items, images) if req.art_style == style
                       for c in req.characters])
    failed = scores[:, 1] < THRESHOLDS["identity"]
    print(f"{style}: {failed.sum()} of {len(scores)} recoloured tops fail identity")
    assert len(scores) >= 40                                   # 50 ink, 87 pixel-art characters
    assert (scores[:, 0] >= THRESHOLDS["identity"]).all()
    # measured: ink 13 of 50, pixel art 39 of 87; by colour alone 1 and 7. Many tops are hidden
    assert failed.mean() >= at_least


def test_noise_keys_band_pixel_art_by_size_and_every_key_has_units():
    assert noise_key("ink", 90.0) == noise_key("ink", 900.0) == "ink"
    assert [noise_key("pixel_art", s) for s in (120.0, 200.0, 299.0, 300.0, 800.0)] == [
        "pixel_art<200", "pixel_art<300", "pixel_art<300", "pixel_art<450", "pixel_art>=450"]
    for style in vocab.ART_STYLES:
        for key in noise_keys(style):
            assert key in PART_NOISE and key in SAME_PART_NOISE, key
    assert set(PART_SHIFT_NOISE) == {k for s in ("ink", "pixel_art") for k in noise_keys(s)}


def test_large_pixel_art_tops_are_judged_in_their_own_size_band(sample, monkeypatch):
    """A large pixel-art character's parts are many blocks wide and keep their colours: a top redrawn
    far away fails identity in units of its size band, where the small characters' units (the noise
    of a few blocks and their outlines) would let many through; as drawn, none fails."""
    _, _, items, images, _ = sample
    large = [(req, image, c) for (_, req), image in zip(items, images) if req.art_style == "pixel_art"
             for c in req.characters if c.scale >= SCALE_BANDS["pixel_art"][1]]
    banded = np.array([_identity_with_top_recoloured(sample, req, image, c) for req, image, c in large])
    monkeypatch.setattr(measured, "noise_key", lambda style, scale: noise_keys(style)[0])
    smallest = np.array([_identity_with_top_recoloured(sample, req, image, c) for req, image, c in large])
    failed = (banded[:, 1] < THRESHOLDS["identity"]).sum(), (smallest[:, 1] < THRESHOLDS["identity"]).sum()
    print(f"{len(large)} pixel-art tops from {SCALE_BANDS['pixel_art'][1]:.0f} px: {failed[0]} fail identity in "
          f"their band's units, {failed[1]} in the smallest band's")
    assert len(large) >= 20
    assert (banded[:, 0] >= THRESHOLDS["identity"]).all()
    assert failed[0] >= failed[1] + 8                          # measured 29 and 16 of 43


@pytest.fixture(scope="module")
def jackets():
    """40 frames of open-jacket wearers, slim builds left out (seeds 606/607), and their templates."""
    chars = [c for c in sample_characters(400, 606, 3) if c["top"] == "jacket" and c["build"] != "slim"]
    renderer = ProceduralRenderer()
    refs = {c["character_id"]: template_reference(renderer.render_template(c, 1024, 7), c) for c in chars}
    items = sample_frames(chars, 40, 607)
    return chars, refs, items, [renderer.render_frame(req) for _, req in items], renderer


def test_an_open_jacket_is_judged_on_its_panels(jackets):
    """An open jacket shows the shirt down the torso's middle line, where the torso grid lies. Sampled
    on its panels, as the spec says it wears one, the sheet's torso reads the jacket, and a jacket
    redrawn in a far-off colour fails identity in the colour styles (none did on the grid)."""
    chars, refs, items, images, renderer = jackets
    shirt = srgb_to_lab(np.array(UNDERSHIRT, dtype=np.float64))
    torso = SLICES["torso"]
    off = [[float(np.linalg.norm(np.nanmedian(template_reference(renderer.render_template(c, 1024, 7), spec)
                                                .front.lab[torso], axis=0) - shirt)) for spec in (c, None)]
           for c in chars[:10]]
    print("sheet torso's distance from the shirt, panels / grid:", np.round(off, 1).tolist())
    off = np.array(off)
    assert (off[:, 0] > off[:, 1] + 10).mean() >= 0.8          # measured: 9 of 10
    scores = np.array([_identity_with_top_recoloured(jackets, req, image, c)
                       for (_, req), image in zip(items, images) if req.art_style not in ("ink", "pixel_art")
                       for c in req.characters if c.facing != "back"])
    failed = scores[:, 1] < THRESHOLDS["identity"]
    print(f"{failed.sum()} of {len(scores)} recoloured jackets fail identity")
    assert len(scores) >= 20
    assert (scores[:, 0] >= THRESHOLDS["identity"]).all()
    assert failed.mean() >= 0.7                                # measured: 45 of 51


@pytest.fixture(scope="module")
def hats():
    """30 frames of characters in a cap, a round hat, goggles or a crown, with hair, in the colour
    styles (seeds 608/609), and a renderer."""
    chars = [c for c in sample_characters(400, 608, 3)
             if hair.hat_of(c) != "none" and c["hair_color"] and c["hair_style"] != "mohawk"
             and c["art_style"] not in ("ink", "pixel_art")][:30]
    items = sample_frames(chars, 30, 609)
    renderer = ProceduralRenderer()
    return chars, items, [renderer.render_frame(req) for _, req in items], renderer


def _hair_recoloured_fails(hats) -> tuple[int, int, int]:
    """(clean characters failing identity, recoloured hair failing, characters) over the hat wearers
    facing the viewer, hair redrawn in the hair colour farthest from its own, as the judge reads now."""
    chars, items, images, renderer = hats
    refs = {c["character_id"]: template_reference(renderer.render_template(c, 1024, 7), c) for c in chars}
    scores = np.array([_identity_with_top_recoloured((None, refs, None, None, renderer), req, image, c, False,
                                                     "hair_color")
                       for (_, req), image in zip(items, images) for c in req.characters if c.facing != "back"])
    failed = scores < THRESHOLDS["identity"]
    return int(failed[:, 0].sum()), int(failed[:, 1].sum()), len(scores)


def test_hair_points_follow_the_hat_the_style_and_the_facing():
    """Read at the crown bare-headed and in ink; under a hat at the table's points, mirrored for a
    character facing left; a second hat reads as under the one covering more."""
    spec = {"art_style": "pastel", "hair_style": "short", "accessories": ["cap"]}
    under_cap = hair.hair_points(spec, "right")
    assert under_cap.shape == (3, 2) and not np.allclose(under_cap, hair.DEFAULT_POINTS)
    assert (under_cap[:, 1] > -0.78).all()                     # below the cap's dome, not on it
    np.testing.assert_array_equal(hair.hair_points(spec, "left"), under_cap * (-1, 1))
    np.testing.assert_array_equal(hair.hair_points(dict(spec, accessories=["crown", "cap"]), "front"), under_cap)
    for other in (dict(spec, accessories=["glasses"]), dict(spec, art_style="ink"), None):
        np.testing.assert_array_equal(hair.hair_points(other, "front"), hair.DEFAULT_POINTS)


def test_hair_under_a_hat_is_read_where_it_shows(hats, monkeypatch):
    """A cap, a round hat, goggles or a crown covers the crown of the head, where a bare head's hair
    is read; the spec says which is worn, and the hair is read where it still shows
    (`hair_points.json`): hair redrawn in a far-off colour then fails identity ten times as often as
    read on the hat. Most that pass read hair at the temples beside goggles, near their noise unit."""
    clean, caught, n = _hair_recoloured_fails(hats)
    monkeypatch.setattr(hair, "_table", lambda: {})
    _, on_hat, _ = _hair_recoloured_fails(hats)
    print(f"recoloured hair under a hat failing identity: {caught} of {n} (read on the hat: {on_hat})")
    assert n >= 25
    assert clean == 0
    assert caught >= 0.25 * n and on_hat <= 0.1 * n          # measured: 21 and 2 of 58


@pytest.mark.parametrize("style, by_lightness, at_least", [("ink", True, 0.06), ("pixel_art", False, 0.3)])
def test_hair_redrawn_far_away_fails_on_the_hair_median(sample, style, by_lightness, at_least):
    """As tops: hair redrawn in the hair colour farthest from its own (by lightness in ink) moves the
    hair's median colour away from the template hair's. Characters seen from behind or without hair
    are left out."""
    _, _, items, images, _ = sample
    scores = np.array([_identity_with_top_recoloured(sample, req, image, c, by_lightness, "hair_color")
                       for (_, req), image in zip(items, images) if req.art_style == style
                       for c in req.characters if c.character.get("hair_color") and c.facing != "back"])
    failed = scores[:, 1] < THRESHOLDS["identity"]
    print(f"{style}: {failed.sum()} of {len(scores)} recoloured hair fail identity")
    assert len(scores) >= 20                                   # 32 ink, 51 pixel-art characters
    assert (scores[:, 0] >= THRESHOLDS["identity"]).all()
    # measured: ink 3 of 32, pixel art 28 of 51; none of either without the hair's median
    assert failed.mean() >= at_least


def test_template_sheet_figures_joined_by_a_cape_are_parted(sample):
    """A cape joins the front and side views into one run of columns; the judge must still fit the
    front view alone (a misfit sheet fails every clean frame of its character)."""
    chars, _, _, _, renderer = sample
    caped = [c for c in chars if "cape" in (c["accessories"] or ())]
    assert caped
    for c in caped:
        fg, runs = _figures(_reduce(renderer.render_template(c, 1024, 7)))
        assert len(runs) == 3, (c["character_id"], runs)
        assert all(x1 - x0 <= 0.56 * fg[:, x0:x1].sum(axis=0).max() for x0, x1 in runs)


def test_missing_template_is_a_fatal_error(sample):
    _, refs, items, images, _ = sample
    (_, req), image = items[0], images[0]
    cid = req.characters[0].character["character_id"]
    j = MeasuredJudge(THRESHOLDS).judge(JudgeRequest(image, req, {}, {k: v for k, v in refs.items() if k != cid}))
    assert j.verdict == "error" and j.fatal and f"identity: {cid}: no template" in j.reasons[0]
    assert all(math.isnan(v) for v in j.scores.values())


def test_sanity_catches_wrong_size_and_blank(sample):
    _, refs, items, images, _ = sample
    (_, req), image = items[1], images[1]
    judge = MeasuredJudge(THRESHOLDS)
    small = judge.judge(JudgeRequest(image.resize((256, 256)), req, {}, refs))
    assert small.verdict == "fail" and small.scores["sanity"] == 0 and "256x256" in small.reasons[0]
    blank = judge.judge(JudgeRequest(Image.new("RGB", image.size, (90, 90, 90)), req, {}, refs))
    assert blank.verdict == "fail" and any(r.startswith("sanity: -: blank") for r in blank.reasons)


def _plain_noisy_blocks(img: np.ndarray) -> np.ndarray:
    """The blotch detector's definition: per 8x8 block, sort the colours at 4 bits per channel and
    count the distinct ones."""
    q = (img >> 4).astype(np.int32)
    code = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    b = BLOTCH_BLOCK
    hb, wb = code.shape[0] // b, code.shape[1] // b
    blocks = code[: hb * b, : wb * b].reshape(hb, b, wb, b).transpose(0, 2, 1, 3).reshape(hb, wb, b * b)
    blocks = np.sort(blocks, axis=2)
    return ((np.diff(blocks, axis=2) != 0).sum(axis=2) + 1 > BLOTCH_LEVELS).astype(np.int32)


@pytest.mark.parametrize("kind", ["frame", "artefact", "noise", "odd_size"])
def test_fast_blotch_blocks_count_as_the_plain_definition(sample, kind):
    _, _, items, images, _ = sample
    rng = np.random.default_rng(5)
    img = np.asarray(images[2])
    if kind == "artefact":
        img = np.asarray(INJECTORS["artefact"](images[2], items[2][1], None, rng)[0])
    elif kind == "noise":
        img = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    elif kind == "odd_size":       # not a whole number of blocks; a noisy patch on a flat frame
        img = np.asarray(images[3])[5:208, 3:331].copy()
        img[40:90, 60:140] = rng.integers(0, 256, (50, 80, 3), dtype=np.uint8)
    b = BLOTCH_BLOCK
    h, w = img.shape[0] // b * b, img.shape[1] // b * b
    fast = noisy_blocks(np.ascontiguousarray(colour_codes(img)[:h, :w]))
    plain = _plain_noisy_blocks(img)
    assert np.array_equal(fast, plain)
    assert kind == "frame" or plain.any()          # the noisy cases do have noisy blocks


def test_the_blotch_box_holds_the_whole_blotch_so_a_repair_removes_it(sample):
    """The judge points a repair at every pixel a blotch changed, its fading rim too, however wide
    it is (wider than the detector's window), and not at the whole frame."""
    _, _, items, images, renderer = sample
    for i in range(12):
        image, req = images[i], items[i][1]
        faulty, fault = INJECTORS["artefact"](image, req, renderer, np.random.default_rng(100 + i))
        changed = np.nonzero((np.asarray(faulty) != np.asarray(image)).any(axis=2))
        count, (x0, y0, x1, y1) = blotch(np.asarray(faulty))
        assert count >= 6
        assert x0 <= changed[1].min() and x1 > changed[1].max() and y0 <= changed[0].min() and y1 > changed[0].max()
        assert (x1 - x0) * (y1 - y0) < 0.25 * image.width * image.height


def test_box_means_are_the_plain_clipped_box_averages():
    rng = np.random.default_rng(11)
    img = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    pts = np.vstack([rng.uniform(-5, 85, (40, 2)), [[0, 0], [79.4, 59.6], [40.5, 30.5]]])
    for radius in (0, 1, 3):
        for box in ((0, 0, 80, 60), (10, 5, 70, 50)):
            means, inside = box_means(Window(img, box), pts, radius)
            for (x, y), m, ok in zip(np.round(pts).astype(int), means, inside):
                assert ok == (box[0] <= x < box[2] and box[1] <= y < box[3])
                patch = img[max(y - radius, box[1]):min(y + radius + 1, box[3]),
                            max(x - radius, box[0]):min(x + radius + 1, box[2])].reshape(-1, 3)
                plain = patch.sum(axis=0, dtype=np.int64) / max(len(patch), 1) if ok else np.zeros(3)
                assert m.tobytes() == plain.tobytes()


def test_vectorised_colour_distances_are_the_plain_formulas(sample):
    """Bit for bit: the judge's scores are compared with thresholds."""
    rng = np.random.default_rng(12)
    a, b = rng.normal(50, 40, (47, 3)), rng.normal(50, 40, (94, 3))
    a[3], b[[5, 9]] = np.nan, np.nan
    plain = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    assert lab_distances(a, b).tobytes() == plain.tobytes()
    _, refs, items, images, _ = sample
    judge = MeasuredJudge(THRESHOLDS)
    for (_, req), image in list(zip(items, images))[:20]:
        for cid, info in judge.judge(JudgeRequest(image, req, {}, refs)).details["characters"].items():
            desc, ref = info["descriptor"], refs[cid]
            lab = desc.lab.copy()
            lab[rng.random(len(lab)) < 0.3] = np.nan            # unseen points, parts left with none
            for d in (desc, Descriptor(lab, desc.seen)):
                parts, same = template_distances(d, ref)
                views = np.stack([ref.front.lab, ref.back.lab])
                plain_any = part_distances(d, views.reshape(1, -1, 3), any_part=True)[0]
                plain_same = part_distances(d, views).min(axis=0)
                assert parts.tobytes() == plain_any.tobytes() and same.tobytes() == plain_same.tobytes()


# ---------------------------------------------------------------- identity retrieval
@pytest.fixture(scope="module")
def retrieval_sample():
    """>= 1,000 character crops of 120 characters (seeds 303/304) and all 120 templates."""
    chars = sample_characters(120, 303, 3)
    renderer = ProceduralRenderer()
    refs = {c["character_id"]: template_reference(renderer.render_template(c, 1024, 7), c) for c in chars}
    items = sample_frames(chars, 620, 304)
    judge = MeasuredJudge(THRESHOLDS)
    ids = sorted(refs)
    views = gallery(refs, ids)
    hits = []
    for _, req in items:
        image = renderer.render_frame(req)
        pixels = np.asarray(image)
        j = judge.judge(JudgeRequest(image, req, {}, refs))
        drawn = (frame_palette(pixels), req.lighting, place_of(req.setting)) if req.art_style == "pixel_art" else None
        for c in req.characters:
            desc = j.details["characters"][c.character["character_id"]]["descriptor"]
            if desc.seen.sum() < 2:
                continue
            desc = read_shapes(desc, pixels, req, c)
            d = crop_distance(desc, views, c.facing, req.art_style, drawn, colour_count(pixels))
            hits.append((req.art_style, int(np.argmin(d)) == ids.index(c.character["character_id"])))
    return hits


def test_identity_retrieval_among_all_templates(retrieval_sample):
    hits = retrieval_sample
    colour = [h for s, h in hits if s in COLOUR_STYLES]
    ink = [h for s, h in hits if s == "ink"]
    by_style = {s: round(float(np.mean([h for t, h in hits if t == s])), 3) for s in sorted({s for s, _ in hits})}
    print(f"top-1 over {len(hits)} crops: {np.mean([h for _, h in hits]):.3f}; by style {by_style}")
    assert len(hits) >= 1000
    assert len(colour) >= 600 and np.mean(colour) >= 0.95
    pixel = [h for s, h in hits if s == "pixel_art"]
    assert len(ink) >= 100 and np.mean(ink) >= 0.97    # measured 0.993; without the legs 0.986, colour and head 0.865
    assert len(pixel) >= 100 and np.mean(pixel) >= 0.975  # measured 0.982; heads alone 0.970, colour 0.945


def test_a_frame_is_retrieved_only_among_sheets_drawn_like_it():
    """Through a pixel-art frame's few colours, a sheet of another style in nearby colours maps onto the
    same colours; the sheets' own colour counts (pixel art: a few dozen) keep it out, and a frame of many
    colours out of the palette sheets' reach."""
    from storycast.judges.embedding import N_POINTS, PARTS
    from storycast.judges.template_sheet import Reference

    rng = np.random.default_rng(5)
    front = Descriptor(rng.uniform(20, 80, (N_POINTS, 3)), np.ones(len(PARTS), dtype=bool))
    refs = {"c1": Reference(front, front, (0, 0, 1, 1), 30), "c2": Reference(front, front, (0, 0, 1, 1), 900),
            "c3": Reference(front, front, (0, 0, 1, 1), 0)}                  # not counted: never out of reach
    view = gallery(refs, ["c1", "c2", "c3"])["front"]
    assert drawn_unlike(view, 32).tolist() == [0.0, np.inf, 0.0]
    assert drawn_unlike(view, 500).tolist() == [np.inf, 0.0, 0.0]
    assert not drawn_unlike(view, 0).any()
    blocks = rng.integers(0, 4, (64, 64, 1)) * 60
    sheet = np.repeat(np.repeat(blocks, 4, axis=0), 4, axis=1).repeat(3, axis=2).astype(np.uint8)
    assert colour_count(sheet) == len(np.unique(blocks))


def test_identity_retrieval_target_on_the_fixed_sample(retrieval_sample):
    """The issue's 95 % over all styles, on this sample's 120 templates (measured 0.997). Among the
    2,000 templates of a paper-scale build it is lower: `metrics/qc.json` reports it."""
    assert np.mean([h for _, h in retrieval_sample]) >= 0.95


def test_quartiles_are_numpys_nanpercentile_bit_for_bit():
    rng = np.random.default_rng(5)
    for share in (0.0, 0.3, 0.7, 1.0):
        v = rng.normal(50, 30, (300, 12))
        v[rng.random(v.shape) < share] = np.nan                  # rows with none, one, several
        for q in (0.25, 0.75):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN rows: NaN
                plain = np.nanpercentile(v, 100 * q, axis=-1)
            assert nan_quantile(v, q).tobytes() == plain.tobytes()


def test_template_colours_through_a_frames_palette():
    """Lab -> sRGB inverts the judge's sRGB -> Lab; a frame's light undoes `light_correct`; a template
    colour the palette holds is drawn as itself, one it lacks as the nearest colour it holds."""
    assert all(np.all(np.diff(curve) > 0) for curves in LIGHT_CURVES.values() for curve in curves)  # invertible
    rng = np.random.default_rng(6)
    rgb = rng.integers(0, 256, (500, 3)).astype(np.float64)
    assert np.abs(lab_to_srgb(srgb_to_lab(rgb)) - rgb).max() < 1e-6
    assert np.abs(light_correct(light_frame(rgb, "night", "out"), "night", "out") - rgb)[rgb.min(1) > 40].max() < 0.5
    palette = np.array([[200, 30, 30], [30, 200, 30], [20, 20, 20], [250, 250, 240]], dtype=np.uint8)
    wanted = srgb_to_lab(np.array([[200, 30, 30], [60, 190, 50], [np.nan, 0, 0], [230, 240, 235]]))
    drawn = through_palette(wanted, palette, "day", "out")
    assert np.isnan(drawn[2]).all()
    assert np.allclose(drawn[[0, 1, 3]], srgb_to_lab(palette[[0, 1, 3]].astype(np.float64)))
    frame = np.repeat(palette[None], 3, axis=0)                             # 3 rows of the 4 colours
    assert sorted(map(tuple, frame_palette(frame).tolist())) == sorted(map(tuple, palette.tolist()))
    assert len(frame_palette(frame)) == 4
    colours = rng.uniform(0, 255, (9000, 3))
    plain = ((colours[:, None] - palette[None].astype(np.float64)) ** 2).sum(-1).argmin(1)
    assert (nearest(colours, palette.astype(np.float64), chunk=1000) == plain).all()


def test_limb_model_covers_every_style_and_round_trips(tmp_path):
    models = limbs.load()
    assert set(models) == set(vocab.ART_STYLES)
    path = tmp_path / "limb_model.npz"
    limbs.save(models, path)
    again = limbs.load.__wrapped__(path)
    for style, model in models.items():
        assert np.array_equal(again[style].weights, model.weights) and again[style].bias == model.bias
        assert np.array_equal(again[style].quadratic, model.quadratic)
        assert len(model.weights) == len(limbs.FEATURES) and model.quadratic.shape == (len(limbs.FEATURES),) * 2


def test_arms_painted_out_fail_the_pose_check(sample):
    """Every arm of a one-character sample frame painted over with the ground: the arm scores under
    the threshold, where the frame as drawn scores over it."""
    _, refs, items, images, _ = sample
    tested = 0
    for (_, req), image in zip(items, images):
        readable = [c for c in req.characters if len(req.characters) == 1 and _readable_arms(req, c) == 2]
        if not readable:
            continue
        c = readable[0]
        img = np.array(image)
        for sho, elb, wri in limbs.LIMBS.values():
            for a, b in ((sho, elb), (elb, wri)):
                _paint_segment(img, np.asarray(c.keypoints)[a], np.asarray(c.keypoints)[b], 0.09 * c.scale)
        ref = refs[c.character["character_id"]]
        clean, _ = limbs.limb_score(np.asarray(image), req, c, ref, None)
        painted, limb = limbs.limb_score(img, req, c, ref, None)
        assert painted < THRESHOLDS["pose"] <= clean and limb in limbs.LIMBS, (req.frame_id, clean, painted)
        tested += 1
        if tested == 3:
            break
    assert tested == 3


def test_the_pose_score_weighs_the_arm_model_with_the_arm_net(sample, monkeypatch):
    """limb_score reads each arm's model risk and net logit through the style's weighing: weighed as the
    model alone, or the net alone, it gives their scores."""
    _, refs, items, images, _ = sample
    shipped = arm_net.load()
    (_, req), image = next(((i, im) for i, im in zip(items, images)
                            if any(_readable_arms(i[1], c) for c in i[1].characters)))
    c = next(c for c in req.characters if _readable_arms(req, c))
    ref, img = refs[c.character["character_id"]], np.asarray(image)
    arms = limbs.read_arms(img, req, c, ref, None)
    risks = [limbs.load()[req.art_style].risk(x) for _, x in arms]
    logits = shipped.logits(limbs.arm_strips(img, req, c, ref, None, [n for n, _ in arms]), req.art_style)
    for weights, expected in (((1.0, 0.0), risks), ((0.0, 1.0), logits)):
        styles = list(vocab.ART_STYLES)
        alone = arm_net.ArmNet(shipped.params, {s: np.zeros(2) for s in styles}, {s: np.ones(2) for s in styles},
                               {s: np.array(weights) for s in styles}, {s: 0.0 for s in styles})
        monkeypatch.setattr(arm_net, "load", lambda alone=alone: alone)
        score, _ = limbs.limb_score(img, req, c, ref, None)
        assert score == pytest.approx(min(score_of_risk(r, limbs.THRESHOLD_SCORE) for r in expected))
    assert shipped.risk(risks[0], float(logits[0]), req.art_style) != pytest.approx(risks[0])


@pytest.mark.parametrize("style", ["ink", "outlined_cel"])
def test_an_arm_painted_out_leaves_no_outline_beside_its_bones(sample, style):
    """`limbs.outline_evidence`: an arm as drawn has its outline beside its bones; painted over with
    the ground, nothing runs there (in ink the ground is paper like the arm: the outline is the cue)."""
    _, _, items, images, _ = sample
    drawn, painted = [], []
    for (_, req), image in zip(items, images):
        if req.art_style != style or len(req.characters) != 1:
            continue
        c = req.characters[0]
        kp = np.asarray(c.keypoints, dtype=np.float64)
        for name, joints in limbs.LIMBS.items():
            if not limbs._readable(req, c, kp, name, joints):
                continue
            img = np.array(image)
            for a, b in ((joints[0], joints[1]), (joints[1], joints[2])):
                _paint_segment(img, kp[a], kp[b], 0.09 * c.scale)
            drawn.append(limbs.outline_evidence(np.asarray(image), c, kp, joints, None))
            painted.append(limbs.outline_evidence(img, c, kp, joints, None))
    drawn, painted = np.array(drawn), np.array(painted)
    print(f"{style}: {len(drawn)} arms, weaker side median drawn {np.median(drawn[:, 0]):.2f}, "
          f"painted {np.median(painted[:, 0]):.2f}")
    assert len(drawn) >= 8
    assert np.median(drawn[:, 0]) >= 0.3 and np.median(painted[:, 0]) <= 0.1
    # measured: ink 12 arms at 0.63 drawn, 0.00 painted; outlined cel 11 at 0.48 and 0.00 (2 drawn arms
    # show no outline on their weaker side: an arm across the body, a sleeve wider than the offsets)
    assert (painted[:, 0] <= drawn[:, 0]).all() and (painted[:, 0] < drawn[:, 0]).mean() >= 0.7


def test_outline_luma_is_the_single_pixel_box_mean():
    """`limbs._luma_at` gathers what `box_means(img, pts, 0)` would, in a frame and in a `Window`."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    pts = rng.uniform(-10, 90, (5000, 2))
    for view in (img, Window(img, (5, 7, 70, 50))):
        rgb, ok = box_means(view, pts, 0)
        luma, inside = limbs._luma_at(view, pts)
        assert np.array_equal(ok, inside) and 0 < ok.mean() < 1
        assert np.array_equal(luma[ok], (rgb @ np.array([0.299, 0.587, 0.114]))[ok])


def _readable_arms(req, c) -> int:
    kp = np.asarray(c.keypoints)
    return sum(limbs._readable(req, c, kp, name, joints) for name, joints in limbs.LIMBS.items())


def _paint_segment(img: np.ndarray, p0, p1, half_width: float) -> None:
    """Fill a thick segment with the median colour of the frame's top row (the ground behind)."""
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]]
    v = p1 - p0
    t = np.clip(((xx - p0[0]) * v[0] + (yy - p0[1]) * v[1]) / max(float(v @ v), 1e-9), 0, 1)
    d = np.hypot(xx - (p0[0] + t * v[0]), yy - (p0[1] + t * v[1]))
    img[d <= half_width] = np.median(img[0], axis=0).astype(np.uint8)


def test_limb_model_refuses_a_file_fitted_on_other_features(tmp_path):
    models = limbs.load()
    path = tmp_path / "limb_model.npz"
    limbs.save(models, path)
    with np.load(path) as data:
        arrays = dict(data)
    np.savez(path, **dict(arrays, features=np.array(limbs.FEATURES[:-1] + ("elbow",))))
    with pytest.raises(ValueError, match="rerun benchmarks/calibrate_limbs.py"):
        limbs.load.__wrapped__(path)
    np.savez(path, **dict(arrays, styles=np.array(["ink"] * len(arrays["styles"]))))
    with pytest.raises(ValueError, match="no model for art style"):
        limbs.load.__wrapped__(path)


def test_expression_model_covers_every_style_and_view_and_round_trips(tmp_path):
    models = ex.load()
    assert set(models) == {(s, v) for s in vocab.ART_STYLES for v in ex.VIEWS}
    path = tmp_path / "expression_model.npz"
    ex.save(models, path)
    again = ex.load.__wrapped__(path)
    for key, m in models.items():
        assert m.W.shape == (ex.GRID * ex.GRID * 3, len(vocab.EXPRESSIONS) - 1) and m.scale > 0
        assert np.array_equal(again[key].W, m.W) and np.array_equal(again[key].means, m.means)
        assert again[key].scale == pytest.approx(m.scale)


def test_expression_model_refuses_a_file_it_cannot_use(tmp_path):
    path = tmp_path / "expression_model.npz"
    ex.save(ex.load(), path)
    with np.load(path) as data:
        arrays = dict(data)
    np.savez(path, **dict(arrays, W=arrays["W"][:, :-3]))
    with pytest.raises(ValueError, match="rerun benchmarks/calibrate_expression.py"):
        ex.load.__wrapped__(path)
    keep = arrays["styles"] != "ink"
    np.savez(path, **{k: v[keep] for k, v in arrays.items()})
    with pytest.raises(ValueError, match="no model for art style 'ink'"):
        ex.load.__wrapped__(path)


def test_faces_asked_for_another_family_fail_the_expression_check(sample):
    """Every face of the fixed sample that the judge reads: as drawn it passes, asked for an
    expression of another family it fails (the per-style discriminants of expression_model.npz blended
    with the face nets, at the shipped threshold that the VLM judges share)."""
    _, _, items, images, _ = sample
    judge, rng = MeasuredJudge(THRESHOLDS), np.random.default_rng(5)
    clean, wrong = [], []
    for (_, req), image in zip(items, images):
        img = np.asarray(image)
        for c in req.characters:
            score, _, face = judge._expression(img, req, c, nearer_boxes(req, c))
            if face is None:
                continue
            clean.append(score < THRESHOLDS["expression"])
            other = str(rng.choice(ex.other_families(c.expression)))
            asked = dataclasses.replace(c, expression=other)
            wrong.append(judge._expression(img, req, asked, nearer_boxes(req, c))[0] < THRESHOLDS["expression"])
    print(f"{len(clean)} faces: clean failed {np.mean(clean):.3f}, another family failed {np.mean(wrong):.3f}")
    assert len(clean) >= 150
    assert np.mean(clean) <= 0.01 and np.mean(wrong) >= 0.8      # measured 0 and 0.935 of 354 faces


def test_shipped_thresholds_are_the_calibrated_ones():
    shipped = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())["qc"]["thresholds"]
    assert shipped == DEFAULT_THRESHOLDS
