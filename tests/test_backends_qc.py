"""The qc stage through `dvc repro` with the OpenAI-compatible judge and prompt tuner, against a local
chat-completions server that answers per frame: valid verdicts, malformed and out-of-range answers,
429s and timeouts. Each bad answer must become that frame's recorded failure; the stage carries on."""
import json
import re
import threading
import zlib
from collections import Counter

import pyarrow.parquet as pq
import pytest

from tests.chat_server import ChatServer, Reply
from tests.conftest import dvc, write_params

KEY_ENV, KEY = "STORYCAST_TEST_JUDGE_KEY", "sk-test-never-logged-4242"
CHECKS = ("identity", "pose", "expression", "visibility", "in_frame", "sanity")


def kind_of(frame_id: str) -> str:
    return ("malformed_then_pass", "throttled_then_local_edit", "prompt_tuning", "out_of_range")[
        zlib.crc32(frame_id.encode()) % 4]


def _texts(body: dict) -> str:
    """The question's text (the first user message: a re-ask appends the error after it)."""
    content = next(m for m in body["messages"] if m["role"] == "user")["content"]
    return content if isinstance(content, str) else "\n".join(p.get("text", "") for p in content)


def _judgement(cid: str, failing: str | None, box=None) -> str:
    scores = {c: 0.9 for c in CHECKS}
    answer = {"scores": scores, "verdict": "pass", "reasons": [], "failing_characters": [], "regions": []}
    if failing:
        scores[failing] = 0.1
        answer.update(verdict="fail", reasons=[f"{failing}: {cid}: not as asked"], failing_characters=[cid])
        if box:
            answer["regions"] = [{"box": box, "kind": "character", "character_id": cid, "check": failing}]
    return json.dumps(answer)


class Endpoint:
    """Answers like a VLM judge or an LLM tuner, scripted per frame by `kind_of(frame_id)`."""

    def __init__(self):
        self.calls: Counter = Counter()
        self.lock = threading.Lock()

    def __call__(self, body: dict) -> Reply:
        text = _texts(body)
        if "You repair the text prompts" in body["messages"][0]["content"]:
            prompt = re.search(r"Prompt:\n(.*?)\n\nCharacters:", text, re.S).group(1)
            return Reply(content=json.dumps({"prompt": prompt + " || clean image, every colour as described"}))
        frame = re.search(r"^Frame (\S+):", text, re.M).group(1)
        m = re.search(r"^- (\S+) \(.*?box \[(-?\d+), (-?\d+), (-?\d+), (-?\d+)\]", text, re.M)
        cid, box = m.group(1), [max(0, int(v)) for v in m.groups()[1:]]
        with self.lock:
            self.calls[frame] += 1
            n = self.calls[frame]
        kind = kind_of(frame)
        if kind == "malformed_then_pass":
            return Reply(content="Sure! The frame looks fine." if n == 1 else _judgement(cid, None))
        if kind == "throttled_then_local_edit":
            if n == 1:
                return Reply(status=429, body='{"error": "rate limited"}', headers={"Retry-After": "0"})
            if n == 2:
                return Reply(content=_judgement(cid, None), delay=1.5)    # past timeout_s: retried
            return Reply(content=_judgement(cid, "expression", box) if n == 3 else _judgement(cid, None))
        if kind == "prompt_tuning":
            return Reply(content=_judgement(cid, "identity") if n == 1 else _judgement(cid, None))
        answer = json.loads(_judgement(cid, None))
        answer["scores"]["identity"] = 1.7                                # out of range, every time
        return Reply(content=json.dumps(answer))


@pytest.fixture
def endpoint():
    handler = Endpoint()
    server = ChatServer(responder=handler).start()
    yield server, handler
    server.stop()


def _client(server) -> dict:
    return {"base_url": server.base_url, "model": "vlm-test", "api_key_env": KEY_ENV, "timeout_s": 0.5,
            "http_retries": 3, "backoff_s": 0.0, "backoff_max_s": 0.0, "max_concurrency": 2, "temperature": 0.0,
            "max_tokens": 512, "json_mode": True, "max_retries": 1}


def test_openai_judge_and_tuner_through_dvc_repro(built_copy, endpoint, monkeypatch):
    server, handler = endpoint
    monkeypatch.setenv(KEY_ENV, KEY)
    write_params(built_copy, {"qc": {
        "judge": "openai", "prompt_tuner": "openai", "fault_rate": 0.0, "max_rounds": 2,
        "judge_openai": {**_client(server), "max_concurrency": 3, "max_image_px": 256, "box_units": "pixels"},
        "tuner_openai": {**_client(server), "model": "llm-test", "max_chars": 4000}}})
    proc = dvc("repro", "qc", cwd=built_copy)
    assert "Stage 'render' didn't change, skipping" in proc.stdout and "Running stage 'qc'" in proc.stdout
    rows = [r for p in sorted((built_copy / "data/qc/qc").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    finals = {r["frame_id"]: r for p in sorted((built_copy / "data/qc/frames").glob("*.parquet"))
              for r in pq.read_table(p, columns=["frame_id", "qc_verdict", "qc_rounds"]).to_pylist()}
    by_frame: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: r["attempt"]):
        by_frame.setdefault(r["frame_id"], []).append(r)
    assert set(by_frame) == set(finals) and len(finals) >= 20
    assert {r["judge"] for r in rows} == {"openai:vlm-test"}
    seen = Counter(kind_of(f) for f in finals)
    assert min(seen.values()) >= 2 and len(seen) == 4, seen

    for frame, attempts in by_frame.items():
        kind, verdicts = kind_of(frame), [r["verdict"] for r in attempts]
        if kind == "malformed_then_pass":          # re-asked with the error, then a valid answer
            assert verdicts == ["pass"] and finals[frame]["qc_verdict"] == "pass"
        elif kind == "throttled_then_local_edit":  # 429 and a timeout retried; the region edited locally
            assert verdicts == ["fail", "pass"] and attempts[0]["action"] == "local_edit"
            assert attempts[0]["repair_by"] == "renderer" and len(attempts[0]["edited_region"]) == 4
        elif kind == "prompt_tuning":              # identity without a region: the LLM rewrites the prompt
            assert verdicts == ["fail", "pass"] and attempts[0]["repair_by"] == "openai"
            assert attempts[0]["prompt_after"].endswith("|| clean image, every colour as described")
            assert attempts[1]["prompt_before"] == attempts[0]["prompt_after"]
        else:                                      # never a valid answer: an error per attempt, kept as failed
            assert verdicts == ["error"] * 3 and finals[frame]["qc_verdict"] == "fail"
            reason = attempts[0]["reasons"][0]
            assert reason.startswith("judge: -: openai judge gave no valid answer in 2 attempts"), reason
            assert "answer.scores.identity = 1.7 is out of range [0, 1]" in reason
            assert attempts[0]["score_identity"] is None
    metrics = json.loads((built_copy / "metrics/qc.json").read_text())
    assert metrics["judge"] == "openai" and metrics["frames"] == len(finals)
    assert any(r["headers"].get("authorization") == f"Bearer {KEY}" for r in server.requests)
    for path in [*built_copy.glob("data/qc/*/*.parquet"), built_copy / "metrics/qc.json"]:
        assert KEY.encode() not in path.read_bytes()
    assert KEY not in proc.stdout + proc.stderr
    assert server.peak_in_flight >= 3   # 2 worker processes, each judging frames on 3 threads (max_concurrency)

    # One request at a time gives the same bytes: frames are independent of the thread count.
    threaded = {p.relative_to(built_copy): p.read_bytes() for p in built_copy.glob("data/qc/*/*.parquet")}
    handler.calls.clear()
    write_params(built_copy, {"qc": {"judge_openai": {"max_concurrency": 1}}})
    dvc("repro", "qc", cwd=built_copy)
    assert {p.relative_to(built_copy): p.read_bytes() for p in built_copy.glob("data/qc/*/*.parquet")} == threaded
