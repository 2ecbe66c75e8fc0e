"""The base URL of the links the service hands out (feeds, sign-in).

``ROTA_PUBLIC_URL`` when set, always: nothing a client sends changes it. Unset, a link names the
address the request came to: its scheme and the server socket's own address and port (``scope["server"]``,
what the client connected to), never the ``Host`` header, which the client writes; from a peer in
``ROTA_TRUSTED_PROXIES`` (a proxy in front), that proxy's ``X-Forwarded-Proto`` and ``X-Forwarded-Host``
instead (``rota serve`` turns uvicorn's own reading of forwarded headers off: the app reads them, as
``rota.api.middleware.client_ip`` does for the client's address).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from starlette.requests import HTTPConnection

from rota.api.middleware import trusted, trusted_networks
from rota.api.settings import Settings

# host[:port]: a DNS name, an IPv4 address or a bracketed IPv6 one; anything else is ignored
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
WILDCARDS = ("0.0.0.0", "::", "")


def from_trusted_proxy(request: HTTPConnection, settings: Settings) -> bool:
    """Whether the request's TCP peer is one of ``ROTA_TRUSTED_PROXIES``."""
    return request.client is not None and trusted(
        request.client.host, trusted_networks(settings.trusted_proxies or "")
    )


def forwarded_host(headers: Any) -> str | None:
    """The first host an ``X-Forwarded-Host`` header names, when it is a well-formed host[:port]."""
    for name, value in headers:
        if name == b"x-forwarded-host":
            first = value.decode("latin-1").split(",")[0].strip()
            return first if _HOST.match(first) else None
    return None


def origin(scheme: str, host: str, port: int | None) -> str:
    """``scheme://host[:port]``, an IPv6 address in brackets, the scheme's default port left out."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    shown = "" if port is None or _DEFAULT_PORTS.get(scheme) == port else f":{port}"
    return f"{scheme}://{host}{shown}"


def link_base(request: HTTPConnection, settings: Settings) -> str:
    """The base URL (no trailing slash) of links handed out in answer to ``request``."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scope = request.scope
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    root = scope.get("root_path", "").rstrip("/")
    if from_trusted_proxy(request, settings):
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        scheme = proto if proto in ("http", "https") else scheme
        host = forwarded_host(scope.get("headers") or ())
        if host:
            return f"{scheme}://{host}{root}"
    server = scope.get("server")
    if server and server[0]:
        return origin(scheme, server[0], server[1]) + root
    return str(request.base_url).rstrip("/")  # a unix socket: only a proxy is in front of it


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def feed_urls(base: str, secret: str) -> tuple[str, str]:
    """(https URL, webcal URL) of a feed secret."""
    url = f"{base.rstrip('/')}/calendars/{secret}.ics"
    return url, "webcal://" + url.split("://", 1)[1]
