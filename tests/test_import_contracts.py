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
PACKAGES = ("rota", "solver", "api", "cli", "benchmarks")
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
    assert "Contracts: 3 kept, 0 broken." in done.stdout


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
    _add(tree / "api/services/feeds.py", "from api.routes import tokens")
    done = _lint(tree)
    assert done.returncode == 1
    assert "api.services is not allowed to import api.routes" in done.stdout
    assert "No cycles are allowed in api" in done.stdout
    assert "Contracts: 1 kept, 2 broken." in done.stdout


def test_a_model_importing_a_service_breaks_the_api_layers(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    _add(tree / "api/models.py", "from api.services import teams")
    done = _lint(tree)
    assert done.returncode == 1
    assert "api.models is not allowed to import api.services" in done.stdout


def test_a_circle_in_cli_and_a_domain_module_importing_the_solver_are_broken(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    _add(tree / "cli/backend.py", "from cli import service")
    _add(tree / "rota/calendar.py", "import solver")
    done = _lint(tree)
    assert done.returncode == 1
    assert "No cycles are allowed in cli" in done.stdout
    assert "rota is not allowed to import solver" in done.stdout
    assert "Contracts: 1 kept, 2 broken." in done.stdout
