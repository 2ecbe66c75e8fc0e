"""Issue 17.10 on the pages: the teams list shows each team's id beside its name (the id `rota import
--id`, `rota generate` and the API take), so two teams of one name can be told apart."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import Web, sign_in, team_doc

from rota.api.services.teams import put_team


def test_the_teams_list_shows_ids_beside_names(web: Web, lead: TestClient) -> None:
    with web.db.write() as session:  # hr sees every team: a second one of the same name
        put_team(session=session, team_id="tiny-copy", document=team_doc())
    hr = web.client()
    sign_in(hr, web.tokens.secrets["hr"])
    page = hr.get("/teams").text
    row = re.compile(r'<th scope="row"><a href="/teams/([\w-]+)">([^<]+)</a> <code>([\w-]+)</code></th>')
    rows = row.findall(page)
    assert rows == [("tiny", "Tiny Help Desk", "tiny"), ("tiny-copy", "Tiny Help Desk", "tiny-copy")]
    assert '<a href="/teams/tiny">Tiny Help Desk</a> <code>tiny</code>' in lead.get("/teams").text
