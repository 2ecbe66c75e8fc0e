"""The month grid and cell edits in a real browser (chromium, Playwright, a real uvicorn server): axe-core
finds nothing on the grid and the cell page, the keyboard moves through the grid and past it, two tabs
edit different cells and both save, and no lead page is wider than a 390 px phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe import assert_accessible
from test_browser import Server, browser, generate_draft, open_page, server  # noqa: F401 (the module's fixtures, shared)
from webkit import PEOPLE

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def month_url(server: Server, browser: Any) -> str:
    """A draft of next month, generated through the pages once for this module."""
    return generate_draft(server, browser)


def _lead(server: Server, open_page: Any, **options: Any) -> Any:
    page = open_page(**options)
    page.goto(server.link("lead"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/teams$"))
    return page


def test_axe_finds_nothing_on_the_month_grid_and_the_cell_page(
    server: Server,
    open_page: Any,
    month_url: str,
) -> None:
    page = _lead(server, open_page, viewport={"width": 1500, "height": 1000})
    page.goto(month_url)
    assert_accessible(page)
    page.goto(
        month_url + "?role=desk&week=" + re.search(r'<option value="([\d-]+)">Week', page.content()).group(1)
    )
    assert_accessible(page)
    page.goto(month_url)
    page.locator("a.cell").first.click()
    assert_accessible(page)


def test_chip_names_start_with_their_codes(server: Server, open_page: Any, month_url: str) -> None:
    page = _lead(server, open_page, viewport={"width": 1500, "height": 1000})
    page.goto(month_url)
    cells = page.locator("a.cell:has(.chip)")
    assert cells.count() > 20
    for i in range(0, cells.count(), 7):
        link = cells.nth(i)
        codes = " ".join(link.locator(".chip").all_inner_texts())
        assert link.get_attribute("aria-label").startswith(codes + ": "), codes


def test_the_keyboard_moves_through_the_grid_and_skips_past_it(
    server: Server,
    open_page: Any,
    month_url: str,
) -> None:
    page = _lead(server, open_page, viewport={"width": 1500, "height": 1000})
    page.goto(month_url)
    first = page.locator("a.cell").first
    first.focus()
    start = first.get_attribute("href")
    page.keyboard.press("ArrowRight")
    right = page.evaluate("document.activeElement.getAttribute('href')")
    day = re.search(r"date=([\d-]+)", start).group(1)
    assert re.search(r"person=noor&date=", right) and not right.endswith(day)
    page.keyboard.press("ArrowDown")
    down = page.evaluate("document.activeElement.getAttribute('href')")
    assert "person=sem" in down and down.split("date=")[1] == right.split("date=")[1]
    page.keyboard.press("End")
    last = page.locator("table.grid tbody tr").nth(1).locator("a.cell").last.get_attribute("href")
    assert page.evaluate("document.activeElement.getAttribute('href')") == last
    page.keyboard.press("Tab")  # one Tab stop: out of the grid
    assert page.evaluate("document.activeElement.closest('table.grid') === null")
    # the skip link jumps past the grid, to the legend
    page.goto(month_url)
    skip = page.get_by_role("link", name="Skip past the grid")
    skip.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "after-grid"


def test_two_tabs_editing_different_cells_both_save(
    server: Server,
    browser: Any,
    month_url: str,
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        one = context.new_page()
        one.goto(server.link("lead"))
        one.get_by_role("button", name="Sign in").click()
        one.wait_for_url(re.compile(r"/teams$"))
        two, three = context.new_page(), context.new_page()  # the same session, more tabs
        one.goto(month_url)
        cells = one.locator("a.cell:has(.chip)")
        first = cells.first.get_attribute("href")
        second = next(
            h
            for h in (cells.nth(i).get_attribute("href") for i in range(1, cells.count()))
            if h.split("date=")[1] != first.split("date=")[1]
        )
        one.goto(server.url + first)
        two.goto(server.url + second)  # both cell pages open at the same rota version
        three.goto(server.url + first)  # and a third on the first cell
        one.get_by_role("button", name=re.compile("^Take off")).first.click()
        expect(one.get_by_text(re.compile("^Saved: take"))).to_be_visible()
        two.get_by_role("button", name=re.compile("^Take off")).first.click()
        expect(two.get_by_text(re.compile("^Saved: take"))).to_be_visible()
        # the same cell from the third tab: changed meanwhile, with the way back to the cell
        three.get_by_role("button", name=re.compile("^Take off")).first.click()
        expect(three.get_by_role("heading", name="Changed meanwhile: not saved")).to_be_visible()
        expect(three.get_by_text(re.compile("changed meanwhile by"))).to_be_visible()
        assert "conflict=" in three.url  # said by a GET of the cell page, not as the POST's answer
        again = three.get_by_role("link", name=re.compile(" again$"))
        assert again.get_attribute("href") == first
        reloaded = three.reload()  # no "Confirm Form Resubmission": the cell as it is now
        assert reloaded is not None and reloaded.ok and reloaded.request.method == "GET"
        expect(three.get_by_role("heading", name="Changed meanwhile: not saved")).to_have_count(0)
        three.go_back()
        expect(three).to_have_url(server.url + first)
    finally:
        context.close()


def test_lead_pages_fit_a_390_px_phone(server: Server, open_page: Any, month_url: str) -> None:
    page = _lead(server, open_page, viewport=PHONE, is_mobile=True)
    cell = None
    for url in (f"{server.url}/teams", f"{server.url}/teams/tiny", month_url):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width} px wide"
        if url == month_url:
            cell = page.locator("a.cell:has(.chip)").first.get_attribute("href")
    page.goto(server.url + cell)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert set(PEOPLE)  # the team's people: the grid rows scroll inside their own box
