"""The edge of the service: what every request meets before a route, and what every response leaves with.

- ``EdgeMiddleware`` (pure ASGI, outermost of ours): refuses a body over ``ROTA_MAX_BODY_BYTES`` with 413
  before a byte of it is parsed or a token is looked up (from ``Content-Length``, else by counting the
  streamed chunks), and puts the security headers on every response.
- ``FailureLimiter``: failed bearer tokens and unknown feed tokens per client IP; after
  ``ROTA_AUTH_FAILURE_LIMIT`` in ``ROTA_AUTH_FAILURE_WINDOW`` seconds that IP's token-bearing requests
  answer 429 with ``Retry-After`` until the window ends; valid credentials are never counted or refused.
  In memory, per process: each worker counts on its own, and a restart forgets. ``client_ip`` takes
  ``X-Forwarded-For`` only from the proxies of ``ROTA_TRUSTED_PROXIES``.
- ``MaskSecrets``: a logging filter that cuts feed secrets (``cal_…``), API tokens (``rota_…``,
  ``Bearer …``) and sign-in links (``link_…``) to their first characters; ``uvicorn_log_config`` is
  uvicorn's logging with it on every handler (``rota serve``).
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
import logging
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable, Hashable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The web app serves its scripts and styles from our own origin (/static) and has no inline script.
CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_RAW_SECURITY_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


def size_text(n: int) -> str:
    """Bytes in words: ``2 MiB (2097152 bytes)``, ``512 bytes``."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= scale:
            amount = f"{n // scale}" if n % scale == 0 else f"{n / scale:.1f}"
            return f"{amount} {unit} ({n} bytes)"
    return f"{n} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit; answered 413 like any HTTPException."""

    def __init__(self, limit: int):
        super().__init__(413, detail=f"the request body is over the limit of {size_text(limit)}")


def error_body(message: str, path: str = "") -> bytes:
    body = {"detail": [{"path": path, "message": message}]}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()  # as JSONResponse writes


def with_security_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` plus the security headers (for responses sent outside the middleware: the 500s)."""
    return {**SECURITY_HEADERS, **(headers or {})}


class EdgeMiddleware:
    """Body limit and security headers, as plain ASGI so nothing reads the body before the limit."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", []))
                present = {k.lower() for k, _ in raw}
                raw += [(k, v) for k, v in _RAW_SECURITY_HEADERS if k not in present]
                message["headers"] = raw
            await send(message)

        limit = self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _answer(
                    send_secured, 400, "the Content-Length header is not a number", "content-length"
                )
                return
            if int(declared) > limit:
                await _answer(send_secured, 413, f"the request body is over the limit of {size_text(limit)}")
                return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, receive_limited, send_secured)
        except BodyTooLarge as exc:  # raised where no exception handler saw it (outside a route)
            if started:
                raise
            await _answer(send_secured, 413, str(exc.detail))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _answer(send: Send, status: int, message: str, path: str = "") -> None:
    body = error_body(message, path)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 413:
        headers.append((b"connection", b"close"))  # the unread body is not worth reading
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- failed tokens per client IP ---------------------------------------------------------------------
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=16)
def trusted_networks(text: str) -> tuple[Network, ...]:
    """``ROTA_TRUSTED_PROXIES`` (a comma list of IPs and CIDRs) as networks; ValueError names a bad entry."""
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f'"{entry}" is not an IP address or a CIDR network (like 10.0.0.0/8)') from None
    return tuple(networks)


def trusted(address: str, networks: tuple[Network, ...]) -> bool:
    """Whether ``address`` (an IP in text) is in one of ``networks``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(connection: HTTPConnection) -> str:
    """The client's address: the TCP peer, or, when the peer is a trusted proxy (``ROTA_TRUSTED_PROXIES``),
    the last address in ``X-Forwarded-For`` that is not a trusted proxy (each proxy appends the address it
    was reached from, so what a client writes there itself is never taken while a proxy appended after
    it). A peer that is not a trusted proxy is taken as it is, whatever it sends."""
    peer = connection.client.host if connection.client else "unknown"
    settings = getattr(connection.app.state, "settings", None) if "app" in connection.scope else None
    networks = trusted_networks(getattr(settings, "trusted_proxies", "") or "")
    if not networks or not trusted(peer, networks):
        return peer
    hops = [h.strip() for value in connection.headers.getlist("x-forwarded-for") for h in value.split(",")]
    hops = [h for h in hops if h]
    for hop in reversed(hops):
        if not trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


class FailureLimiter:
    """Failures per key (kind, client IP) in fixed windows; thread-safe, bounded, in memory.

    ``retry_after(key)`` is None while the key may try, else the whole seconds left of its window;
    ``fail(key)`` counts one failure. Checking costs a dict look-up under a lock: valid requests are
    not slowed. At most ``max_keys`` keys are kept: expired windows go first, then the oldest.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._windows: dict[Hashable, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: Hashable) -> int | None:
        with self._lock:
            entry = self._windows.get(key)
            if entry is None:
                return None
            left = self.window - (self.clock() - entry[0])
            if left <= 0 or entry[1] < self.limit:
                return None
            return max(1, math.ceil(left))

    def fail(self, key: Hashable) -> None:
        now = self.clock()
        with self._lock:
            entry = self._windows.get(key)
            if entry is None or now - entry[0] >= self.window:
                self._windows.pop(key, None)  # re-inserted last: the dict stays ordered by window start
                self._windows[key] = (now, 1)
                if len(self._windows) > self.max_keys:
                    self._prune(now)
            else:
                self._windows[key] = (entry[0], entry[1] + 1)

    def _prune(self, now: float) -> None:
        for key in [k for k, (start, _) in self._windows.items() if now - start >= self.window]:
            del self._windows[key]
        while len(self._windows) > self.max_keys:
            del self._windows[next(iter(self._windows))]


# -- secrets out of the logs ---------------------------------------------------------------------------
# Secrets are a prefix and token_urlsafe(32): 43 URL-safe characters. Four are kept to tell them apart.
_SECRET = re.compile(r"\b(cal_|rota_|link_)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{36,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\S*\*\*\*)([^\s\"',;]{0,4})[^\s\"',;]*")


def mask_secrets(text: str) -> str:
    """``text`` with every secret of ours (feed, API token, sign-in link) and every ``Bearer`` credential cut
    to its prefix, four characters and ``***``."""
    return _BEARER.sub(r"\1\2***", _SECRET.sub(r"\1\2***", text))


def _mask(value: Any) -> Any:
    return mask_secrets(value) if isinstance(value, str) else value


class MaskSecrets(logging.Filter):
    """Masks secrets in a record's message, its arguments (uvicorn's access line: the path) and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _mask(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with ``MaskSecrets`` on each of its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_secrets"] = {"()": f"{__name__}.MaskSecrets"}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "mask_secrets"]
    return config
