"""Summarise py-spy's collapsed stacks (``perf.py --py-spy DIR``): where the samples went, per function.

.venv/bin/python benchmarks/stacks.py DIR/digest-1000-c32-120000.txt [--top 30] [--match briefer/]

Inclusive: samples with the function anywhere on the stack (each counted once
per sample); self: samples with it on top. py-spy samples only threads that are
running (not idle), so the figures are CPU time across every thread, in seconds
at the sampling rate given (perf.py samples at 200 Hz).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(path: Path, match: str) -> tuple[Counter[str], Counter[str], int]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        for frame in set(frames):
            if match in frame:
                inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    return inclusive, own, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="inclusive list: only frames containing this")
    parser.add_argument("--rate", type=float, default=200.0, help="samples per second")
    args = parser.parse_args()
    inclusive, own, total = summarise(args.path, args.match)
    print(f"{total} samples = {total / args.rate:.1f} s of CPU\n\ninclusive:")
    for frame, n in inclusive.most_common(args.top):
        print(f"{n / args.rate:8.2f} s  {frame}")
    print("\nself:")
    for frame, n in own.most_common(args.top):
        print(f"{n / args.rate:8.2f} s  {frame}")


if __name__ == "__main__":
    main()
