"""A digest's TOML config: sources, output, window, filters, schedule and model settings.

Loading validates everything up front (pydantic, ``extra="forbid"``) and
reports the first problems as one :class:`~briefer.errors.ConfigError` line
naming the key, before any article is read or any model is started.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import Field, PrivateAttr, ValidationError, field_validator

from ..config import Origin, Settings, describe_validation, load_settings
from ..errors import ConfigError
from ..models import Strict
from ..output.render import resolve_template
from ..sources.base import Filters
from ..sources.config import SourcesConfig, invalid
from .destinations import DeliverConfig

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Each field of a cron expression: what it is, its range, and the names it accepts.
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("weekday", 0, 7, _WEEKDAYS),
)


def _cron_field(text: str, what: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    """What is wrong with one field of a cron expression (a value out of range, say), or None."""
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return f"the {what} step {step!r} is not a positive number"
        for value in [] if base == "*" else base.split("-", 1):
            if value.lower() in names:
                continue
            if not value.isdigit():
                return f"the {what} {value!r} is not a number" + (
                    f" or a name ({names[0]}, …)" if names else ""
                )
            if not low <= int(value) <= high:
                return f"the {what} {value} is out of range ({low}–{high})"
    return None


class ScheduleConfig(Strict):
    cron: str
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise invalid(
                f"{value!r} is not a cron expression of five fields (it has {len(fields)}):"
                " minute hour day-of-month month weekday, e.g. '0 7 * * *'"
            )
        if croniter.is_valid(value):
            return value
        problems = (_cron_field(text, *spec) for text, spec in zip(fields, _CRON_FIELDS))
        problem = next((p for p in problems if p), "not a valid cron expression, e.g. '0 7 * * *'")
        raise invalid(f"{value!r}: {problem}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise invalid(f"{value!r} is not a time zone name such as 'Europe/Berlin' or 'UTC'") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class DigestConfig(Strict):
    name: str = Field(min_length=1, max_length=200)
    sources: SourcesConfig
    output: Path = Path("digests")
    template: str = "digest"
    window: timedelta | None = None
    include: list[str] = []
    exclude: list[str] = []
    concurrency: int | None = Field(None, ge=1, le=64)
    settings: Settings = Field(default_factory=Settings)
    schedule: ScheduleConfig | None = None
    allow_private_hosts: bool = False  # fetch pages and feeds on intranet addresses (refused by default)
    feed_days: int = Field(30, ge=1, le=3660)  # days kept in the Atom feed digest.xml
    publish_url: str | None = None  # where the output folder is served: absolute links in digest.xml
    deliver: DeliverConfig | None = None  # e-mail, chat and webhook destinations (Apprise URLs)
    _base: Path = PrivateAttr(default_factory=Path.cwd)
    _key: str | None = PrivateAttr(default=None)

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise invalid(f"{value!r} is not a duration such as '24h', '2d', '90m' or '1w'")
            return timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
        return value

    @field_validator("include", "exclude")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        if any(not v.strip() or v.strip().lower() == "tag:" for v in values):
            raise invalid("keywords and tags must not be empty (a tag is written 'tag:energy')")
        return [v.strip() for v in values]

    @field_validator("publish_url")
    @classmethod
    def _publish_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", value, re.IGNORECASE):
            raise invalid(f"{value!r} is not an http(s) URL such as 'https://intranet.example/digests/'")
        return value if value is None or value.endswith("/") else value + "/"

    @property
    def key(self) -> str:
        """What identifies this digest in the state: the resolved config path, else its name."""
        return self._key or f"name:{self.name}"

    @property
    def output_dir(self) -> Path:
        return self._base / self.output

    def zone(self) -> tzinfo:
        if self.schedule:
            return self.schedule.zone
        return datetime.now().astimezone().tzinfo or UTC

    @property
    def base(self) -> Path:
        """The config file's folder: relative source paths, output and template start here."""
        return self._base

    def filters(self, now: datetime) -> Filters:
        since = now - self.window if self.window else None
        return Filters(since=since, include=tuple(self.include), exclude=tuple(self.exclude))

    def anchored(self, base: Path, key: str | None) -> DigestConfig:
        self._base, self._key = base, key
        if "/" in self.template or self.template.endswith(".j2"):
            self.template = str((base / self.template).resolve())
        return self


def load_digest_config(path: Path | str) -> DigestConfig:
    """Read and validate a digest config; any problem is one ConfigError line naming the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Digest config {path} does not exist; see examples/digest.toml.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Digest config {path} is not valid TOML: {exc}") from None
    return digest_config(
        data, base=path.resolve().parent, key=str(path.resolve()), what=f"digest config {path}"
    )


def digest_config(
    data: dict[str, Any], *, base: Path, key: str | None = None, what: str = "digest config"
) -> DigestConfig:
    try:
        config = DigestConfig.model_validate(data).anchored(base, key)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, what)) from None
    try:
        resolve_template(config.template)
    except ConfigError as exc:
        raise ConfigError(f"Invalid {what}: template: {exc}") from None
    return config


def digest_settings(
    config: DigestConfig,
    overrides: dict[str, Any] | None = None,
    path: Path | None = None,
    *,
    where: str = "",
) -> Settings:
    """briefer's settings layers with the config's ``[settings]`` table above the environment, below the
    command line; each value remembers where it came from (``where``: the config file, for messages)."""
    table = (
        Origin("digest config", f"{where or config.key} [settings]"),
        config.settings.model_dump(exclude_unset=True),
    )
    return load_settings(overrides, path=path, layers=[table])
