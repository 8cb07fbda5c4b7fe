"""Synthetic, seeded facts and briefs for the scaling tests and ``benchmarks/cluster_bench.py``.

Template sentences (names, places, numbers, a subordinate clause); one
article's facts include near-identical restatements from overlapping chunks;
one story's reports restate a shared pool of facts in their own words.
"""

from __future__ import annotations

import random

from briefer.brief.extract import GroundedFact
from briefer.brief.grounding import Grounded
from briefer.models import Article, Brief, BriefMeta, Citation, Fact, FactKind, GroundingCounts, Span, Usage

PEOPLE = "Ines Berg|Tomas Lund|Aino Vale|Marek Holt|Sara Quist|Jonas Ekman|Lea Varga|Ruben Sola".split("|")
GROUPS = "the council|the harbour office|the ministry|the union|the court|the police|the coast guard".split(
    "|"
)
PLACES = "Halden|Skarve|Velmora|Ostra|Korsund|Brevik|Tallin|Marden|Lysa|Fjell|Orne|Kaldo".split("|")
DOINGS = (
    "approved a budget of {n} million|closed {n} schools|opened the new bridge|delayed the vote|"
    "ordered an inquiry into the fire|hired {n} inspectors|cut ferry fares|banned night flights|"
    "reported {n} injuries|rejected the appeal|raised the speed limit|moved the market|"
    "found a crack in the pier|evacuated {n} homes|signed the trade deal|suspended the mayor"
).split("|")
WHEN = "on Monday|on Tuesday|on Friday|last week|in April|by June|overnight|this morning".split("|")
LINKS = "after|while|because|although|before|as|even though|just after".split("|")


def sentence(rng: random.Random) -> str:
    """A statement with a subordinate clause, e.g. "The union closed 12 schools in Ostra on Monday, as ..."."""
    who, other = rng.sample(PEOPLE + GROUPS, 2)
    doing, other_doing = (d.format(n=rng.randint(2, 400)) for d in rng.sample(DOINGS, 2))
    return (
        f"{who[0].upper()}{who[1:]} {doing} in {rng.choice(PLACES)} {rng.choice(WHEN)},"
        f" {rng.choice(LINKS)} {other} {other_doing}."
    )


def reworded(rng: random.Random, text: str) -> str:
    """The same statement in slightly different words: a word dropped, or the full stop."""
    tokens = text.rstrip(".").split()
    if rng.random() < 0.5:
        del tokens[rng.randrange(1, len(tokens) - 1)]
    return " ".join(tokens) + rng.choice([".", ""])


def article_facts(n: int, rng: random.Random, chunks: int = 1) -> list[GroundedFact]:
    """``n`` facts of one article, one per sentence, about one in six restated by a second chunk.

    With ``chunks`` > 1 each fact comes from a random one of that many chunks.
    """
    sentences = [sentence(rng) for _ in range(n)]
    text = " ".join(sentences)
    facts, at = [], 0

    def chunk() -> int:
        return rng.randrange(chunks) if chunks > 1 else 0

    for s in sentences:
        start = text.index(s, at)
        at = start + len(s)
        facts.append(grounded(text, s, start, at, chunk()))
        if rng.random() < 0.17:
            facts.append(grounded(text, reworded(rng, s), start + s.index(" ") + 1, at, chunk()))
    return facts[:n]


def grounded(text: str, claim: str, start: int, end: int, chunk: int = 0) -> GroundedFact:
    return GroundedFact(
        claim, FactKind.event, [], [Grounded(Span.of(text, start, end), "exact", 100.0)], chunk
    )


def story_briefs(facts: int, rng: random.Random) -> list[Brief]:
    """Reports of one story, two facts each, restating a shared pool of facts in their own words."""
    pool = [sentence(rng) for _ in range(max(2, facts // 3))]
    return [brief([reworded(rng, s) for s in rng.sample(pool, 2)], rng) for _ in range(facts // 2)]


def brief(sentences: list[str], rng: random.Random) -> Brief:
    return verified_brief(" ".join(sentences), [(reworded(rng, s), s) for s in sentences])


def verified_brief(text: str, facts: list[tuple[str, str]]) -> Brief:
    """A verified brief of ``text`` whose facts ``(claim, quote)`` cite their quotes exactly."""
    citations, rendered = [], []
    for n, (claim, quote) in enumerate(facts, 1):
        start = text.index(quote)
        citations.append(Citation(id=n, span=Span.of(text, start, start + len(quote)), match="exact"))
        rendered.append(Fact(claim=claim, kind="event", citations=[n]))
    return _brief_of(text, rendered, citations)


def plain_meta() -> BriefMeta:
    """The metadata of a made-up brief: one chunk, no usage, nothing counted."""
    return BriefMeta(
        model="m",
        prompt_version="p",
        structured_mode="json_schema",
        briefer_version="0",
        chunks=1,
        usage=Usage(),
        counts=GroundingCounts(),
    )


def _brief_of(text: str, facts: list[Fact], citations: list[Citation]) -> Brief:
    return Brief(article=Article(text=text), facts=facts, citations=citations, meta=plain_meta())


def one_line_brief(chars: int, seed: int = 1, every: int = 4) -> Brief:
    """A verified brief of a one-line article of about ``chars`` characters (no line break at all).

    Plain sentences alternate with quoted speech ("…," Ines Berg said.), so the
    checks find quotations and reporting cues throughout; every ``every``-th
    plain sentence is a fact citing itself, so the citations grow with the text.
    """
    rng = random.Random(seed)
    parts, facts, citations, at = [], [], [], 0
    while at < chars:
        plain = sentence(rng)
        if len(parts) % (2 * every) == 0:
            n = len(citations) + 1
            span = Span(start=at, end=at + len(plain), text=plain)
            citations.append(Citation(id=n, span=span, match="exact"))
            facts.append(Fact(claim=plain, kind="event", citations=[n]))
        said = f'"{sentence(rng)[:-1]}," {rng.choice(PEOPLE)} said.'
        parts += [plain, said]
        at += len(plain) + len(said) + 2
    text = " ".join(parts)
    return _brief_of(text, facts, citations)


def one_sentence_brief(chars: int, seed: int = 1, every: int = 8) -> Brief:
    """A brief of a one-line article that is one endless sentence: clauses and reporting cues
    ("…, Ines Berg said "so it goes" and …") with no full stop; every ``every``-th clause is a fact."""
    rng = random.Random(seed)
    parts, facts, citations, at = [], [], [], 0
    while at < chars:
        clause = sentence(rng)[:-1]
        if len(parts) % every == 0:
            n = len(citations) + 1
            citations.append(
                Citation(id=n, span=Span(start=at, end=at + len(clause), text=clause), match="exact")
            )
            facts.append(Fact(claim=clause, kind="event", citations=[n]))
        parts.append(f'{clause}, {rng.choice(PEOPLE)} said "so it goes" and')
        at += len(parts[-1]) + 1
    return _brief_of(" ".join(parts), facts, citations)


def synthetic_digest(stories: int, seed: int = 1, name: str = "Morning desk", day: str = "2026-12-05"):
    """A :class:`~briefer.digest.model.Digest` of ``stories`` one-article stories, two cited facts each."""
    from briefer.digest.model import Digest, DigestArticle, DigestCitation, DigestFact, Story

    rng = random.Random(seed)
    articles, citations, found = [], [], []
    for n in range(1, stories + 1):
        said = [sentence(rng), sentence(rng)]
        label, b = f"A{n}", verified_brief(" ".join(said), [(s, s) for s in said])
        title = f"Report {n}: {said[0][:40]}"
        articles.append(
            DigestArticle(
                label=label, title=title, addresses=[f"https://news.example/{n}"], origin="feed", brief=b
            )
        )
        facts = []
        for c in b.citations:
            citations.append(DigestCitation(id=len(citations) + 1, article=label, span=c.span, match="exact"))
            facts.append(
                DigestFact(
                    claim=c.span.text,
                    statement=c.span.text,
                    kind="event",
                    citations=[len(citations)],
                    articles=[label],
                    corroborated=False,
                )
            )
        found.append(Story(title=title, articles=[label], facts=facts))
    return Digest(name=name, date=day, stories=found, articles=articles, citations=citations)
