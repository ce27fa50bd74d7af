"""Model-backed QC: the VLM judge (OpenAI-compatible endpoint against the local scripted server, a
tiny in-process vision-language model through the transformers path) and the LLM prompt tuner."""
from __future__ import annotations

import dataclasses
import json
import math
import time
import traceback

import numpy as np
import pytest
from chat_server import Reply
from PIL import Image

from storycast.characters import sample_characters
from storycast.editors import prompt_tuning
from storycast.editors.llm_tuning import LLMPromptTuner, OpenAIPromptTuner, check_prompt
from storycast.errors import StorycastError
from storycast.judges.base import CHECKS, Judge, Judgement, JudgeRequest, error_judgement
from storycast.judges.vlm import OpenAIJudge
from storycast.llm import LLMError
from storycast.llm.vision import decode_data_url, image_part, split_images, text_part, to_openai
from storycast.renderers.procedural.demo import frame
from storycast.weights import ModelNotFound

KEY_ENV = "STORYCAST_TEST_JUDGE_KEY"
KEY = "sk-judge-4e1d9b7c3a5f2e8d"
THRESHOLDS = {"identity": 0.5, "pose": 0.5, "expression": 0.5, "visibility": 0.3, "in_frame": 0.5, "sanity": 0.5}


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def cast():
    return sample_characters(2, 7, 3)


def noise(w: int, h: int, seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def jr(cast) -> JudgeRequest:
    req = frame(cast, width=128, height=96, shot="full", seed=77, frame_id="f000001",
                expressions=["happy", "sad"], poses=["standing", "waving"])
    ids = " | ".join(c["identity_prompt"] for c in cast)
    prompt = (f"{ids} || {cast[0]['name']} waves, happy expression; {cast[1]['name']} sad expression || forest, "
              f"day light, full shot, eye-level view. A picnic. || outlined cel illustration, storybook frame")
    req = dataclasses.replace(req, prompt=prompt)
    templates = {c["character_id"]: noise(40, 60, i + 1) for i, c in enumerate(cast)}
    return JudgeRequest(noise(128, 96, 0), req, templates)


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY_ENV


def judge_for(server, **kw) -> OpenAIJudge:
    opts = dict(base_url=server.base_url, model="vlm-test", api_key_env=KEY_ENV, timeout_s=5.0, http_retries=0,
                backoff_s=0.01, thresholds=THRESHOLDS, max_retries=2)
    return OpenAIJudge(**{**opts, **kw})


def answer(cid: str, **over) -> dict:
    a = {"scores": {c: 0.9 for c in CHECKS}, "verdict": "pass", "reasons": [], "failing_characters": [],
         "regions": []}
    a["scores"]["expression"] = 0.2
    a.update(verdict="fail", reasons=[f"expression: {cid}: asked sad, looks happy"], failing_characters=[cid],
             regions=[{"box": [80, 10, 110, 40], "kind": "face", "character_id": cid, "check": "expression"}])
    a.update(over)
    return a


def last_user_text(req: dict) -> str:
    content = req["json"]["messages"][-1]["content"]
    return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)


def image_urls(req: dict) -> list[str]:
    return [p["image_url"]["url"] for m in req["json"]["messages"] if isinstance(m["content"], list)
            for p in m["content"] if p["type"] == "image_url"]


# ---------------------------------------------------------------- OpenAI-compatible judge
def test_good_answer_becomes_a_judgement_and_the_request_carries_the_images(server, key_env, jr, cast):
    cid = cast[1]["character_id"]
    server.add(Reply(content="Here is my judgement:\n```json\n" + json.dumps(answer(cid)) + "\n```"))
    judge = judge_for(server)
    assert isinstance(judge, Judge) and judge.name == "openai"
    j = judge.judge(jr)
    assert j.verdict == "fail" and j.scores["expression"] == 0.2 and j.failing == (cid,)
    assert j.failing_checks == ("expression",) and j.regions[0].box == (80, 10, 110, 40)
    assert j.regions[0].kind == "face" and j.regions[0].character_id == cid and not j.fatal
    assert j.details["model"] == "vlm-test"
    (req,) = server.requests
    assert req["headers"]["authorization"] == f"Bearer {KEY}" and req["json"]["seed"] == 77
    # the frame, then each character's template, as lossless PNG data URLs
    urls = image_urls(req)
    assert len(urls) == 3 and all(u.startswith("data:image/png;base64,") for u in urls)
    expected = [jr.image] + [jr.templates[c["character_id"]] for c in cast]
    for url, image in zip(urls, expected):
        assert np.array_equal(np.asarray(decode_data_url(url).convert("RGB")), np.asarray(image))
    system, user = req["json"]["messages"][0]["content"], last_user_text(req)
    assert all(c in system for c in CHECKS) and "visibility 0.3" in system and '"failing_characters"' in system
    for c, control in zip(cast, jr.request.characters):
        assert c["identity_prompt"] in user and c["character_id"] in user
        assert f"expression: {control.expression}" in user and f"Pose: {control.pose}" in user
    assert "128 x 96" in user and "full shot" in user and "A picnic." in user
    box = [round(v) for v in jr.request.characters[0].bbox]
    assert str(box) in user


@pytest.mark.parametrize("bad, needle", [
    ({"scores": None}, "answer.scores is missing"),
    ({"scores": {c: 0.9 for c in CHECKS if c != "pose"}}, "answer.scores is missing pose"),
    ({"scores": {**{c: 0.9 for c in CHECKS}, "identity": 1.7}}, "out of range"),
    ({"verdict": "pass"}, "contradicts its scores"),
    ({"failing_characters": ["c99999"]}, "'c99999', which is not in this frame"),
    ({"reasons": ["looks wrong"]}, "must read 'check: character_id: detail'"),
])
def test_bad_answer_is_asked_again_with_the_error(server, key_env, jr, cast, bad, needle):
    cid = cast[1]["character_id"]
    broken = answer(cid, **bad)
    if broken["scores"] is None:
        del broken["scores"]
    server.add(Reply(content=json.dumps(broken)), Reply(content=json.dumps(answer(cid))))
    j = judge_for(server).judge(jr)
    assert j.verdict == "fail" and j.failing == (cid,)
    first, second = server.requests
    assert needle not in last_user_text(first) and needle in last_user_text(second)
    assert second["json"]["messages"][-2] == {"role": "assistant", "content": json.dumps(broken)}
    assert len(image_urls(second)) == 3          # the re-ask still shows the images


def test_persistent_bad_answers_become_an_error_judgement(server, key_env, jr, cast):
    out_of_range = answer(cast[0]["character_id"], scores={c: 1.5 for c in CHECKS})
    server.add(Reply(content="I think the frame is fine."), Reply(content=json.dumps(out_of_range)),
               Reply(content='{"scores": {"identity": 0.9}}'), Reply(content=json.dumps(answer("x"))))
    j = judge_for(server, max_retries=2).judge(jr)
    assert len(server.requests) == 3 and len(server.script) == 1
    assert j.verdict == "error" and not j.fatal and all(math.isnan(v) for v in j.scores.values())
    (reason,) = j.reasons
    assert reason.startswith("judge: -: openai judge gave no valid answer in 3 attempts")
    assert "answer.scores is missing" in reason and j.failing_checks == ("judge",)
    assert "no JSON found" in j.details["errors"][0] and "out of range" in j.details["errors"][1]
    assert "out of range" in last_user_text(server.requests[2])


def test_transport_failure_raises_naming_the_endpoint_never_the_key(server, key_env, jr):
    server.add(*[Reply(status=503, body=f"overloaded, Bearer {KEY}")] * 2)
    with pytest.raises(LLMError) as info:
        judge_for(server, http_retries=1).judge(jr)
    err = info.value
    assert isinstance(err, StorycastError) and f"{server.base_url}/chat/completions" in str(err)
    assert KEY not in "".join(traceback.format_exception(err)) and KEY not in repr(err)


def test_missing_template_is_fatal_without_asking(server, key_env, jr, cast):
    partial = JudgeRequest(jr.image, jr.request, {cast[0]["character_id"]: jr.templates[cast[0]["character_id"]]})
    j = judge_for(server).judge(partial)
    assert j.verdict == "error" and j.fatal and cast[1]["character_id"] in j.reasons[0]
    assert server.requests == []


def test_downscaled_images_and_boxes_convert_back_to_frame_pixels(server, key_env, jr, cast):
    cid = cast[0]["character_id"]
    server.add(Reply(content=json.dumps(answer(cid, regions=[{"box": [10, 5, 30, 25], "kind": "character",
                                                                "character_id": cid, "check": "identity"}]))))
    j = judge_for(server, max_image_px=64).judge(jr)
    assert j.regions[0].box == (20, 10, 60, 50)          # frame 128 x 96 shown at 64 x 48
    (req,) = server.requests
    sizes = [decode_data_url(u).size for u in image_urls(req)]
    assert sizes == [(64, 48), (40, 60), (40, 60)] and "shown at 64 x 48 pixels" in last_user_text(req)
    server.add(Reply(content=json.dumps(answer(cid, regions=[{"box": [500, 0, 1000, 500], "kind": "frame"}]))))
    j = judge_for(server, box_units="per_mille").judge(jr)
    assert j.regions[0].box == (64, 0, 128, 48) and j.regions[0].character_id == ""
    assert "thousandths" in server.requests[1]["json"]["messages"][0]["content"]


def test_judge_settings_are_checked(server, key_env):
    with pytest.raises(StorycastError, match="box_units"):
        judge_for(server, box_units="inches")
    with pytest.raises(StorycastError, match="unknown check 'colour'"):
        judge_for(server, thresholds={"colour": 0.5})
    with pytest.raises(StorycastError, match="max_retries"):
        judge_for(server, max_retries=-1)
    with pytest.raises(LLMError, match="qc.judge_openai.base_url"):
        judge_for(server, base_url="ftp://x")


def test_message_parts_convert_per_backend():
    img = noise(8, 6, 3)
    msgs = [{"role": "system", "content": "rubric"},
            {"role": "user", "content": [text_part("look:"), image_part(img), image_part(img)]},
            {"role": "assistant", "content": "{}"}]
    sent = to_openai(msgs)
    assert sent[0] == msgs[0] and sent[2] == msgs[2] and sent[1]["content"][0] == text_part("look:")
    assert sent[1]["content"][1] == sent[1]["content"][2] and sent[1]["content"][1]["type"] == "image_url"
    local, images = split_images(sent)          # data URLs are read back, strings become parts
    assert [p["type"] for p in local[1]["content"]] == ["text", "image", "image"]
    assert local[0]["content"] == [text_part("rubric")] and len(images) == 2
    assert np.array_equal(np.asarray(images[0]), np.asarray(img))
    with pytest.raises(LLMError, match="only data URLs"):
        split_images([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/a.png"}}]}])


# ---------------------------------------------------------------- transformers judge (tiny VLM)
PATCHES = 16   # image tokens per image in the tiny VLM: (32 / 8) ** 2


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_models import build_vlm

    return str(build_vlm(tmp_path_factory.mktemp("vlm") / "llava"))


def test_transformers_judge_runs_the_model_on_the_images_and_records_bad_text_as_an_error(tiny_vlm, jr):
    from storycast.judges.vlm import TransformersJudge

    judge = TransformersJudge(model=tiny_vlm, thresholds=THRESHOLDS, max_new_tokens=6, max_retries=1, cpu_threads=1)
    assert judge.name == "transformers" and isinstance(judge, Judge)
    _, model = judge.client._load()            # the real loading path: AutoProcessor + AutoModelForImageTextToText
    assert type(model).__name__ == "LlavaForConditionalGeneration"
    calls, generate = [], model.generate

    def spy(**kw):
        calls.append(kw)
        return generate(**kw)

    model.generate = spy
    j = judge.judge(jr)
    assert j.verdict == "error" and not j.fatal and j.details["attempts"] == 2
    assert j.reasons[0].startswith("judge: -: transformers judge gave no valid answer in 2 attempts")
    assert len(calls) == 2
    for kw in calls:   # the frame and both templates went through the vision tower
        assert tuple(kw["pixel_values"].shape) == (3, 3, 32, 32)
        assert int((kw["input_ids"] == model.config.image_token_index).sum()) == 3 * PATCHES
    assert calls[1]["input_ids"].shape[1] > calls[0]["input_ids"].shape[1]   # the re-ask carries the error


def test_transformers_vision_client_is_deterministic_and_reads_data_urls(tiny_vlm):
    from storycast.llm.vision import TransformersVisionClient

    client = TransformersVisionClient(model=tiny_vlm, max_new_tokens=6, cpu_threads=1)
    img = noise(48, 40, 9)
    msgs = [{"role": "system", "content": "judge"}, {"role": "user", "content": [text_part("frame"), image_part(img)]}]
    first = client.chat(msgs, seed=3)
    assert isinstance(first, str) and first and first == client.chat(msgs, seed=3)
    assert client.chat(to_openai(msgs), seed=3) == first


def test_transformers_judge_needs_a_local_vision_model(tmp_path, monkeypatch, jr):
    pytest.importorskip("transformers")
    from tiny_models import build_chat_lm

    from storycast.judges.vlm import TransformersJudge

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelNotFound) as info:
        TransformersJudge(model="Qwen/NotARealVLM-0.1B")
    assert "qc.judge_transformers.model" in str(info.value) and "hf download Qwen/NotARealVLM-0.1B" in str(info.value)
    assert time.monotonic() - start < 5
    judge = TransformersJudge(model=str(build_chat_lm(tmp_path / "text-only")), max_new_tokens=4)
    with pytest.raises(LLMError, match="vision-language"):      # a text-only model is not a judge
        judge.judge(jr)


# ---------------------------------------------------------------- LLM prompt tuner
def fail_judgement(cid: str, check: str = "identity", detail: str = "torso colour drifted") -> Judgement:
    scores = {c: 0.9 for c in CHECKS}
    scores[check] = 0.1
    return Judgement(scores, "fail", (f"{check}: {cid}: {detail}",), (cid,))


def tuner_for(server, **kw) -> OpenAIPromptTuner:
    opts = dict(base_url=server.base_url, model="llm-test", api_key_env=KEY_ENV, timeout_s=5.0, http_retries=0,
                max_retries=2)
    return OpenAIPromptTuner(**{**opts, **kw})


def rewritten(req) -> str:
    head, rest = req.prompt.split(" || ", 1)
    return f"{head} || exactly as in the reference sheet, {rest}"


def test_tuner_rewrites_the_prompt_and_keeps_the_rule_based_edits(server, key_env, jr, cast):
    req, cid = jr.request, cast[0]["character_id"]
    new = rewritten(req)
    server.add(Reply(content=json.dumps({"prompt": new})))
    j = fail_judgement(cid, "in_frame", "feet cut off")
    tuned, summary = tuner_for(server).tune(req, j, 1, 5)
    rule, _ = prompt_tuning.tune(req, j, 1, 5)
    assert tuned.prompt == new and tuned.seed == rule.seed
    assert [c.bbox for c in tuned.characters] == [c.bbox for c in rule.characters]   # layout edits kept
    assert tuned.characters[0].bbox != req.characters[0].bbox and "zoomed out" in summary
    assert summary.startswith("prompt rewritten by openai")
    (sent,) = server.requests
    user = sent["json"]["messages"][1]["content"]
    assert f"in_frame: {cid}: feet cut off" in user and req.prompt in user
    assert all(c["identity_prompt"] in user for c in cast) and "EXACTLY" in sent["json"]["messages"][0]["content"]


def test_tuner_asks_again_when_an_identity_block_is_changed(server, key_env, jr, cast):
    req, ident = jr.request, cast[1]["identity_prompt"]
    damaged = rewritten(req).replace(ident, ident.replace(" eyes", " glowing eyes"))
    server.add(Reply(content=json.dumps({"prompt": damaged})), Reply(content=json.dumps({"prompt": rewritten(req)})))
    tuned, _ = tuner_for(server).tune(req, fail_judgement(cast[1]["character_id"]), 0, 5)
    assert tuned.prompt == rewritten(req)
    second = server.requests[1]["json"]["messages"]
    assert f"the identity block of {cast[1]['character_id']} must appear verbatim" in second[-1]["content"]
    assert second[-2]["content"] == json.dumps({"prompt": damaged})


def test_tuner_falls_back_to_none_after_retries(server, key_env, jr, cast):
    req = jr.request
    server.add(Reply(content=json.dumps({"prompt": req.prompt})), Reply(content="Sure, here it is"),
               Reply(content=json.dumps({"text": "x"})))
    tuner = tuner_for(server, max_retries=2)
    assert tuner.tune(req, fail_judgement(cast[0]["character_id"]), 0, 5) is None
    assert len(server.requests) == 3 and len(tuner.last_errors) == 3
    assert "unchanged" in tuner.last_errors[0] and "no JSON" in tuner.last_errors[1]
    assert '"prompt" key' in tuner.last_errors[2]
    # a judge error has no reasons to act on: no request at all
    assert tuner.tune(req, error_judgement("judge: -: timeout"), 0, 5) is None and len(server.requests) == 3


def test_check_prompt_rules(jr, cast):
    req = jr.request
    with pytest.raises(ValueError, match="begin with the identity blocks"):
        head, rest = req.prompt.split(" || ", 1)
        check_prompt({"prompt": f"{rest} || {head}"}, req.prompt, req, 4000)
    with pytest.raises(ValueError, match="at most 300"):
        check_prompt({"prompt": rewritten(req) + "x" * 400}, req.prompt, req, 300)
    assert check_prompt({"prompt": " " + rewritten(req) + "\n", "note": "ok"}, req.prompt, req, 4000) == rewritten(req)
    with pytest.raises(StorycastError, match="max_chars"):
        LLMPromptTuner(object(), max_chars=10)


def test_transformers_tuner_with_a_random_model_falls_back(tmp_path, jr, cast):
    pytest.importorskip("transformers")
    from tiny_models import build_chat_lm

    from storycast.editors.llm_tuning import TransformersPromptTuner

    tuner = TransformersPromptTuner(model=str(build_chat_lm(tmp_path / "chat")), max_new_tokens=6, max_retries=1,
                                    cpu_threads=1)
    assert tuner.tune(jr.request, fail_judgement(cast[0]["character_id"]), 0, 5) is None
    assert len(tuner.last_errors) == 2 and tuner.name == "transformers"
