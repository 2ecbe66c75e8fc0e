"""iCal feeds: parsed back by icalendar and by a small independent parser, with times across a DST change."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from apikit import Service, quick_solve, team_doc
from sqlalchemy import select

from rota.api.models import CalendarToken, OutboxMessage
from rota.ical import event_uid

AMS = ZoneInfo("Europe/Amsterdam")
OCT_20 = datetime(2026, 10, 20, 12, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    """RFC 5545 content lines: CRLF followed by a space or tab continues the previous line."""
    assert "\r\n" in text and not text.replace("\r\n", "").count("\n")
    lines: list[str] = []
    for raw in text.split("\r\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def parse_events(text: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(calendar properties, events) with DTSTART/DTEND as aware datetimes, by hand: no icalendar inside."""
    calendar: dict[str, str] = {}
    events: list[dict[str, Any]] = []
    stack: list[str] = []
    for line in unfold(text):
        name_params, _, value = line.partition(":")
        name, *params = name_params.split(";")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack == ["VCALENDAR"]:
            calendar[name] = value
        elif stack == ["VCALENDAR", "VEVENT"]:
            opts = dict(p.split("=", 1) for p in params)
            if name in ("DTSTART", "DTEND"):
                wall = datetime.strptime(value, "%Y%m%dT%H%M%S")
                events[-1][name] = wall.replace(tzinfo=ZoneInfo(opts["TZID"]))
                events[-1][name + "_TZID"] = opts["TZID"]
            else:
                events[-1][name] = value.replace("\\,", ",").replace("\\;", ";")
    assert not stack
    return calendar, events


@pytest.fixture
def published(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.client.app.state.clock = lambda: OCT_20
    return service, rota


def feed_token(service: Service, who: str = "lead", **body: Any) -> dict[str, Any]:
    return service.call("POST", "/api/calendar-tokens", who, json={"team": "tiny", **body}, expect=201).json()


def get_feed(service: Service, token: str, **headers: str) -> Any:
    return service.client.get(f"/calendars/{token}.ics", headers=headers)


def test_person_feed_parses_both_ways_with_times_across_dst(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    token = feed_token(service, "staff", kind="person")
    assert token["person"] == "noor" and token["webcal"].startswith("webcal://")
    response = get_feed(service, token["token"])
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    cal_props, events = parse_events(response.text)
    mine = {(a["date"], a["shift"]): a for a in rota["assignments"] if a["person"] == "noor"}
    assert len(events) == len(mine) > 0
    assert cal_props["X-WR-CALNAME"] == "Noor de Vries — Tiny Help Desk"
    assert cal_props["REFRESH-INTERVAL"] == "PT1H"
    for ev in events:
        a = mine[(ev["DTSTART"].date().isoformat(), "am" if ev["DTSTART"].hour == 9 else "pm")]
        assert ev["SUMMARY"] == f"Service desk · {a['shift']}"  # role and shift (the shift's id: no name)
        assert ev["TRANSP"] == "OPAQUE" and ev["SEQUENCE"] == "0"
        assert ev["DTSTART_TZID"] == "Europe/Amsterdam" and ev["DTSTAMP"].endswith("Z")
        assert ev["DTSTART"] == datetime.fromisoformat(a["start"]) and ev["DTEND"] == datetime.fromisoformat(
            a["end"]
        )
    parsed = icalendar.Calendar.from_ical(response.content)
    assert parsed.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
    for ev, mine_ev in zip(parsed.walk("VEVENT"), events, strict=True):
        assert ev.decoded("DTSTART") == mine_ev["DTSTART"] and str(ev["UID"]) == mine_ev["UID"]


def test_team_feed_names_people_and_keeps_local_times_across_the_change(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    response = get_feed(service, feed_token(service, kind="team")["token"])
    _, events = parse_events(response.text)
    assert len(events) == len(rota["assignments"])
    names = {p["name"] for p in team_doc()["people"]}
    assert all(ev["SUMMARY"].split(": ")[0] in names for ev in events)
    desk = [ev for ev in events if ev["SUMMARY"].endswith("Service desk · am") and ev["DTSTART"].hour == 9]
    offsets = {ev["DTSTART"].date().isoformat(): ev["DTSTART"].utcoffset() for ev in desk}
    assert offsets["2026-10-23"] == timedelta(hours=2) and offsets["2026-10-26"] == timedelta(hours=1)
    utc = {
        d: ev["DTSTART"].astimezone(UTC).hour
        for d, ev in ((e["DTSTART"].date().isoformat(), e) for e in desk)
    }
    assert (utc["2026-10-23"], utc["2026-10-26"]) == (7, 8)
    night = [ev for ev in events if ev["SUMMARY"].endswith("On call · night") and ev["DTSTART"].day == 24]
    # same-zone datetimes subtract as wall times (8 h); the real elapsed time is 9 h
    assert len(night) == 1 and night[0]["DTEND"] - night[0]["DTSTART"] == timedelta(hours=8)
    assert night[0]["DTEND"].astimezone(UTC) - night[0]["DTSTART"].astimezone(UTC) == timedelta(hours=9)
    parsed = icalendar.Calendar.from_ical(response.content)
    long_night = [
        e
        for e in parsed.walk("VEVENT")
        if e.decoded("DTSTART").date().isoformat() == "2026-10-24" and e.decoded("DTSTART").hour == 22
    ]
    assert long_night[0].decoded("DTEND").astimezone(UTC) - long_night[0].decoded("DTSTART").astimezone(
        UTC
    ) == timedelta(hours=9)


def test_the_feed_and_the_rota_export_name_shifts_alike(published: tuple[Service, dict[str, Any]]) -> None:
    """One SUMMARY for a duty, role and shift, in the live team feed and the rota's .ics export (what
    `rota export -f ics` and `rota solve -o FILE.ics` write): shift names when the team gives them."""
    service, _ = published
    doc = team_doc()
    doc["shifts"]["am"]["name"] = "Early"
    doc["shifts"]["night"]["name"] = "Night watch"
    service.put_team(doc=doc)
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    _, feed = parse_events(get_feed(service, feed_token(service, kind="team")["token"]).text)
    exported = icalendar.Calendar.from_ical(service.call("GET", f"/api/rotas/{rota['id']}.ics").content)
    in_feed = sorted((ev["DTSTART"].astimezone(UTC), ev["SUMMARY"]) for ev in feed)
    in_file = sorted(
        (e.decoded("DTSTART").astimezone(UTC), str(e["SUMMARY"])) for e in exported.walk("VEVENT")
    )
    assert in_feed == in_file and len(in_feed) == len(rota["assignments"])
    summaries = {s for _, s in in_feed}
    assert "Noor de Vries: Service desk · Early" in summaries  # the shift's name
    assert "Noor de Vries: Service desk · pm" in summaries  # no name: its id
    assert any(s.endswith(": On call · Night watch") for s in summaries)


def test_role_feed_says_who_is_on_and_busy_0_is_transparent(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    token = feed_token(service, "hr", kind="role", role="oncall")["token"]
    _, events = parse_events(get_feed(service, token).text)
    oncall = [a for a in rota["assignments"] if a["role"] == "oncall"]
    assert len(events) == len(oncall) and all(ev["SUMMARY"].endswith(": On call · night") for ev in events)
    free = service.client.get(f"/calendars/{token}.ics?busy=0")
    _, events = parse_events(free.text)
    assert {ev["TRANSP"] for ev in events} == {"TRANSPARENT"}
    assert free.headers["etag"] != get_feed(service, token).headers["etag"]


def test_etag_304_and_republish_raises_sequence_and_removes_shifts(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    token = feed_token(service, kind="team")["token"]
    first = get_feed(service, token)
    etag = first.headers["etag"]
    again = get_feed(service, token, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    _, before = parse_events(first.text)
    # a renamed person and a removed shift, then the same rota published again
    doc = team_doc()
    doc["people"][0]["name"] = "Noor van Dijk"
    service.put_team(doc=doc)
    gone = next(a for a in rota["assignments"] if a["person"] != "noor")
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={"op": "remove", **{k: gone[k] for k in ("person", "role", "shift", "date")}, "force": True},
        expect=200,
    )
    assert len(parse_events(get_feed(service, token).text)[1]) == len(before)  # the edit waits for Publish
    service.call("POST", f"/api/rotas/{rota['id']}/publish", json={"note": "one shift less"}, expect=200)
    service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        expect=409,
        json={"op": "remove", **{k: gone[k] for k in ("person", "role", "shift", "date")}},
    )
    changed = get_feed(service, token, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    _, after = parse_events(changed.text)
    old, new = {e["UID"]: e for e in before}, {e["UID"]: e for e in after}
    assert set(new) == set(old)  # the new rota has the removed shift again, under the same UID
    gone_uid = event_uid("tiny", gone["person"], gone["role"], gone["date"], gone["shift"])
    for uid, ev in new.items():
        if uid == gone_uid:  # removed (SEQUENCE 1), then back (SEQUENCE 2)
            assert ev["SEQUENCE"] == "2" and ev["LAST-MODIFIED"] >= old[uid]["LAST-MODIFIED"]
        elif ev["SUMMARY"].startswith("Noor"):
            assert ev["SUMMARY"].startswith("Noor van Dijk: Service desk · ") and ev["SEQUENCE"] == "1"
            assert ev["LAST-MODIFIED"] >= old[uid]["LAST-MODIFIED"]
        else:
            assert ev["SEQUENCE"] == "0" and ev["LAST-MODIFIED"] == old[uid]["LAST-MODIFIED"]


def gone_name(assignment: dict[str, Any]) -> str:
    return next(p["name"] for p in team_doc()["people"] if p["id"] == assignment["person"])


def test_a_removed_shift_disappears(published: tuple[Service, dict[str, Any]]) -> None:
    service, rota = published
    token = feed_token(service, kind="team")["token"]
    gone = rota["assignments"][0]
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={"op": "remove", **{k: gone[k] for k in ("person", "role", "shift", "date")}, "force": True},
        expect=200,
    )
    _, events = parse_events(get_feed(service, token).text)
    assert len(events) == len(rota["assignments"])  # the change waits for Publish
    service.call("POST", f"/api/rotas/{rota['id']}/publish", expect=200)
    _, events = parse_events(get_feed(service, token).text)
    assert len(events) == len(rota["assignments"]) - 1
    assert not any(
        ev["DTSTART"] == datetime.fromisoformat(gone["start"]) and gone_name(gone) in ev["SUMMARY"]
        for ev in events
    )


def test_window_runs_from_30_days_back(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    token = feed_token(service, kind="team")["token"]
    service.client.app.state.clock = lambda: datetime(2026, 11, 25, 12, tzinfo=UTC)
    _, events = parse_events(get_feed(service, token).text)
    assert events and min(ev["DTEND"] for ev in events) >= datetime(2026, 10, 26, tzinfo=UTC)
    service.client.app.state.clock = lambda: datetime(2026, 12, 31, tzinfo=UTC)
    _, events = parse_events(get_feed(service, token).text)
    assert events == []


def test_tokens_are_random_hashed_and_revoked_at_once(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    made = feed_token(service, kind="team")
    secret = made["token"].removeprefix("cal_")
    assert len(secret) * 6 >= 128 and made["token"] != feed_token(service, kind="team")["token"]
    with service.db.read() as session:
        row = session.get(CalendarToken, made["id"])
        assert row.token_hash == hashlib.sha256(made["token"].encode()).hexdigest()
        assert made["token"] not in {r.token_hash for r in session.scalars(select(CalendarToken))}
    assert get_feed(service, made["token"]).status_code == 200
    service.call("DELETE", f"/api/calendar-tokens/{made['id']}", expect=200)
    assert get_feed(service, made["token"]).status_code == 404
    assert service.client.get("/calendars/cal_nothing.ics").status_code == 404
    listed = service.call("GET", "/api/calendar-tokens", expect=200).json()
    assert made["id"] not in {t["id"] for t in listed}


def test_staff_make_only_their_own_person_feed(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    service.call(
        "POST",
        "/api/calendar-tokens",
        "staff",
        json={"team": "tiny", "kind": "person", "person": "sem"},
        expect=403,
    )
    service.call(
        "POST",
        "/api/calendar-tokens",
        "staff",
        json={"team": "tiny", "kind": "role", "role": "desk"},
        expect=403,
    )
    bad = service.call(
        "POST", "/api/calendar-tokens", json={"team": "tiny", "kind": "role", "role": "x"}, expect=422
    ).json()
    assert bad["detail"][0]["path"] == "role"


def test_a_feed_ends_with_the_staff_token_that_made_it(published: tuple[Service, dict[str, Any]]) -> None:
    """Issue 9: revoking a staff token ends the feeds it made; feeds a lead made for the team stay."""
    from rota.api.services.tokens import revoke_api_token

    service, _ = published
    mine = feed_token(service, "staff", kind="person", person="noor")
    team = feed_token(service, kind="team")
    assert get_feed(service, mine["token"]).status_code == 200
    with service.db.write() as session:
        revoke_api_token(session=session, secret=service.tokens.staff)
        session.commit()
    assert get_feed(service, mine["token"]).status_code == 404
    assert get_feed(service, team["token"]).status_code == 200


def test_a_duty_handed_to_another_person_keeps_its_uid_with_a_higher_sequence(make_service: Any) -> None:
    """Noor's duty moved to Lotte: the same UID, SEQUENCE 1, in the team feed and Lotte's, gone from Noor's,
    and Noor's email says removed under that UID; moved back, the same UID again (SEQUENCE 2); a new duty of
    Noor's on a date where her own UID went to Lotte gets another UID, the same on every publish."""
    service = make_service(solve_fn=quick_solve, notify_poll_seconds=3600)
    doc = team_doc()
    for person in doc["people"]:
        person["email"] = f"{person['id']}@desk.test"
    service.put_team(doc=doc)
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.client.app.state.clock = lambda: OCT_20
    duty = next(a for a in rota["assignments"] if a["person"] == "noor" and a["role"] == "desk")
    key = {k: duty[k] for k in ("role", "shift", "date")}
    uid = event_uid("tiny", "noor", duty["role"], duty["date"], duty["shift"])
    feeds = {
        who: feed_token(service, **({"kind": "team"} if who == "team" else {"kind": "person", "person": who}))
        for who in ("team", "noor", "lotte")
    }

    def events(who: str) -> dict[str, dict[str, Any]]:
        return {e["UID"]: e for e in parse_events(get_feed(service, feeds[who]["token"]).text)[1]}

    def publish_edit(rota_id: int, **edit: Any) -> int:
        service.call("POST", f"/api/rotas/{rota_id}/edits", json={**edit, "force": True}, expect=200)
        return int(service.call("POST", f"/api/rotas/{rota_id}/publish", json={}, expect=200).json()["id"])

    team_before = events("team")
    assert team_before[uid]["SEQUENCE"] == "0" and uid in events("noor")
    rota_id = publish_edit(rota["id"], op="move", person="noor", **key, to={"person": "lotte"})
    team = events("team")
    assert team[uid]["SEQUENCE"] == "1" and team[uid]["SUMMARY"].startswith("Lotte")
    assert set(team) == set(team_before)  # no UID vanished, none appeared
    assert all(team[u] == team_before[u] for u in set(team) - {uid})
    assert events("lotte")[uid]["SEQUENCE"] == "1" and uid not in events("noor")
    with service.db.read() as session:
        mails = {
            m.person: m.payload
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        }
    day = datetime.fromisoformat(duty["start"])
    assert mails["noor"]["lines"] == [f"{day:%a} {day.day} {day:%b}: {duty['shift']} removed"]
    (cancelled,) = icalendar.Calendar.from_ical(mails["noor"]["ics"]).walk("VEVENT")
    assert (str(cancelled["UID"]), str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == (
        uid,
        "CANCELLED",
        1,
    )
    (added,) = icalendar.Calendar.from_ical(mails["lotte"]["ics"]).walk("VEVENT")
    assert (str(added["UID"]), str(added["STATUS"]), int(added["SEQUENCE"])) == (uid, "CONFIRMED", 1)
    assert " added" in mails["lotte"]["lines"][0]
    # moved back: the same UID once more
    rota_id = publish_edit(rota_id, op="move", person="lotte", **key, to={"person": "noor"})
    assert events("team")[uid]["SEQUENCE"] == "2" and events("noor")[uid]["SEQUENCE"] == "2"
    assert uid not in events("lotte") and set(events("team")) == set(team_before)
    # to Lotte again, then Noor added beside her: Noor's own UID is Lotte's event now, so another one
    rota_id = publish_edit(rota_id, op="move", person="noor", **key, to={"person": "lotte"})
    rota_id = publish_edit(rota_id, op="add", person="noor", **key)
    team = events("team")
    [other] = set(team) - set(team_before)
    assert other != uid and other.endswith("@rota") and team[other]["SEQUENCE"] == "0"
    assert team[uid]["SUMMARY"].startswith("Lotte") and team[uid]["SEQUENCE"] == "3"
    assert set(events("noor")) - set(team_before) == {other}
    service.call("POST", f"/api/rotas/{rota_id}/publish", json={}, expect=200)  # published again: unchanged
    assert events("team") == team
