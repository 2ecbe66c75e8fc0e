"""Email over SMTP (``ROTA_SMTP_URL``, ``ROTA_MAIL_FROM``): one message, a plain-text part, an .ics file.

``smtp://host:port`` speaks plain SMTP (``ROTA_SMTP_STARTTLS=true`` upgrades it), ``smtps://host:port`` TLS
from the first byte; ``user:password@`` in the URL, or ``ROTA_SMTP_USERNAME`` / ``ROTA_SMTP_PASSWORD``,
logs in. The standard library's ``smtplib`` and ``email`` do the work.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from rota.api.settings import Settings


class MailNotConfigured(RuntimeError):
    """No ``ROTA_SMTP_URL``: the message waits (and the delivery log says why)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    starttls: bool
    username: str | None
    password: str | None


def smtp_server(settings: Settings) -> SmtpServer:
    """The server ``settings`` name; ``MailNotConfigured``/``ValueError`` in words when they cannot."""
    if not settings.smtp_url:
        raise MailNotConfigured("no mail server is set (ROTA_SMTP_URL)")
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError("ROTA_SMTP_URL must be smtp://host:port or smtps://user:password@host:port")
    tls = url.scheme == "smtps"
    return SmtpServer(
        host=url.hostname,
        port=url.port or (465 if tls else 25),
        tls=tls,
        starttls=settings.smtp_starttls and not tls,
        username=unquote(url.username) if url.username else settings.smtp_username,
        password=unquote(url.password) if url.password else settings.smtp_password,
    )


def compose(payload: dict[str, Any], *, sender: str, unsubscribe_url: str) -> EmailMessage:
    """The email a queued message says: to the person, their changes in words, the .ics attached, and the
    link that turns this kind of email off (also as List-Unsubscribe, one click: RFC 8058)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((payload["name"], payload["to"]))
    msg["Subject"] = payload["subject"]
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="rota")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    what = "changes to your shifts" if payload["kind"] == "changes" else "reminders before your shifts"
    lines = "\n".join(f"  {line}" for line in payload["lines"])
    attached = (
        "\nThe attached calendar file holds these shifts; open it to update your calendar.\n"
        if payload.get("ics")
        else ""
    )
    msg.set_content(
        f"Hello {payload['name']},\n\n{payload['intro']}\n\n{lines}\n{attached}\n"
        f"You get this email because you are in {payload['team_name']}. To stop emails about {what}, open\n"
        f"{unsubscribe_url}\n"
    )
    if payload.get("ics"):
        msg.add_attachment(
            payload["ics"].encode(),
            maintype="text",
            subtype="calendar",
            filename="rota-changes.ics",
            params={"method": "PUBLISH"},
        )
    return msg


def send(settings: Settings, msg: EmailMessage) -> None:
    """Send one message; raises (``smtplib.SMTPException``, ``OSError``) when the server does not take it."""
    server = smtp_server(settings)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=settings.smtp_timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=settings.smtp_timeout)
    with client:
        if server.starttls:
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password or "")
        client.send_message(msg)
