"""The measured side of each benchmark, run in a fresh child process by ``perf.py``.

.venv/bin/python benchmarks/workers.py KIND '{"json": "arguments"}'

Each kind prints one JSON line: ``work_s`` (from after its imports to the end,
so the parent's wall time minus this is start-up), ``maxrss_mb`` (peak
resident memory) and ``cpu_s`` (user + system CPU of the whole process, start-up
included), both from ``resource.getrusage``, and what it did.

- ``brief``: briefer's library API, as ``briefer brief`` uses it: ``Runtime.resolve``
  of ``load_settings({base_url, model, cache: False})``, ``Runtime.brief`` (``brief_article`` with the
  runtime's chunk size and chunk concurrency), the Markdown rendered.
- ``digest``: ``run_digest`` on a config whose ``concurrency`` is set, with the
  data directory given by the parent (a fresh one, or the same one for a re-run).
- ``bare``: the request bodies briefer sent, replayed with a bare ``openai.OpenAI``
  client on ``workers`` threads; a chain (a chunk's request and its re-asks) stays in
  order on one thread, because a re-ask needs the answer before it.
- ``startup``: ``import openai`` and a client, nothing sent (a re-run's baseline).

With ``"profile": PATH`` the work runs under cProfile and the stats go to PATH;
``"set": {...}`` adds briefer settings (to try a change, e.g. ``chunk_concurrency``);
``"patch": FILE`` runs FILE first (a monkeypatch of briefer, to try a code change).
"""

from __future__ import annotations

import cProfile
import json
import resource
import runpy
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def settings_for(args: dict[str, Any], **more: Any) -> Any:
    from briefer.config import load_settings

    return load_settings(
        {"base_url": args["base_url"], "model": args["model"], **args.get("set", {}), **more}
    )


def brief(args: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    from briefer.output.formats import render
    from briefer.runtime import Runtime
    from briefer.sources import load_article

    def work() -> dict[str, Any]:
        runtime = Runtime.resolve(settings_for(args, cache=False))
        article = load_article(args["article"])
        with runtime.open_store() as store, runtime.backend(store) as backend:
            result = runtime.brief(article, backend)
        text = render(result, fmt="md", template=runtime.settings.template, show_dropped=False)
        return {"facts": len(result.facts), "chunks": result.meta.chunks, "chars": len(text)}

    return work


def digest(args: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    from briefer.digest.config import DigestConfig, digest_settings
    from briefer.digest.run import run_digest

    def work() -> dict[str, Any]:
        config = DigestConfig.model_validate(
            {
                "name": "Benchmark digest",
                "output": args["output"],
                "concurrency": args["concurrency"],
                "sources": {"paths": [args["articles"]]},
                "settings": {"base_url": args["base_url"], "model": args["model"], **args.get("set", {})},
            }
        ).anchored(Path(args["output"]).parent, None)
        result = run_digest(config, digest_settings(config))
        return {"status": result.status, **result.counts}  # counts include "stories"

    return work


def bare(args: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    import openai

    chains = json.loads(Path(args["chains"]).read_text(encoding="utf-8"))
    client = openai.OpenAI(api_key="bench", base_url=args["base_url"], max_retries=0, timeout=300.0)

    def run_chain(chain: list[dict[str, Any]]) -> int:
        for body in chain:
            client.chat.completions.create(**body)
        return len(chain)

    def work() -> dict[str, Any]:
        workers = max(1, min(int(args["workers"]), len(chains)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sent = sum(pool.map(run_chain, chains))
        return {"requests": sent, "threads": workers}

    return work


def startup(args: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    import openai

    def work() -> dict[str, Any]:
        openai.OpenAI(api_key="bench", base_url=args["base_url"], max_retries=0)
        return {}

    return work


KINDS = {"brief": brief, "digest": digest, "bare": bare, "startup": startup}


def main() -> None:
    kind, args = sys.argv[1], json.loads(sys.argv[2])
    if args.get("patch"):  # a change to try, as a monkeypatch, before anything runs
        runpy.run_path(args["patch"])
    work = KINDS[kind](args)
    start = time.perf_counter()
    if args.get("profile"):
        profile = cProfile.Profile()
        did = profile.runcall(work)
        profile.dump_stats(args["profile"])
    else:
        did = work()
    took = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss is in KiB on Linux
    print(json.dumps({"work_s": took, "maxrss_mb": peak, "cpu_s": cpu, **did}), flush=True)


if __name__ == "__main__":
    main()
