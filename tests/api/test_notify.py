"""Telling people (issue 19.3): a publish emails exactly the people whose shifts changed, their changes in
words and an .ics of the feed's UIDs; team webhooks get one signed delivery per event, retried after a 5xx;
the outbox is written with the publish and sent once, also after a crash between the commit and the send."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from apikit import Service, quick_solve, team_doc
from notifykit import HookReceiver, SmtpSink
from sqlalchemy import select

from rota.api.db import Database
from rota.api.models import FeedEvent, OutboxMessage
from rota.api.services import notify, outbox
from rota.api.settings import Settings
from rota.ical import event_uid

EMAILS = {
    "noor": "noor@desk.test",
    "sem": "sem@desk.test",
    "lotte": "lotte@desk.test",
    "daan": "daan@desk.test",
}
FAST = {"notify_poll_seconds": 0.1, "notify_retry_seconds": 0.2, "public_url": "http://rota.test"}


def emailed_team() -> dict[str, Any]:
    """The test team; everyone but Eva has an email address in the team file."""
    doc = team_doc()
    for person in doc["people"]:
        if person["id"] in EMAILS:
            person["email"] = EMAILS[person["id"]]
    return doc


def start(make_service: Any, **settings: Any) -> Service:
    service: Service = make_service(solve_fn=quick_solve, **{**FAST, **settings})
    service.put_team(doc=emailed_team())
    return service


def moved_draft(service: Service, person: str, to: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new draft of the same dates, one duty of ``person`` moved to ``to`` (forced): (rota, the duty)."""
    rota = service.generate(start="2026-10-19", end="2026-10-30")
    duty = next(a for a in rota["assignments"] if a["person"] == person and a["role"] == "desk")
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={
            "op": "move",
            **{k: duty[k] for k in ("person", "role", "shift", "date")},
            "to": {"person": to},
            "force": True,
        },
        expect=200,
    )
    return service.call("GET", f"/api/rotas/{rota['id']}", expect=200).json(), duty


def settle(service: Service, timeout: float = 20.0) -> None:
    """Wait until the outbox has nothing pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with service.db.read() as session:
            if not session.scalars(select(OutboxMessage.id).where(OutboxMessage.state == "pending")).first():
                return
        time.sleep(0.05)
    raise AssertionError("messages still pending")


def test_a_publish_emails_exactly_the_people_whose_shifts_changed(make_service: Any) -> None:
    with SmtpSink() as sink:
        service = start(make_service, smtp_url=sink.url, mail_from="rota@desk.test")
        first = service.generate(start="2026-10-19", end="2026-10-30")
        service.publish(first)
        on_duty = {a["person"] for a in first["assignments"]}
        told = sink.wait(len(on_duty & set(EMAILS)))
        assert sorted(m.envelope_to[0] for m in told) == sorted(EMAILS[p] for p in on_duty & set(EMAILS))
        settle(service)
        sink.messages.clear()

        draft, duty = moved_draft(service, "noor", "lotte")
        service.publish(draft)
        told = sink.wait(2)
        time.sleep(0.5)  # nobody else is told, not even late
        assert len(sink.messages) == 2
        by = {m.envelope_to[0]: m for m in told}
        assert set(by) == {EMAILS["noor"], EMAILS["lotte"]}
        day = date.fromisoformat(duty["date"])
        when = f"{day:%a} {day.day} {day:%b}"
        shift = {"am": "am", "pm": "pm"}[duty["shift"]]
        noor, lotte = by[EMAILS["noor"]], by[EMAILS["lotte"]]
        assert f"{when}: {shift} removed" in noor.text
        assert f"{when}: {shift} " in lotte.text and " added" in lotte.text
        times = "09:00–13:00" if duty["shift"] == "am" else "13:00–17:00"
        assert f"{when}: {shift} {times} added" in lotte.text
        assert noor.message["From"] == "rota@desk.test" and "Noor de Vries" in noor.message["To"]
        assert "http://rota.test/unsubscribe/" in noor.text
        assert noor.message["List-Unsubscribe"].startswith("<http://rota.test/unsubscribe/")
        # the .ics: METHOD:PUBLISH, the feed's UID (the shift handed to Lotte keeps the UID it had as Noor's,
        # SEQUENCE raised), cancelled in Noor's, confirmed in Lotte's
        for msg, status in ((noor, "CANCELLED"), (lotte, "CONFIRMED")):
            assert msg.ics is not None
            cal = icalendar.Calendar.from_ical(msg.ics)
            assert cal["METHOD"] == "PUBLISH"
            (event,) = list(cal.walk("VEVENT"))
            assert str(event["UID"]) == event_uid("tiny", "noor", duty["role"], duty["date"], duty["shift"])
            assert str(event["STATUS"]) == status and int(event["SEQUENCE"]) == 1
        with service.db.read() as session:
            feed_uids = set(session.scalars(select(FeedEvent.uid)))
        assert str(event["UID"]) in feed_uids
        # the delivery log says who was told what
        log = service.call("GET", "/api/teams/tiny/deliveries", expect=200).json()
        latest = [d for d in log if d["person"] in ("noor", "lotte")][:2]
        assert {d["state"] for d in latest} == {"sent"} and all(d["attempts"] == 1 for d in latest)
        assert any(f"{when}: {shift} removed" in d["summary"] for d in latest)


def test_a_person_without_an_address_or_who_turned_changes_off_gets_no_email(make_service: Any) -> None:
    with SmtpSink() as sink:
        service = start(make_service, smtp_url=sink.url)
        service.call(
            "PUT", "/api/me/notifications", "staff", json={"team": "tiny", "changes": False}, expect=200
        )
        first = service.generate(start="2026-10-19", end="2026-10-30")
        service.publish(first)
        settle(service)
        wanted = {
            EMAILS[p] for p in {a["person"] for a in first["assignments"]} if p in EMAILS and p != "noor"
        }
        assert {
            m.envelope_to[0] for m in sink.messages
        } == wanted  # not noor (turned off), not eva (no address)
        assert len(sink.messages) == len(wanted)
        # where it does not bind: noor turns it on again and is told of the next change
        service.call(
            "PUT", "/api/me/notifications", "staff", json={"team": "tiny", "changes": True}, expect=200
        )
        sink.messages.clear()
        draft, _ = moved_draft(service, "noor", "sem")
        service.publish(draft)
        assert {m.envelope_to[0] for m in sink.wait(2)} == {EMAILS["noor"], EMAILS["sem"]}


def test_the_unsubscribe_link_turns_that_kind_off(make_service: Any) -> None:
    with SmtpSink() as sink:
        service = start(make_service, smtp_url=sink.url)
        service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
        settle(service)
        noor = next(m for m in sink.messages if m.envelope_to == [EMAILS["noor"]])
        link = next(w for w in noor.text.split() if w.startswith("http://rota.test/unsubscribe/"))
        path = link.removeprefix("http://rota.test")
        page = service.client.get(path)
        assert (
            page.status_code == 200 and "changes to my shifts" in page.text and "Noor de Vries" in page.text
        )
        mine = service.call("GET", "/api/me/notifications", "staff", expect=200).json()
        assert mine[0]["changes"] is True  # a GET (a mail scanner's) changes nothing
        done = service.client.post(path)
        assert done.status_code == 200 and "turned off" in done.text
        mine = service.call("GET", "/api/me/notifications", "staff", expect=200).json()
        assert mine == [
            {
                "team": "tiny",
                "team_name": "Tiny Help Desk",
                "person": "noor",
                "email": EMAILS["noor"],
                "email_on": True,
                "changes": False,
                "reminders": False,
                "reminder_hours": 12,
            }
        ]
        bad = service.client.get(path[:-3] + "xyz")
        assert bad.status_code == 404 and "not valid" in bad.text


def test_a_webhook_gets_one_signed_delivery_retried_after_a_500(
    make_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "TEXT_PEOPLE", 1)  # the chat text names one person, then "and N more"
    with HookReceiver(answers=[500]) as receiver:
        service = start(make_service)
        hook = service.call(
            "POST",
            "/api/teams/tiny/webhooks",
            json={"url": receiver.url, "secret": "s3cret-of-the-hook", "events": ["rota.published"]},
            expect=201,
        ).json()
        assert "secret" not in hook and hook["events"] == ["rota.published"]
        rota = service.generate(start="2026-10-19", end="2026-10-30")
        service.publish(rota)
        hits = receiver.wait(2)
        settle(service)
        time.sleep(0.4)
        assert len(receiver.hits) == 2  # the 500, then the retry taken: one delivery, twice tried
        first, second = receiver.hits
        assert first.body == second.body
        for hit in receiver.hits:
            expected = "sha256=" + hmac.new(b"s3cret-of-the-hook", hit.body, hashlib.sha256).hexdigest()
            assert hit.headers["x-rota-signature"] == expected
            assert hit.headers["content-type"] == "application/json"
        body = hits[0].json
        assert body["event"] == "rota.published" and body["team"] == "tiny"
        assert body["text"].startswith("Tiny Help Desk: rota for")  # what Slack and Teams show
        assert {p["person"] for p in body["people"]} == {a["person"] for a in rota["assignments"]}
        others = len(body["people"]) - 1
        assert body["text"].endswith(f" and {others} more people") and body["text"].count("(") == 1
        assert all(c["change"] == "added" for p in body["people"] for c in p["changes"])
        log = service.call("GET", "/api/teams/tiny/deliveries", expect=200).json()
        (delivery,) = [d for d in log if d["channel"] == "webhook"]
        assert (
            delivery["state"] == "sent"
            and delivery["attempts"] == 2
            and delivery["recipient"] == receiver.url
        )


def test_webhooks_are_listed_refused_in_words_and_deleted(service: Service) -> None:
    service.put_team(doc=emailed_team())
    url = "/api/teams/tiny/webhooks"
    bad = service.call(
        "POST", url, json={"url": "ftp://x", "secret": "12345678", "events": ["rota.published"]}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "url"
    bad = service.call(
        "POST", url, json={"url": "https://x.test/h", "secret": "12345678", "events": ["rota.done"]}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "events[0]"
    assert "rota.published" in bad.json()["detail"][0]["message"]
    made = service.call(
        "POST",
        url,
        json={"url": "https://hooks.slack.test/T/B", "secret": "12345678", "events": ["team.on_today"]},
        expect=201,
    ).json()
    listed = service.call("GET", url, expect=200).json()
    assert [h["id"] for h in listed] == [made["id"]] and all("secret" not in h for h in listed)
    service.call("GET", url, "hr", expect=403)
    service.call("DELETE", f"{url}/{made['id']}", expect=204)
    gone = service.call("DELETE", f"{url}/{made['id']}", expect=404)
    assert gone.json()["detail"][0]["path"] == "hook_id"
    assert service.call("GET", url, expect=200).json() == []


def test_a_send_that_fails_never_loses_the_publish_and_is_retried_then_failed(make_service: Any) -> None:
    from notifykit import free_port

    closed = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    service = start(make_service, smtp_url=closed, notify_max_attempts=3)
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    assert rota["state"] == "published"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        log = service.call("GET", "/api/teams/tiny/deliveries", expect=200).json()
        if log and all(d["state"] == "failed" for d in log):
            break
        time.sleep(0.1)
    assert log and all(d["state"] == "failed" and d["attempts"] == 3 and d["last_error"] for d in log)
    assert service.call("GET", f"/api/rotas/{rota['id']}", expect=200).json()["state"] == "published"
    pending = service.call("GET", "/api/teams/tiny/deliveries?state=pending", expect=200).json()
    assert pending == []
    service.call("GET", "/api/teams/tiny/deliveries?state=lost", expect=422)


def test_the_delivery_log_keeps_sent_messages_for_its_days(make_service: Any) -> None:
    service = start(make_service, notify_poll_seconds=3600)
    service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    with service.db.write() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert len(rows) >= 2
        rows[0].state, rows[0].created_at = "sent", datetime.now(UTC) - timedelta(days=91)
        rows[1].created_at = datetime.now(UTC) - timedelta(days=91)  # pending: kept until it is sent or fails
        session.commit()
        first, second = rows[0].id, rows[1].id
    assert outbox.prune(service.db, 90) == 1
    with service.db.read() as session:
        left = set(session.scalars(select(OutboxMessage.id)))
    assert first not in left and second in left
    assert outbox.prune(service.db, 90) == 0


def test_back_off_doubles_and_stops_at_an_hour() -> None:
    settings = Settings(notify_retry_seconds=30)
    assert [outbox.backoff(settings, n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(settings, 20) == 3600


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from fastapi.testclient import TestClient
    from apikit import issue_tokens, quick_solve, Service
    from rota.api.main import create_app
    from rota.api.settings import Settings
    import json

    settings = Settings(database_url={url!r}, smtp_url={smtp!r}, notify_poll_seconds=3600, job_workers=1,
                        solver_workers=1, public_url="http://rota.test")
    app = create_app(settings, solve_fn=quick_solve)
    with TestClient(app) as client:
        service = Service(client, issue_tokens(app.state.db), app.state.db)
        service.put_team(doc=json.loads({doc!r}))
        rota = service.generate(start="2026-10-19", end="2026-10-30")
        service.publish(rota)  # committed with its outbox rows; the courier sleeps for an hour
        print("published", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # the process dies between the commit and the send
    """
)


def test_a_process_killed_between_the_publish_commit_and_the_send_delivers_once_after_restart(
    make_service: Any, database_url: str
) -> None:
    import json

    with SmtpSink() as sink:
        tests = str(Path(__file__).parent)
        script = CHILD.format(tests=tests, url=database_url, smtp=sink.url, doc=json.dumps(emailed_team()))
        here = Path(tests)  # the child imports apikit (tests/api), which imports standins (tests/)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(here.parent.parent), str(here.parent), tests]),
        }
        child = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
        assert "published" in child.stdout
        assert sink.messages == []  # it died before sending anything
        with Database.connect(database_url).read() as session:
            waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")).all()
            expected = sorted(m.recipient for m in waiting)
        assert expected  # the publish committed its messages
        # the restart: a new server on the same database sends each message once
        service: Service = make_service(solve_fn=quick_solve, smtp_url=sink.url, **FAST)
        told = sink.wait(len(expected))
        settle(service)
        time.sleep(0.5)
        assert sorted(m.envelope_to[0] for m in told) == expected and len(sink.messages) == len(expected)


CLAIM_AND_DIE = textwrap.dedent(
    """
    import os, signal
    from rota.api.db import Database
    from rota.api.services import outbox
    db = Database.connect({url!r})
    row = outbox.claim(db, {id}, "doomed-runner", 1.0)
    assert row is not None
    print("claimed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # between the claim and the send
    """
)


def test_a_runner_killed_after_claiming_a_message_leaves_it_to_the_next_after_its_lease(
    make_service: Any, database_url: str
) -> None:
    with SmtpSink() as sink:
        service = start(
            make_service, smtp_url=sink.url, notify_poll_seconds=3600
        )  # this server's courier sleeps
        service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
        with service.db.read() as session:
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.person == "noor")).one()
        root = Path(__file__).parent.parent.parent
        child = subprocess.run(
            [sys.executable, "-c", CLAIM_AND_DIE.format(url=database_url, id=row.id)],
            env={**os.environ, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert child.returncode == -signal.SIGKILL and "claimed" in child.stdout, child.stderr[-2000:]
        settings = Settings(database_url=database_url, smtp_url=sink.url)
        assert outbox.claim(service.db, row.id, "another", 60) is None  # still leased to the dead runner
        time.sleep(1.2)
        sent = outbox.drain(service.db, settings, "restarted")
        assert sent >= 1
        assert [m.envelope_to for m in sink.messages].count([EMAILS["noor"]]) == 1
        assert outbox.drain(service.db, settings, "restarted") == 0  # sent once, never again
        assert [m.envelope_to for m in sink.messages].count([EMAILS["noor"]]) == 1


def test_reminders_and_who_is_on_today_are_queued_once_per_duty_and_per_day(make_service: Any) -> None:
    service = start(make_service, notify_poll_seconds=3600)
    service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.call(
        "POST",
        "/api/teams/tiny/webhooks",
        json={"url": "https://hooks.test/x", "secret": "12345678", "events": ["team.on_today"]},
        expect=201,
    )
    with service.db.read() as session:
        noor = session.scalars(
            select(FeedEvent)
            .where(FeedEvent.person == "noor", FeedEvent.active.is_(True))
            .order_by(FeedEvent.start_utc)
        ).first()
    assert noor is not None
    # off by default: nothing queued for noor
    before = noor.start_utc - timedelta(hours=6)
    with service.db.write() as session:
        notify.queue_due(session=session, now=before, on_today_hour=7)
    with service.db.read() as session:
        assert (
            session.scalars(select(OutboxMessage).where(OutboxMessage.event == "duty.reminder")).all() == []
        )
    service.call(
        "PUT",
        "/api/me/notifications",
        "staff",
        json={"team": "tiny", "reminders": True, "reminder_hours": 12},
        expect=200,
    )
    too_early = noor.start_utc - timedelta(hours=13)
    with service.db.write() as session:
        notify.queue_due(session=session, now=too_early, on_today_hour=7)
        assert (
            session.scalars(select(OutboxMessage).where(OutboxMessage.event == "duty.reminder")).all() == []
        )
    for _ in range(2):  # twice: still one reminder
        with service.db.write() as session:
            notify.queue_due(session=session, now=before, on_today_hour=7)
    with service.db.read() as session:
        reminders = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "duty.reminder")).all()
        today = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "team.on_today")).all()
    mine = [r for r in reminders if r.person == "noor"]
    assert len(mine) == 1 and mine[0].recipient == EMAILS["noor"]
    assert mine[0].payload["lines"][0].endswith("09:00–13:00") or "–" in mine[0].payload["lines"][0]
    # who is on today: once a day, after 07:00 local, only on a published date
    assert len(today) <= 1
    morning = datetime(2026, 10, 20, 7, 30, tzinfo=UTC)  # 09:30 in Amsterdam
    for _ in range(2):
        with service.db.write() as session:
            notify.queue_due(session=session, now=morning, on_today_hour=7)
    with service.db.read() as session:
        today = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.event == "team.on_today", OutboxMessage.key.contains("2026-10-20")
            )
        ).all()
    assert len(today) == 1
    body = today[0].payload["body"]
    assert body["date"] == "2026-10-20" and body["on"] and body["text"].startswith("Tiny Help Desk, on today")
    night = datetime(2026, 10, 21, 4, 0, tzinfo=UTC)  # 06:00 in Amsterdam: before the hour
    with service.db.write() as session:
        notify.queue_due(session=session, now=night, on_today_hour=7)
    with service.db.read() as session:
        assert not session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.contains("today:tiny:2026-10-21"))
        ).all()


def test_my_choices_are_mine(service: Service) -> None:
    service.put_team(doc=emailed_team())
    service.call(
        "PUT", "/api/me/notifications", "staff", json={"team": "other", "changes": False}, expect=403
    )
    bad = service.call("PUT", "/api/me/notifications", "staff", json={"team": "tiny", "reminder_hours": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "reminder_hours"
    service.call("GET", "/api/me/notifications", "lead", expect=403)
    assert (
        service.call("GET", "/api/me/notifications", "staff", expect=200).json()[0]["email"] == EMAILS["noor"]
    )


@pytest.mark.parametrize(
    "url", ["smtp://mail.test:2525", "smtps://u%40x:p%3Aw@mail.test", "smtp://mail.test"]
)
def test_the_smtp_url_is_read(url: str) -> None:
    from rota.api.services.mail import smtp_server

    server = smtp_server(Settings(smtp_url=url, smtp_username="env-user", smtp_password="env-pw"))
    assert server.host == "mail.test"
    if url.startswith("smtps"):
        assert (server.port, server.tls, server.username, server.password) == (465, True, "u@x", "p:w")
    else:
        assert server.port == (2525 if ":2525" in url else 25) and not server.tls
        assert (server.username, server.password) == ("env-user", "env-pw")


def test_celery_workers_run_the_courier_task() -> None:
    from rota.api.jobs.celery import DELIVER_TASK, TASK, make_celery

    app = make_celery(Settings())
    assert {TASK, DELIVER_TASK} <= set(app.tasks)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # Celery workers: PostgreSQL only
def test_a_rota_worker_sends_the_outbox_with_the_celery_backend(make_service: Any, database_url: str) -> None:
    """``rota worker`` processes run the courier too: a publish made by a server whose own courier sleeps
    is sent by the worker (on PostgreSQL and Redis, as deployed; skipped like the other Celery tests, and
    failed instead where ROTA_REQUIRE_DATABASE says the services must be there, as in CI)."""
    broker = os.environ.get("ROTA_TEST_BROKER_URL")
    if not broker:
        reason = "Celery tests need ROTA_TEST_BROKER_URL (a Redis database they may empty), as test_celery.py"
        if os.environ.get("ROTA_REQUIRE_DATABASE"):
            pytest.fail(reason)
        pytest.skip(reason)
    with SmtpSink() as sink:
        service = start(make_service, smtp_url=sink.url, notify_poll_seconds=3600)
        rota = service.generate(start="2026-10-19", end="2026-10-30")
        service.publish(rota)
        wanted = sorted(EMAILS[p] for p in {a["person"] for a in rota["assignments"]} if p in EMAILS)
        time.sleep(0.5)
        assert sink.messages == []  # the server's courier sleeps: what comes is the worker's
        root = Path(__file__).parent.parent.parent
        env = {
            **os.environ,
            "PYTHONPATH": str(root),
            "ROTA_DATABASE_URL": database_url,
            "ROTA_BROKER_URL": broker,
            "ROTA_JOB_BACKEND": "celery",
            "ROTA_SMTP_URL": sink.url,
            "ROTA_NOTIFY_POLL_SECONDS": "0.2",
        }
        worker = subprocess.Popen(
            [sys.executable, "-c", "from rota.cli.main import main; main()", "worker", "--concurrency", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            told = sink.wait(len(wanted), timeout=60)
            settle(service)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        assert sorted(m.envelope_to[0] for m in told) == wanted


def test_a_reminder_email_and_the_day_s_webhook_are_sent_once(make_service: Any) -> None:
    with SmtpSink() as sink, HookReceiver() as receiver:
        service = start(make_service, smtp_url=sink.url, notify_poll_seconds=3600)
        service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
        with service.db.write() as session:  # the publish's own messages are not what this test is about
            session.query(OutboxMessage).delete()
            session.commit()
        service.call(
            "PUT", "/api/me/notifications", "staff", json={"team": "tiny", "reminders": True}, expect=200
        )
        service.call(
            "POST",
            "/api/teams/tiny/webhooks",
            json={"url": receiver.url, "secret": "day-secret", "events": ["team.on_today"]},
            expect=201,
        )
        with service.db.read() as session:
            first = session.scalars(
                select(FeedEvent).where(FeedEvent.person == "noor").order_by(FeedEvent.start_utc)
            ).first()
        assert first is not None
        now = first.start_utc - timedelta(hours=2)
        settings = Settings(smtp_url=sink.url, public_url="http://rota.test")
        for _ in range(2):  # two rounds (or two couriers): each message once
            with service.db.write() as session:
                notify.queue_due(session=session, now=now, on_today_hour=0)
            outbox.drain(service.db, settings, "test")
        reminders = [m for m in sink.messages if m.message["Subject"].startswith("Reminder:")]
        assert len(reminders) == 1 and reminders[0].envelope_to == [EMAILS["noor"]]
        local = first.start_utc.astimezone(ZoneInfo("Europe/Amsterdam"))
        assert f"{local:%H:%M}–" in reminders[0].text and "reminders before your shifts" in reminders[0].text
        assert reminders[0].ics is None
        (hit,) = receiver.hits
        assert hit.json["event"] == "team.on_today" and hit.json["on"]
        expected = "sha256=" + hmac.new(b"day-secret", hit.body, hashlib.sha256).hexdigest()
        assert hit.headers["x-rota-signature"] == expected


def test_publishing_a_pending_change_set_tells_only_the_people_it_changes(make_service: Any) -> None:
    """Issue 19's month after: an edit of the published rota waits in its pending set (nobody is told);
    Publish makes it a version, and exactly the people it changes get one email each, with the lead's note."""
    with SmtpSink() as sink, HookReceiver() as receiver:
        service = start(make_service, smtp_url=sink.url)
        rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
        settle(service)
        sink.messages.clear()
        service.call(
            "POST",
            "/api/teams/tiny/webhooks",
            json={"url": receiver.url, "secret": "pending-secret", "events": ["rota.published"]},
            expect=201,
        )
        noor = next(a for a in rota["assignments"] if a["person"] == "noor")
        keys = {k: noor[k] for k in ("person", "role", "shift", "date")}
        held = service.call(
            "POST",
            f"/api/rotas/{rota['id']}/edits",
            json={"op": "move", **keys, "to": {"person": "sem"}, "force": True},
            expect=200,
        ).json()["rota"]
        time.sleep(0.5)
        assert sink.messages == [] and receiver.hits == []  # pending: nobody is told yet
        service.call(
            "POST",
            f"/api/rotas/{rota['id']}/publish",
            json={"version": held["version"], "note": "Noor ill on Monday"},
            expect=200,
        )
        told = sink.wait(2)
        settle(service)
        time.sleep(0.3)
        assert sorted(m.envelope_to[0] for m in sink.messages) == sorted([EMAILS["noor"], EMAILS["sem"]])
        assert all("(Why: Noor ill on Monday)" in m.text for m in told)
        (hit,) = receiver.wait(1)
        assert hit.json["note"] == "Noor ill on Monday"
        assert {p["person"] for p in hit.json["people"]} == {"noor", "sem"}
