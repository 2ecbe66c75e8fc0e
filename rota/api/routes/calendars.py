"""iCal feeds: ``/calendars/{token}.ics`` for a person, a team or a role; ETag and 304 on If-None-Match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from rota.api.auth import count_failure
from rota.api.db import Database
from rota.api.errors import NotFound
from rota.api.feeds import Feed, FeedOptions, feed_etag, find_feed, render_feed

router = APIRouter(tags=["calendars"])
CALENDAR = "text/calendar; charset=utf-8"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _render(db: Database, feed: Feed, options: FeedOptions, now: datetime) -> bytes:
    with db.read() as session:
        return render_feed(session=session, feed=feed, options=options, now=now)


@router.get(
    "/calendars/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}},
        304: {"description": "not modified"},
        404: {"description": "unknown or revoked token"},
        429: {"description": "an unknown token, after too many unknown tokens from this address lately"},
        503: {"description": "the database is saturated: try again after Retry-After seconds"},
    },
)
def calendar_feed(
    token: str,
    request: Request,
    busy: Annotated[int, Query(ge=0, le=1, description="0: events do not block time")] = 1,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The feed of a calendar token: 30 days back to every published future shift. The token is the key.

    A plain ``def``: FastAPI runs it in its thread pool, so neither the look-up nor a render ever holds
    the event loop (a saturated pool answers 503, see rota/api/main.py).
    """
    state = request.app.state
    db: Database = state.db
    settings = state.settings
    options = FeedOptions(
        busy=bool(busy), past_days=settings.feed_past_days, refresh_minutes=settings.feed_refresh_minutes
    )
    now = state.clock()
    with db.engine.connect() as conn:
        feed = find_feed(conn, token)
    if feed is None:
        count_failure(request, "feed", "token")  # 429 past the limit; a valid feed is never refused
        raise NotFound("no such calendar", "token")
    etag = feed_etag(feed, options, now.date())
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    body = state.feed_cache.get(etag)
    if body is None:
        body = _render(db, feed, options, now)
        state.feed_cache.put(etag, body)
    return Response(body, media_type=CALENDAR, headers=headers)
