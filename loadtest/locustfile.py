"""Month-end load on rota: leads generate and publish next month's rotas while calendars poll their feeds
and HR downloads coverage. Run by loadtest/run.sh (headless, loopback, bounded in time).

Reads the seed (loadtest/seed.py) from ``LOADTEST_SEED``. Users:

* ``LeadUser`` (one per team, ``LOADTEST_LEADS``): POST a generate (short time limit, an
  Idempotency-Key), poll the job each second until it ends, publish the rota, think 5-15 s, again.
* ``FeedUser`` (the rest): each polls a random one of the seeded feed URLs (2,000) about once a second,
  sending the ETag it last saw for that URL, as calendar clients do (``If-None-Match`` → 304).
* ``HRUser`` (``LOADTEST_HR``): downloads a team's coverage for next month as JSON, CSV or Excel.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, between, constant_throughput, task

SEED = json.loads(Path(os.environ.get("LOADTEST_SEED", "loadtest-seed.json")).read_text(encoding="utf-8"))
TIME_LIMIT = float(os.environ.get("LOADTEST_TIME_LIMIT", "1"))
_leads = itertools.cycle(SEED["leads"])
_etags: dict[str, str] = {}  # feed URL → its last ETag, shared by the feed users (one calendar each)


class LeadUser(FastHttpUser):
    fixed_count = int(os.environ.get("LOADTEST_LEADS", "50"))
    wait_time = between(5, 15)

    def on_start(self) -> None:
        lead = next(_leads)
        self.team, self.headers = lead["team"], {"Authorization": f"Bearer {lead['token']}"}

    @task
    def generate_and_publish(self) -> None:
        body = {
            "start": SEED["start"],
            "end": SEED["end"],
            "time_limit": TIME_LIMIT,
            "seed": random.randrange(1000),
        }
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(
            f"/api/teams/{self.team}/rotas",
            json=body,
            headers=headers,
            name="POST /api/teams/[team]/rotas",
            catch_response=True,
        ) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            job_id = response.json()["job_id"]
        deadline = time.monotonic() + 240
        job = {}
        while time.monotonic() < deadline:
            time.sleep(1)
            response = self.client.get(f"/api/jobs/{job_id}", headers=self.headers, name="GET /api/jobs/[id]")
            if response.status_code != 200:
                continue
            job = response.json()
            if job["state"] not in ("queued", "running"):
                break
        if job.get("state") == "done" and job.get("rota_id"):
            rota = self.client.get(
                f"/api/rotas/{job['rota_id']}", headers=self.headers, name="GET /api/rotas/[id]"
            ).json()
            self.client.post(
                f"/api/rotas/{rota['id']}/publish",
                json={"version": rota["version"]},
                headers=self.headers,
                name="POST /api/rotas/[id]/publish",
            )


class FeedUser(FastHttpUser):
    weight = 1
    wait_time = constant_throughput(1)

    @task
    def poll(self) -> None:
        url = random.choice(SEED["feeds"])
        headers = {"If-None-Match": _etags[url]} if url in _etags else {}
        with self.client.get(
            url, headers=headers, name="GET /calendars/[token].ics", catch_response=True
        ) as response:
            if response.status_code in (200, 304):
                _etags[url] = response.headers.get("ETag", "")
                response.success()
            else:
                response.failure(f"{response.status_code}")


class HRUser(FastHttpUser):
    fixed_count = int(os.environ.get("LOADTEST_HR", "5"))
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {SEED['hr']}"}

    @task
    def coverage(self) -> None:
        team = random.choice(SEED["leads"])["team"]
        fmt = random.choice(["json", "csv", "xlsx"])
        self.client.get(
            f"/api/teams/{team}/coverage?from={SEED['start']}&to={SEED['end']}&format={fmt}",
            headers=self.headers,
            name=f"GET /api/teams/[team]/coverage ({fmt})",
        )
