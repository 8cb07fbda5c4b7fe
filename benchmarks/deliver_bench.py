"""Time a digest run spends delivering, and messages sent, with three loopback destinations.

The destinations are real servers on 127.0.0.1 (tests/loopback.py): SMTP with
STARTTLS and AUTH (trustme certificate), a json:// webhook and a Mattermost
(Slack-compatible) incoming webhook. The digest is synthetic (tests/synthetic.py),
written to its files first, as a run does; then ``deliver`` is timed as
``run_digest`` calls it. Prints messages sent on a first run, a re-run, a run
where the webhook answers 500, and the run after it, then the time per run.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/deliver_bench.py --stories 50 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trustme

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from loopback import SmtpServer, Webhook  # noqa: E402 -- the tests' servers, one definition for both
from synthetic import synthetic_digest  # noqa: E402

from briefer.digest.config import digest_config  # noqa: E402
from briefer.digest.deliver import deliver  # noqa: E402
from briefer.digest.run import write_digest  # noqa: E402
from briefer.state.store import Store  # noqa: E402

DAY = "2026-12-05"


def sent(outcomes) -> str:
    return f"{sum(o.status == 'sent' for o in outcomes)} sent, {sum(o.status == 'failed' for o in outcomes)} failed"


def timed(config, store) -> tuple[float, list]:
    start = time.perf_counter()
    outcomes = deliver(config, store, DAY)
    return time.perf_counter() - start, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="deliver-bench-"))
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    os.environ["SSL_CERT_FILE"] = str(folder / "ca.pem")
    with SmtpServer(ca) as smtp, Webhook() as hook:
        to = [
            smtp.url(),
            f"json://127.0.0.1:{hook.port}/digest",
            f"mmost://127.0.0.1:{hook.port}/benchtoken0123456789abcd",
        ]
        data = {
            "name": "Bench",
            "sources": {"paths": [str(folder)]},
            "output": str(folder / "out"),
            "deliver": {"to": to},
        }
        config = digest_config(data, base=folder, key="bench")
        start = time.perf_counter()
        write_digest(synthetic_digest(args.stories, day=DAY), config)
        write_s = time.perf_counter() - start
        firsts, reruns = [], []
        for n in range(args.repeat):
            with Store(folder / f"state-{n}.db") as store:
                first, outcomes = timed(config, store)
                rerun, again = timed(config, store)
            firsts.append(first), reruns.append(rerun)
        with Store(folder / "state-fail.db") as store:
            hook.statuses = [500]
            _, failed = timed(config, store)
            _, retried = timed(config, store)
    print(f"{args.stories} stories, 3 destinations (SMTP STARTTLS+AUTH, json://, mmost://) on 127.0.0.1")
    print(
        f"messages: first run {sent(outcomes)}; re-run {sent(again)}; webhook 500: {sent(failed)}; next run {sent(retried)}"
    )
    print(f"writing the day's files: {write_s * 1000:.0f} ms (once)")
    print(f"delivery, first run: median {statistics.median(firsts) * 1000:.0f} ms over {args.repeat} runs")
    print(f"delivery, re-run (nothing sent): median {statistics.median(reruns) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
