"""``briefer logs``: the recent brief and digest runs recorded in briefer's state, newest first.

Briefs come from ``brief_runs`` (one row per article ``briefer brief`` briefed or failed on),
digests from ``digest_runs``; both are read from the state file and interleaved by start time.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .options import CONTEXT_SETTINGS, handle_errors, state_config_option

TABLES = {"brief": "brief_runs", "digest": "digest_runs"}


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=0),
    metavar="N",
    default=10,
    show_default=True,
    help="Runs to show (0: all).",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON array of the runs with every recorded field.")
@click.option("--briefs", "kind", flag_value="brief", help="Only `briefer brief` runs.")
@click.option("--digests", "kind", flag_value="digest", help="Only digest runs.")
@click.option("--dropped", is_flag=True, help="Under each brief, the facts it dropped and why.")
@state_config_option
@handle_errors
def logs(count: int, as_json: bool, kind: str | None, dropped: bool, config_file: Path | None) -> None:
    """The most recent runs, briefs and digests interleaved, newest first.

    One line per run: when (local time), kind, source (digest: its config), model, facts kept
    (proposed, dropped, re-asks), prompt+completion tokens and where the brief went; a failed
    brief shows its error. Runs are read from the SQLite state (BRIEFER_DATA_DIR). Scheduled runs
    (from `briefer schedule --print-cron`) append their errors to schedule.log beside it, which
    the last line names.
    """
    from ..config import load_settings
    from ..digest.schedule import schedule_log_path

    settings = load_settings({}, path=config_file)
    path, scheduled = settings.state_path(), schedule_log_path(settings.state_dir())
    runs = recent_runs(path, count, [kind] if kind else list(TABLES)) if path.exists() else []
    if as_json:
        click.echo(json.dumps(runs, indent=2, ensure_ascii=False))
    if not runs:
        click.echo(f"briefer: no runs recorded yet in {path}", err=True)
    elif not as_json:
        for run in runs:
            click.echo(line(run))
            if dropped and run["kind"] == "brief":
                for fact in run["dropped_facts"]:
                    click.echo(f"    dropped: {fact['claim']} — {fact['reason']}")
    if scheduled.is_file() and scheduled.stat().st_size:
        click.echo(f"briefer: errors of scheduled runs (cron, systemd) are in {scheduled}", err=True)


def recent_runs(path: Path, count: int, kinds: list[str]) -> list[dict[str, Any]]:
    """The newest ``count`` runs of ``kinds`` (0: all), newest first, each with its ``kind``."""
    from ..state.deliveries import run_failures
    from ..state.store import Store

    with Store(path) as store:
        runs = [{"kind": k, **row} for k in kinds for row in store.recent(TABLES[k], count or -1)]
        for run in runs:
            if run["kind"] == "digest":  # each destination this run failed to deliver to, redacted
                run["not_delivered"] = [detail for _, _, detail in run_failures(store, run["id"])]
    for run in runs:
        if run["kind"] == "brief":
            run["dropped_facts"] = json.loads(run["dropped_facts"] or "[]")
    runs.sort(key=lambda r: (r["started"], r["id"]), reverse=True)
    return runs[:count] if count else runs


def line(run: dict[str, Any]) -> str:
    """One run as a line of text."""
    when = datetime.fromisoformat(run["started"]).astimezone().strftime("%Y-%m-%d %H:%M")
    if run["kind"] == "digest":
        return (
            f"{when}  digest  {run['config']}  {run['status']}  {run['stories']} stories"
            f" ({run['articles']} articles, {run['new']} new, {run['failed']} failed)"
            f"  {run['llm_calls']} LLM calls  day {run['day']}"
        ) + "".join(f"\n    not delivered: {detail}" for detail in run.get("not_delivered", []))
    head = f"{when}  brief  {run['source']}  {run['model'] or '?'}"
    if run["status"] != "ok":
        return f"{head}  failed: {run['status']}"
    return (
        f"{head}  {run['facts']} facts ({run['proposed']} proposed, {run['dropped']} dropped,"
        f" {run['reasks']} re-asks)  {run['prompt_tokens']}+{run['completion_tokens']} tokens"
        f"  → {run['output']}"
    )
