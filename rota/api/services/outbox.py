"""The outbox: sending what was queued, and the delivery log a lead reads.

A message is claimed with a lease (a guarded UPDATE: one runner wins), sent, then marked sent. A runner that
stops between the claim and the mark leaves the lease to run out, and the message is sent on the next round
of any runner: a publish that committed is told even when the process died right after. A send that fails
is tried again after ``notify_retry_seconds`` × 2^(attempt−1) (at most an hour), up to
``notify_max_attempts`` sends; then the row says failed, and why. The publish itself is never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from rota.api.db import Database, utcnow
from rota.api.errors import Invalid
from rota.api.models import OutboxMessage, Webhook
from rota.api.services import mail, notify, webhooks
from rota.api.services.teams import get_team
from rota.api.settings import Settings

log = logging.getLogger(__name__)
MAX_RETRY_SECONDS = 3600.0


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed sends."""
    return float(min(settings.notify_retry_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def due_ids(session: Session, now: datetime, limit: int = 50) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.state == "pending",
                OutboxMessage.next_at <= now,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            )
            .order_by(OutboxMessage.next_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def claim(db: Database, message_id: int, owner: str, lease_seconds: float) -> OutboxMessage | None:
    """Take the message for ``owner`` (None when another runner has it, or it is no longer due)."""
    now = utcnow()
    with db.write() as session:
        done = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.state == "pending",
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            )
            .values(owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        )
        session.commit()
        if done.rowcount != 1:
            return None
        row = session.get(OutboxMessage, message_id)
        if row is not None:
            session.expunge(row)
        return row


def send(db: Database, settings: Settings, row: OutboxMessage) -> None:
    """Send one claimed message; raises ``webhooks.DeliveryFailed`` or the mail error when it is not taken."""
    if row.channel == "email":
        with db.write() as session:
            token = notify.unsubscribe_token(
                session=session,
                team_id=row.payload["team"],
                person=row.payload["person"],
                kind=row.payload["kind"],
            )
        base = (settings.public_url or "http://127.0.0.1:8000").rstrip("/")
        msg = mail.compose(
            row.payload, sender=settings.mail_from, unsubscribe_url=f"{base}/unsubscribe/{token}"
        )
        mail.send(settings, msg)
        return
    with db.read() as session:
        hook = session.get(Webhook, row.webhook_id) if row.webhook_id is not None else None
        url, secret = (hook.url, hook.secret) if hook is not None else (None, None)
    if url is None or secret is None:
        raise webhooks.DeliveryFailed("the webhook was deleted", retry=False)
    body = row.payload["body"]
    link = body.get("link")
    if isinstance(link, str) and link.startswith("/"):  # a page of this server: made absolute when sent
        body = {**body, "link": (settings.public_url or "http://127.0.0.1:8000").rstrip("/") + link}
    webhooks.post(url, secret, body, settings.webhook_timeout, row.id)


def finish(
    db: Database, settings: Settings, row: OutboxMessage, owner: str, error: BaseException | None
) -> str:
    """Mark the message sent, or note the failure and when to try again; its new state."""
    now = utcnow()
    attempts = row.attempts + 1
    if error is None:
        values: dict[str, Any] = {"state": "sent", "sent_at": now, "last_error": None}
    else:
        retry = getattr(error, "retry", not isinstance(error, (mail.MailNotConfigured, ValueError)))
        text = str(error) or type(error).__name__
        if isinstance(error, mail.MailNotConfigured):
            retry = False  # this server sends no email: the log says so at once
        final = not retry or attempts >= settings.notify_max_attempts
        values = {
            "state": "failed" if final else "pending",
            "last_error": text[:1000],
            "next_at": now + timedelta(seconds=backoff(settings, attempts)),
        }
    with db.write() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.owner == owner)
            .values(attempts=attempts, owner=None, lease_until=None, **values)
        )
        session.commit()
    return str(values["state"])


def drain(db: Database, settings: Settings, owner: str, *, limit: int = 50) -> int:
    """One round: send every message due now that this runner can claim. The number sent."""
    with db.read() as session:
        ids = due_ids(session, utcnow(), limit)
    sent = 0
    if ids:
        log.debug("outbox: %d message(s) due", len(ids))
    for message_id in ids:
        row = claim(db, message_id, owner, settings.notify_lease_seconds)
        if row is None:
            continue
        error: BaseException | None = None
        try:
            send(db, settings, row)
        except Exception as exc:  # the row keeps why; the publish is untouched
            error = exc
            log.info("outbox %d (%s to %s) not sent: %s", row.id, row.event, row.recipient, exc)
        sent += finish(db, settings, row, owner, error) == "sent"
    return sent


def prune(db: Database, keep_days: int, now: datetime | None = None) -> int:
    """Delete sent and failed messages older than ``keep_days`` (the log keeps that long); how many."""
    before = (now or utcnow()) - timedelta(days=keep_days)
    with db.write() as session:
        done = session.execute(
            delete(OutboxMessage).where(OutboxMessage.state != "pending", OutboxMessage.created_at < before)
        )
        session.commit()
    return int(done.rowcount or 0)


# -- the delivery log ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    id: int
    event: str
    channel: str
    recipient: str
    person: str | None
    summary: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_at: datetime | None  # the next try, while pending

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "channel": self.channel,
            "recipient": self.recipient,
            "person": self.person,
            "summary": self.summary,
            "state": self.state,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "next_try": self.next_at.isoformat() if self.next_at else None,
        }


STATES = ("pending", "sent", "failed")


def list_deliveries(
    *, session: Session, team_id: str, state: str | None = None, limit: int = 200
) -> list[Delivery]:
    """The team's messages, newest first (``state``: only those)."""
    get_team(session=session, team_id=team_id)
    if state is not None and state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}", "state")
    query = select(OutboxMessage).where(OutboxMessage.team_id == team_id)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    rows = session.scalars(
        query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    )
    return [
        Delivery(
            r.id,
            r.event,
            r.channel,
            r.recipient,
            r.person,
            r.summary,
            r.state,
            r.attempts,
            r.last_error,
            r.created_at,
            r.sent_at,
            r.next_at if r.state == "pending" else None,
        )
        for r in rows
    ]
