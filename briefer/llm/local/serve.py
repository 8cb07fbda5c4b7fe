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

If llama-cpp-python's internals are not the ones this was written against,
the server runs unchanged.
"""

from __future__ import annotations

import ctypes
import math


class GreedyFirst:
    """Greedy sampling with a grammar, the grammar checked on the winner first.

    ``fast`` is penalties + greedy, ``full`` penalties + grammar + greedy; both
    see every accepted token, so their repetition penalties agree.
    """

    def __init__(self, llama_cpp, fast, full, grammar, last_n: int):
        self.lib, self.fast, self.full, self.grammar = llama_cpp, fast, full, grammar
        self.last_n = last_n
        self.history: list[int] = []
        self._one = (llama_cpp.llama_token_data * 1)()
        self._candidates = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)

    def sample(self, ctx, idx: int = -1) -> int:
        lib = self.lib
        token = lib.llama_sampler_sample(self.fast.sampler, ctx.ctx, idx)  # accepts into fast
        if self._allowed(token):
            lib.llama_sampler_accept(self.full.sampler, token)
        else:
            token = lib.llama_sampler_sample(self.full.sampler, ctx.ctx, idx)  # accepts into full
            lib.llama_sampler_reset(self.fast.sampler)  # fast accepted the refused token: replay
            for seen in [*self.history, token][-self.last_n :]:
                lib.llama_sampler_accept(self.fast.sampler, seen)
        self.history.append(token)
        return token

    def _allowed(self, token: int) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 0.0, 0.0
        self._candidates.size, self._candidates.selected, self._candidates.sorted = 1, -1, False
        self.lib.llama_sampler_apply(self.grammar, ctypes.byref(self._candidates))
        return not math.isinf(self._one[0].logit)

    def close(self) -> None:
        self.fast.close()
        self.full.close()


def _grammar_in(llama_cpp, chain):
    for i in range(llama_cpp.llama_sampler_chain_n(chain.sampler)):
        member = llama_cpp.llama_sampler_chain_get(chain.sampler, i)
        if llama_cpp.llama_sampler_name(member) == b"grammar":
            return member
    return None


def patch() -> bool:
    """Install :class:`GreedyFirst` for greedy grammar requests; False (nothing changed) if it does not fit."""
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
        return GreedyFirst(llama_cpp, fast, full, grammar, int(self.last_n_tokens_size))

    Llama._init_sampler = init_sampler
    return True


def main() -> None:
    patch()
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
