"""The rules of the follow-up run around the level arithmetic, without a database."""

from datetime import date

import pytest

from odoo.addons.collection_followup.tools.followup_decision import (
    DEFERRED,
    FAILED,
    REMINDED,
    SKIPPED,
    Budget,
    hold_back,
    listed_keys,
    send_outcome,
)
from odoo.addons.collection_followup.tools.followup_logic import Item

DELAYS = [-3, 3, 10, 30]
TODAY = date(2026, 3, 15)


def test_hold_back_agency_waits_without_date():
    assert hold_back("send", date(2026, 3, 12), True, None) == ("wait", None, True)


def test_hold_back_promise_waits_until_the_day_after():
    assert hold_back("send", TODAY, False, date(2026, 3, 20)) == ("wait", date(2026, 3, 21), True)


def test_hold_back_leaves_other_actions_alone():
    assert hold_back("reset", None, True, date(2026, 3, 20)) == ("reset", None, False)
    assert hold_back("send", TODAY, False, None) == ("send", TODAY, False)


def test_hold_back_of_a_promise_to_the_end_of_time_raises():
    # The engine records this customer as failed and goes on with the others.
    with pytest.raises(OverflowError):
        hold_back("send", TODAY, False, date(9999, 12, 31))


def test_listed_keys_overdue_and_heads_up_reached():
    items = [
        (Item(1, date(2026, 3, 1), 100.0), 100.0),  # overdue
        (Item(2, date(2026, 3, 18), 50.0), 50.0),  # due in 3 days: heads-up reached
        (Item(3, date(2026, 4, 30), 70.0), 70.0),  # far ahead: not listed
    ]
    assert listed_keys(items, DELAYS, TODAY) == [1, 2]


@pytest.mark.parametrize(
    ("states", "excluded", "expected"),
    [
        (["done", "failed"], False, REMINDED),
        (["to_approve", "to_approve"], False, REMINDED),
        (["failed", "failed"], False, FAILED),
        (["skipped"], False, SKIPPED),
        (["skipped", "failed"], False, SKIPPED),
        (["skipped"], True, SKIPPED),
        ([], False, SKIPPED),
    ],
)
def test_send_outcome(states, excluded, expected):
    assert send_outcome(states, excluded) == expected


def test_outcomes_are_distinct():
    assert len({REMINDED, SKIPPED, FAILED, DEFERRED}) == 4


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_budget_stops_after_its_seconds_but_always_takes_one():
    clock = Clock()
    budget = Budget(seconds=45, clock=clock)
    assert budget.allows_another()
    budget.take()
    clock.now += 44.9
    assert budget.allows_another()
    budget.take()
    clock.now += 0.2
    assert not budget.allows_another()
    assert budget.taken == 2
    nothing = Budget(seconds=0, clock=clock)
    assert nothing.allows_another(), "each call makes progress"
    nothing.take()
    assert not nothing.allows_another()


def test_budget_limit_and_no_limit():
    limited = Budget(limit=2, clock=Clock())
    for _ in range(2):
        assert limited.allows_another()
        limited.take()
    assert not limited.allows_another()
    unlimited = Budget(clock=Clock())
    for _ in range(1000):
        unlimited.take()
    assert unlimited.allows_another()
