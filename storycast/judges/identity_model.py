"""Identity evidence weighed together where each reading alone is weak: ink and pixel art.

The identity check reads a torso's or hair's colour four ways, each in units of its clean noise
(`calibration`): its distance to any colour of the template, to the template part's own colours
(where the sheet's views agree), its median's shift from the template part's (`torso.part_shift`)
and its distance from the character's colours in the story's other frames (`judges.story`). In the
colour styles the worst reading decides. In ink (a fill is a hatch density, read through a dozen
samples that land on lines or on paper) and pixel art (a frame's own palette; samples on outlines
and shading) the noise units are wide: a redrawn top raises two or three readings to about twice
their noise, where a clean part raises one, and the worst reading alone cannot tell the two apart.

There, where the story's other frames read the part, a small net per style and part (`IdentityNet`:
two hidden layers of HIDDEN) weighs the readings with what their medians average away
(`part_inputs`): the spread of the frame samples' distances to the template part's colours both ways
(a top drawn in another colour: many samples far off, and the template's colours missing from the
frame), the signed median shift per channel, the part's colour against its colour in one of the
story's other frames per channel (`story.telling_peer`), and the samples' spread against the
template part's (a hatch density or a pattern drawn otherwise). In ink (GRID_STYLES) the torso net also
reads a 40-point grid over the torso (`torso.torso_grid_colours`, `_grid_inputs`): forty boxes average
a hatch density that a dozen read loosely (held out, 72 -> 79 % of drifted ink parts flagged at about
the same clean rate; in pixel art the grid added nothing, and it is not read there). Its logit minus the style's cut for
the part is a risk that maps to a score as the arm model's does (`limbs`): risk 0 is
THRESHOLD_SCORE, the threshold it was cut for. A part the story does not read (too few of its frames
show it, `qc.story_check: false`) stays under the worst-reading rule: held out, a net without the
story's inputs failed as few clean characters as the rule, but on the judge's fixed test sample a
few clean ink hairs, three samples each, far from any reading's bound. Fitted on calibration stories
with drifted parts by `benchmarks/calibrate_identity.py` (torch); judged in numpy.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storycast.judges import embedding as emb
from storycast.judges.base import score_of_risk
from storycast.judges.calibration import PART_NOISE, PART_SHIFT_NOISE, SAME_PART_NOISE, STORY_NOISE
from storycast.judges.identity import score_of
from storycast.judges.story import MIN_PEERS, STORY_PARTS, TONE_ROWS, telling_peer, vouch_distance
from storycast.judges.torso import part_shift
from storycast.tables import npz_bytes, write_bytes

NET_STYLES = ("ink", "pixel_art")   # the art styles whose identity the nets weigh (`calibrate_identity.py`)
GRID_STYLES = ("ink",)              # those whose torso net reads the dense grid (`torso.torso_grid_colours`)
READINGS = ("any_colour", "own_colour", "median_shift", "story")
MODEL_PARTS = ("torso", "hair")
MAX_MULTIPLE = 8.0                 # readings are clipped here: a far outlier says no more than this
QUANTILES = (0, 25, 50, 75, 100)
GRID_QUANTILES = (0, 10, 25, 50, 75, 90, 100)
GRID_MAX_DE = 100.0                # the grid's distances are clipped here
# Input groups, in order: (name, width, whether it can be unread: then a trailing flag says so).
GROUPS = (("readings", 2 * len(READINGS) + 1, False),    # clipped readings, their unread flags, log scale
          ("story", 5, False),                           # telling peer: distance, signed shift (3); peers
          ("template", 2 * len(QUANTILES) + 6, True),    # distances both ways, median shift (3 + norm), far shares
          ("spread", 6, True),                           # per-channel std of the part's samples, the template's
          ("grid", 2 * len(GRID_QUANTILES) + 2 + 4 + 3 + 5, True))   # the torso's dense grid (`_grid_inputs`)
INPUTS = sum(w + flag for _, w, flag in GROUPS)
GRID_INPUTS = GROUPS[-1][1] + 1    # the grid's group and its flag, the last inputs
FAR_DE = (10.0, 20.0)              # shares of the frame samples this far from the template part's colours
HIDDEN = 16
LAYERS = {"l0.weight": (HIDDEN, INPUTS), "l0.bias": (HIDDEN,), "l1.weight": (HIDDEN, HIDDEN),
          "l1.bias": (HIDDEN,), "l2.weight": (1, HIDDEN), "l2.bias": (1,)}
MODEL_FILE = Path(__file__).with_name("identity_model.npz")
THRESHOLD_SCORE = 0.52             # the score where risk = 0: qc.thresholds.identity when the nets were cut


@dataclass(frozen=True)
class IdentityNet:
    """One style's and part's net: logit = MLP((x - mean) / scale); risk = logit - cut."""
    mean: np.ndarray
    scale: np.ndarray
    layers: dict
    cut: float

    def logit(self, x: np.ndarray) -> float:
        h = (x - self.mean) / self.scale
        for i in range(3):
            h = self.layers[f"l{i}.weight"] @ h + self.layers[f"l{i}.bias"]
            if i < 2:
                h = np.maximum(h, 0.0)
        return float(h[0])

    def risk(self, x: np.ndarray) -> float:
        return self.logit(x) - self.cut


def reads_grid(style: str, part: str) -> bool:
    """Whether the net of `style` and `part` reads the torso's dense grid (others see it unread)."""
    return style in GRID_STYLES and part == "torso"


def part_readings(desc, ref, key: str, trusted: np.ndarray, parts: np.ndarray, same: np.ndarray,
                  story: np.ndarray | None) -> dict[str, np.ndarray]:
    """Per MODEL_PARTS part, its READINGS in units of the noise tables' `key`: `parts` / `same` are
    `identity.template_distances`, `story` the `story.deviations` (None: no story frames given)."""
    unit, same_unit = PART_NOISE.get(key), SAME_PART_NOISE.get(key)
    out = {}
    for part in MODEL_PARTS:
        i = emb.PARTS.index(part)
        shift_unit = PART_SHIFT_NOISE.get(key, {}).get(part)
        story_unit = STORY_NOISE.get(key, {}).get(part)
        out[part] = np.array([
            parts[i] / unit[i] if unit else np.nan,
            same[i] / same_unit[i] if same_unit and trusted[i] else np.nan,
            part_shift(desc, ref, part) / shift_unit if shift_unit else np.nan,
            story[STORY_PARTS.index(part)] / story_unit if story is not None and story_unit else np.nan])
    return out


def face_multiple(key: str, trusted: np.ndarray, parts: np.ndarray, same: np.ndarray) -> float:
    """The face's colour reading as the worst-reading rule takes it (NaN where unread): the model
    weighs torso and hair, which faults redraw; the face stays under the rule."""
    i = emb.PARTS.index("face")
    unit, same_unit = PART_NOISE.get(key), SAME_PART_NOISE.get(key)
    return float(np.fmax(parts[i] / unit[i] if unit else np.nan,
                         same[i] / same_unit[i] if same_unit and trusted[i] else np.nan))


def features(readings: np.ndarray, scale: float) -> np.ndarray:
    """The readings group of the inputs from one part's READINGS (multiples of their noise units, NaN
    where unread) and the character's scale (px per body unit)."""
    unread = ~np.isfinite(readings)
    return np.concatenate([np.where(unread, 0.0, np.clip(readings, 0.0, MAX_MULTIPLE)), unread.astype(np.float64),
                           [math.log(max(scale, 1.0))]])


def part_inputs(desc, ref, part: str, readings: np.ndarray, scale: float, tones: np.ndarray | None,
                peers: np.ndarray | None, key: str | None = None) -> np.ndarray | None:
    """The net's INPUTS for one part: its `part_readings`, its tone (`story.part_tones`) against the
    story's other frames' (k x TONE_ROWS x 3), the frame samples against the template part's in the
    closer view, the spread of its samples and the template part's and, for the torso, its dense grid
    (`Descriptor.grid`, `_grid_inputs`; unread without one); None where the story does not
    read the part (None, or fewer than MIN_PEERS peers show it); `key` is the noise tables' (the
    peer read is `story.deviations`'). Nothing absolute: a part's own
    colour says nothing of whether it was redrawn (and the fault injector's far colours are the
    extremes, which a net would learn to suspect)."""
    k = STORY_PARTS.index(part)
    seen = np.zeros((0, 3)) if peers is None else peers[:, k][np.isfinite(peers[:, k, 0])]
    if tones is None or not np.isfinite(tones[k]).all() or len(seen) < MIN_PEERS:
        return None
    own = desc.lab[emb.SLICES[part]]
    own = own[np.isfinite(own[:, 0])]
    # one peer, as `story.deviations` reads it (`telling_peer`): the loop's peers are first attempts,
    # and one of them redrawn would move a median of a few peers (a net fitted on clean peers failed
    # 0.7 points more clean pixel-art frames at paper scale with it)
    d = np.linalg.norm(seen - tones[k], axis=1)
    near = telling_peer(d, seen, vouch_distance(key, part))
    story = np.r_[d[near], tones[k] - seen[near], len(seen)]
    template = _against_template(own, ref, part)
    groups = [features(readings, scale), story, None if template is None else template[0],
              None if template is None else np.r_[own.std(axis=0), template[1].std(axis=0)],
              _grid_inputs(desc.grid, ref, peers) if part == "torso" else None]   # None: no grid read
    out = []
    for g, (_, width, can_be_unread) in zip(groups, GROUPS):
        out.append(np.zeros(width) if g is None else g)
        if can_be_unread:
            out.append([float(g is None)])
    return np.concatenate(out)


def _grid_inputs(grid: np.ndarray | None, ref, peers: np.ndarray) -> np.ndarray | None:
    """The torso's dense grid (`torso.torso_grid_colours`) against the template torso's samples (both
    views): quantiles of each grid colour's distance to the nearest of them and of theirs to the
    nearest grid colour, the shares beyond FAR_DE, the median shift per channel and its length, the
    grid's spread per channel; and its mean against the nearest of the story's other frames' (distance,
    signed shift per channel; zeros and a flag where fewer than MIN_PEERS have one). None without a grid
    or template torso samples."""
    t = np.vstack([view.lab[emb.SLICES["torso"]] for view in (ref.front, ref.back)])
    t = t[np.isfinite(t[:, 0])]
    if grid is None or not len(t):
        return None
    d = emb.lab_distances(grid, t)
    near = d.min(axis=1)
    shift = np.median(grid, axis=0) - np.median(t, axis=0)
    seen = peers[:, TONE_ROWS.index("torso_grid")]
    seen = seen[np.isfinite(seen[:, 0])]
    story = np.r_[np.zeros(4), 1.0]
    if len(seen) >= MIN_PEERS:
        mean = grid.mean(axis=0)
        j = int(np.argmin(np.linalg.norm(seen - mean, axis=1)))
        story = np.r_[np.linalg.norm(seen[j] - mean), mean - seen[j], 0.0]
    return np.r_[np.clip(np.percentile(near, GRID_QUANTILES), 0.0, GRID_MAX_DE),
                 np.clip(np.percentile(d.min(axis=0), GRID_QUANTILES), 0.0, GRID_MAX_DE),
                 [(near > f).mean() for f in FAR_DE], shift, np.linalg.norm(shift), grid.std(axis=0), story]


def _against_template(own: np.ndarray, ref, part: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The frame samples against the template part's in the view whose colours they lie closer to:
    quantiles of each sample's distance to the nearest template colour, of each template colour's to
    the nearest sample, the median shift per channel and its length, the shares far off; and that
    view's part samples."""
    best = None
    for view in (ref.front, ref.back):
        t = view.lab[emb.SLICES[part]]
        t = t[np.isfinite(t[:, 0])]
        if not len(own) or not len(t):
            continue
        d = emb.lab_distances(own, t)
        near = d.min(axis=1)
        if best is None or np.median(near) < best[0]:
            shift = np.median(own, axis=0) - np.median(t, axis=0)
            best = (np.median(near), np.r_[np.percentile(near, QUANTILES), np.percentile(d.min(axis=0), QUANTILES),
                                           shift, np.linalg.norm(shift), [(near > f).mean() for f in FAR_DE]], t)
    return None if best is None else best[1:]


def rule_score(readings: np.ndarray) -> float:
    """A part's identity score by the worst-reading rule (1.0 where nothing read it)."""
    return score_of(float(np.nanmax(readings))) if np.isfinite(readings).any() else 1.0


def weighed_identity(style: str, inputs: dict[str, np.ndarray | None], readings: dict[str, np.ndarray],
                     face: float) -> tuple[float, str, float] | None:
    """(score, note, score without the story's frames): the worst of the modelled parts (by the
    style's net where the story reads the part, `part_inputs`; by the worst-reading rule where it
    does not) and the face's `face_multiple`; None where the style has no nets (the worst reading
    decides there). Without the story's frames each part is read by the rule on its other readings."""
    nets = load().get(style)
    if nets is None:
        return None
    found = [(1.0, "", 1.0)]
    if np.isfinite(face):
        face_score = score_of(face)
        found.append((face_score, f"face colour is {face:.1f}x its usual distance from the template's", face_score))
    story = READINGS.index("story")
    for part in MODEL_PARTS:
        r = readings.get(part)
        if r is None or not np.isfinite(r).any():
            continue
        alone = rule_score(np.delete(r, story))
        x = inputs.get(part)
        told = rule_score(r) if x is None else score_of_risk(nets[part].risk(x), THRESHOLD_SCORE)
        found.append((told, _note(part, r), alone))
    worst = min(found, key=lambda f: f[0])
    return worst[0], worst[1], min(f[2] for f in found)


def _note(part: str, r: np.ndarray) -> str:
    where = {"any_colour": "from any template colour", "own_colour": f"from the template {part}'s",
             "median_shift": "in its median", "story": "from the story's other frames"}
    shown = ", ".join(f"{v:.1f}x {where[name]}" for name, v in zip(READINGS, r) if np.isfinite(v))
    return f"{part} colour looks redrawn: the usual distance {shown}"


# ---------------------------------------------------------------- the model file
def save(nets: dict[str, dict[str, IdentityNet]], path: Path = MODEL_FILE) -> None:
    """Write style -> part -> net atomically: a half-written file never replaces a good one."""
    keys = [(s, p) for s in sorted(nets) for p in MODEL_PARTS]
    arrays = {"styles": np.array([k[0] for k in keys]), "parts": np.array([k[1] for k in keys]),
              "inputs": np.array(INPUTS), "cut": np.array([nets[s][p].cut for s, p in keys]),
              "mean": np.stack([nets[s][p].mean for s, p in keys]),
              "scale": np.stack([nets[s][p].scale for s, p in keys])}
    for name in LAYERS:
        arrays[name] = np.stack([nets[s][p].layers[name] for s, p in keys])
    write_bytes(path, npz_bytes(arrays))


@functools.cache
def load(path: Path = MODEL_FILE) -> dict[str, dict[str, IdentityNet]]:
    """style -> part -> net, for the styles the nets were fitted for."""
    with np.load(path) as data:
        shapes = {name: data[name].shape[1:] for name in LAYERS if name in data}
        if "inputs" not in data or int(data["inputs"]) != INPUTS or shapes != LAYERS:
            raise ValueError(f"{path} does not hold identity nets of {INPUTS} inputs and layers {LAYERS}: "
                             "rerun benchmarks/calibrate_identity.py")
        out = _nets(data, 0)
    for style, parts in out.items():
        if set(parts) != set(MODEL_PARTS):
            raise ValueError(f"{path}: art style {style!r} lacks a net for one of {MODEL_PARTS}: "
                             "rerun benchmarks/calibrate_identity.py")
    return out


def load_before_grid(path: Path) -> dict[str, dict[str, IdentityNet]]:
    """The nets of a file fitted with or without the grid inputs (the last GRID_INPUTS), those without
    read with zero first-layer weights for them: each answers as it did (`calibrate_identity.py
    --styles` keeps a style's nets so)."""
    with np.load(path) as data:
        pad = INPUTS - int(data["inputs"])
        if pad not in (0, GRID_INPUTS):
            raise ValueError(f"{path} holds nets of {int(data['inputs'])} inputs, not {INPUTS} or "
                             f"{INPUTS - GRID_INPUTS}: refit every style (benchmarks/calibrate_identity.py)")
        return _nets(data, pad)


def _nets(data, pad: int) -> dict[str, dict[str, IdentityNet]]:
    """style -> part -> net of an open model file, `pad` zero-weight inputs added at the end."""
    out: dict[str, dict[str, IdentityNet]] = {}
    for i, (style, part) in enumerate(zip(data["styles"], data["parts"])):
        layers = {name: data[name][i].astype(np.float64) for name in LAYERS}
        layers["l0.weight"] = np.pad(layers["l0.weight"], ((0, 0), (0, pad)))
        out.setdefault(str(style), {})[str(part)] = IdentityNet(
            np.r_[data["mean"][i], np.zeros(pad)].astype(np.float64),
            np.r_[data["scale"][i], np.ones(pad)].astype(np.float64), layers, float(data["cut"][i]))
    return out
