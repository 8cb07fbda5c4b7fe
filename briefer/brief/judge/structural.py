"""The built-in structural checks, registered in the order they run, and the word check they end with.

Each check is cheap and pure and names itself in its verdict. The closed-class
checks come first, because their reasons say exactly what changed ("the
source says "could take", the statement "will take""); the word check of
:func:`briefer.brief.support.unsupported_terms` (names, numbers, most content
words) runs last.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ...language import language
from ..sourcetext import article_names
from ..speakers import TITLES
from ..support import unsupported_terms
from .amounts import numbers, quantifier
from .base import Check, Evidence, Verdict, objection, register_check
from .mood import direction, modality, polarity
from .roles import roles
from .voice import attribution, hedge, speaker_words


@lru_cache(maxsize=16)
def _names(text: str) -> frozenset[str]:
    return frozenset(article_names(text))


def words(statement: str, evidence: Evidence) -> Verdict | None:
    """Names, numbers and most content words of the statement occur in its spans."""
    lang = language(evidence.language)
    names = _names(evidence.text) if lang.cased else None
    missing = unsupported_terms(_unattributed(statement, evidence), evidence.cited, names, lang)
    if not missing:
        return None
    return objection("words", f"the cited text does not say: {', '.join(missing)}", *missing)


def _unattributed(statement: str, evidence: Evidence) -> str:
    """The statement without the source's speaker and role ("Shin Beom-chul, senior fellow at ..., says"):
    who says it is the attribution check's, and the speaker may stand outside the cited spans."""
    for said in sorted(speaker_words(evidence), key=len, reverse=True):
        if len(said) > 2:  # with a title before the name ("Dr Kofi Mensah said: ...")
            statement = re.sub(_TITLE + re.escape(said), " ", statement, flags=re.I)
    return statement


_TITLE = r"(?:\b(?:" + "|".join(sorted(TITLES)) + r")\.?\s+)?"


def english_only(check: Check) -> Check:
    """The closed-class checks read English words; another language gets the word check only."""

    def run(statement: str, evidence: Evidence) -> Verdict | None:
        return check(statement, evidence) if language(evidence.language).english else None

    run.__doc__, run.__name__ = check.__doc__, check.__name__
    return run


for _name, _check in (
    ("polarity", polarity),
    ("direction", direction),
    ("modality", modality),
    ("quantifier", quantifier),
    ("numbers", numbers),
    ("hedge", hedge),
    ("attribution", attribution),
    ("roles", roles),
):
    register_check(_name)(english_only(_check))
register_check("words")(words)
