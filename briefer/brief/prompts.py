"""What briefer asks the model: the prompts (with their version) and the response schema.

Prompts live in ``prompts/`` at the top of the repository (inside the wheel
when installed); their version is the name plus a hash of their text, so any
edit changes every cache key and recorded request.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import Field

from ..language import ENGLISH_CODE, Language, language
from ..models import Article, Chunk, FactKind, Strict
from ..resources import resource_dir
from .chunking import sentence_spans

PROMPT_NAME = "extract-v1"


class ProposedFact(Strict):
    # Quotes come first: a small model copies the text, then says what it shows.
    quotes: list[str] = Field(min_length=1, max_length=2)
    # Who says it, as the article names them; "" when the article says it itself. Only
    # compared with the speaker the code finds in the source, never rendered.
    speaker: str = Field(max_length=120)
    claim: str = Field(min_length=1, max_length=500)
    kind: FactKind
    entities: list[str] = Field(max_length=4)


class Extraction(Strict):
    facts: list[ProposedFact]


class QuotedFact(Strict):
    """Quote mode: the model only picks a sentence of the chunk. Its kind is read from the sentence
    (:func:`briefer.brief.picks.sentence_kind`): a record of one field repeats byte for byte when the
    model loops, so the embedded server's RepeatStop ends the list there."""

    quote: str = Field(min_length=1)


class QuoteExtraction(Strict):
    facts: list[QuotedFact]


def quote_schema(sentences: list[str], max_facts: int, min_facts: int = 0) -> dict[str, Any]:
    """The quote-mode schema: each quote is one of the chunk's ``sentences`` (an ``enum``, which a
    llama.cpp server compiles into a grammar, so a small model can only copy a real sentence)."""
    fact = {
        "type": "object",
        "properties": {"quote": {"type": "string", "enum": list(dict.fromkeys(sentences))}},
        "required": ["quote"],
        "additionalProperties": False,
    }
    facts: dict[str, Any] = {"type": "array", "items": fact, "maxItems": max_facts}
    if min_facts:
        facts["minItems"] = min_facts
    return {
        "type": "object",
        "properties": {"facts": facts},
        "required": ["facts"],
        "additionalProperties": False,
    }


def extraction_schema(max_facts: int, min_facts: int = 0) -> dict[str, Any]:
    """The response schema: refs inlined, every property required, no extra keys, bounded lists.

    ``minItems`` matters with small models, which otherwise stop after one or two facts.
    """
    schema = copy.deepcopy(_base_schema())
    schema["properties"]["facts"]["maxItems"] = max_facts
    if min_facts:
        schema["properties"]["facts"]["minItems"] = min_facts
    return _strip_titles(schema)


@lru_cache(maxsize=1)
def _base_schema() -> dict[str, Any]:
    """Built once: pydantic's schema generation is slow enough to show in a 1,000-article digest."""
    return _inline_refs(Extraction.model_json_schema())


def english() -> Language:
    return language(ENGLISH_CODE)


def facts_wanted(chunk: Chunk, max_facts: int, language: str = "en") -> int:
    """A floor on facts per chunk: about one per three sentences, at most four."""
    sentences = sum(1 for s, e in sentence_spans(chunk.text, language) if chunk.text[s:e].strip())
    return max(1, min(4, max_facts, -(-sentences // 3)))


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


@dataclass(frozen=True)
class Prompts:
    env: Environment
    version: str

    example: dict[str, dict[str, Any]]  # the worked example, by language
    quote_example: dict[str, Any]  # quote mode's worked example (the model only picks sentences)

    def messages(
        self,
        article: Article,
        chunk: Chunk,
        max_facts: int,
        min_facts: int,
        language: Language | None = None,
        answer: Language | None = None,
        quote: bool = False,
    ) -> tuple[dict[str, str], ...]:
        """System rules, one worked example as a chat turn, then the chunk.

        The rules are in English; for an article or answer in another language
        they say which language the claims are to be written in. In quote mode
        (``quote``) the model writes no claim: it picks sentences.
        """
        if quote:
            return self._quote_messages(article, chunk, max_facts, min_facts)
        language = language or english()
        answer = answer or language
        system = self.env.get_template("extract.system.j2").render(
            max_facts=max_facts,
            min_facts=min_facts,
            answer_language="" if language.english and answer.english else answer.name,
            article_language=language.name if answer.code != language.code else "",
        )
        user = self.env.get_template("extract.user.j2").render(title=article.title, chunk=chunk.text)
        same = answer.code == language.code
        example = self.example.get(answer.code if same else ENGLISH_CODE) or self.example[ENGLISH_CODE]
        return (
            {"role": "system", "content": system.strip()},
            {"role": "user", "content": example["article"]},
            {"role": "assistant", "content": json.dumps(example["answer"], ensure_ascii=False)},
            {"role": "user", "content": user.strip()},
        )

    def _quote_messages(
        self, article: Article, chunk: Chunk, max_facts: int, min_facts: int
    ) -> tuple[dict[str, str], ...]:
        system = self.env.get_template("extract.quote.system.j2").render(
            max_facts=max_facts, min_facts=min_facts
        )
        user = self.env.get_template("extract.user.j2").render(title=article.title, chunk=chunk.text)
        return (
            {"role": "system", "content": system.strip()},
            {"role": "user", "content": self.quote_example["article"]},
            {"role": "assistant", "content": json.dumps(self.quote_example["answer"], ensure_ascii=False)},
            {"role": "user", "content": user.strip()},
        )

    def reask(self, problems: list[str], only_failed: bool) -> str:
        return self.env.get_template("reask.j2").render(problems=problems, only_failed=only_failed).strip()


@lru_cache(maxsize=1)
def load_prompts() -> Prompts:
    """Prompts from ``prompts/``; the version is the name plus a hash of their text."""
    directory = resource_dir("prompts")
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.suffix in (".j2", ".json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    env = Environment(
        loader=FileSystemLoader(directory), undefined=StrictUndefined, keep_trailing_newline=True
    )
    quote_example = json.loads((directory / "extract.quote.example.json").read_text(encoding="utf-8"))
    return Prompts(
        env=env,
        version=f"{PROMPT_NAME}+{digest.hexdigest()[:8]}",
        example=_examples(directory),
        quote_example=quote_example,
    )


def _examples(directory: Path) -> dict[str, dict[str, Any]]:
    """The worked example by language: ``extract.example.json`` is English, ``extract.example.de.json``
    the same example in German, and so on. A chunk gets the one in its claims' language when the article
    is in that language too: a small model follows the example's language more than an instruction
    (the embedded 0.5B model wrote English claims for German articles until it saw a German example)."""
    found = {}
    for path in sorted(directory.glob("extract.example*.json")):
        parts = path.name.split(".")
        found[parts[2] if len(parts) == 4 else ENGLISH_CODE] = json.loads(path.read_text(encoding="utf-8"))
    return found


def chunk_messages(
    article: Article,
    chunk: Chunk,
    max_facts: int,
    language: Language | None = None,
    answer: Language | None = None,
    quote: bool = False,
) -> tuple[dict[str, str], ...]:
    """The exact messages of a chunk's first request (what ``briefer brief --show-prompt`` prints)."""
    code = language.code if language else "en"
    wanted = facts_wanted(chunk, max_facts, code)
    return load_prompts().messages(article, chunk, max_facts, wanted, language, answer, quote=quote)
