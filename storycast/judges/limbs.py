"""The measured judge's pose check: each arm drawn where the skeleton puts it.

A misdrawn arm leaves what is behind it on the bones the pose control asks for. Samples along both
arm bones count as absent when they are far from every colour of the character's template and close
to what flanks the bone (the background continuing); where no prop is held, the hand must show the
skin (the template's face colours). Legs are not checked: their colours are the ground's too often.
"""
from __future__ import annotations

import numpy as np

from storycast.judges import embedding as emb
from storycast.judges.conditions import coarse, place_of, tone_of
from storycast.renderers.base import CharacterControl, FrameRequest
from storycast.skeleton import L_ELB, L_SHO, L_WRI, R_ELB, R_SHO, R_WRI

LIMBS = {"right_arm": (R_SHO, R_ELB, R_WRI), "left_arm": (L_SHO, L_ELB, L_WRI)}
MIN_LIMB_PX = 40          # limbs shorter than this on screen are not checked
FAR_ARM = {"right": "left_arm", "left": "right_arm"}   # drawn behind the body in a three-quarter view
BONE_TS = (0.1, 0.3, 0.5, 0.7, 0.9)                     # samples along each bone
PROBE_OFFSETS = (0.06, 0.08, 0.11, 0.15)               # body units either side of the bone
PROP_POSES = {"holding_object", "carrying", "throwing"}  # a prop is drawn at the hand: no skin there
ABSENT_DE, CLOSER_DE = 8.0, 3.0    # a sample is background: this far from every template colour and
HAND_WEIGHT = 6.0                  # this much closer to what flanks the bone; the hand counts 6 samples
HAND_NOISE = {"ink": 4.0, "pastel": 8.0, "pixel_art": 25.0}   # dE of a clean hand to the face colours


def limb_score(img, req: FrameRequest, c: CharacterControl, ref, keep) -> tuple[float, str]:
    """Worst arm's share of evidence that it is drawn where the pose puts it. A misdrawn arm leaves
    what is behind it on the bone: a sample is absent when its colour is far from every colour of
    the character's template and close to a probe beside the bone (the background continuing).
    Where no prop is held, the hand must show the skin (the template's face colours)."""
    kp = np.asarray(c.keypoints, dtype=np.float64)
    own = np.vstack([ref.front.lab, ref.back.lab])
    own = own[~np.isnan(own[:, 0])]
    skin = ref.front.lab[emb.SLICES["face"]]
    skin = skin[~np.isnan(skin[:, 0])]
    arms = [(limb, joints) for limb, joints in LIMBS.items() if _readable(req, c, kp, limb, joints) and len(own)]
    if not arms:
        return 1.0, ""
    hands = c.pose not in PROP_POSES and len(skin)
    # Every arm's bone samples, probes and hand in one sampling call: its overhead dominates.
    layouts = [_arm_points(c, kp, joints, hands) for _, joints in arms]
    lab, ok = _lab(img, np.vstack([pts for lay in layouts for pts in lay]), emb.sample_radius(c.scale), req)
    if keep is not None:
        ok &= keep(np.vstack([pts for lay in layouts for pts in lay]))
    worst, name, at = 1.0, "", 0
    for (limb, _), (pts, probes, hand) in zip(arms, layouts):
        n, m, h = len(pts), len(probes), len(hand)
        part = slice(at, at + n), slice(at + n, at + n + m), slice(at + n + m, at + n + m + h)
        at += n + m + h
        absent = _absent(lab[part[0]], ok[part[0]], lab[part[1]], ok[part[1]], own)
        evidence, weight = float(absent.sum()), float(len(absent))
        if h and ok[part[2]][0]:
            evidence += HAND_WEIGHT * _hand_off(lab[part[2]][0], skin, req.art_style)
            weight += HAND_WEIGHT
        if len(absent) < 4 and weight == len(absent):
            continue                     # too little of the arm in view to judge
        share = 1.0 - evidence / max(weight, 1e-9)
        if share < worst:
            worst, name = share, limb
    return worst, name


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
    the other, as `_absent` reads them) and the point just past the wrist where the hand is (none
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


def _absent(lab, ok, plab, pok, own) -> np.ndarray:
    """Per visible sample on the bones: True where it looks like background, not the character."""
    d_own = emb.lab_distances(lab, own).min(axis=1)
    d_side = np.sqrt(((plab.reshape(len(lab), -1, 3) - lab[:, None]) ** 2).sum(-1))
    d_side = np.where(pok.reshape(len(lab), -1), d_side, np.inf).min(axis=1)
    return ((d_own > ABSENT_DE) & (d_side < d_own - CLOSER_DE))[ok]


def _hand_off(lab: np.ndarray, skin: np.ndarray, style: str) -> float:
    """How far the hand is from the skin colour: 0 within two noise levels, 1 from three on."""
    noise = HAND_NOISE.get(style, 12.0)
    d = float(np.sqrt(((skin - lab) ** 2).sum(-1)).min())
    return float(np.clip((d - 2.0 * noise) / noise, 0.0, 1.0))
