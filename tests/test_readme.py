"""The README's short tour is real output: each of its `rota …` commands is run again here and what the
README quotes must be what it prints, figures and words, so the captures cannot drift from the code.

Only what legitimately changes from run to run is masked: wall seconds, job ids, tokens, feed and
sign-in secrets, the server's process id. Everything else — objectives, bounds, assignment counts,
the grid, coverage and hours tables, every error line — is compared token by token (white space and
the width of table rules folded, since wall seconds of different lengths re-wrap a line).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TOUR = ("## A short tour", "## Web app")
DEMO_MONTH = "2027-01"  # the month the README's `make demo` capture shows

MASKS = [
    (re.compile(r"\b\d+(?:\.\d+)? s\b"), "N s"),  # seconds (wall or deterministic)
    (re.compile(r"\b[0-9a-f]{32}\b"), "JOB"),
    (re.compile(r"\brota_[A-Za-z0-9_-]{20,}"), "TOKEN"),
    (re.compile(r"\bcal_[A-Za-z0-9_-]{20,}"), "FEED"),
    (re.compile(r"\blink_[A-Za-z0-9_…-]+"), "LINK"),
    (re.compile(r"[─━═]+"), "─"),
]


def normalise(text: str) -> list[str]:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text.split()


def tour_blocks() -> list[list[str]]:
    """The fenced blocks of the tour whose first line is a `$ ` command."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(TOUR[0]), text.index(TOUR[1])
    blocks = re.findall(r"^```\n(.*?)^```", text[start:end], flags=re.M | re.S)
    return [b.splitlines() for b in blocks if b.startswith("$ ")]


def sessions(block: list[str]) -> list[tuple[str, list[str]]]:
    """(command, the lines the README shows it printing) for each `$ ` line of a block."""
    out: list[tuple[str, list[str]]] = []
    for line in block:
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            out[-1][1].append(line)
    return out


def rota_cli(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run `rota ARGS` as a user would (a fresh interpreter, 100 columns, no terminal)."""
    done = subprocess.run(
        [sys.executable, "-c", "from rota.cli.main import main; main()", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the repository's data/ and the hand-made files the tour names."""
    work = tmp_path_factory.mktemp("tour")
    (work / "data").symlink_to(ROOT / "data")
    council = yaml.safe_load((ROOT / "data/examples/council-service-desk.yaml").read_text(encoding="utf-8"))
    broken = copy.deepcopy(council)
    for i in (2, 4):
        broken["people"][i]["hours_per_week"] = "thirty"
    (work / "broken.yaml").write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    typo = copy.deepcopy(council)
    typo["people"][2]["hours_per_weak"] = typo["people"][2].pop("hours_per_week")
    (work / "typo.yaml").write_text(yaml.safe_dump(typo, sort_keys=False), encoding="utf-8")
    (work / "empty.yaml").write_text("", encoding="utf-8")
    return work


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    db = tmp_path_factory.mktemp("tourdb") / "rota.db"
    keep = {k: v for k, v in os.environ.items() if not k.startswith("ROTA_")}
    return {
        **keep,
        "COLUMNS": "100",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "PYTHONPATH": str(ROOT),
        "ROTA_DATABASE_URL": f"sqlite:///{db}",
    }


def edit_smod(work: Path) -> None:
    """The tour's hand edit: Pádraig (Mon-Wed, two duties a week) takes the afternoon duties of Tuesday 6
    and Thursday 8 October as well."""
    doc = json.loads((work / "smod.json").read_text(encoding="utf-8"))
    for day in ("2026-10-06", "2026-10-08"):
        duty = next(a for a in doc["assignments"] if a["date"] == day and a["shift"] == "pm")
        duty["person"] = "padraig"
    (work / "smod-edited.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")


def test_the_tour_has_commands_to_check() -> None:
    commands = [cmd for block in tour_blocks() for cmd, _ in sessions(block)]
    assert "make demo" in commands
    assert sum(cmd.startswith("rota ") for cmd in commands) >= 8


def test_normalise_masks_only_what_varies() -> None:
    a = normalise("optimal · objective 373 · 1.9 s · 20 assignments\n────")
    assert a == normalise("optimal  ·  objective 373 · 11.4 s · 20 assignments ──")
    assert a != normalise("optimal · objective 374 · 1.9 s · 20 assignments")


FOLD = re.compile(r"^\s*… .* …\s*$")  # a README line standing for output it leaves out


def shows(readme: list[str], printed: str) -> str | None:
    """None when the printed output is what the README shows; else where they first differ.

    A fold line ("… (four more weeks: 08–31 January) …") stands for any output in its place."""
    parts: list[list[str]] = [[]]
    for line in readme:
        if FOLD.match(line):
            parts.append([])
        else:
            parts[-1].append(line)
    segments = [normalise("\n".join(part)) for part in parts]
    got = normalise(printed)
    if len(segments) == 1:
        return None if got == segments[0] else _diff(segments[0], got)
    if got[: len(segments[0])] != segments[0]:
        return _diff(segments[0], got)
    at = len(segments[0])
    for segment in segments[1:-1]:
        ends = range(at, len(got) - len(segment) + 1)
        found = next((i for i in ends if got[i : i + len(segment)] == segment), None)
        if found is None:
            return f"not printed: {segment[:30]}"
        at = found + len(segment)
    last = segments[-1]
    if len(got) - at < len(last) or got[len(got) - len(last) :] != last:
        return _diff(last, got[len(got) - len(last) :])
    return None


def test_shows_folds_and_differs() -> None:
    readme = ["a 1", "… (more) …", "z 9"]
    assert shows(readme, "a 1 b 2 c 3 z 9") is None
    assert shows(readme, "a 1 z 9") is None
    assert shows(readme, "a 2 b 2 z 9") is not None
    assert shows(readme, "a 1 b 2 z 8") is not None


def test_every_tour_command_prints_what_the_readme_shows(workdir: Path, env: dict[str, str]) -> None:
    checked = 0
    last_status = 0
    for block in tour_blocks():
        for command, shown in sessions(block):
            if command == "echo $?":
                assert normalise("\n".join(shown)) == [str(last_status)]
                continue
            if command == "make demo":
                # `make demo` runs `rota serve --demo`: the set-up `rota demo` does, then the server
                args = ["demo", "--month", DEMO_MONTH, "--time-limit", "5"]
                # the block shows make's own line first, and ends with what the server prints
                serving = next(i for i, line in enumerate(shown) if line.startswith("rota on "))
                shown = shown[1:serving]
            else:
                assert command.startswith("rota "), command
                args = command.split()[1:]
                if "smod-edited.json" in command:
                    edit_smod(workdir)
            last_status, printed = rota_cli(args, workdir, env)
            if command == "make demo":
                assert last_status == 0, printed
                printed = "\n".join(ln for ln in printed.splitlines() if not ln.startswith("serve them:"))
            problem = shows(shown, printed)
            assert problem is None, f"$ {command}\n{problem}\n--- printed ---\n{printed}"
            checked += 1
    assert checked >= 9


def _diff(expected: list[str], got: list[str]) -> str:
    for i, (e, g) in enumerate(zip(expected, got, strict=False)):
        if e != g:
            lo = max(i - 8, 0)
            return (
                f"first difference at token {i}: README {expected[lo : i + 8]} vs printed {got[lo : i + 8]}"
            )
    return f"lengths differ: README {len(expected)} tokens, printed {len(got)}"
