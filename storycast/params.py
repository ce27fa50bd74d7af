"""params.yaml: its declared keys, their types and ranges, and strict loading.

Every key a stage may read is declared here once; an unknown key, a missing key or a value of the
wrong type is an error naming the dotted key, never a silent default. The keys a stage reads are
exactly what `dvc.yaml` lists as that stage's params (a test holds the two together).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from storycast.errors import StorycastError


class ParamsError(StorycastError):
    """params.yaml is malformed."""


@dataclass(frozen=True)
class Param:
    kind: str  # int | float | str | bool | floats
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def check(self, key: str, value: Any) -> Any:
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, (int, float)) and not isinstance(value, bool),
            "str": isinstance(value, str),
            "bool": isinstance(value, bool),
            "floats": isinstance(value, list) and bool(value) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value),
        }[self.kind]
        if not ok:
            noun = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false",
                    "floats": "a non-empty list of numbers"}[self.kind]
            raise ParamsError(f"params.yaml: {key} must be {noun}, got {value!r}")
        for v in value if self.kind == "floats" else [value]:
            if self.low is not None and v < self.low or self.high is not None and v > self.high:
                raise ParamsError(f"params.yaml: {key}={value!r} is out of range "
                                  f"[{self.low}, {self.high}]")
        if self.choices is not None and value not in self.choices:
            raise ParamsError(f"params.yaml: {key}={value!r} is not one of {', '.join(self.choices)}")
        return float(value) if self.kind == "float" else value


PLANNERS = ("template",)
EXECUTORS = ("local",)
RENDERERS = ("procedural",)

SPEC: dict[str, Any] = {
    "seed": Param("int", 0, 2**63 - 1),
    "characters": {
        "count": Param("int", 1, 1_000_000),
        "min_distance": Param("int", 1, 16),
    },
    "review": {
        "verdicts": Param("str"),
        "unreviewed": Param("str", choices=("approve", "reject")),
    },
    "stories": {
        "count": Param("int", 1, 10_000_000),
        "planner": Param("str", choices=PLANNERS),
        "frames_min": Param("int", 1, 64),
        "frames_max": Param("int", 1, 64),
        "cast_weights": Param("floats", 0.0, 1.0),
        "shard_size": Param("int", 1, 100_000),
    },
    "controls": {
        "width": Param("int", 64, 4096),
        "height": Param("int", 64, 4096),
        "pose_jitter_deg": Param("float", 0.0, 30.0),
        "position_jitter": Param("float", 0.0, 0.25),
        "back_facing_rate": Param("float", 0.0, 1.0),
    },
    "templates": {
        "size": Param("int", 256, 4096),
        "shard_size": Param("int", 1, 10_000),
    },
    "renderer": {
        "backend": Param("str", choices=RENDERERS),
        "procedural": {
            "supersample": Param("int", 1, 4),
            "outline_px": Param("float", 0.0, 8.0),
            "cel_strength": Param("float", 0.0, 1.0),
            "texture_strength": Param("float", 0.0, 1.0),
            "hatch_spacing": Param("float", 2.0, 16.0),
            "pixel_size": Param("int", 1, 16),
            "pixel_colors": Param("int", 2, 256),
            "pastel_amount": Param("float", 0.0, 1.0),
            "background_blur": Param("float", 0.0, 4.0),
        },
    },
    "executor": {
        "kind": Param("str", choices=EXECUTORS),
        "workers": Param("int", 0, 1024),
    },
}


def validate(doc: Any, spec: dict = SPEC, prefix: str = "") -> dict:
    """Check a parsed params document against SPEC, key by key; return it unchanged but typed."""
    if not isinstance(doc, dict):
        raise ParamsError(f"params.yaml: {prefix.rstrip('.') or 'the file'} must be a mapping")
    unknown = sorted(set(doc) - set(spec))
    if unknown:
        raise ParamsError(f"params.yaml: unknown key {prefix}{unknown[0]} "
                          f"(known: {', '.join(prefix + k for k in spec)})")
    out = {}
    for key, rule in spec.items():
        dotted = prefix + key
        if key not in doc:
            raise ParamsError(f"params.yaml: missing key {dotted}")
        if isinstance(rule, dict):
            out[key] = validate(doc[key], rule, dotted + ".")
        else:
            out[key] = rule.check(dotted, doc[key])
    return out


def load(path: str | Path = "params.yaml") -> dict:
    """Load and validate the whole params file."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path} not found: run from the repository root")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None
    return validate(doc)


def keys_read(section: str, spec: Any = None) -> list[str]:
    """The dotted params keys of one section (what dvc.yaml must list for the stage)."""
    rule = SPEC[section] if spec is None else spec
    if not isinstance(rule, dict):
        return [section]
    return [key for k, sub in rule.items() for key in keys_read(f"{section}.{k}", sub)]
