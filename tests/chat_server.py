"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (a random free port).

Each POST to `/v1/chat/completions` takes the next `Reply` of the script: a chat answer (`content`),
or a raw status/body/headers (429 with Retry-After, 500, a body that is not JSON), optionally after
a delay (to trip client timeouts). When the script is empty, a `responder` (request JSON -> Reply),
if given, answers instead (for many concurrent callers such as a stage's workers); otherwise an
exhausted script answers 500, so a retry loop under test is always bounded. Every request (JSON
body, headers, arrival time) is recorded; the peak number of requests in flight is tracked.
`stop()` ends delays at once and joins the server thread.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str | None = None          # a chat answer's text (status 200, wrapped as a completion)
    status: int = 200
    body: bytes | str | None = None     # raw body instead of a completion
    headers: dict = field(default_factory=dict)
    delay: float = 0.0                  # seconds to wait before answering
    finish_reason: str = "stop"


def completion(content: str, model: str = "scripted", finish_reason: str = "stop") -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": finish_reason,
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class ChatServer:
    def __init__(self, script: list[Reply] | None = None, responder=None):
        self.script: list[Reply] = list(script or [])
        self.responder = responder
        self.requests: list[dict] = []
        self.in_flight = self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with server._lock:
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = None
                    server.requests.append({"path": self.path, "json": body, "time": time.monotonic(),
                                            "headers": {k.lower(): v for k, v in self.headers.items()}})
                    reply = server.script.pop(0) if server.script else None
                counted = True

                def done():          # the request stops counting once its answer is decided, before the
                    nonlocal counted  # client can read it: a client that sends its next request on reading
                    if counted:       # it must not find this handler's thread still counted (CI under load)
                        counted = False
                        with server._lock:
                            server.in_flight -= 1
                try:
                    if reply is None:
                        reply = (server.responder(body) if server.responder
                                 else Reply(status=500, body="script exhausted"))
                    if self.path != "/v1/chat/completions":
                        reply = Reply(status=404, body="not found")
                    if reply.delay:
                        server._stopping.wait(reply.delay)
                    if reply.body is not None:
                        data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                    else:
                        answer = completion(reply.content or "", finish_reason=reply.finish_reason)
                        data = json.dumps(answer).encode()
                    done()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to answer
                finally:
                    done()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def add(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
