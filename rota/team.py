"""The team model: pydantic v2 models of the team file (shared/spec/team-file.md, plus our extensions).

These models check the shape of each field. Cross-references (unknown ids, demand outside the
opening hours, …) are checked in ``rota.teamcheck``; ``rota.load`` runs both and formats errors.
"""

from __future__ import annotations

import json
import re
from datetime import date as Date
from datetime import datetime as DateTime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rota import timeutil

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
ID_MAX = 64  # the database's id columns (person, role, shift) hold this many characters
NAME_MAX = 200  # and its name columns (team, and the names a feed shows)
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=ID_MAX)]
# C0 controls but tab, line feed and carriage return; DEL; C1 controls. openpyxl refuses them, iCal
# forbids them in text, PostgreSQL refuses NUL: text that reaches a spreadsheet or a calendar has none.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(value: str) -> str:
    bad = CONTROL_CHARACTERS.search(value)
    if bad is not None:
        raise ValueError(
            f"control character U+{ord(bad.group()):04X} at character {bad.start() + 1} is "
            "not allowed (text may hold tabs and line breaks, no other control characters)"
        )
    return value


# Bidirectional controls (embeddings, overrides, isolates, marks): a name holding U+202E shows the text
# around it reversed on a page, in a spreadsheet and in a calendar.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _stored(info: ValidationInfo | None) -> bool:
    """Whether a document stored before is being read (``parse_team(..., stored=True)``): the rules
    added since (one-line names, end == start) apply to what is sent, not to what is kept."""
    return bool(info is not None and isinstance(info.context, dict) and info.context.get("stored"))


def _plain_name(value: str, info: ValidationInfo) -> str:
    """A name is one line of plain text: no control character (line breaks included: a spreadsheet
    would start a row at a CR or LF) and no bidirectional control."""
    value = _no_control(value)
    if _stored(info):
        return value
    bad = re.search(r"[\r\n]", value)
    if bad is not None:
        what = "a line break" if bad.group() == "\n" else "a carriage return"
        raise ValueError(
            f"{what} (U+{ord(bad.group()):04X}) at character {bad.start() + 1} is not allowed "
            "in a name: write it on one line"
        )
    bad = BIDI_CONTROLS.search(value)
    if bad is not None:
        raise ValueError(
            f"the bidirectional control character U+{ord(bad.group()):04X} at character "
            f"{bad.start() + 1} is not allowed in a name: it reverses the text shown around it"
        )
    return value


Text = Annotated[str, AfterValidator(_no_control)]  # free text: descriptions, reasons, addresses
Name = Annotated[str, Field(max_length=NAME_MAX), AfterValidator(_plain_name)]  # names shown in views
# Numbers are bounded so that nothing a file says can overflow a date, a model or a database column.
Count = Annotated[int, Field(ge=0, le=100_000)]  # headcounts, limits, weekends, weights in points
Days = Annotated[int, Field(ge=1, le=10_000)]  # runs of days
WeekHours = Annotated[float, Field(ge=0, le=168, allow_inf_nan=False)]  # hours in a week (or of rest)
Hours = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]  # hours over a period
Weight = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]  # objective and request weights
TERM_NAMES = ("gap_core", "gap_other", "contract", "over_cover", "fairness", "preferences", "shift_cover")


def _check_days(value: str | list[str]) -> str | list[str]:
    timeutil.parse_days(value)
    return value


def _check_window(value: str) -> str:
    try:
        timeutil.parse_window(value)
    except ValueError as exc:
        end = value.rpartition("-")[2] if isinstance(value, str) else ""
        raise ValueError(f"{exc}{_after_midnight_hint(end, 'a window')}") from None
    return value


def _check_clock_start(value: str) -> str:
    timeutil.parse_clock(value)
    return value


def _check_clock_end(value: str) -> str:
    try:
        timeutil.parse_clock(value, allow_24=True)
    except ValueError as exc:
        raise ValueError(f"{exc}{_after_midnight_hint(value)}") from None
    return value


def _after_midnight_hint(text: str, what: str = "a shift") -> str:
    """For an end written past midnight (``"26:00"``): how to write it (``"02:00"``), else ""."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if m is None or not 24 <= int(m.group(1)) < 48 or int(m.group(2)) >= 60:
        return ""
    clock = f"{int(m.group(1)) - 24:02d}:{m.group(2)}"
    return (
        f': {what} that ends after midnight is written with the clock time it ends at, "{clock}"; '
        "an end no later than the start is read as the next day"
    )


def _check_zone(value: str) -> str:
    timeutil.zone(value)
    return value


DaySpec = Annotated[str | list[str], AfterValidator(_check_days)]
Window = Annotated[str, AfterValidator(_check_window)]
ClockStart = Annotated[str, AfterValidator(_check_clock_start)]
ClockEnd = Annotated[str, AfterValidator(_check_clock_end)]


class Model(BaseModel):
    """Base: unknown keys are mistakes, reported with their path."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class WeekPattern(RootModel[dict[str, Window | list[Window]]]):
    """Day specs mapped to one window or a list of windows; a weekday may be named once."""

    @model_validator(mode="after")
    def _one_key_per_weekday(self) -> WeekPattern:
        seen: dict[int, str] = {}
        for key in self.root:
            try:
                days = timeutil.parse_days(key)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
            for d in sorted(days):
                if d in seen:
                    name = timeutil.DAY_NAMES[d]
                    raise ValueError(f'{name} is named by both "{seen[d]}" and "{key}"')
                seen[d] = key
        return self

    def windows(self, weekday: int) -> list[tuple[int, int]]:
        """The (start, end) minute windows of a weekday, sorted."""
        for key, value in self.root.items():
            if weekday in timeutil.parse_days(key):
                items = value if isinstance(value, list) else [value]
                return sorted(timeutil.parse_window(w) for w in items)
        return []


class Period(Model):
    start: Date
    end: Date

    @model_validator(mode="after")
    def _forwards(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"the period runs backwards: end {self.end} is before start {self.start}")
        return self


class HolidaySpec(Model):
    country: Text
    subdivision: Text | None = None

    @model_validator(mode="after")
    def _known(self) -> HolidaySpec:
        import holidays

        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision, years=2026)
        except (NotImplementedError, KeyError, ValueError) as exc:
            raise ValueError(
                f"the holidays package does not know {self.country!r}"
                f"{'/' + self.subdivision if self.subdivision else ''}: {exc}"
            ) from None
        return self


class DemandEntry(Model):
    """Headcount a role needs over a window on matching open dates."""

    days: DaySpec = "daily"
    dates: list[Date] | None = None
    time: str
    min: Count

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if value not in ("opening_hours", "core_hours"):
            _check_window(value)
        return value


class ShiftDemandEntry(Model):
    """Extension: how many people a role wants on one shift on matching dates (soft)."""

    shift: Id
    days: DaySpec = "daily"
    dates: list[Date] | None = None
    min: Count = 0
    max: Count | None = None
    weight_under: Count = 1000
    weight_over: Count = 0


class ContactEntry(Model):
    """Extension (issue 23): contacts expected per interval over a window on matching open dates: one
    number for every interval of the window, or a list with one number per interval."""

    days: DaySpec = "daily"
    dates: list[Date] | None = None
    time: Window
    contacts: (
        Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
        | list[Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]]
    )

    def contacts_per_interval(self, interval: int) -> list[float]:
        a, b = timeutil.parse_window(self.time)
        n = -(-(b - a) // interval)
        return [float(self.contacts)] * n if not isinstance(self.contacts, list) else list(self.contacts)


class ServiceTarget(Model):
    """The share of contacts to answer within a time: ``{share: 0.8, within: 20}`` is 80 % in 20 s."""

    share: float = Field(gt=0, lt=1, allow_inf_nan=False)
    within: float = Field(ge=0, le=86_400, allow_inf_nan=False)  # seconds


MAX_ERLANGS = 1000  # a workload busier than this (people on contacts at once) is a typo, and slow to size


class Workload(Model):
    """Extension (issue 23): a role's demand from contacts (``rota.workload``, Erlang C)."""

    interval: Literal[15, 30, 60] = 30  # minutes
    handling_time: float = Field(gt=0, le=86_400, allow_inf_nan=False)  # seconds, on average
    target: ServiceTarget
    shrinkage: float = Field(default=0, ge=0, le=0.9, allow_inf_nan=False)
    contacts: list[ContactEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _intervals(self) -> Workload:
        for j, entry in enumerate(self.contacts):
            a, b = timeutil.parse_window(entry.time)
            if b > 1440:
                raise ValueError(f"contacts[{j}].time: a workload window ends by midnight ({entry.time})")
            n = -(-(b - a) // self.interval)
            if isinstance(entry.contacts, list) and len(entry.contacts) != n:
                raise ValueError(
                    f"contacts[{j}].contacts: {entry.time} has {n} intervals of {self.interval} minutes, "
                    f"so {n} numbers, not {len(entry.contacts)}"
                )
            most = max(entry.contacts_per_interval(self.interval), default=0)
            if most / (self.interval * 60) * self.handling_time > MAX_ERLANGS:
                raise ValueError(
                    f"contacts[{j}].contacts: {most:g} contacts of {self.handling_time:g} s in "
                    f"{self.interval} minutes keep more than {MAX_ERLANGS} people busy at once: "
                    "is a number wrong?"
                )
        return self


class Role(Model):
    name: Name | None = None
    description: Text | None = None
    skills: list[Id] = []
    demand: list[DemandEntry] = []
    shift_demand: list[ShiftDemandEntry] = []
    workload: Workload | None = None  # ext (issue 23): demand from contacts, mixed with ``demand``

    def all_demand(self) -> list[DemandEntry]:
        """The typed demand and the workload's, one entry per interval (``rota.workload``)."""
        if self.workload is None:
            return self.demand
        from rota.workload import demand_entries

        return [*self.demand, *demand_entries(self.workload)]


class Shift(Model):
    name: Name | None = None
    start: ClockStart
    end: ClockEnd
    days: DaySpec = "daily"
    roles: list[Id] | None = None
    hours: WeekHours | None = None  # ext: the shift's length, checked; `hours: 24` allows end == start

    @model_validator(mode="after")
    def _length(self, info: ValidationInfo) -> Shift:
        """A shift whose end equals its start is 0 or 24 hours long: refused unless ``hours: 24`` says
        which (a stored document keeps the 24 hours it was read with); ``hours`` given must be the
        shift's length (on a day without a clock change)."""
        start, end = timeutil.parse_clock(self.start), timeutil.parse_clock(self.end, allow_24=True)
        if end == start and self.hours is None and not _stored(info):
            fix = (
                'write end: "24:00"'
                if start == 0
                else f"write hours: 24 for a 24-hour shift from {self.start} to {self.end} the next day"
            )
            raise ValueError(
                f'end "{self.end}" equals start "{self.start}": a shift of 0 or 24 hours? '
                f"{fix}, or make it two shifts"
            )
        s, e = self.window()
        if self.hours is not None and self.hours * 60 != e - s:
            raise ValueError(
                f"hours: {self.hours:g} does not match {self.start}-{self.end}, which is "
                f"{(e - s) / 60:g} hours long"
            )
        return self

    def window(self) -> tuple[int, int]:
        """(start, end) minutes after the start date's midnight; end may pass midnight."""
        return timeutil.parse_window(f"{self.start}-{self.end}")


class Limit(Model):
    """Cap (max) or floor (min) on a person's assignments per week, month or period."""

    role: Id | None = None
    shift: Id | None = None
    max: Count | None = None
    min: Count | None = None
    per: Literal["week", "month", "period"]

    def counts(self, role: str, shift: str) -> bool:
        """Whether the limit counts an assignment of ``role`` on ``shift``."""
        return (self.role is None or self.role == role) and (self.shift is None or self.shift == shift)

    @model_validator(mode="after")
    def _bounded(self) -> Limit:
        if self.max is None and self.min is None:
            raise ValueError("a limit needs max or min")
        if self.max is not None and self.min is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Succession(Model):
    """Extension: shift ``first`` on one date must not be followed by ``then`` the next date."""

    first: Id
    then: Id


class MaxWeekends(Model):
    """Extension: at most ``max`` weekends worked (Saturday or Sunday) per month or period."""

    max: Count
    per: Literal["month", "period"] = "period"


class Rules(Model):
    """Hard working-time rules; a person's explicitly set fields override the team's."""

    min_rest_hours: WeekHours | None = 11
    max_consecutive_days: Days | None = 6
    max_hours_per_week: WeekHours | None = 48
    min_consecutive_days: Days | None = None
    min_consecutive_days_off: Days | None = None
    max_weekends: MaxWeekends | None = None
    forbidden_successions: list[Succession] = []
    min_hours_per_period: Hours | None = None
    max_hours_per_period: Hours | None = None
    limits: list[Limit] = []


def _moment(value: Any) -> Any:
    """A ``from``/``to`` value: a date, or a local date-time (string with ``T`` or datetime)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if "T" in text or " " in text:
                return DateTime.fromisoformat(text)
            return Date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f'"{value}" is not a date (YYYY-MM-DD) or local date-time (YYYY-MM-DDTHH:MM)'
            ) from None
    return value


Moment = Annotated[DateTime | Date, BeforeValidator(_moment)]


class Unavailable(Model):
    """Whole dates (``date``, or ``from``/``to`` dates inclusive) or a timed stretch (end exclusive)."""

    date: Date | None = None
    from_: Moment | None = Field(default=None, alias="from")
    to: Moment | None = None
    reason: Text | None = None
    uid: Text | None = None  # ext: the calendar event it was imported from (re-importing updates it)

    @model_validator(mode="after")
    def _shape(self) -> Unavailable:
        if self.date is not None:
            if self.from_ is not None or self.to is not None:
                raise ValueError("give either date or from/to, not both")
            return self
        if self.from_ is None or self.to is None:
            raise ValueError("give date, or both from and to")
        timed = [isinstance(v, DateTime) for v in (self.from_, self.to)]
        if timed[0] != timed[1]:
            raise ValueError("from and to must both be dates or both be date-times")
        if self.to < self.from_ or (timed[0] and self.to == self.from_):
            raise ValueError(f"the stretch runs backwards: to {self.to} is not after from {self.from_}")
        return self


class Request(Model):
    date: Date
    shift: Id | None = None
    want: Literal["on", "off"]
    weight: Weight = 1


class Preferences(Model):
    prefer_shifts: list[Id] = []
    avoid_shifts: list[Id] = []
    avoid_days: DaySpec | None = None
    requests: list[Request] = []


class Fixed(Model):
    date: Date
    shift: Id
    role: Id


class HistoryEntry(Model):
    person: Id
    role: Id
    shift: Id
    date: Date
    start: str | None = None
    end: str | None = None


class Person(Model):
    id: Id
    name: Name | None = None
    email: Name | None = None
    department: Name | None = None
    skills: list[Id] = []
    hours_per_week: WeekHours | None = None
    days: DaySpec = "daily"
    unavailable: list[Unavailable] = []
    preferences: Preferences = Preferences()
    rules: Rules | None = None
    limits: list[Limit] = []
    fixed: list[Fixed] = []

    @property
    def display(self) -> str:
        return self.name or self.id


LEDGER_CATEGORIES = ("weekend", "holiday", "night", "late", "hours")  # ext (issue 24); roles: "role:<id>"
Balance = Annotated[float, Field(ge=-100_000, le=100_000, allow_inf_nan=False)]  # duties, or hours
LedgerWeight = Annotated[int, Field(ge=0, le=1000)]  # points per hundredth of a duty (or of an hour)


class OpeningBalance(Model):
    """ext (issue 24): balances a team brings from before rota (its old spreadsheet), as of a date."""

    as_of: Date
    balances: dict[Id, dict[str, Balance]] = {}  # person → category → duties (hours for "hours") over share


class Fairness(Model):
    """ext (issue 24): the fairness ledger — the categories counted across rotas, weights, window."""

    window_months: Annotated[int, Field(ge=1, le=60)] = 12
    categories: dict[str, LedgerWeight] = {}  # weekend, holiday, night, late, hours → weight in the objective
    roles: dict[Id, LedgerWeight] = {}  # a role's duties (SMoD, …) → weight
    night_shifts: list[Id] | None = None  # default: shifts on duty at 03:00
    late_shifts: list[Id] | None = None  # default: other shifts that end after 20:00
    holidays: HolidaySpec | None = None  # whose public holidays count (default: the team's `holidays`)
    opening: OpeningBalance | None = None

    @field_validator("categories")
    @classmethod
    def _category_names(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            if name not in LEDGER_CATEGORIES:
                raise ValueError(
                    f'unknown fairness category "{name}" (known: {", ".join(LEDGER_CATEGORIES)}; '
                    "a role's duties are listed under `roles`)"
                )
        return value


def _version(value: Any) -> Any:
    """``version: 1``, ``1.1``, ``"1.1"``: the contract version, as text ("1" or "1.1")."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("1", "1.0"):
        return "1"
    if text == "1.1":
        return "1.1"
    raise ValueError(f"version {json.dumps(value)} is not a team-file version rota reads (1 or 1.1)")


class Blackout(Model):
    """Dates on which no leave is granted: one ``date``, or ``from``/``to`` inclusive."""

    date: Date | None = None
    from_: Date | None = Field(default=None, alias="from")
    to: Date | None = None

    @model_validator(mode="after")
    def _shape(self) -> Blackout:
        if (self.date is None) == (self.from_ is None or self.to is None):
            raise ValueError("give date, or both from and to")
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError(f"the blackout runs backwards: to {self.to} is before from {self.from_}")
        return self


class RequestRules(Model):
    """Optional rules of staff requests (the service's self-service; a solve ignores them): how many days
    ahead leave is asked, dates with no leave, how many people holding a role's skills may be away at once,
    and whether a swap or give-away a colleague accepted needs the lead (``lead``) or goes through at once
    (``auto-approve``)."""

    notice_days: Annotated[int, Field(ge=0, le=3660)] | None = None
    blackout: list[Date | Blackout] = []
    max_away: dict[Id, Annotated[int, Field(ge=0, le=100_000)]] = {}
    swaps: Literal["lead", "auto-approve"] = "lead"


class Team(Model):
    version: Annotated[str | None, BeforeValidator(_version)] = None
    team: Name = Field(min_length=1)
    timezone: Annotated[str, AfterValidator(_check_zone)]
    period: Period | None = None
    holidays: HolidaySpec | None = None
    closures: list[Date] = []
    opening_hours: WeekPattern
    core_hours: WeekPattern | None = None
    skills: list[Id] | None = None
    roles: dict[Id, Role] = Field(min_length=1)
    shifts: dict[Id, Shift] = Field(min_length=1)
    rules: Rules = Rules()
    people: list[Person]
    weights: dict[str, Weight] = {}
    history: list[HistoryEntry] = []
    fairness: Fairness | None = None  # ext (issue 24): the fairness ledger across rotas
    requests: RequestRules | None = None

    @field_validator("weights")
    @classmethod
    def _weight_names(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if name not in TERM_NAMES:
                raise ValueError(f'unknown objective term "{name}" (known: {", ".join(TERM_NAMES)})')
        return value

    def person(self, person_id: str) -> Person:
        for p in self.people:
            if p.id == person_id:
                return p
        raise KeyError(person_id)

    def person_limits(self, person: Person) -> list[tuple[Limit, bool]]:
        """(limit, the person's own?) of each limit on the person. A person's entry overrides the
        team's entry with the same role, shift and per field by field (spec 1.1: a person entry
        with only ``min`` keeps the team's ``max``); team entries without one apply as they are."""
        own = list(person.limits)
        if person.rules is not None and "limits" in person.rules.model_fields_set:
            own += person.rules.limits
        team = {(lim.role, lim.shift, lim.per): lim for lim in self.rules.limits}
        merged: list[tuple[Limit, bool]] = []
        for lim in own:
            base = team.pop((lim.role, lim.shift, lim.per), None)
            if base is not None:
                lim = base.model_copy(
                    update={k: getattr(lim, k) for k in ("min", "max") if k in lim.model_fields_set}
                )
            merged.append((lim, True))
        return [(lim, False) for lim in team.values()] + merged

    def can_take(self, person: Person, role: str | None, shift: str | None) -> bool:
        """Whether the person holds the skills for ``role`` (any role ``shift`` serves, when only
        the shift is named; any role at all, when neither is); unknown names count as no."""
        if role is not None:
            roles = [role]
        elif shift is None:
            roles = list(self.roles)
        else:
            roles = self.shift_roles(shift) if shift in self.shifts else []
        if shift is not None and shift in self.shifts:
            roles = [r for r in roles if r in self.shift_roles(shift)]
        mine = set(person.skills)
        return any(r in self.roles and set(self.roles[r].skills) <= mine for r in roles)

    def shift_roles(self, shift_id: str) -> list[str]:
        """The roles a shift may serve (all roles when the template names none)."""
        roles = self.shifts[shift_id].roles
        return list(self.roles) if roles is None else roles
