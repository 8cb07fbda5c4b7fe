"""What the checks of one article need, computed once per article and shared by every chunk.

The article's language (what splits its sentences and shapes the claim
checks), its sentences (the same splitter as chunking), the words it
capitalises mid-sentence (its names: a word capitalised only at sentence starts
is not one; none in a script without capitals, or in German, which capitalises
every noun), and where the headline ends when the text starts with it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from ..language import ENGLISH_CODE, Language, language
from ..models import Article
from .chunking import sentence_spans
from .sourcetext import article_names, bounded


class Offsets(tuple):
    """Sentence offsets whose hash is computed once: the voice checks look their context up by them,
    once per cited span, and hashing thousands of pairs each time made a long article quadratic."""

    def __hash__(self) -> int:
        cached = self.__dict__.get("hash")
        if cached is None:
            cached = self.__dict__["hash"] = tuple.__hash__(self)
        return cached


@dataclass(frozen=True)
class ArticleContext:
    article: Article
    sentences: tuple[tuple[int, int], ...]
    names: frozenset[str]
    headline_end: int  # the text before this is the headline; 0 when the text does not start with one
    language: Language
    answer: Language  # the language the claims are written in

    @classmethod
    def of(
        cls, article: Article, lang: Language | None = None, answer: Language | None = None
    ) -> ArticleContext:
        lang = lang or language(ENGLISH_CODE)
        text = article.text
        spans = bounded(text, sentence_spans(text, lang.code))
        sentences = Offsets((s, e) for s, e in spans if text[s:e].strip())
        names = frozenset(article_names(text, list(sentences))) if lang.cased else frozenset()
        return cls(article, sentences, names, _headline_end(article), lang, answer or lang)

    @property
    def translated(self) -> bool:
        """Claims are written in another language than the article's: only numbers and names compare."""
        return self.answer.code != self.language.code

    @property
    def text(self) -> str:
        return self.article.text

    @cached_property
    def _starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def sentence_at(self, pos: int) -> int | None:
        """The index of the sentence holding ``pos``, or None between sentences (found by bisection)."""
        n = bisect_right(self._starts, pos) - 1
        return n if n >= 0 and pos < self.sentences[n][1] else None

    def body_sentences(self) -> list[tuple[int, int]]:
        return [(s, e) for s, e in self.sentences if s >= self.headline_end]

    def in_headline(self, start: int) -> bool:
        return start < self.headline_end


def _headline_end(article: Article) -> int:
    """End of the first line when it is the article's title (text files and stdin start with it)."""
    text = article.text
    first = text.lstrip()
    line_end = text.find("\n", len(text) - len(first))
    line = text[len(text) - len(first) : line_end if line_end >= 0 else len(text)]
    if not article.title or line.strip() != article.title.strip() or line_end < 0:
        return 0
    return line_end
