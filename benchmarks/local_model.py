"""Speed and yield of the embedded local model on the example article, and its tokens/s.

Briefs mode (the default) prints, per configuration: seconds, prompt/completion
tokens, proposed/grounded/rendered facts, seconds and completion tokens per
grounded fact, and what the re-asks bought (grounded facts gained per 1,000
completion tokens spent on re-asks). No response cache: every call is real.
Configurations are run alternately, ``--repeats`` rounds; figures are medians.

    .venv/bin/python benchmarks/local_model.py                       # the local defaults (Runtime.resolve)
    .venv/bin/python benchmarks/local_model.py --repeats 2 default max_reasks=0 \\
        chunk_tokens=500,max_reasks=1 n_threads=1 server=--cache,true

A configuration is ``default`` or comma-separated ``key=value`` overrides of the
local defaults: statements (quote or paraphrase), chunk_tokens, max_reasks, max_facts, max_tokens, n_threads,
n_ctx, repeat_penalty and top_k (sent as extra_body), ``engine=stock`` (plain
``llama_cpp.server`` with its own defaults, as briefer ran it before: without
briefer.llm.local.serve's faster grammar sampling and RepeatStop, and keeping
every prompt token's logits), ``server=--no-repeat-stop`` (briefer's server
without RepeatStop) and, last, ``server=ARG,ARG`` (extra server arguments). Every brief
runs on a freshly started server, as ``briefer brief`` does.

Tokens/s mode: one chunk's first request, exactly as briefer sends it, through
briefer's embedded server and through llama-cpp-python's
``Llama.create_chat_completion`` in this process (same model, n_ctx, n_threads,
the server's sampling defaults), stock and with briefer.llm.local.serve's
sampler; chunk 0 and chunk 1 in turn so no side gets a whole-prompt cache hit.
Prints the medians of each:

    .venv/bin/python benchmarks/local_model.py --tps [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefer import load_article
from briefer.brief import extract
from briefer.brief.prompts import extraction_schema, facts_wanted
from briefer.config import load_settings
from briefer.llm.base import ChatRequest
from briefer.llm.local import serve
from briefer.llm.openai import response_format
from briefer.llm.select import BackendKind
from briefer.runtime import Runtime

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "kim-putin-summit.txt"
SETTING_KEYS = {"max_reasks", "max_facts", "max_tokens", "n_threads", "n_ctx"}
SAMPLING_KEYS = {"repeat_penalty", "top_k"}  # sent as extra_body (the server's own defaults otherwise)
# llama_cpp.server's defaults for what briefer does not send (briefer sends temperature and seed).
SERVER_SAMPLING = {"top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1.1}
BASE = {"cache": False, "base_url": None, "api_key": None}


@dataclass
class Config:
    name: str
    settings: dict = field(default_factory=dict)
    chunk_tokens: int | None = None
    sampling: dict = field(default_factory=dict)
    engine: str = ""
    server_args: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Config:
        config = cls(text)
        if text == "default":
            return config
        for item in text.split(","):
            key, _, value = item.partition("=")
            if key == "server":
                config.server_args = tuple(text.split("server=", 1)[1].split(","))
                break
            if key == "engine":
                config.engine = value
            elif key == "chunk_tokens":
                config.chunk_tokens = int(value)
            elif key in SETTING_KEYS:
                config.settings[key] = int(value)
            elif key == "statements":  # quote or paraphrase (the local default: quote)
                config.settings[key] = value
            elif key in SAMPLING_KEYS:
                config.sampling[key] = float(value)
            else:
                raise SystemExit(f"unknown key {key!r} in {text!r}")
        return config

    def runtime(self) -> Runtime:
        runtime = Runtime.resolve(load_settings({**BASE, **self.settings}))
        assert runtime.kind is BackendKind.local, (
            "unset OPENAI_API_KEY/OPENAI_BASE_URL to benchmark the local model"
        )
        return replace(runtime, chunk_tokens=self.chunk_tokens or runtime.chunk_tokens)


@dataclass
class Attempt:
    """One answer of one chunk: which attempt (0 = first ask), what it cost, what it grounded."""

    number: int
    completion: int = 0
    prompt: int = 0
    grounded: int = 0


class Recorder:
    """Wraps a backend and extract._check so each answer's cost and yield is known."""

    def __init__(self, backend):
        self.backend, self.attempts, self._pending = backend, [], None
        self.distinct: set[tuple] = set()  # grounded facts, a verbatim copy of one counted once

    @property
    def model(self):
        return self.backend.model

    @property
    def structured_mode(self):
        return self.backend.structured_mode

    def chat(self, request: ChatRequest):
        result = self.backend.chat(request)
        number = (len(request.messages) - 4) // 2  # the first ask has 4 messages, each re-ask 2 more
        if self._pending is None:
            self._pending = Attempt(number)
        self._pending.completion += result.usage.completion_tokens
        self._pending.prompt += result.usage.prompt_tokens
        return result

    @contextlib.contextmanager
    def checking(self):
        original = extract._check

        def check(content, ctx, chunk, outcome):
            before = outcome.counts.grounded
            answer = original(content, ctx, chunk, outcome)
            attempt, self._pending = self._pending, None
            attempt.grounded = outcome.counts.grounded - before
            self.attempts.append(attempt)
            self.distinct.update(
                (f.claim, tuple((g.span.start, g.span.end) for g in f.grounded)) for f in outcome.facts
            )
            return answer

        extract._check = check
        try:
            yield
        finally:
            extract._check = original


def one_brief(backend, runtime: Runtime, article, sampling: dict) -> dict:
    recorder = Recorder(backend)
    calls = backend.start().client.chat.completions
    create = calls.create
    if sampling:
        calls.create = lambda **kw: create(**kw, extra_body=sampling)
    start = time.perf_counter()
    with recorder.checking():
        brief = runtime.brief(article, recorder)
    seconds = time.perf_counter() - start
    calls.create = create
    c, u = brief.meta.counts, brief.meta.usage
    reasks = [a for a in recorder.attempts if a.number > 0]
    return {
        "seconds": seconds,
        "chunks": brief.meta.chunks,
        "prompt": u.prompt_tokens,
        "completion": u.completion_tokens,
        "proposed": c.proposed,
        "grounded": c.grounded,
        "distinct": len(recorder.distinct),
        "rendered": len(brief.facts),
        "reasks": c.reasks,
        "first_grounded": sum(a.grounded for a in recorder.attempts if a.number == 0),
        "first_completion": sum(a.completion for a in recorder.attempts if a.number == 0),
        "reask_grounded": sum(a.grounded for a in reasks),
        "reask_completion": sum(a.completion for a in reasks),
        "by_attempt": _by_attempt(recorder.attempts),
    }


def _by_attempt(attempts: list[Attempt]) -> str:
    numbers = sorted({a.number for a in attempts})
    parts = []
    for n in numbers:
        mine = [a for a in attempts if a.number == n]
        tokens, gained = sum(a.completion for a in mine), sum(a.grounded for a in mine)
        parts.append(f"#{n}:{len(mine)}x {gained}f/{tokens}t")
    return " ".join(parts)


def report(config: Config, runs: list[dict]) -> str:
    r = runs[-1]  # token counts are the same every run at temperature 0; time is the median
    seconds = statistics.median(x["seconds"] for x in runs)
    per_fact = seconds / r["grounded"] if r["grounded"] else float("inf")
    tokens_per_fact = r["completion"] / r["grounded"] if r["grounded"] else float("inf")
    per_distinct = seconds / r["distinct"] if r["distinct"] else float("inf")
    reask_yield = 1000 * r["reask_grounded"] / r["reask_completion"] if r["reask_completion"] else 0.0
    first_yield = 1000 * r["first_grounded"] / r["first_completion"] if r["first_completion"] else 0.0
    times = ", ".join(f"{x['seconds']:.1f}" for x in runs)
    same = (
        "" if len({(x["completion"], x["grounded"]) for x in runs}) == 1 else " (counts varied between runs)"
    )
    return (
        f"{config.name}\n"
        f"  seconds {seconds:6.1f} (runs {times})  chunks {r['chunks']}"
        f"  prompt {r['prompt']}  completion {r['completion']}  tok/s {r['completion'] / seconds:4.1f}\n"
        f"  proposed {r['proposed']}  grounded {r['grounded']}  rendered {r['rendered']}  re-asks {r['reasks']}"
        f"  s/grounded {per_fact:5.2f}  completion/grounded {tokens_per_fact:5.0f}{same}\n"
        f"  distinct grounded {r['distinct']} (verbatim copies counted once)  s/distinct {per_distinct:5.2f}\n"
        f"  first asks: {r['first_grounded']} grounded for {r['first_completion']} tokens ({first_yield:.1f}/1k)"
        f"  re-asks: {r['reask_grounded']} grounded for {r['reask_completion']} tokens ({reask_yield:.1f}/1k)"
        f"  [{r['by_attempt']}]"
    )


def briefs(configs: list[Config], repeats: int, path: Path = EXAMPLE) -> None:
    """Each brief on a fresh server, as ``briefer brief`` runs it (its start is not timed).

    A server that answered other requests before can answer differently: its
    reused KV cache changes the arithmetic, so a greedy answer can change.
    """
    article = load_article(str(path))
    runs: dict[str, list[dict]] = {c.name: [] for c in configs}
    for round_ in range(repeats):
        for config in configs if round_ % 2 == 0 else reversed(configs):
            with open_local(config.runtime(), config.server_args, config.engine) as backend:
                result = one_brief(backend, config.runtime(), article, config.sampling)
            runs[config.name].append(result)
            print(
                f"  round {round_ + 1} {config.name}: {result['seconds']:.1f}s", file=sys.stderr, flush=True
            )
    for config in configs:
        print(report(config, runs[config.name]), flush=True)


@contextlib.contextmanager
def open_local(runtime: Runtime, server_args: tuple[str, ...] = (), engine: str = ""):
    """The embedded backend, started now, with ``server_args`` added to its server's command line.

    ``engine="stock"``: plain ``llama_cpp.server`` instead of briefer.llm.local.serve, and with its
    default ``logits_all`` (every prompt token's logits kept), as briefer ran it before.
    """
    from briefer.llm.local.backend import LocalBackend

    with LocalBackend(runtime.settings) as backend:
        command = backend.server.command

        def patched() -> list[str]:
            line = command()
            if engine == "stock":  # as briefer ran it before: llama_cpp.server with its own defaults
                line[line.index("-m") + 1] = "llama_cpp.server"
                at = line.index("--logits_all")
                del line[at : at + 2]
            return [*line, *server_args]

        backend.server.command = patched
        backend.start()
        yield backend


def tps(repeats: int) -> None:
    """The same first requests through briefer's server and through llama-cpp-python in-process."""
    from llama_cpp import Llama

    runtime = Config("default").runtime()
    article = load_article(str(EXAMPLE))
    chunks = runtime.chunks(article)[:2]
    requests = []
    for chunk in chunks:
        wanted = facts_wanted(chunk, runtime.options.max_facts)
        requests.append(
            ChatRequest(
                messages=runtime.messages(article, chunk),
                schema=extraction_schema(runtime.options.max_facts, wanted),
                schema_name="extraction",
                max_tokens=runtime.options.max_tokens,
                temperature=runtime.options.temperature,
            )
        )
    settings = runtime.settings
    # Sampling speed only: RepeatStop off on both sides, so every side writes the same tokens.
    with open_local(runtime, ("--no-repeat-stop",)) as backend:
        n_threads = backend.server.n_threads
        stock_sampler = Llama._init_sampler

        def in_process(fast: bool):
            if fast:
                serve.patch(repeat_stop=False)
            llm = Llama(
                model_path=str(backend.info.path), n_ctx=settings.n_ctx, n_threads=n_threads, verbose=False
            )
            sampler, Llama._init_sampler = Llama._init_sampler, stock_sampler

            def ask(request: ChatRequest):
                Llama._init_sampler = sampler
                try:
                    answer = llm.create_chat_completion(
                        messages=list(request.messages),
                        response_format=response_format("json_object", request.schema_name, request.schema),
                        max_tokens=request.max_tokens,
                        temperature=request.temperature,
                        seed=request.seed,
                        **SERVER_SAMPLING,
                    )
                finally:
                    Llama._init_sampler = stock_sampler
                usage = answer["usage"]
                return (
                    answer["choices"][0]["message"]["content"],
                    usage["prompt_tokens"],
                    usage["completion_tokens"],
                )

            return ask

        def served(request: ChatRequest):
            result = backend.chat(request)
            return result.content, result.usage.prompt_tokens, result.usage.completion_tokens

        sides = {
            "briefer (embedded server over HTTP)": served,
            "llama-cpp-python in-process, stock": in_process(False),
            "llama-cpp-python in-process, serve.patch()": in_process(True),
        }
        rows: dict[str, list] = {name: [] for name in sides}
        for _ in range(repeats):
            for request in requests:
                for name, ask in sides.items():
                    start = time.perf_counter()
                    content, prompt, completion = ask(request)
                    rows[name].append((time.perf_counter() - start, prompt, completion, content))
    print(
        f"model {backend.info.path.name}, n_ctx {settings.n_ctx}, n_threads {n_threads}, {len(requests)} prompts x {repeats}"
    )
    for name, got in rows.items():
        rates = [c / s for s, _, c, _ in got]
        print(
            f"{name:44} median {statistics.median(s for s, *_ in got):5.2f} s/request"
            f"  prompt {statistics.median(p for _, p, _, _ in got):.0f}"
            f"  completion {statistics.median(c for *_, c, _ in got):.0f}"
            f"  completion tok/s {statistics.median(rates):5.1f}  (runs {', '.join(f'{r:.1f}' for r in rates)})"
        )
    answers = list(zip(*([r[3] for r in got] for got in rows.values())))
    print(f"identical answers on every side: {sum(len(set(a)) == 1 for a in answers)} of {len(answers)}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=["default"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--article", type=Path, default=EXAMPLE, help="another article (briefs mode)")
    parser.add_argument(
        "--tps", action="store_true", help="tokens/s: briefer's server vs llama-cpp-python in-process"
    )
    args = parser.parse_args(argv)
    os.system("uptime")
    if args.tps:
        tps(args.repeats)
    else:
        briefs([Config.parse(c) for c in args.configs], args.repeats, args.article)


if __name__ == "__main__":
    main(sys.argv[1:])
