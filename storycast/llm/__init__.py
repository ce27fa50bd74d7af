"""Chat-model clients shared by the model backends (planner now; judge and prompt tuner later).

A client speaks chat messages (`[{"role": "system"|"user"|"assistant", "content": str}]`):

- `chat(messages, seed=None, max_tokens=None) -> str`: one answer (transport retries inside);
- `chat_json(messages, schema_hint=None, validate=None, retries=None, seed=None)`: a JSON answer,
  parsed and optionally validated; a rejected answer is retried with the error fed back to the
  model, and after the last retry an `AnswerError` carries every attempt's error.

Backends: `openai` (any OpenAI-compatible HTTP endpoint) and `transformers` (a local chat model).
Heavy imports (torch, transformers) happen inside the backend modules only.
"""
from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from storycast.errors import StorycastError
from storycast.llm.json_answers import AnswerError, extract_json

__all__ = ["AnswerError", "ChatClient", "JsonChat", "LLMError", "ask_json", "backend_label", "extract_json",
           "make_chat_client"]

CHAT_CLIENTS = {"openai": ("storycast.llm.openai_client", "OpenAIChatClient"),
                "transformers": ("storycast.llm.transformers_chat", "TransformersChatClient")}
FEEDBACK = ("Your previous answer was rejected: {error}\n"
            "Reply again with the complete, corrected JSON object only -- no prose, no code fence.")
ANSWER_KEEP = 12000  # characters of a rejected answer echoed back to the model


class LLMError(StorycastError):
    """The model endpoint or model could not answer at all (not a bad answer: a failed call)."""


@runtime_checkable
class ChatClient(Protocol):
    name: str
    model: str

    def chat(self, messages: list[dict], *, seed: int | None = None,
             max_tokens: int | None = None) -> str: ...


def backend_label(name: str, client=None) -> str:
    """What the tables record for a backend: `name:model` when it talks to a model, else `name`."""
    model = getattr(client, "model", "")
    return f"{name}:{model}" if model else name


def with_schema_hint(messages: list[dict], schema_hint: Any) -> list[dict]:
    """Append the expected JSON shape to the system message (or add one)."""
    hint = schema_hint if isinstance(schema_hint, str) else json.dumps(schema_hint, indent=1)
    text = f"Answer with one JSON object of this form, nothing else:\n{hint}"
    msgs = [dict(m) for m in messages]
    if msgs and msgs[0]["role"] == "system":
        msgs[0]["content"] = f"{msgs[0]['content']}\n\n{text}"
    else:
        msgs.insert(0, {"role": "system", "content": text})
    return msgs


def ask_json(client: ChatClient, messages: list[dict], *, validate: Callable[[Any], Any] | None = None,
             retries: int = 2, seed: int | None = None, schema_hint: Any = None, expect: type = dict):
    """Ask until the answer parses and `validate` accepts it; feed each error back to the model.

    `validate(value)` returns the value to use or raises `ValueError` (e.g. `PlanError`). Transport
    failures (`LLMError`) are not answers and propagate at once. After `retries` re-asks the last
    error is raised as `AnswerError`, whose `.errors` lists every attempt's error.
    """
    base = with_schema_hint(messages, schema_hint) if schema_hint is not None else list(messages)
    msgs, errors = base, []
    for _ in range(retries + 1):
        text = client.chat(msgs, seed=seed)
        try:
            value = extract_json(text, expect)
            return validate(value) if validate is not None else value
        except LLMError:
            raise
        except ValueError as err:
            errors.append(str(err))
            msgs = base + [{"role": "assistant", "content": text[:ANSWER_KEEP]},
                           {"role": "user", "content": FEEDBACK.format(error=err)}]
    err = AnswerError(f"{client.name} model {client.model!r} gave no acceptable answer in {len(errors)} "
                      f"attempts; last error: {errors[-1]}")
    err.errors = errors
    raise err


class JsonChat:
    """`chat_json` for any client with `chat`, `name`, `model` and `json_retries`."""

    json_retries = 2

    def chat_json(self, messages: list[dict], schema_hint: Any = None, *,
                  validate: Callable[[Any], Any] | None = None, retries: int | None = None,
                  seed: int | None = None, expect: type = dict):
        return ask_json(self, messages, validate=validate, seed=seed, schema_hint=schema_hint, expect=expect,
                        retries=self.json_retries if retries is None else retries)


def make_chat_client(backend: str, settings: dict, key: str = "llm"):
    """Build the chat client `backend` from its params sub-section (imports it only now)."""
    if backend not in CHAT_CLIENTS:
        raise StorycastError(f"unknown {key} backend {backend!r}; expected one of {', '.join(CHAT_CLIENTS)}")
    module, cls = CHAT_CLIENTS[backend]
    return getattr(importlib.import_module(module), cls)(**settings)
