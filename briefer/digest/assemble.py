"""Turn briefed articles into a digest: stories, merged facts, digest-wide citation numbers.

Articles are labelled ``A1``, ``A2`` … in key order; near-duplicate reports are
grouped into stories (:mod:`briefer.digest.cluster`) and each story's facts
merged across its reports, a fact corroborated only by the reports whose
spans pass the checks for it (:mod:`briefer.digest.corroborate`). Citations are renumbered digest-wide: marker
``[n]`` points at one article, one verified quote and its character range.
Every list is sorted by stable keys, never by completion order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..models import Brief
from ..output.check import uncited_statements
from ..output.render import check_template, render_template, template_chunks
from ..output.sample import probe_template, sample_brief
from ..sources.base import Collection
from ..sources.config import invalid
from .assembled import AssembledDigest, LazyArticle, Packed
from .cluster import clusters, story_facts
from .corroborate import checked_facts
from .identity import Unique
from .model import Digest, DigestArticle, DigestCitation, DigestFact, NotCovered, Story, check_digest

Numbers = dict[tuple[str, int], int]  # (article label, citation id in its brief) -> digest-wide id


def assemble_digest(
    name: str, day: str, articles: list[Unique], collection: Collection, problems: list[NotCovered]
) -> AssembledDigest:
    """Label articles, cluster them into stories, merge facts and number the citations digest-wide.

    A story's briefs are unpacked while its facts are merged and its
    citations numbered, then let go.
    """
    labelled = [_digest_article(f"A{n}", u) for n, u in enumerate(articles, 1)]
    groups = clusters([a.article.text for a in labelled], languages=[a.packed.language for a in labelled])
    groups.sort(key=lambda g: (-len(g), g[0]))
    numbers: Numbers = {}
    citations: list[DigestCitation] = []
    stories = Packed(Story, (_story([labelled[i] for i in g], numbers, citations) for g in groups))
    try:  # the invariants the Digest model's validator checks
        check_digest(citations, {a.label: a.article.text for a in labelled}, stories)
    except ValueError as exc:
        raise invalid(str(exc)) from None
    return AssembledDigest(
        name=name,
        date=day,
        stories=stories,
        articles=labelled,
        citations=citations,
        not_covered=collection.problems + problems,
        left_out=dict(sorted(collection.left_out.items())),
    )


def _digest_article(label: str, u: Unique) -> LazyArticle:
    assert u.packed is not None
    article = u.item.article
    title = article.title or article.source
    return LazyArticle(label, title, u.addresses, u.item.origin, article, u.packed)


def _story(members: list[LazyArticle], numbers: Numbers, citations: list[DigestCitation]) -> Story:
    """One story's merged facts; each citation met for the first time is numbered and appended."""
    briefs = [a.brief for a in members]
    facts = []
    for checked in checked_facts(story_facts(briefs), briefs):
        sf = checked.fact
        ids = sorted({_number(members[n].label, briefs[n], cid, numbers, citations) for n, cid in sf.refs})
        backers = [members[n].label for n in checked.supporters]
        facts.append(
            DigestFact(
                claim=sf.claim,
                statement=sf.statement,
                kind=sf.kind,
                citations=ids,
                articles=[members[n].label for n in sf.articles],
                corroborated=len(backers) > 1,
                corroborated_by=backers,
            )
        )
    return Story(title=members[0].title, articles=[a.label for a in members], facts=facts)


def _number(label: str, brief: Brief, cid: int, numbers: Numbers, citations: list[DigestCitation]) -> int:
    """The digest-wide id of citation ``cid`` of article ``label``: the next free one when first met."""
    if (label, cid) not in numbers:
        numbers[label, cid] = len(numbers) + 1
        c = brief.citation(cid)
        citations.append(DigestCitation(id=numbers[label, cid], article=label, span=c.span, match=c.match))
    return numbers[label, cid]


def render_digest(digest: Digest | AssembledDigest, template: str = "digest") -> str:
    return render_template(template, digest_context(digest))


def digest_markdown_chunks(digest: Digest | AssembledDigest, template: str = "digest") -> Iterator[str]:
    """:func:`render_digest` as a stream of chunks, for writing the day's file."""
    return template_chunks(template, digest_context(digest))


def digest_context(digest: Digest | AssembledDigest) -> dict[str, Any]:
    return {
        "digest": digest,
        "name": digest.name,
        "date": digest.date,
        "stories": digest.stories,
        "articles": {a.label: a for a in digest.articles},
        "citations": digest.citations,
        "not_covered": digest.not_covered,
        "left_out": digest.left_out,
        "models": digest.models(),
    }


def probe_digest_template(template: str) -> None:
    """Refuse a user's digest template that goes over its limits on a one-story sample, before any model call."""
    check_template(template, "digest")
    brief = sample_brief()
    citations = [DigestCitation(id=c.id, article="A1", span=c.span, match=c.match) for c in brief.citations]
    facts = [
        DigestFact(
            claim=f.claim,
            statement=f.statement,
            kind=f.kind,
            citations=f.citations,
            articles=["A1"],
            corroborated=False,
        )
        for f in brief.facts
    ]
    article = DigestArticle(
        label="A1", title=brief.article.title, addresses=[brief.article.source], origin="sample", brief=brief
    )
    sample = Digest(
        name="sample",
        date="2000-01-01",
        stories=[Story(title=article.title, articles=["A1"], facts=facts)],
        articles=[article],
        citations=citations,
        not_covered=[NotCovered(source="sample.rss", reason="HTTP 404")],
        left_out={"older than max_age": 2},
    )
    probe_template(template, digest_context(sample))


def uncited_digest_lines(markdown: str, digest: Digest | AssembledDigest) -> list[str]:
    """Statement lines of a rendered digest without a resolving marker (empty list: all cited)."""
    return uncited_statements(markdown, {c.id for c in digest.citations})
