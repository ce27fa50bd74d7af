"""Train/test split by held-out identities: no character appears in both splits.

Rule (and why it is correct):

1. A set T of test identities is chosen (below); every other released character is `train`.
2. A story is `test` iff its whole cast is in T, `train` iff none of its cast is, and *dropped* from
   the release otherwise (a mixed cast). Frames, controls and QC rows follow their story.

Each character is in exactly one of T or not-T, and a kept story's cast lies entirely on one side, so
every identity seen in a split's stories, frames and controls belongs to that split's characters:
no identity crosses splits, whatever T is. `check_disjoint` asserts it on the built assignment.

Choosing T only decides how many stories are dropped. Held-out identities drawn at random drop every
story that mixes them with others (~15% at the paper's cast sizes and 10% test identities), so T is
grown greedily instead: each step adds the character whose move to T changes the number of mixed
stories least (completing a partly held-out story counts -1, splitting a whole one +1), ties broken by
BLAKE2 of (seed, character id). Deterministic, independent of process or file order.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from storycast.errors import StorycastError
from storycast.seeding import seed_for

TRAIN, TEST = "train", "test"
SPLITS = (TRAIN, TEST)


@dataclass(frozen=True)
class Split:
    characters: dict[str, str]          # character id -> split
    stories: dict[str, str | None]      # story id -> split, None when dropped (mixed cast)

    @property
    def dropped(self) -> list[str]:
        return sorted(s for s, v in self.stories.items() if v is None)

    def count(self, split: str) -> tuple[int, int]:
        """(characters, stories) in a split."""
        return (sum(v == split for v in self.characters.values()),
                sum(v == split for v in self.stories.values()))


def held_out_count(n: int, fraction: float) -> int:
    """How many identities to hold out: round(fraction * n), leaving at least one on each side."""
    if n < 2:
        raise StorycastError(f"the release needs at least 2 approved characters to split, got {n}")
    return min(max(round(fraction * n), 1), n - 1)


def choose_test_identities(seed: int, characters: Iterable[str], casts: dict[str, list[str]],
                           fraction: float) -> set[str]:
    """Grow the held-out set greedily so that as few stories as possible get a mixed cast."""
    ids = sorted(set(characters))
    rank = {c: seed_for(seed, "release-split", c) for c in ids}
    stories_of: dict[str, list[str]] = {c: [] for c in ids}
    for story, cast in casts.items():
        for c in cast:
            stories_of[c].append(story)
    held = dict.fromkeys(casts, 0)   # story -> cast members already in T

    def delta(c: str) -> int:
        d = 0
        for s in stories_of[c]:
            k, t = len(casts[s]), held[s]
            if t == 0 and k > 1:
                d += 1          # a whole-train story becomes mixed
            elif t == k - 1 and t > 0:
                d -= 1          # a mixed story becomes whole-test
        return d

    current = {c: delta(c) for c in ids}
    heap = [(current[c], rank[c], c) for c in ids]
    heapq.heapify(heap)
    chosen: set[str] = set()
    target = held_out_count(len(ids), fraction)
    while len(chosen) < target:
        d, _, c = heapq.heappop(heap)
        if c in chosen or d != current[c]:
            continue  # stale entry
        chosen.add(c)
        touched = set()
        for s in stories_of[c]:
            held[s] += 1
            touched.update(casts[s])
        for other in touched - chosen:
            new = delta(other)
            if new != current[other]:
                current[other] = new
                heapq.heappush(heap, (new, rank[other], other))
    return chosen


def assign(seed: int, characters: Iterable[str], casts: dict[str, list[str]], fraction: float) -> Split:
    """The split of every released character and story (None = dropped: mixed cast)."""
    characters = sorted(set(characters))
    known = set(characters)
    for story, cast in sorted(casts.items()):
        unknown = sorted(set(cast) - known)
        if unknown:
            raise StorycastError(f"story {story}: cast member {unknown[0]} is not an approved character "
                                 "(rerun the stories stage after review)")
        if not cast:
            raise StorycastError(f"story {story} has an empty cast")
    test = choose_test_identities(seed, characters, casts, fraction)
    char_split = {c: TEST if c in test else TRAIN for c in characters}
    story_split: dict[str, str | None] = {}
    for story, cast in casts.items():
        sides = {char_split[c] for c in cast}
        story_split[story] = sides.pop() if len(sides) == 1 else None
    split = Split(char_split, story_split)
    check_disjoint(split, casts)
    for name in SPLITS:
        if split.count(name)[1] == 0:
            raise StorycastError(f"the {name} split holds no story (release.test_fraction={fraction}): "
                                 "change release.test_fraction or build more stories")
    return split


def check_disjoint(split: Split, casts: dict[str, list[str]]) -> None:
    """Every kept story's cast lies in its own split's characters; raise otherwise."""
    for story, side in split.stories.items():
        if side is None:
            continue
        crossing = [c for c in casts[story] if split.characters[c] != side]
        if crossing:
            raise AssertionError(f"identity {crossing[0]} of {side} story {story} is in the "
                                 f"{split.characters[crossing[0]]} split")
