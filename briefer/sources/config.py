"""The ``[sources]`` table of a digest config: one key per registered source kind, plus fetch limits."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..models import Strict
from . import kinds  # noqa: F401 -- registers the built-in kinds
from .base import KINDS


def invalid(message: str) -> PydanticCustomError:
    """A validation error whose message is printed as is (no "Value error," prefix)."""
    return PydanticCustomError("briefer_config", "{message}", {"message": message})


class SourcesConfig(Strict):
    """``paths``, ``urls``, ``feeds``, ``opml`` (or any registered kind): lists of strings; fetch limits."""

    model_config = ConfigDict(extra="allow")
    timeout: float = Field(20.0, gt=0, le=600)
    max_per_feed: int = Field(30, ge=1, le=1000)
    host_concurrency: int = Field(2, ge=1, le=16)  # requests at once to one host
    host_delay: float = Field(0.5, ge=0, le=60)  # seconds between the starts of two requests to one host
    entry_text_min: int = Field(500, ge=0)  # a feed entry's own text is used from this many characters on

    @model_validator(mode="before")
    @classmethod
    def _kinds(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key, values in data.items():
            if key in cls.model_fields:
                continue
            if key not in KINDS:
                raise invalid(f"unknown source kind {key!r} (known: {', '.join(sorted(KINDS))})")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise invalid(f"{key} must be a list of strings")
            try:
                KINDS[key].check(values)
            except ValueError as exc:
                raise invalid(f"{key}: {exc}") from None
        if not any(data.get(k) for k in KINDS):
            *first, last = KINDS
            raise invalid(f"name at least one of {', '.join(first)} or {last}")
        return data

    def kinds(self) -> list[tuple[str, list[str]]]:
        """``(kind, values)`` for every configured kind, in registration order."""
        extra = self.model_extra or {}
        return [(key, extra[key]) for key in KINDS if extra.get(key)]
