"""Regenerate the committed example digest (examples/digest/) with the configured backend.

    BRIEFER_DATA_DIR=$(mktemp -d) .venv/bin/python examples/regenerate_digest.py

With nothing configured that is the embedded default model. The run is dated to the
committed day, so the files keep their names; a fresh BRIEFER_DATA_DIR makes the model
answer again instead of the response cache. On another CPU the model may pick other
sentences (see the README); `briefer verify examples/digest/DAY.json` checks the result.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from briefer.config import load_settings
from briefer.digest.config import load_digest_config
from briefer.digest.run import run_digest

DAY = datetime(2026, 11, 27, 11, 2, 47, tzinfo=UTC)

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = load_digest_config(Path(__file__).resolve().parent / "digest.toml")
    started = time.monotonic()
    result = run_digest(config, load_settings({}), now=DAY)
    print(f"{result.status}: {result.counts} in {time.monotonic() - started:.0f} s")
