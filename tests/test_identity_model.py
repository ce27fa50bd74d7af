"""The identity models of ink and pixel art: readings weighed together, the model file, the score."""
from __future__ import annotations

import math

import numpy as np
import pytest
from benchmark_scripts import load

from storycast import vocab
from storycast.judges import identity_model as im
from storycast.judges.base import score_of_risk
from storycast.judges.identity import failing_multiple, score_of

FAIL = failing_multiple(im.THRESHOLD_SCORE)


def _readings(torso=(np.nan,) * 4, hair=(np.nan,) * 4) -> dict[str, np.ndarray]:
    return {"torso": np.array(torso, dtype=float), "hair": np.array(hair, dtype=float)}


def test_features_mark_unread_readings_and_clip_far_ones():
    x = im.features(np.array([1.5, np.nan, 30.0, -1.0]), 200.0)
    assert len(x) == len(im.FEATURES)
    np.testing.assert_allclose(x[:4], [1.5, 0.0, im.MAX_MULTIPLE, 0.0])
    np.testing.assert_array_equal(x[4:8], [0, 1, 0, 0])
    assert x[8] == pytest.approx(math.log(200.0))


def test_risk_zero_is_the_threshold_score():
    at = im.THRESHOLD_SCORE
    assert score_of_risk(0.0, at) == pytest.approx(at)
    assert score_of_risk(3.0, at) < at < score_of_risk(-3.0, at)
    assert score_of_risk(1e6, at) == pytest.approx(0.0) and score_of_risk(-1e6, at) == 1.0   # no overflow


def test_the_shipped_models_cover_ink_and_pixel_art_only():
    models = im.load()
    assert set(models) == {"ink", "pixel_art"} and set(models) <= set(vocab.ART_STYLES)
    for parts in models.values():
        assert set(parts) == set(im.MODEL_PARTS) and all(set(r) == set(im.REGIMES) for r in parts.values())
    assert im.weighed_identity("flat_vector", 200.0, _readings((9, 9, 9, 9)), 0.5) is None


@pytest.mark.parametrize("style", ["ink", "pixel_art"])
@pytest.mark.parametrize("part", im.MODEL_PARTS)
def test_a_part_far_off_on_every_reading_fails_and_one_at_its_noise_passes(style, part):
    scale = 250.0
    far = im.weighed_identity(style, scale, _readings(**{part: (4.0, 4.0, 4.0, 4.0)}), np.nan)
    usual = im.weighed_identity(style, scale, _readings(**{part: (1.0, 1.0, 1.0, 1.0)}), np.nan)
    assert far[0] < im.THRESHOLD_SCORE <= usual[0]
    assert far[1].startswith(f"{part} colour looks redrawn") and "4.0x from the story's other frames" in far[1]
    # more of the same evidence never makes the part look cleaner
    worse = im.weighed_identity(style, scale, _readings(**{part: (4.0, 4.0, 5.0, 4.0)}), np.nan)
    assert worse[0] <= far[0]


def test_the_face_stays_under_the_worst_reading_rule():
    clean = (0.5, 0.5, 0.5, 0.5)
    score, note, _ = im.weighed_identity("ink", 250.0, _readings(clean, clean), FAIL + 1.0)
    assert score == pytest.approx(score_of(FAIL + 1.0)) and note.startswith("face colour")


def test_a_part_the_story_reads_is_weighed_by_its_story_model_and_without_it_by_its_alone_one():
    models = im.load()["ink"]["torso"]
    r = np.array([1.5, 1.5, 1.5, 1.5])
    alone = r.copy()
    alone[3] = np.nan
    score, _, without = im.weighed_identity("ink", 250.0, _readings(torso=r), np.nan)
    assert score == pytest.approx(score_of_risk(models["story"].risk(im.features(r, 250.0)), im.THRESHOLD_SCORE))
    assert without == pytest.approx(score_of_risk(models["alone"].risk(im.features(alone, 250.0)), im.THRESHOLD_SCORE))
    unread = im.weighed_identity("ink", 250.0, _readings(torso=alone), np.nan)
    assert unread[0] == unread[2] == pytest.approx(without)
    # a part the story alone gives away: failing with the story's frames, passing without them
    r[3] = im.MAX_MULTIPLE
    score, _, without = im.weighed_identity("ink", 250.0, _readings(torso=r), np.nan)
    assert score < im.THRESHOLD_SCORE <= without


def test_model_file_round_trip_and_a_stale_file_is_refused(tmp_path):
    model = im.IdentityModel(np.zeros(len(im.FEATURES)), np.ones(len(im.FEATURES)),
                             np.arange(len(im.FEATURES), dtype=float), -2.0)
    path = tmp_path / "m.npz"
    im.save({"ink": {p: {r: model for r in im.REGIMES} for p in im.MODEL_PARTS}}, path)
    loaded = im.load.__wrapped__(path)
    x = np.linspace(0, 1, len(im.FEATURES))
    assert loaded["ink"]["hair"]["alone"].risk(x) == pytest.approx(model.risk(x))
    data = dict(np.load(path))
    data["features"] = np.array(im.FEATURES[:-1] + ("other",))
    np.savez(path, **data)
    with pytest.raises(ValueError, match="calibrate_identity"):
        im.load.__wrapped__(path)


def test_calibration_fit_beats_the_worst_reading_rule_at_its_clean_rate():
    """Synthetic rows where a drift raises every reading to ~2.3x its noise (each under the rule's
    2.88) and a clean part has one reading in a wide tail: the fitted models flag most drifts, fail no
    more clean characters than the rule, and keep every reading's weight non-negative."""
    ci = load("calibrate_identity")
    rng = np.random.default_rng(0)
    rows = []
    for i in range(3000):
        label = int(i % 3 == 0)
        part = ("torso", "hair")[i % 2] if label else ""
        readings = {}
        for p in im.MODEL_PARTS:
            r = np.abs(rng.normal(0.7, 0.4, 4))
            r[rng.integers(4)] += rng.exponential(0.9)            # one reading's tail
            if p == part:
                r = rng.normal(2.3, 0.3, 4)
            readings[p] = r
        told = min(score_of(float(np.max(v))) for v in readings.values())
        alone = min(score_of(float(np.max(v[:3]))) for v in readings.values())
        rows.append(ci.Row("ink", label, part, readings, 250.0, (told, alone), np.nan, f"s{i // 8:06d}-{i % 8:02d}"))
    saved = ci.STYLES
    ci.STYLES = ("ink",)
    try:
        models = ci.fit(rows)
    finally:
        ci.STYLES = saved
    for part in im.MODEL_PARTS:
        for regime in im.REGIMES:
            assert (models["ink"][part][regime].weights[:len(im.READINGS)] >= 0).all()
    fails = ci._fails(models["ink"], rows)
    label = np.array([r.label for r in rows])
    rule = np.array([r.rule[0] < im.THRESHOLD_SCORE for r in rows])
    assert fails[label == 0].mean() <= rule[label == 0].mean()
    assert fails[label == 1].mean() > rule[label == 1].mean() + 0.3
