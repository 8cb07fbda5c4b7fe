"""The key-fact labels behind benchmarks/key_facts.py: every one of our articles, offsets as the code computes them."""

from __future__ import annotations

import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import key_facts  # noqa: E402 -- the benchmark's own labelling code


def test_every_article_has_one_to_three_key_sentences_at_the_computed_offsets():
    stored = json.loads(key_facts.DATA.read_text(encoding="utf-8"))
    assert stored == key_facts.label()
    assert len(stored) == len(key_facts.ARTICLES) and all(1 <= len(keys) <= 3 for keys in stored.values())


def test_recall_needs_the_citations_of_one_fact_to_cover_the_sentence():
    keys = [{"start": 10, "end": 20, "text": "x" * 10}]
    brief = {
        "citations": [
            {"id": 1, "span": {"start": 0, "end": 15}},
            {"id": 2, "span": {"start": 15, "end": 30}},
        ],
        "facts": [{"citations": [1]}, {"citations": [2]}],
    }
    assert key_facts.recall(brief, keys) == [0.5]
    assert key_facts.recall({**brief, "facts": [{"citations": [1, 2]}]}, keys) == [1.0]
