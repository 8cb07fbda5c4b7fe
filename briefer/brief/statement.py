"""The statement a reader sees: the model's claim, with the source's speaker put back when it lacks one.

"Analysts say Russia needs …", "Shin Beom-chul, senior fellow at …, says …",
"Reportedly, …". The claim's first word keeps its capital only when it is
one of the article's names.
"""

from __future__ import annotations

import re
from typing import Protocol

from .sourcetext import WORD, bare
from .speakers import DETERMINERS, PREPS, TITLES, Speaker


class Voice(Protocol):
    """What a statement needs of :class:`briefer.brief.attribution.Voice`."""

    reported: bool
    cue: str | None
    speaker: Speaker | None


_STARTERS = frozenset(
    "the a an this that these those it its there their they he she his her we our some many most all both each "
    "one two three in on at by for with after before if when while despite however although according "
    "definitely clearly currently meanwhile instead also still only".split()
)


_CLAIM_CUE = re.compile(
    r"\b(?:according\s+to|in\s+the\s+view\s+of|reportedly|allegedly|alleged|say|says|said|saying|told|tells"
    r"|claims?|claimed|believes?|believed|think|thinks|argues?|argued|warns?|warned|insists?|insisted|adds|added"
    r"|stated|notes|noted|announced|announces|describes|described|suggests|suggested|predicts|predicted|contends"
    r"|maintains|alleges|denies|denied|confirms|confirmed|fears?|feared|promised|pledged|vowed|quoted|quoting"
    r"|wrote|writes|asked|blames?|blamed|ruled)\b",
    re.I,
)
_GENERIC = (
    frozenset("informed senior unnamed anonymous close familiar matter state-run".split())
    | DETERMINERS
    | PREPS
)


# Verbs of view: "Shin sees ...", "The Kremlin's spokesman expects ..." attribute a claim to its speaker.
_VIEW = re.compile(
    r"\b(?:sees?|saw|expects?|expected|hopes?|hoped|wants?|wanted|considers?|considered|views?|viewed|doubts?"
    r"|doubted|calls?|called|urges?|urged|estimates?|estimated|accuses?|accused|expresses|expressed)\b",
    re.I,
)


def claim_attributes(claim: str, voice: Voice) -> bool:
    """Does the claim carry a reporting cue, or name the speaker with a verb of view?

    Naming the speaker is not enough: "Nordlink offered a 4 percent raise" states as fact what
    the source only reports ("Nordlink said it had offered ..."), so it gets the speaker's cue.
    """
    if _CLAIM_CUE.search(claim) or _has_cue(claim, voice.cue):
        return True
    return voice.speaker is not None and mentions(claim, voice.speaker.name) and bool(_VIEW.search(claim))


def _has_cue(claim: str, cue: str | None) -> bool:
    """The claim keeps the source's own reporting word: "As the elections showed, …" for the cue "showed"."""
    return bool(cue) and re.search(rf"\b{re.escape(cue)}\b", claim, re.I) is not None


def mentions(text: str, name: str) -> bool:
    """Does ``text`` hold a significant word of ``name`` (by prefix: "Kremlin" matches "Kremlin's")?"""
    wanted = [w.lower() for w in WORD.findall(name) if w.lower() not in _GENERIC and len(w) > 1]
    words = [w.lower() for w in WORD.findall(text)]
    return any(w.startswith(s) and w[len(s) :] in ("", "s", "es", "'s", "’s") for s in wanted for w in words)


def attributed(
    claim: str,
    voice: Voice,
    *,
    names: set[str] | frozenset[str] | None = None,
    quoted: bool = False,
    text: str | None = None,
) -> str:
    """The claim as it should render: prefixed with its speaker (or "Reportedly,") when it lacks one.

    ``names`` (e.g. ``article_names``) decides whether the claim's first word is a proper name and keeps
    its capital; without it only common sentence starters ("The", "It", "However") are lowercased.
    With ``quoted`` (the claim is the speaker's own words, copied) it is put in quotation marks. A claim
    whose subject is the speaker names it once: "Nordlit Materials says it plans …", never "Nordlit
    Materials says Nordlit Materials plans …" (``text``, the article, tells "he" from "she").
    The statement starts with a capital.
    """
    if not voice.reported or claim_attributes(claim, voice):
        return capital(claim.strip())
    speaker = voice.speaker
    quote = f"\u201c{claim.strip().rstrip('.')}.\u201d"
    if speaker is None:
        return f"Reportedly, {quote if quoted else _lower_first(claim, names)}"
    verb = "say" if not speaker.named and _plural(speaker.name) else "says"
    rest = None if quoted else self_subject(claim, speaker)
    if rest is not None:
        return capital(f"{_who(speaker, names)} {verb} {subject_pronoun(speaker, text)} {rest}")
    body = quote if quoted else _lower_first(claim, names)
    return capital(f"{_who(speaker, names)} {verb} {body}")


def capital(statement: str) -> str:
    return statement[:1].upper() + statement[1:]


_APPOSITIVE = re.compile(r",[^,]{1,80},\s+")


def self_subject(claim: str, speaker: Speaker) -> str | None:
    """What the claim says of the speaker when its subject is the speaker ("Nordlit plans to …" ->
    "plans to …"); None when its subject is someone or something else."""
    own = {bare(w).lower() for w in WORD.findall(speaker.name)}
    words = list(WORD.finditer(claim))
    n = 0
    while n < len(words) and words[n].group().lower() in DETERMINERS:
        n += 1
    run = n
    while run < len(words) and bare(words[run].group()).lower() in own:
        run += 1
    significant = [w.group().lower() for w in words[n:run] if w.group().lower() not in _GENERIC]
    if not significant or run >= len(words) or run == n:
        return None
    after = words[run - 1].end()
    skip = _APPOSITIVE.match(claim, after)
    nxt = skip.end() if skip else after + len(claim[after:]) - len(claim[after:].lstrip())
    if not claim[nxt : nxt + 1].islower() or words[run - 1].group().endswith(("'s", "’s")):
        return None
    return claim[nxt:].strip()


_ORGANISATION = frozenset(
    "materials group union council ministry office company corporation corp inc ltd agency bank bureau department "
    "railway railways airline airlines party government court commission committee association institute "
    "university school hospital army news press service services authority board fund foundation club network "
    "times post kremlin police industries holdings partners federation league parliament assembly".split()
)


def subject_pronoun(speaker: Speaker, text: str | None = None) -> str:
    """ "it", "they", or for a person "he"/"she" as the article refers to them after naming them
    (their surname when it never does)."""
    words = WORD.findall(speaker.name)
    if not speaker.named:
        return "they" if _plural(speaker.name) else "it"
    if words[-1].lower() in _ORGANISATION or words[-1].isupper():
        return "it"
    after = text[speaker.end : speaker.end + 400] if text else ""
    found = re.search(r"\b(?:(he|his|him)|(she|her|hers)|(it|its))\b", after, re.I)
    if found:
        return "he" if found.group(1) else "she" if found.group(2) else "it"
    return "it" if len(words) < 2 else words[-1]


def speaker_phrase(speaker: Speaker, names=None) -> str:
    """How a statement names a speaker, from the source: "Shin Beom-chul, senior fellow at …," ."""
    return _who(speaker, names)


def _who(speaker: Speaker, names) -> str:
    """ "Shin Beom-chul, senior fellow at ...", "Mayor Ruth Ambrose", "Colin Reeve of the X Union"."""
    who = speaker.name[:1].upper() + speaker.name[1:]
    role = speaker.role if speaker.named else None
    words = WORD.findall(role or "")
    if not words or words[0].lower() in ("his", "her", "its", "their"):  # "her challenger": whose?
        return who
    if all(w.lower().rstrip(".") in TITLES for w in words):
        return f"{role} {who}"
    if words[0].lower() in PREPS:
        return f"{who} {role}"
    first = words[0]
    if first.lower() in DETERMINERS or (
        names is not None and bare(first) not in names and not first.isupper()
    ):
        role = first.lower() + role[len(first) :]
    return f"{who}, {role},"


def _lower_first(claim: str, names) -> str:
    m = WORD.search(claim)
    if m is None:
        return claim
    word = m.group()
    if names is not None:
        keep = bare(word) in names or word == "I" or (len(word) > 1 and word.isupper())
    else:
        keep = word.lower() not in _STARTERS
    return claim if keep else claim[: m.start()] + word[0].lower() + claim[m.start() + 1 :]


def _plural(name: str) -> bool:
    """Plural agreement from the head noun: "two officials familiar with ..." -> plural."""
    words = [w.lower() for w in WORD.findall(name)]
    head = words[0] if words else ""
    for w in words:
        if w in PREPS:
            break
        head = w
    if head in ("people", "police", "staff", "men", "women", "children"):
        return True
    return head.endswith("s") and not head.endswith(("ss", "us", "is", "'s", "’s"))
