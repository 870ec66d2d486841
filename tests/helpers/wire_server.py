"""A model provider on 127.0.0.1 for tests: answers in OpenAI's, Anthropic's and Ollama's wire formats and
refuses what the real providers refuse, so litellm's real request code is exercised without any network.

`WireServer(rule)` starts on a free port (`url`); `rule(request) -> str` gives the answer text for a
`WireRequest` (its path, JSON body and headers). Routes, by the end of the path:
  /chat/completions  OpenAI, OpenRouter, vLLM (hosted_vllm), any OpenAI-compatible server
  /v1/messages       Anthropic
  /api/chat, /api/generate  Ollama
Every request is kept in `requests`; `max_in_flight` is the most requests served at once (`delay_s` holds each
one open that long). Refusals (HTTP 400, in the provider's error format), as the providers document them:
  - any provider: no credentials where the provider wants them (401);
  - OpenAI reasoning models (o1/o3/o4/gpt-5): a temperature other than 1, any top_p, `max_tokens` instead of
    `max_completion_tokens`;
  - Anthropic: a body key the Messages API does not define (e.g. `seed`: "Extra inputs are not permitted");
    `temperature` together with `top_p` on current models (Sonnet 4.5+, Opus 4.1+, Haiku 4.5+).
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Callable

ANTHROPIC_KEYS = {"model", "messages", "system", "max_tokens", "temperature", "top_p", "top_k", "stop_sequences",
                  "stream", "metadata", "thinking", "tools", "tool_choice", "service_tier", "context_management"}
REASONING = re.compile(r"^(o1|o3|o4|gpt-5)([-.:]|$)")
NEW_CLAUDE = re.compile(r"claude-(sonnet-4-5|opus-4-[1-9]|haiku-4-5)")


@dataclass
class WireRequest:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """Every message's text, joined (what a rule usually looks at)."""
        parts = [str(self.body.get("system", "")), str(self.body.get("prompt", ""))]
        for message in self.body.get("messages", []):
            content = message.get("content", "")
            if isinstance(content, list):
                content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
            parts.append(str(content))
        return "\n".join(parts)


@dataclass
class WireServer:
    rule: Callable[[WireRequest], str]
    delay_s: float = 0.0
    requests: list[WireRequest] = field(default_factory=list)
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = server.handle(WireRequest(self.path, body, {k.lower(): v for k, v in
                                                                            self.headers.items()}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WireServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def handle(self, request: WireRequest) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            path = request.path.split("?")[0]
            if path.endswith("/chat/completions"):
                return self._openai(request)
            if path.endswith("/v1/messages"):
                return self._anthropic(request)
            if path.endswith("/api/chat") or path.endswith("/api/generate"):
                return self._ollama(request, chat=path.endswith("/api/chat"))
            return 404, {"error": f"no route {path}"}
        finally:
            with self._lock:
                self._in_flight -= 1

    def _openai(self, request: WireRequest) -> tuple[int, dict]:
        body, model = request.body, str(request.body.get("model", ""))
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return 401, _openai_error("You didn't provide an API key.", "invalid_request_error")
        if REASONING.search(model):
            if "temperature" in body and body["temperature"] != 1:
                return 400, _openai_error(f"Unsupported value: 'temperature' does not support {body['temperature']}"
                                          " with this model. Only the default (1) value is supported.",
                                          "invalid_request_error", "temperature")
            if "top_p" in body:
                return 400, _openai_error("Unsupported parameter: 'top_p' is not supported with this model.",
                                          "invalid_request_error", "top_p")
            if "max_tokens" in body:
                return 400, _openai_error("Unsupported parameter: 'max_tokens' is not supported with this model. "
                                          "Use 'max_completion_tokens' instead.", "invalid_request_error",
                                          "max_tokens")
        text = self.rule(request)
        return 200, {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": text}}],
                     "usage": {"prompt_tokens": len(request.text.split()), "completion_tokens": len(text.split()),
                               "total_tokens": len(request.text.split()) + len(text.split()),
                               "prompt_tokens_details": {"cached_tokens": 0}}}

    def _anthropic(self, request: WireRequest) -> tuple[int, dict]:
        body, model = request.body, str(request.body.get("model", ""))
        if not request.headers.get("x-api-key"):
            return 401, _anthropic_error("authentication_error", "x-api-key header is required")
        extra = sorted(set(body) - ANTHROPIC_KEYS)
        if extra:
            return 400, _anthropic_error("invalid_request_error", f"{extra[0]}: Extra inputs are not permitted")
        if "max_tokens" not in body:
            return 400, _anthropic_error("invalid_request_error", "max_tokens: Field required")
        if NEW_CLAUDE.search(model) and "temperature" in body and "top_p" in body:
            return 400, _anthropic_error("invalid_request_error", "`temperature` and `top_p` cannot both be "
                                         "specified for this model. Please use only one.")
        text = self.rule(request)
        return 200, {"id": "msg_test", "type": "message", "role": "assistant", "model": model,
                     "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
                     "usage": {"input_tokens": len(request.text.split()), "output_tokens": len(text.split())}}

    def _ollama(self, request: WireRequest, chat: bool) -> tuple[int, dict]:
        text = self.rule(request)
        answer = {"model": request.body.get("model", ""), "created_at": "2026-12-07T00:00:00Z", "done": True,
                  "done_reason": "stop", "prompt_eval_count": len(request.text.split()),
                  "eval_count": len(text.split())}
        if chat:
            answer["message"] = {"role": "assistant", "content": text}
        else:
            answer["response"] = text
        return 200, answer


def _openai_error(message: str, kind: str, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": "unsupported_parameter"
                      if param else None}}


def _anthropic_error(kind: str, message: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": message}}
