"""axe-core in the browser tests: ``assert_accessible(page)`` runs it on what the page shows now and fails
with each violation's rule, help and the elements that break it.

axe-core comes bundled with the ``axe-playwright-python`` package (the ``test`` extra); no network. Every
rule axe runs by default (WCAG 2.x A and AA, best practices) plus ``label-content-name-mismatch``
(WCAG 2.5.3: a control's accessible name contains its visible text), which axe marks experimental.
"""

from __future__ import annotations

from typing import Any

EXTRA_RULES = ("label-content-name-mismatch",)
MAX_NODES = 5  # elements listed per violated rule


def axe_violations(page: Any, context: Any = None, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The violations axe finds on ``page`` (a Playwright sync page), within ``context`` (a CSS selector,
    or None for the whole document); ``disable`` names rules not to run (say why where you use it)."""
    from axe_playwright_python.sync_playwright import Axe

    rules = {rule: {"enabled": True} for rule in EXTRA_RULES} | {rule: {"enabled": False} for rule in disable}
    results = Axe().run(page, context=context, options={"resultTypes": ["violations"], "rules": rules})
    return list(results.response["violations"])


def report(violations: list[dict[str, Any]]) -> str:
    """Violations in words: the rule, its help, and each element's selector and what to fix."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} — {len(v['nodes'])} element(s)")
        for node in v["nodes"][:MAX_NODES]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Any, context: Any = None, *, disable: tuple[str, ...] = ()) -> None:
    """Fail, listing every violation, unless axe finds none on ``page``."""
    violations = axe_violations(page, context, disable=disable)
    assert not violations, f"axe-core on {page.url}:\n{report(violations)}"
