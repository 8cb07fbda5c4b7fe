"""A digest of German, Japanese and French reports (tests/data/languages/digest, written for these tests).

Two German reports of the Lindau price rise and two Japanese reports of the
Sapporo fare rise must each be one story; a German report of another event
must not join the first only because both are German (stop words); every
citation verifies and a re-run gives the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from test_digest import make_config, run

from briefer.brief.chunking import sentence_spans
from briefer.digest.assemble import uncited_digest_lines
from briefer.language import detect
from briefer.llm.base import ChatResult
from briefer.models import Usage
from briefer.testing import FakeBackend, fact
from briefer.verify import verify_digest

DATA = Path(__file__).parent / "data" / "languages" / "digest"


class Quoting(FakeBackend):
    """Quotes the body sentences of each chunk, split in the chunk's own language; claims are the sentences."""

    def chat(self, request):
        self.history.append(request)
        chunk = re.search(r"<article>\n(.*)\n</article>", request.messages[-1]["content"], re.S).group(1)
        body = chunk.split("\n", 1)[-1]
        sentences = [body[s:e].strip() for s, e in sentence_spans(body, detect(body)) if body[s:e].strip()]
        content = json.dumps({"facts": [fact(s, s) for s in sentences[:4]]})
        return ChatResult(content, "stop", Usage(prompt_tokens=1, completion_tokens=1))


def test_reports_in_other_languages_cluster_by_event_not_by_language(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    config = make_config(folder, tmp_path / "out")
    result = run(config, Quoting())
    digest = result.digest
    languages = {a.label: a.brief.meta.language for a in digest.articles}
    assert sorted(languages.values()) == ["de", "de", "de", "fr", "ja", "ja"]
    by_title = {a.label: a.title for a in digest.articles}
    stories = sorted(sorted(by_title[label] for label in s.articles) for s in digest.stories)
    assert sorted(["Strom in Lindau wird teurer", "Stadtwerke Lindau erhöhen die Strompreise"]) in stories
    assert sorted(["札幌市営地下鉄、来年４月に運賃値上げ", "地下鉄運賃、初乗り２４０円に　札幌市"]) in stories
    assert ["Kempten saniert sein Hallenbad"] in stories
    assert len(stories) == 4
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert uncited_digest_lines(markdown, digest) == []
    assert verify_digest(digest, markdown) == []
    again = run(config, Quoting())
    assert again.markdown_path.read_text(encoding="utf-8") == markdown
