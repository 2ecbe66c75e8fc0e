"""Templates: one Jinja2 environment, a page helper that adds who is signed in, the CSRF token, messages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from rota.api.errors import Invalid
from rota.api.web import static_url
from rota.api.web.session import csrf_token, take_flashes
from rota.bound import quality_words

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def day_text(day: date | str) -> str:
    """``Tue 1 Dec 2026`` (of a date, a datetime's date or an ISO date text)."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day[:10])
        except ValueError:
            return day
    return f"{day:%a} {day.day} {day:%b %Y}"


def period_text(first: date | str, last: date | str) -> str:
    """``Tue 1 Dec 2026 – Thu 31 Dec 2026``: a period, both dates included."""
    return f"{day_text(first)} – {day_text(last)}"


def moment_text(moment: datetime | str | None, zone: str | None = None) -> str:
    """``Tue 1 Dec 2026 14:05 CET``: an instant (or its ISO text) in the team's time zone (UTC when none is
    known). Stored times without a zone are UTC."""
    if moment is None:
        return "–"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    local = moment.astimezone(tz)
    return f"{day_text(local.date())} {local:%H:%M} {local.tzname()}"


def hours_text(minutes: int | None, sign: bool = False) -> str:
    if minutes is None:
        return "–"
    return f"{minutes / 60:+.1f}" if sign else f"{minutes / 60:.1f}"


def percent_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def bdi(text: Any) -> Markup:
    """User text (a name) isolated from the text around it: a right-to-left mark or override inside it
    (U+202E) cannot reorder what comes before or after it on the page."""
    return Markup("<bdi>") + escape("" if text is None else text) + Markup("</bdi>")


def within_text(objective: float | None, bound: float | None) -> str:
    """The solver's figures in words: "the best possible", "within N % of the best possible", or "no
    useful bound yet" where the bound does not support a distance (``rota.bound``)."""
    return quality_words(objective, bound)


_ISO_DAY = re.compile(r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(\d{4}-\d{2}-\d{2})(?![\d:T])")


def team_names(team: Any) -> dict[str, str]:
    """Id → name of a team's shifts, roles and people (a person's name wins over a role or shift id)."""
    names = {s: team.shifts[s].name or s for s in team.shifts}
    names.update({r: team.roles[r].name or r for r in team.roles})
    names.update({p.id: p.display for p in team.people})
    return names


def named_text(text: str, names: dict[str, str] | None = None) -> str:
    """A rule or gap text in people's words: each id of ``names`` as its name, ISO dates as
    ``Mon 1 Feb 2027``."""
    if names:
        # a name already in the text is kept whole (matched first), so an id inside it ("desk" in
        # "Service desk") is not named twice: named_text of its own answer changes nothing
        words = sorted(set(names) | set(names.values()), key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in words if w)
        # a skill is not a role, though it may share the role's id ("lacks skill desk needed for desk")
        skill = r"(?<!skill )(?<!skills )(?<!skill: )(?<!skills: )"
        text = re.sub(
            rf"(?<![\w-]){skill}({alternatives})(?![\w-])", lambda m: names.get(m.group(1), m.group(1)), text
        )
    return _ISO_DAY.sub(lambda m: day_text(m.group(1)), text)


templates.env.filters.update(
    day=day_text,
    hours=hours_text,
    percent=percent_text,
    moment=moment_text,
    within=within_text,
    named=named_text,
    bdi=bdi,
)


templates.env.globals["static"] = static_url


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page template with the signed-in principal (if any), the CSRF token and pending messages."""
    values = {
        "principal": getattr(request.state, "principal", None),
        "csrf": csrf_token(request),
        "flashes": take_flashes(request),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """See-other: after a POST, the browser GETs the page."""
    return RedirectResponse(url, status_code=303)


def download_format(fmt: str) -> None:
    """Refuse (422 naming ``format``) a download a report page does not offer: csv and xlsx only."""
    if fmt not in ("csv", "xlsx"):
        raise Invalid(f'"{fmt}" is not a download: csv or xlsx', "format")
