"""uvicorn's HTTP/1.1 protocol (h11) with deadlines on reading a request, against slow clients.

uvicorn bounds only the idle time between two requests (``timeout_keep_alive``): a client that sends its
headers or its body a byte at a time, each byte just in time, holds its connection (and its memory) as
long as it likes, and thousands of such clients hold the server. ``TimedH11Protocol`` gives every request
``ROTA_HEADER_TIMEOUT`` seconds from its first byte (or from the connection, for the first request) to
finish its line and headers, and ``ROTA_BODY_TIMEOUT`` seconds to finish the whole request; past either,
a request still incomplete answers ``408`` (in our error shape) and its connection is closed. A connection
that never sends a byte is closed without an answer. The time the application then takes is not bounded
here (a solve is a job, not a request).

``rota serve`` runs uvicorn with it; with uvicorn directly, give ``--http rota.api.server:TimedH11Protocol``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from rota.api.middleware import SECURITY_HEADERS, error_body

log = logging.getLogger("uvicorn.error")
LINGER = 2.0  # seconds a connection answered 408 stays open for reading (discarded) before it is closed


def _timeouts() -> tuple[float, float]:
    from rota.api.settings import get_settings

    settings = get_settings()
    return settings.header_timeout, settings.body_timeout


class TimedH11Protocol(H11Protocol):
    """``H11Protocol`` whose requests must arrive, headers and then body, within their deadlines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.body_timeout = _timeouts()
        self._deadlines: list[asyncio.TimerHandle] = []
        self._lingering = False

    # the clock starts at the connection (its first request) and at the first byte of each later request
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # answered 408: what the client still sends is read and dropped until the close
        if not self._deadlines and self.conn.their_state is h11.IDLE:
            self._arm()
        super().data_received(data)
        self._check()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._check()

    def _arm(self) -> None:
        self._disarm()
        self._deadlines = [
            self.loop.call_later(self.header_timeout, self._expired, "headers"),
            self.loop.call_later(self.body_timeout, self._expired, "body"),
        ]

    def _disarm(self) -> None:
        for handle in self._deadlines:
            handle.cancel()
        self._deadlines = []

    def _check(self) -> None:
        """Stop the clocks that no longer run: the headers are in, or the whole request is."""
        state = self.conn.their_state
        if state is not h11.IDLE and state is not h11.SEND_BODY:  # DONE, MUST_CLOSE, CLOSED, ERROR
            self._disarm()
        elif state is h11.SEND_BODY and len(self._deadlines) == 2:
            self._deadlines.pop(0).cancel()  # the headers are in: only the body's deadline is left

    def _expired(self, part: str) -> None:
        self._disarm()  # the other deadline too
        if self.transport.is_closing() or self._lingering:
            return
        state, cycle = self.conn.their_state, self.cycle
        if state is h11.IDLE and not self.conn.trailing_data[0]:
            self.transport.close()  # not a byte of a request sent: nothing to answer
            return
        if state is not h11.IDLE and state is not h11.SEND_BODY:
            return  # the request is in: the clock was not stopped in time (a race), nothing to do
        seconds = self.header_timeout if part == "headers" else self.body_timeout
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.warning(
            "%s did not send its request's %s within %g s: 408, connection closed", client, part, seconds
        )
        # in the body: the application may have answered already (a 413), or be waiting for the body
        started = state is h11.SEND_BODY and cycle is not None and cycle.response_started
        if state is h11.SEND_BODY and cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the application's next receive() says the client is gone
            cycle.message_event.set()
        if not started:
            what = "line and headers" if part == "headers" else "body"
            body = error_body(f"the request's {what} did not arrive within {seconds:g} s")
            head = [
                b"HTTP/1.1 408 Request Timeout",
                b"content-type: application/json",
                b"connection: close",
                b"content-length: " + str(len(body)).encode(),
            ]
            head += [f"{k.lower()}: {v}".encode() for k, v in SECURITY_HEADERS.items()]
            self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            if self.transport.can_write_eof():
                # a lingering close: the answer and our FIN go out, the client's bytes still in flight
                # are read and dropped, so the close does not reset the connection before it reads the 408
                self.transport.write_eof()
                self._lingering = True
                self.loop.call_later(LINGER, self.transport.close)
                return
        self.transport.close()
