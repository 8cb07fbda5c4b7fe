"""Bidirectional-text controls from an article, kept inside the text they came with.

An article may carry explicit bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE,
U+2067 RIGHT-TO-LEFT ISOLATE, …). Printed as they are, an unclosed one
reorders whatever follows on the line: the citation markers, the character
range, the next quote. So text holding any is isolated where it is shown:
in HTML inside ``<bdi>``, in plain text (Markdown, ``title=`` attributes)
between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE,
balanced so that a stray PDI in the text cannot close the isolate early
(every isolate or embedding the text opens ends at the closing PDIs).

Text without such controls is returned unchanged, so ordinary briefs render
byte for byte as before. The text itself is never altered: the characters
stay, only closed.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

FSI, PDI = "\u2068", "\u2069"
_INITIATORS = "\u2066\u2067\u2068"  # LRI, RLI, FSI
_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")  # LRE RLE PDF LRO RLO, LRI RLI FSI PDI


def has_bidi_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def _balanced(text: str) -> str:
    """``text`` with an FSI before it per stray PDI (which then closes it) and a PDI after it per isolate left open."""
    depth = stray = 0
    for ch in text:
        if ch in _INITIATORS:
            depth += 1
        elif ch == PDI:
            depth, stray = (depth - 1, stray) if depth else (0, stray + 1)
    return FSI * stray + text + PDI * depth


def isolate_text(text: str) -> str:
    """``text`` between FSI and PDI (balanced inside) if it holds bidi controls, else as it is."""
    return FSI + _balanced(text) + PDI if has_bidi_controls(text) else text


def isolate_html(text: str) -> Markup:
    """``text`` escaped, inside ``<bdi>`` (balanced inside) if it holds bidi controls.

    Browsers lay out ``<bdi>`` as if its content sat between FSI and PDI, so
    a stray PDI in the text is balanced here too.
    """
    if not has_bidi_controls(text):
        return escape(text)
    return Markup("<bdi>{}</bdi>").format(_balanced(text))
