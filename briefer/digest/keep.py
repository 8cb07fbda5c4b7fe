"""A same-day re-run never makes today's digest worse.

A digest is rewritten whenever it runs again on the same day (a schedule that
catches up, a user who re-runs it). If a source that was read earlier today
is down now, or an article that was briefed earlier fails now, the earlier
brief is kept: it is carried into the new digest from today's JSON, and the
"Not covered" line says so. A run that could brief nothing writes nothing, so
an earlier digest of the day stays as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

from ..models import NotCovered
from ..sources.base import Item
from .assembled import PackedBrief
from .cluster import content_hash
from .identity import Unique
from .model import Digest

log = logging.getLogger("briefer.digest")
KEPT = " (the brief from today's earlier run is kept)"


def earlier_today(json_path: Path) -> Digest | None:
    """Today's digest as last written, if there is a readable one."""
    try:
        return Digest.model_validate_json(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:
        log.warning(
            "today's earlier digest %s is unreadable (%s); not carrying anything over", json_path, exc
        )
        return None


def carry_over(earlier: Digest, articles: list[Unique], missing: list[NotCovered]) -> list[Unique]:
    """Articles of the earlier digest that this run could not read or brief, with their earlier briefs."""
    have = {a for u in articles if u.packed for a in u.addresses}
    lost = {p.source for p in missing}
    carried = []
    for a in earlier.articles:
        if have & set(a.addresses) or not (lost & {*a.addresses, a.origin, a.brief.article.source}):
            continue
        item = Item(article=a.brief.article, key=a.addresses[0], origin=a.origin)
        hashed = content_hash(a.brief.article.text)
        carried.append(Unique(item, hashed, "", list(a.addresses), PackedBrief.of(a.brief)))
    return carried


def mark_kept(problems: list[NotCovered], carried: list[Unique]) -> list[NotCovered]:
    kept = {x for u in carried for x in (*u.addresses, u.item.origin, u.item.article.source)}
    return [p.model_copy(update={"reason": p.reason + KEPT}) if p.source in kept else p for p in problems]


def model_change(json_path: Path, model: str | None, embedded: bool) -> str | None:
    """What a re-run would change: today's digest was briefed by other models than ``model`` would."""
    earlier = earlier_today(json_path) if model else None
    made = sorted({a.brief.meta.model for a in earlier.articles}) if earlier else []
    if not made or model in made:
        return None
    now = f"the embedded model ({model})" if embedded else model
    return f"today's digest was made with {', '.join(made)}; this run would use {now}"
