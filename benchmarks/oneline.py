"""One-line articles: seconds to chunk, to dry-run and to verify, by size; verify by citations.

    .venv/bin/python benchmarks/oneline.py                   # 256k, 1M, 2M characters
    .venv/bin/python benchmarks/oneline.py --sizes 76000 152000 --timeout 60
    .venv/bin/python benchmarks/oneline.py --kind sentence     # one endless sentence, no full stop
    .venv/bin/python benchmarks/oneline.py --sizes --citations 100000 300000

Articles are the tests' synthetic one-line briefs (``tests/synthetic.py``:
``one_line_brief``, plain sentences and quoted speech with no line break, a
fact on every fourth plain sentence; ``--kind sentence``:
``one_sentence_brief``, clauses and reporting cues with no full stop at all),
1,000 characters short of the size asked, so that 2M stays within the
2,000,000 characters briefer takes. Each row runs in a fresh child process (``briefer brief --dry-run``
and ``briefer verify`` as a user runs them; chunking through
``chunk_text(text, 300)``), killed after ``--timeout`` seconds; the table shows
wall seconds and the child's peak memory. Run it with
``PYTHONPATH=<checkout>`` to measure another checkout (the same articles).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import synthetic  # noqa: E402 -- the tests' synthetic corpus, one definition for both

CHUNK = "import sys; from briefer.brief.chunking import chunk_text; chunk_text(open(sys.argv[1]).read(), 300)"


def run(args: list[str], timeout: float) -> tuple[str, float, float]:
    """Wall seconds and peak MB of one child; the seconds read ``>T`` when it was killed at ``timeout``."""
    start = time.perf_counter()
    child = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir()
    )
    timer = threading.Timer(timeout, child.kill)
    timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    seconds = f">{timeout:.0f}" if wall >= timeout else f"{wall:.2f}"
    return seconds, usage.ru_maxrss / 1024, child.returncode


def by_size(sizes: list[int], kind: str, timeout: float, folder: Path) -> None:
    print(
        f"{'chars':>9} {'facts':>6} {'chunk s':>8} {'dry-run s':>10} {'verify s':>9} {'verify MB':>10} exit"
    )
    build = synthetic.one_sentence_brief if kind == "sentence" else synthetic.one_line_brief
    for chars in sizes:
        brief = build(chars - 1000, seed=chars)
        text = folder / f"article-{chars}.txt"
        text.write_text(brief.article.text, encoding="utf-8")
        data = folder / f"brief-{chars}.json"
        data.write_text(brief.model_dump_json(), encoding="utf-8")
        chunk, _, _ = run([sys.executable, "-c", CHUNK, str(text)], timeout)
        dry, _, _ = run([sys.executable, "-m", "briefer", "brief", str(text), "--dry-run"], timeout)
        check, mb, code = run([sys.executable, "-m", "briefer", "verify", str(data)], timeout)
        print(
            f"{len(brief.article.text):>9,} {len(brief.facts):>6} {chunk:>8} {dry:>10} {check:>9} {mb:>10.0f} {code}"
        )


def by_citations(counts: list[int], timeout: float, folder: Path) -> None:
    """A 20,000-character brief whose facts share ``n`` citations (each of its sentences cited many times)."""
    print(f"{'citations':>9} {'MB file':>8} {'verify s':>9} {'verify MB':>10} exit")
    base = json.loads(synthetic.one_line_brief(20_000, seed=7, every=1).model_dump_json())
    spans = [c["span"] for c in base["citations"]]
    for n in counts:
        data = dict(base)
        data["citations"] = [
            {"id": i, "span": spans[(i - 1) % len(spans)], "match": "exact"} for i in range(1, n + 1)
        ]
        data["facts"] = [
            dict(f, citations=[i for i in range(k + 1, n + 1, len(spans))][:50])
            for k, f in enumerate(base["facts"])
        ]
        path = folder / f"citations-{n}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        check, mb, code = run([sys.executable, "-m", "briefer", "verify", str(path)], timeout)
        print(f"{n:>9,} {path.stat().st_size / 1e6:>8.1f} {check:>9} {mb:>10.0f} {code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[256_000, 1_000_000, 2_000_000])
    parser.add_argument("--citations", type=int, nargs="*", default=[])
    parser.add_argument("--kind", choices=["lines", "sentence"], default="lines")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.sizes:
            by_size(args.sizes, args.kind, args.timeout, Path(tmp))
        if args.citations:
            by_citations(args.citations, args.timeout, Path(tmp))


if __name__ == "__main__":
    main()
