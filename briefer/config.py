"""Settings: defaults, then the config file, then the environment, then the command line.

The API key is read from the environment (``OPENAI_API_KEY``, as the openai SDK
does) or the config file, never from the command line, where ``ps`` shows it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError

from .errors import ConfigError
from .models import Strict

ENV = {
    "OPENAI_API_KEY": "api_key",
    "OPENAI_BASE_URL": "base_url",
    "BRIEFER_MODEL": "model",
    "BRIEFER_MODEL_PATH": "model_path",
    "BRIEFER_DATA_DIR": "data_dir",
    "BRIEFER_CACHE_DIR": "cache_dir",
}


class Settings(Strict):
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    structured_mode: Literal["auto", "json_schema", "json_object"] | None = None
    max_chunk_tokens: int | None = Field(
        None, ge=64, le=32000
    )  # None: by backend, see runtime.chunk_tokens()
    max_tokens: int = Field(1024, ge=64, le=32000)
    chunk_concurrency: int | None = Field(None, ge=1, le=32)  # None: 4 for a server, 1 for the local model
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

    def state_dir(self) -> Path:
        return self.data_dir or Path(platformdirs.user_data_dir("briefer"))

    def state_path(self) -> Path:
        """The SQLite file: response cache and digest state (one place builds this path)."""
        return self.state_dir() / "briefer.sqlite3"

    def model_cache_dir(self) -> Path:
        return self.cache_dir or Path(platformdirs.user_cache_dir("briefer"))


def config_path() -> Path:
    explicit = os.environ.get("BRIEFER_CONFIG")
    return Path(explicit) if explicit else Path(platformdirs.user_config_dir("briefer")) / "config.toml"


def load_settings(overrides: dict[str, Any] | None = None, path: Path | None = None) -> Settings:
    """Merge every layer and validate; a bad value raises a ConfigError naming the key."""
    values: dict[str, Any] = {}
    values.update(_read_config(path or config_path()))
    values.update({field: os.environ[var] for var, field in ENV.items() if os.environ.get(var)})
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, "settings")) from exc


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}") from exc
    return data.get("briefer", data)


def describe_validation(exc: ValidationError, what: str) -> str:
    """One line naming each bad key and what is wrong with it."""
    parts = []
    for err in exc.errors()[:3]:
        key = ".".join(str(p) for p in err["loc"]) or what
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"{key}: {message}")
    return f"Invalid {what}: " + "; ".join(parts)
