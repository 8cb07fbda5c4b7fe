"""RepeatStop (briefer.llm.local.serve): a list of records ends at its first verbatim repeat.

No model here: a small made-up vocabulary stands in for the tokenizer, and the
grammar's answer to "may the list end here?" is a parameter. The real model's
loop on the example article is in test_local_sampling.py.
"""

from __future__ import annotations

import pytest

from briefer.llm.local.serve import RepeatStop

PIECES = [
    '{"facts": [',
    '{"claim": "',
    "Kim",
    "Putin",
    ' met"',
    ', "quotes": [',
    '"a"',
    '"b"',
    "]",
    "]}",
    "]},",
    "}",
    "},",
    ", ",
    ",",
    "\n",
    "] }",
    'x}],{"',  # brackets inside a string are text, not structure
]
VOCAB = {n: p.encode() for n, p in enumerate(PIECES)}
TOKEN = {p: n for n, p in enumerate(PIECES)}
COMMAS = {n for n, p in VOCAB.items() if p.lstrip().startswith(b",")}


def stop_after(*pieces: str) -> RepeatStop:
    stop = RepeatStop(VOCAB.__getitem__, lambda: {n: p for n, p in VOCAB.items() if b"," in p or p == b"]"})
    for piece in pieces:
        stop.feed(TOKEN[piece])
    return stop


def names(tokens: list[int]) -> set[str]:
    return {PIECES[t] for t in tokens}


def anything(_token: int) -> bool:
    return True


RECORD = ['{"claim": "', "Kim", ' met"', ', "quotes": [', '"a"', "]", "}"]


def test_a_list_that_repeats_a_record_may_not_go_on():
    stop = stop_after('{"facts": [', *RECORD, ", ", *RECORD)
    assert names(stop.forbidden(anything)) == {PIECES[t] for t in COMMAS}


def test_the_list_goes_on_where_the_grammar_will_not_let_it_end():
    stop = stop_after('{"facts": [', *RECORD, ", ", *RECORD)
    assert stop.forbidden(lambda token: token != TOKEN["]"]) == []


def test_a_token_that_ends_the_repeat_and_goes_on_at_once_is_forbidden_before_it_is_written():
    """``]},`` closes the repeated record and continues the list in one token."""
    stop = stop_after('{"facts": [', *RECORD, ", ", *RECORD[:-2])
    assert names(stop.forbidden(anything)) == {"]},"}
    stop.feed(TOKEN["]"])
    assert names(stop.forbidden(anything)) == {"},"}


@pytest.mark.parametrize(
    "second",
    [
        ['{"claim": "', "Putin", ' met"', ', "quotes": [', '"a"', "]", "}"],  # another claim
        ['{"claim": "', "Kim", ' met"', ', "quotes": [', '"b"', "]", "}"],  # the same claim, other quotes
    ],
)
def test_records_that_differ_anywhere_are_left_alone(second):
    stop = stop_after('{"facts": [', *RECORD, ", ", *second)
    assert stop.forbidden(anything) == []


def test_the_first_record_and_repeated_strings_are_left_alone():
    assert stop_after('{"facts": [', *RECORD).forbidden(anything) == []
    strings = stop_after('{"facts": [', '{"claim": "', "Kim", ' met"', ', "quotes": [', '"a"', ", ", '"a"')
    assert strings.forbidden(anything) == []  # only records (objects in a list) count as repeats


def test_brackets_inside_strings_are_text():
    record = ['{"claim": "', 'x}],{"', "}"]  # the claim's text is x}],{ then the record closes
    stop = stop_after('{"facts": [', *record, ", ")
    assert stop.stack and stop.records[-1] == [b'{"claim": "x}],{"}']
    for piece in record:
        stop.feed(TOKEN[piece])
    assert names(stop.forbidden(anything)) == {PIECES[t] for t in COMMAS}


def test_whitespace_after_the_repeat_keeps_the_list_ending():
    stop = stop_after('{"facts": [', *RECORD, ", ", *RECORD, "\n")
    assert names(stop.forbidden(anything)) == {PIECES[t] for t in COMMAS}
    stop.feed(TOKEN["] }"])  # the list and the answer end
    assert stop.forbidden(anything) == []
