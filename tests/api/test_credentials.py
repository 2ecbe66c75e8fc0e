"""Credential lifecycle: token expiry and last use, rotation, and staff access ending with team membership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apikit import Service, team_doc

from rota.api.db import utcnow
from rota.api.errors import ApiError, Unauthorized
from rota.api.models import ApiToken
from rota.api.services.tokens import (
    create_api_token,
    create_sign_in_link,
    redeem_sign_in_link,
    rotate_api_token,
    session_principal,
    token_principal,
)
from rota.api.settings import get_settings


def _issue(service: Service, **kwargs: Any) -> tuple[int, str]:
    with service.db.write() as session:
        issued = create_api_token(session=session, **kwargs)
    return issued.id, issued.secret


def _row(service: Service, token_id: int) -> ApiToken:
    with service.db.read() as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        return row


def _get(service: Service, url: str, secret: str) -> Any:
    return service.client.get(url, headers={"Authorization": f"Bearer {secret}"})


def _set_clock(service: Service, at: datetime) -> None:
    service.client.app.state.clock = lambda: at


# -- expiry ---------------------------------------------------------------------------------------------
def test_an_expired_token_is_refused_and_counted_as_a_failure(make_service: Any) -> None:
    service = make_service(auth_failure_limit=2)
    service.put_team()
    expires = utcnow() + timedelta(days=3)
    _, secret = _issue(service, role="lead", teams=["tiny"], expires_at=expires)
    assert _get(service, "/api/teams/tiny/rotas", secret).status_code == 200  # before: fine
    _set_clock(service, expires + timedelta(seconds=1))
    refused = _get(service, "/api/teams/tiny/rotas", secret)
    assert refused.status_code == 401
    assert f"the token expired on {expires.date().isoformat()}" in refused.text
    # a token that has not expired (the default: token_days) still works on the same clock
    assert _get(service, "/api/teams/tiny/rotas", service.tokens.lead).status_code == 200
    assert _get(service, "/api/teams/tiny/rotas", secret).status_code == 401
    assert _get(service, "/api/teams/tiny/rotas", secret).status_code == 429  # two failures: the limit


def test_default_expiry_comes_from_token_days(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    token_id, _ = _issue(service, role="hr")
    row = _row(service, token_id)
    assert row.expires_at is not None
    assert abs((row.expires_at - row.created_at) - timedelta(days=365)) < timedelta(seconds=5)
    never_id, _ = _issue(service, role="hr", expires_at=None)
    assert _row(service, never_id).expires_at is None
    monkeypatch.setenv("ROTA_TOKEN_DAYS", "0")
    get_settings.cache_clear()
    try:
        zero_id, _ = _issue(service, role="hr")
    finally:
        monkeypatch.delenv("ROTA_TOKEN_DAYS")
        get_settings.cache_clear()
    assert _row(service, zero_id).expires_at is None
    with pytest.raises(ApiError, match="not in the future"):
        _issue(service, role="hr", expires_at=utcnow() - timedelta(days=1))


def test_the_web_refuses_an_expired_token(service: Service) -> None:
    token_id, secret = _issue(service, role="lead", teams=["tiny"], expires_at=utcnow() + timedelta(days=1))
    with service.db.write() as session:
        link = create_sign_in_link(session=session, token_id=token_id, minutes=30)
        assert token_principal(session=session, secret=secret).token_id == token_id  # unexpired: fine
        row = session.get(ApiToken, token_id)
        assert row is not None
        assert session_principal(session=session, token_id=token_id).role == "lead"
        row.expires_at = utcnow() - timedelta(days=1)
        session.commit()
        day = row.expires_at.date().isoformat()
        for call in (
            lambda: token_principal(session=session, secret=secret),
            lambda: session_principal(session=session, token_id=token_id),
            lambda: redeem_sign_in_link(session=session, secret=link.secret),
        ):
            with pytest.raises(Unauthorized) as refused:
                call()
            assert f"expired on {day}" in refused.value.problems[0]["message"]
        with pytest.raises(ApiError, match="no live token"):
            create_sign_in_link(session=session, token_id=token_id, minutes=30)


# -- last use -------------------------------------------------------------------------------------------
def test_last_used_is_recorded_at_most_every_ten_minutes(service: Service, monkeypatch: Any) -> None:
    token_id, secret = _issue(service, role="hr")
    assert _row(service, token_id).last_used_at is None
    start = utcnow()
    _set_clock(service, start)
    assert _get(service, "/api/teams", secret).status_code == 200
    assert _row(service, token_id).last_used_at == start
    _set_clock(service, start + timedelta(minutes=9))
    assert _get(service, "/api/teams", secret).status_code == 200
    assert _row(service, token_id).last_used_at == start  # not rewritten within 10 minutes
    later = start + timedelta(minutes=11)
    _set_clock(service, later)
    assert _get(service, "/api/teams", secret).status_code == 200
    assert _row(service, token_id).last_used_at == later

    def broken() -> Any:
        raise RuntimeError("database is read-only")

    monkeypatch.setattr(service.db, "write", broken)
    _set_clock(service, later + timedelta(hours=1))
    assert _get(service, "/api/teams", secret).status_code == 200  # the write failed; the request did not


# -- rotation -------------------------------------------------------------------------------------------
def test_rotate_revokes_the_old_and_keeps_the_rights(service: Service) -> None:
    service.put_team()
    token_id, old = _issue(
        service, role="lead", teams=["tiny"], label="desk lead", expires_at=utcnow() + timedelta(days=30)
    )
    with service.db.write() as session:
        _, issued = rotate_api_token(session=session, token_id=token_id)
    assert _get(service, "/api/teams/tiny/rotas", old).status_code == 401
    assert _get(service, "/api/teams/tiny/rotas", issued.secret).status_code == 200
    assert _get(service, "/api/teams/other/rotas", issued.secret).status_code == 403
    before, after = _row(service, token_id), _row(service, issued.id)
    assert (after.role, after.teams, after.person) == (before.role, before.teams, None)
    assert after.label == "desk lead"
    assert after.expires_at is not None
    assert abs(after.expires_at - after.created_at - timedelta(days=30)) < timedelta(seconds=1)
    with service.db.write() as session, pytest.raises(ApiError, match="revoked"):
        rotate_api_token(session=session, secret=old)


# -- staff access ends with team membership -------------------------------------------------------------
def test_a_person_removed_from_the_team_loses_access_and_their_feed(service: Service) -> None:
    service.put_team()
    _, sem = _issue(service, role="staff", teams=["tiny"], person="sem")
    noor_feed = service.call(
        "POST", "/api/calendar-tokens", "staff", json={"team": "tiny", "kind": "person"}, expect=201
    ).json()
    sem_feed = service.call(
        "POST",
        "/api/calendar-tokens",
        "hr",
        json={"team": "tiny", "kind": "person", "person": "sem"},
        expect=201,
    ).json()
    team_feed = service.call(
        "POST", "/api/calendar-tokens", "hr", json={"team": "tiny", "kind": "team"}, expect=201
    ).json()
    assert service.call("GET", "/api/teams/tiny/rotas", "staff").status_code == 200
    assert service.client.get(f"/calendars/{noor_feed['token']}.ics").status_code == 200

    doc = team_doc()
    doc["people"] = [p for p in doc["people"] if p["id"] != "noor"]
    service.put_team(doc=doc)
    refused = service.call("GET", "/api/teams/tiny/rotas", "staff")
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["message"] == '"noor" is no longer in team "tiny"'
    assert service.call("GET", "/api/me/shifts", "staff").status_code == 200  # no teams left: nothing
    assert service.client.get(f"/calendars/{noor_feed['token']}.ics").status_code == 404
    # another staff member, and feeds of the whole team, are unaffected
    assert _get(service, "/api/teams/tiny/rotas", sem).status_code == 200
    assert service.client.get(f"/calendars/{sem_feed['token']}.ics").status_code == 200
    assert service.client.get(f"/calendars/{team_feed['token']}.ics").status_code == 200

    service.put_team(doc=team_doc())  # back in the team: access and feed come back
    assert service.call("GET", "/api/teams/tiny/rotas", "staff").status_code == 200
    assert service.client.get(f"/calendars/{noor_feed['token']}.ics").status_code == 200


# -- the CLI --------------------------------------------------------------------------------------------
@pytest.fixture
def rota(rota: Any) -> Any:
    """``rota …`` on a migrated database."""
    assert rota("db", "upgrade")[0] == 0
    return rota


def test_cli_expires_rotate_and_list(rota: Any) -> None:
    code, out, err = rota("token", "create", "--role", "hr", "--expires", "90d", "--label", "auditor")
    day = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    assert code == 0 and out.startswith("rota_") and f"expires {day}" in err
    code, _, err = rota("token", "create", "--role", "hr", "--expires", "2099-06-30")
    assert code == 0 and "expires 2099-06-30" in err
    code, _, err = rota("token", "create", "--role", "hr", "--expires", "never")
    assert code == 0 and "never expires" in err
    code, _, err = rota("token", "create", "--role", "hr")
    default = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
    assert code == 0 and f"expires {default}" in err
    for bad, says in (
        ("soon", "is not a number of days"),
        ("2020-01-01", "is not in the future"),
        ("0d", "is not between"),
    ):
        code, out, err = rota("token", "create", "--role", "hr", "--expires", bad)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and says in err, (bad, err)

    code, out, err = rota("token", "rotate", "1")
    assert code == 0 and out.startswith("rota_") and "token 1 revoked; token 5 replaces it" in err
    assert f"expires {day}" in err
    code, _, err = rota("token", "rotate", "1")
    assert code == 2 and "revoked" in err and len(err.strip().splitlines()) == 1
    code, out, _ = rota("token", "list")
    lines = out.strip().splitlines()
    assert lines[0].startswith("id\trole") and "last used" in lines[0]
    assert [line.split("\t")[0] for line in lines[1:]] == ["2", "3", "4", "5"]
    assert "auditor" in lines[-1] and "never" in lines[2]
    code, out, _ = rota("token", "list", "--revoked")
    assert "revoked" in out.splitlines()[1]
