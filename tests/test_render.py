"""Rendering: escaping, strict and sandboxed templates, the citation checker itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from briefer import ConfigError, brief_article
from briefer.cli.main import cli
from briefer.models import Article
from briefer.output.check import uncited_lines
from briefer.output.formats import render
from briefer.output.render import md_escape
from briefer.testing import FakeBackend, fact

ARTICLE = Article(
    text="The council approved the *new* budget on Tuesday. Taxes stay flat.",
    title="Budget <b>news</b>",
    source="t.txt",
)


@pytest.fixture
def brief():
    return brief_article(
        ARTICLE,
        FakeBackend(
            {
                "facts": [
                    fact(
                        "The council approved the budget.",
                        "The council approved the *new* budget on Tuesday.",
                    )
                ]
            }
        ),
    )


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("[x](http://e.example)", "\\[x\\](http://e.example)"),
        ("<script>", "\\<script\\>"),
        ("**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"),
        ("# heading", "\\# heading"),
        ("1. item", "1\\. item"),
        ("two\nlines", "two lines"),
        ("{{ config }}", "\\{\\{ config \\}\\}"),
    ],
)
def test_md_escape(raw, escaped):
    assert md_escape(raw) == escaped


def test_quotes_and_titles_are_escaped_but_markers_are_not(brief):
    md = render(brief)
    assert md.startswith("# Budget \\<b\\>news\\</b\\>")
    assert "\u201cThe council approved the \\*new\\* budget on Tuesday.\u201d (characters 0\u201349)" in md
    assert "- The council approved the budget. [1]" in md
    assert uncited_lines(md, brief) == []


def test_checker_catches_uncited_and_dangling_markers(brief):
    md = render(brief)
    broken = md.replace(
        "- The council approved the budget. [1]", "- The council approved the budget.\n- Made up. [7]"
    )
    assert uncited_lines(broken, brief) == ["- The council approved the budget.", "- Made up. [7]"]


def test_template_typos_fail_loudly(brief, tmp_path):
    bad = tmp_path / "bad.j2"
    bad.write_text("{{ brief.nope }}", encoding="utf-8")
    with pytest.raises(ConfigError, match="failed"):
        render(brief, template=str(bad))


def test_user_templates_are_sandboxed(brief, tmp_path):
    evil = tmp_path / "evil.j2"
    evil.write_text("{{ brief.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(ConfigError):
        render(brief, template=str(evil))


def test_json_format_round_trips(brief):
    from briefer.models import Brief

    assert Brief.model_validate_json(render(brief, fmt="json")) == brief


def test_doctor_reports_the_backend_choice_without_starting_anything(monkeypatch):
    result = CliRunner().invoke(cli, ["doctor", "--quick"])
    assert result.exit_code == 0
    assert "backend           local: no API key and no base URL" in result.stdout
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    result = CliRunner().invoke(cli, ["doctor"])
    assert "remote: base URL http://127.0.0.1:9/v1 is configured" in result.stdout
    assert "not reachable" in result.stdout


def test_cli_format_choices_are_the_registered_formats():
    from briefer.cli.brief import FORMATS as CHOICES
    from briefer.output.formats import FORMATS

    assert CHOICES == list(FORMATS)
