"""The small template language of the template planner, and its seeded dice.

A template is plain English with three kinds of markers:

* ``{slot}``     -- a value from the frame context (a name, the place, the story's item ...); a slot
                    whose value is a tuple picks one of its strings each time it is used;
* ``<word>``     -- a random synonym from `SYN[word]` (``<soon>`` -> "Before long"); for a verb in
                    `VERBS` the form agrees with ``{grp}`` (``<walk!>`` is always singular);
* ``[pl|sg]``    -- verb agreement with the group subject ``{grp}``: ``{grp} [run|runs]``.

A template starting with ``+`` needs at least two characters in the frame (as does any that uses
``{B}``). Everything random comes from one numpy Generator through `Dice`, so a story is a pure
function of its request.
"""
from __future__ import annotations

import re

import numpy as np

_TOKEN = re.compile(r"\{(\w+)\}|<(\w+)(!?)>|\[([^\]|]*)\|([^\]]*)\]")
_SENTENCE_START = re.compile(r"([.!?] )([a-z])")
_SMALL_WORDS = frozenset({"a", "an", "the", "of", "and", "in", "on", "to", "for", "at", "by", "with"})

SYN: dict[str, tuple[str, ...]] = {
    "suddenly": ("Suddenly", "All at once", "Just then", "Without warning", "Out of nowhere"),
    "soon": ("Soon", "Before long", "After a while", "A little later", "In no time"),
    "finally": ("At last", "Finally", "In the end", "After all that"),
    "quickly": ("quickly", "swiftly", "in a flash", "without wasting a moment", "as fast as can be"),
    "quietly": ("quietly", "softly", "on tiptoe", "without a sound", "as quiet as a mouse"),
    "big": ("big", "huge", "enormous", "giant", "great big"),
    "small": ("small", "tiny", "little", "teeny", "itty-bitty"),
    "strange": ("strange", "odd", "curious", "peculiar", "mysterious", "funny-looking"),
    "brave": ("brave", "bold", "fearless", "plucky", "daring"),
    "happy": ("happy", "glad", "delighted", "overjoyed", "thrilled"),
    "sad": ("sad", "gloomy", "glum", "heavy-hearted", "downhearted"),
    "shiny": ("shiny", "gleaming", "glittering", "sparkling", "glowing"),
    "careful": ("carefully", "slowly", "step by step", "very gently", "with great care"),
    "thumps": ("thumps", "pounds", "races", "flutters", "drums"),
    "grins": ("grins", "beams", "smiles", "giggles", "chuckles"),
    "wonderful": ("wonderful", "marvellous", "magical", "perfect", "splendid"),
    "tired": ("tired", "sleepy", "worn out", "weary", "dozy"),
    "worried": ("worried", "uneasy", "anxious", "nervous", "jittery"),
    "idea": ("idea", "plan", "thought", "notion", "brainwave"),
    "very": ("very", "really", "truly", "ever so", "terribly"),
}


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(v.split("/")) for v in text.split(", "))


# Verbs with a plural and a singular form: <walk> agrees with {grp}, <walk!> is always singular.
VERBS: dict[str, tuple[tuple[str, str], ...]] = {
    "walk": _pairs("walk/walks, stroll/strolls, trudge/trudges, tramp/tramps, wander/wanders, march/marches"),
    "hurry": _pairs("hurry/hurries, rush/rushes, dash/dashes, scurry/scurries, race/races, scamper/scampers"),
    "look": _pairs("look/looks, peer/peers, peek/peeks, gaze/gazes, stare/stares"),
    "spot": _pairs("spot/spots, notice/notices, see/sees, glimpse/glimpses, catch sight of/catches sight of"),
    "find": _pairs("find/finds, discover/discovers, come across/comes across, stumble upon/stumbles upon"),
    "smile": _pairs("smile/smiles, grin/grins, beam/beams"),
    "laugh": _pairs("laugh/laughs, giggle/giggles, chuckle/chuckles, hoot/hoots"),
    "cheer": _pairs("cheer/cheers, whoop/whoops, clap/claps, shout for joy/shouts for joy"),
    "work": _pairs("work/works, tinker/tinkers, toil/toils"),
    "creep": _pairs("creep/creeps, tiptoe/tiptoes, sneak/sneaks, slink/slinks"),
    "think": _pairs("think/thinks, wonder/wonders, ponder/ponders"),
    "stop": _pairs("stop/stops, pause/pauses, halt/halts, freeze/freezes"),
    "whisper": _pairs("whisper/whispers, murmur/murmurs, mutter/mutters"),
    "shiver": _pairs("shiver/shivers, tremble/trembles, shake/shakes, quiver/quivers"),
    "grab": _pairs("grab/grabs, seize/seizes, snatch/snatches, catch/catches"),
    "climb": _pairs("climb/climbs, scramble/scrambles, clamber/clambers"),
    "sigh": _pairs("sigh/sighs, sniffle/sniffles, groan/groans"),
}

# Made-up names for places and offstage people, so every story has its own proper nouns.
_PREFIXES = ("Moss", "Pine", "Brook", "Star", "Amber", "Willow", "Fern", "Honey", "Copper", "Silver",
             "Maple", "Thistle", "Bramble", "Clover", "Misty", "Sunny", "Rose", "Apple", "Pebble", "Acorn",
             "Berry", "Otter", "Wren", "Robin", "Lark", "Hazel", "Cinder", "Frost", "Dew", "Button",
             "Juniper", "Heather", "Poppy", "Nettle", "Puddle", "Tumble", "Whistle", "Marble", "Ginger",
             "Plum")
_SUFFIXES = ("wick", "bury", "dale", "ford", "hollow", "brook", "field", "ton", "mere", "haven", "stead",
             "moor", "crest", "vale", "worth", "combe", "ridge", "glen")
_SYLLABLES = ("bel", "mor", "lin", "dell", "ash", "tor", "fen", "bram", "wyn", "cor", "mi", "zan", "oth",
              "ril", "pen", "dor", "el", "ka", "lo", "tha", "vin", "quil", "ber", "nim", "sol", "tam", "ro",
              "sul", "var", "ollo", "pim", "bo", "tuck", "fiz", "gan", "wil", "dri", "nob", "ul", "ra")


def made_up_name(dice: Dice) -> str:
    """'Mossbury' or 'Zanoth': a proper noun for a place or an offstage person."""
    if dice.chance(0.3):
        return dice.pick(_PREFIXES) + dice.pick(_SUFFIXES)
    parts = [dice.pick(_SYLLABLES) for _ in range(2 + (dice.u() < 0.3))]
    return "".join(parts).capitalize()


class Dice:
    """Seeded choices drawn from a numpy Generator in buffered blocks (fast and reproducible)."""

    __slots__ = ("_rng", "_buf", "_i")

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._buf: list[float] = []
        self._i = 0

    def u(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._rng.random(256).tolist()
            self._i = 0
        self._i += 1
        return self._buf[self._i - 1]

    def chance(self, p: float) -> bool:
        return self.u() < p

    def pick(self, seq):
        return seq[int(self.u() * len(seq))]

    def index(self, n: int) -> int:
        return int(self.u() * n)

    def weighted(self, table: tuple[tuple, tuple[float, ...]]):
        """`table` = (values, cumulative weights ending at 1.0), as built by `cumulative`."""
        values, cum = table
        r = self.u()
        for value, c in zip(values, cum):
            if r < c:
                return value
        return values[-1]

    def sample(self, seq, k: int) -> list:
        """k distinct items of `seq` in random order."""
        pool = list(seq)
        out = []
        for _ in range(min(k, len(pool))):
            out.append(pool.pop(self.index(len(pool))))
        return out


def cumulative(weights: dict) -> tuple[tuple, tuple[float, ...]]:
    """A {value: weight} table in the form `Dice.weighted` reads."""
    values = tuple(weights)
    total = float(sum(weights.values()))
    cum, acc = [], 0.0
    for v in values:
        acc += weights[v] / total
        cum.append(acc)
    cum[-1] = 1.0
    return values, tuple(cum)


def expand(template: str, ctx: dict, dice: Dice, plural: bool) -> str:
    """Fill one template (see the module docstring) from `ctx`."""
    def sub(m: re.Match) -> str:
        slot, syn, single, pl, sg = m.groups()
        if slot is not None:
            value = ctx[slot]
            return value if isinstance(value, str) else dice.pick(value)
        if syn is not None:
            if syn in VERBS:
                return dice.pick(VERBS[syn])[0 if plural and not single else 1]
            return dice.pick(SYN[syn])
        return pl if plural else sg
    return _TOKEN.sub(sub, template)


def sentence_case(text: str) -> str:
    """Capitalise the first letter of the text and of every sentence inside it."""
    if not text:
        return text
    text = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
    return text[0].upper() + text[1:]


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def title_case(text: str) -> str:
    """Headline case; small words stay lower case (the caller capitalises a title's first letter)."""
    return " ".join(w if w in _SMALL_WORDS else w[:1].upper() + w[1:] for w in text.split(" "))


def strip_article(text: str) -> str:
    for art in ("a ", "an ", "the "):
        if text.startswith(art):
            return text[len(art):]
    return text


def needs_group(template: str) -> bool:
    return template.startswith("+") or "{B}" in template or "{X}" in template


def split_by_group(templates: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(templates usable by one character, templates usable by two or more), '+' marks removed."""
    solo = tuple(t for t in templates if not needs_group(t))
    group = tuple(t.lstrip("+") for t in templates)
    return solo, group
