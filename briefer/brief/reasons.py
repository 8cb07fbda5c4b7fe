"""Why a fact was dropped, in the reader's words.

A check phrases its problem for the model (``fact "…": …; copy a quote exactly``): that
wording goes into the re-ask prompt. The brief's reader gets the finding without the
instruction (``the quote is not in the article``); :func:`for_reader` makes one from the
other, and a problem it does not know keeps its wording without the ``fact "…":`` lead
(the claim is shown next to it anyway) and without a trailing instruction.
"""

from __future__ import annotations

import re

_LEAD = re.compile(r'^fact ".*?": ', re.S)
_READER = [
    (
        re.compile(r"^none of its quotes \(.*\) is in the article; copy a quote exactly$", re.S),
        "the quote is not in the article",
    ),
    (
        re.compile(r"^its quotes do not mention (.+); quote the text that says so$", re.S),
        r"the quote does not mention \1",
    ),
    (
        re.compile(r"^the article attributes this (.+); say so$", re.S),
        r"the claim leaves out that the article attributes this \1",
    ),
    (
        re.compile(r"^the article hedges this \((.+)\); keep the hedge$", re.S),
        r"the claim drops the article's hedge (\1)",
    ),
]
_INSTRUCTION = re.compile(r"; (copy|quote|say|keep|use|write|cite|give)\b[^;]*$")


def for_reader(problem: str) -> str:
    """The reader-facing reason for a problem phrased for a re-ask."""
    finding = _LEAD.sub("", problem, count=1)
    for pattern, reader in _READER:
        if pattern.match(finding):
            return pattern.sub(reader, finding)
    return _INSTRUCTION.sub("", finding)
