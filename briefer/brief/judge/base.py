"""The contract of the entailment judge: evidence, a verdict, one signature for every check, two registries.

Word overlap proves a statement uses its spans' words, not that it says what
they say ("The meeting between Kim and Putin is stalled" for "... the talks
remain stalled"). A *check* is one small, cheap, pure unit that reads one
statement against its :class:`Evidence` and objects with a :class:`Verdict`
naming itself, or returns None. :data:`CHECKS` holds them in the order they
run; :func:`structural_verdict` runs them, and the first objection decides.

A *judge* answers for many statements at once (one chunk's statements in one
request): ``none`` runs the structural checks only, ``llm`` asks the
configured model about the statements they pass. Judges are registered by
name with the module that makes them, imported on first use, as the backends
are (:mod:`briefer.llm.select`); an ``nli`` judge is one new module and one
:func:`register_judge` line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol

from ...errors import ConfigError
from ...text import normalize
from ..chunking import sentence_spans

if TYPE_CHECKING:
    from ...llm.base import Backend

Label = Literal["supported", "partly", "not_supported"]


@dataclass(frozen=True)
class Evidence:
    """What a statement cites: the whole article and the cited spans (offsets into ``text``)."""

    text: str
    spans: tuple[tuple[int, int], ...]
    language: str = "en"

    @cached_property
    def cited(self) -> str:
        """The cited text, span after span."""
        return " … ".join(self.text[a:b].strip() for a, b in self.spans)

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """The sentences (``[start, end)``, whitespace trimmed) that hold a cited span, in order."""
        found = []
        for s, e in sentence_spans(self.text, self.language):
            piece = self.text[s:e]
            s, e = s + len(piece) - len(piece.lstrip()), s + len(piece.rstrip())
            if s < e and any(a < e and b > s for a, b in self.spans):
                found.append((s, e))
        return tuple(found) or tuple(self.spans)

    @cached_property
    def context(self) -> str:
        """The text of the sentences that hold the cited spans."""
        return " ".join(self.text[a:b] for a, b in self.sentences)


@dataclass(frozen=True)
class Verdict:
    """A judgement of one statement: the label, the check that decided, why, and the words not supported."""

    label: Label
    check: str
    reason: str = ""
    words: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.label == "supported"


def objection(check: str, reason: str, *words: str) -> Verdict:
    """A check's "not supported" verdict."""
    return Verdict("not_supported", check=check, reason=reason, words=tuple(words))


Check = Callable[[str, Evidence], "Verdict | None"]

CHECKS: dict[str, Check] = {}
# The modules that register the built-in checks, in the order the checks run (imported on first use).
_CHECK_MODULES = ("briefer.brief.judge.structural",)


def register_check(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name``; checks run in the order they were registered."""

    def add(check: Check) -> Check:
        CHECKS[name] = check
        return check

    return add


def checks() -> dict[str, Check]:
    """The registered checks, in order, the built-in ones loaded."""
    for module in _CHECK_MODULES:
        importlib.import_module(module)
    return CHECKS


def structural_verdict(statement: str, evidence: Evidence, *, skip: Sequence[str] = ()) -> Verdict:
    """Run every check (but ``skip``) in order; the first objection decides, else "supported"."""
    if not statement.strip():
        return objection("words", "the statement is empty")
    if not evidence.spans:
        return objection("words", "the statement cites no span")
    if normalize(statement) == normalize(" ".join(evidence.text[a:b] for a, b in evidence.spans)):
        return Verdict("supported", check="quoted")  # the source's own words, whole: nothing added
    for name, check in checks().items():
        if name in skip:
            continue
        verdict = check(statement, evidence)
        if verdict is not None and not verdict.ok:
            return verdict
    return Verdict("supported", check="structural")


class Judge(Protocol):
    name: str

    def judge(self, items: Sequence[tuple[str, Evidence]]) -> list[Verdict]: ...


class StructuralJudge:
    """The ``none`` judge: the structural checks and nothing else."""

    name = "none"

    def __init__(self, backend: Backend | None = None):
        self.backend = backend

    def judge(self, items: Sequence[tuple[str, Evidence]]) -> list[Verdict]:
        return [structural_verdict(statement, evidence) for statement, evidence in items]


# name -> "module:factory"; a factory takes the backend (or None) and returns a Judge.
_JUDGES: dict[str, str] = {}


def register_judge(name: str, factory: str) -> None:
    """Register the judge ``name``, made by ``factory`` ("module:callable", imported on first use)."""
    _JUDGES[name] = factory


register_judge("none", "briefer.brief.judge.base:StructuralJudge")
register_judge("llm", "briefer.brief.judge.llm:LLMJudge")


def judge_names() -> list[str]:
    return list(_JUDGES)


def get_judge(name: str, backend: Backend | None = None) -> Judge:
    """The judge registered as ``name``; ``llm`` needs a ``backend``."""
    if name not in _JUDGES:
        raise ConfigError(f"unknown judge {name!r}: choose one of {', '.join(_JUDGES)}")
    module, _, attr = _JUDGES[name].partition(":")
    factory = getattr(importlib.import_module(module), attr)
    return factory(backend)
