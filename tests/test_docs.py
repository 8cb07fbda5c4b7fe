"""docs/cli.md is generated from --help; this test fails when the two drift apart.

Regenerate: ``BRIEFER_UPDATE_DOCS=1 pytest tests/test_docs.py``.
"""

from __future__ import annotations

import os

from click.testing import CliRunner
from conftest import ROOT

from briefer.cli.main import cli

DOC = ROOT / "docs" / "cli.md"


def generated() -> str:
    runner = CliRunner()
    parts = [
        "# briefer command line\n\n_Generated from `--help`; do not edit by hand (see tests/test_docs.py)._\n"
    ]
    for args in ([], *[[name] for name in sorted(cli.commands)]):
        title = " ".join(["briefer", *args])
        text = runner.invoke(cli, [*args, "--help"], prog_name="briefer", terminal_width=100).stdout
        parts.append(f"\n## {title}\n\n```\n{text.rstrip()}\n```\n")
    return "".join(parts)


def test_cli_docs_match_help():
    text = generated()
    if os.environ.get("BRIEFER_UPDATE_DOCS") == "1":
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/cli.md is stale; BRIEFER_UPDATE_DOCS=1 pytest tests/test_docs.py"
    )
