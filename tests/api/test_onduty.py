"""Who is on duty (GET /api/teams/{team}/on-duty): the published rotas at an instant, as the feeds have them.

Two published rotas of the Amsterdam test team: 19-30 Oct 2026 (summer time ends Sun 25 Oct, 03:00 CEST →
02:00 CET) and 22 Mar - 2 Apr 2027 (it starts Sun 28 Mar, 02:00 CET → 03:00 CEST); the nightly on-call
shift (22:00-06:00) crosses midnight every night and each clock change once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apikit import Service, quick_solve, team_doc
from icalendar import Calendar as ICal

from rota.api.services.tokens import create_api_token
from rota.ical import event_uid

AMS = ZoneInfo("Europe/Amsterdam")
PEOPLE = ("noor", "sem", "lotte", "daan", "eva")
ROLE_NAMES = {"desk": "Service desk", "oncall": "On call"}
WINDOWS = ((date(2026, 10, 19), date(2026, 10, 30)), (date(2027, 3, 22), date(2027, 4, 2)))
URL = "/api/teams/tiny/on-duty"


def _doc() -> dict[str, Any]:
    doc = team_doc()
    doc["people"][0]["email"] = "noor@example.org"
    return doc


def _integration(service: Service, teams: tuple[str, ...] = ("tiny",)) -> dict[str, str]:
    with service.db.write() as session:
        issued = create_api_token(session=session, role="integration", teams=list(teams), label="phones")
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def team(make_service: Callable[..., Service]) -> tuple[Service, list[dict[str, Any]]]:
    """The team with both windows generated and published; the clock before both, so feeds hold them whole."""
    service = make_service(solve_fn=quick_solve)
    service.put_team(doc=_doc())
    service.client.app.state.clock = lambda: datetime(2026, 10, 1, tzinfo=UTC)
    rotas = []
    for start, end in WINDOWS:
        rota = service.generate(start=start.isoformat(), end=end.isoformat())
        service.publish(rota)
        rotas.append(rota)
    return service, rotas


def _ask(service: Service, at: str | None = None, who: str = "lead", **params: Any) -> dict[str, Any]:
    query = {**({"at": at} if at is not None else {}), **params}
    return service.call("GET", URL, who, params=query, expect=200).json()


def _duties(answer: dict[str, Any]) -> set[tuple[str, str, datetime, datetime]]:
    """(person, event UID, start, end) of an answer: the UID the feeds give the duty (team, person, role,
    date, shift); every time carries the zone's offset at it."""
    out = set()
    for role in answer["roles"]:
        for d in role["on_duty"]:
            start, end = datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"])
            for moment in (start, end):
                assert moment.utcoffset() == moment.astimezone(AMS).utcoffset(), d
            uid = event_uid("tiny", d["person"], role["role"], d["date"], d["shift"])
            out.add((d["person"], uid, start, end))
    return out


def _feed_events(service: Service) -> dict[str, list[tuple[str, datetime, datetime]]]:
    """Each person's feed (what rota/api/feeds.py serves at its URL): (UID, start, end) of its events."""
    events = {}
    for person in PEOPLE:
        made = service.call(
            "POST",
            "/api/calendar-tokens",
            json={"kind": "person", "team": "tiny", "person": person},
            expect=201,
        ).json()
        body = service.client.get(f"/calendars/{made['token']}.ics")
        assert body.status_code == 200, body.text
        events[person] = [
            (str(ev["UID"]), ev.decoded("DTSTART"), ev.decoded("DTEND"))
            for ev in ICal.from_ical(body.content).walk("VEVENT")
        ]
    return events


def _instants(seed: int = 24) -> list[datetime]:
    """100 instants: 40 over each window, 10 over each night of a clock change (Sat 20:00 - Sun 08:00)."""
    rng = random.Random(seed)

    def between(a: datetime, b: datetime, n: int) -> list[datetime]:
        span = int((b - a).total_seconds())
        return [a + timedelta(seconds=rng.randrange(span)) for _ in range(n)]

    out: list[datetime] = []
    for start, end in WINDOWS:
        first = datetime.combine(start, datetime.min.time(), tzinfo=AMS)
        out += between(first, datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=AMS), 40)
    for night in (datetime(2026, 10, 24, 20, tzinfo=AMS), datetime(2027, 3, 27, 20, tzinfo=AMS)):
        out += between(night, night + timedelta(hours=12), 10)
    return out


def test_the_answer_matches_the_feeds_at_100_random_instants(team: tuple[Service, list[Any]]) -> None:
    service, _ = team
    feeds = _feed_events(service)
    assert sum(len(v) for v in feeds.values()) > 50
    instants = _instants()
    assert len(instants) == 100
    busy = 0
    for i, moment in enumerate(instants):
        # half sent in UTC, half in local time with its offset: the same instant either way
        at = moment.astimezone(UTC).isoformat() if i % 2 else moment.astimezone(AMS).isoformat()
        answer = _ask(service, at)
        assert datetime.fromisoformat(answer["at"]) == moment
        expected = {
            (person, uid, start, end)
            for person, events in feeds.items()
            for uid, start, end in events
            if start <= moment < end
        }
        assert _duties(answer) == expected, (moment.isoformat(), answer)
        busy += bool(expected)
    assert busy >= 60  # the comparison is not of empty sets


def test_on_at_a_start_off_at_an_end(team: tuple[Service, list[Any]]) -> None:
    service, rotas = team
    am = next(a for a in rotas[0]["assignments"] if a["shift"] == "am")
    at_start = _ask(service, am["start"], role="desk")
    assert am["person"] in {d["person"] for d in at_start["roles"][0]["on_duty"] if d["shift"] == "am"}
    at_end = _ask(service, am["end"], role="desk")  # 13:00: the morning is over, the afternoon begun
    assert [d["shift"] for d in at_end["roles"][0]["on_duty"]] == ["pm"] * len(at_end["roles"][0]["on_duty"])
    a_second_before = datetime.fromisoformat(am["end"]) - timedelta(seconds=1)
    before = _ask(service, a_second_before.isoformat(), role="desk")["roles"][0]["on_duty"]
    assert "am" in {d["shift"] for d in before}


def _night(rotas: list[Any], day: str) -> dict[str, Any]:
    return next(a for r in rotas for a in r["assignments"] if a["shift"] == "night" and a["date"] == day)


@pytest.mark.parametrize(
    ("day", "at", "start", "end"),
    [
        # an ordinary night: on after midnight, the duty dated the day before
        ("2026-10-20", "2026-10-21T00:30", "2026-10-20T22:00:00+02:00", "2026-10-21T06:00:00+02:00"),
        # summer time ends: the night lasts 9 h; 02:30 comes twice and both are on
        ("2026-10-24", "2026-10-25T02:30+02:00", "2026-10-24T22:00:00+02:00", "2026-10-25T06:00:00+01:00"),
        ("2026-10-24", "2026-10-25T02:30+01:00", "2026-10-24T22:00:00+02:00", "2026-10-25T06:00:00+01:00"),
        ("2026-10-24", "2026-10-25T05:59", "2026-10-24T22:00:00+02:00", "2026-10-25T06:00:00+01:00"),
        # summer time begins: the night lasts 7 h
        ("2027-03-27", "2027-03-28T01:59", "2027-03-27T22:00:00+01:00", "2027-03-28T06:00:00+02:00"),
        ("2027-03-27", "2027-03-28T03:00", "2027-03-27T22:00:00+01:00", "2027-03-28T06:00:00+02:00"),
    ],
)
def test_overnight_shifts_across_midnight_and_clock_changes(
    team: tuple[Service, list[Any]], day: str, at: str, start: str, end: str
) -> None:
    service, rotas = team
    night = _night(rotas, day)
    answer = _ask(service, at, role="oncall")
    (duty,) = answer["roles"][0]["on_duty"]
    assert (duty["person"], duty["date"], duty["start"], duty["end"]) == (night["person"], day, start, end)
    assert answer["message"].startswith("1 person is on duty as On call at ")
    off = _ask(service, end, role="oncall")["roles"][0]["on_duty"]
    assert night["person"] not in {d["person"] for d in off if d["date"] == day}


def test_wall_times_are_read_in_the_team_zone(team: tuple[Service, list[Any]]) -> None:
    service, _ = team
    # a repeated hour is read as its first pass (summer time), a skipped one with the offset before it
    assert _ask(service, "2026-10-25T02:30")["at"] == "2026-10-25T02:30:00+02:00"
    assert _ask(service, "2027-03-28T02:30")["at"] == "2027-03-28T03:30:00+02:00"
    assert _ask(service, "2026-10-21T10:00Z")["at"] == "2026-10-21T12:00:00+02:00"
    # a "+" the client forgot to encode arrives as a space and still means the offset
    raw = service.client.get(URL + "?at=2026-10-21T10:00+01:00", headers=service.tokens.auth("lead"))
    assert raw.json()["at"] == "2026-10-21T11:00:00+02:00"


def test_contact_fields_and_the_role_filter(team: tuple[Service, list[Any]]) -> None:
    service, rotas = team
    mine = next(a for a in rotas[0]["assignments"] if a["person"] == "noor")
    answer = _ask(service, mine["start"])
    assert [r["role"] for r in answer["roles"]] == ["desk", "oncall"]
    (noor,) = [d for r in answer["roles"] for d in r["on_duty"] if d["person"] == "noor"]
    assert (noor["name"], noor["email"], noor["shift_name"]) == (
        "Noor de Vries",
        "noor@example.org",
        mine["shift"],
    )
    assert answer["team_name"] == "Tiny Help Desk" and answer["timezone"] == "Europe/Amsterdam"
    assert answer["published"] is True
    others = [d for r in answer["roles"] for d in r["on_duty"] if d["person"] != "noor"]
    assert all(d["email"] is None for d in others)
    only = _ask(service, mine["start"], role="oncall")
    assert [r["role"] for r in only["roles"]] == ["oncall"]


def test_no_published_rota_and_drafts_are_never_shown(team: tuple[Service, list[Any]]) -> None:
    service, _ = team
    draft = service.generate(start="2026-11-02", end="2026-11-06")
    assert draft["state"] == "draft" and draft["assignments"]
    answer = _ask(service, "2026-11-03T10:00")
    assert answer["published"] is False and all(r["on_duty"] == [] for r in answer["roles"])
    assert answer["message"] == "No published rota covers Tue 3 Nov 2026: nobody is shown on duty."
    # a draft over published dates (a re-plan not yet published) changes nothing either
    before = _ask(service, "2026-10-21T10:00")
    service.generate(start="2026-10-19", end="2026-10-30")
    assert _ask(service, "2026-10-21T10:00") == before and _duties(before)


def test_nobody_on_duty_inside_a_published_rota_says_so(team: tuple[Service, list[Any]]) -> None:
    service, _ = team
    answer = _ask(service, "2026-10-21T20:00", role="desk")  # after the desk closes, before the night
    assert answer["published"] is True and answer["roles"][0]["on_duty"] == []
    assert answer["message"] == (
        "Nobody is on duty as Service desk at Wed 21 Oct 2026 20:00 CEST in the published rota."
    )


def test_default_is_now(team: tuple[Service, list[Any]]) -> None:
    service, rotas = team
    night = _night(rotas, "2026-10-24")
    now = datetime.fromisoformat(night["start"]) + timedelta(hours=1)
    service.client.app.state.clock = lambda: now.astimezone(UTC)
    answer = _ask(service, role="oncall")
    assert answer["at"] == "2026-10-24T23:00:00+02:00"
    assert [d["person"] for d in answer["roles"][0]["on_duty"]] == [night["person"]]


def test_bad_at_and_unknown_role_are_422_naming_the_field(service: Service) -> None:
    service.put_team(doc=_doc())
    bad = service.call("GET", URL, params={"at": "yesterday"}, expect=422).json()["detail"][0]
    assert bad["path"] == "at" and '"yesterday" is not a date and time' in bad["message"]
    role = service.call("GET", URL, params={"role": "dsk"}, expect=422).json()["detail"][0]
    assert role == {"path": "role", "message": 'team "tiny" has no role "dsk" (did you mean "desk"?)'}
    bad_ats = (
        "2026-13-01T10:00",
        "x" * 65,
        "0001-01-01T00:00+14:00",
        "0001-01-01T00:00Z",
        "9999-12-31T10:00",
    )
    for at in bad_ats:
        assert service.call("GET", URL, params={"at": at}, expect=422).json()["detail"][0]["path"] == "at"


def test_who_may_read_it(service: Service) -> None:
    service.put_team(doc=_doc())
    for who in ("lead", "hr", "staff"):
        service.call("GET", URL, who, expect=200)
    for who in ("other_lead", "other_staff"):
        refused = service.call("GET", URL, who, expect=403).json()["detail"][0]
        assert refused["path"] == "authorization"
    service.call("GET", "/api/teams/nope/on-duty", "hr", expect=404)
    service.call("GET", URL, None, expect=401)


def test_an_integration_token_reads_on_duty_and_nothing_else(service: Service) -> None:
    service.put_team(doc=_doc())
    headers = _integration(service)
    assert service.client.get(URL, headers=headers).status_code == 200
    other = service.client.get("/api/teams/other/on-duty", headers=headers)
    assert other.status_code == 403 and "does not name team" in other.json()["detail"][0]["message"]
    for method, path in (
        ("GET", "/api/teams"),
        ("GET", "/api/teams/tiny"),
        ("GET", "/api/teams/tiny/rotas"),
        ("GET", "/api/calendar-tokens"),
        ("GET", "/api/me/shifts"),
    ):
        refused = service.client.request(method, path, headers=headers)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["detail"] == [
            {
                "path": "authorization",
                "message": "an integration token may only read who is on duty "
                "(GET /api/teams/{team}/on-duty)",
            }
        ]


def test_an_integration_token_needs_its_teams(service: Service) -> None:
    with service.db.write() as session, pytest.raises(Exception, match="needs the teams"):
        create_api_token(session=session, role="integration")


def test_rota_token_create_makes_an_integration_token(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import rota.cli.commands  # noqa: F401  (registers the commands)
    from rota.api.settings import get_settings
    from rota.cli.main import app

    monkeypatch.setenv("ROTA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        made = runner.invoke(app, ["token", "create", "--role", "integration", "--team", "tiny"])
        assert made.exit_code == 0 and made.stdout.startswith("rota_"), made.stderr
        assert "(integration for tiny," in made.stderr
        refused = runner.invoke(app, ["token", "create", "--role", "integration"])
        assert refused.exit_code == 2
        assert refused.stderr.strip() == (
            "teams: an integration token needs the teams whose on-duty answer it reads"
        )
    finally:
        get_settings.cache_clear()
