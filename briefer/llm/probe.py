"""Is an OpenAI-compatible server answering? A GET of ``/models`` that never raises."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


def http_get(url: str, timeout: float) -> tuple[int, bytes]:
    """GET without environment proxies for loopback (HTTP_PROXY must not catch 127.0.0.1)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    handlers = [urllib.request.ProxyHandler({})] if _is_loopback(host) else []
    opener = urllib.request.build_opener(*handlers)
    with opener.open(url, timeout=timeout) as resp:
        return resp.status, resp.read()


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def server_health(base_url: str, timeout: float = 2.0) -> tuple[bool, str]:
    """Is an OpenAI-compatible server answering at ``base_url``? Never raises."""
    url = base_url.rstrip("/") + "/models"
    try:
        status, body = http_get(url, timeout)
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return False, f"{url} is not reachable: {getattr(exc, 'reason', exc)}"
    try:
        ids = [m.get("id", "?") for m in json.loads(body).get("data", [])]
    except (ValueError, AttributeError):
        return False, f"{url} answered HTTP {status} but not with a model list"
    return True, f"{url} answered HTTP {status}; models: {', '.join(map(str, ids)) or 'none'}"
