"""Settings: defaults, then the config file, then the environment, then the command line.

Every setting can come from the environment as ``BRIEFER_<NAME>`` (``BRIEFER_MAX_TOKENS=512``);
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are read as the openai SDK reads them (a
``BRIEFER_`` variable of the same setting wins). Each resolved value remembers where it
came from (:meth:`Settings.origin`), which ``--dry-run`` shows and errors name.

The API key is read from the environment (``OPENAI_API_KEY``, as the openai SDK
does) or the config file, never from the command line, where ``ps`` shows it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .errors import ConfigError, redact
from .language import valid_code
from .models import Strict

ENV_PREFIX = "BRIEFER_"
# Read as the openai SDK reads them; the BRIEFER_ variable of the same setting wins.
OPENAI_ENV = {"OPENAI_API_KEY": "api_key", "OPENAI_BASE_URL": "base_url"}
_HTTP_URL = re.compile(r"^https?://[^/?#\s]+", re.I)
# The command-line flag of a setting, where it is not --name-with-dashes.
FLAGS = {"cache": "--no-cache"}


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from: a layer (default, config file, environment, command line) and which one."""

    layer: str
    name: str = ""  # the file, variable or flag

    def __str__(self) -> str:
        return f"{self.layer} {self.name}".rstrip()

    def phrase(self, field: str) -> str:
        """How a sentence says it: "OPENAI_API_KEY from the environment", "--base-url on the command line"."""
        if self.layer == "environment":
            return f"{self.name} from the environment"
        if self.layer == "command line":
            return f"{self.name} on the command line"
        if self.layer == "config file":
            return f"{field} from the config file {self.name}"
        return f"{field} from {self.name or self.layer}"


DEFAULT = Origin("default")


class Settings(Strict):
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    structured_mode: Literal["auto", "json_schema", "json_object"] | None = None
    max_chunk_tokens: int | None = Field(
        None, ge=64, le=32000
    )  # None: by backend, see runtime.chunk_tokens()
    max_tokens: int = Field(1024, ge=64, le=32000)
    chunk_concurrency: int | None = Field(None, ge=1, le=32)  # None: 16 for a server, 1 for the local model
    max_reasks: int = Field(2, ge=0, le=5)
    max_facts: int = Field(8, ge=1, le=50)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    timeout: float = Field(300.0, gt=0)
    attempts: int = Field(4, ge=1, le=10)
    cache: bool = True
    data_dir: Path | None = None  # state: SQLite (LLM response cache, digest state)
    cache_dir: Path | None = None  # re-creatable files: the assembled local model
    model_path: Path | None = None
    n_ctx: int = Field(4096, ge=512)
    n_threads: int | None = Field(None, ge=1)
    template: str = "brief"
    # The article's language ("auto": detected from the text, else the page's lang attribute) and
    # the language the claims are written in ("": the article's). ISO 639-1 codes: "de", "ja".
    language: str = "auto"
    answer_language: str = ""
    # What a statement says: "quote" renders the source's own sentence (the model only picks it),
    # "paraphrase" the model's claim (passed by a judge where one is configured), "auto" paraphrase
    # only where a judge is configured (runtime.statement_mode decides once).
    statements: Literal["auto", "quote", "paraphrase"] = "auto"
    judge: Literal["none", "llm"] = "none"  # the entailment judge of paraphrased statements
    judge_model: str | None = None  # the llm judge's model, if not the extraction model
    judge_base_url: str | None = None  # the llm judge's OpenAI-compatible server, if not the extraction one
    _origins: dict[str, Origin] = PrivateAttr(default_factory=dict)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not _HTTP_URL.match(value):
            message = f"{redact(value)!r} is not an http(s) URL; write it like http://127.0.0.1:8080/v1"
            raise PydanticCustomError("briefer_config", "{message}", {"message": message})
        return value

    @field_validator("language", "answer_language")
    @classmethod
    def _language_code(cls, value: str, info: ValidationInfo) -> str:
        allowed = "auto" if info.field_name == "language" else ""
        if value != allowed and not valid_code(value):
            raise ValueError(f"{value!r} is not a language code; use one like de, ja or pt-BR")
        return value

    def origin(self, field: str) -> Origin:
        """Where ``field``'s value came from (:data:`DEFAULT` unless a layer set it)."""
        return self._origins.get(field, DEFAULT)

    def state_dir(self) -> Path:
        return self.data_dir or Path(platformdirs.user_data_dir("briefer"))

    def state_path(self) -> Path:
        """The SQLite file: response cache and digest state (one place builds this path)."""
        return self.state_dir() / "briefer.sqlite3"

    def model_cache_dir(self) -> Path:
        return self.cache_dir or Path(platformdirs.user_cache_dir("briefer"))


def env_var(field: str) -> str:
    """The environment variable of a setting: ``max_tokens`` -> ``BRIEFER_MAX_TOKENS``."""
    return ENV_PREFIX + field.upper()


def env_vars() -> dict[str, str]:
    """Every variable read for a setting (variable -> setting), in increasing priority."""
    return {**OPENAI_ENV, **{env_var(field): field for field in Settings.model_fields}}


def flag(field: str) -> str:
    return FLAGS.get(field, "--" + field.replace("_", "-"))


def config_path() -> Path:
    explicit = os.environ.get("BRIEFER_CONFIG")
    return Path(explicit) if explicit else Path(platformdirs.user_config_dir("briefer")) / "config.toml"


def load_settings(
    overrides: dict[str, Any] | None = None,
    path: Path | None = None,
    *,
    layers: Sequence[tuple[Origin, dict[str, Any]]] = (),
) -> Settings:
    """Merge every layer and validate; a bad value raises a ConfigError naming the key and where it came from.

    ``layers`` go above the environment and below ``overrides`` (the command line): a
    digest config's ``[settings]`` table, say. An explicit ``path`` must exist.
    """
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"Config file {path} (from --config) does not exist.")
    file = Path(path) if path is not None else config_path()
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for origin, layer in [(Origin("config file", str(file)), _read_config(file)), *_environment(), *layers]:
        for key, value in layer.items():
            values[key], origins[key] = value, origin
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key], origins[key] = value, Origin("command line", flag(key))
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, "settings", origins)) from exc
    settings._origins = origins
    return settings


def _environment() -> list[tuple[Origin, dict[str, Any]]]:
    return [
        (Origin("environment", var), {field: os.environ[var]})
        for var, field in env_vars().items()
        if os.environ.get(var)
    ]


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}") from exc
    return data.get("briefer", data)


def describe_validation(exc: ValidationError, what: str, origins: dict[str, Origin] | None = None) -> str:
    """One line naming each bad key and what is wrong with it, and where a value came from.

    A value from the environment or the command line names its variable or flag; errors
    in the config file name the file once.
    """
    parts, files = [], set()
    for err in exc.errors()[:3]:
        key = ".".join(str(p) for p in err["loc"]) or what
        origin = (origins or {}).get(str(err["loc"][0])) if err["loc"] else None
        if origin is not None and origin.layer == "config file":
            files.add(origin.name)
        where = f" (from {origin})" if origin and origin.layer != "config file" else ""
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"{key}{where}: {message}")
    where = f" in config file {', '.join(sorted(files))}" if files else ""
    return f"Invalid {what}{where}: " + "; ".join(parts)


def shown_settings(settings: Settings) -> list[tuple[str, str, Origin]]:
    """Every setting as (name, value as shown, origin), for ``--dry-run``; the API key is never shown."""
    rows = []
    for field in Settings.model_fields:
        value = getattr(settings, field)
        shown = (
            "(set, not shown)"
            if isinstance(value, SecretStr)
            else "(none)"
            if value is None
            else redact(value)
        )
        rows.append((field, shown, settings.origin(field)))
    return rows
