"""A team's outgoing webhooks: register, list, delete; sign and post a delivery.

Each delivery is one JSON body, signed ``X-Rota-Signature: sha256=<hex HMAC-SHA256 of the body with the
hook's secret>``; the body's ``text`` is what a Slack or Teams incoming webhook shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.errors import Invalid, NotFound
from rota.api.models import Webhook
from rota.api.services.notify import EVENTS
from rota.api.services.teams import get_team

SIGNATURE = "X-Rota-Signature"
MAX_HOOKS = 20  # per team


@dataclass(frozen=True)
class HookView:
    id: int
    team: str
    url: str
    events: list[str]
    created_by: str | None
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team": self.team,
            "url": self.url,
            "events": self.events,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


def _view(hook: Webhook) -> HookView:
    return HookView(hook.id, hook.team_id, hook.url, list(hook.events), hook.created_by, hook.created_at)


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("the webhook URL must be an http:// or https:// address", "url")
    return url


def add_webhook(
    *, session: Session, team_id: str, url: str, secret: str, events: list[str], actor: str | None
) -> HookView:
    get_team(session=session, team_id=team_id)
    check_url(url)
    for n, event in enumerate(events):
        if event not in EVENTS:
            raise Invalid(f'unknown event "{event}": one of {", ".join(EVENTS)}', f"events[{n}]")
    if not events:
        raise Invalid(f"name at least one event: {', '.join(EVENTS)}", "events")
    count = len(session.scalars(select(Webhook.id).where(Webhook.team_id == team_id)).all())
    if count >= MAX_HOOKS:
        raise Invalid(f"a team has at most {MAX_HOOKS} webhooks: delete one first", "url")
    hook = Webhook(
        team_id=team_id,
        url=url,
        secret=secret,
        events=list(dict.fromkeys(events)),
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(hook)
    session.commit()
    return _view(hook)


def list_webhooks(*, session: Session, team_id: str) -> list[HookView]:
    get_team(session=session, team_id=team_id)
    return [
        _view(h)
        for h in session.scalars(select(Webhook).where(Webhook.team_id == team_id).order_by(Webhook.id))
    ]


def delete_webhook(*, session: Session, team_id: str, hook_id: int) -> None:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.team_id != team_id:
        raise NotFound(f"team {team_id} has no webhook {hook_id}", "hook_id")
    session.delete(hook)
    session.commit()


def signature(secret: str, body: bytes) -> str:
    """The header value: ``sha256=`` and the hex HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class DeliveryFailed(RuntimeError):
    """The receiver did not take the delivery; ``retry`` says whether trying again may help."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


def post(url: str, secret: str, body: dict[str, Any], timeout: float, delivery: int) -> int:
    """Post one signed delivery; its status. 5xx, 429, a timeout or a refused connection: retry; another
    4xx: the receiver refuses it for good."""
    data = encode(body)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE: signature(secret, data),
        "X-Rota-Event": str(body.get("event", "")),
        "X-Rota-Delivery": str(delivery),
        "User-Agent": "rota-webhooks",
    }
    try:
        answer = httpx.post(url, content=data, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        raise DeliveryFailed(f"no answer within {timeout:g} s", retry=True) from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"could not connect: {type(exc).__name__}: {exc}"[:300], retry=True) from None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise DeliveryFailed(f"the receiver answered {answer.status_code}", retry=True)
    if answer.status_code >= 300:
        raise DeliveryFailed(f"the receiver answered {answer.status_code} (not retried)", retry=False)
    return answer.status_code
