"""Who says it and how sure: briefer.attribution against a hand-labelled set, plus one test per rule.

The articles in tests/data/attribution/ were written for this test set (the example article is the
repository's own); labels.json gives, for sentences or clauses of each, the speaker as written in the
text (null for the article's own voice), whether it is reported speech, and whether it is hedged.

Articles 01-14 were written alongside the rules. Articles 15-24 were written and labelled afterwards in
three batches, each measured before any rule was changed for it (speaker right on 41 of 57 reported
labels, reported right on 78 of 84, hedged right on 82 of 84); the misses then became rules. So the
100% here is a regression floor, not an estimate of accuracy on unseen news.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from briefer.brief import attribution
from briefer.brief.attribution import (
    Speaker,
    Voice,
    article_names,
    attributed,
    claim_attributes,
    claim_keeps_hedge,
    claim_misattributes,
    hedges_in,
    names_in,
    split_sentences,
    voice_of,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "attribution"
LABELS = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
EXAMPLE = "examples/kim-putin-summit.txt"


def read(name: str) -> str:
    path = ROOT / name if "/" in name else DATA / name
    with open(path, encoding="utf-8", newline="") as f:  # newline="": keep CRLF as in the file
        return f.read()


def labelled() -> list[tuple[str, dict]]:
    return [(name, label) for name, labels in LABELS.items() for label in labels]


def locate(text: str, sentence: str) -> tuple[int, int]:
    assert text.count(sentence) == 1, f"label must occur exactly once: {sentence!r}"
    start = text.index(sentence)
    return start, start + len(sentence)


def voice_for(name: str, sentence: str) -> Voice:
    text = read(name)
    return voice_of(text, *locate(text, sentence))


def speaker_name(voice: Voice) -> str | None:
    return voice.speaker.name if voice.speaker else None


def accuracy(names: list[str] | None = None) -> dict[str, float]:
    """Speaker accuracy on reported-speech labels; reported and hedged accuracy on all labels."""
    rows = [(n, lab) for n, lab in labelled() if names is None or n in names]
    voices = [voice_for(n, lab["sentence"]) for n, lab in rows]
    reported = [(v, lab) for v, (_, lab) in zip(voices, rows) if lab["reported"]]
    return {
        "speaker": sum(speaker_name(v) == lab["speaker"] for v, lab in reported) / len(reported),
        "reported": sum(v.reported == lab["reported"] for v, (_, lab) in zip(voices, rows)) / len(rows),
        "hedged": sum(bool(v.hedges) == lab["hedged"] for v, (_, lab) in zip(voices, rows)) / len(rows),
        "labels": len(rows),
        "reported_labels": len(reported),
    }


# --- the labelled set -------------------------------------------------------------------------


def test_label_set_is_big_and_varied():
    articles = [n for n in LABELS if "/" not in n]
    assert len(articles) >= 12 and EXAMPLE in LABELS
    assert any("\r\n" in read(n) for n in articles), "one article must use CRLF"
    for name in articles:
        assert 6 <= len(split_sentences(read(name))) <= 15, name
    kinds = [lab["reported"] for _, lab in labelled()]
    assert kinds.count(True) >= 60 and kinds.count(False) >= 40


@pytest.mark.parametrize(
    ("name", "label"), labelled(), ids=lambda x: x["sentence"][:40] if isinstance(x, dict) else x
)
def test_label(name, label):
    voice = voice_for(name, label["sentence"])
    assert speaker_name(voice) == label["speaker"]
    assert voice.reported == label["reported"]
    assert bool(voice.hedges) == label["hedged"], voice.hedges
    if voice.speaker is not None:
        text = read(name)
        assert text[voice.speaker.start : voice.speaker.end] == voice.speaker.name
        if voice.speaker.role is not None:
            assert text[voice.speaker.role_start : voice.speaker.role_end] == voice.speaker.role


def test_overall_accuracy(capsys):
    scores = accuracy()
    example = accuracy([EXAMPLE])
    with capsys.disabled():
        print(f"\nattribution accuracy, all labels: {scores}\nexample article only: {example}")
    assert scores["speaker"] >= 0.95 and scores["reported"] >= 0.95 and scores["hedged"] >= 0.95
    assert example["speaker"] == 1.0


def test_voice_of_is_thread_safe_and_deterministic():
    jobs = [(name, lab["sentence"]) for name, lab in labelled()]
    alone = [voice_for(n, s) for n, s in jobs]
    attribution._context.cache_clear()  # the threads build the contexts (and split sentences) at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda job: voice_for(*job), jobs))
    assert together == alone


def test_caller_sentences_give_the_same_voice():
    text = read(EXAMPLE)
    # sentence offsets that include the following whitespace, as a chunker's tiling ones do
    mine = [(a, b + 1) for a, b in split_sentences(text)]
    span = locate(text, "Russia’s role is just giving political blessing to Kim Jong Un.")
    assert voice_of(text, *span, sentences=mine) == voice_of(text, *span)


# --- the example article, rule by rule ---------------------------------------------------------


def test_inverted_speaker_with_role_cut_before_outlet():
    v = voice_for(EXAMPLE, "Definitely North Korea is playing a game,")
    assert v.direct and v.reported and v.cue == "said"
    assert v.speaker.name == "Shin Beom-chul" and v.speaker.named
    assert v.speaker.role == "senior fellow at the Asian Institute for Policy Studies in Seoul"


def test_continued_quotation_keeps_speaker_and_cue():
    v = voice_for(EXAMPLE, "Russia’s role is just giving political blessing to Kim Jong Un.")
    assert v.direct and v.cue == "said" and v.speaker.name == "Shin Beom-chul"


def test_descriptor_before_inverted_name_is_its_role():
    v = voice_for(EXAMPLE, "in the second half of April,")
    assert v.direct and v.speaker.name == "KCNA" and v.speaker.role == "state-run news outlet"


def test_anonymous_and_group_speakers_are_not_named():
    spokesman = voice_for(EXAMPLE, "the leaders were aiming to meet at the end of April")
    assert spokesman.speaker.name == "A Kremlin spokesman" and not spokesman.speaker.named
    assert "aiming to" in spokesman.hedges
    sources = voice_for(EXAMPLE, "Kim and Putin will meet at Russia’s Asian city of Vladivostok")
    assert sources.speaker.name == "Informed sources" and not sources.speaker.named and sources.cue == "say"
    assert not voice_for(EXAMPLE, "Russia needs more access").speaker.named


def test_own_voice_span_is_not_reported():
    v = voice_for(EXAMPLE, "Putin visited North Korea in July 2000")
    assert v == Voice(reported=False, direct=False, cue=None, speaker=None, hedges=())


def test_direct_means_mostly_inside_quotation_marks():
    assert voice_for("11-lormont-debate.txt", '"The money is there," he said.').direct
    assert not voice_for(EXAMPLE, "KCNA also said the North Korean leader").direct
    assert voice_for(EXAMPLE, "KCNA also said the North Korean leader").reported


def test_apostrophes_are_not_quotation_marks():
    v = voice_for(EXAMPLE, "The upcoming visit will be Kim’s first trip to Russia.")
    assert not v.reported and not v.direct
    v = voice_for("09-harlow-bakery.txt", "The owners’ lease expires in the summer")
    assert not v.reported
    assert not voice_in("The band played rock ’n’ roll all night.", "rock ’n’ roll").reported


def test_single_quotes_as_quotation_marks():
    v = voice_for("09-harlow-bakery.txt", "We’ve tried everything,")
    assert v.direct and v.speaker.name == "Joan Pennick"
    headline = voice_for(EXAMPLE, "Soon")
    assert headline.direct and headline.reported and headline.speaker is None


# --- targeted rules on small texts -------------------------------------------------------------


def voice_in(text: str, sentence: str) -> Voice:
    return voice_of(text, *locate(text, sentence))


def test_quotation_paragraphs_continue_the_last_speaker():
    carried = '"We start today," said Ana Ruiz. "The work is hard.\n\n"It will take years."\n'
    assert voice_in(carried, "It will take years.").speaker.name == "Ana Ruiz"
    run = 'Ana Ruiz said: "We start today."\r\n\r\n"It will take years."\r\n'
    assert voice_in(run, "It will take years.").speaker.name == "Ana Ruiz"
    interrupted = (
        '"We start today," said Ana Ruiz.\n\nThe plan was approved in May.\n\n"It will take years."\n'
    )
    v = voice_in(interrupted, "It will take years.")
    assert v.direct and v.reported and v.speaker is None
    same_paragraph = '"We start today," said Ana Ruiz. Critics object. "It will take years."\n'
    assert voice_in(same_paragraph, "It will take years.").speaker.name == "Ana Ruiz"
    not_at_paragraph_start = '"We start today," said Ana Ruiz.\nCritics object. "It will take years."\n'
    assert voice_in(not_at_paragraph_start, "It will take years.").speaker is None


def test_new_speaker_between_quotes_wins():
    text = "“We agree,” said Ana Ruiz. Tom Berg said the deal was late. “It is too late.”"
    assert voice_in(text, "It is too late.").speaker.name == "Tom Berg"


def test_pronoun_resolves_to_last_named_speaker():
    text = "Mira Holt, the mayor, said the bridge was safe. Engineers disagreed. She said repairs would start soon."
    v = voice_in(text, "She said repairs would start soon.")
    assert v.speaker.name == "Mira Holt" and v.speaker.role == "the mayor"


def test_according_to_and_passive_reports():
    v = voice_in("The plant will close, according to a company memo. ", "The plant will close")
    assert v.cue == "according to" and v.speaker.name == "a company memo"
    v = voice_in("The minister is said to favour a delay.", "The minister is said to favour a delay.")
    assert v.reported and v.speaker is None and "is said to" in v.hedges


def test_reportedly_alone_has_no_speaker():
    v = voice_in("Kim reportedly plans to travel by train.", "Kim reportedly plans to travel by train.")
    assert v.reported and v.cue == "reportedly" and v.speaker is None
    assert v.hedges == ("reportedly", "plans to")


def test_trailing_attribution_beats_inner_verb():
    v = voice_in("Kovac denies the charges, his lawyer said.", "Kovac denies the charges, his lawyer said.")
    assert v.speaker.name == "his lawyer"


def test_negated_and_noun_uses_are_not_cues():
    for sentence in (
        "The ministry did not say when the road would open.",
        "Officials counted 37 confirmed cases on Monday.",
        "The claims were rejected in court.",
        "Police have not confirmed the number.",
        "The index added 2 percent on Monday.",
    ):
        assert not voice_in(sentence, sentence).reported, sentence


def test_coordinated_verbs_share_the_subject():
    text = (
        "The company behind the project, Nordlit Materials, plans to invest 420 million euros and says the "
        "plant will employ 350 people."
    )
    v = voice_in(text, text)
    assert v.speaker.name == "Nordlit Materials" and v.speaker.role == "The company behind the project"
    v = voice_in(
        "Mayor Piet Varga estimated the work at six weeks and promised a report.", "promised a report"
    )
    assert (v.speaker.name, v.speaker.role) == ("Piet Varga", "Mayor")
    text = 'The union called the rise "a tax on islanders" and asked the government to step in.'
    assert voice_in(text, "asked the government to step in").speaker.name == "The union"


def test_titles_ages_abbreviations_and_first_names():
    v = voice_in('"Who pays?" asked Ines Varela, 52, a councillor for the Greens.', "Who pays?")
    assert (v.speaker.name, v.speaker.role) == ("Ines Varela", "a councillor for the Greens")
    v = voice_in('"It works," said Dr. Kofi Mensah, who led the study.', "It works,")
    assert v.speaker.name == "Kofi Mensah" and v.speaker.role == "Dr"
    v = voice_in("The plan is dead, said Mayor Ruth Ambrose on Friday.", "The plan is dead")
    assert (v.speaker.name, v.speaker.role) == ("Ruth Ambrose", "Mayor")
    assert voice_in("Tom Berg said the deal was late.", "the deal was late").speaker.name == "Tom Berg"
    v = voice_in("Economist Lars Heikkinen believes costs will rise.", "costs will rise")
    assert (v.speaker.name, v.speaker.role) == ("Lars Heikkinen", "Economist")


def test_quoted_as_saying_names_the_quoted_person():
    text = 'The Echo quoted education minister Ruth Kerr as saying that "no decision has been taken."'
    v = voice_in(text, "no decision has been taken.")
    assert v.direct and (v.speaker.name, v.speaker.role) == ("Ruth Kerr", "education minister")


def test_plural_subject_known_only_at_sentence_start_is_a_group():
    v = voice_in("Opponents warned about the water supply.", "Opponents warned about the water supply.")
    assert v.speaker.name == "Opponents" and not v.speaker.named
    text = "Velmora lies on the coast. Officials in Velmora said the road was closed."
    assert not voice_in(text, "the road was closed").speaker.named


def test_weak_verbs_need_that_a_quotation_or_the_sentence_end():
    for plain in (
        "The cooperative will ask the ministry for emergency aid.",
        "Investigators found a body.",
        "The museum showed paintings by local artists.",
        "The index added 2 percent.",
    ):
        assert not voice_in(plain, plain).reported, plain
    for said in (
        "Investigators found that the wiring had failed.",
        "Prices rose, data showed on Thursday.",
        'She called the plan "a fantasy."',
        '"We will win," Ruiz added.',
    ):
        assert voice_in(said, said).reported, said


def test_hedges_detected_lowercased_as_found():
    assert hedges_in("The talks Are Expected To resume and could end.") == ("are expected to", "could")
    assert hedges_in("Reportedly, the plan may fail; it might not.") == ("reportedly", "may", "might")
    assert hedges_in("Sources close to the talks said it was likely.") == (
        "sources close to the talks said",
        "was likely",
    )
    assert hedges_in("A decision is expected by June.") == ("is expected",)
    assert hedges_in("No injuries were reported. The results were said to be good.") == ("were said to",)
    assert hedges_in("Talks begin in May. The board approved a plan to build it.") == ()
    assert hedges_in("The company plans to hire; allegedly, it is believed to be solvent.") == (
        "plans to",
        "allegedly",
        "is believed to",
    )


def test_article_names_skip_sentence_initial_words_and_headlines():
    text = read(EXAMPLE)
    names = article_names(text, split_sentences(text))
    assert {"KCNA", "Kim", "Putin", "Beom-chul", "Vladivostok", "Monday", "U.S."} <= names
    assert not {"Definitely", "Analysts", "Informed", "Visiting", "The", "Summit", "Soon", "Have"} & names
    adverbs = read("06-tessaly-rail-fares.txt")
    found = article_names(adverbs)
    assert {"Tessaly", "Tessrail", "Pendolo", "Ardo", "Oskar", "Lind"} <= found
    assert not {"However", "Definitely", "Despite", "Separately", "Commuters", "Passengers"} & found


def test_names_in_uses_known_names_for_sentence_starts():
    known = {"Kim", "Jong-un", "Osama", "Laden", "Russia"}
    assert names_in("Kim Jong-un met Vladimir Putin in Russia’s east.", known) == [
        "Kim Jong-un",
        "Vladimir Putin",
        "Russia",
    ]
    assert names_in("Definitely, Russia wants it. However Osama bin Laden did not.", known) == [
        "Russia",
        "Osama bin Laden",
    ]
    assert names_in("According to the U.S. Treasury, sanctions work.", known) == ["U.S. Treasury"]
    assert names_in("Then I met Kim.", known) == ["Kim"]
    assert "I" not in article_names("Yes, I said so, and I meant it.")


# --- checking and repairing the model's claim --------------------------------------------------


SHIN = Speaker(
    "Shin Beom-chul", 0, 14, "senior fellow at the Asian Institute for Policy Studies in Seoul", 16, 80, True
)
KREMLIN = Speaker("A Kremlin spokesman", 0, 19, None, None, None, False)
SOURCES = Speaker("Informed sources", 0, 16, None, None, None, False)
ANALYSTS = Speaker("Analysts", 0, 8, None, None, None, False)


def reported(speaker: Speaker | None, hedges: tuple[str, ...] = (), direct: bool = False) -> Voice:
    return Voice(True, direct, "said" if speaker else "reportedly", speaker, hedges)


def test_claim_attributes_by_speaker_word_or_cue():
    assert claim_attributes("The Kremlin's spokesman expects a meeting in April.", reported(KREMLIN))
    assert claim_attributes("Leaders will meet in April, Moscow said.", reported(KREMLIN))
    assert claim_attributes("According to KCNA, Kim will visit.", reported(KREMLIN))
    assert not claim_attributes("The leaders will meet in April.", reported(KREMLIN))
    assert not claim_attributes("Shinzo Abe will meet Kim.", reported(SHIN))
    assert claim_attributes("Shin sees North Korea playing a game.", reported(SHIN))


def test_claim_keeps_hedge():
    hedged = reported(SOURCES, ("sources say",))
    assert claim_keeps_hedge("Kim and Putin may meet in Vladivostok.", hedged)
    assert claim_keeps_hedge("Kim and Putin will meet in Vladivostok, sources say.", hedged)
    assert not claim_keeps_hedge("Kim and Putin will meet in Vladivostok.", hedged)
    assert claim_keeps_hedge("Kim and Putin will meet in Vladivostok.", reported(SOURCES))


def test_attributed_renders_speaker_role_and_agreement():
    assert attributed("North Korea is playing a game.", reported(SHIN, direct=True)) == (
        "Shin Beom-chul, senior fellow at the Asian Institute for Policy Studies in Seoul, says "
        "North Korea is playing a game."
    )
    assert attributed("The leaders aim to meet in late April.", reported(KREMLIN)) == (
        "A Kremlin spokesman says the leaders aim to meet in late April."
    )
    assert attributed("Kim and Putin will meet in Vladivostok.", reported(SOURCES)) == (
        "Informed sources say Kim and Putin will meet in Vladivostok."
    )
    assert attributed("Russia needs North Korean metals.", reported(ANALYSTS)) == (
        "Analysts say Russia needs North Korean metals."
    )
    assert (
        attributed("The yard will cut 600 jobs.", reported(None)) == "Reportedly, the yard will cut 600 jobs."
    )


def test_attributed_renders_roles_readably():
    def said(name, role, names=None):
        return attributed("The cost rose.", reported(Speaker(name, 0, 1, role, 0, 1, True)), names=names)

    assert said("Ruth Ambrose", "Mayor") == "Mayor Ruth Ambrose says the cost rose."
    assert said("Kofi Mensah", "Dr") == "Dr Kofi Mensah says the cost rose."
    assert (
        said("Colin Reeve", "of the Fenmoor Union") == "Colin Reeve of the Fenmoor Union says the cost rose."
    )
    assert said("Nordlink", "The operator") == "Nordlink, the operator, says the cost rose."
    assert said("Paul Renaud", "Her challenger") == "Paul Renaud says the cost rose."
    assert said("Lars Lind", "Economist", names={"Lind"}) == "Lars Lind, economist, says the cost rose."
    assert said("Henrik Dahl", "Nordair chief executive", names={"Nordair"}) == (
        "Henrik Dahl, Nordair chief executive, says the cost rose."
    )


def test_attributed_leaves_unreported_or_attributed_claims_alone():
    plain = Voice(False, False, None, None, ("could",))
    assert attributed("The bridge could close.", plain) == "The bridge could close."
    claim = "Analysts said Russia needs metals."
    assert attributed(claim, reported(ANALYSTS)) == claim


def test_attributed_uses_article_names_for_the_first_word():
    names = {"Kim", "Putin"}
    voice = reported(SOURCES)
    assert (
        attributed("Kim will fly to Russia.", voice, names=names)
        == "Informed sources say Kim will fly to Russia."
    )
    assert (
        attributed("Visiting Russia helps Kim.", voice, names=names)
        == "Informed sources say visiting Russia helps Kim."
    )


def test_attributed_uses_source_speaker_not_the_models():
    text = read(EXAMPLE)
    voice = voice_of(text, *locate(text, "Russia’s role is just giving political blessing to Kim Jong Un."))
    out = attributed("Russia only blesses Kim politically, Putin says.", voice)
    assert out == "Russia only blesses Kim politically, Putin says."  # attributed by the model: see below
    assert claim_misattributes("Russia only blesses Kim politically, Putin says.", voice)
    assert not claim_misattributes("Russia only blesses Kim politically, Shin says.", voice)
    assert not claim_misattributes("Russia's role is a political blessing, analysts say.", voice)  # unnamed
    out = attributed("Russia's role is a political blessing for Kim.", voice)
    assert out.startswith(
        "Shin Beom-chul, senior fellow at the Asian Institute for Policy Studies in Seoul, says "
    )


def test_claim_misattributes_a_span_without_speaker():
    text = read(EXAMPLE)
    plain = voice_of(text, *locate(text, "Putin visited North Korea in July 2000"))
    assert claim_misattributes("Putin visited North Korea in 2000, KCNA said.", plain)
    assert not claim_misattributes("Putin visited North Korea in 2000.", plain)
    kremlin = voice_of(text, *locate(text, "the leaders were aiming to meet at the end of April"))
    assert not claim_misattributes("The Kremlin says the leaders aim to meet in late April.", kremlin)
