"""Synthetic news articles for the benchmarks: seeded, several topics, invented names and numbers.

Nothing here is a real article: names and places are built from syllables,
numbers are random, sentences come from templates per topic with topic words
and numbers of their own. Each article has its own cast (people, an
organisation, places), so names recur inside an article as in real reports;
about one article in twenty is a rewrite of the one before it (same cast,
other sentences). Templates are few, so reports of one topic share more words
than real ones do: 200 articles make about 36 stories (at most 14 reports),
1,000 make more and larger ones; a digest of them is a busy day, not an easy one.
"""

from __future__ import annotations

import random
from pathlib import Path

_ON = ["ka", "ve", "lo", "tar", "min", "sol", "dru", "fen", "gal", "hor", "is", "jun", "mar", "nel", "or"]
_ON += ["pra", "quin", "ras", "sten", "tov", "ul", "var", "wen", "yor", "zel", "bra", "cor", "del", "esk"]
_END = ["ov", "ani", "ssen", "dal", "ek", "ira", "mund", "ow", "ez", "ita", "berg", "sund", "ach", "ine"]
ROLES = ["mayor", "finance minister", "chief executive", "union leader", "spokesperson", "chief engineer"]
ROLES += ["council chair", "health director", "port director", "transport minister", "lead researcher"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Topic words fill the {a}/{b} slots, fresh for each sentence: a topic's vocabulary is much
# larger than one article's, so two reports of one topic share few words, as real ones do.
WORDS = {
    "port": "grain timber coal steel cement fertiliser cars coffee bananas cocoa soybeans copper wool"
    " salt sugar rice paper cotton scrap diesel tyres furniture glass wine tea barley nickel bauxite"
    " zinc tobacco machinery turbines rails pipes cables textiles footwear toys pharmaceuticals",
    "energy": "solar wind hydrogen biogas coal gas nuclear geothermal hydro batteries heat pumps"
    " substations transformers pylons turbines panels boilers chimneys meters tariffs reactors"
    " pipelines compressors insulation inverters dams reservoirs peat straw pellets charging",
    "council": "roads libraries parks schools pools markets bridges cemeteries allotments kiosks"
    " fountains pavements streetlights playgrounds museums theatres archives depots stables"
    " crossings hedges benches toilets halls orchards greenhouses ferries sirens kennels wells",
    "health": "vaccines scanners ambulances dentists midwives pharmacies wards clinics therapy"
    " asthma diabetes measles influenza cataracts hip knees dialysis physiotherapy surgery"
    " nutrition screening transfusions hearing eyesight allergies migraines fractures burns",
    "transport": "trams buses ferries bicycles scooters trains lorries taxis tunnels viaducts"
    " platforms depots signals tickets timetables lanes junctions roundabouts barriers gantries"
    " runways hangars sleepers points carriages coaches minibuses cableways funiculars",
    "science": "fossils glaciers comets moss lichens bees beetles bats otters seals corals"
    " plankton meteorites sediments pollen isotopes lasers microbes fungi algae volcanoes"
    " earthquakes tides aurora salmon eels orchids ferns crystals magnets neutrinos",
}
TOPICS: dict[str, list[str]] = {
    "port": [
        "The port of {place} handled {n1} tonnes of {a} in {month}, up {pct} percent on a year earlier.",
        "{org} ordered {n2} new cranes for the {a} terminal in {place} at a cost of {money} million euros.",
        "Dock workers handling {a} in {place} voted to strike for {n3} days starting on {day}.",
        "Ships carrying {a} and {b} waited {n3} hours outside {place} during the storm last week.",
        "{person}, the {role} of {org}, said the backlog of {a} would clear within {n3} days.",
        "Exports of {a} through {place2} reached {n1} tonnes, the highest figure since records began.",
        "Customs officers in {place} seized {n2} containers of {a} in a single night on {day}.",
        "Freight rates for {a} between {place} and {place2} fell by {pct} percent over the quarter.",
    ],
    "energy": [
        "The {place} plant will cut its use of {a} by {pct} percent while its boilers are replaced.",
        "{org} signed a contract to build {n2} megawatts of {a} capacity near {place2}.",
        "Prices for {a} in {place} rose to {money} euros per megawatt hour on {day}.",
        "The grid operator connected {n2} households in {place2} to {a} in {month}.",
        "{person}, the {role} of {org}, said the {a} project could open before {month}.",
        "Output from {a} near {place} reached {n1} megawatt hours during the gale on {day}.",
        "Spending on {a} and {b} in {place2} rose by {pct} percent this year.",
        "Engineers from {org} repaired the {a} at {place} after {n3} hours of work.",
    ],
    "council": [
        "The {place} council approved {money} million euros for {a} and {b}.",
        "{person} won the vote for {role} with {n1} ballots against {n2} for the rival list.",
        "Residents of {place2} filed {n3} objections to the plans for {a} on {day}.",
        "The council will close {n3} of its {a} in {place} by the end of {month}.",
        "{person}, the {role} of {org}, said the money for {a} would be found next year.",
        "Councillors in {place2} debated the future of its {a} for {n3} hours on {day}.",
        "The town of {place} will repair {n2} of its {a} by {month}.",
        "Fees for {a} in {place2} rise by {pct} percent under the plan adopted on {day}.",
    ],
    "health": [
        "The hospital in {place} treated {n1} patients for {a} last year.",
        "{org} opened a clinic for {a} in {place2} with {n2} beds and {n3} doctors on {day}.",
        "Waiting times for {a} in {place} fell by {pct} percent after the new system started.",
        "Researchers followed {n1} volunteers with {a} in {place2} for {n3} months.",
        "{person}, the {role} of {org}, said the results on {a} would be published in {month}.",
        "Spending on {a} and {b} in {place} reached {money} million euros in {month}.",
        "A mobile team for {a} will visit {n3} villages around {place2} every month from {month}.",
        "The new laboratory in {place} can run {n1} tests for {a} a day.",
    ],
    "transport": [
        "Services for {a} between {place} and {place2} resumed on {day} after {n3} weeks of repairs.",
        "{org} will add {n2} {a} to the {place} network from {month}.",
        "Fares for {a} in {place} rise by {pct} percent from the first of {month}.",
        "The route at {place2} carried {n1} {a} a day before it was closed for inspection.",
        "{person}, the {role} of {org}, said the {a} could carry more passengers next year.",
        "Work on the {a} and {b} of {place} will last {n3} weeks and start on {day}.",
        "Use of {a} in {place2} rose by {pct} percent compared with a year ago.",
        "A plan for {n2} new {a} in {place} was approved on {day}.",
    ],
    "science": [
        "A team at {org} studied {n1} samples of {a} from the lake near {place} over {n3} months.",
        "Observers at {place2} recorded {n2} cases of {a} in {month}.",
        "{org} received {money} million euros to study {a} and {b} in {place}.",
        "The survey near {place2} counted {n1} {a}, {pct} percent fewer than before.",
        "{person}, the {role} of {org}, said the data on {a} would be shared with other teams.",
        "Divers mapped {a} over {n3} square kilometres off {place} during the summer.",
        "The station at {place2} has logged {a} for {n2} days without a break.",
        "The collection at {place} now holds {n1} specimens of {a}.",
    ],
}
GENERIC = [
    "{person} has worked for {org} for {n3} years.",
    "{org} employs {n1} people in {place} and {place2}.",
    "The figures for {month} were published by {org} on {day}.",
    "{person} met officials from {place2} on {day} to discuss the plan.",
    "{org} reported revenue of {money} million euros for the first half of the year.",
    "About {n2} people attended a public meeting in {place2} on {day}.",
    "{person} is due to present the full report to the regional assembly in {month}.",
    "The regional government covers {pct} percent of the cost, and {org} pays the rest.",
]
MONTHS = ["January", "February", "March", "April", "June", "July", "August", "September", "October"]


def numbers(rng: random.Random) -> dict[str, str]:
    return {
        "n1": f"{rng.randint(1_200, 98_000):,}",
        "n2": str(rng.randint(12, 480)),
        "n3": str(rng.randint(2, 40)),
        "pct": str(rng.randint(3, 61)),
        "money": f"{rng.randint(2, 900)}.{rng.randint(1, 9)}",
    }


def _word(rng: random.Random, parts: int = 2) -> str:
    return ("".join(rng.choice(_ON) for _ in range(parts)) + rng.choice(_END)).capitalize()


def cast(rng: random.Random) -> dict[str, str]:
    """One article's people, places and organisation (its rewrite shares them)."""
    return {
        "person": f"{_word(rng, 1)} {_word(rng)}",
        "org": f"{_word(rng)} {rng.choice(['Group', 'Holdings', 'Institute', 'Authority', 'Works'])}",
        "place": _word(rng),
        "place2": _word(rng, 1),
        "role": rng.choice(ROLES),
        "day": rng.choice(DAYS),
        "month": rng.choice(MONTHS),
    }


def article(seed: int, base: int | None = None, mix: tuple[int, int, int] = (4, 1, 6)) -> str:
    """One article: a headline, then paragraphs of two or three sentences (``base``: rewrite that seed).

    ``mix``: sentences from the article's topic, from the generic templates and from
    other topics (a port report mentions a council vote). Each sentence gets numbers,
    topic words and a second place of its own.
    """
    story = seed if base is None else base
    who, rng = cast(random.Random(story)), random.Random(seed)
    topic = sorted(TOPICS)[story % len(TOPICS)]
    own, generic, other = mix
    others = [(t, k) for k in sorted(TOPICS) if k != topic for t in TOPICS[k]]
    picks = [(t, topic) for t in rng.sample(TOPICS[topic], own)] + [
        (t, topic) for t in rng.sample(GENERIC, generic)
    ]
    picks += rng.sample(others, other)
    rng.shuffle(picks)
    lines = [_sentence(template, WORDS[k].split(), who, rng) for template, k in picks]
    headline = f"{who['place']}: {who['org']} and the {topic} news of {who['day']}"
    paragraphs, i = [], 0
    while i < len(lines):
        step = rng.choice([2, 3])
        paragraphs.append(" ".join(lines[i : i + step]))
        i += step
    return headline + "\n\n" + "\n\n".join(paragraphs) + "\n"


def _sentence(template: str, words: list[str], who: dict[str, str], rng: random.Random) -> str:
    slots = {**who, "place2": _word(rng, 1), "a": rng.choice(words), "b": rng.choice(words)}
    return template.format(**slots, **numbers(rng))


def long_article(chars: int = 46_000, seed: int = 4600) -> str:
    """One long report (default 46k characters): several casts, as a feature piece has."""
    parts, n = [], 0
    while sum(len(p) for p in parts) < chars:
        parts.append(article(seed + n, mix=(8, 6, 12)).split("\n\n", 1)[1])
        n += 1
    text = "Inside the week: ports, power and councils across the region\n\n" + "\n".join(parts)
    return text[: text.rfind(".", 0, chars) + 1] + "\n"


def write_corpus(folder: Path, count: int, seed: int = 1000) -> list[Path]:
    """``count`` articles as ``folder/article-NNNN.txt``; every twentieth rewrites the one before."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        base = seed + n - 1 if n % 20 == 19 else None
        path = folder / f"article-{n:04d}.txt"
        path.write_text(article(seed + n, base=base), encoding="utf-8")
        paths.append(path)
    return paths
