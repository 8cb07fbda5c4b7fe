"""Where a digest is delivered: the ``[deliver]`` table of a digest config.

::

    [deliver]
    to = ["mailtos://user:pass@smtp.example.com?to=desk@example.com",
          {url = "env:BRIEFER_NOTIFY_TEAM", include = ["energy"]}]
    resend = "changed"   # re-send a day whose message changed; default "never"

A destination is an Apprise URL, or ``env:NAME`` to read the URL from the
environment when the digest is delivered (so no secret sits in the TOML). A
destination may carry ``include`` / ``exclude`` terms, the words of the
digest's own filters: it then gets only the stories one of whose articles
passes them. Tags (``tag:energy``) are not kept in a written day, so a
destination cannot filter on them.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from ..models import Strict
from ..sources.config import invalid

_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S*$")


class Destination(Strict):
    url: str
    include: list[str] = []
    exclude: list[str] = []

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("env:") and not _ENV.match(value):
            raise invalid(f"{value!r} is not env:NAME with a variable name such as env:BRIEFER_NOTIFY_TEAM")
        if not value.startswith("env:") and not _URL.match(value):
            # The value may hold a password: never echo it.
            raise invalid("a destination is an Apprise URL (scheme://…) or env:NAME")
        return value

    @field_validator("include", "exclude")
    @classmethod
    def _terms(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise invalid("include and exclude terms must not be empty")
        if any(v.strip().lower().startswith("tag:") for v in values):
            raise invalid("a destination filters on words; tags (tag:…) are not kept in a written day")
        return [v.strip() for v in values]

    @property
    def env_name(self) -> str | None:
        match = _ENV.match(self.url)
        return match.group(1) if match else None


class DeliverConfig(Strict):
    to: list[Destination] = Field(min_length=1)
    resend: Literal["never", "changed"] = (
        "never"  # a same-day re-run re-sends a changed message only if "changed"
    )

    @field_validator("to", mode="before")
    @classmethod
    def _destinations(cls, values: Any) -> Any:
        """A plain string is a destination's URL."""
        if isinstance(values, list):
            return [{"url": v} if isinstance(v, str) else v for v in values]
        return values
