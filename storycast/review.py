"""The human-in-the-loop gate: expert verdicts on character templates, plus a declared policy.

Verdicts live in a git-tracked CSV (character_id, verdict, reviewer, note). Every malformed row is
an error naming the file and line; nothing is guessed. Characters without a verdict are decided by
`review.unreviewed` and marked as such, so an expert decision and a policy default never look alike.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from storycast.errors import StorycastError

HEADER = ("character_id", "verdict", "reviewer", "note")
VERDICTS = {"approved", "rejected"}


class ReviewError(StorycastError):
    """The verdict file is malformed."""


@dataclass(frozen=True)
class Verdict:
    character_id: str
    verdict: str
    reviewer: str
    note: str
    line: int


def read_verdicts(path: str | Path, known_ids: set[str]) -> dict[str, Verdict]:
    """Parse and check the verdict file; keyed by character id."""
    path = Path(path)
    if not path.exists():
        raise ReviewError(f"{path}: verdict file not found (review.verdicts)")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or tuple(c.strip() for c in rows[0]) != HEADER:
        got = ",".join(rows[0]) if rows else "an empty file"
        raise ReviewError(f"{path}:1: expected the header {','.join(HEADER)}, got {got}")
    verdicts: dict[str, Verdict] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(HEADER):
            raise ReviewError(f"{path}:{line}: expected {len(HEADER)} fields, got {len(row)}")
        cid, verdict, reviewer, note = (c.strip() for c in row)
        if cid not in known_ids:
            raise ReviewError(f"{path}:{line}: unknown character_id {cid!r}")
        if verdict not in VERDICTS:
            raise ReviewError(f"{path}:{line}: verdict {verdict!r} for {cid} must be approved or rejected")
        if not reviewer:
            raise ReviewError(f"{path}:{line}: verdict for {cid} has no reviewer")
        if cid in verdicts:
            raise ReviewError(f"{path}:{line}: duplicate verdict for {cid} "
                              f"(first on line {verdicts[cid].line})")
        verdicts[cid] = Verdict(cid, verdict, reviewer, note, line)
    return verdicts


def apply_review(characters: list[dict], verdicts: dict[str, Verdict], unreviewed: str) -> list[dict]:
    """Each character with its status: the expert's verdict, else the policy's."""
    policy_status = {"approve": "approved", "reject": "rejected"}[unreviewed]
    out = []
    for char in characters:
        v = verdicts.get(char["character_id"])
        out.append({
            **char,
            "review_status": v.verdict if v else policy_status,
            "review_source": "expert" if v else "policy",
            "reviewer": v.reviewer if v else "",
            "review_note": v.note if v else "",
        })
    return out
