"""Shared fixtures: no test touches the real user directories or a real API key.

And no test leaves a process behind: every process the suite starts inherits
``BRIEFER_TEST_RUN`` (this run's own value), and at the end of the session any
live process that still carries it is killed and fails the run.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
from support import Scripted, kill_leftovers

from briefer import load_article

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "kim-putin-summit.txt"


RUN_MARK = "BRIEFER_TEST_RUN"


def pytest_configure(config):
    os.environ[RUN_MARK] = f"{os.getpid()}-{uuid.uuid4().hex}"


def pytest_sessionfinish(session, exitstatus):
    left = kill_leftovers(RUN_MARK, os.environ[RUN_MARK])
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{pid}: {cmd}" for pid, cmd in left]
        message = "processes started by the tests outlived them (killed now):\n  " + "\n  ".join(lines)
        if reporter:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("briefer-home")
    monkeypatch.setenv("BRIEFER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("BRIEFER_CONFIG", str(home / "config.toml"))
    # The scripted servers and fake backends answer paraphrase-mode JSON (claims); quote-mode tests say so.
    monkeypatch.setenv("BRIEFER_STATEMENTS", "paraphrase")
    for var in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "BRIEFER_MODEL",
        "BRIEFER_MODEL_PATH",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def example():
    return load_article(str(EXAMPLE))


@pytest.fixture
def server():
    """A scripted OpenAI-compatible server on 127.0.0.1: set ``server.script``, read ``server.requests``."""
    srv = Scripted()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
