"""The face net of the expression check: numpy's forward pass is the trained torch network's, the shipped
file holds a net for the styles the discriminant reads poorly, and the check uses it there."""
import dataclasses

import numpy as np
import pytest
from benchmark_scripts import load

from storycast import vocab
from storycast.judges import expression as ex
from storycast.judges import face_net


def _faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, ex.GRID * ex.GRID * 3)).astype(np.float32),
            np.array(["front", "side"] * (n // 2) + ["front"] * (n % 2)))


def test_the_numpy_forward_pass_is_the_torch_network_it_was_trained_as():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    net = load("calibrate_face_net").torch_net().eval()
    params = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    assert {k: v.shape for k, v in params.items()} == face_net.LAYERS
    X, views = _faces(6)
    with torch.no_grad():
        expected = torch.log_softmax(net(torch.from_numpy(face_net.net_input(X, views))), dim=1).numpy()
    ours = face_net.FaceNet(params, {"front": 1.0, "side": 1.0})
    got = np.stack([ours.log_probs(x, v) for x, v in zip(X, views)])
    assert np.abs(got - expected).max() < 1e-4
    assert np.allclose(np.exp(got).sum(axis=1), 1.0)
    assert not np.allclose(got[0], got[1])             # the view plane and the face both reach the output


def test_a_few_steps_of_training_learn_a_drawn_difference():
    """The trainer fits: two 'expressions' that differ by a stroke in one patch row, shifted at random by
    a cell, are told apart afterwards (a net that did not learn scores them alike)."""
    pytest.importorskip("torch")
    train = load("calibrate_face_net").train

    rng = np.random.default_rng(1)
    X = rng.normal(scale=0.1, size=(512, ex.GRID, ex.GRID, 3)).astype(np.float32)
    y = np.arange(512) % 2
    X[y == 1, 22:24, 10:22, 0] += 2.0                    # a mouth line on the second class
    views = np.array(["front"] * 512)
    net = face_net.FaceNet(train(X.reshape(512, -1), y, views, epochs=4), {"front": 1.0, "side": 1.0})
    guesses = [int(np.argmax(net.log_probs(x, "front"))) for x in X[:64].reshape(64, -1)]
    assert np.mean(np.array(guesses) == y[:64]) >= 0.95


def test_the_shipped_nets_cover_every_art_style_and_round_trip(tmp_path):
    nets = face_net.load()
    assert set(nets) == set(vocab.ART_STYLES)
    path = tmp_path / "face_net.npz"
    face_net.save(nets, path)
    again = face_net.load.__wrapped__(path)
    for style, net in nets.items():
        assert set(net.scales) == set(ex.VIEWS) and min(net.scales.values()) > 0
        assert again[style].scales == pytest.approx(net.scales)
        assert again[style].weights == pytest.approx(net.weights) and again[style].blends == pytest.approx(net.blends)
        assert all(0.0 <= w < 1.0 for w in net.weights.values()) and min(net.blends.values()) > 0
        assert all(np.array_equal(again[style].params[k], net.params[k]) for k in face_net.LAYERS)


def test_a_face_net_file_of_another_shape_is_refused(tmp_path):
    path = tmp_path / "face_net.npz"
    face_net.save(face_net.load(), path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["painterly/hidden.weight"] = arrays["painterly/hidden.weight"][:, :-8]
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="painterly's hidden.weight .* rerun benchmarks/calibrate_face_net.py"):
        face_net.load.__wrapped__(path)


def test_the_expression_check_reads_a_style_with_a_net_by_the_net():
    X, _ = _faces(1, seed=4)
    control = dataclasses.make_dataclass("C", ["facing", "expression"])("left", "happy")
    for style in vocab.ART_STYLES:
        score, best = ex.expression_fit(X[0], control, style)
        net = face_net.load().get(style)
        if net is None:
            m = ex.load()[(style, "side")]
            margin, expected = ex.margins(m.W, m.means, X[0], "happy")
            scale = m.scale
        else:
            margin, expected = face_net.family_margin(net.log_probs(X[0], "side"), "happy")
            m = ex.load()[(style, "side")]
            w, linear = net.weights["side"], ex.margins(m.W, m.means, X[0], "happy")[0] / m.scale
            margin, scale = (1 - w) * margin / net.scales["side"] + w * linear, net.blends["side"]
        assert best == expected
        assert score == pytest.approx(float(np.clip(1.0 - 0.5 * margin / scale, 0.0, 1.0)))


def test_the_blend_weighs_each_margin_in_its_own_scale():
    net = face_net.FaceNet({}, {"front": 2.0, "side": 4.0}, {"front": 0.0, "side": 0.25}, {"front": 1.0, "side": 0.5})
    assert net.blended(3.0, 99.0, "front") == pytest.approx(1.5)                   # the net alone
    assert net.blended(4.0, 2.0, "side") == pytest.approx((0.75 * 1.0 + 0.25 * 2.0) / 0.5)
    # a net fitted alone keeps its old meaning
    alone = face_net.FaceNet({}, {"front": 2.0, "side": 2.0})
    assert alone.blended(3.0, 0.0, "side") == pytest.approx(1.5)


def test_the_calibration_blend_picks_the_weight_that_flags_most_at_the_clean_rate():
    cf = load("calibrate_face_net")
    rng = np.random.default_rng(0)
    cut = 2.0 * (1.0 - 0.15)
    # two readings of the same faces, each noisy on its own: together they tell wrong from clean better
    truth_clean, truth_wrong = rng.normal(0, 1, 20_000), rng.normal(3.0, 1, 20_000)
    a_clean, a_wrong = truth_clean + rng.normal(0, 1.5, 20_000), truth_wrong + rng.normal(0, 1.5, 20_000)
    b_clean, b_wrong = truth_clean + rng.normal(0, 1.5, 20_000), truth_wrong + rng.normal(0, 1.5, 20_000)
    w, scale, flagged = cf.blend(a_clean, a_wrong, b_clean, b_wrong, cut)
    assert w == 0.5
    alone = np.quantile(a_clean, 1 - cf.CLEAN_FAIL)
    assert flagged > (a_wrong > alone).mean() + 0.05
    assert ((0.5 * a_clean + 0.5 * b_clean) > cut * scale).mean() == pytest.approx(cf.CLEAN_FAIL, abs=3e-4)


def test_the_family_margin_is_zero_for_the_best_family_and_the_gap_otherwise():
    lp = np.log(np.full(len(vocab.EXPRESSIONS), 0.01))
    lp[vocab.EXPRESSIONS.index("sad")] = np.log(0.5)
    lp[vocab.EXPRESSIONS.index("laughing")] = np.log(0.2)
    assert face_net.family_margin(lp, "crying") == (0.0, "sad")
    margin, best = face_net.family_margin(lp, "happy")
    assert best == "sad" and margin == pytest.approx(np.log(0.5) - np.log(0.2))
