"""A non-editable install carries its prompts and templates and can render a brief."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from conftest import ROOT

SCRIPT = """
import briefer, json
from briefer.testing import FakeBackend, fact
from briefer.output.formats import render
from briefer.resources import resource_dir
article = briefer.Article(text="The mayor opened the new bridge on Monday. Traffic was light.", title="Bridge", source="x")
b = FakeBackend({"facts": [fact("The mayor opened the new bridge.", "The mayor opened the new bridge on Monday.")]})
brief = briefer.brief_article(article, b)
print(json.dumps({"file": briefer.__file__, "prompts": str(resource_dir("prompts")), "md": render(brief, template="summary")}))
"""


def test_built_wheel_ships_prompts_and_templates_and_renders(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("briefer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "briefer/prompts/extract.system.j2" in names and "briefer/templates/brief.md.j2" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    ).stdout
    import json

    data = json.loads(out)
    assert data["file"].startswith(str(target)) and data["prompts"].startswith(str(target))
    assert "1. The mayor opened the new bridge. [1]" in data["md"]
