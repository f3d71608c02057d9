"""The follow-up decision rules, without a database."""

from datetime import date

import pytest

from odoo.addons.collection_followup.tools.followup_logic import (
    Item,
    age_level,
    build_situation,
    decide,
    item_level,
    sent_index,
)

DELAYS = [-3, 3, 10, 30]  # the default level table
TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2026, 3, 19), None),  # due in 4 days: too early even for the heads-up
        (date(2026, 3, 18), 0),  # due in 3 days: heads-up
        (date(2026, 3, 15), 0),  # due today: still a heads-up
        (date(2026, 3, 14), None),  # 1 day late: the heads-up no longer applies
        (date(2026, 3, 12), 1),  # 3 days late: gentle reminder
        (date(2026, 3, 5), 2),  # 10 days late: firmer reminder
        (date(2026, 2, 13), 3),  # 30 days late: formal demand
        (date(2025, 3, 15), 3),  # a year late: still the last level
    ],
)
def test_item_level(due, expected):
    assert item_level(DELAYS, due, TODAY) == expected


def test_age_level_counts_the_heads_up_once_late():
    assert age_level(DELAYS, date(2026, 3, 14), TODAY) == 0
    assert age_level(DELAYS, date(2026, 3, 19), TODAY) is None
    assert age_level(DELAYS, None, TODAY) is None


def test_sent_index_survives_an_edited_table():
    assert sent_index(DELAYS, 10) == 2
    assert sent_index(DELAYS, 15) == 2  # level of 15 days was deleted: counts as the 10-day one
    assert sent_index(DELAYS, -5) is None
    assert sent_index(DELAYS, None) is None


def test_credits_pay_the_oldest_items_first():
    items = [
        Item(1, date(2026, 1, 1), 250.0),
        Item(2, date(2026, 2, 1), 800.0),
        Item(3, date(2026, 4, 1), 100.0),
        Item(4, date(2026, 1, 20), -300.0),  # a credit note, not yet matched
    ]
    situation = build_situation(items, TODAY)
    assert [(item.key, amount) for item, amount in situation.open_items] == [(2, 750.0), (3, 100.0)]
    assert situation.total_due == 850.0
    assert situation.overdue == 750.0
    assert situation.oldest_due_date == date(2026, 2, 1)
    assert situation.unapplied_credit == 0.0


def test_credit_larger_than_the_debt_is_left_unapplied():
    situation = build_situation(
        [Item(1, date(2026, 1, 1), 100.0), Item(2, date(2026, 1, 5), -160.0)], TODAY
    )
    assert situation.open_items == []
    assert situation.total_due == 0.0
    assert situation.oldest_due_date is None
    assert situation.unapplied_credit == 60.0


def test_residual_within_tolerance_counts_as_paid():
    situation = build_situation([Item(1, date(2026, 1, 1), 0.004)], TODAY, tolerance=0.005)
    assert situation.open_items == []


def test_first_reminder_is_sent_on_the_day_it_became_due():
    assert decide(DELAYS, [date(2026, 3, 12)], None, TODAY) == ("send", 1, date(2026, 3, 15))


def test_a_late_run_sends_only_the_highest_level_and_says_since_when():
    assert decide(DELAYS, [date(2026, 2, 1)], None, TODAY) == ("send", 3, date(2026, 3, 3))


def test_same_level_is_not_sent_twice():
    assert decide(DELAYS, [date(2026, 3, 12)], 3, TODAY) == ("wait", 1, date(2026, 3, 22))


def test_heads_up_sent_then_late_waits_for_the_gentle_reminder():
    # The heads-up went out; one day late the item no longer calls for it, but nothing resets.
    assert decide(DELAYS, [date(2026, 3, 14)], -3, TODAY) == ("wait", 0, date(2026, 3, 17))


def test_paying_the_old_items_lowers_the_last_level_without_sending():
    # Formal demand was sent for an item now paid; what is left is only 5 days late.
    assert decide(DELAYS, [date(2026, 3, 10)], 30, TODAY) == ("reset", 1, date(2026, 3, 20))


def test_paying_everything_resets_to_the_start():
    assert decide(DELAYS, [], 10, TODAY) == ("reset", None, None)


def test_nothing_owed_nothing_to_do():
    assert decide(DELAYS, [], None, TODAY) == ("wait", None, None)


def test_next_date_of_a_future_item_is_its_heads_up():
    assert decide(DELAYS, [date(2026, 4, 1)], None, TODAY) == ("wait", None, date(2026, 3, 29))


def test_after_the_last_level_there_is_no_next_date():
    assert decide(DELAYS, [date(2026, 1, 1)], 30, TODAY) == ("wait", 3, None)


def test_a_newer_item_due_soon_does_not_repeat_a_higher_level():
    # Customer at the gentle level for an old item; a new one due in 2 days calls only for a
    # heads-up, which is below what was sent: one communication at the highest level.
    assert decide(DELAYS, [date(2026, 3, 10), date(2026, 3, 17)], 3, TODAY)[0] == "wait"


def test_empty_level_table_never_sends():
    assert decide([], [date(2026, 1, 1)], None, TODAY) == ("wait", None, None)


def test_a_residual_equal_to_the_tolerance_counts_as_paid():
    """2.14 less a credit of 1.14 leaves 1.00: a tolerance of 1.00 covers it (with floats the
    rest was 1.0000000000000002 and the customer got a reminder for nothing)."""
    items = [Item(1, date(2026, 1, 1), 2.14), Item(2, date(2026, 1, 5), -1.14)]
    situation = build_situation(items, TODAY, tolerance=1.0)
    assert situation.open_items == []
    assert (situation.total_due, situation.overdue, situation.unapplied_credit) == (0, 0, 0)
    # One cent more is owed.
    situation = build_situation([Item(1, date(2026, 1, 1), 2.15), items[1]], TODAY, 1.0)
    assert [(item.key, amount) for item, amount in situation.open_items] == [(1, 1.01)]


def test_sums_of_cents_are_exact():
    """Ten items of 0.10 and one of 0.20 against a credit of 0.30: 0.90 owed, not 0.8999…"""
    items = [Item(key, date(2026, 1, key), 0.1) for key in range(1, 11)]
    items += [Item(11, date(2026, 1, 11), 0.2), Item(12, date(2026, 1, 12), -0.3)]
    situation = build_situation(items, TODAY, tolerance=0.005)
    assert situation.total_due == 0.9
    assert situation.overdue == 0.9
    assert [item.key for item, _amount in situation.open_items] == list(range(4, 12))
