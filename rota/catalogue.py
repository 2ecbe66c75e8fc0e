"""One catalogue of rule ids, shared by the solver, the validator, gap explanations, reports and API."""

from __future__ import annotations

RULES: dict[str, str] = {
    # document and template rules
    "unknown_person": "assignment names a person the team does not have",
    "unknown_role": "assignment names a role the team does not have",
    "unknown_shift": "assignment names a shift the team does not have",
    "outside_period": "assignment dated outside the rota's period",
    "duplicate_assignment": "the same assignment listed twice",
    "wrong_times": "assignment start/end differ from the shift template on that date",
    "closed_date": "shift on a closed date (public holiday, closure, no opening hours)",
    "shift_days": "shift does not run on that weekday",
    "shift_role": "shift template does not serve that role",
    "no_demand": "nothing needs covering: the shift overlaps no demand of that role that date",
    # people
    "skills": "person lacks a skill the role needs",
    "working_days": "not one of the person's working days",
    "unavailable": "overlaps the person's unavailability",
    "one_shift_per_date": "more than one shift starting on a date",
    "overlap": "two assignments overlap in time",
    "min_rest": "too little rest between shifts",
    "max_consecutive_days": "too many dates in a row with a shift",
    "max_hours_per_week": "too many shift hours in an ISO week",
    "limit_max": "more assignments than a limit allows",
    "limit_min": "fewer assignments than a limit requires",
    "fixed": "a fixed assignment is missing from the rota",
    "min_consecutive_days": "a run of working dates is too short",
    "min_consecutive_days_off": "a run of days off is too short",
    "max_weekends": "too many weekends worked",
    "forbidden_succession": "a shift followed the next date by one that may not follow it",
    "min_hours_per_period": "too few shift hours over the period",
    "max_hours_per_period": "too many shift hours over the period",
}


def title(rule: str) -> str:
    """The readable title of a rule id."""
    return RULES.get(rule, rule)
