"""The Atom feed of many big days: what ``publish`` costs when the folder holds ``--days`` digests.

A digest run writes the day's files and then the feed, which reads back every
day it lists (``feed_days``, 30 by default). This makes one digest of
``--articles`` synthetic articles against the latency server, copies it to
earlier dates, and times ``publish`` in fresh processes, reading earlier days
as briefer does (``summary``: the part of DAY.json an entry shows) and, for
comparison, as it did before (``whole``: every day a full ``Digest`` with its
briefs; the entries are still made one day at a time, so the whole cost of
the old code, which held every day at once, was higher: 16 s and 1.1 GB at
1,000 articles and 30 days). Both must write the same feed bytes.

    .venv/bin/python benchmarks/feed_bench.py                    # 1,000 articles, 30 days, 3 runs each
    .venv/bin/python benchmarks/feed_bench.py --articles 200 --days 10 --repeats 1   # quick
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import articles
import perf
import workers

CHILD = """
import json, resource, sys, time
from datetime import UTC, datetime
from pathlib import Path
from briefer.digest import publish
from briefer.digest.config import DigestConfig
from briefer.digest.model import Digest

out, how = Path(sys.argv[1]), sys.argv[2]
if how == "whole":
    publish._load = lambda path: Digest.model_validate_json(path.read_text(encoding="utf-8"))
config = DigestConfig.model_validate(
    {"name": "Benchmark digest", "output": str(out), "sources": {"paths": [str(out)]}}
).anchored(out.parent, None)
latest = publish._load(sorted(out.glob("*.json"))[-1])
start = time.perf_counter()
publish.publish(latest, config, datetime(2026, 11, 27, 9, tzinfo=UTC))
took = time.perf_counter() - start
print(json.dumps({"seconds": took, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_days(folder: Path, count: int, days: int) -> Path:
    """One digest of ``count`` articles in ``folder/out``, copied to the ``days - 1`` dates before it."""
    corpus, out = folder / "corpus", folder / "out"
    articles.write_corpus(corpus, count)
    server = perf.Server()
    try:
        os.environ["BRIEFER_DATA_DIR"] = str(folder / "data")
        args = {"articles": str(corpus), "concurrency": 32, "output": str(out)}
        workers.digest({**args, "base_url": server.base_url, "model": perf.MODEL})()
    finally:
        server.close()
    first = sorted(out.glob("*.json"))[0]
    text = first.read_text(encoding="utf-8")
    for n in range(1, days):
        day = (date.fromisoformat(first.stem) - timedelta(days=n)).isoformat()
        (out / f"{day}.json").write_text(
            text.replace(f'"date": "{first.stem}"', f'"date": "{day}"', 1), encoding="utf-8"
        )
        for kind in ("md", "html"):
            shutil.copy(first.with_suffix(f".{kind}"), out / f"{day}.{kind}")
    return out


def run(out: Path, how: str) -> dict:
    (out / "digest.xml").unlink(missing_ok=True)  # every run writes the feed from scratch
    done = subprocess.run([sys.executable, "-c", CHILD, str(out), how], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    result = json.loads(done.stdout)
    result["sha256"] = hashlib.sha256((out / "digest.xml").read_bytes()).hexdigest()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feed-bench-") as tmp:
        out = make_days(Path(tmp), args.articles, args.days)
        size = (out / sorted(p.name for p in out.glob("*.json"))[0]).stat().st_size
        print(f"{args.days} days of {args.articles:,} articles, DAY.json {size / 1e6:.1f} MB each")
        runs: dict[str, list[dict]] = {"summary": [], "whole": []}
        for n in range(args.repeats):
            for how in ("summary", "whole") if n % 2 == 0 else ("whole", "summary"):
                runs[how].append(run(out, how))
        feeds = {r["sha256"] for rs in runs.values() for r in rs}
        for how, rs in runs.items():
            seconds = statistics.median(r["seconds"] for r in rs)
            peak = statistics.median(r["peak_mb"] for r in rs)
            print(f"  {how:8} publish {seconds:6.2f} s   peak {peak:6.0f} MB   (runs: {len(rs)})")
        whole = statistics.median(r["seconds"] for r in runs["whole"])
        summary = statistics.median(r["seconds"] for r in runs["summary"])
        print(f"  ratio whole / summary: {whole / summary:.1f}x time")
        print(f"  feed bytes identical in every run: {'yes' if len(feeds) == 1 else 'NO'}")
        feed = out / "digest.xml"
        print(f"  digest.xml {feed.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
