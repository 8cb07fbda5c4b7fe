"""What a new user meets in the first hour (issue 21): advice that names what to do, no surprises."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import EXAMPLE

from briefer.cli.main import cli


def test_nothing_listening_without_a_model_says_it_cannot_reach_the_llm():
    result = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "--base-url", "http://127.0.0.1:9/v1", "-q"])
    assert result.exit_code == 3
    assert result.stderr.startswith("briefer: error: Cannot reach the LLM at http://127.0.0.1:9/v1")
    assert "pass --model" not in result.stderr


def test_a_base_url_without_scheme_is_refused_as_malformed():
    result = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "--base-url", "127.0.0.1:9/v1", "-m", "x"])
    assert result.exit_code == 2
    assert "--base-url" in result.stderr and "is not an http(s) URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_refusing_a_private_address_names_the_flag_and_the_config_key():
    result = CliRunner().invoke(cli, ["brief", "http://127.0.0.1:9/page", "-m", "x"])
    assert result.exit_code == 2
    assert "--allow-private-hosts" in result.stderr and "allow_private_hosts = true" in result.stderr
    assert "allow_private " not in result.stderr
