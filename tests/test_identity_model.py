"""The identity nets of ink and pixel art: their inputs, the weighing, the model file, the calibration."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from benchmark_scripts import load

from storycast import vocab
from storycast.judges import embedding as emb
from storycast.judges import identity_model as im
from storycast.judges.base import score_of_risk
from storycast.judges.identity import failing_multiple, score_of
from storycast.judges.story import deviations
from storycast.judges.template_sheet import Reference

FAIL = failing_multiple(im.THRESHOLD_SCORE)
SEEN = np.ones(len(emb.PARTS), dtype=bool)
READINGS_END = im.GROUPS[0][1]
STORY_END = READINGS_END + im.GROUPS[1][1]
TEMPLATE_END = STORY_END + im.GROUPS[2][1]                   # its unread flag follows


def _reference(rng, torso=(60.0, 10.0, 10.0), hair=(30.0, 5.0, 20.0)) -> Reference:
    lab = np.tile([50.0, 0.0, 0.0], (emb.N_POINTS, 1)) + rng.normal(0, 1.0, (emb.N_POINTS, 3))
    lab[emb.SLICES["torso"]] += np.subtract(torso, (50.0, 0.0, 0.0))
    lab[emb.SLICES["hair"]] += np.subtract(hair, (50.0, 0.0, 0.0))
    view = emb.Descriptor(lab, SEEN)
    return Reference(view, view, (0, 0, 1, 1))


def _frame(ref: Reference, rng, torso_shift=(0.0, 0.0, 0.0)) -> emb.Descriptor:
    lab = ref.front.lab + rng.normal(0, 2.0, ref.front.lab.shape)
    lab[emb.SLICES["torso"]] += torso_shift
    return emb.Descriptor(lab, SEEN)


def _tones(desc) -> np.ndarray:
    return np.array([desc.lab[emb.SLICES[p]].mean(axis=0) for p in ("torso", "hair")])


def _inputs(desc, ref, part="torso", readings=(1.0, 1.0, 1.0, 1.0), tones=None, peers=None):
    """`part_inputs` with the story reading the part: two peers at the frame's own tones, unless given."""
    tones = _tones(desc) if tones is None else tones
    peers = np.stack([tones, tones]) if peers is None else peers
    return im.part_inputs(desc, ref, part, np.array(readings, dtype=float), 250.0, tones, peers)


def test_features_mark_unread_readings_and_clip_far_ones():
    x = im.features(np.array([1.5, np.nan, 30.0, -1.0]), 200.0)
    assert len(x) == im.GROUPS[0][1]
    np.testing.assert_allclose(x[:4], [1.5, 0.0, im.MAX_MULTIPLE, 0.0])
    np.testing.assert_array_equal(x[4:8], [0, 1, 0, 0])
    assert x[8] == pytest.approx(math.log(200.0))


def test_inputs_read_the_samples_against_the_story_and_the_template_part():
    rng = np.random.default_rng(0)
    ref = _reference(rng)
    desc = _frame(ref, rng, torso_shift=(-30.0, 0.0, 0.0))
    tones = _tones(desc)
    x = _inputs(desc, ref, tones=tones, peers=np.stack([tones + [30.0, 0.0, 0.0], tones + [32.0, 0.0, 0.0]]))
    assert x.shape == (im.INPUTS,)
    story = x[READINGS_END:STORY_END]
    assert story[0] == pytest.approx(30.0) and story[1] == pytest.approx(-30.0) and story[-1] == 2   # the nearest
    template = x[STORY_END:TEMPLATE_END]
    n = len(im.QUANTILES)
    assert 25 < template[2] < 35                              # median sample ~30 dE from the template torso
    assert template[2 * n] == pytest.approx(-30.0, abs=2.0)   # the lightness shift, signed
    assert template[-2:].tolist() == [1.0, 1.0]               # every sample beyond 10 and 20 dE
    assert x[TEMPLATE_END] == 0.0
    # a clean torso: near its template colours
    assert _inputs(_frame(ref, rng), ref)[STORY_END + 2] < 6


def test_inputs_read_the_story_peer_the_story_check_reads_so_a_twin_is_passed_over():
    rng = np.random.default_rng(2)
    ref = _reference(rng)
    desc = _frame(ref, rng, torso_shift=(-40.0, 0.0, 0.0))
    tones = _tones(desc)
    clean = tones + [40.0, 0.0, 0.0]
    peers = np.stack([tones + [0.5, 0.0, 0.0], clean, clean + [1.0, 0.0, 0.0]])      # a twin drifted alike
    x = im.part_inputs(desc, ref, "torso", np.ones(4), 250.0, tones, peers, "ink")
    assert x[READINGS_END] == pytest.approx(deviations(tones, peers, "ink")[0]) == pytest.approx(40.0)
    assert im.part_inputs(desc, ref, "torso", np.ones(4), 250.0, tones, peers)[READINGS_END] == pytest.approx(0.5)


def test_a_part_the_story_does_not_read_has_no_inputs_and_an_unseen_template_part_is_flagged():
    rng = np.random.default_rng(1)
    ref = _reference(rng)
    desc = _frame(ref, rng)
    tones = _tones(desc)
    assert _inputs(desc, ref, tones=tones, peers=tones[None]) is None                 # under MIN_PEERS
    assert im.part_inputs(desc, ref, "torso", np.ones(4), 250.0, tones, None) is None
    lab = ref.front.lab.copy()
    lab[emb.SLICES["torso"]] = np.nan
    unseen = Reference(emb.Descriptor(lab, SEEN), emb.Descriptor(lab, SEEN), (0, 0, 1, 1))
    x = _inputs(desc, unseen)
    assert not x[STORY_END:TEMPLATE_END].any() and x[TEMPLATE_END] == 1.0 and x[-1] == 1.0


def test_the_torso_grid_is_read_against_the_template_torso_and_the_storys_grids():
    rng = np.random.default_rng(3)
    ref = _reference(rng)
    grid = np.array([60.0, 10.0, 10.0]) + rng.normal(0, 1.0, (40, 3)) + [-30.0, 0.0, 0.0]   # a torso 30 L* darker
    desc = dataclasses.replace(_frame(ref, rng), grid=grid)
    tones = np.vstack([_tones(desc), grid.mean(axis=0)])
    peers = np.stack([tones + [30.0, 0.0, 0.0], tones + [34.0, 0.0, 0.0]])
    x = _inputs(desc, ref, tones=tones, peers=peers)
    start = sum(w + flag for _, w, flag in im.GROUPS[:-1])
    g, n = x[start:], len(im.GRID_QUANTILES)
    assert len(g) == im.GROUPS[-1][1] + 1 and g[-1] == 0.0
    assert 25 < g[n // 2] < 35                                # the median grid colour ~30 dE off the template's
    assert g[2 * n] == 1.0 and g[2 * n + 2] == pytest.approx(-30.0, abs=2.0)   # all beyond 10 dE; L* shift
    story = g[-6:-1]
    assert story[0] == pytest.approx(30.0) and story[1] == pytest.approx(-30.0) and story[-1] == 0.0
    # no grid (pixel art, an open jacket) or the hair: zeros and the unread flag
    for y in (_inputs(_frame(ref, rng), ref), _inputs(desc, ref, part="hair", tones=tones, peers=peers)):
        assert not y[start:-1].any() and y[-1] == 1.0


def test_risk_zero_is_the_threshold_score():
    at = im.THRESHOLD_SCORE
    assert score_of_risk(0.0, at) == pytest.approx(at)
    assert score_of_risk(3.0, at) < at < score_of_risk(-3.0, at)
    assert score_of_risk(1e6, at) == pytest.approx(0.0) and score_of_risk(-1e6, at) == 1.0   # no overflow


def test_the_shipped_nets_cover_ink_and_pixel_art_only():
    nets = im.load()
    assert set(nets) == {"ink", "pixel_art"} and set(nets) <= set(vocab.ART_STYLES)
    assert all(set(parts) == set(im.MODEL_PARTS) for parts in nets.values())
    assert im.weighed_identity("flat_vector", {}, {}, 0.5) is None


def _reading_net(reading: int, at: float) -> im.IdentityNet:
    """A net whose logit is READINGS[reading] - at: one ReLU path through both hidden layers."""
    layers = {name: np.zeros(shape) for name, shape in im.LAYERS.items()}
    layers["l0.weight"][0, reading] = layers["l1.weight"][0, 0] = layers["l2.weight"][0, 0] = 1.0
    layers["l2.bias"][0] = -at
    return im.IdentityNet(np.zeros(im.INPUTS), np.ones(im.INPUTS), layers, 0.0)


READ = im.READINGS


@pytest.fixture
def shift_nets(monkeypatch):
    """ink's nets replaced by ones that fail a part whose median shift reading plus story reading
    passes 3 (torso) or 4 (hair) units."""
    nets = {"ink": {"torso": _reading_net(READ.index("median_shift"), 3.0),
                    "hair": _reading_net(READ.index("median_shift"), 4.0)}}
    for net in nets["ink"].values():
        net.layers["l0.weight"][0, READ.index("story")] = 1.0
    monkeypatch.setattr(im, "load", lambda: nets)
    return nets


def _x(readings: np.ndarray) -> np.ndarray:
    x = im.features(readings, 250.0)
    return np.r_[x, np.zeros(im.INPUTS - len(x))]


def test_the_worst_part_decides_with_its_note(shift_nets):
    readings = {"torso": np.array([1.0, 1.0, 4.0, 1.0]), "hair": np.array([1.0, 1.0, 3.5, 1.0])}
    score, note, _ = im.weighed_identity("ink", {p: _x(r) for p, r in readings.items()}, readings, np.nan)
    assert score == pytest.approx(score_of_risk(2.0, im.THRESHOLD_SCORE))        # 4 + 1 - 3
    assert score < im.THRESHOLD_SCORE
    assert note.startswith("torso colour looks redrawn") and "4.0x in its median" in note
    calm = {"torso": np.array([1.0, 1.0, 1.0, 1.0]), "hair": np.array([1.0, 1.0, 2.0, 1.0])}
    assert im.weighed_identity("ink", {p: _x(r) for p, r in calm.items()}, calm, np.nan)[0] > im.THRESHOLD_SCORE
    # an unread part is not weighed
    unread = {"torso": np.full(4, np.nan), "hair": np.full(4, np.nan)}
    assert im.weighed_identity("ink", {}, unread, np.nan)[0] == 1.0


def test_a_part_the_story_does_not_read_is_scored_by_the_worst_reading_rule(shift_nets):
    readings = {"torso": np.array([1.0, 2.0, 2.5, np.nan]), "hair": np.full(4, np.nan)}
    score, _, without = im.weighed_identity("ink", {"torso": None}, readings, np.nan)
    assert score == without == pytest.approx(score_of(2.5)) and score > im.THRESHOLD_SCORE
    readings["torso"][1] = FAIL + 0.5
    assert im.weighed_identity("ink", {"torso": None}, readings, np.nan)[0] == pytest.approx(score_of(FAIL + 0.5))


def test_the_face_stays_under_the_worst_reading_rule(shift_nets):
    calm = np.full(4, 0.5)
    score, note, _ = im.weighed_identity("ink", {"torso": _x(calm)}, {"torso": calm}, FAIL + 1.0)
    assert score == pytest.approx(score_of(FAIL + 1.0)) and note.startswith("face colour")


def test_without_the_story_a_part_is_read_by_the_rule_on_its_other_readings(shift_nets):
    readings = {"torso": np.array([1.0, 1.0, 1.5, 2.0])}
    score, _, without = im.weighed_identity("ink", {"torso": _x(readings["torso"])}, readings, np.nan)
    assert score == pytest.approx(score_of_risk(0.5, im.THRESHOLD_SCORE))     # 1.5 + 2 - 3
    assert without == pytest.approx(score_of(1.5))
    assert score < im.THRESHOLD_SCORE <= without           # the story's frames give the part away


def _net(seed: int) -> im.IdentityNet:
    rng = np.random.default_rng(seed)
    layers = {name: rng.normal(0, 0.3, shape) for name, shape in im.LAYERS.items()}
    return im.IdentityNet(rng.normal(0, 1, im.INPUTS), rng.uniform(0.5, 2, im.INPUTS), layers, 0.25)


def test_the_net_is_the_mlp_it_says():
    net = _net(0)
    x = np.linspace(-1, 1, im.INPUTS)
    h = (x - net.mean) / net.scale
    h = np.maximum(net.layers["l0.weight"] @ h + net.layers["l0.bias"], 0)
    h = np.maximum(net.layers["l1.weight"] @ h + net.layers["l1.bias"], 0)
    expected = float((net.layers["l2.weight"] @ h + net.layers["l2.bias"])[0])
    assert net.logit(x) == pytest.approx(expected) and net.risk(x) == pytest.approx(expected - 0.25)


def test_model_file_round_trip_and_a_stale_file_is_refused(tmp_path):
    nets = {"ink": {"torso": _net(1), "hair": _net(2)}}
    path = tmp_path / "m.npz"
    im.save(nets, path)
    loaded = im.load.__wrapped__(path)
    x = np.linspace(0, 1, im.INPUTS)
    assert loaded["ink"]["hair"].risk(x) == pytest.approx(nets["ink"]["hair"].risk(x))
    data = dict(np.load(path))
    data["inputs"] = np.array(im.INPUTS - 1)
    np.savez(path, **data)
    with pytest.raises(ValueError, match="calibrate_identity"):
        im.load.__wrapped__(path)


def test_calibration_fit_beats_the_worst_reading_rule_at_its_clean_rate():
    """Synthetic rows where a drift moves a part's samples ~2.3 noise units on every reading (each under
    the rule's 2.88) and a clean part has one reading in a wide tail: the fitted nets flag most drifts
    and fail no more clean characters than the rule, on stories they were not fitted on."""
    pytest.importorskip("torch")
    ci = load("calibrate_identity")
    rng = np.random.default_rng(0)
    ref = _reference(rng)

    def rows(offset):
        out = []
        for i in range(offset, offset + 2400):
            label = int(i % 3 == 0)
            part = ("torso", "hair")[i % 2] if label else ""
            readings, inputs = {}, {}
            for p in im.MODEL_PARTS:
                r = np.abs(rng.normal(0.7, 0.4, 4))
                r[rng.integers(4)] += rng.exponential(0.9)            # one reading's tail
                if p == part:
                    r = rng.normal(2.3, 0.3, 4)
                readings[p] = r
                inputs[p] = _inputs(_frame(ref, rng), ref, part=p, readings=r)
            told = min(score_of(float(np.max(v))) for v in readings.values())
            alone = min(score_of(float(np.max(v[:3]))) for v in readings.values())
            out.append(ci.Row("ink", label, part, readings, inputs, 250.0, (told, alone), np.nan,
                              f"s{i // 8:06d}-{i % 8:02d}"))
        return out

    fitted, fresh = rows(0), rows(100_000)
    saved = ci.STYLES
    ci.STYLES = ("ink",)
    try:
        nets = ci.fit(fitted)
    finally:
        ci.STYLES = saved
    fails = ci._fails(nets["ink"], fresh)
    label = np.array([r.label for r in fresh])
    rule = np.array([r.rule[0] < im.THRESHOLD_SCORE for r in fresh])
    assert fails[label == 0].mean() <= rule[label == 0].mean() + 0.01
    assert fails[label == 1].mean() > rule[label == 1].mean() + 0.3


def test_a_net_that_does_not_read_the_grid_is_trained_without_it():
    """Pixel art's nets and the hair's: the grid inputs get zero weights, so the net's answer ignores them."""
    pytest.importorskip("torch")
    ci = load("calibrate_identity")
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, (200, im.INPUTS))
    y = (x[:, 0] > 0).astype(float)
    net = ci.train(x, y, im.INPUTS - im.GRID_INPUTS)
    assert not net.layers["l0.weight"][:, -im.GRID_INPUTS:].any()
    moved = x[0].copy()
    moved[-im.GRID_INPUTS:] += 5.0
    assert net.logit(moved) == pytest.approx(net.logit(x[0]))
    assert im.reads_grid("ink", "torso")
    assert not im.reads_grid("ink", "hair") and not im.reads_grid("pixel_art", "torso")


def test_nets_fitted_before_the_grid_are_kept_with_zero_weights_for_it(tmp_path):
    """`calibrate_identity.py --styles ink` keeps pixel art's shipped nets: a file of nets without the grid
    inputs is read with those inputs padded, and each net answers as it did."""
    ci = load("calibrate_identity")
    rng = np.random.default_rng(5)
    narrow = im.INPUTS - im.GRID_INPUTS
    shapes = dict(im.LAYERS, **{"l0.weight": (im.HIDDEN, narrow)})
    arrays = {"styles": np.array(["pixel_art", "pixel_art"]), "parts": np.array(list(im.MODEL_PARTS)),
              "inputs": np.array(narrow), "cut": np.array([0.5, -0.5]),
              "mean": rng.normal(0, 1, (2, narrow)), "scale": rng.uniform(0.5, 2, (2, narrow))}
    arrays.update({name: rng.normal(0, 1, (2, *shape)) for name, shape in shapes.items()})
    np.savez(tmp_path / "old.npz", **arrays)
    nets = ci.shipped_nets({"pixel_art"}, tmp_path / "old.npz")
    x = rng.normal(0, 1, im.INPUTS)
    for i, part in enumerate(im.MODEL_PARTS):
        net = nets["pixel_art"][part]
        h = (x[:narrow] - arrays["mean"][i]) / arrays["scale"][i]
        for k in range(3):
            h = arrays[f"l{k}.weight"][i] @ h + arrays[f"l{k}.bias"][i]
            h = np.maximum(h, 0.0) if k < 2 else h
        assert net.logit(x) == pytest.approx(float(h[0])) and net.cut == arrays["cut"][i]
    assert ci.shipped_nets({"ink"}, tmp_path / "old.npz") == {}
