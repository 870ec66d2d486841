"""Run a GGUF model in this process with llama.cpp (the prebuilt `xllamacpp` binding) and chat with it.

Contract
- `get_model(path, n_ctx=8192, threads=2)` returns the process's one `LocalModel` for
  (resolved path, n_ctx, threads), loading it on first use (about 1-2 s for the 1.5B on an idle machine).
- `LocalModel.chat(messages, ...)` runs one chat completion with the chat template stored in the GGUF and
  returns a `ChatResult` (text, finish reason, token counts, prompt and generation speed, the raw answer).
  Sampling parameters follow the OpenAI / llama.cpp-server request schema; the ones we use are explicit
  arguments, anything else llama.cpp understands can go in `extra`. Unset ones take llama.cpp's defaults
  (temperature 0.8, top_k 40, top_p 0.95, random seed): pass `temperature=0` (greedy) or a `seed` to
  make a call reproducible (same build, same threads).
- One generation at a time per model (a lock): a second thread waits. The binding releases the GIL
  while it generates, so other Python threads keep running.
- The KV cache of the previous call is kept, so a call that shares a long prompt prefix with the one
  before skips that prefix (`ChatResult.cached_tokens`); up to `cache_ram_mib` of earlier prompts'
  states are also kept in RAM and restored when a conversation comes back.
- Errors from llama.cpp (prompt longer than the context, invalid request) raise `LocalModelError` with
  llama.cpp's error `kind` (e.g. "exceed_context_size_error").
- `close()` / `close_all()` free the model (also run at exit). A forked child never uses or frees its
  parent's models: it loads its own on first use. Such a child must leave with `os._exit` (multiprocessing
  and subprocess do; checked): once a model is loaded, llama.cpp's static log thread does not survive a
  fork, and a plain `os.fork()` child that exits normally hangs or aborts in C++ static destructors.

Why these server settings: xllamacpp always starts llama.cpp's HTTP server next to the in-process API.
We bind it to a Unix socket in a private 0700 folder instead of a TCP port, so nothing on the machine
(a notebook written by the model, say) can reach it over loopback, and we require a random API key on it
anyway. The in-process calls bypass the HTTP layer and need no key.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Sequence


class LocalModelError(RuntimeError):
    """llama.cpp refused or failed a request; `kind` is its error type."""

    def __init__(self, message: str, kind: str = "server_error", code: int = 500):
        super().__init__(message)
        self.kind, self.code = kind, code


@dataclass(frozen=True)
class ChatResult:
    text: str
    finish_reason: str  # "stop" (end of turn or a stop sequence) or "length" (max_tokens reached)
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int  # prompt tokens reused from the KV cache, not recomputed
    prompt_tok_s: float  # over the prompt tokens actually computed
    gen_tok_s: float
    prompt_ms: float
    gen_ms: float
    raw: dict = field(repr=False)  # llama.cpp's OpenAI-shaped answer, `timings` included

    def timings(self) -> dict[str, float | int]:
        """The speed figures as a plain dict (what callers record per call)."""
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "cached_tokens": self.cached_tokens, "prompt_tok_s": self.prompt_tok_s,
                "gen_tok_s": self.gen_tok_s, "prompt_ms": self.prompt_ms, "gen_ms": self.gen_ms}


@dataclass(frozen=True)
class Settings:
    n_ctx: int = 8192  # 8192 tokens of KV cache cost about 235 MB for the 1.5B (f16, 28 layers x 2 KV heads)
    threads: int = 2
    # llama.cpp's default is 8192 MiB; 1 GiB still holds about a dozen 3,000-token conversations of the 1.5B.
    cache_ram_mib: int = 1024
    verbosity: int = 1  # llama.cpp log level on stderr: 0 output, 1 errors, 2 warnings, 3 info
    listen: str = "unix"  # "unix": a socket in a private folder; "tcp": 127.0.0.1 on a random port


class LocalModel:
    """One loaded GGUF model; see the module doc for the contract."""

    def __init__(self, path: Path, settings: Settings = Settings()):
        # lazy: a 106 MB shared library that only model users need (the compiled module itself: the package
        # re-exports it with a star import a type checker cannot follow)
        from xllamacpp.xllamacpp import CommonParams, Server

        self.path, self.settings = Path(path).resolve(), settings
        if not self.path.is_file():
            raise LocalModelError(f"no model file at {self.path}", kind="not_found")
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._socket_dir = None
        params = CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = settings.n_ctx
        params.n_parallel = 1  # one slot: one generation at a time, and its KV cache is the prefix cache
        params.cpuparams.n_threads = settings.threads
        params.cpuparams_batch.n_threads = settings.threads
        params.cache_ram_mib = settings.cache_ram_mib
        params.verbosity = settings.verbosity
        params.offline = True  # never let llama.cpp try to download anything
        params.ui = False
        params.endpoint_slots = False
        params.endpoint_metrics = True  # for the start-up round trip below
        params.n_threads_http = 1
        params.api_keys = [secrets.token_hex(16)]
        if settings.listen == "unix":
            # mkdtemp makes a 0700 folder; keep the path short (Unix socket paths are limited to 107 bytes).
            short_tmp = "/tmp" if len(tempfile.gettempdir()) > 60 else None
            self._socket_dir = tempfile.mkdtemp(prefix="evolve-llm-", dir=short_tmp)
            params.hostnames = [os.path.join(self._socket_dir, "llama.sock")]
        elif settings.listen == "tcp":
            params.hostnames, params.port = ["127.0.0.1"], 0
        else:
            raise ValueError(f"listen must be 'unix' or 'tcp', not {settings.listen!r}")
        try:
            self._server = Server(params)
        except Exception as error:
            self._remove_socket_dir()
            raise LocalModelError(f"llama.cpp could not load {self.path}: {error}", kind="load_error") from error
        # xllamacpp returns from Server() before llama.cpp's task loop has started, and that loop sets its
        # "running" flag when it starts: a close() in between is overwritten and the destructor then waits
        # for the loop forever (seen: load then close at once hangs). A metrics request is answered by the
        # loop itself, so once it returns the loop is running and close() is safe.
        self._server.handle_metrics()
        self.listening_address: str = self._server.listening_address

    def chat(self, messages: Sequence[dict], *, temperature: float | None = None, top_p: float | None = None,
             top_k: int | None = None, max_tokens: int | None = None, seed: int | None = None,
             repeat_penalty: float | None = None, stop: str | Sequence[str] | None = None,
             extra: dict[str, Any] | None = None) -> ChatResult:
        """One chat completion (not streamed); see the module doc."""
        request: dict[str, Any] = dict(extra or {})
        request.update({k: v for k, v in {
            "temperature": temperature, "top_p": top_p, "top_k": top_k, "max_tokens": max_tokens,
            "seed": seed, "repeat_penalty": repeat_penalty,
            "stop": [stop] if isinstance(stop, str) else (list(stop) if stop else None),
        }.items() if v is not None})
        request["messages"] = [dict(m) for m in messages]
        request["stream"] = False
        with self._lock:
            server = self._usable_server()
            try:
                answer = server.handle_chat_completions(request)
            except ValueError as error:  # the binding raises llama.cpp's request-shape errors
                raise LocalModelError(str(error), kind="invalid_request_error", code=400) from error
        return _result(answer)

    def close(self) -> None:
        """Free the model and its listener. Idempotent; later `chat` calls raise."""
        with self._lock:
            server, self._server = self._server, None
            if server is not None and os.getpid() == self._pid:
                del server  # the binding's destructor stops llama.cpp's loop and joins its threads
        self._remove_socket_dir()

    @property
    def closed(self) -> bool:
        return self._server is None or os.getpid() != self._pid

    def _usable_server(self):
        if os.getpid() != self._pid:
            raise LocalModelError("this model was loaded by the parent process; use get_model() in the child",
                                  kind="forked")
        if self._server is None:
            raise LocalModelError(f"model {self.path.name} is closed", kind="closed")
        return self._server

    def _remove_socket_dir(self) -> None:
        if self._socket_dir and os.getpid() == self._pid:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def _abandon_after_fork(self) -> None:
        # The child has a copy of the server object but not its threads: destroying it would join threads
        # that do not exist here. Keep one extra reference forever so its destructor never runs.
        if self._server is not None:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(self._server))
            self._server = None
        self._socket_dir = None


def _result(answer: dict) -> ChatResult:
    if "error" in answer or "choices" not in answer:
        error = answer.get("error", answer)
        raise LocalModelError(str(error.get("message", error)), kind=str(error.get("type", "server_error")),
                              code=int(error.get("code", 500)))
    choice, usage, timings = answer["choices"][0], answer.get("usage", {}), answer.get("timings", {})
    return ChatResult(
        text=choice["message"].get("content") or "",
        finish_reason=choice.get("finish_reason") or "stop",
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        cached_tokens=int(timings.get("cache_n", 0)),
        prompt_tok_s=float(timings.get("prompt_per_second", 0.0)),
        gen_tok_s=float(timings.get("predicted_per_second", 0.0)),
        prompt_ms=float(timings.get("prompt_ms", 0.0)),
        gen_ms=float(timings.get("predicted_ms", 0.0)),
        raw=answer,
    )


_MODELS: dict[tuple[str, int, int], LocalModel] = {}
_MODELS_LOCK = threading.Lock()


def get_model(path: Path, n_ctx: int = 8192, threads: int = 2, **settings: Any) -> LocalModel:
    """The process's model for (path, n_ctx, threads), loaded on first use.

    Other `Settings` fields apply only when this call is the one that loads the model."""
    key = (str(Path(path).resolve()), int(n_ctx), int(threads))
    with _MODELS_LOCK:  # also makes two threads asking for the same new model load it once
        model = _MODELS.get(key)
        if model is None or model.closed:
            model = _MODELS[key] = LocalModel(Path(key[0]), Settings(n_ctx=n_ctx, threads=threads, **settings))
        return model


def loaded_models() -> list[LocalModel]:
    with _MODELS_LOCK:
        return [m for m in _MODELS.values() if not m.closed]


def close_all() -> None:
    """Free every model this process loaded."""
    with _MODELS_LOCK:
        models = list(_MODELS.values())
        _MODELS.clear()
    for model in models:
        model.close()


def _after_fork_in_child() -> None:
    global _MODELS_LOCK
    _MODELS_LOCK = threading.Lock()  # it may have been held by another thread at the fork
    for model in _MODELS.values():
        model._lock = threading.Lock()
        model._abandon_after_fork()
    _MODELS.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(close_all)
