"""Judges of the quality-gated loop. `make_judge(name, thresholds, **settings)` builds one by name.

`measured` (embedded): pixels and the control spec only. `transformers` (a local vision-language
model) and `openai` (any OpenAI-compatible vision endpoint) score from a rubric prompt and turn the
model's JSON answer into a `Judgement` with `parse_judgement` (`storycast.judges.vlm`); their
settings are the params sub-sections `qc.judge_transformers` / `qc.judge_openai`. A new judge
implements the `Judge` protocol and is added to JUDGES with its module and class.
"""
from __future__ import annotations

import importlib

from storycast.errors import StorycastError
from storycast.judges.base import (
    CHECKS,
    Judge,
    JudgeAnswerError,
    Judgement,
    JudgeRequest,
    Region,
    error_judgement,
    parse_judgement,
)

__all__ = ["CHECKS", "JUDGES", "Judge", "JudgeAnswerError", "JudgeRequest", "Judgement", "Region",
           "error_judgement", "make_judge", "parse_judgement"]

JUDGES = {"measured": ("storycast.judges.measured", "MeasuredJudge"),
          "transformers": ("storycast.judges.vlm", "TransformersJudge"),
          "openai": ("storycast.judges.vlm", "OpenAIJudge")}


def make_judge(name: str, thresholds: dict[str, float], **knobs) -> Judge:
    """The judge called `name` (`qc.judge`), failing on the checks' `thresholds` (`qc.thresholds`);
    `knobs` are its own settings (`qc.judge_<name>`)."""
    if name not in JUDGES:
        raise StorycastError(f"unknown qc.judge {name!r}; expected one of {', '.join(JUDGES)}")
    missing = [c for c in CHECKS if c not in thresholds]
    if missing:
        raise StorycastError(f"qc.thresholds is missing {', '.join(missing)}")
    module, cls = JUDGES[name]
    return getattr(importlib.import_module(module), cls)(thresholds=dict(thresholds), **knobs)
