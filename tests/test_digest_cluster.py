"""Near duplicates (hand-written set), stories (generated mixed corpus), exact copies, story facts."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from rapidfuzz import fuzz
from synthetic import verified_brief as brief

from briefer.digest.cluster import (
    MAX_STORY,
    NEAR_DUPLICATE,
    SIMILAR_QUOTES,
    _story_fact,
    clusters,
    content_hash,
    signature,
    similarity,
    story_facts,
)
from briefer.digest.events import MIN_DISTINCTIVE, WITHOUT_PARTICULARS, Evidence, particulars
from briefer.groups import connected_groups, seeded_groups
from briefer.models import Brief
from briefer.text import normalize, same_claim

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


# --- stories are events: no chains across topics, and a size cap ---------------------------

# Ten invented topics, each one event. Reports share generic words and names, and a bridge report of
# each topic also covers the next one, so single link chains all ten topics into one story.
TOPICS = """\
chip processor smartphone laptop silicon wafer foundry transistor battery firmware sensor display semiconductor gadget keyboard charger circuit modem
parliament budget coalition minister ballot senator caucus amendment veto opposition cabinet referendum election manifesto lawmakers chancellor legislation polls
striker goalkeeper league stadium penalty midfielder referee championship transfer tournament coach fans football defender kickoff trophy playoff winger
premiere director actress screenplay festival cinema sequel trailer soundtrack studio casting awards film producer box office critics comedy
frost orchard harvest apples growers pickers blossom cider orchards vineyard grapes crop farmers pears fruit greenhouse irrigation livestock
ferry harbour passengers lifeboat captain vessel hull tugboat aground strait crew mooring shipping port sailors coastguard anchor voyage
hospital nurses ward vaccine clinic patients surgeon pharmacy outbreak ambulance doctors infection medicine symptoms therapy paramedics diagnosis virus
court judge verdict jury appeal prosecutor defendant lawyers trial sentence witness testimony courtroom acquittal bail magistrate lawsuit plaintiff
school teachers pupils classroom exams curriculum headteacher timetable playground tuition lessons grades students homework semester university lecture diploma
bridge pier crack inspectors detour traffic girder motorway engineers closure repair commuters tunnel asphalt roadworks scaffolding concrete viaduct
""".splitlines()
GENERIC = (
    "officials statement residents plans spokesperson million project council report city region public local "
    "people announced government concern morning future national community decision agency issue program "
    "support meeting evening office level"
).split()
NAMES = ["Velmora", "Skarve", "Halden", "Korsund"]  # shared by every topic


def mixed_corpus(seed: int) -> tuple[list[str], list[set[int]]]:
    """60 templated articles (10 topics x 6, shuffled) and the topics each one covers."""
    rng = random.Random(seed)
    articles = []
    for t, topic in enumerate(TOPICS):
        after = (t + 1) % len(TOPICS)
        for n in range(6):  # five reports, then a bridge: half this topic, half the next
            covers = {t} if n < 5 else {t, after}
            words = rng.sample(topic.split(), 14 if n < 5 else 7)
            words += rng.sample(TOPICS[after].split(), 0 if n < 5 else 7)
            words += rng.sample(GENERIC, 3)
            rng.shuffle(words)
            sentences = [f"The {a} and the {b} were there." for a, b in zip(words[::2], words[1::2])]
            articles.append((f"In {rng.choice(NAMES)}: " + " ".join(sentences), covers))
    rng.shuffle(articles)
    return [a for a, _ in articles], [c for _, c in articles]


SEEDS = range(5)  # five shuffles and samplings of the corpus, so that no lucky one decides


def test_the_mixed_corpus_chains_under_single_link():
    """The corpus is a real test: transitive grouping at the same threshold makes one blob of it."""
    for seed in SEEDS:
        texts, covers = mixed_corpus(seed)
        sigs = [signature(t) for t in texts]
        pairs = itertools.combinations(range(len(texts)), 2)
        similar = [(i, j) for i, j in pairs if sigs[i].jaccard(sigs[j]) >= NEAR_DUPLICATE]
        biggest = max(connected_groups(len(texts), similar, lambda i, j: True), key=len)
        assert len(set().union(*(covers[i] for i in biggest))) >= 8


def test_no_story_spans_unrelated_topics_and_each_topic_stays_together():
    for seed in SEEDS:
        texts, covers = mixed_corpus(seed)
        stories = clusters(texts)
        for story in stories:
            assert set.intersection(*(covers[i] for i in story)), [covers[i] for i in story]
        for t in range(len(TOPICS)):
            plain = [i for i, c in enumerate(covers) if c == {t}]
            together = max(sum(i in s for i in plain) for s in stories)
            assert together >= 4  # most of a topic's five plain reports are one story


def test_a_story_takes_at_most_max_story_articles():
    text = A + " " + B
    stories = clusters([f"{text} Report {n}." for n in range(MAX_STORY + 5)])
    assert [len(s) for s in stories] == [MAX_STORY, 5]
    assert clusters([text] * 7, max_size=3) == [[0, 1, 2], [3, 4, 5], [6]]


def seeded(n, similar, max_size=10):
    """``seeded_groups`` over ``n`` items, every other item a candidate; ``similar`` maps pairs to scores."""

    def scores(i, others):
        return [similar.get(frozenset((i, j)), 0.0) for j in others]

    return seeded_groups([[j for j in range(n) if j != i] for i in range(n)], scores, 0.5, max_size)


def test_seeded_groups_join_the_seed_and_a_majority_never_a_chain():
    # 0~1, 1~2, 2~3 (a chain); 0~4 and 1~4; 5 is similar to 0 only.
    similar = dict.fromkeys(map(frozenset, [(0, 1), (1, 2), (2, 3), (0, 4), (1, 4), (0, 5)]), 1.0)
    assert seeded(6, similar) == [[0, 1, 4], [2, 3], [5]]
    assert seeded(6, similar, max_size=2) == [[0, 1], [2, 3], [4], [5]]


def test_an_item_between_two_groups_does_not_join_them_into_one():
    # 0 shares some words with 1, 2 (one topic) and with 3, 4 (another); 1~2 and 3~4 closely.
    similar = {frozenset(p): 0.6 for p in [(0, 1), (0, 2), (0, 3), (0, 4)]}
    similar |= {frozenset((1, 2)): 0.9, frozenset((3, 4)): 0.9}
    assert seeded(5, similar) == [[0, 1, 2], [3, 4]]


# --- story facts: only pairs that can be the same are tested, with the all-pairs result ---


def old_story_facts(briefs):
    """The all-pairs version as it was before blocking: the reference the fast one must equal."""

    def same_report(a, brief_a, b, brief_b):
        quotes_a = normalize(" ".join(brief_a.citation(i).span.text for i in a.citations))
        quotes_b = normalize(" ".join(brief_b.citation(i).span.text for i in b.citations))
        evidence = fuzz.token_set_ratio(quotes_a, quotes_b) >= SIMILAR_QUOTES
        return same_claim(a.claim, b.claim, same_evidence=evidence)

    flat = [(n, f) for n, brief in enumerate(briefs) for f in brief.facts]
    pairs = ((i, j) for i in range(len(flat)) for j in range(i + 1, len(flat)))
    groups = connected_groups(
        len(flat),
        pairs,
        lambda i, j: same_report(flat[i][1], briefs[flat[i][0]], flat[j][1], briefs[flat[j][0]]),
        can_join=lambda a, b: not {flat[k][0] for k in a} & {flat[k][0] for k in b},
    )
    ordered = sorted(groups, key=lambda g: (-len({flat[k][0] for k in g}), min(g)))
    return [_story_fact([flat[k] for k in g]) for g in ordered]


WORDS = (
    "ferry ferries ferry. Ferry ran aground grounded off Skarve Skarve. 212 210 passengers were taken "
    'ashore ashore. tugs Tugs refloat the The it lifeboat by \u201csafe\u201d "safe" \u2014 - all All'
).split()


def random_brief(rng: random.Random, claims: list[str]) -> Brief:
    """A brief of 1-5 facts, each claim random or an edit of an earlier one (of any brief), each quote random."""
    facts = []
    for _ in range(rng.randint(1, 5)):
        if claims and rng.random() < 0.6:
            words = rng.choice(claims).split()
            if words and rng.random() < 0.7:
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            claims.append(" ".join(words))
        else:
            claims.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 7))))
        facts.append((claims[-1], " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))))
    text = " | ".join(q for _, q in facts)
    return brief(text, facts)


def test_blocked_story_facts_equal_the_all_pairs_ones_on_random_reports():
    rng = random.Random(3)
    corroborated = 0
    for _ in range(40):
        claims: list[str] = []
        briefs = [random_brief(rng, claims) for _ in range(rng.randint(2, 12))]
        facts = story_facts(briefs)
        assert facts == old_story_facts(briefs)
        corroborated += sum(len(f.articles) > 1 for f in facts)
    assert corroborated > 50


FEATURES = ROOT / "tests" / "data" / "features"


def test_two_features_on_one_theme_are_not_one_story():
    """A film piece and an online-gaming feature share fans, screens, worlds and nostalgia, but no event."""
    film, games = (p.read_text(encoding="utf-8") for p in sorted(FEATURES.glob("*.txt")))
    assert similarity(film, games) >= NEAR_DUPLICATE  # as alike in words as two rewrites of one story
    assert not particulars(film) & particulars(games)
    assert clusters([film, games]) == [[0], [1]]


def test_reports_of_one_event_share_its_particulars():
    texts = {f.stem: f.read_text(encoding="utf-8") for f in FILES}
    for pair in SAME:
        a, b = (particulars(texts[name]) for name in sorted(pair))
        assert len(a & b) >= MIN_DISTINCTIVE
    assert particulars("On Monday, Mr Lund met Aino Vale's team in 2019; 4,500 came.") == frozenset(
        {"lund", "aino", "vale", "4500"}
    )


def test_only_distinctive_particulars_are_evidence_and_only_in_the_weak_band():
    day = ["x Ada Brun 7 8", "x Ada Cole 9 10", "x Ada Dorn 11 12"] + ["x Ada"] * 97
    evidence = Evidence(day, ["en"] * len(day), NEAR_DUPLICATE)
    assert evidence.one_event(0.2, 0, 1) == 0.0  # "Ada" is in every report: no evidence
    assert evidence.one_event(0.1, 0, 1) == 0.1 and evidence.one_event(WITHOUT_PARTICULARS, 0, 1) > 0
    assert evidence.one_event(0.2, 0, 3) == 0.2  # too few particulars to tell by
    assert evidence.weigh(0, [1, 2, 3], [0.2, 0.5, 0.2]) == [0.0, 0.5, 0.2]
    assert evidence.weigh(3, [0, 1], [0.2, 0.2]) == [0.2, 0.2]
    shared = Evidence(["x Ada Brun 7", "x Ada Cole 7"], ["en", "en"], NEAR_DUPLICATE)
    assert shared.one_event(0.2, 0, 1) == 0.2
    uncased = Evidence(["x Ada Brun 7", "x Ada Cole 8"], ["ja", "en"], NEAR_DUPLICATE)
    assert uncased.one_event(0.2, 0, 1) == 0.2
