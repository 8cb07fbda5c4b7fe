"""The house rules, checked: imports only go down the layers, no cycles, small modules, clean lint."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "briefer"
# Lowest first. A module may import its own layer and the layers below, never above.
LAYERS = [
    {
        "briefer._version",
        "briefer.errors",
        "briefer.resources",
        "briefer.groups",
        "briefer.text",
        "briefer.language",
    },
    {"briefer.models"},
    {"briefer.config", "briefer.attribution"},
    {"briefer.state"},
    {"briefer.llm"},
    {"briefer.sources"},
    {"briefer.brief", "briefer.brief.judge"},
    {"briefer.output"},
    {"briefer.runtime", "briefer.verify"},
    {"briefer.digest"},
    {"briefer.cli", "briefer.testing", "briefer", "briefer.__main__"},
]
FORBIDDEN = [
    ("briefer.output", "briefer.llm"),
    ("briefer.brief", "briefer.digest"),
    ("briefer.llm", "briefer.brief"),
]
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every briefer module ``path`` imports, at module level or inside functions."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            found |= {target} if node.module else {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m == "briefer" or m.startswith("briefer.")}


def layer(module: str) -> int:
    best = None
    for n, group in enumerate(LAYERS):
        for prefix in group:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (n, len(prefix))
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best[0]


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {
    name: {m for m in imports(path) if m in MODULES or m.rsplit(".", 1)[0] in MODULES}
    for name, path in MODULES.items()
}


def test_imports_never_go_up_a_layer():
    upward = [
        f"{src} -> {dst}"
        for src, targets in GRAPH.items()
        for dst in targets
        if layer(dst) > layer(src) and not (src == "briefer" or src.startswith("briefer.cli"))
    ]
    assert upward == []


@pytest.mark.parametrize("low, high", FORBIDDEN)
def test_forbidden_imports(low, high):
    assert [
        f"{s} -> {d}" for s, ds in GRAPH.items() if s.startswith(low) for d in ds if d.startswith(high)
    ] == []


def test_no_import_cycles():
    resolved = {s: {d if d in MODULES else d.rsplit(".", 1)[0] for d in ds} - {s} for s, ds in GRAPH.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(resolved.get(node, ())):
            if state.get(nxt) == 1 and not _parent_package(nxt, node):
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    cycles = [c for n in sorted(resolved) if n not in state and (c := visit(n, []))]
    assert cycles == []


def _parent_package(a: str, b: str) -> bool:
    """A package's ``__init__`` re-exporting a child is not a cycle with that child."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_module_is_longer_than_the_limit():
    long = {
        name: n
        for name, p in MODULES.items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff not installed",
)
@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_is_clean(args):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run(
        [ruff, *args, "briefer", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
