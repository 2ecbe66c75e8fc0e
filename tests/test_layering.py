"""The folders show the architecture: rota/ is pure domain, solver/ never reaches the service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "rota": {"solver", "api", "cli", "benchmarks", "ortools", "fastapi", "sqlalchemy", "typer", "rich"},
    "solver": {"api", "cli", "benchmarks", "fastapi", "sqlalchemy", "typer", "rich"},
    "api": {"cli", "benchmarks"},
}
# The benchmarks (benchmarks/) sit apart from the product and above it: the product reaches them
# only where `rota bench` is registered on the command line.
BENCHMARK_DOORS = {"cli/commands.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_layers(package: str) -> None:
    bad = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        hit = _imports(path) & FORBIDDEN[package]
        if hit:
            bad[str(path.relative_to(ROOT))] = sorted(hit)
    assert not bad, f"{package}/ imports a layer above it: {bad}"


def test_layering_check_can_fail(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from solver import solve\nimport rota.calendar\n")
    assert _imports(module) & FORBIDDEN["rota"] == {"solver"}


def test_only_the_bench_command_reaches_the_benchmarks() -> None:
    reaching = {
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "cli").rglob("*.py"))
        if "benchmarks" in _imports(path)
    }
    assert reaching == BENCHMARK_DOORS
    moved = {"curtois", "curtois_eval", "synthetic"}
    assert not [p for p in (ROOT / "rota").rglob("*.py") if p.stem in moved]
