"""Run a digest at its cron times, in the foreground, or print units for the OS scheduler.

Slots come from croniter over time-zone-aware datetimes, so ``0 7 * * *`` in
``Europe/Berlin`` fires at 07:00 local time on both sides of a DST change,
and a slot inside the spring-forward gap (02:30) fires once, at 03:00.

The last slot served is kept per config in the SQLite state (``schedules``
table, see :mod:`briefer.store`). On start, if one or more slots passed
while the scheduler was down, it runs once for the latest of them: one
catch-up, not one per missed slot. A config never seen before starts from
now and catches up nothing.

The clock and the sleep are injected, so tests drive days of schedule in
milliseconds; sleeping happens in steps of at most a minute, so a suspended
laptop or a changed wall clock cannot overshoot a slot by more than that.

Two runs of one config never overlap: :func:`briefer.digest.config_lock`
holds a lock file (``filelock``; an OS lock that dies with its process, so a
crash never leaves a stale lock) for the length of every run, whether it was
started by this scheduler, by cron, or by hand.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import platformdirs
from croniter import croniter

from ..config import env_vars
from ..errors import BrieferError, ConfigError
from ..state.store import Store

log = logging.getLogger("briefer.schedule")
MAX_NAP = 60.0


def utc_clock() -> datetime:
    return datetime.now(UTC)


def next_slot(cron: str, zone: ZoneInfo, after: datetime) -> datetime:
    """The first cron time strictly after ``after``, as an aware datetime in ``zone``."""
    return croniter(cron, after.astimezone(zone)).get_next(datetime)


def missed_slot(cron: str, zone: ZoneInfo, last: datetime, now: datetime) -> datetime | None:
    """The latest cron time in ``(last, now]``, if any."""
    times = croniter(cron, (now + timedelta(seconds=1)).astimezone(zone))
    slot = times.get_prev(datetime)
    if slot > now:
        slot = times.get_prev(datetime)
    return slot if slot > last else None


class Scheduler:
    """Fires ``run(slot)`` at every cron slot of one config; ``serve`` loops until ``max_runs``."""

    def __init__(
        self,
        key: str,
        cron: str,
        zone: ZoneInfo,
        run: Callable[[datetime], object],
        store: Store,
        *,
        clock: Callable[[], datetime] = utc_clock,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.key, self.cron, self.zone = key, cron, zone
        self.run, self.store, self.clock, self.sleep = run, store, clock, sleep

    def serve(self, max_runs: int | None = None) -> int:
        """Catch up once if a slot was missed, then fire at each slot; returns the number of runs."""
        runs = 0
        last = self.store.last_slot(self.key)
        if last is None:
            self.store.set_last_slot(self.key, self.clock())
        elif (missed := missed_slot(self.cron, self.zone, last, self.clock())) is not None:
            log.warning("catching up the run missed at %s", missed.isoformat())
            self.fire(missed)
            runs += 1
        while max_runs is None or runs < max_runs:
            slot = next_slot(
                self.cron, self.zone, max(self.clock(), self.store.last_slot(self.key) or self.clock())
            )
            log.info("next digest at %s", slot.isoformat())
            self.sleep_until(slot)
            self.fire(slot)
            runs += 1
        return runs

    def sleep_until(self, moment: datetime) -> None:
        while (left := (moment - self.clock()).total_seconds()) > 0:
            self.sleep(min(left, MAX_NAP))

    def fire(self, slot: datetime) -> None:
        """Run once for ``slot``; a failed run is logged and the schedule goes on."""
        try:
            self.run(slot)
        except BrieferError as exc:
            log.error("digest for %s failed: %s", slot.isoformat(), exc)
        except Exception as exc:  # noqa: BLE001 -- a scheduler outlives one bad run
            log.error(
                "digest for %s failed: %s: %s", slot.isoformat(), type(exc).__name__, exc, exc_info=True
            )
        self.store.set_last_slot(self.key, slot)


# --- units for the OS scheduler -------------------------------------------------------

SCHEDULE_LOG = "schedule.log"
_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def briefer_command() -> str:
    """The installed ``briefer`` script next to this interpreter, else ``python -m briefer.cli``."""
    script = Path(sys.executable).parent / "briefer"
    if script.is_file():
        return shlex.quote(str(script))
    found = shutil.which("briefer")
    return shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m briefer.cli"


def schedule_log_path(state_dir: Path) -> Path:
    """Where scheduled runs (cron, systemd) append their stderr: beside the state file."""
    return state_dir / SCHEDULE_LOG


def env_file_path() -> Path:
    """Where scheduled runs read their environment: ``env`` in briefer's config folder."""
    return Path(platformdirs.user_config_dir("briefer")) / "env"


def needed_environment() -> list[str]:
    """The variables this shell sets that configure briefer (names only; cron and systemd do not see them)."""
    return [var for var in ("BRIEFER_CONFIG", *env_vars()) if os.environ.get(var)]


def environment_notes(env_file: Path, needed: list[str]) -> str:
    """Comment lines saying where the units read their environment and what to put there."""
    have = (
        f"# This shell sets {', '.join(needed)}: put them there (values are not printed here)."
        if needed
        else "# This shell sets no BRIEFER_* or OPENAI_* variable; add any you need there."
    )
    return (
        "# cron and systemd do not see your shell's variables: both read them from\n"
        f"# {env_file} (VAR=value lines; chmod 600, it may hold OPENAI_API_KEY).\n{have}\n"
    )


def digest_command(config_path: Path, config_file: Path | None = None) -> str:
    command = f"{briefer_command()} digest {shlex.quote(str(config_path.resolve()))}"
    return command + (f" --config {shlex.quote(str(config_file.resolve()))}" if config_file else "")


def crontab_line(config_path: Path, cron: str, zone: str, env_file: Path, *, required: bool = False,
                 config_file: Path | None = None, log_file: Path | None = None) -> str:  # fmt: skip
    """A crontab entry that sources ``env_file`` (required: a missing file fails loudly) and runs the digest.

    No ``CRON_TZ=`` line: pasted into a crontab, it would move every job below it. ``TZ=`` is set
    for briefer alone, and its stderr is appended to ``log_file`` (what ``briefer logs`` names).
    """
    env = shlex.quote(str(env_file))
    source = f". {env}" if required else f"[ ! -r {env} ] || . {env}"
    log = f" 2>>{shlex.quote(str(log_file))}" if log_file else ""
    run = f"TZ={shlex.quote(zone)} exec {digest_command(config_path, config_file)}{log}"
    note = (
        f"# cron fires this at {cron!r} in the system's time zone; if that is not {zone},\n"
        f"# use the systemd timer below, which fires in {zone}."
    )
    where = f"\n# Errors of scheduled runs are appended to {log_file}." if log_file else ""
    return f"{note}{where}\n{cron} set -a; {source}; set +a; {run}\n"


def systemd_units(config_path: Path, name: str, cron: str, zone: str, env_file: Path, *,
                  required: bool = False, config_file: Path | None = None,
                  log_file: Path | None = None) -> str:  # fmt: skip
    unit = "briefer-digest-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    optional = "" if required else "-"
    log = f"StandardError=append:{log_file}\n" if log_file else ""
    return (
        f"# ~/.config/systemd/user/{unit}.service\n"
        f"[Unit]\nDescription=briefer digest: {name}\n\n"
        f"[Service]\nType=oneshot\nEnvironmentFile={optional}{env_file}\nEnvironment=TZ={zone}\n{log}"
        f"ExecStart={digest_command(config_path, config_file)}\n\n"
        f"# ~/.config/systemd/user/{unit}.timer  (then: systemctl --user enable --now {unit}.timer)\n"
        f"[Unit]\nDescription=Daily briefer digest: {name}\n\n"
        f"[Timer]\nOnCalendar={on_calendar(cron, zone)}\nPersistent=true\n\n"
        f"[Install]\nWantedBy=timers.target\n"
    )


def on_calendar(cron: str, zone: str) -> str:
    """A systemd ``OnCalendar=`` expression for a five-field cron expression."""
    minute, hour, dom, month, dow = cron.split()
    if dom != "*" and dow != "*":
        raise ConfigError(
            f"schedule.cron: {cron!r} restricts both day of month and weekday, which systemd cannot express;"
            " use the crontab line instead"
        )
    days = "" if dow == "*" else _weekdays(dow) + " "
    return f"{days}*-{_field(month, 1)}-{_field(dom, 1)} {_field(hour, 0)}:{_field(minute, 0)}:00 {zone}"


def _field(value: str, first: int) -> str:
    parts = []
    for part in value.split(","):
        base, _, step = part.partition("/")
        base = base.replace("-", "..")
        if step:
            base = str(first) if base == "*" else base.split("..")[0]
            parts.append(f"{base}/{step}")
        else:
            parts.append(base)
    return ",".join(parts)


def _weekdays(value: str) -> str:
    def day(token: str) -> str:
        return _DAYS[int(token)] if token.isdigit() else token[:3].capitalize()

    out = []
    for part in value.split(","):
        if "/" in part:
            raise ConfigError(
                f"schedule.cron: weekday steps ({value!r}) cannot be written for systemd; use the crontab line instead"
            )
        out.append("..".join(day(t) for t in part.split("-")))
    return ",".join(out)
