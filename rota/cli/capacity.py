"""Capacity commands: ``rota plan`` (the fewest hires that close every gap) and ``rota whatif`` (the
gap a change opens), on copies of the team: the team file is never written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from rota.capacity import Candidate, open_longer, parse_candidates, plan_xlsx, team_profiles, without
from rota.cli.errors import fail, guarded
from rota.cli.inputs import load_team_file, resolve_period, writable
from rota.load import TeamFileError, read_document
from rota.team import Team

TeamArg = Annotated[
    Path, typer.Argument(help="Team file (YAML or JSON).", metavar="TEAMFILE", show_default=False)
]
MonthOpt = Annotated[str | None, typer.Option("--month", help="Plan this month, YYYY-MM.")]
LimitOpt = Annotated[
    float, typer.Option("--time-limit", min=0.1, help="Seconds to search (CP-SAT's deterministic seconds).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Solver random seed.")]


def candidates_of(team: Team, path: Path | None) -> list[Candidate]:
    """The candidate profiles from ``--candidates FILE``, else the team's own people's profiles."""
    if path is None:
        return team_profiles(team)
    return parse_candidates(read_document(path), team, path.name)


def _named(team_file: Path, exc: TeamFileError) -> TeamFileError:
    """A problem the solver finds in the team, named after the file."""
    return TeamFileError(team_file.name, exc.problems) if exc.source == "team" else exc


def register(app: typer.Typer) -> None:
    """Add ``plan``, ``whatif`` and ``demand`` to ``app``."""
    from rota.cli.demand import demand_app

    app.add_typer(demand_app, name="demand")

    @app.command("plan")
    @guarded
    def plan_command(
        team_file: TeamArg,
        month: MonthOpt = None,
        candidates: Annotated[
            Path | None,
            typer.Option(
                "--candidates",
                show_default=False,
                help="Profiles you could hire (a YAML/JSON list of team-file people entries, each with "
                "an optional max, default 3); default: the profiles of the team's own people.",
            ),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                show_default=False,
                help="Write the plan to FILE.json, or FILE.xlsx for a budget meeting (person-hours per role "
                "and week, the gap, the hires).",
            ),
        ] = None,
        time_limit: LimitOpt = 20,
        seed: SeedOpt = 0,
    ) -> None:
        """The fewest people to hire so that TEAMFILE's rota has no gap, and which gap each one closes."""
        from rota.solver.plan import plan, plan_document

        team = load_team_file(team_file)
        first, last = resolve_period(team, month, None, None)
        if output is not None:
            writable(output)
            if output.suffix.lower() not in (".json", ".xlsx"):
                fail(f'--output: "{output.name}" must end in .json or .xlsx')
        profiles = candidates_of(team, candidates)
        if not profiles:
            fail(f"{team_file.name}: people: no profile to hire from: give --candidates FILE")
        try:
            result = plan(team, profiles, first, last, time_limit, seed)
        except TeamFileError as exc:
            raise _named(team_file, exc) from None
        doc = plan_document(team, result, time_limit, seed)
        console = Console()
        for line in doc["summary"]:
            console.print(line)
        for h in doc["hires"]:
            console.print(
                Text(f"{h['name']} ({h['id']}): {h['duties']} duties, {h['closes_text']}", style="bold")
            )
            for line in h["closes_groups"]:
                console.print(Text(f"    {line}", style="dim"))
        if output is not None and output.suffix.lower() == ".xlsx":
            output.write_bytes(plan_xlsx(doc))
            console.print(f"wrote {output}: required and available person-hours per role and week, the hires")
        elif output is not None:
            output.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            console.print(f"wrote {output}: append its people to the team file to use the plan")

    @app.command("whatif")
    @guarded
    def whatif_command(
        team_file: TeamArg,
        month: MonthOpt = None,
        person: Annotated[
            str | None, typer.Option("--without", show_default=False, help="The person (id) who leaves.")
        ] = None,
        longer: Annotated[
            float | None,
            typer.Option(
                "--longer",
                min=0.25,
                max=12,
                show_default=False,
                help="Hours the service would open longer each day (the demand that ended at closing "
                "time follows; the shifts stay).",
            ),
        ] = None,
        exposed: Annotated[
            bool,
            typer.Option(
                "--exposed",
                help="Single points of failure: who alone can take a role on a date, and what opens if "
                "the person most often alone on duty is ill for a week.",
            ),
        ] = False,
        rota_file: Annotated[
            Path | None,
            typer.Option(
                "--rota",
                show_default=False,
                help="With --exposed: the rota (JSON, e.g. the published one) to find who is alone on duty; "
                "default: a rota with the least gap.",
            ),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", "-o", show_default=False, help="Also write the what-if as JSON to FILE."
            ),
        ] = None,
        time_limit: LimitOpt = 20,
        seed: SeedOpt = 0,
    ) -> None:
        """How much gap opens if a person leaves (the least gap with and without them), or where the rota
        rests on one person (--exposed); always on a copy of the team."""
        from rota.solver.plan import what_if, what_if_document, what_if_lines

        team = load_team_file(team_file)
        first, last = resolve_period(team, month, None, None)
        asked = sum((person is not None, exposed, longer is not None))
        if asked == 0:
            fail("--without: give the id of the person who leaves (or --longer HOURS, or --exposed)")
        if asked > 1:
            fail("--exposed: give one of --without PERSON, --longer HOURS and --exposed")
        if rota_file is not None and not exposed:
            fail("--rota: only with --exposed")
        if output is not None:
            writable(output)
        if exposed:
            _exposed(team_file, team, first, last, rota_file, time_limit, seed, output)
            return
        if longer is not None:
            changed = open_longer(team, round(longer * 60), team_file.name)
            change = f"if the service opened {longer:g} hour{'s' if longer != 1 else ''} longer each day"
        else:
            assert person is not None
            changed = without(team, person, team_file.name)
            change = f"without {next(p.name or p.id for p in team.people if p.id == person)}"
        try:
            result = what_if(team, changed, change, first, last, time_limit, seed)
        except TeamFileError as exc:
            raise _named(team_file, exc) from None
        console = Console()
        for n, line in enumerate(what_if_lines(result)):
            console.print(Text(line, style="bold" if n == 0 else ""))
        if output is not None:
            doc = what_if_document(team, result)
            output.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            console.print(f"wrote {output}")


def _exposed(
    team_file: Path,
    team: Team,
    first: date,
    last: date,
    rota_file: Path | None,
    time_limit: float,
    seed: int,
    output: Path | None,
) -> None:
    """``rota whatif --exposed``: the single points of failure and the what-if of an illness."""
    from rota.calendar import Calendar
    from rota.cli.inputs import check_fits, read_rota
    from rota.solver.plan import exposure, exposure_document, exposure_lines

    duties = None
    if rota_file is not None:
        doc = read_rota(rota_file)
        check_fits(doc, team, rota_file, team_file)
        cal = Calendar(team, first, last)
        duties = [
            cal.duty(a.person, a.role, a.shift, a.date) for a in doc.assignments if first <= a.date <= last
        ]
    try:
        result = exposure(team, first, last, duties, time_limit, seed)
    except TeamFileError as exc:
        raise _named(team_file, exc) from None
    console = Console()
    for line in exposure_lines(team, result):
        console.print(line)
    if output is not None:
        data = exposure_document(team, result)
        output.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"wrote {output}")
