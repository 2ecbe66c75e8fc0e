"""The model under construction: the calendar, the CP-SAT model, the duty variables and their indexes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from rota.calendar import Calendar
from rota.records import Duty, Slot

BOOL = Domain(0, 1)
Key = tuple[str, str, int]  # (person, role, slot index into cal.slots)
Lit = cp_model.IntVar


@dataclass
class Term:
    """A named objective term: Σ coef·var + const, in the term's own units (before its weight)."""

    name: str
    vars: list[cp_model.IntVar] = field(default_factory=list)
    coefs: list[float] = field(default_factory=list)
    const: float = 0
    roles: list[str | None] = field(default_factory=list)  # the role each var belongs to, if any
    role_consts: dict[str, float] = field(default_factory=dict)  # the part of ``const`` per role

    def add(self, var: cp_model.IntVar, coef: float, role: str | None = None) -> None:
        self.vars.append(var)
        self.coefs.append(coef)
        self.roles.append(role)

    def add_const(self, value: float, role: str) -> None:
        self.const += value
        self.role_consts[role] = self.role_consts.get(role, 0) + value


class Ctx:
    """Everything the rule builders share: duty variables ``x`` and lookups by person, date, role, slot."""

    def __init__(
        self,
        cal: Calendar,
        relax: bool = False,
        people: set[str] | None = None,
        others: list[Duty] | None = None,
    ):
        self.cal = cal
        # a part of the rota (``rota.solver.people``): only ``people`` get duty variables and rules; the
        # duties of everyone else (``others``) are constants that count toward cover
        self.people: set[str] = {p.id for p in cal.team.people} if people is None else set(people)
        self.others: list[Duty] = [d for d in (others or ()) if d.person not in self.people]
        self.model = cp_model.CpModel()
        self.slots: list[Slot] = cal.slots
        self.slot_at: dict[tuple[date, str], int] = {(s.date, s.shift): i for i, s in enumerate(self.slots)}
        self.date_slots: dict[date, list[int]] = defaultdict(list)
        for i, s in enumerate(self.slots):
            self.date_slots[s.date].append(i)
        self.x: dict[Key, Lit] = {}
        self.person_slot: dict[str, dict[int, list[Lit]]] = defaultdict(lambda: defaultdict(list))
        self.person_date: dict[str, dict[date, list[Lit]]] = defaultdict(lambda: defaultdict(list))
        self.role_slot: dict[str, dict[int, list[Lit]]] = defaultdict(lambda: defaultdict(list))
        # duties of people outside ``people`` per role and slot: constants toward cover, no variables
        self.fixed: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.person_keys: dict[str, list[Key]] = defaultdict(list)
        self.work: dict[tuple[str, date], Lit] = {}
        self.work_vars: list[tuple[str, date]] = []  # work literals that are not duty variables
        self.history: dict[str, list[Duty]] = defaultdict(list)
        for h in cal.history:
            self.history[h.person].append(h)
        self.history_dates: dict[str, set[date]] = {p: {h.date for h in hs} for p, hs in self.history.items()}
        self.first_known: date = min((h.date for h in cal.history), default=cal.start)
        self.relax = relax
        self.enforcers: dict[tuple[str, str], Lit] = {}

    def add_var(self, key: Key) -> Lit:
        """Create the Boolean of an eligible (person, role, slot) and index it."""
        person, role, i = key
        var = self.new_bool()
        self.x[key] = var
        self.person_slot[person][i].append(var)
        self.person_date[person][self.slots[i].date].append(var)
        self.role_slot[role][i].append(var)
        self.person_keys[person].append(key)
        return var

    def add_other(self, duty: Duty) -> None:
        """A duty of someone outside ``people``: one more on its role and slot, for cover only."""
        key = self.key_of(duty)
        if key is not None:
            self.fixed[duty.role][key[2]] += 1

    def cover_slots(self, role: str) -> list[int]:
        """The slots where ``role`` has duty variables or fixed duties (variables' slots first)."""
        mine = self.role_slot.get(role, {})
        return list(mine) + [i for i in self.fixed.get(role, {}) if i not in mine]

    def cover(self, role: str, i: int) -> tuple[list[Lit], int]:
        """Who may be on ``role`` in slot ``i``: the duty variables, and the number of fixed duties."""
        lits = self.role_slot.get(role, {}).get(i, [])
        return lits, self.fixed.get(role, {}).get(i, 0)

    def modelled(self, person: str) -> bool:
        """Whether ``person``'s duties are variables of this model (else constants or absent)."""
        return person in self.people

    def new_bool(self) -> Lit:
        """A nameless Boolean (the fast way: one shared domain, no name to format)."""
        return cp_model.IntVar(self.model.proto).with_domain(BOOL)

    def duty(self, key: Key) -> Duty:
        """The assignment a variable stands for."""
        person, role, i = key
        s = self.slots[i]
        return Duty(person, s.date, s.shift, role, s.start, s.end)

    def duties_in(self, solution: Sequence[int]) -> list[Duty]:
        """The rota of a full solution of the model (every variable's value, by index)."""
        return [self.duty(key) for key, var in self.x.items() if solution[var.index]]

    def key_of(self, duty: Duty) -> Key | None:
        """The variable key of a duty, or None when its slot is not in the horizon."""
        i = self.slot_at.get((duty.date, duty.shift))
        return None if i is None else (duty.person, duty.role, i)

    def worked(self, person: str, day: date) -> Lit | bool | None:
        """Whether ``person`` starts a shift on ``day``: a literal, a constant, or None if unknown."""
        if day > self.cal.end or day < self.first_known:
            return None
        if day < self.cal.start:
            return day in self.history_dates.get(person, ())
        return self.work.get((person, day), False)

    def enforce(self, rule: str, person: str) -> list[Lit]:
        """Enforcement literals of a min-type rule: none normally, one per (rule, person) when relaxing."""
        if not self.relax:
            return []
        lit = self.enforcers.get((rule, person))
        if lit is None:
            lit = self.enforcers[(rule, person)] = self.model.new_bool_var(f"enforce[{rule},{person}]")
        return [lit]

    def person_slot_lits(self, person: str, i: int) -> list[Lit]:
        """The person's duty variables on slot ``i`` (one per role they may take there)."""
        mine = self.person_slot.get(person)
        return mine.get(i, []) if mine is not None else []
