"""A digest against a misbehaving server: every article briefed or listed, honest exit codes, no partial files.

The fault-injecting server of tests/support.py answers each request with
fault ``kind`` at ``rate`` (seeded), else a valid empty extraction. The
matrix (kind × rate → exit code, requests at the server) is written to
/tmp/briefer-digest-fault-matrix.md for the record.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import Faulty, serving

from briefer.cli.main import cli

DATA = Path(__file__).parent / "data" / "digest"
KINDS = ("500", "503", "hang", "reset", "invalid_json", "no_choices", "null_content", "refusal", "length")
MATRIX = Path("/tmp/briefer-digest-fault-matrix.md")


def _config(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "in")
    config = tmp_path / "digest.toml"
    config.write_text(
        'name = "Faults"\noutput = "out"\nconcurrency = 4\n[sources]\npaths = ["in"]\n'
        "[settings]\nattempts = 2\nmax_reasks = 0\ntimeout = 1.0\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize("rate", [0.3, 1.0])
@pytest.mark.parametrize("kind", KINDS)
def test_a_digest_under_faults_loses_nothing(tmp_path, kind, rate):
    config = _config(tmp_path)
    articles = len(list((tmp_path / "in").glob("*.txt")))
    with serving(Faulty(kind, rate, seed=3)) as server:
        server.hang_seconds = 2.0
        base = f"http://127.0.0.1:{server.server_port}/v1"
        result = CliRunner().invoke(
            cli, ["digest", str(config), "--base-url", base, "-m", "m", "--no-cache", "-q"]
        )
    requests = len(server.requests)
    out = tmp_path / "out"
    leftovers = [p.name for p in out.glob(".*")] if out.exists() else []
    with MATRIX.open("a", encoding="utf-8") as f:
        f.write(f"| {kind} | {rate} | exit {result.exit_code} | {requests} requests |\n")
    assert leftovers == []  # atomic writes: no temp file survives
    assert requests <= articles * 2 * 4 * 2  # chunks x allowance x attempts, whatever the fault
    if result.exit_code == 3:  # nothing briefed: nothing written, one line saying why
        assert not list(out.glob("*.md")) and "No digest" in result.stderr
        return
    assert result.exit_code in (0, 4), result.stderr
    day = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    covered = {a["addresses"][0] for a in day["articles"]} | {p["source"] for p in day["not_covered"]}
    assert len(covered) >= articles  # every article briefed or listed with its reason
    assert (result.exit_code == 4) == bool(day["not_covered"])
