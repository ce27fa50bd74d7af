"""Story consistency: a character's colours against its own in the story's other frames.

The template sheet is drawn in neutral light and style; a frame in ink or pixel art, at night or
under water, lies further from it than a redrawn top sometimes does, so the template's noise units
(`calibration.PART_NOISE`) are wide. The same character in the story's other frames is drawn in the
same art style: a top or hair redrawn in one frame stands out against those. Per character and part
(STORY_PARTS), the mean colour of its seen samples (`part_tones`: the mean, not the median, follows
ink's hatch density); a frame's deviation is its distance from the story's other frames' tones
(`deviations`), where at least MIN_PEERS of them saw the part: from the nearest of them that another
peer vouches for (`telling_peer`: lies within VOUCH_MULTIPLE story units of it). Not their median:
with two peers, one of them faulty moves the median halfway to it (paper-scale stories have 5-10
frames; at a matched clean rate the nearest peer flagged 3-4 points more drifts in the colour
styles, 3 fewer in ink). Not the nearest alone: a fault injector, like a model, redraws a
character's top in the few colours far from its own, so two frames of a story drifted alike vouch
for each other (at paper scale one drifted part in seven, and one in five of those missed, had a
twin: the same part drifted in another frame). Not the second nearest: clean frames lie further from
it than from the nearest, and at paper scale 0.16 points more clean frames failed. The loop gathers
the tones from every first attempt of a story (`storycast.qc`) and hands each frame its peers'
(`JudgeRequest.peers`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from storycast.judges import embedding as emb
from storycast.judges.calibration import STORY_NOISE
from storycast.judges.identity import score_of

STORY_PARTS: tuple[str, ...] = ("torso", "hair")
# The rows of a frame's tones: the STORY_PARTS, then the mean of the torso's dense grid where the judge
# reads one (`torso.torso_grid_colours`: ink, for its torso net, `identity_model.GRID_STYLES`; NaN elsewhere).
TONE_ROWS: tuple[str, ...] = (*STORY_PARTS, "torso_grid")
MIN_PEERS = 2
MIN_POINTS = 2          # a part's tone needs this many seen samples
VOUCH_MULTIPLE = 4.0    # story units within which one peer vouches for another (the check fails at ~2.9)
STORY_REASON = "the story's other frames"      # in the identity reason when the story comparison fails


def part_tones(desc: emb.Descriptor) -> np.ndarray:
    """len(TONE_ROWS) x 3: the mean CIELAB colour of each part's seen samples (NaN where unseen), and of
    the torso's dense grid (`Descriptor.grid`; NaN without one)."""
    out = np.full((len(TONE_ROWS), 3), np.nan)
    if desc.grid is not None:
        out[TONE_ROWS.index("torso_grid")] = desc.grid.mean(axis=0)
    for i, part in enumerate(STORY_PARTS):
        if not desc.seen[emb.PARTS.index(part)]:
            continue
        lab = desc.lab[emb.SLICES[part]]
        lab = lab[~np.isnan(lab[:, 0])]
        if len(lab) >= MIN_POINTS:
            out[i] = lab.mean(axis=0)
    return out


def deviations(tones: np.ndarray, peers: np.ndarray | None, key: str | None = None) -> np.ndarray:
    """Per STORY_PARTS, the CIELAB distance of `tones` from the `telling_peer` of `peers` (k x parts x 3,
    the same character's tones in the story's other frames; `key`: the noise tables' key, whose units
    say which peers vouch for each other, None: the nearest peer); NaN where the part is unseen here
    or in fewer than MIN_PEERS peers."""
    out = np.full(len(STORY_PARTS), np.nan)
    if peers is None or len(peers) < MIN_PEERS:
        return out
    for i, part in enumerate(STORY_PARTS):
        seen = peers[:, i][~np.isnan(peers[:, i, 0])]
        if len(seen) >= MIN_PEERS and not np.isnan(tones[i, 0]):
            d = np.linalg.norm(seen - tones[i], axis=1)
            out[i] = float(d[telling_peer(d, seen, vouch_distance(key, part))])
    return out


def vouch_distance(key: str | None, part: str) -> float:
    """How close another peer must be to vouch for one: VOUCH_MULTIPLE of the part's story unit
    (infinite without one: every peer is vouched for)."""
    unit = STORY_NOISE.get(key, {}).get(part) if key is not None else None
    return VOUCH_MULTIPLE * unit if unit else np.inf


def telling_peer(distances: np.ndarray, seen: np.ndarray, vouch: float) -> int:
    """Which of the peers' tones `seen` (at `distances` from this frame's) the part is measured
    against: the nearest that another peer vouches for (lies within `vouch` of it), among three or
    more; else the nearest. A peer redrawn like this frame is then passed over, while a clean frame
    is measured against its nearest peer as before: clean peers vouch for each other."""
    order = np.argsort(distances, kind="stable")
    if len(seen) >= 3 and np.isfinite(vouch):
        apart = np.linalg.norm(seen[:, None] - seen[None], axis=2)      # peer to peer
        np.fill_diagonal(apart, np.inf)
        vouched = order[apart.min(axis=1)[order] <= vouch]
        if len(vouched):
            return int(vouched[0])
    return int(order[0])


def story_peers(tones: Sequence[Mapping[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
    """Per frame of a story (its characters' `part_tones`, in frame order), each character's tones in
    the story's other frames: (k x TONE_ROWS x 3) arrays, leaving the frame itself out."""
    out = []
    for i, frame in enumerate(tones):
        out.append({cid: np.array([other[cid] for j, other in enumerate(tones) if j != i and cid in other])
                    .reshape(-1, len(TONE_ROWS), 3) for cid in frame})
    return out


def story_score(story: np.ndarray, key: str) -> tuple[float, str]:
    """(score, note) of a character's `deviations` (per STORY_PARTS) in the STORY_NOISE units
    of the noise tables' `key`, on the identity score's scale; 1.0 where none was measured."""
    found = [(d / noise, f"{part} colour is {d:.0f} dE from its colour in {STORY_REASON} ({d / noise:.1f}x the usual)")
             for part, d in zip(STORY_PARTS, story)
             if (noise := STORY_NOISE.get(key, {}).get(part)) and np.isfinite(d)]
    if not found:
        return 1.0, ""
    worst, note = max(found, key=lambda f: f[0])
    return score_of(worst), note
