"""LLM planners: a chat model writes the story JSON; `validate_story` decides whether it is one.

The system prompt gives the exact JSON format, the rules `validate_story` enforces and every closed
vocabulary; the user prompt gives the story id, frame count, art style and the cast (lead first)
with each identity's description. An answer that is not JSON, or that `validate_story` rejects
(missing key, out-of-vocabulary class, wrong frame count, ...), is sent back to the model with the
error, up to `max_retries` times; then `plan` raises a `PlanError` listing every attempt's error,
which the stories stage records as that story's failure. Transport failures (`LLMError`) are not
story failures: they propagate.

`OpenAIPlanner` and `TransformersPlanner` build their chat client from params; `LLMPlanner` takes
any client with `chat(messages, seed=...)` (the tests script one).
"""
from __future__ import annotations

import json

from storycast import vocab
from storycast.llm import AnswerError, ask_json
from storycast.planners.base import CLOSE_UP_MAX_CHARACTERS, PlanError, StoryRequest, validate_story

FRAME_RANGE = (1, 24)

_EXAMPLE = {
    "story_id": "s000042", "title": "The Lost Kite", "genre": "adventure", "arc": "lost_and_found",
    "synopsis": "Pip's kite blows away. She follows it through the forest and finds it in an old oak.",
    "setting": "forest", "cast": ["c00007"],
    "frames": [{"index": 0, "beat": "setup", "setting": "forest", "lighting": "day", "shot_type": "wide",
                "camera_angle": "eye_level",
                "scene": "A sunny clearing; Pip flies a red kite between tall trees.",
                "narration": "Pip loves her red kite more than anything.",
                "characters": [{"character_id": "c00007", "action": "flies her kite", "pose": "running",
                                "expression": "happy"}]}],
}


def _ids(values) -> str:
    return ", ".join(values)


def system_prompt() -> str:
    return f"""You plan illustrated children's stories. Answer with ONE JSON object and nothing else.

Format (every key is required; no other keys are allowed):
{{"story_id": <the given id>, "title": str, "genre": str, "arc": str (short snake_case name of the plot),
 "synopsis": str (2-3 sentences), "setting": <setting id: the story's primary setting>,
 "cast": [<every given character_id, each once>],
 "frames": [{{"index": int, "beat": str (e.g. setup, inciting_incident, rising_action, climax, resolution),
   "setting": <setting id>, "lighting": <lighting id>, "shot_type": <shot type id>,
   "camera_angle": <camera angle id>, "scene": str (what the picture shows),
   "narration": str (one or two sentences, may quote dialogue),
   "characters": [{{"character_id": str, "action": str (short verb phrase), "pose": <pose id>,
                   "expression": <expression id>}}]}}]}}

Rules:
- exactly the requested number of frames, "index" 0, 1, 2, ... in order;
- every frame shows at least one character, each at most once, only characters of the cast;
- every cast member appears in at least one frame;
- a close_up shows at most {CLOSE_UP_MAX_CHARACTERS} characters;
- the primary "setting" is used by at least one frame;
- class values are ids from these lists, spelled exactly (lower case, underscores):
  setting: {_ids(vocab.SETTINGS)}
  lighting: {_ids(vocab.LIGHTINGS)}
  shot_type: {_ids(vocab.SHOT_TYPES)}
  camera_angle: {_ids(vocab.CAMERA_ANGLES)}
  pose: {_ids(vocab.POSES)}
  expression: {_ids(vocab.EXPRESSIONS)}

Example of the format (one frame, one character):
{json.dumps(_EXAMPLE)}"""


def user_prompt(request: StoryRequest) -> str:
    cast = "\n".join(f"- {c['character_id']} ({c.get('name', '?')}{', the lead' if i == 0 else ''}): "
                     f"{c.get('identity_prompt', c.get('species', ''))}" for i, c in enumerate(request.cast))
    return (f"Write story {request.story_id!r} with exactly {request.n_frames} frames "
            f"(index 0 to {request.n_frames - 1}), drawn in the "
            f"{request.art_style.replace('_', ' ')} style.\n"
            f"Cast (use these character_id values):\n{cast}\n"
            f"Refer to characters by name in the title, synopsis, scenes and narration.")


def messages(request: StoryRequest) -> list[dict]:
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": user_prompt(request)}]


class LLMPlanner:
    """A planner over any chat client; `name` is what the stories table records."""

    frame_range = FRAME_RANGE

    def __init__(self, client, max_retries: int = 2, name: str = "llm"):
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 20:
            raise PlanError("", f"max_retries={max_retries!r} must be an integer in [0, 20]")
        self.client, self.max_retries, self.name = client, max_retries, name

    def plan(self, request: StoryRequest) -> dict:
        try:
            return ask_json(self.client, messages(request), retries=self.max_retries, seed=request.seed,
                            validate=lambda story: validate_story(story, request))
        except AnswerError as err:
            errors = getattr(err, "errors", [str(err)])
            failure = PlanError("", f"{self.name} planner: no valid story {request.story_id} after "
                                    f"{len(errors)} attempts; last error: {errors[-1]}")
            failure.attempts = errors
            raise failure from None


class OpenAIPlanner(LLMPlanner):
    """`stories.planner: openai` -- params `stories.openai.*` (see `OpenAIChatClient`)."""

    def __init__(self, max_retries: int = 2, **client):
        from storycast.llm.openai_client import OpenAIChatClient

        super().__init__(OpenAIChatClient(key="stories.openai", **client), max_retries, "openai")


class TransformersPlanner(LLMPlanner):
    """`stories.planner: transformers` -- params `stories.transformers.*` (see `TransformersChatClient`)."""

    def __init__(self, max_retries: int = 2, **client):
        from storycast.llm.transformers_chat import TransformersChatClient

        super().__init__(TransformersChatClient(key="stories.transformers", **client), max_retries,
                         "transformers")
