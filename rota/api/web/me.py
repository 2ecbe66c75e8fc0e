"""Staff: /me — my coming shifts (times in the team's zone, who else is on), my hours this month, and
Subscribe: a feed of my shifts as a webcal:// link, a Google Calendar link, the https URL and a QR code."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request, Response
from markupsafe import Markup

from rota import timeutil
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import SettingsDep
from rota.api.services import fairness, notify, rotas, teams, tokens, websessions
from rota.api.urls import feed_urls, link_base
from rota.api.web.errors import PageRoute
from rota.api.web.render import day_text, page, redirect
from rota.api.web.session import Csrf, WebPrincipal, flash, session_id, take_kept
from rota.api.web.teams import month_range
from rota.calendar import Calendar

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AHEAD_DAYS = 92
NEW_FEED = "new_feed"


@dataclass
class Shift:
    date: date
    day: str
    times: str
    role: str
    shift: str
    others: list[str]


@dataclass
class TeamShifts:
    id: str
    name: str
    timezone: str
    shifts: list[Shift]
    worked: int
    target: int | None
    month: str  # the month the hours are of; "" when no rota is published for it
    person_name: str = ""  # the person's name in this team
    feeds: list[Any] = field(default_factory=list)
    mail: notify.Choices | None = None  # what rota emails me in this team (rota/api/web/notify.py saves it)


def team_shifts(session: Any, team_id: str, person: str, now: Any) -> TeamShifts:
    """A person's published shifts in one team from today on, with who else is on, and this month's hours."""
    doc = teams.current_document(session=session, team_id=team_id)
    people, role_names, shift_names = teams.display_names(doc)
    tz = timeutil.zone(doc["timezone"])
    today = now.astimezone(tz).date()
    rows = rotas.published_assignments(
        session=session,
        team_id=team_id,
        start=today - timedelta(days=1),
        end=today + timedelta(days=AHEAD_DAYS),
    )
    by_date: dict[date, list[Any]] = defaultdict(list)
    for r in rows:
        by_date[r.date].append(r)
    shifts = []
    for r in rows:
        if r.person != person or r.end_utc <= now:
            continue
        start, end = r.start_utc.astimezone(tz), r.end_utc.astimezone(tz)
        others = sorted(
            f"{people.get(o.person, o.person)} ({role_names.get(o.role, o.role)})"
            for o in by_date[r.date]
            if o.person != person and o.start_utc < r.end_utc and r.start_utc < o.end_utc
        )
        shifts.append(
            Shift(
                r.date,
                day_text(r.date),
                f"{start:%H:%M}–{end:%H:%M}",
                role_names.get(r.role, r.role),
                shift_names.get(r.shift, r.shift),
                others,
            )
        )
    # the hours of the month of my next shift (this month when nothing is ahead); none without a rota there
    month_of = shifts[0].date if shifts else today
    first, last = month_range(f"{month_of:%Y-%m}")
    worked, target, month = 0, None, ""
    every = rotas.published_assignments(session=session, team_id=team_id, start=first, end=last)
    if shifts or every:
        mine = [r for r in every if r.person == person]
        worked = sum(int((r.end_utc - r.start_utc).total_seconds() // 60) for r in mine)
        team = teams.parse_document(doc, team_id, stored=True)
        target = Calendar(team, first, last).target_minutes(person) if person in people else None
        month = f"{month_of:%B %Y}"
    return TeamShifts(
        team_id,
        doc.get("team", team_id),
        doc["timezone"],
        shifts,
        worked,
        target,
        month,
        person_name=people.get(person, person),
    )


def qr_svg(text: str) -> Markup:
    """A QR code of ``text`` as inline SVG (no images, no scripts)."""
    qr = segno.make(text, error="m")
    svg = qr.svg_inline(dark="#111", light="#fff", title="QR code of the feed", omitsize=True)  # a viewBox
    return Markup(svg)  # segno's own markup; the URL in it is ours


@router.get("/me")
def me_page(request: Request, principal: WebPrincipal, session: SessionDep) -> Response:
    """My coming shifts and hours in each of my teams, and my calendar feeds."""
    principal.require_role("staff")
    now = request.app.state.clock()
    assert principal.person is not None
    mine = [
        team_shifts(session, t, principal.person, now)
        for t in principal.teams
        if teams.team_exists(session=session, team_id=t)
    ]
    feeds = tokens.list_calendar_tokens(session=session, principal=principal)
    for t in mine:
        t.feeds = [f for f in feeds if f.team_id == t.id]
        t.mail = notify.get_choices(session=session, team_id=t.id, person=principal.person)
    request.session.pop(NEW_FEED, None)  # a cookie from before feed links were kept server-side
    new = take_kept(request, websessions.take_new_feed)
    if new:
        new["google"] = "https://calendar.google.com/calendar/r?cid=" + quote(new["webcal"], safe="")
        new["qr"] = qr_svg(new["webcal"])
    name = next((t.person_name for t in mine if t.person_name), principal.person)
    balances = {  # the fairness ledger (issue 24), in teams that keep one
        t.id: fairness.person_view(session=session, team_id=t.id, person=principal.person, today=now.date())
        for t in mine
    }
    context = {"teams": mine, "new": new, "person": principal.person, "name": name, "balances": balances}
    return page(request, "me.html", context)


@router.post("/me/subscribe", dependencies=[Csrf])
def subscribe(
    request: Request,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    team: Annotated[str, Form()],
) -> Response:
    """A new feed of my shifts in the team; its links are shown once, on the next page (kept till then on
    the session's row in the database, never in the cookie)."""
    issued = tokens.create_calendar_token(
        session=session, principal=principal, kind="person", team_id=team, person=principal.person
    )
    url, webcal = feed_urls(link_base(request, settings), issued.secret)
    sid = session_id(request)
    assert sid is not None  # WebPrincipal: signed in
    websessions.keep_new_feed(
        session=session, sid=sid, feed={"team": team, "url": url, "webcal": webcal, "id": issued.id}
    )
    return redirect("/me#subscribe")


@router.post("/me/feeds/{token_id}/revoke", dependencies=[Csrf])
def revoke(request: Request, token_id: int, principal: WebPrincipal, session: WriteSessionDep) -> Response:
    """Revoke one of my feed links: calendars using it stop updating at once."""
    tokens.revoke_calendar_token(session=session, principal=principal, token_id=token_id)
    flash(request, "Feed link revoked: calendars subscribed to it no longer update.")
    return redirect("/me")
