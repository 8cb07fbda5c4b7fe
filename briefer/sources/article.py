"""Read one article from a file, an http(s) URL or standard input.

Everything ends in :func:`article_from_bytes`, which turns raw bytes into an
:class:`~briefer.models.Article`:

* Plain text is decoded strictly as UTF-8. A UTF-8 BOM is removed and
  recorded (``bom_removed``); nothing else is touched (CRLF, CJK, emoji and
  right-to-left text stay exactly as read), because every later offset points
  into ``Article.text``. Encodings are never guessed for files.
* HTML (by content type, ``.html``/``.htm`` suffix, or a leading
  ``<!doctype html``/``<html``) goes through trafilatura, which drops
  navigation and footers and yields the article text, title and date. A
  charset declared in the Content-Type header or a ``<meta>`` tag is honoured;
  for pages fetched over HTTP without one, trafilatura's own detection is the
  fallback.

Bad input raises :class:`~briefer.errors.InputError` with one line saying
what is wrong and what to do.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import BinaryIO, NoReturn

from ..errors import InputError
from ..language import html_lang
from ..models import Article

MAX_BYTES = 20_000_000  # larger inputs are refused, not truncated
# The most article text the pipeline takes: about 500,000 tokens. Chunking, grounding and
# merging are linear or batched up to here (benchmarks/scaling figures in the README); an LLM
# still needs one request per chunk, so larger texts are refused with a hint, not truncated.
MAX_CHARS = 2_000_000
TITLE_MAX = 200
# Below both, a text is no article (a login page or a menu reduced to its words): it is refused
# before any LLM call. One sentence is enough: a one-sentence news flash is an article.
MIN_CHARS = 200
MIN_SENTENCES = 1
_SENTENCE_END = re.compile(r"[.!?\u0964\u06d4][\"'\u201d\u2019)\]]*(?=\s)|[\u3002\uff01\uff1f]")
_BOM = codecs.BOM_UTF8
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/", "application/xml", "application/octet-stream")
_URL_RE = re.compile(r"^https?://", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)

_PDF_TODO = "PDF isn't supported; convert it to text first (e.g. pdftotext in.pdf out.txt)"
# (magic prefix, what it is, what to do) for binary formats users commonly pass by mistake.
_MAGICS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", "a PDF document", _PDF_TODO),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "pass the article as text or HTML"),
    (b"\xff\xd8\xff", "a JPEG image", "pass the article as text or HTML"),
    (b"GIF87a", "a GIF image", "pass the article as text or HTML"),
    (b"GIF89a", "a GIF image", "pass the article as text or HTML"),
    (
        b"PK\x03\x04",
        "a ZIP archive (or a .docx/.odt/.epub document)",
        "export the article as plain text first",
    ),
    (b"\x1f\x8b", "gzip-compressed data", "decompress it first (gunzip)"),
    (b"{\\rtf", "an RTF document", "export the article as plain text first"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document", "export the article as plain text first"),
)


def article_from_bytes(
    data: bytes, *, source: str, content_type: str | None = None, url: str | None = None
) -> Article:
    """Decode ``data`` (text or HTML) into an Article; ``url`` set means it came over HTTP."""
    name = _display(source)
    _check_binary(data, name)
    bom = data.startswith(_BOM)
    body = data[len(_BOM) :] if bom else data
    if _is_html(body, source=source, content_type=content_type):
        article = _html_article(body, source=source, content_type=content_type, url=url, bom=bom)
    else:
        text = _decode_text(
            body, name, charset=_charset(content_type), offset=len(data) - len(body), web=url is not None
        )
        _check_not_blank(text, name)
        article = Article(text=text, title=make_title(text), source=source, url=url, bom_removed=bom)
    if len(article.text) > MAX_CHARS:
        _fail(
            f"{name} has {len(article.text):,} characters of text, more than the {MAX_CHARS:,} briefer"
            " takes (about 500,000 tokens); split it into parts and brief each"
        )
    return article


def make_title(text: str, limit: int = TITLE_MAX) -> str:
    """The first non-empty line, stripped, cut at a word boundary to at most ``limit`` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


# --- reading -----------------------------------------------------------------


def read_file(path: str | Path, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from a file, turning OS errors into InputError."""
    p = Path(path)
    if p.is_dir():
        _fail(f"{path} is a directory, not a file; pass the path of one article file")
    try:
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)
    except (FileNotFoundError, NotADirectoryError):
        _fail(f"{path}: no such file; check the path")
    except PermissionError:
        _fail(f"{path} cannot be read: permission denied; check the file's permissions")
    except OSError as e:
        _fail(f"{path} cannot be read: {e.strerror or e}; check that it is a regular, readable file")
    _check_size(data, path, max_bytes)
    return data


def read_stream(stream: BinaryIO, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from a binary stream such as stdin."""
    try:
        data = stream.read(max_bytes + 1)
    except OSError as e:
        _fail(f"standard input cannot be read: {e}")
    _check_size(data, "standard input", max_bytes)
    return data


def _check_size(data: bytes, name: str | Path, max_bytes: int) -> None:
    if len(data) > max_bytes:
        _fail(f"{_display(str(name))} is larger than the {max_bytes:,}-byte limit; pass a smaller article")


# --- decoding ----------------------------------------------------------------


def _check_binary(data: bytes, name: str) -> None:
    for magic, what, todo in _MAGICS:
        if data.startswith(magic):
            _fail(f"{name} is {what}; {todo}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _fail(f"{name} is UTF-16 text; convert it first, e.g. iconv -f UTF-16 -t UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        _fail(f"{name} looks binary (NUL byte at offset {nul}), not text; pass a UTF-8 text or HTML file")


def _check_not_blank(text: str, name: str) -> None:
    if not text:
        _fail(f"{name} is empty; pass a file that contains the article text")
    if not text.strip():
        _fail(f"{name} contains only whitespace; pass a file that contains the article text")


def require_article_text(article: Article) -> Article:
    """Refuse, before any LLM call, a text too short to be an article: a login page, a menu, a link list."""
    chars = len(" ".join(article.text.split()))
    if chars < MIN_CHARS and len(_SENTENCE_END.findall(article.text.strip() + " ")) < MIN_SENTENCES:
        _fail(
            f"No article text found in {_display(article.source)} ({chars} characters, not one sentence);"
            " pass the article itself, not a login page, a menu or a list of links"
        )
    return article


def _decode_text(data: bytes, name: str, *, charset: str | None, offset: int, web: bool) -> str:
    """Strict UTF-8 (or the declared charset); ``offset`` is where ``data`` starts in the input."""
    if charset:
        try:
            return data.decode(charset)
        except UnicodeDecodeError as e:
            _fail(
                f"{name} is not valid {charset} as it declares (byte offset {e.start + offset}); save it as UTF-8 and pass the file"
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        byte = data[e.start : e.start + 1].hex().upper()
        where = f"byte 0x{byte} at offset {e.start + offset}"
        how = "download it and convert" if web else "convert it first"
        _fail(f"{name} is not valid UTF-8 ({where}); {how}, e.g. iconv -f LATIN1 -t UTF-8 in.txt > out.txt")


def _is_html(body: bytes, *, source: str, content_type: str | None) -> bool:
    if _mime(content_type) in _HTML_TYPES:
        return True
    path = source.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(_HTML_SUFFIXES):
        return True
    head = body[:256].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _html_article(
    body: bytes, *, source: str, content_type: str | None, url: str | None, bom: bool
) -> Article:
    name = _display(source)
    charset = _charset(content_type) or _meta_charset(body)
    if charset or url is None:
        html: str | bytes = _decode_text(
            body, name, charset=charset, offset=3 if bom else 0, web=url is not None
        )
    else:
        html = _utf8_or_bytes(body)  # undeclared charset on the web: trafilatura guesses
    doc = _extract(html, url)
    text = (doc.text or "") if doc is not None else ""
    if not text.strip():
        _fail(
            f"no article text could be extracted from the HTML in {name}; save the article as plain text and pass that"
        )
    title = (doc.title or "").strip() or make_title(text)
    return Article(
        text=text,
        title=make_title(title),
        source=source,
        url=url,
        date=doc.date or None,
        bom_removed=bom,
        language=html_lang(body),
    )


def _extract(html: str | bytes, url: str | None):  # -> trafilatura.settings.Document | None
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    try:
        return trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    except Exception:  # noqa: BLE001 -- trafilatura can raise on malformed trees; treat as nothing extracted
        return None


def _utf8_or_bytes(body: bytes) -> str | bytes:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _charset(content_type: str | None) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type or "", re.IGNORECASE)
    return _known_codec(m.group(1)) if m else None


def _meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET_RE.search(body[:4096])
    return _known_codec(m.group(1).decode("ascii", "replace")) if m else None


def _known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _display(source: str) -> str:
    return "standard input" if source == "-" else source


def _fail(message: str) -> NoReturn:
    """Raise InputError with ``message`` forced onto one line."""
    raise InputError(re.sub(r"\s*[\r\n]+\s*", " ", message))
