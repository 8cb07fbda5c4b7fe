"""Bounds on a user's template: time, output size, and what one expression may build.

A user template renders after the model has been paid, so it must neither
hang nor exhaust memory. Three guards, none of which a built-in template
ever meets:

- Operators, calls and filters that can build a huge value in one step are
  sized first (:class:`BoundedEnvironment`, with the checks of
  :mod:`briefer.output.guards`): ``*``, ``+``, ``~``, ``**``, ``%``, string
  methods, ``format``, ``join``, ``replace``, ``batch``… The sandbox's range
  limit stays.
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
import threading
import time
from collections.abc import Iterator
from typing import Any

from jinja2 import Template
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat
from jinja2.runtime import markup_join
from jinja2.sandbox import SandboxedEnvironment

from .guards import (
    LIMITS,
    Limits,
    TemplateLimit,
    bounded_range,
    cap,
    check_binop,
    check_str_method,
)


class _Generator(CodeGenerator):
    """Compiles ``a ~ b`` to a checked join, so repeated concatenation cannot double without bound."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        volatile, escaping = frame.eval_ctx.volatile, frame.eval_ctx.autoescape
        self.write("), context.eval_ctx.volatile)" if volatile else f"), {bool(escaping)})")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with the operators and calls that can blow up in one expression checked first."""

    code_generator_class = _Generator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    limits = LIMITS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = bounded_range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right, self.limits)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
        if isinstance(owner, str):
            check_str_method(owner, name, args, kwargs, __self.limits)
        elif isinstance(owner, list) and name in ("extend", "__iadd__"):
            cap(
                owner,
                len(owner) + sum(len(a) for a in args if isinstance(a, (list, tuple))),
                __self.limits,
                f"list.{name}",
            )
        return super().call(__context, __obj, *args, **kwargs)

    def concat(self, parts: tuple[Any, ...], markup: bool) -> str:
        """``a ~ b ~ …`` as Jinja joins it (``markup_join`` where autoescaping is on), if not too long."""
        texts = [p if isinstance(p, str) else str(p) for p in parts]
        cap("", sum(map(len, texts)), self.limits, "~")
        return markup_join(parts) if markup else "".join(texts)


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
