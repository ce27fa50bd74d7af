"""The shape of a template story: which beats, where each frame is, and in what light.

* `beat_sequence` compresses an arc (dropping its highest-priority-number beats first) or stretches
  it (inserting fill beats before `arc.fill_before`, never the same beat twice in a row);
* `setting_plan` keeps the story in its primary setting, moves it on mid-story (or, for `late`
  arcs, at the very end), or makes a round trip; the primary setting always holds half the frames
  or more, and the frames where the story arrives somewhere or returns are marked;
* `lighting_plan` walks an arc's light pattern (D day, K dusk, N night) across the frames; a rest
  happens at night and the frames after it are the next morning.
"""
from __future__ import annotations

import math

from storycast.planners.arcs import ARCS, Arc
from storycast.planners.grammar import Dice, cumulative
from storycast.planners.scenery import NEIGHBOURS

LIGHT_CODE = {"D": "day", "K": "dusk", "N": "night"}


def parse_roles(text: str) -> dict[str, str]:
    """'A=!,B=trapped!' -> {'A': '!', 'B': 'trapped!'} (see `arcs` for the notation)."""
    return dict(part.split("=", 1) for part in text.split(",") if part)


MOVES = {n: cumulative(a.moves) for n, a in ARCS.items()}
LIGHTING = {n: cumulative(a.lighting) for n, a in ARCS.items()}
ROLES = {n: (tuple(parse_roles(r) for _, _, r in a.beats), parse_roles(a.fill_roles))
         for n, a in ARCS.items()}


def beat_sequence(arc: Arc, n: int, d: Dice) -> list[tuple[str, dict]]:
    """n (beat, roles) pairs for this arc."""
    base_roles, fill_roles = ROLES[arc.name]
    seq = [(b, p, r) for (b, p, _), r in zip(arc.beats, base_roles)]
    while len(seq) > n:
        worst = max(p for _, p, _ in seq)
        del seq[max(i for i, (_, p, _) in enumerate(seq) if p == worst)]
    if len(seq) < n:
        at = next(i for i, (b, _, _) in enumerate(seq) if b == arc.fill_before)
        prev, fills = seq[at - 1][0], []
        for _ in range(n - len(seq)):
            prev = d.pick([f for f in arc.fill if f != prev])
            fills.append((prev, 9, fill_roles))
        seq[at:at] = fills
    return [(b, r) for b, _, r in seq]


def setting_plan(arc: Arc, n: int, primary: str, d: Dice) -> tuple[list[str], str, dict[int, str]]:
    """Each frame's setting, the second setting (= primary if the story stays), and
    {frame index: "arrive" | "return"}."""
    move = d.weighted(MOVES[arc.name])
    second = d.pick(NEIGHBOURS[primary]) if move != "stay" else primary
    where, marks = [primary] * n, {}
    if move == "move":
        lo = n - 1 if arc.switch == "late" else math.ceil(n / 2)
        s = lo + d.index(max(1, n - 1 - lo))
        where[s:] = [second] * (n - s)
        marks[s] = "arrive"
    elif move == "round":
        length = 1 + d.index(max(1, min((n - 1) // 2, n - 3)))
        s1 = 2 + d.index(max(1, n - 2 - length))
        where[s1:s1 + length] = [second] * length
        marks[s1], marks[s1 + length] = "arrive", "return"
    return where, second, marks


def lighting_plan(arc: Arc, beats: list[str], d: Dice) -> list[str]:
    """Each frame's lighting class."""
    pattern = d.weighted(LIGHTING[arc.name])
    n, m = len(beats), len(pattern)
    light = [LIGHT_CODE[pattern[i * m // n]] for i in range(n)]
    rested = False
    for i, beat in enumerate(beats):
        if beat == "rest":
            light[i], rested = "night", True
        elif rested:
            light[i] = "day"
    return light
