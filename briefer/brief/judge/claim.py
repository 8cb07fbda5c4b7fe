"""Does this sentence follow from this article? One statement judged against an article (``briefer check``).

With cited spans the statement is judged on them; without, the span is found
first: the body sentence that carries the statement's names, numbers and most
of its words (:func:`briefer.brief.support.supporting_sentence`), else the
sentence that shares most of its words (rapidfuzz's token-set ratio over the
normalized text), a headline only when no body sentence shares anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from ...errors import InputError
from ...language import detect, language
from ...models import Article
from ...text import normalize
from ..context import ArticleContext
from ..support import supporting_sentence
from .base import Evidence, Judge, StructuralJudge, Verdict


@dataclass(frozen=True)
class Checked:
    """A statement, the evidence it was judged on, the verdict, and whether briefer chose the span itself."""

    statement: str
    evidence: Evidence
    verdict: Verdict
    found: bool

    def as_data(self) -> dict:
        text = self.evidence.text
        return {
            "statement": self.statement,
            "label": self.verdict.label,
            "supported": self.verdict.ok,
            "check": self.verdict.check,
            "reason": self.verdict.reason,
            "words": list(self.verdict.words),
            "spans": [{"start": a, "end": b, "text": text[a:b]} for a, b in self.evidence.spans],
            "span_found_by_briefer": self.found,
            "language": self.evidence.language,
        }


def check_statement(
    article: Article,
    statement: str,
    spans: Sequence[tuple[int, int]] = (),
    judge: Judge | None = None,
    code: str | None = None,
) -> Checked:
    """Judge ``statement`` against ``article`` on ``spans`` (found by briefer when there are none)."""
    statement = " ".join(statement.split())
    if not statement:
        raise InputError("the statement is empty")
    code = code or detect(article.text, article.language)
    for a, b in spans:
        if not 0 <= a < b <= len(article.text):
            raise InputError(f"--cite {a}-{b} is outside the article (0-{len(article.text)})")
    found = not spans
    if found:
        best = best_span(article, statement, code)
        if best is None:
            raise InputError("the article has no text to cite")
        spans = (best,)
    evidence = Evidence(article.text, tuple(spans), code)
    (verdict,) = (judge or StructuralJudge()).judge([(statement, evidence)])
    return Checked(statement, evidence, verdict, found)


def best_span(article: Article, statement: str, code: str) -> tuple[int, int] | None:
    """The sentence of ``article`` that best supports ``statement``."""
    ctx = ArticleContext.of(article, language(code))
    body = ctx.body_sentences() or list(ctx.sentences)
    if not body:
        return None
    found = supporting_sentence(statement, ctx.text, body, ctx.names or None, ctx.language)
    if found is not None:
        return _trimmed(ctx.text, found)
    said = normalize(statement)
    ranked = max(body, key=lambda s: fuzz.token_set_ratio(said, normalize(ctx.text[s[0] : s[1]])))
    return _trimmed(ctx.text, ranked)


def _trimmed(text: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())
