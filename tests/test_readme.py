"""The README cannot drift: its quick start, CI command and config example are checked."""

from __future__ import annotations

import re
import tomllib

from click.testing import CliRunner
from conftest import ROOT

from briefer.cli.main import cli
from briefer.digest.config import digest_config

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(section: str, lang: str) -> list[str]:
    body = README.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{lang}\n(.*?)```", body, re.S)


def test_quick_start_is_two_commands_and_ci_runs_both():
    first, second = (b.strip() for b in blocks("Quick start", "sh"))
    assert "\n" not in first and "\n" not in second
    assert first.endswith("briefer brief examples/kim-putin-summit.txt") and "'.[local]'" in first
    assert second.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith(first) for line in ci) and any(second in line for line in ci)


def test_the_digest_config_example_is_valid(tmp_path):
    (example,) = blocks("Daily digests", "toml")
    config = digest_config(tomllib.loads(example), base=tmp_path)
    assert config.schedule.cron == "0 7 * * *"


def test_every_documented_command_exists():
    code = "\n".join(re.findall(r"```sh\n(.*?)```", README, re.S))
    commands = set(re.findall(r"^briefer (\w+)", code, re.M))
    assert {"brief", "digest", "schedule", "doctor", "serve"} <= commands
    result = CliRunner().invoke(cli, ["--help"])
    for command in commands:
        assert f"  {command} " in result.stdout, command
