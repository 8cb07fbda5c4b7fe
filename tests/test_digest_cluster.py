"""Near-duplicate detection on the hand-written test set, exact duplicates, and facts merged across reports."""

from __future__ import annotations

import itertools
from pathlib import Path

from briefer.digest.cluster import NEAR_DUPLICATE, clusters, content_hash, similarity, story_facts
from briefer.models import Article, Brief, BriefMeta, Citation, Fact, GroundingCounts, Span, Usage

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "examples" / "articles").glob("*.txt")) + sorted(
    (ROOT / "tests" / "data" / "digest").glob("*.txt")
)
FILES.append(ROOT / "examples" / "kim-putin-summit.txt")
# The pairs that report the same invented event in different words; every other pair is a different story.
SAME = {
    frozenset({"korsund-bridge-closed", "velmora-crossing-crack"}),
    frozenset({"ferry-aground-a", "ferry-aground-b"}),
    frozenset({"frost-orchards-a", "frost-orchards-b"}),
}


def test_the_test_set_separates_at_the_threshold():
    texts = {f.stem: f.read_text(encoding="utf-8") for f in FILES}
    scores = {
        frozenset(p): similarity(texts[p[0]], texts[p[1]]) for p in itertools.combinations(sorted(texts), 2)
    }
    assert len(scores) == 55
    same = [s for p, s in scores.items() if p in SAME]
    different = [s for p, s in scores.items() if p not in SAME]
    assert min(same) >= NEAR_DUPLICATE + 0.05
    assert max(different) <= NEAR_DUPLICATE - 0.05
    # Same topic, same ferry company and island, different story: still apart.
    assert scores[frozenset({"ferry-aground-a", "ferry-fares"})] < NEAR_DUPLICATE


def test_clusters_group_exactly_the_same_story_pairs():
    texts = [f.read_text(encoding="utf-8") for f in FILES]
    groups = [frozenset(FILES[i].stem for i in g) for g in clusters(texts)]
    assert {g for g in groups if len(g) > 1} == SAME
    assert len(groups) == len(FILES) - len(SAME)


def test_clusters_are_deterministic_and_ordered():
    texts = [f.read_text(encoding="utf-8") for f in FILES]
    assert clusters(texts) == clusters(texts)
    assert [g[0] for g in clusters(texts)] == sorted(g[0] for g in clusters(texts))


def test_content_hash_ignores_whitespace_and_case_only():
    assert content_hash("The ferry ran\r\n aground.") == content_hash("the FERRY ran aground.")
    assert content_hash("The ferry ran aground.") != content_hash("The ferry ran aground!")


def brief(text: str, facts: list[tuple[str, str]]) -> Brief:
    """A verified brief whose facts cite the given quotes of ``text``."""
    citations, rendered = [], []
    for n, (claim, quote) in enumerate(facts, 1):
        start = text.index(quote)
        citations.append(Citation(id=n, span=Span.of(text, start, start + len(quote)), match="exact"))
        rendered.append(Fact(claim=claim, kind="event", citations=[n]))
    meta = BriefMeta(
        model="m",
        prompt_version="p",
        structured_mode="json_schema",
        briefer_version="0",
        chunks=1,
        usage=Usage(),
        counts=GroundingCounts(),
    )
    return Brief(article=Article(text=text), facts=rendered, citations=citations, meta=meta)


A = "The ferry Maren Lind ran aground off Skarve on Saturday. All 212 passengers were taken ashore. Tugs will try to refloat it."
B = "Westsound's Maren Lind grounded near Skarve island on Saturday. 212 people left the ship by lifeboat. Tugs will try to refloat the ferry."


def test_a_fact_in_two_reports_becomes_one_corroborated_fact_listed_first():
    facts = story_facts(
        [
            brief(
                A,
                [
                    ("The ferry ran aground off Skarve.", "ran aground off Skarve"),
                    ("All 212 passengers were taken ashore.", "All 212 passengers were taken ashore"),
                ],
            ),
            brief(
                B, [("212 passengers were taken ashore by lifeboat.", "212 people left the ship by lifeboat")]
            ),
        ]
    )
    assert [(f.claim, f.articles) for f in facts] == [
        ("All 212 passengers were taken ashore.", [0, 1]),
        ("The ferry ran aground off Skarve.", [0]),
    ]
    assert facts[0].refs == [(0, 2), (1, 1)]


def test_different_numbers_never_corroborate():
    facts = story_facts(
        [
            brief(A, [("All 212 passengers were taken ashore.", "All 212 passengers were taken ashore")]),
            brief(
                B.replace("212", "210"),
                [("All 210 passengers were taken ashore.", "210 people left the ship by lifeboat")],
            ),
        ]
    )
    assert len(facts) == 2 and all(len(f.articles) == 1 for f in facts)


def test_two_facts_of_one_report_never_merge_into_one_story_fact():
    facts = story_facts(
        [
            brief(
                A,
                [
                    ("Tugs will try to refloat it.", "Tugs will try to refloat it."),
                    ("Tugs will try to refloat the ferry.", "Tugs will try to refloat"),
                ],
            ),
            brief(B, [("Tugs will try to refloat the ferry.", "Tugs will try to refloat the ferry.")]),
        ]
    )
    assert all(len(f.refs) == len(f.articles) for f in facts)
    assert sorted(len(f.articles) for f in facts) == [1, 2]
