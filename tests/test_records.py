"""The plain records (``rota.records``): a span's minutes and the one-for-one matching of reported gaps
against true ones that the validator and the reference both use."""

from __future__ import annotations

from datetime import date

from rota.records import Duty, GapKey, GapStretch, Segment, Slot, gap_key, unmatched_gaps


def test_every_span_counts_its_minutes_and_a_gap_its_person_minutes() -> None:
    assert Slot(date(2026, 10, 5), "early", 420, 900).minutes == 480
    assert Duty("noor", date(2026, 10, 5), "early", "desk", 420, 900).minutes == 480
    assert Segment("desk", 0, 30, 2, True).minutes == 30
    assert GapStretch("desk", 0, 30, 3, 1, True).person_minutes == 60


def test_unmatched_gaps_are_matched_one_for_one_and_unreadable_ones_match_nothing() -> None:
    a, b = GapStretch("desk", 0, 30, 2, 1, True), GapStretch("desk", 60, 90, 2, 0, False)
    reported: list[GapKey | None] = [gap_key(a), gap_key(a), None]  # a twice, and one with bad times

    missing, phantom = unmatched_gaps([a, b], reported, lambda k: k)

    assert missing == [b]
    assert phantom == [gap_key(a), None]  # the second a is not true: a was one gap
    assert unmatched_gaps([a, a], [gap_key(a)], lambda k: k) == ([a], [])
