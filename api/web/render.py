"""Templates: one Jinja2 environment, a page helper that adds who is signed in, the CSRF token, messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from api.web import static_url
from api.web.session import csrf_token, take_flashes

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def day_text(day: date) -> str:
    """``Tue 1 Dec 2026``."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def hours_text(minutes: int | None, sign: bool = False) -> str:
    if minutes is None:
        return "–"
    return f"{minutes / 60:+.1f}" if sign else f"{minutes / 60:.1f}"


def percent_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def bdi(text: Any) -> Markup:
    """User text (a name) isolated from the text around it: a right-to-left mark or override inside it
    (U+202E) cannot reorder what comes before or after it on the page."""
    return Markup("<bdi>") + escape("" if text is None else text) + Markup("</bdi>")


templates.env.filters.update(day=day_text, hours=hours_text, percent=percent_text, bdi=bdi)


templates.env.globals["static"] = static_url


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page template with the signed-in principal (if any), the CSRF token and pending messages."""
    values = {
        "principal": getattr(request.state, "principal", None),
        "csrf": csrf_token(request),
        "flashes": take_flashes(request),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """See-other: after a POST, the browser GETs the page."""
    return RedirectResponse(url, status_code=303)
