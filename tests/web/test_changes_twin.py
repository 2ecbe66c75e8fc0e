"""The publish page and its JSON twin GET /api/rotas/{id}/changes render one service result: same counts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import LEAVE_WEEKDAY, Web, post


def _count(text: str, pattern: str) -> int:
    return int(re.search(pattern, text).group(1))


def test_the_page_and_the_api_agree_on_the_counts(web: Web, lead: TestClient, published: int) -> None:
    api = web.client()
    api.headers["Authorization"] = f"Bearer {web.tokens.secrets['lead']}"
    month = api.get(f"/api/rotas/{published}").json()["period"]["start"][:7]
    again = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": month})
    second = web.wait_job(again.headers["location"].rsplit("/", 1)[1]).rota_id
    rota = api.get(f"/api/rotas/{second}").json()
    gone = next(a for a in rota["assignments"] if a["role"] == "desk")
    for body in (
        {
            "op": "remove",
            "person": gone["person"],
            "role": "desk",
            "shift": gone["shift"],
            "date": gone["date"],
            "force": True,
        },
        {
            "op": "add",
            "person": "sem",
            "role": "desk",
            "shift": "pm",
            "date": str(LEAVE_WEEKDAY),
            "force": True,
            "reason": "covering",
        },
    ):
        version = api.get(f"/api/rotas/{second}").json()["version"]
        assert api.post(f"/api/rotas/{second}/edits", json={**body, "version": version}).status_code == 200

    twin = api.get(f"/api/rotas/{second}/changes")
    assert twin.status_code == 200, twin.text
    counts = twin.json()["counts"]
    main = lead.get(f"/teams/tiny/rotas/{second}/publish").text.split('<main id="main"', 1)[1]
    page = {
        "added": _count(main, r"(\d+) duties added"),
        "removed": _count(main, r"(\d+) removed"),
        "moved": _count(main, r"(\d+) moved"),
        "kept": _count(main, r"(\d+) unchanged"),
        "before": _count(main, r"(\d+) duties now"),
        "after": _count(main, r"(\d+) after publishing"),
        "gaps": _count(main, r"(\d+) gaps?</strong>") if "What stays open" in main and " gap" in main else 0,
        "breaks": _count(main, r"Kept despite a rule \((\d+)\)"),
    }
    assert {k: counts[k] for k in page} == page
    assert (counts["added"], counts["removed"], counts["breaks"]) == (1, 1, 1)
    people = re.findall(r'<th scope="row">([^<]+)</th>', main.split("What changes, per person")[1])
    assert people == [p["name"] for p in twin.json()["people"]]


def test_the_cell_page_and_the_api_show_the_same_choices(web: Web, lead: TestClient, draft: int) -> None:
    api = web.client()
    api.headers["Authorization"] = f"Bearer {web.tokens.secrets['lead']}"
    duty = next(a for a in api.get(f"/api/rotas/{draft}").json()["assignments"] if a["role"] == "desk")
    query = f"cell?person={duty['person']}&date={duty['date']}"
    twin = api.get(f"/api/rotas/{draft}/{query}")
    assert twin.status_code == 200, twin.text
    page = lead.get(f"/teams/tiny/rotas/{draft}/{query}").text
    for d in twin.json()["duties"]:
        assert d["label"] in page
        for t in d["takers"]:
            assert f'value="{t["id"]}"' in page
    for o in twin.json()["options"]:
        assert f'value="{o["value"]}"' in page
