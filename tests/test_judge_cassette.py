"""The llm judge against the real embedded model, replayed from a cassette (recorded, never hand-written).

Re-record (needs ``briefer[local]``; about a minute on 2 cores)::

    BRIEFER_RECORD=1 pytest tests/test_judge_cassette.py
"""

from __future__ import annotations

from conftest import ROOT
from test_cassettes import backend, endpoint, offline, replay  # noqa: F401 - fixtures

from briefer.brief.judge import Evidence, get_judge

TEXT = (ROOT / "examples" / "articles" / "korsund-bridge-closed.txt").read_text(encoding="utf-8")


def cite(sentence: str) -> Evidence:
    start = TEXT.index(sentence)
    return Evidence(TEXT, ((start, start + len(sentence)),))


VEHICLES = cite("Around 18,000 vehicles cross the bridge on a normal weekday.")
MAYOR = cite("Mayor Piet Varga said repairs could take at least six weeks.")
STATEMENTS = [
    ("About 18,000 vehicles cross the bridge on a normal weekday.", VEHICLES),
    ("Around 18,000 trucks cross the bridge on a normal weekday.", VEHICLES),
    ("Mayor Piet Varga said repairs will take at least six weeks.", MAYOR),
    ("Mayor Piet Varga said repairs could take at least six weeks.", MAYOR),
]


def test_the_llm_judge_asks_the_embedded_model_once_for_what_the_checks_pass(endpoint, offline):  # noqa: F811
    model = backend(endpoint)
    with replay("judge_llm"):
        verdicts = get_judge("llm", model).judge(STATEMENTS)
    assert model.calls == 1
    assert verdicts[2].check == "modality"  # rejected by the checks: never shown to the model
    assert [v.check for i, v in enumerate(verdicts) if i != 2] == ["llm"] * 3
    assert all(v.label in ("supported", "partly", "not_supported") for v in verdicts)
    assert all(
        w.lower() in s.lower() for (s, _), v in zip(STATEMENTS, verdicts, strict=True) for w in v.words
    )
