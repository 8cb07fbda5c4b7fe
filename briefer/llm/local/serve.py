"""``python -m briefer.llm.local.serve``: llama.cpp's OpenAI-compatible server, sampling grammars faster.

Run in the server's child process (never imported by briefer itself). It is
``python -m llama_cpp.server`` with one change: a greedy request with a
grammar (briefer's schema, temperature 0) picks its token the way llama.cpp's
own server does, by checking the grammar on the winning token only and
falling back to the grammar over the whole vocabulary when that token is not
allowed. llama-cpp-python applies the grammar to all of Qwen's 151,936
tokens at every step, about as long as the model's own forward pass on
2 cores. The answer is the same token for token: the most likely token,
when the grammar allows it, is also the most likely allowed token.

And one rule of its own (:class:`RepeatStop`): a list of records whose newest
record repeats an earlier one byte for byte ends there. A 0.5B model decoding
greedily can fall into a loop, writing the same fact until the schema's
``maxItems``; the copies are merged away by briefer anyway, so each one was
about 85 tokens (two seconds here) for nothing. The list is ended by
forbidding the tokens that would go on with it (a ``,`` after the repeated
record), only when the grammar allows the list to end there.

If llama-cpp-python's internals are not the ones this was written against,
the server runs unchanged.
"""

from __future__ import annotations

import ctypes
import math
import sys
from collections.abc import Callable


class GreedyFirst:
    """Greedy sampling with a grammar, the grammar checked on the winner first.

    ``fast`` is penalties + greedy, ``full`` penalties + grammar + greedy; both
    see every accepted token, so their repetition penalties agree.
    """

    def __init__(self, llama_cpp, fast, full, grammar, last_n: int, stop: RepeatStop | None = None):
        self.lib, self.fast, self.full, self.grammar = llama_cpp, fast, full, grammar
        self.last_n = last_n
        self.stop = stop
        self.history: list[int] = []
        self._one = (llama_cpp.llama_token_data * 1)()
        self._candidates = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)

    def sample(self, ctx, idx: int = -1) -> int:
        lib = self.lib
        if self.stop is not None:
            self._forbid(self.stop.forbidden(self._allowed), ctx, idx)
        token = lib.llama_sampler_sample(self.fast.sampler, ctx.ctx, idx)  # accepts into fast
        if self._allowed(token):
            lib.llama_sampler_accept(self.full.sampler, token)
        else:
            token = lib.llama_sampler_sample(self.full.sampler, ctx.ctx, idx)  # accepts into full
            lib.llama_sampler_reset(self.fast.sampler)  # fast accepted the refused token: replay
            for seen in [*self.history, token][-self.last_n :]:
                lib.llama_sampler_accept(self.fast.sampler, seen)
        self.history.append(token)
        if self.stop is not None:
            self.stop.feed(token)
        return token

    def _forbid(self, tokens: list[int], ctx, idx: int) -> None:
        if tokens:
            logits = self.lib.llama_get_logits_ith(ctx.ctx, idx)  # what both samplers read
            for token in tokens:
                logits[token] = -math.inf

    def _allowed(self, token: int) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 0.0, 0.0
        self._candidates.size, self._candidates.selected, self._candidates.sorted = 1, -1, False
        self.lib.llama_sampler_apply(self.grammar, ctypes.byref(self._candidates))
        return not math.isinf(self._one[0].logit)

    def close(self) -> None:
        self.fast.close()
        self.full.close()


class RepeatStop:
    """Watches a greedy JSON answer and ends a list of records at its first repeated record.

    ``feed`` follows the answer token by token (strings, escapes, nesting);
    ``forbidden`` says, before a token is sampled, which tokens must not be:
    those that would go on with a list (``,``) after a record that repeats an
    earlier record of the same list. A token can hold the end of the record
    and the comma both (``]},``), so the check starts while the record is
    still being written: as soon as the rest of an earlier record is short
    enough to be inside one token. ``allowed(token)`` asks the grammar; the
    list is only ended where it may end (a ``]`` is allowed), never against
    its ``minItems``.
    """

    def __init__(self, piece: Callable[[int], bytes], vocabulary: Callable[[], dict[int, bytes]]):
        self.piece, self._vocabulary = piece, vocabulary
        self.stack: list[bytearray | None] = []  # per open container: a record's bytes so far, or None
        self.records: list[list[bytes]] = []  # per open container: its finished records (lists only)
        self.in_string = self.escaped = False
        self.ended = False  # the innermost list's newest record repeated an earlier one
        self.close: int | None = None  # a token for "]", to ask the grammar whether the list may end

    def feed(self, token: int) -> None:
        for byte in self.piece(token):
            self._byte(byte)

    def _byte(self, b: int) -> None:
        for record in self.stack:
            if record is not None:
                record.append(b)
        if self.in_string:
            if self.escaped:
                self.escaped = False
            elif b == 0x5C:  # backslash
                self.escaped = True
            elif b == 0x22:
                self.in_string = False
            return
        if b == 0x22:
            self.in_string = True
        elif b in (0x7B, 0x5B):  # { [
            in_list = bool(self.records) and self.records[-1] is not None
            self.stack.append(bytearray(b"{") if b == 0x7B and in_list else None)
            self.records.append([] if b == 0x5B else None)
            self.ended = False
        elif b in (0x7D, 0x5D):  # } ]
            record = self.stack.pop() if self.stack else None
            self.records.pop() if self.records else None
            self.ended = False
            if record is not None and self.records and self.records[-1] is not None:
                siblings = self.records[-1]
                self.ended = bytes(record) in siblings
                siblings.append(bytes(record))

    def forbidden(self, allowed: Callable[[int], bool]) -> list[int]:
        """Tokens that would continue a list past a repeated record (none, nearly always)."""
        if self.ended and self.records and self.records[-1] is not None:
            return self._continuing(b"", allowed)
        for depth, record in enumerate(self.stack):
            if record is None:
                continue
            for earlier in self.records[depth - 1]:  # a record's container is a list
                rest = len(earlier) - len(record)
                if 0 < rest <= 16 and earlier.startswith(record):
                    return self._continuing(earlier[len(record) :], allowed)
        return []

    def _continuing(self, rest: bytes, allowed: Callable[[int], bool]) -> list[int]:
        """Tokens spelling ``rest`` (the repeated record's end) and then a comma, if the list may end."""
        vocabulary = self._vocabulary()
        if self.close is None:
            self.close = next(t for t, p in vocabulary.items() if p == b"]")
        if not rest and not allowed(self.close):
            return []
        found = []
        for token, text in vocabulary.items():
            if text.startswith(rest) and text[len(rest) :].lstrip().startswith(b","):
                found.append(token)
        return found


def _grammar_in(llama_cpp, chain):
    for i in range(llama_cpp.llama_sampler_chain_n(chain.sampler)):
        member = llama_cpp.llama_sampler_chain_get(chain.sampler, i)
        if llama_cpp.llama_sampler_name(member) == b"grammar":
            return member
    return None


def _pieces(llm) -> dict[int, bytes]:
    """The tokens that hold a comma, and the one that is a closing bracket, with their text; once per model."""
    pieces = getattr(llm, "_briefer_pieces", None)
    if pieces is None:
        pieces = {}
        for token in range(llm.n_vocab()):
            text = llm._model.detokenize([token])
            if b"," in text or text == b"]":
                pieces[token] = text
        llm._briefer_pieces = pieces
    return pieces


def patch(repeat_stop: bool = True) -> bool:
    """Install :class:`GreedyFirst` for greedy grammar requests; False (nothing changed) if it does not fit.

    ``repeat_stop=False`` leaves out :class:`RepeatStop` (the answer is then
    stock llama.cpp's, token for token).
    """
    try:
        import llama_cpp
        from llama_cpp import Llama
    except ImportError:
        return False
    original = getattr(Llama, "_init_sampler", None)
    needed = ("llama_sampler_sample", "llama_sampler_apply", "llama_sampler_chain_get", "llama_sampler_name")
    if original is None or not all(hasattr(llama_cpp, n) for n in needed):
        return False

    def init_sampler(self, **kw):
        plain = kw.get("grammar") is None or kw.get("temp") != 0.0 or kw.get("logits_processor") is not None
        if plain:
            return original(self, **kw)
        full = original(self, **kw)
        grammar = _grammar_in(llama_cpp, full)
        if grammar is None:
            return full
        fast = original(self, **{**kw, "grammar": None})
        stop = (
            RepeatStop(lambda t: self._model.detokenize([t]), lambda: _pieces(self)) if repeat_stop else None
        )
        return GreedyFirst(llama_cpp, fast, full, grammar, int(self.last_n_tokens_size), stop)

    Llama._init_sampler = init_sampler
    return True


def main() -> None:
    """The server; ``--no-repeat-stop`` (taken out before llama_cpp.server reads the rest) turns RepeatStop off."""
    repeat_stop = "--no-repeat-stop" not in sys.argv
    if not repeat_stop:
        sys.argv.remove("--no-repeat-stop")
    patch(repeat_stop)
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
