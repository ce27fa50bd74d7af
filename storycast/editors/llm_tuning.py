"""LLM prompt tuning: a chat model rewrites a failing frame's prompt from the judge's reasons.

The model gets the frame's prompt, the judge's reasons and scores, and each character's identity
block with its asked pose, expression and facing; it answers `{"prompt": "..."}`. The answer must
keep every identity block verbatim (and first, when the prompt began with them), differ from the
prompt it was given and stay under `max_chars`; a rejected answer is asked again with the error
fed back, up to `max_retries` times. Then `tune` returns None: the loop falls back to the
rule-based tuner (`storycast.editors.prompt_tuning.tune`).

`tune` has the rule-based tuner's signature and result: the layout and seed edits of the
rule-based tuner (moving a covered character, zooming out, a new seed after an artefact or a
judge error) are kept, since a prompt cannot move a pose control; only the prompt is the model's.
A judge `error` (no reasons to act on) returns None at once. Transport failures (`LLMError`)
propagate; the loop records them as that repair's failure.

`OpenAIPromptTuner` (params `qc.tuner_openai.*`) and `TransformersPromptTuner`
(`qc.tuner_transformers.*`) build their client from params; `LLMPromptTuner` takes any client.
"""
from __future__ import annotations

import dataclasses
import math

from storycast.editors import prompt_tuning
from storycast.errors import StorycastError
from storycast.judges.base import Judgement
from storycast.llm import AnswerError, ask_json
from storycast.prompts import FACING_WORDS, words
from storycast.renderers.base import FrameRequest

MAX_RETRIES = 20


class PromptRejected(ValueError):
    """A rewritten prompt that breaks a rule (fed back to the model)."""


SYSTEM = """You repair the text prompts of an illustrated children's-story dataset. A frame was drawn \
from a prompt and a quality judge found problems with the picture. Rewrite the prompt so that a \
text-to-image model, drawing it again with the same pose and layout controls, fixes the problems.

Rules:
- keep every character's identity block EXACTLY as given, character for character: it is the \
persistent description of the character and is shared by all its frames;
- when the prompt begins with the identity blocks, the new prompt begins with them too, in the same order;
- keep the " || " separated structure: identity blocks || what the characters do || scene and \
composition || style; add or sharpen words in the other blocks, e.g. restate a drifted colour or \
garment, the asked expression or pose, "whole body inside the frame", "clean image, no artefacts";
- never add characters, objects or text that are not asked for; keep the art style;
- at most {max_chars} characters.

Answer with ONE JSON object and nothing else -- no prose, no code fence:
{{"prompt": "<the complete new prompt>"}}"""


def _score_text(judgement: Judgement) -> str:
    return ", ".join(f"{c} {v:.2f}" for c, v in judgement.scores.items()
                     if isinstance(v, (int, float)) and not math.isnan(v))


def user_prompt(prompt: str, judgement: Judgement, request: FrameRequest) -> str:
    chars = "\n".join(
        f"- {c.character['character_id']} ({c.character.get('name', '?')}): identity block "
        f"\"{c.character.get('identity_prompt', '')}\"; asked pose {words(c.pose)}, expression "
        f"{words(c.expression)}, {FACING_WORDS.get(c.facing, c.facing)}"
        for c in request.characters) or "- none"
    reasons = "\n".join(f"- {r}" for r in judgement.reasons) or "- (no reasons given)"
    return (f"Frame {request.frame_id}, {words(request.art_style)} style, "
            f"{words(request.shot_type)} shot.\nPrompt:\n{prompt}\n\n"
            f"Characters:\n{chars}\n\n"
            f"The judge's verdict: {judgement.verdict} (scores: {_score_text(judgement) or 'none'}).\n"
            f"Its reasons (check: character_id: detail):\n{reasons}\n\n"
            f"Write the new prompt.")


def check_prompt(answer, prompt: str, request: FrameRequest, max_chars: int) -> str:
    """The new prompt in `answer`, or `PromptRejected` saying what is wrong."""
    if not isinstance(answer, dict) or "prompt" not in answer:
        raise PromptRejected('the answer must be a JSON object with a "prompt" key')
    new = answer["prompt"]
    if not isinstance(new, str) or not new.strip():
        raise PromptRejected(f'"prompt" must be a non-empty string, got {new!r}'[:200])
    new = new.strip()
    if len(new) > max_chars:
        raise PromptRejected(f"the prompt has {len(new)} characters; at most {max_chars} are allowed")
    for c in request.characters:
        block = c.character.get("identity_prompt", "")
        if block and block not in new:
            raise PromptRejected(f"the identity block of {c.character['character_id']} must appear verbatim, "
                                 f"character for character: {block!r}")
    head = " | ".join(c.character.get("identity_prompt", "") for c in request.characters)
    if head and prompt.startswith(head) and not new.startswith(head):
        raise PromptRejected(f"the prompt must begin with the identity blocks, verbatim and in this order: "
                             f"{head!r}")
    if new == prompt.strip():
        raise PromptRejected("the prompt is unchanged; rewrite it so that it fixes the judge's reasons")
    return new


class LLMPromptTuner:
    """Prompt rewriting over any chat client (`chat(messages, seed=...) -> str`)."""

    def __init__(self, client, max_retries: int = 2, max_chars: int = 4000, name: str = "llm",
                 key: str = "qc.tuner"):
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= MAX_RETRIES:
            raise StorycastError(f"{key}.max_retries={max_retries!r} must be an integer in [0, {MAX_RETRIES}]")
        if isinstance(max_chars, bool) or not isinstance(max_chars, int) or not 200 <= max_chars <= 100_000:
            raise StorycastError(f"{key}.max_chars={max_chars!r} must be an integer in [200, 100000]")
        self.client, self.max_retries, self.max_chars, self.name = client, max_retries, max_chars, name
        self.last_errors: list[str] = []

    def messages(self, prompt: str, judgement: Judgement, request: FrameRequest) -> list[dict]:
        return [{"role": "system", "content": SYSTEM.format(max_chars=self.max_chars)},
                {"role": "user", "content": user_prompt(prompt, judgement, request)}]

    def rewrite(self, prompt: str, judgement: Judgement, request: FrameRequest) -> str | None:
        """The model's new prompt, or None when it gave no acceptable one (see `last_errors`)."""
        self.last_errors = []
        try:
            return ask_json(self.client, self.messages(prompt, judgement, request), retries=self.max_retries,
                            seed=int(request.seed) % 2**31,
                            validate=lambda a: check_prompt(a, prompt, request, self.max_chars))
        except AnswerError as err:
            self.last_errors = list(getattr(err, "errors", [str(err)]))
            return None

    def tune(self, request: FrameRequest, judgement: Judgement, attempt: int, seed: int,
             zoom: float = 0.85, resample: bool = False) -> tuple[FrameRequest, str] | None:
        """Like `prompt_tuning.tune` (the rewritten request and a summary of what changed), with
        the model's prompt; None when the judge gave no reasons or the model no valid prompt."""
        if judgement.verdict == "error" or not judgement.reasons:
            return None
        new = self.rewrite(request.prompt, judgement, request)
        if new is None:
            return None
        tuned, summary = prompt_tuning.tune(request, judgement, attempt, seed, zoom, resample)
        summary = "prompt rewritten by " + self.name + ("" if summary == "prompt only" else ", " + summary)
        return dataclasses.replace(tuned, prompt=new), summary


class OpenAIPromptTuner(LLMPromptTuner):
    """`qc.prompt_tuner: openai` -- params `qc.tuner_openai.*` (`max_retries`, `max_chars` and
    `OpenAIChatClient`'s keys)."""

    def __init__(self, max_retries: int = 2, max_chars: int = 4000, **client):
        from storycast.llm.openai_client import OpenAIChatClient

        super().__init__(OpenAIChatClient(key="qc.tuner_openai", **client), max_retries, max_chars, "openai",
                         "qc.tuner_openai")


class TransformersPromptTuner(LLMPromptTuner):
    """`qc.prompt_tuner: transformers` -- params `qc.tuner_transformers.*` (`max_retries`,
    `max_chars` and `TransformersChatClient`'s keys: a local chat model)."""

    def __init__(self, max_retries: int = 2, max_chars: int = 4000, **client):
        from storycast.llm.transformers_chat import TransformersChatClient

        client.setdefault("max_new_tokens", 1024)
        super().__init__(TransformersChatClient(key="qc.tuner_transformers", **client), max_retries, max_chars,
                         "transformers", "qc.tuner_transformers")
