"""Key-fact recall: how many of an article's key facts a brief states, by its citations.

    .venv/bin/python benchmarks/key_facts.py examples/kim-putin-summit.brief.json
    .venv/bin/python benchmarks/key_facts.py examples/digest/2026-11-27.json     # every brief of a digest
    .venv/bin/python benchmarks/key_facts.py --label    # recompute the offsets of the labelled set

The labelled set (benchmarks/data/key_facts.json) names, for each of our own
articles (tests/data/attribution/*.txt, examples/articles/*.txt and
examples/kim-putin-summit.txt), the one to three sentences that carry its
main facts: the lead, and the figure or decision a reader must not miss. A
label is written as the opening words of its sentence (``KEYS`` below); the
sentence's offsets are computed by the code, with the same splitter the
briefs use, and checked against the text on every run.

A key fact is recalled when one fact of the brief cites spans that cover
its sentence: wholly (strict) or at least half of its characters (half: a
quote may be the part of a sentence that stands on its own). Briefs are
matched to articles by their text. It also prints whether the rendered
bottom line recalls the article's first key fact, against the bottom line
before issue 18 (the first two "event" facts, else the first two facts).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "key_facts.json"
ARTICLES = [
    *sorted((ROOT / "tests" / "data" / "attribution").glob("*.txt")),
    *sorted((ROOT / "examples" / "articles").glob("*.txt")),
    ROOT / "examples" / "kim-putin-summit.txt",
]
# article file name -> the opening words of each key sentence
KEYS = {
    "01-harbour-minister.txt": ["Transport Minister Elena Varga is expected", "The harbour contract, worth"],
    "02-measles-clinics.txt": ["Health officials in Orlen", "The provincial government plans"],
    "03-kessel-dam.txt": ["Repairs to the Kessel Dam", "Sollberg said the repairs could cost"],
    "04-valdic-ceasefire.txt": ["Negotiators from Valdia", "Sources close to the negotiations"],
    "05-shipyard-fraud.txt": ["Prosecutors in Kovin", "Marek Halloran allegedly diverted"],
    "06-tessaly-rail-fares.txt": ["However the new timetable", "Definitely the steepest increase"],
    "07-brask-ferry-strike.txt": ["Ferry crews on the Brask-Holm", "About 9,000 passengers"],
    "08-velden-tram.txt": [
        "The Velden city council voted",
        "The 6-kilometre line",
        "The council's own estimate",
    ],
    "09-harlow-bakery.txt": ["Pennick’s, Harlow’s oldest bakery", "The owners’ lease expires"],
    "10-alcar-grain.txt": ["Grain shipments from the port", "The first two vessels left"],
    "11-lormont-debate.txt": [
        "The two candidates for mayor",
        "Incumbent Claire Dubois said",
        "Her challenger",
    ],
    "12-cyclone-mara.txt": ["Cyclone Mara is likely", "Authorities have ordered the evacuation"],
    "13-halden-statue.txt": ["The Halden Museum returned", "Museum director Sofia Brennan said"],
    "14-sorrel-creek-fire.txt": ["A fire at a lumber mill", "No injuries were reported."],
    "15-marlow-dredging.txt": ["The city of Marlow will dredge", "In a statement on Tuesday"],
    "16-malaria-vaccine.txt": ["A new malaria vaccine cut", "The trial enrolled 4,800"],
    "17-airline-merger.txt": [
        "Nordair and Skylink agreed",
        "The combined company would",
        "Nordair chief executive",
    ],
    "18-dunmore-schools.txt": ["A government-commissioned report", "The district council will vote"],
    "19-kestrel-tunnel.txt": ["The opening of the Kestrel", "It is the third delay"],
    "20-corvia-drought.txt": ["Vegetable prices in Corvia", "The agriculture ministry says"],
    "21-aldric-rocket.txt": ["A rocket built by the start-up", "The rocket carried two"],
    "22-brenford-nurses.txt": ["Nurses at three hospitals", "The Royal College of Nursing said"],
    "23-fenmoor-birds.txt": ["Numbers of lapwings and curlews", "Its authors blame drainage"],
    "24-salvo-market.txt": ["A court in Salvo on Friday", "Judge Ana Lucci ruled"],
    "korsund-bridge-closed.txt": ["The Korsund Bridge, the main road link", "Mayor Piet Varga said repairs"],
    "rail-strike-announced.txt": ["Train drivers and conductors", "The union, which represents"],
    "tarn-valley-refinery-vote.txt": ["The council of the Tarn Valley", "The company behind the project"],
    "velmora-crossing-crack.txt": ["Drivers in Velmora will have", "The damage was caused by the storm"],
    "kim-putin-summit.txt": ["North Korean leader Kim Jong-un will fly", "Kim will visit Russia"],
}


def key_sentences(text: str, openings: list[str]) -> list[dict[str, object]]:
    """Each opening's sentence as ``{start, end, text}`` (trailing whitespace left out)."""
    from briefer.brief.chunking import sentence_spans

    found = []
    for opening in openings:
        start = text.index(opening)
        (end,) = [e for s, e in sentence_spans(text) if s <= start < e]
        end = start + len(text[start:end].rstrip())
        found.append({"start": start, "end": end, "text": text[start:end]})
    return found


def label() -> dict[str, list[dict[str, object]]]:
    labels = {}
    for path in ARTICLES:
        text = path.read_text(encoding="utf-8")
        labels[str(path.relative_to(ROOT))] = key_sentences(text, KEYS[path.name])
    return labels


def load_labels() -> dict[str, tuple[str, list[dict[str, object]]]]:
    """Article text -> (its path, its key sentences), each checked against the text."""
    labels = json.loads(DATA.read_text(encoding="utf-8"))
    by_text = {}
    for path, keys in labels.items():
        text = (ROOT / path).read_text(encoding="utf-8")
        for k in keys:
            assert text[k["start"] : k["end"]] == k["text"], f"{path}: stale offsets, run with --label"
        by_text[text.removeprefix("\ufeff")] = (path, keys)
    return by_text


def coverage(fact_spans: list[tuple[int, int]], start: int, end: int) -> float:
    """The share of ``[start, end)`` that the spans cover."""
    covered = set()
    for s, e in fact_spans:
        covered.update(range(max(s, start), min(e, end)))
    return len(covered) / (end - start)


def recall(brief: dict, keys: list[dict[str, object]]) -> list[float]:
    """For each key sentence, the best coverage by one fact's citations."""
    spans = {c["id"]: (c["span"]["start"], c["span"]["end"]) for c in brief["citations"]}
    facts = [[spans[i] for i in f["citations"]] for f in brief["facts"]]
    return [max((coverage(f, k["start"], k["end"]) for f in facts), default=0.0) for k in keys]


def bottom_lines(brief: dict) -> tuple[list[dict], list[dict]]:
    """The bottom line's facts before issue 18 (first two events) and as rendered now, as JSON dicts."""
    from briefer.models import Brief
    from briefer.output.sections import bottom_line

    events = [f for f in brief["facts"] if f["kind"] == "event"] or brief["facts"]
    model = Brief.model_validate(brief)
    now, _ = bottom_line(model)
    return events[:2], [brief["facts"][model.facts.index(f)] for f in now]


def briefs_in(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [a["brief"] for a in data["articles"]] if "stories" in data else [data]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("briefs", nargs="*", type=Path, help="brief or digest JSON files")
    parser.add_argument("--label", action="store_true", help="recompute benchmarks/data/key_facts.json")
    args = parser.parse_args()
    if args.label:
        DATA.write_text(json.dumps(label(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {DATA.relative_to(ROOT)}")
    from briefer.models import Fact
    from briefer.output.sections import is_view

    labels = load_labels()
    print(f"labelled set: {len(labels)} articles, {sum(len(k) for _, k in labels.values())} key facts")
    totals = [0] * 8
    for file in args.briefs:
        for brief in briefs_in(file):
            if brief["article"]["text"] not in labels:
                print(
                    f"{file}: {brief['article']['source']}: not in the labelled set, skipped", file=sys.stderr
                )
                continue
            path, keys = labels[brief["article"]["text"]]
            shares = recall(brief, keys)
            strict, half = sum(s >= 1.0 for s in shares), sum(s >= 0.5 for s in shares)
            lines = bottom_lines(brief)
            before, now = (recall({**brief, "facts": b}, keys[:1])[0] >= 0.5 for b in lines)
            views = [sum(is_view(Fact.model_validate(f)) for f in b) for b in lines]
            counts = [len(keys), strict, half, before, now, 1, *views]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            cells = " ".join(f"{s:.2f}" for s in shares)
            print(
                f"{path:48} key facts {len(keys)}  recalled {strict} strict, {half} half  (coverage {cells})"
                f"  lead in bottom line: before {'yes' if before else 'no'}, now {'yes' if now else 'no'}"
            )
    if args.briefs:
        print(f"total: {totals[0]} key facts, recalled {totals[1]} strict, {totals[2]} half")
        print(
            f"bottom line recalls the first key fact: before {totals[3]} of {totals[5]}, now {totals[4]} of {totals[5]}"
        )
        print(f"views (analysts, hedges) in bottom lines: before {totals[6]}, now {totals[7]}")


if __name__ == "__main__":
    main()
