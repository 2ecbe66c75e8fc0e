"""The reference coverage (rota.reference): hand-made answers, and agreement with rota.coverage."""

from __future__ import annotations

import copy
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

from rota import reference as ref
from rota.calendar import Calendar
from rota.coverage import gap_minutes, gaps
from rota.document import RotaDocument, assignment_doc, gap_doc
from rota.load import TeamFileError, parse_team
from rota.records import GapStretch
from rota.team import Team

Row = tuple[str, str, str]  # (role, shift, date)


def team_of(**data: Any) -> Team:
    """A checked team from a few keys (London, one nobody, unless given)."""
    base: dict[str, Any] = {"team": "T", "timezone": "Europe/London", "people": [{"id": "p"}]}
    return parse_team(base | copy.deepcopy(data))


def z(text: str) -> int:
    """Epoch minute of a UTC wall time ``YYYY-MM-DDTHH:MM``."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) // 60


def ref_duties(team: Team, rows: list[Row]) -> list[ref.Interval]:
    return [
        ref.Interval(role, *ref.duty_interval(team, shift, date.fromisoformat(d))) for role, shift, d in rows
    ]


def reference(team: Team, start: str, end: str, rows: list[Row]):
    """(gap stretches, (core, other) minutes) of the reference."""
    a, b, duties = date.fromisoformat(start), date.fromisoformat(end), ref_duties(team, rows)
    return ref.reference_gaps(team, a, b, duties), ref.reference_gap_minutes(team, a, b, duties)


def fast(team: Team, start: str, end: str, rows: list[Row]):
    """(gap stretches, (core, other) minutes) of rota.calendar + rota.coverage."""
    cal = Calendar(team, date.fromisoformat(start), date.fromisoformat(end))
    stretches = gaps(cal, [cal.duty("p", role, shift, date.fromisoformat(d)) for role, shift, d in rows])
    return stretches, gap_minutes(stretches)


# -- hand-made answers ------------------------------------------------------------------------------
NIGHT = {
    "opening_hours": {"daily": "22:00-06:00"},
    "core_hours": {"daily": "23:00-03:00"},
    "roles": {"night": {"demand": [{"time": "opening_hours", "min": 1}]}},
    "shifts": {"night": {"start": "22:00", "end": "06:00"}, "late": {"start": "22:00", "end": "02:00"}},
}


@pytest.mark.parametrize(
    ("day", "rows", "expected", "minutes"),
    [
        (
            "2026-03-28",
            [],
            [
                ("2026-03-28T22:00", "2026-03-28T23:00", 0, False),  # spring: 7 h
                ("2026-03-28T23:00", "2026-03-29T02:00", 0, True),  # 03:00 BST is 02:00Z
                ("2026-03-29T02:00", "2026-03-29T05:00", 0, False),
            ],
            (180, 240),
        ),
        (
            "2026-03-29",
            [],
            [
                ("2026-03-29T21:00", "2026-03-29T22:00", 0, False),  # the first BST night: 8 h
                ("2026-03-29T22:00", "2026-03-30T02:00", 0, True),
                ("2026-03-30T02:00", "2026-03-30T05:00", 0, False),
            ],
            (240, 240),
        ),
        (
            "2026-10-24",
            [],
            [
                ("2026-10-24T21:00", "2026-10-24T22:00", 0, False),  # autumn: 9 h
                ("2026-10-24T22:00", "2026-10-25T03:00", 0, True),
                ("2026-10-25T03:00", "2026-10-25T06:00", 0, False),
            ],
            (300, 240),
        ),
        (
            "2026-10-24",
            [("night", "late", "2026-10-24")],  # late 22:00 BST-02:00 GMT: 5 h on duty
            [
                ("2026-10-25T02:00", "2026-10-25T03:00", 0, True),
                ("2026-10-25T03:00", "2026-10-25T06:00", 0, False),
            ],
            (60, 180),
        ),
        ("2026-10-24", [("night", "night", "2026-10-24")], [], (0, 0)),
    ],
)
def test_night_window_across_the_clock_changes(day: str, rows: list[Row], expected: list, minutes) -> None:
    team = team_of(**NIGHT)
    want = [GapStretch("night", z(a), z(b), 1, n, core) for a, b, n, core in expected]
    assert reference(team, day, day, rows) == (want, minutes)
    assert fast(team, day, day, rows) == (want, minutes)


def test_shift_lengths_on_the_clock_changes() -> None:
    team = team_of(**NIGHT)
    lengths = {
        d: (lambda s, e: e - s)(*ref.duty_interval(team, "night", date.fromisoformat(d)))
        for d in ("2026-03-28", "2026-10-24", "2026-10-25")
    }
    assert lengths == {"2026-03-28": 7 * 60, "2026-10-24": 9 * 60, "2026-10-25": 8 * 60}


DESK = {
    "holidays": {"country": "GB", "subdivision": "ENG"},
    "closures": ["2026-12-24"],
    "opening_hours": {"weekdays": "08:00-18:00"},
    "core_hours": {"weekdays": "10:00-16:00"},
    "roles": {
        "desk": {
            "demand": [
                {"days": "weekdays", "time": "opening_hours", "min": 1},
                {"days": "weekdays", "time": "core_hours", "min": 2},
                {"dates": ["2026-12-29"], "time": "09:00-12:00", "min": 3},
            ]
        }
    },
    "shifts": {"am": {"start": "08:00", "end": "13:00"}},
}


def test_holidays_closures_weekends_one_off_dates_and_core() -> None:
    # Thu 24 closure, Fri 25 Christmas, Sat/Sun no opening hours, Mon 28 Boxing Day (observed): only
    # Tue 29 has demand, with the one-off 09:00-12:00 peak of 3 on top of opening and core hours
    team = team_of(**DESK)
    rows = [("desk", "am", "2026-12-24"), ("desk", "am", "2026-12-29")]
    want = [
        GapStretch("desk", z(f"2026-12-29T{a}"), z(f"2026-12-29T{b}"), r, n, c)
        for a, b, r, n, c in [
            ("09:00", "10:00", 3, 1, False),
            ("10:00", "12:00", 3, 1, True),
            ("12:00", "13:00", 2, 1, True),
            ("13:00", "16:00", 2, 0, True),
            ("16:00", "18:00", 1, 0, False),
        ]
    ]
    assert reference(team, "2026-12-24", "2026-12-29", rows) == (want, (660, 240))
    assert fast(team, "2026-12-24", "2026-12-29", rows) == (want, (660, 240))
    without = team_of(**DESK | {"holidays": None, "closures": []})
    assert {g.start // 1440 for g in reference(without, "2026-12-24", "2026-12-29", [])[0]} == {
        z(f"2026-12-{d}T00:00") // 1440 for d in (24, 25, 28, 29)
    }


# Demand windows the spec counts that rota.calendar once clipped to the horizon's opening instants
# (found by the property test below).
CLIPPED = [
    # a 22:00-06:00 window on the last date of the horizon belongs to that date
    (
        {
            "opening_hours": {"daily": "00:00-24:00"},
            "roles": {"r": {"demand": [{"time": "22:00-06:00", "min": 1}]}},
        },
        "2026-12-23",
        "2026-12-23",
        [("2026-12-23T22:00", "2026-12-24T06:00")],
    ),
    # ... and so does one running into a public holiday (the holiday has no demand of its own)
    (
        {
            "opening_hours": {"daily": "00:00-24:00"},
            "holidays": {"country": "GB", "subdivision": "ENG"},
            "roles": {"r": {"demand": [{"time": "22:00-06:00", "min": 1}]}},
        },
        "2026-12-24",
        "2026-12-25",
        [("2026-12-24T22:00", "2026-12-25T06:00")],
    ),
    # spring forward: opening 01:30 (does not exist; fold=0 reads it as GMT) is 01:30Z, but the
    # demand window 02:00-03:00 BST starts at 01:00Z
    (
        {
            "opening_hours": {"daily": "01:30-05:00"},
            "roles": {"r": {"demand": [{"time": "02:00-03:00", "min": 1}]}},
        },
        "2026-03-29",
        "2026-03-29",
        [("2026-03-29T01:00", "2026-03-29T02:00")],
    ),
]


@pytest.mark.parametrize(("data", "start", "end", "expected"), CLIPPED)
def test_demand_belongs_to_its_start_date(data: dict, start: str, end: str, expected: list) -> None:
    team = team_of(**data, shifts={"x": {"start": "22:00", "end": "06:00"}})
    want = [GapStretch("r", z(a), z(b), 1, 0, False) for a, b in expected]
    assert reference(team, start, end, [])[0] == want


@pytest.mark.parametrize(("data", "start", "end", "expected"), CLIPPED)
def test_fast_side_counts_the_same_demand(data: dict, start: str, end: str, expected: list) -> None:
    team = team_of(**data, shifts={"x": {"start": "22:00", "end": "06:00"}})
    assert fast(team, start, end, []) == reference(team, start, end, [])


def test_compare_with_document() -> None:
    team, day = team_of(**NIGHT), date(2026, 10, 24)
    cal = Calendar(team, day, day)
    duty = cal.duty("p", "night", "late", day)
    stretches = ref.reference_gaps(team, day, day, [duty])

    def doc(gap_list: list[GapStretch]) -> RotaDocument:
        return RotaDocument(
            team="T",
            timezone=team.timezone,
            period={"start": day, "end": day},
            assignments=[assignment_doc(cal, duty)],
            gaps=[gap_doc(cal, g) for g in gap_list],
        )

    assert ref.compare_with_document(team, doc(stretches)) == []
    assert ref.compare_with_document(team, doc(stretches[1:])) == [
        "missing gap: night 2026-10-25T02:00:00+00:00 to 2026-10-25T03:00:00+00:00: 0 of 1 on duty (core) "
        "is not in the document's gaps"
    ]
    wrong = [GapStretch("night", stretches[0].start, stretches[-1].end, 1, 0, True)]
    assert [line[:12] for line in ref.compare_with_document(team, doc(wrong))] == [
        "missing gap:",
        "missing gap:",
        "phantom gap:",
    ]
    assert ref.compare_stretches(team, stretches, stretches[:1], "fast") == [
        "the reference has gap night 2026-10-25T03:00:00+00:00 to 2026-10-25T06:00:00+00:00: 0 of 1 on "
        "duty (non-core); fast does not"
    ]


def test_a_month_of_three_roles_is_quick() -> None:
    demand = [
        {"time": "opening_hours", "min": 2},
        {"time": "core_hours", "min": 3},
        {"time": "22:00-06:00", "min": 1},
    ]
    team = team_of(
        opening_hours={"daily": "00:00-24:00"},
        core_hours={"weekdays": "09:00-17:00"},
        roles={r: {"demand": demand} for r in ("a", "b", "c")},
        shifts={
            "e": {"start": "06:00", "end": "14:00"},
            "l": {"start": "14:00", "end": "22:00"},
            "n": {"start": "22:00", "end": "06:00"},
        },
    )
    start = date(2026, 10, 10)
    rows = [
        (r, s, str(start + timedelta(days=k)))
        for k in range(31)
        for r in "abc"
        for s in "eln"
        for _ in range((k + ord(r) + ord(s)) % 3)
    ]
    began = time.perf_counter()
    core, other = reference(team, "2026-10-10", "2026-11-09", rows)[1]
    assert time.perf_counter() - began < 10  # about 0.4 s; generous for a shared machine
    assert core > 0 and other > 0


# -- agreement with rota.coverage on random small teams --------------------------------------------
ZONES = {"Europe/London": ("GB", "ENG"), "Europe/Amsterdam": ("NL", None), "America/New_York": ("US", "NY")}
ANCHORS = [
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 3, 8),
    date(2026, 11, 1),  # clock changes
    date(2026, 12, 25),
    date(2026, 5, 4),
    date(2026, 4, 27),
    date(2026, 11, 26),
    date(2026, 7, 15),
]
KEYS = [["daily"], ["weekdays", "weekends"], ["mon-fri", "sat"], ["mon,wed,fri", "tue,thu", "sat-sun"]]
HALF_HOURS = st.integers(0, 47).map(lambda k: k * 30)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def text(a: int, b: int) -> str:
    """A window of minutes after midnight (a < 1440, a < b <= a + 1440) as "HH:MM-HH:MM"."""
    return f"{clock(a)}-{'24:00' if b == 1440 else clock(b % 1440)}"


@st.composite
def inside(draw: st.DrawFn, window: tuple[int, int]) -> tuple[int, int]:
    """A half-hour sub-window of ``window`` starting on its own date."""
    s, e = window
    a = draw(st.integers(s // 30, min(e, 1440) // 30 - 1)) * 30
    return a, draw(st.integers(a // 30 + 1, e // 30)) * 30


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], date, date, list[Row]]:
    """A random small team document, a horizon of a few days near a clock change or holiday, duties."""
    tz = draw(st.sampled_from(sorted(ZONES)))
    first = draw(st.sampled_from(ANCHORS)) - timedelta(days=draw(st.integers(0, 3)))
    last = first + timedelta(days=draw(st.integers(0, 3)))
    allday = draw(st.booleans()) and draw(st.booleans())
    keys = ["daily"] if allday else draw(st.sampled_from(KEYS))
    opening: dict[str, list[tuple[int, int]]] = {}
    for i, key in enumerate(keys):
        if allday:
            opening[key] = [(0, 1440)]
        elif i == 0 or draw(st.booleans()):
            starts = draw(st.lists(HALF_HOURS, min_size=1, max_size=2, unique=True))
            opening[key] = [(s, s + draw(st.integers(2, 48)) * 30) for s in starts]
    core = {k: draw(inside(draw(st.sampled_from(ws)))) for k, ws in opening.items() if draw(st.booleans())}
    roles: dict[str, Any] = {}
    for rid in ["r1", "r2", "r3"][: draw(st.integers(1, 3))]:
        demand = []
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(sorted(opening)))
            what = draw(st.sampled_from(["opening_hours", "core_hours", "window", "window", "dates"]))
            entry: dict[str, Any] = {"days": key, "min": draw(st.integers(0, 3))}
            if what == "core_hours" and core:
                entry["time"] = "core_hours"
            elif what == "opening_hours":
                entry["time"] = "opening_hours"
            else:  # anywhere in a 24-hour day; else inside one of the key's opening windows
                a, b = draw(inside((0, 1440) if allday else draw(st.sampled_from(opening[key]))))
                if allday and draw(st.booleans()):
                    b = a + draw(st.integers(1, 48)) * 30  # past midnight into the next date
                entry["time"] = text(a, b)
            if what == "dates":
                entry["dates"] = [str(first + timedelta(days=draw(st.integers(0, 3))))]
            demand.append(entry)
        roles[rid] = {"demand": demand}
    shifts = {}
    for k in range(draw(st.integers(1, 4))):
        start = draw(HALF_HOURS)
        end = (start + draw(st.integers(2, 24)) * 30) % 1440
        shifts[f"s{k}"] = {
            "start": clock(start),
            "end": clock(end),
            "roles": draw(st.lists(st.sampled_from(sorted(roles)), min_size=1, unique=True)),
        }
    data: dict[str, Any] = {
        "team": "Random",
        "timezone": tz,
        "people": [{"id": "p"}],
        "roles": roles,
        "shifts": shifts,
        "opening_hours": {k: [text(*w) for w in ws] for k, ws in opening.items()},
        "closures": [str(first + timedelta(days=draw(st.integers(0, 4))))][: draw(st.integers(0, 1))],
    }
    if core:
        data["core_hours"] = {k: text(*w) for k, w in core.items()}
    if draw(st.booleans()):
        country, sub = ZONES[tz]
        data["holidays"] = {"country": country} | ({"subdivision": sub} if sub else {})
    days = (last - first).days + 2  # from the day before the horizon: overnight shifts reach into it
    rows = [
        (draw(st.sampled_from(shifts[s]["roles"])), s, str(first + timedelta(days=d - 1)))
        for s, d in draw(
            st.lists(
                st.tuples(st.sampled_from(sorted(shifts)), st.integers(0, days - 1)), min_size=1, max_size=12
            )
        )
    ]
    return data, first, last, rows


def random_case(case: tuple[dict[str, Any], date, date, list[Row]]) -> tuple[Team, str, str, list[Row]]:
    data, first, last, rows = case
    try:
        team = parse_team(data)
    except TeamFileError:  # e.g. a shift that never meets demand (spec 1.1)
        assume(False)
        raise
    return team, str(first), str(last), rows


SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
NO_SHRINK = settings(SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])


@SETTINGS
@given(cases())
def test_reference_agrees_with_coverage(case) -> None:
    """DST, overnight windows, holidays, core, one-off dates, splits."""
    team, start, end, rows = random_case(case)
    assert reference(team, start, end, rows) == fast(team, start, end, rows)


@NO_SHRINK
@given(cases())
@example(
    (
        {
            "team": "T",
            "timezone": "Europe/London",
            "people": [{"id": "p"}],
            **CLIPPED[0][0],
            "shifts": {"x": {"start": "22:00", "end": "06:00"}},
        },
        date(2026, 12, 23),
        date(2026, 12, 23),
        [("r", "x", "2026-12-23")],
    )
)
def test_reference_agrees_with_coverage_unclipped(case) -> None:
    team, start, end, rows = random_case(case)
    assert reference(team, start, end, rows) == fast(team, start, end, rows)
