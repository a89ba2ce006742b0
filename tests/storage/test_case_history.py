"""The district's decisions as training rows: which department a case ended with, and whether a person decided or confirmed it."""

from __future__ import annotations

from storage.cases.history import settle

UNITS = {1: ("command_center", "dispatch"), 2: ("department", "zhujian"), 3: ("department", "shizheng"), 4: ("grid", "g1"), 5: ("community", "c1")}


def test_routed_by_the_classifier_and_never_confirmed_teaches_nothing() -> None:
    assert settle([("dispatch", "system", 2)], UNITS, "shequ") is None


def test_routed_by_the_classifier_and_confirmed_solved() -> None:
    events = [("dispatch", "system", 2), ("confirm_solved", "resident", None)]
    assert settle(events, UNITS, "shequ") == ("zhujian", "confirmed")


def test_dispatched_from_triage_by_the_command_center() -> None:
    assert settle([("dispatch", "command_center", 3)], UNITS, "shequ") == ("shizheng", "decided")


def test_transferred_by_the_unit_is_a_decision_for_the_new_department() -> None:
    events = [("dispatch", "system", 2), ("transfer", "department", 3)]
    assert settle(events, UNITS, "shequ") == ("shizheng", "decided")


def test_return_upheld_and_sent_to_the_grid_is_the_community_department() -> None:
    events = [("dispatch", "system", 2), ("uphold_return", "command_center", 4)]
    assert settle(events, UNITS, "shequ") == ("shequ", "decided")
    assert settle(events, UNITS, None) is None  # a taxonomy without a community-level department


def test_escalation_within_the_tiers_keeps_the_decision() -> None:
    events = [("dispatch", "command_center", 4), ("escalate", "grid_member", 5), ("escalate", "system", 1), ("dispatch", "command_center", 3)]
    assert settle(events, UNITS, "shequ") == ("shizheng", "decided")


def test_a_confirmation_counts_only_for_the_department_that_then_held_it() -> None:
    events = [("dispatch", "system", 2), ("confirm_solved", "resident", None), ("transfer", "system", 3)]
    assert settle(events, UNITS, "shequ") is None
