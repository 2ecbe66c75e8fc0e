"""Signing in and out: one-time links (once, before they expire), pasted tokens, sessions, CSRF."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from webkit import Web, csrf_of, post, sign_in, sign_in_link

from api.services.tokens import revoke_api_token


def _use_link(client: TestClient, code: str) -> Any:
    page = client.get(f"/sign-in?code={code}")
    assert page.status_code == 200 and 'action="/sign-in/link"' in page.text
    data = {"code": code, "csrf": csrf_of(page.text)}
    return client.post("/sign-in/link", data=data, follow_redirects=False)


def test_signed_out_pages_send_you_to_sign_in_and_back(web: Web) -> None:
    client = web.client()
    home = client.get("/")
    assert home.status_code == 200 and "Access token" in home.text and "/api/teams" in home.text
    for path in ("/teams", "/teams/tiny", "/me", "/teams/tiny/coverage", "/teams/tiny/file"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/sign-in?next={path}"
    csrf = csrf_of(client.get("/sign-in?next=/teams/tiny").text)
    response = client.post("/sign-in", data={"token": web.tokens.secrets["lead"], "csrf": csrf,
                                             "next": "/teams/tiny"}, follow_redirects=False)
    assert response.headers["location"] == "/teams/tiny"


def test_a_one_time_link_works_once(web: Web) -> None:
    code = sign_in_link(web.db, web.tokens.ids["lead"])
    first = web.client()
    response = _use_link(first, code)
    assert response.status_code == 303 and response.headers["location"] == "/teams"
    assert first.get("/teams").status_code == 200
    second = web.client()
    again = _use_link(second, code)
    assert again.status_code == 401 and "already used" in again.text
    assert second.get("/teams", follow_redirects=False).status_code == 303


def test_an_expired_or_unknown_link_is_refused(web: Web) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from api.db import utcnow
    from api.models import SignInLink

    code = sign_in_link(web.db, web.tokens.ids["staff"])
    with web.db.write() as session:
        session.execute(update(SignInLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert _use_link(web.client(), code).status_code == 401
    assert _use_link(web.client(), "link_not-a-real-one").status_code == 401


def test_a_pasted_token_signs_in_and_a_wrong_one_is_refused(web: Web) -> None:
    client = web.client()
    csrf = csrf_of(client.get("/sign-in").text)
    wrong = client.post("/sign-in", data={"token": "rota_nope", "csrf": csrf})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    sign_in(client, web.tokens.secrets["staff"])
    assert client.get("/", follow_redirects=False).headers["location"] == "/me"


def test_the_session_cookie_is_httponly_and_samesite(web: Web) -> None:
    response = web.client().get("/sign-in")
    cookie = response.headers["set-cookie"].lower()
    assert "rota_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert web.tokens.secrets["lead"] not in cookie


def test_sign_out_ends_the_session(web: Web, lead: TestClient) -> None:
    response = post(lead, "/teams", "/sign-out")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert lead.get("/teams", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(web: Web, lead: TestClient) -> None:
    with web.db.write() as session:
        revoke_api_token(session=session, token_id=web.tokens.ids["lead"])
    response = lead.get("/teams", follow_redirects=False)
    assert response.status_code == 303
    assert "revoked" in lead.get(response.headers["location"]).text


def test_forms_without_the_csrf_token_are_refused(web: Web, lead: TestClient) -> None:
    for data in ({"month": "2027-01"}, {"month": "2027-01", "csrf": "forged"}):
        response = lead.post("/teams/tiny/generate", data=data)
        assert response.status_code == 403 and "This form has expired" in response.text
    response = lead.post("/sign-out", data={})
    assert response.status_code == 403
    assert lead.get("/teams").status_code == 200  # still signed in
    other = web.client()
    token = csrf_of(other.get("/sign-in").text)  # another browser's token is no good here
    assert lead.post("/teams/tiny/generate", data={"month": "2027-01", "csrf": token}).status_code == 403


def test_the_json_api_keeps_json_errors(web: Web, lead: TestClient) -> None:
    response = lead.get("/api/teams")  # the session cookie is not a bearer token
    assert response.status_code == 401 and response.json()["detail"][0]["message"]
    assert web.client().get("/api/nothing").headers["content-type"].startswith("application/json")


def test_unknown_pages_are_pages(web: Web, lead: TestClient) -> None:
    response = lead.get("/no/such/page", headers={"accept": "text/html"})
    assert response.status_code == 404 and "There is no page at /no/such/page" in response.text
    assert "<html" in response.text
