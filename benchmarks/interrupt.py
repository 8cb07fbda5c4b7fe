"""How long Ctrl-C takes to end a brief on the embedded model, mid-answer (issue 21: 10.4 s before).

Starts ``briefer brief`` on the example article with no API key (the embedded model,
no cache, ``-vv``), waits until the request is out and the model is at work, plus
``--wait`` seconds, sends SIGINT and prints how long briefer took to exit and what it
said. Run: ``python benchmarks/interrupt.py [--runs 3] [--wait 2]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUEST_SENT = "receive_response_headers.started"


def one(wait: float) -> tuple[float, int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    args = [sys.executable, "-m", "briefer", "brief", str(ROOT / "examples" / "kim-putin-summit.txt")]
    proc = subprocess.Popen(
        [*args, "--no-cache", "-vv"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    for line in proc.stderr:
        if REQUEST_SENT in line:
            break
    time.sleep(wait)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    said = [line.rstrip() for line in proc.stderr if "interrupted" in line]
    proc.wait()
    return time.monotonic() - sent, proc.returncode, " | ".join(said)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=2.0, help="seconds of generation before Ctrl-C")
    options = parser.parse_args()
    for n in range(options.runs):
        took, code, said = one(options.wait)
        print(f"run {n + 1}: exit {code} {took:.1f} s after SIGINT; said: {said}")


if __name__ == "__main__":
    main()
