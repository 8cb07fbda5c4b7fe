"""Hostile user templates: each is refused with exit 2 and one line naming the template, its line and why.

They are refused before any model call (the template is tried on a sample brief
under the same limits), and the real render is bounded the same way. Built-in
templates render as before (tests/test_render.py pins them byte for byte).
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE
from support import completion
from test_cli import ANSWER, run
from test_digest import DATA, ByText, opener

from briefer.cli.main import cli as briefer_cli
from briefer.config import load_settings
from briefer.digest.config import digest_config
from briefer.digest.run import run_digest
from briefer.errors import ConfigError
from briefer.output import render
from briefer.output.guards import LIMITS
from briefer.output.render import render_template
from briefer.output.sample import sample_brief

HOSTILE = [
    ("{{ 'a' * 1000000000 }}", "* would make a value of 1,000,000,000"),
    ("{{ [0] * 10**9 }}", "* would make a value of 1,000,000,000 items"),
    (
        "{% set ns = namespace(l=[0]) %}{% for i in range(30) %}{% set _ = ns.l.extend(ns.l) %}{% endfor %}",
        "list.extend would",
    ),
    ("{{ 7 ** (10 ** 7) }}", "** would build a number of about 20,000,000 bits"),
    ("{{ (2 ** 64) ** (2 ** 20) }}", "** would build a number of about 67,108,864 bits"),
    ("{{ range(10**9) | list }}", "range() of 1,000,000,000 numbers is over the limit of 100,000"),
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}", "recurses too deeply"),
    (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "~ would",
    ),
    (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "+ would",
    ),
    ("{{ 'x'.ljust(10**9) }}", "str.ljust would make a value of 1,000,000,000"),
    ("{{ ('x' * 1000).replace('', 'y' * 100000) }}", "replace would make a value of"),
    ("{{ ('x' * 1000) | replace('', 'y' * 100000) }}", "replace would make a value of"),
    ("{{ ('y' * 100000).join('x' * 100000) }}", "join would make a value of"),
    ("{{ ('x' * 100000) | list | join('y' * 100000) }}", "join would make a value of"),
    ("{{ [1] | batch(10**9, 0) | list }}", "batch would make a value of 1,000,000,000 items"),
    (
        "{% set ns = namespace(n=3) %}{% for i in range(64) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
        "* would build a number of about",
    ),
    ("{{ '{:>{}}'.format('x', 10**9) }}", "a format width of 1,000,000,000"),
    ("{{ '%.1000000000f' % 1.5 }}", "a format width of 1,000,000,000"),
    ("{{ '%1000000000d' % 1 }}", "a format width of 1,000,000,000"),
    ("{{ '{:>1000000000}'.format(1) }}", "a format width of 1,000,000,000"),
    ("{{ 'x' | center(10**9) }}", "center would"),
    ("{{ 'x\\ny' | indent(10**9) }}", "indent would"),
    ("{% for i in range(100000) %}{{ article.text }}{% endfor %}", "writes more than 1,000,000 characters"),
    (
        "{% for i in range(100000) %}{% for j in range(300) %}{% endfor %}{% endfor %}",
        "ran for more than 0.3 s",
    ),
]
SMALL = dataclasses.replace(LIMITS, seconds=0.3, chars=1_000_000)


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(render, "LIMITS", SMALL)


@pytest.mark.parametrize("body, why", HOSTILE)
def test_a_hostile_brief_template_is_refused_before_the_model_is_asked(
    server, tmp_path, small_limits, body, why
):
    template = tmp_path / "hostile.md.j2"
    template.write_text("# {{ title }}\n\n" + body + "\n", encoding="utf-8")
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE), "--template", str(template), "-o", str(tmp_path / "out.md"))
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert f"Template {str(template)!r}" in first and "at line 3" in first and why in first, first
    assert server.requests == [] and not (tmp_path / "out.md").exists()


@pytest.mark.parametrize("body, why", HOSTILE[:3] + HOSTILE[-2:])
def test_the_real_render_is_bounded_too(tmp_path, body, why):
    """What the sample cannot catch (it depends on the brief) is stopped at the render, as one ConfigError."""
    template = tmp_path / "late.md.j2"
    template.write_text("{% if facts | length > 5 %}\n" + body + "\n{% endif %}\n", encoding="utf-8")
    values = render.context(sample_brief().model_copy(update={"facts": sample_brief().facts * 2}))
    with pytest.raises(ConfigError) as caught:
        _render(str(template), values)
    assert "at line 2" in str(caught.value) and why in str(caught.value)


def _render(template, values):
    return "".join(render.template_chunks(template, values, SMALL))


def test_a_template_error_that_depends_on_the_data_is_left_to_the_render(server, tmp_path):
    """The sample has three facts: a template reading a fourth is not refused up front."""
    template = tmp_path / "fourth.md.j2"
    template.write_text("{{ facts[0].statement }} {{ facts[0] | cites }}\n", encoding="utf-8")
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE), "--template", str(template))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Kim will fly to Russia") and len(server.requests) == 1


def test_a_runtime_error_in_a_user_template_is_one_line_not_an_internal_error(tmp_path):
    template = tmp_path / "zero.md.j2"
    template.write_text("ok\n{{ 1 / 0 }}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"at line 2: ZeroDivisionError"):
        render_template(str(template), render.context(sample_brief()))


def test_limits_do_not_touch_a_template_within_them(tmp_path):
    template = tmp_path / "fine.md.j2"
    template.write_text(
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ ('%5d' % 7) | length }} {{ 'x' | center(5) | length }}\n",
        encoding="utf-8",
    )
    assert _render(str(template), render.context(sample_brief())) == "ababab 1024 5 5\n"


@pytest.mark.parametrize("body, why", [HOSTILE[0], HOSTILE[5], HOSTILE[-1]])
def test_a_hostile_digest_template_is_refused_before_any_model_call(tmp_path, small_limits, body, why):
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    template = tmp_path / "hostile.md.j2"
    template.write_text("# {{ name }}\n" + body + "\n", encoding="utf-8")
    data = {
        "name": "Desk",
        "sources": {"paths": [str(folder)]},
        "output": str(tmp_path / "out"),
        "template": str(template),
    }
    config, backend = digest_config(data, base=tmp_path, key="test:hostile"), ByText()
    with pytest.raises(ConfigError) as caught:
        run_digest(config, load_settings(), open_backend=opener(backend))
    assert "at line 2" in str(caught.value) and why in str(caught.value)
    assert backend.history == [] and not (tmp_path / "out").exists()


def test_the_digest_command_refuses_it_with_exit_2(tmp_path, small_limits):
    template = tmp_path / "hostile.md.j2"
    template.write_text("{{ 'a' * 1000000000 }}\n", encoding="utf-8")
    config = tmp_path / "digest.toml"
    config.write_text(
        f'name = "x"\ntemplate = "{template.name}"\n[sources]\npaths = ["in"]\n', encoding="utf-8"
    )
    shutil.copytree(DATA, tmp_path / "in")
    result = CliRunner().invoke(briefer_cli, ["digest", str(config)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0].startswith(
        f"briefer: error: Template {str(template)!r} was stopped at line 1"
    )


def test_briefer_templates_tries_a_user_template_on_the_sample_too(tmp_path, small_limits):
    template = tmp_path / "hostile.md.j2"
    template.write_text("{{ title }}\n{{ 'x'.ljust(10**9) }}\n", encoding="utf-8")
    result = CliRunner().invoke(briefer_cli, ["templates", str(template)])
    assert result.exit_code == 2 and "was stopped at line 2: str.ljust would" in result.stderr
