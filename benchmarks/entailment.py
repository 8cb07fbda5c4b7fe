"""Does a statement say what its spans say? The judges measured on the labelled set (issue 18).

    .venv/bin/python benchmarks/entailment.py               # words, structural (with and without roles), llm
    .venv/bin/python benchmarks/entailment.py --no-llm      # skip the model
    .venv/bin/python benchmarks/entailment.py --llm-limit 40   # the model on 40 statements only

On tests/data/entailment/set.jsonl (statements with cited spans, labelled
supported / not_supported, each wrong one with its error type) prints, per
judge: false accepts by error type, false rejects (faithful statements
rejected), accuracy and balanced accuracy, and the seconds it took.

(a) words: the word check alone (``briefer.brief.support.unsupported_terms``);
(b) structural: every registered check in order (the roles check needs the
    ``parse`` extra; a second row runs without it);
(c) llm: the structural checks, then the configured model (the embedded one
    with no configuration) on the statements they pass, one request per
    article's statements. Skipped with a message when no model can be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefer.brief.judge import Evidence, Verdict, structural_verdict  # noqa: E402

SET = ROOT / "tests/data/entailment/set.jsonl"


def load() -> list[tuple[dict, Evidence]]:
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts: dict[str, str] = {}
    out = []
    for row in rows:
        text = texts.setdefault(row["article"], (ROOT / row["article"]).read_text(encoding="utf-8"))
        out.append((row, Evidence(text, tuple((a, b) for a, b in row["spans"]))))
    return out


def word_verdict(statement: str, evidence: Evidence) -> Verdict:
    """The check as it was before the judge: unsupported_terms on the cited text, nothing else."""
    from briefer.brief.sourcetext import article_names
    from briefer.brief.support import unsupported_terms

    missing = unsupported_terms(statement, evidence.cited, frozenset(article_names(evidence.text)))
    return Verdict("not_supported" if missing else "supported", check="words")


def report(name: str, rows: list[tuple[dict, Evidence]], verdicts: list[Verdict], seconds: float) -> None:
    wrong = [(r, v) for (r, _), v in zip(rows, verdicts, strict=True) if r["label"] == "not_supported"]
    good = [(r, v) for (r, _), v in zip(rows, verdicts, strict=True) if r["label"] == "supported"]
    accepted = Counter(r["type"] for r, v in wrong if v.ok)
    total = Counter(r["type"] for r, _ in wrong)
    false_rejects = [(r, v) for r, v in good if not v.ok]
    tpr = 1 - sum(accepted.values()) / len(wrong)  # wrong statements caught
    tnr = 1 - len(false_rejects) / len(good)  # faithful statements passed
    correct = len(wrong) - sum(accepted.values()) + len(good) - len(false_rejects)
    print(f"\n== {name}  ({seconds:.2f} s for {len(rows)} statements)")
    print(f"false accepts: {sum(accepted.values())} of {len(wrong)} wrong statements")
    for kind in sorted(total):
        print(f"  {kind:22} {accepted[kind]:3} of {total[kind]:3}")
    print(
        f"false rejects: {len(false_rejects)} of {len(good)} faithful ({len(false_rejects) / len(good):.1%})"
    )
    for r, v in false_rejects:
        print(f"  [{v.check}] {r['statement']}  -- {v.reason}")
    print(f"accuracy {correct / len(rows):.1%}   balanced accuracy {(tpr + tnr) / 2:.1%}")
    held = [(r, v) for (r, _), v in zip(rows, verdicts, strict=True) if r.get("heldout")]
    if held:
        rejects = sum(r["label"] == "supported" and not v.ok for r, v in held)
        accepts = sum(r["label"] == "not_supported" and v.ok for r, v in held)
        faithful = sum(r["label"] == "supported" for r, _ in held)
        print(
            f"held out (written after the checks were tuned): false rejects {rejects} of {faithful},"
            f" false accepts {accepts} of {len(held) - faithful}"
        )
    caught = Counter(v.check for _, v in wrong if not v.ok)
    print("deciding check on caught statements: " + ", ".join(f"{k} {n}" for k, n in caught.most_common()))


def run(
    rows: list[tuple[dict, Evidence]], judge: Callable[[str, Evidence], Verdict]
) -> tuple[list[Verdict], float]:
    start = time.perf_counter()
    verdicts = [judge(r["statement"], e) for r, e in rows]
    return verdicts, time.perf_counter() - start


def llm_rows(rows: list[tuple[dict, Evidence]], limit: int | None) -> None:
    """(c): the llm judge on the configured backend, one request per article's statements."""
    from briefer.brief.judge import get_judge
    from briefer.config import load_settings
    from briefer.errors import LLMError
    from briefer.runtime import Runtime

    chosen = rows[:: max(1, len(rows) // limit)][:limit] if limit else rows  # spread over the set
    runtime = Runtime.resolve(load_settings({}))
    try:
        with runtime.backend() as backend:
            judge = get_judge("llm", backend)
            start = time.perf_counter()
            verdicts: list[Verdict] = []
            failed = 0
            for article in dict.fromkeys(r["article"] for r, _ in chosen):
                batch = [(r["statement"], e) for r, e in chosen if r["article"] == article]
                try:
                    verdicts += judge.judge(batch)
                except LLMError as exc:  # that batch keeps its structural verdicts, and is counted
                    failed += len(batch)
                    print(f"(a batch of {len(batch)} got no usable answer: {exc})")
                    verdicts += [structural_verdict(s, e) for s, e in batch]
            name = f"structural + llm ({backend.model}; {failed} statements without an answer)"
            report(name, chosen, verdicts, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - a benchmark row that cannot run says why and the rest stands
        print(f"\n== structural + llm: skipped ({type(exc).__name__}: {exc})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-llm", action="store_true", help="skip the model row")
    parser.add_argument(
        "--llm-limit", type=int, help="judge only N statements (spread over the set) with the model"
    )
    args = parser.parse_args()
    rows = load()
    print(f"{len(rows)} statements, {sum(r['label'] == 'supported' for r, _ in rows)} faithful ({SET.name})")
    report("(a) words only (unsupported_terms)", rows, *run(rows, word_verdict))
    from briefer.brief.judge.roles import parser as spacy_parser

    if spacy_parser() is None:
        print(
            "\n(the roles check is skipped: spaCy or its pinned model is not installed; pip install briefer[parse])"
        )
    report("(b) structural chain", rows, *run(rows, structural_verdict))
    report(
        "(b') structural chain without roles",
        rows,
        *run(rows, lambda s, e: structural_verdict(s, e, skip=("roles",))),
    )
    if not args.no_llm:
        llm_rows(rows, args.llm_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
