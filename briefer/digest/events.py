"""Evidence that two reports tell of one event, beyond the common words they share.

Two features on one theme share many words and no event: a film piece and an
online-gaming feature both speak of fans, hours, screens, worlds, parents
and nostalgia, and their word sets can be as alike (a Jaccard of 0.24) as two
rewrites of one news story. What rewrites of one event share besides is its
*particulars*: the names of its people and places (words written with a
capital mid-sentence) and its figures (numbers that are not years).

A particular is *distinctive* when few of the day's reports have it (at most
:data:`DISTINCTIVE_SHARE` of them, and at least two): a name that a large part
of the day mentions ("UK", a president) tells no event from another. Two
reports that are similar only in the weak band (from the story threshold up
to :data:`WITHOUT_PARTICULARS`) join one story only if they share a
distinctive particular, when each has at least :data:`MIN_DISTINCTIVE` of
them; a report with fewer has too few to tell by, and the plain similarity
decides. So does a near copy. In a script without capitals, or in German
(every noun capitalised), names cannot be told from words: the plain
similarity decides there too.

Measured: the hand-written test set and the cluster benchmark's stories are
unchanged (benchmarks/cluster_bench.py), and the two features of
tests/data/features stay apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..brief.sourcetext import ABBREV
from ..brief.speakers import TITLES
from ..language import language

MIN_DISTINCTIVE = 2  # distinctive particulars each report needs before they are asked to share one
DISTINCTIVE_SHARE = 0.02  # of the day's reports, at most, have a distinctive particular
WITHOUT_PARTICULARS = 0.4  # from this similarity on, no shared particular is needed
# A capitalised word after a lower-case letter or a comma and a space: inside a sentence, so a name.
_INSIDE = re.compile(r"(?<=[a-z,;] )[A-Z][\w'’-]+")
_POSSESSIVE = re.compile(r"['’]s?$")
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july"
    " august september october november december i".split()
)
_NOT_NAMES = _CALENDAR | ABBREV | TITLES


def particulars(text: str) -> frozenset[str]:
    """The names (capitalised mid-sentence, not titles or days) and figures (not years) of a report."""
    names = {_POSSESSIVE.sub("", m.group().casefold()) for m in _INSIDE.finditer(text)}
    figures = {f.replace(",", "") for f in _FIGURE.findall(text) if not _YEAR.fullmatch(f)}
    return frozenset((names - _NOT_NAMES) | figures)


class Evidence:
    """The distinctive particulars of a day's reports, and the test of a pair against them."""

    def __init__(self, texts: Sequence[str], codes: Sequence[str], threshold: float) -> None:
        found = [particulars(t) if language(c).cased else None for t, c in zip(texts, codes, strict=True)]
        counts = Counter(p for ps in found if ps for p in ps)
        limit = max(2, int(len(texts) * DISTINCTIVE_SHARE))
        self.threshold = threshold
        self.distinctive = [
            None if ps is None else frozenset(p for p in ps if counts[p] <= limit) for ps in found
        ]

    def weigh(self, i: int, others: Sequence[int], scores: list[float]) -> list[float]:
        """The similarities ``scores`` of report ``i`` to ``others``, 0 where no event is shared."""
        mine = self.distinctive[i]
        if mine is None or len(mine) < MIN_DISTINCTIVE:
            return scores
        low, high = self.threshold, WITHOUT_PARTICULARS
        return [
            s if s < low or s >= high else self.one_event(s, i, j)
            for s, j in zip(scores, others, strict=True)
        ]

    def one_event(self, score: float, i: int, j: int) -> float:
        """``score`` if reports ``i`` and ``j`` may tell of one event, else 0."""
        if score < self.threshold or score >= WITHOUT_PARTICULARS:
            return score
        a, b = self.distinctive[i], self.distinctive[j]
        if a is None or b is None or min(len(a), len(b)) < MIN_DISTINCTIVE:
            return score  # too few particulars to tell by
        return score if not a.isdisjoint(b) else 0.0
