"""Quality and speed of the embedded local model on the example article.

Prints, per configuration: chunks, seconds, prompt/completion tokens, proposed /
grounded / unsupported facts, quote tiers. No cache, so every call is real.

    .venv/bin/python benchmarks/local_model.py              # default settings
    .venv/bin/python benchmarks/local_model.py 300:0 300:2 1024:2   # chunk_tokens:max_reasks pairs
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from briefer import load_article
from briefer.backend import open_backend
from briefer.config import load_settings
from briefer.extract import ExtractOptions
from briefer.pipeline import brief_article

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "kim-putin-summit.txt"


def run(backend, article, chunk_tokens: int, reasks: int, repeats: int) -> None:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        brief = brief_article(
            article, backend, max_chunk_tokens=chunk_tokens, options=ExtractOptions(max_reasks=reasks)
        )
        seconds.append(time.perf_counter() - start)
    c, u = brief.meta.counts, brief.meta.usage
    print(
        f"chunk_tokens={chunk_tokens:<5} reasks={reasks} chunks={brief.meta.chunks} "
        f"median={statistics.median(seconds):6.1f}s prompt={u.prompt_tokens} completion={u.completion_tokens} "
        f"tok/s={u.completion_tokens / statistics.median(seconds):4.1f} proposed={c.proposed} grounded={c.grounded} "
        f"unsupported={c.unsupported} rendered={len(brief.facts)} tiers={c.quotes_by_tier}",
        flush=True,
    )


def main(argv: list[str]) -> None:
    pairs = [tuple(int(x) for x in a.split(":")) for a in argv] or [(300, 2)]
    repeats = 1
    settings = load_settings({"cache": False, "base_url": None, "api_key": None})
    article = load_article(str(EXAMPLE))
    with open_backend(settings, lazy=False) as backend:
        for chunk_tokens, reasks in pairs:
            run(backend, article, chunk_tokens, reasks, repeats)


if __name__ == "__main__":
    main(sys.argv[1:])
