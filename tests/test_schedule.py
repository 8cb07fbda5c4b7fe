"""The scheduler with an injected clock: DST, one catch-up, failures, and the lock across processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from briefer.config import load_settings
from briefer.digest.lock import config_lock, lock_path
from briefer.digest.schedule import Scheduler, missed_slot, on_calendar
from briefer.errors import BrieferError
from briefer.state.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
UTC = UTC


class Clock:
    """Wall time that only moves when the scheduler sleeps (or a run takes time)."""

    def __init__(self, start: datetime):
        self.now = start
        self.naps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += timedelta(seconds=seconds)


def scheduler(clock: Clock, cron: str, store: Store, fired: list, run=None) -> Scheduler:
    def record(slot):
        fired.append((slot, clock()))
        if run:
            run(slot)

    return Scheduler("cfg", cron, BERLIN, record, store, clock=clock, sleep=clock.sleep)


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def test_fires_at_seven_local_time_across_the_spring_dst_change(store):
    clock = Clock(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    fired: list = []
    scheduler(clock, "0 7 * * *", store, fired).serve(max_runs=3)
    assert [at.astimezone(UTC) for _, at in fired] == [
        datetime(2026, 3, 28, 6, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 3, 29, 5, 0, tzinfo=UTC),  # CEST from 02:00 that night, UTC+2
        datetime(2026, 3, 30, 5, 0, tzinfo=UTC),
    ]
    assert all(slot.astimezone(BERLIN).hour == 7 for slot, _ in fired)
    assert max(clock.naps) <= 60


def test_a_slot_inside_the_skipped_hour_fires_once(store):
    clock = Clock(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    fired: list = []
    scheduler(clock, "30 2 * * *", store, fired).serve(max_runs=3)
    local = [slot.astimezone(BERLIN).strftime("%m-%d %H:%M %Z") for slot, _ in fired]
    assert local == ["03-28 02:30 CET", "03-29 03:00 CEST", "03-30 02:30 CEST"]


def test_hourly_slots_across_the_autumn_change_never_repeat(store):
    clock = Clock(datetime(2026, 10, 24, 22, 30, tzinfo=UTC))  # 00:30 CEST on the 25th
    fired: list = []
    scheduler(clock, "0 * * * *", store, fired).serve(max_runs=4)
    moments = [at for _, at in fired]
    assert len(set(moments)) == 4 and moments == sorted(moments)
    assert all(b - a <= timedelta(hours=1) for a, b in zip(moments, moments[1:]))


def test_missed_runs_are_caught_up_once_then_the_schedule_resumes(store):
    store.set_last_slot("cfg", datetime(2026, 11, 20, 7, 0, tzinfo=BERLIN))
    clock = Clock(datetime(2026, 11, 26, 11, 0, tzinfo=UTC))  # six slots were missed
    fired: list = []
    scheduler(clock, "0 7 * * *", store, fired).serve(max_runs=2)
    (slot1, at1), (slot2, at2) = fired
    assert slot1 == datetime(2026, 11, 26, 7, 0, tzinfo=BERLIN) and at1 == datetime(
        2026, 11, 26, 11, 0, tzinfo=UTC
    )
    assert slot2 == datetime(2026, 11, 27, 7, 0, tzinfo=BERLIN) and at2 == slot2
    assert store.last_slot("cfg") == slot2


def test_a_first_start_catches_up_nothing(store):
    clock = Clock(datetime(2026, 11, 26, 11, 0, tzinfo=UTC))
    fired: list = []
    scheduler(clock, "0 7 * * *", store, fired).serve(max_runs=1)
    assert [at for _, at in fired] == [datetime(2026, 11, 27, 6, 0, tzinfo=UTC)]


def test_restart_after_serving_today_does_not_run_again(store):
    store.set_last_slot("cfg", datetime(2026, 11, 26, 7, 0, tzinfo=BERLIN))
    assert (
        missed_slot("0 7 * * *", BERLIN, store.last_slot("cfg"), datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
        is None
    )


def test_a_failing_run_is_logged_and_the_schedule_goes_on(store, caplog):
    clock = Clock(datetime(2026, 11, 26, 11, 0, tzinfo=UTC))
    fired: list = []

    def fail(slot):
        raise BrieferError("Another digest of cfg is running")

    scheduler(clock, "0 7 * * *", store, fired, run=fail).serve(max_runs=2)
    assert len(fired) == 2
    assert "Another digest of cfg is running" in caplog.text


def test_slots_passed_during_a_long_run_are_skipped_not_queued(store):
    clock = Clock(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    fired: list = []

    def slow(slot):
        clock.now += timedelta(hours=3)

    scheduler(clock, "0 * * * *", store, fired, run=slow).serve(max_runs=3)
    moments = [at for _, at in fired]
    assert [m.hour for m in moments] == [7, 11, 15]  # 08:00-10:00 passed during the run: no backlog


# --- the lock across processes ---------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from briefer.config import Settings
from briefer.digest.lock import config_lock
with config_lock(sys.argv[1], Settings(data_dir=Path(sys.argv[2]))):
    print("locked", flush=True)
    time.sleep(60)
"""

TRY = """
import sys
from pathlib import Path
from briefer.config import Settings
from briefer.digest.lock import config_lock
from briefer.errors import BrieferError
try:
    with config_lock(sys.argv[1], Settings(data_dir=Path(sys.argv[2]))):
        print("acquired")
except BrieferError as exc:
    print("refused:", exc)
"""


def python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE, text=True, **kw
    )


def test_the_lock_keeps_a_second_process_out(tmp_path):
    settings = load_settings({"data_dir": tmp_path})
    with config_lock("/srv/digest.toml", settings):
        out, _ = python(TRY, "/srv/digest.toml", str(tmp_path)).communicate(timeout=60)
        assert out.startswith("refused: Another digest of /srv/digest.toml is running")
        other, _ = python(TRY, "/srv/other.toml", str(tmp_path)).communicate(timeout=60)
        assert other.strip() == "acquired"
    out, _ = python(TRY, "/srv/digest.toml", str(tmp_path)).communicate(timeout=60)
    assert out.strip() == "acquired"


def test_a_crashed_holder_leaves_no_stale_lock(tmp_path):
    holder = python(HOLDER, "/srv/digest.toml", str(tmp_path))
    try:
        assert holder.stdout.readline().strip() == "locked"
        settings = load_settings({"data_dir": tmp_path})
        with pytest.raises(BrieferError):
            with config_lock("/srv/digest.toml", settings):
                pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        assert lock_path("/srv/digest.toml", settings).exists()  # the file stays; the OS lock is gone
        with config_lock("/srv/digest.toml", settings):
            pass
    finally:
        holder.kill()
        holder.wait()


# --- units for the OS scheduler ------------------------------------------------------------


@pytest.mark.parametrize(
    "cron, calendar",
    [
        ("0 7 * * *", "*-*-* 7:0:00 Europe/Berlin"),
        ("30 6 * * 1-5", "Mon..Fri *-*-* 6:30:00 Europe/Berlin"),
        ("*/15 6-18 * * *", "*-*-* 6..18:0/15:00 Europe/Berlin"),
        ("0 8 1 * *", "*-*-1 8:0:00 Europe/Berlin"),
    ],
)
def test_cron_becomes_on_calendar(cron, calendar):
    assert on_calendar(cron, "Europe/Berlin") == calendar


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("cron", ["0 7 * * *", "30 6 * * 1-5", "*/15 6-18 * * *", "0 8 1 * *"])
def test_systemd_accepts_the_calendar(cron):
    done = subprocess.run(
        ["systemd-analyze", "calendar", on_calendar(cron, "Europe/Berlin")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_print_cron_prints_a_crontab_line_and_systemd_units(tmp_path):

    from briefer.cli.main import cli as group

    config = tmp_path / "digest.toml"
    config.write_text(
        'name = "Morning desk"\n[sources]\npaths = ["in"]\n[schedule]\ncron = "0 7 * * 1-5"\ntimezone = "Europe/Berlin"\n'
    )
    result = CliRunner().invoke(group, ["schedule", str(config), "--print-cron"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "CRON_TZ" not in out and "\n0 7 * * 1-5 set -a; " in out and f"digest {config}" in out
    assert "[Timer]\nOnCalendar=Mon..Fri *-*-* 7:0:00 Europe/Berlin\nPersistent=true" in out
    assert "briefer-digest-morning-desk.service" in out


def test_schedule_without_a_schedule_table_is_an_error(tmp_path):

    from briefer.cli.main import cli as group

    config = tmp_path / "digest.toml"
    config.write_text('name = "x"\n[sources]\npaths = ["in"]\n')
    result = CliRunner().invoke(group, ["schedule", str(config)])
    assert result.exit_code == 2 and "has no [schedule] table" in result.stderr


def _scheduled(tmp_path, cron="0 7 * * 1-5"):
    config = tmp_path / "digest.toml"
    config.write_text(
        f'name = "Morning desk"\n[sources]\npaths = ["in"]\n[schedule]\ncron = "{cron}"\ntimezone = "Europe/Berlin"\n'
    )
    return config


def test_print_cron_units_read_an_environment_file_and_never_carry_the_key(tmp_path, monkeypatch):
    from briefer.cli.main import cli as group

    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-printed")
    env_file = tmp_path / "briefer.env"
    config = _scheduled(tmp_path)
    result = CliRunner().invoke(group, ["schedule", str(config), "--print-cron", "--env-file", str(env_file)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "sk-never-printed" not in out
    assert f"# {env_file} (VAR=value lines" in out and "This shell sets" in out and "OPENAI_API_KEY" in out
    # needed: a missing file fails loudly
    assert f"0 7 * * 1-5 set -a; . {env_file}; set +a; TZ=Europe/Berlin exec " in out
    assert f"[Service]\nType=oneshot\nEnvironmentFile={env_file}\nEnvironment=TZ=Europe/Berlin\n" in out


def test_print_cron_without_needed_variables_reads_the_file_only_if_it_exists(tmp_path, monkeypatch):
    from briefer.cli.main import cli as group
    from briefer.digest.schedule import env_file_path

    for var in ("BRIEFER_CONFIG", "BRIEFER_DATA_DIR", "BRIEFER_STATEMENTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = _scheduled(tmp_path)
    out = CliRunner().invoke(group, ["schedule", str(config), "--print-cron"]).stdout
    env_file = env_file_path()
    assert str(env_file).startswith(str(tmp_path / "xdg"))
    assert "This shell sets no BRIEFER_* or OPENAI_* variable" in out
    assert f"[ ! -r {env_file} ] || . {env_file}; set +a; TZ=Europe/Berlin exec " in out
    assert f"EnvironmentFile=-{env_file}\n" in out


def test_the_sourced_crontab_command_runs_in_sh(tmp_path):
    """The crontab command part, as cron's /bin/sh runs it: the file's variables reach briefer."""
    from briefer.digest.schedule import crontab_line

    env_file = tmp_path / "env"
    env_file.write_text('BRIEFER_MODEL="from the file"\n', encoding="utf-8")
    line = crontab_line(_scheduled(tmp_path), "0 7 * * *", "UTC", env_file, required=True).splitlines()[-1]
    command = line.split(" ", 5)[5].split("exec ")[0] + 'printf %s "$BRIEFER_MODEL"'
    assert subprocess.run(["sh", "-c", command], capture_output=True, text=True).stdout == "from the file"


@pytest.mark.parametrize(
    "cron, message",
    [
        ("0 25 * * *", "'0 25 * * *': the hour 25 is out of range (0–23)"),
        ("61 7 * * *", "the minute 61 is out of range (0–59)"),
        ("0 7 * 13 *", "the month 13 is out of range (1–12)"),
        ("0 7 * * 1 2", "is not a cron expression of five fields (it has 6)"),
    ],
)
def test_a_cron_value_out_of_range_says_which_field(tmp_path, cron, message):
    from briefer.cli.main import cli as group

    result = CliRunner().invoke(group, ["digest", str(_scheduled(tmp_path, cron))])
    assert result.exit_code == 2 and message in result.stderr
