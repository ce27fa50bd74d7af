"""Unique identity specs: sampling, the visible-attribute distance, the identity prompt.

Character i is drawn from its own seed (global seed, character id), then rejected and redrawn
while it is closer than `min_distance` visible attributes to any earlier character. Characters
depend only on their predecessors, so growing the count leaves the first N byte-identical.
"""
from __future__ import annotations

import math

import numpy as np

from storycast import vocab
from storycast.errors import StorycastError
from storycast.seeding import rng_for

MAX_TRIES = 2000
PATTERN_WORDS = {"plain": "", "striped": "striped ", "dotted": "polka-dot ", "checked": "checked ",
                 "zigzag": "zigzag-patterned ", "stars": "star-patterned "}


class InfeasibleCount(StorycastError):
    """More identities were asked for than the attribute space holds at the asked distance."""


def character_id(index: int) -> str:
    return f"c{index:05d}"


def attribute_sizes() -> dict[str, int]:
    """How many values each visible attribute can take (accessories: the number of sets drawn)."""
    n_acc = len(vocab.ACCESSORIES)
    return {
        "species": len(vocab.SPECIES), "build": len(vocab.BUILDS), "height": len(vocab.HEIGHTS),
        "covering_color": len(next(iter(vocab.COVERING_COLORS.values()))),
        "hair_style": len(vocab.HAIR_STYLES), "hair_color": len(vocab.HAIR_COLORS) + 1,
        "eye_color": len(vocab.EYE_COLORS), "top": len(vocab.TOPS),
        "top_color": len(next(iter(vocab.PALETTES.values()))), "pattern": len(vocab.PATTERNS),
        "bottom": len(vocab.BOTTOMS) + 1, "bottom_color": len(next(iter(vocab.PALETTES.values()))) + 1,
        "shoes": len(vocab.SHOES), "accessories": 1 + n_acc + math.comb(n_acc, 2),
        "art_style": len(vocab.ART_STYLES), "palette": len(vocab.PALETTES),
    }


def largest_feasible_count(min_distance: int) -> int:
    """Singleton bound: a set of identities pairwise differing in >= d of k attributes holds at most
    the product of the k-d+1 smallest attribute alphabets. Nothing larger can exist."""
    sizes = sorted(attribute_sizes().values())
    k = len(sizes)
    if not 1 <= min_distance <= k:
        raise InfeasibleCount(f"characters.min_distance={min_distance} must be between 1 and {k} "
                              f"(the number of visible attributes)")
    return math.prod(sizes[: k - min_distance + 1])


def _pick(rng: np.random.Generator, options):
    options = tuple(options)
    return options[int(rng.integers(len(options)))]


def sample_spec(rng: np.random.Generator) -> dict:
    """One identity's visible attributes, colours drawn from its palette."""
    species = _pick(rng, vocab.SPECIES)
    covering = vocab.SPECIES[species]["covering"]
    palette = _pick(rng, vocab.PALETTES)
    colours = vocab.PALETTES[palette]
    top = _pick(rng, vocab.TOPS)
    full_length = top in vocab.FULL_LENGTH_TOPS
    has_hair = vocab.SPECIES[species]["hair"]
    hair_style = _pick(rng, vocab.HAIR_STYLES) if has_hair else "bald"
    n_acc = int(rng.choice([0, 1, 2], p=[0.25, 0.45, 0.30]))
    accessories = sorted(rng.choice(vocab.ACCESSORIES, size=n_acc, replace=False).tolist())
    return {
        "species": species,
        "build": _pick(rng, vocab.BUILDS),
        "height": _pick(rng, vocab.HEIGHTS),
        "covering_color": _pick(rng, vocab.COVERING_COLORS[covering]),
        "hair_style": hair_style,
        # A bald head has no visible hair colour; an invisible attribute must not count as distance.
        "hair_color": "" if hair_style == "bald" else _pick(rng, vocab.HAIR_COLORS),
        "eye_color": _pick(rng, vocab.EYE_COLORS),
        "top": top,
        "top_color": _pick(rng, colours),
        "pattern": _pick(rng, vocab.PATTERNS),
        "bottom": "" if full_length else _pick(rng, vocab.BOTTOMS),
        "bottom_color": "" if full_length else _pick(rng, colours),
        "shoes": _pick(rng, vocab.SHOES),
        "shoes_color": _pick(rng, ("black", "brown", "white", "tan", "gray") + colours),
        "accessories": accessories,
        "accessory_color": _pick(rng, colours),
        "art_style": _pick(rng, vocab.ART_STYLES),
        "palette": palette,
    }


def _signature(spec: dict) -> tuple:
    return tuple(",".join(spec[a]) if a == "accessories" else spec[a]
                 for a in vocab.VISIBLE_ATTRIBUTES)


def visible_distance(a: dict, b: dict) -> int:
    """How many visible attributes two identities differ in."""
    return sum(x != y for x, y in zip(_signature(a), _signature(b)))


def identity_name(rng: np.random.Generator) -> str:
    parts = rng.choice(vocab.NAME_SYLLABLES, size=int(rng.integers(2, 4)))
    return "".join(parts).capitalize()


def identity_prompt(spec: dict) -> str:
    """The persistent identity block of every prompt that shows this character."""
    hair = ("no hair" if spec["hair_style"] == "bald"
            else f"{spec['hair_color']} {spec['hair_style'].replace('_', ' ')} hair")
    outfit = f"a {PATTERN_WORDS[spec['pattern']]}{spec['top_color']} {spec['top']}"
    if spec["bottom"]:
        outfit += f", {spec['bottom_color']} {spec['bottom']}"
    outfit += f" and {spec['shoes_color']} {spec['shoes']}"
    acc = (", wearing " + " and ".join(f"a {spec['accessory_color']} {a.replace('_', ' ')}"
                                       for a in spec["accessories"])) if spec["accessories"] else ""
    return (f"{spec['name']}, a {spec['height']} {spec['build']} {spec['species']} character "
            f"with {spec['covering_color']} {vocab.SPECIES[spec['species']]['covering']}, "
            f"{hair}, {spec['eye_color']} eyes, {outfit}{acc}; "
            f"{spec['art_style'].replace('_', ' ')} style, {spec['palette']} palette")


def sample_characters(count: int, seed: int, min_distance: int) -> list[dict]:
    """`count` identities, pairwise at least `min_distance` visible attributes apart."""
    bound = largest_feasible_count(min_distance)
    if count > bound:
        raise InfeasibleCount(
            f"characters.count={count} is infeasible at characters.min_distance={min_distance}: "
            f"the attribute space holds at most {bound} such identities")
    accepted: list[tuple] = []
    chars: list[dict] = []
    codes = np.empty((count, len(vocab.VISIBLE_ATTRIBUTES)), dtype=object)
    for i in range(count):
        cid = character_id(i + 1)
        rng = rng_for(seed, "characters", cid)
        for _ in range(MAX_TRIES):
            spec = sample_spec(rng)
            sig = _signature(spec)
            if not accepted or (codes[:i] != np.array(sig, dtype=object)).sum(axis=1).min() >= min_distance:
                break
        else:
            raise InfeasibleCount(
                f"characters.count={count} is infeasible at characters.min_distance={min_distance}: "
                f"no identity {min_distance} attributes away from the first {i} was found in "
                f"{MAX_TRIES} draws; the largest feasible count for this seed is {i}")
        codes[i] = sig
        accepted.append(sig)
        spec["name"] = identity_name(rng)
        spec = {"character_id": cid, **spec}
        spec["identity_prompt"] = identity_prompt(spec)
        chars.append(spec)
    return chars
