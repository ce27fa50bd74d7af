"""Stage `review`: apply expert verdicts and the unreviewed policy; the approved cast pool."""
from collections import Counter

from storycast.review import apply_review, read_verdicts
from storycast.stage import run_stage, write_metrics
from storycast.tables import load_schema, read_rows, write_rows

IN = "data/characters/characters.parquet"
OUT = "data/review/characters.parquet"


def review(params: dict) -> None:
    p = params["review"]
    chars = read_rows(IN, load_schema("characters"))
    verdicts = read_verdicts(p["verdicts"], {c["character_id"] for c in chars})
    reviewed = apply_review(chars, verdicts, p["unreviewed"])
    write_rows(reviewed, OUT, load_schema("review"))
    write_metrics("review", {
        "characters": len(reviewed),
        "status": dict(sorted(Counter(c["review_status"] for c in reviewed).items())),
        "source": dict(sorted(Counter(c["review_source"] for c in reviewed).items())),
        "approved": sum(c["review_status"] == "approved" for c in reviewed),
    })


if __name__ == "__main__":
    run_stage("review", review)
