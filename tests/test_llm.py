"""The wire layer against a real HTTP server on 127.0.0.1 that answers what each test scripts."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import openai
import pytest
from click.testing import CliRunner
from support import LLAMA_CPP_PYTHON_500, completion, error
from support import stub_backend as backend

from briefer.cli.main import cli
from briefer.errors import LLMError
from briefer.llm.base import ChatRequest
from briefer.llm.openai import MAX_PAUSE, Cooldown, OpenAIBackend, response_format
from briefer.testing import fact

SCHEMA = {
    "type": "object",
    "properties": {"facts": {"type": "array"}},
    "required": ["facts"],
    "additionalProperties": False,
}
REQUEST = ChatRequest(
    messages=({"role": "user", "content": "hi"},), schema=SCHEMA, schema_name="extraction", max_tokens=64
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


# --------------------------------------------------------------------------- structured mode detection


def formats(server):
    return [r["response_format"]["type"] for r in server.requests]


def test_auto_mode_does_not_switch_on_a_transient_500(server):
    server.script = [error(500, "internal hiccup"), error(503), completion(), completion()]
    b = backend(server, mode="auto")
    b.chat(REQUEST)
    b.chat(REQUEST)
    assert formats(server) == ["json_schema"] * 4
    assert b.structured_mode == "json_schema"


def test_auto_mode_switches_on_the_llama_cpp_python_500_once_and_logs_it(server, caplog):
    server.script = [error(500, LLAMA_CPP_PYTHON_500), completion(), completion()]
    b = backend(server, mode="auto")
    assert b.structured_mode == "auto"
    b.chat(REQUEST)
    b.chat(REQUEST)
    assert formats(server) == ["json_schema", "json_object", "json_object"]
    assert b.structured_mode == "json_object"
    switches = [r for r in caplog.records if "using json_object" in r.getMessage()]
    assert len(switches) == 1 and "HTTP 500" in switches[0].getMessage()


@pytest.mark.parametrize("status", [400, 422])
def test_auto_mode_switches_on_a_4xx_naming_the_response_format(server, status):
    server.script = [error(status, "response_format json_schema is not supported"), completion()]
    b = backend(server, mode="auto")
    b.chat(REQUEST)
    assert formats(server) == ["json_schema", "json_object"] and b.structured_mode == "json_object"


def test_auto_mode_does_not_switch_on_a_400_about_something_else(server):
    server.script = [error(400, "messages: too long"), completion()]
    b = backend(server, mode="auto")
    with pytest.raises(LLMError, match="HTTP 400: messages: too long"):
        b.chat(REQUEST)
    assert len(server.requests) == 1 and b.structured_mode == "auto"


def test_auto_mode_stays_undecided_when_detection_fails_and_detects_on_the_next_call(server):
    server.script = [error(503), error(503), completion()]
    b = backend(server, mode="auto", attempts=2)
    with pytest.raises(LLMError, match="HTTP 503"):
        b.chat(REQUEST)
    assert b.structured_mode == "auto"
    b.chat(REQUEST)
    assert formats(server) == ["json_schema"] * 3 and b.structured_mode == "json_schema"


def test_a_configured_json_schema_refused_by_the_server_says_which_mode_to_try(server):
    server.script = [error(500, LLAMA_CPP_PYTHON_500)] * 3
    with pytest.raises(LLMError, match="try --structured-mode json_object") as info:
        backend(server, mode="json_schema").chat(REQUEST)
    assert len(server.requests) == 1 and "\n" not in str(info.value)


def test_concurrent_callers_switch_the_mode_once(server, caplog):
    """Eight threads share one backend; the server rejects json_schema and answers json_object.

    Nobody waits for a first verdict: each thread may send json_schema once before
    the switch, and only refused requests are sent again, so each is answered once.
    """
    server.respond = lambda body: (
        error(500, LLAMA_CPP_PYTHON_500) if body["response_format"]["type"] == "json_schema" else completion()
    )
    b = backend(server, mode="auto")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: b.chat(REQUEST), range(8)))
    assert all(r.finish_reason == "stop" for r in results)
    assert 1 <= formats(server).count("json_schema") <= 8
    assert formats(server).count("json_object") == 8
    assert b.structured_mode == "json_object" and b.calls == 8
    assert len([r for r in caplog.records if "using json_object" in r.getMessage()]) == 1


# --------------------------------------------------------------------------- Retry-After


def test_503_honours_retry_after(server):
    sleeps = []
    server.script = [error(503, headers={"Retry-After": "7"}), completion()]
    backend(server, sleeps=sleeps).chat(REQUEST)
    assert [s for s in sleeps if s > 0] == [7.0]


def test_a_huge_retry_after_is_capped_and_logged(server, caplog):
    sleeps = []
    server.script = [error(429, headers={"Retry-After": "3600"}), completion()]
    backend(server, sleeps=sleeps).chat(REQUEST)
    assert [s for s in sleeps if s > 0] == [MAX_PAUSE]
    lines = [r.getMessage() for r in caplog.records if "pausing" in r.getMessage()]
    assert lines == [
        f"the LLM at {server_url(server)}/ answered HTTP 429 with Retry-After 3600 s; pausing 60 s (capped)"
    ]


def test_retry_after_as_an_http_date(server):
    sleeps = []
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.script = [error(503, headers={"Retry-After": when}), completion()]
    backend(server, sleeps=sleeps).chat(REQUEST)
    (waited,) = [s for s in sleeps if s > 0]
    assert 25 <= waited <= 30


def server_url(server):
    return f"http://127.0.0.1:{server.server_port}/v1"


def test_a_cached_rerun_after_auto_detection_is_byte_identical_and_names_the_mode_used(server, tmp_path):
    """The cache is keyed on the configured "auto"; each row keeps the mode "auto" settled on."""
    answer = {"facts": [fact("Kim flew to Vladivostok.", "Kim flew to Vladivostok on Monday")]}
    server.script = [error(500, LLAMA_CPP_PYTHON_500), completion(json.dumps(answer))]
    outputs = [tmp_path / "first.md", tmp_path / "again.md"]
    for out in outputs:
        args = ["brief", "-", "-o", str(out), "--base-url", server_url(server), "--model", "m"]
        result = CliRunner().invoke(cli, args, input="Kim flew to Vladivostok on Monday.\n")
        assert result.exit_code == 0, result.output
    assert len(server.requests) == 2
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    assert "json\\_object output" in outputs[1].read_text(encoding="utf-8")


def test_credentials_in_the_base_url_never_reach_a_message():
    from click.testing import CliRunner

    from briefer.cli.main import cli

    url = "http://alice:s3cret@127.0.0.1:9/v1"
    result = CliRunner().invoke(
        cli, ["brief", "examples/kim-putin-summit.txt", "--base-url", url, "-m", "m", "--no-cache"]
    )
    assert result.exit_code == 3 and "s3cret" not in result.stderr and "***@127.0.0.1:9" in result.stderr
    doctor = CliRunner().invoke(cli, ["doctor", "--base-url", url])
    assert "s3cret" not in doctor.stdout + doctor.stderr
