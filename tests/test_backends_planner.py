"""The stories stage through `dvc repro` with the OpenAI-compatible planner, against a local
chat-completions server that writes each story (with the template planner, from what the prompt
asks), fenced in prose, malformed once, or invalid every time. A story that never validates is a
row of `story_failures` with its last error; the others flow through every later stage."""
import json
import re
import threading
import zlib
from collections import Counter

import pyarrow.parquet as pq

from storycast.planners.base import StoryRequest
from storycast.planners.template import TemplatePlanner
from tests.chat_server import ChatServer, Reply
from tests.conftest import dvc, write_params

KEY_ENV, KEY = "STORYCAST_TEST_PLANNER_KEY", "sk-planner-never-logged-7"


def kind_of(story_id: str) -> str:
    return ("fenced", "malformed_then_valid", "never_valid", "plain")[zlib.crc32(story_id.encode()) % 4]


class Writer:
    """Answers a planner's question the way a good, a sloppy and a broken model would."""

    def __init__(self, pool: dict[str, dict]):
        self.pool, self.calls, self.lock = pool, Counter(), threading.Lock()

    def __call__(self, body: dict) -> Reply:
        ask = next(m for m in body["messages"] if m["role"] == "user")["content"]
        story_id, n = re.search(r"Write story '(\S+)' with exactly (\d+) frames", ask).groups()
        style = re.search(r"drawn in the (.+?) style", ask).group(1).replace(" ", "_")
        cast = tuple(self.pool[cid] for cid in re.findall(r"^- (\S+) \(", ask, re.M))
        with self.lock:
            self.calls[story_id] += 1
            n_call = self.calls[story_id]
        story = TemplatePlanner().plan(StoryRequest(story_id, cast, int(n), style, 11))
        kind = kind_of(story_id)
        if kind == "fenced":
            return Reply(content=f"Here is the story.\n```json\n{json.dumps(story)}\n```")
        if kind == "malformed_then_valid" and n_call == 1:
            return Reply(content=json.dumps(story)[:-40])                 # cut off mid-answer
        if kind == "never_valid":
            story["frames"] = story["frames"][:-1]                         # one frame short, every time
        return Reply(content=json.dumps(story))


def test_openai_planner_through_dvc_repro(built_copy, monkeypatch):
    pool = {r["character_id"]: r for r in pq.read_table(built_copy / "data/review/characters.parquet").to_pylist()}
    writer = Writer(pool)
    monkeypatch.setenv(KEY_ENV, KEY)
    with ChatServer(responder=writer) as server:
        write_params(built_copy, {"stories": {"planner": "openai", "openai": {
            "base_url": server.base_url, "model": "planner-test", "api_key_env": KEY_ENV, "max_retries": 1,
            "timeout_s": 10.0, "http_retries": 1, "backoff_s": 0.0, "max_concurrency": 2, "json_mode": True}}})
        proc = dvc("repro", "qc", cwd=built_copy)
    for name in ("characters", "templates", "review"):
        assert f"Stage '{name}' didn't change, skipping" in proc.stdout
    for name in ("stories", "controls", "render", "qc"):
        assert f"Running stage '{name}'" in proc.stdout
    rows = lambda folder: [r for p in sorted((built_copy / folder).glob("*.parquet"))  # noqa: E731
                           for r in pq.read_table(p).to_pylist()]
    stories, failures = rows("data/stories/stories"), rows("data/stories/failures")
    kinds = Counter(kind_of(s) for s in writer.calls)
    assert len(kinds) == 4 and min(kinds.values()) >= 1, kinds
    assert {s["story_id"] for s in stories} == {s for s in writer.calls if kind_of(s) != "never_valid"}
    assert {s["planner"] for s in stories} == {"openai:planner-test"}
    assert {f["story_id"] for f in failures} == {s for s in writer.calls if kind_of(s) == "never_valid"}
    for f in failures:
        assert f["planner"].startswith("openai") and f["attempts"] == 2 and "frames" in f["error"], f
    for story_id, calls in writer.calls.items():       # a malformed answer is asked again once
        assert calls == {"fenced": 1, "plain": 1, "malformed_then_valid": 2, "never_valid": 2}[kind_of(story_id)]
    rendered = {r["story_id"] for r in rows("data/render/render")}
    assert rendered == {s["story_id"] for s in stories}
    assert KEY not in proc.stdout + proc.stderr
    for path in built_copy.glob("data/stories/*/*.parquet"):
        assert KEY.encode() not in path.read_bytes()
