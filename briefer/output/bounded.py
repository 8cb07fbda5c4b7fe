"""Bounds on a user's template: time, output size, and what one expression may build.

A user template renders after the model has been paid, so it must neither
hang nor exhaust memory. Three guards, none of which a built-in template
ever meets:

- Operators and calls that can build a huge value in one step are checked
  before they run (:class:`BoundedEnvironment`): ``*`` and ``+`` on strings
  and lists, ``~``, ``**`` with a huge result, ``%`` and ``format`` with huge
  widths, ``ljust``/``center``/``zfill``/``replace``/``expandtabs`` and the
  ``center``, ``indent`` and ``format`` filters. The sandbox's range limit stays.
- A watchdog thread stops the render when it runs past its time, or when the
  process grows by more than its memory budget, by raising
  :class:`TemplateLimit` in the rendering thread (at its next bytecode, so a
  loop that prints nothing is stopped too), and again until it stops.
- The output is counted as it streams; more than ``Limits.chars`` stops it.

Every refusal is a :class:`TemplateLimit` with one sentence; the renderer
adds the template's name and line.
"""

from __future__ import annotations

import ctypes
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, Template
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat
from jinja2.runtime import str_join
from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment


class TemplateLimit(Exception):
    """A user template went over a limit; the message says which."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 20.0  # wall time of one render
    chars: int = 64 << 20  # characters written, and the length of any one string an expression builds
    items: int = 1 << 20  # the length of any one list an expression builds
    memory: int = 1 << 30  # bytes the process may grow by while rendering (checked where /proc exists)
    power_bits: int = 1 << 16  # the largest integer ``**`` may build, in bits


LIMITS = Limits()
_WIDTH = re.compile(r"\d+")
_SIZED = {"ljust", "rjust", "center", "zfill"}


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def _cap(value: Any, size: int, limits: Limits, what: str) -> None:
    """Refuse to build a string (or list, as ``value`` is) of ``size`` characters (items)."""
    most, unit = (limits.chars, "characters") if isinstance(value, str) else (limits.items, "items")
    if size > most:
        raise TemplateLimit(f"{what} would make a value of {size:,} {unit}, over the limit of {most:,}")


class _Generator(CodeGenerator):
    """Compiles ``a ~ b`` to a checked join, so repeated concatenation cannot double without bound."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with the operators and calls that can blow up in one expression checked first."""

    code_generator_class = _Generator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    limits = LIMITS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right, self.limits)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
        if isinstance(owner, str):
            check_str_method(owner, name, args, kwargs, __self.limits)
        elif isinstance(owner, list) and name in ("extend", "__iadd__"):
            _cap(owner, len(owner) + sum(map(_size, args)), __self.limits, f"list.{name}")
        return super().call(__context, __obj, *args, **kwargs)

    def concat(self, parts: tuple[Any, ...]) -> str:
        _cap("", sum(len(str(p)) for p in parts), self.limits, "~")
        return str_join(parts)


def _range(*args: int) -> range:
    """The sandbox's ``range``, whose limit is a template limit like the others."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(f"range() of {len(numbers):,} numbers is over the limit of {MAX_RANGE:,}")
    return numbers


def check_binop(operator: str, left: Any, right: Any, limits: Limits) -> None:
    """Refuse ``left operator right`` when its result would be over the limits."""
    if operator == "*" and (isinstance(right, int) and _size(left) or isinstance(left, int) and _size(right)):
        count, value = (right, left) if isinstance(right, int) else (left, right)
        _cap(value, _size(value) * count, limits, "*")
    elif operator == "+" and _size(left) and _size(right):
        _cap(left, _size(left) + _size(right), limits, "+")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        bits = right * max(abs(left).bit_length() - 1, 0)
        if bits > limits.power_bits:
            raise TemplateLimit(f"** would build a number of about {bits:,} bits, over {limits.power_bits:,}")
    elif operator == "%" and isinstance(left, str):
        check_format(left, right, limits)


def check_format(spec: str, args: Any, limits: Limits) -> None:
    """Refuse a ``%`` or ``format`` string whose field widths (written, or ``*``) are over the limit."""
    widths = [int(w) for w in _WIDTH.findall(spec)]
    if "*" in spec or "{" in spec:
        values = args if isinstance(args, (tuple, list)) else (args,)
        widths += [v for v in values if isinstance(v, int)]
    if widths and max(widths) > limits.chars:
        raise TemplateLimit(f"a format width of {max(widths):,} is over the limit of {limits.chars:,}")


def check_str_method(text: str, name: str, args: tuple, kwargs: dict, limits: Limits) -> None:
    if name in _SIZED and args and isinstance(args[0], int):
        _cap(text, args[0], limits, f"str.{name}")
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        _cap(
            text,
            len(text) + text.count("\t") * (tab if isinstance(tab, int) else 0),
            limits,
            "str.expandtabs",
        )
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        times = text.count(args[0]) if args[0] else len(text) + 1
        _cap(text, len(text) + times * len(args[1]), limits, "str.replace")
    elif name in ("format", "format_map"):
        check_format(text, args + tuple(kwargs.values()), limits)


def bound_filters(env: Environment, limits: Limits) -> None:
    """Wrap the filters whose width argument can make a huge string."""
    center, indent, fmt = env.filters["center"], env.filters["indent"], env.filters["format"]

    def bounded_center(value: Any, width: int = 80) -> str:
        _cap("", width, limits, "center")
        return center(value, width)

    def bounded_indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
        lines = str(value).count("\n") + 1
        _cap(
            "", len(str(value)) + lines * (width if isinstance(width, int) else len(width)), limits, "indent"
        )
        return indent(value, width, *args, **kwargs)

    def bounded_format(value: Any, *args: Any, **kwargs: Any) -> str:
        check_format(str(value), args + tuple(kwargs.values()), limits)
        return fmt(value, *args, **kwargs)

    env.filters.update(center=bounded_center, indent=bounded_indent, format=bounded_format)


def bounded(chunks: Iterator[str], limits: Limits) -> Iterator[str]:
    """``chunks`` under ``limits``: stopped when over time, memory or size (a :class:`TemplateLimit`)."""
    chunks, written = iter(chunks), 0
    with Watchdog(limits) as watchdog:
        while True:
            try:
                watchdog.watch(True)
                chunk = next(chunks, None)
                watchdog.watch(False)
            except TemplateLimit as exc:
                watchdog.watch(False)
                exc.args = exc.args or (watchdog.reason,)
                raise
            if chunk is None:
                return
            written += len(chunk)
            if written > limits.chars:
                raise TemplateLimit(f"it writes more than {limits.chars:,} characters")
            yield chunk


class Watchdog:
    """Raises :class:`TemplateLimit` in the thread that made it while that thread renders, once over limits.

    The exception is set asynchronously (``PyThreadState_SetAsyncExc``), so it
    lands at the next bytecode the thread runs, even in a loop that prints
    nothing. It is set only while the thread is inside the template
    (:meth:`watch`), and one set but not landed is cleared when it leaves; it
    is set again after a second if the template carries on regardless.
    """

    def __init__(self, limits: Limits):
        self.limits, self.thread = limits, threading.get_ident()
        self.base = _resident()
        self.reason: str | None = None
        self.lock, self.done = threading.Lock(), threading.Event()
        self.active, self.fired = False, 0.0
        self.spent = self.since = 0.0  # seconds spent in the template before, and when it last went in

    def __enter__(self) -> Watchdog:
        threading.Thread(target=self._watch, daemon=True, name="template-watchdog").start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.watch(False)
        self.done.set()

    def watch(self, active: bool) -> None:
        """The thread enters (True) or leaves (False) the template's code."""
        with self.lock:
            if not active and self.fired:
                _raise_in(self.thread, None)  # clear one that has not landed yet
            now = time.monotonic()
            if self.active and not active:
                self.spent += now - self.since
            self.active, self.since = active, now

    def _over(self) -> str | None:
        if self.spent + (time.monotonic() - self.since if self.active else 0) > self.limits.seconds:
            return f"it ran for more than {self.limits.seconds:g} s"
        if self.base and _resident() - self.base > self.limits.memory:
            return f"it used more than {self.limits.memory >> 20:,} MiB of memory"
        return None

    def _watch(self) -> None:
        while not self.done.wait(0.02):
            reason = self._over()
            with self.lock:
                if reason and self.active and time.monotonic() - self.fired > 1:
                    self.reason, self.fired = reason, time.monotonic()
                    _raise_in(self.thread, TemplateLimit)


def _raise_in(thread: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(exc) if exc else None)


def _resident() -> int:
    """The process's resident memory in bytes, or 0 where ``/proc`` does not say."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def suspended_line(chunks: Iterator[str], template: Template) -> int | None:
    """The template line where a paused render (a generator) stands, if it is in the template's code."""
    line, gen = None, chunks
    while gen is not None and getattr(gen, "gi_frame", None) is not None:
        frame = gen.gi_frame
        if frame.f_code.co_filename == template.filename:
            line = template.get_corresponding_lineno(frame.f_lineno)
        gen = gen.gi_yieldfrom
    return line
