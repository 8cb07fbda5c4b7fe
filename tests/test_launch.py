"""The suite does not depend on how it was launched.

A job started with ``cmd &`` from a script (and some CI runners and service
managers) inherits SIGINT as ignored, with no terminal; Python keeps an ignored
SIGINT ignored in every child it starts. The Ctrl-C tests of the embedded
server used to fail there and leave a model server running for the rest of the
hour. Here they run in a pytest started exactly that way.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _like_a_background_job() -> None:
    os.setsid()  # no controlling terminal, as under setsid(1), cron or a CI runner
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pytest_in_background(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=_like_a_background_job,
    )


def _summary(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr)[-3000:]


def test_signal_tests_pass_when_sigint_is_ignored_by_the_launcher():
    done = _pytest_in_background(
        "tests/test_local.py", "-m", "not local_model", "-k", "ctrl_c or killed_hard"
    )
    assert done.returncode == 0, _summary(done)
    assert re.search(r"\b3 passed", done.stdout), _summary(done)


@pytest.mark.local_model
def test_real_server_signal_tests_pass_when_sigint_is_ignored_by_the_launcher():
    done = _pytest_in_background(
        "tests/test_local.py", "tests/test_local_first_hour.py", "-k", "ctrl_c or serve_runs_until_stopped"
    )
    if "skipped" in done.stdout and "passed" not in done.stdout:
        pytest.skip("needs briefer[local]: " + done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, _summary(done)
    assert re.search(r"\b7 passed", done.stdout), _summary(done)  # 5 of the server, 2 of a local brief


def test_the_suite_fails_when_a_test_leaves_a_process_behind(tmp_path):
    """The session-end check in conftest.py: a test that forgets a child fails the run, and the child dies."""
    leak = tmp_path / "test_leak.py"
    leak.write_text(
        "import subprocess, sys\n"
        "def test_forgets_its_child():\n"
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'], start_new_session=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest", str(leak)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},  # conftest.py loaded as a plugin
    )
    assert done.returncode == 1, _summary(done)
    assert "1 passed" in done.stdout, _summary(done)
    (line,) = [x for x in done.stdout.splitlines() if "time.sleep(120)" in x]
    pid = int(line.strip().split(":")[0])
    assert "outlived them (killed now)" in done.stdout
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False
