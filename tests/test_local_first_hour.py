"""The real embedded model: doctor asks it a question, and Ctrl-C stops it mid-answer (issue 21).

A minute or two on 2 cores (the packaged model is assembled once per test's cache
directory); deselect with ``-m 'not local_model'``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE
from support import interruptible, stop
from test_local_e2e import _have_local_model

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(
        not _have_local_model(), reason="needs briefer[local] (llama-cpp-python and the model)"
    ),
]
REQUEST_SENT = "receive_response_headers.started"  # -vv: the request is out, the model at work


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}


def test_doctor_asks_the_embedded_model_and_reports_the_time():
    args = [sys.executable, "-m", "briefer", "doctor"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, env=_environment())
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^answer +'.+' in \d+\.\d s to a one-line question", proc.stdout, re.M), proc.stdout


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_a_local_brief_mid_answer_and_its_server(presses):
    args = [sys.executable, "-m", "briefer", "brief", str(EXAMPLE), "--no-cache", "-vv"]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
        preexec_fn=interruptible,  # Ctrl-C reaches it however the suite was launched (issue 19)
    )
    watchdog = threading.Timer(900, proc.kill)
    watchdog.start()
    try:
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if REQUEST_SENT in line:
                break
        proc.send_signal(signal.SIGINT)
        for line in proc.stderr:
            seen.append(line)
            if "Ctrl-C again to force" in line and presses == 2:
                proc.send_signal(signal.SIGINT)
        proc.wait()
    finally:
        watchdog.cancel()
        stop(proc, signal.SIGKILL, timeout=5)
    said = "".join(seen)
    assert proc.returncode == 130, said[-2000:]
    stopping = re.search(r"interrupted: stopping the embedded model server \(pid (\d+)\) mid-answer", said)
    assert stopping and said.rstrip().endswith("briefer: interrupted"), said[-2000:]
    assert not running(int(stopping.group(1)))


def running(pid: int, patience: float = 5.0) -> bool:
    """Is ``pid`` still running (not gone, not a zombie) after up to ``patience`` s of reaping?"""
    end = time.monotonic() + patience
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X") or time.monotonic() > end:
            return state not in ("Z", "X")
        time.sleep(0.1)
