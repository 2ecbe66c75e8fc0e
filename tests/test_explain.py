"""Gap explanations: forced gaps come with the people who could fill them and what keeps each one out."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from rota.calendar import Calendar
from rota.coverage import gaps
from rota.document import gap_doc
from rota.explain import NOT_CHOSEN, compact_dates, explain, explain_all, group_reasons
from rota.records import Duty, GapStretch
from rota.team import Team

SMOD = ["smod"]
TEAM: dict[str, Any] = {
    "period": {"start": "2026-12-07", "end": "2026-12-11"},
    "opening_hours": {"weekdays": "08:00-18:00"},
    "core_hours": {"weekdays": "08:00-17:30"},
    "roles": {
        "smod": {"skills": SMOD, "demand": [{"days": "weekdays", "time": "opening_hours", "min": 1}]},
        "dba": {"skills": ["dba", "sql"], "demand": [{"days": "weekdays", "time": "09:00-10:00", "min": 1}]},
        "second": {"skills": ["second-line"]},
    },
    "shifts": {
        "am": {"start": "08:00", "end": "13:00"},
        "pm": {"start": "13:00", "end": "17:30"},
    },
    "rules": {"limits": [{"role": "smod", "max": 2, "per": "week"}]},
    "people": [
        {"id": "anna", "skills": SMOD},
        {
            "id": "bruno",
            "skills": SMOD,
            "unavailable": [{"from": "2026-12-07", "to": "2026-12-11", "reason": "leave"}],
        },
        {"id": "claire", "skills": SMOD, "days": "mon-wed"},
        {"id": "dev", "skills": SMOD, "rules": {"min_rest_hours": 16}},
        {"id": "elena", "skills": SMOD},
        {"id": "felix", "skills": [*SMOD, "second-line"], "rules": {"max_consecutive_days": 3}},
        {
            "id": "giulia",
            "skills": SMOD,
            "rules": {"max_hours_per_week": 12},
            "limits": [{"role": "smod", "max": 5, "per": "week"}],
        },
        {"id": "hana", "skills": SMOD},
        {"id": "ivan", "skills": []},
    ],
}
ROTA = [  # (person, role, shift, day of December)
    ("anna", "smod", "pm", 7),
    ("anna", "smod", "pm", 8),
    ("dev", "smod", "pm", 9),
    ("elena", "smod", "pm", 10),
    ("felix", "second", "pm", 7),
    ("felix", "second", "pm", 8),
    ("felix", "second", "pm", 9),
    ("giulia", "smod", "am", 7),
    ("giulia", "smod", "am", 8),
]


@pytest.fixture
def cal(make_team: Callable[..., Team]) -> Calendar:
    return Calendar(make_team(**TEAM))


def duties_of(cal: Calendar, rows: list[tuple[str, str, str, int]]) -> list[Duty]:
    return [cal.duty(p, r, s, date(2026, 12, d)) for p, r, s, d in rows]


def gap_at(cal: Calendar, found: list[GapStretch], role: str, day: int, clock: str) -> GapStretch:
    for g in found:
        start = cal.instant(g.start)
        if g.role == role and start.day == day and start.strftime("%H:%M") == clock:
            return g
    raise AssertionError(f"no {role} gap at {clock} on {day} Dec in {found}")


def test_each_person_gets_their_cause(cal: Calendar) -> None:
    duties = duties_of(cal, ROTA)
    gap = gap_at(cal, gaps(cal, duties), "smod", 10, "08:00")
    lines = explain(cal, duties, gap)
    assert lines == [
        f"1 needed, none on duty; 8 people hold the skills for smod, some free but not chosen ({NOT_CHOSEN})",
        "free but not chosen: hana (am)",
        "on leave: bruno (leave)",
        "outside their working days: claire (mon-wed)",
        "already on another duty: elena (smod pm)",
        "at a limit: anna (smod max 2 per week)",
        "weekly hours: giulia (15.0 h with it, max 12)",
        "resting after a shift: dev (14.5 h after pm on Wed 9 Dec)",
        "consecutive days: felix (4 in a row, max 3)",
    ]


def test_no_template_covers_the_stretch(cal: Calendar) -> None:
    duties = duties_of(cal, ROTA)
    gap = gap_at(cal, gaps(cal, duties), "smod", 10, "17:30")
    assert explain(cal, duties, gap) == ["no shift template for smod covers 17:30–18:00"]


def test_nobody_holds_the_skills(cal: Calendar) -> None:
    gap = gap_at(cal, gaps(cal, []), "dba", 7, "09:00")
    assert explain(cal, [], gap) == ["nobody holds the skills for dba (needs: dba, sql)"]


def test_person_already_on_duty_in_the_role_is_named(make_team: Callable[..., Team]) -> None:
    team = make_team(
        **{
            **TEAM,
            "roles": {
                "smod": {"skills": SMOD, "demand": [{"days": "weekdays", "time": "opening_hours", "min": 2}]}
            },
            "rules": {},
        }
    )
    cal = Calendar(team)
    duties = duties_of(cal, [("anna", "smod", "am", 7)])
    gap = gap_at(cal, gaps(cal, duties), "smod", 7, "08:00")
    lines = explain(cal, duties, gap)
    assert lines[0].startswith("2 needed, 1 on duty; 8 people hold the skills for smod, some free")
    assert "already on duty in smod then: anna" in lines
    assert lines[1] == (
        "free but not chosen: claire (am), dev (am), elena (am), felix (am), giulia (am), hana (am)"
    )


def test_leave_over_part_of_the_day_and_rest_from_history(make_team: Callable[..., Team]) -> None:
    people = [
        {
            "id": "felix",
            "skills": SMOD,
            "unavailable": [{"from": "2026-12-07T13:00", "to": "2026-12-07T18:00", "reason": "committee"}],
        },
        {"id": "ana", "skills": SMOD, "rules": {"min_rest_hours": 48}},
    ]
    history = [{"person": "ana", "role": "smod", "shift": "pm", "date": "2026-12-04"}]
    cal = Calendar(make_team(**{**TEAM, "people": people, "history": history}))
    gap = gap_at(cal, gaps(cal, []), "smod", 7, "08:00")  # one stretch: the whole open day
    lines = explain(cal, [], gap)
    # felix could do the morning; ana's 48 h rest after Friday's pm ends on Sunday: both free
    assert lines[1] == "free but not chosen: felix (am), ana (am, pm)"
    daily = {"smod": {"skills": SMOD, "demand": [{"time": "opening_hours", "min": 1}]}}
    cal = Calendar(
        make_team(
            **{
                **TEAM,
                "people": people,
                "history": history,
                "roles": daily,
                "period": {"start": "2026-12-05", "end": "2026-12-11"},
                "opening_hours": {"daily": "08:00-18:00"},
                "core_hours": None,
            }
        )
    )
    gap = gap_at(cal, gaps(cal, []), "smod", 5, "08:00")  # Saturday: ana has rested 14.5 h of 48
    assert explain(cal, [], gap)[1:] == [
        "free but not chosen: felix (am, pm)",
        "resting after a shift: ana (14.5 h after pm on Fri 4 Dec)",
    ]


def test_explain_all_is_never_silent_and_fast(make_team: Callable[..., Team]) -> None:
    people = [
        {
            "id": f"p{i:02d}",
            "skills": ["desk"],
            "days": "mon-fri" if i % 3 else "daily",
            "unavailable": [{"date": f"2026-12-{1 + i % 28:02d}", "reason": "leave"}],
        }
        for i in range(40)
    ]
    team = make_team(
        period={"start": "2026-12-01", "end": "2026-12-31"},
        people=people,
        opening_hours={"daily": "08:00-18:00"},
        roles={"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 3}]}},
        shifts={"am": {"start": "08:00", "end": "13:00"}, "pm": {"start": "13:00", "end": "18:00"}},
        rules={"max_hours_per_week": 40, "limits": [{"role": "desk", "max": 4, "per": "week"}]},
    )
    cal = Calendar(team)
    duties, k = [], 0
    for slot in cal.slots:
        for _ in range(2):
            duties.append(cal.duty(f"p{k % 40:02d}", "desk", slot.shift, slot.date))
            k += 1
    found = gaps(cal, duties)
    assert len(found) >= 30
    began = time.perf_counter()
    reasons = explain_all(cal, duties, found)
    assert time.perf_counter() - began < 5
    assert len(reasons) == len(found) and all(r for r in reasons)
    assert all("40 people hold the skills for desk" in r[0] for r in reasons)
    assert all(len(line.split(", ")) <= 8 or "more" in line for r in reasons for line in r[1:])


def test_gap_spanning_midnight_finds_the_night_shift(make_team: Callable[..., Team]) -> None:
    team = make_team(
        period={"start": "2026-10-24", "end": "2026-10-25"},
        opening_hours={"daily": "00:00-24:00"},
        roles={"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]}},
        shifts={"night": {"start": "22:00", "end": "06:00"}},
        people=[{"id": "amara", "skills": ["desk"]}],
    )
    cal = Calendar(team)
    gap = gap_at(cal, gaps(cal, []), "desk", 24, "00:00")
    lines = explain(cal, [], gap)
    assert lines[1] == "free but not chosen: amara (night)"
    first = date(2026, 10, 24)
    assert cal.slot("night", first).minutes == 9 * 60
    assert cal.slot("night", first + timedelta(days=1)).minutes == 8 * 60


def test_where_each_person_is_names_other_roles_and_caps_the_list(make_team: Callable[..., Team]) -> None:
    people = [{"id": f"p{i}", "skills": SMOD} for i in range(11)]
    people.append({"id": "felix", "skills": [*SMOD, "second-line"]})
    cal = Calendar(make_team(**{**TEAM, "people": people, "rules": {}}))
    duties = duties_of(cal, [("felix", "second", "am", 7)])
    gap = gap_at(cal, gaps(cal, duties), "smod", 7, "08:00")
    lines = explain(cal, duties, gap)
    assert lines[0].startswith("1 needed, none on duty; 12 people hold the skills for smod, some free")
    assert lines[1] == (
        "free but not chosen: p0 (am, pm), p1 (am, pm), p2 (am, pm), p3 (am, pm), "
        "p4 (am, pm), p5 (am, pm), p6 (am, pm), p7 (am, pm) +3 more"
    )
    assert lines[2] == "already on another duty: felix (second am)"


# two weeks of weekdays: core 08:00-17:00 has shifts, 17:00-18:00 none
WEEKS: dict[str, Any] = {
    **TEAM,
    "period": {"start": "2026-12-07", "end": "2026-12-18"},
    "core_hours": {"weekdays": "08:00-17:00"},
    "roles": {"smod": TEAM["roles"]["smod"]},
    "rules": {},
    "shifts": {"am": {"start": "08:00", "end": "13:00"}, "pm": {"start": "13:00", "end": "17:00"}},
}


def test_ten_weekday_gaps_with_one_reason_are_one_line(make_team: Callable[..., Team]) -> None:
    cal = Calendar(make_team(**{**WEEKS, "people": [{"id": "anna", "skills": SMOD}]}))
    found = gaps(cal, [])
    docs = [gap_doc(cal, g, r) for g, r in zip(found, explain_all(cal, [], found), strict=True)]
    assert len(docs) == 20
    grouped = group_reasons(docs)
    assert [g.text for g in grouped] == [
        "smod 08:00–17:00: 1 needed, none on duty; 1 person holds the skills for smod, "
        f"some free but not chosen ({NOT_CHOSEN}) — weekdays 7–18 Dec, 10 dates",
        "no shift template for smod covers 17:00–18:00 — weekdays 7–18 Dec, 10 dates",
    ]
    first, late = grouped
    assert first.details == ("free but not chosen: anna (am, pm)",) and first.core and not late.core
    assert len(late.dates) == 10 and late.gaps == 10 and late.details == ()
    # the JSON form of the rota document groups the same way
    assert [g.as_dict() for g in group_reasons([d.model_dump(mode="json") for d in docs])] == [
        g.as_dict() for g in grouped
    ]
    assert late.as_dict()["dates"][:2] == ["2026-12-07", "2026-12-08"] and late.as_dict()["gaps"] == 10


def test_reasons_that_differ_stay_separate(make_team: Callable[..., Team]) -> None:
    people = [
        {"id": "anna", "skills": SMOD, "unavailable": [{"date": "2026-12-09", "reason": "training"}]},
        {"id": "bo", "skills": SMOD, "days": "mon-thu"},
    ]
    cal = Calendar(make_team(**{**WEEKS, "people": people}))
    duties = duties_of(cal, [("bo", "smod", "am", d) for d in (7, 8, 9, 10, 14, 15, 16, 17)])
    found = [g for g in gaps(cal, duties) if cal.instant(g.start).hour < 17]
    grouped = group_reasons(
        gap_doc(cal, g, r) for g, r in zip(found, explain_all(cal, duties, found), strict=True)
    )
    texts = [g.text for g in grouped]
    assert len(texts) == len(set(texts)) == 3, texts
    by_window = {g.window: g for g in grouped if "some free" in g.reason}
    # bo works the mornings Mon-Thu: the afternoons need one more, anna is free but for the 9th
    pm = by_window["13:00–17:00"]
    assert pm.text.endswith("— 7–8, 10, 14–17 Dec, 7 dates")
    assert pm.details == ("free but not chosen: anna (pm)", "already on another duty: bo (smod am)")
    # Wednesday 9th: anna on training, bo in the morning: nobody free
    wed = next(g for g in grouped if "none of them free" in g.reason)
    assert wed.dates == (date(2026, 12, 9),) and wed.text.endswith("— Wed 9 Dec, 1 date")
    assert wed.details == ("on leave: anna (training)", "already on another duty: bo (smod am)")
    # Fridays: bo does not work them, the whole day is open
    fri = by_window["08:00–17:00"]
    assert fri.text.endswith("— 11, 18 Dec, 2 dates")
    assert fri.details == ("free but not chosen: anna (am, pm)", "outside their working days: bo (mon-thu)")


def test_merged_people_keep_figures_only_when_they_agree() -> None:
    lines = [
        ["outside their working days: bo (mon-thu)", "resting after a shift: dev (14.5 h after pm)"],
        [
            "outside their working days: bo (mon-thu)",
            "resting after a shift: dev (12.0 h after pm)",
            "on leave: a, b, c, d, e, f, g, h +2 more",
        ],
    ]
    docs = [
        {
            "role": "r",
            "start": f"2026-12-0{d}T08:00:00+00:00",
            "end": f"2026-12-0{d}T09:00:00+00:00",
            "core": True,
            "reasons": ["same headline", *r],
        }
        for d, r in zip((1, 2), lines, strict=True)
    ]
    [grouped] = group_reasons(docs)
    assert grouped.details == (
        "on leave: a, b, c, d, e, f, g, h +2 more",
        "outside their working days: bo (mon-thu)",
        "resting after a shift: dev",
    )
    assert grouped.text == "r 08:00–09:00: same headline — 1–2 Dec, 2 dates"


def test_rotas_stored_before_grouping_still_group() -> None:
    old = [
        {
            "role": "smod",
            "start": f"2026-12-{d:02d}T17:30:00+00:00",
            "end": f"2026-12-{d:02d}T18:00:00+00:00",
            "core": False,
            "reasons": [f"no shift template for smod covers 17:30-18:00 on {w} {d} Dec"],
        }
        for w, d in (("Mon", 7), ("Tue", 8))
    ]
    assert [g.text for g in group_reasons(old)] == [
        "no shift template for smod covers 17:30–18:00 — 7–8 Dec, 2 dates"
    ]


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ([date(2026, 12, 10)], "Thu 10 Dec, 1 date"),
        ([date(2026, 12, d) for d in (7, 8, 9, 10, 11)], "7–11 Dec, 5 dates"),
        ([date(2026, 12, d) for d in (7, 14, 21, 28)], "Mondays 7–28 Dec, 4 dates"),
        ([date(2026, 12, d) for d in (5, 6, 12, 13)], "weekends 5–13 Dec, 4 dates"),
        ([date(2026, 12, d) for d in (1, 2, 3, 8, 9, 10)], "Tue–Thu 1–10 Dec, 6 dates"),
        ([date(2026, 12, d) for d in (7, 9, 11, 14, 16)], "Mon/Wed/Fri 7–16 Dec, 5 dates"),
        ([date(2026, 12, d) for d in (1, 2, 3, 7, 9)], "1–3, 7, 9 Dec, 5 dates"),
        ([date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3)], "30 Nov–1 Dec, 3 Dec, 3 dates"),
        ([date(2026, 12, 31), date(2027, 1, 1)], "31 Dec 2026–1 Jan 2027, 2 dates"),
        ([date(2026, 12, d) for d in range(1, 31, 2)], "1, 3, 5, 7, 9, 11, 13, …, 29 Dec, 15 dates"),
    ],
)
def test_compact_dates(days: list[date], text: str) -> None:
    assert compact_dates(days) == text
