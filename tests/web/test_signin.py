"""Signing in and out: one-time links (once, before they expire), pasted tokens, sessions, CSRF."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from webkit import Web, csrf_of, post, sign_in, sign_in_link

from rota.api.services.tokens import revoke_api_token


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
    response = client.post(
        "/sign-in",
        data={"token": web.tokens.secrets["lead"], "csrf": csrf, "next": "/teams/tiny"},
        follow_redirects=False,
    )
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

    from rota.api.db import utcnow
    from rota.api.models import SignInLink

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


def test_bad_sign_ins_from_an_address_get_429_and_a_valid_token_still_signs_in(web: Web) -> None:
    client = web.client()
    csrf = csrf_of(client.get("/sign-in").text)
    codes = [
        client.post("/sign-in", data={"token": f"rota_guess{n}", "csrf": csrf}).status_code for n in range(20)
    ]
    assert codes == [401] * 20  # ROTA_AUTH_FAILURE_LIMIT, 20 a minute by default
    refused = client.post("/sign-in", data={"token": "rota_guess20", "csrf": csrf})
    assert refused.status_code == 429 and refused.headers["retry-after"].isdigit()
    assert "Too many failed sign-ins" in refused.text and "try again in" in refused.text
    # failed one-time links count toward the same limit
    link_page = client.get("/sign-in?code=link_guess")
    again = client.post("/sign-in/link", data={"code": "link_guess", "csrf": csrf_of(link_page.text)})
    assert again.status_code == 429
    # the right token is let through: only failures are limited
    sign_in(client, web.tokens.secrets["lead"])
    assert client.get("/teams").status_code == 200
    # another address has its own count
    other = TestClient(web.app, base_url="http://testserver", client=("192.0.2.44", 40000))
    wrong = other.post("/sign-in", data={"token": "rota_nope", "csrf": csrf_of(other.get("/sign-in").text)})
    assert wrong.status_code == 401


# -- issue 21.3: sessions kept in the database; the cookie carries no secret ---------------------------
def _cookie(client: TestClient) -> str:
    value = client.cookies.get("rota_session")
    assert value, "no session cookie"
    return value


def _copy_of(web: Web, client: TestClient) -> TestClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = web.client()
    thief.cookies.set("rota_session", _cookie(client))
    return thief


def _cookie_contents(value: str) -> str:
    """What a signed session cookie holds: base64 JSON before the signature."""
    import base64

    data = value.split(".")[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode()


def test_a_cookie_copied_before_sign_out_is_refused_after(web: Web, lead: TestClient) -> None:
    thief, poster = _copy_of(web, lead), _copy_of(web, lead)
    assert thief.get("/teams").status_code == 200  # a copy works while the session lives
    csrf = csrf_of(poster.get("/teams/tiny").text)
    response = post(lead, "/teams", "/sign-out")
    assert response.status_code == 303
    refused = thief.get("/teams", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/sign-in?next=/teams"
    assert "Your session has ended" in thief.get(refused.headers["location"]).text
    # the copy cannot post a form either, though its CSRF token is right
    denied = poster.post(
        "/teams/tiny/generate", data={"month": "2027-01", "csrf": csrf}, follow_redirects=False
    )
    assert denied.status_code == 303 and denied.headers["location"].startswith("/sign-in")
    with web.db.read() as session:
        from rota.api.models import Job

        assert session.query(Job).count() == 0


def test_signing_out_ends_only_that_session(web: Web, lead: TestClient) -> None:
    other = web.client()
    sign_in(other, web.tokens.secrets["lead"])  # the same token, another browser
    post(lead, "/teams", "/sign-out")
    assert other.get("/teams").status_code == 200


def test_signing_in_again_ends_the_session_the_cookie_held(web: Web, lead: TestClient) -> None:
    thief = _copy_of(web, lead)
    sign_in(lead, web.tokens.secrets["hr"])
    assert thief.get("/teams", follow_redirects=False).status_code == 303
    assert lead.get("/teams").status_code == 200


def test_a_session_unused_for_session_hours_ends_on_the_server(web: Web, lead: TestClient) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from rota.api.db import utcnow
    from rota.api.models import WebSession

    def last_page(hours_ago: float) -> None:
        with web.db.write() as session:
            session.execute(update(WebSession).values(seen_at=utcnow() - timedelta(hours=hours_ago)))
            session.commit()

    last_page(11.5)  # within ROTA_SESSION_HOURS (12): still signed in, and the page moves seen_at on
    assert lead.get("/teams").status_code == 200
    with web.db.read() as session:
        assert utcnow() - session.query(WebSession).one().seen_at < timedelta(minutes=1)
    last_page(12.5)  # a copied cookie refreshed by its client does not help: the row says when
    assert lead.get("/teams", follow_redirects=False).status_code == 303


def test_the_cookie_never_carries_a_token_or_a_feed_link(web: Web, published: int) -> None:
    import re

    staff = web.client()
    sign_in(staff, web.tokens.secrets["staff"])
    assert web.tokens.secrets["staff"] not in _cookie_contents(_cookie(staff))
    page = staff.get("/me")
    response = staff.post(
        "/me/subscribe", data={"team": "tiny", "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    contents = _cookie_contents(_cookie(staff))
    assert "cal_" not in contents and "calendars" not in contents and "webcal" not in contents
    thief = _copy_of(web, staff)
    shown = staff.get("/me").text  # the next page shows the link once
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', shown).group(1)
    assert "/calendars/cal_" in url
    assert 'id="feed-url"' not in thief.get("/me").text  # taken: a copy of the cookie does not see it
    assert 'id="feed-url"' not in staff.get("/me").text
    # a link made and not yet shown is dropped at sign-out
    page = staff.get("/me")
    staff.post("/me/subscribe", data={"team": "tiny", "csrf": csrf_of(page.text)}, follow_redirects=False)
    post(staff, "/me", "/sign-out")
    sign_in(staff, web.tokens.secrets["staff"])
    assert 'id="feed-url"' not in staff.get("/me").text


def test_ended_and_lapsed_sessions_are_deleted_at_the_next_sign_in(web: Web, lead: TestClient) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from rota.api.db import utcnow
    from rota.api.models import WebSession

    lapsed, live = web.client(), web.client()
    sign_in(lapsed, web.tokens.secrets["hr"])
    sign_in(live, web.tokens.secrets["hr"])
    post(lead, "/teams", "/sign-out")  # ended
    with web.db.write() as session:
        first = session.query(WebSession).order_by(WebSession.id).all()  # lead's, lapsed's, live's
        assert len(first) == 3 and first[0].ended_at is not None
        session.execute(
            update(WebSession)
            .where(WebSession.id == first[1].id)
            .values(seen_at=utcnow() - timedelta(hours=13))
        )
        session.commit()
    sign_in(web.client(), web.tokens.secrets["lead"])
    with web.db.read() as session:
        kept = [row.id for row in session.query(WebSession).order_by(WebSession.id)]
    assert kept[0] == first[2].id and len(kept) == 2  # the live one and the new one
    assert live.get("/teams").status_code == 200
