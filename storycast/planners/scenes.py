"""Words about what is seen: character descriptions from their specs, and scene text per shot.

The scene text of a frame says where we are, in what light, and what each character in it does;
the first time a character appears (and now and then after) it also names what the character
visibly is and wears, so the text agrees with the identity that will be drawn.
"""
from __future__ import annotations

from storycast.planners.grammar import Dice, expand, sentence_case

SCENE_OPEN: dict[str, tuple[str, ...]] = {
    "extreme_wide": ("A sweeping view of {place} {light}: {looks}.",
                     "Far and wide, {place} stretches out {light}: {looks}."),
    "wide": ("A wide view of {place} {light}: {looks}.", "{place} {light}: {looks}."),
    "full": ("{place} {light}: {looks}.", "In {place} {light}, beside {prop}."),
    "medium": ("In {place} {light}, near {prop}.", "{place} {light}, with {prop} close by."),
    "medium_close": ("A closer view in {place} {light}, {prop} just behind.",
                     "In {place} {light}, with {prop} in the background."),
    "close_up": ("A close-up of {A} in {place} {light}.", "Close on {A}'s face {light}, in {place}."),
}
_PATTERN_WORD = {"plain": "", "striped": "striped ", "dotted": "polka-dot ", "checked": "checked ",
                 "zigzag": "zigzag ", "stars": "starry "}
_TOP_WORD = {"tshirt": "T-shirt"}


def kind(spec: dict) -> str:
    """The species word used in text ('' for humans: 'Kalo', not 'Kalo the human')."""
    species = spec.get("species", "")
    return "" if species in ("", "human") else species


def describe(spec: dict) -> str:
    """'Kalo the fox' (a human is just 'Kalo')."""
    k = kind(spec)
    return f"{spec['name']} the {k}" if k else spec["name"]


def outfit(spec: dict, d: Dice) -> str:
    """'red striped hoodie': the top as drawn (colour, sometimes the pattern)."""
    pattern = _PATTERN_WORD.get(spec.get("pattern", "plain"), "") if d.chance(0.5) else ""
    top = _TOP_WORD.get(spec.get("top", ""), spec.get("top") or "outfit")
    return f"{spec.get('top_color', '')} {pattern}{top}".strip()


def look(spec: dict, d: Dice) -> str:
    """An appositive naming what the character visibly is and wears: 'the fox in the red hoodie'."""
    acc = spec.get("accessories")
    acc = list(acc) if acc is not None else []
    if acc and d.chance(0.4):
        colour = spec.get("accessory_color", "")
        wear = f"with the {colour} {d.pick(acc).replace('_', ' ')}".replace("  ", " ")
    else:
        wear = f"in the {outfit(spec, d)}"
    k = kind(spec)
    return f"the {k} {wear}" if k else wear


def scene_text(shot: str, present: list, chars: list[dict], ctx: dict, d: Dice, introduced: set) -> str:
    """Two sentences: the place and light framed by the shot, then who does what."""
    opening = sentence_case(expand(d.pick(SCENE_OPEN[shot]), ctx, d, False))
    parts = []
    for (spec, _, _), ch in zip(present, chars):
        name = spec["name"]
        if spec["character_id"] not in introduced or d.chance(0.2):
            introduced.add(spec["character_id"])
            name = f"{name}, {look(spec, d)},"
        parts.append(f"{name} {ch['action']}")
    if len(parts) == 1:
        body = parts[0]
    elif len(parts) == 2:
        body = f"{parts[0]} while {parts[1]}" if d.chance(0.5) else f"{parts[0]}, and {parts[1]}"
    elif any("," in p for p in parts):
        body = "; ".join(parts[:-1]) + "; and " + parts[-1]
    else:
        body = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{opening} {body.replace(',,', ',')}."
