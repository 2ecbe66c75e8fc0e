"""The courier: the runner's loop that sends the outbox (``rota.api.services.outbox``) and queues what falls
due (reminders before duties, each day's "who is on today": ``rota.api.services.notify.queue_due``).

In-process (the default) the ``ThreadPoolRunner`` starts one beside its solve workers; with the celery
backend every ``rota worker`` process runs one (and the task ``rota.deliver_outbox`` runs a round on
demand). Many couriers at once are safe: each message is claimed with a lease before it is sent.
"""

from __future__ import annotations

import logging
import threading
import time

from rota.api.db import Database, utcnow
from rota.api.services import notify, outbox
from rota.api.settings import Settings

log = logging.getLogger(__name__)
PRUNE_EVERY = 3600.0  # seconds between clearing old rows from the delivery log


def deliver_round(db: Database, settings: Settings, owner: str) -> int:
    """Queue what fell due, then send what is due: the number of messages sent."""
    try:
        with db.read() as session:
            scheduled = notify.anything_scheduled(session)
        if scheduled:
            with db.write() as session:
                notify.queue_due(session=session, now=utcnow(), on_today_hour=settings.on_today_hour)
    except Exception as exc:  # reminders wait for the next round; sending goes on
        log.warning("reminders not queued: %s", exc)
    return outbox.drain(db, settings, owner)


class Courier:
    """A daemon thread running ``deliver_round`` every ``notify_poll_seconds`` until ``stop``."""

    def __init__(self, db: Database, settings: Settings, owner: str):
        self.db, self.settings, self.owner = db, settings, owner
        self._closing = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rota-courier", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now (after a publish), not at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        failing = False
        pruned = 0.0
        while not self._closing.is_set():
            try:
                deliver_round(self.db, self.settings, self.owner)
                if time.monotonic() - pruned > PRUNE_EVERY:
                    outbox.prune(self.db, self.settings.notify_keep_days)
                    pruned = time.monotonic()
                failing = False
            except Exception as exc:  # a busy or unmigrated database: next round (said once, not each poll)
                if not failing:
                    log.warning("outbox not drained: %s", str(exc).splitlines()[0] if str(exc) else exc)
                failing = True
            self._wake.wait(self.settings.notify_poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        self._closing.set()
        self._wake.set()
        self._thread.join(timeout=self.settings.smtp_timeout + self.settings.webhook_timeout + 5)
