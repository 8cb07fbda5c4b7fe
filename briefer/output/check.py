"""Invariant 3 for any rendered Markdown: every statement carries markers that resolve.

One checker for briefs and digests: a statement line is any line between the
title and the ``## Sources`` heading that is not a heading, ``_italic_``
metadata or a rule.
"""

from __future__ import annotations

import re

from ..models import Brief

_MARKER = re.compile(r"\[(\d+)\]")


def uncited_lines(markdown: str, brief: Brief) -> list[str]:
    """Statement lines of a rendered brief that break invariant 3 (see :func:`uncited_statements`)."""
    return uncited_statements(markdown, {c.id for c in brief.citations})


def uncited_statements(markdown: str, ids: set[int]) -> list[str]:
    """Statement lines with no marker, or with a marker that resolves to none of ``ids``.

    Statements are the lines between the first and the ``## Sources`` heading
    that are not headings, ``_italic_`` metadata or rules. An empty list means
    every statement is cited.
    """
    body = markdown.split("\n## Sources", 1)[0]
    bad = []
    for line in body.splitlines()[1:]:
        text = line.strip()
        if not text or text.startswith(("#", "_", "---")):
            continue
        markers = {int(m) for m in _MARKER.findall(text)}
        if not markers or not markers <= ids:
            bad.append(line)
    return bad
