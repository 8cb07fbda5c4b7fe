"""The article's language: detected once per article, and what the checks need to know of it.

- :func:`detect` names the language of a text (ISO 639-1, "de"). English, which
  most articles are, is recognised by its function words without loading a
  model; anything else goes to ``py3langid`` (a maintained langid.py, 97
  languages), whose model is loaded on first use (about 0.3 s and 100 MB).
- :func:`language` gives what chunking, the prompt and the claim checks need:
  the English name (for the prompt), the stop words (``stop-words``; English
  keeps briefer's own list), whether words are separated by spaces (not in
  Chinese, Japanese or Thai: there content is compared by character pairs) and
  whether capitals mark names (not in uncased scripts, nor in German, which
  capitalises every noun).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from .text import STOP_WORDS

ENGLISH_CODE = "en"
# Scripts without letter case: a capital cannot mark a name.
_UNCASED = frozenset(
    "ar fa ur ps sd ug he yi ja zh ko th lo km my bo dz hi mr ne sa bn as pa gu or ta te kn ml si ka am ti".split()
)
_NOUNS_CAPITALISED = frozenset({"de", "lb"})  # every noun starts with a capital, names are not told apart
_UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my", "bo", "dz"})
_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
# English by its function words: at least this share of a sample's words, and this many words.
_ENGLISH_SHARE, _ENGLISH_MIN_WORDS = 0.2, 20
_MIN_CONFIDENCE = 0.3  # below this, py3langid's guess is not taken (English rules apply)
_SAMPLE = 5000  # characters of the text a detection reads


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in English, for the prompt ("German")
    stop_words: frozenset[str]
    spaced: bool  # words are separated by spaces
    cased: bool  # a capital letter marks a name

    @property
    def english(self) -> bool:
        return self.code == ENGLISH_CODE


def valid_code(value: str) -> bool:
    """A language tag briefer accepts: "de", "pt-BR", "zh_Hant"."""
    return bool(_CODE.match(value))


def base_code(value: str) -> str:
    """The language part of a tag, lower-cased: "pt-BR" -> "pt"."""
    return re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()


@lru_cache(maxsize=64)
def language(code: str) -> Language:
    """What briefer knows of the language ``code`` (a tag; its region part is ignored)."""
    code = base_code(code) or ENGLISH_CODE
    if code == ENGLISH_CODE:
        return Language(code, "English", STOP_WORDS, spaced=True, cased=True)
    return Language(
        code,
        _name(code),
        _stop_words(code),
        spaced=code not in _UNSPACED,
        cased=code not in _UNCASED and code not in _NOUNS_CAPITALISED,
    )


def _name(code: str) -> str:
    from babel import Locale, UnknownLocaleError  # language names; babel comes with courlan

    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code


def _stop_words(code: str) -> frozenset[str]:
    from stop_words import LANGUAGE_MAPPING, get_stop_words

    if code not in LANGUAGE_MAPPING:
        return frozenset()
    from .text import normalize

    return frozenset(normalize(w) for w in get_stop_words(code))


def detect(text: str, hint: str | None = None) -> str:
    """The language of ``text`` as an ISO 639-1 code.

    The text decides; ``hint`` (a page's declared ``lang``, often a site-wide
    default) only when the detector is unsure, and English when neither tells.
    """
    sample = text[:_SAMPLE]
    if looks_english(sample):
        return ENGLISH_CODE
    code, confidence = _identifier().classify(sample)
    if confidence >= _MIN_CONFIDENCE:
        return code
    return base_code(hint) if hint else ENGLISH_CODE


def looks_english(sample: str) -> bool:
    """Enough English function words ("the", "of", "and") that no model needs asking."""
    words = re.findall(r"\w+", sample.casefold())
    if len(words) < _ENGLISH_MIN_WORDS:
        return False
    return sum(w in STOP_WORDS for w in words) / len(words) >= _ENGLISH_SHARE


_lock = threading.Lock()
_loaded: list = []


def _identifier():
    """py3langid's identifier with normalised probabilities, loaded once (threads wait for it)."""
    with _lock:
        if not _loaded:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _loaded.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
        return _loaded[0]


_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)", re.I)


def html_lang(body: bytes) -> str | None:
    """The ``lang`` attribute of a page's ``<html>`` element, as a base code ("de-AT" -> "de")."""
    m = _HTML_LANG.search(body[:8192])
    return base_code(m.group(1).decode("ascii")) if m else None
