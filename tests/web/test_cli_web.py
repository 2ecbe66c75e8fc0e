"""The CLI's side of the web app: `rota token create --link` and the demo's sign-in links."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from webkit import csrf_of

from rota.api.main import create_app
from rota.api.settings import get_settings

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def rota(rota: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``rota …`` with a session secret for the pages."""
    monkeypatch.setenv("ROTA_SESSION_SECRET", "cli-web-test")
    return rota


def _signs_in(client: TestClient, url: str) -> str:
    """Open a sign-in link, press Sign in; the page it lands on."""
    code = url.split("code=", 1)[1]
    page = client.get(f"/sign-in?code={code}")
    response = client.post(
        "/sign-in/link", data={"code": code, "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_token_create_link_prints_a_one_time_sign_in_url(rota: Run) -> None:
    assert rota("db", "upgrade")[0] == 0
    code, out, err = rota("token", "create", "--role", "hr", "--label", "HR officer", "--link")
    assert code == 0, err
    token, url = out.split()
    assert token.startswith("rota_") and url.startswith("http://127.0.0.1:8000/sign-in?code=link_")
    assert (
        "one-time sign-in link on http://127.0.0.1:8000 (--host/--port; ROTA_PUBLIC_URL is not set); "
        "it expires in 30 minutes, works once" in err
    )
    with TestClient(create_app(get_settings())) as client:
        assert _signs_in(client, url) == "/teams"
        assert client.get("/teams").status_code == 200


def test_the_demo_prints_sign_in_links_for_lead_staff_and_hr(rota: Run) -> None:
    code, out, err = rota("demo", "--time-limit", "1")
    assert code == 0, err
    links = dict(re.findall(r"^  (team lead|staff|HR)\b.*?: (http://\S+)$", out, re.M))
    assert set(links) == {"team lead", "staff", "HR"}
    with TestClient(create_app(get_settings())) as lead:
        assert _signs_in(lead, links["team lead"]) == "/teams"
        assert "Riverside Council IT Service Desk" in lead.get("/teams").text
    with TestClient(create_app(get_settings())) as staff:
        assert _signs_in(staff, links["staff"]) == "/me"
        assert '<li class="shift">' in staff.get("/me").text
    with TestClient(create_app(get_settings())) as hr:
        assert _signs_in(hr, links["HR"]) == "/teams"
        assert hr.get("/teams/council-desk/coverage").status_code == 200
