"""Errors a user can act on. The CLI prints ``str(error)`` as one line and exits non-zero."""

import re

_USERINFO = re.compile(r"^(\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//)[^/?#]*@")


def redact(url: object) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``: safe in a message or a log line."""
    return _USERINFO.sub(r"\1***@", str(url))


class BrieferError(Exception):
    """Base class: the message is a complete, user-facing sentence."""

    exit_code = 1


class InputError(BrieferError):
    """The article could not be read or is not usable text."""

    exit_code = 2


class ConfigError(BrieferError):
    """Settings, config file or template are wrong."""

    exit_code = 2


class LLMError(BrieferError):
    """The LLM endpoint is unreachable, misconfigured, or keeps answering badly."""

    exit_code = 3


class ModelUnavailable(LLMError):
    """No local model can be found or started."""


class NothingBriefed(BrieferError):
    """A digest run could brief none of its articles; nothing is written, an earlier digest stays."""

    exit_code = 3


# A digest was written but some sources or articles are not covered (listed in it).
PARTIAL_EXIT = 4
