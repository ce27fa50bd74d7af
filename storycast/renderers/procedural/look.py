"""A character's appearance, derived from its identity spec only (never from a frame's seed).

Everything that makes a character recognisable (colours, body proportions, which side a ponytail
falls to) is a pure function of the spec, so the same identity looks the same in every frame.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from storycast import vocab
from storycast.renderers.procedural.canvas import RGB, darker, hex_rgb, lighter, mix

BUILD_WIDTH = {"slim": 0.82, "average": 1.0, "sturdy": 1.2, "round": 1.22}
BUILD_LIMB = {"slim": 0.82, "average": 1.0, "sturdy": 1.22, "round": 1.12}
BUILD_BELLY = {"slim": 0.92, "average": 1.0, "sturdy": 1.05, "round": 1.42}
LONG_SLEEVES = {"hoodie", "jacket", "sweater", "robe", "armor"}
SHORT_SLEEVES = {"tshirt", "dress", "tunic"}
MUZZLE = {"cat", "fox", "bear", "mouse", "rabbit"}
INNER_EAR: RGB = (238, 160, 170)


@dataclass(frozen=True)
class Look:
    cid: str
    species: str
    covering: str
    skin: RGB            # covering colour
    skin_light: RGB      # muzzle / belly / inner parts
    hair_style: str
    hair: RGB
    brow: RGB
    eye: RGB
    top: str
    top_c: RGB
    pattern: str
    bottom: str
    bottom_c: RGB
    shoes: str
    shoes_c: RGB
    accessories: tuple[str, ...]
    acc_c: RGB
    build: str
    width: float         # torso width factor
    limb: float          # limb thickness factor
    belly: float         # waist bulge factor
    flip: int            # +1 / -1: which side asymmetric details go (from the id, stable)
    ears: str


APPEARANCE_FIELDS = ("character_id", "species", "covering_color", "hair_style", "hair_color", "eye_color",
                     "top", "top_color", "pattern", "bottom", "bottom_color", "shoes", "shoes_color",
                     "accessories", "accessory_color", "build", "height")


def spec_key(spec: dict) -> tuple:
    """The hashable appearance part of a spec (extra columns such as review notes are ignored)."""
    out = []
    for k in APPEARANCE_FIELDS:
        v = spec.get(k)
        if k == "accessories":
            v = tuple(str(a) for a in (v if v is not None else ()))
        else:
            v = "" if v is None else str(v)
        out.append((k, v))
    return tuple(out)


def look_of(spec: dict) -> Look:
    return _look(spec_key(spec))


@lru_cache(maxsize=4096)
def _look(key: tuple) -> Look:
    spec = dict(key)
    species = spec["species"]
    info = vocab.SPECIES[species]
    covering = info["covering"]
    skin = hex_rgb(vocab.COVERING_COLORS[covering][spec["covering_color"]])
    if covering == "fur" or covering == "feathers":
        skin_light = mix(skin, (250, 244, 232), 0.6)
    elif covering == "scales":
        skin_light = mix(skin, (240, 230, 170), 0.45)
    elif covering == "metal":
        skin_light = darker(skin, 0.55)
    else:
        skin_light = lighter(skin, 0.2)
    hair = hex_rgb(vocab.COLORS[spec["hair_color"]]) if spec.get("hair_color") else skin
    brow_base = hair if spec.get("hair_color") else skin
    brow = darker(brow_base, 0.55) if sum(brow_base) > 200 else mix(brow_base, (0, 0, 0), 0.3)
    if covering == "metal":
        brow = (40, 44, 52)
    top_c = hex_rgb(vocab.COLORS[spec["top_color"]])
    bottom_c = hex_rgb(vocab.COLORS[spec["bottom_color"]]) if spec.get("bottom_color") else top_c
    acc = spec.get("accessory_color") or spec["top_color"]
    digest = hashlib.blake2b(str(spec.get("character_id", "")).encode(), digest_size=2).digest()
    return Look(
        cid=str(spec.get("character_id", "")), species=species, covering=covering, skin=skin,
        skin_light=skin_light, hair_style=spec["hair_style"], hair=hair, brow=brow,
        eye=hex_rgb(vocab.COLORS[spec["eye_color"]]), top=spec["top"], top_c=top_c,
        pattern=spec["pattern"], bottom=spec.get("bottom") or "", bottom_c=bottom_c,
        shoes=spec["shoes"], shoes_c=hex_rgb(vocab.COLORS[spec["shoes_color"]]),
        accessories=tuple(spec.get("accessories") or ()), acc_c=hex_rgb(vocab.COLORS[acc]),
        build=spec["build"], width=BUILD_WIDTH[spec["build"]], limb=BUILD_LIMB[spec["build"]],
        belly=BUILD_BELLY[spec["build"]], flip=1 if digest[0] % 2 else -1, ears=info["ears"],
    )
