"""The entailment judge's structural checks: each faithful case passes, each wrong edit fails naming its check."""

from __future__ import annotations

import pytest

from briefer.brief.judge import (
    CHECKS,
    Evidence,
    StructuralJudge,
    Verdict,
    checks,
    get_judge,
    judge_names,
    register_check,
    structural_verdict,
)
from briefer.brief.judge import roles as roles_module
from briefer.errors import ConfigError

ARTICLE = """Storm closes Halsey pier

The Halsey pier was closed on Monday after waves damaged its deck, the harbour board said.
Repairs could take at least six weeks, board engineer Maja Lind said.
Around 4,000 people walk on the pier on a summer weekday.
The council voted 7 to 5 to pay for the repairs, ending a year of debate.
The damage was not caused by the ferry, investigators said.
Ticket sales fell 12 percent last year.
The pier café is expected to reopen in June.
The ferry company will run extra boats until the pier reopens.
The owner reportedly sold the café to a Bergen chef.
The operator, Pier Holdings, plans to repaint the railings and says a new kiosk will follow.
"""


def cite(sentence: str, text: str = ARTICLE) -> Evidence:
    start = text.index(sentence)
    return Evidence(text, ((start, start + len(sentence)),))


CLOSED = cite("The Halsey pier was closed on Monday after waves damaged its deck, the harbour board said.")
REPAIRS = cite("Repairs could take at least six weeks, board engineer Maja Lind said.")
PEOPLE = cite("Around 4,000 people walk on the pier on a summer weekday.")
VOTE = cite("The council voted 7 to 5 to pay for the repairs, ending a year of debate.")
DAMAGE = cite("The damage was not caused by the ferry, investigators said.")
SALES = cite("Ticket sales fell 12 percent last year.")
CAFE = cite("The pier café is expected to reopen in June.")
FERRY = cite("The ferry company will run extra boats until the pier reopens.")
CAFE_SOLD = cite("The owner reportedly sold the café to a Bergen chef.")
RAILINGS = cite(
    "The operator, Pier Holdings, plans to repaint the railings and says a new kiosk will follow."
)

FAITHFUL = [
    ("The harbour board said the Halsey pier was closed on Monday after waves damaged its deck.", CLOSED),
    ("Board engineer Maja Lind said repairs could take at least six weeks.", REPAIRS),
    ("About 4,000 people walk on the pier on a summer weekday.", PEOPLE),
    ("The council voted 7 to 5 to pay for the repairs.", VOTE),
    ("Investigators said the ferry did not cause the damage.", DAMAGE),
    ("Ticket sales fell 12 percent last year.", SALES),
    ("The pier café is expected to reopen in June.", CAFE),
    ("The ferry company will run extra boats until the pier reopens.", FERRY),
    ("The owner reportedly sold the café to a chef from Bergen.", CAFE_SOLD),
    ("Pier Holdings plans to repaint the railings.", RAILINGS),  # before "says": the article's own voice
    ("The board engineer said repairs could take at least six weeks.", REPAIRS),  # the speaker's role
]

WRONG = [
    ("Investigators said the damage was caused by the ferry.", DAMAGE, "polarity"),
    ("Investigators said the ferry never damaged the pier.", SALES, "polarity"),
    ("Board engineer Maja Lind said repairs will take at least six weeks.", REPAIRS, "modality"),
    ("The ferry company ran extra boats until the pier reopened.", FERRY, "modality"),
    ("Board engineer Maja Lind said repairs could take at most six weeks.", REPAIRS, "quantifier"),
    ("More than 4,000 people walk on the pier on a summer weekday.", PEOPLE, "quantifier"),
    ("All people walk on the pier on a summer weekday.", PEOPLE, "quantifier"),
    ("The council's vote ended five years of debate.", VOTE, "numbers"),
    ("Ticket sales rose 12 percent last year.", SALES, "direction"),
    ("The pier café reopens in June.", CAFE, "modality"),
    ("The owner sold the café to a Bergen chef.", CAFE_SOLD, "hedge"),
    ("The Halsey pier was closed on Monday after waves damaged its deck.", CLOSED, "attribution"),
    ("Ticket sales fell 12 percent last year, the harbour board said.", SALES, "attribution"),
    ("Reportedly, ticket sales fell 12 percent last year.", SALES, "attribution"),
    ("A new kiosk will follow.", RAILINGS, "attribution"),
    ("The harbour board said repairs could take at least six weeks.", REPAIRS, "attribution"),
    ("Board engineer Maja Lind said repairs could take at least six weeks in Oslo.", REPAIRS, "words"),
]


@pytest.mark.parametrize("statement, evidence", FAITHFUL)
def test_a_faithful_statement_is_supported(statement, evidence):
    verdict = structural_verdict(statement, evidence)
    assert verdict.ok and verdict.check in ("structural", "quoted")  # "quoted": the source's own words, whole
    assert verdict.ok


@pytest.mark.parametrize("statement, evidence, check", WRONG)
def test_a_wrong_edit_fails_naming_its_check(statement, evidence, check):
    verdict = structural_verdict(statement, evidence)
    assert (verdict.label, verdict.check) == ("not_supported", check), verdict.reason
    assert not verdict.ok and verdict.reason


def test_the_reason_quotes_what_changed():
    verdict = structural_verdict("Board engineer Maja Lind said repairs will take six weeks.", REPAIRS)
    assert verdict.reason == 'the source says "could take", the statement "will take"'
    number = structural_verdict("The council's vote ended five years of debate.", VOTE)
    assert number.words == ("5", "years")


def test_a_negation_in_another_clause_does_not_object():
    text = "The bridge reopened on Monday, but trucks are not allowed until June.\n"
    evidence = cite(text.strip(), text)
    assert structural_verdict("The bridge reopened on Monday.", evidence).ok
    assert structural_verdict("Trucks are allowed on the bridge.", evidence).check == "polarity"


def test_a_month_and_a_number_are_not_a_modal_and_a_negation():
    text = "The hearing was set for May 12. The council met in May at No 10 Harbour Street.\n"
    hearing = cite("The hearing was set for May 12.", text)
    council = cite("The council met in May at No 10 Harbour Street.", text)
    assert structural_verdict("The hearing was set for May 12.", hearing).ok
    assert structural_verdict("The council met at No 10 Harbour Street in May.", council).ok
    assert structural_verdict("The council will meet in May.", council).check == "modality"


def test_a_duration_is_not_a_qualifier_and_or_more_is_one():
    text = "The union wants a raise of 9 percent over two years. Repairs may take six weeks or more.\n"
    raise_ = cite("The union wants a raise of 9 percent over two years.", text)
    repairs = cite("Repairs may take six weeks or more.", text)
    assert structural_verdict("The union wants a raise of 9 percent spread across two years.", raise_).ok
    assert structural_verdict("Repairs may take at least six weeks.", repairs).ok
    assert structural_verdict("Repairs may take at most six weeks.", repairs).check == "quantifier"


def test_evidence_knows_its_cited_text_and_sentences():
    first, second = REPAIRS.spans[0], PEOPLE.spans[0]
    evidence = Evidence(ARTICLE, ((first[0] + 8, first[0] + 37), second))
    assert evidence.cited == "could take at least six weeks … " + ARTICLE[second[0] : second[1]]
    assert evidence.context.startswith("Repairs could take at least six weeks, board engineer")
    assert len(evidence.sentences) == 2 and "4,000 people" in evidence.context


def test_empty_statements_and_uncited_ones_are_not_supported():
    assert structural_verdict("  ", REPAIRS).check == "words"
    assert not structural_verdict("Repairs could take weeks.", Evidence(ARTICLE, ())).ok


def test_checks_run_in_their_registered_order():
    assert list(checks()) == [
        "polarity",
        "direction",
        "modality",
        "quantifier",
        "numbers",
        "hedge",
        "attribution",
        "roles",
        "words",
    ]


def test_a_registered_check_joins_the_chain_and_can_be_skipped():
    @register_check("test-always")
    def always(statement, evidence):
        return Verdict("not_supported", check="test-always", reason="always")

    try:
        assert structural_verdict(*FAITHFUL[0]).check == "test-always"
        assert structural_verdict(*FAITHFUL[0], skip=("test-always",)).ok
    finally:
        del CHECKS["test-always"]


def test_another_language_gets_the_word_check_only():
    text = "Die Brücke bleibt sechs Wochen geschlossen, sagte der Bürgermeister.\n"
    evidence = Evidence(text, ((0, len(text) - 1),), language="de")
    assert structural_verdict("Die Brücke bleibt nicht sechs Wochen geschlossen.", evidence).ok
    assert structural_verdict("Die Brücke bleibt 9 Wochen geschlossen.", evidence).check == "words"


def test_the_judge_registry():
    assert {"none", "llm"} <= set(judge_names())
    judge = get_judge("none")
    assert isinstance(judge, StructuralJudge) and judge.name == "none"
    verdicts = judge.judge([FAITHFUL[0], WRONG[0][:2]])
    assert [v.ok for v in verdicts] == [True, False]
    with pytest.raises(ConfigError, match="unknown judge 'nli'"):
        get_judge("nli")
    with pytest.raises(ConfigError, match="backend"):
        get_judge("llm")


def test_the_roles_check_is_skipped_without_the_parser(monkeypatch):
    monkeypatch.setattr(roles_module, "parser", lambda: None)
    assert roles_module.roles("The council voted the repairs.", VOTE) is None


needs_parser = pytest.mark.skipif(
    roles_module.parser() is None, reason="spaCy's model (the parse extra) is absent"
)


@needs_parser
@pytest.mark.parametrize(
    "statement, ok",
    [
        ("Waves damaged the deck of the Halsey pier, the harbour board said.", True),
        ("The deck damaged the waves, the harbour board said.", False),
    ],
)
def test_who_does_what_to_whom(statement, ok):
    verdict = structural_verdict(statement, CLOSED)
    assert verdict.ok is ok and (ok or verdict.check == "roles"), verdict.reason


@needs_parser
def test_the_parser_model_is_the_pinned_one():
    folder = roles_module.model_folder()
    assert folder is not None and roles_module.data_digest(folder) == roles_module.MODEL_DIGEST


def test_a_quote_of_the_source_is_never_parsed(monkeypatch):
    calls = []
    monkeypatch.setattr(roles_module, "parser", lambda: calls.append(1))
    assert roles_module.roles("Repairs could take at least six weeks", REPAIRS) is None
    assert calls == []
    roles_module.roles("Maja Lind repaired the weeks.", REPAIRS)
    assert calls == [1]
