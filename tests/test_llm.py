"""The wire layer against a real HTTP server on 127.0.0.1 that answers what each test scripts."""

from __future__ import annotations

import openai
import pytest
from support import completion, error

from briefer.errors import LLMError
from briefer.llm.base import ChatRequest
from briefer.llm.openai import Cooldown, OpenAIBackend, response_format

SCHEMA = {
    "type": "object",
    "properties": {"facts": {"type": "array"}},
    "required": ["facts"],
    "additionalProperties": False,
}
REQUEST = ChatRequest(
    messages=({"role": "user", "content": "hi"},), schema=SCHEMA, schema_name="extraction", max_tokens=64
)


def backend(server, mode="json_schema", sleeps=None, attempts=4):
    """A backend whose sleeps are recorded and advance a fake clock instead of waiting."""
    client = openai.OpenAI(
        api_key="test", base_url=f"http://127.0.0.1:{server.server_port}/v1", max_retries=5
    )
    sleeps = sleeps if sleeps is not None else []
    now = [0.0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    return OpenAIBackend(
        client, "m", structured_mode=mode, attempts=attempts, sleep=sleep, clock=lambda: now[0]
    )


def test_success_returns_content_finish_reason_and_usage(server):
    server.script = [completion('{"facts": [1]}')]
    result = backend(server).chat(REQUEST)
    assert (result.content, result.finish_reason) == ('{"facts": [1]}', "stop")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (11, 7)
    sent = server.requests[0]
    assert sent["response_format"] == response_format("json_schema", "extraction", SCHEMA)
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert (sent["max_tokens"], sent["temperature"]) == (64, 0.0)


def test_json_object_mode_sends_the_schema_the_llama_cpp_python_way(server):
    server.script = [completion()]
    backend(server, mode="json_object").chat(REQUEST)
    assert server.requests[0]["response_format"] == {"type": "json_object", "schema": SCHEMA}


def test_429_honours_retry_after_and_sdk_retries_are_off(server):
    sleeps = []
    server.script = [error(429, headers={"Retry-After": "3"}), error(503), completion()]
    result = backend(server, sleeps=sleeps).chat(REQUEST)
    assert result.finish_reason == "stop"
    assert len(server.requests) == 3  # the SDK was built with max_retries=5: ours are the only retries
    waits = [s for s in sleeps if s > 0]
    assert waits[0] == 3.0 and len(waits) == 2 and waits[1] <= 1.0


def test_400_is_never_retried(server):
    server.script = [error(400, "bad schema"), completion()]
    with pytest.raises(LLMError, match="HTTP 400: bad schema"):
        backend(server).chat(REQUEST)
    assert len(server.requests) == 1


def test_persistent_5xx_gives_up_after_bounded_attempts(server):
    server.script = [error(502)] * 5
    with pytest.raises(LLMError, match="HTTP 502"):
        backend(server, attempts=3).chat(REQUEST)
    assert len(server.requests) == 3


def test_auth_error_is_one_clear_line(server):
    server.script = [error(401, "invalid key")]
    with pytest.raises(LLMError, match="rejected the API key") as info:
        backend(server).chat(REQUEST)
    assert "\n" not in str(info.value)


def test_auto_mode_falls_back_to_json_object_when_json_schema_gets_a_500(server):
    server.script = [error(500, "json_schema not supported"), completion(), completion()]
    b = backend(server, mode="auto")
    b.chat(REQUEST)
    b.chat(REQUEST)
    kinds = [r["response_format"]["type"] for r in server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert b.structured_mode == "json_object"


def test_auto_mode_keeps_json_schema_when_it_works(server):
    server.script = [completion()]
    b = backend(server, mode="auto")
    b.chat(REQUEST)
    assert b.structured_mode == "json_schema"


def test_unreachable_endpoint_is_a_clear_error():
    with socket_free_port() as port:
        client = openai.OpenAI(api_key="x", base_url=f"http://127.0.0.1:{port}/v1", timeout=2)
        b = OpenAIBackend(client, "m", structured_mode="json_schema", attempts=2, sleep=lambda s: None)
        with pytest.raises(LLMError, match="Cannot reach the LLM at http://127.0.0.1"):
            b.chat(REQUEST)


def test_length_finish_reason_is_reported_not_hidden(server):
    server.script = [completion('{"facts": [', finish="length")]
    assert backend(server).chat(REQUEST).finish_reason == "length"


def test_cooldown_is_shared_by_every_caller():
    now = [100.0]
    sleeps = []
    cooldown = Cooldown(sleeps.append, clock=lambda: now[0])
    cooldown.hold(5)
    cooldown.wait()
    now[0] = 103.0
    cooldown.wait()
    now[0] = 106.0
    cooldown.wait()
    assert sleeps == [5.0, 2.0]


class socket_free_port:
    """A port that nothing listens on (bound then closed)."""

    def __enter__(self):
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *exc):
        return False
