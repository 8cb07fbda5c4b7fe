"""briefer against a bare ``openai`` client on the same requests, side by side in one run.

.venv/bin/python benchmarks/perf.py                 # every row, quick sizes (about 3 minutes)
.venv/bin/python benchmarks/perf.py --full          # the performance issue's sizes (about 25 minutes)
.venv/bin/python benchmarks/perf.py single          # one row: single, long, digest, rerun, help, memory
.venv/bin/python benchmarks/perf.py digest --articles 200 --concurrency 32
.venv/bin/python benchmarks/perf.py rerun --profile /tmp/prof   # cProfile stats of briefer's runs
.venv/bin/python benchmarks/perf.py long --set chunk_concurrency=16  # try a setting on briefer's side

A latency server (``latency_server.py``, its own process) answers every chat
request after a fixed delay. Each measurement is a fresh child process
(``workers.py``), so start-up and imports count, as they did in the issue, and
its peak memory is its own. briefer runs first and the server records the
request bodies it sent; the bare side replays exactly those bodies with
``openai.OpenAI().chat.completions.create(**body)``: one after another for
``single``, every chunk at once for ``long``, on a pool of C threads for a
digest. Pairs alternate which side goes first; the table shows medians of
wall time per process, their ratio, and the time spent after imports
("work"). Articles are synthetic (``articles.py``), except ``single``, which
briefs the repository's example article as the issue did.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import articles
from latency_server import chunk_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
MODEL = "latency-model"
# name: (quick, full) sizes; a digest size is (articles, concurrency).
SIZES: dict[str, tuple[Any, Any]] = {
    "repeats": (3, 5),
    "digests": ([(64, 8), (128, 32)], [(200, 8), (200, 32), (1000, 32)]),
    "rerun": (200, 1000),
    "memory": (200, 1000),
}
TARGETS = {"single": 1.2, "long": 1.3, "digest": 1.3, "rerun": 5.0, "help": 0.5, "memory": 1.5}


@dataclass
class Run:
    wall_s: float
    work_s: float = 0.0
    maxrss_mb: float = 0.0
    cpu_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    name: str
    work: str
    command: str
    briefer: list[Run] = field(default_factory=list)
    bare: list[Run] = field(default_factory=list)
    bare_label: str = "bare"
    target: str = ""
    met: bool | None = None

    def median(self, side: str, what: str = "wall_s") -> float:
        return statistics.median(getattr(r, what) for r in getattr(self, side))

    def ratio(self, what: str = "wall_s") -> float:
        return self.median("briefer", what) / max(self.median("bare", what), 1e-9)


class Server:
    """The latency server in a child process, and its control endpoints."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PY, str(HERE / "latency_server.py"), "--latency", "0"], stdout=subprocess.PIPE, text=True
        )
        port = int(self.proc.stdout.readline().split()[1])  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.url}/v1"

    def _call(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        with urllib.request.urlopen(urllib.request.Request(self.url + path, data=data), timeout=60) as resp:
            return json.loads(resp.read())

    def reset(self, latency: float) -> None:
        self._call("/_bench/reset", {"latency": latency})

    def stats(self) -> dict[str, int]:
        return self._call("/_bench/stats")

    def bodies(self) -> list[dict[str, Any]]:
        return self._call("/_bench/bodies")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@dataclass
class Bench:
    server: Server
    tmp: Path
    full: bool
    repeats: int
    profile: Path | None = None
    pyspy: Path | None = None
    latency: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)
    patch: Path | None = None
    digests: dict[tuple[int, int], Row] = field(default_factory=dict)

    def size(self, name: str) -> Any:
        return SIZES[name][1 if self.full else 0]

    def env(self, data_dir: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFER_"))}
        env["BRIEFER_CONFIG"] = str(self.tmp / "no-config.toml")  # the user's config plays no part
        env["BRIEFER_CACHE_DIR"] = str(self.tmp / "cache")
        env["BRIEFER_DATA_DIR"] = str(data_dir or Path(tempfile.mkdtemp(prefix="data-", dir=self.tmp)))
        return env

    def child(self, kind: str, args: dict[str, Any], data_dir: Path | None = None, tag: str = "") -> Run:
        """One worker process: its wall time, and what it reports; the server's counts in ``info``."""
        args = {"base_url": self.server.base_url, "model": MODEL, "set": self.settings, **args}
        if self.patch and kind in ("brief", "digest"):
            args["patch"] = str(self.patch.resolve())
        if self.profile and tag:
            self.profile.mkdir(parents=True, exist_ok=True)
            args["profile"] = str(self.profile / f"{tag}-{time.strftime('%H%M%S')}.prof")
        argv = [PY, str(HERE / "workers.py"), kind, json.dumps(args)]
        if self.pyspy and tag:
            self.pyspy.mkdir(parents=True, exist_ok=True)
            out = self.pyspy / f"{tag}-{time.strftime('%H%M%S')}.txt"
            spy = [str(Path(PY).parent / "py-spy"), "record", "--nonblocking", "-r", "200", "-f", "raw"]
            argv = [*spy, "-o", str(out), "--", *argv]
        self.server.reset(self.latency)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=self.env(data_dir))
        wall = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(f"{kind} worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
        out = json.loads([ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1])
        run = Run(wall, out.pop("work_s"), out.pop("maxrss_mb"), out.pop("cpu_s"), out)
        run.info.update(self.server.stats())
        return run

    def command(self, argv: list[str]) -> Run:
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=self.env(), cwd=ROOT)
        return Run(time.perf_counter() - start)


def paired(bench: Bench, row: Row, briefer, bare, repeats: int | None = None) -> Row:
    """Alternating pairs: briefer goes first in the first pair (it records the bodies), then they swap."""
    for n in range(repeats or bench.repeats):
        sides = [("briefer", briefer), ("bare", bare)]
        for side, run in sides if n % 2 == 0 else sides[::-1]:
            getattr(row, side).append(run(n))
        print(
            f"  {row.name} pair {n + 1}: briefer {row.briefer[-1].wall_s:.2f} s, bare {row.bare[-1].wall_s:.2f} s"
        )
    return row


def chains(bodies: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bodies grouped by the chunk they ask about (a request and its re-asks), in arrival order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        groups.setdefault(chunk_of(body), []).append(body)
    return list(groups.values())


def recorder(bench: Bench, name: str, kind: str, args: dict[str, Any], data_dir=None):
    """A briefer side that saves the bodies of its first run as chains for the bare side."""
    path = bench.tmp / f"{name}.chains.json"

    def run(n: int) -> Run:
        result = bench.child(kind, args, data_dir() if data_dir else None, tag=name)
        if not path.exists():
            path.write_text(json.dumps(chains(bench.server.bodies())), encoding="utf-8")
        return result

    return run, path


# --- rows -----------------------------------------------------------------------


def row_single(bench: Bench) -> Row:
    bench.latency = 0.3
    article = ROOT / "examples" / "kim-putin-summit.txt"
    row = Row("single", "example article, 0.3 s latency", "perf.py single", bare_label="bare (sequential)")
    briefer, chains_path = recorder(bench, "single", "brief", {"article": str(article)})
    bare = lambda n: bench.child("bare", {"chains": str(chains_path), "workers": 1})  # noqa: E731
    return paired(bench, row, briefer, bare)


def row_long(bench: Bench) -> Row:
    bench.latency = 1.0
    path = bench.tmp / "long.txt"
    path.write_text(articles.long_article(46_000), encoding="utf-8")
    row = Row("long", "46k-char article, 1.0 s latency", "perf.py long", bare_label="bare (chunks at once)")
    briefer, chains_path = recorder(bench, "long", "brief", {"article": str(path)})
    bare = lambda n: bench.child("bare", {"chains": str(chains_path), "workers": 1000})  # noqa: E731
    return paired(bench, row, briefer, bare)


def corpus(bench: Bench, count: int) -> Path:
    folder = bench.tmp / f"corpus-{count}"
    if not folder.exists():
        articles.write_corpus(folder, count)
    return folder


def row_digest(bench: Bench, count: int, concurrency: int, repeats: int | None = None) -> Row:
    if (count, concurrency) in bench.digests:
        return bench.digests[count, concurrency]
    bench.latency = 0.5
    name = f"digest-{count}-c{concurrency}"
    args = {"articles": str(corpus(bench, count)), "concurrency": concurrency}
    args["output"] = str(bench.tmp / f"out-{name}")
    row = Row(
        "digest",
        f"digest, {count:,} articles, concurrency {concurrency}, 0.5 s",
        f"perf.py digest --articles {count} --concurrency {concurrency}",
        bare_label=f"bare ({concurrency} threads)",
    )
    fresh = lambda: Path(tempfile.mkdtemp(prefix="data-", dir=bench.tmp))  # noqa: E731
    briefer, chains_path = recorder(bench, name, "digest", args, data_dir=fresh)
    bare = lambda n: bench.child("bare", {"chains": str(chains_path), "workers": concurrency})  # noqa: E731
    bench.digests[count, concurrency] = paired(bench, row, briefer, bare, repeats)
    return row


def row_rerun(bench: Bench, count: int | None = None) -> Row:
    count = count or bench.size("rerun")
    bench.latency = 0.5
    data = bench.tmp / f"rerun-data-{count}"
    args = {
        "articles": str(corpus(bench, count)),
        "concurrency": 32,
        "output": str(bench.tmp / f"rerun-{count}"),
    }
    first = bench.child("digest", args, data)
    print(f"  rerun: first run {first.wall_s:.1f} s, {first.info['requests']} requests")
    row = Row(
        "rerun",
        f"same digest re-run ({count:,} articles), 0 requests",
        f"perf.py rerun --articles {count}",
        bare_label="start-up (import openai)",
    )
    briefer = lambda n: bench.child("digest", args, data, tag=f"rerun-{count}")  # noqa: E731
    bare = lambda n: bench.child("startup", {})  # noqa: E731
    return paired(bench, row, briefer, bare)


def row_help(bench: Bench) -> Row:
    row = Row("help", "`briefer --help`", "perf.py help", bare_label="`python -c pass`")
    briefer = lambda n: bench.command([str(Path(PY).parent / "briefer"), "--help"])  # noqa: E731
    bare = lambda n: bench.command([PY, "-c", "pass"])  # noqa: E731
    return paired(bench, row, briefer, bare, max(bench.repeats, 5))


def row_memory(bench: Bench, count: int | None = None) -> Row:
    count = count or bench.size("memory")
    digest = row_digest(bench, count, 32, repeats=1)
    row = Row(
        "memory",
        f"peak memory, digest of {count:,} articles, concurrency 32",
        f"perf.py memory --articles {count}",
        digest.briefer,
        digest.bare,
        bare_label="bare (32 threads)",
    )
    return row


# --- targets and the table ---------------------------------------------------------


def judge(row: Row) -> Row:
    """Fill ``target`` and ``met`` from the issue's targets."""
    limit = TARGETS[row.name]
    if row.name in ("rerun", "help"):
        row.target, row.met = f"≤ {limit:g} s", row.median("briefer") <= limit
    elif row.name == "memory":
        ratio = row.ratio("maxrss_mb")
        row.target, row.met = f"≤ {limit:g}× bare peak", ratio <= limit
    else:
        row.target, row.met = f"≤ {limit:g}× bare", row.ratio() <= limit
    return row


def _pair(row: Row, what: str, unit: str = "", digits: int = 2) -> str:
    if row.name == "help":
        return "-"
    return f"{row.median('briefer', what):.{digits}f} / {row.median('bare', what):.{digits}f}{unit}"


def table(rows: list[Row]) -> str:
    head = (
        "| work | requests (max in flight) | briefer | bare | ratio | after imports, briefer / bare"
        " | CPU briefer / bare | peak MB briefer / bare | target | met |"
    )
    lines = [head, "|" + " --- |" * 10]
    for row in rows:
        info = row.briefer[0].info
        reqs = f"{info['requests']} ({info['max_in_flight']})" if "requests" in info else "-"
        shown = row.ratio("maxrss_mb") if row.name == "memory" else row.ratio()
        ratio = "-" if row.name == "help" else f"{shown:.2f}"
        lines.append(
            f"| {row.work} | {reqs} | {row.median('briefer'):.2f} s | {row.median('bare'):.2f} s"
            f" {row.bare_label} | {ratio} | {_pair(row, 'work_s', ' s')} | {_pair(row, 'cpu_s', ' s')}"
            f" | {_pair(row, 'maxrss_mb', '', 0)} | {row.target} | {'yes' if row.met else 'NO'} |"
        )
    return "\n".join(lines)


def rows_for(bench: Bench, args: argparse.Namespace) -> list[Row]:
    if args.row == "single":
        return [row_single(bench)]
    if args.row == "long":
        return [row_long(bench)]
    if args.row == "digest":
        return [row_digest(bench, args.articles or 200, args.concurrency or 8)]
    if args.row == "rerun":
        return [row_rerun(bench, args.articles)]
    if args.row == "help":
        return [row_help(bench)]
    if args.row == "memory":
        return [row_memory(bench, args.articles)]
    rows = [row_single(bench), row_long(bench)]
    rows += [row_digest(bench, n, c) for n, c in bench.size("digests")]
    return rows + [row_rerun(bench), row_help(bench), row_memory(bench)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    rows = ["all", "single", "long", "digest", "rerun", "help", "memory"]
    parser.add_argument("row", nargs="?", default="all", choices=rows)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, 3 pairs (the default)")
    size.add_argument("--full", action="store_true", help="the issue's sizes, 5 pairs")
    parser.add_argument("--articles", type=int, help="digest, rerun, memory: how many articles")
    parser.add_argument("--concurrency", type=int, help="digest: articles briefed at once")
    parser.add_argument("--repeats", type=int, help="pairs per row")
    parser.add_argument("--json", type=Path, help="also write the runs here")
    parser.add_argument("--profile", type=Path, help="cProfile each briefer run into this folder")
    parser.add_argument("--patch", type=Path, help="a Python file briefer's runs execute first (try a fix)")
    parser.add_argument(
        "--py-spy", type=Path, help="sample each briefer run, every thread, with py-spy into this folder"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a briefer setting for its runs, to try a change (e.g. chunk_concurrency=16)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="briefer-bench-") as tmp:
        server = Server()
        try:
            bench = Bench(server, Path(tmp), args.full, args.repeats or SIZES["repeats"][args.full])
            bench.profile, bench.pyspy, bench.patch = args.profile, args.py_spy, args.patch
            bench.settings = dict(item.split("=", 1) for item in args.set)
            # briefer's bytecode, as `pip install` writes it for an installed package: in an editable
            # checkout under PYTHONDONTWRITEBYTECODE=1 (set on these machines) every process would
            # otherwise compile briefer's sources again (about 35 ms), which the bare side never pays.
            bench.command([PY, "-m", "compileall", "-q", str(ROOT / "briefer")])
            bench.command([PY, "-c", "import briefer.digest.run, openai"])  # warm the page cache
            rows = [judge(r) for r in rows_for(bench, args)]
        finally:
            server.close()
    print(
        f"\n{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {time.perf_counter() - started:.0f} s\n"
    )
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps([row.__dict__ for row in rows], default=lambda o: o.__dict__, indent=1)
        )


if __name__ == "__main__":
    main()
