"""The arm net of the pose check: numpy's forward pass is the torch network's, the strip is laid out along
the bones, and the shipped file weighs the net with the arm model for every art style."""
import numpy as np
import pytest
from benchmark_scripts import load

from storycast import vocab
from storycast.judges import arm_net


def _strips(n: int, seed: int = 0) -> np.ndarray:
    shape = (n, arm_net.PLANES, 2 * arm_net.STEPS, arm_net.ACROSS)
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def test_the_numpy_forward_pass_is_the_torch_network_it_was_trained_as():
    torch = pytest.importorskip("torch")
    calibrate = load("calibrate_arm_net")
    torch.manual_seed(2)
    net = calibrate.torch_net().eval()
    params = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    assert {k: v.shape for k, v in params.items()} == arm_net.LAYERS
    strips = _strips(4)
    ours = arm_net.ArmNet(params, {}, {}, {}, {})
    for style in ("ink", "pastel"):
        with torch.no_grad():
            expected = net(torch.from_numpy(strips), torch.from_numpy(calibrate.one_hot(np.array([style] * 4)))).numpy()
        assert np.abs(ours.logits(strips, style) - expected).max() < 1e-4
    assert not np.allclose(ours.logits(strips, "ink"), ours.logits(strips, "pastel"))   # the style reaches it


def test_training_learns_an_arm_band_from_its_absence():
    """Strips with a band of arm colour down the middle (clean) against strips without (misplaced):
    after a few epochs the net's logits tell them apart."""
    pytest.importorskip("torch")
    calibrate = load("calibrate_arm_net")
    strips = _strips(400, seed=1) * 0.1
    labels = np.arange(400) % 2
    strips[labels == 0, 3, :, 5:7] = 0.0          # near the arm's colours along the bone
    strips[labels == 1, 3, :, 5:7] = 2.0          # 40 dE from them
    styles = np.array(["flat_vector"] * 400)
    net = arm_net.ArmNet(calibrate.train(strips, styles, labels, epochs=4), {}, {}, {}, {})
    logits = net.logits(strips, "flat_vector")
    assert logits[labels == 1].min() > logits[labels == 0].max()


def test_the_strip_runs_along_each_bone_and_across_it():
    kp = np.zeros((18, 2))
    kp[2], kp[3], kp[4] = (100.0, 100.0), (100.0, 200.0), (200.0, 200.0)      # shoulder, elbow, wrist
    pts = arm_net.strip_points(kp, (2, 3, 4), 100.0).reshape(2, arm_net.STEPS, arm_net.ACROSS, 2)
    upper, fore = pts
    assert np.allclose(upper[:, :, 1].mean(axis=1), np.linspace(105, 195, arm_net.STEPS))   # down the upper arm
    assert np.allclose(np.ptp(upper[0, :, 0]), 2 * arm_net.HALF_WIDTH * 100)                 # across it
    assert np.allclose(fore[:, :, 0].mean(axis=1), np.linspace(105, 195, arm_net.STEPS))    # along the forearm
    seen = np.ones(len(pts.reshape(-1, 2)), dtype=bool)
    seen[:5] = False
    from storycast.judges import limbs

    lab = np.zeros((len(seen), 3))
    planes = arm_net.strip_planes(lab, seen, np.array([50.0, 0, 0]), limbs._nearest(lab, np.array([[50.0, 0, 0]])),
                                  limbs._nearest(lab, np.zeros((0, 3))))[0]
    assert planes.shape == (arm_net.PLANES, 2 * arm_net.STEPS, arm_net.ACROSS)
    assert planes[-1].sum() == len(seen) - 5 and planes[0, 0, 0] == 0.0 and planes[0, 1, 0] == -2.5
    assert planes[4, 1, 0] == pytest.approx(limbs.MISSING_DE / 20)            # no torso colour on the sheet


def test_the_shipped_arm_net_weighs_every_style_and_round_trips(tmp_path):
    from storycast.judges import limbs

    assert arm_net.ARM_MODEL_FILE == limbs.MODEL_FILE
    net = arm_net.load()
    assert set(net.bias) == set(vocab.ART_STYLES)
    for style in vocab.ART_STYLES:
        assert net.weights[style].shape == (2,) and (net.weights[style] > 0).all()   # both say "misplaced" upwards
    path = tmp_path / "arm_net.npz"
    arm_net.save(net, path)
    again = arm_net.load.__wrapped__(path)
    assert again.bias == net.bias and all(np.array_equal(again.params[k], net.params[k]) for k in arm_net.LAYERS)
    with np.load(path) as data:
        arrays = dict(data)
    np.savez(path, **dict(arrays, **{"c1.weight": arrays["c1.weight"][:8]}))
    with pytest.raises(ValueError, match="c1.weight is missing or not of shape .* rerun benchmarks/calibrate_arm_net"):
        arm_net.load.__wrapped__(path)
    moved = tmp_path / "limb_model.npz"
    moved.write_bytes(arm_net.ARM_MODEL_FILE.read_bytes() + b"\0")
    arm_net.save(net, path)
    with pytest.raises(ValueError, match="weighed with another limb_model.npz: rerun benchmarks/calibrate_arm_net"):
        arm_net.load.__wrapped__(path, moved)
    keep = arrays["styles"] != "ink"
    np.savez(path, **dict(arrays, **{k: arrays[k][keep] for k in ("styles", "bias", "mean", "scale", "weights")}))
    with pytest.raises(ValueError, match="no weighing for art style 'ink'"):
        arm_net.load.__wrapped__(path)
