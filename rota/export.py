"""CSV export of a rota: one row per assignment, in date order, with local times and elapsed hours."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from rota.calendar import Calendar
from rota.document import RotaDocument
from rota.team import Team

CSV_FIELDS = ("person", "name", "role", "shift", "date", "start", "end", "hours")


def csv_rows(team: Team, doc: RotaDocument) -> list[dict[str, str]]:
    """The rota's assignments as CSV rows (ISO instants with offsets, hours as a decimal)."""
    cal = Calendar(team, doc.period.start, doc.period.end)
    names = {p.id: p.display for p in team.people}
    rows = []
    for a in sorted(doc.assignments, key=lambda a: (a.date, a.role, a.shift, a.person)):
        if a.start and a.end:
            start, end = datetime.fromisoformat(a.start), datetime.fromisoformat(a.end)
        else:
            slot = cal.slot(a.shift, a.date)
            start, end = cal.instant(slot.start), cal.instant(slot.end)
        minutes = round((end.timestamp() - start.timestamp()) / 60)  # elapsed, not wall-clock
        rows.append({
            "person": a.person,
            "name": names.get(a.person, a.person),
            "role": a.role,
            "shift": a.shift,
            "date": a.date.isoformat(),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "hours": _hours(minutes),
        })
    return rows


def _hours(minutes: int) -> str:
    """Minutes as decimal hours without trailing zeros: 480 → ``8``, 450 → ``7.5``."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def csv_text(team: Team, doc: RotaDocument) -> str:
    """The CSV file's text, header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(team, doc))
    return out.getvalue()
