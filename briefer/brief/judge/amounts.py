"""Quantifiers and numbers: "at least six weeks" is not "at most six weeks", and 10 must count years to say "ten years".

A number's qualifier is the phrase just before it ("more than", "about",
"up to"); the statement's must be the source's for the same number. What a
number counts is the content word after it ("48 hours", "a 48-hour strike");
the source must hold the same number counting the same thing, so "ended ten
years of debate" is not supported by "voted 11 to 10".
"""

from __future__ import annotations

from .base import Evidence, Verdict, objection
from .lexicon import find_phrases, is_content, number_value, phrase_at, same_word, table, tokens

QUALIFIERS = table(
    {
        "at least": "lower", "more than": "lower", "over": "lower", "above": "lower", "upwards of": "lower",
        "in excess of": "lower", "no fewer than": "lower", "no less than": "lower", "a minimum of": "lower",
        "exceeding": "lower", "at most": "upper", "up to": "upper", "fewer than": "upper",
        "less than": "upper", "under": "upper", "below": "upper", "no more than": "upper",
        "a maximum of": "upper", "as many as": "upper", "not more than": "upper", "about": "about",
        "around": "about", "approximately": "about", "roughly": "about", "nearly": "about",
        "almost": "about", "some": "about", "close to": "about", "an estimated": "about",
        "estimated": "about", "just over": "about", "just under": "about", "exactly": "exact",
        "precisely": "exact", "only": "exact",
    }
)  # fmt: skip
# Words that claim the whole, or the one: the source must say so too.
SWEEPING = table(
    dict.fromkeys(
        "all;every;each;everyone;everything;entire;whole;always;only;solely;sole;the majority;most of".split(
            ";"
        ),
        "sweeping",
    )
)
_SAME = {"all": "every each entire whole everyone everything", "every": "all each", "each": "all every"}
TIME_UNITS = frozenset("years year months month weeks week days day hours hour decades decade".split())
# What a number measures: always checked. Another counted noun is checked when the source has it
# somewhere ("ten years" where the source's 10 counts votes), not when it may be a synonym ("ships").
UNITS = frozenset(
    """year month week day hour minute second decade centurie century metre meter kilometre kilometer mile
    foot feet inch kilogram kilo gram tonne ton pound euro dollar crown franc yen percent litre liter
    hectare acre""".split()
)
MULTIPLIERS = frozenset("hundred thousand million billion trillion dozen".split())
# Words after a number that are not what it counts.
_ADJECTIVES = frozenset("new more additional extra other further last first".split())
_NOT_COUNTED = frozenset(
    """percent per cent times more additional extra other new further than to and or in on at by of from for
    a an the""".split()
)


def _qualified_numbers(words: tuple[str, ...]) -> list[tuple[str, str | None, str | None, int]]:
    """``(value, qualifier, counted noun, index)`` of every number in ``words``."""
    found = []
    for i, word in enumerate(words):
        value = number_value(word)
        if value is None or (i and number_value(words[i - 1]) is not None and words[i - 1] != "to"):
            continue
        qualifier, counted = phrase_at(words, QUALIFIERS, i), _counted(words, i)
        if qualifier and qualifier[0] in ("over", "under") and counted in TIME_UNITS:
            qualifier = None  # "over two years": a duration, not "more than two"
        name = qualifier[0] if qualifier else _trailing(words, i)
        found.append((value, name, None if word == "one" else counted, i))
    return found


def _trailing(words: tuple[str, ...], i: int) -> str | None:
    """A qualifier after the number and what it counts: "six weeks or more" is "at least six weeks"."""
    for j in (i + 1, i + 2):
        if words[j : j + 2] in (("or", "more"), ("or", "longer"), ("or", "above"), ("or", "over")):
            return "at least"
        if words[j : j + 2] in (("or", "less"), ("or", "fewer"), ("or", "under"), ("or", "shorter")):
            return "at most"
    return None


def _counted(words: tuple[str, ...], i: int) -> str | None:
    """What the number at ``i`` counts: the first content word after it and its multipliers."""
    j = i + 1
    while j < len(words) and words[j] in MULTIPLIERS:
        j += 1
    for word in words[j : j + 3]:
        if word in _ADJECTIVES:
            continue
        if word in _NOT_COUNTED or not is_content(word) or word.endswith("ed"):
            return None  # "in 1991 cooled": a verb, not what is counted
        return word
    return None


def _rate(words: tuple[str, ...], i: int) -> str | None:
    """The period of a rate after the number: "60,000 books a year" -> "year"."""
    for j in range(i + 1, min(i + 5, len(words) - 1)):
        if words[j] in ("a", "per", "each", "every") and words[j + 1] in TIME_UNITS | {"month", "months"}:
            return words[j + 1].rstrip("s")
        if words[j] in (",", ";") or number_value(words[j]) is not None:
            break
    return None


def _class(qualifier: str | None) -> str | None:
    return QUALIFIERS[tuple(qualifier.split())] if qualifier else None


def quantifier(statement: str, evidence: Evidence) -> Verdict | None:
    """A number's qualifier changed or dropped ("at most" for "at least"), or a sweeping word added."""
    source = _qualified_numbers(tokens(evidence.context))
    for value, qualifier, _, _ in _qualified_numbers(tokens(statement)):
        same = [q for v, q, _, _ in source if v == value]
        if not same or qualifier in same or _class(qualifier) in {_class(q) for q in same}:
            continue
        if _class(qualifier) is None and all(_class(q) == "exact" for q in same):
            continue  # "only 680 km" -> "680 km"
        theirs = next((q for q in same if q), None)
        reason = (
            f'the source says "{theirs} {value}", the statement "{qualifier + " " if qualifier else ""}{value}"'
            if theirs
            else f'the statement says "{qualifier} {value}", the source gives the number without it'
        )
        return objection("quantifier", reason, qualifier or value)
    return _sweeping(statement, evidence)


def _sweeping(statement: str, evidence: Evidence) -> Verdict | None:
    source = tokens(evidence.context)
    have = {" ".join(source[s:e]) for s, e, _ in find_phrases(source, SWEEPING)}
    for s, e, _ in find_phrases(tokens(statement), SWEEPING):
        word = " ".join(tokens(statement)[s:e])
        if word not in have and not set(_SAME.get(word, "").split()) & have:
            return objection("quantifier", f'the statement says "{word}", the source does not', word)
    return None


def numbers(statement: str, evidence: Evidence) -> Verdict | None:
    """Each number of the statement occurs in the source counting the same thing (a unit always, another
    noun when the source has it: "two ships" may be the source's "two vessels")."""
    source = tokens(evidence.context)
    places = [(v, i) for v, _, _, i in _qualified_numbers(source)]
    said = tokens(statement)
    if swapped := _swapped_score(said, source):
        return objection(
            "numbers",
            f'the source says "{swapped[1]} to {swapped[0]}", the statement "{swapped[0]} to {swapped[1]}"',
            *swapped,
        )
    for value, _, noun, at in _qualified_numbers(said):
        spots = [i for v, i in places if v == value]
        if not spots:
            continue  # a missing number is the words check's to report
        strict = noun is not None and (noun.rstrip("s") in UNITS or any(same_word(w, noun) for w in source))
        if strict and not any(_counts(source, i, noun) for i in spots):
            return objection("numbers", f"the source's {value} does not count {noun}", value, noun)
        rate = _rate(said, at)
        if rate and not any(_rate(source, i) in (rate, None) for i in spots):
            theirs = next(r for i in spots if (r := _rate(source, i)))
            return objection(
                "numbers", f"the source says {value} a {theirs}, the statement {value} a {rate}", rate
            )
    return None


def _swapped_score(said: tuple[str, ...], source: tuple[str, ...]) -> tuple[str, str] | None:
    """A vote or score the other way round: "14 to 31" where the source says "31 to 14"."""
    pairs = {(source[i], source[i + 2]) for i in range(len(source) - 2) if source[i + 1] == "to"}
    for i in range(len(said) - 2):
        a, b = said[i], said[i + 2]
        if (
            said[i + 1] == "to"
            and a[:1].isdigit()
            and b[:1].isdigit()
            and (b, a) in pairs
            and (a, b) not in pairs
        ):
            return a, b
    return None


def _counts(words: tuple[str, ...], i: int, noun: str) -> bool:
    """Does the number at ``i`` count ``noun``: the noun within three words after it (up to the next number
    or comma), or two before?"""
    after = []
    for word in words[i + 1 : i + 4]:
        if word in (",", ";") or number_value(word) is not None:
            break
        after.append(word)
    return any(same_word(w, noun) for w in [*after, *words[max(0, i - 2) : i]])
