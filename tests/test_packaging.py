"""One installable distribution: the wheel ships the package rota alone; `rota bench` needs a checkout."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
import typer
from setuptools import find_packages
from typer.testing import CliRunner

from rota.cli.commands import register_bench

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_rota_and_its_subpackages_only() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = find_packages(str(ROOT), **config["tool"]["setuptools"]["packages"]["find"])
    assert {name.split(".")[0] for name in found} == {"rota"}
    assert {"rota", "rota.solver", "rota.solver.rules", "rota.api", "rota.api.jobs", "rota.cli"} <= set(found)
    # every folder of Python modules is a package, or the wheel would leave it out
    folders = {p.parent for p in (ROOT / "rota").rglob("*.py")} - {ROOT / "rota/api/migrations"}
    missing = [p for p in folders if "migrations" not in p.parts and not (p / "__init__.py").exists()]
    assert not missing


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """A command-line app with `rota bench` alone."""

    register_bench(app)
    return app


def test_rota_bench_outside_a_checkout_says_where_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "benchmarks", None)  # as if benchmarks/ were not on the path
    monkeypatch.delitem(sys.modules, "benchmarks.cli", raising=False)
    result = CliRunner().invoke(_app(), ["bench", "compare", "--instances", "S"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "rota bench runs from a checkout of the repository (its benchmarks/ are not installed)"
    ]


def test_rota_bench_in_a_checkout_is_the_benchmarks() -> None:
    result = CliRunner().invoke(_app(), ["bench", "--help"])
    assert result.exit_code == 0
    assert "compare" in result.output and "curtois" in result.output
