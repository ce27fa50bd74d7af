"""Stage `characters`: sample the unique identity specs."""
from collections import Counter

from storycast.characters import largest_feasible_count, sample_characters
from storycast.stage import run_stage, write_metrics
from storycast.tables import load_schema, write_rows

OUT = "data/characters/characters.parquet"


def characters(params: dict) -> None:
    p = params["characters"]
    chars = sample_characters(p["count"], params["seed"], p["min_distance"])
    write_rows(chars, OUT, load_schema("characters"))
    write_metrics("characters", {
        "count": len(chars),
        "min_distance": p["min_distance"],
        "attribute_space_bound": largest_feasible_count(p["min_distance"]),
        "species": dict(sorted(Counter(c["species"] for c in chars).items())),
        "art_style": dict(sorted(Counter(c["art_style"] for c in chars).items())),
    })


if __name__ == "__main__":
    run_stage("characters", characters)
