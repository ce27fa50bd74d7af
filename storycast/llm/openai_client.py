"""`openai`: any OpenAI-compatible chat-completions endpoint (vLLM, SGLang, TGI, Ollama, hosted).

Plain `urllib` (no extra dependency). Every call has a timeout; 408/409/425/429/5xx answers,
timeouts and dropped connections are retried with exponential backoff and jitter, honouring a
`Retry-After` header (seconds or an HTTP date, capped at `backoff_max_s`); at most
`max_concurrency` requests per endpoint are in flight in one process. The API key is read from
the environment variable *named* in params; it is sent only in the Authorization header and is
never logged or put in an exception (server text is redacted before it is shown).
"""
from __future__ import annotations

import email.utils
import http.client
import json
import logging
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from storycast.llm import JsonChat, LLMError

log = logging.getLogger("storycast.llm.openai")
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
PREFIX = "openai"
_EXCERPT = 200
_SEMAPHORES: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


def _semaphore(endpoint: str, limit: int) -> threading.BoundedSemaphore:
    """One limit per endpoint shared by every client of this process (threads included)."""
    with _SEMAPHORES_LOCK:
        return _SEMAPHORES.setdefault((endpoint, limit), threading.BoundedSemaphore(limit))


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when is not None else None


class OpenAIChatClient(JsonChat):
    """Chat completions over HTTP: `chat(messages) -> str`, `chat_json(...)` (see `storycast.llm`)."""

    name = "openai"

    def __init__(self, base_url: str, model: str, api_key_env: str = "OPENAI_API_KEY",
                 timeout_s: float = 120.0,
                 http_retries: int = 4, backoff_s: float = 1.0, backoff_max_s: float = 60.0,
                 max_concurrency: int = 4, temperature: float = 0.0, max_tokens: int = 4096,
                 json_mode: bool = False, json_retries: int = 2, key: str = "openai"):
        parsed = urllib.parse.urlsplit(base_url or "")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise LLMError(f"{key}.base_url={base_url!r} must be an http(s) URL, e.g. http://127.0.0.1:8000/v1")
        for field, value, low in (("timeout_s", timeout_s, 1e-3), ("backoff_s", backoff_s, 0.0),
                                  ("backoff_max_s", backoff_max_s, 0.0), ("temperature", temperature, 0.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
                raise LLMError(f"{key}.{field}={value!r} must be a number >= {low}")
        for field, value, low in (("http_retries", http_retries, 0), ("max_concurrency", max_concurrency, 1),
                                  ("max_tokens", max_tokens, 1), ("json_retries", json_retries, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise LLMError(f"{key}.{field}={value!r} must be an integer >= {low}")
        if not model:
            raise LLMError(f"{key}.model is empty: name the model the endpoint serves")
        # Shown in logs and errors: scheme, host, port and path only (never userinfo or a query).
        host = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        self.endpoint = f"{parsed.scheme}://{host}{parsed.path.rstrip('/')}/chat/completions"
        self._url = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path.rstrip("/")
                                             + "/chat/completions", parsed.query, ""))
        self.model, self.timeout_s, self.http_retries = model, float(timeout_s), int(http_retries)
        self.backoff_s, self.backoff_max_s = float(backoff_s), float(backoff_max_s)
        self.temperature, self.max_tokens = float(temperature), int(max_tokens)
        self.json_mode = bool(json_mode)
        self.json_retries = int(json_retries)
        self._api_key = ""
        if api_key_env:
            self._api_key = os.environ.get(api_key_env, "")
            if not self._api_key:
                raise LLMError(f"{key}.api_key_env names the environment variable {api_key_env!r}, which is "
                               f"not set; export it (or set {key}.api_key_env: '' for an endpoint "
                               f"without a key)")
        self.max_concurrency = int(max_concurrency)
        self._semaphore = _semaphore(self.endpoint, int(max_concurrency))
        self._jitter = random.Random()

    def __repr__(self) -> str:
        return f"OpenAIChatClient(endpoint={self.endpoint!r}, model={self.model!r})"

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if len(self._api_key) >= 4 else text

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half the step fixed, half random."""
        step = min(self.backoff_max_s, self.backoff_s * 2 ** attempt)
        return step / 2 + self._jitter.uniform(0, step / 2)

    def _post(self, payload: bytes) -> tuple[int, dict, bytes]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self._url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            body = err.read() if err.fp is not None else b""
            return err.code, dict(err.headers or {}), body

    def _content(self, body: bytes) -> str:
        doc = json.loads(body)
        choice = doc["choices"][0]
        if choice.get("finish_reason") == "length":
            log.warning("%s: the answer was cut at max_tokens=%d", self.endpoint, self.max_tokens)
        content = choice["message"].get("content")
        return content if isinstance(content, str) else ""

    def chat(self, messages: list[dict], *, seed: int | None = None, max_tokens: int | None = None) -> str:
        """One answer's text; retries transport failures; raises `LLMError` when they persist."""
        body = {"model": self.model, "messages": messages, "temperature": self.temperature,
                "max_tokens": int(max_tokens or self.max_tokens)}
        if seed is not None:
            body["seed"] = int(seed) % 2**31
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        payload = json.dumps(body).encode()
        reason = "no attempt made"
        for attempt in range(self.http_retries + 1):
            wait = None
            try:
                with self._semaphore:
                    status, headers, raw = self._post(payload)
            except TimeoutError:
                reason = f"timed out after {self.timeout_s:g} s"
            except urllib.error.URLError as err:
                timeout = isinstance(err.reason, (TimeoutError, socket.timeout))
                reason = f"timed out after {self.timeout_s:g} s" if timeout else \
                    f"connection failed ({self._redact(str(err.reason))})"
            except (ConnectionError, http.client.HTTPException, OSError) as err:
                reason = f"connection failed ({type(err).__name__})"
            else:
                excerpt = self._redact(raw[:_EXCERPT].decode("utf-8", "replace")).strip()
                if status == 200:
                    try:
                        return self._content(raw)
                    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                        reason = f"HTTP 200 with a body that is not a chat completion: {excerpt!r}"
                elif status in RETRY_STATUS:
                    reason = f"HTTP {status}" + (f": {excerpt!r}" if excerpt else "")
                    retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after")
                    wait = retry_after_seconds(retry_after)
                else:
                    raise LLMError(f"{self.endpoint}: HTTP {status} (not retried): {excerpt!r}") from None
            if attempt == self.http_retries:
                break
            delay = min(wait, self.backoff_max_s) if wait is not None else self._backoff(attempt)
            log.warning("%s: %s; retry %d/%d in %.2f s", self.endpoint, reason, attempt + 1,
                        self.http_retries, delay)
            time.sleep(delay)
        raise LLMError(f"{self.endpoint}: no answer after {self.http_retries + 1} attempts; "
                       f"last error: {reason}") from None
