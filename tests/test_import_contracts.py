"""The import contracts of pyproject.toml ([tool.importlinter]) hold: no upward arrow, no circle.

``lint-imports`` checks them (make test runs it too); here the suite fails on a broken contract, and a copy
of the packages with a wrong arrow added shows each contract binds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rota", "benchmarks")
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command as c; "
    "sys.exit(c(['--no-cache', '--no-logo']))",
]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(LINT, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_the_import_contracts_are_kept() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout


def _copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "migrations"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")


def test_a_service_importing_a_route_breaks_the_api_layers_and_makes_a_circle(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    _add(tree / "rota/api/services/feeds.py", "from rota.api.routes import tokens")
    done = _lint(tree)
    assert done.returncode == 1
    assert "rota.api.services is not allowed to import rota.api.routes" in done.stdout
    assert "No cycles are allowed in rota.api" in done.stdout
    assert "Contracts: 2 kept, 2 broken." in done.stdout


def test_a_model_importing_a_service_breaks_the_api_layers(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    _add(tree / "rota/api/models.py", "from rota.api.services import teams")
    done = _lint(tree)
    assert done.returncode == 1
    assert "rota.api.models is not allowed to import rota.api.services" in done.stdout


def test_a_circle_in_cli_and_the_solver_importing_the_service_are_broken(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    _add(tree / "rota/cli/backend.py", "from rota.cli import service")
    _add(tree / "rota/solver/build.py", "from rota.api import db")
    done = _lint(tree)
    assert done.returncode == 1
    assert "No cycles are allowed in rota.cli" in done.stdout
    assert "rota.solver is not allowed to import rota.api" in done.stdout
    assert "Contracts: 2 kept, 2 broken." in done.stdout


def test_the_product_importing_the_benchmarks_is_broken(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    _add(tree / "rota/api/feeds.py", "from benchmarks import synthetic")
    done = _lint(tree)
    assert done.returncode == 1
    assert "rota is not allowed to import benchmarks" in done.stdout
    assert "Contracts: 3 kept, 1 broken." in done.stdout
