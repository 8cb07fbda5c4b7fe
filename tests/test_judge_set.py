"""The labelled entailment set: valid spans, built from cases.txt, and the structural chain's floor on it."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter

from conftest import ROOT

from briefer.brief.judge import Evidence, structural_verdict

HERE = ROOT / "tests" / "data" / "entailment"
ROWS = [json.loads(line) for line in (HERE / "set.jsonl").read_text(encoding="utf-8").splitlines()]
ERROR_TYPES = {
    "negation",
    "modality",
    "tense",
    "quantifier",
    "number",
    "actor_swap",
    "relation",
    "hedge",
    "dropped_attribution",
    "misattribution",
}


def _build():
    spec = importlib.util.spec_from_file_location("entailment_build", HERE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_set_is_built_from_cases_txt():
    build = _build()
    rows = build.parse((HERE / "cases.txt").read_text(encoding="utf-8"))
    assert build.render(rows) == (HERE / "set.jsonl").read_text(encoding="utf-8"), (
        "set.jsonl is stale: run python tests/data/entailment/build.py"
    )


def test_every_span_is_valid_and_a_sentence_of_its_article():
    cases = (HERE / "cases.txt").read_text(encoding="utf-8")
    for row in ROWS:
        text = (ROOT / row["article"]).read_text(encoding="utf-8")
        assert row["spans"], row
        for start, end in row["spans"]:
            assert 0 <= start < end <= len(text)
            assert f"> {text[start:end]}\n" in cases or f">+ {text[start:end]}\n" in cases


def test_the_set_is_large_balanced_and_covers_every_error_type():
    labels = Counter(r["label"] for r in ROWS)
    assert len(ROWS) >= 150
    assert 0.33 <= labels["supported"] / len(ROWS) <= 0.5
    assert all((r["type"] == "faithful") == (r["label"] == "supported") for r in ROWS)
    assert ERROR_TYPES <= {r["type"] for r in ROWS}
    assert len({r["statement"] for r in ROWS}) == len(ROWS)


def test_the_structural_chain_rejects_few_faithful_statements_and_catches_most_wrong_ones():
    """A floor, not the figure: benchmarks/entailment.py prints the figures by error type."""
    texts: dict[str, str] = {}
    outcome = Counter()
    for row in ROWS:
        text = texts.setdefault(row["article"], (ROOT / row["article"]).read_text(encoding="utf-8"))
        verdict = structural_verdict(row["statement"], Evidence(text, tuple(map(tuple, row["spans"]))))
        outcome[row["label"], verdict.ok] += 1
    faithful = outcome["supported", True] + outcome["supported", False]
    wrong = outcome["not_supported", True] + outcome["not_supported", False]
    assert outcome["supported", False] / faithful <= 0.05
    assert outcome["not_supported", False] / wrong >= 0.8
