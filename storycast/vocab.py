"""Closed vocabularies shared by every stage: the single source of class ids.

Planner, controls, renderer and judge all speak in these ids; a value outside them is an error,
never silently mapped. Colours are sRGB hex so the renderer and the judge agree on them.
"""
from __future__ import annotations

# ---------------------------------------------------------------- transient control classes
# 28 pose classes (canonical skeletons live in storycast.skeleton).
POSES: tuple[str, ...] = (
    "standing", "walking", "running", "jumping", "sitting", "kneeling", "crouching",
    "lying_down", "waving", "pointing", "arms_crossed", "hands_on_hips", "reaching_up",
    "carrying", "pushing", "climbing", "dancing", "fighting_stance", "kicking", "throwing",
    "hugging", "bowing", "thinking", "cheering", "holding_object", "leaning", "sneaking",
    "falling",
)

# 12 expression classes.
EXPRESSIONS: tuple[str, ...] = (
    "neutral", "happy", "sad", "angry", "surprised", "scared", "disgusted", "laughing",
    "crying", "determined", "confused", "sleepy",
)

# Facing of a character relative to the camera.
FACINGS: tuple[str, ...] = ("front", "left", "right", "back")

# ---------------------------------------------------------------- composition
# Shot type -> height of a standing character as a fraction of the frame height.
SHOT_TYPES: dict[str, float] = {
    "extreme_wide": 0.28,
    "wide": 0.42,
    "full": 0.70,
    "medium": 1.15,
    "medium_close": 1.6,
    "close_up": 2.4,
}
CAMERA_ANGLES: tuple[str, ...] = ("eye_level", "low_angle", "high_angle", "dutch_tilt")
# A dutch-tilt frame is rotated by this many degrees (counter-clockwise) about its centre: the
# controls stage rotates the skeletons, the renderer the background, so the two always agree.
DUTCH_TILT_DEG = 10.0

# ---------------------------------------------------------------- scene
ART_STYLES: tuple[str, ...] = (
    "flat_vector", "outlined_cel", "pastel", "ink", "pixel_art", "painterly",
)
LIGHTINGS: tuple[str, ...] = ("day", "dusk", "night")

# Settings: indoor settings have walls and a floor, outdoor ones a sky and a ground.
SETTINGS: dict[str, dict] = {
    "forest": {"indoor": False, "props": ("tree", "bush", "mushroom", "log")},
    "beach": {"indoor": False, "props": ("palm", "shell", "umbrella", "wave")},
    "city_street": {"indoor": False, "props": ("building", "lamp_post", "bench", "sign")},
    "castle_hall": {"indoor": True, "props": ("banner", "torch", "pillar", "throne")},
    "classroom": {"indoor": True, "props": ("desk", "blackboard", "window", "bookshelf")},
    "kitchen": {"indoor": True, "props": ("stove", "table", "cupboard", "pot")},
    "mountain_pass": {"indoor": False, "props": ("mountain", "rock", "pine", "cloud")},
    "space_station": {"indoor": True, "props": ("porthole", "console", "pipe", "planet")},
    "underwater_reef": {"indoor": False, "props": ("coral", "seaweed", "bubble", "fish")},
    "desert": {"indoor": False, "props": ("dune", "cactus", "rock", "sun")},
    "snowy_village": {"indoor": False, "props": ("cottage", "snowman", "pine", "fence")},
    "market_square": {"indoor": False, "props": ("stall", "fountain", "crate", "awning")},
}

# ---------------------------------------------------------------- identity attributes
COLORS: dict[str, str] = {
    "black": "#22201f", "charcoal": "#3d3f45", "gray": "#8a8d93", "silver": "#c4c8cf",
    "white": "#f4f2ec", "cream": "#f1e3c2", "beige": "#d9c3a0", "tan": "#c19a6b",
    "brown": "#7a4e2d", "chestnut": "#954535", "auburn": "#a0452b", "ginger": "#d2682c",
    "blonde": "#e8c872", "golden": "#d9a520", "red": "#c9303c", "crimson": "#9e1b32",
    "orange": "#ee7f2d", "coral": "#f07f6e", "pink": "#ef8fb5", "magenta": "#c03a8f",
    "purple": "#7b4bb3", "lavender": "#b6a2e0", "navy": "#24346b", "blue": "#3a6fd1",
    "sky": "#7fc4ef", "teal": "#1f8f8a", "mint": "#9fe0c0", "green": "#3f9a45",
    "olive": "#7a7f3a", "lime": "#b5d84a", "yellow": "#f2d33c", "mustard": "#c9a227",
}

# Colours per palette: outfit colours are drawn from the character's palette, so the palette is
# a visible, checkable property of the identity.
PALETTES: dict[str, tuple[str, ...]] = {
    "warm": ("red", "orange", "mustard", "coral", "crimson", "golden", "brown"),
    "cool": ("navy", "blue", "sky", "teal", "purple", "lavender", "mint"),
    "earthy": ("olive", "brown", "tan", "beige", "green", "chestnut", "mustard"),
    "pastel": ("pink", "lavender", "mint", "sky", "cream", "coral", "yellow"),
    "vivid": ("red", "blue", "yellow", "green", "magenta", "orange", "lime"),
    "muted": ("gray", "charcoal", "olive", "navy", "beige", "silver", "teal"),
}

SPECIES: dict[str, dict] = {
    # covering: what colours the body; ears: silhouette the renderer draws; hair: has head hair.
    "human": {"covering": "skin", "ears": "round", "hair": True},
    "elf": {"covering": "skin", "ears": "pointed", "hair": True},
    "robot": {"covering": "metal", "ears": "antenna", "hair": False},
    "cat": {"covering": "fur", "ears": "cat", "hair": True},
    "fox": {"covering": "fur", "ears": "fox", "hair": True},
    "bear": {"covering": "fur", "ears": "bear", "hair": False},
    "rabbit": {"covering": "fur", "ears": "rabbit", "hair": True},
    "lizard": {"covering": "scales", "ears": "none", "hair": False},
    "owl": {"covering": "feathers", "ears": "tufts", "hair": False},
    "mouse": {"covering": "fur", "ears": "mouse", "hair": True},
}

COVERING_COLORS: dict[str, dict[str, str]] = {
    "skin": {"porcelain": "#f6d7c3", "peach": "#eac0a0", "honey": "#d7a27c",
             "caramel": "#b97d55", "bronze": "#8d5a3b", "umber": "#5e3a26"},
    "metal": {"steel": "#b8c2cc", "gunmetal": "#6d7d8c", "brass": "#d4b36a",
              "copper": "#c77b52", "slate": "#8e9aa6", "chrome": "#e0e4ea"},
    "fur": {"ginger": "#d2682c", "brown": "#7a4e2d", "white": "#f4f2ec",
            "charcoal": "#3d3f45", "tawny": "#c19a6b", "gray": "#8a8d93"},
    "scales": {"green": "#3f9a45", "teal": "#1f8f8a", "olive": "#7a7f3a",
               "lime": "#b5d84a", "gold": "#c9a227", "navy": "#24346b"},
    "feathers": {"brown": "#7a4e2d", "tawny": "#c19a6b", "snowy": "#f4f2ec",
                 "gray": "#8a8d93", "sand": "#d9c3a0", "sooty": "#3d3f45"},
}

BUILDS: tuple[str, ...] = ("slim", "average", "sturdy", "round")
HEIGHTS: dict[str, float] = {"short": 0.86, "medium": 0.94, "tall": 1.0}
HAIR_STYLES: tuple[str, ...] = (
    "short", "long", "ponytail", "bun", "curly", "spiky", "braids", "bob", "mohawk",
    "twin_tails", "wavy", "bald",
)
HAIR_COLORS: tuple[str, ...] = (
    "black", "brown", "chestnut", "auburn", "ginger", "blonde", "white", "silver", "pink",
    "blue", "purple", "green",
)
EYE_COLORS: tuple[str, ...] = ("brown", "blue", "green", "gray", "golden", "purple", "red", "teal")
TOPS: tuple[str, ...] = (
    "tshirt", "hoodie", "tunic", "jacket", "dress", "robe", "armor", "sweater", "overalls", "vest",
)
# Tops that cover the legs: no separate bottom garment is drawn or sampled.
FULL_LENGTH_TOPS: frozenset[str] = frozenset({"dress", "robe"})
BOTTOMS: tuple[str, ...] = ("trousers", "shorts", "skirt", "leggings")
SHOES: tuple[str, ...] = ("boots", "sneakers", "sandals", "slippers", "clogs")
PATTERNS: tuple[str, ...] = ("plain", "striped", "dotted", "checked", "zigzag", "stars")
ACCESSORIES: tuple[str, ...] = (
    "glasses", "round_hat", "cap", "scarf", "backpack", "hair_bow", "cape", "headband",
    "crown", "satchel", "bowtie", "goggles",
)

# The visible attributes that count for the identity distance (characters.min_distance).
VISIBLE_ATTRIBUTES: tuple[str, ...] = (
    "species", "build", "height", "covering_color", "hair_style", "hair_color", "eye_color",
    "top", "top_color", "pattern", "bottom", "bottom_color", "shoes", "accessories",
    "art_style", "palette",
)

NAME_SYLLABLES: tuple[str, ...] = (
    "ka", "lo", "mi", "ra", "to", "vi", "sa", "ne", "po", "lu", "da", "ri", "fen", "mar",
    "bel", "tor", "wyn", "zel", "ori", "ash", "bri", "cal", "dor", "eli", "fay", "gus", "hal",
    "ivy", "jun", "kit", "lin", "mo", "nia", "oz", "pip", "qui", "ros", "sky", "tam", "uma",
)


def check_member(value: str, vocab, what: str) -> str:
    """Return `value` if it is in `vocab`, else raise naming the vocabulary and the bad value."""
    if value not in vocab:
        raise ValueError(f"unknown {what} {value!r}; expected one of: {', '.join(vocab)}")
    return value
