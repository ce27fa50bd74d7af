"""VLM judges: a vision-language model scores a frame against its spec and its characters' templates.

The system message is a rubric: what each check means, the thresholds that decide the verdict, the
box units and the exact JSON answer. The user message is the frame's spec (size, style, setting,
lighting, shot, camera angle, the prompt it was drawn from, then per character, nearest first: id,
name, identity description, pose, expression, facing, box and depth), the frame image and the
template sheet of every character in it. The answer goes through `parse_judgement` with the
thresholds, then a check that reasons, failing characters and regions name this frame's
characters and known checks; a rejected answer is asked again with the error fed back, up to
`max_retries` times, and then becomes an `error` judgement whose reason carries the last error.
`judge()` raises only when the model cannot be reached or run (`LLMError`, a `StorycastError`
naming the endpoint or model, never a key).

Boxes: `box_units: pixels` -- pixels of the frame image as sent (after `max_image_px`
downscaling); `per_mille` -- 0..1000 across each side of the frame (Qwen2-VL, Gemini style).
Boxes given to and taken from the model are converted; a `Judgement`'s regions are frame pixels.

`OpenAIJudge` (`qc.judge: openai`, params `qc.judge_openai.*`) and `TransformersJudge`
(`qc.judge: transformers`, params `qc.judge_transformers.*`) build their client from params;
`VLMJudge` takes any client whose `chat(messages, seed=...)` takes `image` parts
(`storycast.llm.vision`), which the tests script.
"""
from __future__ import annotations

import dataclasses
import json

from PIL import Image

from storycast.errors import StorycastError
from storycast.judges.base import (
    CHECKS,
    JudgeAnswerError,
    Judgement,
    JudgeRequest,
    Region,
    clip_box,
    error_judgement,
    parse_judgement,
)
from storycast.llm import AnswerError, ask_json, backend_label
from storycast.llm.vision import fit, image_part, text_part
from storycast.prompts import ANGLE_WORDS, FACING_WORDS, SHOT_WORDS, words
from storycast.renderers.base import FrameRequest

BOX_UNITS = ("pixels", "per_mille")
MAX_RETRIES = 20
REASON_KEEP = 400   # characters of the last error kept in an error judgement's reason

CHECK_MEANINGS = {
    "identity": "every character looks like its template sheet and identity description: species, "
                "fur/skin/feather colour, hair, eye colour, clothes and their colours and pattern, "
                "accessories (a drifted colour or a missing garment fails)",
    "pose": "every character's body takes the asked pose: arms, legs and torso placed as the pose "
            "asks, no missing, extra or misplaced limbs",
    "expression": "every character whose face can be seen shows the asked facial expression "
                  "(a character seen from behind is only checked for not showing a face)",
    "visibility": "every character can be seen: not hidden behind other characters or objects",
    "in_frame": "every character is inside the frame where the shot asks for it: the whole body in "
                "extreme wide, wide and full shots, the head and shoulders in closer shots",
    "sanity": "the image is a clean finished illustration: no noise, blotches, garbled or melted "
              "regions, stray text, blank or flat areas",
}
_KIND_MEANINGS = ("character (a whole character), face (a character's head), artefact (a broken area), "
                  "frame (the whole image)")


def _threshold_text(thresholds: dict[str, float]) -> str:
    return ", ".join(f"{c} {thresholds[c]:g}" for c in CHECKS if c in thresholds)


def system_prompt(thresholds: dict[str, float], box_units: str = "pixels") -> str:
    checks = "\n".join(f"- {c}: {CHECK_MEANINGS[c]}" for c in CHECKS)
    example = {"scores": {c: (0.3 if c == "expression" else 0.9) for c in CHECKS}, "verdict": "fail",
               "reasons": ["expression: c00007: asked happy, the face looks sad"],
               "failing_characters": ["c00007"],
               "regions": [{"box": [120, 40, 180, 100], "kind": "face", "character_id": "c00007",
                            "check": "expression"}]}
    units = ("pixels of the frame image as shown, origin at the top left" if box_units == "pixels" else
             "thousandths of the frame's width (x) and height (y), 0 to 1000, origin at the top left")
    return f"""You are the quality judge of an illustrated children's-story dataset. You get the \
specification a frame was drawn from, the frame image, and the template (reference) sheet of each \
character in it. Score how well the frame meets its specification.

Checks, each scored from 0 (fails completely) to 1 (perfect); a check's score is its worst character's:
{checks}

Verdict: "fail" when any score is below its threshold ({_threshold_text(thresholds)}), else "pass".
For every check below its threshold give a reason "check: character_id: what is wrong" (character_id \
"-" for the whole frame) and list the characters concerned in "failing_characters". For what a local \
repaint could fix, give regions: "box" [x0, y0, x1, y1] in {units}; "kind" one of {_KIND_MEANINGS}; \
the "character_id" ("" for none) and the "check" it would repair. Characters are named by the \
character_id values given. On a pass, reasons, failing_characters and regions may be empty lists.

Answer with ONE JSON object and nothing else -- no prose, no code fence -- with exactly these keys:
{{"scores": {{{", ".join(f'"{c}": number' for c in CHECKS)}}}, "verdict": "pass" or "fail",
 "reasons": [str], "failing_characters": [str], "regions": [{{"box": [x0, y0, x1, y1], "kind": str,
 "character_id": str, "check": str}}]}}
Example: {json.dumps(example)}"""


class VLMJudge:
    """A judge over any vision chat client; `name` is what the qc table records."""

    def __init__(self, client, thresholds: dict[str, float] | None = None, max_retries: int = 2,
                 max_image_px: int = 1024, box_units: str = "pixels", name: str = "vlm", key: str = "qc.judge"):
        self.thresholds = {c: 0.5 for c in CHECKS} if thresholds is None else dict(thresholds)
        for check, value in self.thresholds.items():
            if check not in CHECKS:
                raise StorycastError(f"qc.thresholds: unknown check {check!r}; expected {', '.join(CHECKS)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise StorycastError(f"qc.thresholds.{check}={value!r} must be a number in [0, 1]")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= MAX_RETRIES:
            raise StorycastError(f"{key}.max_retries={max_retries!r} must be an integer in [0, {MAX_RETRIES}]")
        if isinstance(max_image_px, bool) or not isinstance(max_image_px, int) or not (
                max_image_px == 0 or 64 <= max_image_px <= 8192):
            raise StorycastError(f"{key}.max_image_px={max_image_px!r} must be 0 (no limit) or an integer "
                                   f"in [64, 8192]")
        if box_units not in BOX_UNITS:
            raise StorycastError(f"{key}.box_units={box_units!r} is not one of {', '.join(BOX_UNITS)}")
        self.client, self.max_retries, self.name = client, max_retries, name
        self.concurrency = getattr(client, "max_concurrency", 1)   # frames the qc loop may judge at once
        self.max_image_px, self.box_units = max_image_px, box_units
        self._system = system_prompt(self.thresholds, box_units)

    @property
    def label(self) -> str:
        """What the qc table's `judge` column records: the backend and its model."""
        return backend_label(self.name, self.client)

    # ------------------------------------------------------------------ the question
    def _units(self, req: FrameRequest, shown: tuple[int, int]) -> tuple[float, float]:
        """Answer units per frame pixel, x and y."""
        if self.box_units == "per_mille":
            return 1000 / req.width, 1000 / req.height
        return shown[0] / req.width, shown[1] / req.height

    def spec_text(self, req: FrameRequest, shown: tuple[int, int]) -> str:
        sx, sy = self._units(req, shown)
        extent = ("0 to 1000 on each side" if self.box_units == "per_mille" else
                  f"shown at {shown[0]} x {shown[1]} pixels")
        lines = [f"Frame {req.frame_id}: {req.width} x {req.height} pixels ({extent}); "
                 f"art style: {words(req.art_style)}; setting: {words(req.setting)}; lighting: {req.lighting}; "
                 f"shot: {SHOT_WORDS.get(req.shot_type, words(req.shot_type))}; "
                 f"camera: {ANGLE_WORDS.get(req.camera_angle, words(req.camera_angle))}.",
                 f"Prompt it was drawn from: {req.prompt}",
                 "Characters (nearest the camera first):"]
        for c in sorted(req.characters, key=lambda c: c.depth):
            spec = c.character
            box = [round(c.bbox[0] * sx), round(c.bbox[1] * sy), round(c.bbox[2] * sx), round(c.bbox[3] * sy)]
            lines.append(f"- {spec.get('character_id', '?')} ({spec.get('name', '?')}): "
                         f"{spec.get('identity_prompt', '')}. Pose: {words(c.pose)}; expression: "
                         f"{words(c.expression)}; facing: {FACING_WORDS.get(c.facing, c.facing)}; "
                         f"box {box} (may extend past the frame edge); depth {c.depth}.")
        if not req.characters:
            lines.append("- none: the frame shows no character")
        return "\n".join(lines)

    def messages(self, jr: JudgeRequest, templates: dict[str, Image.Image] | None = None) -> list[dict]:
        return self._question(jr, templates)[0]

    def _question(self, jr: JudgeRequest, templates: dict[str, Image.Image] | None = None):
        """The messages, and the size the frame image is shown at."""
        req = jr.request
        frame = fit(jr.image, self.max_image_px)
        if templates is None:
            templates = {cid: jr.templates[cid] for cid in _ids(req)}
        parts = [text_part(self.spec_text(req, frame.size)), text_part("The frame image:"), image_part(frame)]
        for c in req.characters:
            cid = c.character["character_id"]
            parts += [text_part(f"Template sheet of {cid} ({c.character.get('name', '?')}):"),
                      image_part(fit(templates[cid], self.max_image_px))]
        parts.append(text_part("Judge the frame. Answer with the JSON object only."))
        return [{"role": "system", "content": self._system}, {"role": "user", "content": parts}], frame.size

    # ------------------------------------------------------------------ the answer
    def validate(self, answer, req: FrameRequest, shown: tuple[int, int]) -> Judgement:
        sx, sy = self._units(req, shown)
        extent = (1000, 1000) if self.box_units == "per_mille" else shown
        j = parse_judgement(answer, self.thresholds, CHECKS, extent)
        ids = set(_ids(req))
        for i, reason in enumerate(j.reasons):
            parts = [p.strip() for p in reason.split(":", 2)]
            if len(parts) < 3 or parts[0] not in CHECKS or parts[1] not in ids | {"-"} or not parts[2]:
                raise JudgeAnswerError(
                    f"answer.reasons[{i}] {reason!r} must read 'check: character_id: detail' with a check "
                    f"of {', '.join(CHECKS)} and a character_id of this frame ({', '.join(sorted(ids)) or '-'}) "
                    f"or '-'")
        for cid in j.failing:
            if cid not in ids:
                raise JudgeAnswerError(f"answer.failing_characters names {cid!r}, which is not in this frame "
                                       f"({', '.join(sorted(ids)) or 'no characters'})")
        regions = []
        for i, r in enumerate(j.regions):
            if r.character_id not in ids | {"", "-"}:
                raise JudgeAnswerError(f"answer.regions[{i}].character_id {r.character_id!r} is not in this frame")
            if r.check not in (*CHECKS, ""):
                raise JudgeAnswerError(f"answer.regions[{i}].check {r.check!r} is not one of {', '.join(CHECKS)}")
            box = clip_box((r.box[0] / sx, r.box[1] / sy, r.box[2] / sx, r.box[3] / sy), req.width, req.height)
            if box is not None:
                regions.append(Region(box, r.kind, "" if r.character_id == "-" else r.character_id, r.check))
        return dataclasses.replace(j, regions=tuple(regions))

    def judge(self, jr: JudgeRequest) -> Judgement:
        req = jr.request
        if not isinstance(jr.image, Image.Image):
            return error_judgement(f"sanity: -: the image is a {type(jr.image).__name__}, not an image")
        templates = {}
        for cid in _ids(req):
            try:
                template = jr.templates.get(cid) if jr.templates is not None else None
            except (OSError, ValueError) as err:
                return error_judgement(f"identity: {cid}: unreadable template ({err})", fatal=True)
            if not isinstance(template, Image.Image):
                return error_judgement(f"identity: {cid}: no template for this character", fatal=True)
            templates[cid] = template
        msgs, shown = self._question(jr, templates)
        details = {"judge": self.name, "model": getattr(self.client, "model", "")}
        try:
            j = ask_json(self.client, msgs, retries=self.max_retries, seed=int(req.seed) % 2**31,
                         validate=lambda answer: self.validate(answer, req, shown))
        except AnswerError as err:
            errors = getattr(err, "errors", [str(err)])
            last = errors[-1] if len(errors[-1]) <= REASON_KEEP else errors[-1][:REASON_KEEP] + "..."
            failed = error_judgement(f"judge: -: {self.name} judge gave no valid answer in {len(errors)} "
                                     f"attempts; last error: {last}")
            return dataclasses.replace(failed, details={**details, "attempts": len(errors), "errors": errors})
        return dataclasses.replace(j, details={**details, **j.details})


def _ids(req: FrameRequest) -> list[str]:
    return [c.character["character_id"] for c in req.characters]


class OpenAIJudge(VLMJudge):
    """`qc.judge: openai` -- params `qc.judge_openai.*`: the judge's own keys (`max_retries`,
    `max_image_px`, `box_units`) and `OpenAIChatClient`'s (`base_url`, `model`, `api_key_env`, ...)."""

    def __init__(self, thresholds: dict[str, float] | None = None, max_retries: int = 2, max_image_px: int = 1024,
                 box_units: str = "pixels", **client):
        from storycast.llm.vision import OpenAIVisionClient

        super().__init__(OpenAIVisionClient(key="qc.judge_openai", **client), thresholds, max_retries,
                         max_image_px, box_units, "openai", "qc.judge_openai")


class TransformersJudge(VLMJudge):
    """`qc.judge: transformers` -- params `qc.judge_transformers.*`: the judge's own keys and
    `TransformersChatClient`'s (`model` = a local vision-language model folder or cached HF id, ...)."""

    def __init__(self, thresholds: dict[str, float] | None = None, max_retries: int = 2, max_image_px: int = 1024,
                 box_units: str = "pixels", **client):
        from storycast.llm.vision import TransformersVisionClient

        client.setdefault("max_new_tokens", 1024)
        super().__init__(TransformersVisionClient(key="qc.judge_transformers", **client), thresholds, max_retries,
                         max_image_px, box_units, "transformers", "qc.judge_transformers")

