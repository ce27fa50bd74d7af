"""LLM backends: JSON extraction, the OpenAI-compatible client against a local scripted server, the
transformers client on a tiny in-process model, and the LLM planner's retry-with-feedback loop."""
from __future__ import annotations

import copy
import json
import logging
import threading
import time
import traceback

import pytest
from chat_server import Reply

from storycast.characters import sample_characters
from storycast.llm import AnswerError, LLMError, extract_json
from storycast.llm.openai_client import OpenAIChatClient, retry_after_seconds
from storycast.planners.base import PlanError, StoryRequest, validate_story
from storycast.planners.llm import LLMPlanner, OpenAIPlanner, TransformersPlanner, messages
from storycast.planners.template import TemplatePlanner
from storycast.weights import ModelNotFound

KEY_ENV = "STORYCAST_TEST_LLM_KEY"
KEY = "sk-test-9f3c1a7e5b2d4c6a8e0f"


@pytest.fixture(scope="module")
def request_and_story():
    cast = sample_characters(3, 11, 3)
    request = StoryRequest("s000003", tuple(cast[:2]), 5, cast[0]["art_style"], 12345)
    return request, TemplatePlanner().plan(request)


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY_ENV


def client(server, **kw):
    opts = dict(base_url=server.base_url, model="test-model", api_key_env=KEY_ENV, timeout_s=5.0,
                http_retries=3, backoff_s=0.01, backoff_max_s=2.0, max_concurrency=4)
    return OpenAIChatClient(**{**opts, **kw})


def fenced(story: dict) -> str:
    return f"Sure! Here is the story you asked for:\n```json\n{json.dumps(story, indent=1)}\n```\nEnjoy."


def user_texts(req: dict) -> str:
    return "\n".join(m["content"] for m in req["json"]["messages"] if m["role"] == "user")


def error_of(story: dict, request) -> str:
    with pytest.raises(PlanError) as info:
        validate_story(story, request)
    return str(info.value)


# ---------------------------------------------------------------- JSON extraction
@pytest.mark.parametrize("text", [
    '{"a": 1}', '```json\n{"a": 1}\n```', 'Here you go:\n```\n{"a": 1}\n```\nbye',
    'The answer is {"a": 1} -- hope that helps', '  \n{"a": 1}\n\nThanks!',
])
def test_extract_json_accepts_fences_and_prose(text):
    assert extract_json(text) == {"a": 1}


@pytest.mark.parametrize("text, needle", [
    ('{"a": 1, "b": [1, 2,],}', "trailing comma before ']'"),
    ('{"a": 1,\n}', "trailing comma before '}' at line 2"),
    ("{'a': 1}", "double quotes"),
    ('{"a": [1, 2', "ends early"),
    ("I cannot write that story.", "no JSON found"),
    ("", "empty"),
    ("[1, 2]", "expected an object"),
    ('{"a": NaN}', "NaN is not valid JSON"),
])
def test_extract_json_errors_say_what_is_wrong(text, needle):
    with pytest.raises(AnswerError) as info:
        extract_json(text)
    assert needle in str(info.value)


def test_retry_after_parses_seconds_and_dates():
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds("0.25") == 0.25
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= retry_after_seconds(future) <= 31
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


# ---------------------------------------------------------------- OpenAI-compatible client
def test_good_answer_end_to_end(server, key_env, request_and_story):
    request, story = request_and_story
    server.add(Reply(content=fenced(story)))
    planner = OpenAIPlanner(base_url=server.base_url, model="test-model", api_key_env=key_env,
                            timeout_s=5.0, max_retries=1, http_retries=0, backoff_s=0.01)
    assert planner.plan(request) == story and planner.name == "openai"
    (req,) = server.requests
    assert req["path"] == "/v1/chat/completions" and req["json"]["model"] == "test-model"
    assert req["headers"]["authorization"] == f"Bearer {KEY}"
    assert req["json"]["seed"] == request.seed % 2**31 and req["json"]["temperature"] == 0.0
    system = req["json"]["messages"][0]["content"]
    for cls in ("fighting_stance", "underwater_reef", "dutch_tilt", "medium_close", "sleepy"):
        assert cls in system  # the vocabularies are in the prompt
    assert all(c["character_id"] in user_texts(req) for c in request.cast)


def test_malformed_json_is_retried_with_the_error_fed_back(server, key_env, request_and_story):
    request, story = request_and_story
    broken = json.dumps(story)[:-1] + ",}"          # a trailing comma
    server.add(Reply(content=broken), Reply(content=json.dumps(story)))
    assert OpenAIPlanner(base_url=server.base_url, model="m", api_key_env=key_env).plan(request) == story
    first, second = server.requests
    assert "trailing comma" not in user_texts(first)
    assert "trailing comma before '}'" in user_texts(second)
    assert second["json"]["messages"][-2] == {"role": "assistant", "content": broken}


@pytest.mark.parametrize("damage", ["missing_key", "out_of_vocab", "frame_count"])
def test_invalid_story_is_retried_with_the_validation_error(server, key_env, request_and_story, damage):
    request, story = request_and_story
    bad = copy.deepcopy(story)
    if damage == "missing_key":
        del bad["frames"][1]["lighting"]
    elif damage == "out_of_vocab":
        bad["frames"][2]["characters"][0]["pose"] = "flying"
    else:
        bad["frames"].pop()
    error = error_of(bad, request)
    server.add(Reply(content=json.dumps(bad)), Reply(content=json.dumps(story)))
    assert OpenAIPlanner(base_url=server.base_url, model="m", api_key_env=key_env).plan(request) == story
    assert error in user_texts(server.requests[1]) and error not in user_texts(server.requests[0])


def test_429_waits_retry_after(server, key_env):
    server.add(Reply(status=429, body='{"error": "rate limited"}', headers={"Retry-After": "0.6"}),
               Reply(content='{"ok": true}'))
    assert client(server, backoff_s=0.001).chat_json([{"role": "user", "content": "hi"}]) == {"ok": True}
    first, second = server.requests
    assert second["time"] - first["time"] >= 0.6   # backoff alone would wait ~1 ms


def test_timeouts_are_retried(server, key_env):
    server.add(Reply(content='{"slow": 1}', delay=1.5), Reply(content='{"fast": 1}'))
    start = time.monotonic()
    answer = client(server, timeout_s=0.3).chat_json([{"role": "user", "content": "hi"}])
    assert answer == {"fast": 1} and len(server.requests) == 2
    assert time.monotonic() - start < 1.4           # it did not wait for the slow answer


def test_persistent_timeouts_fail_cleanly(server, key_env):
    server.add(*[Reply(content="{}", delay=1.0)] * 2)
    with pytest.raises(LLMError, match="timed out after 0.2 s"):
        client(server, timeout_s=0.2, http_retries=1).chat([{"role": "user", "content": "hi"}])


def test_500s_exhaust_retries_naming_the_endpoint_never_the_key(server, key_env, caplog):
    # A careless server that echoes the credentials back must not leak them either.
    server.add(*[Reply(status=500, body=f"internal error for Bearer {KEY}")] * 3)
    caplog.set_level(logging.DEBUG)
    c = client(server, http_retries=2)
    with pytest.raises(LLMError) as info:
        c.chat([{"role": "user", "content": "hi"}])
    err = info.value
    assert len(server.requests) == 3
    assert f"{server.base_url}/chat/completions" in str(err) and "HTTP 500" in str(err)
    assert "after 3 attempts" in str(err)
    seen = [str(err), repr(err), "".join(traceback.format_exception(err)), caplog.text, repr(c)]
    assert all(KEY not in text for text in seen)
    assert "***" in str(err) and caplog.text.count("retry") == 2


def test_client_errors_are_not_retried(server, key_env):
    server.add(Reply(status=401, body='{"error": "invalid api key"}'))
    with pytest.raises(LLMError, match="HTTP 401"):
        client(server).chat([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 1


def test_missing_api_key_variable_is_named(server, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(LLMError, match=KEY_ENV):
        client(server)
    c = client(server, api_key_env="")          # keyless local endpoints are fine
    server.add(Reply(content='{"a": 1}'))
    assert c.chat_json([{"role": "user", "content": "x"}]) == {"a": 1}
    assert "authorization" not in server.requests[0]["headers"]


def test_concurrency_is_limited(server, key_env):
    server.add(*[Reply(content='{"n": 1}', delay=0.5)] * 6)
    c = client(server, max_concurrency=2, base_url=server.base_url + "/")   # its own limit
    threads = [threading.Thread(target=c.chat, args=([{"role": "user", "content": "x"}],)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(server.requests) == 6 and server.peak_in_flight == 2


def test_transport_failure_propagates_from_the_planner(server, key_env, request_and_story):
    request, _ = request_and_story
    server.add(*[Reply(status=503, body="down")] * 2)
    planner = OpenAIPlanner(base_url=server.base_url, model="m", api_key_env=key_env, max_retries=3,
                            http_retries=1, backoff_s=0.01)
    with pytest.raises(LLMError):
        planner.plan(request)


# ---------------------------------------------------------------- planner logic (scripted client)
class ScriptedClient:
    name, model = "scripted", "script-1"

    def __init__(self, answers):
        self.answers, self.calls = list(answers), []

    def chat(self, messages, *, seed=None, max_tokens=None):
        self.calls.append((messages, seed))
        return self.answers.pop(0)


def test_planner_gives_up_after_max_retries_with_every_error(request_and_story):
    request, story = request_and_story
    bad = copy.deepcopy(story)
    bad["frames"][0]["shot_type"] = "aerial"
    scripted = ScriptedClient(["no story today", json.dumps(bad), '{"story_id": 3}', "unused"])
    with pytest.raises(PlanError) as info:
        LLMPlanner(scripted, max_retries=2, name="scripted").plan(request)
    err = info.value
    assert len(scripted.calls) == 3 and scripted.answers == ["unused"]
    assert len(err.attempts) == 3 and "no JSON found" in err.attempts[0]
    assert "unknown shot type 'aerial'" in err.attempts[1] and "after 3 attempts" in str(err)
    assert all(seed == request.seed for _, seed in scripted.calls)
    # each re-ask carries the previous answer and its error, not the whole history
    assert len(scripted.calls[2][0]) == len(messages(request)) + 2


def test_planner_accepts_a_valid_story_first_time(request_and_story):
    request, story = request_and_story
    scripted = ScriptedClient([json.dumps(story)])
    assert LLMPlanner(scripted, max_retries=0).plan(request) == story


# ---------------------------------------------------------------- transformers (tiny local model)
@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_models import build_chat_lm

    return str(build_chat_lm(tmp_path_factory.mktemp("lm") / "chat"))


def test_transformers_client_generates_text_deterministically(tiny_lm):
    from storycast.llm.transformers_chat import TransformersChatClient

    chat = TransformersChatClient(model=tiny_lm, max_new_tokens=12, cpu_threads=1)
    msgs = [{"role": "system", "content": "answer with json"}, {"role": "user", "content": "story title"}]
    first = chat.chat(msgs)
    assert isinstance(first, str) and first and first == chat.chat(msgs)
    sampled = TransformersChatClient(model=tiny_lm, max_new_tokens=12, temperature=1.0, cpu_threads=1)
    assert sampled.chat(msgs, seed=5) == sampled.chat(msgs, seed=5)


def test_transformers_planner_records_invalid_text_as_a_plan_failure(tiny_lm, request_and_story):
    request, _ = request_and_story
    planner = TransformersPlanner(model=tiny_lm, max_new_tokens=8, max_retries=1, cpu_threads=1)
    with pytest.raises(PlanError) as info:
        planner.plan(request)
    assert len(info.value.attempts) == 2 and planner.name == "transformers"


def test_missing_local_model_fails_at_once_with_how_to_get_it(tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    from storycast.llm.transformers_chat import TransformersChatClient

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelNotFound) as info:
        TransformersChatClient(model="Qwen/NotARealModel-0.1B-Instruct", key="stories.transformers")
    msg = str(info.value)
    assert "stories.transformers.model" in msg and "hf download Qwen/NotARealModel-0.1B-Instruct" in msg
    with pytest.raises(ModelNotFound, match="does not exist"):
        TransformersChatClient(model=str(tmp_path / "nowhere"))
    assert time.monotonic() - start < 5
