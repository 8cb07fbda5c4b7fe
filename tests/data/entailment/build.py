"""Build set.jsonl from cases.txt: every cited span is found in its article, never typed by hand.

python tests/data/entailment/build.py          # writes tests/data/entailment/set.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def parse(cases: str) -> list[dict]:
    """The labelled pairs of ``cases`` (the format its header describes), spans as offsets."""
    rows: list[dict] = []
    article, text, spans, heldout = "", "", [], False
    for n, line in enumerate(cases.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        mark, _, rest = line.partition(" ")
        if line.strip() == "% heldout":
            heldout = True
        elif mark == "@":
            article, spans = rest.strip(), []
            text = (ROOT / article).read_text(encoding="utf-8")
        elif mark in (">", ">+"):
            spans = ([] if mark == ">" else spans) + [_find(text, rest, article, n)]
        elif mark in ("+", "-"):
            kind, _, statement = rest.partition(" | ")
            rows.append(
                {
                    "article": article,
                    "statement": statement.strip(),
                    "spans": [list(s) for s in spans],
                    "label": "supported" if mark == "+" else "not_supported",
                    "type": kind.strip(),
                }
                | ({"heldout": True} if heldout else {})
            )
        else:
            raise ValueError(f"cases.txt line {n}: cannot read {line!r}")
    return rows


def _find(text: str, sentence: str, article: str, n: int) -> tuple[int, int]:
    start = text.find(sentence)
    if start < 0 or text.find(sentence, start + 1) >= 0:
        raise ValueError(f"cases.txt line {n}: not found exactly once in {article}: {sentence!r}")
    return start, start + len(sentence)


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main() -> int:
    rows = parse((HERE / "cases.txt").read_text(encoding="utf-8"))
    (HERE / "set.jsonl").write_text(render(rows), encoding="utf-8")
    print(f"{len(rows)} pairs, {sum(r['label'] == 'supported' for r in rows)} supported", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
