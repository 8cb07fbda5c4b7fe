"""Who says it and how sure: a hedge of the source kept, a reported span not stated as fact, the right speaker.

The source's voice is read by :mod:`briefer.brief.attribution` (cues, speakers
and the hedge lexicon live there, once); these checks only compare it with
the statement. A hedge is read with what it governs, like a modal, so a
hedge in another clause of the cited sentence does not object.
"""

from __future__ import annotations

import re

from ..attribution import Voice, claim_attributes, claim_keeps_hedge, claim_misattributes, hedges_in, voice_of
from .base import Evidence, Verdict, objection
from .lexicon import find_word, governed, tokens

_HEDGED = Voice(reported=False, direct=False, cue=None, speaker=None, hedges=("hedge",))
_OWN_CUE = re.compile(r"\b(?:reportedly|allegedly|according\s+to|sources?\s+(?:say|said|says))\b", re.I)


def _hedge_scopes(text: str) -> list[tuple[str, str | None]]:
    """``(hedge, governed word)`` of every hedge of ``text`` (each phrase at its first place)."""
    words = tokens(text)
    found = []
    for hedge in hedges_in(text):
        phrase = tokens(hedge)
        at = next((i for i in range(len(words)) if words[i : i + len(phrase)] == phrase), None)
        if at is not None:
            found.append((hedge, governed(words, at + len(phrase) - 1)))
    return found


def hedge(statement: str, evidence: Evidence) -> Verdict | None:
    """A hedge of the source ("reportedly met", "is expected to open") dropped from what it hedges."""
    if claim_keeps_hedge(statement, _HEDGED):
        return None
    words = tokens(statement)
    for phrase, what in _hedge_scopes(evidence.context):
        if what is not None and find_word(words, what) is not None:
            return objection(
                "hedge", f'the source hedges it ("{phrase} {what}"), the statement does not', phrase
            )
    return None


def voices(evidence: Evidence) -> list[Voice]:
    return [voice_of(evidence.text, a, b) for a, b in evidence.spans]


def attribution(statement: str, evidence: Evidence) -> Verdict | None:
    """A reported span stated as fact (a dropped "X said"), the wrong speaker, or a cue the source lacks."""
    found = voices(evidence)
    reported = [v for v in found if v.reported]
    if reported and len(reported) == len(found):
        if not any(claim_attributes(statement, v) for v in reported):
            return objection(
                "attribution", f"the source reports it{_by(reported[0])}, the statement states it as fact"
            )
    if all(claim_misattributes(statement, v) for v in found):
        return objection(
            "attribution", f"the statement names a speaker the source does not give{_by(found[0])}"
        )
    if not reported and (cue := _OWN_CUE.search(statement)):
        return objection(
            "attribution", f'the statement says "{cue.group()}", the source says it in its own voice'
        )
    return None


def _by(voice: Voice) -> str:
    if voice.speaker is not None:
        return f" ({voice.speaker.name} {voice.cue or 'says'})"
    return f' ("{voice.cue}")' if voice.cue else ""
