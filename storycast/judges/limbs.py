"""The measured judge's pose check: each arm drawn where the skeleton puts it.

An arm drawn elsewhere leaves what is behind it on the bones the pose control asks for: the
background continuing from beside the bone, or the character's own torso. Each readable arm is
sampled along both bones, beside them (probes) and just past the wrist (the hand), and described by
`FEATURES`: how close the bone samples are to what flanks the bone, to the template's own sleeve and
forearm colours and to its torso, how far the hand is from the skin, and how much of an outline runs
beside the bones where an arm's edges are (`outline_evidence`: in ink, whose arms are paper-white like
the ground, the outline is most of what tells an arm). A per-style logistic model over the standardised
features and their pairwise products (`limb_model.npz`, fitted on calibration frames with misplaced arms
by `benchmarks/calibrate_limbs.py`) turns them into a risk. That risk and the logit of a small net over
an arm-aligned strip (`arm_net`: it sees the edges an arm has along its length, which a top in the
sleeves' colour lacks) are weighed per style into the arm's risk, and the risk into a score: 0.6 where
0.3 % of the style's clean calibration arms score lower, so one `qc.thresholds.pose` reads the same in
every style. Legs are not checked: their colours are the ground's too often.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storycast.judges import arm_net
from storycast.judges import embedding as emb
from storycast.judges.base import score_of_risk
from storycast.judges.conditions import coarse, place_of, tone_of
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.skeleton import L_ELB, L_SHO, L_WRI, R_ELB, R_SHO, R_WRI
from storycast.tables import npz_bytes, write_bytes

LIMBS = {"right_arm": (R_SHO, R_ELB, R_WRI), "left_arm": (L_SHO, L_ELB, L_WRI)}
MIN_LIMB_PX = 40          # limbs shorter than this on screen are not checked
FAR_ARM = {"right": "left_arm", "left": "right_arm"}   # drawn behind the body in a three-quarter view
BONE_TS = (0.1, 0.3, 0.5, 0.7, 0.9)                     # samples along each bone (upper arm, then forearm)
PROBE_OFFSETS = (0.06, 0.08, 0.11, 0.15)               # body units either side of the bone
PROP_POSES = {"holding_object", "carrying", "throwing"}  # a prop is drawn at the hand: no skin there
ABSENT_DE, CLOSER_DE = 8.0, 3.0    # a sample is background: this far from every template colour and
                                   # this much closer to what flanks the bone
MISSING_DE = 60.0                  # distance to a part the template does not show
FEATURES = ("side", "forearm", "upper_arm", "same_part", "any_part", "absent", "side_closer", "hand",
            "hand_judged", "torso_minus_same", "outline_weaker_side", "outline_both_sides")
OUTLINE_OFFSETS = np.linspace(0.010, 0.048, 20)   # body units from the bone where an arm's edge can run
OUTLINE_MAX_STEPS = 64                            # samples along a bone (~1 px apart, at most this many)
DARK_LEVEL = 110.0                                # an outline's luma is under this and 0.6 x its side's median
_SIDES = np.concatenate([OUTLINE_OFFSETS, -OUTLINE_OFFSETS])
MODEL_FILE = Path(__file__).with_name("limb_model.npz")
THRESHOLD_SCORE = 0.6              # the score where risk = 0: the calibrated operating point


@dataclass(frozen=True)
class ArmColours:
    """A template's colours the arm samples are compared with (CIELAB rows, both views)."""
    own: np.ndarray
    skin: np.ndarray
    upper: np.ndarray
    fore: np.ndarray
    torso: np.ndarray

    @classmethod
    def of(cls, ref) -> ArmColours:
        def part(name=None):
            rows = np.vstack([v.lab if name is None else v.lab[emb.SLICES[name]] for v in (ref.front, ref.back)])
            return rows[~np.isnan(rows[:, 0])]
        skin = ref.front.lab[emb.SLICES["face"]]
        return cls(part(), skin[~np.isnan(skin[:, 0])], part("upper_arms"), part("forearms"), part("torso"))


@dataclass(frozen=True)
class LimbModel:
    """One style's logistic model over z = ((x - fill NaN) - mean) / scale and its pairwise products:
    risk = z . weights + z . quadratic . z + bias (`quadratic` upper-triangular)."""
    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    quadratic: np.ndarray

    def risk(self, x: np.ndarray) -> float:
        z = (np.where(np.isnan(x), self.fill, x) - self.mean) / self.scale
        return float(z @ self.weights + z @ self.quadratic @ z + self.bias)


def limb_score(img, req: FrameRequest, c: CharacterControl, ref, keep) -> tuple[float, str]:
    """The worst readable arm's score (near 1: drawn where the pose puts it; 0.6: the style's
    calibrated alarm point) and its name: the arm model's risk and the arm net's logit weighed
    together (`arm_net`)."""
    arms = read_arms(img, req, c, ref, keep)
    if not arms:
        return 1.0, ""
    model, net = load()[req.art_style], arm_net.load()
    logits = net.logits(arm_strips(img, req, c, ref, keep, [limb for limb, _ in arms]), req.art_style)
    worst, name = 1.0, ""
    for (limb, x), logit in zip(arms, logits):
        score = score_of_risk(net.risk(model.risk(x), float(logit), req.art_style), THRESHOLD_SCORE)
        if score < worst:
            worst, name = score, limb
    return worst, name


def arm_strips(img, req: FrameRequest, c: CharacterControl, ref, keep, names: list[str]) -> np.ndarray:
    """`arm_net.strip_planes` of the named arms (N x planes x along x across), in one sampling call."""
    kp = np.asarray(c.keypoints, dtype=np.float64)
    pts = np.vstack([arm_net.strip_points(kp, LIMBS[name], c.scale) for name in names])
    lab, ok = _lab(img, pts, arm_net.strip_radius(c.scale), req)
    if keep is not None:
        ok &= keep(pts)
    colours = ArmColours.of(ref)
    arm = np.vstack([colours.upper, colours.fore]) if len(colours.upper) + len(colours.fore) else colours.own
    base = np.median(arm, axis=0) if len(arm) else np.zeros(3)       # `ArmColours` rows hold no NaN
    return arm_net.strip_planes(lab, ok, base, _nearest(lab, arm), _nearest(lab, colours.torso))


def read_arms(img, req: FrameRequest, c: CharacterControl, ref, keep) -> list[tuple[str, np.ndarray]]:
    """(name, `FEATURES`) of each arm that can be read: in front of the body, long enough on screen
    and with enough of it in view (`keep`: which sample points nearer characters leave in view)."""
    kp = np.asarray(c.keypoints, dtype=np.float64)
    colours = ArmColours.of(ref)
    arms = [(limb, joints) for limb, joints in LIMBS.items() if _readable(req, c, kp, limb, joints)]
    if not arms or not len(colours.own):
        return []
    hands = c.pose not in PROP_POSES and len(colours.skin) > 0
    # Every arm's bone samples, probes and hand in one sampling call: its overhead dominates.
    layouts = [_arm_points(c, kp, joints, hands) for _, joints in arms]
    pts = np.vstack([p for lay in layouts for p in lay])
    lab, ok = _lab(img, pts, emb.sample_radius(c.scale), req)
    if keep is not None:
        ok &= keep(pts)
    out, at = [], 0
    for (limb, _), (bone, probes, hand) in zip(arms, layouts):
        cut = np.cumsum([at, len(bone), len(probes), len(hand)])
        at = int(cut[-1])
        x = arm_features(*(v for a, b in zip(cut[:-1], cut[1:]) for v in (lab[a:b], ok[a:b])), colours)
        if x is not None:                # None: too little of the arm in view to judge
            out.append((limb, np.concatenate([x, outline_evidence(img, c, kp, LIMBS[limb], keep)])))
    return out


def outline_evidence(img, c: CharacterControl, kp: np.ndarray, joints, keep) -> np.ndarray:
    """How much of an arm's outline runs beside its bones: per side of each bone, the line parallel to
    it (at `OUTLINE_OFFSETS`) that is dark along most of its length, as its share of dark samples; the
    weaker side's and both sides' mean, averaged over the two bones (NaN: too little in view). Hatching
    crosses such a line now and then; an arm's edge runs along it. Samples ~1 px apart along the bone,
    so hatching cannot alias into a line."""
    segments = []
    offsets = _SIDES * c.scale                                                          # 2K: one side, the other
    for a, b in ((joints[0], joints[1]), (joints[1], joints[2])):
        v = kp[b] - kp[a]
        length = math.hypot(v[0], v[1])
        n = np.array([-v[1], v[0]]) / max(length, 1e-9)
        ts = np.linspace(0.15, 0.85, min(max(int(0.7 * length), 9), OUTLINE_MAX_STEPS))
        line = kp[a] + v * ts[:, None]                                                  # T x 2
        segments.append((line[None, :, :] + offsets[:, None, None] * n).reshape(-1, 2))  # 2K x T points
    pts = np.vstack(segments)
    luma, ok = _luma_at(img, pts)
    if keep is not None:
        ok &= keep(pts)
    weaker, both, at, k = [], [], 0, len(OUTLINE_OFFSETS)
    for seg in segments:
        lines = luma[at:at + len(seg)].reshape(2, k, -1)
        seen = ok[at:at + len(seg)].reshape(2, k, -1)
        at += len(seg)
        if seen.mean() < 0.5:
            continue
        if seen.all():                # the usual case: both sides' medians (as np.median) in one partition
            flat = lines.reshape(2, -1)
            mid = (flat.shape[1] - 1) // 2, flat.shape[1] // 2
            part = np.partition(flat, mid, axis=1)
            medians = (part[:, mid[0]] + part[:, mid[1]]) / 2
        else:
            medians = np.array([np.median(side[m]) if m.any() else 0.0 for side, m in zip(lines, seen)])
        level = np.minimum(DARK_LEVEL, 0.6 * medians)
        dark = (lines < level[:, None, None]) & seen
        shares = (dark.sum(axis=2) / np.maximum(seen.sum(axis=2), 1)).max(axis=1)   # per side
        weaker.append(float(shares.min()))
        both.append(float(shares.sum()) / 2)
    if not weaker:
        return np.array([np.nan, np.nan])
    return np.array([sum(weaker) / len(weaker), sum(both) / len(both)])


def arm_features(bone, bone_ok, probes, probes_ok, hand, hand_ok, colours: ArmColours) -> np.ndarray | None:
    """`FEATURES` of one arm from the CIELAB colours of its samples (None: fewer than 4 bone samples
    in view). NaN where a feature cannot be read (no forearm sample in view); the model fills it."""
    if bone_ok.sum() < 4:
        return None
    d_own = _nearest(bone, colours.own)
    n = len(BONE_TS)
    d_same = np.concatenate([_nearest(bone[:n], colours.upper), _nearest(bone[n:], colours.fore)])
    d_torso = _nearest(bone, colours.torso)
    d_side = np.sqrt(((probes.reshape(len(bone), -1, 3) - bone[:, None]) ** 2).sum(-1))
    d_side = np.where(probes_ok.reshape(len(bone), -1), d_side, np.inf).min(axis=1)
    absent = (d_own > ABSENT_DE) & (d_side < d_own - CLOSER_DE)
    v = bone_ok
    up, fore = v[:n], v[n:]
    judged = len(hand) > 0 and bool(hand_ok[0])
    return np.array([
        math.log1p(emb.small_median(np.minimum(d_side[v], 100.0))),
        math.log1p(emb.small_median(d_same[n:][fore])) if fore.any() else np.nan,
        math.log1p(emb.small_median(d_same[:n][up])) if up.any() else np.nan,
        math.log1p(emb.small_median(d_same[v])),
        math.log1p(emb.small_median(d_own[v])),
        float(absent[v].mean()),
        float((d_side < d_same)[v].mean()),
        math.log1p(float(_nearest(hand[:1], colours.skin)[0])) if judged else 0.0,
        float(judged),
        float(np.clip(emb.small_median((d_torso - d_same)[v]), -60.0, 60.0)) / 20.0,
    ])


def _luma_at(img, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Luma of the pixel nearest each point and whether it is inside the image (or `Window`): the
    values of `emb.box_means(img, pts, 0)`, gathered without its box machinery (~5,000 points an arm)."""
    view = img if isinstance(img, emb.Window) else emb.Window(img)
    x0, y0, x1, y1 = view.box
    xy = np.round(pts).astype(np.int64)
    x, y = xy[:, 0], xy[:, 1]
    ok = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    flat = np.clip(y, y0, y1 - 1) * view.img.shape[1] + np.clip(x, x0, x1 - 1)
    return view.pixels.take(flat, axis=0) @ np.array([0.299, 0.587, 0.114]), ok


def _nearest(lab: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Per sample, the distance to the nearest of `colours` (MISSING_DE when there are none)."""
    if not len(colours):
        return np.full(len(lab), MISSING_DE)
    return emb.lab_distances(lab, colours).min(axis=1)


def _readable(req: FrameRequest, c: CharacterControl, kp: np.ndarray, limb: str, joints) -> bool:
    """Whether an arm can be read: in front of the body and long enough on screen."""
    a, b, d = joints
    if limb == FAR_ARM.get(c.facing) or c.facing == "back":
        return False
    return bool(np.linalg.norm(kp[b] - kp[a]) + np.linalg.norm(kp[d] - kp[b]) >= MIN_LIMB_PX * coarse(req.art_style))


def _lab(img, pts, radius, req):
    colours, ok = emb.box_means(img, pts, radius)
    return emb.srgb_to_lab(emb.light_correct(colours, req.lighting, place_of(req.setting),
                                             tone_of(req.art_style))), ok


def _arm_points(c: CharacterControl, kp: np.ndarray, joints, hand: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An arm's samples along both bones, the probes either side of each (offset-major, one side then
    the other, as `arm_features` reads them) and the point just past the wrist where the hand is (none
    when `hand` is false)."""
    sho, elb, wri = (kp[j] for j in joints)
    ts = np.asarray(BONE_TS)[:, None]
    offsets = (np.asarray(PROBE_OFFSETS)[:, None] * np.array([1.0, -1.0])).ravel() * c.scale
    pts, probes = [], []
    for p0, p1 in ((sho, elb), (elb, wri)):
        v = p1 - p0
        n = np.array([-v[1], v[0]]) / max(float(np.hypot(*v)), 1e-9)
        q = p0 + v * ts
        pts.append(q)
        probes.append((q[:, None, :] + offsets[None, :, None] * n).reshape(-1, 2))
    f = (wri - elb) / max(float(np.hypot(*(wri - elb))), 1e-9)
    hand_pt = (wri + f * 0.018 * c.scale)[None] if hand else np.zeros((0, 2))
    return np.vstack(pts), np.vstack(probes), hand_pt


# ---------------------------------------------------------------- the model file
def save(models: dict[str, LimbModel], path: Path = MODEL_FILE) -> None:
    """Write the per-style models atomically: a half-written file never replaces a good one."""
    styles = sorted(models)
    arrays = {"styles": np.array(styles), "features": np.array(FEATURES),
              "bias": np.array([models[s].bias for s in styles])}
    for key in ("fill", "mean", "scale", "weights", "quadratic"):
        arrays[key] = np.stack([getattr(models[s], key) for s in styles])
    write_bytes(path, npz_bytes(arrays))


@functools.cache
def load(path: Path = MODEL_FILE) -> dict[str, LimbModel]:
    from storycast import vocab
    with np.load(path) as data:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path} was fitted on features {tuple(data['features'])}, not {FEATURES}: "
                             "rerun benchmarks/calibrate_limbs.py")
        models = {str(s): LimbModel(*(data[k][i].astype(np.float64) for k in ("fill", "mean", "scale", "weights")),
                                    float(data["bias"][i]), data["quadratic"][i].astype(np.float64))
                  for i, s in enumerate(data["styles"])}
    missing = sorted(set(vocab.ART_STYLES) - set(models))
    if missing:
        raise ValueError(f"{path} has no model for art style {missing[0]!r}: rerun benchmarks/calibrate_limbs.py")
    return models
