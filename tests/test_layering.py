"""The package shows the architecture: the domain modules of rota/ are pure, rota/solver/ never reaches the
service, and the validator never imports the solver."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rota"
LAYERS = (
    "solver",
    "api",
    "cli",
)  # rota.solver, rota.api, rota.cli; every other module of rota/ is the domain
LIBRARIES = {"ortools", "fastapi", "sqlalchemy", "typer", "rich"}
FORBIDDEN = {
    "domain": {"rota.solver", "rota.api", "rota.cli", "benchmarks"} | LIBRARIES,
    "solver": {"rota.api", "rota.cli", "benchmarks"} | LIBRARIES - {"ortools"},
    "api": {"rota.cli", "benchmarks"},
}
# The benchmarks (benchmarks/) sit apart from the product and above it: the product reaches them
# only where `rota bench` is registered on the command line.
BENCHMARK_DOORS = {"rota/cli/commands.py"}


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, by full name (``from rota import solver`` names ``rota.solver``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _reaches(names: set[str], forbidden: set[str]) -> set[str]:
    return {f for f in forbidden if any(n == f or n.startswith(f + ".") for n in names)}


def _files(layer: str) -> list[Path]:
    if layer != "domain":
        return sorted((PACKAGE / layer).rglob("*.py"))
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in LAYERS)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_package_imports_respect_layers(layer: str) -> None:
    bad = {}
    for path in _files(layer):
        hit = _reaches(_imports(path), FORBIDDEN[layer])
        if hit:
            bad[str(path.relative_to(ROOT))] = sorted(hit)
    assert not bad, f"{layer} imports a layer above it: {bad}"


def test_the_domain_is_every_module_of_rota_but_the_layers() -> None:
    domain = {str(p.relative_to(ROOT)) for p in _files("domain")}
    assert {"rota/validate.py", "rota/checks/base.py", "rota/calendar.py"} <= domain
    assert not [p for p in domain if p.startswith(("rota/solver/", "rota/api/", "rota/cli/"))]


def test_layering_check_can_fail(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from rota import solver\nimport rota.calendar\nfrom rota.api.db import Database\n")
    assert _reaches(_imports(module), FORBIDDEN["domain"]) == {"rota.solver", "rota.api"}
    module.write_text("import rota.solver.build\nfrom rota.timeutil import minutes\n")
    assert _reaches(_imports(module), FORBIDDEN["domain"]) == {"rota.solver"}
    module.write_text("from rota.solverish import x\nimport rota.calendar\n")
    assert not _reaches(_imports(module), FORBIDDEN["domain"])


def test_the_validator_never_imports_the_solver() -> None:
    for name in ("validate.py", "checks"):
        for path in [PACKAGE / name] if name.endswith(".py") else sorted((PACKAGE / name).rglob("*.py")):
            assert not _reaches(_imports(path), {"rota.solver", "ortools"}), path


def test_only_the_bench_command_reaches_the_benchmarks() -> None:
    reaching = {
        str(path.relative_to(ROOT))
        for path in sorted((PACKAGE / "cli").rglob("*.py"))
        if _reaches(_imports(path), {"benchmarks"})
    }
    assert reaching == BENCHMARK_DOORS
    moved = {"curtois", "curtois_eval", "synthetic"}
    assert not [p for p in PACKAGE.rglob("*.py") if p.stem in moved]
