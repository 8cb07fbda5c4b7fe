"""A state file that cannot be written: named with its fix; ``brief`` keeps its answer, ``digest`` refuses up front.

Root writes any file, so the read-only cases run briefer in a child process as
the unprivileged user 65534 (``setpriv``) when the tests run as root; they are
skipped if that is not possible. The model is the scripted server on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT
from support import completion
from test_cli import ANSWER

from briefer.state.base import StateError
from briefer.state.store import Store

NOBODY = 65534
FIX = "make it (and its folder) writable, or set BRIEFER_DATA_DIR to a folder you can write"


def unprivileged() -> list[str]:
    """The command prefix that runs a child without root's right to write any file."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file read-only to briefer")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture
def home():
    """A folder the unprivileged user can use (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="briefer-ro-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def read_only_state(home: Path) -> Path:
    """A healthy state file, owned by the child's user and read-only to it, in a folder it can write."""
    data = home / "data"
    data.mkdir(mode=0o777)
    data.chmod(0o777)
    path = data / "briefer.sqlite3"
    Store(path).close()
    if os.geteuid() == 0:
        for name in os.listdir(data):
            os.chown(data / name, NOBODY, NOBODY)
    path.chmod(0o444)
    return path


def briefer(prefix: list[str], home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "BRIEFER_DATA_DIR": str(home / "data"),
        "BRIEFER_CONFIG": str(home / "config.toml"),
        "BRIEFER_STATEMENTS": "paraphrase",  # the scripted answers are paraphrase-mode JSON
        "BRIEFER_TEST_RUN": os.environ.get("BRIEFER_TEST_RUN", ""),  # conftest.py's leftover check sees it
    }
    command = [*prefix, sys.executable, "-m", "briefer", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=home)


def test_brief_prints_the_answer_it_paid_for_and_warns_once_that_it_was_not_cached(server, home):
    prefix = unprivileged()
    state = read_only_state(home)
    before = state.read_bytes()
    article = home / "article.txt"
    shutil.copy(EXAMPLE, article)
    article.chmod(0o644)
    server.script = [completion(ANSWER)]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = briefer(prefix, home, "brief", str(article), "--base-url", base, "--max-chunk-tokens", "4000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# ") and "Kim will fly to Russia" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "cannot be written" in line]
    assert len(warnings) == 1, result.stderr
    assert str(state) in warnings[0] and FIX in warnings[0] and "not cached" in warnings[0]
    assert len(server.requests) == 1 and state.read_bytes() == before


def test_digest_refuses_before_any_model_call_naming_the_file_and_the_fix(server, home):
    prefix = unprivileged()
    state = read_only_state(home)
    (home / "in").mkdir(mode=0o777)
    shutil.copy(EXAMPLE, home / "in" / "a.txt")
    (home / "digest.toml").write_text(
        'name = "x"\noutput = "out"\n[sources]\npaths = ["in"]\n', encoding="utf-8"
    )
    server.script = [completion(ANSWER)]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = briefer(prefix, home, "digest", str(home / "digest.toml"), "--base-url", base)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"briefer: error: The state file {state} cannot be written") and FIX in line
    assert server.requests == [] and not (home / "out").exists()


def test_digest_in_a_read_only_data_folder_refuses_naming_the_fix(server, home):
    prefix = unprivileged()
    data = home / "data"
    data.mkdir()
    Store(data / "briefer.sqlite3").close()
    (data / "briefer.sqlite3").chmod(0o444)
    data.chmod(0o555)  # and, as root, owned by root: the child can neither write the file nor the folder
    (home / "in").mkdir(mode=0o777)
    shutil.copy(EXAMPLE, home / "in" / "a.txt")
    (home / "digest.toml").write_text(
        'name = "x"\noutput = "out"\n[sources]\npaths = ["in"]\n', encoding="utf-8"
    )
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = briefer(prefix, home, "digest", str(home / "digest.toml"), "--base-url", base)
    data.chmod(0o755)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"briefer: error: The state file {data}") and FIX in line
    assert server.requests == []


@pytest.mark.parametrize(
    "detail",
    [
        "attempt to write a readonly database",
        "unable to open database file",
        "disk I/O error: Permission denied",
    ],
)
def test_an_unwritable_file_names_the_fix(tmp_path, detail):
    message = str(StateError(tmp_path / "s.sqlite3", detail, corrupt=False))
    assert message == f"The state file {tmp_path / 's.sqlite3'} cannot be written ({detail}): {FIX}."


def test_any_failing_query_is_a_state_error_not_a_bare_sqlite_error(tmp_path):
    """Write errors surface from queries, not from opening; they become the one-line StateError."""
    store = Store(tmp_path / "s.sqlite3")
    store.db.execute("PRAGMA query_only = ON")  # every write now fails as a read-only file's would
    with store, pytest.raises(StateError, match=f"cannot be written .*: {re.escape(FIX)}"):
        store.cache_put("k", "m", "{}", "stop", 1, 1)
