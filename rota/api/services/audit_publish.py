"""Every publish in the audit: a hook (``publish.on_publish``) run in the publish's transaction. Apart from
``rota.api.services.audit`` so that the edits (which the publish review reads) can record without a circle;
the app imports it with the audit routes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rota.api.services.audit import record
from rota.api.services.publish import PublishEvent, on_publish


@on_publish
def _published(session: Session, event: PublishEvent) -> None:
    """Every publish, in its transaction: who, which rota, how many duties changed, the note."""
    key = lambda d: (d.person, d.role, d.shift, d.date)  # noqa: E731
    before, after = {key(d) for d in event.before}, {key(d) for d in event.after}
    added, removed = len(after - before), len(before - after)
    replaced = f" (replacing rota {', '.join(map(str, event.replaces))})" if event.replaces else ""
    record(
        session,
        event.rota.team_id,
        event.actor or "unknown",
        "publish",
        f"rota {event.rota.id} published{replaced}: {added} duties added, {removed} removed",
        event.note,
    )
