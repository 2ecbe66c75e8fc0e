"""The shared template pieces of ``rota/api/web/templates/_forms.html``: the one-button POST form and the
per-person changes table, rendered alone."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from rota.api.web.render import templates


def _render(source: str, **values: object) -> str:
    return templates.env.from_string('{% import "_forms.html" as forms with context %}' + source).render(
        **values
    )


def test_post_button_carries_the_csrf_token_escapes_and_says_the_hidden_words() -> None:
    html = _render(
        '{{ forms.post_button("/me/feeds/3/revoke", "Revoke", "link <3>", "primary") }}', csrf="tok"
    )
    assert '<form method="post" action="/me/feeds/3/revoke" class="inline">' in html
    assert '<input type="hidden" name="csrf" value="tok">' in html
    assert '<button type="submit" class="primary">Revoke<span class="sr-only"> link &lt;3&gt;</span>' in html
    bare = _render('{{ forms.post_button("/x", "Go") }}', csrf="tok")
    assert '<button type="submit">Go</button>' in bare and "sr-only" not in bare


def test_changes_table_lists_people_or_says_the_callers_words() -> None:
    person = SimpleNamespace(
        name="Lotte", items=[SimpleNamespace(kind="added", day=date(2026, 10, 5), text="early desk")]
    )
    call = (
        '{% call forms.changes_table(people, "Per person", "sr-only") %}Nobody\'s duties change.{% endcall %}'
    )
    html = _render(call, people=[person])
    assert '<caption class="sr-only">Per person</caption>' in html
    assert '<li class="added">' in html and "added early desk" in html and "Lotte" in html
    assert "Nobody" not in html
    assert _render(call, people=[]).strip() == "<p>Nobody's duties change.</p>"
