"""A digest as a run holds it: the day's briefs packed, each unpacked only while a step needs it.

At 1,000 articles the day's ``Brief`` models take about 16 MB (118,000
pydantic objects), more than the rest of the digest together. So a run keeps
each brief as its JSON, zlib-compressed (:class:`PackedBrief`, about 1 KB),
beside the little that clustering and the pages need without it (label,
title, addresses, origin, the article, its language, the model). A step that
needs a brief, merging one story's facts or writing one article's pane or
JSON, unpacks it and lets it go. The stories, with their merged facts, are
kept packed the same way (:class:`Packed`).

The briefs are packed in memory rather than read back from the state store:
a run of another config on the same store may replace a brief of the same
key while this run goes on, and a digest must cite the brief it numbered.

:class:`AssembledDigest` has the attributes of :class:`~briefer.digest.model.Digest`
(templates and :mod:`briefer.digest.publish` read either), and
:meth:`AssembledDigest.json_chunks` streams the JSON that ``Digest`` would
give, byte for byte, one article at a time.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import to_json

from ..models import Article, Brief, NotCovered
from .model import Digest, DigestArticle, DigestCitation, Story, model_line

M = TypeVar("M", bound=BaseModel)


class Packed(Sequence[M]):
    """A read-only list of models kept as compressed JSON; an item is validated again on each read.

    The day's stories and their merged facts take about 5 MB as models at
    1,000 articles, and a few hundred KB packed.
    """

    def __init__(self, model: type[M], items: Iterable[M]) -> None:
        self._model = model
        self._data = [zlib.compress(item.model_dump_json().encode(), 1) for item in items]

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, i: int) -> M:  # type: ignore[override]
        return self._model.model_validate_json(zlib.decompress(self._data[i]))


@dataclass(frozen=True)
class PackedBrief:
    """A brief as its compressed JSON, with what is read of it without unpacking."""

    data: bytes
    language: str
    model: str  # model_line(): the model and prompt version

    @classmethod
    def of(cls, brief: Brief, json: str | None = None) -> PackedBrief:
        """``json``: the brief's ``model_dump_json()``, when the caller has it already."""
        data = zlib.compress((json or brief.model_dump_json()).encode(), 1)
        return cls(data, brief.meta.language, model_line(brief))

    def unpack(self) -> Brief:
        return Brief.model_validate_json(zlib.decompress(self.data))


@dataclass(frozen=True)
class LazyArticle:
    """A :class:`DigestArticle` whose ``brief`` is unpacked on each access (read it once per use)."""

    label: str
    title: str
    addresses: list[str]
    origin: str
    article: Article
    packed: PackedBrief

    @property
    def brief(self) -> Brief:
        return self.packed.unpack()

    def unpacked(self) -> DigestArticle:
        return DigestArticle(
            label=self.label, title=self.title, addresses=self.addresses, origin=self.origin, brief=self.brief
        )


@dataclass
class AssembledDigest:
    """A :class:`Digest` whose articles' briefs stay packed (see the module's docstring)."""

    name: str
    date: str
    stories: Sequence[Story]  # a Packed list in a run
    articles: list[LazyArticle]
    citations: list[DigestCitation]
    not_covered: list[NotCovered] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    def models(self) -> list[str]:
        """The models and prompt versions the briefs came from, one line each."""
        return sorted({a.packed.model for a in self.articles})

    def json_chunks(self) -> Iterator[str]:
        """``Digest.model_dump_json(indent=2)``, byte for byte, one list item at a time."""
        values = {name: getattr(self, name) for name in Digest.model_fields}
        values["articles"] = (a.unpacked() for a in self.articles)
        return pretty_json(values)

    def to_digest(self) -> Digest:
        """The whole :class:`Digest`, every brief unpacked at once."""
        fields = {name: getattr(self, name) for name in Digest.model_fields}
        return Digest(
            **{**fields, "stories": list(self.stories), "articles": [a.unpacked() for a in self.articles]}
        )


def pretty_json(fields: dict[str, Any]) -> Iterator[str]:
    """A JSON object as pydantic writes it with ``indent=2``; a list value goes one item at a time.

    pydantic (serde_json's pretty printer) puts every member and every list
    item on its own line, indented two spaces per level, and writes an empty
    list or object as ``[]`` or ``{}``. JSON strings hold no raw newline, so
    a value dumped on its own is indented by prefixing each of its lines.
    """
    yield "{"
    for n, (name, value) in enumerate(fields.items()):
        yield ("," if n else "") + "\n  " + to_json(name).decode() + ": "
        if isinstance(value, (list, Packed, Iterator)):
            yield from _items(value)
        else:
            yield _dump(value).replace("\n", "\n  ")
    yield "\n}" if fields else "}"


def _items(values: Iterable[Any]) -> Iterator[str]:
    """A list two levels in: ``[``, each item indented four spaces, ``  ]`` (or ``[]``)."""
    first = True
    for value in values:
        yield ("[\n    " if first else ",\n    ") + _dump(value).replace("\n", "\n    ")
        first = False
    yield "[]" if first else "\n  ]"


def _dump(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=2)
    return to_json(value, indent=2).decode()
