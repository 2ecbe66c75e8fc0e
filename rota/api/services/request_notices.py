"""Emails of staff self-service through the outbox (``rota.api.services.outbox`` sends them): an offer to the
colleague asked, the decision to the requester, an open shift to those who may take it. Each is a row of the
outbox written in the transaction of the step that causes it, keyed so it is queued once, and only for people
with an email in the team file who have not turned emails about their shifts off (``notify.preference``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.models import OutboxMessage
from rota.api.services import notify
from rota.api.services.teams import current_document, display_names


def queue(
    session: Session,
    team_id: str,
    people: Iterable[str],
    key: str,
    subject: str,
    intro: str,
    lines: list[str],
) -> int:
    """One email per person of ``people`` who has an address and wants emails about their shifts; returns
    how many were queued (nothing is sent here: the caller's commit makes them due)."""
    doc = current_document(session=session, team_id=team_id)
    names = display_names(doc)[0]
    emails = {p["id"]: p["email"] for p in doc.get("people", []) if isinstance(p, dict) and p.get("email")}
    now = utcnow()
    n = 0
    for person in dict.fromkeys(people):
        pref = notify.preference(session, team_id, person)
        address = emails.get(person)
        row_key = f"{key}:{person}"
        if not (address and pref.email and pref.changes):
            continue
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == row_key)) is not None:
            continue
        name = names.get(person, person)
        session.add(
            OutboxMessage(
                team_id=team_id,
                key=row_key,
                channel="email",
                event="request",
                recipient=address,
                person=person,
                summary=f"{name}: {subject}",
                payload={
                    "to": address,
                    "name": name,
                    "team": team_id,
                    "team_name": doc.get("team", team_id),
                    "person": person,
                    "kind": "changes",
                    "subject": subject,
                    "intro": intro,
                    "lines": lines,
                },
                next_at=now,
                created_at=now,
            )
        )
        n += 1
    return n


def queue_waiting(session: Session, team_id: str, request: dict[str, Any], phrase: str) -> int:
    """One ``request.waiting`` delivery per team webhook asking for it: a request now waits for the lead's
    decision (a leave request made; a swap or give-away accepted by the colleague). ``request`` is what the
    body says of it (id, kind, who, dates or duty; never the note, which is for the lead's page only);
    ``phrase`` the words a chat shows ("Noor de Vries asks for leave Tue 20 Oct – Thu 22 Oct"). Queued in
    the caller's transaction; the number queued."""
    hooks = notify.hooks_for(session, team_id, "request.waiting")
    if not hooks:
        return 0
    doc = current_document(session=session, team_id=team_id)
    team_name = doc.get("team", team_id)
    link = f"/teams/{team_id}/requests"
    body = {
        "event": "request.waiting",
        "team": team_id,
        "team_name": team_name,
        "request": request,
        "link": link,  # the lead's page; the courier makes it absolute (ROTA_PUBLIC_URL)
        "text": f"{team_name}: {phrase}. Waiting for the lead's decision.",
    }
    now = utcnow()
    n = 0
    for hook in hooks:
        key = f"request:{request['id']}:waiting:hook:{hook.id}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
            continue
        session.add(notify.hook_row(hook, key, body, now))
        n += 1
    return n
