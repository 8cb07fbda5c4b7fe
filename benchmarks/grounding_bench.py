"""Grounding speed per tier on a long synthetic article (medians of repeated runs).

.venv/bin/python benchmarks/grounding_bench.py
"""

from __future__ import annotations

import random
import statistics
import time

from briefer.brief.grounding import _normalized_region, ground_quote

random.seed(7)
WORDS = "port trade minister said on Monday that the council would review grain barges river tariffs by April".split()


def article(sentences: int) -> str:
    return "\n".join(
        " ".join(random.choice(WORDS) for _ in range(18)).capitalize() + "." for _ in range(sentences)
    )


def timed(text: str, quote: str, region, cold: bool, repeats: int = 15) -> tuple[float, str]:
    """Cold: the folded region is rebuilt (first quote of a chunk); warm: it is reused (the others)."""
    times, tier = [], "none"
    for _ in range(repeats):
        if cold:
            _normalized_region.cache_clear()
        start = time.perf_counter()
        found = ground_quote(text, quote, region)
        times.append(time.perf_counter() - start)
        tier = found.match if found else "rejected"
    return statistics.median(times) * 1000, tier


def main() -> None:
    for sentences in (50, 500):
        text = article(sentences)
        lines = text.split("\n")
        target = lines[len(lines) // 2]
        start = text.index(target)
        region = (max(0, start - 1200), min(len(text), start + 1200))
        cases = {
            "exact": target[:80],
            "normalized": target[:80].upper().replace(" ", "  "),
            "fuzzy": target[:40] + " xyz " + target[45:90],
            "rejected": "Completely unrelated words about football and weather tomorrow",
        }
        for name, quote in cases.items():
            cold, tier = timed(text, quote, region, cold=True)
            warm, _ = timed(text, quote, region, cold=False)
            print(
                f"chars={len(text):>6} case={name:<10} tier={tier:<10} cold={cold:8.3f} ms warm={warm:8.3f} ms ratio={cold / warm:6.1f}"
            )


if __name__ == "__main__":
    main()
