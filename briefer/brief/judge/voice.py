"""Who says it and how sure: a hedge of the source kept, a reported span not stated as fact, the right speaker.

The source's voice is read by :mod:`briefer.brief.attribution` (cues, speakers
and the hedge lexicon live there, once); these checks only compare it with
the statement. A hedge is read with what it governs, like a modal, so a
hedge in another clause of the cited sentence does not object.
"""

from __future__ import annotations

import re

from ..attribution import Voice, claim_attributes, claim_keeps_hedge, claim_misattributes, hedges_in, voice_of
from ..statement import mentions
from .base import Evidence, Verdict, objection
from .lexicon import find_word, governed, is_content, tokens

_HEDGED = Voice(reported=False, direct=False, cue=None, speaker=None, hedges=("hedge",))
_OWN_CUE = re.compile(
    r"\b(?:reportedly|allegedly|according\s+to|says?|said|told|announced|claimed|added|warned)\b", re.I
)
_PRONOUN_SPEAKER = re.compile(r"^\s*(?:he|she|they|it|we)\s+(?:says?|said|told|added|warned)\b", re.I)


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
    reported = [v for v in found if v.reported and not _before_the_cue(statement, evidence, v)]
    if reported and len(reported) == len(found):
        if not any(_keeps_voice(statement, v) for v in reported):
            return objection(
                "attribution", f"the source reports it{_by(reported[0])}, the statement states it as fact"
            )
    if all(claim_misattributes(statement, v) or _other_speaker(statement, v) for v in found):
        return objection(
            "attribution", f"the statement names a speaker the source does not give{_by(found[0])}"
        )
    cue = _OWN_CUE.search(statement)
    if not reported and cue and not re.search(rf"\b{cue.group()}\b", evidence.context, re.I):
        return objection(
            "attribution", f'the statement says "{cue.group()}", the source says it in its own voice'
        )
    return None


def _before_the_cue(statement: str, evidence: Evidence, voice: Voice) -> bool:
    """Does the statement only say what the speaker does before the cue, in the article's voice?

    "Nordlit Materials plans to invest 420 million euros" from "Nordlit Materials plans to invest
    420 million euros and says the plant will employ ...": only what follows "says" is reported.
    """
    speaker, text = voice.speaker, evidence.text
    if speaker is None or not voice.cue:
        return False
    ends = [e for s, e in evidence.sentences if s <= speaker.start < e]
    cue = text.find(voice.cue, speaker.end, ends[0]) if ends else -1
    if cue < 0:
        return False
    middle = tokens(text[speaker.end : cue])
    said = [w for w in tokens(statement) if is_content(w) and not mentions(w, speaker.name)]
    return len(said) >= 2 and all(find_word(middle, w) is not None for w in said)


def _other_speaker(statement: str, voice: Voice) -> bool:
    """The statement reports someone saying it, but not the source's speaker ("The city council said ..."
    for what the readers' association complained); a pronoun ("They said ...") is not checked."""
    cue = _OWN_CUE.search(statement)
    if voice.speaker is None or cue is None or _PRONOUN_SPEAKER.search(statement):
        return False
    after = tokens(statement[cue.end() :])
    if cue.group().lower().startswith("according"):  # "According to X, ..."
        after = tokens(statement[cue.end() :].split(",")[0])
    who = " ".join([*tokens(statement[: cue.start()]), *(after if len(after) <= 6 else ())])  # "..., said X."
    role = voice.speaker.role or ""
    return not mentions(who, voice.speaker.name) and not (role and _names_role(who, role))


def _names_role(statement: str, role: str) -> bool:
    """Does the statement name the speaker by the role the source gives ("Nordlit's chief executive")?"""
    words = [w for w in tokens(role) if is_content(w)]
    found = sum(find_word(tokens(statement), w) is not None for w in words)
    return bool(words) and found >= 0.75 * len(words)


def speaker_words(evidence: Evidence) -> list[str]:
    """The speakers (with their roles) the source gives its cited spans, as it writes them."""
    found = []
    for voice in voices(evidence):
        if voice.speaker is not None:
            found += [voice.speaker.name] + ([voice.speaker.role] if voice.speaker.role else [])
    return found


def _keeps_voice(statement: str, voice: Voice) -> bool:
    """A reporting cue or a speaker with a verb of view, or the source's own cue ("found", "complained")."""
    if claim_attributes(statement, voice):
        return True
    cue = voice.cue or ""
    return bool(cue) and re.search(rf"\b{re.escape(cue)}\b", statement, re.I) is not None


def _by(voice: Voice) -> str:
    if voice.speaker is not None:
        return f" ({voice.speaker.name} {voice.cue or 'says'})"
    return f' ("{voice.cue}")' if voice.cue else ""
