"""``briefer doctor``'s verdict: can the chosen backend answer? Rows to print, and the problem if not.

Only what the chosen backend needs is checked: a configured server is asked for its model
list (with the API key, as a run would); the embedded model needs its engine and a model
file (installed packages to assemble it from count), and then it is started and asked one
tiny question (:func:`ask_model`), unless ``--quick``.
"""

from __future__ import annotations

import json
import time
from typing import Any

Rows = list[tuple[str, str]]
QUESTION = "Answer in one word: what colour is the sky on a clear day?"
_ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}


def check_backend(settings: Any, kind: str) -> tuple[Rows, str | None]:
    """The chosen backend's rows and, when it cannot answer, why."""
    return check_remote(settings) if kind == "remote" else check_local(settings)


def check_remote(settings: Any) -> tuple[Rows, str | None]:
    """Ask the server for its models, authenticated as a run would be, within a few seconds."""
    import openai

    from ..errors import redact
    from ..llm.openai import openai_client
    from ..llm.remote import DEFAULT_REMOTE_MODEL

    url = redact((settings.base_url or "https://api.openai.com/v1").rstrip("/") + "/models")
    client = openai_client(settings).with_options(timeout=min(settings.timeout, 5.0))
    try:
        models = [m.id for m in client.models.list()]
    except openai.APIConnectionError as exc:
        problem = redact(f"{url} is not reachable: {exc.__cause__ or exc}")
        return [("server", problem)], problem
    except openai.APIStatusError as exc:
        why = " (the API key was refused)" if exc.status_code in (401, 403) else ""
        problem = f"{url} answered HTTP {exc.status_code}{why}"
        return [("server", problem)], problem
    rows = [("server", f"{url} answered; models: {', '.join(models[:10]) or 'none'}")]
    model = settings.model or (models[0] if settings.base_url and models else None)
    if model is None and settings.base_url:
        return rows, f"{url} lists no models; pass --model"
    rows.append(("model", model or DEFAULT_REMOTE_MODEL))
    return rows, None


def check_local(settings: Any) -> tuple[Rows, str | None]:
    """The embedded model's rows, and what is missing if it cannot start."""
    from ..llm.local.backend import doctor_rows

    return doctor_rows(settings), local_problem(settings)


def local_problem(settings: Any) -> str | None:
    """Why the embedded model cannot run (no engine, no usable model), or None."""
    from ..errors import ModelUnavailable
    from ..llm.local import model
    from ..llm.local.server import engine_version

    if engine_version() is None:
        return f"the local model server is not installed ({model.INSTALL_HINT})"
    try:
        if settings.model_path:
            model._explicit_model(settings.model_path.expanduser())
            return None
        dest = model.default_model_path(settings.model_cache_dir())
        if dest.is_file():
            model.verify_default_model(dest)
        elif model.packaged_parts() is None:
            return model.NO_MODEL_MESSAGE
    except ModelUnavailable as exc:
        return str(exc)
    return None


def ask_model(settings: Any, kind: str) -> tuple[Rows, str | None]:
    """Start the backend and ask it one tiny question: its answer and how long it took, or why not."""
    from ..errors import BrieferError
    from ..llm.base import ChatRequest
    from ..llm.select import BackendKind, open_backend

    request = ChatRequest(
        messages=({"role": "user", "content": QUESTION},),
        schema=_ANSWER_SCHEMA,
        schema_name="answer",
        max_tokens=24,
    )
    started = time.monotonic()
    try:
        with open_backend(settings, BackendKind(kind), lazy=False) as backend:
            ready = time.monotonic()
            result = backend.chat(request)
    except BrieferError as exc:
        return [("answer", f"none: {exc}")], str(exc)
    took, start = time.monotonic() - ready, ready - started
    said = f"{_answer(result.content)!r} in {took:.1f} s to a one-line question (started in {start:.1f} s)"
    return [("answer", said)], None


def _answer(content: str) -> str:
    try:
        value = json.loads(content)
    except ValueError:
        return content.strip()[:40]
    return str(value.get("answer", value) if isinstance(value, dict) else value).strip()[:40]
