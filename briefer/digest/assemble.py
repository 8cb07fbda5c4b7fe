"""Turn briefed articles into a digest: stories, merged facts, digest-wide citation numbers.

Articles are labelled ``A1``, ``A2`` … in key order; near-duplicate reports are
grouped into stories (:mod:`briefer.digest.cluster`) and each story's facts
merged across its reports. Citations are renumbered digest-wide: marker
``[n]`` points at one article, one verified quote and its character range.
Every list is sorted by stable keys, never by completion order.
"""

from __future__ import annotations

from typing import Any

from ..output.check import uncited_statements
from ..output.render import render_template
from ..sources.base import Collection
from .cluster import clusters, story_facts
from .identity import Unique
from .model import Digest, DigestArticle, DigestCitation, DigestFact, NotCovered, Story


def assemble_digest(
    name: str, day: str, articles: list[Unique], collection: Collection, problems: list[NotCovered]
) -> Digest:
    """Label articles, cluster them into stories, merge facts and number the citations digest-wide."""
    labelled = [_digest_article(f"A{n}", u) for n, u in enumerate(articles, 1)]
    groups = clusters(
        [a.brief.article.text for a in labelled], languages=[a.brief.meta.language for a in labelled]
    )
    groups.sort(key=lambda g: (-len(g), g[0]))
    numbers: dict[tuple[str, int], int] = {}
    stories = [_story([labelled[i] for i in g], numbers) for g in groups]
    citations = [_citation(cid, label, ref, labelled) for (label, ref), cid in numbers.items()]
    not_covered = collection.problems + problems
    return Digest(
        name=name,
        date=day,
        stories=stories,
        articles=labelled,
        citations=citations,
        not_covered=not_covered,
        left_out=dict(sorted(collection.left_out.items())),
    )


def _digest_article(label: str, u: Unique) -> DigestArticle:
    assert u.brief is not None
    title = u.brief.article.title or u.brief.article.source
    return DigestArticle(label=label, title=title, addresses=u.addresses, origin=u.item.origin, brief=u.brief)


def _story(members: list[DigestArticle], numbers: dict[tuple[str, int], int]) -> Story:
    facts = []
    for sf in story_facts([a.brief for a in members]):
        refs = [(members[n].label, cid) for n, cid in sf.refs]
        ids = sorted({numbers.setdefault(ref, len(numbers) + 1) for ref in refs})
        labels = [members[n].label for n in sf.articles]
        facts.append(
            DigestFact(
                claim=sf.claim,
                statement=sf.statement,
                kind=sf.kind,
                citations=ids,
                articles=labels,
                corroborated=len(labels) > 1,
            )
        )
    return Story(title=members[0].title, articles=[a.label for a in members], facts=facts)


def _citation(cid: int, label: str, ref: int, articles: list[DigestArticle]) -> DigestCitation:
    article = next(a for a in articles if a.label == label)
    c = article.brief.citation(ref)
    return DigestCitation(id=cid, article=label, span=c.span, match=c.match)


def render_digest(digest: Digest, template: str = "digest") -> str:
    return render_template(template, digest_context(digest))


def digest_context(digest: Digest) -> dict[str, Any]:
    articles = {a.label: a for a in digest.articles}
    models = sorted({f"{a.brief.meta.model} · prompt {a.brief.meta.prompt_version}" for a in digest.articles})
    return {
        "digest": digest,
        "name": digest.name,
        "date": digest.date,
        "stories": digest.stories,
        "articles": articles,
        "citations": digest.citations,
        "not_covered": digest.not_covered,
        "left_out": digest.left_out,
        "models": models,
    }


def uncited_digest_lines(markdown: str, digest: Digest) -> list[str]:
    """Statement lines of a rendered digest without a resolving marker (empty list: all cited)."""
    return uncited_statements(markdown, {c.id for c in digest.citations})
