"""Publish the digests where feed readers and browsers look: ``digest.xml`` (Atom) and ``index.html``.

An analyst subscribes to the output folder (served by any web server, or read
as files) instead of opening a new Markdown file each morning:

* ``digest.xml`` is an Atom feed with one entry per day, newest first, for the
  last ``feed_days`` days that have a ``DAY.json``. An entry's content is the
  digest as an HTML fragment a reader can show (overview, stories, bullets
  whose markers link into that day's evidence view ``DAY.html#cN``, sources,
  what was not covered); the whole evidence view, with every article's full
  text, would make the feed megabytes long. Links point to ``DAY.html`` and
  ``DAY.md``, relative to the feed unless ``publish_url`` says where the
  folder is served (then it is the feed's ``xml:base`` and ``rel="self"``).
* Ids are tag URIs built from the config's name and the day
  (``tag:briefer,2026:Morning%20digest/2026-11-26``), so they survive a moved
  config file or output folder.
* ``updated`` is when an entry's content last changed: the previous
  ``digest.xml`` is read back, and an entry whose content is unchanged keeps
  its dates, so a re-run of the same day writes the same bytes. A changed
  entry gets the run's time (today's) or its ``DAY.json``'s modification time
  (an older day re-rendered by a newer briefer).
* ``index.html`` lists every day in the folder, newest first; the days of the feed (the
  last ``feed_days``, read for it anyway) with their story titles and counts.

Every text is escaped (ElementTree for XML, autoescaping templates for HTML),
and both files are written atomically.

An earlier day is read back as a :class:`DaySummary`, the part of its
``DAY.json`` an entry shows, never with its articles' briefs: 30 days of
1,000-article digests took 16 s and 1.1 GB read whole.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Template

from .._version import __version__
from ..output.files import write_atomic
from ..output.html import environment
from .assembled import AssembledDigest
from .config import DigestConfig
from .model import DaySummary, Digest

AnyDigest = Digest | AssembledDigest | DaySummary  # the day just assembled, or a day read back

log = logging.getLogger("briefer.digest")
ATOM = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
FEED_NAME, INDEX_NAME = "digest.xml", "index.html"
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(?:json|md|html)$")
Times = tuple[str, str, str]  # (published, updated, content) of an entry in the previous feed

ENTRY = """\
<p><em>{{ d.stories | length }} {{ "story" if d.stories | length == 1 else "stories" }} from \
{{ d.articles | length }} article{{ "s" if d.articles | length != 1 }}</em> ·
<a href="{{ d.date }}.html">evidence view</a> · <a href="{{ d.date }}.md">Markdown</a></p>
{% for story in d.stories %}
<h2>{{ loop.index }}. {{ story.title }}</h2>
<p><em>{{ "Reported by" if story.articles | length > 1 else "Source:" }} {{ story.articles | join(", ") }}</em></p>
<ul>
{% for f in story.facts %}
<li>{{ f.statement or f.claim }}{% for c in f.citations %} <a href="{{ d.date }}.html#c{{ c }}" \
title="{{ quotes[c] }}">[{{ c }}]</a>{% endfor %}{% if f.corroborated %} <em>(corroborated by \
{{ f.backers | length }} sources)</em>{% endif %}</li>
{% endfor %}
</ul>
{% else %}
<p><em>No articles to report.</em></p>
{% endfor %}
<h2>Sources</h2>
<ul>
{% for a in d.articles %}
<li><strong>{{ a.label }}</strong> {% if links[a.label] %}<a href="{{ links[a.label] }}">{{ a.title }}</a>\
{% else %}{{ a.title }}{% endif %}</li>
{% endfor %}
</ul>
{% if d.not_covered or d.left_out %}
<h2>Not covered</h2>
<ul>
{% for p in d.not_covered %}
<li>{{ p.source }}: {{ p.reason }}</li>
{% endfor %}
{% for reason, n in d.left_out.items() %}
<li>{{ n }} article{{ "s" if n != 1 }} left out: {{ reason }}</li>
{% endfor %}
</ul>
{% endif %}
"""

INDEX = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ name }}</title>
<link rel="alternate" type="application/atom+xml" title="{{ name }}" href="{{ feed }}">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}\
li{margin:.3em 0}</style>
</head>
<body>
<h1>{{ name }}</h1>
<p><a href="{{ feed }}">Atom feed</a> of the last {{ feed_days }} days</p>
<ul>
{% for day, kinds in days %}
<li>{% if "html" in kinds %}<a href="{{ day }}.html">{{ day }}</a>{% else %}{{ day }}{% endif %}\
{% for kind in kinds if kind != "html" %} · <a href="{{ day }}.{{ kind }}">{{ kind }}</a>{% endfor %}\
{% if day in headlines %}{% set titles, covered = headlines[day] %} · {{ titles | length }} \
{{ "story" if titles | length == 1 else "stories" }} from {{ covered }} article{{ "s" if covered != 1 }}
<ul>{% for title in titles[:12] %}<li dir="auto">{{ title }}</li>{% endfor %}\
{% if titles | length > 12 %}<li>and {{ titles | length - 12 }} more</li>{% endif %}</ul>{% endif %}</li>
{% else %}
<li>No digests yet.</li>
{% endfor %}
</ul>
</body>
</html>
"""


def publish(digest: AnyDigest, config: DigestConfig, now: datetime) -> tuple[Path, Path]:
    """Write ``digest.xml`` and ``index.html`` beside the day files; ``digest`` is the one just written.

    The feed's days are read one at a time and each is let go once its entry is made.
    """
    folder = config.output_dir
    days = day_files(folder)
    feed_path, index_path = folder / FEED_NAME, folder / INDEX_NAME
    previous = _previous(feed_path)
    entries, headlines = [], {}
    for day in [d for d in days if "json" in days[d]][: config.feed_days]:
        found = digest if day == digest.date else _load(folder / f"{day}.json")
        if found is not None:
            headlines[day] = ([s.title for s in found.stories], len(found.articles))
            changed = stamp(now) if day == digest.date else _modified(folder, day)
            entries.append(_entry(found, config, previous, changed, days[day]))
    del previous
    write_atomic(feed_path, _feed(entries, config))
    index = _template(INDEX).render(
        name=config.name,
        feed=FEED_NAME,
        feed_days=config.feed_days,
        days=list(days.items()),
        headlines=headlines,
    )
    write_atomic(index_path, index.rstrip("\n") + "\n")
    return feed_path, index_path


def atom_feed(
    digests: list[AnyDigest],
    config: DigestConfig,
    previous: dict[str, Times],
    changed: dict[str, str],
    days: dict[str, list[str]],
) -> str:
    """The Atom document; ``changed[day]`` is the time to give an entry whose content is new or changed."""
    entries = [_entry(d, config, previous, changed[d.date], days.get(d.date, [])) for d in digests]
    return "".join(_feed(entries, config))


def _feed(entries: list[ET.Element], config: DigestConfig) -> list[str]:
    """The Atom document around ``entries``, in ElementTree's pieces: written as they are, never one string."""
    root = ET.Element("feed", {"xmlns": ATOM})  # a default namespace: every child is an Atom element
    if config.publish_url:
        root.set(XML_BASE, config.publish_url)
    _add(root, "id", feed_id(config.name))
    _add(root, "title", config.name)
    _add(root, "updated", max((e.findtext("updated") or "" for e in entries), default=""))
    ET.SubElement(ET.SubElement(root, "author"), "name").text = "briefer"
    _add(root, "generator", "briefer", version=__version__)
    if config.publish_url:
        _add(root, "link", rel="self", type="application/atom+xml", href=config.publish_url + FEED_NAME)
    _add(root, "link", rel="alternate", type="text/html", href=INDEX_NAME)
    root.extend(entries)
    ET.indent(root)
    return ['<?xml version="1.0" encoding="utf-8"?>\n', *ET.tostringlist(root, encoding="unicode"), "\n"]


def _entry(
    d: AnyDigest, config: DigestConfig, previous: dict[str, Times], changed: str, kinds: list[str]
) -> ET.Element:
    """One day's entry; its dates are the previous feed's when its content is the same."""
    ident, content = entry_id(config.name, d.date), xml_text(entry_html(d))
    published, updated, before = previous.get(ident, (changed, changed, None))
    if before != content or not updated:
        updated = changed
    published = published or updated
    entry = ET.Element("entry")
    _add(entry, "id", ident)
    _add(entry, "title", f"{d.name} — {d.date}")
    _add(entry, "published", published)
    _add(entry, "updated", updated)
    for kind, mime in (("html", "text/html"), ("md", "text/markdown")):
        if kind in kinds:
            _add(entry, "link", rel="alternate", type=mime, href=f"{d.date}.{kind}")
    _add(entry, "content", content, type="html")
    return entry


def entry_html(d: AnyDigest) -> str:
    """The digest as an HTML fragment for a feed reader (escaped; markers link into the evidence view)."""
    quotes = {c.id: c.span.text for c in d.citations}
    links = {
        a.label: next((u for u in a.addresses if u.startswith(("http://", "https://"))), "")
        for a in d.articles
    }
    return _template(ENTRY).render(d=d, quotes=quotes, links=links).strip() + "\n"


def feed_id(name: str) -> str:
    return f"tag:briefer,2026:{quote(name, safe='')}"


def entry_id(name: str, day: str) -> str:
    return f"{feed_id(name)}/{day}"


def stamp(when: datetime) -> str:
    """RFC 3339 in UTC, to the second: what Atom's date constructs want."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_text(text: str) -> str:
    """``text`` as XML keeps it: no characters XML 1.0 forbids, line ends as a parser reports them."""
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def day_files(folder: Path) -> dict[str, list[str]]:
    """``{day: ["html", "json", "md"]}`` of the digests in ``folder``, newest day first."""
    days: dict[str, list[str]] = {}
    for path in folder.iterdir() if folder.is_dir() else []:
        match = _DAY.match(path.name)
        if match and path.is_file():
            days.setdefault(match.group(1), []).append(path.suffix[1:])
    return {day: sorted(days[day]) for day in sorted(days, reverse=True)}


def _previous(path: Path) -> dict[str, Times]:
    """``{id: (published, updated, content)}`` of the feed as last written (empty if missing or unreadable)."""
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        return {}
    except (OSError, ET.ParseError) as exc:
        log.warning("%s is unreadable (%s); every entry gets new dates", path, exc)
        return {}
    found = {}
    for e in root.iter(f"{{{ATOM}}}entry"):
        texts = [e.findtext(f"{{{ATOM}}}{n}") or "" for n in ("id", "published", "updated", "content")]
        found[texts[0]] = (texts[1], texts[2], texts[3])
    return found


def _load(path: Path) -> DaySummary | None:
    try:
        return DaySummary.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        log.warning("%s is unreadable (%s); it is left out of the feed", path, exc)
        return None


def _modified(folder: Path, day: str) -> str:
    return stamp(datetime.fromtimestamp((folder / f"{day}.json").stat().st_mtime, UTC))


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


@cache
def _template(source: str) -> Template:
    return environment().from_string(source)
