"""Sentence splitting speed: briefer's splitter (sentencex) against pysbd on the same text.

    .venv/bin/pip install pysbd          # no longer a briefer dependency; needed only here
    .venv/bin/python benchmarks/splitter.py [--repeat 5]

Prints characters per second (median of the repeats) for the English texts of
the repository (the example article, the labelled attribution set, the digest
articles) and for each of the language test articles, and whether the two
splitters agree on the English sentence boundaries. Both are run line by line
with a fresh cache, as the pipeline does.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

from briefer.brief.chunking import _sentence_spans

ROOT = Path(__file__).resolve().parent.parent
LINES = re.compile(r"[^\n]*\n|[^\n]+$")
PYSBD_LANGUAGES = {"en", "de", "fr", "es", "ru", "ja", "ar"}


def briefer_spans(text: str, language: str) -> list[tuple[int, int]]:
    _sentence_spans.cache_clear()
    return list(_sentence_spans(text, language))


def pysbd_spans(segmenter, text: str) -> list[tuple[int, int]]:
    spans = []
    for line in LINES.finditer(text):
        pos = line.start()
        if not line.group().strip():
            spans.append((pos, line.end()))
            continue
        for piece in segmenter.segment(line.group()):
            spans.append((pos, pos + len(piece)))
            pos += len(piece)
    return spans


def rate(fn, texts: list[str], repeat: int) -> float:
    chars = sum(map(len, texts))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        times.append(time.perf_counter() - start)
    return chars / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import pysbd

    english = [
        p.read_text(encoding="utf-8")
        for p in sorted([*ROOT.glob("examples/**/*.txt"), *ROOT.glob("tests/data/**/*.txt")])
        if "languages" not in p.parts
    ]
    rows = [("en", english)]
    for p in sorted((ROOT / "tests" / "data" / "languages").glob("*.txt")):
        rows.append((p.stem, [p.read_text(encoding="utf-8")]))
    print(f"{'text':<6} {'chars':>7} {'sentencex c/s':>14} {'pysbd c/s':>11} {'ratio':>6}")
    for code, texts in rows:
        seg = pysbd.Segmenter(language=code if code in PYSBD_LANGUAGES else "en", clean=False)
        ours = rate(lambda t, code=code: briefer_spans(t, code), texts, args.repeat)
        theirs = rate(lambda t, seg=seg: pysbd_spans(seg, t), texts, args.repeat)
        print(f"{code:<6} {sum(map(len, texts)):>7} {ours:>14,.0f} {theirs:>11,.0f} {ours / theirs:>5.0f}x")
    seg = pysbd.Segmenter(language="en", clean=False)
    same = sum(briefer_spans(t, "en") == pysbd_spans(seg, t) for t in english)
    print(f"English texts with identical sentence boundaries: {same} of {len(english)}")


if __name__ == "__main__":
    main()
