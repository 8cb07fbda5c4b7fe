"""Deliver a written digest day to the config's destinations, once per day per destination.

Delivery runs after the day's files are written (a failure to send never
loses the digest) and inside the run's lock (two runs never both send). For
each destination:

* the day is sent if the state records no message sent to it for that day;
  a day already sent is sent again only when its message changed and the
  config says ``resend = "changed"``, or when asked by hand
  (``briefer deliver``);
* days of the last week whose every attempt failed are tried again first, so
  a service that was down gets the day it missed on the next run (or on a
  catch-up run of the scheduler);
* every attempt is recorded (:mod:`briefer.state.deliveries`) with the
  destination's fingerprint, the day, the message's content hash and the
  outcome, and a failure becomes one redacted line in the run's outcome, in
  the log and in ``briefer logs``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..errors import InputError
from ..state.deliveries import Attempt, record_attempt, sent_hashes, unsent_days
from ..state.store import Store
from .config import DigestConfig
from .destinations import Destination
from .messages import Links, Message, compose, stories_for
from .model import Digest
from .notify import Target, Unavailable, fingerprint, open_target, send

log = logging.getLogger("briefer.digest")
RETRY_DAYS = 7  # how far back a day that never reached a destination is tried again


@dataclass(frozen=True)
class Outcome:
    destination: str  # as shown: redacted
    day: str
    status: str  # "sent", "failed", "skipped" (sent before), or "dry-run"
    detail: str = ""  # why it failed or was skipped; what a dry run would send
    message: Message | None = None


def deliver(
    config: DigestConfig,
    store: Store,
    day: str,
    *,
    run_id: int | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> list[Outcome]:
    """Send ``day`` (and days that never reached a destination) to every destination that should get it.

    ``force``: send ``day`` even to destinations that had it (``briefer deliver``); ``dry_run``: compose
    every message, send and record nothing.
    """
    if config.deliver is None:
        return []
    days: dict[str, Digest | None] = {}
    outcomes = []
    for destination in config.deliver.to:
        try:
            target = open_target(destination)
        except Unavailable as exc:
            outcomes.append(_unavailable(config, store, destination, day, str(exc), run_id, dry_run))
            continue
        todo = [day] if force or dry_run else [*_missed(config, store, target, day), day]
        for d in todo:
            if not (force or dry_run) and _had(config, store, target, d):  # not even the day is read
                outcomes.append(Outcome(target.shown, d, "skipped", "sent before"))
                continue
            if d not in days:
                days[d] = load_day(config, d, required=d == day)
            if days[d] is not None:
                outcomes.append(
                    _guarded(config, store, target, days[d], run_id=run_id, force=force, dry_run=dry_run)
                )
    return outcomes


def load_day(config: DigestConfig, day: str, *, required: bool = True) -> Digest | None:
    """The written day ``DAY.json``; missing: an InputError if ``required``, else None."""
    path = config.output_dir / f"{day}.json"
    try:
        return Digest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        if required:
            raise InputError(
                f"No digest of {day} in {config.output_dir}: run `briefer digest` first."
            ) from None
    except ValueError as exc:  # pydantic's ValidationError: damaged, or written by another version
        if required:
            raise InputError(f"{path} is not a readable digest ({type(exc).__name__}).") from None
    log.warning("%s cannot be read again; its missed deliveries are not retried", path)
    return None


def links(config: DigestConfig, day: str) -> Links:
    url = f"{config.publish_url}{day}.html" if config.publish_url else None
    return Links(url, url or str(config.output_dir / f"{day}.html"))


def _had(config: DigestConfig, store: Store, target: Target, day: str) -> bool:
    """The destination got ``day`` and the config never re-sends it."""
    assert config.deliver is not None
    return config.deliver.resend == "never" and bool(sent_hashes(store, config.key, target.fingerprint, day))


def _missed(config: DigestConfig, store: Store, target: Target, day: str) -> list[str]:
    since = (date.fromisoformat(day) - timedelta(days=RETRY_DAYS)).isoformat()
    return unsent_days(store, config.key, target.fingerprint, since, day)


def _guarded(config: DigestConfig, store: Store, target: Target, digest: Digest, **kw: Any) -> Outcome:
    """:func:`_one`; an unexpected error fails this destination only (it is tried again next run)."""
    try:
        return _one(config, store, target, digest, **kw)
    except Exception as exc:  # noqa: BLE001 -- the digest is written; one destination never sinks the others
        problem = f"{target.shown}: internal error ({type(exc).__name__}); please report it"
        log.warning("not delivered: %s", problem)
        return Outcome(target.shown, digest.date, "failed", problem)


def _one(
    config: DigestConfig,
    store: Store,
    target: Target,
    digest: Digest,
    *,
    run_id: int | None,
    force: bool,
    dry_run: bool,
) -> Outcome:
    assert config.deliver is not None
    stories = stories_for(digest, target.destination)
    message = compose(digest, stories, target.kind, target.limit, links(config, digest.date))
    summary = f"{target.kind}: {message.subject}" + (
        f" ({message.left_out} cut at the limit)" if message.left_out else ""
    )
    sent = sent_hashes(store, config.key, target.fingerprint, digest.date)
    resend = config.deliver.resend == "changed" and message.content_hash not in sent[-1:]
    if sent and not (force or resend):
        return Outcome(target.shown, digest.date, "skipped", "sent before", message)
    if dry_run:
        return Outcome(target.shown, digest.date, "dry-run", summary, message)
    problem = send(target, message.subject, message.body, message.body_format)
    outcome = "failed" if problem else "sent"
    attempt = Attempt(
        target.fingerprint, target.shown, digest.date, message.content_hash, outcome, problem or ""
    )
    record_attempt(store, config.key, attempt, run_id)
    if problem:
        log.warning("not delivered: %s", problem)
    else:
        log.info("delivered %s to %s (%s)", digest.date, target.shown, summary)
    return Outcome(target.shown, digest.date, outcome, problem or summary, message)


def _unavailable(
    config: DigestConfig,
    store: Store,
    destination: Destination,
    day: str,
    problem: str,
    run_id: int | None,
    dry_run: bool,
) -> Outcome:
    """A destination that cannot even be opened fails for the day, and is tried again next run."""
    name = f"env:{destination.env_name}" if destination.env_name else problem.split(": ", 1)[0]
    if not dry_run:
        attempt = Attempt(fingerprint(destination.url), name, day, "", "failed", problem)
        record_attempt(store, config.key, attempt, run_id)
        log.warning("not delivered: %s", problem)
    return Outcome(name, day, "failed", problem)


def check_destinations(config: DigestConfig, *, send_test: bool = False) -> list[tuple[str, str | None]]:
    """``(destination as shown, problem or None)`` for each destination; nothing is sent unless ``send_test``.

    A check opens the URL (an unset variable, a URL Apprise does not know) and connects to the host
    (nothing said to it); ``send_test`` sends each one a short test message instead.
    """
    from .notify import reachable

    rows = []
    for destination in config.deliver.to if config.deliver else []:
        try:
            target = open_target(destination)
        except Unavailable as exc:
            rows.append(
                (f"env:{destination.env_name}" if destination.env_name else "(unknown URL)", str(exc))
            )
            continue
        if send_test:
            subject = f"{config.name} — test from briefer"
            problem = send(target, subject, "A test message: this destination will get the digest.", "text")
        else:
            problem = reachable(target)
        rows.append((f"{target.shown} ({target.kind})", problem))
    return rows
