"""Faithfulness figures for issue 8: false rejects, attribution, and what cited spans carry.

    .venv/bin/python benchmarks/faithful.py                       # this tree
    .venv/bin/python benchmarks/faithful.py --briefs a.json b.json   # also judge recorded briefs

1. False rejects: every good claim in benchmarks/data/good_claims.json (a
   faithful claim and a quote copied from the article) goes through the
   claim check; the share rejected is printed. On a tree before the
   faithfulness work (``briefer.grounding.unsupported_terms``) the old check
   is used, so the same script measures before and after
   (``PYTHONPATH=/path/to/old/checkout``).
2. Attribution on the labelled set (tests/data/attribution/labels.json): for
   every labelled reported sentence, does the code find the labelled speaker?
3. For brief JSON files given with --briefs: the share of facts whose cited
   spans contain every name and number of the claim, and the share of
   reported-speech facts whose statement names the speaker or a reporting cue.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rejected_new(text: str, claim: str, quote: str) -> str | None:
    from briefer.brief.check import check_fact
    from briefer.brief.context import ArticleContext
    from briefer.brief.grounding import ground_quote_parts
    from briefer.models import Article, GroundingCounts

    ctx = ArticleContext.of(Article(text=text, title=text.split("\n", 1)[0].strip()))
    grounded = ground_quote_parts(text, quote)
    if not grounded:
        return "quote not found"
    result = check_fact(claim, "", grounded, ctx, GroundingCounts())
    return result if isinstance(result, str) else None


def rejected_old(text: str, claim: str, quote: str) -> str | None:
    from briefer.grounding import ground_quote_parts, unsupported_terms  # the tree before the restructure

    grounded = ground_quote_parts(text, quote)
    missing = unsupported_terms(claim, " ".join(g.span.text for g in grounded)) if grounded else ["quote"]
    return ", ".join(missing) or None


def false_rejects() -> None:
    try:
        import briefer.brief.check  # noqa: F401

        judge, tree = rejected_new, "this tree (full claim check)"
    except ImportError:
        judge, tree = rejected_old, "old tree (unsupported_terms)"
    claims = json.loads((ROOT / "benchmarks/data/good_claims.json").read_text(encoding="utf-8"))["claims"]
    bad = []
    for path, claim, quote in claims:
        why = judge((ROOT / path).read_text(encoding="utf-8"), claim, quote)
        if why:
            bad.append((claim, why))
    print(
        f"false rejects, {tree}: {len(bad)} of {len(claims)} good claims ({100 * len(bad) / len(claims):.0f} %)"
    )
    for claim, why in bad:
        print(f"  - {claim}  <- {why[:110]}")


def attribution_accuracy() -> None:
    try:
        from briefer.brief.attribution import voice_of
    except ImportError:
        print("attribution: not in this tree")
        return
    labels = json.loads((ROOT / "tests/data/attribution/labels.json").read_text(encoding="utf-8"))
    total = right = 0
    for name, entries in labels.items():
        path = ROOT / name if "/" in name else ROOT / "tests/data/attribution" / name
        text = path.read_text(encoding="utf-8")
        for e in entries:
            if not e["reported"]:
                continue
            start = text.index(e["sentence"])
            voice = voice_of(text, start, start + len(e["sentence"]))
            total += 1
            right += (
                voice.reported
                and voice.speaker is not None
                and voice.speaker.name == e["speaker"]
                or (e["speaker"] is None and voice.reported and voice.speaker is None)
            )
    print(
        f"attribution on the labelled set: {right} of {total} reported sentences ({100 * right / total:.1f} %)"
    )


def judge_briefs(paths: list[str]) -> None:
    if not paths:
        return
    from briefer.brief.context import ArticleContext
    from briefer.brief.speakers import TITLES
    from briefer.brief.support import claim_names
    from briefer.models import Brief
    from briefer.text import normalize

    for path in paths:
        brief = Brief.model_validate_json(Path(path).read_text(encoding="utf-8"))
        names = ArticleContext.of(brief.article).names
        carried = reported = attributed = 0
        for f in brief.facts:
            evidence = normalize(" ".join(brief.citation(i).span.text for i in f.citations))
            words = [
                w
                for n in claim_names(f.claim, names)
                for w in normalize(n).replace("-", " ").split()
                if len(w) > 2 and w not in TITLES  # "President Putin" needs only "Putin", as in the check
            ]
            numbers = re.findall(r"\d[\d,.]*\d|\d", f.claim)
            carried += all(w[:4] in evidence for w in words) and all(
                n.replace(",", "") in evidence.replace(",", "") for n in numbers
            )
            if getattr(f, "attribution", None) and f.attribution.reported:
                reported += 1
                cue = re.search(
                    r"\b(says?|said|according to|reportedly|told|believe[sd]?)\b", f.statement, re.I
                )
                attributed += bool(cue or (f.attribution.speaker or "~") in f.statement)
        n = len(brief.facts)
        print(
            f"{path}: {n} facts; names+numbers in cited spans {carried}/{n}; reported speech attributed {attributed}/{reported}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--briefs", nargs="*", default=[])
    args = parser.parse_args()

    false_rejects()
    attribution_accuracy()
    judge_briefs(args.briefs)


if __name__ == "__main__":
    main()
