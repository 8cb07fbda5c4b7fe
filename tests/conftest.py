"""Shared fixtures: no test touches the real user directories or a real API key."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support import Scripted

from briefer import load_article

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "kim-putin-summit.txt"


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
