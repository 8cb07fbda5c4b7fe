"""Try a user's template on a small made-up brief before any model is asked (and paid).

:func:`probe_template` renders the template under the same limits as the
real render (:mod:`briefer.output.bounded`) and refuses it when it goes over
one: a template that builds a gigabyte or loops for ever does so whatever
the brief. Other errors are let through, since they may depend on the data
(``facts[3]`` of a one-fact sample); the real render still reports them.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..errors import ConfigError
from ..models import (
    Article,
    Brief,
    BriefMeta,
    Citation,
    DroppedFact,
    Fact,
    FactKind,
    GroundingCounts,
    Span,
    Usage,
)
from ..resources import resource_dir
from .guards import TemplateLimit
from .render import context, resolve_template, template_chunks

_TEXT = (
    "Council approves the harbour budget\n\n"
    "The city council approved the harbour budget on Monday. "
    '"The work starts in May," the mayor, Ana Silva, said. About 40 jobs are expected.'
)


def sample_brief() -> Brief:
    """A small verified brief: a title, three facts of different kinds, their citations, a dropped fact."""
    spans = [_sentence_span(_TEXT, s) for s in ("The city council", '"The work', "About 40")]
    kinds = [FactKind.event, FactKind.statement, FactKind.number]
    claims = [
        "The council approved the harbour budget.",
        "The work starts in May.",
        "About 40 jobs are expected.",
    ]
    return Brief(
        article=Article(text=_TEXT, title="Council approves the harbour budget", source="sample.txt"),
        facts=[
            Fact(claim=c, statement=c, kind=k, citations=[n])
            for n, (c, k) in enumerate(zip(claims, kinds), 1)
        ],
        citations=[Citation(id=n, span=s, match="exact") for n, s in enumerate(spans, 1)],
        meta=BriefMeta(
            model="sample",
            prompt_version="sample",
            structured_mode="json_schema",
            briefer_version=__version__,
            chunks=1,
            usage=Usage(prompt_tokens=100, completion_tokens=50),
            counts=GroundingCounts(proposed=4, grounded=3, dropped=1, quotes=3),
        ),
        dropped=[DroppedFact(claim="The budget doubled.", quotes=["doubled"], reason="quote not found")],
    )


def _sentence_span(text: str, beginning: str) -> Span:
    start = text.index(beginning)
    end = text.find(". ", start)
    return Span.of(text, start, end + 1 if end >= 0 else len(text))


def probe_template(template: str, values: dict[str, Any]) -> None:
    """Render a user's ``template`` with ``values`` (a sample) and discard it; raise if it goes over a limit."""
    directory, _ = resolve_template(template)
    if directory == resource_dir("templates"):
        return  # built-in templates have no limits to meet
    try:
        for _ in template_chunks(template, values):
            pass
    except ConfigError as exc:
        if isinstance(exc.__cause__, (TemplateLimit, RecursionError, MemoryError)):
            raise


def probe_brief_template(template: str) -> None:
    """:func:`probe_template` for a brief template, on :func:`sample_brief`."""
    probe_template(template, {**context(sample_brief(), show_dropped=True), "link_files": False})
