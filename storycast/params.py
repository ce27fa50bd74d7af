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
            "strs": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "bool": isinstance(value, bool),
            "floats": isinstance(value, list) and bool(value) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value),
        }[self.kind]
        if not ok:
            noun = {"int": "an integer", "float": "a number", "str": "a string", "strs": "a list of strings",
                    "bool": "true or false",
                    "floats": "a non-empty list of numbers"}[self.kind]
            raise ParamsError(f"params.yaml: {key} must be {noun}, got {value!r}")
        for v in value if self.kind == "floats" else [] if self.kind == "strs" else [value]:
            if self.low is not None and v < self.low or self.high is not None and v > self.high:
                raise ParamsError(f"params.yaml: {key}={value!r} is out of range "
                                  f"[{self.low}, {self.high}]")
        if self.choices is not None and value not in self.choices:
            raise ParamsError(f"params.yaml: {key}={value!r} is not one of {', '.join(self.choices)}")
        return float(value) if self.kind == "float" else value


PLANNERS = ("template", "transformers", "openai")
EXECUTORS = ("local",)
RENDERERS = ("procedural", "diffusers")
EDITORS = ("renderer", "inpaint")
JUDGES = ("measured", "transformers", "openai")
TUNERS = ("rules", "transformers", "openai")
SCHEDULERS = ("default", "ddim", "euler", "euler_a", "dpmpp_2m", "unipc")
DTYPES = ("float32", "float16", "bfloat16")

# Shared shapes of the model-backend sections (the backends check the same ranges again).
_RUNTIME = {"dtype": Param("str", choices=DTYPES), "device": Param("str"), "compile": Param("bool"),
            "trust_remote_code": Param("bool"), "cpu_threads": Param("int", 0, 1024)}
_DIFFUSION = {"pipeline": Param("str", choices=("sd", "sdxl")), "model": Param("str"), "revision": Param("str"),
              "variant": Param("str"), "steps": Param("int", 1, 500), "guidance": Param("float", 0.0, 50.0),
              "scheduler": Param("str", choices=SCHEDULERS), "negative_prompt": Param("str"), **_RUNTIME}
_CHAT_TRANSFORMERS = {
    "model": Param("str"), "revision": Param("str"), "dtype": Param("str", choices=("auto", *DTYPES)),
    "device": Param("str"), "max_new_tokens": Param("int", 1, 131_072), "temperature": Param("float", 0.0, 10.0),
    "top_p": Param("float", 0.0, 1.0), "trust_remote_code": Param("bool"), "cpu_threads": Param("int", 0, 1024),
    "max_retries": Param("int", 0, 20),
}
_CHAT_OPENAI = {
    "max_retries": Param("int", 0, 20), "base_url": Param("str"), "model": Param("str"), "api_key_env": Param("str"),
    "timeout_s": Param("float", 0.1, 3600.0), "http_retries": Param("int", 0, 20),
    "backoff_s": Param("float", 0.0, 600.0), "backoff_max_s": Param("float", 0.0, 3600.0),
    "max_concurrency": Param("int", 1, 1024), "temperature": Param("float", 0.0, 10.0),
    "max_tokens": Param("int", 1, 131_072), "json_mode": Param("bool"),
}

# A VLM judge's own keys on top of its chat client's; a prompt tuner's likewise.
_JUDGE = {"max_image_px": Param("int", 0, 8192), "box_units": Param("str", choices=("pixels", "per_mille"))}
_TUNER = {"max_chars": Param("int", 200, 100_000)}

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
        "transformers": _CHAT_TRANSFORMERS,
        "openai": _CHAT_OPENAI,
    },
    "controls": {
        "width": Param("int", 64, 4096),
        "height": Param("int", 64, 4096),
        "pose_jitter_deg": Param("float", 0.0, 30.0),
        "position_jitter": Param("float", 0.0, 0.25),
        "back_facing_rate": Param("float", 0.0, 1.0),
    },
    "templates": {
        "size": Param("int", 64, 4096),
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
        "diffusers": {
            **_DIFFUSION, "controlnet": Param("str"), "controlnet_revision": Param("str"),
            "controlnet_scale": Param("float", 0.0, 5.0), "batch_size": Param("int", 1, 256),
            "ip_adapter": Param("str"), "ip_adapter_revision": Param("str"), "ip_adapter_subfolder": Param("str"),
            "ip_adapter_weight": Param("str"), "ip_adapter_image_encoder": Param("str"),
            "ip_adapter_scale": Param("float", 0.0, 5.0),
        },
    },
    "editor": {
        "backend": Param("str", choices=EDITORS),
        "inpaint": {**_DIFFUSION, "strength": Param("float", 0.01, 1.0)},
    },
    "qc": {
        "judge": Param("str", choices=JUDGES),
        "judge_transformers": {**_CHAT_TRANSFORMERS, **_JUDGE},
        "judge_openai": {**_CHAT_OPENAI, **_JUDGE},
        "prompt_tuner": Param("str", choices=TUNERS),
        "tuner_transformers": {**_CHAT_TRANSFORMERS, **_TUNER},
        "tuner_openai": {**_CHAT_OPENAI, **_TUNER},
        "thresholds": {check: Param("float", 0.0, 1.0)
                       for check in ("identity", "pose", "expression", "visibility", "in_frame", "sanity")},
        "max_rounds": Param("int", 0, 10),
        "repair_order": Param("strs"),
        "local_checks": Param("strs"),
        "zoom": Param("float", 0.3, 1.0),
        "story_check": Param("bool"),
        "fault_rate": Param("float", 0.0, 1.0),
        "faults": Param("strs"),
        "retrieval_crops": Param("int", 0, 1_000_000),
    },
    "release": {
        "version": Param("str"),
        "test_fraction": Param("float", 0.01, 0.5),
        "max_shard_mb": Param("int", 1, 4096),
        "include_failed": Param("bool"),
        "license": Param("str"),
        "storyboards": Param("int", 0, 20),
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


def keys_read(key: str, spec: Any = None) -> list[str]:
    """The dotted leaf keys under `key` (a section, a sub-section or a leaf): what dvc.yaml lists."""
    rule = spec
    if rule is None:
        rule = SPEC
        for part in key.split("."):
            if not isinstance(rule, dict) or part not in rule:
                raise KeyError(f"params key {key!r} is not declared in storycast/params.py")
            rule = rule[part]
    if not isinstance(rule, dict):
        return [key]
    return [leaf for k, sub in rule.items() for leaf in keys_read(f"{key}.{k}", sub)]
