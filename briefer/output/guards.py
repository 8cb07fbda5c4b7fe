"""What one expression of a user's template may build, checked before it is built.

A single operation can take gigabytes or minutes before any deadline is
looked at: ``'a' * 10**9``, ``7 ** 10**7``, ``'%1000000000d' % 1``,
``'x'.ljust(10**9)``, ``[0] | batch(10**9, 0)``. Each such operation is
sized from its operands first and refused with a :class:`TemplateLimit`
when its result would be over :class:`Limits`. What grows step by step
(loops, recursion) is left to the watchdog of :mod:`briefer.output.bounded`.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from jinja2.sandbox import MAX_RANGE


class TemplateLimit(Exception):
    """A user template went over a limit; the message says which."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 20.0  # time spent in the template's own code, per render
    chars: int = 64 << 20  # characters written, and the length of any one string an expression builds
    items: int = 1 << 20  # the length of any one list an expression builds
    memory: int = 1 << 30  # bytes the process may grow by while rendering (checked where /proc exists)
    power_bits: int = 1 << 16  # the largest integer ``**`` or ``*`` may build, in bits


LIMITS = Limits()
_SIZED = {"ljust", "rjust", "center", "zfill"}
# A %-conversion's width and precision: numbers, or * (taken from the arguments).
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def cap(value: Any, size: int, limits: Limits, what: str) -> None:
    """Refuse to build a string (or a list, as ``value`` is) of ``size`` characters (items)."""
    most, unit = (limits.chars, "characters") if isinstance(value, str) else (limits.items, "items")
    if size > most:
        raise TemplateLimit(f"{what} would make a value of {size:,} {unit}, over the limit of {most:,}")


def bounded_range(*args: int) -> range:
    """The sandbox's ``range``, whose limit is a template limit like the others."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(f"range() of {len(numbers):,} numbers is over the limit of {MAX_RANGE:,}")
    return numbers


def check_binop(operator: str, left: Any, right: Any, limits: Limits) -> None:
    """Refuse ``left operator right`` when its result would be over the limits."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "*" and ints:
        _bits(left.bit_length() + right.bit_length(), "*", limits)
    elif operator == "*" and (
        isinstance(right, int) and _size(left) or isinstance(left, int) and _size(right)
    ):
        count, value = (right, left) if isinstance(right, int) else (left, right)
        cap(value, _size(value) * count, limits, "*")
    elif operator == "+" and _size(left) and _size(right):
        cap(left, _size(left) + _size(right), limits, "+")
    elif operator == "**" and ints and right > 0:
        _bits(right * max(abs(left).bit_length() - 1, 0), "**", limits)
    elif operator == "%" and isinstance(left, str):
        check_format(left, right, limits)


def _bits(bits: int, what: str, limits: Limits) -> None:
    if bits > limits.power_bits:
        raise TemplateLimit(f"{what} would build a number of about {bits:,} bits, over {limits.power_bits:,}")


def check_format(spec: str, args: Any, limits: Limits) -> None:
    """Refuse a ``%`` or ``str.format`` string whose field widths or precisions are over the limit.

    Widths are read from the conversions only (a number in the text is not
    one); a width taken from the arguments (``%*d``, ``{:{}}``) counts the
    integer arguments.
    """
    values = args if isinstance(args, (tuple, list)) else (args,)
    widths, from_args = [], False
    for found in _PERCENT.finditer(spec):
        from_args |= "*" in found.group(0)
        widths += [int(w) for w in found.groups() if w and w != "*"]
    try:
        for _, _, field_spec, _ in string.Formatter().parse(spec):
            widths += [int(w) for w in re.findall(r"\d+", field_spec or "")]
            from_args |= "{" in (field_spec or "")
    except ValueError:
        pass  # not a format string: str.format will say so
    widths += [v for v in values if isinstance(v, int)] if from_args else []
    if widths and max(widths) > limits.chars:
        raise TemplateLimit(f"a format width of {max(widths):,} is over the limit of {limits.chars:,}")


def check_str_method(text: str, name: str, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Refuse a call of ``text.name(*args)`` that would build a string over the limit."""
    if name in _SIZED and args and isinstance(args[0], int):
        cap(text, args[0], limits, f"str.{name}")
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        tabs = text.count("\t") * (tab if isinstance(tab, int) else 0)
        cap(text, len(text) + tabs, limits, "str.expandtabs")
    elif name == "replace" and len(args) >= 2:
        check_replace(text, args[0], args[1], limits)
    elif name == "join" and args:
        check_join(text, args[0], limits)
    elif name in ("format", "format_map"):
        check_format(text, args + tuple(kwargs.values()), limits)


def check_replace(text: Any, old: Any, new: Any, limits: Limits) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = text.count(old) if old else len(text) + 1
        cap(text, len(text) + times * len(new), limits, "replace")


def check_join(separator: Any, parts: Any, limits: Limits) -> None:
    if isinstance(parts, (str, list, tuple)) and len(parts) > 1:
        size = len(str(separator)) * (len(parts) - 1) + sum(len(p) for p in parts if isinstance(p, str))
        cap("", size, limits, "join")


def bound_filters(env: Environment, limits: Limits) -> None:
    """Wrap the filters that can make a huge string or list from small arguments; drop ``lipsum``."""
    f = dict(env.filters)

    def center(value: Any, width: int = 80) -> str:
        cap("", width if isinstance(width, int) else 0, limits, "center")
        return f["center"](value, width)

    def indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
        step = width if isinstance(width, int) else len(str(width))
        cap("", len(str(value)) + (str(value).count("\n") + 1) * step, limits, "indent")
        return f["indent"](value, width, *args, **kwargs)

    def format_(value: Any, *args: Any, **kwargs: Any) -> str:
        check_format(str(value), args + tuple(kwargs.values()), limits)
        return f["format"](value, *args, **kwargs)

    def replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
        check_replace(str(s), old, new, limits)
        return f["replace"](eval_ctx, s, old, new, count)

    def join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
        check_join(d, value, limits)
        return f["join"](eval_ctx, value, d, attribute)

    def batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
        cap([], linecount if fill_with is not None else 0, limits, "batch")
        return f["batch"](value, linecount, fill_with)

    replace.jinja_pass_arg = f["replace"].jinja_pass_arg  # type: ignore[attr-defined]  # both take eval_ctx
    join.jinja_pass_arg = f["join"].jinja_pass_arg  # type: ignore[attr-defined]
    env.filters.update(center=center, indent=indent, format=format_, replace=replace, join=join, batch=batch)
    env.globals.pop("lipsum", None)
