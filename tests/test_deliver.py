"""Delivery through Apprise to real servers on 127.0.0.1: SMTP with STARTTLS and AUTH, a JSON webhook and a
Mattermost (Slack-compatible) incoming webhook. No mock of Apprise."""

from __future__ import annotations

import email
import json
import shutil
import subprocess
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner
from loopback import PASSWORD, SmtpServer, Webhook, free_port
from synthetic import synthetic_digest
from test_digest import DATA, NOW, ByText, opener, run

from briefer.cli.main import cli as briefer_cli
from briefer.config import load_settings
from briefer.digest.config import digest_config
from briefer.digest.notify import EMAIL_LIMIT
from briefer.digest.run import run_digest, write_digest

DAY = "2026-11-26"
TOKEN = "hooktoken0123456789abcdefgh"  # a Mattermost webhook token: a credential too


@pytest.fixture
def servers(tmp_path, monkeypatch):
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv(
        "SSL_CERT_FILE", str(tmp_path / "ca.pem")
    )  # the client trusts the test CA, as OpenSSL does
    with SmtpServer(ca) as smtp, Webhook() as hook:
        yield smtp, hook


def make_config(tmp_path: Path, to: list, **deliver):
    folder = tmp_path / "in"
    if not folder.exists():
        shutil.copytree(DATA, folder)
    data = {
        "name": "Coast desk",
        "sources": {"paths": [str(folder)]},
        "output": str(tmp_path / "out"),
        "deliver": {"to": to, **deliver},
    }
    return digest_config(data, base=tmp_path, key=f"test:{tmp_path}")


def three(smtp: SmtpServer, hook: Webhook, **urls) -> list:
    return [
        urls.get("email", smtp.url()),
        urls.get("json", f"json://127.0.0.1:{hook.port}/digest"),
        urls.get("chat", f"mmost://127.0.0.1:{hook.port}/{TOKEN}"),
    ]


def received(smtp: SmtpServer, hook: Webhook) -> tuple[int, int, int]:
    posts = [path for path, _ in hook.posts]
    return len(smtp.inbox.messages), posts.count("/digest"), posts.count(f"/hooks/{TOKEN}")


def parts(raw: bytes) -> dict[str, str]:
    msg: Message = email.message_from_bytes(raw)
    return {
        p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()
    }


def test_each_destination_gets_the_day_once_and_a_rerun_sends_nothing(servers, tmp_path):
    smtp, hook = servers
    config = make_config(tmp_path, three(smtp, hook))
    first = run(config, ByText())
    assert (tmp_path / "out" / f"{DAY}.html").is_file()
    assert [o.status for o in first.deliveries] == ["sent", "sent", "sent"]
    assert received(smtp, hook) == (1, 1, 1)
    again = run(config, ByText())
    assert [o.status for o in again.deliveries] == ["skipped"] * 3
    assert received(smtp, hook) == (1, 1, 1) and again.status == "ok"


def test_the_email_is_one_multipart_message_whose_markers_link_to_the_evidence_view(servers, tmp_path):
    smtp, hook = servers
    config = make_config(tmp_path, [smtp.url()])
    config.publish_url = "https://intranet.example/digests/"
    digest = run(config, ByText()).digest
    msg = email.message_from_bytes(smtp.inbox.messages[0])
    n = len(digest.stories)
    assert str(email.header.make_header(email.header.decode_header(msg["Subject"]))) == (
        f"Coast desk — {DAY}: {n} stories"
    )
    body = parts(smtp.inbox.messages[0])
    assert msg.get_content_type() == "multipart/alternative" and set(body) == {"text/plain", "text/html"}
    html = body["text/html"]
    assert "<script" not in html.lower() and "<style" not in html.lower() and 'style="' in html
    for c in digest.citations:
        assert f'href="https://intranet.example/digests/{DAY}.html#c{c.id}"' in html
    assert digest.stories[0].title in body["text/plain"] and "[1]" in body["text/plain"]


def test_without_publish_url_the_quotes_travel_with_the_email(servers, tmp_path):
    smtp, _ = servers
    digest = run(make_config(tmp_path, [smtp.url()]), ByText()).digest
    html = parts(smtp.inbox.messages[0])["text/html"]
    for c in digest.citations:
        assert f'href="#c{c.id}"' in html and f'id="c{c.id}"' in html
    assert "Sources" in html


def test_chat_gets_the_overview_lines_and_json_the_summary(servers, tmp_path):
    smtp, hook = servers
    config = make_config(tmp_path, three(smtp, hook)[1:])
    config.publish_url = "https://intranet.example/digests/"
    digest = run(config, ByText()).digest
    by_path = dict(hook.posts)
    summary = json.loads(by_path["/digest"]["message"])
    assert summary["date"] == DAY and [s["title"] for s in summary["stories"]] == [
        s.title for s in digest.stories
    ]
    assert (
        summary["url"] == f"https://intranet.example/digests/{DAY}.html" and summary["left_out_stories"] == 0
    )
    text = by_path[f"/hooks/{TOKEN}"]["text"]
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == len(digest.stories)
    assert f"[[1]](https://intranet.example/digests/{DAY}.html#c1)" in text and summary["url"] in text


def test_a_failed_destination_is_retried_next_run_while_the_others_receive(servers, tmp_path):
    smtp, hook = servers
    hook.statuses = [500]  # the first post (the JSON webhook's) fails
    config = make_config(tmp_path, three(smtp, hook))
    first = run(config, ByText())
    assert [o.status for o in first.deliveries] == ["sent", "failed", "sent"]
    assert first.status == "partial" and (tmp_path / "out" / f"{DAY}.md").is_file()
    assert "HTTP 500" in first.deliveries[1].detail and first.deliveries[1].detail.startswith(
        "json://127.0.0.1"
    )
    assert received(smtp, hook) == (1, 0, 1)
    second = run(config, ByText())
    assert [o.status for o in second.deliveries] == ["skipped", "sent", "skipped"]
    assert received(smtp, hook) == (1, 1, 1) and second.status == "ok"
    logs = CliRunner().invoke(briefer_cli, ["logs", "--digests"])
    assert "not delivered: json://127.0.0.1" in logs.output and "HTTP 500" in logs.output


def test_resend_changed_sends_a_changed_day_again(servers, tmp_path):
    smtp, hook = servers
    config = make_config(tmp_path, three(smtp, hook)[1:2], resend="changed")
    run(config, ByText())
    (tmp_path / "in" / "bridge-tender.txt").unlink()  # the day's digest changes
    run(config, ByText())
    assert received(smtp, hook) == (0, 2, 0)
    run(config, ByText())
    assert received(smtp, hook) == (0, 2, 0)


def test_credentials_appear_in_no_output(servers, tmp_path, caplog):
    smtp, hook = servers
    secret_env = f"json://user:{PASSWORD}@127.0.0.1:{free_port()}/hook"
    to = [
        smtp.url(password="wrong-" + PASSWORD),
        smtp.url(port=free_port()),
        "env:TEAM_HOOK",
        three(smtp, hook)[2],
    ]
    config = make_config(tmp_path, to)
    (tmp_path / "digest.toml").write_text(
        f'name = "Coast desk"\noutput = "out"\n[sources]\npaths = ["in"]\n[deliver]\nto = {json.dumps(to)}\n'
    )
    caplog.set_level("DEBUG")
    result = run(config, ByText())
    details = [o.detail for o in result.deliveries]
    assert (
        "refused the user name or password" in details[0] and "could not connect to 127.0.0.1" in details[1]
    )
    assert "env:TEAM_HOOK: the variable is not set" in details[2] and result.status == "partial"
    cli = CliRunner()
    outputs = [
        cli.invoke(briefer_cli, ["logs"]).output,
        cli.invoke(briefer_cli, ["deliver", str(tmp_path / "digest.toml"), DAY, "--dry-run"]).output,
        cli.invoke(briefer_cli, ["digest", str(tmp_path / "digest.toml"), "--dry-run"]).output,
        cli.invoke(
            briefer_cli, ["deliver", str(tmp_path / "digest.toml"), DAY], env={"TEAM_HOOK": secret_env}
        ).output,
    ]
    text = "\n".join([*outputs, caplog.text, *details])
    assert "not delivered" in outputs[0] and "mailtos://127.0.0.1" in outputs[1]
    for secret in (PASSWORD, TOKEN):
        assert secret not in text


def test_a_filtered_destination_gets_only_its_stories(servers, tmp_path):
    smtp, hook = servers
    chat = {"url": f"mmost://127.0.0.1:{hook.port}/{TOKEN}", "include": ["ferry"]}
    digest = run(make_config(tmp_path, [chat]), ByText()).digest
    text = hook.posts[0][1]["text"]
    ferry = [
        s.title
        for s in digest.stories
        if any("ferry" in a.brief.article.text.lower() for a in digest.articles if a.label in s.articles)
    ]
    assert 0 < len(ferry) < len(digest.stories)
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        line for line in text.splitlines() if line.startswith("- ") and any(t in line for t in ferry)
    ]
    assert len([line for line in text.splitlines() if line.startswith("- ")]) == len(ferry)


def test_tags_in_a_destination_filter_are_refused(tmp_path):
    from briefer.errors import ConfigError

    with pytest.raises(ConfigError, match="tags"):
        make_config(tmp_path, [{"url": "json://127.0.0.1/x", "include": ["tag:energy"]}])


def test_deliver_sends_again_by_hand_and_dry_run_sends_nothing(servers, tmp_path):
    smtp, hook = servers
    to = three(smtp, hook)
    run(make_config(tmp_path, to), ByText())
    (tmp_path / "digest.toml").write_text(
        f'name = "Coast desk"\noutput = "out"\n[sources]\npaths = ["in"]\n[deliver]\nto = {json.dumps(to)}\n'
    )
    cli = CliRunner()
    dry = cli.invoke(briefer_cli, ["deliver", str(tmp_path / "digest.toml"), DAY, "--dry-run"])
    assert dry.exit_code == 0 and dry.output.count("dry-run") == 3 and received(smtp, hook) == (1, 1, 1)
    again = cli.invoke(briefer_cli, ["deliver", str(tmp_path / "digest.toml"), DAY])
    assert again.exit_code == 0, again.output
    assert again.output.count("  sent  ") == 3 and received(smtp, hook) == (2, 2, 2)
    missing = cli.invoke(briefer_cli, ["deliver", str(tmp_path / "digest.toml"), "2020-01-01"])
    assert missing.exit_code == 2 and "No digest of 2020-01-01" in missing.output


def test_doctor_checks_destinations_and_sends_only_when_asked(servers, tmp_path):
    smtp, hook = servers
    to = [*three(smtp, hook), smtp.url(port=free_port())]
    (tmp_path / "digest.toml").write_text(
        f'name = "Coast desk"\noutput = "out"\n[sources]\npaths = ["in"]\n[deliver]\nto = {json.dumps(to)}\n'
    )
    args = ["doctor", str(tmp_path / "digest.toml"), "--base-url", f"http://127.0.0.1:{hook.port}/v1"]
    checked = CliRunner().invoke(briefer_cli, args)
    rows = [line for line in checked.output.splitlines() if line.startswith("deliver")]
    assert len(rows) == 4 and "could not connect" in rows[3] and received(smtp, hook) == (0, 0, 0)
    assert PASSWORD not in checked.output and TOKEN not in checked.output
    CliRunner().invoke(briefer_cli, [*args, "--send-test"])
    assert received(smtp, hook) == (1, 1, 1)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_renders_the_email(servers, tmp_path):
    smtp, _ = servers
    run(make_config(tmp_path, [smtp.url()]), ByText())
    page = tmp_path / "email.html"
    page.write_text(parts(smtp.inbox.messages[0])["text/html"], encoding="utf-8")
    shot = Path("/tmp/briefer-email.png")  # kept for a person to look at
    shot.unlink(missing_ok=True)
    command = ["chromium", "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars"]
    command += ["--window-size=900,1400", f"--screenshot={shot}", page.as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_a_digest_of_1000_articles_is_cut_at_each_service_limit_with_a_note(servers, tmp_path):
    smtp, hook = servers
    config = make_config(tmp_path, three(smtp, hook))
    config.publish_url = "https://intranet.example/digests/"
    digest = synthetic_digest(1000, day=DAY)
    write_digest(digest, config)
    (tmp_path / "digest.toml").write_text(
        f'name = "Coast desk"\noutput = "out"\npublish_url = "{config.publish_url}"\n[sources]\npaths = ["in"]\n'
        f"[deliver]\nto = {json.dumps(three(smtp, hook))}\n"
    )
    result = CliRunner().invoke(briefer_cli, ["deliver", str(tmp_path / "digest.toml"), DAY])
    assert result.exit_code == 0, result.output
    html = parts(smtp.inbox.messages[0])["text/html"]
    by_path = dict(hook.posts)
    chat, summary = by_path[f"/hooks/{TOKEN}"]["text"], json.loads(by_path["/digest"]["message"])
    url = f"https://intranet.example/digests/{DAY}.html"
    for body, limit, kept in (
        (html, EMAIL_LIMIT, html.count("<h2")),
        (chat, 4000, chat.count("\n- ")),
        (by_path["/digest"]["message"], 32768, len(summary["stories"])),
    ):
        assert len(body) <= limit and 0 < kept < 1000
        assert f"{1000 - kept} more stories" in body and url in body
    assert summary["left_out_stories"] == 1000 - len(summary["stories"])


def test_a_day_that_never_reached_a_destination_goes_with_the_next_days_run(servers, tmp_path):
    smtp, hook = servers
    hook.statuses = [500]
    config = make_config(tmp_path, three(smtp, hook)[1:2])
    run(config, ByText())
    next_day = run_digest(config, load_settings(), now=NOW + timedelta(days=1), open_backend=opener(ByText()))
    assert [(o.day, o.status) for o in next_day.deliveries] == [(DAY, "sent"), ("2026-11-27", "sent")]
    assert [json.loads(body["message"])["date"] for _, body in hook.posts] == [DAY, "2026-11-27"]


def test_the_digest_command_lists_a_failed_destination_and_exits_4(servers, tmp_path, monkeypatch):
    smtp, hook = servers
    fake = opener(ByText())
    monkeypatch.setattr(
        "briefer.runtime.Runtime.backend", lambda self, store=None, *, lazy=True: fake(store, lazy=lazy)
    )
    make_config(tmp_path, to := [smtp.url(password="wrong"), three(smtp, hook)[2]])  # copies the articles
    (tmp_path / "digest.toml").write_text(
        f'name = "Coast desk"\noutput = "out"\n[sources]\npaths = ["in"]\n[deliver]\nto = {json.dumps(to)}\n'
    )
    result = CliRunner().invoke(briefer_cli, ["digest", str(tmp_path / "digest.toml"), "-q"])
    assert result.exit_code == 4 and received(smtp, hook) == (0, 0, 1)
    (line,) = [line for line in result.output.splitlines() if "not delivered" in line]
    assert line.startswith("briefer: not delivered: mailtos://127.0.0.1:") and "password" in line
    assert "wrong" not in result.output and list((tmp_path / "out").glob("*.md"))


def test_an_untrusted_certificate_gets_one_line_about_tls(servers, tmp_path, monkeypatch):
    smtp, _ = servers
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))  # the test CA is not trusted
    result = run(make_config(tmp_path, [smtp.url()]), ByText())
    (outcome,) = result.deliveries
    assert outcome.status == "failed" and "TLS handshake with 127.0.0.1" in outcome.detail
    assert smtp.inbox.messages == []


def test_print_cron_says_where_the_destinations_urls_go(tmp_path):
    make_config(tmp_path, ["env:BRIEFER_NOTIFY_TEAM"])
    (tmp_path / "digest.toml").write_text(
        'name = "Coast desk"\noutput = "out"\n[sources]\npaths = ["in"]\n[schedule]\ncron = "0 7 * * *"\n'
        '[deliver]\nto = ["env:BRIEFER_NOTIFY_TEAM"]\n'
    )
    result = CliRunner().invoke(briefer_cli, ["schedule", str(tmp_path / "digest.toml"), "--print-cron"])
    assert result.exit_code == 0, result.output
    assert "# [deliver] reads BRIEFER_NOTIFY_TEAM: put each destination's URL there." in result.output
    assert "[ ! -r" not in result.output  # the env file is required: a missing one fails loudly
