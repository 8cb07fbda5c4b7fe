"""Quote mode: every statement is the article's own sentence, with the speaker of that sentence.

The property tests run the whole pipeline over every labelled test article
(tests/data/attribution/) and the example, with a fake model that picks sentences
from the schema's ``enum`` (a seeded choice, so every run picks the same ones).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from briefer.brief.attribution import attributed, voice_of
from briefer.brief.context import ArticleContext
from briefer.brief.extract import ExtractOptions
from briefer.brief.pipeline import brief_article
from briefer.brief.prompts import QuoteExtraction, quote_schema
from briefer.brief.quote import quote_fact
from briefer.models import Article, Brief, Fact
from briefer.sources.load import load_article
from briefer.testing import FakeBackend
from briefer.verify import verify_brief

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "tests" / "data" / "attribution").glob("*.txt")) + [
    ROOT / "examples" / "kim-putin-summit.txt"
]
QUOTE = ExtractOptions(statements="quote", max_reasks=0)


class Picker(FakeBackend):
    """Answers quote-mode requests with sentences of the request's own ``enum``, chosen by a seeded draw."""

    def __init__(self, seed: int | str = 0, everything: bool = False):
        super().__init__()
        self.rng = random.Random(seed)
        self.everything = everything

    def chat(self, request):
        facts = request.schema["properties"]["facts"]
        enum = facts["items"]["properties"]["quote"]["enum"]
        n = (
            facts["maxItems"]
            if self.everything
            else self.rng.randint(facts.get("minItems", 1), facts["maxItems"])
        )
        chosen = enum[:n] if self.everything else self.rng.sample(enum, min(n, len(enum)))
        self.enqueue({"facts": [{"quote": q} for q in chosen]})
        return super().chat(request)


def quoted(article: Article, seed: int | str = 0, everything: bool = True) -> Brief:
    return brief_article(article, Picker(seed, everything), max_chunk_tokens=300, options=QUOTE)


def flat(text: str) -> str:
    """Whitespace runs as one space, quotation marks folded to one form."""
    text = re.sub(r"[“”„«»\"]", '"', re.sub(r"[‘’]", "'", text))
    return " ".join(text.split())


def body(fact: Fact) -> str:
    """The statement without what the code adds from the source: the speaker frame, referents in brackets."""
    statement = fact.statement
    frame = re.fullmatch(r".+? said: “(.*)”", statement, re.S)
    if frame and fact.attribution.speaker_citation is not None:
        statement = frame.group(1)
    return re.sub(r" \[[^\]]+\]", "", statement).replace(" \u2026 ", " ")


def content(brief: Brief, fact: Fact):
    return [brief.citation(i).span for i in fact.citations if i != fact.attribution.speaker_citation]


def same_words(a: str, b: str) -> bool:
    a, b = flat(a).strip("\"'"), flat(b).strip("\"'")
    return a[:1].lower() + a[1:] == b[:1].lower() + b[1:]


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
@pytest.mark.parametrize("seed", [0, 1])
def test_every_statement_is_the_text_of_its_cited_spans(path, seed):
    article = load_article(str(path))
    brief = quoted(article, seed=f"{path.name}{seed}", everything=seed == 0)
    assert brief.facts and brief.meta.statements == "quote"
    for fact in brief.facts:
        spans = content(brief, fact)
        assert same_words(body(fact), " ".join(s.text for s in spans)), fact.statement
        assert fact.statement[:1] == fact.statement[:1].upper()
        if fact.attribution.speaker_citation is not None:  # named outside the quoted sentences
            speaker = brief.citation(fact.attribution.speaker_citation).span.text
            assert speaker == fact.attribution.speaker and speaker in fact.statement


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_every_speaker_is_that_of_the_sentence_that_carries_the_statement(path):
    article = load_article(str(path))
    brief = quoted(article)
    sentences = list(ArticleContext.of(article).sentences)
    for fact in brief.facts:
        voices = [voice_of(article.text, s.start, s.end, sentences) for s in content(brief, fact)]
        heard = [v.speaker.name if v.reported and v.speaker else None for v in voices]
        if len(voices) == 1:
            assert fact.attribution.speaker == heard[0], fact.statement
        else:  # a referent sentence before it: "Analysts said …. On the other hand, …" is still theirs
            assert fact.attribution.speaker in heard, fact.statement
        if not any(v.reported for v in voices):  # the article's own voice: no cue is added
            assert fact.statement == " ".join(" ".join(s.text.split()) for s in content(brief, fact))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_briefer_verify_passes_every_quoted_brief(path):
    assert verify_brief(quoted(load_article(str(path)))) == []


def test_the_schema_only_allows_the_chunks_sentences():
    schema = quote_schema(["A b c.", "D e f.", "A b c."], 3, 1)
    item = schema["properties"]["facts"]["items"]
    assert item["properties"]["quote"]["enum"] == ["A b c.", "D e f."]
    assert item["required"] == ["quote"] and item["additionalProperties"] is False
    assert set(item["properties"]) == {"quote"}  # no claim, speaker or kind: none of the model's words
    QuoteExtraction.model_validate({"facts": [{"quote": "A b c."}]})


def test_a_quotation_gets_the_speaker_named_in_the_sentence_before(example):
    ctx = ArticleContext.of(example)
    start = example.text.index("“Visiting Russia")
    end = example.text.index("Kim Jong Un.”") + len("Kim Jong Un.”")
    checked = quote_fact(ctx, [(start, end)])
    assert checked.statement == (
        "Shin Beom-chul, senior fellow at the Asian Institute for Policy Studies in Seoul, said: “Visiting"
        " Russia is leverage for Kim Jong Un when it comes to his negotiations with President Trump. Russia’s"
        " role is just giving political blessing to Kim Jong Un.”"
    )
    assert checked.speaker_span is not None
    assert example.text[slice(*checked.speaker_span)] == "Shin Beom-chul"


def test_informed_sources_keep_their_own_words_never_kcnas(example):
    """The issue's bug: KCNA's name on words of "informed sources", because KCNA was another cited span."""
    ctx = ArticleContext.of(example)
    a = example.text.index("KCNA also said")
    b = example.text.index("Informed sources")
    e = example.text.index("Pyongyang.", b) + len("Pyongyang.")
    checked = quote_fact(ctx, [(a, b - 1), (b, e)])
    assert checked.statement.endswith(
        "Informed sources say Kim and Putin will meet at Russia’s Asian city of Vladivostok, which is only"
        " 680 kilometers by air from Pyongyang."
    )
    assert "KCNA says" not in checked.statement and checked.attribution.speaker == "KCNA"
    alone = quote_fact(ctx, [(b, e)])
    assert alone.attribution.speaker == "Informed sources" and alone.statement.startswith("Informed sources")


def _ctx(text: str) -> tuple[ArticleContext, str]:
    return ArticleContext.of(Article(text=text)), text


def _at(text: str, sentence: str) -> list[tuple[int, int]]:
    start = text.index(sentence)
    return [(start, start + len(sentence))]


def test_a_pronoun_speaker_brings_the_sentence_that_names_them():
    ctx, text = _ctx(
        "Mayor Piet Varga said the new bridge would open on Monday. He said the old one would be torn down.\n"
    )
    checked = quote_fact(ctx, _at(text, "He said the old one would be torn down."))
    assert checked.statement == text.strip() and checked.attribution.speaker == "Piet Varga"
    ctx, text = _ctx(
        "Mayor Piet Varga said the bridge would open. The council agreed. He said the old one would go.\n"
    )
    checked = quote_fact(ctx, _at(text, "He said the old one would go."))
    assert checked.statement == "Mayor Piet Varga said the bridge would open. … He said the old one would go."


def test_a_pronoun_no_speaker_resolves_cites_the_sentence_before():
    ctx, text = _ctx(
        "Mayor Piet Varga opened the new bridge on Monday. He said the old one would be torn down.\n"
    )
    checked = quote_fact(ctx, _at(text, "He said the old one would be torn down."))
    assert checked.statement == text.strip() and len(checked.grounded) == 2


def test_an_anaphoric_subject_cites_the_sentence_before():
    ctx, text = _ctx(
        "The council voted to close the Linde tunnel at night. The move angered taxi drivers across the city.\n"
    )
    checked = quote_fact(ctx, _at(text, "The move angered taxi drivers across the city."))
    assert checked.statement == (
        "The council voted to close the Linde tunnel at night. The move angered taxi drivers across the city."
    )
    assert len(checked.grounded) == 2


def test_a_sentence_in_the_articles_own_voice_gets_no_cue():
    ctx, text = _ctx(
        "Numerous rumours have spread about the new ink since the vote. Officials say the ink is safe.\n"
    )
    own = quote_fact(ctx, _at(text, "Numerous rumours have spread about the new ink since the vote."))
    assert own.statement == "Numerous rumours have spread about the new ink since the vote."
    assert own.attribution.speaker is None and not own.attribution.reported


def test_the_model_can_only_pick_sentences_and_a_near_copy_is_widened_to_its_sentence(example):
    sentence = "Putin has since sought to reinvigorate ties with North Korea."
    backend = FakeBackend(
        {"facts": [{"quote": "North Korean leader Kim Jong-un will fly to Russia later this week"}]},
        {"facts": [{"quote": sentence.replace("reinvigorate", "re-invigorate")}]},
        {"facts": [{"quote": "Nothing like this is in the article at all."}]},
    )
    brief = brief_article(example, backend, max_chunk_tokens=300, options=QUOTE)
    statements = [f.statement for f in brief.facts]
    assert statements[0].startswith(
        "North Korean leader Kim Jong-un will fly to Russia later this week for his"
    )
    assert sentence in statements
    assert brief.meta.counts.dropped == 1 and brief.dropped[0].claim.startswith("Nothing like this")


def test_a_quoted_sentences_kind_is_read_from_the_sentence():
    from briefer.brief.picks import sentence_kind
    from briefer.models import FactKind

    ctx, text = _ctx(
        "The port reopened on Friday after 40 hours of storm.\nTraders expect prices to fall.\n"
        "The strike began on 3 May 2024 at 4 a.m.\nAbout 40 barges waited to unload.\n"
        "The port was built in the 1960s.\nThe harbour is the city's oldest.\n"
    )

    def kind(sentence: str, reported: bool = False) -> FactKind:
        return sentence_kind(ctx, sentence, reported, text.index(sentence))

    assert kind("The port reopened on Friday after 40 hours of storm.") == FactKind.event  # the lead
    assert kind("About 40 barges waited to unload.") == FactKind.number
    assert kind("The strike began on 3 May 2024 at 4 a.m.") != FactKind.number  # dates are not counts
    assert kind("The port was built in the 1960s.") == FactKind.context
    assert kind("Traders expect prices to fall.", reported=True) == FactKind.statement


def test_a_word_in_quotation_marks_does_not_make_a_sentence_someone_elses():
    """The issue's "Reportedly," before a sentence the article states itself: a term set off in quotes."""
    ctx, text = _ctx(
        'Officials promised the "indelible" ink would end fraud. Numerous rumours have spread about the'
        ' "magic" ink since then.\n'
    )
    sentence = 'Numerous rumours have spread about the "magic" ink since then.'
    checked = quote_fact(ctx, _at(text, sentence))
    assert checked.statement == sentence and not checked.attribution.reported
    voice = voice_of(text, *_at(text, sentence)[0])
    assert attributed("Numerous rumours have spread about the ink.", voice) == (
        "Numerous rumours have spread about the ink."
    )


def test_one_such_article_cites_the_sentence_it_refers_to():
    ctx, text = _ctx(
        "Several newspapers questioned the new ink. The author of one such article began a petition drive.\n"
    )
    checked = quote_fact(ctx, _at(text, "The author of one such article began a petition drive."))
    assert checked.statement == text.strip()
