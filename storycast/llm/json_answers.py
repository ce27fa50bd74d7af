"""JSON out of a chat model's text: fenced blocks, leading and trailing prose; clear errors otherwise.

Nothing is repaired: an answer that is not valid JSON raises `AnswerError` with a message that a
model can act on (it is fed back to it verbatim), e.g. "trailing comma before '}' at line 3".
"""
from __future__ import annotations

import json
import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\r?\n?(.*?)(?:```|\Z)", re.DOTALL)
_EXCERPT = 60


class AnswerError(ValueError):
    """A model answer that cannot be used (not JSON, wrong shape, or rejected by a validator)."""


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _explain(err: json.JSONDecodeError, text: str) -> str:
    pos, before = err.pos, text[:err.pos].rstrip()
    where = f"line {err.lineno} column {err.colno}"
    if pos >= len(text.rstrip()):
        return f"the JSON ends early at {where} (the answer was cut off, or a bracket is missing)"
    here = text[pos]
    if before.endswith(",") and here in "}]":
        return f"trailing comma before '{here}' at {where} (JSON allows none: remove it)"
    if here == "'":
        return f"single-quoted string at {where} (JSON strings and keys need double quotes)"
    if err.msg.startswith("Expecting property name"):
        return f"expected a double-quoted key at {where}"
    near = text[pos:pos + 20].replace("\n", " ")
    return f"invalid JSON at {where}: {err.msg} near {near!r}"


def _decode(fragment: str):
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    value, end = decoder.raw_decode(fragment)
    return value, fragment[end:]


def _candidates(text: str) -> list[str]:
    """Where the JSON may be: fenced blocks first, else the text from the first '{' or '['."""
    fenced = [body.strip() for lang, body in _FENCE.findall(text) if lang.lower() in ("", "json", "jsonc")]
    if fenced:
        return fenced
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    return [text[min(starts):]] if starts else []


def extract_json(text: str, expect: type = dict):
    """The JSON value in a model's answer; raise `AnswerError` naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise AnswerError("the answer is empty; reply with a JSON object")
    candidates = _candidates(text)
    if not candidates:
        excerpt = text.strip()[:_EXCERPT]
        raise AnswerError(f"no JSON found in the answer (it starts {excerpt!r}); "
                          f"reply with a JSON object only")
    first_error = None
    for fragment in candidates:
        try:
            value, _rest = _decode(fragment)
        except json.JSONDecodeError as err:
            first_error = first_error or _explain(err, fragment)
            continue
        except ValueError as err:
            first_error = first_error or str(err)
            continue
        if expect is not None and not isinstance(value, expect):
            noun = {dict: "an object", list: "a list"}.get(expect, expect.__name__)
            first_error = first_error or f"expected {noun} at the top level, got {type(value).__name__}"
            continue
        return value
    raise AnswerError(first_error)
