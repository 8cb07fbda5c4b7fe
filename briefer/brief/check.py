"""From grounded quotes to a statement a reader can trust: the span that says it, and who says it.

Grounding proves that the quotes are in the article; this module proves that
they carry the claim, and puts the source's voice back on it (invariant 6).
Per proposed fact, in order:

1. **The span that says it.** A headline span is replaced by the body sentence
   that carries the claim, when one does. If the quotes lack a name, number or
   most content words of the claim, the body sentence that carries them all is
   cited instead; failing that, the fact goes back to the model (re-ask).
2. **Who says it.** :func:`~briefer.brief.attribution.voice_of` reads each
   cited span's voice from the source: reported speech (quotation marks or a
   reporting cue) gets its speaker from the text, and the speaker's name span
   is cited too. The model's ``speaker`` is only compared with it, to count
   supplied and corrected speakers. A claim that credits someone else, or
   drops the source's hedge, goes back to the model.
3. **The statement.** The claim, prefixed with its speaker ("Analysts say …",
   "Reportedly, …") when it does not already attribute itself.

Every outcome that changes a fact is counted in :class:`GroundingCounts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Attribution, GroundingCounts, Span
from ..text import normalize
from .attribution import Voice, attributed, claim_keeps_hedge, claim_misattributes, voice_of
from .context import ArticleContext
from .grounding import Grounded
from .statement import mentions
from .support import supporting_sentence, unsupported_terms


@dataclass
class Checked:
    grounded: list[Grounded]  # the content spans, then the speaker's name span if any
    statement: str
    attribution: Attribution
    speaker_span: tuple[int, int] | None
    claim: str = ""  # quote mode: the words the statement quotes, where it frames them


def check_fact(
    claim: str, model_speaker: str, grounded: list[Grounded], ctx: ArticleContext, counts: GroundingCounts
) -> Checked | str:
    """The checked fact, or the problem (phrased for a re-ask) that keeps it from rendering."""
    grounded = _prefer_body(claim, grounded, ctx, counts)
    missing = unsupported_terms(
        claim, _evidence(grounded), ctx.names, ctx.language, translated=ctx.translated
    )
    if missing:
        found = supporting_sentence(claim, ctx.text, ctx.body_sentences(), ctx.names, ctx.language)
        if found is None:
            return (
                f'fact "{claim}": its quotes do not mention {", ".join(missing)}; quote the text that says so'
            )
        grounded = [_sentence(ctx.text, found)]
        counts.resupported += 1
    voice = _voice(grounded, ctx)
    problem = _voice_problem(claim, voice) if voice is not UNREAD else None
    if problem:
        return problem
    _count_speaker(model_speaker, voice, counts)
    return _checked(claim, grounded, voice, ctx)


def _prefer_body(
    claim: str, grounded: list[Grounded], ctx: ArticleContext, counts: GroundingCounts
) -> list[Grounded]:
    """A headline span gives way to the body sentence that carries the claim, if there is one."""
    if not any(ctx.in_headline(g.span.start) for g in grounded):
        return grounded
    found = supporting_sentence(claim, ctx.text, ctx.body_sentences(), ctx.names, ctx.language)
    if found is None:
        return grounded
    counts.headlines_replaced += 1
    body = [g for g in grounded if not ctx.in_headline(g.span.start)]
    return [g for g in body if g.span.start != found[0]] + [_sentence(ctx.text, found)]


def _sentence(text: str, bounds: tuple[int, int]) -> Grounded:
    start, end = bounds
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return Grounded(Span.of(text, start, end), "exact", 100.0)


def _evidence(grounded: list[Grounded]) -> str:
    return " ".join(g.span.text for g in grounded)


def _voice(grounded: list[Grounded], ctx: ArticleContext) -> Voice:
    """The voice of the first reported span, else of the first span; hedges of every span.

    The cues, speakers and hedges read are English ones: in another language the
    voice is left unread (the claim is rendered as the model wrote it).
    """
    if not ctx.language.english:
        return UNREAD
    voices = [voice_of(ctx.text, g.span.start, g.span.end, ctx.sentences) for g in grounded]
    lead = next((v for v in voices if v.reported), None) or _continued(grounded[0], ctx) or voices[0]
    hedges = tuple(dict.fromkeys(h for v in voices for h in v.hedges))
    return Voice(lead.reported, lead.direct, lead.cue, lead.speaker, hedges)


UNREAD = Voice(reported=False, direct=False, cue=None, speaker=None, hedges=())


def spans_voice(grounded: list[Grounded], ctx: ArticleContext) -> Voice:
    """Who says what ``grounded`` cite, as the pipeline and ``briefer verify`` read it (:func:`_voice`)."""
    return _voice(grounded, ctx)


_CONTINUES = re.compile(r"(?:On the other hand|In addition|Moreover|Furthermore|At the same time),\s")


def _continued(g: Grounded, ctx: ArticleContext) -> Voice | None:
    """A sentence opening with "On the other hand," (or the like) goes on with the previous sentence's report:
    "Analysts said Russia needs ... On the other hand, North Korea wants ..." is still the analysts'."""
    index = ctx.sentence_at(g.span.start)
    if not index:
        return None
    start, _ = ctx.sentences[index]
    prev_start, prev_end = ctx.sentences[index - 1]
    if not _CONTINUES.match(ctx.text, start) or "\n" in ctx.text[prev_start:start].rstrip():
        return None
    prev = voice_of(ctx.text, prev_start, prev_end, ctx.sentences)
    return prev if prev.reported and not prev.direct and prev.speaker else None


def _voice_problem(claim: str, voice: Voice) -> str | None:
    if claim_misattributes(claim, voice):
        who = (
            f"to {voice.speaker.name}"
            if voice.reported and voice.speaker
            else "to no one: the article says it itself"
        )
        return f'fact "{claim}": the article attributes this {who}; say so'
    if not voice.reported and not claim_keeps_hedge(claim, voice):
        return f'fact "{claim}": the article hedges this ("{voice.hedges[0]}"); keep the hedge'
    return None


def _count_speaker(model_speaker: str, voice: Voice, counts: GroundingCounts) -> None:
    if not voice.reported or voice.speaker is None:
        return
    said = normalize(model_speaker)
    if not said:
        counts.speakers_supplied += 1
    elif not mentions(said, voice.speaker.name) and said not in normalize(voice.speaker.name):
        counts.speakers_corrected += 1


def _checked(claim: str, grounded: list[Grounded], voice: Voice, ctx: ArticleContext) -> Checked:
    speaker = voice.speaker if voice.reported else None
    span = (speaker.start, speaker.end) if speaker else None
    if span and not any(g.span.start <= span[0] and span[1] <= g.span.end for g in grounded):
        grounded = [*grounded, Grounded(Span.of(ctx.text, *span), "exact", 100.0)]
    attribution = attribution_of(voice)
    words = normalize(claim).rstrip(". ")
    quoted = voice.direct and bool(words) and words in normalize(" ".join(g.span.text for g in grounded))
    statement = attributed(claim, voice, names=ctx.names, quoted=quoted, text=ctx.text)
    return Checked(grounded, statement, attribution, span)


def attribution_of(voice: Voice) -> Attribution:
    """What a fact records of who says it: the voice read from the source (its speaker if reported)."""
    speaker = voice.speaker if voice.reported else None
    return Attribution(
        speaker=speaker.name if speaker else None,
        role=speaker.role if speaker else None,
        named=bool(speaker and speaker.named),
        cue=voice.cue,
        direct=voice.direct,
        hedges=list(voice.hedges),
    )
