"""The lead's month grid and cell edits: compression and caching, the grid's views and filters, edits that
conflict per person and date, one solve per team and month, discarding a draft, swaps and gap warnings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import Web, post


def test_pages_and_static_files_are_gzipped_and_static_files_cached(web: Web, lead: TestClient,
                                                                   draft: int) -> None:
    page = lead.get(f"/teams/tiny/rotas/{draft}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page.text).group(1)
    js = re.search(r'src="(/static/app\.js\?v=[0-9a-f]{12})"', page.text).group(1)
    for url in (css, js):
        static = lead.get(url, headers={"Accept-Encoding": "gzip"})
        assert static.status_code == 200 and static.headers["content-encoding"] == "gzip"
        assert static.headers["cache-control"] == "public, max-age=31536000, immutable"
        again = lead.get(url, headers={"If-None-Match": static.headers["etag"]})
        assert again.status_code == 304
    # a URL without the file's version (an old page, a typed URL) is revalidated, never kept a year
    bare = lead.get("/static/app.css")
    assert bare.headers["cache-control"] == "no-cache" and "etag" in bare.headers
    assert lead.get("/static/app.css?v=000000000000").headers["cache-control"] == "no-cache"
    plain = lead.get(f"/teams/tiny/rotas/{draft}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_the_solve_progress_stream_is_never_gzipped(web: Web, lead: TestClient) -> None:
    from webkit import MONTH

    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    job_url = response.headers["location"]
    web.wait_job(job_url.rsplit("/", 1)[1])
    events = lead.get(job_url + "/events", headers={"Accept-Encoding": "gzip"})
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in events.headers and "data:" in events.text
