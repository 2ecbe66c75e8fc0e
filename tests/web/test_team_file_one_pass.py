"""Issue 17.7 in the web team-file editor: the newcomer's desk with every mistake shows each problem at
its line, all at once, then the warnings; a valid file's warnings are shown on Check and after Save."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from test_newcomer_desk import DESK, EXPECTED, WARNINGS  # tests/: on the path (its conftest)
from webkit import Web, landed, post


def _items(page: str, section: str) -> list[str]:
    """The text of each list item of the section headed ``section`` (problems or warnings)."""
    block = re.search(rf'aria-labelledby="{section}-h">(.*?)</section>', page, re.S)
    assert block, page[:2000]
    items = re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    return [html.unescape(re.sub(r"<pre>.*?</pre>|<[^>]+>", "", item)).strip() for item in items]


def test_every_mistake_is_listed_at_its_line_at_once(web: Web, lead: TestClient) -> None:
    text = DESK.read_text()
    for action in ("check", "save"):
        page = post(
            lead, "/teams/tiny/file", "/teams/tiny/file", {"text": text, "base_version": 1, "action": action}
        )
        page = landed(lead, page)  # post-redirect-get: the text and problems shown by a GET
        items = [re.sub(r"^Line \d+ ", "", item) for item in _items(page.text, "problems")]
        assert items == [f"{p}: {m}" for p, m in EXPECTED]
        items = [re.sub(r"^Line \d+ ", "", item) for item in _items(page.text, "warnings")]
        assert items == [f"{p}: {m}" for p, m in WARNINGS]
        lines = text.splitlines()
        sat = next(i for i, line in enumerate(lines, 1) if "days: sat" in line)
        assert f'data-line="{sat}">Line {sat}</a>' in page.text
        assert "6 problems" in page.text and "2 warnings" in page.text
    assert "Version 1." in lead.get("/teams/tiny/file").text  # nothing saved


def test_a_valid_files_warnings_are_shown_on_check_and_after_save(web: Web, lead: TestClient) -> None:
    page = lead.get("/teams/tiny/file")
    text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S).group(1))
    text = text.rstrip("\n") + "\n- id: kim\n  name: Kim Ng\n"
    checked = post(
        lead, "/teams/tiny/file", "/teams/tiny/file", {"text": text, "base_version": 1, "action": "check"}
    )
    checked = landed(lead, checked)
    assert checked.status_code == 200 and "No problems" in checked.text
    warning = (
        "people[5]: Kim Ng can take no role, so is never on the rota: has no skills (desk needs desk; "
        "oncall needs oncall)"
    )
    assert [re.sub(r"^Line \d+ ", "", item) for item in _items(checked.text, "warnings")] == [warning]
    saved = post(lead, "/teams/tiny/file", "/teams/tiny/file", {"text": text, "base_version": 1})
    assert saved.status_code == 303
    after = lead.get("/teams/tiny/file").text
    assert "Saved the team file: version 2" in after and html.escape(f"Warning: {warning}") in after


def test_a_file_without_warnings_shows_none(web: Web, lead: TestClient) -> None:
    page = lead.get("/teams/tiny/file")
    text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S).group(1))
    checked = post(
        lead, "/teams/tiny/file", "/teams/tiny/file", {"text": text, "base_version": 1, "action": "check"}
    )
    checked = landed(lead, checked)
    assert checked.status_code == 200 and "No problems" in checked.text and "warnings-h" not in checked.text


def test_a_checked_file_waits_on_the_session_row_once(web: Web, lead: TestClient) -> None:
    from sqlalchemy import select

    from rota.api.models import WebSession

    def held() -> list[object]:
        with web.db.read() as session:
            return [d for d in session.scalars(select(WebSession.held_draft)) if d is not None]

    text = DESK.read_text()
    checked = post(
        lead, "/teams/tiny/file", "/teams/tiny/file", {"text": text, "base_version": 1, "action": "check"}
    )
    assert checked.status_code == 303 and len(held()) == 1  # on the row, not in the cookie
    other = lead.get("/teams/other/file?draft=1")  # another team's page (not this lead's) takes nothing
    assert other.status_code in (403, 404) and len(held()) == 1
    assert "6 problems" in lead.get(checked.headers["location"]).text and held() == []
    assert "6 problems" not in lead.get(checked.headers["location"]).text  # once
    post(lead, "/teams/tiny/file", "/teams/tiny/file", {"text": text, "base_version": 1, "action": "check"})
    assert len(held()) == 1
    assert post(lead, "/teams/tiny", "/sign-out").status_code == 303
    assert held() == []  # signing out drops it
