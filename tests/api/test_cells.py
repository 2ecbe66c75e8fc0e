"""GET /api/rotas/{id}/cell: a person's date with the choices of the cell page
(rota/api/services/cells.py)."""

from __future__ import annotations

from apikit import Service


def test_a_persons_date_with_takers_swaps_and_the_duties_they_could_be_put_on(service: Service) -> None:
    service.put_team()
    rota = service.generate()
    duty = next(a for a in rota["assignments"] if a["role"] == "desk")
    cell = service.call(
        "GET", f"/api/rotas/{rota['id']}/cell?person={duty['person']}&date={duty['date']}", expect=200
    ).json()
    assert cell["person"] == duty["person"] and cell["day"] == duty["date"]
    mine = next(d for d in cell["duties"] if (d["role"], d["shift"]) == ("desk", duty["shift"]))
    assert mine["label"].startswith(f"Service desk · {duty['shift']} ")
    takers = [t["id"] for t in mine["takers"]]
    assert duty["person"] not in takers and set(takers) == {"noor", "sem", "lotte", "daan", "eva"} - {
        duty["person"]
    }
    # qualified people first: those missing the desk skill come last, saying so
    lacking = [t for t in mine["takers"] if "missing skill: desk" in t["note"]]
    assert {t["id"] for t in lacking} == {"daan", "eva"} and mine["takers"][-len(lacking) :] == lacking
    assert {o["id"] for o in cell["others"]} == set(takers)
    # the night on call is one they could be put on, only with a missing skill unless they hold it
    night = next(o for o in cell["options"] if o["value"] == "night|oncall")
    assert ("missing skill: oncall" in night["label"]) is (duty["person"] != "lotte")


def test_an_unknown_person_is_404_and_a_date_outside_the_rota_422(service: Service) -> None:
    service.put_team()
    rota = service.generate()
    base = f"/api/rotas/{rota['id']}/cell"
    gone = service.call("GET", f"{base}?person=nobody&date=2026-10-19", expect=404).json()
    assert gone["detail"][0]["path"] == "person"
    outside = service.call("GET", f"{base}?person=noor&date=2027-01-04", expect=422).json()
    assert outside["detail"][0]["path"] == "date"
    assert (
        service.call("GET", f"{base}?person=noor&date=2026-10-19", "hr", expect=403).json()["detail"][0][
            "path"
        ]
        == "authorization"
    )
