"""Reading a brief's or a digest's JSON for ``verify``: bounded, screened, typed, never trusted.

A file to verify may be forged to break the checker rather than to pass it.
Everything that could make a check crash or run away is refused here, before
any check runs, with one line that names the field (an :class:`InputError`,
exit 2):

- a file over :data:`MAX_BYTES`, or that is not UTF-8 JSON;
- nesting deeper than :data:`MAX_DEPTH` (briefer writes at most 8 levels);
- an integer of more than :data:`MAX_DIGITS` digits, or out of a 64-bit range;
  an offset outside ``0`` to :data:`MAX_BYTES` (no text can be longer);
- a lone surrogate in a string (not text; it cannot even be printed);
- an article text over the 2,000,000 characters briefer takes (no brief of it
  is genuine, and every check's work is bounded by it);
- a field of the wrong type: types are strict (``true`` is not ``1``, ``"5"`` is
  not ``5``).

Loading is lenient about the invariants on purpose (:func:`lenient`): the
models' own validators would reject a tampered span before it could be
reported, so shapes and types are checked here and the invariants are left to
the checks, which name what is wrong instead of refusing the file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import InputError
from ..models import Article, Brief, Citation, Span
from ..sources.article import MAX_CHARS

MAX_BYTES = 64 * 1024 * 1024  # the largest file verify reads (a brief of a 2M-character article is ~5 MB)
MAX_DEPTH = 32
MAX_DIGITS = 19
_INT_RANGE = 2**63
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def read_json(path: Path) -> Any:
    """The JSON in ``path``, at most :data:`MAX_BYTES`, screened by :func:`screen`."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(
            f"{path} is over {MAX_BYTES // 2**20} MB, more than verify reads: not a brief's JSON."
        )
    try:
        text = raw.decode("utf-8-sig")
        del raw
        data = _parsed(text)
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text, so not a brief's JSON.") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not JSON ({exc.msg} at line {exc.lineno}): expected a brief's JSON."
        ) from None
    except RecursionError:
        raise InputError(f"{path}: nesting deeper than {MAX_DEPTH} levels: not a brief's JSON.") from None
    screen(data, "digest" if isinstance(data, dict) and "stories" in data else "brief")
    return data


def _parsed(text: str) -> Any:
    """The JSON of ``text``. An integer too long for Python to convert (over 4,300 digits) makes a
    second pass that keeps long integers as digits, so that :func:`screen` names their field (a hook on
    every integer would make the usual pass several times slower)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:
        return json.loads(text, parse_int=_BigInt.parse)


class _BigInt(str):
    """An integer literal too long to be a number briefer writes: kept as its digits, refused by :func:`screen`."""

    @classmethod
    def parse(cls, digits: str) -> Any:
        return cls(digits) if len(digits.lstrip("-")) > MAX_DIGITS else int(digits)


def screen(data: Any, where: str) -> None:
    """Refuse deep nesting, huge or non-finite numbers and lone surrogates, naming the first field that has one.

    Iterative, one frame per open container (memory bounded by the depth, not the size); a field's
    path is spelled out only for the error.
    """
    root: tuple[Any, Any, Any, int] = (data, None, where, 0)
    _screen_one(root)
    stack = [(root, _children(data))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        node = (child[1], parent, child[0], parent[3] + 1)
        _screen_one(node)
        if isinstance(child[1], (dict, list)) and not _plain(child[1]):
            stack.append((node, _children(child[1])))


_SCALARS = frozenset({int, str, bool, float, type(None)})


def _plain(value: list | dict) -> bool:
    """A long container of scalars, none with a problem, checked in bulk (a megabyte list of numbers
    walked item by item took seconds); False for anything else, which is then walked."""
    values = list(value.values()) if isinstance(value, dict) else value
    kinds = set(map(type, values)) if len(values) >= 64 else {dict}
    if not kinds <= _SCALARS or isinstance(value, dict) and _SURROGATE.search("".join(value)):
        return False
    ints = _of(int, values, kinds)
    if ints and not (-_INT_RANGE <= min(ints) and max(ints) < _INT_RANGE):
        return False
    if _SURROGATE.search("".join(_of(str, values, kinds))):
        return False
    return all(map(math.isfinite, _of(float, values, kinds)))


def _of(kind: type, values: list, kinds: set[type]) -> list:
    if kind not in kinds:
        return []
    return values if len(kinds) == 1 else [v for v in values if type(v) is kind]


def _children(value: Any) -> Iterator[tuple[Any, Any]]:
    return iter(value.items()) if isinstance(value, dict) else enumerate(value)


def _screen_one(node: tuple[Any, Any, Any, int]) -> None:
    if problem := _problem(node[0], node[3]):
        raise InputError(f"{_path(node)}: {problem}")


def _problem(value: Any, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"nesting deeper than {MAX_DEPTH} levels: not a brief's JSON"
    if isinstance(value, _BigInt):
        return f"a number of {len(value.lstrip('-')):,} digits is out of range"
    if isinstance(value, int) and not -_INT_RANGE <= value < _INT_RANGE:
        return f"a number of {len(str(abs(value))):,} digits is out of range"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is out of range"
    if isinstance(value, str) and (bad := _SURROGATE.search(value)):
        return f"a lone surrogate (\\u{ord(bad.group()):04x}) at character {bad.start()} is not text"
    if isinstance(value, dict) and any(_SURROGATE.search(key) for key in value):
        return "a key with a lone surrogate is not text"
    return None


def _path(node: tuple[Any, Any, Any, int]) -> str:
    """``brief.citations[3].span.start`` for a node of :func:`screen`'s walk."""
    parts = []
    while node[1] is not None:
        parts.append(f"[{node[2]}]" if isinstance(node[2], int) else f".{node[2]}")
        node = node[1]
    return node[2] + "".join(reversed(parts))


def lenient(model: type[BaseModel], data: Any, where: str, **parsed: Any) -> Any:
    """``model`` from ``data`` with every field type-checked, strictly, but no model validator run.

    ``parsed`` holds fields already loaded leniently (a brief's citations, a
    citation's span); everything else is validated by its annotation.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object, found {type(data).__name__}")
    fields = model.model_fields
    extra = sorted(set(data) - set(fields))
    missing = sorted(n for n, f in fields.items() if f.is_required() and n not in data)
    if extra or missing:
        what = ", ".join([*(f"unknown field {n!r}" for n in extra), *(f"no {n!r}" for n in missing)])
        raise InputError(f"{where}: {what}")
    values = dict(parsed)
    for name in sorted(set(data) - set(parsed)):
        values[name] = typed(fields[name].annotation, data[name], f"{where}.{name}")
    return model.model_construct(**values)


def typed(annotation: Any, value: Any, where: str) -> Any:
    """``value`` validated as ``annotation`` in strict mode (as JSON: a bool is not an int, a string not a number)."""
    if annotation in (int, str) and type(value) is annotation:
        return value  # the common case, without a round trip through JSON
    try:
        return _adapter(annotation).validate_json(json.dumps(value), strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        at = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        raise InputError(f"{where}{at}: {error['msg']}") from None


@cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def items(data: Any, key: str, where: str) -> list[Any]:
    value = data.get(key, []) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise InputError(f"{where}.{key}: expected a list")
    return value


def parse_citation(model: type[BaseModel], data: Any, where: str) -> Any:
    """A citation whose span is loaded as is, so that a span not matching its text can be reported.

    Its offsets must be offsets at all (``0`` to :data:`MAX_BYTES`); whether they match the text is a check.
    """
    span = lenient(Span, data.get("span") if isinstance(data, dict) else None, f"{where}.span")
    for name in ("start", "end"):
        if not 0 <= getattr(span, name) <= MAX_BYTES:
            raise InputError(
                f"{where}.span.{name}: {getattr(span, name)} is not an offset (0 to {MAX_BYTES:,})"
            )
    return lenient(model, data, where, span=span)


def parse_brief(data: Any, where: str = "brief") -> Brief:
    """A :class:`Brief` from its JSON data, shaped and typed but not yet verified."""
    if not isinstance(data, dict):
        raise InputError(
            f"{where}: expected an object (the JSON of --format json), found {type(data).__name__}"
        )
    citations = [
        parse_citation(Citation, c, f"{where}.citations[{n}]")
        for n, c in enumerate(items(data, "citations", where))
    ]
    article = lenient(Article, data.get("article"), f"{where}.article")
    if len(article.text) > MAX_CHARS:  # briefer never briefs more: no brief of it can be genuine
        raise InputError(
            f"{where}.article.text: {len(article.text):,} characters, more than the {MAX_CHARS:,} briefer takes"
        )
    return lenient(Brief, data, where, citations=citations, article=article)
