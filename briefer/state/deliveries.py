"""Deliveries of a digest day to its destinations, as recorded in the state.

Storage design: table ``deliveries`` (migration ``_create_deliveries``), one
row per attempt: the config, the destination's ``fingerprint`` (sha256 of its
resolved URL, never the URL), ``shown`` (the URL with its credentials
redacted, for ``briefer logs``), the ``day`` delivered, the ``content_hash`` of
the message sent, the ``outcome`` (``sent`` or ``failed``), a one-line
``detail`` (the reason of a failure, already redacted), the digest run it
belongs to (``run_id``; NULL for ``briefer deliver``) and when (UTC ISO).

What happens next is decided from these rows: a day sent to a destination is
not sent again (unless its content changed and the config asks for that), and
a day whose attempts all failed is tried again by the next run.
"""

from __future__ import annotations

from typing import NamedTuple

from .base import utc_now
from .store import Store


class Attempt(NamedTuple):
    fingerprint: str
    shown: str
    day: str
    content_hash: str
    outcome: str  # "sent" or "failed"
    detail: str = ""


def record_attempt(store: Store, config: str, attempt: Attempt, run_id: int | None = None) -> None:
    with store.lock:
        store.db.execute(
            "INSERT INTO deliveries (config, fingerprint, shown, day, content_hash, outcome, detail, run_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (config, *attempt, run_id, utc_now()),
        )


def sent_hashes(store: Store, config: str, fingerprint: str, day: str) -> list[str]:
    """The content hashes of every message sent to this destination for ``day``, oldest first."""
    with store.lock:
        rows = store.db.execute(
            "SELECT content_hash FROM deliveries WHERE config = ? AND fingerprint = ? AND day = ?"
            " AND outcome = 'sent' ORDER BY id",
            (config, fingerprint, day),
        ).fetchall()
    return [r[0] for r in rows]


def unsent_days(store: Store, config: str, fingerprint: str, since: str, before: str) -> list[str]:
    """Days in ``[since, before)`` this destination was tried for and never received, oldest first."""
    with store.lock:
        rows = store.db.execute(
            "SELECT day FROM deliveries WHERE config = ? AND fingerprint = ? AND day >= ? AND day < ?"
            " GROUP BY day HAVING SUM(outcome = 'sent') = 0 ORDER BY day",
            (config, fingerprint, since, before),
        ).fetchall()
    return [r[0] for r in rows]


def run_failures(store: Store, run_id: int) -> list[tuple[str, str, str]]:
    """``(shown, day, detail)`` of each destination a digest run failed to deliver to."""
    with store.lock:
        rows = store.db.execute(
            "SELECT shown, day, detail FROM deliveries WHERE run_id = ? AND outcome = 'failed' ORDER BY id",
            (run_id,),
        ).fetchall()
    return [tuple(r) for r in rows]


def count_deliveries(store: Store, config: str) -> dict[str, int]:
    """``{"sent": n, "failed": m}`` over every attempt of ``config``."""
    with store.lock:
        rows = store.db.execute(
            "SELECT outcome, COUNT(*) FROM deliveries WHERE config = ? GROUP BY outcome", (config,)
        ).fetchall()
    return dict(rows)
